"""Two simulated coders code the demo's coding sample against the planted labels (firestorm.demo.coders)."""

from pathlib import Path

import pandas as pd

from firestorm.demo import PLANTED_LABELS, write_demo_codings
from firestorm.jobs import log_to

log_to(snakemake)

sample = pd.read_csv(snakemake.input.sample, dtype={"sample_id": str, "post_id": str}, encoding="utf-8-sig")
planted = pd.read_parquet(Path(snakemake.input.demo) / PLANTED_LABELS)
write_demo_codings(sample, planted, Path(snakemake.output.coders[0]).parent, seed=snakemake.params.seed)
