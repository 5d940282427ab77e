"""Ingest: crawler exports -> one canonical, pseudonymised posts table, losing nothing.

The wing has five rooms: :mod:`~firestorm.ingest.readers` splits a file (CSV, JSON, JSON lines, Excel,
parquet, SQLite) into records; :mod:`~firestorm.ingest.formats` holds one :class:`ExportFormat` record per
crawler format (fields, signature, required columns, platform, normalisers); :mod:`~firestorm.ingest.parsing`
reads the counts and dates crawlers write; :mod:`~firestorm.ingest.columnar` normalises a chunk of records
column-wise, leaving what it cannot decide to the per-record normaliser; :mod:`~firestorm.ingest.pipeline`
runs a case's inputs through them, deduplicates, filters to the case and reconciles the counts.
"""

from firestorm.ingest.formats import FORMATS, ExportFormat, RowError
from firestorm.ingest.pipeline import (
    CHUNK_ROWS, FileIngest, IngestError, choose_winners, deduplicate, detect_format, ingest_case,
    ingest_case_to_files, ingest_file, iter_file_chunks, official_authors, public_source_name, reconcile,
    relevant_text, resolve_inputs,
)

__all__ = [
    "CHUNK_ROWS", "FORMATS", "ExportFormat", "FileIngest", "IngestError", "RowError", "choose_winners",
    "deduplicate", "detect_format", "ingest_case", "ingest_case_to_files", "ingest_file", "iter_file_chunks",
    "official_authors", "public_source_name", "reconcile", "relevant_text", "resolve_inputs",
]
