"""Shared helpers: config validation, the case table, wildcard constraints and input functions. No rules here."""

import re
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

import firestorm
from firestorm.config import ConfigError, case_path, check_model_location, load_case
from firestorm.study_page import case_files as study_case_files, comparison_files as study_comparison_files

validate(config, "../schemas/config.schema.yaml")


def load_cases(config):
    """Validate every case YAML once (the case schema, then firestorm's checks) before any job runs."""
    cases = {}
    for name in config["cases"]:
        path = case_path(config, name)
        try:
            cases[name] = load_case(path)
        except ConfigError as error:
            raise WorkflowError(f"invalid case configuration {path}:\n{error}") from None
    return cases


CASES = load_cases(config)


# `case` is one of the configured cases (so results/comparison/... can never be read as a case), and a shard
# is Snakemake's "<i>-of-<n>" (n may be changed at run time with --set-scatter).
wildcard_constraints:
    case="|".join(re.escape(name) for name in CASES),
    scatteritem=r"\d+-of-\d+",


CODE_VERSION = firestorm.__version__
DEFAULT_MODEL_DIR = "results/models/sentiment"
try:  # an unknown model path fails now, naming file and key, not after ingest and segmentation have run
    check_model_location(config["sentiment"]["model"], DEFAULT_MODEL_DIR)
except ConfigError as error:
    raise WorkflowError(f"invalid configuration:\n{error}") from None
SHARDS = config["shards"]


def case_file(wildcards):
    return CASES[wildcards.case].source_path


def case_exports(wildcards):
    """The export files of a case: the demo folder when generated, else what its input globs match."""
    if config["demo"]["generate"]:
        return [f"data/demo/{wildcards.case}"]
    from firestorm.ingest import resolve_inputs

    return [path for path, _fmt, _entry in resolve_inputs(CASES[wildcards.case])]


ADAPTED_MODEL_DIR = "results/models/sentiment_adapted"


def model_is_built_here():
    return config["sentiment"]["model"] == DEFAULT_MODEL_DIR


def adaptation_enabled():
    return config["sentiment"]["adapt"]["enabled"]


def model_eval_file():
    files = [f"{DEFAULT_MODEL_DIR}/eval.json"] if model_is_built_here() else []
    return files + ([f"{ADAPTED_MODEL_DIR}/adaptation.json"] if adaptation_enabled() else [])


# Human validation: coder files of a real case live in data/<case>/validation/ (any *.csv or *.xlsx); the demo's
# simulated coders write theirs here.
DEMO_CODED_DIR = "data/demo_validation"
DEMO_CODER_NAMES = ["coder_a", "coder_b"]


def coder_files(wildcards):
    if config["demo"]["generate"]:
        return [f"{DEMO_CODED_DIR}/{wildcards.case}/{coder}.csv" for coder in DEMO_CODER_NAMES]
    folder = Path("data") / wildcards.case / "validation"
    return sorted(str(p) for p in folder.glob("*") if p.suffix.lower() in (".csv", ".xlsx"))


SOCIAL_CORPUS_FILES = sorted(str(path) for path in Path("data/sentiment/social").glob("*.parquet"))


def teacher_labels_input(wildcards):
    path = config["sentiment"]["train"]["distil_from"]
    return [path, str(Path(path).with_suffix(".json"))] if path else []


def base_model_input(wildcards):
    return [f"{DEFAULT_MODEL_DIR}/config.json"] if model_is_built_here() else []


def model_location(model_files):
    """The model folder of a model file input, else (a model that is not built here) the configured id."""
    return str(Path(model_files[0]).parent) if model_files else config["sentiment"]["model"]


def scoring_model_evaluation(wildcards):
    if not model_is_built_here():
        return []
    return [f"{ADAPTED_MODEL_DIR if adaptation_enabled() else DEFAULT_MODEL_DIR}/eval.json"]


def scoring_model_input(wildcards):
    if adaptation_enabled():
        return [f"{ADAPTED_MODEL_DIR}/config.json"]
    return base_model_input(wildcards)
