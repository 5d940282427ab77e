"""Column contracts of the tables firestorm writes (the single source of truth for their schemas)."""

from __future__ import annotations

import pandas as pd

# results/<case>/posts.parquet: one row per post, comment or repost, deduplicated and filtered to the case.
POSTS = {
    "post_id": "string",        # platform-qualified: "weibo:4927631273005057", "xiaohongshu:64c0…"
    "platform": "string",       # weibo | xiaohongshu
    "kind": "string",           # post | comment | repost
    "parent_id": "string",      # post_id of the replied-to item (comments), else null
    "root_id": "string",        # post_id of the thread's post (comments), else the item itself
    "created_at": "datetime64[ns, UTC]",
    "time_precision": "string", # second | minute | hour | day: the finest unit the export's time states
    "author": "string",         # keyed pseudonym (firestorm.privacy), never a raw id or nickname
    "is_official": "boolean",   # written by one of the case's official_accounts
    "text": "string",           # body with @mentions pseudonymised
    "title": "string",          # Xiaohongshu note title, else null
    "likes": "Int64",
    "comments": "Int64",
    "shares": "Int64",
    "collects": "Int64",
    "ip_region": "string",
    "author_alias": "string",   # pseudonym of the author's nickname as texts write it (@name, //@name:), else null
    "gender": "string",         # the author's gender as the export states it: f | m; null where not stated
    "followers": "Int64",       # the author's follower count's order of magnitude (12,345 -> 10,000), where stated
    "hashtags": "string",       # hashtags joined by "|" without markup
    "source_file": "string",    # export path as given in the case inputs
    "source_row": "Int64",      # 1-based record number in that file (header excluded)
    "crawled_at": "datetime64[ns, UTC]",
}

# What a format says about an item's author, not about the item: it never decides which of two copies of a
# twice-crawled item is kept (a MediaCrawler copy with the author's gender against a weibo-search copy without).
AUTHOR_PROFILE = ("author_alias", "gender", "followers")

# How precisely an export states when an item was created, finest first. Hourly and minute-level analyses
# (onset, Hawkes, interrupted time series, latency) use only items stated to the minute or better.
TIME_PRECISIONS = ("second", "minute", "hour", "day")
HOURLY_PRECISIONS = ("second", "minute", "hour")

# results/<case>/rejects.parquet: every input record that could not be read, with why.
REJECTS = {
    "source_file": "string",
    "source_row": "Int64",
    "field": "string",
    "reason": "string",
    "raw": "string",            # the record with personal fields redacted, cut to 2,000 characters
}


def empty_frame(columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in columns.items()})


def conform(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """``frame`` with exactly ``columns`` in order and dtype; raises naming a missing column."""
    missing = [name for name in columns if name not in frame.columns]
    if missing:
        raise KeyError(f"table lacks columns {missing}")
    return frame[list(columns)].astype(columns)
