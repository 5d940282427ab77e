"""Self-excitation: maximum-likelihood fit of a Hawkes process with a pulse-shaped exogenous rate.

Per platform *p* the intensity is
``lambda_p(t) = b_p + A_p * pulse(t) + n * sum_{j on p} exp(-(t - t_j) / tau) / tau``: a background plus a pulse
(linear rise from the onset, exponential decay, level change at the response) and offspring of earlier items
under an exponential kernel. :func:`fit_hawkes` maximises the Poisson likelihood of
the arrivals binned to the minute and returns a :class:`HawkesFit`: branching ratio (share of items triggered
by earlier items), kernel mean, pulse half-life, Wald intervals from the numerical Hessian, the mean-field
intensity and a time-rescaling goodness-of-fit test.

This module is the estimator only; :mod:`firestorm.spread` judges a fit (status, thresholds) and writes it
into the spread summary (:func:`firestorm.spread.hawkes_summary`). The demo simulates its arrivals with its
own code (:mod:`firestorm.demo.simulate`), never with this, so the planted-truth tests check the estimator
against an independent implementation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

HOUR = pd.Timedelta(hours=1)


def at_bounds(values, bounds, names, relative_tolerance: float = 1e-3) -> list[str]:
    """Names of the optimiser coordinates that sit at (within ``relative_tolerance`` of the range of) a bound;
    fixed coordinates (lower == upper) never count."""
    found = []
    for value, (low, high), name in zip(values, bounds, names):
        if high > low and min(value - low, high - value) <= relative_tolerance * (high - low):
            found.append(f"{name} at {'lower' if value - low < high - value else 'upper'} bound")
    return found


@dataclass(frozen=True)
class HawkesFit:
    """Maximum-likelihood Hawkes fit with a pulse-shaped background; rates are items per hour.

    ``background_per_hour`` and ``pulse_amplitude_per_hour`` are summed over the platforms; the per-platform
    values are in ``by_platform``.
    """

    background_per_hour: float
    pulse_amplitude_per_hour: float
    pulse_onset: pd.Timestamp
    pulse_rise_hours: float
    pulse_half_life_hours: float
    response_factor: float | None
    branching_ratio: float
    kernel_mean_hours: float
    by_platform: dict                  # platform -> {"background_per_hour", "pulse_amplitude_per_hour", "items"}
    ci95: dict
    log_likelihood: float
    expected_per_hour: pd.Series       # mean-field intensity of the fitted model on the hour grid
    peak_time: pd.Timestamp            # when the mean-field intensity is highest (bin centre)
    peak_items_per_hour: float
    rescaled_gaps: np.ndarray           # time-rescaled inter-arrival times; Exp(1) if the model fits
    ks_statistic: float
    ks_pvalue: float
    items: int
    at_bound: tuple[str, ...] = ()      # "<parameter> at lower/upper bound" for each one the optimiser left there


# The shared parameters, in the optimiser vector's order after the per-platform (background, amplitude) pairs.
SHARED_PARAMETERS = ("pulse_onset_hours", "pulse_rise_hours", "pulse_half_life_hours", "response_factor",
                     "branching_ratio", "kernel_mean_hours")


def _pulse(t: np.ndarray, onset: float, rise: float, half_life: float) -> np.ndarray:
    """0 before ``onset``, a linear ramp to 1 over ``rise`` hours, then exponential decay with ``half_life``."""
    since = t - onset
    return np.where(since < 0, 0.0, np.where(since < rise, since / rise,
                                             np.exp(-np.log(2) / half_life * (since - rise))))


def _shared_values(theta: np.ndarray, platforms: int, has_response: bool) -> dict:
    """Shared parameters from the unconstrained optimiser vector (logs and a logit keep them in range)."""
    onset, log_rise, log_half_life, log_factor, logit_n, log_tau = theta[2 * platforms:]
    return {
        "pulse_onset_hours": onset, "pulse_rise_hours": np.exp(log_rise),
        "pulse_half_life_hours": np.exp(log_half_life),
        "response_factor": np.exp(log_factor) if has_response else 1.0,
        "branching_ratio": 1.0 / (1.0 + np.exp(-logit_n)), "kernel_mean_hours": np.exp(log_tau),
    }


def _background(shared: dict, background: float, amplitude: float, t_hours: np.ndarray,
                response_hours: float | None) -> np.ndarray:
    pulse = _pulse(t_hours, shared["pulse_onset_hours"], shared["pulse_rise_hours"], shared["pulse_half_life_hours"])
    if response_hours is not None:
        pulse = np.where(t_hours >= response_hours, pulse * shared["response_factor"], pulse)
    return background + amplitude * pulse


def _binned_log_likelihood(shared: dict, background: float, amplitude: float, counts: np.ndarray,
                           bin_hours: float, response_hours: float | None) -> float:
    """Poisson log-likelihood of one platform's binned arrivals: expected count per bin = background + offspring
    of its earlier bins under the exponential kernel (children in a parent's own bin are neglected; bins are
    much shorter than the kernel)."""
    from scipy.signal import lfilter

    centres = (np.arange(len(counts)) + 0.5) * bin_hours
    decay = np.exp(-bin_hours / shared["kernel_mean_hours"])
    # history[m] = sum over earlier bins m' of counts[m'] * decay ** (m - 1 - m')
    history = lfilter([0.0, 1.0], [1.0, -decay], counts)
    expected = (_background(shared, background, amplitude, centres, response_hours) * bin_hours
                + shared["branching_ratio"] * (1 - decay) * history)
    expected = np.maximum(expected, 1e-12)
    return float(np.sum(counts * np.log(expected) - expected))


def fit_hawkes(times: pd.Series, start: pd.Timestamp, end: pd.Timestamp, onset: pd.Timestamp,
               response: pd.Timestamp | None = None, platforms: pd.Series | None = None,
               bin_minutes: float = 1.0, seed: int = 0) -> HawkesFit:
    """Fit a Hawkes process with exponential kernel and a pulse-shaped exogenous rate to arrival ``times``.

    Per platform *p* (``platforms``; one process if None) the intensity is
    ``lambda_p(t) = b_p + A_p * pulse(t) + n * sum_{j on p} exp(-(t - t_j) / tau) / tau``: items excite items
    on their own platform (a comment answers a post on the same site); the pulse shape (onset, rise,
    half-life, level factor ``f`` from the response on), the branching ratio ``n`` (share of items
    triggered by earlier items) and the kernel mean ``tau`` are shared. Maximum likelihood on
    ``bin_minutes`` bins (exact as bins shrink); Wald 95 % intervals from the numerical Hessian in the
    optimiser's log/logit coordinates. Goodness of fit by the time-rescaling theorem: each platform's
    compensator increments between arrivals are Exp(1) under the model (pooled for a Kolmogorov-Smirnov
    test; ties broken by a seeded uniform jitter within the timestamp's second).
    """
    bin_hours = bin_minutes / 60.0
    window = (end - start) / HOUR
    n_bins = int(np.ceil(window / bin_hours))
    all_hours = ((times - start) / HOUR).to_numpy(dtype=float)
    labels = (platforms.to_numpy() if platforms is not None else np.full(len(all_hours), "all")).astype(str)
    inside = (all_hours >= 0) & (all_hours < window)
    names = sorted(set(labels[inside]))
    hours_by_platform = {name: np.sort(all_hours[inside & (labels == name)]) for name in names}
    counts = {name: np.bincount(np.minimum((h / bin_hours).astype(int), n_bins - 1), minlength=n_bins).astype(float)
              for name, h in hours_by_platform.items()}
    response_hours = (response - start) / HOUR if response is not None and start < response < end else None
    has_response = response_hours is not None
    onset_hours = (onset - start) / HOUR
    k = len(names)

    start_theta, bounds = [], []
    for name in names:
        before = counts[name][: max(1, int(onset_hours / bin_hours))].sum() / max(onset_hours, bin_hours)
        start_theta += [np.log(max(before, 0.01)), np.log(max(counts[name].max() / bin_hours * 0.3, 1.0))]
        bounds += [(np.log(1e-3), np.log(1e6)), (np.log(1e-3), np.log(1e7))]
    start_theta += [onset_hours, np.log(3.0), np.log(24.0), 0.0, 0.0, 0.0]
    bounds += [(onset_hours - 6, onset_hours + 6), (np.log(0.25), np.log(72)), (np.log(0.5), np.log(24 * 60)),
               (np.log(0.01), np.log(100)) if has_response else (0.0, 0.0), (-8.0, 8.0),
               (np.log(2 * bin_hours), np.log(72))]
    start_theta = np.array(start_theta)

    def objective(theta):
        shared = _shared_values(theta, k, has_response)
        return -sum(_binned_log_likelihood(shared, np.exp(theta[2 * i]), np.exp(theta[2 * i + 1]), counts[name],
                                           bin_hours, response_hours) for i, name in enumerate(names))

    best = None
    for branching_start in (-1.0, 0.5):   # two starts: mostly exogenous / mostly self-excited
        theta0 = start_theta.copy()
        theta0[2 * k + 4] = branching_start
        result = optimize.minimize(objective, theta0, method="L-BFGS-B", bounds=bounds)
        if best is None or result.fun < best.fun:
            best = result
    theta = best.x
    shared = _shared_values(theta, k, has_response)
    parameter_names = [f"{what}[{name}]" for name in names for what in ("background_per_hour",
                                                                        "pulse_amplitude_per_hour")]
    parameter_names += list(SHARED_PARAMETERS)
    at_bound = tuple(at_bounds(theta, bounds, parameter_names))
    ci = _wald_intervals(objective, theta, parameter_names, k, has_response)

    # Mean-field (expected) intensity of the fitted model, summed over platforms, for the peak and the figure.
    centres = (np.arange(n_bins) + 0.5) * bin_hours
    decay = np.exp(-bin_hours / shared["kernel_mean_hours"])
    expected_bins = np.zeros(n_bins)
    gaps, by_platform = [], {}
    rng = np.random.default_rng(seed)
    for i, name in enumerate(names):
        background, amplitude = float(np.exp(theta[2 * i])), float(np.exp(theta[2 * i + 1]))
        mu = _background(shared, background, amplitude, centres, response_hours) * bin_hours
        expected_bins += _mean_field(mu, shared["branching_ratio"], decay)
        gaps.append(_rescaled_gaps(hours_by_platform[name], shared, background, amplitude, response_hours, rng))
        by_platform[name] = {"background_per_hour": background, "pulse_amplitude_per_hour": amplitude,
                             "items": int(len(hours_by_platform[name]))}
    bins_per_hour = int(round(1 / bin_hours))
    usable = (n_bins // bins_per_hour) * bins_per_hour
    hourly = expected_bins[:usable].reshape(-1, bins_per_hour).sum(axis=1)
    expected = pd.Series(hourly, index=pd.date_range(start, periods=len(hourly), freq="h"), name="expected")
    gaps = np.concatenate(gaps) if gaps else np.array([])
    ks = stats.kstest(gaps, "expon") if len(gaps) > 1 else None
    return HawkesFit(
        background_per_hour=sum(v["background_per_hour"] for v in by_platform.values()),
        pulse_amplitude_per_hour=sum(v["pulse_amplitude_per_hour"] for v in by_platform.values()),
        pulse_onset=start + pd.Timedelta(hours=float(shared["pulse_onset_hours"])).round("s"),
        pulse_rise_hours=float(shared["pulse_rise_hours"]),
        pulse_half_life_hours=float(shared["pulse_half_life_hours"]),
        response_factor=float(shared["response_factor"]) if has_response else None,
        branching_ratio=float(shared["branching_ratio"]),
        kernel_mean_hours=float(shared["kernel_mean_hours"]),
        by_platform=by_platform, ci95=ci, log_likelihood=float(-best.fun), expected_per_hour=expected,
        peak_time=start + pd.Timedelta(hours=float(centres[int(np.argmax(expected_bins))])).round("s"),
        peak_items_per_hour=float(expected_bins.max() / bin_hours),
        rescaled_gaps=gaps, ks_statistic=float(ks.statistic) if ks else float("nan"),
        ks_pvalue=float(ks.pvalue) if ks else float("nan"), items=int(inside.sum()), at_bound=at_bound,
    )


def _mean_field(mu: np.ndarray, branching_ratio: float, decay: float) -> np.ndarray:
    """Expected items per bin of a Hawkes process with exogenous expectation ``mu`` per bin."""
    expected = np.empty(len(mu))
    memory = 0.0
    for i, rate in enumerate(mu):
        expected[i] = rate + branching_ratio * (1 - decay) * memory
        memory = memory * decay + expected[i]
    return expected


def _wald_intervals(objective, theta: np.ndarray, names: list[str], platforms: int, has_response: bool) -> dict:
    """95 % intervals from the inverse numerical Hessian of the negative log-likelihood, mapped back from the
    optimiser's coordinates (so they respect each parameter's range)."""
    free = [i for i, name in enumerate(names) if has_response or name != "response_factor"]
    step = 1e-3
    hessian = np.zeros((len(free), len(free)))
    for a, i in enumerate(free):
        for b, j in enumerate(free[a:], start=a):
            shifted = {}
            for di, dj in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
                point = theta.copy()
                point[i] += di * step
                point[j] += dj * step
                shifted[(di, dj)] = objective(point)
            value = (shifted[(1, 1)] - shifted[(1, -1)] - shifted[(-1, 1)] + shifted[(-1, -1)]) / (4 * step**2)
            hessian[a, b] = hessian[b, a] = value
    try:
        standard_errors = np.sqrt(np.clip(np.diag(np.linalg.inv(hessian)), 0, None))
    except np.linalg.LinAlgError:
        standard_errors = np.full(len(free), np.nan)

    def natural(vector, index):
        name = names[index]
        if index < 2 * platforms:
            return float(np.exp(vector[index]))
        return float(_shared_values(vector, platforms, has_response)[name])

    intervals = {}
    for a, i in enumerate(free):
        low, high = theta.copy(), theta.copy()
        low[i] -= 1.96 * standard_errors[a]
        high[i] += 1.96 * standard_errors[a]
        values = sorted([natural(low, i), natural(high, i)])
        intervals[names[i]] = values
    return intervals


def _rescaled_gaps(hours: np.ndarray, shared: dict, background: float, amplitude: float,
                   response_hours: float | None, rng: np.random.Generator) -> np.ndarray:
    """Compensator increments between consecutive arrivals of one platform (time-rescaling theorem)."""
    if len(hours) < 2:
        return np.array([])
    # Exports stamp to the second (some to the minute): spread tied arrivals uniformly inside their second.
    hours = np.sort(hours + rng.random(len(hours)) / 3600.0)
    # Background part: cumulative integral on a fine grid, interpolated at the arrivals.
    grid = np.linspace(0.0, hours[-1] + 1e-9, int(hours[-1] * 60) + 2)
    rate = _background(shared, background, amplitude, grid, response_hours)
    cumulative = np.concatenate([[0.0], np.cumsum((rate[1:] + rate[:-1]) / 2 * np.diff(grid))])
    exogenous = np.interp(hours, grid, cumulative)
    # Kernel part: n * sum_{j<i} (1 - exp(-(t_i - t_j) / tau)) = n * (i - R_i), R by the usual recursion.
    beta = 1.0 / shared["kernel_mean_hours"]
    gaps_between = np.diff(hours, prepend=hours[0])
    recursion = np.empty(len(hours))
    carried = 0.0
    for i, gap in enumerate(gaps_between):
        carried = np.exp(-beta * gap) * (carried + (1.0 if i else 0.0))
        recursion[i] = carried
    excited = shared["branching_ratio"] * (np.arange(len(hours)) - recursion)
    return np.diff(exogenous + excited)
