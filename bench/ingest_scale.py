"""Benchmark: ingest of large demo corpora — wall time, records/s and peak memory, at two sizes.

Baseline, measured in the same run on the same files: loading every export into one DataFrame with pandas
(``read_csv(dtype=str)`` / ``read_json``), i.e. parsing only, no normalisation, deduplication or filtering.
Each measurement runs in its own process so its peak RSS is its own. With two sizes (default 1M and 4M
records) it also prints how each grows (the larger over the smaller: linear is ×4 for 4M/1M).

    .venv/bin/python bench/ingest_scale.py --rows 1000000 4000000

Writes results/bench/ingest_scale.json and prints a table with ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
CASE = "xhs_trik_ai"
ROWS_PER_SCALE_UNIT = 19_000  # export records of the xhs_trik_ai demo at scale 1 (see its truth.yaml)

# Peak RSS from VmHWM: getrusage's ru_maxrss survives fork+exec and would report the parent's peak.
MEASURE = r"""
import json, re, sys, time
start = time.perf_counter()
{body}
peak_kb = int(re.search(r"VmHWM:\s+(\d+)", open("/proc/self/status").read()).group(1))
print(json.dumps({{"seconds": time.perf_counter() - start, "peak_rss_mb": peak_kb / 1024, **result}}))
"""

PANDAS_BASELINE = r"""
import glob, pandas as pd
frames = []
for path in sorted(glob.glob({folder!r} + "/**/*.*", recursive=True)):
    if path.endswith(".csv"):
        frames.append(pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False))
    elif path.endswith(".json"):
        frames.append(pd.read_json(path, dtype=False))
table = pd.concat(frames, ignore_index=True)
result = {{"records": len(table)}}
"""

FIRESTORM_INGEST = r"""
from firestorm.config import load_case
from firestorm.ingest import ingest_case_to_files
qc = ingest_case_to_files(load_case({case_file!r}), b"benchmark-key-0123456789abcdef", {posts!r}, {rejects!r})
result = {{"records": qc["totals"]["rows_in"], "in_scope": qc["totals"]["in_scope"]}}
"""


def run_measured(body: str) -> dict:
    completed = subprocess.run([sys.executable, "-c", MEASURE.format(body=body)], capture_output=True, text=True,
                               check=False)
    if completed.returncode != 0:
        raise SystemExit(completed.stderr)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def corpus(rows: int, workdir: Path) -> tuple[Path, Path, int]:
    """(case file, exports folder, export records) of a demo corpus of about ``rows`` records, made once."""
    from firestorm.config import load_case
    from firestorm.demo import generate_case

    scale = rows / ROWS_PER_SCALE_UNIT
    folder = workdir / "exports"
    document = yaml.safe_load((REPO / "config/cases" / f"{CASE}.yaml").read_text(encoding="utf-8"))
    for entry in document["inputs"]:
        entry["path"] = entry["path"].replace(f"data/demo/{CASE}", str(folder))
    workdir.mkdir(parents=True, exist_ok=True)
    case_file = workdir / f"{CASE}.yaml"
    case_file.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    truth_file = folder / "truth.yaml"
    truth = yaml.safe_load(truth_file.read_text(encoding="utf-8")) if truth_file.exists() else None
    if truth is None or truth["scale"] != scale:
        started = time.perf_counter()
        truth = generate_case(load_case(case_file), folder, scale=scale)
        print(f"generated the corpus at scale {scale:.1f} in {time.perf_counter() - started:.0f} s", flush=True)
    return case_file, folder, sum(e["rows"] for e in truth["exports"])


def measure(rows: int, workdir: Path) -> dict:
    case_file, folder, records = corpus(rows, workdir)
    print(f"{records:,} export records in {folder}", flush=True)
    baseline = run_measured(PANDAS_BASELINE.format(folder=str(folder)))
    ingest = run_measured(FIRESTORM_INGEST.format(case_file=str(case_file), posts=str(workdir / "posts.parquet"),
                                                  rejects=str(workdir / "rejects.parquet")))
    for row in (baseline, ingest):
        row["records_per_s"] = records / row["seconds"]
    return {
        "records": records, "baseline_pandas_load": baseline, "firestorm_ingest": ingest,
        "time_ratio_ingest_to_baseline": ingest["seconds"] / baseline["seconds"],
        "rss_ratio_ingest_to_baseline": ingest["peak_rss_mb"] / baseline["peak_rss_mb"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 4_000_000],
                        help="approximate export records to ingest, one corpus per size")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/firestorm-bench"))
    args = parser.parse_args()

    sizes = sorted(args.rows)
    runs = [measure(rows, args.workdir / f"rows-{rows}") for rows in sizes]
    report = {"sizes": runs, "cores": os.cpu_count()}
    if len(runs) > 1:
        small, large = runs[0], runs[-1]
        report["growth"] = {
            "records": large["records"] / small["records"],
            "firestorm_ingest_time": large["firestorm_ingest"]["seconds"] / small["firestorm_ingest"]["seconds"],
            "pandas_load_time": large["baseline_pandas_load"]["seconds"] / small["baseline_pandas_load"]["seconds"],
        }
    out = REPO / "results" / "bench" / "ingest_scale.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"{'records':>10} {'':24}{'seconds':>10}{'records/s':>12}{'peak RSS MB':>13}   ingest / pandas")
    for run in runs:
        for name, row in (("pandas load (baseline)", run["baseline_pandas_load"]),
                          ("firestorm ingest", run["firestorm_ingest"])):
            ratio = (f"time x{run['time_ratio_ingest_to_baseline']:.2f}, RSS x{run['rss_ratio_ingest_to_baseline']:.2f}"
                     if name == "firestorm ingest" else "")
            print(f"{run['records']:>10,} {name:24}{row['seconds']:>10.1f}{row['records_per_s']:>12,.0f}"
                  f"{row['peak_rss_mb']:>13,.0f}   {ratio}")
    if "growth" in report:
        growth = report["growth"]
        print(f"largest / smallest: records x{growth['records']:.2f}, firestorm ingest time "
              f"x{growth['firestorm_ingest_time']:.2f}, pandas load time x{growth['pandas_load_time']:.2f}")
    print(f"-> {out}")


if __name__ == "__main__":
    main()
