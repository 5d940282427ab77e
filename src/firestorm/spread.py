"""Spread: how the controversy grew and faded — volume, onset, peak and attention half-life.

Methods (all on hourly counts of items, i.e. posts, reposts and comments):

* **Onset** — the burst start: the first hour from which the count exceeds the upper ``1 - alpha`` quantile
  of a Poisson distribution with the pre-trigger baseline rate for ``sustain_hours`` hours in a row. The
  baseline is the mean hourly count from the window start to the trigger event.
* **Peak** — the hour of the highest 3-hour centred moving average (a single noisy hour does not win).
* **Half-life** — a Poisson maximum-likelihood fit of ``rate(t) = b + A exp(-k (t - peak))`` to the hours
  from the peak to the window end, with ``b`` the baseline rate; where the company responded after the
  peak, the decaying part carries a multiplicative level change ``f`` from the response hour on, so a
  response does not masquerade as faster decay. Half-life ``ln 2 / k`` with a parametric-bootstrap
  percentile confidence interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from firestorm.config import Case

HOUR = pd.Timedelta(hours=1)


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
            rate = baseline + _decay_rate(params, t, response_after)
            return float(np.sum(rate - observed * np.log(rate)))

        start = np.array([np.log(max(observed[:3].mean() - baseline, 1.0)), np.log(np.log(2) / 24), 0.0])
        bounds = [(-5, 20), (np.log(1e-4), np.log(5.0)), (-5, 5) if response_after is not None else (0, 0)]
        return optimize.minimize(negative_log_likelihood, start, method="L-BFGS-B", bounds=bounds).x

    best = fit(y)
    rng = np.random.default_rng(seed)
    expected = baseline + _decay_rate(best, t, response_after)
    draws = [np.log(2) / np.exp(fit(rng.poisson(expected).astype(float))[1]) for _ in range(bootstrap)]
    low, high = np.percentile(draws, [2.5, 97.5]) if draws else (np.nan, np.nan)
    return DecayFit(
        half_life_hours=float(np.log(2) / np.exp(best[1])),
        ci_low=float(low),
        ci_high=float(high),
        amplitude=float(np.exp(best[0])),
        baseline=baseline,
        response_factor=float(np.exp(best[2])) if response_after is not None else None,
        fitted_hours=len(y),
    )


def wilson_interval(successes: np.ndarray, totals: np.ndarray, z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a binomial share; (nan, nan) where the total is 0."""
    successes = np.asarray(successes, dtype=float)
    totals = np.asarray(totals, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = successes / totals
        centre = (share + z**2 / (2 * totals)) / (1 + z**2 / totals)
        half = z * np.sqrt(share * (1 - share) / totals + z**2 / (4 * totals**2)) / (1 + z**2 / totals)
    return centre - half, centre + half


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


def summarise_spread(posts: pd.DataFrame, case: Case, bootstrap: int = 200, seed: int = 0) -> dict:
    """Onset, peak, half-life (with CI), reach and per-platform totals of one case, JSON-ready."""
    counts = hourly_counts(posts, case.window_start, case.window_end)["items"]
    trigger = case.first_event_time("trigger")
    onset, baseline, threshold = detect_onset(counts, trigger)
    peak, peak_height = peak_hour(counts)
    decay = fit_decay(counts, peak, baseline, case.response_time, bootstrap=bootstrap, seed=seed)
    engagement = posts[["likes", "comments", "shares"]].fillna(0).sum(axis=1)
    iso = lambda stamp: stamp.isoformat() if stamp is not None else None  # noqa: E731
    return {
        "case": case.name,
        "timezone": case.timezone,
        "items": int(len(posts)),
        "items_by_platform_kind": {
            f"{p}/{k}": int(n) for (p, k), n in posts.groupby(["platform", "kind"]).size().items()
        },
        "authors": int(posts["author"].nunique()),
        "engagement_total": int(engagement.sum()),
        "first_item": iso(posts["created_at"].min()) if len(posts) else None,
        "last_item": iso(posts["created_at"].max()) if len(posts) else None,
        "onset": {
            "time": iso(onset),
            "method": "first of 3 consecutive hours above the Poisson 99.9% quantile of the pre-trigger rate",
            "baseline_per_hour": baseline,
            "threshold_count": threshold,
        },
        "peak": {"time": iso(peak), "items_per_hour_3h_mean": peak_height},
        "half_life": {
            "hours": decay.half_life_hours,
            "ci95": [decay.ci_low, decay.ci_high],
            "method": "Poisson MLE of b + A exp(-k t) after the peak, level change at the response; "
                      f"parametric bootstrap, {bootstrap} samples",
            "response_level_factor": decay.response_factor,
            "fitted_hours": decay.fitted_hours,
        },
    }
