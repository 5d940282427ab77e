"""Benchmark: ingest of a large demo corpus — wall time, records/s and peak memory.

Baseline, measured in the same run on the same files: loading every export into one DataFrame with pandas
(``read_csv(dtype=str)`` / ``read_json``), i.e. parsing only, no normalisation, deduplication or filtering.
Each measurement runs in its own process so its peak RSS is its own.

    .venv/bin/python bench/ingest_scale.py --rows 1000000

Writes results/bench/ingest_scale.json and prints a table with ratios.
"""

from __future__ import annotations

import argparse
import json
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000, help="approximate export records to ingest")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/firestorm-bench"))
    args = parser.parse_args()

    from firestorm.config import load_case
    from firestorm.demo import generate_case

    scale = args.rows / ROWS_PER_SCALE_UNIT
    folder = args.workdir / "exports"
    document = yaml.safe_load((REPO / "config/cases" / f"{CASE}.yaml").read_text(encoding="utf-8"))
    for entry in document["inputs"]:
        entry["path"] = entry["path"].replace(f"data/demo/{CASE}", str(folder))
    args.workdir.mkdir(parents=True, exist_ok=True)
    case_file = args.workdir / f"{CASE}.yaml"
    case_file.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    truth_file = folder / "truth.yaml"
    truth = yaml.safe_load(truth_file.read_text(encoding="utf-8")) if truth_file.exists() else None
    if truth is None or truth["scale"] != scale:
        started = time.perf_counter()
        truth = generate_case(load_case(case_file), folder, scale=scale)
        print(f"generated the corpus at scale {scale:.1f} in {time.perf_counter() - started:.0f} s", flush=True)
    records = sum(e["rows"] for e in truth["exports"])
    print(f"{records:,} export records in {folder}", flush=True)

    baseline = run_measured(PANDAS_BASELINE.format(folder=str(folder)))
    ingest = run_measured(FIRESTORM_INGEST.format(case_file=str(case_file), posts=str(args.workdir / "posts.parquet"),
                                                  rejects=str(args.workdir / "rejects.parquet")))
    report = {
        "records": records,
        "baseline_pandas_load": baseline,
        "firestorm_ingest": ingest,
        "ingest_records_per_s": records / ingest["seconds"],
        "time_ratio_ingest_to_baseline": ingest["seconds"] / baseline["seconds"],
        "rss_ratio_ingest_to_baseline": ingest["peak_rss_mb"] / baseline["peak_rss_mb"],
    }
    out = REPO / "results" / "bench" / "ingest_scale.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"{'':28}{'seconds':>10}{'peak RSS MB':>14}{'records/s':>12}")
    for name, row in (("pandas load (baseline)", baseline), ("firestorm ingest", ingest)):
        print(f"{name:28}{row['seconds']:>10.1f}{row['peak_rss_mb']:>14.0f}{records / row['seconds']:>12,.0f}")
    print(f"ingest / baseline: time x{report['time_ratio_ingest_to_baseline']:.2f}, "
          f"peak RSS x{report['rss_ratio_ingest_to_baseline']:.2f}  -> {out}")


if __name__ == "__main__":
    main()
