"""Gather the shards of a stage into one table, in shard order."""

import pandas as pd

from firestorm.jobs import log_to

log_to(snakemake)

frames = [pd.read_parquet(path) for path in snakemake.input]
pd.concat(frames, ignore_index=True).to_parquet(snakemake.output[0], index=False)
