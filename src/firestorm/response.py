"""Response timing across cases: how fast each company answered, with silence right-censored.

A case whose company never responded gets no latency: its onset-to-response time is right-censored at the
end of its data window ("no response within N hours"), and it counts as still unanswered in the
Kaplan–Meier-style curve of the share of cases without a response against hours since onset.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from firestorm.config import Case

TIMING_COLUMNS = [
    "case", "title", "company", "trigger", "onset", "peak", "response", "responded", "censored_at",
    "trigger_to_onset_h", "onset_to_peak_h", "onset_to_response_h", "peak_to_response_h",
    "onset_to_censoring_h",
]


def _hours(later, earlier) -> float:
    if later is None or earlier is None or pd.isna(later) or pd.isna(earlier):
        return float("nan")
    return (pd.Timestamp(later) - pd.Timestamp(earlier)).total_seconds() / 3600


def timing_row(case: Case, spread: dict) -> dict:
    """One case's response timing from its timeline and its spread summary (``spread.json``)."""
    trigger = case.first_event_time("trigger")
    onset = pd.Timestamp(spread["onset"]["time"]) if spread["onset"]["time"] else None
    peak = pd.Timestamp(spread["peak"]["time"]) if spread["peak"]["time"] else None
    response = case.response_time
    censored_at = None if case.responded else case.window_end
    return {
        "case": case.name,
        "title": case.title,
        "company": case.company,
        "trigger": trigger,
        "onset": onset,
        "peak": peak,
        "response": response,
        "responded": case.responded,
        "censored_at": censored_at,
        "trigger_to_onset_h": _hours(onset, trigger),
        "onset_to_peak_h": _hours(peak, onset),
        "onset_to_response_h": _hours(response, onset),
        "peak_to_response_h": _hours(response, peak),
        "onset_to_censoring_h": _hours(censored_at, onset),
    }


def timing_table(cases: list[Case], spreads: list[dict]) -> pd.DataFrame:
    """Response timing of every case; latencies in hours, NaN where censored."""
    return pd.DataFrame([timing_row(c, s) for c, s in zip(cases, spreads)], columns=TIMING_COLUMNS)


def unanswered_curve(timing: pd.DataFrame) -> pd.DataFrame:
    """Kaplan–Meier estimate of the share of cases still unanswered by hours since onset.

    Events are responses (at ``onset_to_response_h``); silent cases leave the risk set, censored, at
    ``onset_to_censoring_h``. Returns the step points: hours, share_unanswered, at_risk.
    """
    durations = np.where(timing["responded"], timing["onset_to_response_h"], timing["onset_to_censoring_h"])
    observed = timing["responded"].to_numpy(dtype=bool)
    order = np.argsort(durations, kind="stable")
    share, at_risk = 1.0, len(durations)
    rows = [{"hours": 0.0, "share_unanswered": 1.0, "at_risk": at_risk, "censored": False}]
    for i in order:
        if observed[i]:
            share *= (at_risk - 1) / at_risk if at_risk else 1.0
        rows.append({"hours": float(durations[i]), "share_unanswered": share, "at_risk": at_risk - 1,
                     "censored": not observed[i]})
        at_risk -= 1
    return pd.DataFrame(rows)


def summary_lines(timing: pd.DataFrame) -> list[str]:
    """Plain-language findings, one per case, with numbers."""
    lines = []
    for row in timing.itertuples():
        if row.responded:
            lines.append(
                f"- **{row.title}**: onset {row.onset:%Y-%m-%d %H:%M} UTC, peak {row.onset_to_peak_h:.1f} h later; "
                f"the company responded {row.onset_to_response_h:.1f} h after onset "
                f"({row.peak_to_response_h:+.1f} h relative to the peak)."
            )
        else:
            lines.append(
                f"- **{row.title}**: onset {row.onset:%Y-%m-%d %H:%M} UTC, peak {row.onset_to_peak_h:.1f} h later; "
                f"no public response within the data window (right-censored at "
                f"{row.onset_to_censoring_h:.0f} h ≈ {row.onset_to_censoring_h / 24:.1f} days after onset)."
            )
    return lines


def aligned_series(posts: pd.DataFrame, sentiment: pd.DataFrame, case_name: str, onset: pd.Timestamp,
                   bin_hours: int = 6) -> pd.DataFrame:
    """Items and negative share per platform in ``bin_hours`` bins of hours since onset (from -24 h)."""
    merged = posts[["post_id", "platform", "created_at"]].merge(sentiment[["post_id", "label"]], on="post_id")
    hours = (merged["created_at"] - onset).dt.total_seconds() / 3600
    merged = merged.assign(hours_since_onset=np.floor(hours / bin_hours) * bin_hours,
                           negative=merged["label"].eq("negative"))
    merged = merged[merged["hours_since_onset"] >= -24]
    grouped = merged.groupby(["platform", "hours_since_onset"]).agg(
        items=("post_id", "size"), negative=("negative", "sum")).reset_index()
    grouped["negative_share"] = grouped["negative"] / grouped["items"]
    grouped.insert(0, "case", case_name)
    return grouped
