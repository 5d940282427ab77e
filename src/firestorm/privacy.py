"""Keyed pseudonymisation of people: raw user ids and nicknames never reach results/.

Authors become ``HMAC-SHA256(key, "<platform>:<user id>")`` truncated to 16 hex digits: the same author
gets the same pseudonym across files, while nobody without the key can link a pseudonym back to a platform
id (a plain hash of a numeric Weibo id could be reversed by enumerating ids). @mentions inside texts are
replaced the same way, keyed on the mentioned nickname.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from functools import lru_cache
from pathlib import Path

MIN_KEY_BYTES = 16
# A Weibo/XHS nickname: CJK, letters, digits, '_' and '-', up to 30 characters.
MENTION = re.compile(r"@([\w\u4e00-\u9fff\-]{1,30})")


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
    return "u_" + digest[:16]


def pseudonymise_mentions(text: str, key: bytes, namespace: str) -> str:
    """Replace every ``@nickname`` (also in ``//@nickname:`` repost chains) by ``@<pseudonym>``."""
    return MENTION.sub(lambda m: "@" + pseudonym(key, f"{namespace}:nick", m[1]), text)


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
