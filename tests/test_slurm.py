"""The SLURM profile on a real SLURM: a single-node slurmctld + slurmd on this machine
(tests/slurm/local_cluster.sh, Debian's slurm-wlm and munge) runs the tiny demo study, one sbatch job per
Snakemake job, through snakemake-executor-plugin-slurm and workflow/profiles/slurm."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import make_workdir

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def local_slurm(repo):
    if shutil.which("sbatch") is None and os.geteuid() != 0:
        pytest.skip("no SLURM here and not root: tests/slurm/local_cluster.sh needs root to install and start it")
    started = subprocess.run(["bash", str(repo / "tests/slurm/local_cluster.sh"), "start"], capture_output=True,
                             text=True, timeout=900)
    assert started.returncode == 0, started.stdout + started.stderr
    return started.stdout


def node_profile(repo: Path, target: Path) -> Path:
    """The shipped profile with thread counts capped at this node's CPUs (SLURM never starts a job that asks
    for more CPUs than any node has) — the one edit a researcher makes for a small cluster."""
    profile = yaml.safe_load((repo / "workflow/profiles/slurm/config.yaml").read_text(encoding="utf-8"))
    cpus = os.cpu_count() or 1
    profile["set-threads"] = {rule: min(threads, cpus) for rule, threads in profile["set-threads"].items()}
    # Check job states often: the tiny study's jobs take seconds, not the minutes a cluster expects.
    profile.update({"slurm-init-seconds-before-status-checks": 2, "seconds-between-status-checks": 3,
                    "slurm-keep-successful-logs": True})   # the jobs' SLURM logs are the evidence
    target.mkdir(parents=True)
    (target / "config.yaml").write_text(yaml.safe_dump(profile), encoding="utf-8")
    return target


def test_the_study_runs_as_slurm_jobs(local_slurm, repo, tmp_path):
    workdir = make_workdir(repo, tmp_path / "study")
    profile = node_profile(repo, tmp_path / "profile")
    run = subprocess.run([sys.executable, "-m", "snakemake", "--profile", str(profile)], cwd=workdir,
                         capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-6000:]
    submitted = run.stdout.count("has been submitted with SLURM jobid") + run.stderr.count(
        "has been submitted with SLURM jobid")
    slurm_logs = sorted((workdir / ".snakemake/slurm_logs").rglob("*.log"))
    rules = {path.relative_to(workdir / ".snakemake/slurm_logs").parts[0] for path in slurm_logs}
    # Every stage ran as its own SLURM job (the aggregate target `all` runs locally).
    for rule in ("demo_exports", "ingest", "segment_shard", "train_sentiment_model", "score_sentiment_shard",
                 "spread", "discourse", "compare_response", "report_text"):
        assert f"rule_{rule}" in rules, (rule, sorted(rules))
    assert submitted == len(slurm_logs) >= 20
    for case in ("xhs_trik_ai", "miaoya_camera"):
        sentiment = pd.read_parquet(workdir / "results" / case / "sentiment.parquet")
        assert len(sentiment) == len(pd.read_parquet(workdir / "results" / case / "posts.parquet")) > 100
    assert (workdir / "results/comparison/response_effects.csv").stat().st_size > 0
