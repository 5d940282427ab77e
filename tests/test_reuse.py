"""Reuse: a third controversy added by YAML alone runs through the real Snakefile, no code changes.

The new case differs from the shipped ones in keywords, timeline, phases, frames and export formats: its
Xiaohongshu notes arrive as a `generic` CSV from "another crawler" (own column names, local-time strings),
its Weibo posts as MediaCrawler CSV, and only Weibo is listed (so one platform only). The exports are made
once by the demo generator and then reshaped by this test — the pipeline sees only files and YAML.
"""

import json
import shutil

import pandas as pd
import pytest
import yaml

from conftest import make_workdir, snakemake
from firestorm.config import load_case
from firestorm.demo import generate_case

pytestmark = pytest.mark.slow

CASE = {
    "name": "wps_ai_privacy",
    "title": "WPS AI 隐私政策争议（演示）",
    "company": "金山办公 Kingsoft Office",
    "timezone": "Asia/Shanghai",
    "window": {"start": "2023-11-14T00:00:00+08:00", "end": "2023-11-28T00:00:00+08:00"},
    "relevance": {"keywords": ["WPS", "金山", "隐私政策", "AI训练", "文档"], "hashtags": ["WPS隐私政策"]},
    "official_accounts": [{"platform": "weibo", "user_id": "1990000001", "nickname": "WPS官方微博"}],
    "discourse": {"phase_events": ["trigger", "official_response"],
                  "frames": {"privacy": ["隐私", "个人信息"]}},
    "timeline": [
        {"time": "2023-11-17T20:00:00+08:00", "kind": "trigger", "description": "users find the AI clause",
         "source": "demo"},
        {"time": "2023-11-18T15:00:00+08:00", "kind": "official_response", "description": "apology",
         "source": "demo"},
    ],
    "official_response": {"responded": True, "time": "2023-11-18T15:00:00+08:00"},
    "demo": {
        "seed": 11, "brand": "WPS", "product": "WPS AI", "items": 3000,
        "platform_share": {"weibo": 0.5, "xiaohongshu": 0.5}, "background_per_hour": 0.3,
        "onset": "2023-11-17T22:00:00+08:00", "rise_hours": 4, "decay_half_life_hours": 20,
        "branching_ratio": 0.4, "kernel_mean_hours": 1.0, "response_volume_factor": 0.5,
        "negative_share": {"before": 0.2, "after": 0.7, "after_response": 0.4},
        "positive_share": {"before": 0.4, "after": 0.1, "after_response": 0.2},
        "frame_mix": [
            {"phase_start": "window", "frames": {"none": 0.8, "ai_training": 0.2}},
            {"phase_start": "trigger", "frames": {"none": 0.2, "user_agreement": 0.5, "ai_training": 0.3}},
            {"phase_start": "official_response", "frames": {"none": 0.2, "response": 0.4, "user_agreement": 0.4}},
        ],
    },
}


@pytest.fixture(scope="module")
def reused(repo, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("reuse")

    def only_the_new_case(config):
        config["cases"] = ["wps_ai_privacy"]
        config["demo"]["generate"] = False

    make_workdir(repo, workdir, only_the_new_case)
    # Raw exports, as a researcher would drop them under data/<case>/.
    raw = workdir / "scratch"
    draft = dict(CASE, inputs=[{"path": "unused", "format": "mediacrawler_weibo_posts"}])
    (raw / "case.yaml").parent.mkdir(parents=True)
    (raw / "case.yaml").write_text(yaml.safe_dump({**draft, "name": "case"}, allow_unicode=True))
    generate_case(load_case(raw / "case.yaml"), raw / "exports")
    data = workdir / "data" / "wps_ai_privacy"
    data.mkdir(parents=True)
    notes = pd.concat([pd.read_csv(p, dtype=str, encoding="utf-8-sig")
                       for p in (raw / "exports/xhs/csv").glob("*search_contents_*.csv")])
    other = pd.DataFrame({
        "笔记ID": notes["note_id"], "正文": notes["desc"].fillna("") , "标题": notes["title"],
        "发布时间": pd.to_datetime(notes["time"].astype("int64"), unit="ms", utc=True)
                    .dt.tz_convert("Asia/Shanghai").dt.strftime("%Y/%m/%d %H:%M:%S"),
        "作者": notes["user_id"], "点赞": notes["liked_count"],
    })
    other.to_csv(data / "other_crawler_notes.csv", index=False, encoding="utf-8")
    for path in (raw / "exports/weibo/csv").glob("*search_contents_*.csv"):
        shutil.copy(path, data / path.name)
    case = dict(CASE, inputs=[
        {"path": "data/wps_ai_privacy/other_crawler_notes.csv", "format": "generic", "platform": "xiaohongshu",
         "columns": {"post_id": "笔记ID", "text": "正文", "title": "标题", "created_at": "发布时间",
                     "author": "作者", "likes": "点赞"}},
        {"path": "data/wps_ai_privacy/*search_contents_*.csv", "format": "mediacrawler_weibo_posts"},
    ])
    del case["demo"]
    (workdir / "config/cases/wps_ai_privacy.yaml").write_text(yaml.safe_dump(case, allow_unicode=True),
                                                              encoding="utf-8")
    shutil.rmtree(raw)
    run = snakemake(workdir)
    assert run.returncode == 0, run.stderr[-6000:]
    return workdir


def test_a_new_case_runs_from_yaml_alone(reused):
    results = reused / "results" / "wps_ai_privacy"
    qc = json.loads((results / "ingest_qc.json").read_text())
    assert qc["reconciled"] and qc["totals"]["in_scope"] > 500
    formats = {entry["format"] for entry in qc["files"].values()}
    assert formats == {"generic", "mediacrawler_weibo_posts"}
    posts = pd.read_parquet(results / "posts.parquet")
    assert set(posts["platform"]) == {"weibo", "xiaohongshu"}
    spread = json.loads((results / "spread.json").read_text())
    assert pd.Timestamp(spread["onset"]["time"]) - pd.Timestamp("2023-11-17T14:00:00Z") <= pd.Timedelta(hours=2)


def test_the_new_case_has_its_own_phases_frames_and_response(reused):
    results = reused / "results"
    phases = pd.read_csv(results / "wps_ai_privacy/discourse/frames_by_phase.csv")
    assert set(phases["phase"]) == {"before_trigger", "trigger", "official_response"}
    assert "privacy" in set(phases["frame"])                      # the case's own frame
    timing = pd.read_csv(results / "comparison/response_timing.csv").set_index("case")
    assert timing.loc["wps_ai_privacy", "responded"] and timing.loc["wps_ai_privacy", "onset_to_response_h"] > 0
    for figure in ("volume", "hawkes", "frames", "distinctive_words", "network"):
        assert (results / "wps_ai_privacy/figures" / f"{figure}.png").stat().st_size > 10_000
    assert "wps_ai_privacy" in (results / "summary.md").read_text(encoding="utf-8") or \
        "WPS" in (results / "summary.md").read_text(encoding="utf-8")
