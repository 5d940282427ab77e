"""Exemplar posts: what a group of posts the study counts actually looks like, for a reader to check.

Two kinds of group, k posts each, deterministic (ties go to the smaller post id) and without repeating a quote
within a group (template-like reposts would otherwise fill every slot with one text):

* **phase × frame** — posts of a discourse phase carrying a frame, ranked by how typical they are: the cosine
  similarity between a post's set of content words and the group's centroid (the share of the group's posts
  using each word). Two passes over the token batches: the centroids first, then the scores.
* **sentiment label** — posts the model labelled negative / neutral / positive, ranked by the model's
  probability of that label.

Quotes are :func:`firestorm.text.short_quote` of the post's own words (normalised as the model read them):
no @names, no links, cut short; authors appear only as their keyed pseudonyms.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import pandas as pd

from firestorm.config import Case

__all__ = ["EXEMPLAR_COLUMNS", "PHASE_FRAME", "SENTIMENT_LABEL", "post_typicality", "select_exemplars",
           "shortlist", "find_exemplars"]

PHASE_FRAME = "phase × frame"
SENTIMENT_LABEL = "sentiment label"
LABELS = ("negative", "neutral", "positive")
EXEMPLAR_COLUMNS = ["group_kind", "phase", "frame", "label", "rank", "typicality", "post_id", "time", "platform",
                    "kind", "likes", "comments", "shares", "author", "quote"]
# Candidates kept per group and batch: enough that k distinct quotes survive the deduplication.
_CANDIDATES_PER_SLOT = 20


def post_typicality(words: list[str], centroid: dict[str, float]) -> float:
    """Cosine similarity (up to the group's constant norm) between a post's set of words and the group's
    centroid: the sum of the centroid's weights of the post's distinct words over the square root of their
    number. 0 for a post without content words."""
    distinct = set(words)
    if not distinct:
        return 0.0
    # fsum: exact, so the score does not depend on the set's (hash-seeded) iteration order.
    return math.fsum(centroid.get(word, 0.0) for word in distinct) / math.sqrt(len(distinct))


def select_exemplars(candidates: pd.DataFrame, keys: list[str], k: int) -> pd.DataFrame:
    """The ``k`` best distinct-quote candidates per group (``keys``): highest ``typicality``, then smallest
    ``post_id``; empty quotes are never chosen. Adds ``rank`` (1 = most typical)."""
    ordered = candidates[candidates["quote"].str.len() > 0].sort_values(
        [*keys, "typicality", "post_id"], ascending=[*([True] * len(keys)), False, True], kind="stable")
    distinct = ordered.drop_duplicates([*keys, "quote"], keep="first")
    chosen = distinct.groupby(keys, sort=False, observed=True).head(k).copy()
    chosen["rank"] = chosen.groupby(keys, sort=False, observed=True).cumcount() + 1
    return chosen


def shortlist(candidates: pd.DataFrame, keys: list[str], k: int) -> pd.DataFrame:
    """The best ``k * _CANDIDATES_PER_SLOT`` distinct-quote candidates per group: a running candidate list
    read batch by batch stays short, and the ``k`` exemplars are still among it."""
    return select_exemplars(candidates, keys, k * _CANDIDATES_PER_SLOT).drop(columns="rank")


def _shortlist(parts: list[pd.DataFrame], keys: list[str], k: int) -> list[pd.DataFrame]:
    return [shortlist(pd.concat(parts, ignore_index=True), keys, k)] if parts else parts


def find_exemplars(posts: pd.DataFrame, batches, sentiment: pd.DataFrame, case: Case,
                   frames: dict[str, tuple[str, ...]], k: int = 3) -> pd.DataFrame:
    """The exemplar posts of one case (:data:`EXEMPLAR_COLUMNS`), phase × frame groups first, then sentiment
    labels, each in phase / frame / label order.

    ``posts``: post_id, platform, kind, created_at, likes, comments, shares, author; ``batches``: a callable
    returning an iterator of token-table batches (post_id, own_text, tokens; :func:`discourse.parquet_batches`);
    ``sentiment``: post_id, label, p_negative, p_neutral, p_positive.
    """
    from firestorm.discourse import NO_FRAME, FrameMatcher, assign_phases, content_words, phase_starts
    from firestorm.text import short_quote

    meta = posts.merge(sentiment[["post_id", "label", *[f"p_{name}" for name in LABELS]]], on="post_id", how="left")
    matcher = FrameMatcher(frames)

    def groups_of(batch):
        table = meta.merge(batch, on="post_id", how="inner")
        indicators = matcher.indicator_table(table["own_text"]).drop(columns=NO_FRAME)
        phases = assign_phases(table["created_at"], case).astype(str).to_numpy()
        words = [content_words(list(tokens)) for tokens in table["tokens"]]
        return table, indicators, phases, words

    # Pass 1: each phase × frame group's centroid (share of its posts using each word).
    usage: dict[tuple[str, str], Counter] = defaultdict(Counter)
    sizes: Counter = Counter()
    for batch in batches():
        _, indicators, phases, words = groups_of(batch)
        for row, frame_flags in enumerate(indicators.to_numpy()):
            for frame in indicators.columns[frame_flags]:
                usage[(phases[row], frame)].update(set(words[row]))
                sizes[(phases[row], frame)] += 1
    centroids = {group: {word: count / sizes[group] for word, count in counter.items()}
                 for group, counter in usage.items()}

    # Pass 2: score every post in its groups; keep a short candidate list per group.
    frame_parts, label_parts = [], []
    for batch in batches():
        table, indicators, phases, words = groups_of(batch)
        quotes = table["own_text"].map(short_quote)
        rows = []
        for row, frame_flags in enumerate(indicators.to_numpy()):
            for frame in indicators.columns[frame_flags]:
                rows.append((phases[row], frame, row, post_typicality(words[row], centroids[(phases[row], frame)])))
        if rows:
            scored = pd.DataFrame(rows, columns=["phase", "frame", "row", "typicality"])
            picked = table.iloc[scored["row"]].reset_index(drop=True).assign(
                phase=scored["phase"], frame=scored["frame"], typicality=scored["typicality"],
                quote=quotes.iloc[scored["row"]].reset_index(drop=True))
            frame_parts = _shortlist(frame_parts + [picked], ["phase", "frame"], k)
        labelled = table[table["label"].isin(LABELS)].assign(quote=quotes, phase=phases)
        labelled = labelled.assign(typicality=[getattr(r, f"p_{r.label}") for r in labelled.itertuples()])
        label_parts = _shortlist(label_parts + [labelled], ["label"], k)

    phase_order = {name: i for i, (name, _) in enumerate(phase_starts(case))}
    frame_order = {name: i for i, name in enumerate(matcher.frames)}
    by_frame = (select_exemplars(frame_parts[0], ["phase", "frame"], k) if frame_parts
                else pd.DataFrame(columns=[*EXEMPLAR_COLUMNS, "created_at"]))
    by_frame = by_frame.assign(group_kind=PHASE_FRAME).sort_values(
        ["phase", "frame", "rank"], key=lambda s: s.map(phase_order) if s.name == "phase" else
        (s.map(frame_order) if s.name == "frame" else s), kind="stable")
    by_label = (select_exemplars(label_parts[0], ["label"], k) if label_parts
                else pd.DataFrame(columns=[*EXEMPLAR_COLUMNS, "created_at"]))
    by_label = by_label.assign(group_kind=SENTIMENT_LABEL, frame="").sort_values(
        ["label", "rank"], key=lambda s: s.map({n: i for i, n in enumerate(LABELS)}) if s.name == "label" else s,
        kind="stable")
    exemplars = pd.concat([by_frame, by_label], ignore_index=True)
    exemplars["time"] = (pd.to_datetime(exemplars["created_at"], utc=True).dt.tz_convert(case.timezone)
                         .dt.strftime("%Y-%m-%d %H:%M"))
    exemplars["typicality"] = exemplars["typicality"].astype(float).round(4)
    return exemplars[EXEMPLAR_COLUMNS].reset_index(drop=True)
