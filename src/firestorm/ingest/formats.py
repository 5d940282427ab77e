"""The crawler export formats firestorm reads, and how each record becomes a canonical row.

Field names, date forms and quirks were read from the crawlers' own writer code (see the table in the
README): NanmiCoder/MediaCrawler (Xiaohongshu notes/comments, Weibo posts/comments; CSV, JSON, JSON lines,
Excel), dataabc/weibo-crawler (per-user CSV with Chinese headers, JSON, comment CSV), dataabc/weiboSpider
(CSV/JSON from weibo.cn), dataabc/weibo-search (keyword-search CSV) and cv-cat/Spider_XHS (Excel, every cell
text). No crawler code is included; the field lists below describe what those tools write.

Each format has a normaliser ``record, ctx -> canonical dict`` that raises :class:`RowError` naming the
field it could not read; ingest turns that into a reject.
"""

from __future__ import annotations

import ast
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from firestorm.ingest import columnar
from firestorm.ingest.parsing import MISSING_TEXT, parse_count, parse_datetime_precision, parse_epoch
from firestorm.privacy import (
    MENTION, REPOST_ATTRIBUTION, author_pseudonym, nickname_pseudonym, pseudonym, scrub_people,
)

# An unknown column with such a name carries a second record in each row (a weibo-search fork appends the
# columns of one comment to every post row), so rows repeating a post are not duplicates.
EMBEDDED_RECORD = re.compile(r"评论人|评论内容|评论时间|评论id|comment_(?:id|text|content|time)|回复", re.I)

# Columns that identify people: read only to pseudonymise, never written to results/.
PERSONAL_COLUMNS = {
    "user_id", "creator_hash", "nickname", "avatar", "profile_url", "gender", "@用户", "user_screen_name",
    "screen_name", "用户昵称", "艾特用户", "at_users", "用户id", "用户主页url", "昵称", "头像url", "user",
    "comment_user", "源用户id", "源用户昵称", "评论人ID", "评论人昵称", "评论人id",
}

# Columns (and keys of nested JSON objects) that hold somebody's nickname, and columns listing several
# (comma-joined or JSON lists): read so those names can be replaced wherever they stand in texts.
NAME_COLUMNS = {"nickname", "nick_name", "用户昵称", "昵称", "user_screen_name", "screen_name", "源用户昵称",
                "_user_screen_name", "_user_nickname", "作者昵称", "评论人昵称"}
NAME_LIST_COLUMNS = {"艾特用户", "@用户", "at_users"}
NESTED_PEOPLE = ("user", "comment_user", "retweet", "reply_comment")
# Names that texts state without an @: weiboSpider's repost attribution (both layouts).
# Video cards name their uploader: "L<name>的微博视频" (weibo-search), "#话题#<name>的秒拍视频" (weibo-crawler).
NAMED_IN_TEXT = re.compile(r"原始用户[:：]\s*([^\n]+?)\s*\n|转发了\s*(\S{1,30}?)\s*的微博[:：]"
                           r"|L([^\sL@#]{1,30}?)的(?:微博视频|秒拍视频)"
                           r"|[\s#@】\]]([^\s#@【】\[\]L，。！？、：；“”]{1,20}?)的(?:微博视频|秒拍视频)")

XHS_TOPIC = re.compile(r"#([^#\[\]]+?)(?:\[话题\])?#")
WEIBO_TOPIC = re.compile(r"#([^#]{1,40})#")
# weiboSpider's 2018 layout writes a repost as "N:转发了 name 的微博:\ntext\n转发理由:reason" (N = the post's
# index in the file); it is rewritten to the later "reason\n原始用户: name\n转发内容: text"
# (privacy.REPOST_ATTRIBUTION).
WEIBOSPIDER_2018_REPOST = re.compile(r"^转发了\s*(.+?)\s*的微博[:：]\s*(.*?)\s*转发理由[:：]\s*(.*?)\s*$", re.S)
WEIBOSPIDER_2018_INDEX = re.compile(r"^\d+[:：]")
BASE62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
# An author's gender as exports write it. The Weibo API's f/m (n: 未知, unknown) reach MediaCrawler's Weibo
# records and weibo-crawler's user; weibo.cn's 女/男 reach weiboSpider's user; MediaCrawler's and Spider_XHS's
# creator tables write Female/Male and 女/男/未知. None: the export says the gender is not stated.
GENDERS = {"f": "f", "female": "f", "女": "f", "m": "m", "male": "m", "男": "m", "n": None, "unknown": None,
           "保密": None}
# Xiaohongshu's API states gender as a number (MediaCrawler's and Spider_XHS's creator code: 1 female, 0 male,
# else not stated); no Weibo export writes numbers, so there a number is not read as a gender.
XHS_GENDER_CODES = {"0": "m", "1": "f", "2": None}


class RowError(ValueError):
    """One record cannot be normalised; ``field`` names the offending column."""

    def __init__(self, field_name: str, reason: str):
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


@dataclass
class FileContext:
    path: str
    format: str
    platform: str
    timezone: str
    key: bytes
    crawled_at: pd.Timestamp | None = None
    columns: dict = field(default_factory=dict)   # generic format: canonical name -> source column
    kind: str = "post"                             # generic format: kind when no column says

    def scrub(self, text: str) -> str:
        """Text with every @mention and weiboSpider repost attribution pseudonymised."""
        return scrub_people(text, self.key, self.platform)

    def file_user(self) -> tuple[str, str]:
        """(screen name, user id) of files named ``{screen_name}/{user_id}.ext``."""
        path = Path(self.path)
        return path.parent.name, path.stem

    def file_screen_name(self) -> str | None:
        """The screen name a ``{screen_name}/{user_id}.ext`` file is filed under; None where the file is not laid
        out so (its name is no user id) or the folder is the id itself (weibo-crawler's user_id_as_folder_name)."""
        screen_name, user_id = self.file_user()
        return screen_name if user_id.isdigit() and screen_name and not screen_name.isdigit() else None


def _listed_name(part: str) -> str | None:
    """One name of a mention list (weibo-crawler's @用户 is comma-joined), or None where the part is no name:
    an entry cut from a repost chain ("name:text…") keeps only its name, and text that is no nickname (spaces,
    punctuation, more than 30 characters) is not taken for one."""
    name = re.split(r"[:：]", part.strip().lstrip("@"), maxsplit=1)[0].strip()
    return name if MENTION.fullmatch("@" + name) else None


def names_in_field(column: str, value, ctx: FileContext, depth: int = 0) -> set[str]:
    """The nicknames one field states (see :func:`names_in_record`); unfiltered, may hold None."""
    if isinstance(value, dict) and column in NESTED_PEOPLE and depth < 3:
        return names_in_record(value, ctx, depth + 1)
    if isinstance(value, list) and column in NAME_LIST_COLUMNS:
        return {_listed_name(str(v)) for v in value if isinstance(v, (str, int))}
    if isinstance(value, str) and value.strip():
        if column in NAME_COLUMNS:
            return {value.strip()}
        if column in NAME_LIST_COLUMNS:
            return {_listed_name(part) for part in value.split(",")}
        if "@" in value or "的微博" in value or "原始用户" in value or "视频" in value:
            return set(MENTION.findall(value)) | {next(g for g in match if g) for match in NAMED_IN_TEXT.findall(value)}
    return set()


def names_in_record(fields: dict, ctx: FileContext, depth: int = 0) -> set[str]:
    """Every nickname a record states: name columns, mention lists, nested user objects, the file's own user
    (``{screen_name}/{user_id}.csv``), @mentions and repost attributions inside its texts."""
    names = set()
    for column, value in fields.items():
        names |= names_in_field(column, value, ctx, depth)
    if depth == 0:
        names |= record_level_names(fields, ctx)
    return usable_names(names)


def record_level_names(fields: dict, ctx: FileContext) -> set[str]:
    """Names a record states outside its own fields' markup: the generic mapping's author column, the file's user."""
    names = set()
    mapped = ctx.columns.get("author_name")   # generic: the column the case maps authors' nicknames from
    if mapped and isinstance(fields.get(mapped), (str, int)) and str(fields[mapped]).strip():
        names.add(str(fields[mapped]).strip())
    if FORMATS[ctx.format].files_named_after_user:
        names.add(ctx.file_user()[0])
    return names


def usable_names(names: set) -> set[str]:
    return {name for name in names if name and name not in MISSING_TEXT}


# ------------------------------------------------------------------------------------------------ helpers
def _value(record: dict, *names: str):
    """The first of ``names`` present with a non-missing value, else None."""
    for name in names:
        value = record.get(name)
        if isinstance(value, str):
            value = value.strip()
            if value in MISSING_TEXT:
                continue
        if value is None or (isinstance(value, float) and value != value):
            continue
        return value
    return None


def has_value(record: dict, name: str) -> bool:
    """Whether a record's column holds a value (not empty, not one of the crawlers' words for none)."""
    return _value(record, name) is not None


def _first_name(record: dict, names: tuple[str, ...]) -> str:
    return next((n for n in names if n in record), names[0])


def _text(record: dict, *names: str) -> str:
    value = _value(record, *names)
    if value is None or isinstance(value, (list, dict)):
        raise RowError(_first_name(record, names), "missing")
    return str(value)


def _optional_text(record: dict, *names: str) -> str | None:
    value = _value(record, *names)
    return None if value is None or isinstance(value, (list, dict)) else str(value)


def _count(record: dict, *names: str) -> int | None:
    name = _first_name(record, names)
    try:
        return parse_count(record.get(name))
    except ValueError as error:
        raise RowError(name, str(error)) from None


def _time(record: dict, ctx: FileContext, *names: str) -> tuple[pd.Timestamp, str]:
    """(UTC timestamp, precision) of the first of ``names`` with a value; a reject names that column."""
    name = next((n for n in names if _value(record, n) is not None), names[0])
    value = _value(record, name)
    try:
        return parse_datetime_precision(value, ctx.timezone, ctx.crawled_at)
    except ValueError as error:
        raise RowError(name, str(error)) from None


def _created(record: dict, ctx: FileContext, *names: str) -> dict:
    """``created_at`` and its ``time_precision`` (second/minute/hour/day) for a canonical row."""
    stamp, precision = _time(record, ctx, *names)
    return {"created_at": stamp, "time_precision": precision}


def _crawl_time(record: dict, ctx: FileContext):
    value = _value(record, "last_modify_ts")
    if value is None:
        return ctx.crawled_at
    try:
        return parse_epoch(value)
    except ValueError as error:
        raise RowError("last_modify_ts", str(error)) from None


def _author(ctx: FileContext, user_id=None, nickname=None) -> str | None:
    return author_pseudonym(ctx.key, ctx.platform, user_id, nickname)


def _alias(ctx: FileContext, nickname) -> str | None:
    """``author_alias``: the pseudonym texts give the author's nickname (``@name``, ``//@name:``), None without one."""
    if nickname is None or isinstance(nickname, (list, dict)):
        return None
    name = str(nickname).strip()
    return nickname_pseudonym(ctx.key, ctx.platform, name) if name else None


def _gender(record: dict, ctx: FileContext, *names: str) -> str | None:
    """"f", "m", or None where the record states no gender; a value that is no gender is a reject of its field."""
    name = next((n for n in names if _value(record, n) is not None), None)
    if name is None:
        return None
    value = _value(record, name)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    known = {**GENDERS, **(XHS_GENDER_CODES if ctx.platform == "xiaohongshu" else {})}
    text = None if isinstance(value, bool) else str(value).strip().lower()
    if text in known:
        return known[text]
    raise RowError(name, f"not a gender: {value!r} (expected f/m, 女/男, female/male, or 未知 for not stated)")


def _stated_count(record: dict, *names: str) -> int | None:
    """A count that is null where the record leaves it empty: an author's follower count is unknown there, not
    zero (MediaCrawler's empty interaction counts mean zero, see parse_count)."""
    name = next((n for n in names if _value(record, n) is not None), None)
    return None if name is None else _count(record, name)


def _follower_band(count: int | None) -> int | None:
    """A follower count coarsened to its order of magnitude (12,345 -> 10,000; 0 stays 0): the tier is what an
    analysis of reach needs, and an exact count can single out a public account behind its pseudonym."""
    if count is None or count <= 0:
        return count
    return 10 ** (len(str(int(count))) - 1)


def _qualified(ctx: FileContext, local_id) -> str:
    return f"{ctx.platform}:{str(local_id).strip()}"


# A Python list literal of tags longer than this is not a tag list but garbage (never evaluated).
MAX_TAG_LITERAL = 10_000


def _tags(record: dict, *names: str):
    """A tag column's value: comma-joined text as is; a list; or Spider_XHS's Python list literal
    (``"['新加坡酒店', '新加坡旅行']"``), read safely with ``ast.literal_eval`` — a literal that is not a list of
    strings, or is too long to be one, is a reject of that field."""
    return tags_of(_value(record, *names), _first_name(record, names))


def tags_of(value, name: str):
    """The tags of one (cleaned) tag value; raises :class:`RowError` naming ``name`` (see :func:`_tags`)."""
    if isinstance(value, str) and len(value) > 1 and value[0] == value[-1] == '"':
        try:   # MediaCrawler's SQLite store JSON-quotes tag_list ("\u65c5\u884c,…")
            value = json.loads(value)
        except ValueError:
            pass
    if not isinstance(value, str) or not value.startswith("["):
        return value
    if len(value) > MAX_TAG_LITERAL:
        raise RowError(name, f"tag list of {len(value):,} characters (over {MAX_TAG_LITERAL:,})")
    try:
        tags = ast.literal_eval(value)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise RowError(name, f"not a list of tags: {value[:60]!r}") from None
    if not isinstance(tags, (list, tuple)) or not all(isinstance(tag, str) for tag in tags):
        raise RowError(name, f"not a list of tags: {value[:60]!r}")
    return list(tags)


def _topics(text: str, pattern: re.Pattern, listed=None) -> str:
    if isinstance(listed, list):
        listed = ",".join(str(t) for t in listed)
    names = [t.strip() for t in re.split(r"[,，\s]", listed or "") if t.strip()] or pattern.findall(text)
    return "|".join(dict.fromkeys(n.strip().strip("#") for n in names if n.strip()))


def bid_to_mid(bid: str) -> str:
    """Numeric mid of a Weibo base62 ``bid`` (4-character groups from the right, 7 decimal digits each)."""
    bid = bid.strip()
    if not bid or any(c not in BASE62 for c in bid):
        raise ValueError(f"not a Weibo bid: {bid!r}")
    groups = []
    while bid:
        bid, chunk = bid[:-4], bid[-4:]
        value = 0
        for char in chunk:
            value = value * 62 + BASE62.index(char)
        groups.append(str(value).rjust(7, "0") if bid else str(value))
    return "".join(reversed(groups))


def _weibo_post_id(ctx: FileContext, record: dict, *names: str) -> str:
    """weibo:<mid>; a base62 bid (weiboSpider) is converted so that every crawler's copy dedupes together."""
    local = _text(record, *names).strip()
    if not local.isdigit():
        try:
            local = bid_to_mid(local)
        except ValueError as error:
            raise RowError(_first_name(record, names), str(error)) from None
    return _qualified(ctx, local)


def _row(**values) -> dict:
    defaults = dict(parent_id=None, title=None, likes=None, comments=None, shares=None, collects=None,
                    ip_region=None, author_alias=None, gender=None, followers=None, hashtags="", crawled_at=None)
    return {**defaults, **values}


def _region(value) -> str | None:
    if value in (None, ""):
        return None
    return re.sub(r"^(发布于|来自|IP属地[:：]?)\s*", "", str(value).strip()) or None


# ------------------------------------------------------------------------------------------- MediaCrawler
def _mediacrawler_alias(record: dict, ctx: FileContext) -> str | None:
    # Since 2026-07-01 MediaCrawler writes creator_hash instead of user_id and masks the nickname (first character,
    # "***", last character): a masked name is nobody's, so it gives no alias.
    if _value(record, "creator_hash") is not None:
        return None
    return _alias(ctx, _value(record, "nickname"))


def normalise_mediacrawler_xhs_note(record: dict, ctx: FileContext) -> dict:
    post_id = _qualified(ctx, _text(record, "note_id"))
    text = _text(record, "desc")
    # MediaCrawler wrote user_id until 2026-07-01 and creator_hash (sha256 of it) after.
    return _row(
        post_id=post_id, kind="post", root_id=post_id, **_created(record, ctx, "time"),
        author=_author(ctx, _value(record, "user_id", "creator_hash")), text=ctx.scrub(text),
        title=ctx.scrub(_optional_text(record, "title") or "") or None,
        likes=_count(record, "liked_count"), comments=_count(record, "comment_count"),
        shares=_count(record, "share_count"), collects=_count(record, "collected_count"),
        ip_region=_region(_value(record, "ip_location")), author_alias=_mediacrawler_alias(record, ctx),
        hashtags=_topics(text, XHS_TOPIC, _tags(record, "tag_list")), crawled_at=_crawl_time(record, ctx),
    )


def normalise_mediacrawler_xhs_comment(record: dict, ctx: FileContext) -> dict:
    root_id = _qualified(ctx, _text(record, "note_id"))
    parent = str(_value(record, "parent_comment_id") or "")
    text = _text(record, "content")
    return _row(
        post_id=_qualified(ctx, _text(record, "comment_id")), kind="comment",
        # Top-level comments carry parent_comment_id "0" (before 2026-07) or "" (after).
        parent_id=_qualified(ctx, parent) if parent not in ("", "0") else root_id, root_id=root_id,
        **_created(record, ctx, "create_time"), author=_author(ctx, _value(record, "user_id", "creator_hash")),
        text=ctx.scrub(text), likes=_count(record, "like_count"), comments=_count(record, "sub_comment_count"),
        ip_region=_region(_value(record, "ip_location")), author_alias=_mediacrawler_alias(record, ctx),
        hashtags=_topics(text, XHS_TOPIC), crawled_at=_crawl_time(record, ctx),
    )


def _mediacrawler_weibo_time(record: dict, ctx: FileContext) -> dict:
    # create_time is 8 h too large in MediaCrawler versions 2023-12…2026-07-30; create_date_time is right.
    if _value(record, "create_date_time") is not None:
        return _created(record, ctx, "create_date_time")
    return _created(record, ctx, "create_time")


def normalise_mediacrawler_weibo_post(record: dict, ctx: FileContext) -> dict:
    post_id = _weibo_post_id(ctx, record, "note_id")
    text = _text(record, "content")
    return _row(
        post_id=post_id, kind="repost" if "//@" in text else "post", root_id=post_id,
        **_mediacrawler_weibo_time(record, ctx),
        author=_author(ctx, _value(record, "user_id", "creator_hash")), text=ctx.scrub(text),
        likes=_count(record, "liked_count"), comments=_count(record, "comments_count"),
        shares=_count(record, "shared_count"), ip_region=_region(_value(record, "ip_location")),
        author_alias=_mediacrawler_alias(record, ctx), gender=_gender(record, ctx, "gender"),
        hashtags=_topics(text, WEIBO_TOPIC), crawled_at=_crawl_time(record, ctx),
    )


def normalise_mediacrawler_weibo_comment(record: dict, ctx: FileContext) -> dict:
    comment_id = _text(record, "comment_id")
    root_id = _weibo_post_id(ctx, record, "note_id")
    thread = str(_value(record, "parent_comment_id") or "")
    text = _text(record, "content")
    return _row(
        post_id=_qualified(ctx, comment_id), kind="comment",
        # Weibo's parent_comment_id is the thread's first comment, equal to comment_id at top level.
        parent_id=_qualified(ctx, thread) if thread not in ("", "0", comment_id) else root_id, root_id=root_id,
        **_mediacrawler_weibo_time(record, ctx),
        author=_author(ctx, _value(record, "user_id", "creator_hash")), text=ctx.scrub(text),
        likes=_count(record, "comment_like_count"), comments=_count(record, "sub_comment_count"),
        ip_region=_region(_value(record, "ip_location")), author_alias=_mediacrawler_alias(record, ctx),
        gender=_gender(record, ctx, "gender"), hashtags=_topics(text, WEIBO_TOPIC),
        crawled_at=_crawl_time(record, ctx),
    )


# -------------------------------------------------------------------------------- dataabc weibo crawlers
def normalise_weibo_crawler_post(record: dict, ctx: FileContext) -> dict:
    """weibo-crawler CSV (Chinese headers) or JSON (English keys) of one user's posts.

    The JSON's ``user`` (read as ``_user_*`` columns) states the author's gender (Weibo API f/m) and
    followers_count; the CSV states neither."""
    post_id = _weibo_post_id(ctx, record, "id")  # the CSV id carries a trailing tab
    text = _text(record, "正文", "text")
    screen_name, user_id = ctx.file_user()
    author_id = _value(record, "_user_id", "user_id") or (user_id if user_id.isdigit() else None)
    return _row(
        post_id=post_id, kind="repost" if "//@" in text else "post", root_id=post_id,
        **_created(record, ctx, "完整日期", "full_created_at", "日期", "created_at"),
        author=_author(ctx, author_id, screen_name), text=ctx.scrub(text),
        likes=_count(record, "点赞数", "attitudes_count"), comments=_count(record, "评论数", "comments_count"),
        shares=_count(record, "转发数", "reposts_count"), ip_region=_region(_value(record, "IP属地", "ip_location")),
        author_alias=_alias(ctx, _value(record, "screen_name", "_user_screen_name") or ctx.file_screen_name()),
        gender=_gender(record, ctx, "_user_gender"),
        followers=_follower_band(_stated_count(record, "_user_followers_count")),
        hashtags=_topics(text, WEIBO_TOPIC, _tags(record, "话题", "topics")), crawled_at=ctx.crawled_at,
    )


def realign_weibo_crawler(header: list[str], values: list[str]) -> list[str] | None:
    """Columns for weibo-crawler rows that do not fit their header, in the two known periods.

    2019 rows (date-only 日期) may begin with the user's id and screen name that the header lacks;
    2022-04…2024-01-10 rows carry 完整日期 (after 编辑次数 or last) that the header lacks; 2025-04-06…2025-11-20
    rows carry a Live Photo URL right after 视频url that the header lacks, shifting everything after it.
    """
    if (len(values) == len(header) + 2 and "user_id" not in header and values[0].strip().isdigit()
            and values[2].strip().isdigit()):
        # Versions of 2019 wrote the user's id and screen name first in each row, under the same header.
        return ["user_id", "screen_name", *header]
    if len(values) != len(header) + 1:
        return None
    if "Live Photo视频url" not in header and "视频url" in header:
        shifted = list(header)
        shifted.insert(header.index("视频url") + 1, "Live Photo视频url")
        # Only accept the shift if the date column then holds a date.
        date_index = shifted.index("日期") if "日期" in shifted else None
        if date_index is not None and re.match(r"^\d{4}-\d{2}-\d{2}", values[date_index] or ""):
            return shifted
    if "完整日期" not in header and re.match(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}", values[-1] or ""):
        return header + ["完整日期"]
    return None


def normalise_weibo_crawler_comment(record: dict, ctx: FileContext) -> dict:
    root_id = _weibo_post_id(ctx, record, "weibo_id")
    text = _text(record, "text")
    return _row(
        post_id=_qualified(ctx, _text(record, "id")), kind="comment", parent_id=root_id, root_id=root_id,
        **_created(record, ctx, "created_at"), author=_author(ctx, None, _value(record, "user_screen_name")),
        text=ctx.scrub(text), likes=_count(record, "like_count"), hashtags=_topics(text, WEIBO_TOPIC),
        author_alias=_alias(ctx, _value(record, "user_screen_name")), crawled_at=ctx.crawled_at,
    )


def normalise_weibospider_post(record: dict, ctx: FileContext) -> dict:
    """weiboSpider (weibo.cn) CSV or JSON: base62 ids, 'YYYY-MM-DD HH:MM' times, reposts written inline.

    Its 2018 layouts carry no id (``微博,翻译,…`` with texts numbered ``1:``, ``2:`` …, and ``微博正文,发布位置,…``):
    the id is then a keyed hash of the file's user, the time and the text, stable across re-crawls. The JSON's
    ``user`` (read as ``_user_*`` columns) states the author's gender (weibo.cn's 女/男) and followers."""
    raw_text = _text(record, "微博正文", "content", "微博").replace("\xa0原图", "")
    if "微博" in record:   # the 2018 layout numbers its posts and writes reposts its own way
        raw_text = WEIBOSPIDER_2018_INDEX.sub("", raw_text.strip(), count=1)
        raw_text = WEIBOSPIDER_2018_REPOST.sub(lambda m: f"{m[3]}\n原始用户: {m[1]}\n转发内容: {m[2]}", raw_text)
    repost = REPOST_ATTRIBUTION.search(raw_text) is not None
    screen_name, user_id = ctx.file_user()
    author_id = _value(record, "user_id", "_user_id") or (user_id if user_id.isdigit() else None)
    created = _created(record, ctx, "发布时间", "publish_time")
    if _value(record, "微博id", "id") is not None:
        post_id = _weibo_post_id(ctx, record, "微博id", "id")
    else:
        digest = pseudonym(ctx.key, "weibospider:post", f"{user_id}|{created['created_at'].isoformat()}|{raw_text}")
        post_id = _qualified(ctx, "wbs" + digest[2:])
    text = ctx.scrub(raw_text)  # "reason\n原始用户: x\n转发内容: y" becomes "reason//@<pseudonym>:y"
    return _row(
        post_id=post_id, kind="repost" if repost or "//@" in raw_text else "post", root_id=post_id,
        **created, author=_author(ctx, author_id, screen_name),
        text=text, likes=_count(record, "点赞数", "up_num"), comments=_count(record, "评论数", "comment_num"),
        shares=_count(record, "转发数", "retweet_num"), hashtags=_topics(text, WEIBO_TOPIC),
        author_alias=_alias(ctx, _value(record, "_user_nickname") or ctx.file_screen_name()),
        gender=_gender(record, ctx, "_user_gender"),
        followers=_follower_band(_stated_count(record, "_user_followers")),
        crawled_at=ctx.crawled_at,
    )


def normalise_weibo_search_post(record: dict, ctx: FileContext) -> dict:
    """weibo-search CSV: display-string counts, spaces removed from texts, reposts linked by retweet_id."""
    post_id = _weibo_post_id(ctx, record, "id")
    text = _text(record, "微博正文")
    retweet = _value(record, "retweet_id")
    return _row(
        post_id=post_id, kind="repost" if retweet else "post",
        parent_id=_qualified(ctx, retweet) if retweet else None, root_id=post_id,
        **_created(record, ctx, "发布时间"),
        author=_author(ctx, _value(record, "user_id"), _value(record, "用户昵称")), text=ctx.scrub(text),
        likes=_count(record, "点赞数"), comments=_count(record, "评论数"), shares=_count(record, "转发数"),
        ip_region=_region(_value(record, "ip")), author_alias=_alias(ctx, _value(record, "用户昵称")),
        hashtags=_topics(text, WEIBO_TOPIC, _tags(record, "话题")), crawled_at=ctx.crawled_at,
    )


# ------------------------------------------------------------------------------------------- Spider_XHS
def normalise_spider_xhs_note(record: dict, ctx: FileContext) -> dict:
    """Spider_XHS Excel: every cell text ('None' for missing); 上传时间 in the crawling machine's time zone."""
    post_id = _qualified(ctx, _text(record, "笔记id"))
    text = _optional_text(record, "描述") or ""
    title = _optional_text(record, "标题")
    title = None if title in (None, "无标题") else title
    if not text and not title:
        raise RowError("描述", "missing (and no title)")
    return _row(
        post_id=post_id, kind="post", root_id=post_id, **_created(record, ctx, "上传时间"),
        author=_author(ctx, _value(record, "用户id"), _value(record, "昵称")), text=ctx.scrub(text or title),
        title=ctx.scrub(title) if title else None, likes=_count(record, "点赞数量"),
        comments=_count(record, "评论数量"), shares=_count(record, "分享数量"), collects=_count(record, "收藏数量"),
        ip_region=_region(_value(record, "ip归属地")), author_alias=_alias(ctx, _value(record, "昵称")),
        hashtags=_topics(text, XHS_TOPIC, _tags(record, "标签")), crawled_at=ctx.crawled_at,
    )


def normalise_spider_xhs_comment(record: dict, ctx: FileContext) -> dict:
    root_id = _qualified(ctx, _text(record, "笔记id"))
    text = _text(record, "评论内容")
    return _row(
        post_id=_qualified(ctx, _text(record, "评论id")), kind="comment", parent_id=root_id, root_id=root_id,
        **_created(record, ctx, "上传时间"), author=_author(ctx, _value(record, "用户id"), _value(record, "昵称")),
        text=ctx.scrub(text), likes=_count(record, "点赞数量"), ip_region=_region(_value(record, "ip归属地")),
        author_alias=_alias(ctx, _value(record, "昵称")), hashtags=_topics(text, XHS_TOPIC), crawled_at=ctx.crawled_at,
    )


# ---------------------------------------------------------------------------------------------- generic
def normalise_generic(record: dict, ctx: FileContext) -> dict:
    """Any table whose columns the case YAML maps onto the canonical names (``inputs[].columns``)."""
    columns = ctx.columns

    def source(name):
        return columns.get(name)

    local_id = _text(record, source("post_id"))
    post_id = _qualified(ctx, local_id)
    kind = (_optional_text(record, source("kind")) if source("kind") else None) or ctx.kind
    if kind not in ("post", "comment", "repost"):
        raise RowError(source("kind"), f"kind must be post, comment or repost, not {kind!r}")
    text = _text(record, source("text"))
    linked = {name: _optional_text(record, source(name)) if source(name) else None for name in ("parent_id", "root_id")}
    counts = {name: _count(record, source(name)) if source(name) else None
              for name in ("likes", "comments", "shares", "collects")}
    nickname = _value(record, source("author_name")) if source("author_name") else None
    return _row(
        post_id=post_id, kind=kind,
        parent_id=_qualified(ctx, linked["parent_id"]) if linked["parent_id"] else None,
        root_id=_qualified(ctx, linked["root_id"]) if linked["root_id"] else post_id,
        **_created(record, ctx, source("created_at")),
        author=_author(ctx, _value(record, source("author")) if source("author") else None, nickname),
        text=ctx.scrub(text), title=_optional_text(record, source("title")) if source("title") else None,
        ip_region=_region(_value(record, source("ip_region"))) if source("ip_region") else None,
        author_alias=_alias(ctx, nickname), gender=_gender(record, ctx, source("gender")) if source("gender") else None,
        followers=_follower_band(_stated_count(record, source("followers"))) if source("followers") else None,
        hashtags=_topics(text, WEIBO_TOPIC if ctx.platform == "weibo" else XHS_TOPIC,
                         _value(record, source("hashtags")) if source("hashtags") else None),
        crawled_at=_time(record, ctx, source("crawled_at"))[0] if source("crawled_at") else ctx.crawled_at,
        **counts,
    )


# ------------------------------------------------------------------------------------------- the registry
@dataclass(frozen=True)
class ExportFormat:
    """Everything firestorm knows about one crawler's export format, in one record."""

    name: str
    platform: str | None                       # the site its records come from (None: the input says, generic)
    normalise: Callable[[dict, "FileContext"], dict]   # record, ctx -> canonical row; raises RowError
    # The fast path: columns of a chunk, ctx -> (canonical columns, rows left to `normalise`); None: row by row.
    normalise_columns: Callable | None = None
    fields: tuple[str, ...] = ()               # the header exactly as the crawler writes it
    signature: tuple[tuple[str, ...], ...] = ()    # columns whose joint presence identifies the format
    required: tuple[tuple[str, ...], ...] = ()     # columns a file cannot be read without (any name of a tuple)
    known_extra: frozenset = frozenset()       # other columns its files may carry (versions, JSON keys)
    files_named_after_user: bool = False       # files are {screen_name}/{user_id}.csv|json
    realign: Callable[[list[str], list[str]], list[str] | None] | None = None   # known column shifts
    sqlite_table: str | None = None            # its table in MediaCrawler's SQLite store


# Headers as each crawler writes them (MediaCrawler: field order before the 2026-07-01 change). weiboSpider's
# signature and required columns admit its id-less 2018 layouts (微博,翻译,点赞数,转发数,评论数,发布时间 and
# 微博正文,发布位置,发布时间,…).
FORMATS: dict[str, ExportFormat] = {export.name: export for export in (
    ExportFormat(
        "mediacrawler_xhs_notes", "xiaohongshu", normalise_mediacrawler_xhs_note,
        normalise_columns=columnar.mediacrawler_xhs_notes,
        fields=("note_id", "type", "title", "desc", "video_url", "time", "last_update_time", "user_id", "nickname",
            "avatar", "liked_count", "collected_count", "comment_count", "share_count", "ip_location", "image_list",
            "tag_list", "last_modify_ts", "note_url", "source_keyword", "xsec_token"),
        signature=(("note_id",), ("desc",), ("time",)),
        required=(("note_id",), ("desc",), ("time",)),
        known_extra=frozenset({"add_ts", "creator_hash", "id", "note_url", "video_url"}),
        sqlite_table="xhs_note",
    ),
    ExportFormat(
        "mediacrawler_xhs_comments", "xiaohongshu", normalise_mediacrawler_xhs_comment,
        normalise_columns=columnar.mediacrawler_xhs_comments,
        fields=("comment_id", "create_time", "ip_location", "note_id", "content", "user_id", "nickname", "avatar",
            "sub_comment_count", "pictures", "parent_comment_id", "last_modify_ts", "like_count"),
        signature=(("comment_id",), ("note_id",), ("create_time",), ("like_count",)),
        required=(("comment_id",), ("note_id",), ("content",), ("create_time",)),
        known_extra=frozenset({"add_ts", "creator_hash", "id", "note_url", "target_comment_id"}),
        sqlite_table="xhs_note_comment",
    ),
    ExportFormat(
        "mediacrawler_weibo_posts", "weibo", normalise_mediacrawler_weibo_post,
        normalise_columns=columnar.mediacrawler_weibo_posts,
        fields=("note_id", "content", "create_time", "create_date_time", "liked_count", "comments_count",
            "shared_count", "last_modify_ts", "note_url", "ip_location", "user_id", "nickname", "gender",
            "profile_url", "avatar", "source_keyword"),
        signature=(("note_id",), ("content",), ("create_time",), ("liked_count",)),
        required=(("note_id",), ("content",), ("create_time", "create_date_time")),
        known_extra=frozenset({"add_ts", "creator_hash", "id", "image_list", "video_url"}),
        sqlite_table="weibo_note",
    ),
    ExportFormat(
        "mediacrawler_weibo_comments", "weibo", normalise_mediacrawler_weibo_comment,
        normalise_columns=columnar.mediacrawler_weibo_comments,
        fields=("comment_id", "create_time", "create_date_time", "note_id", "content", "sub_comment_count",
            "comment_like_count", "last_modify_ts", "ip_location", "parent_comment_id", "user_id", "nickname",
            "gender", "profile_url", "avatar"),
        signature=(("comment_id",), ("note_id",), ("create_time",), ("comment_like_count",)),
        required=(("comment_id",), ("note_id",), ("content",), ("create_time", "create_date_time")),
        known_extra=frozenset({"add_ts", "creator_hash", "id"}),
        sqlite_table="weibo_note_comment",
    ),
    ExportFormat(
        "weibo_crawler_posts", "weibo", normalise_weibo_crawler_post,
        normalise_columns=columnar.weibo_crawler_posts,
        fields=("id", "bid", "正文", "头条文章url", "原始图片url", "视频url", "Live Photo视频url", "位置", "日期",
            "工具", "点赞数", "评论数", "转发数", "话题", "@用户", "完整日期", "是否编辑过", "编辑次数"),
        signature=(("id",), ("正文", "text"), ("日期", "created_at"), ("点赞数", "attitudes_count")),
        required=(("id",), ("正文", "text"), ("日期", "完整日期", "created_at", "full_created_at")),
        known_extra=frozenset({"IP属地", "_user_id", "_user_nickname", "_user_screen_name", "_user_gender",
            "_user_followers", "_user_followers_count", "article_url", "at_users",
            "attitudes_count", "comments_count", "created_at", "edit_count", "edited", "full_created_at", "links",
            "live_photo_url", "location", "pics", "reposts_count", "retweet", "screen_name", "source", "text",
            "topics", "user_id", "video_url", "是否原创", "源用户id", "源用户昵称"}),
        files_named_after_user=True,
        realign=realign_weibo_crawler,
    ),
    ExportFormat(
        "weibo_crawler_comments", "weibo", normalise_weibo_crawler_comment,
        fields=("id", "weibo_id", "created_at", "user_screen_name", "text", "pic_url", "like_count"),
        signature=(("id",), ("weibo_id",), ("user_screen_name",), ("text",)),
        required=(("id",), ("weibo_id",), ("text",), ("created_at",)),
        files_named_after_user=True,
    ),
    ExportFormat(
        "weibospider_posts", "weibo", normalise_weibospider_post,
        fields=("微博id", "微博正文", "头条文章url", "原始图片url", "微博视频url", "发布位置", "发布时间", "发布工具",
            "点赞数", "转发数", "评论数"),
        signature=(("微博正文", "content", "微博"), ("发布时间", "publish_time")),
        required=(("微博正文", "content", "微博"), ("发布时间", "publish_time")),
        known_extra=frozenset({"_user_id", "_user_nickname", "_user_screen_name", "_user_gender", "_user_followers",
            "_user_followers_count", "article_url", "comment_num",
            "content", "id", "original", "original_pictures", "publish_place", "publish_time", "publish_tool",
            "retweet_num", "retweet_pictures", "up_num", "user_id", "video_url", "微博", "是否为原创微博", "翻译",
            "被转发微博原始图片url"}),
        files_named_after_user=True,
    ),
    ExportFormat(
        "weibo_search_posts", "weibo", normalise_weibo_search_post,
        fields=("id", "bid", "user_id", "用户昵称", "微博正文", "头条文章url", "发布位置", "艾特用户", "话题",
            "转发数", "评论数", "点赞数", "发布时间", "发布工具", "微博图片url", "微博视频url", "retweet_id", "ip",
            "user_authentication", "会员类型", "会员等级"),
        signature=(("id",), ("用户昵称",), ("微博正文",), ("发布时间",)),
        required=(("id",), ("微博正文",), ("发布时间",)),
    ),
    ExportFormat(
        "spider_xhs_notes", "xiaohongshu", normalise_spider_xhs_note,
        fields=("笔记id", "笔记url", "笔记类型", "用户id", "用户主页url", "昵称", "头像url", "标题", "描述",
            "点赞数量", "收藏数量", "评论数量", "分享数量", "视频封面url", "视频地址url", "图片地址url列表", "标签",
            "上传时间", "ip归属地"),
        signature=(("笔记id",), ("描述",), ("上传时间",)),
        required=(("笔记id",), ("描述",), ("上传时间",)),
    ),
    ExportFormat(
        "spider_xhs_comments", "xiaohongshu", normalise_spider_xhs_comment,
        fields=("笔记id", "笔记url", "评论id", "用户id", "用户主页url", "昵称", "头像url", "评论内容", "评论标签",
            "点赞数量", "上传时间", "ip归属地", "图片地址url列表"),
        signature=(("笔记id",), ("评论id",), ("评论内容",)),
        required=(("笔记id",), ("评论id",), ("评论内容",), ("上传时间",)),
    ),
    ExportFormat(
        "generic", None, normalise_generic,
    ),
)}


def unknown_columns(fmt: str, header: list[str]) -> list[str]:
    """Columns of a file that its format does not define (generic files map what they use: none unknown)."""
    if fmt == "generic":
        return []
    export = FORMATS[fmt]
    known = set(export.fields) | export.known_extra | {"last_modify_ts"}
    known |= {name for names in (*export.signature, *export.required) for name in names}
    return [column for column in header if column and column not in known]


def mediacrawler_sqlite_tables() -> dict[str, str]:
    """Table name -> format of the tables of MediaCrawler's SQLite store."""
    return {export.sqlite_table: name for name, export in FORMATS.items() if export.sqlite_table}


def embedded_comment_columns(columns: list[str]) -> dict[str, str]:
    """A ``comments:`` mapping guessed from the columns that carry a comment in each row (for the message that
    asks the researcher to declare it)."""
    guesses = {"text": r"内容|text|content", "created_at": r"时间|time|date", "author": r"ID$|_id$",
               "author_name": r"昵称|nick|name", "likes": r"赞|like"}
    mapping = {}
    for field_name, pattern in guesses.items():
        found = [c for c in columns if re.search(pattern, c, re.I) and c not in mapping.values()]
        if found:
            mapping[field_name] = found[0]
    return mapping


# Weibo's comment HTML: emoticons are images whose alt text is the code ("[女孩儿]"); links and spans are markup.
_EMOTICON_IMAGE = re.compile(r"<img[^>]*?\balt=[\"']?(\[[^\]\"'<>]{1,12}\])[^>]*>")
_TAG = re.compile(r"<[^>]{0,500}>")


def html_to_text(text: str) -> str:
    """A comment's raw HTML as the text a reader sees, emoticon images as their ``[code]``."""
    if "<" not in text:
        return text
    return html.unescape(_TAG.sub("", _EMOTICON_IMAGE.sub(r"\1", text)))


def normalise_embedded_comment(record: dict, post: dict, ctx: FileContext, mapping: dict) -> dict | None:
    """The comment a post row carries in its extra columns (``comments:`` mapping of the input), or None where
    the row holds no comment. Without a comment id column, the id is a keyed hash of the post, the commenter, the
    time and the text (stable across re-crawls, and revealing no account id)."""
    text = _optional_text(record, mapping["text"])
    if text is None:
        return None
    text = html_to_text(text)
    created = _created(record, ctx, mapping["created_at"])
    author_id = _value(record, mapping["author"]) if "author" in mapping else None
    author_name = _value(record, mapping["author_name"]) if "author_name" in mapping else None
    local = _value(record, mapping["comment_id"]) if "comment_id" in mapping else None
    if local is None:
        local = "c" + pseudonym(ctx.key, "embedded:comment", f"{post['post_id']}|{author_id}|{author_name}|"
                                                             f"{created['created_at'].isoformat()}|{text}")[2:]
    return _row(
        post_id=_qualified(ctx, local), kind="comment", parent_id=post["post_id"], root_id=post["root_id"],
        **created, author=_author(ctx, author_id, author_name), text=ctx.scrub(text),
        likes=_count(record, mapping["likes"]) if "likes" in mapping else None, author_alias=_alias(ctx, author_name),
        hashtags=_topics(text, WEIBO_TOPIC if ctx.platform == "weibo" else XHS_TOPIC), crawled_at=post["crawled_at"],
    )


def has_columns(header: list[str], needed: list[tuple[str, ...]]) -> list[str]:
    """The needed columns (first name of each alternative) that ``header`` lacks."""
    columns = set(header)
    return [names[0] for names in needed if not columns.intersection(names)]
