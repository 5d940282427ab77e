"""Shared fixtures: the repository root, a pseudonymisation key and small demo corpora."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from firestorm.config import load_case

REPO = Path(__file__).resolve().parents[1]
KEY = b"test-key-0123456789abcdef-not-secret"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def key() -> bytes:
    return KEY


def scaled_case(tmp_path: Path, name: str, items: int | None = None, inputs_root: str | None = None):
    """A copy of a shipped case with a smaller demo and inputs pointing at ``inputs_root``."""
    document = yaml.safe_load((REPO / "config" / "cases" / f"{name}.yaml").read_text(encoding="utf-8"))
    if items is not None:
        document["demo"]["items"] = items
    if inputs_root is not None:
        for entry in document["inputs"]:
            entry["path"] = entry["path"].replace(f"data/demo/{name}", inputs_root)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return load_case(path)


@pytest.fixture(scope="session")
def demo_corpus(tmp_path_factory):
    """Both shipped cases generated at full default size once per test session: {case: (case, folder, truth)}."""
    from firestorm.demo import generate_case

    root = tmp_path_factory.mktemp("demo")
    corpora = {}
    for name in ("xhs_trik_ai", "miaoya_camera"):
        folder = root / name
        case = scaled_case(root, name, inputs_root=str(folder))
        corpora[name] = (case, folder, generate_case(case, folder))
    return corpora
