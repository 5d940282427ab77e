"""Synthetic demo corpus with planted ground truth, written in the crawlers' real export formats.

No real posts can be downloaded here, so the demo study runs on exports generated from a case's ``demo:``
section. Arrivals per platform follow a self-exciting (Hawkes) process with an exponential kernel
(:mod:`~firestorm.demo.simulate`); texts are composed from phrase banks per frame and sentiment with platform
noise (:mod:`~firestorm.demo.texts`); :mod:`~firestorm.demo.corpus` dresses the arrivals as posts, reposts and
comments; :mod:`~firestorm.demo.writers` lays the files out as MediaCrawler and dataabc/weibo-crawler write
them; ``truth.yaml`` beside the exports records what was planted (:mod:`~firestorm.demo.truth`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from firestorm.config import Case
from firestorm.demo.coders import DEMO_CODERS, PLANTED_LABELS, planted_labels, write_demo_codings
from firestorm.demo.corpus import generate_items
from firestorm.demo.diffusion import planted_cascades
from firestorm.demo.simulate import expected_intensity, simulate_hawkes
from firestorm.demo.texts import load_phrases
from firestorm.demo.truth import build_truth, write_truth
from firestorm.demo.writers import mid_to_bid, write_exports, xhs_count

PLANTED_CASCADES = "planted_cascades.parquet"


def text_statistics(texts, mode: str) -> dict:
    """How varied a corpus' texts are: the share that repeat an earlier text, and the median length."""
    texts = [str(t) for t in texts]
    return {"mode": mode, "items": len(texts),
            "duplicate_text_rate": round(1 - len(set(texts)) / len(texts), 4) if texts else None,
            "median_characters": float(np.median([len(t) for t in texts])) if texts else None}

__all__ = ["DEMO_CODERS", "PLANTED_LABELS", "planted_labels", "write_demo_codings",
           "build_truth", "expected_intensity", "generate_case", "generate_items", "load_phrases", "mid_to_bid",
           "simulate_hawkes", "write_exports", "write_truth", "xhs_count"]


def generate_case(case: Case, out_dir: str | Path, scale: float = 1.0, varied_texts_from: str | Path | None = None
                  ) -> dict:
    """Write the demo exports of ``case`` under ``out_dir`` and ``truth.yaml`` beside them.

    Deterministic for the case's ``demo.seed`` and ``scale``. With ``varied_texts_from`` (the unlabelled Weibo
    transfer sample) every text gets real clauses in front of it (:func:`~firestorm.demo.texts.vary_texts`):
    the benchmark mode, with texts as varied as real posts and the planted timing unchanged. Returns the
    truth document.
    """
    out_dir = Path(out_dir)
    items, users, planted = generate_items(case, scale)
    if varied_texts_from is not None:
        from firestorm.demo.texts import real_clauses, vary_texts

        # Its own generator: the planted arrivals, users and labels are those of the template demo.
        items["text"] = vary_texts(np.random.default_rng(case.demo["seed"] + 5), items["text"].tolist(),
                                   real_clauses(varied_texts_from))
    rng = np.random.default_rng(case.demo["seed"] + 1)
    manifest = write_exports(case, items, users, out_dir, rng)
    # Every item's planted code, for the simulated coders of the human validation (firestorm.demo.coders).
    planted_labels(items).to_parquet(out_dir / PLANTED_LABELS, index=False)
    # Every item's planted cascade root, for the diffusion stage's recovery (firestorm.demo.diffusion).
    planted_cascades(items).to_parquet(out_dir / PLANTED_CASCADES, index=False)
    on_topic = items[~items["off_topic"]]
    truth = build_truth(case, scale, items, on_topic, planted, manifest, out_dir, users)
    truth["texts"] = text_statistics(items["text"], "varied: real clauses in front" if varied_texts_from is not None
                                     else "templates")
    write_truth(truth, out_dir)
    return truth

