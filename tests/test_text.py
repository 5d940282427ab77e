"""Segmentation: markup stays whole, reposts keep the reposter's words, shards equal one process."""

import jieba
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

import firestorm.text
from firestorm.config import load_case
from firestorm.text import (
    HASHTAG, MARKUP, FastBlockCutter, Segmenter, hmm_cut, load_stopwords, segment_posts, segment_text, shard,
    short_quote, tokenizer,
)


@pytest.fixture(scope="module")
def cutter(repo):
    return tokenizer(str(repo / "data/lexicon/domain_dict.txt"))


@pytest.fixture(scope="module")
def stopwords(repo):
    return load_stopwords(repo / "data/lexicon/stopwords.txt")


def test_platform_markup_becomes_whole_tokens(cutter, stopwords):
    result = segment_text("画被拿去炼丹了[怒] #画师抵制小红书# @u_1a2b3c4d 看 http://t.cn/A6abc1 [哭惹R] #小红书AI训练[话题]#",
                          cutter, stopwords)
    assert "[怒]" in result["tokens"] and "[哭惹R]" in result["tokens"]
    assert "#画师抵制小红书#" in result["tokens"] and "#小红书AI训练#" in result["tokens"]
    assert "@user" in result["tokens"] and "<url>" in result["tokens"]
    assert result["emoticons"] == ["[怒]", "[哭惹R]"]
    assert result["hashtags"] == ["画师抵制小红书", "小红书AI训练"]
    assert "u_1a2b3c4d" not in " ".join(result["tokens"]) + result["own_text"]
    assert "[怒]" not in result["own_text"] and "http" not in result["own_text"]


def test_domain_dictionary_keeps_case_terms_whole(cutter):
    words = segment_text("这就是霸王条款，画师们都在删图退坑，平台拿作品投喂Trik", cutter)["tokens"]
    for term in ("霸王条款", "删图", "退坑", "投喂", "Trik"):
        assert term in words


def test_repost_keeps_only_the_reposters_own_words(cutter):
    result = segment_text("太过分了//@u_aaaa:原博说支持//@u_bbbb:更早的话", cutter)
    assert result["own_text"] == "太过分了"
    assert "支持" not in result["tokens"]


def test_a_quote_names_nobody_links_nowhere_and_stays_short():
    quote = short_quote("@u_1a2b 你看 https://t.cn/abc  这条款太霸道了//@u_cccc:原博", max_characters=12)
    assert "@" not in quote and "http" not in quote and "原博" not in quote
    assert quote == "你看 这条款太霸道了"
    assert short_quote("很" * 100, max_characters=10) == "很" * 9 + "…"
    assert short_quote(None) == ""


def test_full_width_forms_fold_to_half_width(cutter):
    assert segment_text("ＡＩＧＣ１２３", cutter)["own_text"] == "AIGC123"


def test_traditional_characters_become_simplified(cutter):
    result = segment_text("畫師們刪圖退坑，這就是霸王條款", cutter)
    assert result["own_text"] == "画师们删图退坑,这就是霸王条款"  # NFKC folds the full-width comma too
    assert "删图" in result["tokens"] and "霸王条款" in result["tokens"]


def test_case_yaml_extends_the_dictionary(repo, tmp_path):
    case = load_case(repo / "config/cases/miaoya_camera.yaml")
    assert "肖像权" in case.lexicon_words
    posts = pd.DataFrame({"post_id": ["a"], "text": ["妙鸭相机侵犯肖像权了吗"]})
    user_dict = str(repo / "data/lexicon/domain_dict.txt")
    assert "肖像权" in segment_posts(posts, user_dict, extra_words=case.lexicon_words)["tokens"][0]


def test_extra_case_words_extend_the_dictionary(repo):
    plain = tokenizer(str(repo / "data/lexicon/domain_dict.txt"))
    extended = tokenizer(str(repo / "data/lexicon/domain_dict.txt"), ("鸭鸭协议",))
    assert "鸭鸭协议" not in segment_text("这个鸭鸭协议不行", plain)["tokens"]
    assert "鸭鸭协议" in segment_text("这个鸭鸭协议不行", extended)["tokens"]


def test_shards_merged_equal_one_pass_and_plain_jieba(repo):
    texts = ["小红书用画师作品训练AI，太恶心了", "妙鸭相机的用户协议是霸王条款吗", "今天天气不错", "支持画师维权"] * 5
    posts = pd.DataFrame({"post_id": [f"p{i}" for i in range(len(texts))], "text": texts})
    user_dict = str(repo / "data/lexicon/domain_dict.txt")
    whole = segment_posts(posts, user_dict)
    merged = pd.concat([segment_posts(shard(posts, i, 3), user_dict) for i in range(3)], ignore_index=True)
    pd.testing.assert_frame_equal(whole, merged)
    reference = jieba.Tokenizer()
    reference.load_userdict(user_dict)
    assert whole["tokens"].tolist() == [[w for w in reference.lcut(t) if w.strip()] for t in whole["own_text"]]


TEXT = st.text(alphabet=st.sampled_from(list("小红书画师删图退坑炼丹投喂的了是不霸王条款用户协议AIGCTrik12 \n，。！？#@[]怒R/:哈abc.%-_")),
               max_size=60)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_block_memo_gives_exactly_what_jieba_gives(text):
    plain = tokenizer(None)
    memo = Segmenter(plain)
    assert memo.lcut(text) == plain.lcut(text)
    assert memo.lcut(text) == plain.lcut(text)  # again, now from the memo


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_tokens_are_jieba_on_the_cleaned_text(text):
    cutter = tokenizer(None)
    result = segment_text(text, Segmenter(cutter))
    # Markup tokens are the ones a hashtag, mention, link or emoticon became; '###' or '#' alone are words.
    words = [t for t in result["tokens"] if not MARKUP.fullmatch(t) and t not in ("@user", "<url>")
             and not HASHTAG.fullmatch(t)]
    assert words == [w for w in cutter.lcut(result["own_text"]) if w.strip()]


@pytest.mark.parametrize("text", ["###", "# #", "口罩#,每天", "#  #退出", "#话题#"])
def test_lone_and_empty_hashtag_marks_are_no_markup_tokens(text):
    """Real posts carry a lone '#' or an empty '# #'; neither may become a '##' token (found on real text)."""
    cutter = tokenizer(None)
    result = segment_text(text, Segmenter(cutter))
    assert "##" not in result["tokens"] and "" not in result["hashtags"]
    words = [t for t in result["tokens"] if not HASHTAG.fullmatch(t)]
    assert words == [w for w in cutter.lcut(result["own_text"]) if w.strip()]


def test_shard_bounds_cover_every_row_once():
    frame = pd.DataFrame({"x": range(10)})
    parts = [shard(frame, i, 4)["x"].tolist() for i in range(4)]
    assert sum(parts, []) == list(range(10))
    with pytest.raises(ValueError):
        shard(frame, 4, 4)


def test_segmentation_is_deterministic_with_or_without_memo(repo):
    texts = ["画师删图退坑[怒] #小红书AI训练[话题]#", "支持", "支持", "妙鸭相机的用户协议是霸王条款吗//@u_1:原文"] * 3
    posts = pd.DataFrame({"post_id": [f"p{i}" for i in range(len(texts))], "text": texts})
    user_dict = str(repo / "data/lexicon/domain_dict.txt")
    first = segment_posts(posts, user_dict, memo_blocks=500_000)
    again = segment_posts(posts, user_dict, memo_blocks=500_000)
    without = segment_posts(posts, user_dict, memo_blocks=0)
    pd.testing.assert_frame_equal(first, again)
    pd.testing.assert_frame_equal(first, without)


def test_mentions_with_name_dots_are_pseudonymised_whole():
    """Transliterated names (约翰·史密斯) and crawled repost chains ("//@·漫遊玩家:") keep no piece of the name."""
    from firestorm.privacy import pseudonymise_mentions

    text = "转发//@·漫遊玩家:好消息 @约翰·史密斯 你看"
    scrubbed = pseudonymise_mentions(text, b"k" * 32, "weibo")
    assert "漫遊玩家" not in scrubbed and "史密斯" not in scrubbed and "约翰" not in scrubbed
    assert scrubbed.startswith("转发//@u_") and scrubbed.count("@u_") == 2


def test_a_pseudonym_standing_in_a_text_stays_one_person_token(cutter):
    """A name replaced in place without an @ (weibo-crawler's "…的<name>的微博视频" cards) leaves a bare pseudonym;
    cut by jieba, its hex became a word (and a topic word on real exports). It is one person token instead."""
    from firestorm.privacy import nickname_pseudonym

    name = nickname_pseudonym(b"k" * 32, "weibo", "某位博主")
    other = nickname_pseudonym(b"k" * 32, "weibo", "另一位")
    # As real exports have them: after the card's "L", and two names written back to back.
    result = segment_text(f"太好看了L{name}的微博视频 {name}{other}", cutter)
    assert result["tokens"].count("@user") == 3
    text = " ".join(result["tokens"]) + result["own_text"]
    assert name[2:] not in text and other[2:] not in text
    assert "好看" in result["tokens"]
    # A longer hex run is some other identifier, not a pseudonym: it stays text.
    assert "@user" not in segment_text("u_0123456789abcdef01", cutter)["tokens"]


# rjieba (jieba-rs) finds the route, jieba's own HMM cuts the unknown runs: the words must be jieba's exactly.
@pytest.fixture(scope="module")
def case_tokenizer(repo):
    extra = tuple(load_case(repo / "config/cases/xhs_trik_ai.yaml").lexicon_words)
    return tokenizer(str(repo / "data/lexicon/domain_dict.txt"), extra)


@pytest.fixture(scope="module")
def fast_cutter(case_tokenizer):
    return FastBlockCutter(case_tokenizer)


@pytest.mark.parametrize("block", [
    "古人常在宅旁栽种桑树和梓树",   # rjieba's own HMM (rounded probabilities): 常在; jieba: 常/在
    "2020-02-09社会各界爱心人士", "Lu_899b739ad238ea28的秒拍视频", "用0.5mm的铅笔", "26.530.00%", "L.E.Dickson",
    "W.E.", "月销8.5W+", "HUAWEI-CLT-AL00__weibo__10.1.1__android__android9&wm",  # rjieba joins these
    "有博主分析了Trik的训练方式", "Trik#", "有人解释了AIGC工具是怎么生成图的",  # ASCII words of the dictionary
    "呜呜呜呜", "画师们删图退坑", "a", "",
])
def test_fast_block_cutter_gives_jieba_words_where_rjieba_alone_differs(case_tokenizer, fast_cutter, block):
    assert fast_cutter.lcut(block) == case_tokenizer.lcut(block)


def test_fast_block_cutter_equals_jieba_on_real_posts(repo, case_tokenizer, fast_cutter):
    """A fixed sample of real Weibo posts (unlabelled transfer set and the labelled sets), cut post by post."""
    import pandas as pd

    folder = repo / "data/sentiment"
    texts = pd.read_parquet(folder / "transfer/weibo_unlabelled.parquet")["text"].iloc[:3000].tolist()
    for name in ("covid19_weibo", "nlpcc2014", "smp2020_usual", "smp2020_virus"):
        texts += pd.read_parquet(folder / f"social/{name}.parquet")["text"].iloc[:500].tolist()
    fast, reference = Segmenter(fast_cutter, memo_blocks=0), Segmenter(case_tokenizer, memo_blocks=0)
    differing = [t for t in texts if segment_text(t, fast)["tokens"] != segment_text(t, reference)["tokens"]]
    assert differing == []
    assert fast_cutter.fallbacks == 0


@pytest.fixture(scope="module")
def dictionary_words(case_tokenizer):
    """3,000 dictionary words (seeded draw; hypothesis samples a short list far faster than all 349,000)."""
    import random

    words = sorted(w for w, f in case_tokenizer.FREQ.items() if f and len(w) <= 6)
    return random.Random(23).sample(words, 3000) + ["Trik", "AIGC", "霸王条款", "呜呜"]


PUNCTUATION = st.sampled_from(list("+#&._%-") + ["0.5", "2-3", "u_1a", "mm", "W", "12"])


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_fast_block_cutter_equals_jieba_on_random_han_strings(case_tokenizer, fast_cutter, dictionary_words, data):
    """Strings glued from dictionary words, single characters and ASCII pieces: jieba's blocks exactly."""
    pieces = st.one_of(st.sampled_from(dictionary_words), st.sampled_from(dictionary_words).map(lambda w: w[-1]),
                       PUNCTUATION)
    text = "".join(data.draw(st.lists(pieces, min_size=1, max_size=12)))
    for block in jieba.re_han_default.findall(text):
        assert fast_cutter.lcut(block) == case_tokenizer.lcut(block)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("常在宅旁栽种桑树和梓呜哈喵了的是啊AB1.-%")), min_size=1, max_size=30))
def test_hmm_cut_is_jiebas_hmm(text):
    assert hmm_cut(text) == list(jieba.finalseg.cut(text))


def test_segment_posts_are_the_same_with_or_without_rjieba(repo, monkeypatch):
    texts = ["画师删图退坑[怒] #小红书AI训练[话题]#", "古人常在宅旁栽种桑树和梓树", "Trik的新功能2-3天上线0.5mm", "支持"]
    posts = pd.DataFrame({"post_id": [f"p{i}" for i in range(len(texts))], "text": texts})
    user_dict = str(repo / "data/lexicon/domain_dict.txt")
    monkeypatch.setattr(firestorm.text, "FAST_BLOCKS", False)
    reference = segment_posts(posts, user_dict, memo_blocks=0)
    assert isinstance(firestorm.text.segmenter(user_dict).cutter, jieba.Tokenizer)
    monkeypatch.setattr(firestorm.text, "FAST_BLOCKS", True)
    assert isinstance(firestorm.text.segmenter(user_dict).cutter, FastBlockCutter)
    pd.testing.assert_frame_equal(segment_posts(posts, user_dict), reference)
