"""Methods section and findings in numbers (firestorm.report)."""

import json
from pathlib import Path

import pandas as pd

from firestorm.config import load_case
from firestorm.jobs import log_to
from firestorm.report import methods_markdown, summary_markdown

log_to(snakemake)


def read_json(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


cases = [load_case(path) for path in snakemake.params.case_files]
qc = {c.name: read_json(p) for c, p in zip(cases, snakemake.input.qc)}
spreads = {c.name: read_json(p) for c, p in zip(cases, snakemake.input.spreads)}
evaluations = [read_json(p) for p in snakemake.input.evaluation]
evaluation = next((e for e in evaluations if "tests" in e), {"model": snakemake.config["sentiment"]["model"]})
adaptation = next((e for e in evaluations if "adapted_model" in e), None)   # applied or not
shares = {c.name: pd.read_parquet(p, columns=["label"])["label"].value_counts(normalize=True).to_dict()
          for c, p in zip(cases, snakemake.input.sentiment)}
frames = {c.name: pd.read_csv(p) for c, p in zip(cases, snakemake.input.frames)}
validations = {c.name: read_json(p) for c, p in zip(cases, snakemake.input.validation)}
diffusions = {c.name: read_json(p) for c, p in zip(cases, snakemake.input.diffusion)}
Path(snakemake.output.methods).write_text(
    methods_markdown(snakemake.config, cases, qc, evaluation, adaptation, spreads, validations), encoding="utf-8")
Path(snakemake.output.summary).write_text(
    summary_markdown(cases, spreads, pd.read_csv(snakemake.input.timing), pd.read_csv(snakemake.input.effects),
                     frames, shares, diffusions), encoding="utf-8")
