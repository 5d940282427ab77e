"""Synthetic demo corpus with planted ground truth, written in the crawlers' real export formats.

No real posts can be downloaded here, so the demo study runs on exports generated from a case's ``demo:``
section. Arrivals per platform follow a self-exciting (Hawkes) process with an exponential kernel:

* exogenous rate ``mu(t) = b + A * g(t)`` where ``g`` ramps linearly from the planted onset over
  ``rise_hours`` and then decays exponentially with the planted half-life; after an official response the
  exogenous part is multiplied by ``response_volume_factor``;
* every item begets ``Poisson(branching_ratio)`` children after ``Exponential(kernel_mean_hours)`` delays
  (comments and reposts of it), which is the cluster representation of a Hawkes process.

Texts are composed from phrase banks per frame and sentiment (``data/demo_phrases.yaml``) with platform
noise: emoticons, hashtags, @mentions, URLs and ``//@`` repost chains. Files are laid out as
MediaCrawler writes them (Xiaohongshu notes/comments as CSV and JSON, Weibo posts/comments as CSV) and as
dataabc/weibo-crawler does (per-user CSV with Chinese headers); ``firestorm.formats`` has the field lists.
``truth.yaml`` beside the exports records what was planted.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from firestorm.config import Case, parse_time
from firestorm.formats import FIELDS

PLATFORMS = ("xiaohongshu", "weibo")
SENTIMENTS = ("negative", "neutral", "positive")
PROVINCES = ["北京", "上海", "广东", "浙江", "江苏", "四川", "湖北", "山东", "福建", "湖南", "河南", "陕西", "重庆", "天津"]
WEIBO_TOOLS = ["iPhone客户端", "Android", "微博 weibo.com", "HUAWEI Mate 60", "小米手机"]
MINUTES_PER_HOUR = 60.0
OFF_TOPIC_SHARE = 0.04
COMMENT_SHARE_OF_CHILDREN = 0.75
# Weibo mids encode their creation time: (epoch seconds - this offset) << 22, plus a sequence part.
WEIBO_MID_EPOCH_OFFSET = 515_483_463
BASE62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def load_phrases() -> dict:
    text = resources.files("firestorm").joinpath("data/demo_phrases.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


# --------------------------------------------------------------------------------------------- arrivals
def exogenous_rate(minutes: np.ndarray, params: "DemoParams") -> np.ndarray:
    """Immigrant rate per minute at ``minutes`` since window start, summed over platforms."""
    since_onset = minutes - params.onset_minute
    rise = params.rise_hours * MINUTES_PER_HOUR
    decay_per_minute = np.log(2) / (params.half_life_hours * MINUTES_PER_HOUR)
    pulse = np.where(
        since_onset < 0,
        0.0,
        np.where(since_onset < rise, since_onset / rise, np.exp(-decay_per_minute * (since_onset - rise))),
    )
    if params.response_minute is not None:
        pulse = np.where(minutes >= params.response_minute, pulse * params.response_volume_factor, pulse)
    return params.background_per_minute + params.pulse_amplitude_per_minute * pulse


def expected_intensity(mu: np.ndarray, branching_ratio: float, kernel_mean_minutes: float) -> np.ndarray:
    """Expected total rate per one-minute bin of a Hawkes process with exogenous rate ``mu``.

    Solves lambda = mu + n * (kernel * lambda) for the exponential kernel with the recursion of its
    exponentially weighted memory, one minute at a time.
    """
    decay = np.exp(-1.0 / kernel_mean_minutes)
    memory = 0.0
    lam = np.empty_like(mu)
    for i, rate in enumerate(mu):
        lam[i] = rate + branching_ratio * memory
        memory = memory * decay + lam[i] * (1 - decay)
    return lam


def simulate_hawkes(
    rng: np.random.Generator, mu: np.ndarray, branching_ratio: float, kernel_mean_minutes: float
) -> pd.DataFrame:
    """Arrival minutes of a Hawkes process by its cluster representation.

    ``mu`` is the immigrant rate per one-minute bin. Returns columns ``minute`` (float, since window start),
    ``parent`` (row index of the triggering item or -1) and ``generation``, sorted by time.
    """
    horizon = len(mu)
    counts = rng.poisson(mu)
    minutes = np.repeat(np.arange(horizon), counts) + rng.random(counts.sum())
    frames = [pd.DataFrame({"minute": minutes, "parent": -1, "generation": 0})]
    offset = len(minutes)
    parents_minutes, parents_index, generation = minutes, np.arange(len(minutes)), 0
    while len(parents_minutes):
        generation += 1
        children = rng.poisson(branching_ratio, size=len(parents_minutes))
        child_minutes = np.repeat(parents_minutes, children) + rng.exponential(kernel_mean_minutes, children.sum())
        child_parents = np.repeat(parents_index, children)
        inside = child_minutes < horizon
        child_minutes, child_parents = child_minutes[inside], child_parents[inside]
        index = np.arange(offset, offset + len(child_minutes))
        frames.append(pd.DataFrame({"minute": child_minutes, "parent": child_parents, "generation": generation}))
        offset += len(child_minutes)
        parents_minutes, parents_index = child_minutes, index
    items = pd.concat(frames, ignore_index=True)
    order = np.argsort(items["minute"].to_numpy(), kind="stable")
    new_position = np.empty(len(order), dtype=np.int64)
    new_position[order] = np.arange(len(order))
    items = items.iloc[order].reset_index(drop=True)
    items["parent"] = np.where(items["parent"] >= 0, new_position[items["parent"].clip(lower=0)], -1)
    return items


# ------------------------------------------------------------------------------------------ parameters
@dataclass(frozen=True)
class DemoParams:
    horizon_minutes: int
    onset_minute: float
    rise_hours: float
    half_life_hours: float
    branching_ratio: float
    kernel_mean_minutes: float
    background_per_minute: float
    pulse_amplitude_per_minute: float
    response_minute: float | None
    response_volume_factor: float


def demo_params(case: Case, scale: float = 1.0) -> DemoParams:
    """Planted process parameters; the pulse amplitude makes the expected item count ``items * scale``."""
    demo = case.demo
    start = case.window_start
    horizon = int((case.window_end - start).total_seconds() // 60)
    onset = parse_time(demo["onset"], case.timezone, path=case.source_path, key="demo.onset")
    response_minute = None
    if case.response_time is not None:
        response_minute = (case.response_time - start).total_seconds() / 60
    base = DemoParams(
        horizon_minutes=horizon,
        onset_minute=(onset - start).total_seconds() / 60,
        rise_hours=demo["rise_hours"],
        half_life_hours=demo["decay_half_life_hours"],
        branching_ratio=demo["branching_ratio"],
        kernel_mean_minutes=demo["kernel_mean_hours"] * MINUTES_PER_HOUR,
        background_per_minute=demo["background_per_hour"] * scale / MINUTES_PER_HOUR,
        pulse_amplitude_per_minute=1.0,
        response_minute=response_minute,
        response_volume_factor=demo.get("response_volume_factor", 1.0),
    )
    grid = np.arange(horizon) + 0.5
    unit_pulse = exogenous_rate(grid, base) - base.background_per_minute
    wanted_immigrants = demo["items"] * scale * (1 - base.branching_ratio)
    amplitude = (wanted_immigrants - base.background_per_minute * horizon) / unit_pulse.sum()
    if amplitude <= 0:
        raise ValueError(f"{case.source_path}: key 'demo.items': too small for the background rate")
    return DemoParams(**{**base.__dict__, "pulse_amplitude_per_minute": amplitude})


# ------------------------------------------------------------------------------------------ identifiers
def weibo_mid(rng: np.random.Generator, epoch_seconds: int) -> str:
    return str(((epoch_seconds - WEIBO_MID_EPOCH_OFFSET) << 22) + int(rng.integers(0, 1 << 22)))


def mid_to_bid(mid: str) -> str:
    """Weibo's base62 ``bid`` of a numeric mid: 7-digit groups from the right, 4 base62 chars each."""
    groups = []
    digits = mid
    while digits:
        digits, group = digits[:-7], digits[-7:]
        value, chars = int(group), ""
        while value:
            value, rest = divmod(value, 62)
            chars = BASE62[rest] + chars
        groups.append(chars.rjust(4, "0") if digits else chars)
    return "".join(reversed(groups))


def xhs_id(rng: np.random.Generator, epoch_seconds: int) -> str:
    """Xiaohongshu object ids: 24 hex digits whose first 8 are the creation time in epoch seconds."""
    return f"{epoch_seconds:08x}" + "".join(rng.choice(list("0123456789abcdef"), 16))


# ------------------------------------------------------------------------------------------------ users
def make_users(rng: np.random.Generator, platform: str, count: int, phrases: dict) -> pd.DataFrame:
    syllables = phrases["name_syllables"]
    names = set()
    while len(names) < count:
        parts = rng.choice(syllables, size=int(rng.integers(2, 4)))
        names.add("".join(parts) + str(int(rng.integers(10, 9999))))
    names = sorted(names)
    rng.shuffle(names)
    if platform == "weibo":
        # Sampled with replacement from 7e9 ids; a clash is astronomically unlikely and harmless.
        ids = [str(x) for x in rng.integers(1_000_000_000, 7_999_999_999, count)]
    else:
        ids = ["".join(rng.choice(list("0123456789abcdef"), 24)) for _ in range(count)]
    return pd.DataFrame(
        {
            "user_id": ids,
            "nickname": names,
            "gender": rng.choice(["m", "f"], count),
            "ip_location": rng.choice(PROVINCES, count),
        }
    )


def pick_authors(rng: np.random.Generator, n_items: int, n_users: int) -> np.ndarray:
    """Heavy-tailed activity: a few users write much, most write once."""
    weights = 1.0 / np.arange(1, n_users + 1) ** 0.9
    return rng.choice(n_users, size=n_items, p=weights / weights.sum())


# ------------------------------------------------------------------------------------------------ texts
def phase_boundaries(case: Case) -> list[tuple[str, pd.Timestamp]]:
    """(phase_start, time) for each frame-mix phase, in time order."""
    boundaries = []
    for phase in case.demo["frame_mix"]:
        key = phase["phase_start"]
        time = case.window_start if key == "window" else case.first_event_time(key)
        if time is None:
            raise ValueError(f"{case.source_path}: key 'demo.frame_mix': no timeline event of kind {key!r}")
        boundaries.append((key, time))
    return sorted(boundaries, key=lambda pair: pair[1])


def sentiment_probabilities(case: Case, times: pd.Series, onset: pd.Timestamp) -> np.ndarray:
    """Planted (negative, neutral, positive) probabilities for items at ``times``."""
    demo = case.demo
    neg = np.where(times < onset, demo["negative_share"]["before"], demo["negative_share"]["after"])
    pos = np.where(times < onset, demo["positive_share"]["before"], demo["positive_share"]["after"])
    if case.response_time is not None and "after_response" in demo["negative_share"]:
        responded = times >= case.response_time
        neg = np.where(responded, demo["negative_share"]["after_response"], neg)
        pos = np.where(responded, demo["positive_share"]["after_response"], pos)
    return np.column_stack([neg, 1 - neg - pos, pos])


def compose_text(rng, phrases, platform, frame, sentiment, brand, product, hashtags, mention, is_comment,
                 keywords=()):
    """One post or comment: a frame sentence, a sentiment sentence and platform markup.

    An on-topic post always matches the case's search: where its words hold none of ``keywords`` it gets a
    case hashtag (a keyword search returns only matching posts; comments come with the post they answer).
    """
    pick = lambda options: options[int(rng.integers(len(options)))]  # noqa: E731
    parts = []
    if frame == "off_topic":
        parts.append(pick(phrases["off_topic"]))
    elif not (is_comment and frame == "none"):
        parts.append(pick(phrases["frames"][frame]).format(brand=brand, product=product))
    parts.append(pick(phrases["sentiments"][sentiment]))
    text = "，".join(parts)
    if rng.random() < 0.6:
        text += pick(phrases["emoticons"][platform][sentiment])
    unmatched = not any(keyword.lower() in text.lower() for keyword in keywords)
    if not is_comment and frame != "off_topic" and hashtags and (rng.random() < 0.5 or unmatched):
        tag = pick(hashtags)
        text += f" #{tag}[话题]#" if platform == "xiaohongshu" else f" #{tag}#"
    if mention is not None and rng.random() < 0.15:
        text = f"@{mention} {text}"
    if not is_comment and rng.random() < 0.05:
        text += " http://t.cn/A6" + "".join(rng.choice(list("abcdefXYZ0123456789"), 6))
    return text


# ------------------------------------------------------------------------------------------------ corpus
def generate_items(case: Case, scale: float = 1.0) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """All planted items of one case (one row per post/comment) and the users who wrote them."""
    demo = case.demo
    rng = np.random.default_rng(demo["seed"])
    phrases = load_phrases()
    params = demo_params(case, scale)
    onset = case.window_start + pd.Timedelta(minutes=params.onset_minute)
    grid = np.arange(params.horizon_minutes) + 0.5
    mu_total = exogenous_rate(grid, params)
    boundaries = phase_boundaries(case)
    platforms_items, platform_users = [], []
    for platform in PLATFORMS:
        share = demo["platform_share"].get(platform, 0.0)
        if share <= 0:
            continue
        arrivals = simulate_hawkes(rng, mu_total * share, params.branching_ratio, params.kernel_mean_minutes)
        arrivals["platform"] = platform
        users = make_users(rng, platform, max(20, len(arrivals) // 3), phrases)
        users["platform"] = platform
        arrivals["user"] = pick_authors(rng, len(arrivals), len(users))
        platforms_items.append(arrivals)
        platform_users.append(users)

    items_by_platform = []
    official_rng = np.random.default_rng(demo["seed"] + 2)   # the main stream stays as it was
    for number, (arrivals, users) in enumerate(zip(platforms_items, platform_users)):
        dressed = _dress_items(rng, case, arrivals, users, phrases, boundaries, onset)
        dressed, platform_users[number] = _add_official_posts(official_rng, case, dressed, users, phrases)
        items_by_platform.append(dressed)
    items = pd.concat(items_by_platform, ignore_index=True)
    users = pd.concat(platform_users, ignore_index=True)
    lam = expected_intensity(mu_total, params.branching_ratio, params.kernel_mean_minutes)
    peak_minute = float(np.argmax(lam)) + 0.5
    truth = {
        "onset": onset,
        "peak": case.window_start + pd.Timedelta(minutes=peak_minute),
        "peak_expected_items_per_hour": float(lam[int(peak_minute)] * MINUTES_PER_HOUR),
        "params": params,
        "boundaries": boundaries,
    }
    return items, users, truth


def _dress_items(rng, case, arrivals, users, phrases, boundaries, onset) -> pd.DataFrame:
    demo = case.demo
    platform = arrivals["platform"].iat[0]
    n = len(arrivals)
    times = case.window_start + pd.to_timedelta(arrivals["minute"].to_numpy(), unit="min")
    times = pd.Series(times).dt.floor("s")
    parent = arrivals["parent"].to_numpy()
    is_child = parent >= 0
    is_comment = is_child & (rng.random(n) < COMMENT_SHARE_OF_CHILDREN)
    # An item is off topic if its cluster's immigrant is; children follow their parent.
    off_topic = np.zeros(n, dtype=bool)
    root = np.arange(n)
    for i in range(n):  # parents precede children after the time sort
        if parent[i] >= 0:
            off_topic[i] = off_topic[parent[i]]
            root[i] = root[parent[i]] if is_comment[i] else i
        else:
            off_topic[i] = rng.random() < OFF_TOPIC_SHARE
    # A comment hangs under the post its parent belongs to; a non-comment child is a post of its own.
    kinds = np.where(is_comment, "comment", np.where(is_child & (platform == "weibo"), "repost", "post"))
    if platform != "weibo":
        kinds = np.where(kinds == "repost", "post", kinds)

    phase_names = [name for name, _ in boundaries]
    phase_index = np.searchsorted([t.value for _, t in boundaries], times.astype("int64").to_numpy(), side="right") - 1
    phase_index = phase_index.clip(min=0)
    frames = np.empty(n, dtype=object)
    for index, phase in enumerate(demo["frame_mix"]):
        if phase["phase_start"] not in phase_names:
            continue
        members = np.flatnonzero(phase_index == phase_names.index(phase["phase_start"]))
        labels = list(phase["frames"])
        weights = np.array([phase["frames"][label] for label in labels], dtype=float)
        frames[members] = rng.choice(labels, size=len(members), p=weights / weights.sum())
    frames = np.where(off_topic, "off_topic", frames)

    probabilities = sentiment_probabilities(case, times, onset)
    draws = rng.random(n)
    sentiment_index = (draws[:, None] > np.cumsum(probabilities, axis=1)).sum(axis=1).clip(max=2)
    sentiments = np.array(SENTIMENTS)[sentiment_index]

    user_index = arrivals["user"].to_numpy()
    nicknames = users["nickname"].to_numpy()
    texts = []
    for i in range(n):
        mention = nicknames[int(rng.integers(len(users)))]
        text = compose_text(
            rng, phrases, platform, frames[i], sentiments[i], demo["brand"], demo["product"],
            list(case.hashtags), mention, is_comment[i], case.keywords,
        )
        if kinds[i] == "repost":
            # Weibo repost: the reposter's words, then the chain of what was reposted.
            parent_text = texts[parent[i]].split("//@")[0]
            text = f"{text}//@{nicknames[user_index[parent[i]]]}:{parent_text}"
        texts.append(text)

    children = np.bincount(parent[is_child], minlength=n)
    likes = np.floor(rng.lognormal(1.0, 1.3, n) * (1 + 3 * children)).astype(np.int64)
    epoch = (times.astype("int64") // 10**9).to_numpy()
    ids = [weibo_mid(rng, int(s)) if platform == "weibo" else xhs_id(rng, int(s)) for s in epoch]
    return pd.DataFrame(
        {
            "item_id": ids,
            "platform": platform,
            "kind": kinds,
            "created_at": times,
            "parent": parent,
            "root": root,
            "user": user_index,
            "text": texts,
            "frame": frames,
            "sentiment": sentiments,
            "off_topic": off_topic,
            "likes": likes,
            "children": children,
            "collects": np.floor(likes * rng.random(n) * 0.5).astype(np.int64),
            "shares": np.floor(likes * rng.random(n) * 0.2).astype(np.int64),
        }
    )


def _add_official_posts(rng, case, items, users, phrases):
    """Posts by the case's official accounts on this platform: a promotion three days before the trigger and,
    if the company responded, its statement five minutes after the response time."""
    platform = items["platform"].iat[0]
    accounts = [a for a in case.official_accounts if a["platform"] == platform]
    if not accounts:
        return items, users
    demo, trigger = case.demo, case.first_event_time("trigger")
    rows, new_users = [], []
    for account in accounts:
        user_index = len(users) + len(new_users)
        new_users.append({"user_id": account.get("user_id") or str(rng.integers(1_000_000_000, 7_999_999_999)),
                          "nickname": account.get("nickname") or f"{demo['brand']}官方", "gender": "f",
                          "ip_location": "北京", "platform": platform})
        posts = [(trigger - pd.Timedelta(days=3), "promotion", "none", "positive")]
        if case.responded:
            posts.append((case.response_time + pd.Timedelta(minutes=5), "response", "response", "neutral"))
        for time, template, frame, sentiment in posts:
            if not case.window_start <= time < case.window_end:
                continue
            seconds = int(time.timestamp())
            index = len(items) + len(rows)
            likes = int(rng.integers(500, 5000))
            rows.append({
                "item_id": weibo_mid(rng, seconds) if platform == "weibo" else xhs_id(rng, seconds),
                "platform": platform, "kind": "post", "created_at": time.floor("s"), "parent": -1, "root": index,
                "user": user_index, "text": phrases["official"][template].format(brand=demo["brand"],
                                                                                 product=demo["product"]),
                "frame": frame, "sentiment": sentiment, "off_topic": False, "likes": likes, "children": 0,
                "collects": likes // 10, "shares": likes // 5,
            })
    items = pd.concat([items, pd.DataFrame(rows)], ignore_index=True)
    items["created_at"] = pd.to_datetime(items["created_at"], utc=True)
    return items, pd.concat([users, pd.DataFrame(new_users)], ignore_index=True)


# ---------------------------------------------------------------------------------------------- writing
def xhs_count(value: int) -> str:
    """Xiaohongshu display count: '' for 0, digits below 10,000, '1.2万' above, '10万+' from 100,000."""
    if value <= 0:
        return ""
    if value < 10_000:
        return str(value)
    if value >= 100_000:
        return "10万+"
    return f"{value / 10_000:.1f}万"


def write_csv(path: Path, header: list[str], rows: list[dict], *, append_rows: list[dict] = ()) -> None:
    """MediaCrawler and weibo-crawler both write utf-8-sig CSV with CRLF line ends and minimal quoting."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
        writer.writerows(append_rows)  # a re-run appends rows without a new header


def write_exports(case: Case, items: pd.DataFrame, users: pd.DataFrame, out_dir: Path, rng) -> list[dict]:
    """Write every export file of the case; returns one manifest entry per file."""
    manifest = []
    crawl_day = (case.window_end + pd.Timedelta(days=1)).tz_convert(case.timezone).normalize()
    for platform, writer in (("xiaohongshu", _write_xhs), ("weibo", _write_weibo)):
        subset = items[items["platform"] == platform]
        if len(subset):
            # Rows as tuples: positional access per item is far faster than DataFrame.iloc.
            user_table = list(users[users["platform"] == platform].itertuples(index=False))
            manifest += writer(case, subset.reset_index(drop=True), user_table, out_dir, rng, crawl_day)
    return manifest


def _ms(stamp: pd.Timestamp) -> int:
    return int(stamp.value // 10**6)


def _xhs_note_rows(notes, users, items, crawl_time, like_growth, source_keyword):
    rows = []
    for note in notes.itertuples():
        user = users[note.user]
        desc = note.text
        tags = [part.split("[话题]")[0] for part in desc.split("#")[1::2]]
        likes = int(note.likes * like_growth)
        rows.append(
            {
                "note_id": note.item_id,
                "type": "normal",
                "title": desc.split("，")[0][:20],
                "desc": desc,
                "video_url": "",
                "time": _ms(note.created_at),
                "last_update_time": _ms(note.created_at),
                "user_id": user.user_id,
                "nickname": user.nickname,
                "avatar": f"https://sns-avatar-qc.xhscdn.com/avatar/{user.user_id}.jpg",
                "liked_count": xhs_count(likes),
                "collected_count": xhs_count(int(note.collects)),
                "comment_count": xhs_count(int(note.children)),
                "share_count": xhs_count(int(note.shares)),
                "ip_location": user.ip_location,
                "image_list": f"https://sns-webpic-qc.xhscdn.com/{note.item_id}/1.jpg",
                "tag_list": ",".join(tags),
                "last_modify_ts": _ms(crawl_time),
                "note_url": f"https://www.xiaohongshu.com/explore/{note.item_id}",
                "source_keyword": source_keyword,
                "xsec_token": "AB" + note.item_id[-12:],
            }
        )
    return rows


def _write_xhs(case, items, users, out_dir, rng, crawl_day) -> list[dict]:
    notes = items[items["kind"] != "comment"]
    comments = items[items["kind"] == "comment"]
    keyword = case.keywords[0]
    first_crawl = crawl_day + pd.Timedelta(hours=10)
    second_crawl = crawl_day + pd.Timedelta(days=1, hours=15)
    in_csv = rng.random(len(notes)) < 0.8
    # The JSON crawl covers every note the CSV crawl missed and re-crawls a third of the others.
    in_json = ~in_csv | (rng.random(len(notes)) < 0.3)
    rerun = in_csv & (rng.random(len(notes)) < 0.03)
    day = first_crawl.strftime("%Y-%m-%d")
    csv_path = out_dir / "xhs" / "csv" / f"search_contents_{day}.csv"
    write_csv(
        csv_path,
        FIELDS["mediacrawler_xhs_notes"],
        _xhs_note_rows(notes[in_csv], users, items, first_crawl, 1.0, keyword),
        append_rows=_xhs_note_rows(notes[rerun], users, items, first_crawl + pd.Timedelta(hours=3), 1.05, keyword),
    )
    json_path = out_dir / "xhs" / "json" / f"search_contents_{second_crawl.strftime('%Y-%m-%d')}.json"
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_rows = _xhs_note_rows(notes[in_json], users, items, second_crawl, 1.1, keyword)
    json_path.write_text(json.dumps(json_rows, ensure_ascii=False, indent=4), encoding="utf-8")

    id_of = items["item_id"].to_numpy()
    kinds = items["kind"].to_numpy()
    comment_rows = []
    for comment in comments.itertuples():
        user = users[comment.user]
        parent_is_comment = kinds[comment.parent] == "comment"
        comment_rows.append(
            {
                "comment_id": comment.item_id,
                "create_time": _ms(comment.created_at),
                "ip_location": user.ip_location,
                "note_id": id_of[comment.root],
                "content": comment.text,
                "user_id": user.user_id,
                "nickname": user.nickname,
                "avatar": f"https://sns-avatar-qc.xhscdn.com/avatar/{user.user_id}.jpg",
                "sub_comment_count": str(int(comment.children)),
                "pictures": "",
                "parent_comment_id": id_of[comment.parent] if parent_is_comment else "0",
                "last_modify_ts": _ms(first_crawl),
                "like_count": xhs_count(int(comment.likes)),
            }
        )
    comments_path = out_dir / "xhs" / "csv" / f"search_comments_{day}.csv"
    write_csv(comments_path, FIELDS["mediacrawler_xhs_comments"], comment_rows)
    return [
        {"path": csv_path, "format": "mediacrawler_xhs_notes", "rows": int(in_csv.sum() + rerun.sum())},
        {"path": json_path, "format": "mediacrawler_xhs_notes", "rows": int(in_json.sum())},
        {"path": comments_path, "format": "mediacrawler_xhs_comments", "rows": len(comment_rows)},
    ]


# MediaCrawler's Weibo create_time was 8 hours too large in every version from 2023-12 to 2026-07-30.
MEDIACRAWLER_WEIBO_CREATE_TIME_ERROR_S = 8 * 3600


def _beijing(stamp: pd.Timestamp) -> pd.Timestamp:
    return stamp.tz_convert("Asia/Shanghai")


def _write_weibo(case, items, users, out_dir, rng, crawl_day) -> list[dict]:
    # The Weibo search crawl ran with a MediaCrawler version of 2024 (with its create_time defect).
    crawl = crawl_day + pd.Timedelta(days=200, hours=9)
    day = crawl.strftime("%Y-%m-%d")
    posts = items[items["kind"] != "comment"]
    comments = items[items["kind"] == "comment"]
    id_of = items["item_id"].to_numpy()
    keyword = case.keywords[0]

    # The most active authors were also crawled per user with weibo-crawler; search missed some of their posts.
    activity = posts["user"].value_counts()
    heavy_users = set(activity.index[: max(3, min(15, len(activity) // 20))])
    by_heavy = posts["user"].isin(heavy_users).to_numpy()
    missed_by_search = by_heavy & (rng.random(len(posts)) < 0.1)

    post_rows = []
    for post in posts[~missed_by_search].itertuples():
        user = users[post.user]
        epoch = int(post.created_at.value // 10**9)
        post_rows.append(
            {
                "note_id": post.item_id,
                "content": _strip_weibo_emoticons(post.text),
                "create_time": epoch + MEDIACRAWLER_WEIBO_CREATE_TIME_ERROR_S,
                "create_date_time": _beijing(post.created_at).isoformat(sep=" "),
                "liked_count": str(int(post.likes)),
                "comments_count": str(int(post.children)),
                "shared_count": str(int(post.shares)),
                "last_modify_ts": _ms(crawl),
                "note_url": f"https://m.weibo.cn/detail/{post.item_id}",
                "ip_location": user.ip_location,
                "user_id": user.user_id,
                "nickname": user.nickname,
                "gender": user.gender,
                "profile_url": f"https://m.weibo.cn/u/{user.user_id}",
                "avatar": f"https://tvax1.sinaimg.cn/crop.0.0.180.180.180/{user.user_id}.jpg",
                "source_keyword": keyword,
            }
        )
    posts_path = out_dir / "weibo" / "csv" / f"search_contents_{day}.csv"
    write_csv(posts_path, FIELDS["mediacrawler_weibo_posts"], post_rows)

    comment_rows = []
    kinds = items["kind"].to_numpy()
    parents = items["parent"].to_numpy()
    for comment in comments.itertuples():
        user = users[comment.user]
        # Weibo's parent_comment_id is the root comment of the thread, the comment itself at top level.
        thread = comment.Index if kinds[comment.parent] != "comment" else comment.parent
        while kinds[parents[thread]] == "comment":
            thread = parents[thread]
        epoch = int(comment.created_at.value // 10**9)
        comment_rows.append(
            {
                "comment_id": comment.item_id,
                "create_time": epoch + MEDIACRAWLER_WEIBO_CREATE_TIME_ERROR_S,
                "create_date_time": _beijing(comment.created_at).isoformat(sep=" "),
                "note_id": id_of[comment.root],
                "content": _strip_weibo_emoticons(comment.text),
                "sub_comment_count": str(int(comment.children)),
                "comment_like_count": str(int(comment.likes)),
                "last_modify_ts": _ms(crawl),
                "ip_location": user.ip_location,
                "parent_comment_id": id_of[thread],
                "user_id": user.user_id,
                "nickname": user.nickname,
                "gender": user.gender,
                "profile_url": f"https://m.weibo.cn/u/{user.user_id}",
                "avatar": f"https://tvax1.sinaimg.cn/crop.0.0.180.180.180/{user.user_id}.jpg",
            }
        )
    comments_path = out_dir / "weibo" / "csv" / f"search_comments_{day}.csv"
    write_csv(comments_path, FIELDS["mediacrawler_weibo_comments"], comment_rows)
    manifest = [
        {"path": posts_path, "format": "mediacrawler_weibo_posts", "rows": len(post_rows)},
        {"path": comments_path, "format": "mediacrawler_weibo_comments", "rows": len(comment_rows)},
    ]

    for user_index in sorted(heavy_users):
        user = users[user_index]
        rows = []
        for post in posts[posts["user"] == user_index].itertuples():
            local = _beijing(post.created_at)
            tags = [t for t in post.text.split("#")[1::2]]
            rows.append(
                {
                    "id": f"{post.item_id}\t",
                    "bid": mid_to_bid(post.item_id),
                    "正文": post.text,
                    "头条文章url": "",
                    "原始图片url": "",
                    "视频url": "",
                    "Live Photo视频url": "",
                    "位置": "",
                    "日期": local.strftime("%Y-%m-%dT%H:%M:%S"),
                    "工具": WEIBO_TOOLS[int(rng.integers(len(WEIBO_TOOLS)))],
                    "点赞数": int(post.likes),
                    "评论数": int(post.children),
                    "转发数": int(post.shares),
                    "话题": ",".join(tags),
                    "@用户": ",".join(part.split(" ")[0] for part in post.text.split("@")[1:]),
                    "完整日期": local.strftime("%Y-%m-%d %H:%M:%S"),
                    "是否编辑过": False,
                    "编辑次数": 0,
                }
            )
        path = out_dir / "weibo_crawler" / user.nickname / f"{user.user_id}.csv"
        write_csv(path, FIELDS["weibo_crawler_posts"], rows)
        manifest.append({"path": path, "format": "weibo_crawler_posts", "rows": len(rows)})
    return manifest


def _strip_weibo_emoticons(text: str) -> str:
    """MediaCrawler strips Weibo's HTML, and with it the emoticon images that weibo-crawler keeps as [怒]."""
    return re.sub(r"\[[^\[\]\s]{1,6}\]", "", text)


def generate_case(case: Case, out_dir: str | Path, scale: float = 1.0) -> dict:
    """Write the demo exports of ``case`` under ``out_dir`` and ``truth.yaml`` beside them.

    Deterministic for the case's ``demo.seed`` and ``scale``. Returns the truth document.
    """
    out_dir = Path(out_dir)
    items, users, planted = generate_items(case, scale)
    rng = np.random.default_rng(case.demo["seed"] + 1)
    manifest = write_exports(case, items, users, out_dir, rng)
    on_topic = items[~items["off_topic"]]
    truth = build_truth(case, scale, items, on_topic, planted, manifest, out_dir)
    (out_dir / "truth.yaml").write_text(yaml.safe_dump(truth, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return truth


def build_truth(case, scale, items, on_topic, planted, manifest, out_dir) -> dict:
    params: DemoParams = planted["params"]
    boundaries = planted["boundaries"]
    phase_of = np.searchsorted([t.value for _, t in boundaries], items["created_at"].astype("int64"), side="right") - 1
    frame_truth = {}
    for index, (name, start) in enumerate(boundaries):
        members = on_topic[phase_of[on_topic.index] == index]
        planted_mix = next(p["frames"] for p in case.demo["frame_mix"] if p["phase_start"] == name)
        realised = members["frame"].value_counts(normalize=True)
        frame_truth[name] = {
            "start": start.isoformat(),
            "items": int(len(members)),
            "planted": {k: float(v) for k, v in planted_mix.items()},
            "realised": {k: round(float(realised.get(k, 0.0)), 4) for k in planted_mix},
        }
    return {
        "case": case.name,
        "seed": case.demo["seed"],
        "scale": scale,
        "timezone": case.timezone,
        "onset": planted["onset"].isoformat(),
        "peak": planted["peak"].isoformat(),
        "peak_expected_items_per_hour": round(planted["peak_expected_items_per_hour"], 2),
        "decay_half_life_hours": params.half_life_hours,
        "branching_ratio": params.branching_ratio,
        "kernel_mean_hours": params.kernel_mean_minutes / MINUTES_PER_HOUR,
        "responded": case.responded,
        "response_time": case.response_time.isoformat() if case.response_time is not None else None,
        "onset_to_response_hours": (
            round((case.response_time - planted["onset"]).total_seconds() / 3600, 3)
            if case.response_time is not None else None
        ),
        "negative_share": dict(case.demo["negative_share"]),
        "positive_share": dict(case.demo["positive_share"]),
        "items": {
            "total": int(len(items)),
            "on_topic": int(len(on_topic)),
            "off_topic": int(items["off_topic"].sum()),
            "by_platform_kind": {
                f"{p}/{k}": int(n) for (p, k), n in items.groupby(["platform", "kind"]).size().items()
            },
            "realised_sentiment": {
                k: round(float(v), 4) for k, v in on_topic["sentiment"].value_counts(normalize=True).items()
            },
        },
        "frames_by_phase": frame_truth,
        "exports": [
            {"path": str(Path(m["path"]).relative_to(out_dir)), "format": m["format"], "rows": m["rows"]}
            for m in manifest
        ],
    }
