"""Spread estimators recover what the demo generator planted."""

import numpy as np
import pandas as pd
import pytest

from firestorm.ingest import ingest_case
from firestorm.spread import daily_sentiment, hourly_counts, summarise_spread, wilson_interval


@pytest.fixture(scope="module")
def ingested(demo_corpus, key):
    return {name: (case, ingest_case(case, key)[0], truth) for name, (case, _, truth) in demo_corpus.items()}


@pytest.mark.parametrize("name", ["xhs_trik_ai", "miaoya_camera"])
def test_onset_and_half_life_are_recovered(ingested, name):
    case, posts, truth = ingested[name]
    summary = summarise_spread(posts, case, bootstrap=30)
    onset = pd.Timestamp(summary["onset"]["time"])
    assert abs((onset - pd.Timestamp(truth["onset"])).total_seconds()) <= 3600
    half_life = summary["half_life"]
    assert half_life["hours"] == pytest.approx(truth["decay_half_life_hours"], rel=0.15)
    assert half_life["ci95"][0] < half_life["hours"] < half_life["ci95"][1]
    peak = pd.Timestamp(summary["peak"]["time"])
    assert abs((peak - pd.Timestamp(truth["peak"])).total_seconds()) <= 3 * 3600


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
