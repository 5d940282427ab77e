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
A block is cut by :class:`FastBlockCutter` when rjieba is installed: jieba-rs computes jieba's best route
through the word DAG and jieba's own HMM cuts the runs of unknown characters, so the words are jieba's exactly
(rjieba's own HMM, with rounded probabilities, and its joining of ``2-3`` or ``u_1a2b`` are never used).

The tokens of a post depend only on its text and the dictionaries, so shards can be cut anywhere and
segmented in separate processes or on separate nodes.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import jieba
import jieba.finalseg
import opencc
import pandas as pd

try:  # jieba-rs finds the same DAG route ~7x faster; without it, jieba itself cuts (see FastBlockCutter)
    import rjieba
except ImportError:  # pragma: no cover - rjieba is pinned in requirements.txt
    rjieba = None

from firestorm.privacy import MENTION, PSEUDONYM   # what a mention and a pseudonym are: privacy owns both

URL = re.compile(r"https?://[^\s\u4e00-\u9fff，。！？]+")
HASHTAG = re.compile(r"#([^#\[\]\n]{1,40}?)(?:\[话题\])?#")
EMOTICON = re.compile(r"\[[^\[\]\s]{1,8}\]")
MARKUP = re.compile("|".join(p.pattern for p in (URL, HASHTAG, MENTION, EMOTICON, PSEUDONYM)))
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


# The switch between the two block cutters: True when rjieba is importable; False makes every new Segmenter cut
# with jieba alone (the reference path). The words are the same either way (tests/test_text.py).
FAST_BLOCKS = rjieba is not None
_UNUSED_WORD = "\ue000"   # private-use: never inside a block, so it only carries jieba's surplus total frequency


class FastBlockCutter:
    """jieba's accurate-mode cut (HMM on) of one block of ``jieba.re_han_default``, the DAG route by jieba-rs.

    ``reference`` is the jieba tokenizer whose dictionary state is copied (every word of positive frequency,
    and jieba's total, which jieba grows on every ``add_word`` even of a known word while jieba-rs does not:
    the surplus goes to a word no block contains). jieba-rs computes the same route as jieba (same frequencies,
    same sums of logarithms, same tie-break towards the longer word); asked without its HMM it returns the
    route's words, except that it joins consecutive single-character steps that are ASCII letters or digits.
    The single-character steps are gathered and cut as jieba's ``__cut_DAG`` does — one character alone, a
    dictionary word split into characters, anything else by jieba's own HMM (memoised) — because jieba-rs'
    HMM uses probabilities rounded to 6 decimals (it cut 常在宅旁 as 常在/宅/旁 where jieba gives four
    characters) and splits ``2-3``, ``0.5mm`` differently. A joined ASCII run that is itself a dictionary word
    (Trik) could be one step or several: it is one when the word outscores its spelling by far more than any
    rounding (always, in practice); otherwise ``reference`` cuts the block.
    The copy is taken once: words added to ``reference`` later are not seen. ``memo_runs`` caps the HMM memo.
    """

    def __init__(self, reference: jieba.Tokenizer, memo_runs: int = MEMO_BLOCKS):
        reference.check_initialized()
        self.reference = reference
        self.freq = reference.FREQ
        self.route = rjieba.Jieba.empty()
        copied = 0
        for word, freq in self.freq.items():
            if freq:   # 0 marks a prefix of a word, which jieba never treats as a word
                self.route.add_word(word, freq, None)
                copied += freq
        if reference.total > copied:
            self.route.add_word(_UNUSED_WORD, reference.total - copied, None)
        self.log_total = math.log(reference.total)
        self.hmm_memo: dict[str, list[str]] = {}
        self.memo_runs = memo_runs
        self.fallbacks = 0

    def lcut(self, block: str) -> list[str]:
        words: list[str] = []
        singles: list[str] = []
        for step in self.route.cut(block, False):
            if len(step) == 1:
                singles.append(step)
            elif step.isascii() and step.isalnum() and not self._word_step(step):
                if self.freq.get(step):   # a word, but the route may have spelt it out: jieba decides
                    self.fallbacks += 1
                    return self.reference.lcut(block)
                singles.append(step)
            else:
                if singles:
                    self._cut_singles("".join(singles), words)
                    singles.clear()
                words.append(step)
        if singles:
            self._cut_singles("".join(singles), words)
        return words

    def _word_step(self, run: str) -> bool:
        """Whether an ASCII run rjieba returned must be one step of the route rather than single steps joined.

        Both ways span the same characters, so the route spelt the run out only if its single steps score at
        least as high as the word; a word that wins by far more than any rounding is one step.
        """
        word = self.freq.get(run)
        if not word:
            return False
        spelt = sum(math.log(self.freq.get(char) or 1) for char in run) - len(run) * self.log_total
        return math.log(word) - self.log_total - spelt > 1e-6

    def _cut_singles(self, run: str, words: list[str]) -> None:
        if len(run) == 1:
            words.append(run)
        elif self.freq.get(run):
            words.extend(run)
        else:
            cut = self.hmm_memo.get(run)
            if cut is None:
                cut = hmm_cut(run)
                if len(self.hmm_memo) < self.memo_runs:
                    self.hmm_memo[run] = cut
            words.extend(cut)


def hmm_cut(run: str) -> list[str]:
    """``list(jieba.finalseg.cut(run))``, with the same sums in the same order but no path copying.

    jieba's Viterbi takes ``max`` of ``(probability, state)`` pairs, so a tie goes to the later state letter
    (B < E < M < S); so does this one.
    """
    words: list[str] = []
    for piece in _HMM_HAN.split(run):
        if not piece:
            continue
        if not _HMM_HAN.match(piece):
            words += [x for x in _HMM_SKIP.split(piece) if x]
            continue
        begin = 0
        for i, state in enumerate(_viterbi_states(piece)):
            if state == "B":
                begin = i
            elif state == "E" or state == "S":
                word = piece[begin:i + 1] if state == "E" else piece[i]
                if word in jieba.finalseg.Force_Split_Words:
                    words.extend(word)
                else:
                    words.append(word)
                begin = i + 1
        if begin < len(piece):   # jieba yields an unfinished word too (the last state is E or S, though)
            word = piece[begin:]
            if word in jieba.finalseg.Force_Split_Words:
                words.extend(word)
            else:
                words.append(word)
    return words


_HMM_HAN, _HMM_SKIP = jieba.finalseg.re_han, jieba.finalseg.re_skip


def _viterbi_states(obs: str) -> str:
    """The B/M/E/S state of each character of a Han run, as ``jieba.finalseg.viterbi`` finds them."""
    low, start, trans = jieba.finalseg.MIN_FLOAT, jieba.finalseg.start_P, jieba.finalseg.trans_P
    emit_b, emit_m, emit_e, emit_s = (jieba.finalseg.emit_P[state].get for state in "BMES")
    e_to_b, s_to_b, b_to_m, m_to_m = trans["E"]["B"], trans["S"]["B"], trans["B"]["M"], trans["M"]["M"]
    b_to_e, m_to_e, e_to_s, s_to_s = trans["B"]["E"], trans["M"]["E"], trans["E"]["S"], trans["S"]["S"]
    first = obs[0]
    b, m = start["B"] + emit_b(first, low), start["M"] + emit_m(first, low)
    e, s = start["E"] + emit_e(first, low), start["S"] + emit_s(first, low)
    back = []   # per character after the first: the state each state came from
    for char in obs[1:]:
        # jieba sums (previous + transition) + emission, and on a tie keeps the later letter.
        em = emit_b(char, low)
        via_e, via_s = e + e_to_b + em, s + s_to_b + em
        new_b, from_b = (via_e, "E") if via_e > via_s else (via_s, "S")
        em = emit_m(char, low)
        via_b, via_m = b + b_to_m + em, m + m_to_m + em
        new_m, from_m = (via_b, "B") if via_b > via_m else (via_m, "M")
        em = emit_e(char, low)
        via_b, via_m = b + b_to_e + em, m + m_to_e + em
        new_e, from_e = (via_b, "B") if via_b > via_m else (via_m, "M")
        em = emit_s(char, low)
        via_e, via_s = e + e_to_s + em, s + s_to_s + em
        new_s, from_s = (via_e, "E") if via_e > via_s else (via_s, "S")
        back.append({"B": from_b, "M": from_m, "E": from_e, "S": from_s})
        b, m, e, s = new_b, new_m, new_e, new_s
    state = "E" if e > s else "S"
    states = [state]
    for came_from in reversed(back):
        state = came_from[state]
        states.append(state)
    return "".join(reversed(states))


class Segmenter:
    """``jieba.Tokenizer.lcut`` with an exact per-block memo (see the module docstring).

    ``cutter`` cuts one block: a ``jieba.Tokenizer`` or a :class:`FastBlockCutter`.
    """

    def __init__(self, cutter: jieba.Tokenizer | FastBlockCutter, memo_blocks: int = MEMO_BLOCKS):
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
    if MENTION.fullmatch(piece) or PSEUDONYM.fullmatch(piece):
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


def segmenter(user_dict: str | None = None, extra_words: tuple[str, ...] = (),
              memo_blocks: int = MEMO_BLOCKS, fast: bool | None = None) -> Segmenter:
    """The Segmenter of a dictionary state; ``fast=None`` follows :data:`FAST_BLOCKS`."""
    return _segmenter(user_dict, extra_words, memo_blocks, FAST_BLOCKS if fast is None else fast)


@lru_cache(maxsize=8)
def _segmenter(user_dict, extra_words, memo_blocks, fast) -> Segmenter:
    reference = tokenizer(user_dict, extra_words)
    return Segmenter(FastBlockCutter(reference, memo_blocks) if fast else reference, memo_blocks)


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
