"""Parsers for the count and date forms that Weibo and Xiaohongshu crawlers emit.

Each parser raises :class:`ValueError` with a short reason on input it cannot read, so ingest can reject the
row naming the field.
"""

from __future__ import annotations

import re

import pandas as pd

# Text values that crawlers write for "no value" (any column).
MISSING_TEXT = {"", "None", "none", "null", "nan", "无", "未知"}
# Values that crawlers write for "no value": weiboSpider's 无, Spider_XHS's "None", XHS-Downloader's -1.
MISSING_COUNT = {"无", "none", "null", "nan", "-1", "未知"}
_COUNT = re.compile(r"^(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>万|w|W|千|k|K|亿)?\s*\+?$")
_UNIT = {None: 1, "万": 10_000, "w": 10_000, "W": 10_000, "千": 1_000, "k": 1_000, "K": 1_000, "亿": 100_000_000}


def parse_count(value) -> int | None:
    """Interaction count as an int; ``None`` where the crawler recorded no value.

    Accepts ints, digit strings, ``1,024``, display strings ``1.2万``, ``10万+``, ``1.2w``, ``3千``, ``2亿``;
    ``""`` is 0 (MediaCrawler writes empty strings for zero counts) and Weibo's button label ``赞`` is 0
    (shown where a post has no likes). Capped display values like ``10万+`` become their lower bound.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a count: {value!r}")
    if isinstance(value, int):
        return _plausible(value, value)
    if isinstance(value, float):
        if value != value:  # NaN
            return None
        if value in (float("inf"), float("-inf")) or value != int(value):
            raise ValueError(f"not a whole count: {value!r}")
        return _plausible(int(value), value)
    text = str(value).strip().replace(",", "").replace("，", "")
    if text == "" or text in {"赞", "评论", "转发", "收藏"}:
        return 0
    if text.lower() in MISSING_COUNT:
        return None
    match = _COUNT.match(text)
    if not match:
        raise ValueError(f"not a count: {value!r}")
    number = float(match["number"])
    if number == float("inf") or (match["unit"] is None and number != int(number)):
        raise ValueError(f"not a whole count: {str(value)[:40]!r}")
    scaled = number * _UNIT[match["unit"]]
    if scaled == float("inf"):  # a finite number times 亿 can still overflow
        raise ValueError(f"implausible count (over {MAX_COUNT:,}): {str(value)[:40]!r}")
    return _plausible(int(round(scaled)), value)


# No post has a trillion likes; beyond this a "count" is corruption (and would not fit the Int64 columns).
MAX_COUNT = 10**12


def _plausible(count: int, value) -> int:
    if count < 0:
        raise ValueError(f"negative count: {value!r}")
    if count > MAX_COUNT:
        raise ValueError(f"implausible count (over {MAX_COUNT:,}): {str(value)[:40]!r}")
    return count


_RELATIVE = [
    (re.compile(r"^刚刚$"), lambda m, now: now),
    (re.compile(r"^(\d+)\s*秒前$"), lambda m, now: now - pd.Timedelta(seconds=int(m[1]))),
    (re.compile(r"^(\d+)\s*分钟前$"), lambda m, now: now - pd.Timedelta(minutes=int(m[1]))),
    (re.compile(r"^(\d+)\s*小时前$"), lambda m, now: now - pd.Timedelta(hours=int(m[1]))),
    (
        re.compile(r"^今天\s*(\d{1,2}):(\d{2})$"),
        lambda m, now: now.normalize() + pd.Timedelta(hours=int(m[1]), minutes=int(m[2])),
    ),
    (
        re.compile(r"^昨天\s*(\d{1,2}):(\d{2})$"),
        lambda m, now: now.normalize() - pd.Timedelta(days=1) + pd.Timedelta(hours=int(m[1]), minutes=int(m[2])),
    ),
]
# What each relative form states: "3小时前" is known to the hour, "昨天 12:00" to the minute.
_RELATIVE_PRECISION = ("minute", "second", "minute", "hour", "minute", "minute")
_MONTH_DAY = re.compile(r"^(\d{1,2})[-月](\d{1,2})日?(?:\s+(\d{1,2}):(\d{2}))?$")
_CHINESE_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日(?:\s*(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_WEIBO_API = re.compile(r"^[A-Z][a-z]{2} [A-Z][a-z]{2} \d{1,2} \d{2}:\d{2}:\d{2} [+-]\d{4} \d{4}$")
# Epochs in these ranges are seconds or milliseconds between 2001 and 2286.
_EPOCH_SECONDS = (1_000_000_000, 9_999_999_999)
_EPOCH_MILLISECONDS = (1_000_000_000_000, 9_999_999_999_999)


def parse_epoch(value) -> pd.Timestamp:
    """Epoch seconds or milliseconds (told apart by magnitude) as a UTC timestamp."""
    try:
        number = int(float(str(value).strip()))
    except (ValueError, OverflowError):  # OverflowError: "1e309" reads as infinity
        raise ValueError(f"not an epoch time: {str(value)[:40]!r}") from None
    if _EPOCH_MILLISECONDS[0] <= number <= _EPOCH_MILLISECONDS[1]:
        return pd.Timestamp(number, unit="ms", tz="UTC")
    if _EPOCH_SECONDS[0] <= number <= _EPOCH_SECONDS[1]:
        return pd.Timestamp(number, unit="s", tz="UTC")
    raise ValueError(f"epoch time out of range: {value!r}")


def parse_datetime(value, timezone: str = "Asia/Shanghai", crawled_at: pd.Timestamp | None = None) -> pd.Timestamp:
    """Any date form the crawlers emit, as a tz-aware UTC timestamp (see :func:`parse_datetime_precision`)."""
    return parse_datetime_precision(value, timezone, crawled_at)[0]


def parse_datetime_precision(value, timezone: str = "Asia/Shanghai",
                             crawled_at: pd.Timestamp | None = None) -> tuple[pd.Timestamp, str]:
    """Any date form the crawlers emit, as (tz-aware UTC timestamp, precision).

    The precision (``second``, ``minute``, ``hour`` or ``day``; see ``schema.TIME_PRECISIONS``) is the finest
    unit the value states: ``2019-07-31`` is a day (weibo-crawler's 日期 before 2023-08 has no time of day, and
    its midnight must not be read as a time), ``2023-07-31 12:00`` a minute, an epoch a second.
    Naive forms are read in ``timezone`` (Beijing time unless the data says otherwise). Relative Weibo forms
    (``刚刚``, ``3分钟前``, ``今天 12:00``, ``昨天 12:00``, ``07-31``) are resolved against ``crawled_at``, the
    export's crawl time; without it they are rejected.
    """
    if value is None or (isinstance(value, float) and value != value):
        raise ValueError("empty date")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return parse_epoch(value), "second"
    text = str(value).strip().replace("\u3000", " ")
    if not text or text in {"未知", "None", "nan"}:
        raise ValueError(f"empty date: {value!r}")
    if text.isdigit():
        return parse_epoch(text), "second"
    if _WEIBO_API.match(text):
        return pd.Timestamp(pd.to_datetime(text, format="%a %b %d %H:%M:%S %z %Y")).tz_convert("UTC"), "second"
    now = crawled_at.tz_convert(timezone) if crawled_at is not None else None
    for (pattern, resolve), precision in zip(_RELATIVE, _RELATIVE_PRECISION):
        match = pattern.match(text)
        if match:
            if now is None:
                raise ValueError(f"relative date {text!r} needs the export's crawl time")
            return resolve(match, now).tz_convert("UTC"), precision
    match = _CHINESE_DATE.match(text)
    if match:
        year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
        precision = "day" if match[4] is None else ("minute" if match[6] is None else "second")
        stamp = pd.Timestamp(year=year, month=month, day=day, hour=hour, minute=minute, second=second)
        return _local(stamp, timezone), precision
    match = _MONTH_DAY.match(text)
    if match:
        if now is None:
            raise ValueError(f"date without year {text!r} needs the export's crawl time")
        month, day = int(match[1]), int(match[2])
        hour, minute = int(match[3] or 0), int(match[4] or 0)
        stamp = pd.Timestamp(year=now.year, month=month, day=day, hour=hour, minute=minute)
        if stamp > now.tz_localize(None):  # a month-day later than the crawl is from the previous year
            stamp = stamp.replace(year=now.year - 1)
        return _local(stamp, timezone), "day" if match[3] is None else "minute"
    # XHS-Downloader writes 2025-03-17_14:54:11.
    text = re.sub(r"^(\d{4}-\d{2}-\d{2})_(\d{2}:\d{2})", r"\1 \2", text)
    form = _ISO_LIKE.match(text)
    if not form:
        raise ValueError(f"unrecognised date form: {value!r}")
    precision = "day" if form["time"] is None else ("minute" if form["seconds"] is None else "second")
    try:
        stamp = pd.Timestamp(text)
    except ValueError:
        raise ValueError(f"invalid date: {value!r}") from None
    if stamp.tzinfo is None:
        return _local(stamp, timezone), precision
    return stamp.tz_convert("UTC"), precision


_ISO_LIKE = re.compile(r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}(?P<time>[T ]\d{1,2}:\d{2}(?P<seconds>:\d{2}(\.\d+)?)?)?"
                       r"\s*(Z|[+-]\d{2}:?\d{2})?$")


def _local(stamp: pd.Timestamp, timezone: str) -> pd.Timestamp:
    return stamp.tz_localize(timezone).tz_convert("UTC")
