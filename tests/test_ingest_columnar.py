"""The column-wise fast path of ingest gives exactly the rows and rejects of the per-record path.

Every fixture of every format, a demo corpus (each MediaCrawler format, CSV and JSON, and weibo-crawler files) and,
where present, the real crawler exports of /work/realdata go through both paths; the tables must be equal row for
row (rejects with their field, reason and redacted record), and so must the counts and the names found.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from firestorm.ingest import FORMATS, IngestError, ingest_file, resolve_inputs
from firestorm.ingest import columnar

FIXTURES = Path(__file__).parent / "fixtures"
REAL = Path(os.environ.get("FIRESTORM_REAL_EXPORTS", "/work/realdata"))
CRAWL = pd.Timestamp("2023-08-02 15:30", tz="Asia/Shanghai").tz_convert("UTC")
KEY = b"test-key-0123456789abcdef-not-secret"

FIXTURE_FILES = [
    ("xhs_notes_defects.csv", None, {}),
    ("search_comments_2023-08-01.jsonl", None, {}),
    ("search_contents_2026-07-26.jsonl", None, {}),
    ("6064179721.csv", "weibo_crawler_posts", {}),
    ("weibo_search_小红书.csv", "weibo_search_posts", {}),
    ("generic_posts.csv", "generic", {"platform": "weibo", "columns": {
        "post_id": "mid", "text": "body", "created_at": "ts", "author": "uid", "likes": "thumbs"}}),
    *[(str(p.relative_to(FIXTURES)), "weibo_crawler_posts", {})
      for p in sorted((FIXTURES / "weibo_crawler_misaligned").glob("1*"))],
    ("weibo_crawler_misaligned/2234567890.csv", "weibo_crawler_posts", {}),
    ("weibo_crawler_misaligned/画画的小鱼_comments.csv", "weibo_crawler_comments", {}),
    *[(str(p.relative_to(FIXTURES)), "weibo_crawler_posts", {})
      for p in sorted((FIXTURES / "weibo_crawler_2019").rglob("*.csv"))],
    *[(str(p.relative_to(FIXTURES)), "weibospider_posts", {})
      for p in sorted((FIXTURES / "weiboSpider").rglob("*.*")) + sorted((FIXTURES / "weiboSpider_2018").rglob("*.*"))],
    *[(str(p.relative_to(FIXTURES)), "spider_xhs_notes", {"timezone": "Asia/Shanghai"})
      for p in sorted((FIXTURES / "spider_xhs").glob("*.xlsx"))],
]


def assert_same_ingest(path, fmt, entry, crawled_at=None, key=KEY, chunk_rows=None):
    """Both paths on one file: equal posts, rejects, counts, names and columns (or the same error)."""
    options = {} if chunk_rows is None else {"chunk_rows": chunk_rows}
    results = []
    for vectorised in (False, True):
        try:
            if chunk_rows is None:
                results.append(ingest_file(path, fmt, "Asia/Shanghai", key, crawled_at, entry, vectorised=vectorised))
            else:
                from firestorm.ingest import iter_file_chunks
                chunks = list(iter_file_chunks(path, fmt, "Asia/Shanghai", key, crawled_at, entry,
                                               vectorised=vectorised, **options))
                results.append(chunks)
                continue
        except IngestError as error:
            results.append(str(error))
    by_row, by_column = results
    if isinstance(by_row, str) or isinstance(by_column, str):
        assert by_row == by_column
        return None
    if isinstance(by_row, list):
        assert len(by_row) == len(by_column)
        for a, b in zip(by_row, by_column):
            _equal(a, b)
        return by_column
    _equal(by_row, by_column)
    return by_column


def _equal(by_row, by_column):
    pd.testing.assert_frame_equal(by_row.posts, by_column.posts)
    pd.testing.assert_frame_equal(by_row.rejects, by_column.rejects)
    assert by_row[2:] == by_column[2:]   # rows_in, source, format, names, unknown columns, embedded comments


@pytest.mark.parametrize("crawled_at", [None, CRAWL], ids=["no crawl time", "crawl time"])
@pytest.mark.parametrize("name, fmt, entry", FIXTURE_FILES, ids=[f[0] for f in FIXTURE_FILES])
def test_every_fixture_gives_the_same_rows_both_ways(name, fmt, entry, crawled_at):
    assert_same_ingest(FIXTURES / name, fmt, entry, crawled_at)


def test_every_format_with_a_column_wise_normaliser_is_covered_by_a_fixture_or_the_demo():
    fast = {name for name, export in FORMATS.items() if export.normalise_columns}
    assert fast == {"mediacrawler_xhs_notes", "mediacrawler_xhs_comments", "mediacrawler_weibo_posts",
                    "mediacrawler_weibo_comments", "weibo_crawler_posts"}


def test_demo_exports_give_the_same_rows_both_ways(demo_corpus):
    for name, (case, folder, truth) in demo_corpus.items():
        for path, fmt, entry in resolve_inputs(case):
            result = assert_same_ingest(path, fmt, entry, chunk_rows=1_000)
            assert sum(chunk.rows_in for chunk in result) > 0


def test_defects_written_into_demo_records_are_rejected_alike(tmp_path):
    """Values the column-wise path must leave to the per-record one: every form of count, date and id."""
    header = "note_id,desc,time,liked_count,comment_count,share_count,collected_count,tag_list,last_modify_ts,user_id,nickname,title"
    odd = ["", " 12 ", "1.2万", "10万+", "1,024", "很多", "３２", "-1", "无", "1e309", "9" * 40, "2.5", "赞", "None"]
    times = ["1690804656000", "1690804656", " 1690804656000", "1690804656000.0", "0001690804656", "９９", "2023-07-31 12:00",
             "2023-07-31 12:00:00", "2023-07-31T12:00:00", "2023-07-31", "2023-13-45 25:61", "刚刚", "3分钟前",
             "昨天 12:00", "07-31", "2023年07月31日 12:00", "Mon Jul 31 12:00:00 +0800 2023", "", "9999999999999",
             "2023-07-31 12:00:00+08:00", "2023-07-31 12:00:00+25:00"]
    lines = [header]
    for i in range(60):
        lines.append(",".join([f"64c7a1b0000000001234{i:04d}" if i % 17 else "", f"正文 #话题{i % 3}[话题]# @某人{i % 5} 的微博视频",
                               times[i % len(times)], odd[i % len(odd)], odd[(i * 3) % len(odd)], str(i), "",
                               ['"a,b"', "", '"[\'x\', \'y\']"', "[bad"][i % 4], ["1690900000000", "", "x"][i % 3],
                               ["u1", "", "u2 "][i % 3], ["小鱼", "", "某人"][i % 3], ["标题 @某人", "", "无"][i % 3]]))
    path = tmp_path / "search_contents_2023-08-01.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    for crawled_at in (None, CRAWL):
        result = assert_same_ingest(path, "mediacrawler_xhs_notes", {}, crawled_at)
        assert len(result.rejects) and len(result.posts)


@pytest.mark.skipif(not REAL.is_dir(), reason="no real crawler exports here")
def test_real_crawler_exports_give_the_same_rows_both_ways():
    comments = {"text": "评论内容", "created_at": "评论时间", "author": "评论人ID", "author_name": "评论人昵称",
                "likes": "点赞次数"}
    inputs = [(p, "weibo_search_posts", {"comments": comments} if "with_comments" in p.name else {})
              for p in sorted(REAL.glob("weibo_search/*.csv"))]
    inputs += [(p, "spider_xhs_notes", {"timezone": "Asia/Shanghai"}) for p in sorted(REAL.glob("spider_xhs/*.xlsx"))]
    inputs += [(p, "weibo_crawler_posts", {}) for p in sorted(REAL.glob("weibo_crawler_dateonly/*.csv"))]
    inputs += [(p, "weibospider_posts", {}) for p in sorted(REAL.glob("weibospider_2018/*.csv"))]
    inputs += [(p, None, {}) for p in sorted(REAL.glob("mediacrawler_json/*.json"))]
    inputs += [(p, None, {"table": t}) for p in sorted(REAL.glob("mediacrawler_sqlite/*.db"))
               for t in ("xhs_note", "xhs_note_comment", "weibo_note", "weibo_note_comment")]
    assert inputs
    for path, fmt, entry in inputs:
        for crawled_at in (None, CRAWL):
            assert_same_ingest(path, fmt, entry, crawled_at)


def test_memoised_calls_keep_equal_but_different_values_apart():
    """1, 1.0 and True are one dict key but three different inputs to a parser."""
    from firestorm.ingest.parsing import parse_count

    values, bad = columnar.memo_map(parse_count, [1, 1.0, True, "1", None])
    assert values[:2] == [1, 1] and bad.tolist() == [False, False, True, False, False]
    assert values[3] == 1 and values[4] is None
