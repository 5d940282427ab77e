"""Fuzzing every supported export format: corrupted files are ingested or refused with a clear error — never
an unhandled exception — and every record is accounted for.

Each example takes a real-format seed file (fixtures of every crawler, plus MediaCrawler Weibo and note files
written by the demo generator) and applies one to three corruptions:
- record level (the number of records is known afterwards): shuffled, missing and extra columns, garbage dates
  and counts, NUL bytes inside fields, giant fields (up to 2 MB), duplicated records;
- byte level: random truncation, junk bytes, NUL bytes anywhere, the file re-encoded (GBK, UTF-16, Latin-1
  mojibake, UTF-8 with BOM), an empty file, the header alone.
Outcomes allowed: an ``IngestError`` naming the file, or a result with ``rows_in = kept + rejected`` (every
reject with a reason and a field); after record-level corruptions only, ``rows_in`` is also the pristine
file's count plus the duplicated records (a corrupted field loses no record and invents none).

CI runs a few hundred examples. The dedicated run (README, "Reliability"), 10,000 examples with a summary of
outcomes per format and corruption:

    FIRESTORM_FUZZ_EXAMPLES=10000 FIRESTORM_FUZZ_REPORT=results/bench/fuzz.jsonl .venv/bin/python -m pytest tests/test_fuzz.py
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import random
import shutil
import tempfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firestorm.config import load_case
from firestorm.demo import generate_case
from firestorm.ingest import IngestError, ingest_file

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
KEY = b"fuzz-key-0123456789abcdef-not-secret"
EXAMPLES = int(os.environ.get("FIRESTORM_FUZZ_EXAMPLES", 300))
REPORT = os.environ.get("FIRESTORM_FUZZ_REPORT")
GENERIC = {"format": "generic", "platform": "weibo",
           "columns": {"post_id": "mid", "author": "uid", "text": "body", "created_at": "ts", "likes": "thumbs",
                       "parent_id": "thread"}}

GARBAGE = ["", "NaN", "null", "None", "-1", "-0", "1e309", "9" * 40, "1.2万", "10万+", "３２", "abc", "12,345",
           "2023-13-45 25:61", "0000-00-00 00:00:00", "昨天 25:00", "3天前", "1690000000000000", "-1690000000",
           "2023/07/31", "Mon Jul 31 12:00:00 +0800 2023", "Invalid Date", "💥💥💥", "\u202e倒序", "[]", "{}",
           "\x00", "a\x00b", "\"", "'", "\\", "\r\n", "=cmd|' /C calc'!A0"]


def _demo_seeds() -> dict[str, Path]:
    """Small MediaCrawler Weibo/XHS files in the demo generator's real format (the fixtures lack them)."""
    folder = Path(tempfile.mkdtemp(prefix="firestorm-fuzz-seeds-"))
    generate_case(load_case(REPO / "config/cases/miaoya_camera.yaml"), folder / "demo", scale=0.01)
    seeds = {}
    for pattern, name in (("weibo/csv/search_contents_*.csv", "mc_weibo_posts.csv"),
                          ("weibo/csv/search_comments_*.csv", "mc_weibo_comments.csv"),
                          ("xhs/csv/search_comments_*.csv", "mc_xhs_comments.csv"),
                          ("xhs/json/search_contents_*.json", "mc_xhs_notes.json")):
        source = next((folder / "demo").glob(pattern))
        target = folder / name
        if source.suffix == ".json":
            target.write_text(json.dumps(json.loads(source.read_text(encoding="utf-8"))[:15], ensure_ascii=False),
                              encoding="utf-8")
        else:
            lines = source.read_text(encoding="utf-8-sig").splitlines(keepends=True)
            target.write_text("".join(lines[:16]), encoding="utf-8-sig")
        seeds[name] = target
    shutil.rmtree(folder / "demo")
    return seeds


@functools.cache
def seeds() -> list[tuple[str, Path, str, dict | None]]:
    """(label, seed file, format, input entry) — every supported export format at least once."""
    demo = _demo_seeds()
    return [
        ("mediacrawler_xhs_notes csv", FIXTURES / "xhs_notes_defects.csv", "mediacrawler_xhs_notes", None),
        ("mediacrawler_xhs_notes json", demo["mc_xhs_notes.json"], "mediacrawler_xhs_notes", None),
        ("mediacrawler_xhs_notes jsonl", FIXTURES / "search_contents_2026-07-26.jsonl", "mediacrawler_xhs_notes", None),
        ("mediacrawler_xhs_comments csv", demo["mc_xhs_comments.csv"], "mediacrawler_xhs_comments", None),
        ("mediacrawler_xhs_comments jsonl", FIXTURES / "search_comments_2023-08-01.jsonl",
         "mediacrawler_xhs_comments", None),
        ("mediacrawler_weibo_posts csv", demo["mc_weibo_posts.csv"], "mediacrawler_weibo_posts", None),
        ("mediacrawler_weibo_comments csv", demo["mc_weibo_comments.csv"], "mediacrawler_weibo_comments", None),
        ("weibo_crawler_posts csv", FIXTURES / "weibo_crawler_misaligned/1234567890.csv", "weibo_crawler_posts", None),
        ("weibo_crawler_posts json", FIXTURES / "weibo_crawler_misaligned/1234567890.json", "weibo_crawler_posts",
         None),
        ("weibo_crawler_comments csv", FIXTURES / "weibo_crawler_misaligned/画画的小鱼_comments.csv",
         "weibo_crawler_comments", None),
        ("weibospider_posts csv", FIXTURES / "weiboSpider/画画的小鱼/1234567890.csv", "weibospider_posts", None),
        ("weibospider_posts json", FIXTURES / "weiboSpider/画画的小鱼/1234567890.json", "weibospider_posts", None),
        ("weibo_search_posts csv", FIXTURES / "weibo_search_小红书.csv", "weibo_search_posts", None),
        ("spider_xhs xlsx", FIXTURES / "spider_xhs/小红书AI训练.xlsx", None, None),
        ("generic csv", FIXTURES / "generic_posts.csv", "generic", GENERIC),
    ]


@functools.cache
def pristine_rows_in(index: int) -> int:
    label, path, fmt, entry = seeds()[index]
    return ingest_file(path, fmt, "Asia/Shanghai", KEY, entry=entry).rows_in


# ------------------------------------------------------------------------------------------ records
def read_records(path: Path) -> tuple[str, list]:
    """The seed as (kind, records): csv -> [header, *rows]; json -> list of dicts; jsonl; xlsx -> sheet rows."""
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path)
        return "xlsx", [[list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets]
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix == ".json":
        return "json", json.loads(text)
    if path.suffix == ".jsonl":
        return "jsonl", [_json_or_raw(line) for line in text.splitlines() if line.strip()]
    return "csv", [[row for row in csv.reader(io.StringIO(text))]]   # one sheet, like a workbook


def _json_or_raw(line: str):
    """A JSONL record, or the line itself where the seed holds a deliberately broken one (kept verbatim)."""
    try:
        return json.loads(line)
    except json.JSONDecodeError:
        return line


def write_records(kind: str, records: list, path: Path) -> None:
    if kind == "xlsx":
        book = openpyxl.Workbook()
        book.remove(book.active)
        for number, rows in enumerate(records):
            sheet = book.create_sheet(f"Sheet{number + 1}")
            for row in rows:
                sheet.append([_xlsx_safe(value) for value in row])
        book.save(path)
    elif kind == "json":
        path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    elif kind == "jsonl":
        path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n"
                                for r in records), encoding="utf-8")
    else:
        buffer = io.StringIO()
        csv.writer(buffer).writerows(records[0])
        path.write_text(buffer.getvalue(), encoding="utf-8-sig")


def _xlsx_safe(value):
    # openpyxl refuses control characters in cells (Excel cannot store them); a spreadsheet cannot carry NULs.
    return "".join(ch for ch in value if ch >= " " or ch in "\t\n") if isinstance(value, str) else value


def apply_record_op(op: tuple, kind: str, records: list, rng: random.Random) -> int:
    """Apply one record-level corruption; returns how many records it added."""
    name = op[0]
    if kind in ("json", "jsonl"):
        objects = [r for r in records if isinstance(r, dict)]
        if not objects:
            return 0
        record = objects[rng.randrange(len(objects))]
        keys = list(record)
        if name == "shuffle_columns":
            items = list(record.items())
            rng.shuffle(items)
            record.clear()
            record.update(items)
        elif name == "drop_column" and keys:
            dropped = rng.choice(keys)
            for each in objects:
                each.pop(dropped, None)
        elif name == "extra_column":
            extra = f"extra_{rng.randrange(100)}"
            for each in objects:
                each[extra] = rng.choice(GARBAGE)
        elif name in ("garbage_value", "nul_in_field") and keys:
            field = rng.choice(keys)
            record[field] = (rng.choice(GARBAGE) if name == "garbage_value"
                             else f"{record[field]}\x00{record[field]}")
        elif name == "giant_field" and keys:
            record[rng.choice(keys)] = "巨" * op[1]
        elif name == "duplicate_record":
            records.append(json.loads(json.dumps(record)))
            return 1
        return 0
    added = 0
    for sheet in records:          # csv: one sheet; xlsx: every sheet. Row 0 is the header.
        if not sheet:
            continue
        header, width = sheet[0], len(sheet[0])
        if name == "shuffle_columns":
            order = list(range(width))
            rng.shuffle(order)
            for number, row in enumerate(sheet):
                sheet[number] = [row[i] if i < len(row) else "" for i in order] + list(row[width:])
        elif name == "drop_column" and width:
            column = rng.randrange(width)
            for row in sheet:
                if column < len(row):
                    del row[column]
        elif name == "extra_column":
            header.append(f"extra_{rng.randrange(100)}")
            for row in sheet[1:]:
                row.append(rng.choice(GARBAGE))
        elif name in ("garbage_value", "nul_in_field", "giant_field") and len(sheet) > 1 and width:
            row = sheet[rng.randrange(1, len(sheet))]
            if not row:
                continue
            column = rng.randrange(min(width, len(row)))
            if name == "garbage_value":
                row[column] = rng.choice(GARBAGE)
            elif name == "nul_in_field":
                row[column] = f"{row[column]}\x00"
            else:
                row[column] = "巨" * op[1]
        elif name == "duplicate_record" and len(sheet) > 1:
            sheet.append(list(sheet[rng.randrange(1, len(sheet))]))
            added += 1
    return added


def apply_byte_op(op: tuple, data: bytes, rng: random.Random) -> bytes:
    name = op[0]
    if name == "truncate":
        return data[: op[1] % (len(data) + 1)]
    if name == "junk":
        cut = op[1] % (len(data) + 1)
        return data[:cut] + op[2] + data[cut:]
    if name == "nul_bytes":
        for _ in range(op[1]):
            cut = rng.randrange(len(data) + 1)
            data = data[:cut] + b"\x00" + data[cut:]
        return data
    if name == "reencode":
        text = data.decode("utf-8", errors="replace")
        if op[1] == "latin-1 mojibake":
            return text.encode("utf-8").decode("latin-1").encode("utf-8")
        if op[1] == "utf-8-sig":
            return text.lstrip("\ufeff").encode("utf-8-sig")
        return text.encode(op[1], errors="replace")
    if name == "empty":
        return b""
    if name == "header_only":
        return data.split(b"\n", 1)[0] + b"\n"
    raise AssertionError(name)


# Every corruption equally likely; each carries all the parameters any corruption needs (the unused are ignored).
RECORD_OPS = st.tuples(
    st.sampled_from(["shuffle_columns", "drop_column", "extra_column", "garbage_value", "nul_in_field",
                     "giant_field", "duplicate_record"]),
    st.integers(min_value=10_000, max_value=700_000),   # giant field: up to ~2 MB of UTF-8
)
BYTE_OPS = st.one_of(
    st.tuples(st.just("truncate"), st.integers(min_value=0, max_value=10**6)),
    st.tuples(st.just("junk"), st.integers(min_value=0, max_value=10**6), st.binary(min_size=1, max_size=64)),
    st.tuples(st.just("nul_bytes"), st.integers(min_value=1, max_value=20)),
    st.tuples(st.just("reencode"), st.sampled_from(["gbk", "utf-16", "latin-1 mojibake", "utf-8-sig"])),
    st.tuples(st.just("empty")),
    st.tuples(st.just("header_only")),
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=False)
@given(seed_index=st.integers(min_value=0, max_value=14), record_ops=st.lists(RECORD_OPS, max_size=3),
       byte_ops=st.lists(BYTE_OPS, max_size=2), rng_seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_corrupted_exports_are_ingested_or_refused_and_every_record_is_counted(seed_index, record_ops, byte_ops,
                                                                               rng_seed):
    label, seed, fmt, entry = seeds()[seed_index]
    assert len(seeds()) == 15
    rng = random.Random(rng_seed)
    folder = Path(tempfile.mkdtemp(prefix="firestorm-fuzz-"))
    try:
        kind, records = read_records(seed)
        added = sum(apply_record_op(op, kind, records, rng) for op in record_ops)
        path = folder / seed.name
        write_records(kind, records, path)
        data = path.read_bytes()
        for op in byte_ops:
            data = apply_byte_op(op, data, rng)
        path.write_bytes(data)
        outcome = check_ingest(path, fmt, entry, seed_index, added if not byte_ops else None,
                               dropped_column=any(op[0] == "drop_column" for op in record_ops))
    finally:
        shutil.rmtree(folder)
    if REPORT:
        with open(REPORT, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"seed": label, "record_ops": [op[0] for op in record_ops],
                                     "byte_ops": [op[0] if op[0] != "reencode" else f"reencode {op[1]}"
                                                  for op in byte_ops], **outcome}, ensure_ascii=False) + "\n")


def check_ingest(path: Path, fmt, entry, seed_index: int, added: int | None, dropped_column: bool) -> dict:
    try:
        result = ingest_file(path, fmt, "Asia/Shanghai", KEY, entry=entry)
    except IngestError as error:
        assert str(path) in str(error), f"the error does not name the file: {error}"
        return {"outcome": "refused", "message": str(error)[:200]}
    kept, rejected = len(result.posts), len(result.rejects)
    assert result.rows_in == kept + rejected, (result.rows_in, kept, rejected)
    assert result.rejects["reason"].notna().all() and result.rejects["field"].notna().all()
    # Each reject names its file (pseudonymised where the path holds a user id) and its row.
    assert result.rejects["source_row"].notna().all() and result.rejects["source_file"].notna().all()
    if added is not None and not dropped_column:
        assert result.rows_in == pristine_rows_in(seed_index) + added, "a record was lost or invented"
    return {"outcome": "ingested", "rows_in": result.rows_in, "kept": kept, "rejected": rejected}


def test_the_fuzz_seeds_cover_every_supported_format():
    from firestorm.ingest.formats import FORMATS

    covered = {fmt for _, _, fmt, _ in seeds() if fmt} | {"spider_xhs_notes", "spider_xhs_comments"}
    readable = {name for name, export in FORMATS.items() if export.fields}
    assert readable <= covered, readable - covered
    assert all(pristine_rows_in(i) > 0 for i in range(len(seeds())))


pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore")]
