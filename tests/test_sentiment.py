"""Sentiment: the model folder round-trips through transformers; probabilities, labels and metrics hold."""

import json

import numpy as np
import pandas as pd
import pytest
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from firestorm.metrics import classification_metrics, split_by_hash
from firestorm.sentiment import (
    HELD_OUT_POSTS, AdaptSettings, SentimentModel, TrainSettings, adapt_model, emoticon_labels, fit_temperature,
    held_out_posts, label_from_probability, load_emoticon_lexicon, review_corpus, score_posts, train_model,
    unseen_emoticon_posts,
)

TINY = TrainSettings(max_train_rows=400, epochs=1, hidden_size=32, layers=1, heads=2, batch_size=32,
                     max_length=48, test_fraction=0.05)


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
    assert model.config.id2label == {0: "negative", 1: "positive"}
    tokens = tokenizer.convert_ids_to_tokens(tokenizer("服务很好")["input_ids"])
    assert tokens == ["[CLS]", "服", "务", "很", "好", "[SEP]"]
    written = json.loads((folder / "eval.json").read_text())
    assert written["test"] == evaluation["test"]
    assert written["test"]["rows"] == evaluation["test_rows"] > 0
    for name in ("snownlp_bayes", "pysenti_lexicon"):   # baselines scored on the same rows
        assert written["baselines"][name]["rows"] == written["test"]["rows"]
        assert 0.5 < written["baselines"][name]["accuracy"] <= 1.0


def test_scores_obey_the_probability_and_label_contract(tiny_model):
    folder, _ = tiny_model
    tokens = pd.DataFrame({"post_id": ["a", "b", "c"], "own_text": ["太差了，再也不来", "非常好，推荐", ""]})
    scores = score_posts(tokens, SentimentModel(folder, batch_size=2), (0.4, 0.6))
    assert list(scores["post_id"]) == ["a", "b", "c"]
    assert np.allclose(scores["p_negative"] + scores["p_positive"], 1.0)
    assert scores["p_positive"].between(0, 1).all()
    assert set(scores["label"]) <= {"negative", "neutral", "positive"}
    assert (scores["model"] == str(folder)).all()


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
    settings = AdaptSettings(epochs=4, learning_rate=3e-3, batch_size=16, max_length=48)
    report = adapt_model(folder, tmp_path / "adapted", tokens, lexicon, settings, progress=False)
    assert report["held_out_rows"] > 0
    assert report["adapt_rows"] + report["validation_rows"] + report["held_out_rows"] == 200
    assert report["adapted"]["emoticon_held_out"]["accuracy"] >= report["base"]["emoticon_held_out"]["accuracy"]
    assert report["adapted"]["emoticon_held_out"]["accuracy"] > 0.8
    assert AutoModelForSequenceClassification.from_pretrained(tmp_path / "adapted").config.num_labels == 2
    assert json.loads((tmp_path / "adapted" / "adaptation.json").read_text())["adapt_rows"] == report["adapt_rows"]


def test_temperature_is_fitted_and_used(tiny_model):
    folder, evaluation = tiny_model
    model = SentimentModel(folder)
    assert model.temperature == pytest.approx(evaluation["temperature"]) and model.temperature > 0
    logits = model.logits(["服务很好", "太差了"])
    expected = np.exp(logits / model.temperature)
    expected = expected[:, 1] / expected.sum(axis=1)
    assert np.allclose(model.positive_probability(["服务很好", "太差了"]), expected)


def test_fit_temperature_recovers_an_overconfident_scale():
    rng = np.random.default_rng(0)
    true_logit = rng.normal(0, 1.5, 4000)
    labels = (rng.random(4000) < 1 / (1 + np.exp(-true_logit))).astype(int)
    logits = np.column_stack([np.zeros(4000), true_logit * 3.0])   # three times too confident
    assert fit_temperature(logits, labels) == pytest.approx(3.0, rel=0.1)


# ------------------------------------------------------------------------------------------ distillation
def write_teacher_labels(folder, rows, seed=13, test_fraction=0.15):
    path = folder / "teacher.parquet"
    pd.DataFrame(rows, columns=["text", "teacher_p_positive"]).to_parquet(path)
    path.with_suffix(".json").write_text(json.dumps({"split": {"seed": seed, "test_fraction": test_fraction}}))
    return path


def test_training_targets_mix_teacher_probabilities_into_labels_and_add_teacher_only_texts(tmp_path):
    from firestorm.sentiment import training_targets

    train = pd.DataFrame({"text": ["好用", "太差了"], "label": [1, 0]})
    path = write_teacher_labels(tmp_path, [("好用", 0.9), ("太差了", 0.2), ("还行吧", 0.6), ("测试集文本", 0.1)])
    settings = TrainSettings(distil_from=str(path), teacher_weight=0.5)
    texts, targets, summary = training_targets(train, settings, held_back={"测试集文本"})
    assert texts == ["好用", "太差了", "还行吧"]          # the held-back text is never trained on
    assert np.allclose(targets[:, 1], [0.5 * 0.9 + 0.5, 0.5 * 0.2, 0.6], atol=1e-6)
    assert np.allclose(targets.sum(axis=1), 1.0)
    assert summary["teacher_only_texts"] == 1 and summary["reviews_with_teacher_probability"] == 2


def test_teacher_labels_made_for_another_split_are_refused(tmp_path):
    from firestorm.sentiment import training_targets

    path = write_teacher_labels(tmp_path, [("好用", 0.9)], seed=99)
    with pytest.raises(ValueError, match="split seed=99"):
        training_targets(pd.DataFrame({"text": ["好用"], "label": [1]}), TrainSettings(distil_from=str(path)), set())


def test_committed_teacher_labels_hold_no_held_out_review_and_agree_with_the_labels(repo):
    """The committed transfer set (make teacher) must not leak the student's test or calibration reviews."""
    import yaml

    train_settings = yaml.safe_load((repo / "config/config.yaml").read_text(encoding="utf-8"))["sentiment"]["train"]
    path = repo / train_settings["distil_from"]
    card = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    assert card["split"] == {**card["split"], "seed": train_settings["seed"],
                             "test_fraction": train_settings["test_fraction"]}
    labels = pd.read_parquet(path)
    reviews = review_corpus()
    held_out = reviews[split_by_hash(reviews["text"], train_settings["test_fraction"], train_settings["seed"])]
    assert not labels["text"].isin(set(held_out["text"])).any()
    labelled = labels.dropna(subset=["label"])
    agreement = ((labelled["teacher_p_positive"] >= 0.5).astype(int) == labelled["label"].astype(int)).mean()
    assert agreement > 0.85          # the teacher fits its own training reviews
    assert labels["teacher_p_positive"].between(0, 1).all() and labels["text"].is_unique


def test_q4_blocks_dequantise_as_ggml_defines_them():
    from firestorm.sentiment.teacher import _dequantise_q4_0

    scale = np.array([0.5], dtype="<f2").tobytes()
    nibbles = bytes((j % 16) | (((15 - j) % 16) << 4) for j in range(16))   # low nibble j, high nibble 15-j
    values = _dequantise_q4_0(scale + nibbles, 32)
    assert values[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert values[16:].tolist() == [(15 - j - 8) * 0.5 for j in range(16)]


def test_review_clauses_are_short_pieces_of_multi_clause_reviews():
    from firestorm.sentiment.teacher import review_clauses

    clauses = review_clauses(["房间很干净，服务也热情，下次还来！", "一句话评论"])
    assert "房间很干净，" in clauses and "服务也热情，下次还来！" in clauses
    assert "一句话评论" not in clauses            # single-clause reviews are already in the set whole


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
