"""The coding sample of one case for human validation (firestorm.validation)."""

import json

import pandas as pd

from firestorm.config import load_case
from firestorm.jobs import log_to
from firestorm.response import pre_period_start
from firestorm.validation import SampleSettings, coding_sample, validation_items, write_coding_sample

log_to(snakemake)

case = load_case(snakemake.params.case_file)
posts = pd.read_parquet(snakemake.input.posts, columns=["post_id", "platform", "kind", "created_at", "parent_id",
                                                        "text"])
tokens = pd.read_parquet(snakemake.input.tokens, columns=["post_id", "own_text"])
sentiment = pd.read_parquet(snakemake.input.sentiment, columns=["post_id", "label"])
# The response effect's window (firestorm.response): its codes are the strata its correction rests on.
response = case.response_time
with open(snakemake.input.spread, encoding="utf-8") as handle:
    peak = json.load(handle)["peak"]["time"]
window_start = pre_period_start(response, peak, snakemake.params.pre_hours) if response is not None else None
settings = SampleSettings(**{**snakemake.params.settings, **case.validation})   # a case may plan its own sample
sample = coding_sample(validation_items(posts, tokens, sentiment, case), settings,
                       case.timezone, response=response, window_start=window_start,
                       hours_after=snakemake.params.post_hours)
write_coding_sample(sample, snakemake.output.xlsx, snakemake.output.csv)
