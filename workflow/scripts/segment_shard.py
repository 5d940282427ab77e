"""Segment one shard of a case's posts with jieba (firestorm.text)."""


import pandas as pd

from firestorm.jobs import log_to
from firestorm.text import segment_posts, shard

log_to(snakemake)

number, count = (int(part) for part in snakemake.params.shard.split("-of-"))
posts = shard(pd.read_parquet(snakemake.input.posts, columns=["post_id", "text"]), number - 1, count)
params = snakemake.params
tokens = segment_posts(posts, snakemake.input.user_dict, snakemake.input.stopwords, tuple(params.extra_words),
                       memo_blocks=params.memo_blocks)
tokens.to_parquet(snakemake.output[0], index=False)
