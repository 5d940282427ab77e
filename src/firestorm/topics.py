"""Topics the researcher did not name: a biterm topic model (BTM) of the posts' own words beside the frame
lexicon of :mod:`firestorm.discourse`.

* **Model** — BTM (Yan, Guo, Lan & Cheng 2013, "A biterm topic model for short texts"), fitted by collapsed
  Gibbs sampling with ``bitermplus``: a post is too short for per-document topic mixtures, so the model
  learns topics from the unordered word pairs (biterms) of all posts pooled. Priors ``alpha = 50 / K``,
  ``beta`` (default 0.01) as in the paper; a post's topic distribution is inferred from its biterms
  (``p(z|d) = sum_b p(z|b) p(b|d)``), from ``p(z|w)`` for a post with a single vocabulary word.
* **Words** — a post's words are :func:`firestorm.discourse.content_words` of its jieba tokens (what the
  distinctive-word analysis compares). The vocabulary is built on the fit sample: words in at least
  ``min_count`` sampled posts and in at most ``max_doc_share`` of them (a case keyword in every post is no
  topic), the ``max_words`` most used (ties by word).
* **Sample** — the model is fitted on ``fit_posts`` posts with at least two content words, drawn without
  replacement by a ``numpy.random.Generator`` seeded with ``seed`` over the posts sorted by ``post_id`` (so
  the sample does not depend on file order), and cut where its biterms (bounded from each post's number of
  content words) would pass ``fit_biterms``: real posts are long (a 20-word post has 175 biterms, a demo post
  about 45), and a fit's cost grows with its biterms. Every post is then scored in batches. Cost of a fit is
  bounded by the sample, not by the case.
* **Chains** — each fit runs ``restarts`` Gibbs chains of ``iterations`` sweeps (seeds derived from seed, K and
  chain) and keeps the chain with the highest biterm log-likelihood: a single chain ends in a local optimum
  (two topics merged, another split) about one time in four even on well separated word groups.
* **Choosing K** — one fit per K in ``k_range``; each is scored by the mean NPMI coherence of its topics'
  ``coherence_words`` most probable words (Bouma 2009; Lau, Newman & Baldwin 2014), document co-occurrence
  in the fit sample, and by topic diversity (share of distinct words among all topics' ``coherence_words``
  most probable words; Dieng, Ruiz & Blei 2020). K maximises ``quality = (1 + NPMI) / 2 x diversity``
  (Dieng et al.'s coherence x diversity, with NPMI moved to [0, 1] so that a negative coherence is not
  rewarded by low diversity): coherence alone does not fall when a topic is split into two near-copies,
  diversity does. Ties: smaller K.
* **Stability** — the chosen K is refitted (best of ``restarts`` chains too) with ``stability_seeds`` other
  seeds (``seed + 1 …``); the topics of each refit are matched one-to-one to the reported ones by the
  Hungarian algorithm on the cosine similarity of their word distributions, and each reported topic gets its
  matched similarity (mean, min).
* **Topics** are numbered 1…K by the number of posts whose most probable topic they are (largest first).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sparse

from firestorm.config import Case
from firestorm.discourse import (FrameMatcher, as_batches, assign_phases, content_words, frame_counts,
                                 phase_starts, shares_from_counts)
from firestorm.exemplars import select_exemplars, shortlist
from firestorm.text import short_quote

# ------------------------------------------------------------------------------------------- words
def build_vocabulary(documents, min_count: int = 5, max_words: int = 5000,
                     max_doc_share: float = 0.25) -> tuple[np.ndarray, list[str]]:
    """(vocabulary sorted by word, words dropped as too common) from lists of words, one list per post.

    A word is kept when at least ``min_count`` posts and at most ``max_doc_share`` of the posts use it; of
    those, the ``max_words`` used by most posts (ties by word)."""
    posts_using: Counter = Counter()
    for words in documents:
        posts_using.update(set(words))
    limit = max_doc_share * len(documents)
    common = sorted(word for word, n in posts_using.items() if n > limit and n >= min_count)
    kept = [(word, n) for word, n in posts_using.items() if min_count <= n <= limit]
    kept = sorted(kept, key=lambda kv: (-kv[1], kv[0]))[:max_words]
    return np.array(sorted(word for word, _ in kept), dtype=object), common


def encode(documents, index: dict[str, int]) -> list[np.ndarray]:
    """Each list of words as an int32 array of vocabulary ids, in order, words outside the vocabulary left out."""
    return [np.array([index[w] for w in words if w in index], dtype=np.int32) for words in documents]


def document_word_matrix(encoded: list[np.ndarray], vocabulary_size: int) -> sparse.csr_matrix:
    """Posts x words counts (CSR)."""
    lengths = np.fromiter((len(ids) for ids in encoded), dtype=np.int64, count=len(encoded))
    rows = np.repeat(np.arange(len(encoded)), lengths)
    columns = np.concatenate(encoded) if len(encoded) else np.array([], dtype=np.int32)
    return sparse.csr_matrix((np.ones(len(columns)), (rows, columns)), shape=(len(encoded), vocabulary_size))


# ------------------------------------------------------------------------------------------ scores
def npmi_coherence(topic_word: np.ndarray, matrix: sparse.csr_matrix, top: int = 10) -> np.ndarray:
    """Mean normalised PMI of each topic's ``top`` most probable word pairs, from document co-occurrence in
    ``matrix`` (posts x words): ``NPMI(i, j) = log[p(i, j) / (p(i) p(j))] / -log p(i, j)``, -1 for a pair
    never used together. In [-1, 1]; higher = the topic's words are used together."""
    present = (matrix > 0).astype(np.float64).tocsc()
    n = present.shape[0]
    scores = []
    for row in topic_word:
        words = np.argsort(-row, kind="stable")[:top]
        sub = present[:, words]
        together = (sub.T @ sub).toarray() / n
        alone = np.diag(together)
        pairs = np.triu_indices(len(words), k=1)
        joint = together[pairs]
        with np.errstate(divide="ignore", invalid="ignore"):
            pmi = np.log(joint / (alone[pairs[0]] * alone[pairs[1]]))
            npmi = np.where(joint > 0, pmi / -np.log(joint), -1.0)
        npmi = np.where(joint >= 1.0, 1.0, npmi)   # a pair in every post: perfectly associated
        scores.append(float(npmi.mean()) if len(npmi) else 0.0)
    return np.array(scores)


def topic_diversity(topic_word: np.ndarray, top: int = 10) -> float:
    """Share of distinct words among all topics' ``top`` most probable words (1 = no two topics share one)."""
    top = min(top, topic_word.shape[1])
    words = np.argsort(-topic_word, axis=1, kind="stable")[:, :top]
    return len(np.unique(words)) / words.size


def cosine_similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return a @ b.T


def matched_similarity(reference: np.ndarray, other: np.ndarray) -> np.ndarray:
    """For each reference topic, the cosine similarity of its word distribution to the topic of ``other``
    it is matched to (one-to-one, Hungarian algorithm maximising the total similarity)."""
    from scipy.optimize import linear_sum_assignment

    similarity = cosine_similarity(reference, other)
    rows, columns = linear_sum_assignment(-similarity)
    matched = np.empty(len(reference))
    matched[rows] = similarity[rows, columns]
    return matched


# ------------------------------------------------------------------------------------------- model
BITERM_WINDOW = 15   # biterms pair words less than 15 positions apart (bitermplus.get_biterms' default)


def biterms_of(encoded: list[np.ndarray]) -> list[np.ndarray]:
    """Each post's biterms (pairs of word ids within :data:`BITERM_WINDOW`), posts with fewer than two words
    left out."""
    import bitermplus

    return bitermplus.get_biterms([ids for ids in encoded if len(ids) >= 2], win=BITERM_WINDOW, as_array=True)


def biterm_log_likelihood(model, biterms: list[np.ndarray]) -> float:
    """Mean log-likelihood per biterm, ``log sum_z theta_z phi_z,w1 phi_z,w2`` (Yan et al. 2013, eq. 1): the
    model's own objective, for choosing among Gibbs chains."""
    pairs = np.concatenate(biterms)
    phi, theta = np.asarray(model.matrix_topics_words_), np.asarray(model.theta_)
    total = 0.0
    for start in range(0, len(pairs), 200_000):      # bounded memory: K x 200k floats at a time
        chunk = pairs[start:start + 200_000]
        total += float(np.log((theta[:, None] * phi[:, chunk[:, 0]] * phi[:, chunk[:, 1]]).sum(axis=0)).sum())
    return total / len(pairs)


def chain_seeds(seed: int, k: int, restarts: int) -> list[int]:
    """Seeds of the ``restarts`` Gibbs chains of a fit with K topics, derived from (seed, K, chain)."""
    return [int(np.random.SeedSequence([seed, k, chain]).generate_state(1)[0]) for chain in range(restarts)]


def fit_btm(biterms: list[np.ndarray], matrix: sparse.csr_matrix, vocabulary: np.ndarray, k: int, seed: int,
            iterations: int = 200, beta: float = 0.01, coherence_words: int = 10, restarts: int = 3):
    """``(model, log-likelihood)``: of ``restarts`` Gibbs chains of BTM with K topics (alpha = 50 / K), the one
    with the highest :func:`biterm_log_likelihood` (one chain ends in a local optimum, two topics merged and one
    split, about one time in four on well separated word groups). Deterministic for a given seed. The model's
    ``coherence_`` is Mimno et al.'s (2011) UMass coherence of each topic's ``coherence_words`` top words."""
    import bitermplus

    best = None
    for chain_seed in chain_seeds(seed, k, restarts):
        model = bitermplus.BTM(matrix, vocabulary, T=k, M=coherence_words, alpha=50.0 / k, beta=beta, seed=chain_seed)
        model.fit(biterms, iterations=iterations, verbose=False)
        likelihood = biterm_log_likelihood(model, biterms)
        if best is None or likelihood > best[1]:
            best = (model, likelihood)
    return best


def biterm_bound(words: np.ndarray) -> np.ndarray:
    """Biterms a post of ``words`` content words yields at most in :func:`biterms_of` (all pairs within the
    window; words outside the vocabulary only lower it)."""
    words = np.asarray(words, dtype=np.int64)
    window = BITERM_WINDOW - 1
    return np.where(words <= BITERM_WINDOW, words * (words - 1) // 2, window * words - window * (window + 1) // 2)


def sample_positions(post_ids: pd.Series, eligible: np.ndarray, size: int, seed: int,
                     biterms: np.ndarray | None = None, max_biterms: int | None = None) -> np.ndarray:
    """Positions (sorted) of up to ``size`` eligible posts drawn without replacement; the draw is over the
    eligible posts ordered by ``post_id``, so it does not depend on the order of the input. With ``biterms``
    (per post, aligned with ``post_ids``) and ``max_biterms``, the draw stops before the sample's biterms would
    pass the budget: a fit's cost grows with its biterms, and long posts carry many (20 words: 175)."""
    candidates = np.flatnonzero(eligible)
    candidates = candidates[np.argsort(post_ids.to_numpy()[candidates].astype(str), kind="stable")]
    rng = np.random.default_rng(seed)
    drawn = len(candidates) > size
    if drawn:
        candidates = rng.choice(candidates, size=size, replace=False)   # in random order
    if biterms is not None and max_biterms is not None and biterms[candidates].sum() > max_biterms:
        if not drawn:
            candidates = rng.permutation(candidates)
        within = np.cumsum(biterms[candidates]) <= max_biterms
        candidates = candidates[:max(1, int(within.sum()))]
    return np.sort(candidates)


class TopicsNotIdentified(ValueError):
    """The posts cannot identify a topic model (too few words or biterms): a result, stated instead of topics."""


# The columns of each table, so a case whose topics are not identified still gets its (empty) tables.
TABLE_COLUMNS = {
    "topic_words": ["topic", "rank", "word", "probability"],
    "coherence_by_k": ["k", "log_likelihood", "npmi", "umass", "diversity", "quality", "chosen"],
    "shares_phase": ["phase", "platform", "topic", "topic_posts", "posts", "share", "share_low", "share_high",
                     "label"],
    "shares_daily": ["day", "platform", "topic", "topic_posts", "posts", "share", "share_low", "share_high",
                     "label"],
    "frame_overlap": ["topic", "label", "frame", "topic_posts", "frame_posts", "share", "frame_share_overall",
                      "lift"],
    "exemplars": ["topic", "rank", "post_id", "probability", "time", "platform", "engagement", "author", "quote"],
    "stability": ["topic", "label", "similarity_mean", "similarity_min"],
}


def not_identified(case: Case, reason: str, posts: int) -> dict:
    """:func:`analyse_topics`' result for a case whose posts cannot identify topics: empty tables with their
    columns and a summary whose ``status`` says why (as spread.json does for a fit that is not identified)."""
    tables = {name: pd.DataFrame(columns=columns) for name, columns in TABLE_COLUMNS.items()}
    return {**tables, "assignments": pd.DataFrame(columns=["post_id", "topic", "probability"]),
            "summary": {"status": "not identified", "reason": reason, "k": None, "posts": posts},
            "labels": [], "phases": phase_starts(case)}


@dataclass
class BitermTopics:
    """Biterm topic model with K chosen by topic quality over ``k_range`` (see the module docstring).

    ``fit(documents)`` (lists of words of the sampled posts) sets the fitted attributes: ``vocabulary_``,
    ``common_words_`` (dropped as too common), ``k_``, ``topic_word_`` (K x V, topics numbered later by
    :func:`analyse_topics`), ``selection_`` (one row per K: log_likelihood, npmi, umass, diversity, quality, chosen),
    ``stability_`` (K x seeds matched similarities), ``stability_seeds_``; ``transform`` scores posts.
    """

    k_range: tuple[int, int] = (4, 10)
    seed: int = 7
    stability_seeds: int = 3
    restarts: int = 3
    iterations: int = 200
    beta: float = 0.01
    min_count: int = 5
    max_words: int = 5000
    max_doc_share: float = 0.25
    coherence_words: int = 10

    @classmethod
    def from_settings(cls, settings: dict) -> "BitermTopics":
        """The model the ``topics:`` section of the study config describes (other keys are ignored)."""
        names = ("seed", "stability_seeds", "restarts", "iterations", "beta", "min_count", "max_words", "max_doc_share",
                 "coherence_words")
        return cls(k_range=tuple(settings["k_range"]), **{name: settings[name] for name in names if name in settings})

    def fit(self, documents) -> "BitermTopics":
        documents = list(documents)
        self.vocabulary_, self.common_words_ = build_vocabulary(documents, self.min_count, self.max_words,
                                                                self.max_doc_share)
        if len(self.vocabulary_) < 2:
            raise TopicsNotIdentified(f"{len(self.vocabulary_)} words are used by at least {self.min_count} of the "
                             f"{len(documents)} sampled posts and by at most {self.max_doc_share:.0%} of them; "
                             "a topic model needs more (lower topics.min_count or raise topics.max_doc_share)")
        self.index_ = {word: i for i, word in enumerate(self.vocabulary_)}
        encoded = encode(documents, self.index_)
        self.sample_posts_ = len(encoded)
        self.biterm_posts_ = sum(len(ids) >= 2 for ids in encoded)
        if self.biterm_posts_ == 0:
            raise TopicsNotIdentified("no sampled post has two vocabulary words; there are no biterms to fit")
        matrix = document_word_matrix(encoded, len(self.vocabulary_))
        biterms = biterms_of(encoded)
        rows, models = [], {}

        def fit(k, seed):
            return fit_btm(biterms, matrix, self.vocabulary_, k, seed, self.iterations, self.beta,
                           self.coherence_words, self.restarts)

        for k in range(self.k_range[0], self.k_range[1] + 1):
            model, likelihood = fit(k, self.seed)
            phi = np.asarray(model.matrix_topics_words_)
            npmi = float(npmi_coherence(phi, matrix, self.coherence_words).mean())
            diversity = topic_diversity(phi, self.coherence_words)
            pairs = self.coherence_words * (self.coherence_words - 1) / 2
            rows.append({"k": k, "log_likelihood": likelihood, "npmi": npmi,
                         "umass": float(np.mean(model.coherence_)) / pairs, "diversity": diversity,
                         "quality": (1.0 + npmi) / 2.0 * diversity})
            models[k] = model
        selection = pd.DataFrame(rows)
        best = selection.sort_values(["quality", "k"], ascending=[False, True], kind="stable").iloc[0]
        self.k_ = int(best["k"])
        selection["chosen"] = selection["k"] == self.k_
        self.selection_ = selection
        self.model_ = models[self.k_]
        self.topic_word_ = np.asarray(self.model_.matrix_topics_words_)
        self.stability_seeds_ = [self.seed + i for i in range(1, self.stability_seeds + 1)]
        self.stability_ = np.column_stack(
            [matched_similarity(self.topic_word_, np.asarray(fit(self.k_, other)[0].matrix_topics_words_))
             for other in self.stability_seeds_]) if self.stability_seeds_ else np.empty((self.k_, 0))
        return self

    def transform(self, documents) -> np.ndarray:
        """Posts x topics probabilities (float64) for lists of words; a post with no vocabulary word gets a row
        of NaN, one with a single word ``p(z|w)``."""
        encoded = encode(documents, self.index_)
        result = np.full((len(encoded), self.k_), np.nan)
        pairs = [i for i, ids in enumerate(encoded) if len(ids) >= 2]
        if pairs:
            result[pairs] = self.model_.transform([encoded[i] for i in pairs], infer_type="sum_b", verbose=False)
        singles = [i for i, ids in enumerate(encoded) if len(ids) == 1]
        if singles:
            word = np.array([encoded[i][0] for i in singles])
            weights = self.topic_word_[:, word].T * np.asarray(self.model_.theta_)
            result[singles] = weights / weights.sum(axis=1, keepdims=True)
        return result


# ------------------------------------------------------------------------------------------ tables
def topic_labels(topic_word: np.ndarray, vocabulary: np.ndarray, words: int = 3) -> list[str]:
    """Each topic's ``words`` most probable words joined by '·'."""
    return ["·".join(vocabulary[np.argsort(-row, kind="stable")[:words]]) for row in topic_word]


def topic_words_table(topic_word: np.ndarray, vocabulary: np.ndarray, top: int = 15) -> pd.DataFrame:
    """topic, rank, word, probability: each topic's ``top`` most probable words."""
    rows = []
    for number, row in enumerate(topic_word, start=1):
        order = np.argsort(-row, kind="stable")[:top]
        rows += [{"topic": number, "rank": rank, "word": vocabulary[i], "probability": float(row[i])}
                 for rank, i in enumerate(order, start=1)]
    return pd.DataFrame(rows, columns=["topic", "rank", "word", "probability"])


def topic_shares(top_topic: np.ndarray, groups: pd.DataFrame, k: int) -> pd.DataFrame:
    """Share of posts whose most probable topic is t (``top_topic``: 1…K, 0 = no topic), per group, with Wilson
    95 % intervals; posts without a topic are left out of the denominator. The frame-share tables' counting
    (:func:`firestorm.discourse.frame_counts`) applied to topics."""
    assigned = top_topic > 0
    indicators = pd.DataFrame({t: top_topic[assigned] == t for t in range(1, k + 1)})
    rows = shares_from_counts(frame_counts(indicators, groups[assigned].reset_index(drop=True)))
    return rows.rename(columns={"frame": "topic", "frame_posts": "topic_posts"})


def topic_frame_overlap(top_topic: np.ndarray, frames: pd.DataFrame, k: int) -> pd.DataFrame:
    """For each topic x frame: the topic's posts, how many carry the frame, that share, the frame's share of
    all posts with a topic, and the lift (share in topic / share overall). ``frames`` is the discourse
    stage's indicator table (:meth:`firestorm.discourse.FrameMatcher.indicator_table`), rows aligned with
    ``top_topic`` (1…K, 0 = no topic)."""
    assigned = top_topic > 0
    topic = top_topic[assigned]
    frames = frames[assigned]
    rows = []
    for name in frames.columns:
        carries = frames[name].to_numpy()
        overall = carries.mean() if len(carries) else np.nan
        for t in range(1, k + 1):
            mine = topic == t
            posts, hits = int(mine.sum()), int(carries[mine].sum())
            share = hits / posts if posts else np.nan
            rows.append({"topic": t, "frame": name, "topic_posts": posts, "frame_posts": hits, "share": share,
                         "frame_share_overall": overall, "lift": share / overall if overall else np.nan})
    return pd.DataFrame(rows)


EXEMPLAR_COLUMNS = ["topic", "rank", "post_id", "probability", "time", "platform", "engagement", "author", "quote"]


def exemplar_candidates(post_ids: pd.Series, own_text: pd.Series, probabilities: np.ndarray) -> pd.DataFrame:
    """Every post with a topic as an exemplar candidate: ``topic`` (0-based, the model's), ``typicality`` (the
    probability of its most probable topic), ``quote`` (:func:`firestorm.text.short_quote` of its own words:
    no repost chain, @name or link)."""
    has_topic = ~np.isnan(probabilities).any(axis=1)
    rows = np.flatnonzero(has_topic)
    candidates = pd.DataFrame({"post_id": post_ids.to_numpy()[rows],
                               "topic": np.argmax(probabilities[rows], axis=1),
                               "typicality": probabilities[rows].max(axis=1) if len(rows) else [],
                               "quote": own_text.to_numpy()[rows]})
    candidates["quote"] = candidates["quote"].map(short_quote)
    return candidates


def exemplars(candidates: pd.DataFrame, numbering: np.ndarray, posts: pd.DataFrame, case: Case,
              k: int = 5) -> pd.DataFrame:
    """Each topic's ``k`` most typical posts (:data:`EXEMPLAR_COLUMNS`): highest probability of the topic
    among the posts whose most probable topic it is, ties by ``post_id``, no quote twice within a topic
    (:func:`firestorm.exemplars.select_exemplars`). ``numbering[i]`` is the reported number of the model's
    topic i; ``posts`` gives time (shown in the case time zone), platform, author (keyed pseudonym) and
    engagement (likes + comments + shares)."""
    chosen = select_exemplars(candidates.assign(topic=numbering[candidates["topic"].to_numpy()]), ["topic"], k)
    chosen = chosen.merge(posts[["post_id", "created_at", "platform", "author", "likes", "comments", "shares"]],
                          on="post_id", how="left")
    chosen["engagement"] = chosen[["likes", "comments", "shares"]].fillna(0).sum(axis=1).astype(int)
    chosen["time"] = chosen["created_at"].dt.tz_convert(case.timezone).dt.strftime("%Y-%m-%d %H:%M")
    chosen["probability"] = chosen["typicality"].astype(float).round(6)
    return chosen.sort_values(["topic", "rank"], kind="stable")[EXEMPLAR_COLUMNS].reset_index(drop=True)


# ------------------------------------------------------------------------------------------ the stage
TOKEN_COLUMNS = ["post_id", "own_text", "tokens"]
POST_COLUMNS = ["post_id", "platform", "created_at", "author", "likes", "comments", "shares"]
TABLES = ("topic_words", "coherence_by_k", "shares_phase", "shares_daily", "frame_overlap", "exemplars", "stability")


def analyse_topics(posts: pd.DataFrame, tokens, case: Case, frames: dict[str, tuple[str, ...]],
                   model: BitermTopics, fit_posts: int = 20_000, top_words: int = 15,
                   exemplars_per_topic: int = 5, fit_biterms: int | None = None) -> dict:
    """Every topic table of one case (see the module docstring).

    ``posts`` has :data:`POST_COLUMNS`; ``tokens`` is the token table (:data:`TOKEN_COLUMNS`) or a callable
    returning an iterator of batches of it (read three times: eligibility, the fit sample, scoring). Only
    posts in both tables are analysed. ``model`` is fitted here.

    Returns ``{"topic_words", "coherence_by_k", "shares_phase", "shares_daily", "frame_overlap", "exemplars",
    "stability": DataFrame, "assignments": DataFrame (post_id, topic: 1…K or 0 for none, probability of it),
    "summary": dict, "labels": [str], "phases": [(name, start)]}``.
    """
    batches = as_batches(tokens)
    known = set(posts["post_id"].tolist())

    def case_batches():
        for batch in batches():
            # A Python set look-up: Series.isin on pandas 3's Arrow strings is 20 times slower (0.7 s per 100k).
            keep = np.fromiter((i in known for i in batch["post_id"].tolist()), dtype=bool, count=len(batch))
            yield batch[keep].reset_index(drop=True)

    # 1. which posts may enter the fit sample (two content words or more), in file order
    ids, word_counts = [], []
    for batch in case_batches():
        ids.append(batch["post_id"])
        word_counts.append(np.fromiter((len(content_words(list(t))) for t in batch["tokens"]), dtype=np.int64,
                                       count=len(batch)))
    post_ids = pd.concat(ids, ignore_index=True) if ids else pd.Series([], dtype=str)
    if post_ids.empty:
        return not_identified(case, "no post has tokens; nothing to model", 0)
    word_counts = np.concatenate(word_counts)
    eligible = word_counts >= 2
    chosen = np.zeros(len(post_ids), dtype=bool)
    sampled = sample_positions(post_ids, eligible, fit_posts, model.seed, biterm_bound(word_counts), fit_biterms)
    chosen[sampled] = True

    # 2. fit on the sample's words
    sample, at = [], 0
    for batch in case_batches():
        keep = chosen[at:at + len(batch)]
        sample += [content_words(list(t)) for t in batch["tokens"][keep]]
        at += len(batch)
    try:
        model.fit(sample)
    except TopicsNotIdentified as error:
        return not_identified(case, str(error), len(post_ids))

    # 3. score every post; frame indicators as the discourse stage finds them; exemplar shortlist
    matcher = FrameMatcher(frames)
    probabilities, indicators, candidates = [], [], None
    for batch in case_batches():
        scores = model.transform([content_words(list(t)) for t in batch["tokens"]])
        probabilities.append(scores)
        indicators.append(matcher.indicator_table(batch["own_text"]))
        found = exemplar_candidates(batch["post_id"], batch["own_text"], scores)
        candidates = shortlist(found if candidates is None else pd.concat([candidates, found]), ["topic"],
                               exemplars_per_topic)
    probabilities = np.vstack(probabilities)
    indicators = pd.concat(indicators, ignore_index=True)

    # Number topics 1…K by posts (largest first), ties by the model's order.
    has_topic = ~np.isnan(probabilities).any(axis=1)
    raw_top = np.argmax(np.nan_to_num(probabilities, nan=-1.0), axis=1)
    order = np.argsort(-np.bincount(raw_top[has_topic], minlength=model.k_), kind="stable")
    numbering = np.empty(model.k_, dtype=int)
    numbering[order] = np.arange(1, model.k_ + 1)
    top_topic = np.where(has_topic, numbering[raw_top], 0)
    topic_word, stability = model.topic_word_[order], model.stability_[order]

    meta = post_ids.to_frame().merge(posts[POST_COLUMNS], on="post_id", how="left")
    phases = assign_phases(meta["created_at"], case).astype(str)
    day = meta["created_at"].dt.tz_convert(case.timezone).dt.tz_localize(None).dt.normalize()
    labels = topic_labels(topic_word, model.vocabulary_)

    def shares(group_name: str, values: pd.Series) -> pd.DataFrame:
        parts = [topic_shares(top_topic, pd.DataFrame({group_name: values, "platform": platform}), model.k_)
                 for platform in ("all", meta["platform"])]
        table = pd.concat(parts, ignore_index=True)
        table["label"] = [labels[t - 1] for t in table["topic"]]
        return table.sort_values([group_name, "platform", "topic"], kind="stable").reset_index(drop=True)

    stability_table = pd.DataFrame({"topic": np.arange(1, model.k_ + 1), "label": labels})
    stability_table["similarity_mean"] = stability.mean(axis=1) if stability.size else np.nan
    stability_table["similarity_min"] = stability.min(axis=1) if stability.size else np.nan
    for column, seed in enumerate(model.stability_seeds_):
        stability_table[f"similarity_seed_{seed}"] = stability[:, column]
    overlap = topic_frame_overlap(top_topic, indicators, model.k_)
    overlap.insert(1, "label", [labels[t - 1] for t in overlap["topic"]])

    selection = model.selection_
    best = selection[selection["chosen"]].iloc[0]
    summary = {
        "status": "ok",
        "k": model.k_,
        "k_range": list(model.k_range),
        "selection": "K maximising quality = (1 + mean NPMI of each topic's top words) / 2 x topic diversity",
        "npmi": round(float(best["npmi"]), 6),
        "diversity": round(float(best["diversity"]), 6),
        "quality": round(float(best["quality"]), 6),
        "coherence_words": model.coherence_words,
        "seed": model.seed,
        "stability_seeds": model.stability_seeds_,
        "stability_mean": round(float(stability.mean()), 6) if stability.size else None,
        "iterations": model.iterations,
        "restarts": model.restarts,
        "alpha": round(50.0 / model.k_, 6),
        "beta": model.beta,
        "fit_posts_limit": fit_posts,
        "fit_biterms_limit": fit_biterms,
        "fit_posts": model.sample_posts_,
        "eligible_posts": int(eligible.sum()),
        "vocabulary_size": len(model.vocabulary_),
        "vocabulary_limits": {"min_count": model.min_count, "max_words": model.max_words,
                              "max_doc_share": model.max_doc_share},
        "common_words_dropped": model.common_words_,
        "posts": len(meta),
        "posts_with_topic": int(has_topic.sum()),
    }
    return {
        "topic_words": topic_words_table(topic_word, model.vocabulary_, top_words),
        "coherence_by_k": selection,
        "shares_phase": shares("phase", phases),
        "shares_daily": shares("day", day),
        "frame_overlap": overlap,
        "exemplars": exemplars(candidates, numbering, posts, case, exemplars_per_topic),
        "stability": stability_table,
        "assignments": pd.DataFrame({"post_id": post_ids, "topic": top_topic,
                                     "probability": np.where(has_topic, np.nanmax(np.nan_to_num(probabilities, nan=0.0),
                                                                                  axis=1), np.nan)}),
        "summary": summary,
        "labels": labels,
        "phases": phase_starts(case),
    }
