"""Adapt the sentiment model to the study's posts by emoticon distant supervision (firestorm.sentiment);
write the emoticon-labelled posts it never learnt from, which the response stage measures its errors on."""

import logging
from pathlib import Path

import pandas as pd

from firestorm.jobs import log_to
from firestorm.sentiment import AdaptSettings, adapt_model, held_out_posts, load_emoticon_lexicon, set_threads

log_to(snakemake)

set_threads(snakemake.threads)
lexicon = load_emoticon_lexicon(snakemake.input.emoticons)
tokens = pd.concat([pd.read_parquet(path, columns=["post_id", "own_text", "emoticons"])
                    for path in snakemake.input.tokens])
report = adapt_model(snakemake.params.base, Path(snakemake.output.config).parent, tokens, lexicon,
                     AdaptSettings(**snakemake.params.settings))
held_out = held_out_posts(dict(zip(snakemake.params.cases, snakemake.input.tokens)), lexicon, report)
held_out.to_parquet(snakemake.output.held_out, index=False)
if report["applied"]:
    logging.info("held-out emoticon slice: base %s -> adapted %s", report["base"]["emoticon_held_out"]["accuracy"],
                 report["adapted"]["emoticon_held_out"]["accuracy"])
else:
    logging.warning("adaptation not applied, the base model scores the posts: %s", report["reason"])
