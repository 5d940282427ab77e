"""Discourse: what people talked about — frames over time, distinctive words per phase and per case,
term co-occurrence, hashtags and emoticons.

* **Frames** — a post carries frame *f* when its own words contain a term of *f* (``data/lexicon/frames.yaml``
  plus the case's ``discourse.frames``). Terms are matched longest first and each matched span is consumed,
  so "未经授权" counts for copyright, not also for the user agreement's "授权". A post may carry several frames
  or none. Shares per day and per phase come with Wilson 95 % intervals.
* **Phases** — the analysis window cut at the first event of each kind listed in the case's
  ``discourse.phase_events`` (default: every kind in its timeline).
* **Distinctive words** — weighted log-odds ratios with an informative Dirichlet prior (Monroe, Colaresi &
  Quinn 2008, "Fightin' Words", eq. 16–22): the prior is the pooled word distribution of everything compared,
  scaled to ``prior_total`` pseudo-counts; each word gets the log-odds difference and its z-score.
* **Co-occurrence** — terms appearing together in one post, for the most frequent terms; edge weight = posts
  containing both.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd

from firestorm.config import Case
from firestorm.metrics import wilson_interval

NO_FRAME = "none"


# ---------------------------------------------------------------------------------------------- frames
def load_frames(path: str | Path, case: Case | None = None) -> dict[str, tuple[str, ...]]:
    """Frame -> terms from the YAML lexicon, extended by the case's ``discourse.frames``."""
    import yaml

    document = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    frames = {name: list(terms or []) for name, terms in document.items()}
    for name, terms in (case.frame_terms if case else {}).items():
        frames.setdefault(name, []).extend(terms)
    return {name: tuple(dict.fromkeys(terms)) for name, terms in frames.items()}


class FrameMatcher:
    """Finds the frames of texts: longest term first, matched spans consumed."""

    def __init__(self, frames: dict[str, tuple[str, ...]]):
        from firestorm.text import normalise_characters

        self.frames = tuple(frames)
        owner = {}
        for name, terms in frames.items():
            for term in terms:
                key = normalise_characters(term).lower()
                if key in owner and owner[key] != name:
                    raise ValueError(f"frame term {term!r} is listed under both {owner[key]!r} and {name!r}")
                owner[key] = name
        self.owner = owner
        ordered = sorted(owner, key=len, reverse=True)
        self.pattern = re.compile("|".join(re.escape(t) for t in ordered)) if ordered else None

    def frames_of(self, text: str) -> set[str]:
        if not self.pattern or not text:
            return set()
        return {self.owner[m.group(0)] for m in self.pattern.finditer(unicodedata.normalize("NFKC", text).lower())}

    def indicator_table(self, texts: pd.Series) -> pd.DataFrame:
        """One boolean column per frame plus ``none`` (no frame), rows aligned with ``texts``."""
        found = [self.frames_of(text) for text in texts.fillna("")]
        table = pd.DataFrame({name: [name in f for f in found] for name in self.frames}, index=texts.index)
        table[NO_FRAME] = [not f for f in found]
        return table


# ---------------------------------------------------------------------------------------------- phases
def phase_starts(case: Case) -> list[tuple[str, pd.Timestamp]]:
    """(phase name, start) in time order: ``before_<first event>`` from the window start, then one phase
    per configured event kind, named after it, starting at its first event."""
    starts = []
    for kind in case.phase_events:
        time = case.first_event_time(kind)
        if time is not None and case.window_start < time < case.window_end:
            starts.append((kind, time))
    starts.sort(key=lambda pair: pair[1])
    first = starts[0][0] if starts else "window"
    return [(f"before_{first}", case.window_start)] + starts


def assign_phases(times: pd.Series, case: Case) -> pd.Series:
    """The phase name of every timestamp (UTC), as an ordered categorical."""
    starts = phase_starts(case)
    # Compare in one resolution: pandas may store timestamps in s, ms, us or ns.
    edges = pd.DatetimeIndex([t for _, t in starts]).as_unit("ns").asi8
    index = np.searchsorted(edges, pd.DatetimeIndex(times).as_unit("ns").asi8, side="right") - 1
    names = [name for name, _ in starts]
    return pd.Series(pd.Categorical.from_codes(np.clip(index, 0, len(names) - 1), categories=names, ordered=True),
                     index=times.index, name="phase")


def frame_counts(indicators: pd.DataFrame, groups: pd.DataFrame) -> pd.DataFrame:
    """Posts (column ``posts``) and posts carrying each frame (one column per frame) per group: additive, so
    batches of posts can be counted one at a time and summed (:func:`shares_from_counts`)."""
    frames = list(indicators.columns)
    joined = pd.concat([groups.reset_index(drop=True), indicators.reset_index(drop=True)], axis=1)
    grouped = joined.groupby(list(groups.columns), observed=True)
    return grouped[frames].sum().assign(posts=grouped.size())


def shares_from_counts(counts: pd.DataFrame) -> pd.DataFrame:
    """Long table of frame shares per group with Wilson 95 % intervals, from :func:`frame_counts` rows."""
    keys = list(counts.index.names)
    totals = counts["posts"]
    hits = counts.drop(columns="posts")
    rows = hits.stack().rename("frame_posts").reset_index().rename(columns={f"level_{len(keys)}": "frame"})
    rows = rows.merge(totals.reset_index(), on=keys)
    rows["share"] = rows["frame_posts"] / rows["posts"]
    rows["share_low"], rows["share_high"] = wilson_interval(rows["frame_posts"], rows["posts"])
    return rows


def frame_sentiment_counts(indicators: pd.DataFrame, labels: pd.Series) -> pd.DataFrame:
    """Posts per frame (rows) and sentiment label (columns); additive over batches of posts."""
    labels = labels.reset_index(drop=True)
    return pd.DataFrame({frame: labels[indicators[frame].to_numpy()].value_counts()
                         for frame in indicators.columns}).T.fillna(0).astype(int)


def frame_by_sentiment(counts: pd.DataFrame) -> pd.DataFrame:
    """Posts per frame and sentiment label, with the label shares within each frame, from summed
    :func:`frame_sentiment_counts`."""
    table = counts.copy()
    for label in ("negative", "neutral", "positive"):
        if label not in table:
            table[label] = 0
    table = table[["negative", "neutral", "positive"]]
    table["posts"] = table.sum(axis=1)
    for label in ("negative", "neutral", "positive"):
        table[f"{label}_share"] = table[label] / table["posts"].where(table["posts"] > 0)
    table.index.name = "frame"
    return table.reset_index()


# ------------------------------------------------------------------------------------- fightin' words
def fightin_words(counts_a: Counter, counts_b: Counter, prior_total: float = 1000.0,
                  prior_counts: Counter | None = None) -> pd.DataFrame:
    """Monroe et al. (2008) weighted log-odds of every word, group A against group B.

    ``alpha_w = prior_total * p_w`` with ``p_w`` the word's share of ``prior_counts`` (default: A and B
    pooled); ``delta_w = log[(y_aw + a_w) / (n_a + a_0 - y_aw - a_w)] - log[(y_bw + a_w) / (n_b + a_0 - y_bw - a_w)]``,
    ``var(delta_w) ~ 1 / (y_aw + a_w) + 1 / (y_bw + a_w)``, ``z_w = delta_w / sqrt(var)``. Positive z: typical of A.
    """
    prior_counts = prior_counts if prior_counts is not None else counts_a + counts_b
    words = sorted(set(counts_a) | set(counts_b))
    if not words:
        return pd.DataFrame(columns=["word", "count_a", "count_b", "delta", "variance", "z"])
    y_a = np.array([counts_a.get(w, 0) for w in words], dtype=float)
    y_b = np.array([counts_b.get(w, 0) for w in words], dtype=float)
    prior = np.array([prior_counts.get(w, 0) for w in words], dtype=float)
    alpha = prior_total * prior / prior.sum()
    alpha = np.where(alpha > 0, alpha, prior_total / max(prior.sum(), 1.0) * 0.01)  # words unseen by the prior
    alpha_0 = alpha.sum()
    n_a, n_b = y_a.sum(), y_b.sum()
    delta = (np.log((y_a + alpha) / (n_a + alpha_0 - y_a - alpha))
             - np.log((y_b + alpha) / (n_b + alpha_0 - y_b - alpha)))
    variance = 1.0 / (y_a + alpha) + 1.0 / (y_b + alpha)
    table = pd.DataFrame({"word": words, "count_a": y_a.astype(int), "count_b": y_b.astype(int),
                          "delta": delta, "variance": variance, "z": delta / np.sqrt(variance)})
    return table.sort_values(["z", "word"], ascending=[False, True], kind="stable").reset_index(drop=True)


def content_words(tokens: list, min_length: int = 2) -> list[str]:
    """Words worth comparing: jieba words of at least ``min_length`` characters that are not markup, numbers
    or Latin fragments shorter than 3 letters."""
    words = []
    for token in tokens:
        if len(token) < min_length or token.startswith(("#", "@", "[", "http")):
            continue
        if token.isdigit() or (token.isascii() and len(token) < 3):
            continue
        words.append(token)
    return words


def word_counts(token_lists) -> Counter:
    counts: Counter = Counter()
    for tokens in token_lists:
        counts.update(content_words(list(tokens)))
    return counts


def distinctive_words(groups: dict[str, Counter], prior_total: float = 1000.0, top: int = 15,
                      min_count: int = 5) -> pd.DataFrame:
    """Each group against all the others pooled (Fightin' Words, prior from all groups); the ``top`` words
    with the highest z per group among words used at least ``min_count`` times in it."""
    pooled = sum(groups.values(), Counter())
    rows = []
    for name, counts in groups.items():
        rest = pooled - counts
        table = fightin_words(counts, rest, prior_total=prior_total, prior_counts=pooled)
        table = table[table["count_a"] >= min_count].head(top)
        rows.append(table.assign(group=name, rank=np.arange(1, len(table) + 1)))
    columns = ["group", "rank", "word", "count_a", "count_b", "delta", "z"]
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.concat(rows, ignore_index=True)[columns].rename(columns={"count_a": "count_in_group",
                                                                     "count_b": "count_elsewhere"})


# ----------------------------------------------------------------------------------------- networks
def as_batches(table):
    """The callable-returning-batches form the batched analyses read: ``table`` itself when it already is one
    (see :func:`parquet_batches`), else one batch holding the whole table."""
    return table if callable(table) else (lambda: iter([table]))


def cooccurrence_graph(token_lists, top_terms: int = 40, min_weight: int = 5):
    """networkx graph of the ``top_terms`` most frequent words (by posts using them); an edge joins two words
    used in at least ``min_weight`` common posts. Node attribute ``posts``, edge attribute ``weight``.
    ``token_lists`` may also be a callable returning an iterator of batches of token lists: it is then read
    twice (term frequencies, then pairs among the top terms) and never held whole."""
    import networkx as nx

    batches = as_batches(token_lists)
    frequency: Counter = Counter()
    for batch in batches():
        for tokens in batch:
            frequency.update(set(content_words(list(tokens))))
    keep = {word for word, _ in sorted(frequency.items(), key=lambda kv: (-kv[1], kv[0]))[:top_terms]}
    pairs: Counter = Counter()
    for batch in batches():
        for tokens in batch:
            pairs.update(combinations(sorted(set(content_words(list(tokens))) & keep), 2))
    graph = nx.Graph()
    for word in sorted(keep):
        graph.add_node(word, posts=int(frequency[word]))
    for (a, b), weight in sorted(pairs.items()):
        if weight >= min_weight:
            graph.add_edge(a, b, weight=int(weight))
    return graph


def markup_counts(lists: pd.Series, phases: pd.Series) -> dict[str, Counter]:
    """Per phase, posts using each hashtag (or emoticon) at least once; additive over batches."""
    counts = {}
    for phase in phases.cat.categories:
        counter = Counter()
        for items in lists[(phases == phase).to_numpy()]:
            counter.update(set(items))
        counts[phase] = counter
    return counts


def markup_ranking(counts: dict[str, Counter], top: int = 15) -> pd.DataFrame:
    """Most used hashtags (or emoticons) per phase, from summed :func:`markup_counts`: phase, rank, item,
    posts (posts using it at least once)."""
    rows = []
    for phase, counter in counts.items():
        ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        rows += [{"phase": phase, "rank": i + 1, "item": item, "posts": n} for i, (item, n) in enumerate(ranked)]
    return pd.DataFrame(rows, columns=["phase", "rank", "item", "posts"])


# ------------------------------------------------------------------------------------------ the stage
TOKEN_COLUMNS = ["post_id", "own_text", "tokens", "hashtags", "emoticons"]


def analyse_discourse(posts: pd.DataFrame, tokens, sentiment: pd.DataFrame, case: Case,
                      frames: dict[str, tuple[str, ...]], prior_total: float = 1000.0, top_words: int = 15,
                      min_count: int = 5, network_terms: int = 40, network_min_weight: int = 5) -> dict:
    """All discourse tables of one case (see the module docstring) and the co-occurrence graph.

    ``tokens`` is the case's token table, or a callable returning an iterator of batches of it (e.g. parquet
    record batches): every table is a sum over posts, so batches are counted one at a time and the case's
    word lists are never in memory at once (the co-occurrence network reads the batches twice). ``posts``
    needs post_id, platform, created_at; ``sentiment`` post_id, label.

    Returns ``{"frames_daily", "frames_phase", "frames_sentiment", "distinctive_phase", "hashtags",
    "emoticons": DataFrame, "graph": networkx.Graph, "phases": [(name, start)]}``.
    """
    batches = as_batches(tokens)
    meta = (posts[["post_id", "platform", "created_at"]]
            .merge(sentiment[["post_id", "label"]], on="post_id", how="left"))
    matcher = FrameMatcher(frames)
    phase_names = [name for name, _ in phase_starts(case)]
    day_counts, phase_frame_counts, sentiment_counts = [], [], []
    words = {name: Counter() for name in phase_names}
    hashtags = {name: Counter() for name in phase_names}
    emoticons = {name: Counter() for name in phase_names}
    for batch in batches():
        table = meta.merge(batch[TOKEN_COLUMNS], on="post_id", how="inner")
        if table.empty:
            continue
        indicators = matcher.indicator_table(table["own_text"])
        phases = assign_phases(table["created_at"], case)
        day = table["created_at"].dt.tz_convert(case.timezone).dt.tz_localize(None).dt.normalize()
        for platform in (table["platform"], pd.Series("all", index=table.index)):
            day_counts.append(frame_counts(indicators, pd.DataFrame({"day": day, "platform": platform})))
            phase_frame_counts.append(frame_counts(indicators, pd.DataFrame({"phase": phases.astype(str),
                                                                             "platform": platform})))
        sentiment_counts.append(frame_sentiment_counts(indicators, table["label"].fillna("unscored")))
        for name in phase_names:
            in_phase = (phases == name).to_numpy()
            words[name].update(word_counts(table.loc[in_phase, "tokens"]))
        for target, column in ((hashtags, "hashtags"), (emoticons, "emoticons")):
            for name, counter in markup_counts(table[column], phases).items():
                target[name].update(counter)

    if not day_counts:
        raise ValueError(f"{case.name}: no post has tokens; nothing to analyse")

    def summed(parts: list[pd.DataFrame]) -> pd.DataFrame:
        combined = pd.concat(parts)
        return combined.groupby(level=list(range(combined.index.nlevels)), sort=True).sum()

    daily = pd.concat([shares_from_counts(summed(day_counts[0::2])), shares_from_counts(summed(day_counts[1::2]))],
                      ignore_index=True)
    by_phase = pd.concat([shares_from_counts(summed(phase_frame_counts[0::2])),
                          shares_from_counts(summed(phase_frame_counts[1::2]))], ignore_index=True)
    frame_order = [*matcher.frames, NO_FRAME]   # the indicator table's columns
    sentiment_table = summed(sentiment_counts).reindex(frame_order).fillna(0).astype(int)
    token_lists = lambda: (meta.merge(batch[["post_id", "tokens"]], on="post_id")["tokens"]  # noqa: E731
                           for batch in batches())
    return {
        "frames_daily": daily,
        "frames_phase": by_phase,
        "frames_sentiment": frame_by_sentiment(sentiment_table),
        "distinctive_phase": distinctive_words({n: c for n, c in words.items() if c}, prior_total, top_words,
                                               min_count),
        "hashtags": markup_ranking(hashtags),
        "emoticons": markup_ranking(emoticons),
        "graph": cooccurrence_graph(token_lists, network_terms, network_min_weight),
        "phases": phase_starts(case),
    }


def case_word_counts(tokens) -> Counter:
    """Content-word counts of one case's posts (for the comparison between cases); ``tokens`` is the token
    table or a callable returning an iterator of batches of it."""
    batches = as_batches(tokens)
    counts: Counter = Counter()
    for batch in batches():
        counts.update(word_counts(batch["tokens"]))
    return counts


def parquet_batches(path: str | Path, columns: list[str], rows: int = 50_000):
    """A callable returning an iterator of DataFrames of ``rows`` records of a parquet file (read anew at each
    call): what the batched analyses take instead of a whole table."""
    import pyarrow.parquet as pq

    def batches():
        for batch in pq.ParquetFile(path).iter_batches(batch_size=rows, columns=columns):
            yield batch.to_pandas()

    return batches
