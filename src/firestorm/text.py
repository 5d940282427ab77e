"""Segmentation: clean Weibo/Xiaohongshu text and cut it into words with jieba.

Platform markup is kept as whole tokens rather than cut into characters: Weibo emoticons ``[怒]``,
Xiaohongshu emoji codes ``[哭惹R]``, hashtags ``#话题#`` / ``#话题[话题]#`` (token ``#话题#``), @mentions
(token ``@user``: the pseudonym itself carries no meaning for discourse), URLs (token ``<url>``).
Reposts keep only the reposter's own words (everything before the first ``//@``): the reposted chain is
someone else's voice and would be counted twice. Full-width forms are folded to half-width (NFKC) and
Traditional characters converted to Simplified (OpenCC ``t2s``), so 畫師/画师 count as one word; OpenCC's
character-level conversion can touch the rare character that is also a valid Simplified one (乾 → 干).

``own_text`` is the cleaned text with each markup token replaced by a space; the words of a post are exactly
``jieba.lcut(own_text)`` without whitespace and stop words, whichever process computes them. jieba cuts each
run of CJK/alphanumeric characters ("block") independently, so :class:`Segmenter` memoises blocks: posts repeat
clauses (reposts, "支持", hashtags' neighbours), and a memo hit costs a dictionary look-up instead of a DAG.

The tokens of a post depend only on its text and the dictionaries, so shards can be cut anywhere and
segmented in separate processes or on separate nodes.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import jieba
import opencc
import pandas as pd

from firestorm.privacy import MENTION   # what a mention is: one pattern for privacy and segmentation

URL = re.compile(r"https?://[^\s\u4e00-\u9fff，。！？]+")
HASHTAG = re.compile(r"#([^#\[\]\n]{1,40}?)(?:\[话题\])?#")
EMOTICON = re.compile(r"\[[^\[\]\s]{1,8}\]")
MARKUP = re.compile("|".join(p.pattern for p in (URL, HASHTAG, MENTION, EMOTICON)))
REPOST_CHAIN = "//@"

TOKENS = {
    "post_id": "string",
    "own_text": "string",      # the author's own words, markup removed: what the sentiment model reads
    "tokens": "object",        # list[str]: jieba words and markup tokens, stop words removed
    "emoticons": "object",     # list[str]: [怒], [哭惹R] … in order of appearance
    "hashtags": "object",      # list[str]: topic names without markup
}


_TO_SIMPLIFIED = opencc.OpenCC("t2s")
MEMO_BLOCKS = 500_000


class Segmenter:
    """``jieba.Tokenizer.lcut`` with an exact per-block memo (see the module docstring)."""

    def __init__(self, cutter: jieba.Tokenizer, memo_blocks: int = MEMO_BLOCKS):
        self.cutter = cutter
        self.memo: dict[str, list[str]] = {}
        self.memo_blocks = memo_blocks
        self.hits = self.misses = 0

    def lcut(self, text: str) -> list[str]:
        # Mirrors jieba.Tokenizer.cut (accurate mode, HMM on): blocks of jieba.re_han_default are cut by the
        # DAG; everything else is split on jieba.re_skip_default and emitted character by character.
        words: list[str] = []
        for block in jieba.re_han_default.split(text):
            if not block:
                continue
            if jieba.re_han_default.match(block):
                cut = self.memo.get(block)
                if cut is None:
                    self.misses += 1
                    cut = self.cutter.lcut(block)
                    if len(self.memo) < self.memo_blocks:
                        self.memo[block] = cut
                else:
                    self.hits += 1
                words += cut
            else:
                for piece in jieba.re_skip_default.split(block):
                    if jieba.re_skip_default.match(piece):
                        words.append(piece)
                    else:
                        words.extend(piece)
        return words


def own_words(text: str) -> str:
    """The reposter's own words of a Weibo repost (text before the first ``//@``), else the text."""
    return text.split(REPOST_CHAIN, 1)[0]


def short_quote(text, max_characters: int = 80) -> str:
    """A post's own words as a short quote for a reader: the repost chain, @mentions (even pseudonymised ones:
    a quote names nobody) and links removed, whitespace collapsed, cut to ``max_characters`` with "…"."""
    words = MENTION.sub("", URL.sub("", own_words(str(text or ""))))
    words = " ".join(words.split())
    return words if len(words) <= max_characters else words[:max_characters - 1] + "…"


def normalise_characters(text: str) -> str:
    """Fold full-width letters, digits and punctuation to half-width (NFKC); Traditional to Simplified."""
    return _TO_SIMPLIFIED.convert(unicodedata.normalize("NFKC", text))


def markup_token(piece: str) -> str:
    if URL.fullmatch(piece):
        return "<url>"
    if MENTION.fullmatch(piece):
        return "@user"
    hashtag = HASHTAG.fullmatch(piece)
    if hashtag:
        return f"#{hashtag[1].strip()}#"
    return piece  # an emoticon keeps its code


@lru_cache(maxsize=8)
def tokenizer(user_dict: str | None = None, extra_words: tuple[str, ...] = ()) -> jieba.Tokenizer:
    """A jieba tokenizer with the domain dictionary and a case's extra words loaded."""
    cutter = jieba.Tokenizer()
    cutter.initialize()
    if user_dict:
        cutter.load_userdict(str(user_dict))
    for word in extra_words:
        cutter.add_word(word, freq=2000)
    return cutter


@lru_cache(maxsize=8)
def segmenter(user_dict: str | None = None, extra_words: tuple[str, ...] = (),
              memo_blocks: int = MEMO_BLOCKS) -> Segmenter:
    return Segmenter(tokenizer(user_dict, extra_words), memo_blocks)


def load_stopwords(path: str | Path | None) -> frozenset[str]:
    if not path:
        return frozenset()
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def segment_text(text: str, cutter: Segmenter | jieba.Tokenizer, stopwords: frozenset[str] = frozenset()) -> dict:
    """Own text, tokens, emoticons and hashtags of one post (see :data:`TOKENS`)."""
    text = normalise_characters(own_words(text or ""))
    tokens, emoticons, hashtags, plain = [], [], [], []

    def add_words(piece: str) -> None:
        plain.append(piece)
        tokens.extend(w for w in cutter.lcut(piece) if w.strip() and w not in stopwords)

    position = 0
    for match in MARKUP.finditer(text):
        add_words(text[position:match.start()])
        token = markup_token(match.group())
        if token == "##":   # "# #": a hashtag of nothing but spaces is no tag, and no word either
            position = match.end()
            continue
        tokens.append(token)
        if EMOTICON.fullmatch(token):
            emoticons.append(token)
        elif token.startswith("#"):
            hashtags.append(token.strip("#"))
        position = match.end()
    add_words(text[position:])
    # Markup becomes a space: jieba never joins words across whitespace, so lcut(own_text) gives these words.
    own_text = re.sub(r"\s+", " ", " ".join(plain)).strip()
    return {"own_text": own_text, "tokens": tokens, "emoticons": emoticons, "hashtags": hashtags}


def segment_posts(posts: pd.DataFrame, user_dict: str | None = None, stopwords_path: str | None = None,
                  extra_words: tuple[str, ...] = (), memo_blocks: int = MEMO_BLOCKS) -> pd.DataFrame:
    """Segment the ``text`` of every row of ``posts`` (a posts table or a shard of it); see :data:`TOKENS`.

    ``memo_blocks`` caps the block memo (0 disables it; the words are the same either way).
    """
    cutter = segmenter(str(user_dict) if user_dict else None, tuple(extra_words), memo_blocks)
    stopwords = load_stopwords(stopwords_path)
    # Identical posts (reposted boilerplate, "转发微博", spam) are segmented once; the memo is exact.
    seen: dict[str, dict] = {}
    rows = []
    for text in posts["text"].fillna("").tolist():
        row = seen.get(text)
        if row is None:
            row = segment_text(text, cutter, stopwords)
            if len(seen) < memo_blocks:
                seen[text] = row
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["own_text", "tokens", "emoticons", "hashtags"])
    frame.insert(0, "post_id", posts["post_id"].to_numpy())
    return frame.astype({"post_id": "string", "own_text": "string"})


def shard(frame: pd.DataFrame, index: int, count: int) -> pd.DataFrame:
    """Rows of shard ``index`` (0-based) of ``count`` contiguous, near-equal shards."""
    if not 0 <= index < count:
        raise ValueError(f"shard index {index} outside 0..{count - 1}")
    size = len(frame)
    start, stop = index * size // count, (index + 1) * size // count
    return frame.iloc[start:stop]
