"""The demo's export files, laid out as the crawlers write them: MediaCrawler (Xiaohongshu notes/comments as
CSV and JSON, Weibo posts/comments as CSV) and dataabc/weibo-crawler (per-user CSV with Chinese headers);
each header is the format's record in :data:`firestorm.ingest.FORMATS`."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from firestorm.config import Case
from firestorm.ingest import FORMATS

WEIBO_TOOLS = ["iPhone客户端", "Android", "微博 weibo.com", "HUAWEI Mate 60", "小米手机"]
BASE62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


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


def xhs_count(value: int) -> str:
    """Xiaohongshu display count: '' for 0, digits below 10,000, '1.2万' above, '10万+' from 100,000."""
    if value <= 0:
        return ""
    if value < 10_000:
        return str(value)
    if value >= 100_000:
        return "10万+"
    return f"{value / 10_000:.1f}万"


def write_csv(path: Path, header: Sequence[str], rows: list[dict], *, append_rows: list[dict] = ()) -> None:
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
                "ip_location": note.ip_location,
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
        FORMATS["mediacrawler_xhs_notes"].fields,
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
                "ip_location": comment.ip_location,
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
    write_csv(comments_path, FORMATS["mediacrawler_xhs_comments"].fields, comment_rows)
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
                "ip_location": post.ip_location,
                "user_id": user.user_id,
                "nickname": user.nickname,
                "gender": user.gender,
                "profile_url": f"https://m.weibo.cn/u/{user.user_id}",
                "avatar": f"https://tvax1.sinaimg.cn/crop.0.0.180.180.180/{user.user_id}.jpg",
                "source_keyword": keyword,
            }
        )
    posts_path = out_dir / "weibo" / "csv" / f"search_contents_{day}.csv"
    write_csv(posts_path, FORMATS["mediacrawler_weibo_posts"].fields, post_rows)

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
                "ip_location": comment.ip_location,
                "parent_comment_id": id_of[thread],
                "user_id": user.user_id,
                "nickname": user.nickname,
                "gender": user.gender,
                "profile_url": f"https://m.weibo.cn/u/{user.user_id}",
                "avatar": f"https://tvax1.sinaimg.cn/crop.0.0.180.180.180/{user.user_id}.jpg",
            }
        )
    comments_path = out_dir / "weibo" / "csv" / f"search_comments_{day}.csv"
    write_csv(comments_path, FORMATS["mediacrawler_weibo_comments"].fields, comment_rows)
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
        write_csv(path, FORMATS["weibo_crawler_posts"].fields, rows)
        manifest.append({"path": path, "format": "weibo_crawler_posts", "rows": len(rows)})
    return manifest


def _strip_weibo_emoticons(text: str) -> str:
    """MediaCrawler strips Weibo's HTML, and with it the emoticon images that weibo-crawler keeps as [怒]."""
    return re.sub(r"\[[^\[\]\s]{1,6}\]", "", text)
