"""Exemplar posts: the most typical posts of each phase x frame and each label, deterministic and named by none."""

import pandas as pd
import pytest

from firestorm.config import load_case
from firestorm.exemplars import EXEMPLAR_COLUMNS, PHASE_FRAME, SENTIMENT_LABEL, find_exemplars, post_typicality

FRAMES = {"boycott": ("删图", "退坑"), "copyright": ("版权",)}


@pytest.fixture(scope="module")
def case(repo):
    return load_case(repo / "config/cases/xhs_trik_ai.yaml")


def corpus(case):
    """Posts after the trigger: boycott posts about deleting drawings (one off-centre), copyright posts."""
    trigger = case.first_event_time("trigger")
    texts = [("删图 退坑 画师 作品", ["删图", "退坑", "画师", "作品"]),
             ("删图 画师 作品 @u_a1b2 看这里", ["删图", "画师", "作品"]),
             ("删图 画师 作品 @u_a1b2 看这里", ["删图", "画师", "作品"]),      # the same quote as the post before
             ("退坑 天气 不错", ["退坑", "天气", "不错"]),                      # a boycott post about something else
             ("版权 保护 原创 https://t.cn/x", ["版权", "保护", "原创"]),
             ("这次 真的 很好", ["这次", "真的", "很好"])]
    posts = pd.DataFrame({
        "post_id": [f"weibo:{i}" for i in range(len(texts))], "platform": "weibo", "kind": "post",
        "created_at": [trigger + pd.Timedelta(hours=i + 1) for i in range(len(texts))],
        "likes": range(len(texts)), "comments": 0, "shares": 0, "author": [f"p_{i}" for i in range(len(texts))]})
    tokens = pd.DataFrame({"post_id": posts["post_id"], "own_text": [t for t, _ in texts],
                           "tokens": [w for _, w in texts]})
    sentiment = pd.DataFrame({"post_id": posts["post_id"],
                              "label": ["negative", "negative", "negative", "neutral", "neutral", "positive"],
                              "p_negative": [0.7, 0.9, 0.9, 0.1, 0.2, 0.05], "p_neutral": [0.2, 0.05, 0.05, 0.8, 0.6, 0.15],
                              "p_positive": [0.1, 0.05, 0.05, 0.1, 0.2, 0.8]})
    return posts, tokens, sentiment


def batched(tokens, rows):
    return lambda: (tokens.iloc[i:i + rows] for i in range(0, len(tokens), rows))


def test_typicality_is_the_centroid_weight_of_a_posts_distinct_words():
    centroid = {"删图": 1.0, "画师": 0.5}
    assert post_typicality(["删图", "删图", "画师", "天气"], centroid) == pytest.approx(1.5 / 3 ** 0.5)
    assert post_typicality([], centroid) == 0.0


def test_exemplars_rank_typical_posts_first_without_repeating_a_quote(case):
    posts, tokens, sentiment = corpus(case)
    found = find_exemplars(posts, batched(tokens, 2), sentiment, case, FRAMES, k=2)
    assert list(found.columns) == EXEMPLAR_COLUMNS
    boycott = found[(found["group_kind"] == PHASE_FRAME) & (found["frame"] == "boycott")]
    assert boycott["phase"].nunique() == 1
    # The core boycott posts (0: 2.75/√4, 1: 2.25/√3) outrank the one about the weather (1.0/√3); the
    # repeated quote (post 2) appears once.
    assert boycott["post_id"].tolist() == ["weibo:0", "weibo:1"] and boycott["rank"].tolist() == [1, 2]
    labels = found[found["group_kind"] == SENTIMENT_LABEL].set_index(["label", "rank"])["post_id"]
    assert labels[("negative", 1)] == "weibo:1" and labels[("negative", 2)] == "weibo:0"
    assert labels[("neutral", 1)] == "weibo:3" and labels[("positive", 1)] == "weibo:5"
    assert not found["quote"].str.contains("@|http").any()
    assert found.loc[found["post_id"] == "weibo:4", "time"].iat[0].count(":") == 1   # local minutes


def test_exemplars_do_not_depend_on_the_batch_size(case):
    posts, tokens, sentiment = corpus(case)
    pd.testing.assert_frame_equal(find_exemplars(posts, batched(tokens, 1), sentiment, case, FRAMES, k=3),
                                  find_exemplars(posts, batched(tokens, 100), sentiment, case, FRAMES, k=3))
