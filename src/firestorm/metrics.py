"""Measures several stages share: binomial intervals, confusion matrices, classifier metrics, hash splits."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

# Sentiment classes, in the order of every confusion matrix's rows and columns.
CLASSES = ("negative", "neutral", "positive")
# The two classes of a binary (polarity) classifier, in the order of its confusion matrix.
BINARY_LABELS = ("negative", "positive")


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


def confusion_counts(true_labels, predicted) -> np.ndarray:
    """3 x 3 counts, rows true negative / neutral / positive, columns the predicted label (same order);
    pairs with an unknown label on either side are not counted."""
    counts = np.zeros((3, 3))
    true_index = pd.Categorical(true_labels, categories=CLASSES).codes
    predicted_index = pd.Categorical(predicted, categories=CLASSES).codes
    known = (true_index >= 0) & (predicted_index >= 0)
    np.add.at(counts, (true_index[known], predicted_index[known]), 1)
    return counts


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
        "confusion_matrix": {"labels": list(BINARY_LABELS), "rows_true_columns_predicted": confusion.tolist()},
    }
