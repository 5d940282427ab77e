"""The demo's arrival process: a self-exciting (Hawkes) process simulated by its cluster representation.

* exogenous rate ``mu(t) = b + A * g(t)`` where ``g`` ramps linearly from the planted onset over
  ``rise_hours`` and then decays exponentially with the planted half-life; after an official response the
  exogenous part is multiplied by ``response_volume_factor``;
* every item begets ``Poisson(branching_ratio)`` children after ``Exponential(kernel_mean_hours)`` delays
  (comments and reposts of it), which is the cluster representation of a Hawkes process.

This is the generator's own code, written apart from the estimator (:mod:`firestorm.hawkes`) and never
importing it: the planted-truth tests compare the estimator with an independent simulation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from firestorm.config import Case, parse_time

MINUTES_PER_HOUR = 60.0


def exogenous_rate(minutes: np.ndarray, params: "DemoParams") -> np.ndarray:
    """Immigrant rate per minute at ``minutes`` since window start, summed over platforms."""
    since_onset = minutes - params.onset_minute
    rise = params.rise_hours * MINUTES_PER_HOUR
    decay_per_minute = np.log(2) / (params.half_life_hours * MINUTES_PER_HOUR)
    pulse = np.where(
        since_onset < 0,
        0.0,
        np.where(since_onset < rise, since_onset / rise, np.exp(-decay_per_minute * (since_onset - rise))),
    )
    if params.response_minute is not None:
        pulse = np.where(minutes >= params.response_minute, pulse * params.response_volume_factor, pulse)
    return params.background_per_minute + params.pulse_amplitude_per_minute * pulse


def expected_intensity(mu: np.ndarray, branching_ratio: float, kernel_mean_minutes: float) -> np.ndarray:
    """Expected total rate per one-minute bin of a Hawkes process with exogenous rate ``mu``.

    Solves lambda = mu + n * (kernel * lambda) for the exponential kernel with the recursion of its
    exponentially weighted memory, one minute at a time.
    """
    decay = np.exp(-1.0 / kernel_mean_minutes)
    memory = 0.0
    lam = np.empty_like(mu)
    for i, rate in enumerate(mu):
        lam[i] = rate + branching_ratio * memory
        memory = memory * decay + lam[i] * (1 - decay)
    return lam


def simulate_hawkes(
    rng: np.random.Generator, mu: np.ndarray, branching_ratio: float, kernel_mean_minutes: float
) -> pd.DataFrame:
    """Arrival minutes of a Hawkes process by its cluster representation.

    ``mu`` is the immigrant rate per one-minute bin. Returns columns ``minute`` (float, since window start),
    ``parent`` (row index of the triggering item or -1) and ``generation``, sorted by time.
    """
    horizon = len(mu)
    counts = rng.poisson(mu)
    minutes = np.repeat(np.arange(horizon), counts) + rng.random(counts.sum())
    frames = [pd.DataFrame({"minute": minutes, "parent": -1, "generation": 0})]
    offset = len(minutes)
    parents_minutes, parents_index, generation = minutes, np.arange(len(minutes)), 0
    while len(parents_minutes):
        generation += 1
        children = rng.poisson(branching_ratio, size=len(parents_minutes))
        child_minutes = np.repeat(parents_minutes, children) + rng.exponential(kernel_mean_minutes, children.sum())
        child_parents = np.repeat(parents_index, children)
        inside = child_minutes < horizon
        child_minutes, child_parents = child_minutes[inside], child_parents[inside]
        index = np.arange(offset, offset + len(child_minutes))
        frames.append(pd.DataFrame({"minute": child_minutes, "parent": child_parents, "generation": generation}))
        offset += len(child_minutes)
        parents_minutes, parents_index = child_minutes, index
    items = pd.concat(frames, ignore_index=True)
    order = np.argsort(items["minute"].to_numpy(), kind="stable")
    new_position = np.empty(len(order), dtype=np.int64)
    new_position[order] = np.arange(len(order))
    items = items.iloc[order].reset_index(drop=True)
    items["parent"] = np.where(items["parent"] >= 0, new_position[items["parent"].clip(lower=0)], -1)
    return items


@dataclass(frozen=True)
class DemoParams:
    horizon_minutes: int
    onset_minute: float
    rise_hours: float
    half_life_hours: float
    branching_ratio: float
    kernel_mean_minutes: float
    background_per_minute: float
    pulse_amplitude_per_minute: float
    response_minute: float | None
    response_volume_factor: float


def demo_params(case: Case, scale: float = 1.0) -> DemoParams:
    """Planted process parameters; the pulse amplitude makes the expected item count ``items * scale``."""
    demo = case.demo
    start = case.window_start
    horizon = int((case.window_end - start).total_seconds() // 60)
    onset = parse_time(demo["onset"], case.timezone, path=case.source_path, key="demo.onset")
    response_minute = None
    if case.response_time is not None:
        response_minute = (case.response_time - start).total_seconds() / 60
    base = DemoParams(
        horizon_minutes=horizon,
        onset_minute=(onset - start).total_seconds() / 60,
        rise_hours=demo["rise_hours"],
        half_life_hours=demo["decay_half_life_hours"],
        branching_ratio=demo["branching_ratio"],
        kernel_mean_minutes=demo["kernel_mean_hours"] * MINUTES_PER_HOUR,
        background_per_minute=demo["background_per_hour"] * scale / MINUTES_PER_HOUR,
        pulse_amplitude_per_minute=1.0,
        response_minute=response_minute,
        response_volume_factor=demo.get("response_volume_factor", 1.0),
    )
    grid = np.arange(horizon) + 0.5
    unit_pulse = exogenous_rate(grid, base) - base.background_per_minute
    wanted_immigrants = demo["items"] * scale * (1 - base.branching_ratio)
    amplitude = (wanted_immigrants - base.background_per_minute * horizon) / unit_pulse.sum()
    if amplitude <= 0:
        raise ValueError(f"{case.source_path}: key 'demo.items': too small for the background rate")
    return DemoParams(**{**base.__dict__, "pulse_amplitude_per_minute": amplitude})
