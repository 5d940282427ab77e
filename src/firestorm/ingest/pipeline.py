"""Ingest: crawler exports -> one canonical, pseudonymised posts table, losing nothing.

Every input record ends in exactly one place: the canonical table, the rejects table (with file, record
number, field and reason), or the duplicate count. :func:`reconcile` checks
``rows_in = kept + rejected + duplicates`` per file and raises :class:`IngestError` if it does not hold.
The canonical table is then filtered to the case (analysis window and relevance keywords); the counts of
what the filter removed are kept in the QC document.

Memory stays bounded: records are normalised in chunks written to parquet parts; deduplication and the
case filter read only a few key columns of all parts; the output is written part by part.
"""

from __future__ import annotations

import glob
import re
import tempfile
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from firestorm.config import Case, parse_time
from firestorm.ingest import columnar
from firestorm.ingest.formats import (
    EMBEDDED_RECORD, FORMATS, PERSONAL_COLUMNS, FileContext, RowError, embedded_comment_columns, has_columns, has_value,
    mediacrawler_sqlite_tables, names_in_record, normalise_embedded_comment, unknown_columns,
)
from firestorm.ingest.readers import (
    SQLITE_SUFFIXES, ColumnBatch, ExportError, read_export, redact, sqlite_tables,
)
from firestorm.privacy import MIN_LATIN_NAME_CHARACTERS, MIN_NAME_CHARACTERS, NameScrubber, author_pseudonym
from firestorm.schema import AUTHOR_PROFILE, POSTS, REJECTS, TIME_PRECISIONS, conform, empty_frame

CHUNK_ROWS = 50_000
COUNTS = ("rows_in", "kept", "rejected", "duplicates", "in_scope", "out_of_window", "off_topic")


class IngestError(RuntimeError):
    """An export cannot be read at all, or the counts do not reconcile. Names the file and what is wrong."""


def detect_format(path: Path, header: list[str]) -> str:
    """The export format whose signature columns the header holds; where several fit, the one with the most
    signature columns (weibo-search's header also holds an id-less weiboSpider's); an error on a tie or none."""
    matches = [name for name, export in FORMATS.items() if export.signature
               and not has_columns(header, export.signature)]
    most = max((len(FORMATS[name].signature) for name in matches), default=0)
    matches = [name for name in matches if len(FORMATS[name].signature) == most]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise IngestError(f"{path}: cannot tell the export format from its columns {header[:12]}; "
                          f"declare `format:` for this input in the case YAML (one of {sorted(FORMATS)})")
    raise IngestError(f"{path}: columns fit several formats {matches}; declare `format:` in the case YAML")


def public_source_name(path: Path, fmt: str | None, key: bytes, table: str | None = None) -> str:
    """The file name written to results/ (``file.db::table`` for a database table). weibo-crawler and
    weiboSpider name files ``{screen_name}/{user_id}.csv``, so those parts become the pseudonyms the author and
    @mentions get."""
    if fmt is not None and FORMATS[fmt].files_named_after_user:
        folder = author_pseudonym(key, "weibo", nickname=path.parent.name)
        return str(path.parent.parent / folder / (author_pseudonym(key, "weibo", user_id=path.stem) + path.suffix))
    return f"{path}::{table}" if table else str(path)


class FileIngest(NamedTuple):
    posts: pd.DataFrame      # canonical rows (schema POSTS)
    rejects: pd.DataFrame    # unreadable records (schema REJECTS)
    rows_in: int             # input records, header excluded
    source_file: str         # the file's name as written to results/ (see public_source_name)
    format: str | None       # the export format, declared or detected (None for an empty file)
    names: frozenset = frozenset()   # nicknames the records state (replaced in every text of the case)
    unknown_columns: tuple = ()      # columns the format does not define (ignored; listed in the QC)
    embedded_comments: int = 0       # comments read from the extra columns of post rows (`comments:`)


def iter_file_chunks(path: str | Path, fmt: str | None, timezone: str, key: bytes,
                     crawled_at: pd.Timestamp | None = None, entry: dict | None = None,
                     chunk_rows: int = CHUNK_ROWS, vectorised: bool = True):
    """Normalise one export in chunks: yields FileIngest per chunk (rows_in counts that chunk's records).

    ``vectorised``: normalise each chunk column-wise where the format has a column-wise normaliser (the records
    it cannot decide, row by row); False: every record row by row. Both give the same rows and rejects.

    Raises :class:`IngestError` naming the file when it cannot be read at all or lacks a required column.
    """
    path = Path(path)
    entry = entry or {}
    table = entry.get("table")
    try:
        export = read_export(path, sheet=entry.get("sheet"), realign=FORMATS[fmt].realign if fmt else None,
                             table=table)
        if not export.header:
            yield FileIngest(empty_frame(POSTS), empty_frame(REJECTS), 0, public_source_name(path, fmt, key, table),
                             fmt)
            return
        if fmt is None:
            fmt = detect_format(path, export.header)
            if FORMATS[fmt].realign:  # read again, now with the format's column realignment
                export = read_export(path, sheet=entry.get("sheet"), realign=FORMATS[fmt].realign, table=table)
    except ExportError as error:
        raise IngestError(str(error)) from None
    if fmt == "generic":
        needed = [(entry.get("columns", {}).get(name),) for name in ("post_id", "text", "created_at")]
        if any(names[0] is None for names in needed):
            raise IngestError(f"{path}: format generic needs `columns:` mapping post_id, text and created_at")
    else:
        needed = FORMATS[fmt].required
    lacking = has_columns(export.header, needed)
    if lacking:
        raise IngestError(f"{path}: format {fmt} needs column(s) {lacking}; the file has {export.header[:15]}")
    extra = unknown_columns(fmt, export.header)
    embedded = entry.get("comments")
    carried = [column for column in extra if EMBEDDED_RECORD.search(column)]
    if carried and not embedded:
        suggestion = ", ".join(f"{k}: {v}" for k, v in embedded_comment_columns(extra).items())
        raise IngestError(f"{path}: columns {carried} carry a second record (a comment) in every row, so rows that "
                          f"repeat a post are not duplicates; declare them for this input, e.g. "
                          f"`comments: {{{suggestion}}}`, to read them as comments, or remove those columns")
    if embedded:
        absent = sorted(set(embedded.values()) - set(export.header))
        if absent:
            raise IngestError(f"{path}: `comments:` names column(s) {absent} that the file lacks; it has {extra}")
        extra = [column for column in extra if column not in embedded.values()]   # read, so not unknown
    platform = entry.get("platform") or FORMATS[fmt].platform
    ctx = FileContext(str(path), fmt, platform, entry.get("timezone", timezone), key, crawled_at,
                      columns=entry.get("columns", {}), kind=entry.get("kind", "post"))
    mapped = entry.get("columns", {})   # generic: the columns holding an author's id, nickname and gender
    personal = PERSONAL_COLUMNS | {mapped[name] for name in ("author", "author_name", "gender") if name in mapped}
    source = public_source_name(path, fmt, key, table)
    normalise = FORMATS[fmt].normalise
    personal |= set(carried)
    kept, rejects, names, rows_in, comments = [], [], set(), 0, 0

    def rejected(record, field_name, reason) -> tuple:
        return source, record.row, field_name, reason, redact(record, export.header, personal, ctx.scrub)

    def reject(record, field_name, reason):
        rejects.append(rejected(record, field_name, reason))

    columns_normaliser = FORMATS[fmt].normalise_columns if vectorised and not embedded else None
    if columns_normaliser is not None and export.batches is not None and not export.undecodable_bytes:
        # CSV: records read as columns, chunk_rows at a time; a chunk with an unusual record (field count,
        # repeated header, not CSV) comes as records and takes the path below, so its rejects stay exact.
        size = chunk_rows
        for batch in export.batches(chunk_rows):
            if isinstance(batch, ColumnBatch):
                size = len(batch.rows)
                yield _column_batch_chunk(batch, columns_normaliser, normalise, ctx, export, rejected, source, fmt,
                                          extra)
            else:
                size = len(batch)
                yield _columnar_chunk(batch, columns_normaliser, normalise, ctx, export, rejected, source, fmt,
                                      extra)
        if size >= chunk_rows:   # as below: a last chunk with the records after the last full one, maybe none
            yield _columnar_chunk([], columns_normaliser, normalise, ctx, export, rejected, source, fmt, extra)
        return
    if columns_normaliser is not None:
        batch = []
        for record in export.records:
            batch.append(record)
            if len(batch) >= chunk_rows:
                yield _columnar_chunk(batch, columns_normaliser, normalise, ctx, export, rejected, source, fmt, extra)
                batch = []
        yield _columnar_chunk(batch, columns_normaliser, normalise, ctx, export, rejected, source, fmt, extra)
        return

    for record in export.records:
        rows_in += 1
        if record.fields is not None:
            names |= names_in_record(record.fields, ctx)
        problem = ("(record)", record.problem) if record.problem is not None else None
        if problem is None and export.undecodable_bytes and _damaged(record):
            problem = ("(record)", "undecodable bytes in the file here (read as U+FFFD)")
        row = None
        if problem is None:
            try:
                row = normalise(record.fields, ctx)
                row.update(platform=platform, source_file=source, source_row=record.row)
                kept.append(row)
            except RowError as error:
                problem = (error.field, error.reason)
        if problem is not None:
            reject(record, *problem)
        if embedded and record.fields is not None and has_value(record.fields, embedded["text"]):
            rows_in += 1    # the row's second record: its comment
            comments += 1
            try:
                if row is None:
                    raise RowError(problem[0] if problem else "(record)", "the comment's post could not be read")
                comment = normalise_embedded_comment(record.fields, row, ctx, embedded)
                comment.update(platform=platform, source_file=source, source_row=record.row)
                kept.append(comment)
            except RowError as error:
                reject(record, error.field, f"embedded comment: {error.reason}")
        if rows_in >= chunk_rows:
            yield _chunk(kept, rejects, rows_in, source, fmt, names, extra, comments)
            kept, rejects, names, rows_in, comments = [], [], set(), 0, 0
    yield _chunk(kept, rejects, rows_in, source, fmt, names, extra, comments)


def _columnar_chunk(batch, columns_normaliser, normalise, ctx: FileContext, export, rejected, source, fmt,
                    extra) -> FileIngest:
    """One chunk through the format's column-wise normaliser; the records it cannot decide (and records whose
    columns differ from the chunk's, e.g. realigned rows) through the per-record one, so rejects keep their
    exact field and reason. Rows and rejects come out in record order, as the per-record path writes them."""
    problems, uniform, odd = [], [], []
    reference = None
    for record in batch:
        if record.fields is None:
            problems.append(record)
            continue
        if reference is None:
            reference = record.fields.keys()
        (uniform if record.fields.keys() == reference else odd).append(record)
    names = columnar.names_in_columns([r.fields for r in uniform], ctx)
    for record in odd:
        names |= names_in_record(record.fields, ctx)
    failed = []   # (record, field, reason)
    for record in problems:
        failed.append((record, "(record)", record.problem))
    if export.undecodable_bytes:
        damaged = [r for r in (*uniform, *odd) if _damaged(r)]
        failed += [(r, "(record)", "undecodable bytes in the file here (read as U+FFFD)") for r in damaged]
        skip = {id(r) for r in damaged}
        uniform = [r for r in uniform if id(r) not in skip]
        odd = [r for r in odd if id(r) not in skip]
    cols = columnar.Columns([r.fields for r in uniform]) if uniform else None
    return _finish_chunk(cols, [r.row for r in uniform], uniform, odd, failed, names, normalise, columns_normaliser,
                         ctx, rejected, source, fmt, extra, len(batch))


def _column_batch_chunk(batch: ColumnBatch, columns_normaliser, normalise, ctx: FileContext, export, rejected,
                        source, fmt, extra) -> FileIngest:
    """One chunk read as columns (every record has the header's fields): as :func:`_columnar_chunk` with every
    record uniform, without building a dict per record."""
    n = len(batch.rows)
    cols = columnar.Columns([], data=batch.columns, n=n)
    names = columnar.names_in_columns(cols, ctx)
    return _finish_chunk(cols, batch.rows, batch, [], [], names, normalise, columns_normaliser, ctx, rejected,
                         source, fmt, extra, n)


def _finish_chunk(cols, rows, uniform, odd, failed, names, normalise, columns_normaliser, ctx: FileContext, rejected,
                  source, fmt, extra, rows_in) -> FileIngest:
    """Normalise the uniform records column-wise (``cols``; ``rows`` their record numbers; ``uniform[i]`` or
    ``uniform.record(i)`` the i-th as a RawRecord) and the odd and undecided ones record by record."""
    frames = []
    if cols is not None and cols.n:
        frame, undecided = columnar.normalise_columns(cols, ctx, columns_normaliser)
        frame = frame.loc[~undecided]
        frame["source_row"] = [row for row, no in zip(rows, undecided) if not no]
        frames.append(frame)
        record_at = uniform.record if isinstance(uniform, ColumnBatch) else uniform.__getitem__
        odd = odd + [record_at(i) for i in np.flatnonzero(undecided)]
    kept = []
    for record in odd:
        try:
            row = normalise(record.fields, ctx)
            row["source_row"] = record.row
            kept.append(row)
        except RowError as error:
            failed.append((record, error.field, error.reason))
    if kept:
        frames.append(pd.DataFrame(kept))
    failed.sort(key=lambda item: item[0].row)
    rejects = [rejected(record, field_name, reason) for record, field_name, reason in failed]
    if frames:
        posts = pd.concat([conform(frame.assign(platform=ctx.platform, source_file=source, is_official=pd.NA), POSTS)
                           for frame in frames], ignore_index=True)
        posts = posts.sort_values("source_row", kind="stable").reset_index(drop=True)
    else:
        posts = empty_frame(POSTS)
    rejects = pd.DataFrame(rejects, columns=list(REJECTS)).astype(REJECTS) if rejects else empty_frame(REJECTS)
    return FileIngest(posts, rejects, rows_in, source, fmt, frozenset(names), tuple(extra), 0)


def _damaged(record) -> bool:
    """Whether a record of a partly undecodable file holds a replaced byte."""
    values = record.values if record.fields is None else record.fields.values()
    return "\ufffd" in record.raw or any("\ufffd" in str(value) for value in (values or ()))


def _chunk(kept, rejects, rows_in, source, fmt, names=(), extra=(), comments=0) -> FileIngest:
    # Whether an author is an official account is decided once the case is known (_write_in_scope).
    posts = conform(pd.DataFrame(kept).assign(is_official=pd.NA), POSTS) if kept else empty_frame(POSTS)
    rejected = pd.DataFrame(rejects, columns=list(REJECTS)).astype(REJECTS) if rejects else empty_frame(REJECTS)
    return FileIngest(posts, rejected, rows_in, source, fmt, frozenset(names), tuple(extra), comments)


def ingest_file(path: str | Path, fmt: str | None, timezone: str, key: bytes,
                crawled_at: pd.Timestamp | None = None, entry: dict | None = None,
                vectorised: bool = True) -> FileIngest:
    """Normalise one whole export: every record becomes a canonical row or a reject."""
    chunks = list(iter_file_chunks(path, fmt, timezone, key, crawled_at, entry, vectorised=vectorised))
    return FileIngest(
        conform(pd.concat([c.posts for c in chunks], ignore_index=True), POSTS),
        conform(pd.concat([c.rejects for c in chunks], ignore_index=True), REJECTS),
        sum(c.rows_in for c in chunks), chunks[0].source_file, chunks[0].format,
        frozenset().union(*(c.names for c in chunks)), chunks[0].unknown_columns,
        sum(c.embedded_comments for c in chunks),
    )


# ------------------------------------------------------------------------------------------------ a case
def resolve_inputs(case: Case, base_dir: str | Path = ".") -> list[tuple[str, str | None, dict]]:
    """(path, format, input entry) for every file the case's input globs match, in a stable order.

    A SQLite database without a declared ``table:`` stands for each table of MediaCrawler's store it holds
    (``xhs_note``, ``xhs_note_comment``, ``weibo_note``, ``weibo_note_comment``), each read as its format."""
    resolved = []
    for index, entry in enumerate(case.inputs):
        matches = sorted(glob.glob(str(Path(base_dir) / entry["path"])))
        if not matches:
            raise IngestError(f"{case.source_path}: key 'inputs.{index}.path': {entry['path']!r} matches no file")
        for path in matches:
            if Path(path).suffix.lower() in SQLITE_SUFFIXES and not entry.get("table"):
                resolved += _database_tables(case, index, path, entry)
            else:
                resolved.append((path, entry.get("format"), entry))
    return resolved


def _database_tables(case: Case, index: int, path: str, entry: dict) -> list[tuple[str, str | None, dict]]:
    try:
        tables = sqlite_tables(path)
    except ExportError as error:
        raise IngestError(str(error)) from None
    store = mediacrawler_sqlite_tables()
    known = [table for table in tables if table in store]
    if known:
        return [(path, entry.get("format") or store[table], {**entry, "table": table})
                for table in known]
    if len(tables) == 1:
        return [(path, entry.get("format"), {**entry, "table": tables[0]})]
    raise IngestError(f"{case.source_path}: key 'inputs.{index}': {path} is a SQLite database whose tables "
                      f"{tables} are not MediaCrawler's ({sorted(store)}); declare "
                      "`table:` (and `format:`, e.g. generic with `columns:`) for this input")


def relevant_text(frame: pd.DataFrame, keywords: tuple[str, ...], hashtags: tuple[str, ...]) -> pd.Series:
    """Items whose text, title or hashtags mention a case keyword or hashtag (case-insensitive)."""
    pattern = "|".join(re.escape(t.lower()) for t in (*keywords, *hashtags))
    haystack = (frame["text"].fillna("") + " " + frame["title"].fillna("") + " "
                + frame["hashtags"].fillna("")).str.lower()
    return haystack.str.contains(pattern, regex=True)


def choose_winners(keys: pd.DataFrame) -> np.ndarray:
    """Boolean mask of the record kept for each post_id: the most complete, then the latest crawl."""
    order = keys.sort_values(["post_id", "complete", "crawled_at", "part", "row"],
                             ascending=[True, False, False, True, True], na_position="last", kind="stable")
    winners = np.zeros(len(keys), dtype=bool)
    winners[order.index[~order["post_id"].duplicated(keep="first")]] = True
    return winners


def dedupe_keys(posts: pd.DataFrame, part: int = 0) -> pd.DataFrame:
    """The columns :func:`choose_winners` ranks by, for one table (or one part of a larger one)."""
    # Arrow-backed strings and a categorical file name keep a million keys in tens, not hundreds, of MB.
    return pd.DataFrame({
        "post_id": posts["post_id"].array,
        "root_id": posts["root_id"].array,
        "source_file": posts["source_file"].astype("category").array,
        "complete": posts.drop(columns=list(AUTHOR_PROFILE), errors="ignore").notna().sum(axis=1)
                         .to_numpy(dtype=np.int8),
        "crawled_at": posts["crawled_at"].array,
        "part": part,
        "row": np.arange(len(posts)),
    })


def deduplicate(posts: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """One row per post_id (see :func:`choose_winners`). Returns (kept rows, dropped rows per source file)."""
    winners = choose_winners(dedupe_keys(posts.reset_index(drop=True)))
    dropped = posts.loc[~winners, "source_file"].value_counts()
    return posts.loc[winners].reset_index(drop=True), dropped


def ingest_case_to_files(case: Case, key: bytes, posts_path: str | Path, rejects_path: str | Path,
                         base_dir: str | Path = ".", chunk_rows: int = CHUNK_ROWS, vectorised: bool = True) -> dict:
    """Ingest every input of ``case`` with bounded memory, writing posts and rejects parquet files.

    Nothing reaches the output files before every input has been read: only then are all the nicknames the
    inputs state known, and each is replaced wherever it stands in a text (:class:`~firestorm.privacy.NameScrubber`).
    Returns the QC document (per-file and total counts). Posts are in input order (file, then record).
    Raises :class:`IngestError` when no item of the inputs falls in the case (window and relevance).
    """
    with tempfile.TemporaryDirectory(prefix="firestorm-ingest-") as scratch:
        parts, reject_parts, key_frames, files, names = [], [], [], {}, set()
        for path, fmt, entry in resolve_inputs(case, base_dir):
            crawled_at = None
            if "crawled_at" in entry:
                crawled_at = parse_time(entry["crawled_at"], case.timezone, path=case.source_path,
                                        key="inputs.crawled_at")
            for chunk in iter_file_chunks(path, fmt, case.timezone, key, crawled_at, entry, chunk_rows, vectorised):
                counts = files.setdefault(chunk.source_file, {"format": chunk.format, "rows_in": 0,
                                                              "parsed": 0, "rejected": 0})
                counts["rows_in"] += chunk.rows_in
                counts["parsed"] += len(chunk.posts)
                counts["rejected"] += len(chunk.rejects)
                counts["unknown_columns"] = list(chunk.unknown_columns)
                if chunk.embedded_comments:
                    counts["embedded_comments"] = counts.get("embedded_comments", 0) + chunk.embedded_comments
                names |= chunk.names
                if len(chunk.rejects):
                    platform = entry.get("platform") or (FORMATS[chunk.format].platform if chunk.format else None)
                    reject_parts.append((Path(scratch) / f"rejects-{len(reject_parts):05d}.parquet",
                                         platform or "unknown"))
                    chunk.rejects.to_parquet(reject_parts[-1][0], index=False)
                if len(chunk.posts):
                    part = Path(scratch) / f"part-{len(parts):05d}.parquet"
                    chunk.posts.to_parquet(part, index=False)
                    key_frames.append(_part_keys(chunk.posts, len(parts), case))
                    parts.append(part)

        keys = pd.concat(key_frames, ignore_index=True) if key_frames else _part_keys(empty_frame(POSTS), 0, case)
        keys["winner"] = choose_winners(keys)
        relevant_roots = set(keys.loc[keys["winner"] & keys["own_relevant"], "post_id"])
        keys["relevant"] = keys["own_relevant"] | isin(keys["root_id"], relevant_roots)
        keys["in_scope"] = keys["winner"] & keys["in_window"] & keys["relevant"]
        if not keys["in_scope"].any():
            raise IngestError(nothing_in_scope_message(case, keys))
        scrubber = NameScrubber(key, names, keep=case_words(case))
        _write_in_scope(parts, keys, posts_path, official_authors(case, key), scrubber)
        _write_rejects(reject_parts, rejects_path, scrubber)

    for source, counts in files.items():
        mine = keys["source_file"] == source
        counts["kept"] = int((mine & keys["winner"]).sum())
        counts["duplicates"] = int((mine & ~keys["winner"]).sum())
        counts["in_scope"] = int((mine & keys["in_scope"]).sum())
        counts["out_of_window"] = int((mine & keys["winner"] & ~keys["in_window"]).sum())
        counts["off_topic"] = int((mine & keys["winner"] & keys["in_window"] & ~keys["relevant"]).sum())
        counts["time_precision"] = precision_counts(keys.loc[mine & keys["in_scope"], "time_precision"])
    qc = reconcile(case.name, files)
    qc["warnings"] = [f"{source}: columns {c['unknown_columns']} are not part of format {c['format']} and were "
                      "ignored" for source, c in files.items() if c.get("unknown_columns")]
    qc["totals"]["time_precision"] = precision_counts(keys.loc[keys["in_scope"], "time_precision"])
    qc["people_names"] = {
        "known": len(scrubber.names), "replaced_in_texts": scrubber.replaced,
        "not_replaced": len(scrubber.kept),
        "rule": "every nickname stated by the inputs (authors, repost sources, comment authors, mention "
                "targets) is replaced by its pseudonym wherever it stands in a text, longest first; names of "
                f"fewer than {MIN_NAME_CHARACTERS} characters ({MIN_LATIN_NAME_CHARACTERS} Latin letters), names of "
                "digits only and names equal to an official account or a case keyword are kept",
    }
    return qc


def isin(series: pd.Series, values: set) -> np.ndarray:
    """``series.isin(values)`` as a bool array. For an Arrow string column and a set of strings, the one pyarrow
    ``is_in`` call pandas makes, without the pyarrow scalar pandas builds for each value of the set first (seconds
    for the set of a million posts' ids)."""
    if isinstance(series.array, pd.arrays.ArrowStringArray) and values and all(type(v) is str for v in values):
        column = pa.array(series.array)
        return np.array(pc.is_in(column, value_set=pa.array(list(values), type=column.type)), dtype=np.bool_)
    return series.isin(values).to_numpy(dtype=bool)


def precision_counts(precisions: pd.Series) -> dict[str, int]:
    """Items per time precision (second, minute, hour, day), every precision listed."""
    counts = precisions.value_counts()
    return {name: int(counts.get(name, 0)) for name in TIME_PRECISIONS}


def case_words(case: Case) -> set[str]:
    """Names that are not people in this case: official accounts (institutions) and the case's own terms."""
    return ({a["nickname"] for a in case.official_accounts if a.get("nickname")}
            | set(case.keywords) | set(case.hashtags))


def nothing_in_scope_message(case: Case, keys: pd.DataFrame) -> str:
    """Why a case has no item to analyse: the window, the relevance terms, or no readable record at all."""
    window = (f"{case.window_start.tz_convert(case.timezone):%Y-%m-%d %H:%M} – "
              f"{case.window_end.tz_convert(case.timezone):%Y-%m-%d %H:%M} ({case.timezone})")
    winners = keys[keys["winner"]]
    if not len(winners):
        return (f"{case.source_path}: no readable record in the inputs (see rejects.parquet); "
                f"the case has nothing to analyse")
    times = winners["created_at"].dropna()
    span = (f"{times.min().tz_convert(case.timezone):%Y-%m-%d %H:%M} – "
            f"{times.max().tz_convert(case.timezone):%Y-%m-%d %H:%M}")
    in_window = int(winners["in_window"].sum())
    if not in_window:
        return (f"{case.source_path}: key 'window': {window} excludes all {len(winners):,} items read; "
                f"the inputs hold items from {span}. Set window.start/window.end to cover the controversy.")
    terms = ", ".join((*case.keywords, *case.hashtags))
    return (f"{case.source_path}: key 'relevance': none of the {in_window:,} items inside the window {window} "
            f"mentions a keyword or hashtag ({terms}); the inputs hold items from {span}.")


def _part_keys(posts: pd.DataFrame, part: int, case: Case) -> pd.DataFrame:
    """The few columns deduplication, the case filter and the QC need, for one part."""
    return dedupe_keys(posts, part).assign(
        in_window=((posts["created_at"] >= case.window_start) & (posts["created_at"] < case.window_end)).to_numpy(),
        own_relevant=relevant_text(posts, case.keywords, case.hashtags).to_numpy(dtype=bool),
        created_at=posts["created_at"].array,
        time_precision=posts["time_precision"].astype("category").array,
    )


def official_authors(case: Case, key: bytes) -> set[str]:
    """Pseudonyms the case's official accounts get: by id and by nickname, as the exports pseudonymise
    whichever of the two they carry."""
    found = set()
    for account in case.official_accounts:
        if account.get("user_id"):
            found.add(author_pseudonym(key, account["platform"], user_id=account["user_id"]))
        if account.get("nickname"):
            found.add(author_pseudonym(key, account["platform"], nickname=account["nickname"]))
    return found


def _write_in_scope(parts: list[Path], keys: pd.DataFrame, posts_path: str | Path, official: set[str],
                    scrubber: NameScrubber) -> None:
    schema = pa.Schema.from_pandas(empty_frame(POSTS), preserve_index=False)
    # Rows to keep per part, found in one pass over the keys rather than one pass per part.
    kept = keys.loc[keys["in_scope"]].groupby("part")["row"]
    rows_of = {part: rows.to_numpy() for part, rows in kept}
    with pq.ParquetWriter(posts_path, schema) as writer:
        for number, part in enumerate(parts):
            rows = rows_of.get(number, ())
            if len(rows):
                frame = pd.read_parquet(part).iloc[rows]
                frame = frame.assign(is_official=frame["author"].isin(official), **{
                    column: scrubber.replace_column(frame[column], frame["platform"])
                    for column in ("text", "title", "hashtags")})
                writer.write_table(pa.Table.from_pandas(conform(frame, POSTS), schema=schema, preserve_index=False))
        if not parts:
            writer.write_table(pa.Table.from_pandas(empty_frame(POSTS), schema=schema, preserve_index=False))


def _write_rejects(parts: list[tuple[Path, str]], rejects_path: str | Path, scrubber: NameScrubber) -> None:
    """The rejects table, with the names known from the whole case replaced in each redacted record."""
    schema = pa.Schema.from_pandas(empty_frame(REJECTS), preserve_index=False)
    with pq.ParquetWriter(rejects_path, schema) as writer:
        for part, platform in parts:
            frame = pd.read_parquet(part)
            frame["raw"] = scrubber.replace_column(frame["raw"], [platform] * len(frame))
            writer.write_table(pa.Table.from_pandas(conform(frame, REJECTS), schema=schema, preserve_index=False))
        if not parts:
            writer.write_table(pa.Table.from_pandas(empty_frame(REJECTS), schema=schema, preserve_index=False))


def ingest_case(case: Case, key: bytes, base_dir: str | Path = ".") -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Ingest every input of ``case`` in memory: (posts filtered to the case, rejects, QC document)."""
    with tempfile.TemporaryDirectory(prefix="firestorm-case-") as folder:
        posts_path, rejects_path = Path(folder) / "posts.parquet", Path(folder) / "rejects.parquet"
        qc = ingest_case_to_files(case, key, posts_path, rejects_path, base_dir)
        return conform(pd.read_parquet(posts_path), POSTS), conform(pd.read_parquet(rejects_path), REJECTS), qc


def reconcile(case_name: str, files: dict[str, dict]) -> dict:
    """QC document; raises :class:`IngestError` unless every record is kept, rejected or a duplicate."""
    broken = []
    for path, c in files.items():
        c["reconciled"] = (c["rows_in"] == c["kept"] + c["rejected"] + c["duplicates"]
                           and c["kept"] == c["in_scope"] + c["out_of_window"] + c["off_topic"])
        if not c["reconciled"]:
            broken.append(f"{path}: {c}")
    if broken:
        raise IngestError("ingest counts do not reconcile (rows_in = kept + rejected + duplicates):\n"
                          + "\n".join(broken))
    totals = {name: sum(c[name] for c in files.values()) for name in COUNTS}
    return {"case": case_name, "totals": totals, "files": files, "reconciled": True}
