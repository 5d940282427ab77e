"""Adapt the sentiment model to the study's posts by emoticon distant supervision (firestorm.sentiment)."""

import logging
from pathlib import Path

import pandas as pd

from firestorm.jobs import log_to
from firestorm.sentiment import AdaptSettings, adapt_model, load_emoticon_lexicon, set_threads

log_to(snakemake)

set_threads(snakemake.threads)
tokens = pd.concat([pd.read_parquet(path, columns=["post_id", "own_text", "emoticons"]) for path in snakemake.input.tokens])
report = adapt_model(snakemake.params.base, Path(snakemake.output.config).parent, tokens,
                     load_emoticon_lexicon(snakemake.input.emoticons), AdaptSettings(**snakemake.params.settings))
if report["applied"]:
    logging.info("held-out emoticon slice: base %s -> adapted %s", report["base"]["emoticon_held_out"]["accuracy"],
                 report["adapted"]["emoticon_held_out"]["accuracy"])
else:
    logging.warning("adaptation not applied, the base model scores the posts: %s", report["reason"])
