"""Gather the shards of a stage into one table, in shard order."""

import sys

import pandas as pd

sys.stderr = open(snakemake.log[0], "w")

frames = [pd.read_parquet(path) for path in snakemake.input]
pd.concat(frames, ignore_index=True).to_parquet(snakemake.output[0], index=False)
