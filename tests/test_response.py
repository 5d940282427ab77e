"""Response timing: latencies for responders, right-censoring for silent companies."""

import pandas as pd
import pytest

from firestorm.config import load_case
from firestorm.response import summary_lines, timing_table, unanswered_curve


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
