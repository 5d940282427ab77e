"""The most typical posts per phase x frame and per sentiment label of one case (firestorm.exemplars)."""

import pandas as pd

from firestorm.config import load_case
from firestorm.discourse import load_frames, parquet_batches
from firestorm.exemplars import find_exemplars
from firestorm.jobs import log_to

log_to(snakemake)

case = load_case(snakemake.params.case_file)
posts = pd.read_parquet(snakemake.input.posts, columns=["post_id", "platform", "kind", "created_at", "likes",
                                                        "comments", "shares", "author"])
exemplars = find_exemplars(posts, parquet_batches(snakemake.input.tokens, ["post_id", "own_text", "tokens"]),
                           pd.read_parquet(snakemake.input.sentiment), case,
                           load_frames(snakemake.input.frames, case), k=snakemake.params.k)
exemplars.to_csv(snakemake.output.exemplars, index=False)
