"""The coding sample of one case for human validation (firestorm.validation)."""

import pandas as pd

from firestorm.config import load_case
from firestorm.jobs import log_to
from firestorm.validation import SampleSettings, coding_sample, validation_items, write_coding_sample

log_to(snakemake)

case = load_case(snakemake.params.case_file)
posts = pd.read_parquet(snakemake.input.posts, columns=["post_id", "platform", "kind", "created_at", "parent_id",
                                                        "text"])
tokens = pd.read_parquet(snakemake.input.tokens, columns=["post_id", "own_text"])
sentiment = pd.read_parquet(snakemake.input.sentiment, columns=["post_id", "label"])
sample = coding_sample(validation_items(posts, tokens, sentiment, case), SampleSettings(**snakemake.params.settings),
                       case.timezone)
write_coding_sample(sample, snakemake.output.xlsx, snakemake.output.csv)
