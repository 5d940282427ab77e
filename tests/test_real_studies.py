"""End to end on real-shaped exports: the whole Snakefile completes and states its limitations, or stops with
one clear message. The exports (tests/real_shaped.py) copy the layouts of real public crawler output that
broke the study before (issue 16): weibo-search without emoticons, Spider_XHS only, weibo-crawler dates without
times, a responding case with few posts around the response read from a weibo-search fork with comment columns.
"""

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import make_workdir, readable_text, snakemake
from real_shaped import (NAMES, burst_times, spider_xhs_xlsx, weibo_crawler_2019_csv, weibo_search_csv,
                         weibo_search_with_comments_csv)

pytestmark = pytest.mark.slow

WINDOW = {"start": "2023-07-26T00:00:00+08:00", "end": "2023-08-09T00:00:00+08:00"}
TRIGGER = "2023-07-30T20:00:00+08:00"
RESPONSE = "2023-08-01T10:00:00+08:00"
OFFICIAL = {"platform": "weibo", "user_id": "1990000009", "nickname": "某相机官方"}


def case_document(name: str, inputs: list[dict], responded: bool = False) -> dict:
    timeline = [{"time": TRIGGER, "kind": "trigger", "description": "artists find their works in training data",
                 "source": "test"}]
    document = {
        "name": name, "title": f"{name}（真实格式）", "company": "某公司", "timezone": "Asia/Shanghai", "window": WINDOW,
        "relevance": {"keywords": ["小红书", "AI", "训练", "用户协议", "画师", "道歉"]}, "inputs": inputs,
        "timeline": timeline, "official_response": {"responded": False},
    }
    if responded:
        timeline.append({"time": RESPONSE, "kind": "official_response", "description": "apology",
                         "source": "test"})
        document["official_response"] = {"responded": True, "time": RESPONSE}
        document["official_accounts"] = [OFFICIAL]
    return document


@pytest.fixture(scope="module")
def real_study(repo, tmp_path_factory):
    cases = ["weibo_search_only", "spider_xhs_only", "day_precision", "sparse_response"]

    def only_real_cases(config):
        config["cases"] = cases
        config["demo"]["generate"] = False
        config["sentiment"]["adapt"]["enabled"] = True   # off by default; its no-emoticon path is checked here

    workdir = make_workdir(repo, tmp_path_factory.mktemp("real"), only_real_cases)
    data = workdir / "data"
    start, end = pd.Timestamp(WINDOW["start"]), pd.Timestamp(WINDOW["end"])
    rng = np.random.default_rng(5)
    for folder in ("ws", "sx", "wc", "fork"):
        (data / folder).mkdir(parents=True)
    exports = {
        "weibo_search_only": [weibo_search_csv(data / "ws/小红书AI.csv", burst_times(rng, 600, start, TRIGGER, end))],
        "spider_xhs_only": [spider_xhs_xlsx(data / "sx/小红书AI训练.xlsx", burst_times(rng, 400, start, TRIGGER, end))],
        "day_precision": weibo_crawler_2019_csv(data / "wc", burst_times(rng, 400, start, TRIGGER, end)),
        # 24 posts in two weeks: a handful around the response.
        "sparse_response": [weibo_search_with_comments_csv(data / "fork/用户协议.csv",
                                                           burst_times(rng, 24, start, TRIGGER, end, 8.0), OFFICIAL,
                                                           RESPONSE)],
    }
    inputs = {
        "weibo_search_only": [{"path": "data/ws/*.csv"}],      # format left out: detected
        "spider_xhs_only": [{"path": "data/sx/*.xlsx", "timezone": "Asia/Shanghai"}],
        "day_precision": [{"path": "data/wc/*/*.csv", "format": "weibo_crawler_posts"}],
        "sparse_response": [{"path": "data/fork/*.csv", "format": "weibo_search_posts",
                             "comments": {"text": "评论内容", "created_at": "评论时间", "author": "评论人ID",
                                          "author_name": "评论人昵称", "likes": "点赞次数"}}],
    }
    for name in cases:
        assert exports[name]
        document = case_document(name, inputs[name], responded=name == "sparse_response")
        (workdir / f"config/cases/{name}.yaml").write_text(yaml.safe_dump(document, allow_unicode=True),
                                                           encoding="utf-8")
    run = snakemake(workdir)
    assert run.returncode == 0, run.stderr[-6000:]
    return workdir


def read(workdir, path):
    return (workdir / path).read_text(encoding="utf-8")


def test_every_real_shaped_case_completes_with_reconciled_ingest(real_study):
    for case in ("weibo_search_only", "spider_xhs_only", "day_precision", "sparse_response"):
        qc = json.loads(read(real_study, f"results/{case}/ingest_qc.json"))
        assert qc["reconciled"] and qc["totals"]["in_scope"] > 20, case
        assert (real_study / f"results/{case}/figures/volume.png").stat().st_size > 10_000
    detected = json.loads(read(real_study, "results/weibo_search_only/ingest_qc.json"))
    assert {f["format"] for f in detected["files"].values()} == {"weibo_search_posts"}
    fork = json.loads(read(real_study, "results/sparse_response/ingest_qc.json"))
    rows = len(pd.read_csv(real_study / "data/fork/用户协议.csv"))
    assert sum(f.get("embedded_comments", 0) for f in fork["files"].values()) == rows    # every row has one
    posts = pd.read_parquet(real_study / "results/sparse_response/posts.parquet")
    assert (posts["kind"] == "comment").sum() > 0 and posts["is_official"].sum() == 1


def test_the_report_text_names_the_detected_formats(real_study):
    methods = read(real_study, "results/methods.md")
    assert "`weibo_search_posts`" in methods and "`spider_xhs_notes`" in methods


def test_day_precision_is_stated_not_analysed_by_the_hour(real_study):
    qc = json.loads(read(real_study, "results/day_precision/ingest_qc.json"))
    assert qc["totals"]["time_precision"]["day"] == qc["totals"]["in_scope"]
    spread = json.loads(read(real_study, "results/day_precision/spread.json"))
    assert spread["onset"]["time"] is None
    summary = read(real_study, "results/summary.md")
    section = summary.split("day_precision")[1].split("\n## ")[0]
    assert "date" in section.lower() and "not identified" in section.lower()


def test_a_sparse_response_window_is_not_estimable_not_a_crash_or_a_number(real_study):
    effects = pd.read_csv(real_study / "results/comparison/response_effects.csv")
    mine = effects[effects["case"] == "sparse_response"]
    assert len(mine) and mine["estimate"].isna().all()
    assert mine["status"].str.contains(r"not estimable: \d+ (?:scored )?items in the window, 30 needed").all()
    summary = read(real_study, "results/comparison/summary.md").split("sparse_response")[-1].split("\n")[0]
    assert "not estimable" in summary and "%" not in summary


def test_without_emoticons_the_base_model_scores_and_says_so(real_study):
    adaptation = json.loads(read(real_study, "results/models/sentiment_adapted/adaptation.json"))
    assert adaptation["applied"] is False and adaptation["reason"]
    assert "not adapted" in read(real_study, "results/methods.md").lower() or \
        "base model" in read(real_study, "results/methods.md").lower()


def test_no_nickname_reaches_any_result(real_study):
    leaks = []
    for path in (real_study / "results").rglob("*"):
        if path.is_file() and path.suffix in {".parquet", ".csv", ".json", ".md", ".svg", ".graphml"}:
            content = readable_text(path)
            leaks += [(path.name, name) for name in NAMES if name in content]
    assert not leaks[:10]
