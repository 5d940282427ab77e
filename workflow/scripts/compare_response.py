"""Response timing and effects across cases: tables, aligned series, figures, summary (firestorm.response)."""

import json
import sys

import pandas as pd

from firestorm import figures
from firestorm.config import load_case
from firestorm.discourse import load_frames
from firestorm.response import (aligned_series, detect_response, effect_lines, response_effects, summary_lines,
                                timing_table, unanswered_curve)

sys.stderr = open(snakemake.log[0], "w")

cases = [load_case(path) for path in snakemake.params.case_files]
spreads = [json.load(open(path, encoding="utf-8")) for path in snakemake.input.spreads]
posts = {c.name: pd.read_parquet(path) for c, path in zip(cases, snakemake.input.posts)}
sentiment = {c.name: pd.read_parquet(path) for c, path in zip(cases, snakemake.input.sentiment)}
detected = [detect_response(posts[c.name], c, load_frames(snakemake.input.frames, c).get("response", ()))
            for c in cases]
timing = timing_table(cases, spreads, detected)
timing.to_csv(snakemake.output.timing, index=False)
confusion = None
if snakemake.input.adaptation:
    adaptation = json.load(open(snakemake.input.adaptation[0], encoding="utf-8"))
    confusion = adaptation["adapted"]["emoticon_confusion_3class"]["rows_true_columns_predicted"]
effects, fits = response_effects(timing, posts, sentiment, **snakemake.params.its, confusion_counts=confusion)
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
