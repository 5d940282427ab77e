"""Count and date parsers for every form the crawlers emit, with property-based checks."""

import pandas as pd
import pytest
from hypothesis import given, strategies as st

from firestorm.ingest.parsing import parse_count, parse_datetime, parse_datetime_precision, parse_epoch

CRAWL = pd.Timestamp("2023-08-02 15:30:00", tz="Asia/Shanghai").tz_convert("UTC")


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("37", 37), (37, 37), ("1.2万", 12_000), ("9.6万", 96_000), ("10万+", 100_000), ("1.1万+", 11_000),
        ("1,024", 1_024), ("", 0), ("赞", 0), ("1.2w", 12_000), ("1.2k", 1_200), ("3千", 3_000),
        ("2亿", 200_000_000), ("120万", 1_200_000), ("无", None), ("None", None), ("-1", None), (None, None),
        (12.0, 12),
    ],
)
def test_count_forms(raw, expected):
    assert parse_count(raw) == expected


@pytest.mark.parametrize("raw", ["abc", "1.2.3", "-5", "万", "1.5", -3])
def test_unreadable_counts_raise(raw):
    with pytest.raises(ValueError):
        parse_count(raw)


@given(st.integers(min_value=0, max_value=10**9))
def test_digit_strings_round_trip(number):
    assert parse_count(str(number)) == number
    assert parse_count(f"{number:,}") == number


@given(st.integers(min_value=1, max_value=9999))
def test_wan_display_strings_scale_by_ten_thousand(tenths):
    assert parse_count(f"{tenths / 10:.1f}万") == round(tenths / 10 * 10_000)


@given(st.text(max_size=12))
def test_count_parser_never_fails_other_than_value_error(text):
    try:
        result = parse_count(text)
    except ValueError:
        return
    assert result is None or result >= 0


@pytest.mark.parametrize(
    "raw, expected_utc",
    [
        ("Sat Dec 23 17:12:54 +0800 2023", "2023-12-23T09:12:54+00:00"),
        ("2023-12-23 17:12:54+08:00", "2023-12-23T09:12:54+00:00"),
        ("2023-07-31T12:00:00", "2023-07-31T04:00:00+00:00"),
        ("2023-07-31", "2023-07-30T16:00:00+00:00"),
        ("2023-07-31 12:00:00", "2023-07-31T04:00:00+00:00"),
        ("2023-07-31 12:00", "2023-07-31T04:00:00+00:00"),
        ("2023-07-31_12:00:00", "2023-07-31T04:00:00+00:00"),
        ("2022年07月31日 12:00", "2022-07-31T04:00:00+00:00"),
        ("1690776000", "2023-07-31T04:00:00+00:00"),
        ("1690776000000", "2023-07-31T04:00:00+00:00"),
        (1690776000000, "2023-07-31T04:00:00+00:00"),
        ("刚刚", "2023-08-02T07:30:00+00:00"),
        ("3分钟前", "2023-08-02T07:27:00+00:00"),
        ("2小时前", "2023-08-02T05:30:00+00:00"),
        ("今天 12:00", "2023-08-02T04:00:00+00:00"),
        ("昨天 12:00", "2023-08-01T04:00:00+00:00"),
        ("07-31", "2023-07-30T16:00:00+00:00"),
        ("07月31日 12:00", "2023-07-31T04:00:00+00:00"),
        ("12-25", "2022-12-24T16:00:00+00:00"),  # a month-day after the crawl is last year
    ],
)
def test_date_forms(raw, expected_utc):
    assert parse_datetime(raw, "Asia/Shanghai", CRAWL).isoformat() == expected_utc


@pytest.mark.parametrize("raw", ["", "未知", "yesterday", "2023-02-30 10:00", "3分钟前", "99999", "07-31"])
def test_unreadable_or_unresolvable_dates_raise(raw):
    with pytest.raises(ValueError):
        parse_datetime(raw, "Asia/Shanghai", None)


@given(st.integers(min_value=1_000_000_000, max_value=4_000_000_000))
def test_epoch_seconds_and_milliseconds_agree(seconds):
    assert parse_epoch(seconds) == parse_epoch(seconds * 1000)


@pytest.mark.parametrize("raw", ["9" * 308 + "亿", "9" * 400, "1" + "0" * 320 + "万"])
def test_counts_that_overflow_a_float_raise_value_error(raw):
    with pytest.raises(ValueError, match="count"):
        parse_count(raw)


@pytest.mark.parametrize("raw", ["1e309", "-1e309", "inf", "nan", float("inf"), "12abc"])
def test_epochs_that_are_not_numbers_or_overflow_raise_value_error(raw):
    with pytest.raises(ValueError, match="epoch"):
        parse_epoch(raw)
    with pytest.raises(ValueError):
        parse_datetime(raw, "Asia/Shanghai")


@given(st.datetimes(min_value=pd.Timestamp("2001-01-01").to_pydatetime(),
                    max_value=pd.Timestamp("2099-01-01").to_pydatetime()))
def test_naive_beijing_strings_are_eight_hours_ahead_of_utc(moment):
    moment = moment.replace(microsecond=0)
    parsed = parse_datetime(moment.strftime("%Y-%m-%d %H:%M:%S"), "Asia/Shanghai")
    assert parsed == pd.Timestamp(moment, tz="UTC") - pd.Timedelta(hours=8)


@given(st.text(max_size=30))
def test_date_parser_only_raises_value_error(text):
    try:
        parse_datetime(text, "Asia/Shanghai", CRAWL)
    except ValueError:
        pass


@pytest.mark.parametrize("value", ["9" * 40, 10**30, 1e300, float("inf"), "1e309", "99999999亿"])
def test_absurd_counts_are_errors_not_overflows(value):
    """Found by the fuzzer: a 40-digit "count" overflowed the Int64 column instead of becoming a reject."""
    from firestorm.ingest.parsing import parse_count

    with pytest.raises(ValueError):
        parse_count(value)


@pytest.mark.parametrize("value, precision", [
    ("2019-07-31", "day"), ("2019/7/31", "day"), ("2019年7月31日", "day"), ("07-31", "day"),
    ("2023-07-31 12:00", "minute"), ("2023-07-31T12:00", "minute"), ("2022年07月31日 12:00", "minute"),
    ("07月31日 12:00", "minute"), ("昨天 12:00", "minute"), ("3分钟前", "minute"), ("刚刚", "minute"),
    ("3小时前", "hour"),
    ("2023-07-31 12:00:05", "second"), ("2023-07-31T12:00:00+08:00", "second"), ("1690776000", "second"),
    ("1690776000123", "second"), ("Mon Jul 31 12:00:00 +0800 2023", "second"), ("2025-03-17_14:54:11", "second"),
    (1690776000, "second"),
])
def test_every_date_form_states_its_precision(value, precision):
    crawled = pd.Timestamp("2023-08-01T12:00:00+08:00")
    stamp, stated = parse_datetime_precision(value, "Asia/Shanghai", crawled)
    assert stated == precision
    assert stamp == parse_datetime(value, "Asia/Shanghai", crawled)


def test_a_date_without_time_is_local_midnight_of_that_day():
    stamp, precision = parse_datetime_precision("2019-07-31", "Asia/Shanghai")
    assert precision == "day" and stamp.isoformat() == "2019-07-30T16:00:00+00:00"
