"""Sentiment: the model folder round-trips through transformers; probabilities, labels and metrics hold."""

import json

import numpy as np
import pandas as pd
import pytest
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from firestorm.metrics import binary_polarity_metrics, classification_metrics, multiclass_metrics, split_by_hash
from firestorm.sentiment import (
    EMOTIONS, HELD_OUT_POSTS, POLARITY, TWO_HEAD_LABELS, AdaptSettings, SentimentModel, TrainSettings, adapt_model,
    emoticon_labels, fit_temperature, gold_targets, head_loss, held_out_posts, label_from_probability, label_heads,
    load_emoticon_lexicon, review_corpus, score_posts, human_test_sets, train_model, unseen_emoticon_posts,
)

TINY = TrainSettings(max_train_rows=400, epochs=1, hidden_size=32, layers=1, heads=2, batch_size=32,
                     max_length=48)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    evaluation = train_model(folder, TINY, progress=False)
    return folder, evaluation


def test_review_corpus_is_deduplicated_without_contradictions():
    corpus = review_corpus()
    assert corpus["text"].is_unique
    assert set(corpus["label"]) == {0, 1}
    assert 15_000 < len(corpus) < 17_500  # 8,379 + 9,078 unique lines, minus texts in both files


def test_split_is_stable_and_disjoint():
    texts = pd.Series([f"句子{i}" for i in range(2000)])
    first, second = split_by_hash(texts, 0.2, 13), split_by_hash(texts, 0.2, 13)
    assert (first == second).all()
    assert 0.15 < first.mean() < 0.25


def test_model_folder_round_trips_through_transformers_auto_classes(tiny_model):
    folder, evaluation = tiny_model
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder)
    assert model.config.id2label == dict(enumerate(TWO_HEAD_LABELS))
    assert label_heads(model.config.id2label) == {"polarity": [0, 1, 2], "emotion": list(range(3, 9))}
    tokens = tokenizer.convert_ids_to_tokens(tokenizer("服务很好")["input_ids"])
    assert tokens == ["[CLS]", "服", "务", "很", "好", "[SEP]"]
    written = json.loads((folder / "eval.json").read_text())
    assert written["tests"] == json.loads(json.dumps(evaluation["tests"]))
    sets = human_test_sets()
    assert set(written["tests"]) == set(sets) == {"smp2020_usual_test", "smp2020_virus_test", "nlpcc2014_external"}
    for name, rows in sets.items():
        metrics = written["tests"][name]
        assert metrics["polarity"]["rows"] == rows["polarity"].notna().sum()        # surprise has no polarity
        assert metrics["binary_polarity"]["rows"] == rows["polarity"].isin(["negative", "positive"]).sum()
        assert metrics["emotion"]["rows"] + metrics["emotion"]["rows_with_other_labels"] == len(rows)
        for baseline in ("snownlp_bayes", "pysenti_lexicon"):   # scored on the same rows (baselines.json)
            assert written["baselines"][name][baseline]["binary_polarity"]["rows"] == metrics["binary_polarity"]["rows"]
    # NLPCC's like/disgust have no SMP2020 counterpart: left out of its emotion test only.
    assert written["tests"]["nlpcc2014_external"]["emotion"]["rows_with_other_labels"] > 0
    assert written["tests"]["smp2020_usual_test"]["emotion"]["rows_with_other_labels"] == 0
    assert written["calibration"]["rows"] > 3000 and set(written["calibration"]["temperatures"]) == {
        "polarity", "emotion"}
    onnx = written["onnx_int8"]   # the int8 ONNX export is checked against torch on both heads
    assert onnx["texts"] == 900 and 0 <= onnx["polarity_max_abs_probability_difference"] < 0.2
    assert {"polarity_label_agreement", "emotion_label_agreement"} <= set(onnx)


def test_scores_obey_the_probability_and_label_contract(tiny_model):
    folder, _ = tiny_model
    tokens = pd.DataFrame({"post_id": ["a", "b", "c"], "own_text": ["太差了，再也不来", "非常好，推荐", ""]})
    scores = score_posts(tokens, SentimentModel(folder, batch_size=2), (0.4, 0.6))
    assert list(scores["post_id"]) == ["a", "b", "c"]
    assert list(scores.columns[:5]) == ["post_id", "p_negative", "p_neutral", "p_positive", "label"]
    assert np.allclose(scores[["p_negative", "p_neutral", "p_positive"]].sum(axis=1), 1.0)
    assert np.allclose(scores[[f"p_emotion_{e}" for e in EMOTIONS]].sum(axis=1), 1.0)
    polar = scores[["p_negative", "p_neutral", "p_positive"]].to_numpy()
    assert scores["label"].tolist() == [POLARITY[i] for i in polar.argmax(axis=1)]   # the trained class, no band
    emotion = scores[[f"p_emotion_{e}" for e in EMOTIONS]].to_numpy()
    assert scores["emotion"].tolist() == [EMOTIONS[i] for i in emotion.argmax(axis=1)]
    assert (scores["model"] == str(folder)).all()
    assert score_posts(tokens.head(0), SentimentModel(folder), (0.4, 0.6)).empty


def test_a_repeated_text_is_scored_once_and_every_copy_gets_its_scores(tiny_model):
    folder, _ = tiny_model
    model = SentimentModel(folder, batch_size=2)
    asked = []
    original = model.probabilities
    model.probabilities = lambda texts, progress=False: asked.append(list(texts)) or original(texts, progress)
    tokens = pd.DataFrame({"post_id": list("abcde"),
                           "own_text": ["转发微博", "太差了", "转发微博", None, "转发微博"]})
    scores = score_posts(tokens, model, (0.4, 0.6)).set_index("post_id")
    assert asked == [["转发微博", "太差了", ""]]
    assert scores.loc["a"].equals(scores.loc["c"]) and scores.loc["a"].equals(scores.loc["e"])
    alone = score_posts(tokens.iloc[[1]], SentimentModel(folder, batch_size=2), (0.4, 0.6)).set_index("post_id")
    assert np.allclose(alone.loc["b", "p_negative"], scores.loc["b", "p_negative"], atol=1e-5)


def test_a_binary_checkpoint_without_emotions_uses_the_band_and_leaves_emotion_empty(tmp_path):
    """Config swap to any checkpoint: a two-label model has no neutral output and no emotion head."""
    from transformers import BertConfig, BertForSequenceClassification

    from firestorm.sentiment import build_char_vocab, make_tokenizer

    tokenizer = make_tokenizer(build_char_vocab(["好差"]), 32)
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=32, num_labels=2)   # LABEL_0, LABEL_1
    BertForSequenceClassification(config).save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    tokens = pd.DataFrame({"post_id": ["a", "b"], "own_text": ["好", "差"]})
    scores = score_posts(tokens, SentimentModel(tmp_path), (0.0, 1.0))   # the band covers everything
    assert scores["p_neutral"].isna().all() and scores["emotion"].isna().all()
    assert scores["p_emotion_angry"].isna().all()
    assert (scores["label"] == "neutral").all()
    assert np.allclose(scores["p_negative"] + scores["p_positive"], 1.0)


@pytest.mark.parametrize("labels, heads", [
    ({0: "LABEL_0", 1: "LABEL_1"}, {"polarity": [0, 1], "emotion": []}),
    ({0: "POS", 1: "NEG"}, {"polarity": [1, 0], "emotion": []}),
    ({0: "positive", 1: "negative", 2: "neutral"}, {"polarity": [1, 2, 0], "emotion": []}),
    (dict(enumerate(reversed(TWO_HEAD_LABELS))), {"polarity": [8, 7, 6], "emotion": [5, 4, 3, 2, 1, 0]}),
])
def test_label_heads_read_the_label_names(labels, heads):
    assert label_heads(labels) == heads


def test_label_heads_refuse_what_they_cannot_read():
    with pytest.raises(ValueError, match="negative and positive"):
        label_heads({0: "joy", 1: "anger", 2: "fear"})
    with pytest.raises(ValueError, match="emotion outputs"):
        label_heads({0: "negative", 1: "positive", 2: "emotion:joy"})


def test_head_loss_is_a_cross_entropy_per_head_over_the_rows_that_carry_its_label():
    import torch

    logits = torch.tensor([[2.0, 0.0, 1.0, 0.5], [0.0, 1.0, -1.0, 0.0]])
    targets = torch.tensor([[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.3, 0.7]])   # row 0: head A only; row 1: head B only
    loss = head_loss(logits, targets, [[0, 1], [2, 3]])
    head_a = -torch.log_softmax(logits[0, [0, 1]], dim=-1)[0]
    head_b = -(torch.tensor([0.3, 0.7]) * torch.log_softmax(logits[1, [2, 3]], dim=-1)).sum()
    assert loss.item() == pytest.approx((head_a + head_b).item(), rel=1e-6)
    whole = head_loss(logits, torch.softmax(logits, dim=-1))
    assert whole.item() == pytest.approx(
        -(torch.softmax(logits, -1) * torch.log_softmax(logits, -1)).sum(-1).mean().item())


def test_gold_targets_leave_unstated_labels_out_of_the_loss():
    rows = pd.DataFrame({"text": ["a", "b", "c"], "polarity": ["negative", None, "positive"],
                         "emotion": ["angry", "surprise", "optimism"],
                         "source": ["smp2020_usual", "smp2020_virus", "covid19_weibo"]}).astype("string")
    targets = gold_targets(rows)
    assert targets[0].tolist() == [1, 0, 0, 1, 0, 0, 0, 0, 0]       # negative + angry
    assert targets[1].tolist() == [0, 0, 0, 0, 0, 0, 0, 0, 1]       # surprise: no polarity
    assert targets[2].tolist() == [0, 0, 1, 0, 0, 0, 0, 0, 0]       # COVID's optimism: polarity only


def test_multiclass_and_binary_metrics_on_a_small_fixture():
    probabilities = np.array([[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.2, 0.1, 0.7], [0.5, 0.1, 0.4], [0.3, 0.3, 0.4]])
    truth = ["negative", "neutral", "positive", "positive", None]
    metrics = multiclass_metrics(truth, probabilities, POLARITY)
    assert metrics["rows"] == 4 and metrics["rows_with_other_labels"] == 1
    assert metrics["accuracy"] == pytest.approx(0.75)
    assert metrics["confusion_matrix"]["rows_true_columns_predicted"] == [[1, 0, 0], [0, 1, 0], [1, 0, 1]]
    assert metrics["f1"] == pytest.approx({"negative": 2 / 3, "neutral": 1.0, "positive": 2 / 3})
    binary = binary_polarity_metrics(truth, probabilities[:, 0], probabilities[:, 2])
    assert binary["rows"] == 3 and binary["accuracy"] == pytest.approx(2 / 3)   # row 4: 0.5 vs 0.4 -> negative


def test_batching_and_length_sorting_do_not_change_probabilities(tiny_model):
    folder, _ = tiny_model
    texts = ["太差了", "房间很干净，服务也很周到，下次还来", "一般", "不推荐购买，质量很差，客服态度也不好"]
    batched = SentimentModel(folder, batch_size=3).positive_probability(texts)
    single = np.array([SentimentModel(folder, batch_size=1).positive_probability([t])[0] for t in texts])
    assert np.allclose(batched, single, atol=1e-5)


def test_neutral_band():
    p = np.array([0.1, 0.35, 0.5, 0.65, 0.9])
    assert label_from_probability(p, (0.35, 0.65)).tolist() == ["negative", "neutral", "neutral", "neutral", "positive"]
    assert label_from_probability(p, (0.5, 0.5)).tolist() == ["negative", "negative", "neutral", "positive", "positive"]
    with pytest.raises(ValueError):
        label_from_probability(p, (0.7, 0.3))


def test_metrics_on_a_small_labelled_fixture():
    labels = np.array([0, 0, 1, 1, 1])
    p_positive = np.array([0.2, 0.6, 0.9, 0.8, 0.4])
    metrics = classification_metrics(labels, p_positive)
    assert metrics["accuracy"] == pytest.approx(0.6)
    assert metrics["confusion_matrix"]["rows_true_columns_predicted"] == [[1, 1], [1, 2]]
    # F1(negative) = 0.5, F1(positive) = 2/3
    assert metrics["macro_f1"] == pytest.approx((0.5 + 2 / 3) / 2)
    perfect = classification_metrics(np.array([0, 1]), np.array([0.0, 1.0]))
    assert perfect["expected_calibration_error"] == pytest.approx(0.0)


def test_emoticon_lexicon_and_distant_labels(repo):
    lexicon = load_emoticon_lexicon(repo / "data/lexicon/emoticons.yaml")
    assert lexicon["[怒]"] == 0 and lexicon["[赞R]"] == 1 and "[doge]" not in lexicon
    tokens = pd.DataFrame({
        "post_id": list("abcdef"),
        "own_text": ["太过分了", "做得好", "又爱又恨", "无表情", "太过分了", "做得好"],
        "emoticons": [["[怒]"], ["[赞]", "[鼓掌]"], ["[怒]", "[赞]"], [], ["[怒]"], ["[怒]"]],
    })
    labels = emoticon_labels(tokens, lexicon)
    # mixed polarity and no emoticon give no label; "做得好" appears with both labels and is dropped
    assert labels.to_dict("records") == [{"text": "太过分了", "label": 0}]


def test_unseen_emoticon_posts_count_every_post_of_the_held_out_texts_only(repo):
    """The posts that measure the classifier's errors: each post once (repeats weigh as in the corpus), and
    after adaptation only those whose text fell in its held-out split (the model never learnt from them)."""
    lexicon = load_emoticon_lexicon(repo / "data/lexicon/emoticons.yaml")
    texts = [f"第{number}条" for number in range(200)]
    tokens = pd.DataFrame({"post_id": [f"p{n}" for n in range(400)], "own_text": texts + texts,
                           "emoticons": [["[怒]"], ["[吃瓜]"], ["[赞]"], []] * 100})
    everything = unseen_emoticon_posts(tokens, lexicon, adaptation=None)
    assert len(everything) == 300 and everything["true_label"].value_counts().to_dict() == {
        "negative": 100, "neutral": 100, "positive": 100}
    settings = {"held_out_fraction": 0.2, "seed": 29}
    held_out = unseen_emoticon_posts(tokens, lexicon, {"settings": settings})
    expected = split_by_hash(pd.Series([t.strip() for t in tokens["own_text"]]), 0.2, 29) & (
        tokens["emoticons"].str.len() > 0).to_numpy()
    assert held_out["post_id"].tolist() == tokens.loc[expected, "post_id"].tolist()
    assert 30 < len(held_out) < 90   # about a fifth of 300
    # A batch without any emoticon post (the response stage reads tokens in batches) gives an empty table.
    none = unseen_emoticon_posts(tokens[tokens["emoticons"].str.len() == 0], lexicon, {"settings": settings})
    assert list(none.columns) == ["post_id", "true_label"] and none.empty


def test_held_out_posts_table_is_the_unseen_posts_of_every_case_in_order(repo, tmp_path):
    """The table the adaptation stage writes for the response stage: per case, exactly the posts
    unseen_emoticon_posts gives (batches of the token file read in order), whatever the batch size."""
    lexicon = load_emoticon_lexicon(repo / "data/lexicon/emoticons.yaml")
    texts = [f"第{number}条" for number in range(120)]
    files = {}
    for case, offset in (("first", 0), ("second", 1)):
        tokens = pd.DataFrame({"post_id": [f"{case}{n}" for n in range(120)], "own_text": texts,
                               "emoticons": ([["[怒]"], ["[吃瓜]"], ["[赞]"], []] * 31)[offset:offset + 120]})
        files[case] = tmp_path / f"{case}.parquet"
        tokens.to_parquet(files[case])
    applied = {"applied": True, "settings": {"held_out_fraction": 0.2, "seed": 29}}
    for adaptation in (applied, {**applied, "applied": False}, None):
        table = held_out_posts(files, lexicon, adaptation, rows=7)
        assert list(table.columns) == list(HELD_OUT_POSTS) and table.dtypes.astype(str).to_dict() == HELD_OUT_POSTS
        for case, path in files.items():
            expected = unseen_emoticon_posts(pd.read_parquet(path), lexicon, adaptation)
            rows = table[table["case"] == case]
            assert rows["post_id"].tolist() == expected["post_id"].tolist()
            assert rows["true_label"].tolist() == expected["true_label"].tolist()
    assert len(held_out_posts(files, lexicon, None)) == 180           # not applied or not run: every labelled post
    assert 20 < len(held_out_posts(files, lexicon, applied)) < 60     # adapted: about a fifth of them
    empty = held_out_posts({}, lexicon, applied)
    assert empty.empty and list(empty.columns) == list(HELD_OUT_POSTS)


def test_neutral_emoticons_teach_a_half_probability_and_clash_across_lists_is_an_error(repo, tmp_path):
    lexicon = load_emoticon_lexicon(repo / "data/lexicon/emoticons.yaml")
    assert lexicon["[吃瓜]"] == 0.5 and lexicon["[黑薯问号R]"] == 0.5
    tokens = pd.DataFrame({"post_id": ["a", "b"], "own_text": ["先看看后续", "先看看后续吧"],
                           "emoticons": [["[吃瓜]"], ["[吃瓜]", "[怒]"]]})
    assert emoticon_labels(tokens, lexicon).to_dict("records") == [{"text": "先看看后续", "label": 0.5}]
    clash = tmp_path / "clash.yaml"
    clash.write_text("positive: ['[赞]']\nneutral: ['[赞]']\n", encoding="utf-8")
    with pytest.raises(ValueError, match="two polarities"):
        load_emoticon_lexicon(clash)


def test_domain_adaptation_on_a_tiny_corpus(tiny_model, tmp_path, repo):
    folder, _ = tiny_model
    lexicon = load_emoticon_lexicon(repo / "data/lexicon/emoticons.yaml")
    negative = ["平台偷用画师作品", "霸王条款太离谱", "删图退坑了", "用户协议坑人", "拿去炼丹真恶心"]
    positive = ["官方道歉很及时", "修改后的协议清楚", "效果很好看", "态度诚恳点赞", "支持画师维权成功"]
    rows = [(f"{text}{'！' * (i % 4)}{'啊' * (i // 4)}", ["[怒]"]) for i in range(20) for text in negative]
    rows += [(f"{text}{'！' * (i % 4)}{'啊' * (i // 4)}", ["[赞]"]) for i in range(20) for text in positive]
    tokens = pd.DataFrame(rows, columns=["own_text", "emoticons"])
    tokens.insert(0, "post_id", [f"p{number}" for number in range(len(tokens))])
    settings = AdaptSettings(epochs=8, learning_rate=3e-3, batch_size=16, max_length=48)
    report = adapt_model(folder, tmp_path / "adapted", tokens, lexicon, settings, progress=False)
    assert report["held_out_rows"] > 0
    assert report["adapt_rows"] + report["held_out_rows"] == 200
    assert report["replayed_social_rows"] == report["adapt_rows"]
    assert report["adapted"]["emoticon_held_out"]["accuracy"] >= report["base"]["emoticon_held_out"]["accuracy"]
    assert report["adapted"]["emoticon_held_out"]["accuracy"] > 0.8
    # What decides whether adaptation helps: the human-labelled tests, base and adapted on the same rows.
    for name in ("base", "adapted"):
        assert set(report[name]["social_tests"]) == set(human_test_sets())
    change = report["improves_social_tests"]["change"]["smp2020_usual_test"]["binary_accuracy"]
    assert change == pytest.approx(report["adapted"]["social_tests"]["smp2020_usual_test"]["binary_polarity"]["accuracy"]
                                   - report["base"]["social_tests"]["smp2020_usual_test"]["binary_polarity"]["accuracy"])
    assert AutoModelForSequenceClassification.from_pretrained(tmp_path / "adapted").config.num_labels == 9
    assert json.loads((tmp_path / "adapted" / "adaptation.json").read_text())["adapt_rows"] == report["adapt_rows"]
    # The scoring model's eval.json carries the adapted model's tests (the response stage's correction reads them).
    adapted_eval = json.loads((tmp_path / "adapted" / "eval.json").read_text())
    assert adapted_eval["tests"] == json.loads(json.dumps(report["adapted"]["social_tests"]))


def test_temperatures_are_fitted_per_head_and_used(tiny_model):
    from firestorm.sentiment import softmax

    folder, evaluation = tiny_model
    model = SentimentModel(folder)
    assert model.temperatures == pytest.approx(evaluation["calibration"]["temperatures"])
    assert all(t > 0 for t in model.temperatures.values())
    logits = model.logits(["服务很好", "太差了"])
    heads = model.probabilities(["服务很好", "太差了"])
    assert np.allclose(heads["polarity"], softmax(logits[:, :3] / model.temperatures["polarity"]))
    assert np.allclose(heads["emotion"], softmax(logits[:, 3:] / model.temperatures["emotion"]))


def test_fit_temperature_recovers_an_overconfident_scale():
    rng = np.random.default_rng(0)
    true_logit = rng.normal(0, 1.5, 4000)
    labels = (rng.random(4000) < 1 / (1 + np.exp(-true_logit))).astype(int)
    logits = np.column_stack([np.zeros(4000), true_logit * 3.0])   # three times too confident
    assert fit_temperature(logits, labels) == pytest.approx(3.0, rel=0.1)


# ------------------------------------------------------------------------------------------ distillation
def write_teacher_labels(folder, rows):
    from firestorm.sentiment.train import TEACHER_COLUMNS

    path = folder / "teacher.parquet"
    frame = pd.DataFrame(rows, columns=["text", "source", "polarity", "emotion", "p"]).astype(
        {"polarity": "string", "emotion": "string"})
    for i, column in enumerate(TEACHER_COLUMNS):   # teacher: p for negative and angry, the rest spread evenly
        head = 3 if i < 3 else 6
        first = i in (0, 3)
        frame[column] = np.where(first, frame["p"], (1 - frame["p"]) / (head - 1)).astype("float32")
    frame.drop(columns="p").to_parquet(path)
    return path


def test_training_targets_mix_teacher_probabilities_into_labels_per_head(tmp_path):
    from firestorm.sentiment import training_targets

    path = write_teacher_labels(tmp_path, [("好气", "smp2020_usual", "negative", "angry", 0.8),
                                           ("没有标签的帖子", "weibo_unlabelled", None, None, 0.4),
                                           ("惊了", "smp2020_usual", None, "surprise", 0.1)])
    texts, targets, summary = training_targets(TrainSettings(distil_from=str(path), teacher_weight=0.5))
    assert texts == ["好气", "没有标签的帖子", "惊了"]
    assert np.allclose(targets[0, :3], [0.5 * 0.8 + 0.5, 0.5 * 0.1, 0.5 * 0.1])     # gold negative mixed in
    assert np.allclose(targets[1, :3], [0.4, 0.3, 0.3])                               # teacher alone
    assert np.allclose(targets[2, :3], [0.1, 0.45, 0.45])                             # no polarity: teacher alone
    assert np.allclose(targets[2, 3:], 0.5 * np.array([0.1] + [0.18] * 5) + 0.5 * np.eye(6)[5])   # gold surprise
    assert np.allclose(targets[:, :3].sum(axis=1), 1.0) and np.allclose(targets[:, 3:].sum(axis=1), 1.0)
    assert summary["rows_by_source"] == {"smp2020_usual": 2, "weibo_unlabelled": 1}


def test_teacher_labels_of_the_review_model_are_refused_with_the_fix(tmp_path):
    from firestorm.sentiment import training_targets

    path = tmp_path / "old.parquet"
    pd.DataFrame({"text": ["好用"], "teacher_p_positive": [0.9]}).to_parquet(path)
    with pytest.raises(ValueError, match="make teacher"):
        training_targets(TrainSettings(distil_from=str(path)))


def test_committed_teacher_labels_hold_no_test_text_and_agree_with_the_labels(repo):
    """The committed transfer set (make teacher) must not leak any eval, test or external-test post."""
    from firestorm.sentiment import load_social_corpus
    from firestorm.sentiment.corpora import comparison_key
    from firestorm.sentiment.train import TEACHER_COLUMNS

    labels = pd.read_parquet(repo / "data/sentiment/teacher_labels.parquet")
    held_out = pd.concat([load_social_corpus(split=["eval", "test"], folder=repo / "data/sentiment/social"),
                          load_social_corpus("nlpcc2014", folder=repo / "data/sentiment/social")])
    assert not labels["text"].isin(set(held_out["text"])).any()
    assert labels["text"].is_unique
    probabilities = labels[TEACHER_COLUMNS].to_numpy(dtype=float)
    assert np.allclose(probabilities[:, :3].sum(axis=1), 1, atol=1e-3)
    assert np.allclose(probabilities[:, 3:].sum(axis=1), 1, atol=1e-3)
    polar = labels[labels["polarity"].notna()]
    agreement = (polar[TEACHER_COLUMNS[:3]].to_numpy().argmax(axis=1)
                 == pd.Categorical(polar["polarity"], categories=POLARITY).codes).mean()
    assert agreement > 0.75          # the teacher fits its own training posts
    unlabelled = labels[labels["source"] == "weibo_unlabelled"]
    assert len(unlabelled) > 10_000
    # Near-copies of test posts (the same words, other punctuation) are kept out of the transfer sample too.
    assert not comparison_key(unlabelled["text"]).isin(set(comparison_key(held_out["text"]))).any()


def test_committed_transfer_sample_keeps_no_account_name(repo):
    from firestorm.sentiment import load_transfer_sample

    texts = load_transfer_sample(repo / "data/sentiment/transfer/weibo_unlabelled.parquet")
    mentions = texts.str.extractall(r"@(\S{1,12})")[0]
    assert len(mentions) > 100 and set(mentions.str[:2]) == {"用户"}
    cards = texts.str.extractall(r"L([^\sL]{1,30}?)的微博视频")[0]
    assert set(cards) <= {"用户"}


def test_q4_blocks_dequantise_as_ggml_defines_them():
    from firestorm.sentiment.teacher import _dequantise_q4_0

    scale = np.array([0.5], dtype="<f2").tobytes()
    nibbles = bytes((j % 16) | (((15 - j) % 16) << 4) for j in range(16))   # low nibble j, high nibble 15-j
    values = _dequantise_q4_0(scale + nibbles, 32)
    assert values[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert values[16:].tolist() == [(15 - j - 8) * 0.5 for j in range(16)]


def test_readme_python_example_scores_and_charts_without_snakemake(tiny_model, repo, tmp_path):
    """The README's example runs as printed (model, data paths and output redirected to this test's files)."""
    import re

    readme = (repo / "README.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    assert "score_posts" in code and "sentiment_figure" in code
    folder, _ = tiny_model
    code = (code.replace('"results/models/sentiment"', repr(str(folder)))
                .replace('"data/', f'"{repo}/data/').replace('"config/', f'"{repo}/config/')
                .replace('"my_sentiment.png"', repr(str(tmp_path / "my_sentiment.png"))))
    exec(compile(code, "README.md", "exec"), {})
    assert (tmp_path / "my_sentiment.png").stat().st_size > 10_000


def test_fit_with_warmup_schedule_leaves_frozen_weights_alone(tiny_model, tmp_path):
    """The teacher's fine-tuning path: fit() with the warm-up schedule trains what requires gradients only."""
    import torch

    from firestorm.sentiment import fit

    folder, _ = tiny_model
    model = AutoModelForSequenceClassification.from_pretrained(folder)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    frozen = model.bert.embeddings.word_embeddings.weight.detach().clone()
    head = model.classifier.weight.detach().clone()
    fit(model, tokenizer, ["很好用", "太差了", "不错", "失望"], np.array([1, 0, 1, 0]), epochs=2, learning_rate=1e-3,
        batch_size=2, max_length=16, seed=1, progress=False, schedule="warmup_linear")
    assert torch.equal(model.bert.embeddings.word_embeddings.weight, frozen)
    assert not torch.equal(model.classifier.weight, head)
    with pytest.raises(ValueError, match="schedule"):
        fit(model, tokenizer, ["好"], np.array([1]), epochs=1, learning_rate=1e-3, batch_size=1, max_length=8,
            seed=1, progress=False, schedule="cosine")


def test_too_few_emoticon_posts_keep_the_base_model_and_say_so(tiny_model, tmp_path, repo):
    """weibo-search exports strip emoticons: with one labelled post the study goes on with the base model,
    the adapted folder holds it, adaptation.json says why, and the model column names the base model."""
    folder, _ = tiny_model
    lexicon = load_emoticon_lexicon(repo / "data/lexicon/emoticons.yaml")
    tokens = pd.DataFrame({"post_id": ["a", "b", "c"], "own_text": ["太过分了", "做得好", "没有表情"],
                           "emoticons": [["[怒]"], [], []]})
    report = adapt_model(folder, tmp_path / "adapted", tokens, lexicon, AdaptSettings(), progress=False)
    assert report["applied"] is False and "only 1 posts carry emoticons" in report["reason"]
    assert report["emoticon_labelled_by_class"] == {"positive": 0, "negative": 1, "neutral": 0}
    written = json.loads((tmp_path / "adapted" / "adaptation.json").read_text(encoding="utf-8"))
    assert written["applied"] is False and written["scoring_model"] == str(folder)
    for name in ("config.json", "model.safetensors"):
        assert (tmp_path / "adapted" / name).exists()
    scores = score_posts(tokens, SentimentModel(tmp_path / "adapted"), (0.4, 0.6))
    assert (scores["model"] == str(folder)).all()
    assert np.allclose(scores["p_positive"], SentimentModel(folder).positive_probability(tokens["own_text"].tolist()))
    # Enough posts in total but one polarity missing: calibration and held-out accuracy need both.
    one_sided = pd.DataFrame({"post_id": [f"p{i}" for i in range(60)], "own_text": [f"太过分了{i}" for i in range(60)],
                              "emoticons": [["[怒]"]] * 60})
    from firestorm.sentiment import adaptation_shortfall, emoticon_labels

    assert adaptation_shortfall(emoticon_labels(one_sided, lexicon), AdaptSettings()).startswith("only 0 positive")
    # The model never learnt from any emoticon post: every one of them measures its errors.
    assert len(unseen_emoticon_posts(one_sided, lexicon, written)) == 60
