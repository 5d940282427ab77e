"""Response timing across cases: table, aligned series, figures and summary (firestorm.response)."""

import json
import sys

import pandas as pd

from firestorm import figures
from firestorm.config import load_case
from firestorm.response import aligned_series, summary_lines, timing_table, unanswered_curve

sys.stderr = open(snakemake.log[0], "w")

cases = [load_case(path) for path in snakemake.params.case_files]
spreads = [json.load(open(path, encoding="utf-8")) for path in snakemake.input.spreads]
timing = timing_table(cases, spreads)
timing.to_csv(snakemake.output.timing, index=False)
aligned = pd.concat(
    [aligned_series(pd.read_parquet(p), pd.read_parquet(s), c.name, t)
     for c, p, s, t in zip(cases, snakemake.input.posts, snakemake.input.sentiment, timing["onset"])],
    ignore_index=True,
)
aligned.to_csv(snakemake.output.aligned, index=False)
figures.aligned_comparison_figure(aligned, timing, snakemake.output.aligned_figure)
figures.unanswered_figure(unanswered_curve(timing), timing, snakemake.output.unanswered_figure)
with open(snakemake.output.summary, "w", encoding="utf-8") as handle:
    handle.write("# Response timing: findings\n\n" + "\n".join(summary_lines(timing)) + "\n")
