"""Ingest one case's exports into posts.parquet, rejects.parquet and ingest_qc.json (firestorm.ingest)."""

import json
import logging

from firestorm.config import load_case
from firestorm.ingest import ingest_case_to_files
from firestorm.jobs import log_to
from firestorm.privacy import load_key

log_to(snakemake)

key = load_key(snakemake.params.key_env, snakemake.params.key_file)
case = load_case(snakemake.params.case_file)
qc = ingest_case_to_files(case, key, snakemake.output.posts, snakemake.output.rejects)
with open(snakemake.output.qc, "w", encoding="utf-8") as handle:
    json.dump(qc, handle, indent=2, ensure_ascii=False)
logging.info("totals: %s", qc["totals"])
