"""Response timing and effects across cases: tables, aligned series, figures, summary (firestorm.response)."""

import json

import pandas as pd

from firestorm import figures
from firestorm.config import load_case
from firestorm.discourse import load_frames, parquet_batches
from firestorm.jobs import log_to
from firestorm.response import (aligned_series, detect_response, effect_lines, response_effects, summary_lines,
                                timing_table, unanswered_curve)
from firestorm.sentiment import load_emoticon_lexicon, unseen_emoticon_posts
from firestorm.spread import read_posts, timed_items

log_to(snakemake)

cases = [load_case(path) for path in snakemake.params.case_files]
spreads = [json.load(open(path, encoding="utf-8")) for path in snakemake.input.spreads]
# Small per-post columns for every post; texts only of the official accounts' posts (response detection).
# Latency, aligned series and ITS are hourly: items an export dates only to the day are left out.
posts = {c.name: timed_items(read_posts(path, ["post_id", "platform", "created_at", "is_official"]))
         for c, path in zip(cases, snakemake.input.posts)}
sentiment = {c.name: pd.read_parquet(path, columns=["post_id", "label"])
             for c, path in zip(cases, snakemake.input.sentiment)}
official = {c.name: timed_items(read_posts(path, ["post_id", "created_at", "is_official", "text"],
                                           filters=[("is_official", "==", True)]))
            for c, path in zip(cases, snakemake.input.posts)}
detected = [detect_response(official[c.name], c, load_frames(snakemake.input.frames, c).get("response", ()))
            for c in cases]
timing = timing_table(cases, spreads, detected)
timing.to_csv(snakemake.output.timing, index=False)
# Posts whose emoticons give their true class and whose text the model was not adapted on measure its errors.
adaptation = (json.load(open(snakemake.input.adaptation[0], encoding="utf-8")) if snakemake.input.adaptation
              else None)
lexicon = load_emoticon_lexicon(snakemake.input.emoticons)
validation = {c.name: pd.concat([unseen_emoticon_posts(batch, lexicon, adaptation) for batch in
                                 parquet_batches(path, ["post_id", "own_text", "emoticons"])()], ignore_index=True)
              for c, path in zip(cases, snakemake.input.tokens)}
effects, fits = response_effects(timing, posts, sentiment, **snakemake.params.its, validation=validation)
effects.to_csv(snakemake.output.effects, index=False)
aligned = pd.concat(
    [aligned_series(posts[c.name], sentiment[c.name], c.name, t) for c, t in zip(cases, timing["onset"])],
    ignore_index=True,
)
aligned.to_csv(snakemake.output.aligned, index=False)
figures.aligned_comparison_figure(aligned, timing, snakemake.output.aligned_figure)
figures.unanswered_figure(unanswered_curve(timing), timing, snakemake.output.unanswered_figure)
figures.its_figure(fits, {c.name: c.title for c in cases}, snakemake.output.its_figure)
with open(snakemake.output.summary, "w", encoding="utf-8") as handle:
    handle.write("# Response timing: findings\n\n" + "\n".join(summary_lines(timing)) + "\n\n"
                 "## What the response changed (interrupted time series)\n\n" + "\n".join(effect_lines(effects))
                 + "\n")
