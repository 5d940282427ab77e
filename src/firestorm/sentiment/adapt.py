"""Domain adaptation: fine-tuning the sentiment model on the study's own posts, labelled by their emoticons
(distant supervision), and the emoticon-labelled posts it never learnt from, which measure its errors.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from firestorm.metrics import CLASSES, classification_metrics, confusion_counts, split_by_hash
from firestorm.sentiment.model import SentimentModel, calibrate, label_from_probability, onnx_check
from firestorm.sentiment.train import TrainSettings, fit, review_corpus, unique_labelled

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


# The adaptation stage's table of the posts its model never learnt from (held_out_posts.parquet), one row per
# post: the response stage measures the classifier's confusion matrix on them instead of re-deriving the split.
HELD_OUT_POSTS = {
    "case": "string",
    "post_id": "string",
    "true_label": "string",     # negative | neutral | positive, from the post's emoticons
}


def held_out_posts(token_files: dict[str, str | Path], lexicon: dict[str, float], adaptation: dict | None,
                   rows: int = 50_000) -> pd.DataFrame:
    """:func:`unseen_emoticon_posts` of every case (see :data:`HELD_OUT_POSTS`), cases in the order of
    ``token_files`` (case -> tokens.parquet, read ``rows`` at a time: only post_id, own_text, emoticons).

    ``adaptation`` is the adaptation report (adaptation.json), or None when no adaptation ran: then every
    emoticon-labelled post qualifies, as it does when the adaptation was not applied.
    """
    from firestorm.discourse import parquet_batches

    frames = [unseen_emoticon_posts(batch, lexicon, adaptation).assign(case=case)
              for case, path in token_files.items()
              for batch in parquet_batches(path, ["post_id", "own_text", "emoticons"], rows)()]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(HELD_OUT_POSTS))
    return table[list(HELD_OUT_POSTS)].astype(HELD_OUT_POSTS)


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
    scarce = [f"{by_class[name]} {name}" for name in ("negative", "positive")
              if by_class[name] < settings.min_per_class]
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
    return {"rows": int(len(p_positive)),
            "share_in_neutral_band": float(np.mean((p_positive >= low) & (p_positive <= high))),
            "share_negative": float(np.mean(p_positive < low)), "mean_p_positive": float(p_positive.mean())}

