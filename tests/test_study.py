"""The default study as shipped (full demo corpus, the model the pipeline trains) meets the response-timing
validation end to end: latency, censoring and the planted post-response drop in negativity from the model's
labels. Minutes, not seconds: the sentiment model is trained as `make run` trains it."""

import pandas as pd
import pytest
import yaml

from conftest import make_workdir, snakemake

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def default_study(repo, tmp_path_factory):
    workdir = make_workdir(repo, tmp_path_factory.mktemp("study"), tiny=False)
    run = snakemake(workdir, "results/comparison/response_effects.csv")
    assert run.returncode == 0, run.stderr[-6000:]
    truths = {case: yaml.safe_load((workdir / "data/demo" / case / "truth.yaml").read_text(encoding="utf-8"))
              for case in ("miaoya_camera", "xhs_trik_ai")}
    return workdir, truths


def test_latency_is_recovered_and_silence_is_censored(default_study):
    workdir, truths = default_study
    timing = pd.read_csv(workdir / "results/comparison/response_timing.csv").set_index("case")
    miaoya, xhs = timing.loc["miaoya_camera"], timing.loc["xhs_trik_ai"]
    assert miaoya["onset_to_response_h"] == pytest.approx(truths["miaoya_camera"]["onset_to_response_hours"], abs=1)
    assert miaoya["response_check"] == "timeline and data agree"
    assert not xhs["responded"] and pd.isna(xhs["onset_to_response_h"]) and xhs["onset_to_censoring_h"] > 0


def test_planted_drop_in_negativity_is_found_from_the_models_labels(default_study):
    workdir, truths = default_study
    effects = pd.read_csv(workdir / "results/comparison/response_effects.csv").set_index(["case", "measure"])
    shares = truths["miaoya_camera"]["negative_share"]
    planted = shares["after_response"] - shares["after"]
    corrected = effects.loc[("miaoya_camera", "level change, share points, corrected for misclassification")]
    assert corrected["ci95_high"] < 0, "the drop is detected (interval below zero)"
    assert corrected["ci95_low"] <= planted <= corrected["ci95_high"], (planted, corrected.to_dict())
    raw = effects.loc[("miaoya_camera", "level change, share points")]
    assert raw["ci95_high"] < 0 and raw["estimate"] > planted   # labels alone: right sign, attenuated
    # The silent case at the matched time: no change either way.
    placebo = effects.loc[("xhs_trik_ai", "level change, share points, corrected for misclassification")]
    assert placebo["ci95_low"] <= 0 <= placebo["ci95_high"]
