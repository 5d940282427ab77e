"""The literature's response measures: latency bins, stage at response, channel and SCCT strategy."""

import math

import pandas as pd
import pytest

from firestorm.config import load_case
from firestorm.demo import load_phrases
from firestorm.response_measures import (CENSORED, STAGE_BEFORE_ONSET, StrategyCoder, latency_bin,
                                         load_strategies, response_channel, response_measures,
                                         stage_at_response, volume_share_at)

T = pd.Timestamp


@pytest.mark.parametrize("hours, label", [(0.2, "≤1 h"), (1.0, "≤1 h"), (1.01, "≤4 h"), (4.0, "≤4 h"),
                                          (7.9, "≤8 h"), (24.0, "≤24 h"), (24.5, "later than 24 h"),
                                          (float("nan"), "unknown"), (None, "unknown")])
def test_latencies_fall_in_the_literatures_bins_with_inclusive_upper_bounds(hours, label):
    assert latency_bin(hours) == label


def test_a_silent_company_is_censored_whatever_the_hours():
    assert latency_bin(float("nan"), censored=True) == latency_bin(3.0, censored=True) == CENSORED


def test_stage_at_response_tells_stealing_thunder_from_before_and_after_the_peak():
    onset, peak = T("2023-07-20T02:00Z"), T("2023-07-20T10:00Z")
    assert stage_at_response(T("2023-07-20T01:00Z"), onset, peak) == STAGE_BEFORE_ONSET
    assert stage_at_response(T("2023-07-20T01:00Z"), onset, None) == STAGE_BEFORE_ONSET
    assert stage_at_response(T("2023-07-20T05:00Z"), onset, peak) == "after onset, before the peak"
    assert stage_at_response(T("2023-07-21T05:00Z"), onset, peak) == "after the peak"
    assert stage_at_response(None, onset, peak) == "no response"
    assert stage_at_response(T("2023-07-21T05:00Z"), None, peak) == "unknown"


def test_volume_share_counts_the_items_posted_before_the_response():
    times = pd.Series(pd.date_range("2023-07-20", periods=10, freq="h", tz="UTC"))
    assert volume_share_at(times, T("2023-07-20T03:30Z")) == pytest.approx(0.4)
    assert math.isnan(volume_share_at(times, None)) and math.isnan(volume_share_at(times.iloc[:0], times[0]))


def test_channel_is_the_first_official_items_kind_and_platform():
    answering = pd.DataFrame({"platform": ["xiaohongshu", "weibo"], "kind": ["post", "comment"],
                              "created_at": [T("2023-07-21T03:00Z"), T("2023-07-21T02:00Z")]})
    assert response_channel(answering) == ("weibo", "reply (comment)")
    assert response_channel(answering.iloc[:0], "微博声明") == ("", "微博声明")
    assert response_channel(answering.iloc[:0]) == ("", "not in the data")


@pytest.fixture(scope="module")
def coder(repo):
    return StrategyCoder(load_strategies(repo / "data/lexicon/response_strategies.yaml"))


@pytest.mark.parametrize("planted", ["rebuild", "diminish", "deny"])
def test_the_lexicon_reads_each_planted_statement_as_its_strategy(coder, planted):
    text = load_phrases()["official"]["response"][planted].format(brand="某品牌", product="某产品")
    assert coder.code([text])["strategy"] == planted


def test_bolstering_is_secondary_and_ties_go_to_the_more_accommodating_strategy(coder):
    coded = coder.code(["感谢大家一直以来的支持，这是误解，我们向大家道歉"])
    assert coded["strategy"] == "rebuild" and coded["bolstering"]
    assert "diminish: 误解" in coded["terms"] and "rebuild: 道歉" in coded["terms"]
    assert coder.code(["感谢大家的监督"]) == {"strategy": "none found", "bolstering": True,
                                           "terms": "bolster: 感谢, 监督"}
    assert coder.code(["ＡＩ训练的说法纯属捏造"])["strategy"] == "deny"   # full-width text is folded first


def test_a_lexicon_with_a_category_scct_does_not_have_is_refused(tmp_path):
    path = tmp_path / "strategies.yaml"
    path.write_text("deny: [不实]\ndiminish: [误解]\nrebuild: [道歉]\nbolster: [感谢]\nexcuse: [无意]\n",
                    encoding="utf-8")
    with pytest.raises(ValueError, match="excuse"):
        load_strategies(path)
    path.write_text("deny: [不实]\ndiminish: [误解]\nrebuild: [道歉]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bolster"):
        load_strategies(path)


def test_the_case_yaml_strategy_overrides_the_lexicon(repo, tmp_path, coder):
    text = (repo / "config/cases/miaoya_camera.yaml").read_text(encoding="utf-8").replace(
        'note: "Apology', 'strategy: diminish\n  channel: "微博声明"\n  note: "Apology')
    path = tmp_path / "miaoya_camera.yaml"
    path.write_text(text, encoding="utf-8")
    case = load_case(path)
    assert (case.response_strategy, case.response_channel) == ("diminish", "微博声明")
    row = {"responded": True, "response": case.response_time, "trigger": case.first_event_time("trigger"),
           "onset": T("2023-07-20T02:00Z"), "peak": T("2023-07-20T10:00Z"), "onset_to_response_h": 24.0}
    answering = pd.DataFrame({"platform": ["weibo"], "kind": ["post"], "created_at": [case.response_time],
                              "text": ["妙鸭相机致歉声明"]})
    measured = response_measures(row, case, pd.Series([T("2023-07-20T03:00Z")]), answering, coder)
    assert measured["response_strategy"] == "diminish" and measured["strategy_source"].startswith("case YAML")
    assert measured["response_channel"] == "statement (own post)"   # the data's channel wins over the stated one
    assert measured["trigger_to_response_h"] == pytest.approx(25.0)
    assert measured["response_bin_from_trigger"] == "later than 24 h"
    assert measured["response_bin_from_onset"] == "≤24 h"
    no_text = response_measures(row, load_case(repo / "config/cases/miaoya_camera.yaml"), pd.Series([], dtype=object),
                                answering.iloc[:0], coder)
    assert no_text["response_strategy"].startswith("not coded") and no_text["response_channel"] == "not in the data"
