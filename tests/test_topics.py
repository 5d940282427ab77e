"""Topics: the biterm topic model's K selection, stability, determinism and quotes on planted corpora, and what
it recovers of the demo's texts."""

import numpy as np
import pandas as pd
import pytest

from firestorm import figures
from firestorm.config import load_case
from firestorm.demo.texts import load_phrases
from firestorm.discourse import load_frames, parquet_batches
from firestorm.ingest import ingest_case
from firestorm.text import segment_posts
from firestorm.topics import (TABLES, BitermTopics, analyse_topics, biterm_bound, biterms_of, document_word_matrix,
                              exemplar_candidates, matched_similarity, npmi_coherence, sample_positions)

# Word groups that never mix: every planted post draws its words from one group only.
GROUP_WORDS = 12


def planted_documents(groups: int, posts: int = 2000, seed: int = 0) -> tuple[list[list[str]], np.ndarray]:
    """Posts of 3-8 distinct words from one of ``groups`` disjoint groups of two-character CJK words."""
    rng = np.random.default_rng(seed)
    vocabulary = [[chr(0x4E00 + 40 * g + 2 * w) + chr(0x4E01 + 40 * g + 2 * w) for w in range(GROUP_WORDS)]
                  for g in range(groups)]
    group = rng.integers(groups, size=posts)
    documents = [list(rng.choice(vocabulary[g], size=rng.integers(3, 9), replace=False)) for g in group]
    return documents, group


@pytest.fixture(scope="module")
def planted_fit():
    documents, group = planted_documents(groups=5)
    return BitermTopics(k_range=(2, 8), seed=7, stability_seeds=2).fit(documents), documents, group


def test_k_selection_finds_the_planted_number_of_word_groups(planted_fit):
    model, documents, _ = planted_fit
    assert model.k_ == 5
    assert model.selection_.set_index("k").loc[5, "quality"] == model.selection_["quality"].max()
    # Each topic's top words come from one group, and the five topics cover the five groups.
    word_group = {word: (ord(word[0]) - 0x4E00) // 40 for words in documents for word in words}
    top = np.argsort(-model.topic_word_, axis=1)[:, :GROUP_WORDS]
    groups_of_topics = [{word_group[w] for w in model.vocabulary_[row]} for row in top]
    assert all(len(g) == 1 for g in groups_of_topics)
    assert set().union(*groups_of_topics) == set(range(5))


def test_topics_of_separated_groups_are_stable_across_seeds(planted_fit):
    model, _, _ = planted_fit
    assert model.stability_.shape == (5, 2)
    assert model.stability_.min() > 0.95


@pytest.mark.parametrize("seed", [3, 11])
def test_the_best_of_several_chains_escapes_a_local_optimum(seed):
    """One Gibbs chain ends in a local optimum about one time in four (two groups merged, one split): among
    restarts the stage keeps the chain of highest biterm log-likelihood, which finds the five groups."""
    documents, _ = planted_documents(groups=5)
    model = BitermTopics(k_range=(2, 8), seed=seed, stability_seeds=1).fit(documents)
    assert model.k_ == 5 and model.stability_.min() > 0.95
    selection = model.selection_.set_index("k")
    assert selection.loc[5, "log_likelihood"] > selection.loc[4, "log_likelihood"]


def test_more_topics_than_groups_split_a_group_and_lose_quality(planted_fit):
    """Coherence alone barely moves when a group is split into near-copies; diversity (and so quality) drops."""
    selection = planted_fit[0].selection_.set_index("k")
    assert selection.loc[8, "diversity"] < selection.loc[5, "diversity"]
    assert selection.loc[8, "quality"] < selection.loc[5, "quality"]


def test_npmi_is_one_for_words_always_together_and_minus_one_for_words_never_together():
    encoded = [np.array([0, 1]), np.array([0, 1]), np.array([2]), np.array([3])]
    matrix = document_word_matrix(encoded, 4)
    assert npmi_coherence(np.array([[0.5, 0.5, 0.0, 0.0]]), matrix, top=2)[0] == pytest.approx(1.0)
    assert npmi_coherence(np.array([[0.0, 0.0, 0.5, 0.5]]), matrix, top=2)[0] == pytest.approx(-1.0)


def test_hungarian_matching_pairs_permuted_topics():
    reference = np.eye(4) + 0.01
    assert matched_similarity(reference, reference[[2, 0, 3, 1]]) == pytest.approx(np.ones(4))


def test_the_fit_sample_does_not_depend_on_the_order_of_the_posts():
    ids = pd.Series([f"weibo:{i}" for i in range(500)])
    eligible = np.arange(500) % 3 != 0
    chosen = set(ids[sample_positions(ids, eligible, 100, seed=5)])
    shuffled = np.random.default_rng(1).permutation(500)
    again = set(ids[shuffled].reset_index(drop=True)[sample_positions(ids[shuffled].reset_index(drop=True),
                                                                      eligible[shuffled], 100, seed=5)])
    assert chosen == again and len(chosen) == 100
    assert all(int(i.split(":")[1]) % 3 for i in chosen)


def test_the_fit_sample_stops_at_its_biterm_budget_and_stays_a_random_draw():
    """Long posts carry many biterms: the sample stops before passing ``max_biterms``, drawn at random whether or
    not the post cap applied; a budget that does not bind changes nothing."""
    assert biterm_bound(np.array([1, 2, 10, 15, 16, 20])).tolist() == [0, 1, 45, 105, 119, 175]
    lengths = np.arange(2, 40)   # the bound is what the fit's own biterm extraction yields
    assert [len(b) for b in biterms_of([np.arange(n) for n in lengths])] == biterm_bound(lengths).tolist()
    ids = pd.Series([f"weibo:{i:04d}" for i in range(2000)])
    eligible = np.ones(2000, dtype=bool)
    words = np.random.default_rng(2).integers(2, 40, 2000)
    biterms = biterm_bound(words)
    for size in (5000, 800):                      # the post cap not reached / reached
        unbounded = sample_positions(ids, eligible, size, seed=5)
        assert np.array_equal(sample_positions(ids, eligible, size, 5, biterms, int(biterms.sum())), unbounded)
        budgeted = sample_positions(ids, eligible, size, 5, biterms, 20_000)
        assert biterms[budgeted].sum() <= 20_000 < biterms[budgeted].sum() + biterms.max()
        assert set(budgeted) <= set(unbounded)
        assert budgeted.max() > 1500, "a random draw, not the lowest post ids"


def test_quotes_carry_no_names_mentions_or_repost_chains():
    texts = pd.Series(["@u_0123abcd4567ef89 画师作品 版权 问题 //@某位博主:转发 @另一位 看看",
                       "回复@张三丰: 版权 作品 画师 http://t.cn/A6xyz"])
    probabilities = np.array([[0.9, 0.1], [0.2, 0.8]])
    quotes = exemplar_candidates(pd.Series(["a", "b"]), texts, probabilities)["quote"]
    for quote in quotes:
        assert "@" not in quote and "某位博主" not in quote and "张三丰" not in quote and "http" not in quote
        assert "版权" in quote and len(quote) <= 80


# ------------------------------------------------------------------------------------- the stage on posts
def planted_case_tables(case, groups: int = 4, posts: int = 1500, seed: int = 2):
    """Posts and token tables of a planted corpus inside the case's window (texts name people with @)."""
    documents, _ = planted_documents(groups, posts, seed)
    rng = np.random.default_rng(seed)
    span = (case.window_end - case.window_start).total_seconds()
    times = case.window_start + pd.to_timedelta(np.sort(rng.uniform(0, span, posts)), unit="s")
    post_ids = [f"weibo:{i:05d}" for i in range(posts)]
    texts = [f"@u_{i:016x} " * (i % 2) + "，".join(words) + ("//@u_aaaabbbbccccdddd:原文" if i % 5 == 0 else "")
             for i, words in enumerate(documents)]
    posts_table = pd.DataFrame({"post_id": post_ids, "platform": np.where(np.arange(posts) % 3, "weibo", "xiaohongshu"),
                                "created_at": times, "author": [f"u_{i % 97:016x}" for i in range(posts)],
                                "likes": pd.array(rng.integers(0, 50, posts), dtype="Int64"),
                                "comments": pd.array([None] * posts, dtype="Int64"),
                                "shares": pd.array(rng.integers(0, 5, posts), dtype="Int64")})
    tokens = pd.DataFrame({"post_id": post_ids, "own_text": texts, "tokens": documents})
    return posts_table, tokens


@pytest.fixture(scope="module")
def planted_stage(repo):
    case = load_case(repo / "config/cases/xhs_trik_ai.yaml")
    frames = {"group_zero": tuple(chr(0x4E00 + 2 * w) + chr(0x4E01 + 2 * w) for w in range(3))}
    posts, tokens = planted_case_tables(case)
    return case, frames, posts, tokens


def run_stage(planted_stage, tokens=None, seed: int = 7):
    case, frames, posts, whole_tokens = planted_stage
    model = BitermTopics(k_range=(3, 5), seed=seed, stability_seeds=1, iterations=150, min_count=3)
    return analyse_topics(posts, whole_tokens if tokens is None else tokens, case, frames, model, fit_posts=1000,
                          exemplars_per_topic=3)


def test_same_seed_gives_byte_identical_tables_and_figures(planted_stage, tmp_path):
    runs = []
    for run in ("a", "b"):
        result = run_stage(planted_stage)
        folder = tmp_path / run
        folder.mkdir()
        for key in TABLES:
            result[key].to_csv(folder / f"{key}.csv", index=False)
        figures.topics_figure(result["shares_phase"], result["stability"], result["phases"], planted_stage[0],
                              folder / "topics.png")
        runs.append(folder)
    for path in sorted(runs[0].iterdir()):
        assert path.read_bytes() == (runs[1] / path.name).read_bytes(), path.name
    other = run_stage(planted_stage, seed=8)
    assert other["summary"]["seed"] == 8


def test_a_case_too_small_for_topics_says_so_with_empty_tables_and_a_figure(planted_stage, tmp_path):
    """A handful of posts (a sparse real export) cannot identify topics: a status and reason, not a crash."""
    case, frames, posts, tokens = planted_stage
    model = BitermTopics(k_range=(3, 5), seed=7, stability_seeds=1, iterations=20, min_count=5)
    result = analyse_topics(posts.head(6), tokens.head(6), case, frames, model, fit_posts=1000)
    assert result["summary"]["status"] == "not identified" and "words are used" in result["summary"]["reason"]
    for key in TABLES:
        assert result[key].empty and len(result[key].columns) >= 4, key
    figures.topics_figure(result["shares_phase"], result["stability"], result["phases"], case, tmp_path / "t.png")
    assert (tmp_path / "t.png").stat().st_size > 5_000
    empty = analyse_topics(posts.head(0), tokens.head(0), case, frames, model)
    assert empty["summary"] == {"status": "not identified", "reason": "no post has tokens; nothing to model",
                                "k": None, "posts": 0}


def test_planted_stage_tables(planted_stage):
    result = run_stage(planted_stage)
    summary = result["summary"]
    assert summary["status"] == "ok" and summary["k"] == 4 and summary["fit_posts"] == 1000 and summary["posts_with_topic"] == 1500
    shares = result["shares_phase"]
    totals = shares[shares["platform"] == "all"].groupby("phase")["share"].sum()
    assert totals.to_numpy() == pytest.approx(1.0)
    # The frame made of group zero's words lines up with exactly one topic.
    overlap = result["frame_overlap"]
    lifts = overlap[overlap["frame"] == "group_zero"].set_index("topic")["lift"]
    assert (lifts > 3).sum() == 1 and (lifts < 0.1).sum() == 3
    exemplars = result["exemplars"]
    assert exemplars.groupby("topic").size().eq(3).all()
    assert not exemplars["quote"].str.contains("@|//", regex=True).any()
    assert exemplars["time"].str.match(r"\d{4}-\d\d-\d\d \d\d:\d\d$").all()
    assert (exemplars.groupby("topic")["probability"].diff().dropna() <= 0).all()


def test_batches_of_tokens_give_the_tables_of_the_whole_case(planted_stage, tmp_path):
    whole = run_stage(planted_stage)
    path = tmp_path / "tokens.parquet"
    planted_stage[3].to_parquet(path, row_group_size=211)
    batched = run_stage(planted_stage, tokens=parquet_batches(path, ["post_id", "own_text", "tokens"], rows=307))
    for key in TABLES:
        pd.testing.assert_frame_equal(batched[key], whole[key], obj=key)


# ------------------------------------------------------------------------------------------- the demo
@pytest.fixture(scope="module")
def demo_topics(demo_corpus, key, repo):
    results = {}
    for name, (case, _, truth) in demo_corpus.items():
        posts = ingest_case(case, key)[0]
        tokens = segment_posts(posts, str(repo / "data/lexicon/domain_dict.txt"),
                               str(repo / "data/lexicon/stopwords.txt"))
        frames = load_frames(repo / "data/lexicon/frames.yaml", case)
        # K = the number of frames the demo plants: this checks what the demo plants and that the model can find
        # it; choosing K is checked on planted word groups above (on the demo the quality curve is nearly flat
        # over 4-8 and the chosen K merges frames that share the brand's name).
        planted = {frame for phase in case.demo["frame_mix"] for frame in phase["frames"]}
        model = BitermTopics(k_range=(len(planted), len(planted)), stability_seeds=0)
        result = analyse_topics(posts, tokens, case, frames, model)
        results[name] = (result, tokens, truth)
    return results


@pytest.mark.parametrize("name", ["xhs_trik_ai", "miaoya_camera"])
def test_demo_topics_recover_the_planted_frames(demo_topics, demo_corpus, name):
    """The demo plants its frame mix as words: a post on a frame says two sentences of that frame's phrase bank,
    so the frame's words co-occur across its templates. Told only how many frames there are, the topic model
    must find them: the topics refine the frames (a large frame may be split in two, but a topic does not mix
    frames: each sizeable topic's posts are at least 75 % one frame), and every frame planted in at least 500
    posts is the main frame of a topic of its own."""
    result, tokens, _ = demo_topics[name]
    case = demo_corpus[name][0]
    brand, product = case.demo["brand"], case.demo["product"]
    frame_of_sentence = {sentence.format(brand=brand, product=product): frame
                         for frame, bank in load_phrases()["frames"].items() for sentence in bank}
    assigned = tokens[["post_id", "own_text"]].merge(result["assignments"], on="post_id")
    opening = assigned["own_text"].str.split("，|,", regex=True).str[0].str.strip()
    table = pd.DataFrame({"frame": opening.map(frame_of_sentence), "topic": assigned["topic"]}).dropna()
    counts = pd.crosstab(table["topic"], table["frame"])
    counts = counts[(counts.index > 0) & (counts.sum(axis=1) >= 200)]
    topic_purity = counts.max(axis=1) / counts.sum(axis=1)
    assert (topic_purity >= 0.75).all(), counts.to_string()
    large_frames = table["frame"].value_counts().loc[lambda n: n >= 500].index
    assert len(large_frames) >= 5
    assert set(large_frames) <= set(counts.idxmax(axis=1)), counts
