"""Spread estimators recover what the demo generator planted."""

import numpy as np
import pandas as pd
import pytest

from firestorm.ingest import ingest_case
from firestorm.spread import daily_sentiment, hourly_counts, summarise_spread, wilson_interval


@pytest.fixture(scope="module")
def ingested(demo_corpus, key):
    return {name: (case, ingest_case(case, key)[0], truth) for name, (case, _, truth) in demo_corpus.items()}


@pytest.fixture(scope="module")
def summaries(ingested):
    return {name: summarise_spread(posts, case, bootstrap=30) for name, (case, posts, _) in ingested.items()}


@pytest.mark.parametrize("name", ["xhs_trik_ai", "miaoya_camera"])
def test_onset_peak_and_half_life_are_recovered(ingested, summaries, name):
    """The issue's tolerances: onset +-1 h, peak +-2 h, half-life +-15 %."""
    _, _, truth = ingested[name]
    summary = summaries[name]
    onset = pd.Timestamp(summary["onset"]["time"])
    assert abs((onset - pd.Timestamp(truth["onset"])).total_seconds()) <= 3600
    half_life = summary["half_life"]
    assert half_life["hours"] == pytest.approx(truth["decay_half_life_hours"], rel=0.15)
    assert half_life["ci95"][0] < half_life["hours"] < half_life["ci95"][1]
    peak = pd.Timestamp(summary["peak"]["time"])
    assert abs((peak - pd.Timestamp(truth["peak"])).total_seconds()) <= 2 * 3600


@pytest.mark.parametrize("name", ["xhs_trik_ai", "miaoya_camera"])
def test_hawkes_fit_recovers_the_planted_process(ingested, summaries, name):
    """Branching ratio +-0.1, kernel and pulse half-life +-15 %, and the time-rescaling test does not reject."""
    _, _, truth = ingested[name]
    hawkes = summaries[name]["hawkes"]
    estimates, ci = hawkes["estimates"], hawkes["ci95"]
    assert estimates["branching_ratio"] == pytest.approx(truth["branching_ratio"], abs=0.1)
    assert ci["branching_ratio"][0] < estimates["branching_ratio"] < ci["branching_ratio"][1]
    assert estimates["kernel_mean_hours"] == pytest.approx(truth["kernel_mean_hours"], rel=0.15)
    assert estimates["pulse_half_life_hours"] == pytest.approx(truth["decay_half_life_hours"], rel=0.15)
    assert hawkes["goodness_of_fit"]["ks_pvalue"] > 0.01


def test_hawkes_fit_on_a_pure_simulation_with_known_parameters():
    """The estimator alone, on a process simulated here: a misspecified fit would miss n = 0.6."""
    from firestorm.demo import simulate_hawkes
    from firestorm.spread import fit_hawkes

    rng = np.random.default_rng(3)
    minutes = np.arange(14 * 24 * 60)
    onset = 3 * 24 * 60
    since = minutes - onset
    pulse = np.where(since < 0, 0, np.where(since < 240, since / 240, np.exp(-np.log(2) / (20 * 60) * (since - 240))))
    mu = 0.01 + 2.0 * pulse
    arrivals = simulate_hawkes(rng, mu, branching_ratio=0.6, kernel_mean_minutes=45.0)
    start = pd.Timestamp("2024-01-01", tz="UTC")
    times = start + pd.to_timedelta(arrivals["minute"], unit="min")
    fit = fit_hawkes(pd.Series(times), start, start + pd.Timedelta(days=14), start + pd.Timedelta(minutes=onset))
    assert fit.branching_ratio == pytest.approx(0.6, abs=0.08)
    assert fit.kernel_mean_hours == pytest.approx(0.75, rel=0.2)
    assert fit.pulse_half_life_hours == pytest.approx(20, rel=0.15)
    assert fit.ci95["branching_ratio"][0] < 0.6 < fit.ci95["branching_ratio"][1]


def test_response_level_change_is_estimated_for_the_responding_case(ingested):
    case, posts, truth = ingested["miaoya_camera"]
    factor = summarise_spread(posts, case, bootstrap=10)["half_life"]["response_level_factor"]
    assert factor == pytest.approx(case.demo["response_volume_factor"], abs=0.2)


def test_hourly_counts_fill_empty_hours_and_sum_to_total(ingested):
    case, posts, _ = ingested["miaoya_camera"]
    table = hourly_counts(posts, case.window_start, case.window_end, by=["platform"])
    hours = (case.window_end - case.window_start) / pd.Timedelta(hours=1)
    assert len(table) == hours
    assert table.to_numpy().sum() == len(posts)


def test_wilson_interval_matches_the_textbook_value():
    low, high = wilson_interval(np.array([8]), np.array([10]))
    assert low[0] == pytest.approx(0.4902, abs=1e-4) and high[0] == pytest.approx(0.9433, abs=1e-4)


def test_daily_sentiment_shares_sum_to_one():
    posts = pd.DataFrame({"post_id": ["a", "b", "c"], "platform": "weibo",
                          "created_at": pd.to_datetime(["2023-07-31 01:00", "2023-07-31 02:00", "2023-07-31 20:00"], utc=True)})
    sentiment = pd.DataFrame({"post_id": ["a", "b", "c"], "label": ["negative", "positive", "negative"]})
    daily = daily_sentiment(posts, sentiment, "Asia/Shanghai")
    assert list(daily["items"]) == [2, 1]  # 20:00 UTC is the next day in Beijing
    shares = daily[["negative_share", "neutral_share", "positive_share"]].sum(axis=1)
    assert np.allclose(shares, 1.0)
