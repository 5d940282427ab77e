"""Ingest: crawler exports -> one canonical, pseudonymised posts table, losing nothing.

Every input record ends in exactly one place: the canonical table, the rejects table (with file, record
number, field and reason), or the duplicate count. :func:`ingest_case` checks
``rows_in = kept + rejected + duplicates`` per file and raises :class:`IngestError` if it does not hold.
The canonical table is then filtered to the case (analysis window and relevance keywords); the counts of
what the filter removed are kept in the QC document.
"""

from __future__ import annotations

import csv
import glob
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, NamedTuple

import pandas as pd

from firestorm.config import Case, parse_time
from firestorm.formats import FIELDS, PERSONAL_COLUMNS, PLATFORM_OF_FORMAT, REQUIRED
from firestorm.parsing import parse_count, parse_datetime, parse_epoch
from firestorm.privacy import pseudonym, pseudonymise_mentions
from firestorm.schema import POSTS, REJECTS, conform, empty_frame

RAW_LIMIT = 2_000
# Columns that tell formats with shared names apart when a case input does not declare its format.
SIGNATURES = {
    "mediacrawler_xhs_notes": {"note_id", "desc", "time"},
    "mediacrawler_xhs_comments": {"comment_id", "note_id", "content", "create_time", "like_count"},
    "mediacrawler_weibo_posts": {"note_id", "content", "create_time", "liked_count"},
    "mediacrawler_weibo_comments": {"comment_id", "note_id", "content", "create_time", "comment_like_count"},
    "weibo_crawler_posts": {"id", "正文", "日期"},
}
XHS_TOPIC = re.compile(r"#([^#\[\]]+?)(?:\[话题\])?#")
WEIBO_TOPIC = re.compile(r"#([^#]{1,40})#")


class IngestError(RuntimeError):
    """An export cannot be read at all, or the counts do not reconcile. Names the file and what is wrong."""


class RowError(ValueError):
    """One record cannot be normalised; ``field`` names the offending column."""

    def __init__(self, field_name: str, reason: str):
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


@dataclass
class RawRecord:
    row: int                    # 1-based record number, header excluded
    fields: dict | None         # column -> value, None when the record could not be split
    raw: str                    # the record as read, for the rejects table
    problem: str | None = None  # why the record could not be split into fields


@dataclass
class FileContext:
    path: str
    format: str
    platform: str
    timezone: str
    key: bytes
    crawled_at: pd.Timestamp | None = None
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------- reading
def decode_export(path: Path) -> tuple[str, str]:
    """Text of an export and the encoding it was in: UTF-8 (with or without BOM), else GB18030 (Excel)."""
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise IngestError(f"{path}: neither UTF-8 nor GB18030 text")


def read_records(path: Path) -> tuple[list[str], Iterator[RawRecord], str]:
    """Header and records of a CSV, JSON (array, or weibo-crawler's {"weibo": [...]}) or JSON-lines export."""
    text, encoding = decode_export(path)
    text = text.replace("\x00", "")  # NUL bytes from interrupted writes would stop the csv module
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return (*_csv_records(path, text), encoding)
    if suffix == ".jsonl":
        return (*_jsonl_records(text), encoding)
    if suffix == ".json":
        return (*_json_records(path, text), encoding)
    raise IngestError(f"{path}: unsupported file type {suffix!r} (expected .csv, .json or .jsonl)")


def _csv_records(path: Path, text: str):
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        return [], iter(())
    except csv.Error as error:
        raise IngestError(f"{path}: header row is not CSV: {error}") from None

    def records():
        row_number = 0
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                row_number += 1
                yield RawRecord(row_number, None, "", f"not CSV: {error}")
                return
            if not values:
                continue  # blank line between records
            row_number += 1
            raw = ",".join(values)
            if [v.strip() for v in values] == header:
                yield RawRecord(row_number, None, raw, "repeated header row (re-run appended a header)")
            elif len(values) != len(header):
                yield RawRecord(
                    row_number, dict(zip(header, values)), raw,
                    f"has {len(values)} fields, header has {len(header)}",
                )
            else:
                yield RawRecord(row_number, dict(zip(header, values)), raw)

    return header, records()


def _json_records(path: Path, text: str):
    try:
        document = json.loads(text) if text.strip() else []
    except json.JSONDecodeError as error:
        raise IngestError(f"{path}: not valid JSON ({error})") from None
    if isinstance(document, dict) and isinstance(document.get("weibo"), list):
        document = document["weibo"]
    if not isinstance(document, list):
        raise IngestError(f"{path}: expected a JSON array of records")
    header = sorted({key for item in document if isinstance(item, dict) for key in item})

    def records():
        for number, item in enumerate(document, start=1):
            raw = json.dumps(item, ensure_ascii=False)
            if isinstance(item, dict):
                yield RawRecord(number, item, raw)
            else:
                yield RawRecord(number, None, raw, "record is not a JSON object")

    return header, records()


def _jsonl_records(text: str):
    lines = [line for line in text.splitlines() if line.strip()]
    header = set()
    parsed = []
    for number, line in enumerate(lines, start=1):
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            parsed.append(RawRecord(number, None, line, f"not JSON: {error.msg}"))
            continue
        if isinstance(item, dict):
            header.update(item)
            parsed.append(RawRecord(number, item, line))
        else:
            parsed.append(RawRecord(number, None, line, "record is not a JSON object"))
    return sorted(header), iter(parsed)


def detect_format(path: Path, header: list[str]) -> str:
    """The export format whose signature columns the header holds; an error if none or several match."""
    columns = set(header)
    matches = [name for name, signature in SIGNATURES.items() if signature <= columns]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise IngestError(f"{path}: cannot tell the export format from its columns {sorted(columns)[:12]}…; "
                          f"declare `format:` for this input in the case YAML (one of {sorted(SIGNATURES)})")
    raise IngestError(f"{path}: columns fit several formats {matches}; declare `format:` in the case YAML")


def redact(record: dict | None, raw: str) -> str:
    """The record for the rejects table, with people's columns removed."""
    if record is not None:
        kept = {k: v for k, v in record.items() if k not in PERSONAL_COLUMNS}
        text = json.dumps(kept, ensure_ascii=False, default=str)
    else:
        text = re.sub(r'"(%s)"\s*:\s*("[^"]*"|[^,}]*)' % "|".join(map(re.escape, PERSONAL_COLUMNS)),
                      r'"\1": "<redacted>"', raw)
    return text[:RAW_LIMIT]


# ------------------------------------------------------------------------------------------ normalising
def _value(record: dict, name: str):
    value = record.get(name)
    if isinstance(value, str):
        value = value.strip()
    return value


def _required_text(record: dict, name: str) -> str:
    value = _value(record, name)
    if value is None or (isinstance(value, str) and value == "") or isinstance(value, (list, dict)):
        raise RowError(name, "missing")
    return str(value)


def _count(record: dict, name: str) -> int | None:
    try:
        return parse_count(_value(record, name))
    except ValueError as error:
        raise RowError(name, str(error)) from None


def _time(record: dict, name: str, ctx: FileContext) -> pd.Timestamp:
    try:
        return parse_datetime(_value(record, name), ctx.timezone, ctx.crawled_at)
    except ValueError as error:
        raise RowError(name, str(error)) from None


def _crawl_time(record: dict, ctx: FileContext):
    value = _value(record, "last_modify_ts")
    if value in (None, ""):
        return ctx.crawled_at
    try:
        return parse_epoch(value)
    except ValueError as error:
        raise RowError("last_modify_ts", str(error)) from None


def _author(record: dict, ctx: FileContext, fallback: str | None = None) -> str | None:
    # MediaCrawler wrote user_id until 2026-07-01 and creator_hash after; both are pseudonymised again.
    for name in ("user_id", "creator_hash"):
        value = _value(record, name)
        if value not in (None, ""):
            return pseudonym(ctx.key, ctx.platform, str(value))
    return pseudonym(ctx.key, ctx.platform, fallback) if fallback else None


def _text(value: str, ctx: FileContext) -> str:
    return pseudonymise_mentions(value, ctx.key, ctx.platform)


def _qualified(ctx: FileContext, local_id) -> str:
    return f"{ctx.platform}:{str(local_id).strip()}"


def _topics(text: str, pattern: re.Pattern, listed: str | None = None) -> str:
    names = [t.strip() for t in (listed or "").split(",") if t.strip()] or pattern.findall(text)
    return "|".join(dict.fromkeys(n.strip() for n in names if n.strip()))


def normalise_xhs_note(record: dict, ctx: FileContext) -> dict:
    post_id = _qualified(ctx, _required_text(record, "note_id"))
    text = _required_text(record, "desc")
    return {
        "post_id": post_id, "kind": "post", "parent_id": None, "root_id": post_id,
        "created_at": _time(record, "time", ctx), "author": _author(record, ctx),
        "text": _text(text, ctx), "title": _text(str(_value(record, "title") or ""), ctx) or None,
        "likes": _count(record, "liked_count"), "comments": _count(record, "comment_count"),
        "shares": _count(record, "share_count"), "collects": _count(record, "collected_count"),
        "ip_region": _value(record, "ip_location") or None,
        "hashtags": _topics(text, XHS_TOPIC, _value(record, "tag_list")),
        "crawled_at": _crawl_time(record, ctx),
    }


def normalise_xhs_comment(record: dict, ctx: FileContext) -> dict:
    root_id = _qualified(ctx, _required_text(record, "note_id"))
    parent = str(_value(record, "parent_comment_id") or "")
    text = _required_text(record, "content")
    return {
        "post_id": _qualified(ctx, _required_text(record, "comment_id")), "kind": "comment",
        # Top-level comments carry parent_comment_id "0" (before 2026-07) or "" (after).
        "parent_id": _qualified(ctx, parent) if parent not in ("", "0") else root_id, "root_id": root_id,
        "created_at": _time(record, "create_time", ctx), "author": _author(record, ctx),
        "text": _text(text, ctx), "title": None,
        "likes": _count(record, "like_count"), "comments": _count(record, "sub_comment_count"),
        "shares": None, "collects": None, "ip_region": _value(record, "ip_location") or None,
        "hashtags": _topics(text, XHS_TOPIC), "crawled_at": _crawl_time(record, ctx),
    }


def _weibo_created_at(record: dict, ctx: FileContext) -> pd.Timestamp:
    # create_time is 8 h too large in MediaCrawler versions 2023-12…2026-07-30; create_date_time is right.
    if _value(record, "create_date_time") not in (None, ""):
        return _time(record, "create_date_time", ctx)
    return _time(record, "create_time", ctx)


def normalise_weibo_post(record: dict, ctx: FileContext) -> dict:
    post_id = _qualified(ctx, _required_text(record, "note_id"))
    text = _required_text(record, "content")
    return {
        "post_id": post_id, "kind": "repost" if "//@" in text else "post", "parent_id": None,
        "root_id": post_id, "created_at": _weibo_created_at(record, ctx), "author": _author(record, ctx),
        "text": _text(text, ctx), "title": None,
        "likes": _count(record, "liked_count"), "comments": _count(record, "comments_count"),
        "shares": _count(record, "shared_count"), "collects": None,
        "ip_region": _value(record, "ip_location") or None, "hashtags": _topics(text, WEIBO_TOPIC),
        "crawled_at": _crawl_time(record, ctx),
    }


def normalise_weibo_comment(record: dict, ctx: FileContext) -> dict:
    comment_id = _required_text(record, "comment_id")
    root_id = _qualified(ctx, _required_text(record, "note_id"))
    thread = str(_value(record, "parent_comment_id") or "")
    text = _required_text(record, "content")
    return {
        "post_id": _qualified(ctx, comment_id), "kind": "comment",
        # Weibo's parent_comment_id is the thread's first comment, equal to comment_id at top level.
        "parent_id": _qualified(ctx, thread) if thread not in ("", "0", comment_id) else root_id,
        "root_id": root_id, "created_at": _weibo_created_at(record, ctx), "author": _author(record, ctx),
        "text": _text(text, ctx), "title": None,
        "likes": _count(record, "comment_like_count"), "comments": _count(record, "sub_comment_count"),
        "shares": None, "collects": None, "ip_region": _value(record, "ip_location") or None,
        "hashtags": _topics(text, WEIBO_TOPIC), "crawled_at": _crawl_time(record, ctx),
    }


def normalise_weibo_crawler_post(record: dict, ctx: FileContext) -> dict:
    post_id = _qualified(ctx, _required_text(record, "id"))  # weibo-crawler appends a tab to the id
    text = _required_text(record, "正文")
    when = "完整日期" if _value(record, "完整日期") not in (None, "") else "日期"
    # Files are {screen_name}/{user_id}.csv: the author is the file's user.
    user_id = Path(ctx.path).stem
    return {
        "post_id": post_id, "kind": "repost" if "//@" in text else "post", "parent_id": None,
        "root_id": post_id, "created_at": _time(record, when, ctx),
        "author": _author(record, ctx, fallback=user_id if user_id.isdigit() else None),
        "text": _text(text, ctx), "title": None,
        "likes": _count(record, "点赞数"), "comments": _count(record, "评论数"), "shares": _count(record, "转发数"),
        "collects": None, "ip_region": _value(record, "IP属地") or None,
        "hashtags": _topics(text, WEIBO_TOPIC, _value(record, "话题")), "crawled_at": ctx.crawled_at,
    }


NORMALISERS: dict[str, Callable[[dict, FileContext], dict]] = {
    "mediacrawler_xhs_notes": normalise_xhs_note,
    "mediacrawler_xhs_comments": normalise_xhs_comment,
    "mediacrawler_weibo_posts": normalise_weibo_post,
    "mediacrawler_weibo_comments": normalise_weibo_comment,
    "weibo_crawler_posts": normalise_weibo_crawler_post,
}
assert set(NORMALISERS) == set(FIELDS)


# ---------------------------------------------------------------------------------------------- one file
def public_source_name(path: Path, fmt: str, key: bytes) -> str:
    """The file name written to results/: weibo-crawler names files ``{screen_name}/{user_id}.csv``, so those
    two parts become the same pseudonyms the author and @mentions get."""
    if fmt == "weibo_crawler_posts":
        folder = pseudonym(key, "weibo:nick", path.parent.name)
        return str(path.parent.parent / folder / (pseudonym(key, "weibo", path.stem) + path.suffix))
    return str(path)


class FileIngest(NamedTuple):
    posts: pd.DataFrame      # canonical rows (schema POSTS)
    rejects: pd.DataFrame    # unreadable records (schema REJECTS)
    rows_in: int             # input records, header excluded
    source_file: str         # the file's name as written to results/ (see public_source_name)
    format: str | None       # the export format, declared or detected (None for an empty file)


def ingest_file(path: str | Path, fmt: str | None, timezone: str, key: bytes,
                crawled_at: pd.Timestamp | None = None) -> FileIngest:
    """Normalise one export: every record becomes a canonical row or a reject.

    Raises :class:`IngestError` naming the file when it cannot be read at all or lacks a required column.
    """
    path = Path(path)
    header, records, _encoding = read_records(path)
    if not header:
        return FileIngest(empty_frame(POSTS), empty_frame(REJECTS), 0, str(path), fmt)
    fmt = fmt or detect_format(path, header)
    lacking = [name for name in REQUIRED[fmt] if name not in header]
    if lacking:
        raise IngestError(f"{path}: format {fmt} needs column(s) {lacking}, the file has {header[:12]}")
    ctx = FileContext(str(path), fmt, PLATFORM_OF_FORMAT[fmt], timezone, key, crawled_at)
    source = public_source_name(path, fmt, key)
    normalise = NORMALISERS[fmt]
    kept, rejects, rows_in = [], [], 0
    for record in records:
        rows_in += 1
        if record.problem is not None:
            rejects.append((source, record.row, "(record)", record.problem, redact(record.fields, record.raw)))
            continue
        try:
            row = normalise(record.fields, ctx)
        except RowError as error:
            rejects.append((source, record.row, error.field, error.reason, redact(record.fields, record.raw)))
            continue
        row.update(platform=ctx.platform, source_file=source, source_row=record.row)
        kept.append(row)
    posts = conform(pd.DataFrame(kept), POSTS) if kept else empty_frame(POSTS)
    reject_frame = pd.DataFrame(rejects, columns=list(REJECTS)).astype(REJECTS) if rejects else empty_frame(REJECTS)
    return FileIngest(posts, reject_frame, rows_in, source, fmt)


# ------------------------------------------------------------------------------------------------- a case
def deduplicate(posts: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """One row per post_id: the most complete record, then the latest crawl. Returns (kept, dropped per file)."""
    completeness = posts.notna().sum(axis=1)
    ranked = posts.assign(_complete=completeness).sort_values(
        ["post_id", "_complete", "crawled_at", "source_file", "source_row"],
        ascending=[True, False, False, True, True], na_position="last", kind="stable",
    )
    first = ~ranked["post_id"].duplicated(keep="first")
    dropped = ranked.loc[~first, "source_file"].value_counts()
    return ranked.loc[first].drop(columns="_complete").reset_index(drop=True), dropped


def relevance_mask(posts: pd.DataFrame, keywords: tuple[str, ...], hashtags: tuple[str, ...]) -> pd.Series:
    """Items about the case: they mention a keyword or hashtag, or reply to a post that does."""
    terms = [t.lower() for t in (*keywords, *hashtags)]
    pattern = "|".join(re.escape(t) for t in terms)
    haystack = (posts["text"].fillna("") + " " + posts["title"].fillna("") + " "
                + posts["hashtags"].fillna("")).str.lower()
    own = haystack.str.contains(pattern, regex=True)
    relevant_roots = set(posts.loc[own, "post_id"])
    via_thread = posts["root_id"].isin(relevant_roots)
    return own | via_thread


def resolve_inputs(case: Case, base_dir: str | Path = ".") -> list[tuple[str, str | None, dict]]:
    """(path, format, input entry) for every file the case's input globs match, in a stable order."""
    resolved = []
    for index, entry in enumerate(case.inputs):
        matches = sorted(glob.glob(str(Path(base_dir) / entry["path"])))
        if not matches:
            raise IngestError(f"{case.source_path}: key 'inputs.{index}.path': {entry['path']!r} matches no file")
        resolved += [(path, entry.get("format"), entry) for path in matches]
    return resolved


def ingest_case(case: Case, key: bytes, base_dir: str | Path = ".") -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Ingest every input of ``case``: (posts filtered to the case, rejects, QC document)."""
    frames, reject_frames, files = [], [], {}
    for path, fmt, entry in resolve_inputs(case, base_dir):
        crawled_at = None
        if "crawled_at" in entry:
            crawled_at = parse_time(entry["crawled_at"], case.timezone, path=case.source_path, key="inputs.crawled_at")
        result = ingest_file(path, fmt, case.timezone, key, crawled_at)
        frames.append(result.posts)
        reject_frames.append(result.rejects)
        files[result.source_file] = {"format": result.format, "rows_in": result.rows_in,
                                     "parsed": len(result.posts), "rejected": len(result.rejects)}
    all_posts = pd.concat(frames, ignore_index=True) if frames else empty_frame(POSTS)
    all_posts = conform(all_posts, POSTS)
    rejects = conform(pd.concat(reject_frames, ignore_index=True), REJECTS)
    unique, dropped = deduplicate(all_posts)

    in_window = (unique["created_at"] >= case.window_start) & (unique["created_at"] < case.window_end)
    relevant = relevance_mask(unique, case.keywords, case.hashtags)
    in_scope = in_window & relevant
    for path, counts in files.items():
        mine = unique["source_file"] == path
        counts["duplicates"] = int(dropped.get(path, 0))
        counts["kept"] = int(mine.sum())
        counts["in_scope"] = int((mine & in_scope).sum())
        counts["out_of_window"] = int((mine & ~in_window).sum())
        counts["off_topic"] = int((mine & in_window & ~relevant).sum())
    qc = reconcile(case.name, files)
    posts = unique.loc[in_scope].sort_values(["created_at", "post_id"], kind="stable").reset_index(drop=True)
    return conform(posts, POSTS), rejects, qc


def reconcile(case_name: str, files: dict[str, dict]) -> dict:
    """QC document; raises :class:`IngestError` unless every record is kept, rejected or a duplicate."""
    broken = []
    for path, c in files.items():
        c["reconciled"] = c["rows_in"] == c["kept"] + c["rejected"] + c["duplicates"] and \
            c["kept"] == c["in_scope"] + c["out_of_window"] + c["off_topic"]
        if not c["reconciled"]:
            broken.append(f"{path}: {c}")
    totals = {name: sum(c[name] for c in files.values())
              for name in ("rows_in", "kept", "rejected", "duplicates", "in_scope", "out_of_window", "off_topic")}
    if broken:
        raise IngestError("ingest counts do not reconcile (rows_in = kept + rejected + duplicates):\n"
                          + "\n".join(broken))
    return {"case": case_name, "totals": totals, "files": files, "reconciled": True}
