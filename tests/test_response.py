"""Response timing: latencies for responders, right-censoring for silent companies."""

import numpy as np
import pandas as pd
import pytest

from firestorm.config import load_case
from firestorm.response import (CODED_SHARE_CHANGE, CORRECTED_SHARE_CHANGE, HUMAN_CORRECTED_SHARE_CHANGE,
                                human_test_confusion,
                                is_counterfactual, summary_lines, timing_table, unanswered_curve)


def spread_stub(onset, peak):
    return {"onset": {"time": onset}, "peak": {"time": peak}}


@pytest.fixture
def timing(repo):
    cases = [load_case(repo / "config/cases/xhs_trik_ai.yaml"), load_case(repo / "config/cases/miaoya_camera.yaml")]
    spreads = [spread_stub("2023-07-31T01:00:00+00:00", "2023-07-31T09:00:00+00:00"),
               spread_stub("2023-07-20T02:00:00+00:00", "2023-07-20T10:00:00+00:00")]
    return timing_table(cases, spreads)


def test_silent_company_is_censored_not_given_a_latency(timing):
    xhs = timing.set_index("case").loc["xhs_trik_ai"]
    assert not xhs["responded"] and pd.isna(xhs["onset_to_response_h"])
    assert xhs["onset_to_censoring_h"] == pytest.approx((pd.Timestamp("2023-08-25T16:00:00Z")
                                                         - pd.Timestamp("2023-07-31T01:00:00Z")).total_seconds() / 3600)


def test_responding_company_latencies(timing):
    miaoya = timing.set_index("case").loc["miaoya_camera"]
    assert miaoya["onset_to_response_h"] == pytest.approx(24.0)
    assert miaoya["peak_to_response_h"] == pytest.approx(16.0)
    assert pd.isna(miaoya["onset_to_censoring_h"])


def test_unanswered_curve_drops_at_responses_only(timing):
    curve = unanswered_curve(timing)
    assert curve["share_unanswered"].tolist() == [1.0, 0.5, 0.5]
    assert curve["censored"].tolist() == [False, False, True]


def test_summary_states_the_contrast_with_numbers(timing):
    text = "\n".join(summary_lines(timing))
    assert "responded 24.0 h after onset" in text
    assert "no public response" in text and "right-censored" in text


# ------------------------------------------------------------------------------- on a generated corpus
def oracle_sentiment(posts):
    """The planted sentiment of each demo item, read back from its sentiment sentence: tests the estimators
    without the classifier's errors (the model's own effect on the result is reported by the pipeline)."""
    from firestorm.demo import load_phrases

    sentences = load_phrases()["sentiments"]
    labels = []
    for text in posts["text"].fillna(""):
        own = text.split("//@")[0]
        found = [label for label, options in sentences.items() if any(option in own for option in options)]
        labels.append(found[0] if found else "neutral")
    return pd.DataFrame({"post_id": posts["post_id"], "label": labels})


@pytest.fixture(scope="module")
def demo_study(demo_corpus, key, repo):
    from firestorm.discourse import load_frames
    from firestorm.ingest import ingest_case
    from firestorm.response import detect_response
    from firestorm.spread import summarise_spread

    cases, spreads, posts, sentiment, detected, truths = [], [], {}, {}, [], {}
    for name, (case, _, truth) in demo_corpus.items():
        frame = ingest_case(case, key)[0]
        cases.append(case)
        spreads.append(summarise_spread(frame, case, bootstrap=10))
        posts[name], sentiment[name], truths[name] = frame, oracle_sentiment(frame), truth
        detected.append(detect_response(frame, case, load_frames(repo / "data/lexicon/frames.yaml", case)["response"]))
    return timing_table(cases, spreads, detected), posts, sentiment, truths


def test_response_is_found_in_the_data_and_agrees_with_the_timeline(demo_study):
    timing, posts, _, truths = demo_study
    miaoya = timing.set_index("case").loc["miaoya_camera"]
    assert miaoya["response_check"] == "timeline and data agree"
    assert abs(miaoya["detected_minus_timeline_h"]) <= 1
    assert miaoya["onset_to_response_h"] == pytest.approx(truths["miaoya_camera"]["onset_to_response_hours"], abs=1)
    xhs = timing.set_index("case").loc["xhs_trik_ai"]
    assert not xhs["responded"] and pd.isna(xhs["response_detected"]) and pd.isna(xhs["onset_to_response_h"])
    # The official promotion before the trigger is not mistaken for a response.
    assert posts["miaoya_camera"]["is_official"].sum() >= 2


def test_interrupted_time_series_recovers_the_planted_response_effect(demo_study, demo_corpus):
    from firestorm.response import response_effects

    timing, posts, sentiment, truths = demo_study
    effects, _ = response_effects(timing, posts, sentiment)
    rows = effects.set_index(["case", "measure"])
    planted = truths["miaoya_camera"]["negative_share"]
    planted_drop = planted["after_response"] - planted["after"]
    negative = rows.loc[("miaoya_camera", "level change, share points")]
    assert negative["estimate"] < 0 and negative["ci95_low"] <= planted_drop <= negative["ci95_high"]
    volume = rows.loc[("miaoya_camera", "level change, rate ratio")]
    planted_factor = demo_corpus["miaoya_camera"][0].demo["response_volume_factor"]
    assert volume["ci95_low"] <= planted_factor <= volume["ci95_high"]
    # The silent case is compared at the matched time, labelled as a counterfactual, and shows no jump.
    placebo = rows.loc[("xhs_trik_ai", "level change, share points")]
    assert "counterfactual" in placebo["interruption_kind"]
    assert placebo["ci95_low"] <= 0 <= placebo["ci95_high"]


def test_compare_responses_runs_the_stage_on_the_upstream_files(demo_study, demo_corpus, repo, tmp_path):
    """The stage function reads the files the upstream stages wrote and gives what the parts give, with the
    held-out table split per case into the posts that measure the classifier's errors."""
    from firestorm.response import compare_responses, response_effects
    from firestorm.spread import timed_items

    timing, posts, sentiment, _ = demo_study
    cases = [demo_corpus[name][0] for name in timing["case"]]
    stamp = lambda value: None if pd.isna(value) else pd.Timestamp(value).isoformat()  # noqa: E731
    spreads = [spread_stub(stamp(row.onset), stamp(row.peak)) for row in timing.itertuples()]
    files = {}
    for name in timing["case"]:
        files[name] = (tmp_path / f"{name}_posts.parquet", tmp_path / f"{name}_sentiment.parquet")
        posts[name].to_parquet(files[name][0])
        sentiment[name].to_parquet(files[name][1])
    held_out = pd.concat([sentiment[name].head(500).rename(columns={"label": "true_label"}).assign(case=name)
                          for name in timing["case"]], ignore_index=True)[["case", "post_id", "true_label"]]
    result = compare_responses(cases, spreads, [files[c.name][0] for c in cases], [files[c.name][1] for c in cases],
                               repo / "data/lexicon/frames.yaml", held_out, pre_hours=24, post_hours=48)
    pd.testing.assert_frame_equal(result.timing, timing)
    validation = {name: rows[["post_id", "true_label"]].reset_index(drop=True)
                  for name, rows in held_out.groupby("case", sort=False)}
    expected, fits = response_effects(timing, {name: timed_items(frame) for name, frame in posts.items()}, sentiment,
                                      validation=validation)
    pd.testing.assert_frame_equal(result.effects, expected)
    assert (result.effects["measure"] == CORRECTED_SHARE_CHANGE).sum() == len(cases)
    assert not result.effects["measure"].str.contains("human-labelled").any()   # no evaluation given
    # With the scoring model's eval.json, the correction is also made with its human-labelled test confusion.
    confusion = [[800, 150, 50], [100, 700, 200], [40, 160, 800]]
    evaluation = {"tests": {"smp2020_usual_test": {"polarity": {"confusion_matrix": {
        "labels": ["negative", "neutral", "positive"], "rows_true_columns_predicted": confusion}}}}}
    # And with a hand-coded sample (weights of a stratified sample), with the study's own human codes.
    coded = {name: rows[["post_id", "true_label"]].assign(weight=2.0).reset_index(drop=True)
             for name, rows in held_out.groupby("case", sort=False)}
    with_tests = compare_responses(cases, spreads, [files[c.name][0] for c in cases],
                                   [files[c.name][1] for c in cases], repo / "data/lexicon/frames.yaml", held_out,
                                   pre_hours=24, post_hours=48, evaluation=evaluation, coded_posts=coded,
                                   strategies_file=repo / "data/lexicon/response_strategies.yaml")
    # The literature's measures ride along in the timing table, read from the planted statement and timeline.
    measures = with_tests.timing.set_index("case")
    truth = {name: demo_corpus[name][2] for name in measures.index}
    miaoya, trik = measures.loc["miaoya_camera"], measures.loc["xhs_trik_ai"]
    assert miaoya["response_strategy"] == truth["miaoya_camera"]["response_strategy"] == "rebuild"
    assert miaoya["bolstering"] is True and "致歉" in miaoya["strategy_terms"]
    assert miaoya["response_channel"] == "statement (own post)" and miaoya["response_platform"] in {"weibo",
                                                                                                  "xiaohongshu"}
    assert miaoya["response_bin_from_onset"] == "≤24 h" or miaoya["onset_to_response_h"] > 24
    assert miaoya["response_stage"] == "after the peak" and 0.3 < miaoya["volume_share_at_response"] < 1
    assert trik["response_bin_from_trigger"] == trik["response_bin_from_onset"] == "censored (no response in " \
                                                                                  "the data window)"
    assert trik["response_strategy"] == "no response" and np.isnan(trik["volume_share_at_response"])
    assert "SCCT strategy: rebuild with bolstering" in with_tests.summary_markdown()
    pd.testing.assert_frame_equal(with_tests.timing[timing.columns], timing)
    human = with_tests.effects[with_tests.effects["measure"] == HUMAN_CORRECTED_SHARE_CHANGE].set_index("case")
    assert len(human) == len(cases)
    assert human_test_confusion(evaluation).tolist() == confusion
    expected_with_tests, _ = response_effects(timing, {name: timed_items(frame) for name, frame in posts.items()},
                                              sentiment, validation=validation, test_confusion=np.array(confusion),
                                              coded=coded)
    from_codes = with_tests.effects[with_tests.effects["measure"] == CODED_SHARE_CHANGE].set_index("case")
    emoticon = with_tests.effects[with_tests.effects["measure"] == CORRECTED_SHARE_CHANGE].set_index("case")
    # Equal weights rescaled to the number of posts: the same correction as the unweighted validation posts
    # (here too few of those 500 posts fall in the window: both say so, in their own words).
    for case in emoticon.index:
        assert np.allclose(from_codes.loc[case, ["estimate", "ci95_low", "ci95_high"]].to_numpy(dtype=float),
                           emoticon.loc[case, ["estimate", "ci95_low", "ci95_high"]].to_numpy(dtype=float),
                           equal_nan=True)
        assert from_codes.loc[case, "status"] == emoticon.loc[case, "status"].replace(
            "emoticon-labelled validation posts", "hand-coded sample posts")
    pd.testing.assert_frame_equal(with_tests.effects, expected_with_tests)
    assert human.loc["miaoya_camera", "status"] == "ok" and not np.isnan(human.loc["miaoya_camera", "estimate"])
    assert set(result.fits) == set(fits) and set(result.aligned["case"]) <= set(timing["case"])
    summary = result.summary_markdown()
    assert summary.startswith("# Response timing: findings") and "interrupted time series" in summary
    kinds = dict(zip(result.effects["case"], result.effects["interruption_kind"]))
    assert not is_counterfactual(kinds["miaoya_camera"]) and is_counterfactual(kinds["xhs_trik_ai"])


def test_glm_recovers_known_coefficients():
    import numpy as np

    from firestorm.its import fit_glm, its_design

    rng = np.random.default_rng(1)
    hours = np.arange(-48, 48) + 0.5
    X = its_design(hours, 0.0)
    truth = np.array([3.0, -0.02, -0.7, 0.01])
    y = rng.poisson(np.exp(X @ truth))
    fit = fit_glm(X, y, "poisson")
    assert np.all(np.abs(fit.coefficients - truth) < 3 * fit.standard_errors)
    trials = np.full(len(hours), 200)
    p = 1 / (1 + np.exp(-(X @ np.array([0.5, 0.0, -1.0, 0.0]))))
    fit = fit_glm(X, rng.binomial(trials, p), "binomial", trials)
    assert fit.coefficients[2] == pytest.approx(-1.0, abs=0.25)


def test_fit_glm_matches_statsmodels_quasi_poisson_and_quasi_binomial():
    """fit_glm is statsmodels' GLM with the Pearson scale (scale="X2"), floored at 1 (no underdispersion)."""
    import numpy as np
    import statsmodels.api as sm

    from firestorm.its import fit_glm, its_design

    rng = np.random.default_rng(7)
    hours = np.arange(-30, 30) + 0.5
    X = its_design(hours, 0.0)
    mean = np.exp(X @ np.array([2.5, -0.03, 0.6, 0.02]))
    overdispersed = rng.negative_binomial(3, 3 / (3 + mean))          # variance well above the mean
    trials = rng.integers(20, 120, len(hours))
    p = 1 / (1 + np.exp(-(X @ np.array([-0.4, 0.01, 0.5, -0.02]))))
    shares = rng.binomial(trials, rng.beta(8 * p, 8 * (1 - p)))         # extra-binomial variation
    cases = [(overdispersed, "poisson", None, sm.families.Poisson()),
             (shares, "binomial", trials, sm.families.Binomial())]
    for y, family, n, sm_family in cases:
        ours = fit_glm(X, y, family, n)
        # Binomial: shares with the trials as variance weights (statsmodels' two-column form leaves the
        # trials out of its Pearson scale).
        theirs = (sm.GLM(y, X, family=sm_family) if n is None
                  else sm.GLM(y / n, X, family=sm_family, var_weights=n)).fit(scale="X2", tol=1e-12)
        assert theirs.scale > 1 and ours.dispersion == pytest.approx(theirs.scale, rel=1e-6)
        assert ours.coefficients == pytest.approx(theirs.params, rel=1e-6, abs=1e-10)
        assert ours.standard_errors == pytest.approx(theirs.bse, rel=1e-6)
        assert ours.covariance == pytest.approx(theirs.cov_params(), rel=1e-6, abs=1e-14)
        assert ours.fitted == pytest.approx(theirs.fittedvalues * (1 if n is None else n), rel=1e-6)
    # Underdispersed counts: the Pearson scale is below 1 and fit_glm keeps the model (Poisson) variance.
    steady = rng.binomial(2 * np.round(np.exp(X @ np.array([3.0, 0.0, 0.2, 0.0]))).astype(int), 0.5)   # var = mean / 2
    ours = fit_glm(X, steady, "poisson")
    theirs = sm.GLM(steady, X, family=sm.families.Poisson()).fit(scale=1.0, tol=1e-12)
    assert ours.dispersion == 1.0
    assert ours.standard_errors == pytest.approx(theirs.bse, rel=1e-6)


def certain_fit(coefficients):
    """A share fit with these coefficients and tiny uncertainty (what corrected_share_change reads)."""
    import numpy as np

    from firestorm.its import GLMFit

    covariance = np.eye(4) * 1e-8
    return GLMFit(coefficients=np.array(coefficients, dtype=float), standard_errors=np.sqrt(np.diag(covariance)),
                  covariance=covariance, dispersion=1.0, fitted=np.empty(0))


def test_confusion_correction_recovers_true_shares_from_misread_labels():
    """Labels from a classifier that calls most neutral posts negative: the raw drop in the negative share is
    attenuated, the corrected one is the true one (M known exactly here: huge confusion counts)."""
    import numpy as np

    from firestorm.its import corrected_share_change

    matrix = np.array([[0.9, 0.07, 0.03], [0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    true_before, true_after = np.array([0.65, 0.25, 0.10]), np.array([0.35, 0.40, 0.25])
    observed_before, observed_after = matrix.T @ true_before, matrix.T @ true_after

    def fit_at(before, after):   # a segmented fit whose level is exactly these shares, with tiny uncertainty
        logit = lambda p: np.log(p / (1 - p))  # noqa: E731
        return certain_fit([logit(before), 0.0, logit(after) - logit(before), 0.0])

    fits = {"negative": fit_at(observed_before[0], observed_after[0]),
            "positive": fit_at(observed_before[2], observed_after[2])}
    result = corrected_share_change(fits, matrix * 1e6, draws=200)
    assert observed_after[0] - observed_before[0] == pytest.approx(-0.15)   # what the labels say
    assert result["estimate"] == pytest.approx(-0.30, abs=0.005)                      # what was true
    assert result["ci95"][0] <= -0.30 <= result["ci95"][1]


def test_confusion_measured_per_segment_when_the_classifier_misreads_more_after_the_response():
    """After a response people discuss it in words the classifier reads as negative: its neutral row shifts.
    One matrix for the whole window misses the drop; the matrices measured before and after recover it."""
    import numpy as np

    from firestorm.its import corrected_share_change
    from firestorm.metrics import confusion_counts

    before = np.array([[0.9, 0.07, 0.03], [0.5, 0.3, 0.2], [0.05, 0.05, 0.9]])
    after = np.array([[0.9, 0.07, 0.03], [0.7, 0.2, 0.1], [0.05, 0.05, 0.9]])
    true_before, true_after = np.array([0.65, 0.25, 0.10]), np.array([0.35, 0.40, 0.25])
    observed_before, observed_after = before.T @ true_before, after.T @ true_after
    logit = lambda p: np.log(p / (1 - p))  # noqa: E731
    fits = {label: certain_fit([logit(observed_before[i]), 0.0,
                                logit(observed_after[i]) - logit(observed_before[i]), 0.0])
            for label, i in (("negative", 0), ("positive", 2))}
    per_segment = corrected_share_change(fits, before * 1e6, after * 1e6, draws=200)
    pooled = corrected_share_change(fits, (before + after) * 1e6, draws=200)
    assert per_segment["estimate"] == pytest.approx(-0.30, abs=0.005)
    assert abs(pooled["estimate"] + 0.30) > 0.05
    # The counts come from (true, predicted) label pairs; unknown labels are not counted.
    counts = confusion_counts(pd.Series(["negative", "neutral", "neutral", None]),
                              pd.Series(["negative", "negative", "neutral", "positive"]))
    assert counts.tolist() == [[1, 0, 0], [1, 1, 0], [0, 0, 0]]


def test_predictive_values_from_a_sample_of_each_segment_recover_the_change_with_a_narrower_interval():
    """A coding sample random within each predicted label: P(true | label) measured on each side recovers the
    true change, and, with the same 60 coded posts a side, more tightly than inverting the confusion matrix."""
    import numpy as np

    from firestorm.its import INVERSION, PREDICTIVE, corrected_share_change

    before = np.array([[0.9, 0.07, 0.03], [0.5, 0.3, 0.2], [0.05, 0.05, 0.9]])
    after = np.array([[0.9, 0.07, 0.03], [0.7, 0.2, 0.1], [0.05, 0.05, 0.9]])
    true_before, true_after = np.array([0.65, 0.25, 0.10]), np.array([0.35, 0.40, 0.25])
    logit = lambda p: np.log(p / (1 - p))  # noqa: E731
    observed_before, observed_after = before.T @ true_before, after.T @ true_after
    fits = {label: certain_fit([logit(observed_before[i]), 0.0,
                                logit(observed_after[i]) - logit(observed_before[i]), 0.0])
            for label, i in (("negative", 0), ("positive", 2))}
    # Joint (true, label) shares of a segment: the counts a random sample of it gives, exactly and at n = 60.
    joint_before, joint_after = true_before[:, None] * before, true_after[:, None] * after
    exact = corrected_share_change(fits, joint_before * 1e6, joint_after * 1e6, draws=200, method=PREDICTIVE)
    assert exact["estimate"] == pytest.approx(-0.30, abs=0.005)
    small = {method: corrected_share_change(fits, joint_before * 60, joint_after * 60, draws=1000, method=method)
             for method in (INVERSION, PREDICTIVE)}
    widths = {method: result["ci95"][1] - result["ci95"][0] for method, result in small.items()}
    assert small[PREDICTIVE]["ci95"][0] <= -0.30 <= small[PREDICTIVE]["ci95"][1]
    assert widths[PREDICTIVE] < 0.8 * widths[INVERSION], widths
    with pytest.raises(ValueError, match="unknown correction method"):
        corrected_share_change(fits, joint_before, method="magic")


# ------------------------------------------------------------------------- what cannot be estimated
def sparse_case_posts(case, items_around_response: int, seed: int = 0, spread_out: bool = True):
    """Posts scattered around the response (only after it unless ``spread_out``): posts and their labels."""
    import numpy as np

    rng = np.random.default_rng(seed)
    hours = rng.uniform(-14, 40, items_around_response) if spread_out else rng.uniform(0, 40, items_around_response)
    times = case.response_time + pd.to_timedelta(hours, unit="h")
    posts = pd.DataFrame({"post_id": [f"p{i}" for i in range(len(times))], "platform": "weibo",
                          "created_at": pd.Series(times, dtype="datetime64[ns, UTC]")})
    sentiment = pd.DataFrame({"post_id": posts["post_id"], "label": rng.choice(["negative", "positive"], len(times))})
    return posts, sentiment


def test_a_sparse_response_window_is_not_estimable_instead_of_a_singular_matrix(repo):
    from firestorm.response import EFFECT_COLUMNS, ITS_MIN_ITEMS, effect_lines, response_effects

    case = load_case(repo / "config/cases/miaoya_camera.yaml")
    spreads = [spread_stub("2023-07-20T02:00:00+00:00", "2023-07-20T10:00:00+00:00")]
    timing = timing_table([case], spreads)
    posts, sentiment = sparse_case_posts(case, 7, spread_out=False)   # all after: a singular design before
    validation = pd.DataFrame({"post_id": posts["post_id"][:2], "true_label": "negative"})
    effects, fits = response_effects(timing, {case.name: posts}, {case.name: sentiment},
                                     validation={case.name: validation})
    assert list(effects.columns) == EFFECT_COLUMNS
    assert len(effects) == 6 and effects["estimate"].isna().all() and effects["ci95_low"].isna().all()
    assert effects["status"].str.startswith("not estimable: 7 items in the window, "
                                            f"{ITS_MIN_ITEMS} needed").any()
    assert fits[case.name]["status"].startswith("not estimable")
    text = "\n".join(effect_lines(effects))
    assert "not estimable" in text and "factor of" not in text and "points" not in text


def test_a_singular_fit_is_not_estimable(repo):
    """Enough items, but every one in the same two hours on each side: the slope cannot be estimated."""
    import numpy as np

    from firestorm.its import estimable_glm, its_design

    hours = np.arange(-24, 48) + 0.5
    X = its_design(hours, 0.0)
    X[:, 3] = X[:, 2] * 0   # a column of zeros: the design is singular
    fit, status = estimable_glm(X, np.ones(len(hours)), "poisson")
    assert fit is None and status.startswith("not estimable: singular or non-finite fit")


def test_too_few_validation_posts_skip_the_misclassification_correction_with_a_reason(repo):
    import numpy as np

    from firestorm.response import CORRECTED_SHARE_CHANGE, effect_lines, response_effects

    case = load_case(repo / "config/cases/miaoya_camera.yaml")
    timing = timing_table([case], [spread_stub("2023-07-20T02:00:00+00:00", "2023-07-20T10:00:00+00:00")])
    posts, sentiment = sparse_case_posts(case, 3000)
    effects, _ = response_effects(timing, {case.name: posts}, {case.name: sentiment},
                                  validation={case.name: pd.DataFrame(columns=["post_id", "true_label"])})
    rows = effects.set_index("measure")
    assert rows.loc["level change, rate ratio", "status"] == "ok"
    corrected = rows.loc[CORRECTED_SHARE_CHANGE]
    assert corrected["status"].startswith("skipped: 0 emoticon-labelled validation posts")
    assert np.isnan(corrected["estimate"])
    text = "\n".join(effect_lines(effects))
    assert "factor of" in text and "the correction for misclassification was skipped" in text


def test_a_study_where_no_case_responded_and_no_onset_was_detected_still_reports(repo):
    """No responder: no matched time; no onset: no latency. Words, never strftime on NaT."""
    from firestorm.response import response_effects

    case = load_case(repo / "config/cases/xhs_trik_ai.yaml")
    timing = timing_table([case], [spread_stub(None, None)])
    text = "\n".join(summary_lines(timing))
    assert "onset not detected" in text and "right-censored" in text
    assert unanswered_curve(timing)["hours"].tolist() == [0.0]
    effects, fits = response_effects(timing, {case.name: pd.DataFrame(columns=["post_id", "created_at"])},
                                     {case.name: pd.DataFrame(columns=["post_id", "label"])})
    assert effects["status"].str.contains("no responding case has a known onset-to-response latency").all()
    assert effects["estimate"].isna().all()
    assert fits[case.name]["series"] is None


def test_a_share_no_item_carries_is_not_estimable_rather_than_a_zero_change(repo):
    """A classifier that calls every post neutral: the negative share's logit runs off to -inf and the fit
    would print '+0.0 points (-0.0 to +0.0)'. Volume is still estimated."""
    from firestorm.response import CORRECTED_SHARE_CHANGE, effect_lines, response_effects

    case = load_case(repo / "config/cases/miaoya_camera.yaml")
    timing = timing_table([case], [spread_stub("2023-07-20T02:00:00+00:00", "2023-07-20T10:00:00+00:00")])
    posts, sentiment = sparse_case_posts(case, 3000)
    sentiment["label"] = "neutral"
    validation = pd.DataFrame({"post_id": posts["post_id"], "true_label": "negative"})
    effects, _ = response_effects(timing, {case.name: posts}, {case.name: sentiment},
                                  validation={case.name: validation})
    rows = effects.set_index("measure")
    assert rows.loc["level change, rate ratio", "status"] == "ok"
    assert rows.loc["level change, share points", "status"].startswith(
        "not estimable: 0 of 3000 scored items in the window are labelled negative")
    assert rows.loc[CORRECTED_SHARE_CHANGE, "status"].startswith("skipped: negative share not estimable")
    text = "\n".join(effect_lines(effects))
    assert "+0.0 points" not in text and "labelled negative is not estimable" in text


def test_weighted_validation_posts_give_a_confusion_matrix_of_their_own_size():
    """A stratified coding sample over-samples rare predicted labels; its weights undo that, and the counts are
    rescaled so that the correction's uncertainty rests on the posts actually coded."""
    from firestorm.its import segment_confusion

    start = pd.Timestamp("2023-07-20", tz="UTC")
    posts = pd.DataFrame({"post_id": list("abcd"), "created_at": [start + pd.Timedelta(hours=h) for h in (1, 2, 5, 6)]})
    sentiment = pd.DataFrame({"post_id": list("abcd"), "label": ["negative", "positive", "negative", "negative"]})
    coded = pd.DataFrame({"post_id": list("abcd"), "true_label": ["negative"] * 4, "weight": [3.0, 1.0, 1.0, 1.0]})
    confusion = segment_confusion(coded, posts, sentiment, start, start + pd.Timedelta(hours=4),
                                  start + pd.Timedelta(hours=8))
    assert confusion["before"][0].tolist() == pytest.approx([1.5, 0, 0.5])   # 3:1 weights, 2 posts
    assert confusion["after"][0].tolist() == pytest.approx([2, 0, 0])
    unweighted = segment_confusion(coded.drop(columns="weight"), posts, sentiment, start,
                                   start + pd.Timedelta(hours=4), start + pd.Timedelta(hours=8))
    assert unweighted["before"][0].tolist() == [1, 0, 1]
