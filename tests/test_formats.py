"""Every supported crawler format, from small fixture files written in that crawler's real layout."""

from pathlib import Path

import pandas as pd
import pytest

from firestorm.config import schema
from firestorm.ingest.formats import FORMATS, bid_to_mid
from firestorm.demo import mid_to_bid
from firestorm.ingest import IngestError, detect_format, ingest_file
from firestorm.privacy import pseudonym

FIXTURES = Path(__file__).parent / "fixtures"
CRAWL = pd.Timestamp("2023-08-02 15:30", tz="Asia/Shanghai").tz_convert("UTC")
RAW_PEOPLE = ["画画的小鱼", "墨白Artist", "青柚", "糖糖", "路过的猫", "官方账号", "1234567890", "7000000001",
              "5f3c0000000000000000aaaa", "u-001", "画***鱼"]


def by_id(result):
    return result.posts.set_index("post_id")


def assert_no_people(result):
    dump = result.posts.astype(str).to_csv() + result.rejects.astype(str).to_csv() + result.source_file
    for raw in RAW_PEOPLE:
        assert raw not in dump, raw


@pytest.mark.parametrize("mid", ["4929000000000001", "4929000000000022", "3500000000000001"])
def test_bid_and_mid_convert_both_ways(mid):
    assert bid_to_mid(mid_to_bid(mid)) == mid


def test_every_format_is_detected_from_its_header():
    for fmt, export in FORMATS.items():
        if export.fields:
            assert detect_format(Path("x.csv"), list(export.fields)) == fmt


def test_the_case_schema_lists_exactly_the_registered_formats():
    """One record per export format: the schema's enum may not drift from the registry."""
    enum = schema("case")["properties"]["inputs"]["items"]["properties"]["format"]["enum"]
    assert sorted(enum) == sorted(FORMATS)
    for name, export in FORMATS.items():
        assert export.name == name and callable(export.normalise)
        assert export.required or name == "generic"
        assert export.signature or name == "generic"     # generic is declared, never detected


def test_weibospider_csv_repeated_header_reposts_and_bids(key):
    result = ingest_file(FIXTURES / "weiboSpider/画画的小鱼/1234567890.csv", "weibospider_posts", "Asia/Shanghai", key)
    assert result.rows_in == 4 and len(result.posts) == 3
    assert "repeated header" in result.rejects["reason"].iloc[0]
    posts = by_id(result)
    first = posts.loc["weibo:4929000000000001"]                      # base62 bid converted to the numeric mid
    assert first["likes"] == 1024 and first["text"] == "抵制小红书拿画师作品训练AI[怒]"
    assert first["created_at"].isoformat() == "2023-07-31T04:00:00+00:00"
    repost = posts.loc["weibo:4929000000000004"]
    assert repost["kind"] == "repost" and repost["shares"] is pd.NA or pd.isna(repost["shares"])
    assert repost["text"].startswith("说得对//@u_") and repost["text"].endswith(":小红书炼丹实锤了")
    assert set(result.posts["author"]) == {pseudonym(key, "weibo", "1234567890")}
    assert_no_people(result)


def test_weibospider_json_matches_its_csv(key):
    result = ingest_file(FIXTURES / "weiboSpider/画画的小鱼/1234567890.json", None, "Asia/Shanghai", key)
    assert result.format == "weibospider_posts"
    post = by_id(result).loc["weibo:4929000000000001"]
    assert post["likes"] == 1030 and post["author"] == pseudonym(key, "weibo", "1234567890")


def test_weibo_crawler_rows_with_an_unheaded_full_date_are_realigned(key):
    result = ingest_file(FIXTURES / "weibo_crawler_misaligned/1234567890.csv", None, "Asia/Shanghai", key)
    assert result.format == "weibo_crawler_posts"
    assert list(result.posts["post_id"]) == ["weibo:4929000000000011"]
    assert "fields, header has" in result.rejects["reason"].iloc[0]   # a short row is not guessed at


def test_weibo_crawler_live_photo_shift_is_realigned(key):
    result = ingest_file(FIXTURES / "weibo_crawler_misaligned/2234567890.csv", "weibo_crawler_posts", "Asia/Shanghai", key)
    post = by_id(result).loc["weibo:4929000000000013"]
    assert post["likes"] == 7 and post["created_at"].isoformat() == "2025-05-01T00:00:00+00:00"


def test_weibo_crawler_json(key):
    result = ingest_file(FIXTURES / "weibo_crawler_misaligned/1234567890.json", None, "Asia/Shanghai", key)
    assert result.format == "weibo_crawler_posts"
    post = by_id(result).loc["weibo:4929000000000001"]
    assert post["likes"] == 1100 and post["hashtags"] == "画师抵制小红书"
    assert post["author"] == pseudonym(key, "weibo", "1234567890")
    assert_no_people(result)


def test_weibo_crawler_comments_with_raw_weibo_dates(key):
    path = FIXTURES / "weibo_crawler_misaligned/画画的小鱼_comments.csv"
    result = ingest_file(path, None, "Asia/Shanghai", key, crawled_at=CRAWL)
    assert result.format == "weibo_crawler_comments" and len(result.rejects) == 0
    comments = by_id(result)
    assert comments.loc["weibo:5000000000000001", "created_at"].isoformat() == "2023-12-23T09:12:54+00:00"
    assert comments.loc["weibo:5000000000000002", "created_at"].isoformat() == "2023-08-01T04:00:00+00:00"
    assert comments.loc["weibo:5000000000000003", "created_at"] == CRAWL - pd.Timedelta(minutes=3)
    assert (comments["root_id"] == "weibo:4929000000000001").all()
    assert comments.loc["weibo:5000000000000001", "author"] == pseudonym(key, "weibo:nick", "路过的猫")
    assert_no_people(result)


def test_weibo_search_display_counts_and_repost_links(key):
    result = ingest_file(FIXTURES / "weibo_search_小红书.csv", None, "Asia/Shanghai", key)
    assert result.format == "weibo_search_posts"
    posts = by_id(result)
    original = posts.loc["weibo:4929000000000021"]
    assert (original["shares"], original["comments"], original["likes"]) == (12_000, 3_400, 1_200_000)
    assert original["ip_region"] == "上海" and original["hashtags"] == "小红书AI训练"
    repost = posts.loc["weibo:4929000000000022"]
    assert repost["kind"] == "repost" and repost["parent_id"] == "weibo:4929000000000021"
    assert_no_people(result)


def test_spider_xhs_excel_text_cells_and_local_time(key):
    path = FIXTURES / "spider_xhs/小红书AI训练.xlsx"
    result = ingest_file(path, None, "Asia/Shanghai", key, entry={"timezone": "Asia/Shanghai"})
    assert result.format == "spider_xhs_notes" and result.rows_in == 3
    notes = by_id(result)
    first = notes.loc["xiaohongshu:64c7a1b00000000012345678"]
    assert first["title"] is None or pd.isna(first["title"])          # "无标题" means no title
    assert first["likes"] == 12_000 and pd.isna(first["collects"]) and pd.isna(first["ip_region"])
    assert first["created_at"].isoformat() == "2023-07-31T12:37:36+00:00"
    # 标签 is a Python list literal as Spider_XHS writes it; an empty list falls back to the text's own tags.
    assert first["hashtags"] == "小红书AI训练|画师抵制AI"
    untitled = notes.loc["xiaohongshu:64c7a1b10000000012345679"]
    assert untitled["text"] == "退坑了" and untitled["likes"] == 100_000  # no description: the title is the text
    assert untitled["hashtags"] == ""
    assert list(result.rejects["field"]) == ["上传时间"]
    assert_no_people(result)


def test_spider_xhs_crawled_in_another_time_zone(key):
    path = FIXTURES / "spider_xhs/小红书AI训练.xlsx"
    result = ingest_file(path, None, "Asia/Shanghai", key, entry={"timezone": "Europe/Berlin"})
    first = by_id(result).loc["xiaohongshu:64c7a1b00000000012345678"]
    assert first["created_at"].isoformat() == "2023-07-31T18:37:36+00:00"


def test_header_only_export_is_empty_not_an_error(key):
    result = ingest_file(FIXTURES / "spider_xhs/空搜索.xlsx", "spider_xhs_notes", "Asia/Shanghai", key)
    assert result.rows_in == 0 and len(result.posts) == 0


def test_mediacrawler_2026_format_with_creator_hash(key):
    result = ingest_file(FIXTURES / "search_contents_2026-07-26.jsonl", None, "Asia/Shanghai", key)
    note = by_id(result).loc["xiaohongshu:6a00000000000000000000aa"]
    assert note["author"] == pseudonym(key, "xiaohongshu", "9f86d081884c7d65")
    assert_no_people(result)


def test_generic_table_with_a_column_mapping(key):
    entry = {"format": "generic", "platform": "weibo",
             "columns": {"post_id": "mid", "author": "uid", "text": "body", "created_at": "ts", "likes": "thumbs",
                         "parent_id": "thread"}}
    result = ingest_file(FIXTURES / "generic_posts.csv", "generic", "Asia/Shanghai", key, entry=entry)
    posts = by_id(result)
    assert posts.loc["weibo:g1", "likes"] == 15_000 and posts.loc["weibo:g2", "parent_id"] == "weibo:g1"
    assert posts.loc["weibo:g1", "author"] == pseudonym(key, "weibo", "u-001")
    assert_no_people(result)


def test_generic_without_mapping_is_a_clear_error(key):
    with pytest.raises(IngestError, match="generic needs `columns:`"):
        ingest_file(FIXTURES / "generic_posts.csv", "generic", "Asia/Shanghai", key, entry={"platform": "weibo"})


def test_parquet_input_through_the_generic_format(tmp_path, key):
    frame = pd.DataFrame({"id": ["p1"], "content": ["妙鸭相机的协议"], "time": ["2023-07-20 10:00:00"]})
    frame.to_parquet(tmp_path / "posts.parquet")
    entry = {"platform": "xiaohongshu", "columns": {"post_id": "id", "text": "content", "created_at": "time"}}
    result = ingest_file(tmp_path / "posts.parquet", "generic", "Asia/Shanghai", key, entry=entry)
    assert list(result.posts["post_id"]) == ["xiaohongshu:p1"]


def test_utf16_export_reads_like_its_utf8_original(tmp_path, key):
    """Excel's "Unicode text" writes UTF-16 with a byte-order mark; the records are the same."""
    original = FIXTURES / "weibo_search_小红书.csv"
    utf16 = tmp_path / original.name
    utf16.write_bytes(original.read_text(encoding="utf-8-sig").encode("utf-16"))
    expected = ingest_file(original, "weibo_search_posts", "Asia/Shanghai", key)
    result = ingest_file(utf16, "weibo_search_posts", "Asia/Shanghai", key)
    assert result.posts.drop(columns="source_file").equals(expected.posts.drop(columns="source_file"))
    assert result.rows_in == expected.rows_in


def test_a_few_undecodable_bytes_reject_their_records_and_keep_the_rest(tmp_path, key):
    """Junk bytes inside one record, and a file cut in the middle of a character: the damaged records are
    rejected with the reason, the others are read as usual (not the whole file refused)."""
    original = FIXTURES / "weibo_search_小红书.csv"
    expected = ingest_file(original, "weibo_search_posts", "Asia/Shanghai", key)
    data = original.read_bytes()
    lines = data.split(b"\n")
    lines[2] = lines[2][:12] + b"\xff\xfe\x80" + lines[2][12:]
    damaged = tmp_path / original.name
    damaged.write_bytes(b"\n".join(lines))
    result = ingest_file(damaged, "weibo_search_posts", "Asia/Shanghai", key)
    assert result.rows_in == expected.rows_in == len(result.posts) + len(result.rejects)
    assert result.rejects["reason"].str.contains("undecodable bytes").sum() == 1
    assert len(result.posts) == len(expected.posts) - 1
    # Mostly garbage is still refused as a whole, naming the file.
    noise = tmp_path / "noise.csv"
    noise.write_bytes(data[:200] + bytes(range(128, 256)) * 20)
    with pytest.raises(IngestError, match=r"noise.csv: not UTF-8 nor GB18030 text"):
        ingest_file(noise, "weibo_search_posts", "Asia/Shanghai", key)


@pytest.mark.parametrize("cell, reason", [
    ("['a', ", "not a list of tags"),                         # cut off
    ("[__import__('os').system('true')]", "not a list of tags"),   # code is never run
    ("[1, 2]", "not a list of tags"),                          # not strings
    ("['x'" + ", 'x'" * 3000 + "]", "over 10,000"),             # too long to be a tag list
])
def test_spider_xhs_tag_cells_that_are_not_tag_lists_are_rejects(key, tmp_path, cell, reason):
    import openpyxl

    book = openpyxl.load_workbook(FIXTURES / "spider_xhs/小红书AI训练.xlsx")
    sheet = book.active
    sheet.cell(2, [c.value for c in sheet[1]].index("标签") + 1).value = cell
    book.save(tmp_path / "notes.xlsx")
    result = ingest_file(tmp_path / "notes.xlsx", None, "Asia/Shanghai", key)
    bad = result.rejects[result.rejects["field"] == "标签"]
    assert len(bad) == 1 and reason in bad["reason"].iat[0] and bad["source_row"].iat[0] == 1
    assert result.rows_in == len(result.posts) + len(result.rejects)
