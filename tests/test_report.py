"""Generated methods and findings: built from the run's outputs, in words where a number would mislead."""

import pandas as pd
import pytest
import yaml

from firestorm.config import load_case
from firestorm.report import methods_markdown, summary_markdown
from firestorm.response import timing_table


@pytest.fixture
def config(repo):
    return yaml.safe_load((repo / "config/config.yaml").read_text(encoding="utf-8"))


@pytest.fixture
def detected_format_case(repo, tmp_path):
    """The Miaoya case with no `format:` on any input: ingest detects them from the headers."""
    document = yaml.safe_load((repo / "config/cases/miaoya_camera.yaml").read_text(encoding="utf-8"))
    for entry in document["inputs"]:
        entry.pop("format", None)
    path = tmp_path / "miaoya_camera.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return load_case(path)


def qc_document(date_only: int = 0) -> dict:
    totals = {"rows_in": 120, "kept": 110, "rejected": 5, "duplicates": 5, "out_of_window": 2, "off_topic": 3,
              "in_scope": 105, "time_precision": {"second": 105 - date_only, "minute": 0, "day": date_only}}
    return {"totals": totals, "reconciled": True,
            "files": {"data/a.csv": {"format": "weibo_search_posts", "rows_in": 100},
                      "data/b.json": {"format": "mediacrawler_xhs_notes", "rows_in": 20}}}


def spread_document(**overrides) -> dict:
    ok = {"status": "ok", "reason": ""}
    document = {
        "items": 105,
        "time_precision": {"items": 105, "hourly_items": 105, "date_only_items": 0, **ok},
        "onset": {"time": "2023-07-20T02:00:00+00:00", **ok},
        "peak": {"time": "2023-07-20T09:00:00+00:00", "items_per_hour": 400.0,
                 "method": "maximum of the fitted Hawkes model's expected intensity (see hawkes)", **ok},
        "half_life": {"hours": 23.8, "ci95": [23.1, 24.5], **ok},
        "hawkes": {"estimates": {"branching_ratio": 0.45, "kernel_mean_hours": 1.0}, "ci95": {"branching_ratio": [0.4, 0.5]},
                   "goodness_of_fit": {"ks_pvalue": 0.7}, **ok},
    }
    for key, value in overrides.items():
        document[key] = {**document[key], **value}
    return document


def test_methods_name_the_formats_ingest_detected_when_the_case_declares_none(config, detected_format_case):
    case = detected_format_case
    assert all("format" not in entry or entry["format"] is None for entry in case.inputs)
    text = methods_markdown(config, [case], {case.name: qc_document()}, {}, None, {case.name: spread_document()})
    assert "`mediacrawler_xhs_notes`, `weibo_search_posts`" in text
    # The coordination screen's parameters as configured, never a template left unfilled.
    coordination = config["diffusion"]["coordination"]
    assert f"within {coordination['window_seconds']} s, at least {coordination['min_pair_repeats']} times" in text
    assert "{" not in text.split("## Statistics")[1]


def test_methods_and_summary_state_a_base_model_dates_only_and_fits_not_identified(config, repo):
    case = load_case(repo / "config/cases/miaoya_camera.yaml")
    adaptation = {"applied": False, "reason": "only 1 posts carry emoticons of one polarity (50 needed)",
                  "base_model": "results/models/sentiment", "adapted_model": "results/models/sentiment_adapted"}
    spread = spread_document(
        time_precision={"date_only_items": 40, "hourly_items": 65,
                        "reason": "40 of 105 items have only a date and are left out of the hourly analyses"},
        half_life={"hours": None, "ci95": [None, None], "status": "at bound",
                   "reason": "half-life at upper bound (the optimiser allows 0.14–6931 h)"},
        hawkes={"status": "poor fit", "reason": "time-rescaling KS p = 3e-21 < 0.01"})
    methods = methods_markdown(config, [case], {case.name: qc_document(40)}, {}, adaptation, {case.name: spread})
    assert "Domain adaptation was **not applied**: only 1 posts carry emoticons" in methods
    assert "`results/models/sentiment` scored the posts" in methods
    assert "40 of 105 analysed items carry only a date" in methods
    assert "p < 0.01" in methods and "poor fit" in methods
    timing = timing_table([case], [spread])
    summary = summary_markdown([case], {case.name: spread}, timing, pd.DataFrame(), {}, {})
    assert "6931" in summary and "Attention half-life not identified (at bound" in summary
    assert "Attention half-life 6931" not in summary
    assert "warning: poor fit (time-rescaling KS p = 3e-21 < 0.01" in summary
    assert "40 of them dated only to the day" in summary


def test_summary_without_an_onset_or_any_hourly_analysis_says_so(config, repo):
    case = load_case(repo / "config/cases/xhs_trik_ai.yaml")
    reason = "3000 of 3040 items have only a date; 40 timed items, 100 needed"
    unidentified = {"status": "not identified", "reason": reason}
    spread = spread_document(time_precision={**unidentified, "date_only_items": 3000},
                             onset={"time": None, **unidentified}, peak={"time": None, **unidentified},
                             half_life={"hours": None, **unidentified}, hawkes={"estimates": {}, **unidentified})
    timing = timing_table([case], [spread])
    summary = summary_markdown([case], {case.name: spread}, timing, pd.DataFrame(), {}, {})
    assert f"Onset, peak, half-life and self-excitation: not identified ({reason})" in summary
    assert "onset not detected, so no latency" in summary
    methods = methods_markdown(config, [case], {case.name: qc_document(3000)}, {}, None, {case.name: spread})
    assert "The hourly analyses: not identified" in methods


def test_summary_names_the_observed_peak_and_only_frames_that_occur(repo):
    """Seen on a real MediaCrawler export: a Hawkes fit at its bounds left the observed 3-hour peak, which the
    summary called 'expected'; and phases whose posts use no frame term listed frames at 0 %."""
    case = load_case(repo / "config/cases/xhs_trik_ai.yaml")
    spread = spread_document(
        peak={"items_per_hour": 26.3, "method": "hour of the highest 3-hour mean of the observed counts "
                                                "(the Hawkes fit is 'at bound')"},
        hawkes={"status": "at bound", "reason": "pulse_rise_hours at upper bound"})
    frames = pd.DataFrame({"phase": ["trigger"] * 3 + ["boycott"] * 2, "platform": "all",
                           "frame": ["copyright", "ai_training", "none", "copyright", "none"],
                           "share": [0.0, 0.004, 0.996, 0.0, 1.0]})
    summary = summary_markdown([case], {case.name: spread}, timing_table([case], [spread]), pd.DataFrame(),
                               {case.name: frames}, {})
    assert "(26 items/h observed, 3-hour mean)" in summary and "expected at the peak" not in summary
    assert "Phase trigger: most common frames ai_training 0.4 %." in summary
    assert "Phase boycott: no term of the frame lexicon occurs." in summary


def test_methods_show_the_human_labelled_tests_beside_the_baselines_and_say_adaptation_is_off():
    from firestorm.report import sentiment_method_lines

    def metrics(accuracy):
        return {"accuracy": accuracy, "macro_f1": accuracy - 0.1}

    evaluation = {"model": "results/models/sentiment", "architecture": "character-level BERT",
                  "distillation": {"teacher_labels": "data/sentiment/teacher_labels.parquet", "rows": 1000,
                                   "rows_by_source": {"smp2020_usual": 600, "weibo_unlabelled": 400},
                                   "teacher_weight": 0.5},
                  "tests": {"smp2020_usual_test": {"polarity": metrics(0.8), "binary_polarity": metrics(0.913),
                                                   "emotion": metrics(0.7)}},
                  "baselines": {"smp2020_usual_test": {"snownlp_bayes": {"binary_polarity": metrics(0.619)},
                                                       "pysenti_lexicon": {"binary_polarity": metrics(0.818)}}}}
    text = "\n".join(sentiment_method_lines(evaluation, None, {"neutral_band": [0.35, 0.65], "runtime": "onnx"}))
    assert "| SMP2020-EWECT general Weibo test | 0.800 | 0.700 | 0.913 | 0.600 | 0.619 | 0.818 |" in text
    assert "600 smp2020_usual, 400 weibo_unlabelled" in text
    assert "Emoticon adaptation is off" in text and "a trained neutral class" in text
    binary = "\n".join(sentiment_method_lines({"model": "hub/model"}, None, {"neutral_band": [0.4, 0.6]}))
    assert "neutral band [0.4, 0.6]" in binary


def test_methods_show_the_human_validation_or_the_power_of_the_planned_sample(repo):
    from firestorm.report import validation_lines

    case = load_case(repo / "config/cases/miaoya_camera.yaml")
    config = {"validation": {"sample_size": 300}, "demo": {"generate": True}}
    uncoded = {"coded": False, "power": {"planned_items": 300, "accuracy_ci95_half_width_at_75_percent": 0.049}}
    text = "\n".join(validation_lines([case], {case.name: uncoded}, config))
    assert "not coded yet" in text and "±0.049" in text and "**simulated**" in text
    coded = {"coded": True, "power": {}, "adjudication": {"ties": 4},
             "agreement": {"items": 300, "coders": ["coder_a", "coder_b"],
                           "krippendorff_alpha": {"estimate": 0.71, "ci95": [0.65, 0.77]},
                           "pairwise_cohen_kappa": [{"coders": ["coder_a", "coder_b"], "estimate": 0.7,
                                                     "ci95": [0.64, 0.76]}]},
             "model": {"accuracy": 0.8, "accuracy_ci95": [0.75, 0.85], "macro_f1": 0.7, "macro_f1_ci95": [0.6, 0.8],
                       "confusion_matrix": {"rows_true_columns_predicted": [[100, 5, 1], [10, 90, 3], [2, 4, 80]]}}}
    text = "\n".join(validation_lines([case], {case.name: coded}, config))
    assert "| 300 | 2 | 0.710 (0.650–0.770) | coder_a & coder_b 0.700 (0.640–0.760) | 0.800 (0.750–0.850) |" in text
    assert "[100, 5, 1]" in text
