"""Domain adaptation: fine-tuning the sentiment model on the study's own posts, labelled by their emoticons
(distant supervision), and the emoticon-labelled posts it never learnt from, which measure its errors.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from firestorm.metrics import CLASSES, binary_polarity_metrics, confusion_counts, split_by_hash
from firestorm.sentiment.corpora import load_social_corpus
from firestorm.sentiment.evaluate import TRAIN_SOURCES, calibration_rows, evaluate_heads, human_test_sets
from firestorm.sentiment.model import POLARITY, TWO_HEAD_LABELS, SentimentModel, calibrate, label_heads, onnx_check
from firestorm.sentiment.train import fit, gold_targets, unique_labelled

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
    replay_fraction: float = 1.0   # human-labelled training posts mixed in per emoticon row, against forgetting
    neutral_band: tuple = (0.35, 0.65)   # labels posts only for a model without a neutral output
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


def emoticon_targets(labels: np.ndarray, heads: dict[str, list[int]], outputs: int) -> np.ndarray:
    """Targets of emoticon-labelled posts, one column per model output: the polarity head's class of the
    emoticon (0 negative, 0.5 neutral, 1 positive; a model without a neutral output gets 0.5/0.5), no emotion
    target."""
    targets = np.zeros((len(labels), outputs), dtype=np.float32)
    polarity = heads["polarity"]
    for value, name in EMOTICON_CLASS.items():
        rows = np.flatnonzero(np.asarray(labels, dtype=float) == value)
        if name in POLARITY and len(polarity) == 3:
            targets[rows, polarity[POLARITY.index(name)]] = 1
        else:   # binary model: negative / positive, neutral as an even split
            share = {"negative": 0.0, "neutral": 0.5, "positive": 1.0}[name]
            targets[rows, polarity[0]], targets[rows, polarity[-1]] = 1 - share, share
    return targets


def predicted_labels(scorer: SentimentModel, texts: list[str], neutral_band) -> np.ndarray:
    """negative / neutral / positive per text: the likeliest class, or the band for a model without neutral."""
    from firestorm.sentiment.model import label_from_probability

    polarity = scorer.probabilities(texts)["polarity"]
    if scorer.has_neutral:
        return np.asarray(POLARITY, dtype=object)[polarity.argmax(axis=1)] if len(texts) else np.array([])
    return label_from_probability(polarity[:, -1], tuple(neutral_band))


def adapt_model(base_dir: str | Path, out_dir: str | Path, tokens: pd.DataFrame, lexicon: dict[str, int],
                settings: AdaptSettings = AdaptSettings(), progress: bool = True) -> dict:
    """Adapt a sentiment model to the study's own posts by distant supervision from emoticons.

    Fine-tunes a copy of ``base_dir`` on emoticon-labelled posts (emoticons removed from the input; the
    polarity head only) mixed with replayed human-labelled training posts (both heads), recalibrates it on the
    human-labelled eval splits, and reports the base and the adapted model on a held-out slice of
    emoticon-labelled posts and on the human-labelled social-media tests, the measure that decides whether
    adaptation helps. Writes the adapted model folder and ``adaptation.json`` (``applied: true``). With too few
    emoticon-labelled posts (:func:`adaptation_shortfall`) the study goes on with the base model:
    :func:`keep_base_model`, ``applied: false`` and the reason.
    """
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    out_dir = Path(out_dir)
    labelled = emoticon_labels(tokens, lexicon)
    shortfall = adaptation_shortfall(labelled, settings)
    if shortfall:
        return keep_base_model(base_dir, out_dir, labelled, settings, shortfall)
    held_out_mask = split_by_hash(labelled["text"], settings.held_out_fraction, settings.seed)
    adapt_rows, held_out_all = labelled[~held_out_mask], labelled[held_out_mask]
    held_out = held_out_all[held_out_all["label"] != 0.5]
    held_out_neutral = held_out_all[held_out_all["label"] == 0.5]
    if len(adapt_rows) > settings.max_rows:
        adapt_rows = adapt_rows.sample(n=settings.max_rows, random_state=settings.seed)
    eval_file = Path(base_dir) / "eval.json"
    base_eval = json.loads(eval_file.read_text(encoding="utf-8")) if eval_file.exists() else {}
    social = load_social_corpus(TRAIN_SOURCES, "train")
    replay = social.sample(n=min(int(len(adapt_rows) * settings.replay_fraction), len(social)),
                           random_state=settings.seed)

    tokenizer = AutoTokenizer.from_pretrained(base_dir)
    model = AutoModelForSequenceClassification.from_pretrained(base_dir)
    heads = label_heads(model.config.id2label)
    outputs = model.config.num_labels
    # A model laid out as the default (both heads, TWO_HEAD_LABELS) learns from the posts' gold labels as they
    # are; any other checkpoint from their polarity alone, through the emoticon targets' mapping.
    default_layout = model.config.id2label == dict(enumerate(TWO_HEAD_LABELS))
    replay_targets = (gold_targets(replay) if default_layout
                      else emoticon_targets(replay["polarity"].map({"negative": 0.0, "neutral": 0.5,
                                                                    "positive": 1.0}).fillna(-1).to_numpy(),
                                            heads, outputs))
    texts = adapt_rows["text"].tolist() + replay["text"].tolist()
    targets = np.concatenate([emoticon_targets(adapt_rows["label"].to_numpy(), heads, outputs), replay_targets])
    fit(model, tokenizer, texts, targets, epochs=settings.epochs, learning_rate=settings.learning_rate,
        batch_size=settings.batch_size, max_length=settings.max_length, seed=settings.seed, progress=progress,
        description="adapting to emoticon-labelled posts", heads=[c for c in heads.values() if c])
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    # Recalibrate on the human-labelled eval splits: the scale of the logits moved.
    calibration = calibration_rows()
    calibration_targets = (gold_targets(calibration) if default_layout
                           else calibration["polarity"].map({"negative": 0, "positive": 1}))
    if not default_layout:
        polar = calibration_targets.notna().to_numpy()
        calibration, calibration_targets = calibration[polar], calibration_targets[polar].astype(int).to_numpy()
    temperatures = calibrate(out_dir, calibration["text"].tolist(), calibration_targets, settings.max_length)

    report = {"applied": True, "reason": "", "base_model": str(base_dir), "adapted_model": str(out_dir),
              "scoring_model": str(out_dir), "settings": settings.__dict__,
              "emoticon_labelled_posts": int(len(labelled)),
              "emoticon_labelled_by_class": {name: int((labelled["label"] == target).sum())
                                             for name, target in EMOTICON_TARGETS.items()},
              "adapt_rows": int(len(adapt_rows)), "replayed_social_rows": int(len(replay)),
              "calibration_rows": int(len(calibration)), "temperatures": temperatures,
              "held_out_rows": int(len(held_out)), "held_out_neutral_rows": int(len(held_out_neutral)),
              "held_out_positive_share": float(held_out["label"].mean()) if len(held_out) else None}
    for name, folder in (("base", base_dir), ("adapted", out_dir)):
        scorer = SentimentModel(folder, max_length=settings.max_length)
        polar = scorer.probabilities(held_out["text"].tolist())["polarity"]
        held_out_truth = held_out["label"].map(EMOTICON_CLASS).to_numpy(dtype=object)
        report[name] = {
            "emoticon_held_out": binary_polarity_metrics(held_out_truth, polar[:, 0], polar[:, -1]),
            "neutral_emoticon_held_out": neutral_metrics(
                predicted_labels(scorer, held_out_neutral["text"].tolist(), settings.neutral_band)),
            "emoticon_confusion_3class": three_class_confusion(
                held_out_all["label"].to_numpy(dtype=float),
                predicted_labels(scorer, held_out_all["text"].tolist(), settings.neutral_band)),
            "social_tests": {test: evaluate_heads(rows, scorer.probabilities(rows["text"].tolist()))
                             for test, rows in human_test_sets().items()},
        }
    report["improves_social_tests"] = improves_social_tests(report["base"]["social_tests"],
                                                            report["adapted"]["social_tests"])
    report["onnx_int8"] = onnx_check(out_dir, held_out["text"].tolist()[:500])
    (out_dir / "adaptation.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    # The scoring model's tests are the adapted model's (what the response stage's correction reads).
    adapted_eval = {**base_eval, "model": str(out_dir), "tests": report["adapted"]["social_tests"],
                    "base_model_tests": base_eval.get("tests"), "adaptation": report}
    (out_dir / "eval.json").write_text(json.dumps(adapted_eval, indent=2, ensure_ascii=False), encoding="utf-8")
    return report


def improves_social_tests(base: dict, adapted: dict) -> dict:
    """Per test set, the change in binary and three-class polarity macro-F1 from base to adapted, and whether
    adaptation improved binary accuracy on every set (the criterion for switching it on by default)."""
    change = {}
    for test, metrics in base.items():
        change[test] = {head: adapted[test][head]["macro_f1"] - metrics[head]["macro_f1"]
                        for head in ("binary_polarity", "polarity") if head in metrics and head in adapted[test]}
        change[test]["binary_accuracy"] = (adapted[test]["binary_polarity"]["accuracy"]
                                           - metrics["binary_polarity"]["accuracy"])
    return {"change": change, "every_set_improved": all(c["binary_accuracy"] > 0 for c in change.values())}


def three_class_confusion(targets: np.ndarray, labels: np.ndarray) -> dict:
    """Counts of (emoticon class, model label): rows true negative / neutral / positive (targets 0 / 0.5 / 1),
    columns the labels; reported in adaptation.json."""
    true_labels = [EMOTICON_CLASS[float(target)] for target in np.asarray(targets)]
    return {"labels": list(CLASSES),
            "rows_true_columns_predicted": confusion_counts(true_labels, labels).astype(int).tolist()}


def neutral_metrics(labels: np.ndarray) -> dict:
    """How a model labels posts whose emoticons are all neutral: the share of each label."""
    labels = np.asarray(labels, dtype=object)
    if not len(labels):
        return {"rows": 0}
    return {"rows": int(len(labels)), **{f"share_{name}": float(np.mean(labels == name)) for name in CLASSES}}
