"""Response timing across cases: how fast each company answered, with silence right-censored.

A case whose company never responded gets no latency: its onset-to-response time is right-censored at the
end of its data window ("no response within N hours"), and it counts as still unanswered in the
Kaplan–Meier-style curve of the share of cases without a response against hours since onset.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from firestorm.config import Case
from firestorm.metrics import confusion_counts

TIMING_COLUMNS = [
    "case", "title", "company", "trigger", "onset", "peak", "response", "responded", "censored_at",
    "response_detected", "detected_minus_timeline_h", "response_check",
    "trigger_to_onset_h", "onset_to_peak_h", "onset_to_response_h", "peak_to_response_h",
    "onset_to_censoring_h",
]


def _missing(value) -> bool:
    return value is None or bool(pd.isna(value))


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


def detect_response(posts: pd.DataFrame, case: Case, response_terms: tuple[str, ...]) -> pd.Timestamp | None:
    """The first post by an official account (``posts.is_official``) after the trigger whose words use a
    response term (道歉, 声明 …), else None. Promotions and routine posts by the account do not count."""
    if "is_official" not in posts or not len(response_terms):
        return None
    trigger = case.first_event_time("trigger")
    official = posts[posts["is_official"].fillna(False).astype(bool) & (posts["created_at"] >= trigger)]
    pattern = "|".join(re.escape(term.lower()) for term in response_terms)
    answering = official[official["text"].fillna("").str.lower().str.contains(pattern, regex=True)]
    return answering["created_at"].min() if len(answering) else None


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
        lines.append(f"- **{row.title}**: {start}; {answer}.")
    return lines


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


# ------------------------------------------------------------------------------- interrupted time series
def fit_glm(X: np.ndarray, y: np.ndarray, family: str, trials: np.ndarray | None = None,
            max_iterations: int = 100) -> dict:
    """Poisson (log link) or binomial (logit link) GLM by iteratively reweighted least squares.

    Standard errors are quasi-likelihood: the model covariance scaled by the Pearson dispersion when it
    exceeds 1 (hourly social-media counts are overdispersed). Returns coefficients, standard errors,
    the dispersion and the fitted means.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    trials = np.ones_like(y) if trials is None else np.asarray(trials, dtype=float)
    if family == "poisson":
        beta = np.zeros(X.shape[1])
        beta[0] = np.log(max(y.mean(), 1e-3))
    elif family == "binomial":
        beta = np.zeros(X.shape[1])
        share = np.clip(y.sum() / trials.sum(), 1e-3, 1 - 1e-3)
        beta[0] = np.log(share / (1 - share))
    else:
        raise ValueError(f"unknown family {family!r}")
    for _ in range(max_iterations):
        eta = X @ beta
        if family == "poisson":
            mean = np.exp(np.clip(eta, -30, 30))
            weight = mean
            working = eta + (y - mean) / mean
        else:
            p = 1 / (1 + np.exp(-np.clip(eta, -30, 30)))
            mean = trials * p
            weight = np.maximum(trials * p * (1 - p), 1e-12)
            working = eta + (y - mean) / weight
        XtW = X.T * weight
        updated = np.linalg.solve(XtW @ X, XtW @ working)
        converged = np.max(np.abs(updated - beta)) < 1e-9
        beta = updated
        if converged:
            break
    eta = X @ beta
    if family == "poisson":
        mean = np.exp(eta)
        variance = mean
        weight = mean
    else:
        p = 1 / (1 + np.exp(-eta))
        mean = trials * p
        variance = np.maximum(trials * p * (1 - p), 1e-12)
        weight = variance
    dof = max(len(y) - X.shape[1], 1)
    dispersion = max(float(np.sum((y - mean) ** 2 / np.maximum(variance, 1e-12)) / dof), 1.0)
    covariance = np.linalg.inv((X.T * weight) @ X) * dispersion
    if not (np.all(np.isfinite(beta)) and np.all(np.isfinite(covariance))
            and np.all(np.diag(covariance) >= 0)):
        raise np.linalg.LinAlgError("the fit gives non-finite estimates or variances")
    return {"coefficients": beta, "standard_errors": np.sqrt(np.diag(covariance)), "covariance": covariance,
            "dispersion": dispersion, "fitted": mean}


def its_design(hours: np.ndarray, interruption: float) -> np.ndarray:
    """Segmented-regression design: intercept, time, step at the interruption, time since it (0 before)."""
    after = (hours >= interruption).astype(float)
    return np.column_stack([np.ones_like(hours), hours - interruption, after, (hours - interruption) * after])


# The least data a segmented regression is estimated from; below it the effect is "not estimable", a result.
ITS_MIN_ITEMS = 30              # items (volume model) or scored items (share models) in the window
ITS_MIN_HOURS_EACH_SIDE = 6     # hours with items on each side of the interruption: a level and a slope each
MIN_VALIDATION_POSTS_EACH_SIDE = 20   # emoticon-labelled posts per segment to measure a confusion matrix
OK = "ok"


def its_data_check(per_hour: np.ndarray, hours: np.ndarray, what: str) -> str:
    """"ok", or why a segmented regression of ``per_hour`` (counts on the hour grid ``hours``, hours from the
    interruption) cannot be estimated: too few ``what`` in the window or too few hours with any on a side."""
    per_hour = np.asarray(per_hour, dtype=float)
    total = int(per_hour.sum())
    if total < ITS_MIN_ITEMS:
        return f"not estimable: {total} {what} in the window, {ITS_MIN_ITEMS} needed"
    before = int(((hours < 0) & (per_hour > 0)).sum())
    after = int(((hours >= 0) & (per_hour > 0)).sum())
    if min(before, after) < ITS_MIN_HOURS_EACH_SIDE:
        return (f"not estimable: {before} hours with {what} before the interruption and {after} after, "
                f"{ITS_MIN_HOURS_EACH_SIDE} needed on each side")
    return OK


def share_data_check(labelled: np.ndarray, scored: np.ndarray, label: str) -> str:
    """"ok", or why a share of ``label`` items cannot be modelled: none or all of the scored items carry it
    (the logit runs off to infinity; the fit would report a change of exactly 0 with a zero-width interval)."""
    count, total = int(np.sum(labelled)), int(np.sum(scored))
    if count == 0 or count == total:
        return f"not estimable: {count} of {total} scored items in the window are labelled {label}"
    return OK


def estimable_glm(X: np.ndarray, y: np.ndarray, family: str, trials: np.ndarray | None = None) -> tuple[dict | None, str]:
    """:func:`fit_glm`, or None and the reason when the design is singular or the fit not finite."""
    try:
        return fit_glm(X, y, family, trials), OK
    except np.linalg.LinAlgError as error:
        return None, f"not estimable: singular or non-finite fit ({error})"


def interrupted_time_series(posts: pd.DataFrame, sentiment: pd.DataFrame, interruption: pd.Timestamp,
                            start: pd.Timestamp, end: pd.Timestamp, z: float = 1.96) -> dict:
    """Level and slope change of hourly volume and of the negative share at ``interruption``.

    Volume: quasi-Poisson GLM of items per hour, ``log mu = b0 + b1 t + b2 after + b3 t_after`` (t in hours
    from the interruption); ``exp(b2)`` is the immediate rate ratio, ``exp(b3)`` the change in the hourly
    growth factor. Negative share: quasi-binomial GLM of negative items among scored items per hour, same
    terms on the logit scale; the level change is also given as a share difference at the interruption
    (fitted just after minus the pre-trend extrapolated). Intervals: Wald, 95 %; the share difference by
    the delta method. ``start``/``end`` bound the hours used (choose them after the peak, where the
    pre-period is a decay, not the rise).

    Each model has a ``status``: "ok", or "not estimable: …" (fewer than :data:`ITS_MIN_ITEMS` items, fewer
    than :data:`ITS_MIN_HOURS_EACH_SIDE` hours with items on a side, no or only items of the label for a
    share, a singular or non-finite fit); then it has no estimates, its fitted series is NaN and its entry of
    ``label_fits`` is None (``label_fit_status`` says why).
    """
    merged = posts[["post_id", "created_at"]].merge(sentiment[["post_id", "label"]], on="post_id", how="left")
    merged = merged[(merged["created_at"] >= start) & (merged["created_at"] < end)]
    grid = pd.date_range(start.floor("h"), end.ceil("h"), freq="h", inclusive="left")
    hour = merged["created_at"].dt.floor("h")
    items = merged.groupby(hour).size().reindex(grid, fill_value=0)
    scored = merged[merged["label"].notna()]
    scored_hour = scored["created_at"].dt.floor("h")
    negative = scored["label"].eq("negative").groupby(scored_hour).sum().reindex(grid, fill_value=0)
    positive = scored["label"].eq("positive").groupby(scored_hour).sum().reindex(grid, fill_value=0)
    scored_items = scored.groupby(scored_hour).size().reindex(grid, fill_value=0)
    hours = ((grid - interruption) / pd.Timedelta(hours=1)).to_numpy(dtype=float) + 0.5
    X = its_design(hours, 0.0)

    volume, volume_status = None, its_data_check(items.to_numpy(), hours, "items")
    if volume_status == OK:
        volume, volume_status = estimable_glm(X, items.to_numpy(), "poisson")
    has_items = scored_items.to_numpy() > 0
    enough_scored = its_data_check(scored_items.to_numpy(), hours, "scored items")

    def share_fit(labelled, label):
        status = enough_scored if enough_scored != OK else share_data_check(labelled, scored_items, label)
        if status != OK:
            return None, status
        return estimable_glm(X[has_items], labelled.to_numpy()[has_items], "binomial",
                             scored_items.to_numpy()[has_items])

    share, share_status = share_fit(negative, "negative")
    # The positive share only serves the misclassification correction, which needs both label shares.
    positive_share, positive_status = share_fit(positive, "positive")

    def interval(fit, index, transform=lambda v: v):
        value, error = fit["coefficients"][index], fit["standard_errors"][index]
        return {"estimate": float(transform(value)),
                "ci95": [float(transform(value - z * error)), float(transform(value + z * error))]}

    fitted_share = np.full(len(grid), np.nan)
    volume_document = {"model": "quasi-Poisson GLM on items per hour: log mu = b0 + b1 t + b2 after + b3 t_after",
                       "status": volume_status}
    if volume is not None:
        volume_document.update({
            "level_change_rate_ratio": interval(volume, 2, np.exp),
            "slope_change_hourly_factor": interval(volume, 3, np.exp),
            "pre_trend_hourly_factor": interval(volume, 1, np.exp),
            "dispersion": volume["dispersion"],
        })
    share_document = {"model": "quasi-binomial GLM on negative items per hour: logit p = b0 + b1 t + b2 after "
                               "+ b3 t_after", "status": share_status}
    if share_status == OK:
        # Share difference at the interruption: logistic(b0 + b2) - logistic(b0), delta-method interval.
        b = share["coefficients"]
        before, after = 1 / (1 + np.exp(-b[0])), 1 / (1 + np.exp(-(b[0] + b[2])))
        gradient = np.array([after * (1 - after) - before * (1 - before), 0.0, after * (1 - after), 0.0])
        difference_error = float(np.sqrt(gradient @ share["covariance"] @ gradient))
        fitted_share[has_items] = share["fitted"] / scored_items.to_numpy()[has_items]
        share_document.update({
            "share_before": float(before),
            "share_after": float(after),
            "level_change_share_points": {"estimate": float(after - before),
                                          "ci95": [float(after - before - z * difference_error),
                                                   float(after - before + z * difference_error)]},
            "level_change_odds_ratio": interval(share, 2, np.exp),
            "slope_change_odds_ratio_per_hour": interval(share, 3, np.exp),
            "dispersion": share["dispersion"],
        })
    series = pd.DataFrame({"hour": grid, "hours_from_interruption": hours, "items": items.to_numpy(),
                           "fitted_items": volume["fitted"] if volume is not None else np.nan,
                           "scored": scored_items.to_numpy(), "negative": negative.to_numpy(),
                           "fitted_negative_share": fitted_share})
    return {
        "series": series,
        "label_fits": {"negative": share, "positive": positive_share},
        "label_fit_status": {"negative": share_status, "positive": positive_status},
        "interruption": interruption.isoformat(),
        "hours_used": [float(hours.min() - 0.5), float(hours.max() + 0.5)],
        "items": int(items.sum()),
        "volume": volume_document,
        "negative_share": share_document,
    }


CORRECTED_SHARE_CHANGE = "level change, share points, corrected for misclassification"


def segment_confusion(validation: pd.DataFrame, posts: pd.DataFrame, sentiment: pd.DataFrame,
                      start: pd.Timestamp, interruption: pd.Timestamp, end: pd.Timestamp) -> dict:
    """Confusion counts of the classifier before and after the interruption, from validation posts
    (post_id, true_label) inside the ITS window: what people talk about changes at a response, and with it
    which posts the classifier misreads, so one matrix for the whole window would bias the change."""
    rows = (validation.merge(posts[["post_id", "created_at"]], on="post_id")
            .merge(sentiment[["post_id", "label"]], on="post_id"))
    rows = rows[(rows["created_at"] >= start) & (rows["created_at"] < end)]
    after = rows["created_at"] >= interruption
    return {"before": confusion_counts(rows.loc[~after, "true_label"], rows.loc[~after, "label"]),
            "after": confusion_counts(rows.loc[after, "true_label"], rows.loc[after, "label"])}


def corrected_share_change(label_fits: dict, confusion_before, confusion_after=None, draws: int = 2000,
                           seed: int = 0) -> dict:
    """Level change of the *true* negative share at the interruption, corrected for the classifier's errors.

    The observed label shares q relate to the true class shares pi by q = M^T pi, with M[i, j] =
    P(label j | true class i) (the confusion matrix; rows negative, neutral, positive). Just before and just
    after the interruption q comes from the segmented fits of the negative and positive shares; pi = solve(M^T,
    q), projected onto the simplex, with the matrix measured before the interruption for the level before and
    the one measured after for the level after (one matrix for both when ``confusion_after`` is None).
    Uncertainty by simulation: the fits' coefficients from their normal approximation, each row of each M from
    its Dirichlet posterior (counts + 1/2), percentile 95 % interval.
    """
    counts_before = np.asarray(confusion_before, dtype=float)
    counts_after = counts_before if confusion_after is None else np.asarray(confusion_after, dtype=float)
    rng = np.random.default_rng(seed)

    def level_shares(coefficients):
        b0, b2 = coefficients[0], coefficients[2]
        return 1 / (1 + np.exp(-b0)), 1 / (1 + np.exp(-(b0 + b2)))

    def true_negative(q_negative, q_positive, matrix):
        q = np.array([q_negative, max(1 - q_negative - q_positive, 0.0), q_positive])
        pi = np.linalg.lstsq(matrix.T, q, rcond=None)[0]
        pi = np.clip(pi, 0, None)
        return pi[0] / pi.sum() if pi.sum() > 0 else np.nan

    def point(counts):
        return (counts + 0.5) / (counts + 0.5).sum(axis=1, keepdims=True)

    def draw(counts):
        return np.vstack([rng.dirichlet(row + 0.5) for row in counts])

    negative, positive = label_fits["negative"], label_fits["positive"]
    (neg_before, neg_after), (pos_before, pos_after) = (level_shares(negative["coefficients"]),
                                                        level_shares(positive["coefficients"]))
    estimate = (true_negative(neg_after, pos_after, point(counts_after))
                - true_negative(neg_before, pos_before, point(counts_before)))
    simulated = []
    for _ in range(draws):
        matrix_before = draw(counts_before)
        matrix_after = matrix_before if confusion_after is None else draw(counts_after)
        neg_coef = rng.multivariate_normal(negative["coefficients"], negative["covariance"])
        pos_coef = rng.multivariate_normal(positive["coefficients"], positive["covariance"])
        (nb, na), (pb, pa) = level_shares(neg_coef), level_shares(pos_coef)
        simulated.append(true_negative(na, pa, matrix_after) - true_negative(nb, pb, matrix_before))
    low, high = np.nanpercentile(simulated, [2.5, 97.5])
    return {"estimate": float(estimate), "ci95": [float(low), float(high)],
            "confusion_before": counts_before.astype(int).tolist(), "confusion_after": counts_after.astype(int).tolist(),
            "method": "confusion-matrix correction (q = M^T pi; M measured before and after), simulated CI"}


EFFECT_COLUMNS = ["case", "title", "interruption", "interruption_kind", "hours_before", "hours_after", "outcome",
                  "measure", "status", "estimate", "ci95_low", "ci95_high"]

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


def correction_check(confusion: dict) -> str:
    """"ok", or why the misclassification correction is skipped: too few validation posts in a segment
    (:data:`MIN_VALIDATION_POSTS_EACH_SIDE`) to measure its confusion matrix."""
    before, after = int(np.sum(confusion["before"])), int(np.sum(confusion["after"]))
    if min(before, after) < MIN_VALIDATION_POSTS_EACH_SIDE:
        return (f"skipped: {before} emoticon-labelled validation posts before the interruption and {after} after, "
                f"{MIN_VALIDATION_POSTS_EACH_SIDE} needed on each side to measure the classifier's confusion matrix")
    return OK


def interruption_of(row, matched: float | None) -> tuple[pd.Timestamp | None, str, str]:
    """(interruption time, what it is, "ok" or why there is none) of one timing row."""
    if row.responded:
        return pd.Timestamp(row.response), "company response", OK
    if matched is None:
        return None, "no response", ("not estimable: no responding case has a known onset-to-response latency, so there is no "
                                         "matched time to compare at")
    if _missing(row.onset):
        return None, "no response", "not estimable: onset not detected, so the matched time is unknown"
    return (pd.Timestamp(row.onset) + pd.Timedelta(hours=matched),
            f"no response: matched time, onset + {matched:.1f} h (counterfactual comparison)", OK)


def response_effects(timing: pd.DataFrame, posts: dict[str, pd.DataFrame], sentiment: dict[str, pd.DataFrame],
                     pre_hours: float = 24.0, post_hours: float = 48.0,
                     validation: dict[str, pd.DataFrame] | None = None) -> tuple[pd.DataFrame, dict]:
    """Interrupted time series around each case's response; for a silent case, around the matched time
    (same hours after onset as the responding cases' median latency), labelled as a counterfactual.

    The pre-period starts no earlier than one hour after the peak, so it is a decay, not the rise.
    With ``validation`` (per case: post_id, true_label of posts whose true class is known and which the
    classifier did not learn from) the negative share's level change is also given corrected for
    misclassification (:func:`corrected_share_change`, confusion measured per segment by
    :func:`segment_confusion`).

    Every case gets its rows: where an effect cannot be estimated (no interruption, the response before the
    peak had passed, too little data, a singular fit; too few validation posts for the correction) the
    row's ``status`` says why and its estimate and interval are NaN.
    Returns the long effects table (:data:`EFFECT_COLUMNS`) and the fits per case (``status`` and
    ``interruption_kind`` always; ``series``, ``volume``, ``negative_share`` when a window was analysed).
    """
    matched = matched_latency(timing)
    rows, fits = [], {}
    for row in timing.itertuples():
        interruption, kind, reason = interruption_of(row, matched)
        start = interruption - pd.Timedelta(hours=pre_hours) if reason == OK else None
        if reason == OK and not _missing(row.peak):
            start = max(start, pd.Timestamp(row.peak) + pd.Timedelta(hours=1))
            if start >= interruption:
                reason = "not estimable: the response came before the peak had passed (no decay to compare with)"
        base = {"case": row.case, "title": row.title, "interruption": interruption, "interruption_kind": kind}
        measures = [(outcome, measure) for outcome, measure, _, _ in EFFECT_MEASURES]
        if validation is not None and row.case in validation:
            measures.append(("negative share", CORRECTED_SHARE_CHANGE))
        if reason != OK:
            fits[row.case] = {"status": reason, "interruption_kind": kind, "series": None}
            rows += [{**base, "hours_before": np.nan, "hours_after": np.nan, "outcome": outcome, "measure": measure,
                      "status": reason, "estimate": np.nan, "ci95_low": np.nan, "ci95_high": np.nan}
                     for outcome, measure in measures]
            continue
        end = interruption + pd.Timedelta(hours=post_hours)
        fit = interrupted_time_series(posts[row.case], sentiment[row.case], interruption, start, end)
        fit = {**fit, "interruption_kind": kind,
               "status": next((p["status"] for p in (fit["volume"], fit["negative_share"]) if p["status"] != OK), OK)}
        fits[row.case] = fit
        base.update(hours_before=-fit["hours_used"][0], hours_after=fit["hours_used"][1])
        values = [(outcome, measure, fit[part]["status"], fit[part].get(key))
                  for outcome, measure, part, key in EFFECT_MEASURES]
        if validation is not None and row.case in validation:
            confusion = segment_confusion(validation[row.case], posts[row.case], sentiment[row.case], start,
                                          interruption, end)
            corrected_status = next((f"skipped: {label} share {status}" for label, status
                                     in fit["label_fit_status"].items() if status != OK), correction_check(confusion))
            corrected = None
            if corrected_status == OK:
                corrected = corrected_share_change(fit["label_fits"], confusion["before"], confusion["after"])
                fit["negative_share"]["level_change_share_points_corrected"] = corrected
            else:
                fit["negative_share"]["correction_status"] = corrected_status
            values.append(("negative share", CORRECTED_SHARE_CHANGE, corrected_status, corrected))
        for outcome, measure, status, value in values:
            rows.append({**base, "outcome": outcome, "measure": measure, "status": status,
                         "estimate": value["estimate"] if value else np.nan,
                         "ci95_low": value["ci95"][0] if value else np.nan,
                         "ci95_high": value["ci95"][1] if value else np.nan})
    return pd.DataFrame(rows, columns=EFFECT_COLUMNS), fits


def _status(row) -> str:
    """A row's status; tables written before statuses existed hold only estimates."""
    status = getattr(row, "status", OK)
    return OK if _missing(status) else str(status)


def effect_lines(effects: pd.DataFrame) -> list[str]:
    """Plain-language effect findings, one per case: numbers where the effect was estimated, the reason in
    words where it was not (never a number for a model that could not be estimated)."""
    lines = []
    for case, rows in effects.groupby("case", sort=False):
        lookup = rows.set_index("measure")
        title, kind = rows["title"].iat[0], str(rows["interruption_kind"].iat[0])
        counterfactual = not kind.startswith("company")
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
        if CORRECTED_SHARE_CHANGE in lookup.index and _status(negative) == OK:
            corrected = lookup.loc[CORRECTED_SHARE_CHANGE]
            if _status(corrected) == OK:
                line += (f"; corrected for the classifier's confusion matrix, {100 * corrected.estimate:+.1f} points "
                         f"({100 * corrected.ci95_low:+.1f} to {100 * corrected.ci95_high:+.1f})")
            else:
                line += f"; the correction for misclassification was {_status(corrected)}"
        lines.append(line + ".")
    return lines
