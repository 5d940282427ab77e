"""The demo's texts: phrase banks per frame and sentiment (``data/demo_phrases.yaml``), the frame mix of each
phase, planted sentiment shares, and platform noise (emoticons, hashtags, @mentions, URLs)."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd
import yaml

from firestorm.config import Case


def load_phrases() -> dict:
    text = resources.files("firestorm").joinpath("data/demo_phrases.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def phase_boundaries(case: Case) -> list[tuple[str, pd.Timestamp]]:
    """(phase_start, time) for each frame-mix phase, in time order."""
    boundaries = []
    for phase in case.demo["frame_mix"]:
        key = phase["phase_start"]
        time = case.window_start if key == "window" else case.first_event_time(key)
        if time is None:
            raise ValueError(f"{case.source_path}: key 'demo.frame_mix': no timeline event of kind {key!r}")
        boundaries.append((key, time))
    return sorted(boundaries, key=lambda pair: pair[1])


def sentiment_probabilities(case: Case, times: pd.Series, onset: pd.Timestamp) -> np.ndarray:
    """Planted (negative, neutral, positive) probabilities for items at ``times``."""
    demo = case.demo
    neg = np.where(times < onset, demo["negative_share"]["before"], demo["negative_share"]["after"])
    pos = np.where(times < onset, demo["positive_share"]["before"], demo["positive_share"]["after"])
    if case.response_time is not None and "after_response" in demo["negative_share"]:
        responded = times >= case.response_time
        neg = np.where(responded, demo["negative_share"]["after_response"], neg)
        pos = np.where(responded, demo["positive_share"]["after_response"], pos)
    return np.column_stack([neg, 1 - neg - pos, pos])


def compose_text(rng, phrases, platform, frame, sentiment, brand, product, hashtags, mention, is_comment,
                 keywords=(), sentence_rng=None):
    """One post or comment: its frame's sentences, a sentiment sentence and platform markup.

    A post on a frame says two different sentences of that frame's bank (a comment one): posts that dwell on one
    frame make its words co-occur across templates, the structure a topic model should find, as in real posts.
    The second sentence is drawn from ``sentence_rng`` (default ``rng``), so that a caller can keep the draws of
    its main stream, and with them every other planted quantity, as they were with one sentence.

    An on-topic post always matches the case's search: where its words hold none of ``keywords`` it gets a
    case hashtag (a keyword search returns only matching posts; comments come with the post they answer).
    """
    pick = lambda options: options[int(rng.integers(len(options)))]  # noqa: E731
    parts, second = [], ""
    if frame == "off_topic":
        parts.append(pick(phrases["off_topic"]))
    elif not (is_comment and frame == "none"):
        bank = phrases["frames"][frame]
        first = int(rng.integers(len(bank)))
        parts.append(bank[first].format(brand=brand, product=product))
        if not is_comment and len(bank) > 1:
            other = int((sentence_rng or rng).integers(len(bank) - 1))
            second = "，" + bank[other + (other >= first)].format(brand=brand, product=product)
    parts.append(pick(phrases["sentiments"][sentiment]))
    text = "，".join(parts)
    if rng.random() < 0.6:
        text += pick(phrases["emoticons"][platform][sentiment])
    # Whether the search would miss the post is judged without the second sentence, so the main stream's draws
    # do not depend on it (a post that matches without it matches with it).
    unmatched = not any(keyword.lower() in text.lower() for keyword in keywords)
    text = parts[0] + second + text[len(parts[0]):]
    if not is_comment and frame != "off_topic" and hashtags and (rng.random() < 0.5 or unmatched):
        tag = pick(hashtags)
        text += f" #{tag}[话题]#" if platform == "xiaohongshu" else f" #{tag}#"
    if mention is not None and rng.random() < 0.15:
        text = f"@{mention} {text}"
    if not is_comment and rng.random() < 0.05:
        text += " http://t.cn/A6" + "".join(rng.choice(list("abcdefXYZ0123456789"), 6))
    return text


# ------------------------------------------------------------------------------------ varied texts (benchmarks)
CLAUSE_BREAK = r"[。！？!?；;，,\n]+"


def real_clauses(path, min_characters: int = 4) -> np.ndarray:
    """Distinct clauses of real Weibo posts (the committed unlabelled transfer sample,
    ``data/sentiment/transfer/weibo_unlabelled.parquet``), cut at sentence and comma punctuation: the words
    that make demo texts as varied as real ones in benchmark mode."""
    from firestorm.sentiment.corpora import load_transfer_sample

    clauses = load_transfer_sample(path).str.split(CLAUSE_BREAK, regex=True).explode().str.strip()
    clauses = clauses[clauses.str.len() >= min_characters].drop_duplicates()
    return clauses.astype(str).to_numpy()


def vary_texts(rng: np.random.Generator, texts: list[str], clauses: np.ndarray, most: int = 3) -> list[str]:
    """Each text with one to ``most`` real clauses put in front of it: the planted frame and sentiment
    sentences stay (the relevance filter still finds the case's keywords), the text around them is as varied
    as real posts (benchmarks measure speed on it; the planted shares then hold only approximately)."""
    counts = rng.integers(1, most + 1, len(texts))
    picks = rng.integers(0, len(clauses), int(counts.sum()))
    varied, at = [], 0
    for text, count in zip(texts, counts):
        varied.append("，".join(clauses[picks[at:at + count]]) + "，" + text)
        at += count
    return varied
