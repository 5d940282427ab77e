"""Score one shard's posts with the configured transformers model (firestorm.sentiment)."""


import pandas as pd

from firestorm.jobs import log_to
from firestorm.sentiment import SentimentModel, score_posts, set_threads

log_to(snakemake)

set_threads(snakemake.threads)
params = snakemake.params
model = SentimentModel(params.model, batch_size=params.batch_size, max_length=params.max_length,
                       runtime=params.runtime)
tokens = pd.read_parquet(snakemake.input.tokens, columns=["post_id", "own_text"])   # not the word lists
scores = score_posts(tokens, model, tuple(params.neutral_band), progress=True)
scores.to_parquet(snakemake.output[0], index=False)
