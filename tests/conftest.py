"""Shared fixtures and helpers: the repository root, a pseudonymisation key, small demo corpora, and the
working directories, Snakemake runs and leak scans of the end-to-end tests (``from conftest import ...``)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
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


# ------------------------------------------------------------------------------ end-to-end runs of the Snakefile
def make_workdir(repo: Path, target: Path, edit_config=None, tiny: bool = True) -> Path:
    """A study directory like a researcher's checkout (Snakefile, workflow, config, lexicons, teacher labels) with
    a test key; ``tiny`` shrinks the demo and the model, ``edit_config(config)`` changes config.yaml further.
    (bench/study_scale.py keeps its own variant: bench does not import the tests.)"""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(repo / "Snakefile", target)
    shutil.copy(repo / "environment.yml", target)
    shutil.copytree(repo / "workflow", target / "workflow")        # symlinked schemas are copied as files
    shutil.copytree(repo / "config", target / "config")
    shutil.copytree(repo / "data" / "lexicon", target / "data" / "lexicon")
    shutil.copytree(repo / "data" / "sentiment", target / "data" / "sentiment")
    config = yaml.safe_load((target / "config/config.yaml").read_text())
    config["pseudonymisation"]["key_file"] = ".firestorm/test.key"
    if tiny:
        config["demo"]["scale"] = 0.05
        # Tiny and fast, but on the split the committed teacher labels were made for (a different split is refused).
        config["sentiment"]["train"].update(max_train_rows=400, epochs=1, hidden_size=32, layers=1, heads=2)
        config["sentiment"]["adapt"].update(epochs=1)
        config["spread"]["bootstrap_samples"] = 20
    if edit_config:
        edit_config(config)
    (target / "config/config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
    (target / ".firestorm").mkdir()
    (target / ".firestorm/test.key").write_text("e2e-test-key-0123456789abcdef\n")
    return target


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    """``snakemake --cores 2 *args`` in ``workdir``, output captured."""
    return subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2", *args], cwd=workdir,
                          capture_output=True, text=True, timeout=1200)


def people_in_exports(workdir: Path) -> set[str]:
    """Every raw user id, nickname, profile URL and avatar of the demo exports (at least 4 characters)."""
    people = set()
    for export in (workdir / "data/demo").rglob("*.csv"):
        frame = pd.read_csv(export, dtype=str, encoding="utf-8-sig", keep_default_na=False)
        for column in ("user_id", "nickname", "profile_url", "avatar"):
            if column in frame:
                people |= set(frame[column])
        if "正文" in frame:
            people.add(export.stem)                    # weibo-crawler: {screen_name}/{user_id}.csv
            people.add(export.parent.name)
    # Company accounts named in the case YAMLs are institutions, not people, and their nickname is the brand
    # every post talks about; their ids are still pseudonymised like everyone's.
    companies = set()
    for case_file in (workdir / "config/cases").glob("*.yaml"):
        for account in yaml.safe_load(case_file.read_text(encoding="utf-8")).get("official_accounts", []):
            companies.add(account.get("nickname", ""))
    return {p for p in people - companies if len(p) >= 4}


def readable_text(path: Path) -> str:
    """A results file as text a leak would show in: parquet decoded (its pages are compressed), and the
    report's embedded files (base64, some zlib-compressed) decoded and appended."""
    import base64
    import re
    import zlib

    if path.suffix == ".parquet":
        return pd.read_parquet(path).astype(str).to_csv()
    content = path.read_bytes().decode("utf-8", errors="ignore")
    if path.suffix == ".html":
        for chunk in re.findall(r"base64,([A-Za-z0-9+/=]{16,})", content):
            raw = base64.b64decode(chunk + "=" * (-len(chunk) % 4))
            try:
                raw = zlib.decompress(raw)
            except zlib.error:
                pass
            content += raw.decode("utf-8", errors="ignore")
    return content


def load_tool(name: str):
    """A script of tools/ (QA helpers that are not part of the package) imported as a module."""
    spec = importlib.util.spec_from_file_location(f"tools_{name}", REPO / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
