"""Segmentation: clean Weibo/Xiaohongshu text and cut it into words with jieba.

Platform markup is kept as whole tokens rather than cut into characters: Weibo emoticons ``[怒]``,
Xiaohongshu emoji codes ``[哭惹R]``, hashtags ``#话题#`` / ``#话题[话题]#`` (token ``#话题#``), @mentions
(token ``@user``: the pseudonym itself carries no meaning for discourse), URLs (token ``<url>``).
Reposts keep only the reposter's own words (everything before the first ``//@``): the reposted chain is
someone else's voice and would be counted twice. Full-width forms are folded to half-width (NFKC).

The tokens of a post depend only on its text and the dictionaries, so shards can be cut anywhere and
segmented in separate processes or on separate nodes.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import jieba
import pandas as pd

URL = re.compile(r"https?://[^\s\u4e00-\u9fff，。！？]+")
MENTION = re.compile(r"@[\w\u4e00-\u9fff\-]{1,30}")
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


def own_words(text: str) -> str:
    """The reposter's own words of a Weibo repost (text before the first ``//@``), else the text."""
    return text.split(REPOST_CHAIN, 1)[0]


def normalise_width(text: str) -> str:
    """Fold full-width letters, digits and punctuation to half-width; keeps CJK characters."""
    return unicodedata.normalize("NFKC", text)


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


def load_stopwords(path: str | Path | None) -> frozenset[str]:
    if not path:
        return frozenset()
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def segment_text(text: str, cutter: jieba.Tokenizer, stopwords: frozenset[str] = frozenset()) -> dict:
    """Own text, tokens, emoticons and hashtags of one post."""
    text = normalise_width(own_words(text or ""))
    tokens, emoticons, hashtags, plain = [], [], [], []
    position = 0
    for match in MARKUP.finditer(text):
        plain.append(text[position:match.start()])
        tokens += [w for w in cutter.lcut(text[position:match.start()]) if w.strip() and w not in stopwords]
        token = markup_token(match.group())
        tokens.append(token)
        if EMOTICON.fullmatch(token):
            emoticons.append(token)
        elif token.startswith("#"):
            hashtags.append(token.strip("#"))
        position = match.end()
    plain.append(text[position:])
    tokens += [w for w in cutter.lcut(text[position:]) if w.strip() and w not in stopwords]
    own_text = re.sub(r"\s+", " ", "".join(plain)).strip()
    return {"own_text": own_text, "tokens": tokens, "emoticons": emoticons, "hashtags": hashtags}


def segment_posts(posts: pd.DataFrame, user_dict: str | None = None, stopwords_path: str | None = None,
                  extra_words: tuple[str, ...] = ()) -> pd.DataFrame:
    """Segment the ``text`` of every row of ``posts`` (a posts table or a shard of it); see :data:`TOKENS`."""
    cutter = tokenizer(str(user_dict) if user_dict else None, tuple(extra_words))
    stopwords = load_stopwords(stopwords_path)
    rows = [segment_text(text, cutter, stopwords) for text in posts["text"].fillna("").tolist()]
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
