"""Spread estimators recover what the demo generator planted."""

import numpy as np
import pandas as pd
import pytest

from firestorm.ingest import ingest_case
from firestorm.metrics import wilson_interval
from firestorm.spread import daily_sentiment, hourly_counts, summarise_spread


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
    from firestorm.demo.simulate import simulate_hawkes
    from firestorm.hawkes import fit_hawkes

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
                          "created_at": pd.to_datetime(["2023-07-31 01:00", "2023-07-31 02:00", "2023-07-31 20:00"],
                                                       utc=True)})
    sentiment = pd.DataFrame({"post_id": ["a", "b", "c"], "label": ["negative", "positive", "negative"]})
    daily = daily_sentiment(posts, sentiment, "Asia/Shanghai")
    assert list(daily["items"]) == [2, 1]  # 20:00 UTC is the next day in Beijing
    shares = daily[["negative_share", "neutral_share", "positive_share"]].sum(axis=1)
    assert np.allclose(shares, 1.0)


# ------------------------------------------------------------------------ precision and fit statuses
def burst_posts(case, items: int = 3000, seed: int = 0, date_only: int = 0) -> pd.DataFrame:
    """A burst a day after the trigger decaying with a 24 h half-life, plus ``date_only`` items whose export
    gave only the day (stamped at local midnight, as ingest stores a bare date)."""
    rng = np.random.default_rng(seed)
    start = case.first_event_time("trigger") + pd.Timedelta(hours=6)
    times = start + pd.to_timedelta(rng.exponential(24 / np.log(2), items), unit="h")
    times = times[times < case.window_end]
    days = (pd.Series(start + pd.to_timedelta(rng.exponential(24 / np.log(2), date_only), unit="h"))
            .dt.tz_convert(case.timezone).dt.normalize().dt.tz_convert("UTC"))
    created = pd.Series(list(times) + list(days), dtype="datetime64[ns, UTC]")
    n = len(created)
    return pd.DataFrame({"post_id": [f"p{i}" for i in range(n)], "platform": "weibo", "kind": "post",
                         "created_at": created, "author": [f"a{i % 50}" for i in range(n)],
                         "likes": 1, "comments": 0, "shares": 0,
                         "time_precision": ["second"] * len(times) + ["day"] * date_only})


@pytest.fixture(scope="module")
def miaoya(repo):
    from firestorm.config import load_case

    return load_case(repo / "config/cases/miaoya_camera.yaml")


def test_a_table_without_time_precision_counts_every_item_as_precise(tmp_path):
    from firestorm.spread import precise_enough, read_posts

    old = pd.DataFrame({"post_id": ["a", "b"], "created_at": pd.to_datetime(["2023-07-20", "2023-07-21"], utc=True)})
    assert precise_enough(old).tolist() == [True, True]
    new = old.assign(time_precision=pd.array(["minute", None], dtype="string"))
    assert precise_enough(new).tolist() == [True, False]
    old.to_parquet(tmp_path / "old.parquet")
    new.to_parquet(tmp_path / "new.parquet")
    assert list(read_posts(tmp_path / "old.parquet", ["post_id"]).columns) == ["post_id"]
    assert list(read_posts(tmp_path / "new.parquet", ["post_id"]).columns) == ["post_id", "time_precision"]


def test_items_with_only_a_date_are_left_out_of_the_hourly_analyses(miaoya):
    """Midnight piles of dated-only items must not make an onset or a peak; spread.json says how many left."""
    posts = burst_posts(miaoya, items=3000, date_only=2000)
    summary = summarise_spread(posts, miaoya, bootstrap=5)
    precision = summary["time_precision"]
    assert precision["date_only_items"] == 2000 and precision["hourly_items"] == len(posts) - 2000
    assert precision["status"] == "ok" and "2000 of" in precision["reason"]
    peak = pd.Timestamp(summary["peak"]["time"]).tz_convert(miaoya.timezone)
    assert not (peak.hour == 0 and peak.minute < 30), "the peak is not a midnight pile"
    assert summary["hawkes"]["items"] == len(posts) - 2000
    assert summary["half_life"]["hours"] == pytest.approx(24, rel=0.2)


def test_hourly_analyses_are_not_identified_when_most_items_have_only_a_date(miaoya):
    from firestorm.spread import analyse_spread, status_notes

    posts = burst_posts(miaoya, items=40, date_only=3000)
    summary, fit = analyse_spread(posts, miaoya, bootstrap=5)
    assert fit is None
    for key in ("onset", "peak", "half_life", "hawkes"):
        assert summary[key]["status"] == "not identified", key
        assert f"3000 of {len(posts)} items have only a date" in summary[key]["reason"]
    assert summary["onset"]["time"] is None and summary["half_life"]["hours"] is None
    assert status_notes(summary) == [f"onset, peak, half-life and Hawkes process: not identified "
                                     f"({summary['time_precision']['reason']})"]


def test_a_decay_the_window_cannot_resolve_is_at_bound_not_a_half_life():
    """A flat series has no decay: the optimiser runs to k's lower bound (half-life ln 2 / 1e-4 = 6931 h)."""
    from firestorm.spread import fit_decay

    hours = pd.date_range("2023-07-01", periods=200, freq="h", tz="UTC")
    flat = pd.Series(np.random.default_rng(0).poisson(20, 200).astype(float), index=hours)
    fit = fit_decay(flat, hours[0], 1.0, bootstrap=20)
    assert fit.status["status"] == "at bound" and "6931" in fit.status["reason"]
    few = fit_decay(pd.Series(np.r_[5.0, 2.0, 1.0, np.zeros(197)], index=hours), hours[0], 0.1, bootstrap=5)
    assert few.status["status"] == "too few items"


def test_hawkes_status_flags_bounds_and_a_rejected_time_rescaling_test(miaoya):
    from dataclasses import replace

    from firestorm.hawkes import fit_hawkes
    from firestorm.spread import KS_POOR_FIT_P, hawkes_status

    posts = burst_posts(miaoya, items=1500)
    fit = fit_hawkes(posts["created_at"], miaoya.window_start, miaoya.window_end,
                     miaoya.first_event_time("trigger"), miaoya.response_time)
    poor = hawkes_status(replace(fit, ks_pvalue=3e-21, at_bound=()))
    assert poor["status"] == "poor fit" and f"< {KS_POOR_FIT_P}" in poor["reason"]
    bound = hawkes_status(replace(fit, ks_pvalue=0.5, at_bound=("branching_ratio at upper bound",)))
    assert bound == {"status": "at bound", "reason": "branching_ratio at upper bound"}
    # A platform's background at its floor means no background: not a failed fit.
    assert hawkes_status(replace(fit, ks_pvalue=0.5, at_bound=("background_per_hour[weibo] at lower bound",))) == {
        "status": "ok", "reason": ""}
    assert hawkes_status(replace(fit, items=40))["status"] == "too few items"


def test_emotion_shares_per_day_and_phase_carry_every_emotion_with_wilson_intervals(demo_corpus):
    from firestorm.sentiment import EMOTIONS
    from firestorm.spread import emotion_shares, emotion_tables

    frame = pd.DataFrame({"day": ["d1", "d1", "d1", "d2"], "emotion": ["angry", "angry", "happy", None]})
    table = emotion_shares(frame, ["day"])
    assert len(table) == len(EMOTIONS)          # d2 has no scored item; d1 gets a row for every emotion
    angry = table.set_index("emotion").loc["angry"]
    assert (angry["posts"], angry["items"]) == (2, 3) and angry["share"] == pytest.approx(2 / 3)
    low, high = wilson_interval(np.array([2]), np.array([3]))
    assert (angry["low"], angry["high"]) == pytest.approx((low[0], high[0]))
    assert table.groupby("day")["share"].sum().tolist() == pytest.approx([1.0])
    assert emotion_shares(frame.assign(emotion=None), ["day"]).empty     # a model without an emotion head

    case = demo_corpus["miaoya_camera"][0]
    start = case.first_event_time("trigger")
    posts = pd.DataFrame({"post_id": ["a", "b", "c"],
                          "created_at": [start - pd.Timedelta(hours=1), start + pd.Timedelta(hours=1),
                                         start + pd.Timedelta(hours=2)]})
    sentiment = pd.DataFrame({"post_id": ["a", "b", "c"], "emotion": ["neutral", "angry", "sad"]})
    daily, by_phase = emotion_tables(posts, sentiment, case)
    assert by_phase.groupby("phase", observed=True)["items"].first().tolist() == [1, 2]
    assert set(daily["emotion"]) == set(EMOTIONS)
