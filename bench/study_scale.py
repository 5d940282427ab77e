"""Benchmark: the whole study on demo corpora of 250k, 500k and 1M posts — wall time per stage, posts/s, peak RSS.

Each size is a fresh working directory (the repo's Snakefile, workflow and config) whose config sets
``demo.scale`` so the two demo cases hold about that many posts. The demo corpus is generated first and timed
apart (it is test data, not part of a study); then ``snakemake --cores N`` runs every stage and is timed as a
whole. Per-stage times and peak RSS come from Snakemake's own ``benchmark:`` files (one per job); the run's
peak memory is the largest resident set of the whole process tree (snakemake and all its jobs together),
sampled every 0.2 s. The sentiment model is trained once and shared by all sizes: training does not depend on
the corpus (it is timed once and reported apart). The demo texts are in benchmark mode by default (``--texts
varied``: real Weibo clauses in every text, so texts repeat as rarely as real posts; the duplicate-text rate
and median length of each corpus are printed); ``--texts templates`` measures the repetitive template demo.

Baseline for "cost grows linearly": the smallest size measured in the same run; the ratios are time(2n)/time(n).

    .venv/bin/python bench/study_scale.py --posts 250000 500000 1000000

Writes results/bench/study_scale.json and prints a table.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import psutil
import pyarrow.parquet as pq
import yaml

REPO = Path(__file__).resolve().parents[1]
CASES = ("xhs_trik_ai", "miaoya_camera")
POSTS_PER_SCALE_UNIT = 28_778   # in-scope posts of both demo cases at scale 1 (13,241 + 15,537; truth.yaml)
MODEL = "results/models/sentiment"
TRANSFER = REPO / "data/sentiment/transfer/weibo_unlabelled.parquet"   # real clauses for varied demo texts


def make_workdir(target: Path, edit) -> Path:
    """A study directory like a researcher's checkout: Snakefile, workflow, config, lexicons, teacher labels."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name in ("Snakefile", "environment.yml"):
        shutil.copy(REPO / name, target)
    for name in ("workflow", "config", "data/lexicon", "data/sentiment"):
        shutil.copytree(REPO / name, target / name)
    config = yaml.safe_load((target / "config/config.yaml").read_text(encoding="utf-8"))
    config["pseudonymisation"]["key_file"] = ".firestorm/bench.key"
    edit(config)
    (target / "config/config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    (target / ".firestorm").mkdir()
    (target / ".firestorm/bench.key").write_text("bench-key-not-for-real-data-0123456789\n", encoding="utf-8")
    return target


class TreeMemory:
    """Peak summed RSS of a process and all its descendants, sampled in a background thread."""

    def __init__(self, pid: int, interval: float = 0.2):
        self.root, self.interval, self.peak_bytes = psutil.Process(pid), interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self):
        while not self._stop.is_set():
            try:
                processes = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            total = 0
            for process in processes:
                try:
                    total += process.memory_info().rss
                except psutil.NoSuchProcess:
                    pass
            self.peak_bytes = max(self.peak_bytes, total)
            self._stop.wait(self.interval)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_bytes / 2**20


def snakemake(workdir: Path, cores: int, *targets: str) -> dict:
    """Run snakemake in ``workdir``; wall seconds and peak tree RSS (MiB). Raises with the log tail on failure."""
    command = [sys.executable, "-m", "snakemake", "--cores", str(cores), *(targets or ("all",))]
    start = time.perf_counter()
    with open(workdir / "bench_snakemake.log", "a", encoding="utf-8") as log:
        process = subprocess.Popen(command, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
        memory = TreeMemory(process.pid)
        code = process.wait()
    seconds, peak = time.perf_counter() - start, memory.stop()
    if code != 0:
        tail = (workdir / "bench_snakemake.log").read_text(encoding="utf-8")[-4000:]
        raise SystemExit(f"snakemake failed in {workdir} (exit {code}):\n{tail}")
    return {"wall_s": round(seconds, 1), "peak_tree_rss_mib": round(peak)}


def stage_table(workdir: Path) -> dict:
    """Per stage (rule): jobs, summed job seconds, longest job, largest job peak RSS — from benchmarks/."""
    stages: dict[str, dict] = {}
    for path in sorted((workdir / "benchmarks").rglob("*.tsv")):
        with open(path, encoding="utf-8") as handle:
            row = next(csv.DictReader(handle, delimiter="\t"))
        stage = stage_of(path.relative_to(workdir / "benchmarks"))
        entry = stages.setdefault(stage, {"jobs": 0, "job_s": 0.0, "longest_job_s": 0.0, "max_job_rss_mib": 0.0})
        seconds = float(row["s"])
        rss = float(row["max_rss"]) if row["max_rss"] not in ("", "NA", "-") else 0.0
        entry["jobs"] += 1
        entry["job_s"] = round(entry["job_s"] + seconds, 1)
        entry["longest_job_s"] = round(max(entry["longest_job_s"], seconds), 1)
        entry["max_job_rss_mib"] = round(max(entry["max_job_rss_mib"], rss))
    return stages


def stage_of(relative: Path) -> str:
    """benchmarks/<folder>/<name>.tsv -> the stage name the README uses."""
    folder, name = relative.parts[0], relative.stem
    if folder == "sentiment":
        if name == "train":
            return "train sentiment model"
        if name == "adapt":
            return "adapt sentiment model"
        return "merge sentiment" if name.endswith("_merge") else "score sentiment (shards)"
    if folder == "segment":
        return "merge tokens" if name.endswith("_merge") else "segment (shards)"
    if folder == "discourse":
        return "compare words" if name == "compare_words" else "discourse"
    return {"demo": "demo corpus", "ingest": "ingest", "spread": "spread", "response": "compare response",
            "report": "report text"}.get(folder, folder)


def count_posts(workdir: Path) -> int:
    return sum(pq.ParquetFile(workdir / "results" / case / "posts.parquet").metadata.num_rows for case in CASES)


def prepare_model(base: Path, cores: int, reuse: Path | None) -> tuple[Path, dict | None]:
    """The default sentiment model: reused when given (and present), else trained once here and timed."""
    if reuse is not None and (reuse / "config.json").exists():
        return reuse.resolve(), None
    workdir = make_workdir(base / "model", lambda config: None)
    timing = snakemake(workdir, cores, f"{MODEL}/config.json")
    return (workdir / MODEL).resolve(), timing


def corpus_statistics(workdir: Path, mode: str) -> dict:
    """Duplicate-text rate and median length of the analysed posts (every case)."""
    from firestorm.demo import text_statistics

    texts = pd.concat([pd.read_parquet(path, columns=["text"])["text"]
                       for path in sorted(workdir.glob("results/*/posts.parquet"))])
    return text_statistics(texts, mode)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, nargs="+", default=[250_000, 500_000, 1_000_000])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--base", type=Path, default=Path("/tmp/firestorm-study-scale"))
    parser.add_argument("--model", type=Path, default=REPO / MODEL,
                        help="a trained default model to reuse (trained here when absent)")
    parser.add_argument("--out", type=Path, default=REPO / "results/bench/study_scale.json")
    parser.add_argument("--texts", choices=["varied", "templates"], default="varied",
                        help="varied: real Weibo clauses in every demo text (as varied as real posts); templates: "
                             "the demo's own repetitive texts")
    args = parser.parse_args()

    model, training = prepare_model(args.base, args.cores, args.model)
    runs = []
    for target_posts in sorted(args.posts):
        scale = target_posts / POSTS_PER_SCALE_UNIT

        def edit(config, scale=scale):
            config["demo"]["scale"] = round(scale, 4)
            config["demo"]["varied_texts_from"] = str(TRANSFER) if args.texts == "varied" else ""
            config["sentiment"]["model"] = str(model)

        workdir = make_workdir(args.base / f"posts_{target_posts}", edit)
        generation = snakemake(workdir, args.cores, *(f"data/demo/{case}" for case in CASES))
        study = snakemake(workdir, args.cores)
        posts = count_posts(workdir)
        texts = corpus_statistics(workdir, args.texts)
        stages = {name: entry for name, entry in stage_table(workdir).items() if name != "demo corpus"}
        run = {"target_posts": target_posts, "scale": round(scale, 4), "posts": posts,
               "corpus": texts, "demo_generation": generation, "study": study,
               "posts_per_s": round(posts / study["wall_s"]), "stages": stages,
               "max_job_rss_mib": max(entry["max_job_rss_mib"] for entry in stages.values())}
        runs.append(run)
        print(f"{posts:>9,} posts ({args.texts} texts: {texts['duplicate_text_rate']:.1%} repeat an earlier one, "
              f"median {texts['median_characters']:.0f} characters): study {study['wall_s']:.0f} s "
              f"({run['posts_per_s']:,} posts/s), "
              f"peak tree RSS {study['peak_tree_rss_mib']:,} MiB, largest job {run['max_job_rss_mib']:,} MiB",
              flush=True)
        shutil.rmtree(workdir / "data/demo")   # the generated exports are the bulk of the disk use

    growth = [{"from_posts": small["posts"], "to_posts": large["posts"],
               "posts_ratio": round(large["posts"] / small["posts"], 2),
               "time_ratio": round(large["study"]["wall_s"] / small["study"]["wall_s"], 2)}
              for small, large in zip(runs, runs[1:])]
    memory_gib = round(psutil.virtual_memory().total / 2**30)
    result = {"cores": args.cores, "cpu": psutil.cpu_count(), "memory_gib": memory_gib,
              "model": str(model), "model_training": training, "runs": runs, "growth": growth,
              "targets": {"wall_s_at_1M": 600, "peak_rss_mib": 4096, "time_ratio_for_double_posts": 2.2}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")

    print("\nstage (summed job seconds)".ljust(34) + "".join(f"{run['posts']:>12,}" for run in runs))
    for stage in runs[-1]["stages"]:
        print(f"  {stage:<32}" + "".join(f"{run['stages'].get(stage, {}).get('job_s', 0):>12.1f}" for run in runs))
    for step in growth:
        print(f"{step['from_posts']:,} -> {step['to_posts']:,} posts (x{step['posts_ratio']}): "
              f"time x{step['time_ratio']}")
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
