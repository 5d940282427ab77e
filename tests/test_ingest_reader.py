"""CSV records read as columns (readers.ColumnBatch) give exactly what the record-by-record reader gives.

The column reader runs the same csv module over the file; a batch with any unusual record (another number of
fields, a repeated header row, the file ceasing to be CSV) is handed over as records, so those keep their exact
rejects. Here every kind of oddity a CSV export shows — blank lines, CRLF and bare CR, BOMs, repeated headers,
quoted newlines, too many and too few fields (realigned for weibo-crawler), NUL and undecodable bytes, an
unterminated quote, a header alone, an empty file — goes through both paths at several chunk sizes, and random
files built from those pieces through a property test. Fixtures, the demo exports and real exports are
compared in tests/test_ingest_columnar.py (the default path reads CSV as columns).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firestorm.ingest import iter_file_chunks
from firestorm.ingest.readers import ColumnBatch, read_export
from test_ingest_columnar import CRAWL, FIXTURE_FILES, FIXTURES, REAL, assert_same_ingest

NOTES = ("note_id,type,title,desc,video_url,time,last_update_time,user_id,nickname,avatar,liked_count,"
         "collected_count,comment_count,share_count,ip_location,image_list,tag_list,last_modify_ts,note_url,"
         "source_keyword,xsec_token")
WEIBO = "id,bid,正文,头条文章url,原始图片url,视频url,位置,日期,工具,点赞数,评论数,转发数,话题,@用户,完整日期"


def note(i: int, text: str = "正文") -> str:
    return (f"64c7a1b0000000001234{i:04d},normal,标题{i},\"{text} #话题{i % 3}[话题]# @某人{i % 4}\",,"
            f"{1690804656000 + i},1690804656000,u{i % 7},小鱼{i % 5},,{i},1.2万,{i % 3},0,上海,,\"a,b\","
            f"1690900000000,,,")


def weibo(i: int) -> str:
    return (f"{4930000000000000 + i}\t,Nb{i},转发 //@某人{i % 3}: 正文{i},,,,北京,2023-07-31,iPhone,{i},1,2,"
            f"话题{i % 2},某人,2023-07-31 12:{i % 60:02d}:00")


CASES = {
    "plain": [NOTES, *(note(i) for i in range(7))],
    "blank lines": [NOTES, note(0), "", note(1), "", "", note(2), note(3), ""],
    "crlf": "\r\n".join([NOTES, note(0), "", note(1), note(2)]) + "\r\n",
    "bare cr": "\r".join([NOTES, note(0), note(1), "", note(2)]) + "\r",
    "bom on a record": [NOTES, note(0), "\ufeff" + note(1), note(2)],
    "repeated header": [NOTES, note(0), note(1), "\ufeff" + NOTES, note(2), NOTES, note(3)],
    "header-like record": [NOTES, note(0), NOTES.replace("desc", "描述"), note(1)],
    "quoted newlines": [NOTES, note(0, "第一行\n第二行\r\n第三行"), note(1, '引号 ""x"" 与,逗号'), note(2)],
    "too many fields": [NOTES, note(0), note(1) + ",多余", note(2)],
    "too few fields": [NOTES, note(0), "64c7a1b00000000012340001,normal,标题", note(2), "孤零零"],
    "whitespace line": [NOTES, note(0), "   ", note(1)],
    "nul bytes": [NOTES, note(0), note(1).replace("正文", "正\x00文"), note(2)],
    "unterminated quote": [NOTES, note(0), note(1), '64c7a1b00000000012349999,normal,"标题 ' + "x" * 50],
    "header only": [NOTES],
    "header only, blank lines": [NOTES, "", ""],
    "empty": "",
    "odd quoting": [NOTES, note(0), note(1).replace("标题1", 'ab"c"d'), note(2).replace('"正文', '"正文"尾巴x'), note(3)],
}


def _write(tmp_path: Path, name: str, content, encoding: str = "utf-8-sig") -> Path:
    path = tmp_path / name
    text = content if isinstance(content, str) else "\n".join(content) + "\n"
    path.write_bytes(text.encode(encoding) if encoding else text)
    return path


@pytest.mark.parametrize("chunk_rows", [None, 1, 2, 3, 50_000])
@pytest.mark.parametrize("case", sorted(CASES))
def test_odd_csv_records_read_as_columns_give_the_same_rows(tmp_path, case, chunk_rows):
    path = _write(tmp_path, "search_contents_2023-08-01.csv", CASES[case])
    for crawled_at in (None, CRAWL):
        assert_same_ingest(path, "mediacrawler_xhs_notes", {}, crawled_at, chunk_rows=chunk_rows)
        assert_same_ingest(path, None, {}, crawled_at, chunk_rows=chunk_rows)


def test_undecodable_bytes_take_the_record_path(tmp_path):
    content = ("\n".join([NOTES, *(note(i) for i in range(300))]) + "\n").encode("utf-8")
    path = tmp_path / "search_contents_2023-08-01.csv"
    path.write_bytes(content.replace("正文".encode(), b"\xff\xfe", 1))
    assert read_export(path).undecodable_bytes
    for chunk_rows in (None, 7):
        result = assert_same_ingest(path, "mediacrawler_xhs_notes", {}, chunk_rows=chunk_rows)
        rejects = result.rejects if chunk_rows is None else [r for c in result for r in c.rejects["reason"]]
        assert len(rejects)


@pytest.mark.parametrize("chunk_rows", [None, 2, 4])
def test_weibo_crawler_rows_with_shifted_columns_are_realigned_alike(tmp_path, chunk_rows):
    rows = [WEIBO, weibo(0), weibo(1), weibo(2).replace(",北京,", ",北京,多出来,"), weibo(3), "", weibo(4),
            weibo(5).replace(",iPhone,", ","), weibo(6), "\ufeff" + WEIBO, weibo(7)]
    path = _write(tmp_path, "1234567890.csv", rows)
    for crawled_at in (None, CRAWL):
        assert_same_ingest(path, "weibo_crawler_posts", {}, crawled_at, chunk_rows=chunk_rows)


def test_well_formed_files_are_read_as_columns_and_odd_batches_as_records(tmp_path):
    path = _write(tmp_path, "search_contents_2023-08-01.csv", [NOTES, *(note(i) for i in range(5)), "", note(5),
                                                               note(6) + ",多余", note(7)])
    batches = list(read_export(path).batches(3))
    assert [type(b).__name__ for b in batches] == ["ColumnBatch", "ColumnBatch", "list"]
    assert batches[0].rows == [1, 2, 3] and batches[1].rows == [4, 5, 6]
    assert [r.row for r in batches[2]] == [7, 8] and batches[2][0].problem.startswith("has 22 fields")
    assert isinstance(batches[0], ColumnBatch) and batches[0].columns["note_id"][0] == "64c7a1b00000000012340000"
    records = list(read_export(path).records)
    assert [r.row for r in records] == list(range(1, 9))
    assert batches[1].record(2) == records[5]


PIECES = st.sampled_from([note(1), note(2, "多行\n文本"), note(3, 'a""b'), NOTES, "\ufeff" + NOTES, "", " ", "\r",
                          "\r\n", ",", '"', "x,y", note(4) + ",多余", "64c7a1b00000000012340005,normal", "\x00",
                          "\ufeff" + note(6), note(7).replace(",", ";", 3)])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(PIECES, max_size=14), separators=st.lists(st.sampled_from(["\n", "\r\n", "\r", ""]),
                                                                    min_size=14, max_size=14),
       chunk_rows=st.sampled_from([1, 2, 3, 5, 1000]))
def test_random_csv_files_give_the_same_rows_both_ways(tmp_path, pieces, separators, chunk_rows):
    text = NOTES + "\n" + "".join(piece + separator for piece, separator in zip(pieces, separators))
    path = tmp_path / "search_contents_2023-08-01.csv"
    path.write_text(text, encoding="utf-8", newline="")
    assert_same_ingest(path, "mediacrawler_xhs_notes", {}, CRAWL, chunk_rows=chunk_rows)
    chunks = list(iter_file_chunks(path, "mediacrawler_xhs_notes", "Asia/Shanghai", b"k" * 32, CRAWL,
                                   chunk_rows=chunk_rows))
    assert sum(c.rows_in for c in chunks) == sum(len(c.posts) + len(c.rejects) for c in chunks)


CSV_FIXTURES = [(name, fmt, entry) for name, fmt, entry in FIXTURE_FILES if name.endswith(".csv")]


@pytest.mark.parametrize("chunk_rows", [1, 4])
@pytest.mark.parametrize("name, fmt, entry", CSV_FIXTURES, ids=[f[0] for f in CSV_FIXTURES])
def test_csv_fixtures_give_the_same_rows_both_ways_in_small_chunks(name, fmt, entry, chunk_rows):
    """Batches end at every record, so each odd record of a fixture meets every kind of neighbour."""
    assert_same_ingest(FIXTURES / name, fmt, entry, CRAWL, chunk_rows=chunk_rows)


@pytest.mark.skipif(not REAL.is_dir(), reason="no real crawler exports here")
@pytest.mark.parametrize("chunk_rows", [3, 50])
def test_real_csv_exports_give_the_same_rows_both_ways_in_small_chunks(chunk_rows):
    inputs = [(p, "weibo_crawler_posts") for p in sorted(REAL.glob("weibo_crawler_dateonly/*.csv"))]
    inputs += [(p, None) for p in sorted(REAL.rglob("*.csv")) if "weibo_search" not in str(p)
               and "weibo_crawler_dateonly" not in str(p)]
    assert inputs
    for path, fmt in inputs:
        for crawled_at in (None, CRAWL):
            assert_same_ingest(path, fmt, {}, crawled_at, chunk_rows=chunk_rows)
