"""Response timing and effects across cases: tables, aligned series, figures, summary (firestorm.response)."""

import json

import pandas as pd

from firestorm import figures
from firestorm.config import load_case
from firestorm.jobs import log_to
from firestorm.response import compare_responses
from firestorm.sentiment import held_out_posts, load_emoticon_lexicon

log_to(snakemake)

cases = [load_case(path) for path in snakemake.params.case_files]
spreads = [json.load(open(path, encoding="utf-8")) for path in snakemake.input.spreads]
# Posts the model never learnt from: adaptation's held-out table, else (no adaptation) every emoticon-labelled post.
validation = (pd.read_parquet(snakemake.input.held_out[0]) if snakemake.input.held_out else
              held_out_posts({c.name: path for c, path in zip(cases, snakemake.input.tokens)},
                             load_emoticon_lexicon(snakemake.input.emoticons), adaptation=None))
# The scoring model's evaluation (models trained here): its confusion matrix on human-labelled test posts.
evaluation = json.load(open(snakemake.input.evaluation[0], encoding="utf-8")) if snakemake.input.evaluation else None
# The adjudicated hand-coded samples (human validation), per case; empty tables where nobody has coded yet.
coded = {c.name: pd.read_csv(path, dtype={"post_id": str}) for c, path in zip(cases, snakemake.input.coded)}
result = compare_responses(cases, spreads, snakemake.input.posts, snakemake.input.sentiment, snakemake.input.frames,
                           validation, **snakemake.params.its, evaluation=evaluation, coded_posts=coded,
                           strategies_file=snakemake.input.strategies)
result.timing.to_csv(snakemake.output.timing, index=False)
result.effects.to_csv(snakemake.output.effects, index=False)
result.aligned.to_csv(snakemake.output.aligned, index=False)
figures.aligned_comparison_figure(result.aligned, result.timing, snakemake.output.aligned_figure)
figures.unanswered_figure(result.unanswered, result.timing, snakemake.output.unanswered_figure)
figures.its_figure(result.fits, {c.name: c.title for c in cases}, snakemake.output.its_figure)
with open(snakemake.output.summary, "w", encoding="utf-8") as handle:
    handle.write(result.summary_markdown())
