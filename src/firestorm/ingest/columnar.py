"""Column-wise normalisation of a chunk of records: the fast path of ingest.

A column-wise normaliser takes the records of a chunk as columns and returns the canonical columns plus a mask
of the rows it could not decide. It decides only the common, well-formed values — epoch digits, the standard
date strings, values whose parse it memoises per distinct value with the very function the per-record path
calls — and leaves every other row to the per-record normaliser of :mod:`~firestorm.ingest.formats`, so a
reject keeps its exact field and reason. The contract, tested on every fixture, the demo exports and real
exports, is that both paths give the same rows.

Per distinct value, not per row: counts (``1.2万``), regions, genders, tag lists, and the keyed pseudonyms of
authors and nicknames (one HMAC per distinct author).
"""

from __future__ import annotations

import re
from operator import itemgetter
from typing import Callable

import numpy as np
import pandas as pd

from firestorm.ingest import formats as f
from firestorm.ingest.parsing import MISSING_TEXT as MISSING, parse_count

_UNDECIDED = object()   # a memoised call that raised: the row goes to the per-record path

# Date forms read column-wise: (pattern, strptime format, precision, naive). Other forms — and values of these
# forms that do not parse — are left to parsing.parse_datetime_precision row by row.
DATE_FORMS = (
    (r"D{4}-D{2}-D{2} D{2}:D{2}:D{2}[+-]D{2}:D{2}", "%Y-%m-%d %H:%M:%S%z", "second", False),
    (r"D{4}-D{2}-D{2} D{2}:D{2}:D{2}", "%Y-%m-%d %H:%M:%S", "second", True),
    (r"D{4}-D{2}-D{2}TD{2}:D{2}:D{2}", "%Y-%m-%dT%H:%M:%S", "second", True),
    (r"D{4}-D{2}-D{2} D{2}:D{2}", "%Y-%m-%d %H:%M", "minute", True),
    (r"D{4}-D{2}-D{2}", "%Y-%m-%d", "day", True),
    (r"D{4}年D{2}月D{2}日 D{2}:D{2}:D{2}", "%Y年%m月%d日 %H:%M:%S", "second", True),
    (r"D{4}年D{2}月D{2}日 D{2}:D{2}", "%Y年%m月%d日 %H:%M", "minute", True),
    (r"D{4}年D{2}月D{2}日", "%Y年%m月%d日", "day", True),
    (r"[A-Z][a-z]{2} [A-Z][a-z]{2} D{2} D{2}:D{2}:D{2} [+-]D{4} D{4}", "%a %b %d %H:%M:%S %z %Y", "second", False),
)
# D: an ASCII digit (Python's \d also matches full-width and other digits, which the per-record path judges).
DATE_FORMS = tuple((pattern.replace("D", "[0-9]"), *rest) for pattern, *rest in DATE_FORMS)
# Weibo's relative forms, resolved against the file's crawl time: (pattern, unit of the number, precision).
RELATIVE_FORMS = ((r"刚刚", None, "minute"), (r"([0-9]{1,6})秒前", "s", "second"),
                  (r"([0-9]{1,6})分钟前", "min", "minute"), (r"([0-9]{1,6})小时前", "h", "hour"))
_ASCII_DIGITS = re.compile(r"[0-9]+")
# parsing.parse_epoch's ranges, cut where nanoseconds overflow (2262): later epochs take the per-record path.
_EPOCH_S, _EPOCH_MS = (10**9, 9_223_372_035), (10**12, 9_223_372_036_853)


class Columns:
    """The records of a chunk as columns (lists of the values as the records hold them)."""

    def __init__(self, records: list[dict], data: dict | None = None, n: int | None = None):
        # text_only: every value is a str (CSV columns read as such); else values are checked where it matters
        self.text_only = False
        if data is not None:   # columns read as such (readers.ColumnBatch): every column holds n strings
            self.n, self.data, self.text_only = n, data, True
            return
        self.n = len(records)
        names = list(records[0]) if records else []
        if len(names) == 1:
            self.data = {names[0]: [record[names[0]] for record in records]}
        else:   # one pass over the records, transposed in C
            self.data = dict(zip(names, map(list, zip(*map(itemgetter(*names), records))))) if names else {}

    def __contains__(self, name) -> bool:
        return name in self.data

    def raw(self, name) -> list:
        """A column as held; a column the records lack reads as None throughout (``record.get``)."""
        return self.data.get(name) or [None] * self.n

    def value(self, *names) -> list:
        """:func:`formats._value` per row: the first of ``names`` with a value (strings stripped), else None."""
        result = None
        for name in names:
            if name not in self.data:
                continue
            column = self.data[name]
            if self.text_only or all(type(v) is str for v in column):   # CSV: every value text
                cleaned = [None if (s := v.strip()) in MISSING else s for v in column]
            else:
                cleaned = [_clean(v) for v in column]
            result = cleaned if result is None else [r if r is not None else c for r, c in zip(result, cleaned)]
        return result if result is not None else [None] * self.n

    def first_present(self, names) -> str:
        """:func:`formats._first_name`: the first of ``names`` the records hold (all rows hold the same)."""
        return next((n for n in names if n in self.data), names[0])


def _clean(value):
    if type(value) is str:
        value = value.strip()
        return None if value in MISSING else value
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value


def memo_map(function: Callable, values: list) -> tuple[list, np.ndarray]:
    """``function`` of each value, called once per distinct value: (results, rows where it raised ValueError,
    whose result reads None)."""
    if all(type(v) is str or v is None for v in values):   # the common case: one call per distinct text
        table = {}
        for value in set(values):
            try:
                table[value] = function(value)
            except ValueError:
                table[value] = _UNDECIDED
        results = [table[v] for v in values]
        if not any(r is _UNDECIDED for r in table.values()):
            return results, np.zeros(len(results), dtype=bool)
        bad = np.fromiter((r is _UNDECIDED for r in results), dtype=bool, count=len(results))
        return [None if r is _UNDECIDED else r for r in results], bad
    cache: dict = {}
    results = []
    for value in values:
        # 1, 1.0 and True are equal keys of a dict but not equal inputs: only strings and None key by value.
        key = value if type(value) is str or value is None or (
            type(value) is tuple and all(type(v) is str or v is None for v in value)) else (type(value), repr(value))
        try:
            result = cache[key]
        except KeyError:
            try:
                result = function(value)
            except ValueError:   # RowError included
                result = _UNDECIDED
            cache[key] = result
        results.append(result)
    bad = np.fromiter((r is _UNDECIDED for r in results), dtype=bool, count=len(results))
    if bad.any():
        results = [None if r is _UNDECIDED else r for r in results]
    return results, bad


def text(cols: Columns, *names) -> tuple[list, np.ndarray]:
    """:func:`formats._text`: the value as a string; undecided where missing or not text."""
    values = cols.value(*names)
    bad = np.fromiter((v is None or isinstance(v, (list, dict)) for v in values), dtype=bool, count=cols.n)
    return [v if type(v) is str else str(v) for v in values], bad


def optional_text(cols: Columns, *names) -> list:
    return [v if type(v) is str or v is None else None if isinstance(v, (list, dict)) else str(v)
            for v in cols.value(*names)]


def count(cols: Columns, *names) -> tuple[list, np.ndarray]:
    """:func:`formats._count`: parse_count of the first column present, once per distinct value."""
    return memo_map(parse_count, cols.raw(cols.first_present(names)))


def stated_count(cols: Columns, *names) -> tuple[list, np.ndarray]:
    """:func:`formats._stated_count`: null where no column of ``names`` has a value."""
    chosen = [None] * cols.n
    for name in reversed(names):   # the first name with a value wins
        if name in cols:
            chosen = [raw if _clean(raw) is not None else c for raw, c in zip(cols.raw(name), chosen)]
    return memo_map(parse_count, chosen)


def qualified(ctx: f.FileContext, values: list) -> list:
    return [f"{ctx.platform}:{str(v).strip()}" for v in values]


def weibo_post_id(ctx: f.FileContext, cols: Columns, *names) -> tuple[list, np.ndarray]:
    """:func:`formats._weibo_post_id`: weibo:<mid>, base62 bids converted once per distinct bid."""
    local, bad = text(cols, *names)
    local = [v.strip() for v in local]
    odd = [i for i, v in enumerate(local) if not v.isdigit()]
    if odd:
        mids, unread = memo_map(f.bid_to_mid, [local[i] for i in odd])
        for i, mid, no in zip(odd, mids, unread):
            local[i] = mid if not no else ""
            bad[i] |= no
    return qualified(ctx, local), bad


def scrubbed(ctx: f.FileContext, texts: list) -> list:
    """ctx.scrub of each text; a text with no ``@`` and no repost attribution has nothing to pseudonymise."""
    return [ctx.scrub(t) if t is not None and ("@" in t or "原始用户" in t) else t for t in texts]


def topics(texts: list, pattern: re.Pattern, listed: list | None = None) -> list:
    """:func:`formats._topics` per row: from a listed value once per distinct list, else from the text's ``#``."""
    listed = listed if listed is not None else [None] * len(texts)
    cache: dict = {}
    result = []
    for text_value, tags in zip(texts, listed):
        key = tuple(tags) if isinstance(tags, list) else tags
        if key not in cache:
            joined = ",".join(str(t) for t in tags) if isinstance(tags, list) else tags
            has_names = any(t.strip() for t in re.split(r"[,，\s]", joined or ""))
            cache[key] = f._topics("", pattern, tags) if has_names else None
        topic = cache[key]
        if topic is None:
            topic = f._topics(text_value, pattern, tags) if "#" in text_value else ""
        result.append(topic)
    return result


def tags(cols: Columns, *names) -> tuple[list, np.ndarray]:
    """:func:`formats._tags` once per distinct value."""
    name = cols.first_present(names)
    return memo_map(lambda value: f.tags_of(value, name), cols.value(*names))


def author(ctx: f.FileContext, user_ids: list, nicknames: list | None = None) -> list:
    """:func:`formats._author`, one HMAC per distinct author."""
    nicknames = nicknames if nicknames is not None else [None] * len(user_ids)
    return memo_map(lambda pair: f._author(ctx, *pair), list(zip(user_ids, nicknames)))[0]


def alias(ctx: f.FileContext, nicknames: list) -> list:
    return memo_map(lambda nickname: f._alias(ctx, nickname), nicknames)[0]


def region(values: list) -> list:
    return memo_map(f._region, values)[0]


def gender(ctx: f.FileContext, cols: Columns, *names) -> tuple[list, np.ndarray]:
    """:func:`formats._gender` once per distinct value (a value that is no gender is left to the per-record path)."""
    def one(value):
        return None if value is None else f._gender({"gender": value}, ctx, "gender")
    return memo_map(one, cols.value(*names))


# ---------------------------------------------------------------------------------------------------- time
def epochs(values: list) -> tuple[np.ndarray, np.ndarray]:
    """(UTC nanoseconds, decided) for epoch seconds or milliseconds written as ASCII digits or ints."""
    nanos = np.zeros(len(values), dtype=np.int64)
    decided = np.zeros(len(values), dtype=bool)
    for i, value in enumerate(values):
        if type(value) is str:
            if not (len(value) in (10, 13) and value.isascii() and value.isdigit()):
                continue
            number = int(value)
        elif type(value) is int:
            number = value
        else:
            continue
        if _EPOCH_MS[0] <= number <= _EPOCH_MS[1]:
            nanos[i], decided[i] = number * 1_000_000, True
        elif _EPOCH_S[0] <= number <= _EPOCH_S[1]:
            nanos[i], decided[i] = number * 1_000_000_000, True
    return nanos, decided


def datetimes(values: list, timezone: str, crawled_at: pd.Timestamp | None) -> tuple[pd.Series, list, np.ndarray]:
    """:func:`parsing.parse_datetime_precision` column-wise for the common forms: (UTC times, precisions,
    undecided rows). Values are cleaned (stripped) already."""
    n = len(values)
    nanos, decided = epochs(values)
    precision = np.array(["second"] * n, dtype=object)
    series = pd.Series([v if type(v) is str else None for v in values], dtype=object)
    strings = series.notna().to_numpy() & ~decided
    if strings.any():
        text_values = series[strings].astype(str)
        undone = pd.Series(True, index=text_values.index)
        for pattern, fmt, form_precision, naive in DATE_FORMS:
            match = undone & text_values.str.fullmatch(pattern)
            if not match.any():
                continue
            parsed = pd.to_datetime(text_values[match], format=fmt, errors="coerce", utc=not naive)
            if naive:
                parsed = parsed.dt.tz_localize(timezone, ambiguous="NaT", nonexistent="NaT").dt.tz_convert("UTC")
            ok = parsed.notna()
            rows = ok.index[ok.to_numpy()]
            nanos[rows] = parsed[ok].dt.as_unit("ns").astype("int64").to_numpy()
            decided[rows] = True
            precision[rows] = form_precision
            undone &= ~match
        if crawled_at is not None:
            for pattern, unit, form_precision in RELATIVE_FORMS:
                found = text_values[undone].str.fullmatch(pattern)
                rows = found.index[found.to_numpy()]
                if not len(rows):
                    continue
                ago = (pd.to_timedelta(text_values[rows].str.extract(pattern)[0].astype("int64"), unit=unit)
                       if unit else pd.Timedelta(0))
                stamps = crawled_at.tz_convert("UTC") - ago
                nanos[rows] = (pd.Series(stamps, index=rows).dt.as_unit("ns").astype("int64").to_numpy()
                               if unit else crawled_at.as_unit("ns").value)
                decided[rows] = True
                precision[rows] = form_precision
                undone[rows] = False
    times = pd.Series(pd.to_datetime(nanos, unit="ns", utc=True)).where(decided)
    return times, list(precision), ~decided


def created(cols: Columns, ctx: f.FileContext, *names) -> tuple[dict, np.ndarray]:
    """:func:`formats._created`: created_at and time_precision from the first of ``names`` with a value."""
    times, precision, bad = datetimes(cols.value(*names), ctx.timezone, ctx.crawled_at)
    return {"created_at": times, "time_precision": precision}, bad


def crawl_time(cols: Columns, ctx: f.FileContext) -> tuple[pd.Series, np.ndarray]:
    """:func:`formats._crawl_time`: MediaCrawler's last_modify_ts (epoch), else the input's crawl time."""
    values = cols.value("last_modify_ts")
    nanos, decided = epochs(values)
    stated = np.fromiter((v is not None for v in values), dtype=bool, count=cols.n)
    times = pd.Series(pd.to_datetime(nanos, unit="ns", utc=True)).where(decided)
    if ctx.crawled_at is not None:
        times = times.where(stated, ctx.crawled_at.tz_convert("UTC"))
    return times, stated & ~decided


def rows(n: int, **columns) -> dict:
    """The canonical columns of :func:`formats._row`, defaults filled."""
    defaults = dict(parent_id=None, title=None, likes=None, comments=None, shares=None, collects=None,
                    ip_region=None, author_alias=None, gender=None, followers=None, hashtags="", crawled_at=None)
    merged = {**defaults, **columns}
    return {name: [value] * n if value is None or isinstance(value, (str, pd.Timestamp)) else value
            for name, value in merged.items()}


def undecided(*masks) -> np.ndarray:
    return np.logical_or.reduce([np.asarray(m, dtype=bool) for m in masks])


# ----------------------------------------------------------------------------------------- per format
def _mediacrawler_alias(ctx, cols: Columns) -> list:
    hashes = cols.value("creator_hash")
    aliases = alias(ctx, cols.value("nickname"))
    return [None if h is not None else a for h, a in zip(hashes, aliases)]


def mediacrawler_xhs_notes(cols: Columns, ctx: f.FileContext) -> tuple[dict, np.ndarray]:
    ids, bad_id = text(cols, "note_id")
    post_ids = qualified(ctx, ids)
    desc, bad_text = text(cols, "desc")
    when, bad_time = created(cols, ctx, "time")
    counts = {name: count(cols, column) for name, column in
              (("likes", "liked_count"), ("comments", "comment_count"), ("shares", "share_count"),
               ("collects", "collected_count"))}
    listed, bad_tags = tags(cols, "tag_list")
    crawled, bad_crawl = crawl_time(cols, ctx)
    titles = scrubbed(ctx, [t or "" for t in optional_text(cols, "title")])
    columns = rows(
        cols.n, post_id=post_ids, kind="post", root_id=post_ids, **when,
        author=author(ctx, cols.value("user_id", "creator_hash")), text=scrubbed(ctx, desc),
        title=[t or None for t in titles], **{name: values for name, (values, _) in counts.items()},
        ip_region=region(cols.value("ip_location")), author_alias=_mediacrawler_alias(ctx, cols),
        hashtags=topics(desc, f.XHS_TOPIC, listed), crawled_at=crawled,
    )
    return columns, undecided(bad_id, bad_text, bad_time, bad_tags, bad_crawl, *(b for _, b in counts.values()))


def mediacrawler_xhs_comments(cols: Columns, ctx: f.FileContext) -> tuple[dict, np.ndarray]:
    notes, bad_note = text(cols, "note_id")
    root_ids = qualified(ctx, notes)
    parents = [str(v or "") for v in cols.value("parent_comment_id")]
    content, bad_text = text(cols, "content")
    ids, bad_id = text(cols, "comment_id")
    when, bad_time = created(cols, ctx, "create_time")
    likes, bad_likes = count(cols, "like_count")
    replies, bad_replies = count(cols, "sub_comment_count")
    crawled, bad_crawl = crawl_time(cols, ctx)
    columns = rows(
        cols.n, post_id=qualified(ctx, ids), kind="comment",
        parent_id=[f"{ctx.platform}:{p.strip()}" if p not in ("", "0") else r for p, r in zip(parents, root_ids)],
        root_id=root_ids, **when, author=author(ctx, cols.value("user_id", "creator_hash")),
        text=scrubbed(ctx, content), likes=likes, comments=replies, ip_region=region(cols.value("ip_location")),
        author_alias=_mediacrawler_alias(ctx, cols), hashtags=topics(content, f.XHS_TOPIC), crawled_at=crawled,
    )
    return columns, undecided(bad_note, bad_text, bad_id, bad_time, bad_likes, bad_replies, bad_crawl)


def _mediacrawler_weibo_time(cols: Columns, ctx: f.FileContext) -> tuple[dict, np.ndarray]:
    # create_time is 8 h too large in MediaCrawler versions 2023-12…2026-07-30; create_date_time is right.
    return created(cols, ctx, "create_date_time", "create_time")


def mediacrawler_weibo_posts(cols: Columns, ctx: f.FileContext) -> tuple[dict, np.ndarray]:
    post_ids, bad_id = weibo_post_id(ctx, cols, "note_id")
    content, bad_text = text(cols, "content")
    when, bad_time = _mediacrawler_weibo_time(cols, ctx)
    counts = {name: count(cols, column) for name, column in
              (("likes", "liked_count"), ("comments", "comments_count"), ("shares", "shared_count"))}
    genders, bad_gender = gender(ctx, cols, "gender")
    crawled, bad_crawl = crawl_time(cols, ctx)
    columns = rows(
        cols.n, post_id=post_ids, kind=["repost" if "//@" in t else "post" for t in content], root_id=post_ids,
        **when, author=author(ctx, cols.value("user_id", "creator_hash")), text=scrubbed(ctx, content),
        **{name: values for name, (values, _) in counts.items()}, ip_region=region(cols.value("ip_location")),
        author_alias=_mediacrawler_alias(ctx, cols), gender=genders, hashtags=topics(content, f.WEIBO_TOPIC),
        crawled_at=crawled,
    )
    return columns, undecided(bad_id, bad_text, bad_time, bad_gender, bad_crawl, *(b for _, b in counts.values()))


def mediacrawler_weibo_comments(cols: Columns, ctx: f.FileContext) -> tuple[dict, np.ndarray]:
    ids, bad_id = text(cols, "comment_id")
    root_ids, bad_root = weibo_post_id(ctx, cols, "note_id")
    threads = [str(v or "") for v in cols.value("parent_comment_id")]
    content, bad_text = text(cols, "content")
    when, bad_time = _mediacrawler_weibo_time(cols, ctx)
    likes, bad_likes = count(cols, "comment_like_count")
    replies, bad_replies = count(cols, "sub_comment_count")
    genders, bad_gender = gender(ctx, cols, "gender")
    crawled, bad_crawl = crawl_time(cols, ctx)
    columns = rows(
        cols.n, post_id=qualified(ctx, ids), kind="comment",
        # Weibo's parent_comment_id is the thread's first comment, equal to comment_id at top level.
        parent_id=[f"{ctx.platform}:{t.strip()}" if t not in ("", "0", c) else r
                   for t, c, r in zip(threads, ids, root_ids)],
        root_id=root_ids, **when, author=author(ctx, cols.value("user_id", "creator_hash")),
        text=scrubbed(ctx, content), likes=likes, comments=replies, ip_region=region(cols.value("ip_location")),
        author_alias=_mediacrawler_alias(ctx, cols), gender=genders, hashtags=topics(content, f.WEIBO_TOPIC),
        crawled_at=crawled,
    )
    return columns, undecided(bad_id, bad_root, bad_text, bad_time, bad_likes, bad_replies, bad_gender, bad_crawl)


def weibo_crawler_posts(cols: Columns, ctx: f.FileContext) -> tuple[dict, np.ndarray]:
    post_ids, bad_id = weibo_post_id(ctx, cols, "id")   # the CSV id carries a trailing tab
    content, bad_text = text(cols, "正文", "text")
    screen_name, user_id = ctx.file_user()
    file_id = user_id if user_id.isdigit() else None
    when, bad_time = created(cols, ctx, "完整日期", "full_created_at", "日期", "created_at")
    counts = {name: count(cols, *columns) for name, columns in
              (("likes", ("点赞数", "attitudes_count")), ("comments", ("评论数", "comments_count")),
               ("shares", ("转发数", "reposts_count")))}
    genders, bad_gender = gender(ctx, cols, "_user_gender")
    followers, bad_followers = stated_count(cols, "_user_followers_count")
    listed, bad_tags = tags(cols, "话题", "topics")
    file_name = ctx.file_screen_name()
    columns = rows(
        cols.n, post_id=post_ids, kind=["repost" if "//@" in t else "post" for t in content], root_id=post_ids,
        **when, author=author(ctx, [v or file_id for v in cols.value("_user_id", "user_id")], [screen_name] * cols.n),
        text=scrubbed(ctx, content), **{name: values for name, (values, _) in counts.items()},
        ip_region=region(cols.value("IP属地", "ip_location")),
        author_alias=alias(ctx, [v or file_name for v in cols.value("screen_name", "_user_screen_name")]),
        gender=genders, followers=[None if b else f._follower_band(c) for c, b in zip(followers, bad_followers)],
        hashtags=topics(content, f.WEIBO_TOPIC, listed),
        crawled_at=ctx.crawled_at,
    )
    return columns, undecided(bad_id, bad_text, bad_time, bad_gender, bad_followers, bad_tags,
                              *(b for _, b in counts.values()))


def normalise_columns(records: list[dict] | Columns, ctx: f.FileContext,
                      normaliser: Callable[[Columns, f.FileContext], tuple[dict, np.ndarray]]
                      ) -> tuple[pd.DataFrame, np.ndarray]:
    """(canonical rows of the decided records, undecided mask) for records that share one set of columns
    (given as records or as :class:`Columns`)."""
    cols = records if isinstance(records, Columns) else Columns(records)
    columns, bad = normaliser(cols, ctx)
    frame = pd.DataFrame({name: values for name, values in columns.items()})
    return frame, bad


_NAME_MARKERS = ("@", "的微博", "原始用户", "视频")   # a text naming nobody holds none of them (see names_in_columns)


def names_in_columns(records: list[dict] | Columns, ctx: f.FileContext) -> set[str]:
    """:func:`formats.names_in_record` over records sharing one set of columns (records or :class:`Columns`),
    each distinct text read once."""
    cols = records if isinstance(records, Columns) else Columns(records)
    names: set = set()
    for column, values in cols.data.items():
        if column in f.NAME_COLUMNS:
            names |= {v.strip() for v in set(values) if type(v) is str and v.strip()}
            continue
        listed = column in f.NAME_LIST_COLUMNS
        if cols.text_only:   # each distinct text once; a column holding none of the markers is skipped in C
            values = set(values)
            if not listed:
                joined = "\x00".join(values)
                if not any(marker in joined for marker in _NAME_MARKERS):
                    continue
        for value in values:
            if type(value) is str:
                if listed or "@" in value or "的微博" in value or "原始用户" in value or "视频" in value:
                    names |= f.names_in_field(column, value, ctx)
            elif isinstance(value, (dict, list)):
                names |= f.names_in_field(column, value, ctx)
    if cols.n:
        mapped = ctx.columns.get("author_name")
        if mapped and mapped in cols:
            names |= {str(v).strip() for v in cols.raw(mapped) if isinstance(v, (str, int)) and str(v).strip()}
        if f.FORMATS[ctx.format].files_named_after_user:
            names.add(ctx.file_user()[0])
    return f.usable_names(names)
