"""Keyed pseudonymisation of people: raw user ids and nicknames never reach results/.

Authors become ``HMAC-SHA256(key, "<platform>:<user id>")`` truncated to 16 hex digits: the same author
gets the same pseudonym across files, while nobody without the key can link a pseudonym back to a platform
id (a plain hash of a numeric Weibo id could be reversed by enumerating ids). @mentions inside texts are
replaced the same way, keyed on the mentioned nickname. Texts also carry nicknames that no @ marks
(weibo-search's "<nickname>的微博视频", weiboSpider's "转发了 <nickname> 的微博:"): :class:`NameScrubber`
replaces every nickname known from a case's inputs wherever it stands, with the same pseudonym an @mention
of that nickname gets.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Iterable

MIN_KEY_BYTES = 16
# A Weibo/XHS nickname: CJK, letters, digits, '_', '-' and the name dots '·'/'・' (transliterated names such as
# 约翰·史密斯, and real crawled reposts "//@·name:"), up to 30 characters.
MENTION = re.compile(r"@([\w\u4e00-\u9fff\-·・]{1,30})")
# A pseudonym as :func:`pseudonym` writes it, standing in a text where a name stood without an @ (weibo-crawler's
# "L<name>的微博视频" cards, names written back to back): segmentation keeps it whole as a person token instead of
# cutting out its hex. Nothing before it is required ("Lu_…", "u_…u_…" occur in real exports).
PSEUDONYM_HEX_DIGITS = 16
PSEUDONYM = re.compile(rf"u_[0-9a-f]{{{PSEUDONYM_HEX_DIGITS}}}(?![0-9a-f])")


class PseudonymKeyError(RuntimeError):
    """No usable pseudonymisation key; there is deliberately no default key."""


def load_key(key_env: str, key_file: str | Path) -> bytes:
    """The secret key from the environment variable ``key_env``, else from ``key_file``."""
    value = os.environ.get(key_env, "").strip()
    source = f"environment variable {key_env}"
    if not value:
        path = Path(key_file)
        if not path.exists():
            raise PseudonymKeyError(
                f"no pseudonymisation key: set {key_env} or create {path} "
                f"(e.g. `python -m firestorm.privacy {path}`); firestorm never uses a default key"
            )
        value = path.read_text(encoding="utf-8").strip()
        source = str(path)
        if "results" in path.resolve().parts:
            raise PseudonymKeyError(f"{path}: the pseudonymisation key must not live under results/")
    key = value.encode("utf-8")
    if len(key) < MIN_KEY_BYTES:
        raise PseudonymKeyError(f"{source}: key too short ({len(key)} bytes, need at least {MIN_KEY_BYTES})")
    return key


@lru_cache(maxsize=1 << 17)  # authors recur; the HMAC is the costly part of ingesting a record
def pseudonym(key: bytes, namespace: str, value: str) -> str:
    """Stable keyed pseudonym of ``value`` within ``namespace`` (e.g. 'weibo')."""
    digest = hmac.new(key, f"{namespace}:{value}".encode("utf-8"), hashlib.sha256).hexdigest()
    return "u_" + digest[:PSEUDONYM_HEX_DIGITS]


def pseudonymise_mentions(text: str, key: bytes, namespace: str) -> str:
    """Replace every ``@nickname`` (also in ``//@nickname:`` repost chains) by ``@<pseudonym>``."""
    return MENTION.sub(lambda m: "@" + nickname_pseudonym(key, namespace, m[1]), text)


def nickname_pseudonym(key: bytes, platform: str, nickname: str) -> str:
    """The pseudonym of a nickname (an author known only by name, an @mention, a name inside a text)."""
    return pseudonym(key, f"{platform}:nick", nickname)


def author_pseudonym(key: bytes, platform: str, user_id=None, nickname=None) -> str | None:
    """The one rule for authors: the pseudonym of the account id on its platform, else (crawlers that give only
    a screen name) of the nickname; None when the record names nobody."""
    if user_id not in (None, ""):
        return pseudonym(key, platform, str(user_id).strip())
    if nickname not in (None, ""):
        return nickname_pseudonym(key, platform, str(nickname).strip())
    return None


# weiboSpider writes a repost as "reason\n原始用户: name\n转发内容: text": the name becomes a //@ mention.
REPOST_ATTRIBUTION = re.compile(r"\s*原始用户[:：]\s*([^\n]+?)\s*\n\s*转发内容[:：]\s*", re.S)


def scrub_people(text: str, key: bytes, platform: str) -> str:
    """Text with every @mention and weiboSpider repost attribution pseudonymised."""
    # Mentions first: the repost attribution then inserts an @pseudonym that must not be pseudonymised again.
    text = pseudonymise_mentions(text, key, platform)
    return REPOST_ATTRIBUTION.sub(lambda m: f"//@{nickname_pseudonym(key, platform, m[1].strip())}:", text)


# Shorter names are ordinary words far more often than they are somebody's name: two CJK characters, three
# Latin letters (real XHS nicknames "AI", "is", "cc" would replace those words in every text); a name of digits
# only ("996", "11") is a number in a text, not a person.
MIN_NAME_CHARACTERS = 2
MIN_LATIN_NAME_CHARACTERS = 3
_ASCII_WORD = re.compile(r"[A-Za-z0-9_]")


def replaceable_name(name: str) -> bool:
    """Whether a nickname is distinctive enough to be replaced wherever it stands in a text."""
    if len(name) < MIN_NAME_CHARACTERS or name.isdigit():
        return False
    return not (name.isascii() and len(name) < MIN_LATIN_NAME_CHARACTERS)


class NameScrubber:
    """Replaces every known nickname inside texts by its pseudonym, longest name first, in one pass.

    ``names`` are the nicknames read from a case's inputs (authors, repost sources, comment authors,
    mention targets); names in ``keep`` (official accounts, the case's own keywords: institutions and
    topics, not people) and names too short or plain to be anybody's (:func:`replaceable_name`) stay. A name of
    Latin letters and digits only counts only as a whole word, so "abc" is not replaced inside "abcd" or inside a
    pseudonym's hex.
    """

    def __init__(self, key: bytes, names: Iterable[str], keep: Iterable[str] = ()):
        import ahocorasick

        kept = {name.strip().lower() for name in keep if name}
        self.key = key
        self.names = sorted({name.strip() for name in names if name and replaceable_name(name.strip())})
        self.kept = [name for name in self.names if name.lower() in kept]
        self.replaced = 0
        self._automaton = None
        wanted = [name for name in self.names if name.lower() not in kept]
        if wanted:
            self._automaton = ahocorasick.Automaton()
            for name in wanted:
                self._automaton.add_word(name, name)
            self._automaton.make_automaton()

    def __call__(self, text: str | None, platform: str) -> str | None:
        """``text`` with every known name replaced by ``@``-less pseudonym of the platform's namespace."""
        if not text or self._automaton is None:
            return text
        pieces, position = [], 0
        for end, name in self._automaton.iter_long(text):
            start = end - len(name) + 1
            if name.isascii() and ((start > 0 and _ASCII_WORD.match(text[start - 1]))
                                   or (end + 1 < len(text) and _ASCII_WORD.match(text[end + 1]))):
                continue
            pieces += [text[position:start], nickname_pseudonym(self.key, platform, name)]
            position = end + 1
            self.replaced += 1
        return "".join(pieces) + text[position:] if pieces else text

    def replace_column(self, texts, platforms):
        """A pandas string column with the names replaced, row by row on the row's platform."""
        # Plain lists: iterating an Arrow-backed column element by element is several times slower.
        texts = texts.tolist() if hasattr(texts, "tolist") else texts
        platforms = platforms.tolist() if hasattr(platforms, "tolist") else platforms
        if self._automaton is None:
            return list(texts)
        return [self(text, platform) if isinstance(text, str) else text for text, platform in zip(texts, platforms)]


def write_new_key(path: str | Path) -> Path:
    """Create a random key file (mode 600) if none exists; never overwrites an existing key."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(os.urandom(32).hex() + "\n", encoding="utf-8")
        path.chmod(0o600)
    return path


if __name__ == "__main__":
    import sys

    print(write_new_key(sys.argv[1] if len(sys.argv) > 1 else ".firestorm/pseudonym.key"))
