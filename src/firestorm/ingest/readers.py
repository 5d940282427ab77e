"""Reading export files record by record: CSV, JSON, JSON lines, Excel and parquet.

Readers never guess at a record they cannot split: they yield it with a ``problem`` so ingest can reject it
with the file, the record number and the reason. Records are streamed so a large file never has to be held
as Python objects all at once.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Callable, Iterator

RAW_LIMIT = 2_000
# The csv module refuses fields over 128 KiB by default; crawler texts can be long, garbage can be longer.
csv.field_size_limit(16 * 1024 * 1024)


class ExportError(RuntimeError):
    """A file cannot be read at all. The message names the file and what is wrong."""


@dataclass
class RawRecord:
    row: int                    # 1-based record number, header excluded
    fields: dict | None         # column -> value, None when the record could not be split
    raw: str                    # the record as read, for the rejects table
    problem: str | None = None  # why the record could not be split into fields
    values: list[str] | None = None  # a CSV record's fields when they do not line up with the header


@dataclass
class ColumnBatch:
    """Consecutive CSV records that each have the header's fields, as columns (the fast path of ingest)."""
    header: list[str]
    rows: list[int]              # 1-based record numbers, header excluded
    columns: dict                # column -> list of the records' values, as ``dict(zip(header, values))`` keys them
    values: list[list[str]]      # each record's fields, as the csv module split them

    def record(self, i: int) -> RawRecord:
        """The i-th record as :func:`_csv` yields it record by record."""
        return RawRecord(self.rows[i], dict(zip(self.header, self.values[i])), ",".join(self.values[i]))


@dataclass
class ExportFile:
    header: list[str]
    records: Iterator[RawRecord]
    encoding: str
    undecodable_bytes: int = 0   # replaced by U+FFFD while decoding; their records are rejected
    # CSV only: batches(n) -> iterator of ColumnBatch | list[RawRecord] (the records, n at a time, in order);
    # use either it or ``records``, not both.
    batches: Callable[[int], Iterator] | None = None


Realign = Callable[[list[str], list[str]], list[str] | None]


# Share of decoded characters that may be undecodable bytes before a file counts as not text at all.
MAX_DAMAGE = 0.01


def detect_encoding(path: Path, block_bytes: int = 1 << 20) -> tuple[str, int]:
    """(encoding, undecodable bytes) of a text export.

    UTF-16 when the file starts with its byte-order mark (Excel's "Unicode text"); else UTF-8 (with or
    without BOM) if the whole file decodes as such, else GB18030 (Excel re-saves). A file damaged in places
    (junk bytes, a cut in the middle of a character) is read in the candidate encoding with the fewest
    undecodable bytes, which become U+FFFD and mark their records for rejection; over :data:`MAX_DAMAGE` of
    the text, the file is refused. Decodes block by block, so a large file is never held in memory at once.
    """
    import codecs

    with path.open("rb") as handle:
        start = handle.read(2)
    candidates = ("utf-16",) if start in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else ("utf-8-sig", "gb18030")
    damage = {}
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        replaced = characters = 0
        with path.open("rb") as handle:
            while True:
                block = handle.read(block_bytes)
                text = decoder.decode(block, final=not block)
                replaced += text.count("\ufffd")
                characters += len(text)
                if not block:
                    break
        if replaced == 0:
            return encoding, 0
        damage[encoding] = (replaced, characters)
    encoding, (replaced, characters) = min(damage.items(), key=lambda item: item[1][0])
    if replaced > MAX_DAMAGE * max(characters, 1):
        raise ExportError(f"{path}: not {' nor '.join(c.upper().replace('-SIG', '') for c in candidates)} text "
                          f"({replaced:,} undecodable bytes; re-export the file or convert it to UTF-8)")
    return encoding, replaced


SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")


def read_export(path: str | Path, sheet: str | None = None, realign: Realign | None = None,
                table: str | None = None) -> ExportFile:
    """Header and records of an export file, by its suffix (``table``: the table of a SQLite database).

    ``realign`` may map a CSV header and a record with a different number of fields onto a corrected header
    (crawlers with known column shifts); it returns None when it cannot.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx(path, sheet)
    if suffix == ".parquet":
        return _parquet(path)
    if suffix in SQLITE_SUFFIXES:
        return _sqlite(path, table)
    if suffix not in (".csv", ".txt", ".jsonl", ".json"):
        raise ExportError(f"{path}: unsupported file type {suffix!r} "
                          "(expected .csv, .json, .jsonl, .xlsx, .parquet or a SQLite .db)")
    encoding, damaged = detect_encoding(path)
    if suffix in (".csv", ".txt"):
        export = _csv(path, encoding, realign)
    elif suffix == ".json" and _first_character(path, encoding) == "[":
        export = _json_array_stream(path, encoding)
    else:
        text = path.read_text(encoding=encoding, errors="replace").replace("\x00", "")
        export = _jsonl(text, encoding) if suffix == ".jsonl" else _json(path, text, encoding)
    export.undecodable_bytes = damaged
    return export


def _first_character(path: Path, encoding: str) -> str:
    with path.open(encoding=encoding, errors="replace") as handle:
        while char := handle.read(1):
            if not char.isspace():
                return char
    return ""


def _json_array_stream(path: Path, encoding: str, block_chars: int = 1 << 20) -> ExportFile:
    """Records of a top-level JSON array (MediaCrawler's JSON store), decoded one object at a time.

    A file cut off mid-write yields the complete records before the cut and one record with the problem.
    """
    decoder = json.JSONDecoder()
    handle = path.open(encoding=encoding, errors="replace")
    state = {"buffer": handle.read(block_chars).replace("\x00", ""), "pos": 0, "eof": False}
    state["pos"] = state["buffer"].index("[") + 1

    def more() -> bool:
        block = handle.read(block_chars)
        if not block:
            state["eof"] = True
            return False
        state["buffer"] = state["buffer"][state["pos"]:] + block.replace("\x00", "")
        state["pos"] = 0
        return True

    def next_item():
        """('item', obj, raw) | ('end', None, '') | ('bad', None, raw)."""
        while True:
            buffer, pos = state["buffer"], state["pos"]
            while pos < len(buffer) and (buffer[pos].isspace() or buffer[pos] == ","):
                pos += 1
            state["pos"] = pos
            if pos >= len(buffer):
                if more():
                    continue
                return "bad", None, "(end of file before the closing ']')"
            if buffer[pos] == "]":
                return "end", None, ""
            try:
                item, end = decoder.raw_decode(buffer, pos)
            except json.JSONDecodeError as error:
                if more():
                    continue
                return "bad", None, f"{error.msg}: {buffer[pos:pos + 200]}"
            state["pos"] = end
            return "item", item, buffer[pos:end]

    first = next_item()
    header = sorted(first[1]) if first[0] == "item" and isinstance(first[1], dict) else []

    def records():
        number, current = 0, first
        with handle:
            while current[0] != "end":
                number += 1
                status, item, raw = current
                if status == "bad":
                    yield RawRecord(number, None, raw, "truncated or invalid JSON")
                    return
                if isinstance(item, dict):
                    yield RawRecord(number, item, raw)
                else:
                    yield RawRecord(number, None, raw, "record is not a JSON object")
                current = next_item()

    if first[0] == "end":
        handle.close()
        return ExportFile([], iter(()), encoding)
    return ExportFile(header or ["(unreadable)"], records(), encoding)


def _without_nul(handle):
    # NUL bytes from interrupted writes would stop the csv module.
    for line in handle:
        yield line.replace("\x00", "") if "\x00" in line else line


def _csv(path: Path, encoding: str, realign: Realign | None) -> ExportFile:
    handle = path.open(encoding=encoding, errors="replace", newline="")
    reader = csv.reader(_without_nul(handle))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        handle.close()
        return ExportFile([], iter(()), encoding)
    except csv.Error as error:
        handle.close()
        raise ExportError(f"{path}: header row is not CSV: {error}") from None
    fields_of = _csv_record_maker(header, realign)

    def records():
        row_number = 0
        with handle:
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
                yield fields_of(values, row_number)

    def batches(size: int):
        """The same records, ``size`` at a time (the last batch fewer, an empty file none): a batch where every
        record has the header's number of fields and none is a repeated header comes as one ColumnBatch; any
        other (and the last, when the file stops being CSV) as the RawRecords :func:`records` yields."""
        row_number = 0
        width = len(header)
        with handle:
            while True:
                rows, error, ended = [], None, False
                while len(rows) < size and error is None and not ended:
                    wanted, read = size - len(rows), []
                    try:
                        read.extend(islice(reader, wanted))   # keeps the rows read before an error
                    except csv.Error as caught:
                        error = caught
                    ended = error is None and len(read) < wanted
                    rows += [values for values in read if values]   # blank lines between records
                if not rows and error is None:
                    return
                numbers = list(range(row_number + 1, row_number + 1 + len(rows)))
                row_number += len(rows)
                for values in rows:
                    if values[0].startswith("\ufeff"):
                        values[0] = values[0].lstrip("\ufeff")
                if (error is None and all(len(values) == width for values in rows)
                        and not any(values[0].strip().lstrip("\ufeff") == header[0] for values in rows)):
                    yield ColumnBatch(header, numbers, dict(zip(header, map(list, zip(*rows)))), rows)
                else:
                    batch = [fields_of(values, number) for values, number in zip(rows, numbers)]
                    if error is not None:
                        batch.append(RawRecord(row_number + 1, None, "", f"not CSV: {error}"))
                    yield batch
                if error is not None or ended:
                    return

    return ExportFile(header, records(), encoding, batches=batches)


def _csv_record_maker(header: list[str], realign: Realign | None) -> Callable[[list[str], int], RawRecord]:
    """values (a non-blank CSV record), record number -> the RawRecord ingest reads."""

    def fields_of(values: list[str], row_number: int) -> RawRecord:
        values[0] = values[0].lstrip("\ufeff")   # a run that appended to the file began with a BOM
        raw = ",".join(values)
        # A re-run appending to the file writes its header again, with a byte-order mark of its own.
        if (len(values) == len(header) and values[0].strip().lstrip("\ufeff") == header[0]
                and [v.strip().lstrip("\ufeff") for v in values] == header):
            return RawRecord(row_number, None, raw, "repeated header row (a re-run appended its header)")
        columns = header
        if len(values) != len(header):
            columns = realign(header, values) if realign else None
            if columns is None:
                return RawRecord(row_number, None, raw, f"has {len(values)} fields, header has {len(header)}",
                                 values=values)
        return RawRecord(row_number, dict(zip(columns, values)), raw)

    return fields_of


def _records_of(items: list, encoding: str) -> ExportFile:
    header = sorted({key for item in items if isinstance(item, dict) for key in item})

    def records():
        for number, item in enumerate(items, start=1):
            raw = json.dumps(item, ensure_ascii=False, default=str)
            if isinstance(item, dict):
                yield RawRecord(number, item, raw)
            else:
                yield RawRecord(number, None, raw, "record is not a JSON object")

    return ExportFile(header, records(), encoding)


USER_FIELDS = ("id", "screen_name", "nickname", "gender", "followers_count", "followers")


def _json(path: Path, text: str, encoding: str) -> ExportFile:
    try:
        document = json.loads(text) if text.strip() else []
    except json.JSONDecodeError as error:
        raise ExportError(f"{path}: not valid JSON ({error})") from None
    # weibo-crawler and weiboSpider write {"user": {...}, "weibo": [...]}; the user is the file's author. Its id,
    # name, gender and follower count (weibo-crawler: followers_count, weiboSpider: followers) go with each item.
    if isinstance(document, dict) and isinstance(document.get("weibo"), list):
        user = document.get("user") if isinstance(document.get("user"), dict) else {}
        author = {k: user[k] for k in USER_FIELDS if k in user}
        document = [{**{f"_user_{k}": v for k, v in author.items()}, **item} if isinstance(item, dict) else item
                    for item in document["weibo"]]
    if not isinstance(document, list):
        raise ExportError(f"{path}: expected a JSON array of records (or weibo-crawler's {{'weibo': [...]}})")
    return _records_of(document, encoding)


def _jsonl(text: str, encoding: str) -> ExportFile:
    lines = [line for line in text.splitlines() if line.strip()]
    header: set[str] = set()
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
    return ExportFile(sorted(header), iter(parsed), encoding)


def _xlsx(path: Path, sheet: str | None) -> ExportFile:
    """An Excel sheet (the named one, else the first); every cell read as text, as Spider_XHS writes them."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged file
        raise ExportError(f"{path}: not a readable Excel workbook ({type(error).__name__}: {error})") from None
    if sheet is not None and sheet not in book.sheetnames:
        raise ExportError(f"{path}: no sheet {sheet!r} (sheets: {book.sheetnames})")
    rows = book[sheet or book.sheetnames[0]].iter_rows(values_only=True)
    try:
        header = [str(c).strip() if c is not None else "" for c in next(rows)]
    except StopIteration:
        return ExportFile([], iter(()), "xlsx")

    def records():
        number = 0
        for values in rows:
            if values is None or all(v is None or str(v).strip() == "" for v in values):
                continue
            number += 1
            cells = ["" if v is None else str(v) for v in values]
            cells += [""] * (len(header) - len(cells))
            raw = ",".join(cells)
            if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
                yield RawRecord(number, None, raw, f"has {len(cells)} cells, header has {len(header)}", values=cells)
            else:
                yield RawRecord(number, dict(zip(header, cells)), raw)
        book.close()

    return ExportFile(header, records(), "xlsx")


def _parquet(path: Path) -> ExportFile:
    import pyarrow.parquet as pq

    try:
        table = pq.ParquetFile(path)
    except Exception as error:
        raise ExportError(f"{path}: not a readable parquet file ({error})") from None
    header = list(table.schema_arrow.names)

    def records():
        number = 0
        for batch in table.iter_batches(batch_size=50_000):
            for item in batch.to_pylist():
                number += 1
                yield RawRecord(number, item, json.dumps(item, ensure_ascii=False, default=str))

    return ExportFile(header, records(), "parquet")


def sqlite_tables(path: str | Path) -> list[str]:
    """The tables of a SQLite database, sorted; an :class:`ExportError` naming the file if it is none."""
    import sqlite3

    try:
        with sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True) as connection:
            rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                      "AND name NOT LIKE 'sqlite_%' ORDER BY name").fetchall()
    except sqlite3.DatabaseError as error:
        raise ExportError(f"{path}: not a readable SQLite database ({error})") from None
    return [name for (name,) in rows]


def _sqlite(path: Path, table: str | None) -> ExportFile:
    """One table of a SQLite store (MediaCrawler's sqlite_tables.db, ReaJason/xhs-style databases), row by
    row in rowid order; values keep SQLite's types (MediaCrawler stores counts as TEXT, times as INTEGER)."""
    import sqlite3

    tables = sqlite_tables(path)
    if table is None:
        if len(tables) != 1:
            raise ExportError(f"{path}: a SQLite database with tables {tables}; declare `table:` for this input")
        table = tables[0]
    if table not in tables:
        raise ExportError(f"{path}: no table {table!r} (tables: {tables})")
    connection = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
    quoted = '"' + table.replace('"', '""') + '"'
    try:
        cursor = connection.execute(f"SELECT * FROM {quoted}")
    except sqlite3.DatabaseError as error:
        connection.close()
        raise ExportError(f"{path}: table {table!r} cannot be read ({error})") from None
    header = [column[0] for column in cursor.description]

    def records():
        number = 0
        try:
            for values in cursor:
                number += 1
                item = {name: value.decode("utf-8", "replace") if isinstance(value, bytes) else value
                        for name, value in zip(header, values)}
                yield RawRecord(number, item, json.dumps(item, ensure_ascii=False, default=str))
        except sqlite3.DatabaseError as error:
            yield RawRecord(number + 1, None, "", f"database damaged here: {error}")
        finally:
            connection.close()

    return ExportFile(header, records(), "sqlite")


def redact(record: RawRecord, header: list[str], personal: set[str], scrub: Callable[[str], str]) -> str:
    """A record for the rejects table without people's data, cut to :data:`RAW_LIMIT` characters.

    Named personal columns are dropped. Where fields do not line up with the header, every field within the
    misalignment distance of a personal column is blanked, since a shifted nickname sits under another name.
    ``scrub`` pseudonymises what remains (e.g. @mentions inside texts).
    """
    if record.fields is not None:
        kept = {k: v for k, v in record.fields.items() if k not in personal and not str(k).startswith("_user_")}
        text = json.dumps(kept, ensure_ascii=False, default=str)
    elif record.values is not None:
        shift = abs(len(record.values) - len(header))
        risky = {i + d for i, name in enumerate(header) if name in personal for d in range(-shift, shift + 1)}
        text = json.dumps(["<redacted>" if i in risky else v for i, v in enumerate(record.values)], ensure_ascii=False)
    else:
        names = "|".join(map(re.escape, sorted(personal)))
        text = re.sub(r'"(%s)"\s*:\s*("[^"]*"|[^,}]*)' % names, r'"\1": "<redacted>"', record.raw)
    return scrub(text)[:RAW_LIMIT]
