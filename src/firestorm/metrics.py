"""Measures several stages share: binomial intervals, confusion matrices, classifier metrics, hash splits."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

# Sentiment classes, in the order of every confusion matrix's rows and columns.
CLASSES = ("negative", "neutral", "positive")
# The two classes of a binary (polarity) classifier, in the order of its confusion matrix.
BINARY_LABELS = ("negative", "positive")


def is_missing(value) -> bool:
    """Whether a scalar read from a table or JSON is absent: None, NaN, NaT or pd.NA."""
    return value is None or bool(pd.isna(value))


def wilson_interval(successes: np.ndarray, totals: np.ndarray, z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a binomial share; (nan, nan) where the total is 0."""
    successes = np.asarray(successes, dtype=float)
    totals = np.asarray(totals, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = successes / totals
        centre = (share + z**2 / (2 * totals)) / (1 + z**2 / totals)
        half = z * np.sqrt(share * (1 - share) / totals + z**2 / (4 * totals**2)) / (1 + z**2 / totals)
    return centre - half, centre + half


def split_by_hash(texts: pd.Series, test_fraction: float, seed: int) -> np.ndarray:
    """True for test rows. Decided by a keyed hash of the text, so it is stable across machines and runs."""
    def bucket(text: str) -> float:
        digest = hashlib.sha256(f"{seed}:{text}".encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    return np.array([bucket(t) < test_fraction for t in texts], dtype=bool)   # bool even when empty


def confusion_counts(true_labels, predicted, weights=None) -> np.ndarray:
    """3 x 3 counts (summed ``weights`` when given), rows true negative / neutral / positive, columns the
    predicted label (same order); pairs with an unknown label on either side are not counted."""
    counts = np.zeros((3, 3))
    true_index = pd.Categorical(true_labels, categories=CLASSES).codes
    predicted_index = pd.Categorical(predicted, categories=CLASSES).codes
    known = (true_index >= 0) & (predicted_index >= 0)
    values = 1 if weights is None else np.asarray(weights, dtype=float)[known]
    np.add.at(counts, (true_index[known], predicted_index[known]), values)
    return counts


def per_class_f1(confusion: np.ndarray) -> np.ndarray:
    """F1 of each class of a (possibly weighted) confusion matrix, rows true, columns predicted; 0 where the
    class is never predicted or never true."""
    confusion = np.asarray(confusion, dtype=float)
    true_positives = np.diag(confusion)
    predicted, actual = confusion.sum(axis=0), confusion.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(predicted > 0, true_positives / predicted, 0.0)
        recall = np.where(actual > 0, true_positives / actual, 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    return f1


def present_macro_f1(confusion: np.ndarray) -> float:
    """Macro-F1 over the classes the truth contains (a class absent from it has no defined recall); nan when
    the matrix is empty."""
    present = np.asarray(confusion).sum(axis=1) > 0
    return float(per_class_f1(confusion)[present].mean()) if present.any() else float("nan")


def classification_metrics(labels: np.ndarray, p_positive: np.ndarray, bins: int = 10) -> dict:
    """Accuracy, macro-F1, expected calibration error and the confusion matrix of a binary classifier."""
    labels = np.asarray(labels).astype(int)
    predicted = (np.asarray(p_positive) >= 0.5).astype(int)
    confusion = np.zeros((2, 2), dtype=int)
    np.add.at(confusion, (labels, predicted), 1)
    f1 = per_class_f1(confusion)
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
        "confusion_matrix": {"labels": list(BINARY_LABELS), "rows_true_columns_predicted": confusion.tolist()},
    }


def multiclass_metrics(true_labels, probabilities: np.ndarray, classes, bins: int = 10) -> dict:
    """Accuracy, macro-F1, per-class F1, top-label expected calibration error and the confusion matrix of a
    classifier over ``classes`` (the columns of ``probabilities``); rows whose true label is not one of the
    classes are left out (and counted)."""
    classes = list(classes)
    probabilities = np.asarray(probabilities, dtype=float)
    true_index = pd.Categorical([label if isinstance(label, str) else None for label in true_labels],
                                categories=classes).codes
    known = true_index >= 0
    truth, probabilities = true_index[known], probabilities[known]
    predicted = probabilities.argmax(axis=1)
    confusion = np.zeros((len(classes), len(classes)), dtype=int)
    np.add.at(confusion, (truth, predicted), 1)
    f1 = dict(zip(classes, per_class_f1(confusion).tolist()))
    confidence = probabilities.max(axis=1) if len(probabilities) else np.zeros(0)
    correct = predicted == truth
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    ece = sum(abs(correct[which == b].mean() - confidence[which == b].mean()) * (which == b).mean()
              for b in range(bins) if (which == b).any())
    return {
        "rows": int(known.sum()),
        "rows_with_other_labels": int((~known).sum()),
        "accuracy": float(correct.mean()) if len(correct) else float("nan"),
        "macro_f1": present_macro_f1(confusion),
        "f1": f1,
        "expected_calibration_error": float(ece),
        "confusion_matrix": {"labels": classes, "rows_true_columns_predicted": confusion.tolist()},
    }


def binary_polarity_metrics(true_polarity, p_negative: np.ndarray, p_positive: np.ndarray) -> dict:
    """Negative-vs-positive accuracy and macro-F1 on the rows labelled negative or positive (neutral and
    unstated rows left out), the prediction being the likelier of the two: the measure the literature reports
    for binary sentiment, comparable across models with and without a neutral class."""
    truth = np.array([label if isinstance(label, str) else "" for label in true_polarity], dtype=object)
    polar = np.isin(truth, BINARY_LABELS)
    p_negative, p_positive = np.asarray(p_negative, dtype=float)[polar], np.asarray(p_positive, dtype=float)[polar]
    total = p_negative + p_positive
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, p_positive / total, 0.5)
    metrics = classification_metrics((truth[polar] == "positive").astype(int), share)
    return {key: metrics[key] for key in ("rows", "accuracy", "macro_f1", "confusion_matrix")}
