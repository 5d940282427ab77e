"""Response timing across cases: how fast each company answered, with silence right-censored, and what the
response changed.

A case whose company never responded gets no latency: its onset-to-response time is right-censored at the
end of its data window ("no response within N hours"), and it counts as still unanswered in the
Kaplan–Meier-style curve of the share of cases without a response against hours since onset.

The effects are interrupted time series (:mod:`firestorm.its`) around each case's response, or around the
matched time for a silent case; :func:`compare_responses` runs the whole stage on the upstream stages' files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from firestorm.config import Case
from firestorm.discourse import load_frames
# The ITS thresholds are read from here by the report's methods text.
from firestorm.its import (ITS_MIN_HOURS_EACH_SIDE, ITS_MIN_ITEMS, MIN_VALIDATION_POSTS_EACH_SIDE, OK, PREDICTIVE,
                           corrected_share_change, correction_check, interrupted_time_series, segment_confusion)
from firestorm.metrics import is_missing as _missing
from firestorm.response_measures import MEASURE_COLUMNS, StrategyCoder, load_strategies, response_measures
from firestorm.spread import read_posts, timed_items

__all__ = [
    "TIMING_COLUMNS", "EFFECT_COLUMNS", "EFFECT_MEASURES", "CORRECTED_SHARE_CHANGE", "HUMAN_CORRECTED_SHARE_CHANGE",
    "CODED_SHARE_CHANGE", "COMPANY_RESPONSE", "human_test_confusion",
    "ITS_MIN_ITEMS", "ITS_MIN_HOURS_EACH_SIDE", "MIN_VALIDATION_POSTS_EACH_SIDE", "OK",
    "format_time", "format_hours", "response_items", "detect_response", "add_response_measures", "response_check",
    "timing_row", "timing_table",
    "unanswered_curve", "summary_lines", "aligned_series", "matched_latency", "Interruption", "interruption_of",
    "is_counterfactual", "response_effects", "effect_lines", "ResponseComparison", "compare_responses",
]

TIMING_COLUMNS = [
    "case", "title", "company", "trigger", "onset", "peak", "response", "responded", "censored_at",
    "response_detected", "detected_minus_timeline_h", "response_check",
    "trigger_to_onset_h", "onset_to_peak_h", "onset_to_response_h", "peak_to_response_h",
    "onset_to_censoring_h",
]


def format_time(stamp, missing: str = "not detected") -> str:
    """``YYYY-MM-DD HH:MM UTC``, or ``missing`` for a time that was not found (NaT, None)."""
    return missing if _missing(stamp) else f"{pd.Timestamp(stamp):%Y-%m-%d %H:%M} UTC"


def format_hours(hours, digits: int = 1, sign: str = "", missing: str = "n/a") -> str:
    """Hours with ``digits`` decimals (``sign="+"`` for a signed value), or ``missing`` when not known."""
    return missing if _missing(hours) else f"{hours:{sign}.{digits}f} h"


def _hours(later, earlier) -> float:
    if later is None or earlier is None or pd.isna(later) or pd.isna(earlier):
        return float("nan")
    return (pd.Timestamp(later) - pd.Timestamp(earlier)).total_seconds() / 3600


def response_items(posts: pd.DataFrame, case: Case, response_terms: tuple[str, ...]) -> pd.DataFrame:
    """The items by an official account (``posts.is_official``) after the trigger whose words use a response
    term (道歉, 声明 …), in time order: the company's response in the data. Promotions and routine posts by the
    account do not count."""
    if "is_official" not in posts or not len(response_terms):
        return posts.iloc[:0]
    trigger = case.first_event_time("trigger")
    official = posts[posts["is_official"].fillna(False).astype(bool) & (posts["created_at"] >= trigger)]
    pattern = "|".join(re.escape(term.lower()) for term in response_terms)
    answering = official[official["text"].fillna("").str.lower().str.contains(pattern, regex=True)]
    return answering.sort_values("created_at", kind="stable")


def detect_response(posts: pd.DataFrame, case: Case, response_terms: tuple[str, ...]) -> pd.Timestamp | None:
    """The time of the first official response item (:func:`response_items`), else None."""
    answering = response_items(posts, case, response_terms)
    return answering["created_at"].iat[0] if len(answering) else None


RECONCILE_TOLERANCE_H = 6.0


def response_check(case: Case, detected: pd.Timestamp | None) -> str:
    """How the timeline's response and the one found in the data relate, in words for the table."""
    if case.responded and detected is not None:
        gap = _hours(detected, case.response_time)
        return ("timeline and data agree" if abs(gap) <= RECONCILE_TOLERANCE_H
                else f"data differ from the timeline by {gap:+.1f} h: check official_response.time")
    if case.responded:
        return "timeline only (no official post with response terms in the data)"
    if detected is not None:
        return f"data show an official response at {detected:%Y-%m-%d %H:%M} UTC but the case says none: check"
    return "no response in timeline or data"


def timing_row(case: Case, spread: dict, detected: pd.Timestamp | None = None) -> dict:
    """One case's response timing from its timeline and its spread summary (``spread.json``); ``detected``
    is the response found in the data (:func:`detect_response`), shown beside the timeline's."""
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
        "response_detected": detected,
        "detected_minus_timeline_h": _hours(detected, response),
        "response_check": response_check(case, detected),
        "trigger_to_onset_h": _hours(onset, trigger),
        "onset_to_peak_h": _hours(peak, onset),
        "onset_to_response_h": _hours(response, onset),
        "peak_to_response_h": _hours(response, peak),
        "onset_to_censoring_h": _hours(censored_at, onset),
    }


def timing_table(cases: list[Case], spreads: list[dict], detected: list | None = None) -> pd.DataFrame:
    """Response timing of every case; latencies in hours, NaN where censored."""
    detected = detected or [None] * len(cases)
    return pd.DataFrame([timing_row(c, s, d) for c, s, d in zip(cases, spreads, detected)], columns=TIMING_COLUMNS)


def add_response_measures(timing: pd.DataFrame, cases: list[Case], times: dict[str, pd.Series],
                          answering: dict[str, pd.DataFrame], strategies: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """The timing table with the literature's response measures appended (latency bins, stage at response,
    volume share reached, channel, SCCT strategy; :mod:`firestorm.response_measures`). ``times``: each case's
    timed items' times; ``answering``: its official response items (:func:`response_items`)."""
    coder = StrategyCoder(strategies)
    rows = [response_measures(row, case, times[case.name], answering[case.name], coder)
            for (_, row), case in zip(timing.iterrows(), cases)]
    return pd.concat([timing, pd.DataFrame(rows, columns=MEASURE_COLUMNS, index=timing.index)], axis=1)


def unanswered_curve(timing: pd.DataFrame) -> pd.DataFrame:
    """Kaplan–Meier estimate of the share of cases still unanswered by hours since onset.

    Events are responses (at ``onset_to_response_h``); silent cases leave the risk set, censored, at
    ``onset_to_censoring_h``. Cases whose onset was not detected are left out (their latency is unknown).
    Returns the step points: hours, share_unanswered, at_risk.
    """
    durations = np.where(timing["responded"], timing["onset_to_response_h"], timing["onset_to_censoring_h"])
    observed = timing["responded"].to_numpy(dtype=bool)
    known = ~pd.isna(durations)   # without a detected onset a case has no place on the hours-since-onset axis
    durations, observed = durations[known].astype(float), observed[known]
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
    """Plain-language findings, one per case, with numbers where they were measured and words where not
    (an onset that was not detected leaves every latency from it unknown)."""
    lines = []
    for row in timing.itertuples():
        if _missing(row.onset):
            start = "onset not detected (no latency from it can be given)"
        else:
            start = f"onset {format_time(row.onset)}, peak " + (
                f"{row.onset_to_peak_h:.1f} h later" if not _missing(row.onset_to_peak_h) else "not identified")
        if row.responded:
            answer = "the company responded " + (
                f"{row.onset_to_response_h:.1f} h after onset ({format_hours(row.peak_to_response_h, sign='+')} "
                "relative to the peak)" if not _missing(row.onset_to_response_h)
                else f"at {format_time(row.response)}")
        else:
            answer = "no public response within the data window (right-censored" + (
                f" at {row.onset_to_censoring_h:.0f} h ≈ {row.onset_to_censoring_h / 24:.1f} days after onset)"
                if not _missing(row.onset_to_censoring_h) else f" at {format_time(row.censored_at)})")
        lines.append(f"- **{row.title}**: {start}; {answer}{measure_words(row)}.")
    return lines


def measure_words(row) -> str:
    """The literature's measures of one timing row in words (empty for a table without them)."""
    if not hasattr(row, "response_stage") or not row.responded:
        return ""
    share = ("" if _missing(row.volume_share_at_response)
             else f", when {100 * row.volume_share_at_response:.0f}% of the case's items had been posted")
    where = f" on {row.response_platform}" if row.response_platform else ""
    bolster = " with bolstering" if row.bolstering is True else ""
    return (f" — {row.response_bin_from_trigger} from the trigger and {row.response_bin_from_onset} from onset, "
            f"{row.response_stage}{share}; channel: {row.response_channel}{where}; SCCT strategy: "
            f"{row.response_strategy}{bolster}" + (f" ({row.strategy_source})" if row.strategy_source else ""))


def aligned_series(posts: pd.DataFrame, sentiment: pd.DataFrame, case_name: str, onset: pd.Timestamp,
                   bin_hours: int = 6) -> pd.DataFrame:
    """Items and negative share per platform in ``bin_hours`` bins of hours since onset (from -24 h); no rows
    when the onset was not detected."""
    if _missing(onset):
        posts = posts.iloc[:0]
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


CORRECTED_SHARE_CHANGE = "level change, share points, corrected for misclassification"
# The same correction with the confusion matrix measured on human-labelled Weibo test posts (the model's
# eval.json) instead of the study's own emoticon-labelled posts: not specific to the study, but human-judged.
HUMAN_CORRECTED_SHARE_CHANGE = ("level change, share points, corrected for misclassification "
                                "(human-labelled test posts)")
# The same correction from the study's own hand-coded sample (adjudicated human codes, weighted by the sampling
# weights; firestorm.validation): human-judged and specific to the study. The sample is random within each
# predicted label, so its predictive values P(true | label) are used directly (no inversion; its.PREDICTIVE).
CODED_SHARE_CHANGE = "level change, share points, corrected for misclassification (human codes of this study)"
# The test sets whose polarity confusion matrices are summed into that correction's matrix.
CONFUSION_TESTS = ("smp2020_usual_test", "smp2020_virus_test")


def human_test_confusion(evaluation: dict) -> np.ndarray | None:
    """3 x 3 polarity confusion counts (rows true negative / neutral / positive) of the scoring model on the
    human-labelled SMP2020 test posts, summed over :data:`CONFUSION_TESTS`, from its eval.json; None when the
    evaluation has none (a model not trained here, or one without a neutral class)."""
    matrices = [evaluation.get("tests", {}).get(name, {}).get("polarity", {}).get("confusion_matrix")
                for name in CONFUSION_TESTS]
    matrices = [np.asarray(m["rows_true_columns_predicted"], dtype=float) for m in matrices if m]
    return sum(matrices) if matrices else None


# validation_before / validation_after: the validation posts (weighted counts) a misclassification correction
# rests on before and after the interruption; empty for the other measures.
EFFECT_COLUMNS = ["case", "title", "interruption", "interruption_kind", "hours_before", "hours_after", "outcome",
                  "measure", "status", "estimate", "ci95_low", "ci95_high", "validation_before", "validation_after"]

# The measures of every case's effects, in table order: (outcome, measure, part of the fit, key in that part).
EFFECT_MEASURES = [
    ("volume", "level change, rate ratio", "volume", "level_change_rate_ratio"),
    ("volume", "slope change, hourly factor", "volume", "slope_change_hourly_factor"),
    ("negative share", "level change, share points", "negative_share", "level_change_share_points"),
    ("negative share", "level change, odds ratio", "negative_share", "level_change_odds_ratio"),
    ("negative share", "slope change, odds ratio per hour", "negative_share", "slope_change_odds_ratio_per_hour"),
]


def matched_latency(timing: pd.DataFrame) -> float | None:
    """Median onset-to-response latency of the cases that responded (the matched time for silent cases)."""
    latencies = timing.loc[timing["responded"], "onset_to_response_h"].dropna()
    return float(latencies.median()) if len(latencies) else None


# The interruption_kind of a case whose company responded; every other kind is a counterfactual comparison.
COMPANY_RESPONSE = "company response"


def is_counterfactual(kind: str) -> bool:
    """Whether an ``interruption_kind`` (effects table, fits) is a silent case's matched time or no
    interruption at all, rather than a company's response."""
    return kind != COMPANY_RESPONSE


@dataclass(frozen=True)
class Interruption:
    """Where one case's time series is interrupted: ``time`` (None when there is none), ``kind`` (the
    effects table's ``interruption_kind``) and ``status`` ("ok" or why there is no interruption)."""

    time: pd.Timestamp | None
    kind: str
    status: str

    def to_dict(self) -> dict:
        return {"time": self.time, "kind": self.kind, "status": self.status}


def interruption_of(row, matched: float | None) -> Interruption:
    """The interruption of one timing row: its response, else the matched time (onset + ``matched`` hours)."""
    if row.responded:
        return Interruption(pd.Timestamp(row.response), COMPANY_RESPONSE, OK)
    if matched is None:
        return Interruption(None, "no response", "not estimable: no responding case has a known onset-to-response "
                                                 "latency, so there is no matched time to compare at")
    if _missing(row.onset):
        return Interruption(None, "no response", "not estimable: onset not detected, so the matched time is unknown")
    return Interruption(pd.Timestamp(row.onset) + pd.Timedelta(hours=matched),
                        f"no response: matched time, onset + {matched:.1f} h (counterfactual comparison)", OK)


def pre_period_start(interruption: pd.Timestamp, peak, pre_hours: float) -> pd.Timestamp:
    """Where the interrupted time series starts: ``pre_hours`` before the interruption, but never earlier than
    one hour after the peak (the pre-period is the decay, not the rise)."""
    start = interruption - pd.Timedelta(hours=pre_hours)
    return start if _missing(peak) else max(start, pd.Timestamp(peak) + pd.Timedelta(hours=1))


def response_effects(timing: pd.DataFrame, posts: dict[str, pd.DataFrame], sentiment: dict[str, pd.DataFrame],
                     pre_hours: float = 24.0, post_hours: float = 48.0,
                     validation: dict[str, pd.DataFrame] | None = None,
                     test_confusion: np.ndarray | None = None,
                     coded: dict[str, pd.DataFrame] | None = None) -> tuple[pd.DataFrame, dict]:
    """Interrupted time series around each case's response; for a silent case, around the matched time
    (same hours after onset as the responding cases' median latency), labelled as a counterfactual.

    The pre-period starts no earlier than one hour after the peak, so it is a decay, not the rise.
    With ``validation`` (per case: post_id, true_label of posts whose true class is known and which the
    classifier did not learn from) the negative share's level change is also given corrected for
    misclassification (:func:`corrected_share_change`, confusion measured per segment by
    :func:`segment_confusion`). With ``test_confusion`` (:func:`human_test_confusion`) it is also corrected
    with the confusion matrix measured on human-labelled test posts (one matrix for both sides), and with
    ``coded`` (per case: post_id, true_label, weight of the adjudicated coding sample) with the study's own
    human codes, per segment like the emoticon posts, by their predictive values (the sample is random within
    each predicted label).

    Every case gets its rows: where an effect cannot be estimated (no interruption, the response before the
    peak had passed, too little data, a singular fit; too few validation posts for the correction) the
    row's ``status`` says why and its estimate and interval are NaN.
    Returns the long effects table (:data:`EFFECT_COLUMNS`) and the fits per case as dicts (``status`` and
    ``interruption_kind`` always; the fields of :class:`firestorm.its.ITSFit` when a window was analysed,
    else ``series`` None).
    """
    matched = matched_latency(timing)
    rows, fits = [], {}
    for row in timing.itertuples():
        chosen = interruption_of(row, matched)
        interruption, kind, reason = chosen.time, chosen.kind, chosen.status
        start = pre_period_start(interruption, row.peak, pre_hours) if reason == OK else None
        if reason == OK and not _missing(row.peak):
            if start >= interruption:
                reason = "not estimable: the response came before the peak had passed (no decay to compare with)"
        base = {"case": row.case, "title": row.title, "interruption": interruption, "interruption_kind": kind}
        measures = [(outcome, measure) for outcome, measure, _, _ in EFFECT_MEASURES]
        if validation is not None and row.case in validation:
            measures.append(("negative share", CORRECTED_SHARE_CHANGE))
        if test_confusion is not None:
            measures.append(("negative share", HUMAN_CORRECTED_SHARE_CHANGE))
        has_codes = coded is not None and row.case in coded and len(coded[row.case])
        if has_codes:
            measures.append(("negative share", CODED_SHARE_CHANGE))
        if reason != OK:
            fits[row.case] = {"status": reason, "interruption_kind": kind, "series": None}
            rows += [{**base, "hours_before": np.nan, "hours_after": np.nan, "outcome": outcome, "measure": measure,
                      "status": reason, "estimate": np.nan, "ci95_low": np.nan, "ci95_high": np.nan,
                      "validation_before": np.nan, "validation_after": np.nan}
                     for outcome, measure in measures]
            continue
        end = interruption + pd.Timedelta(hours=post_hours)
        its = interrupted_time_series(posts[row.case], sentiment[row.case], interruption, start, end)
        fit = {**its.to_dict(), "interruption_kind": kind, "status": its.status}
        fits[row.case] = fit
        base.update(hours_before=-its.hours_used[0], hours_after=its.hours_used[1])
        values = [(outcome, measure, getattr(its, part)["status"], getattr(its, part).get(key))
                  for outcome, measure, part, key in EFFECT_MEASURES]
        label_status = next((f"skipped: {label} share {status}" for label, status
                             in its.label_fit_status.items() if status != OK), OK)
        if validation is not None and row.case in validation:
            confusion = segment_confusion(validation[row.case], posts[row.case], sentiment[row.case], start,
                                          interruption, end)
            corrected_status = label_status if label_status != OK else correction_check(confusion)
            corrected = None
            if corrected_status == OK:
                corrected = corrected_share_change(its.label_fits, confusion["before"], confusion["after"])
                its.negative_share["level_change_share_points_corrected"] = corrected
            else:
                its.negative_share["correction_status"] = corrected_status
            values.append(("negative share", CORRECTED_SHARE_CHANGE, corrected_status, corrected))
        if has_codes:
            confusion = segment_confusion(coded[row.case], posts[row.case], sentiment[row.case], start,
                                          interruption, end)
            coded_status = (label_status if label_status != OK
                            else correction_check(confusion, "hand-coded sample posts"))
            # The coding sample is random within each predicted label: predictive values apply (its.py).
            from_codes = (corrected_share_change(its.label_fits, confusion["before"], confusion["after"],
                                                 method=PREDICTIVE) if coded_status == OK else None)
            if from_codes is not None:
                its.negative_share["level_change_share_points_corrected_human_codes"] = from_codes
            values.append(("negative share", CODED_SHARE_CHANGE, coded_status, from_codes))
        if test_confusion is not None:
            human_status = label_status
            human = corrected_share_change(its.label_fits, test_confusion) if human_status == OK else None
            if human is not None:
                its.negative_share["level_change_share_points_corrected_human_tests"] = human
            values.append(("negative share", HUMAN_CORRECTED_SHARE_CHANGE, human_status, human))
        for outcome, measure, status, value in values:
            rows.append({**base, "outcome": outcome, "measure": measure, "status": status,
                         "estimate": value["estimate"] if value else np.nan,
                         "ci95_low": value["ci95"][0] if value else np.nan,
                         "ci95_high": value["ci95"][1] if value else np.nan,
                         **validation_counts(value)})
    return pd.DataFrame(rows, columns=EFFECT_COLUMNS), fits


def _status(row) -> str:
    """A row's status; tables written before statuses existed hold only estimates."""
    status = getattr(row, "status", OK)
    return OK if _missing(status) else str(status)


# How the summary words each misclassification correction: when estimated, and when not (None: not mentioned).
CORRECTION_WORDS = {
    CORRECTED_SHARE_CHANGE: ("corrected for the classifier's confusion matrix",
                             "the correction for misclassification was"),
    CODED_SHARE_CHANGE: ("corrected with the predictive values of this study's hand-coded sample",
                         "the correction from this study's hand-coded sample was"),
    HUMAN_CORRECTED_SHARE_CHANGE: ("corrected with the confusion matrix of human-labelled Weibo test posts (not "
                                   "this study's posts)", None),
}


def validation_counts(value: dict | None) -> dict:
    """validation_before / validation_after of an effects row: the (weighted) validation posts of the
    confusion matrices a correction used; NaN for the other measures and for skipped corrections."""
    if not value or "confusion_before" not in value:
        return {"validation_before": np.nan, "validation_after": np.nan}
    return {"validation_before": round(float(np.sum(value["confusion_before"])), 2),
            "validation_after": round(float(np.sum(value["confusion_after"])), 2)}


def resting_on(row) -> str:
    """", from N posts before and M after" for a correction row that records its validation posts."""
    before, after = getattr(row, "validation_before", np.nan), getattr(row, "validation_after", np.nan)
    if _missing(before) or _missing(after):
        return ""
    if getattr(row, "name", None) == HUMAN_CORRECTED_SHARE_CHANGE:   # one matrix for both sides
        return f"; {before:,.0f} test posts"
    return f"; {before:,.0f} validation posts before, {after:,.0f} after"


def effect_lines(effects: pd.DataFrame) -> list[str]:
    """Plain-language effect findings, one per case: numbers where the effect was estimated, the reason in
    words where it was not (never a number for a model that could not be estimated)."""
    lines = []
    for case, rows in effects.groupby("case", sort=False):
        lookup = rows.set_index("measure")
        title, kind = rows["title"].iat[0], str(rows["interruption_kind"].iat[0])
        counterfactual = is_counterfactual(kind)
        when = ("at the matched time (no response; a counterfactual comparison, not an effect)" if counterfactual
                else "at the company's response")
        statuses = {_status(row) for row in rows.itertuples()}
        if len(statuses) == 1 and OK not in statuses:   # nothing was estimated, for one reason
            lines.append(f"- **{title}** {when}: the response's effect is {statuses.pop()}.")
            continue
        volume = lookup.loc["level change, rate ratio"]
        negative = lookup.loc["level change, share points"]
        parts = []
        if _status(volume) == OK:
            parts.append(f"hourly volume changed by a factor of {volume.estimate:.2f} "
                         f"(95% CI {volume.ci95_low:.2f}–{volume.ci95_high:.2f})")
        else:
            parts.append(f"the change in hourly volume is {_status(volume)}")
        if _status(negative) == OK:
            parts.append(f"the share of posts labelled negative changed by {100 * negative.estimate:+.1f} points "
                         f"({100 * negative.ci95_low:+.1f} to {100 * negative.ci95_high:+.1f})")
        else:
            parts.append(f"the change in the share of posts labelled negative is {_status(negative)}")
        line = f"- **{title}** {when}: " + "; ".join(parts)
        for measure, (done, skipped) in CORRECTION_WORDS.items():
            if measure not in lookup.index or _status(negative) != OK:
                continue
            corrected = lookup.loc[measure]
            if _status(corrected) == OK:
                line += (f"; {done}, {100 * corrected.estimate:+.1f} points "
                         f"({100 * corrected.ci95_low:+.1f} to {100 * corrected.ci95_high:+.1f}"
                         f"{resting_on(corrected)})")
            elif skipped:
                line += f"; {skipped} {_status(corrected)}"
        lines.append(line + ".")
    return lines


@dataclass(frozen=True, eq=False)
class ResponseComparison:
    """What the response stage found across cases (:func:`compare_responses`)."""

    timing: pd.DataFrame        # one row per case, :data:`TIMING_COLUMNS`
    effects: pd.DataFrame       # long effects table, :data:`EFFECT_COLUMNS`
    fits: dict                  # case -> fit dict (see :func:`response_effects`), for the ITS figure
    aligned: pd.DataFrame       # :func:`aligned_series` of every case
    unanswered: pd.DataFrame    # :func:`unanswered_curve`

    def summary_markdown(self) -> str:
        """The findings in words: timing per case, then what the response changed."""
        return ("# Response timing: findings\n\n" + "\n".join(summary_lines(self.timing)) + "\n\n"
                "## What the response changed (interrupted time series)\n\n" + "\n".join(effect_lines(self.effects))
                + "\n")

    def to_dict(self) -> dict:
        return {"timing": self.timing, "effects": self.effects, "fits": self.fits, "aligned": self.aligned,
                "unanswered": self.unanswered}


def compare_responses(cases: list[Case], spreads: list[dict], posts_files: list, sentiment_files: list,
                      frames_file, validation_posts: pd.DataFrame, pre_hours: float = 24.0,
                      post_hours: float = 48.0, evaluation: dict | None = None,
                      coded_posts: dict[str, pd.DataFrame] | None = None,
                      strategies_file=None) -> ResponseComparison:
    """The response stage on the upstream stages' files, cases in the order of ``cases``.

    ``spreads`` are the cases' spread summaries (spread.json), ``posts_files`` / ``sentiment_files`` their
    posts.parquet / sentiment.parquet, ``frames_file`` the frame lexicon (its ``response`` terms find the
    response in the data). ``validation_posts`` (case, post_id, true_label: the emoticon-labelled posts the
    classifier never learnt from, :func:`firestorm.sentiment.held_out_posts`) measure its confusion matrix for
    the corrected share change; ``evaluation`` (the scoring model's eval.json) gives the confusion matrix on
    human-labelled test posts for the second correction (:func:`human_test_confusion`), ``coded_posts`` (case ->
    post_id, true_label, weight: the adjudicated hand-coded sample) the study's own human codes. Latency, aligned
    series and ITS are hourly: items dated only to the day are left out.
    """
    # Small per-post columns for every post; texts only of the official accounts' posts (response detection).
    posts = {c.name: timed_items(read_posts(path, ["post_id", "platform", "created_at", "is_official"]))
             for c, path in zip(cases, posts_files)}
    sentiment = {c.name: pd.read_parquet(path, columns=["post_id", "label"]) for c, path in zip(cases, sentiment_files)}
    official = {c.name: timed_items(read_posts(path, ["post_id", "platform", "kind", "created_at", "is_official",
                                                      "text"], filters=[("is_official", "==", True)]))
                for c, path in zip(cases, posts_files)}
    answering = {c.name: response_items(official[c.name], c, load_frames(frames_file, c).get("response", ()))
                 for c in cases}
    detected = [answering[c.name]["created_at"].iat[0] if len(answering[c.name]) else None for c in cases]
    timing = timing_table(cases, spreads, detected)
    if strategies_file is not None:
        timing = add_response_measures(timing, cases, {c.name: posts[c.name]["created_at"] for c in cases},
                                       answering, load_strategies(strategies_file))
    validation = {c.name: validation_posts.loc[validation_posts["case"] == c.name, ["post_id", "true_label"]]
                  .reset_index(drop=True) for c in cases}
    effects, fits = response_effects(timing, posts, sentiment, pre_hours, post_hours, validation=validation,
                                     test_confusion=human_test_confusion(evaluation or {}), coded=coded_posts)
    aligned = pd.concat(
        [aligned_series(posts[c.name], sentiment[c.name], c.name, t) for c, t in zip(cases, timing["onset"])],
        ignore_index=True,
    )
    return ResponseComparison(timing, effects, fits, aligned, unanswered_curve(timing))
