"""Every supported crawler format, from small fixture files written in that crawler's real layout."""

import json
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


# ------------------------------------------------------------------------------ the author: alias, gender, followers
MEDIACRAWLER_WEIBO_POSTS = FORMATS["mediacrawler_weibo_posts"].fields


def mediacrawler_weibo_csv(path, rows):
    """A MediaCrawler Weibo contents CSV (pre-2026-07 field order) of ``rows``: dicts of the fields that differ."""
    import csv

    base = {"create_time": "1690884000", "create_date_time": "2023-08-01 10:00:00+08:00", "liked_count": "3",
            "comments_count": "0", "shared_count": "0", "last_modify_ts": "1690970400000", "ip_location": "北京"}
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, MEDIACRAWLER_WEIBO_POSTS, restval="")
        writer.writeheader()
        writer.writerows({**base, **row} for row in rows)
    return path


def test_an_author_alias_is_the_pseudonym_a_repost_chain_gives_that_author(tmp_path, key):
    """A repost names whom it reposted as //@<nickname pseudonym>:; author_alias is that same pseudonym, so the
    name links to the reposted item's author (and never is the raw name)."""
    path = mediacrawler_weibo_csv(tmp_path / "search_contents_2023-08-01.csv", [
        {"note_id": "4929000000000031", "content": "画师的图被拿去训练AI", "user_id": "7000000003",
         "nickname": "画画的小鱼", "gender": "f"},
        {"note_id": "4929000000000032", "content": "说得对//@画画的小鱼:画师的图被拿去训练AI", "user_id": "7000000004",
         "nickname": "路过的猫", "gender": "m"},
    ])
    posts = by_id(ingest_file(path, None, "Asia/Shanghai", key))
    original, repost = posts.loc["weibo:4929000000000031"], posts.loc["weibo:4929000000000032"]
    assert repost["kind"] == "repost" and repost["text"] == f"说得对//@{original['author_alias']}:画师的图被拿去训练AI"
    assert original["author_alias"] == pseudonym(key, "weibo:nick", "画画的小鱼")
    assert original["author"] == pseudonym(key, "weibo", "7000000003") != original["author_alias"]   # id-keyed
    assert (original["gender"], repost["gender"]) == ("f", "m") and pd.isna(original["followers"])


def test_xhs_comment_alias_matches_the_mention_of_that_commenter(key):
    posts = by_id(ingest_file(FIXTURES / "search_comments_2023-08-01.jsonl", None, "Asia/Shanghai", key))
    mentioned = posts.loc["xiaohongshu:64c7b0000000000000000001"]          # by 路过的猫
    reply = posts.loc["xiaohongshu:64c7b0000000000000000002"]              # "@路过的猫 同意"
    assert reply["text"] == f"@{mentioned['author_alias']} 同意"
    assert posts["gender"].isna().all() and posts["followers"].isna().all()   # XHS comments state neither


def test_mediacrawler_xhs_notes_alias_and_no_gender(key):
    result = ingest_file(FIXTURES / "xhs_notes_defects.csv", None, "Asia/Shanghai", key)
    notes = by_id(result).loc["xiaohongshu:64c7a1b00000000012345678"]     # crawled twice
    assert set(notes["author_alias"]) == {pseudonym(key, "xiaohongshu:nick", "画画的小鱼")}
    assert result.posts["gender"].isna().all() and result.posts["followers"].isna().all()


def test_masked_nicknames_of_2026_give_no_alias(key):
    """MediaCrawler since 2026-07-01: creator_hash and a masked nickname (画***鱼), which names nobody."""
    result = ingest_file(FIXTURES / "search_contents_2026-07-26.jsonl", None, "Asia/Shanghai", key)
    assert result.posts["author_alias"].isna().all()
    assert_no_people(result)


def weibo_crawler_json(path, user, items=None):
    """weibo-crawler's JSON: {"user": get_user_info()'s dict, "weibo": [parse_weibo() items]}."""
    import json

    items = items or [{"user_id": int(user["id"]), "screen_name": user["screen_name"], "id": 4929000000000041,
                       "bid": "NcW41", "text": "小红书AI训练的事", "created_at": "2023-08-01",
                       "full_created_at": "2023-08-01 10:00:00", "attitudes_count": 5, "comments_count": 1,
                       "reposts_count": 0, "topics": "", "at_users": ""}]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"user": user, "weibo": items}, ensure_ascii=False), encoding="utf-8")
    return path


def test_weibo_crawler_json_states_gender_and_followers_of_its_user(tmp_path, key):
    user = {"id": "7000000005", "screen_name": "糖糖", "gender": "f", "followers_count": 12_000, "follow_count": 80,
            "verified": False}
    result = ingest_file(weibo_crawler_json(tmp_path / "糖糖/7000000005.json", user), None, "Asia/Shanghai", key)
    assert result.format == "weibo_crawler_posts" and result.unknown_columns == ()
    post = by_id(result).loc["weibo:4929000000000041"]
    assert (post["gender"], post["followers"]) == ("f", 10_000)   # coarsened to its order of magnitude
    assert post["author_alias"] == pseudonym(key, "weibo:nick", "糖糖")
    assert_no_people(result)


def test_a_follower_count_that_is_no_count_is_a_reject_of_its_field(tmp_path, key):
    user = {"id": "7000000005", "screen_name": "糖糖", "gender": "f", "followers_count": "abc"}
    result = ingest_file(weibo_crawler_json(tmp_path / "糖糖/7000000005.json", user), None, "Asia/Shanghai", key)
    assert result.rows_in == len(result.rejects) == 1 and len(result.posts) == 0
    assert result.rejects["field"].iat[0] == "_user_followers_count" and "not a count" in result.rejects["reason"].iat[0]
    assert result.rejects["source_row"].iat[0] == 1
    assert_no_people(result)


def test_weibo_crawler_csv_alias_from_its_folder_unless_the_folder_is_the_id(tmp_path, key):
    result = ingest_file(FIXTURES / "weibo_crawler_2019/晚风Lin/6000000002.csv", None, "Asia/Shanghai", key)
    assert set(result.posts["author_alias"]) == {pseudonym(key, "weibo:nick", "晚风Lin")}
    assert result.posts["gender"].isna().all() and result.posts["followers"].isna().all()   # the CSV states neither
    # weibo-crawler's user_id_as_folder_name files {user_id}/{user_id}.csv: the folder is no name.
    by_id_folder = tmp_path / "6064179721" / "6064179721.csv"
    by_id_folder.parent.mkdir()
    by_id_folder.write_bytes((FIXTURES / "6064179721.csv").read_bytes())
    result = ingest_file(by_id_folder, "weibo_crawler_posts", "Asia/Shanghai", key, crawled_at=CRAWL)
    assert len(result.posts) == 3 and result.posts["author_alias"].isna().all()


def test_weibo_crawler_comment_alias_is_its_author_known_only_by_name(key):
    result = ingest_file(FIXTURES / "weibo_crawler_misaligned/画画的小鱼_comments.csv", None, "Asia/Shanghai", key,
                         crawled_at=CRAWL)
    comments = by_id(result)
    assert (comments["author_alias"] == comments["author"]).all()     # a nickname is all it knows of people
    assert comments.loc["weibo:5000000000000002", "text"] == f"回复@{comments.loc['weibo:5000000000000001', 'author_alias']}:同意"


def test_weibospider_alias_gender_and_followers(tmp_path, key):
    csv_result = ingest_file(FIXTURES / "weiboSpider/画画的小鱼/1234567890.csv", "weibospider_posts", "Asia/Shanghai",
                             key)
    assert set(csv_result.posts["author_alias"]) == {pseudonym(key, "weibo:nick", "画画的小鱼")}
    assert csv_result.posts["gender"].isna().all() and csv_result.posts["followers"].isna().all()
    # weiboSpider's JSON user (User.__dict__): weibo.cn's 女/男 and the followers count of its index page.
    document = json.loads((FIXTURES / "weiboSpider/画画的小鱼/1234567890.json").read_text(encoding="utf-8"))
    document["user"].update(gender="女", followers=3_400, following=12, weibo_num=200)
    path = tmp_path / "画画的小鱼" / "1234567890.json"
    path.parent.mkdir()
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    result = ingest_file(path, None, "Asia/Shanghai", key)
    assert result.format == "weibospider_posts" and result.unknown_columns == ()
    post = by_id(result).loc["weibo:4929000000000001"]
    assert (post["gender"], post["followers"]) == ("f", 1_000)
    assert post["author_alias"] == pseudonym(key, "weibo:nick", "画画的小鱼")
    assert_no_people(result)


def test_weibo_search_alias_names_each_rows_own_author(key):
    result = ingest_file(FIXTURES / "weibo_search_小红书.csv", None, "Asia/Shanghai", key)
    posts = by_id(result)
    assert posts.loc["weibo:4929000000000021", "author_alias"] == pseudonym(key, "weibo:nick", "官方账号")
    assert posts.loc["weibo:4929000000000022", "author_alias"] == pseudonym(key, "weibo:nick", "墨白Artist")
    assert result.posts["gender"].isna().all() and result.posts["followers"].isna().all()


def test_spider_xhs_alias_from_its_nickname_cells(key):
    result = ingest_file(FIXTURES / "spider_xhs/小红书AI训练.xlsx", None, "Asia/Shanghai", key)
    nick = result.posts["author_alias"]
    assert nick.notna().all() and nick.str.startswith("u_").all()
    assert result.posts["gender"].isna().all() and result.posts["followers"].isna().all()
    assert_no_people(result)


def test_generic_columns_for_nickname_gender_and_followers(tmp_path, key):
    path = tmp_path / "posts.csv"
    path.write_text("mid,name,sex,fans,body,ts\n"
                    "g1,画画的小鱼,女,1.2万,小红书这事怎么看,2023-08-01 08:00:00\n"
                    "g2,青柚,,,回复@画画的小鱼:不能接受,2023-08-01 09:00:00\n"
                    "g3,糖糖,m,abc,坏数据,2023-08-01 10:00:00\n", encoding="utf-8")
    entry = {"format": "generic", "platform": "weibo",
             "columns": {"post_id": "mid", "author_name": "name", "gender": "sex", "followers": "fans", "text": "body",
                         "created_at": "ts"}}
    result = ingest_file(path, "generic", "Asia/Shanghai", key, entry=entry)
    posts = by_id(result)
    first, second = posts.loc["weibo:g1"], posts.loc["weibo:g2"]
    assert (first["gender"], first["followers"]) == ("f", 10_000)
    assert pd.isna(second["gender"]) and pd.isna(second["followers"])      # empty cells: not stated, not zero
    assert second["text"] == f"回复@{first['author_alias']}:不能接受"
    assert first["author"] == first["author_alias"]                          # no id column: known by name only
    assert list(result.rejects["field"]) == ["fans"] and list(result.rejects["source_row"]) == [3]
    assert "画画的小鱼" in result.names
    assert_no_people(result)


@pytest.mark.parametrize("platform, stated, gender", [
    ("weibo", "f", "f"), ("weibo", "m", "m"), ("weibo", "F", "f"),         # Weibo API (MediaCrawler, weibo-crawler)
    ("weibo", "n", None),                                                   # Weibo API: not stated
    ("weibo", "女", "f"), ("weibo", "男", "m"),                             # weibo.cn (weiboSpider)
    ("weibo", "Female", "f"), ("weibo", "Male", "m"),                     # MediaCrawler creator tables
    ("weibo", "未知", None), ("weibo", "", None), ("weibo", None, None), ("weibo", " ", None),
    ("xiaohongshu", 1, "f"), ("xiaohongshu", 0, "m"), ("xiaohongshu", 2, None),   # XHS API codes
    ("xiaohongshu", "1", "f"), ("xiaohongshu", 0.0, "m"), ("xiaohongshu", "未知", None),
    ("weibo", 1, "reject"), ("weibo", "0", "reject"),                       # no Weibo export writes numbers
    ("xiaohongshu", 3, "reject"), ("xiaohongshu", True, "reject"), ("weibo", "x", "reject"),
])
def test_gender_normalisation(key, platform, stated, gender):
    from firestorm.ingest.formats import FileContext, RowError

    ctx = FileContext("posts.csv", "generic", platform, "Asia/Shanghai", key,
                      columns={"post_id": "id", "text": "text", "created_at": "time", "gender": "性别"})
    record = {"id": "1", "text": "小红书", "time": "2023-08-01 08:00:00", "性别": stated}
    if gender == "reject":
        with pytest.raises(RowError) as error:
            FORMATS["generic"].normalise(record, ctx)
        assert error.value.field == "性别" and "not a gender" in error.value.reason
    else:
        assert FORMATS["generic"].normalise(record, ctx)["gender"] == gender


def test_what_a_record_says_of_its_author_never_decides_which_copy_is_kept(key):
    """The same Weibo post from MediaCrawler (gender, alias) and from a later weibo-search crawl: the later crawl
    wins as it did before the author columns existed."""
    from firestorm.ingest import deduplicate

    both = pd.concat([ingest_file(FIXTURES / "weibo_search_小红书.csv", None, "Asia/Shanghai", key).posts] * 2,
                     ignore_index=True)
    both["crawled_at"] = [CRAWL - pd.Timedelta(days=1)] * 2 + [CRAWL] * 2        # the second copies are later
    both.loc[:1, ["author_alias", "gender", "followers"]] = ["u_0", "f", 10]    # the first copies say more
    unique, dropped = deduplicate(both)
    assert len(unique) == 2 and unique["gender"].isna().all() and dropped.sum() == 2
