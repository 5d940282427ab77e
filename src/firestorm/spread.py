"""Spread: how the controversy grew and faded — volume, onset, peak and attention half-life.

Methods (on items, i.e. posts, reposts and comments):

* **Onset** — the burst start: the first hour from which the count exceeds the upper ``1 - alpha`` quantile
  of a Poisson distribution with the pre-trigger baseline rate for ``sustain_hours`` hours in a row. The
  baseline is the mean hourly count from the window start to the trigger event.
* **Peak** — the time of the highest expected intensity of the fitted Hawkes model (below), to the minute;
  the hour of the highest 3-hour centred moving average of the counts is reported beside it.
* **Half-life** — a Poisson maximum-likelihood fit of ``rate(t) = b + A exp(-k (t - peak))`` to the hours
  from the peak to the window end, with ``b`` the baseline rate; where the company responded after the
  peak, the decaying part carries a multiplicative level change ``f`` from the response hour on, so a
  response does not masquerade as faster decay. Half-life ``ln 2 / k`` with a parametric-bootstrap
  percentile confidence interval.
* **Self-excitation** — a Hawkes process with exponential kernel whose exogenous rate is a background plus a
  pulse (linear rise from the onset, exponential decay, level change at the response), fitted by maximum
  likelihood in :mod:`firestorm.hawkes` (:func:`~firestorm.hawkes.fit_hawkes`): branching ratio (share of items
  triggered by earlier items), kernel mean, pulse half-life, with Wald intervals and a time-rescaling
  goodness-of-fit test. This module judges the fit (:func:`hawkes_status`) and writes it into the summary
  (:func:`hawkes_summary`).

Onset, peak, half-life and the Hawkes process are hourly or minute-level measures: they use only items whose
time is stated to the minute or better (:func:`precise_enough`); an item an export dates only to the day
would pile up at midnight. Daily tables use every item.

Every fitted quantity in the summary carries a ``status`` (:data:`STATUSES`) and a ``reason``: an
estimate at the optimiser's bound, a Hawkes fit the time-rescaling test rejects, or too few items is
reported as such, never as a bare number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from firestorm.config import Case
from firestorm.hawkes import HOUR, HawkesFit, at_bounds, fit_hawkes
from firestorm.metrics import wilson_interval
from firestorm.schema import HOURLY_PRECISIONS

# The columns of posts.parquet the spread stage reads (analyse_spread, daily_volume, daily_sentiment, figures);
# read them with read_posts, which adds time_precision where the table has it.
SPREAD_COLUMNS = ["post_id", "platform", "kind", "created_at", "author", "likes", "comments", "shares"]

# What a fitted quantity's status may say. "at bound": the optimiser stopped at the edge of the range it was
# allowed, so the value is the bound, not an estimate; "poor fit": the model's goodness-of-fit test rejects it.
STATUSES = ("ok", "at bound", "poor fit", "too few items", "not identified", "not detected")
# Time-rescaling Kolmogorov-Smirnov p below this: the Hawkes model does not describe the arrivals.
KS_POOR_FIT_P = 0.01
# Items with an hourly (or finer) time needed for onset, peak, half-life and the Hawkes process.
MIN_HOURLY_ITEMS = 100
# Items, and hours, after the peak needed for the half-life's decay fit.
MIN_DECAY_ITEMS = 30
MIN_DECAY_HOURS = 6


def status(kind: str, reason: str = "") -> dict:
    """``{"status": kind, "reason": reason}``, the form every fitted quantity of the summary carries."""
    if kind not in STATUSES:
        raise ValueError(f"unknown status {kind!r}; one of {STATUSES}")
    return {"status": kind, "reason": reason}


def precise_enough(posts: pd.DataFrame) -> pd.Series:
    """True for items whose time is stated precisely enough for hourly analyses (``time_precision`` in
    :data:`firestorm.schema.HOURLY_PRECISIONS`). A table without ``time_precision`` was written before ingest
    recorded it, when every export read gave seconds: all its items count as precise."""
    if "time_precision" not in posts:
        return pd.Series(True, index=posts.index)
    return posts["time_precision"].isin(HOURLY_PRECISIONS).fillna(False).astype(bool)


def timed_items(posts: pd.DataFrame) -> pd.DataFrame:
    """The items of ``posts`` that hourly and minute-level analyses may use (:func:`precise_enough`)."""
    return posts[precise_enough(posts)]


def read_posts(path, columns: list[str], filters=None) -> pd.DataFrame:
    """``columns`` of a posts.parquet (rows matching the pyarrow ``filters``), plus ``time_precision`` when
    the table has it (see :func:`precise_enough`)."""
    import pyarrow.parquet as pq

    extra = ["time_precision"] if "time_precision" in pq.read_schema(path).names else []
    return pd.read_parquet(path, columns=list(dict.fromkeys(list(columns) + extra)), filters=filters)


def hourly_counts(posts: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
                  by: list[str] | None = None, weight: str | None = None) -> pd.DataFrame:
    """Items per hour on a complete UTC hour grid from ``start`` to ``end``.

    With ``by`` the result has one column per group (e.g. platform), else a single ``items`` column.
    With ``weight`` (a numeric column) each item counts that much instead of one.
    """
    grid = pd.date_range(start.floor("h"), end.ceil("h"), freq="h", inclusive="left", tz="UTC")
    hours = posts["created_at"].dt.floor("h")
    values = posts[weight].fillna(0).astype(float) if weight else pd.Series(1.0, index=posts.index)
    if by:
        table = values.groupby([hours] + [posts[c] for c in by]).sum().unstack(by, fill_value=0.0)
        table.columns = ["/".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in table.columns]
    else:
        table = values.groupby(hours).sum().to_frame("items")
    table = table.reindex(grid, fill_value=0.0)
    table.index.name = "hour"
    return table


@dataclass(frozen=True)
class DecayFit:
    half_life_hours: float
    ci_low: float
    ci_high: float
    amplitude: float
    baseline: float
    response_factor: float | None
    fitted_hours: int
    fitted_items: int = 0
    at_bound: tuple[str, ...] = ()      # parameters the optimiser left at the edge of their range
    ci_reaches_bound: bool = False      # a bootstrap percentile is a bound: the decay is not resolved

    @property
    def status(self) -> dict:
        """"ok", "too few items" (fewer than :data:`MIN_DECAY_ITEMS` items or :data:`MIN_DECAY_HOURS` hours
        after the peak) or "at bound" (the estimate or its interval is the optimiser's bound)."""
        if self.fitted_items < MIN_DECAY_ITEMS or self.fitted_hours < MIN_DECAY_HOURS:
            return status("too few items", f"{self.fitted_items} items in {self.fitted_hours} h after the peak; "
                                           f"{MIN_DECAY_ITEMS} items and {MIN_DECAY_HOURS} h needed")
        allowed = f"the optimiser allows {HALF_LIFE_RANGE_HOURS[0]:.2f}–{HALF_LIFE_RANGE_HOURS[1]:.0f} h"
        if self.at_bound:
            return status("at bound", f"{', '.join(self.at_bound)} ({allowed})")
        if self.ci_reaches_bound:
            return status("at bound", f"the bootstrap interval reaches a bound ({allowed}): the decay is not "
                                      "resolved in the window")
        return status("ok")


# The decay rate k may range over [1e-4, 5] per hour: half-lives from 8 minutes to 289 days.
DECAY_RATE_BOUNDS = (1e-4, 5.0)
HALF_LIFE_RANGE_HOURS = (float(np.log(2) / DECAY_RATE_BOUNDS[1]), float(np.log(2) / DECAY_RATE_BOUNDS[0]))
LOG_RESPONSE_FACTOR_BOUNDS = (-5.0, 5.0)


def detect_onset(counts: pd.Series, baseline_end: pd.Timestamp, alpha: float = 0.001,
                 sustain_hours: int = 3) -> tuple[pd.Timestamp | None, float, float]:
    """(onset hour, baseline rate per hour, threshold count). ``counts`` is an hourly series, UTC index."""
    baseline_hours = counts[counts.index < baseline_end]
    if len(baseline_hours) < 6:
        baseline_hours = counts.iloc[: max(6, len(counts) // 10)]
    baseline = float(baseline_hours.mean())
    threshold = float(stats.poisson.ppf(1 - alpha, max(baseline, 1e-3)))
    above = (counts > threshold).to_numpy()
    run = np.convolve(above.astype(int), np.ones(sustain_hours, dtype=int), mode="full")[sustain_hours - 1:]
    candidates = np.flatnonzero(run[: len(above)] >= sustain_hours)
    candidates = [i for i in candidates if counts.index[i] >= baseline_hours.index[-1]]
    if not candidates:
        return None, baseline, threshold
    return counts.index[candidates[0]], baseline, threshold


def peak_hour(counts: pd.Series) -> tuple[pd.Timestamp, float]:
    """Hour with the highest centred 3-hour moving average, and that average (items per hour)."""
    smooth = counts.rolling(3, center=True, min_periods=1).mean()
    return smooth.idxmax(), float(smooth.max())


def _decay_rate(params, t, response_after):
    log_amplitude, log_k, log_factor = params
    level = np.exp(log_amplitude - np.exp(log_k) * t)
    if response_after is not None:
        level = np.where(t >= response_after, level * np.exp(log_factor), level)
    return level


def fit_decay(counts: pd.Series, peak: pd.Timestamp, baseline: float, response: pd.Timestamp | None = None,
              bootstrap: int = 200, seed: int = 0) -> DecayFit:
    """Poisson MLE of the post-peak decay; see the module docstring. ``counts`` is hourly with a UTC index."""
    after = counts[counts.index >= peak]
    t = (after.index - peak) / HOUR + 0.5
    t = np.asarray(t, dtype=float)
    y = after.to_numpy(dtype=float)
    response_after = None
    if response is not None and response > peak:
        response_after = (response - peak) / HOUR

    def fit(observed):
        def negative_log_likelihood(params):
            # Floored: with no items before the trigger the baseline is 0 and a vanishing decay would give log 0.
            rate = np.maximum(baseline + _decay_rate(params, t, response_after), 1e-12)
            return float(np.sum(rate - observed * np.log(rate)))

        start = np.array([np.log(max(observed[:3].mean() - baseline, 1.0)) if len(observed) else 0.0,
                          np.log(np.log(2) / 24), 0.0])
        return optimize.minimize(negative_log_likelihood, start, method="L-BFGS-B", bounds=bounds).x

    bounds = [(-5, 20), tuple(np.log(DECAY_RATE_BOUNDS)),
              LOG_RESPONSE_FACTOR_BOUNDS if response_after is not None else (0, 0)]
    best = fit(y)
    rng = np.random.default_rng(seed)
    expected = baseline + _decay_rate(best, t, response_after)
    draws = [np.log(2) / np.exp(fit(rng.poisson(expected).astype(float))[1]) for _ in range(bootstrap)]
    low, high = np.percentile(draws, [2.5, 97.5]) if draws else (np.nan, np.nan)
    reaches = any(np.isclose(value, HALF_LIFE_RANGE_HOURS, rtol=1e-3).any() for value in (low, high))
    return DecayFit(
        half_life_hours=float(np.log(2) / np.exp(best[1])),
        ci_low=float(low),
        ci_high=float(high),
        amplitude=float(np.exp(best[0])),
        baseline=baseline,
        response_factor=float(np.exp(best[2])) if response_after is not None else None,
        fitted_hours=len(y),
        fitted_items=int(y.sum()),
        # A decay rate at its lower bound is a half-life at its upper one: say it as the reader's quantity.
        at_bound=tuple(at_bounds(-best[1:2], [(-bounds[1][1], -bounds[1][0])], ["half-life"])
                       + at_bounds(best[2:], bounds[2:], ["response level factor"])),
        ci_reaches_bound=bool(reaches),
    )


def daily_volume(posts: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """Items and engagement (likes + comments + shares) per local day, platform and kind."""
    frame = posts.assign(
        day=posts["created_at"].dt.tz_convert(timezone).dt.tz_localize(None).dt.normalize(),
        engagement=posts[["likes", "comments", "shares"]].fillna(0).sum(axis=1),
    )
    table = frame.groupby(["day", "platform", "kind"]).agg(items=("post_id", "size"),
                                                          engagement=("engagement", "sum")).reset_index()
    table["cumulative_items"] = table.groupby(["platform", "kind"])["items"].cumsum()
    return table


def daily_sentiment(posts: pd.DataFrame, sentiment: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """Share of negative / neutral / positive items per local day and platform, with Wilson 95 % intervals."""
    merged = posts[["post_id", "platform", "created_at"]].merge(sentiment[["post_id", "label"]], on="post_id")
    merged["day"] = merged["created_at"].dt.tz_convert(timezone).dt.tz_localize(None).dt.normalize()
    counts = merged.groupby(["day", "platform", "label"]).size().unstack("label", fill_value=0)
    for label in ("negative", "neutral", "positive"):
        if label not in counts:
            counts[label] = 0
    counts["items"] = counts[["negative", "neutral", "positive"]].sum(axis=1)
    rows = counts.reset_index()
    for label in ("negative", "neutral", "positive"):
        rows[f"{label}_share"] = rows[label] / rows["items"]
        rows[f"{label}_low"], rows[f"{label}_high"] = wilson_interval(rows[label], rows["items"])
    return rows


EMOTION_SHARES = ["emotion", "posts", "items", "share", "low", "high"]


def emotion_shares(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Share of items of each emotion per group of ``by`` (Wilson 95 % intervals): columns ``by`` +
    :data:`EMOTION_SHARES`, every emotion present for every group (0 when no item has it)."""
    from firestorm.sentiment.model import EMOTIONS

    scored = frame[frame["emotion"].notna()]
    columns = by + EMOTION_SHARES
    if scored.empty:
        return pd.DataFrame(columns=columns)
    counts = (scored.groupby(by + ["emotion"], observed=True).size().unstack("emotion", fill_value=0)
              .reindex(columns=list(EMOTIONS), fill_value=0))
    items = counts.sum(axis=1)
    table = counts.stack().rename("posts").reset_index()
    table["items"] = table.set_index(by).index.map(items).to_numpy()
    table["share"] = table["posts"] / table["items"]
    table["low"], table["high"] = wilson_interval(table["posts"], table["items"])
    return table[columns]


def emotion_tables(posts: pd.DataFrame, sentiment: pd.DataFrame, case: Case) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Emotion shares per local day (all platforms) and per phase of the case (see
    :func:`firestorm.discourse.assign_phases`); empty when the model has no emotion head."""
    from firestorm.discourse import assign_phases

    merged = posts[["post_id", "created_at"]].merge(sentiment[["post_id", "emotion"]], on="post_id")
    merged["day"] = merged["created_at"].dt.tz_convert(case.timezone).dt.tz_localize(None).dt.normalize()
    merged["phase"] = assign_phases(merged["created_at"], case)
    return emotion_shares(merged, ["day"]), emotion_shares(merged, ["phase"])


def summarise_spread(posts: pd.DataFrame, case: Case, bootstrap: int = 200, seed: int = 0) -> dict:
    """Onset, peak, half-life (with CI), Hawkes fit, reach and per-platform totals of one case, JSON-ready."""
    return analyse_spread(posts, case, bootstrap, seed)[0]


ONSET_METHOD = "first of 3 consecutive hours above the Poisson 99.9% quantile of the pre-trigger rate"
HALF_LIFE_METHOD = "Poisson MLE of b + A exp(-k t) after the peak, level change at the response; parametric bootstrap"
HOURLY_ANALYSES = "onset, peak, half-life and Hawkes process"


def time_precision_summary(posts: pd.DataFrame) -> dict:
    """How many items the hourly analyses may use, how many only have a date, and whether that is enough
    (:data:`MIN_HOURLY_ITEMS`); the status is "not identified" when dated-only items leave too few."""
    precise = precise_enough(posts)
    hourly, date_only = int(precise.sum()), int((~precise).sum())
    summary = {"items": int(len(posts)), "hourly_items": hourly, "date_only_items": date_only,
               "by_precision": ({str(k): int(v) for k, v in posts["time_precision"].value_counts().items()}
                                if "time_precision" in posts else {"second": int(len(posts))}),
               "rule": f"{HOURLY_ANALYSES} use only items timed to the {HOURLY_PRECISIONS[-1]} or better; "
                       "daily tables use all",
               "minimum_hourly_items": MIN_HOURLY_ITEMS}
    if hourly >= MIN_HOURLY_ITEMS:
        reason = (f"{date_only} of {len(posts)} items have only a date and are left out of the {HOURLY_ANALYSES}"
                  if date_only else "")
        return {**summary, **status("ok", reason)}
    if date_only:
        return {**summary, **status("not identified", f"{date_only} of {len(posts)} items have only a date; "
                                                       f"{hourly} timed items, {MIN_HOURLY_ITEMS} needed")}
    return {**summary, **status("too few items", f"{hourly} items, {MIN_HOURLY_ITEMS} needed")}


def analyse_spread(posts: pd.DataFrame, case: Case, bootstrap: int = 200,
                   seed: int = 0) -> tuple[dict, HawkesFit | None]:
    """:func:`summarise_spread`'s document and the :class:`HawkesFit` behind it (for the figures; None when
    too few items are timed to the hour: then onset, peak, half-life and Hawkes are not identified)."""
    precision = time_precision_summary(posts)
    engagement = posts[["likes", "comments", "shares"]].fillna(0).sum(axis=1)
    document = {
        "case": case.name,
        "timezone": case.timezone,
        "items": int(len(posts)),
        "items_by_platform_kind": {
            f"{p}/{k}": int(n) for (p, k), n in posts.groupby(["platform", "kind"]).size().items()
        },
        "authors": int(posts["author"].nunique()),
        "engagement_total": int(engagement.sum()),
        "first_item": _iso(posts["created_at"].min()) if len(posts) else None,
        "last_item": _iso(posts["created_at"].max()) if len(posts) else None,
        "time_precision": precision,
    }
    if precision["status"] != "ok":
        unidentified = status(precision["status"], precision["reason"])
        return {**document,
                "onset": {"time": None, "method": ONSET_METHOD, **unidentified},
                "peak": {"time": None, "items_per_hour": None, **unidentified},
                "half_life": {"hours": None, "ci95": [None, None], "method": HALF_LIFE_METHOD, **unidentified},
                "hawkes": {"items": precision["hourly_items"], "estimates": {}, "ci95": {}, "goodness_of_fit": {},
                           **unidentified}}, None

    timed = timed_items(posts)
    counts = hourly_counts(timed, case.window_start, case.window_end)["items"]
    trigger = case.first_event_time("trigger")
    onset, baseline, threshold = detect_onset(counts, trigger)
    peak, peak_height = peak_hour(counts)
    decay = fit_decay(counts, peak, baseline, case.response_time, bootstrap=bootstrap, seed=seed)
    hawkes = fit_hawkes(timed["created_at"], case.window_start, case.window_end, onset or trigger or peak,
                        case.response_time, platforms=timed["platform"], seed=seed)
    hawkes_document = hawkes_summary(hawkes)
    if hawkes_document["status"] == "ok":
        peak_document = {"time": _iso(hawkes.peak_time), "items_per_hour": hawkes.peak_items_per_hour,
                         "method": "maximum of the fitted Hawkes model's expected intensity (see hawkes)"}
    else:   # a model that does not describe the data does not place the peak: the observed counts do
        peak_document = {"time": _iso(peak), "items_per_hour": peak_height,
                         "method": f"hour of the highest 3-hour mean of the observed counts (the Hawkes fit is "
                                   f"'{hawkes_document['status']}')"}
    decay_valid = decay.status["status"] in ("ok", "at bound")
    return {
        **document,
        "onset": {
            "time": _iso(onset),
            "method": ONSET_METHOD,
            "baseline_per_hour": baseline,
            "threshold_count": threshold,
            **(status("ok") if onset is not None else
               status("not detected", f"no {3} consecutive hours above {threshold:.0f} items "
                                      f"(pre-trigger rate {baseline:.2f} items/h)")),
        },
        "peak": {
            **peak_document,
            "observed_3h_mean": {"hour": _iso(peak), "items_per_hour": peak_height},
            **status("ok"),
        },
        "half_life": {
            "hours": decay.half_life_hours if decay_valid else None,
            "ci95": [decay.ci_low, decay.ci_high] if decay_valid else [None, None],
            "method": f"{HALF_LIFE_METHOD}, {bootstrap} samples",
            "response_level_factor": decay.response_factor,
            "fitted_hours": decay.fitted_hours,
            "fitted_items": decay.fitted_items,
            **decay.status,
        },
        "hawkes": hawkes_document,
    }, hawkes


def status_note(entry: dict | None) -> str | None:
    """``"<status> (<reason>)"`` of a summary entry (onset, half_life, hawkes …) whose status is not "ok",
    else None. Entries written before statuses existed count as ok."""
    if not entry or entry.get("status", "ok") == "ok":
        return None
    return f"{entry['status']} ({entry['reason']})" if entry.get("reason") else entry["status"]


def status_notes(summary: dict) -> list[str]:
    """One line per quantity of a spread summary that is not a plain estimate, and the items left out of the
    hourly analyses for having only a date: what a figure or text must say beside (or instead of) numbers."""
    precision = summary.get("time_precision", {})
    unidentified = status_note(precision)
    if unidentified:   # then nothing hourly was fitted: one note says why
        return [f"{HOURLY_ANALYSES}: {unidentified}"]
    notes = [precision["reason"]] if precision.get("date_only_items") else []
    for key, name in (("onset", "onset"), ("half_life", "half-life"), ("hawkes", "Hawkes fit")):
        note = status_note(summary.get(key))
        if note:
            notes.append(f"{name}: {note}")
    return notes


def _iso(stamp) -> str | None:
    return stamp.isoformat() if stamp is not None and not pd.isna(stamp) else None


def hawkes_status(fit: HawkesFit) -> dict:
    """"too few items" (under :data:`MIN_HOURLY_ITEMS`), "at bound" (a parameter other than a platform's
    background sits at its bound; a background at its floor of 0.001 items/h just means none), "poor fit"
    (time-rescaling KS p below :data:`KS_POOR_FIT_P`) or "ok"; the reason names each problem found."""
    if fit.items < MIN_HOURLY_ITEMS:
        return status("too few items", f"{fit.items} items, {MIN_HOURLY_ITEMS} needed")
    problems = [entry for entry in fit.at_bound if not entry.startswith("background_per_hour")]
    poor = not fit.ks_pvalue >= KS_POOR_FIT_P   # NaN (too few gaps) counts as poor
    reasons = []
    if problems:
        reasons.append(", ".join(problems))
    if poor:
        reasons.append(f"time-rescaling KS p = {fit.ks_pvalue:.2g} < {KS_POOR_FIT_P}")
    if problems:
        return status("at bound", "; ".join(reasons))
    if poor:
        return status("poor fit", "; ".join(reasons))
    return status("ok")


def hawkes_summary(fit: HawkesFit) -> dict:
    """JSON-ready estimates, 95 % intervals, goodness of fit and status (:func:`hawkes_status`) of a
    :class:`HawkesFit`."""
    estimates = {
        "background_per_hour": fit.background_per_hour,
        "pulse_amplitude_per_hour": fit.pulse_amplitude_per_hour,
        "pulse_onset": fit.pulse_onset.isoformat(),
        "pulse_rise_hours": fit.pulse_rise_hours,
        "pulse_half_life_hours": fit.pulse_half_life_hours,
        "response_factor": fit.response_factor,
        "branching_ratio": fit.branching_ratio,
        "kernel_mean_hours": fit.kernel_mean_hours,
    }
    return {
        "model": "per platform p: lambda_p(t) = b_p + A_p*pulse(t)*(f after the response) "
                 "+ n * sum_{j on p} exp(-(t-t_j)/tau)/tau; pulse = linear rise from the onset, then exponential "
                 "decay; shape, n and tau shared by the platforms",
        "by_platform": fit.by_platform,
        "method": "Poisson maximum likelihood on 1-minute bins; Wald 95% intervals from the numerical Hessian "
                  "(log/logit scale); goodness of fit by time rescaling + Kolmogorov-Smirnov "
                  f"(p < {KS_POOR_FIT_P}: poor fit)",
        "items": fit.items,
        "estimates": estimates,
        "ci95": fit.ci95,
        "log_likelihood": fit.log_likelihood,
        "goodness_of_fit": {"ks_statistic": fit.ks_statistic, "ks_pvalue": fit.ks_pvalue,
                            "rescaled_gaps": int(len(fit.rescaled_gaps))},
        "parameters_at_bound": list(fit.at_bound),
        **hawkes_status(fit),
    }
