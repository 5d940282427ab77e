"""End to end: the real Snakefile on a tiny demo in a temporary directory."""

import json
import subprocess
import sys
from pathlib import Path

import networkx
import pandas as pd
import pytest
import yaml

from conftest import load_tool, make_workdir, people_in_exports, readable_text, snakemake

pytestmark = pytest.mark.slow

STAGES = ["demo_exports", "ingest", "segment_shard", "merge_tokens", "train_sentiment_model",
          "score_sentiment_shard", "merge_sentiment", "spread", "discourse",
          "compare_words", "compare_response", "exemplars", "study_page"]


@pytest.fixture(scope="module")
def finished_run(repo, tmp_path_factory):
    workdir = make_workdir(repo, tmp_path_factory.mktemp("e2e"))
    dry = snakemake(workdir, "-n")
    assert dry.returncode == 0, dry.stderr + dry.stdout
    run = snakemake(workdir)
    assert run.returncode == 0, run.stderr[-6000:]
    return workdir, dry.stdout + dry.stderr


def test_dry_run_lists_every_stage(finished_run):
    _, listing = finished_run
    for stage in STAGES:
        assert f"rule {stage}:" in listing or f"{stage} " in listing, stage


def test_every_output_is_written_and_reconciled(finished_run):
    workdir, _ = finished_run
    for case in ("xhs_trik_ai", "miaoya_camera"):
        results = workdir / "results" / case
        qc = json.loads((results / "ingest_qc.json").read_text())
        assert qc["reconciled"] and qc["totals"]["in_scope"] > 100
        posts = pd.read_parquet(results / "posts.parquet")
        tokens = pd.read_parquet(results / "tokens.parquet")
        sentiment = pd.read_parquet(results / "sentiment.parquet")
        assert len(posts) == qc["totals"]["in_scope"] == len(tokens) == len(sentiment)
        assert (posts["post_id"].to_numpy() == sentiment["post_id"].to_numpy()).all()
        assert str(posts["created_at"].dtype) == "datetime64[ns, UTC]" or "UTC" in str(posts["created_at"].dtype)
        spread = json.loads((results / "spread.json").read_text())
        assert spread["onset"]["time"] is not None
        assert "hawkes" in spread and 0 < spread["hawkes"]["estimates"]["branching_ratio"] < 1
        for figure in ("volume", "engagement", "hawkes", "sentiment", "emotion", "frames", "distinctive_words",
                       "network"):
            assert (results / "figures" / f"{figure}.png").stat().st_size > 10_000, figure
            svg = (results / "figures" / f"{figure}.svg").read_text(encoding="utf-8")
            assert "<svg" in svg and svg.count("<!-- ") > 3, figure      # texts (titles, labels) drawn
        frames = pd.read_csv(results / "discourse/frames_by_phase.csv")
        assert {"phase", "frame", "share", "share_low", "share_high"} <= set(frames.columns)
        graph = networkx.read_graphml(results / "discourse/cooccurrence.graphml")
        assert graph.number_of_nodes() > 5 and graph.number_of_edges() > 0
    timing = pd.read_csv(workdir / "results/comparison/response_timing.csv")
    assert timing.set_index("case").loc["xhs_trik_ai", "responded"] == False  # noqa: E712
    effects = pd.read_csv(workdir / "results/comparison/response_effects.csv")
    assert set(effects["case"]) == {"xhs_trik_ai", "miaoya_camera"}
    words = pd.read_csv(workdir / "results/comparison/distinctive_words_cases.csv")
    assert set(words["group"]) == {"xhs_trik_ai", "miaoya_camera"} and words["word"].notna().all()
    assert (workdir / "results/comparison/figures/its.png").stat().st_size > 10_000
    evaluation = json.loads((workdir / "results/models/sentiment/eval.json").read_text())
    for name in ("smp2020_usual_test", "smp2020_virus_test", "nlpcc2014_external"):
        test = evaluation["tests"][name]
        assert test["polarity"]["rows"] > 2000 and 0 <= test["emotion"]["macro_f1"] <= 1
        assert evaluation["baselines"][name]["pysenti_lexicon"]["binary_polarity"]["rows"] == \
            test["binary_polarity"]["rows"]
    # Adaptation is off by default: the base model scores, its neutral class is a trained class.
    assert not (workdir / "results/models/sentiment_adapted").exists()
    scores = pd.read_parquet(workdir / "results/xhs_trik_ai/sentiment.parquet")
    assert (scores["model"] == "results/models/sentiment").all()
    assert scores["p_neutral"].notna().all() and scores["emotion"].notna().all()
    daily_emotion = pd.read_csv(workdir / "results/xhs_trik_ai/daily_emotion.csv")
    assert set(daily_emotion["emotion"]) == {"angry", "fear", "happy", "neutral", "sad", "surprise"}
    human = effects[effects["measure"].str.contains("human-labelled test posts")]
    assert set(human["case"]) == {"xhs_trik_ai", "miaoya_camera"}


def test_no_raw_identity_anywhere_in_results(finished_run):
    workdir, _ = finished_run
    people = people_in_exports(workdir)
    assert len(people) > 100
    leaks, scanned = [], set()
    for path in (workdir / "results").rglob("*"):
        if path.is_file() and path.suffix in {".parquet", ".csv", ".json", ".md", ".svg", ".html", ".graphml"}:
            content = readable_text(path)
            leaks += [(path.name, p) for p in people if p in content]
            scanned.add(path.suffix)
    assert not leaks[:10]
    assert {".parquet", ".csv", ".json", ".svg", ".graphml", ".html"} <= scanned   # the report: test below


def test_report_is_generated(finished_run):
    workdir, _ = finished_run
    result = snakemake(workdir, "--report", "results/report.html")
    assert result.returncode == 0, result.stderr[-3000:]
    assert (workdir / "results/report.html").stat().st_size > 50_000
    # The report embeds copies of the results: none of them may carry a person either.
    content = readable_text(workdir / "results/report.html")
    assert not [p for p in people_in_exports(workdir) if p in content][:10]


STUDY_SECTIONS = ["question", "data", "findings", "response", "validation", "limitations", "methods"]


def test_study_page_reads_top_to_bottom_and_every_number_links_to_its_file(finished_run):
    import re

    from firestorm.study_page import unsourced_numbers

    workdir, _ = finished_run
    page = (workdir / "results/study.html").read_text(encoding="utf-8")
    positions = [page.index(f"<section id='{name}'>") for name in STUDY_SECTIONS]
    assert positions == sorted(positions)
    assert not unsourced_numbers(page)
    numbers = re.findall(r'<a class="n" href="([^"]+)">([^<]+)</a>', page)
    assert len(numbers) > 60
    for target in {href for href, _ in numbers} | set(re.findall(r'<img src="([^"]+)"', page)):
        assert (workdir / "results" / target).resolve().is_file(), target
    images = re.findall(r'<img src="([^"]+)"', page)
    assert {"xhs_trik_ai/figures/volume.png", "miaoya_camera/figures/frames.png",
            "comparison/figures/its.png"} <= set(images)
    assert "Synthetic demo" in page and "SCCT strategy" in page and "exemplars.csv" in page
    # The response latency on the page is the one in the timing table, linked to it.
    timing = pd.read_csv(workdir / "results/comparison/response_timing.csv").set_index("case")
    latency = f"{timing.loc['miaoya_camera', 'onset_to_response_h']:.1f}"
    assert ("comparison/response_timing.csv", latency) in numbers


def test_lint_is_clean(repo):
    result = subprocess.run([sys.executable, "-m", "snakemake", "--lint"], cwd=repo, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Congratulations" in result.stdout + result.stderr


def test_bad_case_config_fails_before_any_job_naming_file_and_key(repo, tmp_path):
    workdir = make_workdir(repo, tmp_path / "bad")
    case_file = workdir / "config/cases/miaoya_camera.yaml"
    document = yaml.safe_load(case_file.read_text(encoding="utf-8"))
    document["official_response"] = {"responded": True}
    case_file.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    result = snakemake(workdir, "-n")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "config/cases/miaoya_camera.yaml" in output and "official_response" in output
    assert not (workdir / "results").exists()


@pytest.fixture
def chromium():
    """Debian's chromium and the rendering tool; the test is skipped where chromium is not installed
    (`make report-check` installs it)."""
    import shutil

    path = shutil.which("chromium")
    if path is None:
        pytest.skip("chromium not installed (make report-check installs it)")
    return path, load_tool("render_report")


def test_report_renders_in_headless_chromium(finished_run, chromium, tmp_path):
    """A reader's browser shows every section and figure."""
    chromium, tool = chromium
    workdir, _ = finished_run
    report = workdir / "results/report.html"
    if not report.exists():
        assert snakemake(workdir, "--report", "results/report.html").returncode == 0
    dom = tool.render_report(report, tmp_path / "report.png", chromium)
    assert not tool.check_rendered_report(dom, ["Comparison", "Methods", "xhs_trik_ai", "miaoya_camera", "volume.png",
                                           "hawkes.png", "frames.png", "its.png", "methods.md", "summary.md"])
    assert (tmp_path / "report.png").stat().st_size > 20_000


def test_study_page_renders_and_prints_in_headless_chromium(finished_run, chromium, tmp_path):
    """The study page as a browser shows it: every section and figure rendered, every number still sourced,
    and a PDF printed from it."""
    from firestorm.study_page import unsourced_numbers

    chromium, tool = chromium
    workdir, _ = finished_run
    page = workdir / "results/study.html"
    dom = tool.render_report(page, tmp_path / "study.png", chromium, wait_ms=2_000)
    assert not tool.check_rendered_report(dom, [f'id="{name}"' for name in STUDY_SECTIONS] + ["volume.png"])
    assert not unsourced_numbers(dom)
    pdf = tool.print_pdf(page, tmp_path / "study.pdf", chromium)
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 100_000


# ------------------------------------------------------------------------------------------ reliability
RESULT_SUFFIXES = {".csv", ".parquet", ".json", ".md", ".graphml", ".svg", ".png", ".safetensors", ".onnx"}


def result_digests(workdir: Path) -> dict[str, str]:
    import hashlib

    return {str(path.relative_to(workdir)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted((workdir / "results").rglob("*"))
            if path.is_file() and path.suffix in RESULT_SUFFIXES and path.name != "report.html"}


def test_two_clean_runs_are_byte_identical(finished_run, repo, tmp_path):
    """Tables, figures, model weights and the ONNX export: every byte the same in a second clean run."""
    first, _ = finished_run
    second = make_workdir(repo, tmp_path / "again")
    assert snakemake(second).returncode == 0
    expected, got = result_digests(first), result_digests(second)
    assert len(expected) > 60
    assert {k for k in expected if expected[k] != got.get(k)} == set()


def test_a_run_killed_mid_stage_reruns_to_the_same_bytes(finished_run, repo, tmp_path):
    """SIGKILL to the whole snakemake process tree while jobs run, then the documented recovery
    (--unlock, then --rerun-incomplete): the outputs equal an uninterrupted run's, byte for byte."""
    import os
    import signal
    import time

    first, _ = finished_run
    workdir = make_workdir(repo, tmp_path / "killed")
    process = subprocess.Popen([sys.executable, "-m", "snakemake", "--cores", "2"], cwd=workdir,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 300
    while time.time() < deadline and not list((workdir / "results").glob("*/tokens.parquet")):
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert not (workdir / "results/comparison/summary.md").exists()     # it really was cut short
    assert snakemake(workdir, "--unlock").returncode == 0
    rerun = snakemake(workdir, "--rerun-incomplete")
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    expected, got = result_digests(first), result_digests(workdir)
    assert {k for k in expected if expected[k] != got.get(k)} == set()
