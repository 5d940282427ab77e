"""The committed human-labelled social-media sets (data/sentiment/social/): cards agree with the files, splits do
not leak, labels are the mapped ones, and the loader filters; the cleaning rules on planted rows."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from firestorm.sentiment import SOCIAL_CORPUS, SOCIAL_SOURCES, clean_social_corpus, load_social_corpus
from firestorm.sentiment.corpora import POLARITIES, SPLITS


@pytest.fixture(scope="module")
def folder(repo):
    return repo / "data/sentiment/social"


@pytest.fixture(scope="module")
def corpus(folder):
    return load_social_corpus(folder=folder)


@pytest.fixture(scope="module")
def cards(folder):
    return {name: json.loads((folder / f"{name}.json").read_text(encoding="utf-8")) for name in SOCIAL_SOURCES}


def test_every_card_counts_the_rows_of_its_parquet(folder, cards):
    for name, card in cards.items():
        frame = pd.read_parquet(folder / card["file"])
        assert list(frame.columns) == list(SOCIAL_CORPUS)
        assert set(frame["source"]) == {name}
        counts = frame["split"].value_counts()
        assert card["rows_kept"] == {s: int(counts.get(s, 0)) for s in SPLITS} | {"total": len(frame)}
        per_split = {f["split"]: f["rows_read"] for f in card["files"]}   # NLPCC's two files are line-aligned
        assert card["rows_read"] == sum(per_split.values()) >= len(frame)
        for split, emotions in card["emotions_kept"].items():
            assert emotions == frame.loc[frame["split"] == split, "emotion"].value_counts().to_dict()
        assert {r["commit"] for r in card["repositories"]} and all(len(r["commit"]) == 40 for r in card["repositories"])
        assert card["licence"] and card["labelling"]


def test_no_text_carries_two_labels(corpus):
    assert (corpus.groupby(["text", "source"])["emotion"].nunique() == 1).all()
    assert (corpus.assign(polarity=corpus["polarity"].fillna("unstated")).groupby("text")["polarity"].nunique()
            == 1).all()
    assert not corpus.duplicated(["source", "split", "text"]).any()
    assert (corpus["text"] == corpus["text"].str.strip()).all() and (corpus["text"].str.len() > 0).all()


def test_no_test_text_is_in_train_or_eval(corpus):
    test = set(corpus.loc[corpus["split"] == "test", "text"])
    assert test
    assert not test & set(corpus.loc[corpus["split"].isin(["train", "eval"]), "text"])
    assert not set(corpus.loc[corpus["split"] == "eval", "text"]) & set(corpus.loc[corpus["split"] == "train", "text"])


def test_labels_are_the_mapped_ones(corpus, cards):
    for name, source in SOCIAL_SOURCES.items():
        mine = corpus[corpus["source"] == name]
        assert set(mine["emotion"]) == set(source.polarity)
        assert set(mine["polarity"].dropna()) <= set(POLARITIES)
        expected = mine["emotion"].map(source.polarity)
        assert (mine["polarity"].fillna("-") == expected.fillna("-")).all()
        assert mine.loc[mine["polarity"].isna(), "emotion"].eq("surprise").all()
        assert cards[name]["label_mapping"]["polarity"] == source.polarity
    smp = corpus[corpus["source"].str.startswith("smp2020")]
    assert set(smp["emotion"]) == {"angry", "happy", "neutral", "sad", "fear", "surprise"}   # 'neural' fixed


def test_official_test_splits_stay_test(corpus):
    tests = corpus[corpus["split"] == "test"].groupby("source").size()
    assert set(tests.index) == {"smp2020_usual", "smp2020_virus"}
    assert tests["smp2020_usual"] > 4_800 and tests["smp2020_virus"] > 2_700


def test_the_loader_filters_by_source_and_split(folder, corpus):
    virus_test = load_social_corpus("smp2020_virus", split="test", folder=folder)
    assert set(virus_test["source"]) == {"smp2020_virus"} and set(virus_test["split"]) == {"test"}
    assert len(virus_test) == ((corpus["source"] == "smp2020_virus") & (corpus["split"] == "test")).sum()
    both = load_social_corpus(["nlpcc2014", "covid19_weibo"], split=["train", "eval"], folder=folder)
    assert list(dict.fromkeys(both["source"])) == ["nlpcc2014", "covid19_weibo"]
    assert dict(both.dtypes.astype(str)) == {c: "string" for c in SOCIAL_CORPUS}
    with pytest.raises(ValueError, match="weibo_senti_100k"):
        load_social_corpus("weibo_senti_100k", folder=folder)
    with pytest.raises(ValueError, match="dev"):
        load_social_corpus(split="dev", folder=folder)


def _rows(*records):
    return pd.DataFrame(records, columns=list(SOCIAL_CORPUS)).astype(SOCIAL_CORPUS)


def test_cleaning_drops_conflicts_and_leaks_but_keeps_test():
    rows = _rows(
        (" 好开心 ", "happy", "positive", "train", "a"), ("好开心", "happy", "positive", "test", "a"),
        ("好开心", "happy", "positive", "test", "a"),                       # duplicate within test
        ("气死了", "angry", "negative", "train", "a"), ("气死了", "sad", "negative", "test", "a"),  # emotions differ
        ("[心]", "happy", "positive", "train", "a"), ("[心]", "neutral", "neutral", "train", "b"),  # polarity differs
        ("哇", "surprise", None, "train", "a"), ("哇", "anger", "negative", "train", "b"),         # surprise vs neg
        ("同样", "sad", "negative", "train", "a"), ("同样", "sadness", "negative", "train", "b"),  # agree: both kept
        ("  ", "neutral", "neutral", "eval", "a"), ("验证", "neutral", "neutral", "train", "a"),
        ("验证", "neutral", "neutral", "eval", "a"),
    )
    kept, counts = clean_social_corpus(rows)
    assert sorted(zip(kept["text"], kept["split"], kept["source"])) == [
        ("同样", "train", "a"), ("同样", "train", "b"), ("好开心", "test", "a"), ("验证", "eval", "a")]
    assert counts["a"]["empty"] == 1
    assert counts["a"]["conflicting_texts"] == 3 and counts["a"]["conflicting_rows"] == 4
    assert counts["a"]["conflicting_rows_by_split"] == {"train": 3, "eval": 0, "test": 1}
    assert counts["b"]["conflicting_rows"] == 2
    assert counts["a"]["duplicates_within_split"] == 1
    assert counts["a"]["leaked"] == {"train": 2, "eval": 0}


def test_transfer_texts_lose_account_names_and_crawler_tails_and_near_copies_compare_equal():
    from firestorm.sentiment.corpora import CRAWLER_TAIL, comparison_key, scrub_mentions

    texts = pd.Series(["转发//@·漫遊玩家:好消息 @小明 你看", "#话题# 视频 L某某电视台的微博视频", "太好了 ???",
                       "很长的一段话 展开全文c"])
    scrubbed = scrub_mentions(texts.str.replace(CRAWLER_TAIL, "", regex=True))
    assert scrubbed.tolist() == ["转发//@用户:好消息 @用户 你看", "#话题# 视频 L用户的微博视频", "太好了", "很长的一段话"]
    assert comparison_key(pd.Series(["好消息！！ 武汉加油", "好消息武汉加油"])).nunique() == 1
