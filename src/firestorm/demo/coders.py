"""Simulated human coders for the demo: two people code the coding sample against the planted labels, each
erring at a planted rate, one with a planted bias (their errors go to one class), so that the human validation
path (agreement, adjudication, the model's accuracy, the correction of the response effect) runs on the demo and
its recovery can be tested."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from firestorm.metrics import CLASSES

# What is planted: each coder's error rate and where a biased coder's errors go (None: uniformly elsewhere).
DEMO_CODERS = {"coder_a": {"error_rate": 0.08, "bias": None},
               "coder_b": {"error_rate": 0.15, "bias": "neutral"}}
PLANTED_LABELS = "planted_labels.parquet"


def planted_labels(items: pd.DataFrame) -> pd.DataFrame:
    """post_id (as ingest names it: platform:item id) and the planted code of every demo item: its planted
    sentiment, or off_topic for the off-topic chatter."""
    return pd.DataFrame({"post_id": items["platform"] + ":" + items["item_id"].astype(str),
                         "code": np.where(items["off_topic"], "off_topic", items["sentiment"])})


def simulate_codes(truth: np.ndarray, error_rate: float, bias: str | None, rng: np.random.Generator) -> np.ndarray:
    """Codes of one simulated coder: the truth, except a share ``error_rate`` of items coded as another
    sentiment class (``bias`` when it differs from the truth, else one of the others at random)."""
    codes = np.asarray(truth, dtype=object).copy()
    wrong = rng.random(len(codes)) < error_rate
    for index in np.flatnonzero(wrong):
        others = [c for c in CLASSES if c != codes[index]]
        codes[index] = bias if bias in others else rng.choice(others)
    return codes


def write_demo_codings(sample: pd.DataFrame, planted: pd.DataFrame, out_dir: str | Path, seed: int,
                       coders: dict = DEMO_CODERS) -> dict[str, Path]:
    """One CSV per simulated coder (sample_id, code) for the items of ``sample``, and ``coders.yaml`` with
    what was planted. Returns coder -> file."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    truth = sample[["sample_id", "post_id"]].merge(planted, on="post_id", how="left")
    if truth["code"].isna().any():
        missing = truth.loc[truth["code"].isna(), "post_id"].head(3).tolist()
        raise ValueError(f"sample items without a planted label, e.g. {missing}: not a demo case?")
    rng = np.random.default_rng(seed)
    files = {}
    for name, planted_coder in coders.items():
        codes = simulate_codes(truth["code"].to_numpy(), planted_coder["error_rate"], planted_coder["bias"], rng)
        files[name] = out_dir / f"{name}.csv"
        pd.DataFrame({"sample_id": truth["sample_id"], "code": codes}).to_csv(files[name], index=False)
    (out_dir / "coders.yaml").write_text(yaml.safe_dump({"planted_coders": coders, "seed": seed}),
                                         encoding="utf-8")
    return files
