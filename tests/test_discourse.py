"""Discourse: frame matching, phases, Fightin' Words against a hand computation, and the planted frame mix."""

import math
from collections import Counter

import networkx as nx
import pandas as pd
import pytest

from firestorm.discourse import (FrameMatcher, analyse_discourse, assign_phases, cooccurrence_graph,
                                 distinctive_words, fightin_words, load_frames, phase_starts)
from firestorm.ingest import ingest_case
from firestorm.text import segment_posts


def test_fightin_words_matches_a_hand_computed_example():
    # alpha_w = 2 * 4/8 = 1 for both words, alpha_0 = 2, n_a = n_b = 4:
    # delta_x = log(4/2) - log(2/4) = 2 ln 2; var_x = 1/4 + 1/2; z_x = 2 ln 2 / sqrt(0.75).
    table = fightin_words(Counter(x=3, y=1), Counter(x=1, y=3), prior_total=2.0).set_index("word")
    assert table.loc["x", "delta"] == pytest.approx(2 * math.log(2))
    assert table.loc["x", "variance"] == pytest.approx(0.75)
    assert table.loc["x", "z"] == pytest.approx(2 * math.log(2) / math.sqrt(0.75))
    assert table.loc["y", "z"] == pytest.approx(-table.loc["x", "z"])


def test_fightin_words_shrinks_rare_words_below_frequent_ones_with_the_same_ratio():
    table = fightin_words(Counter(rare=2, common=200, filler=1000), Counter(rare=1, common=100, filler=1000),
                          prior_total=100.0).set_index("word")
    assert table.loc["common", "z"] > table.loc["rare", "z"] > 0


def test_distinctive_words_rank_each_group_against_the_rest():
    groups = {"a": Counter({"删图": 30, "平台": 20}), "b": Counter({"道歉": 30, "平台": 20})}
    table = distinctive_words(groups, prior_total=50, top=1, min_count=5)
    assert dict(zip(table["group"], table["word"])) == {"a": "删图", "b": "道歉"}


def test_frame_matcher_consumes_longest_terms_first():
    matcher = FrameMatcher({"copyright": ("未经授权", "版权"), "user_agreement": ("授权", "用户协议"),
                            "ai_training": ("AIGC",)})
    assert matcher.frames_of("未经授权就拿去用") == {"copyright"}
    assert matcher.frames_of("用户协议要求永久授权，还有版权问题") == {"user_agreement", "copyright"}
    assert matcher.frames_of("aigc 不能白嫖") == {"ai_training"}   # Latin terms ignore case
    assert matcher.frames_of("今天天气不错") == set()


def test_a_term_in_two_frames_is_a_clear_error():
    with pytest.raises(ValueError, match="授权"):
        FrameMatcher({"copyright": ("授权",), "user_agreement": ("授权",)})


def test_phases_follow_the_configured_timeline_events(demo_corpus):
    case = demo_corpus["xhs_trik_ai"][0]
    names = [name for name, _ in phase_starts(case)]
    assert names == ["before_trigger", "trigger", "boycott", "regulation"]
    times = pd.Series(pd.to_datetime(["2023-07-27", "2023-07-31", "2023-08-20"], utc=True))
    assert list(assign_phases(times, case).astype(str)) == ["before_trigger", "trigger", "regulation"]


def test_cooccurrence_graph_round_trips_through_graphml(tmp_path):
    graph = cooccurrence_graph([["版权", "侵权"], ["版权", "侵权"], ["版权", "删图"]], top_terms=3, min_weight=2)
    assert graph.has_edge("侵权", "版权") and not graph.has_edge("删图", "版权")
    nx.write_graphml(graph, tmp_path / "g.graphml")
    again = nx.read_graphml(tmp_path / "g.graphml")
    assert again.edges["侵权", "版权"]["weight"] == 2 and again.nodes["版权"]["posts"] == 3


@pytest.fixture(scope="module")
def discourse_results(demo_corpus, key, repo):
    results = {}
    for name, (case, _, truth) in demo_corpus.items():
        posts = ingest_case(case, key)[0]
        tokens = segment_posts(posts, str(repo / "data/lexicon/domain_dict.txt"),
                               str(repo / "data/lexicon/stopwords.txt"))
        sentiment = pd.DataFrame({"post_id": posts["post_id"], "label": "negative"})
        frames = load_frames(repo / "data/lexicon/frames.yaml", case)
        results[name] = (analyse_discourse(posts, tokens, sentiment, case, frames), truth, (posts, tokens, sentiment,
                                                                                        case, frames))
    return results


def test_batches_of_posts_give_the_tables_of_the_whole_case(discourse_results, tmp_path):
    """The stage reads token lists in parquet batches so memory does not grow with the case: uneven batches
    must give exactly the whole-table result."""
    import networkx as nx

    from firestorm.discourse import parquet_batches

    whole, _, (posts, tokens, sentiment, case, frames) = discourse_results["miaoya_camera"]
    path = tmp_path / "tokens.parquet"
    tokens.to_parquet(path, row_group_size=997)
    batched = analyse_discourse(posts, parquet_batches(path, list(tokens.columns), rows=1_234), sentiment, case,
                                frames)
    assert len(tokens) > 5 * 1_234
    for key in ("frames_daily", "frames_phase", "frames_sentiment", "distinctive_phase", "hashtags", "emoticons"):
        pd.testing.assert_frame_equal(batched[key], whole[key], check_dtype=False, obj=key)
    assert nx.utils.graphs_equal(batched["graph"], whole["graph"])


@pytest.mark.parametrize("name", ["xhs_trik_ai", "miaoya_camera"])
def test_planted_frame_mix_per_phase_is_recovered_within_3_points(discourse_results, name):
    result, truth, _ = discourse_results[name]
    shares = result["frames_phase"]
    shares = shares[shares["platform"] == "all"]
    for phase_start, planted in truth["frames_by_phase"].items():
        phase = "before_trigger" if phase_start == "window" else phase_start
        measured = shares[shares["phase"] == phase].set_index("frame")["share"]
        for frame, share in planted["realised"].items():
            assert measured.get(frame, 0.0) == pytest.approx(share, abs=0.03), (phase, frame)


def test_distinctive_words_of_the_boycott_phase_are_boycott_words(discourse_results):
    result, _, _ = discourse_results["xhs_trik_ai"]
    table = result["distinctive_phase"]
    boycott_top = set(table[table["group"] == "boycott"].head(5)["word"])
    assert boycott_top & {"删图", "搬家", "退坑", "删号", "抵制", "停更"}
    assert (table.groupby("group")["z"].min() > 0).all()
