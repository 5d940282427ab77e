"""The demo's items: arrivals dressed as posts, reposts and comments with users, ids, texts and engagement."""

from __future__ import annotations

import numpy as np
import pandas as pd

from firestorm.config import Case
from firestorm.demo.simulate import MINUTES_PER_HOUR, demo_params, expected_intensity, exogenous_rate, simulate_hawkes
from firestorm.demo.texts import compose_text, load_phrases, phase_boundaries, sentiment_probabilities

PLATFORMS = ("xiaohongshu", "weibo")
SENTIMENTS = ("negative", "neutral", "positive")
PROVINCES = ["北京", "上海", "广东", "浙江", "江苏", "四川", "湖北", "山东", "福建", "湖南", "河南", "陕西",
             "重庆", "天津"]
OFF_TOPIC_SHARE = 0.04
COMMENT_SHARE_OF_CHILDREN = 0.75
# Weibo mids encode their creation time: (epoch seconds - this offset) << 22, plus a sequence part.
WEIBO_MID_EPOCH_OFFSET = 515_483_463


def weibo_mid(rng: np.random.Generator, epoch_seconds: int) -> str:
    return str(((epoch_seconds - WEIBO_MID_EPOCH_OFFSET) << 22) + int(rng.integers(0, 1 << 22)))


def xhs_id(rng: np.random.Generator, epoch_seconds: int) -> str:
    """Xiaohongshu object ids: 24 hex digits whose first 8 are the creation time in epoch seconds."""
    return f"{epoch_seconds:08x}" + "".join(rng.choice(list("0123456789abcdef"), 16))


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

    from firestorm.demo.diffusion import add_coordinated_posts, plant_locations

    items_by_platform = []
    # Official posts, the coordinated group and IP locations draw from their own generators: the main stream
    # stays as it was.
    official_rng = np.random.default_rng(demo["seed"] + 2)
    coordinated_rng = np.random.default_rng(demo["seed"] + 3)
    sentence_rng = np.random.default_rng(demo["seed"] + 6)     # posts' second frame sentences
    coordinated = None
    coordinated_platform = (demo.get("coordinated_group") or {}).get("platform")
    for number, (arrivals, users) in enumerate(zip(platforms_items, platform_users)):
        dressed = _dress_items(rng, case, arrivals, users, phrases, boundaries, onset, sentence_rng)
        dressed, users = _add_official_posts(official_rng, case, dressed, users, phrases)
        if dressed["platform"].iat[0] == coordinated_platform:
            dressed, users, coordinated = add_coordinated_posts(coordinated_rng, case, dressed, users, phrases,
                                                                sentence_rng)
        platform_users[number] = users
        items_by_platform.append(dressed)
    items = pd.concat(items_by_platform, ignore_index=True)
    users = pd.concat(platform_users, ignore_index=True)
    items["ip_location"] = plant_locations(np.random.default_rng(demo["seed"] + 4), items, PROVINCES,
                                           case.first_event_time("trigger"))
    lam = expected_intensity(mu_total, params.branching_ratio, params.kernel_mean_minutes)
    peak_minute = float(np.argmax(lam)) + 0.5
    truth = {
        "onset": onset,
        "peak": case.window_start + pd.Timedelta(minutes=peak_minute),
        "peak_expected_items_per_hour": float(lam[int(peak_minute)] * MINUTES_PER_HOUR),
        "params": params,
        "boundaries": boundaries,
        "coordinated": coordinated,
    }
    return items, users, truth


def _dress_items(rng, case, arrivals, users, phrases, boundaries, onset, sentence_rng=None) -> pd.DataFrame:
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
            list(case.hashtags), mention, is_comment[i], case.keywords, sentence_rng,
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


def official_text(phrases: dict, template: str, demo: dict) -> str:
    """An official post's text; the response is the statement of the planted SCCT strategy."""
    text = phrases["official"][template]
    if isinstance(text, dict):
        text = text[demo.get("response_strategy", "rebuild")]
    return text.format(brand=demo["brand"], product=demo["product"])


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
                "user": user_index, "text": official_text(phrases, template, demo),
                "frame": frame, "sentiment": sentiment, "off_topic": False, "likes": likes, "children": 0,
                "collects": likes // 10, "shares": likes // 5,
            })
    items = pd.concat([items, pd.DataFrame(rows)], ignore_index=True)
    items["created_at"] = pd.to_datetime(items["created_at"], utc=True)
    return items, pd.concat([users, pd.DataFrame(new_users)], ignore_index=True)
