"""Ingest: every record kept, rejected with a reason, or counted as a duplicate; nobody's identity leaks."""

import os
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from firestorm.ingest import IngestError, deduplicate, ingest_case, ingest_file, reconcile
from firestorm.privacy import PseudonymKeyError, load_key, pseudonym

FIXTURES = Path(__file__).parent / "fixtures"
CRAWL = pd.Timestamp("2023-08-02 15:30", tz="Asia/Shanghai").tz_convert("UTC")
RAW_PEOPLE = ["画画的小鱼", "墨白Artist", "青柚", "糖糖", "阿川", "路过的猫", "5f3c0000000000000000aaaa",
              "5f3c0000000000000000ffff", "6064179721"]


def test_defective_xhs_csv_rejects_what_it_must_and_keeps_the_rest(key):
    posts, rejects, rows_in, *_ = ingest_file(FIXTURES / "xhs_notes_defects.csv", None, "Asia/Shanghai", key)
    assert rows_in == len(posts) + len(rejects) == 8
    reasons = dict(zip(rejects["source_row"], zip(rejects["field"], rejects["reason"])))
    assert reasons[3][0] == "time"                       # '昨天下午' is no date
    assert reasons[4][0] == "liked_count"                # '很多' is no count
    assert "fields, header has" in reasons[5][1]         # wrong column count
    assert "repeated header" in reasons[6][1]            # re-run appended its header
    assert "fields, header has" in reasons[8][1]         # truncated last record
    multi_line = posts.set_index("source_row").loc[2]
    assert multi_line["text"] == '第一行\n第二行，"引号"里的话, 还有逗号'
    assert multi_line["likes"] == 100_000
    assert posts.set_index("source_row").loc[1, "likes"] == 12_000
    assert posts["created_at"].iloc[0] == pd.Timestamp(1690804656000, unit="ms", tz="UTC")


def test_duplicates_keep_the_latest_crawl(key):
    posts, *_ = ingest_file(FIXTURES / "xhs_notes_defects.csv", None, "Asia/Shanghai", key)
    unique, dropped = deduplicate(posts)
    kept = unique.set_index("post_id").loc["xiaohongshu:64c7a1b00000000012345678"]
    assert kept["likes"] == 13_000 and kept["source_row"] == 7
    assert dropped.sum() == 1


def test_gb18030_weibo_crawler_file_with_relative_dates(key):
    posts, rejects, rows_in, *_ = ingest_file(FIXTURES / "6064179721.csv", "weibo_crawler_posts", "Asia/Shanghai",
                                          key, crawled_at=CRAWL)
    assert rows_in == 3 and len(rejects) == 0
    by_id = posts.set_index("post_id")
    assert by_id.loc["weibo:4929000000000001", "created_at"].isoformat() == "2023-07-31T04:00:00+00:00"
    assert by_id.loc["weibo:4929000000000003", "created_at"].isoformat() == "2023-08-01T04:00:00+00:00"
    assert by_id.loc["weibo:4929000000000002", "kind"] == "repost"
    assert by_id.loc["weibo:4929000000000001", "hashtags"] == "画师抵制小红书"
    # the author is the file's user, pseudonymised like MediaCrawler's user_id for the same account
    assert set(posts["author"]) == {pseudonym(key, "weibo", "6064179721")}


def test_relative_dates_without_crawl_time_are_rejected_not_guessed(key):
    posts, rejects, *_ = ingest_file(FIXTURES / "6064179721.csv", "weibo_crawler_posts", "Asia/Shanghai", key)
    assert list(rejects["field"]) == ["日期"]
    assert "crawl time" in rejects["reason"].iloc[0]


def test_jsonl_comments_thread_links_and_broken_line(key):
    posts, rejects, rows_in, *_ = ingest_file(FIXTURES / "search_comments_2023-08-01.jsonl", None, "Asia/Shanghai", key)
    assert rows_in == 3 and len(posts) == 2 and rejects["reason"].iloc[0].startswith("not JSON")
    reply = posts.set_index("post_id").loc["xiaohongshu:64c7b0000000000000000002"]
    assert reply["parent_id"] == "xiaohongshu:64c7b0000000000000000001"
    assert reply["root_id"] == "xiaohongshu:64c7a1b00000000012345678"
    assert reply["likes"] == 0 and reply["comments"] == 0   # MediaCrawler writes "" for zero


def test_no_raw_identity_in_clean_or_rejected_rows(key):
    tables = []
    for name, fmt in (("xhs_notes_defects.csv", None), ("6064179721.csv", "weibo_crawler_posts"),
                      ("search_comments_2023-08-01.jsonl", None)):
        posts, rejects, *_ = ingest_file(FIXTURES / name, fmt, "Asia/Shanghai", key, crawled_at=CRAWL)
        tables += [posts, rejects]
    dump = "\n".join(t.astype(str).to_csv() for t in tables)
    for raw in RAW_PEOPLE:
        assert raw not in dump, raw
    assert "@u_" in dump  # mentions survive as pseudonyms


def test_missing_required_column_names_file_and_column(tmp_path, key):
    path = tmp_path / "search_contents_2023-08-01.csv"
    path.write_text("note_id,title,desc\n1,a,b\n", encoding="utf-8-sig")
    with pytest.raises(IngestError, match=r"search_contents_2023-08-01.csv: format mediacrawler_xhs_notes needs column\(s\) \['time'\]"):
        ingest_file(path, "mediacrawler_xhs_notes", "Asia/Shanghai", key)


def test_undetectable_format_is_a_clear_error(tmp_path, key):
    path = tmp_path / "export.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(IngestError, match="declare `format:`"):
        ingest_file(path, None, "Asia/Shanghai", key)


def test_reconciliation_failure_is_loud():
    files = {"a.csv": {"rows_in": 5, "kept": 3, "rejected": 1, "duplicates": 0, "in_scope": 3,
                       "out_of_window": 0, "off_topic": 0}}
    with pytest.raises(IngestError, match="do not reconcile"):
        reconcile("case", files)


def test_demo_case_reconciles_and_filters(demo_corpus, key):
    case, folder, truth = demo_corpus["xhs_trik_ai"]
    posts, rejects, qc = ingest_case(case, key)
    totals = qc["totals"]
    assert totals["rows_in"] == sum(e["rows"] for e in truth["exports"])
    assert totals["kept"] == truth["items"]["total"]          # every planted item, once
    assert totals["rows_in"] == totals["kept"] + totals["rejected"] + totals["duplicates"]
    assert len(posts) == totals["in_scope"]
    assert totals["off_topic"] >= truth["items"]["off_topic"]
    assert posts["post_id"].is_unique
    assert posts["created_at"].between(case.window_start, case.window_end).all()
    assert set(posts["kind"]) == {"post", "comment", "repost"}


def test_missing_key_is_an_error_not_a_default(tmp_path, monkeypatch):
    monkeypatch.delenv("FIRESTORM_TEST_KEY", raising=False)
    with pytest.raises(PseudonymKeyError, match="no pseudonymisation key"):
        load_key("FIRESTORM_TEST_KEY", tmp_path / "absent.key")
    monkeypatch.setenv("FIRESTORM_TEST_KEY", "short")
    with pytest.raises(PseudonymKeyError, match="too short"):
        load_key("FIRESTORM_TEST_KEY", tmp_path / "absent.key")


CORRUPTIBLE = [
    ("xhs_notes_defects.csv", "mediacrawler_xhs_notes"),
    ("search_comments_2023-08-01.jsonl", "mediacrawler_xhs_comments"),
    ("weibo_crawler_misaligned/1234567890.json", "weibo_crawler_posts"),
    ("weibo_search_小红书.csv", "weibo_search_posts"),
]


@settings(max_examples=int(os.environ.get("FIRESTORM_FUZZ_EXAMPLES", 25)), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.sampled_from(CORRUPTIBLE), cut=st.integers(min_value=0, max_value=3000),
       junk=st.binary(max_size=40), drop_tail=st.booleans())
def test_randomly_truncated_and_corrupted_exports_reconcile(tmp_path_factory, key, which, cut, junk, drop_tail):
    name, fmt = which
    source = (FIXTURES / name).read_bytes()
    corrupted = source[:cut] + junk + (b"" if drop_tail else source[cut:])
    path = tmp_path_factory.mktemp("fuzz") / Path(name).name
    path.write_bytes(corrupted)
    try:
        result = ingest_file(path, fmt, "Asia/Shanghai", key)
    except IngestError as error:
        assert str(path) in str(error)  # unreadable as a whole: says which file
        return
    assert result.rows_in == len(result.posts) + len(result.rejects)
    assert result.rejects["reason"].notna().all() and result.rejects["field"].notna().all()
