"""The response measures the crisis-communication literature reports, beside the study's own latency.

- **Latency bins.** Hours from the trigger and from the onset to the response, binned as the literature bins
  them: within 1 h, within 4 h (the "golden 4 hours" of Chinese public-opinion practice), 8 h, 24 h, later —
  or right-censored when the company never answered within the data.
- **Stage at response** (Yu, Ye & Zhang 2025 compare Chinese corporate crises by it): whether the company spoke
  before the storm's onset ("stealing thunder", Arpan & Roskos-Ewoldsen 2005), before its peak, or after it,
  and the share of the case's total volume already reached when it spoke (Pfeffer, Zorbach & Carley 2014
  describe firestorms by how fast that volume arrives).
- **Channel.** The official account and platform of the response found in the data, and whether it was a
  statement of its own (a post) or a reply under someone else's post (a comment).
- **Strategy.** Situational Crisis Communication Theory's primary strategies (Coombs 2007: deny, diminish,
  rebuild) and the secondary bolster, coded from the official response texts with a transparent lexicon
  (``data/lexicon/response_strategies.yaml``); a case's ``official_response.strategy`` overrides it.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from firestorm.config import Case
from firestorm.metrics import is_missing

__all__ = [
    "LATENCY_BINS", "CENSORED", "PRIMARY_STRATEGIES", "SECONDARY_STRATEGIES", "STAGE_BEFORE_ONSET",
    "MEASURE_COLUMNS", "latency_bin", "stage_at_response", "volume_share_at", "response_channel",
    "load_strategies", "StrategyCoder", "response_measures",
]

# Upper bounds (hours) and labels of the latency bins; a latency beyond the last bound is "later".
LATENCY_BINS = ((1.0, "≤1 h"), (4.0, "≤4 h"), (8.0, "≤8 h"), (24.0, "≤24 h"))
LATER = "later than 24 h"
CENSORED = "censored (no response in the data window)"
UNKNOWN = "unknown"

PRIMARY_STRATEGIES = ("deny", "diminish", "rebuild")
SECONDARY_STRATEGIES = ("bolster",)
# Ties between primary strategies go to the more accommodating one (an apology that also explains is read
# as an apology).
_TIE_ORDER = ("rebuild", "diminish", "deny")

STAGE_BEFORE_ONSET = "before onset (stealing thunder)"
STAGE_BEFORE_PEAK = "after onset, before the peak"
STAGE_AFTER_PEAK = "after the peak"

MEASURE_COLUMNS = [
    "trigger_to_response_h", "response_bin_from_trigger", "response_bin_from_onset", "response_stage",
    "volume_share_at_response", "response_platform", "response_channel", "response_strategy",
    "strategy_source", "strategy_terms", "bolstering",
]


def latency_bin(hours: float | None, censored: bool = False) -> str:
    """The literature's bin of a latency in hours (≤1 h, ≤4 h, ≤8 h, ≤24 h, later), ``CENSORED`` for a
    company that never responded, ``unknown`` when the latency could not be measured (no onset)."""
    if censored:
        return CENSORED
    if is_missing(hours):
        return UNKNOWN
    for bound, label in LATENCY_BINS:
        if hours <= bound:
            return label
    return LATER


def stage_at_response(response, onset, peak) -> str:
    """Where on the attention curve the company spoke: before onset (stealing thunder), before the peak,
    after it; ``no response`` / ``unknown`` (onset not detected) otherwise. A response before the trigger's
    onset is stealing thunder even when the peak is unknown."""
    if is_missing(response):
        return "no response"
    if is_missing(onset):
        return UNKNOWN
    if response < onset:
        return STAGE_BEFORE_ONSET
    if is_missing(peak):
        return UNKNOWN
    return STAGE_BEFORE_PEAK if response < peak else STAGE_AFTER_PEAK


def volume_share_at(times: pd.Series, moment) -> float:
    """Share of the case's timed items (``times``, UTC) posted before ``moment``: how much of the storm had
    already arrived. NaN without a moment or without items."""
    if is_missing(moment) or not len(times):
        return float("nan")
    return float((times < moment).mean())


def response_channel(answering: pd.DataFrame, stated: str = "") -> tuple[str, str]:
    """(platform, channel) of the first official response in the data: channel "statement (own post)" for a
    post, "reply (comment)" for a comment, "repost" for a repost. ``answering`` holds the official response
    items (platform, kind, created_at). Without any, the case's stated channel, else "not in the data"."""
    if answering is None or not len(answering):
        return ("", stated or "not in the data")
    first = answering.sort_values("created_at", kind="stable").iloc[0]
    kind = str(first.get("kind", "") or "")
    channel = {"post": "statement (own post)", "comment": "reply (comment)", "repost": "repost"}.get(kind, kind)
    return (str(first.get("platform", "") or ""), channel)


def load_strategies(path: str | Path) -> dict[str, tuple[str, ...]]:
    """SCCT category -> terms from the strategy lexicon; every primary and secondary category must be there."""
    import yaml

    document = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    missing = [name for name in PRIMARY_STRATEGIES + SECONDARY_STRATEGIES if not document.get(name)]
    if missing:
        raise ValueError(f"{path}: strategy lexicon has no terms for {', '.join(missing)}")
    unknown = sorted(set(document) - set(PRIMARY_STRATEGIES + SECONDARY_STRATEGIES))
    if unknown:
        raise ValueError(f"{path}: key {unknown[0]!r}: not an SCCT strategy "
                         f"(expected {', '.join(PRIMARY_STRATEGIES + SECONDARY_STRATEGIES)})")
    return {name: tuple(terms) for name, terms in document.items()}


class StrategyCoder:
    """Codes official response texts by SCCT strategy from the lexicon's terms (longest term first)."""

    def __init__(self, strategies: dict[str, tuple[str, ...]]):
        from firestorm.discourse import FrameMatcher   # one term matcher for frames and strategies

        self.matcher = FrameMatcher(strategies)

    def terms(self, texts) -> dict[str, Counter]:
        """Category -> Counter of the lexicon terms the texts use."""
        found: dict[str, Counter] = {name: Counter() for name in self.matcher.frames}
        if self.matcher.pattern is None:
            return found
        from firestorm.text import normalise_characters

        for text in texts:
            for match in self.matcher.pattern.finditer(normalise_characters(str(text or "")).lower()):
                found[self.matcher.owner[match.group(0)]][match.group(0)] += 1
        return found

    def code(self, texts) -> dict:
        """``strategy`` (the primary category with most term uses; "none found" without any), ``bolstering``
        (whether bolster terms occur) and ``terms`` ("category: term, term; …" of every category used)."""
        found = self.terms(texts)
        uses = {name: sum(found.get(name, Counter()).values()) for name in PRIMARY_STRATEGIES}
        best = max(uses.values()) if uses else 0
        strategy = next(name for name in _TIE_ORDER if uses[name] == best) if best else "none found"
        described = "; ".join(f"{name}: {', '.join(sorted(found[name]))}" for name in self.matcher.frames
                              if found.get(name))
        return {"strategy": strategy, "bolstering": bool(sum(found.get("bolster", Counter()).values())),
                "terms": described}


def response_measures(timing_row, case: Case, times: pd.Series, answering: pd.DataFrame,
                      coder: StrategyCoder) -> dict:
    """The literature's measures of one case (:data:`MEASURE_COLUMNS`) from its timing row (trigger, onset,
    peak, response, responded, onset_to_response_h), its timed items' times, and its official response items
    found in the data (``answering``: platform, kind, created_at, text)."""
    responded = bool(timing_row["responded"])
    response = timing_row["response"] if responded else None
    trigger_hours = ((pd.Timestamp(response) - pd.Timestamp(timing_row["trigger"])).total_seconds() / 3600
                     if responded and not is_missing(timing_row["trigger"]) else float("nan"))
    platform, channel = response_channel(answering, case.response_channel)
    if not responded:
        platform, channel = "", "no response"
    coded = coder.code(answering["text"] if answering is not None and len(answering) else [])
    if case.response_strategy:
        strategy, source = case.response_strategy, "case YAML (official_response.strategy)"
    elif not responded:
        strategy, source = "no response", ""
    elif answering is None or not len(answering):
        strategy, source = "not coded (no official response text in the data)", ""
    else:
        strategy, source = coded["strategy"], "strategy lexicon"
    return {
        "trigger_to_response_h": trigger_hours,
        "response_bin_from_trigger": latency_bin(trigger_hours, censored=not responded),
        "response_bin_from_onset": latency_bin(timing_row["onset_to_response_h"], censored=not responded),
        "response_stage": stage_at_response(response, timing_row["onset"], timing_row["peak"]),
        "volume_share_at_response": volume_share_at(times, response),
        "response_platform": platform,
        "response_channel": channel,
        "response_strategy": strategy,
        "strategy_source": source,
        "strategy_terms": coded["terms"] if responded else "",
        "bolstering": coded["bolstering"] if responded else np.nan,
    }
