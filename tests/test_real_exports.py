"""Ingest on the shapes real exports take: names inside texts, date-only times, tag literals, SQLite stores,
windows that miss the data. Each test reproduces a failure seen on real crawler output (issue 16)."""

import sqlite3
from pathlib import Path

import pandas as pd
import pytest
import yaml

from firestorm.config import load_case
from firestorm.ingest import IngestError, ingest_case, resolve_inputs
from firestorm.privacy import NameScrubber, nickname_pseudonym

FIXTURES = Path(__file__).parent / "fixtures"

CASE = {
    "name": "real", "title": "real-shaped case", "timezone": "Asia/Shanghai",
    "window": {"start": "2023-07-25T00:00:00+08:00", "end": "2023-08-20T00:00:00+08:00"},
    "relevance": {"keywords": ["小红书", "AI"]},
    "timeline": [{"time": "2023-07-30T12:00:00+08:00", "kind": "trigger", "description": "t", "source": "s"}],
    "official_response": {"responded": False},
}


def write_case(folder: Path, inputs: list[dict], **changes) -> object:
    document = {**CASE, **changes, "inputs": inputs}
    path = folder / "real.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return load_case(path)


# ------------------------------------------------------------------------------------------ names in texts
def test_name_scrubber_replaces_longest_name_first_and_whole_latin_words_only(key):
    scrubber = NameScrubber(key, ["小鱼", "画画的小鱼", "abc", "x", "小红书", "AI", "996"], keep=["小红书"])
    text = "画画的小鱼的微博视频 小鱼干 abcd abc 小红书 AI 996 x"
    out = scrubber(text, "weibo")
    long_name = nickname_pseudonym(key, "weibo", "画画的小鱼")
    assert out.startswith(long_name + "的微博视频")                     # not "画画的" + pseudonym of 小鱼
    assert nickname_pseudonym(key, "weibo", "小鱼") + "干" in out       # names inside words go too
    assert " abcd " in out and nickname_pseudonym(key, "weibo", "abc") in out   # "abc" inside "abcd" stays
    assert out.endswith(" 小红书 AI 996 x")     # a kept word; too short or plain to be a person's name
    assert scrubber.replaced == 3


def test_nicknames_inside_texts_never_reach_the_posts_or_rejects(tmp_path, key):
    """weibo-search texts end in '<nickname>的微博视频'; weiboSpider reposts say '转发了 <nickname> 的微博:'."""
    export = tmp_path / "小红书.csv"
    header = ("id,bid,user_id,用户昵称,微博正文,头条文章url,发布位置,艾特用户,话题,转发数,评论数,点赞数,发布时间,发布工具,"
              "微博图片url,微博视频url,retweet_id,ip,user_authentication,会员类型,会员等级")
    rows = [
        "4929000000000101,Nb01,7100000001,山间小路,小红书的AI太离谱了山间小路的微博视频,,,,,1,2,3,2023-08-01 10:00,,,,,,普通用户,,",
        "4929000000000102,Nb02,7100000002,晚风Lin,看到晚风Lin说的事，小红书AI训练不应该 @阿木木 怎么看,,,阿木木,,0,0,1,"
        "2023-08-01 11:00,,,,,,普通用户,,",
        "4929000000000103,Nb03,7100000003,阿木木,回复山间小路：同意，小红书就是不回应,,,,,0,0,0,不是时间,,,,,,,,",
    ]
    export.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8-sig")
    case = write_case(tmp_path, [{"path": str(export), "format": "weibo_search_posts"}])
    posts, rejects, qc = ingest_case(case, key)
    dump = posts.astype(str).to_csv() + rejects.astype(str).to_csv()
    for name in ("山间小路", "晚风Lin", "阿木木"):
        assert name not in dump, name
    assert nickname_pseudonym(key, "weibo", "山间小路") + "的微博视频" in posts["text"].iat[0]
    assert len(rejects) == 1 and "发布时间" in rejects["field"].iat[0]       # its name is scrubbed too
    assert qc["people_names"]["known"] == 3 and qc["people_names"]["replaced_in_texts"] >= 3


# ------------------------------------------------------------------------------------------- empty window
def test_a_window_that_excludes_every_post_stops_ingest_naming_the_data_span(tmp_path, key):
    case = write_case(tmp_path, [{"path": str(FIXTURES / "weibo_search_小红书.csv")}],
                      window={"start": "2024-01-01T00:00:00+08:00", "end": "2024-02-01T00:00:00+08:00"},
                      timeline=[{"time": "2024-01-10T00:00:00+08:00", "kind": "trigger", "description": "t",
                                 "source": "s"}])
    with pytest.raises(IngestError) as error:
        ingest_case(case, key)
    message = str(error.value)
    assert "real.yaml" in message and "key 'window'" in message
    assert "2024-01-01 00:00 – 2024-02-01 00:00" in message and "items from 2023-08-01" in message


def test_no_relevant_item_in_the_window_names_the_keywords(tmp_path, key):
    case = write_case(tmp_path, [{"path": str(FIXTURES / "weibo_search_小红书.csv")}],
                      relevance={"keywords": ["完全无关的词"]})
    with pytest.raises(IngestError, match="key 'relevance'.*完全无关的词"):
        ingest_case(case, key)


# ------------------------------------------------------------------------------------------ SQLite stores
# MediaCrawler's SQLite schema (save_data_option = sqlite): the CSV fields plus id, add_ts, last_modify_ts;
# counts TEXT, times INTEGER.
MEDIACRAWLER_TABLES = {
    "xhs_note": "id INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL, nickname TEXT, avatar TEXT, "
                "ip_location TEXT, add_ts INTEGER NOT NULL, last_modify_ts INTEGER NOT NULL, note_id TEXT NOT NULL, "
                "type TEXT, title TEXT, `desc` TEXT, video_url TEXT, time INTEGER NOT NULL, "
                "last_update_time INTEGER NOT NULL, liked_count TEXT, collected_count TEXT, comment_count TEXT, "
                "share_count TEXT, image_list TEXT, tag_list TEXT, note_url TEXT, source_keyword TEXT DEFAULT ''",
    "xhs_note_comment": "id INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL, nickname TEXT, avatar TEXT, "
                        "ip_location TEXT, add_ts INTEGER NOT NULL, last_modify_ts INTEGER NOT NULL, "
                        "comment_id TEXT NOT NULL, create_time INTEGER NOT NULL, note_id TEXT NOT NULL, "
                        "content TEXT NOT NULL, sub_comment_count TEXT NOT NULL, pictures TEXT, "
                        "parent_comment_id TEXT, like_count TEXT NOT NULL DEFAULT '0'",
    "weibo_note": "id INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT, nickname TEXT, avatar TEXT, gender TEXT, "
                  "profile_url TEXT, ip_location TEXT, add_ts INTEGER NOT NULL, last_modify_ts INTEGER NOT NULL, "
                  "note_id TEXT NOT NULL, content TEXT, create_time INTEGER NOT NULL, create_date_time TEXT NOT NULL, "
                  "liked_count TEXT, comments_count TEXT, shared_count TEXT, note_url TEXT, source_keyword TEXT",
    "weibo_note_comment": "id INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT, nickname TEXT, avatar TEXT, "
                          "gender TEXT, profile_url TEXT, ip_location TEXT, add_ts INTEGER NOT NULL, "
                          "last_modify_ts INTEGER NOT NULL, comment_id TEXT NOT NULL, note_id TEXT NOT NULL, "
                          "content TEXT, create_time INTEGER NOT NULL, create_date_time TEXT NOT NULL, "
                          "sub_comment_count TEXT NOT NULL, parent_comment_id TEXT, like_count TEXT NOT NULL",
    "xhs_creator": "id INTEGER PRIMARY KEY AUTOINCREMENT, user_id TEXT NOT NULL, nickname TEXT",
}
CRAWLED_MS = 1691020800000      # 2023-08-03 08:00 +08:00
NOTE_MS = 1690804656000          # 2023-07-31 19:57:36 +08:00


def mediacrawler_database(path: Path) -> Path:
    with sqlite3.connect(path) as db:
        for table, columns in MEDIACRAWLER_TABLES.items():
            db.execute(f"CREATE TABLE {table} ({columns})")
        db.execute("INSERT INTO xhs_note (user_id, nickname, ip_location, add_ts, last_modify_ts, note_id, type, "
                   "title, `desc`, time, last_update_time, liked_count, collected_count, comment_count, share_count, "
                   "tag_list) VALUES ('5f3c00000000000000001111', '雨后青山', '浙江', ?, ?, '64c7a1b00000000012340001', "
                   "'normal', '小红书AI', '我的画被拿去训练AI了 #小红书AI训练[话题]#', ?, ?, '1.2万', '', '37', '10万+', "
                   "'小红书AI训练')", (CRAWLED_MS, CRAWLED_MS, NOTE_MS, NOTE_MS))
        db.execute("INSERT INTO xhs_note_comment (user_id, nickname, add_ts, last_modify_ts, comment_id, create_time, "
                   "note_id, content, sub_comment_count, parent_comment_id, like_count) VALUES ('5f3c00000000000000002222', "
                   "'月光', ?, ?, '64c7b00000000000000a0001', ?, '64c7a1b00000000012340001', '雨后青山说得对', '0', '0', '3')",
                   (CRAWLED_MS, CRAWLED_MS, NOTE_MS + 60_000))
        db.execute("INSERT INTO weibo_note (user_id, nickname, add_ts, last_modify_ts, note_id, content, create_time, "
                   "create_date_time, liked_count, comments_count, shared_count) VALUES ('7200000001', '北方的树', ?, ?, "
                   "'4929000000000201', '小红书AI训练的事', 1690833456, '2023-07-31 19:57:36+08:00', '5', '1', '0')",
                   (CRAWLED_MS, CRAWLED_MS))
        db.execute("INSERT INTO weibo_note_comment (user_id, nickname, add_ts, last_modify_ts, comment_id, note_id, "
                   "content, create_time, create_date_time, sub_comment_count, parent_comment_id, like_count) VALUES "
                   "('7200000002', '海边', ?, ?, '4929000000000301', '4929000000000201', '支持', 1690833516, "
                   "'2023-07-31 19:58:36+08:00', '0', '4929000000000301', '0')", (CRAWLED_MS, CRAWLED_MS))
        db.execute("INSERT INTO xhs_creator (user_id, nickname) VALUES ('5f3c00000000000000001111', '雨后青山')")
    return path


def test_mediacrawler_sqlite_store_reads_each_known_table_as_its_format(tmp_path, key):
    database = mediacrawler_database(tmp_path / "sqlite_tables.db")
    case = write_case(tmp_path, [{"path": str(database)}])
    assert [entry["table"] for _, _, entry in resolve_inputs(case)] == [
        "weibo_note", "weibo_note_comment", "xhs_note", "xhs_note_comment"]   # xhs_creator is not content
    posts, rejects, qc = ingest_case(case, key)
    assert len(rejects) == 0 and qc["totals"]["in_scope"] == 4
    assert {f["format"] for f in qc["files"].values()} == {
        "mediacrawler_xhs_notes", "mediacrawler_xhs_comments", "mediacrawler_weibo_posts",
        "mediacrawler_weibo_comments"}
    by_id = posts.set_index("post_id")
    note = by_id.loc["xiaohongshu:64c7a1b00000000012340001"]
    assert note["likes"] == 12_000 and note["shares"] == 100_000 and note["collects"] == 0
    assert note["created_at"] == pd.Timestamp(NOTE_MS, unit="ms", tz="UTC") and note["time_precision"] == "second"
    assert note["source_file"].endswith("sqlite_tables.db::xhs_note")
    comment = by_id.loc["xiaohongshu:64c7b00000000000000a0001"]
    assert comment["parent_id"] == "xiaohongshu:64c7a1b00000000012340001" and comment["kind"] == "comment"
    # create_date_time, not the 8-hour-wrong create_time
    assert by_id.loc["weibo:4929000000000201", "created_at"].isoformat() == "2023-07-31T11:57:36+00:00"
    assert "雨后青山" not in posts.astype(str).to_csv()        # a comment names the note's author


def test_a_database_with_unknown_tables_lists_them(tmp_path, key):
    database = tmp_path / "notes.db"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE notes (note_id TEXT, title TEXT, time INTEGER)")
        db.execute("CREATE TABLE comments (id TEXT, content TEXT)")
    case = write_case(tmp_path, [{"path": str(database)}])
    with pytest.raises(IngestError, match=r"tables \['comments', 'notes'\] are not MediaCrawler's.*declare `table:`"):
        ingest_case(case, key)


def test_any_sqlite_table_reads_through_generic_columns(tmp_path, key):
    """ReaJason/xhs-style scripts store the web API's note dicts in their own tables."""
    database = tmp_path / "xhs.db"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE notes (note_id TEXT, title TEXT, `desc` TEXT, time INTEGER, liked_count TEXT)")
        db.execute("CREATE TABLE users (user_id TEXT)")
        db.execute("INSERT INTO notes VALUES ('64c7a1b00000000012349999', '小红书', 'AI画图训练', ?, '1.1万+')",
                   (NOTE_MS,))
    case = write_case(tmp_path, [{"path": str(database), "table": "notes", "format": "generic",
                                  "platform": "xiaohongshu",
                                  "columns": {"post_id": "note_id", "text": "desc", "title": "title",
                                              "created_at": "time", "likes": "liked_count"}}])
    posts, rejects, qc = ingest_case(case, key)
    assert len(posts) == 1 and posts["likes"].iat[0] == 11_000 and list(qc["files"]) == [f"{database}::notes"]


def test_mention_lists_give_names_never_pieces_of_text(key):
    """weibo-crawler's @用户 can hold a repost chain's tail ("name:text，more text"): the name is taken, the
    text is not (a sentence taken for a name would be replaced wherever it stands)."""
    from firestorm.ingest.formats import FileContext, names_in_record

    ctx = FileContext("data/x/某人/6000000001.csv", "weibo_crawler_posts", "weibo", "Asia/Shanghai", key)
    fields = {"正文": "说得对//@喵安柚8438:条款是这样写的，失望透顶", "@用户": "木乐云2259,喵安柚8438:条款是这样写的，失望透顶"}
    assert names_in_record(fields, ctx) == {"木乐云2259", "喵安柚8438", "某人"}


# ------------------------------------------------------------------------------------- layouts seen in the wild
def test_weibospider_2018_layout_without_ids(key):
    """A weiboSpider fork of 2018 writes 微博,翻译,点赞数,转发数,评论数,发布时间: numbered texts, no id, reposts as
    '转发了\\xa0<name>\\xa0的微博:\\n<text>\\n转发理由:<reason>', times with a trailing newline."""
    from firestorm.ingest import ingest_file

    path = FIXTURES / "weiboSpider_2018/画画的小鱼/1234567890.csv"
    result = ingest_file(path, None, "Asia/Shanghai", key)
    assert result.format == "weibospider_posts" and result.rows_in == 3
    assert len(result.posts) == 2 and list(result.rejects["field"]) == ["发布时间"]
    first, repost = result.posts.iloc[0], result.posts.iloc[1]
    assert first["text"].startswith("小红书拿画师") and first["time_precision"] == "minute"   # "1:" is gone
    assert first["created_at"].isoformat() == "2023-07-31T12:11:00+00:00"
    assert repost["kind"] == "repost"
    assert repost["text"].startswith("这就是霸王条款//@" + nickname_pseudonym(key, "weibo", "山间小路") + ":")
    assert "山间小路" in result.names and "画画的小鱼" in result.names
    again = ingest_file(path, None, "Asia/Shanghai", key)
    assert list(again.posts["post_id"]) == list(result.posts["post_id"])   # keyed ids are stable
    assert result.posts["post_id"].str.match(r"weibo:wbs[0-9a-f]{16}$").all()


def test_weibo_crawler_2019_dates_appended_runs_and_video_card_names(key):
    from firestorm.ingest import ingest_file

    result = ingest_file(FIXTURES / "weibo_crawler_2019/晚风Lin/6000000002.csv", None, "Asia/Shanghai", key)
    assert result.rows_in == 3 and len(result.posts) == 2
    assert list(result.rejects["reason"]) == ["repeated header row (a re-run appended its header)"]
    assert set(result.posts["time_precision"]) == {"day"}
    assert result.posts["created_at"].iloc[0].isoformat() == "2019-08-07T16:00:00+00:00"
    assert result.posts["likes"].iloc[0] == 1_000_000
    assert {"晚风Lin", "阿木木"} <= result.names


def test_comment_columns_in_post_rows_are_refused_with_a_mapping_to_declare(tmp_path, key):
    from firestorm.ingest import ingest_file

    path = tmp_path / "小红书AI.csv"
    header = ("id,bid,user_id,用户昵称,微博正文,头条文章url,发布位置,艾特用户,话题,转发数,评论数,点赞数,发布时间,发布工具,"
              "微博图片url,微博视频url,retweet_id,ip,user_authentication,评论人ID,评论人昵称,评论时间,评论内容,点赞次数")
    post = "4929000000000101,Nb01,7100000001,山间小路,小红书AI训练,,,,,1,2,3,2023-08-01 10:00,,,,,广东,普通用户"
    path.write_text(header + "\n" + post + ",7100000002,晚风Lin,Tue Aug 01 10:05:00 +0800 2023,同意,1\n" + post
                    + ",7100000003,阿木木,Tue Aug 01 10:07:00 +0800 2023,<a href='/n/山间小路'>@山间小路</a> 支持,0\n" + post
                    + ",,,,无,\n",       # a post row without a comment ('无' is the crawlers' word for none)
                    encoding="utf-8-sig")
    with pytest.raises(IngestError, match=r"carry a second record.*`comments: \{text: 评论内容, created_at: 评论时间, "
                                          r"author: 评论人ID, author_name: 评论人昵称, likes: 点赞次数\}`"):
        ingest_file(path, None, "Asia/Shanghai", key)
    mapping = {"text": "评论内容", "created_at": "评论时间", "author": "评论人ID", "author_name": "评论人昵称",
               "likes": "点赞次数"}
    result = ingest_file(path, None, "Asia/Shanghai", key, entry={"comments": mapping})
    assert result.rows_in == 5 and result.embedded_comments == 2 and len(result.posts) == 5
    assert result.unknown_columns == ()          # the comment columns are read, not ignored
    comments = result.posts[result.posts["kind"] == "comment"]
    assert set(comments["parent_id"]) == {"weibo:4929000000000101"} and comments["post_id"].is_unique
    assert comments["text"].iloc[1] == "@" + nickname_pseudonym(key, "weibo", "山间小路") + " 支持"   # HTML gone
    # The commenter's nickname column gives the alias; the post's alias is the name its mention carries.
    assert list(comments["author_alias"]) == [nickname_pseudonym(key, "weibo", name) for name in ("晚风Lin", "阿木木")]
    assert comments["text"].iloc[1].startswith("@" + result.posts["author_alias"].iat[0])
    assert comments["created_at"].iloc[0].isoformat() == "2023-08-01T02:05:00+00:00"
    with pytest.raises(IngestError, match=r"names column\(s\) \['评论正文'\] that the file lacks"):
        ingest_file(path, None, "Asia/Shanghai", key, entry={"comments": {**mapping, "text": "评论正文"}})


def test_unknown_columns_are_listed_as_warnings(tmp_path, key):
    source = (FIXTURES / "weibo_search_小红书.csv").read_text(encoding="utf-8-sig").splitlines()
    path = tmp_path / "小红书.csv"
    path.write_text("\n".join([source[0] + ",采集批次"] + [line + ",3" for line in source[1:]]) + "\n",
                    encoding="utf-8-sig")
    case = write_case(tmp_path, [{"path": str(path)}])
    _, _, qc = ingest_case(case, key)
    assert qc["files"][str(path)]["unknown_columns"] == ["采集批次"]
    assert qc["warnings"] == [f"{path}: columns ['采集批次'] are not part of format weibo_search_posts and were ignored"]
