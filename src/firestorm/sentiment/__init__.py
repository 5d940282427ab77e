"""Sentiment: a ``transformers`` sequence classifier scoring every post's own words for polarity and emotion.

The default model is built by the pipeline itself, offline: a compact character-level BERT
(``BertForSequenceClassification``) with two heads, polarity (negative / neutral / positive, a trained class)
and the six SMP2020-EWECT emotions, distilled from a fine-tuned multilingual-e5-small teacher on
human-labelled Weibo posts and unlabelled Weibo posts (``data/sentiment/``, each with a data card).

Any other ``transformers`` sequence-classification folder or hub id can be named in the config instead; its
label names decide which output is which (see :mod:`~firestorm.sentiment.model`).

Modules: :mod:`~firestorm.sentiment.model` (the classifier, its heads, scoring, calibration, ONNX runtime),
:mod:`~firestorm.sentiment.train` (training texts and targets, vocabulary, training loop),
:mod:`~firestorm.sentiment.evaluate` (the human-labelled tests and the baselines),
:mod:`~firestorm.sentiment.adapt` (emoticon adaptation and the posts it held out),
:mod:`~firestorm.sentiment.corpora` (the labelled social-media sets and the unlabelled transfer sample) and
:mod:`~firestorm.sentiment.teacher` (the teacher the default model is distilled from; ``python -m
firestorm.sentiment.teacher``, not imported here). The names below are the public API.
"""

from firestorm.sentiment.adapt import (
    EMOTICON_CLASS, EMOTICON_TARGETS, HELD_OUT_POSTS, AdaptSettings, adapt_model, adaptation_shortfall,
    emoticon_labels, emoticon_post_labels, held_out_posts, keep_base_model, load_emoticon_lexicon, neutral_metrics,
    three_class_confusion, unseen_emoticon_posts,
)
from firestorm.sentiment.model import (
    EMOTION_PREFIX, EMOTIONS, LABELS, ONNX_FILE, POLARITY, SCORING_CHUNK, SENTIMENT, TWO_HEAD_LABELS,
    SentimentModel, calibrate, export_onnx, fit_head_temperatures, fit_temperature, label_from_probability,
    label_heads, onnx_check, score_posts, set_threads, softmax,
)
from firestorm.sentiment.train import (
    TrainSettings, build_char_vocab, fit, gold_targets, head_loss, jieba_characters, length_batches,
    make_tokenizer, review_corpus, soft_targets, train_model, training_targets, unique_labelled,
)
from firestorm.sentiment.evaluate import (
    BASELINES, EXTERNAL_TEST, TRAIN_SOURCES, evaluate_baselines, evaluate_heads, evaluate_model,
    human_test_sets, lexicon_probability, snownlp_probability,
)
from firestorm.sentiment.corpora import (
    SOCIAL_CORPORA, SOCIAL_CORPUS, SOCIAL_SOURCES, clean_social_corpus, load_social_corpus, load_transfer_sample,
)

__all__ = [
    # model
    "EMOTION_PREFIX", "EMOTIONS", "LABELS", "ONNX_FILE", "POLARITY", "SCORING_CHUNK", "SENTIMENT",
    "TWO_HEAD_LABELS", "SentimentModel", "calibrate", "export_onnx", "fit_head_temperatures", "fit_temperature",
    "label_from_probability", "label_heads", "onnx_check", "score_posts", "set_threads", "softmax",
    # train
    "TrainSettings", "build_char_vocab", "fit", "gold_targets", "head_loss", "jieba_characters", "length_batches",
    "make_tokenizer", "review_corpus", "soft_targets", "train_model", "training_targets", "unique_labelled",
    # evaluate
    "BASELINES", "EXTERNAL_TEST", "TRAIN_SOURCES", "evaluate_baselines", "evaluate_heads", "evaluate_model",
    "lexicon_probability", "snownlp_probability", "human_test_sets",
    # adapt
    "EMOTICON_CLASS", "EMOTICON_TARGETS", "HELD_OUT_POSTS", "AdaptSettings", "adapt_model", "adaptation_shortfall",
    "emoticon_labels", "emoticon_post_labels", "held_out_posts", "keep_base_model", "load_emoticon_lexicon",
    "neutral_metrics", "three_class_confusion", "unseen_emoticon_posts",
    # corpora
    "SOCIAL_CORPORA", "SOCIAL_CORPUS", "SOCIAL_SOURCES", "clean_social_corpus", "load_social_corpus",
    "load_transfer_sample",
]
