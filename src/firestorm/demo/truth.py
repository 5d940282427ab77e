"""The demo's ``truth.yaml``: what was planted (process parameters, frame mix, sentiment shares) and what the
random draws realised, beside the export files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

from firestorm.demo.simulate import MINUTES_PER_HOUR, DemoParams


def write_truth(truth: dict, out_dir: Path) -> Path:
    """Write ``truth`` as ``out_dir/truth.yaml`` (keys in document order, Chinese unescaped); returns the path."""
    path = out_dir / "truth.yaml"
    path.write_text(yaml.safe_dump(truth, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def build_truth(case, scale, items, on_topic, planted, manifest, out_dir, users=None) -> dict:
    from firestorm.demo.corpus import PROVINCES
    from firestorm.demo.diffusion import location_truth, planted_spreaders

    params: DemoParams = planted["params"]
    boundaries = planted["boundaries"]
    phase_of = np.searchsorted([t.value for _, t in boundaries], items["created_at"].astype("int64"), side="right") - 1
    frame_truth = {}
    for index, (name, start) in enumerate(boundaries):
        members = on_topic[phase_of[on_topic.index] == index]
        planted_mix = next(p["frames"] for p in case.demo["frame_mix"] if p["phase_start"] == name)
        realised = members["frame"].value_counts(normalize=True)
        frame_truth[name] = {
            "start": start.isoformat(),
            "items": int(len(members)),
            "planted": {k: float(v) for k, v in planted_mix.items()},
            "realised": {k: round(float(realised.get(k, 0.0)), 4) for k in planted_mix},
        }
    return {
        "case": case.name,
        "seed": case.demo["seed"],
        "scale": scale,
        "timezone": case.timezone,
        "onset": planted["onset"].isoformat(),
        "peak": planted["peak"].isoformat(),
        "peak_expected_items_per_hour": round(planted["peak_expected_items_per_hour"], 2),
        "decay_half_life_hours": params.half_life_hours,
        "branching_ratio": params.branching_ratio,
        "kernel_mean_hours": params.kernel_mean_minutes / MINUTES_PER_HOUR,
        "responded": case.responded,
        "response_time": case.response_time.isoformat() if case.response_time is not None else None,
        "onset_to_response_hours": (
            round((case.response_time - planted["onset"]).total_seconds() / 3600, 3)
            if case.response_time is not None else None
        ),
        "response_strategy": case.demo.get("response_strategy", "rebuild") if case.responded else None,
        "negative_share": dict(case.demo["negative_share"]),
        "positive_share": dict(case.demo["positive_share"]),
        "items": {
            "total": int(len(items)),
            "on_topic": int(len(on_topic)),
            "off_topic": int(items["off_topic"].sum()),
            "by_platform_kind": {
                f"{p}/{k}": int(n) for (p, k), n in items.groupby(["platform", "kind"]).size().items()
            },
            "realised_sentiment": {
                k: round(float(v), 4) for k, v in on_topic["sentiment"].value_counts(normalize=True).items()
            },
        },
        "frames_by_phase": frame_truth,
        # For the diffusion stage: planted_cascades.parquet holds every item's cascade root.
        "diffusion": {
            "coordinated_group": planted.get("coordinated"),
            "heaviest_spreaders": planted_spreaders(items, users) if users is not None else None,
            "locations": location_truth(items, PROVINCES, case.first_event_time("trigger")),
        },
        "exports": [
            {"path": str(Path(m["path"]).relative_to(out_dir)), "format": m["format"], "rows": m["rows"]}
            for m in manifest
        ],
    }

