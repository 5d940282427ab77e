"""The demo generator: deterministic for a seed, real export formats, planted properties hold."""

import csv
import hashlib
import json

import numpy as np
import pandas as pd
import pytest
import yaml

from firestorm.config import load_case
from firestorm.demo import generate_case
from firestorm.demo.simulate import expected_intensity
from firestorm.demo.writers import mid_to_bid, xhs_count
from firestorm.ingest import FORMATS

from conftest import scaled_case


def digest_tree(folder):
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_writes_byte_identical_exports(tmp_path):
    case = scaled_case(tmp_path, "miaoya_camera", items=800)
    generate_case(case, tmp_path / "a")
    generate_case(case, tmp_path / "b")
    assert digest_tree(tmp_path / "a") == digest_tree(tmp_path / "b")


def test_other_seed_writes_other_exports(tmp_path):
    case = scaled_case(tmp_path, "miaoya_camera", items=800)
    generate_case(case, tmp_path / "a")
    document = yaml.safe_load(open(case.source_path, encoding="utf-8"))
    document["demo"]["seed"] += 1
    path = tmp_path / "other" / "miaoya_camera.yaml"
    path.parent.mkdir()
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    generate_case(load_case(path), tmp_path / "b")
    assert digest_tree(tmp_path / "a") != digest_tree(tmp_path / "b")


def test_exports_use_the_crawlers_headers_encodings_and_id_forms(demo_corpus):
    case, folder, truth = demo_corpus["xhs_trik_ai"]
    for export in truth["exports"]:
        path = folder / export["path"]
        if path.suffix == ".csv":
            raw = path.read_bytes()
            assert raw.startswith(b"\xef\xbb\xbf"), "MediaCrawler and weibo-crawler write utf-8-sig"
            assert b"\r\n" in raw
            with path.open(encoding="utf-8-sig", newline="") as handle:
                header = next(csv.reader(handle))
            assert header == list(FORMATS[export["format"]].fields)
        else:
            rows = json.loads(path.read_text(encoding="utf-8"))
            assert list(rows[0]) == list(FORMATS[export["format"]].fields)
            assert isinstance(rows[0]["time"], int) and isinstance(rows[0]["liked_count"], str)
    notes = pd.read_csv(folder / truth["exports"][0]["path"], dtype=str, keep_default_na=False)
    # XHS ids begin with their creation time in hex seconds; times are milliseconds.
    seconds = notes["note_id"].str[:8].apply(lambda h: int(h, 16))
    assert (seconds == notes["time"].astype("int64") // 1000).all()


def test_weibo_exports_carry_mediacrawler_eight_hour_defect_and_weibo_crawler_tab_ids(demo_corpus):
    case, folder, truth = demo_corpus["miaoya_camera"]
    posts_file = next(e for e in truth["exports"] if e["format"] == "mediacrawler_weibo_posts")
    posts = pd.read_csv(folder / posts_file["path"], dtype=str, encoding="utf-8-sig")
    stated = pd.to_datetime(posts["create_date_time"], format="ISO8601", utc=True)
    epoch = pd.to_datetime(posts["create_time"].astype("int64"), unit="s", utc=True)
    assert ((epoch - stated) == pd.Timedelta(hours=8)).all()
    crawler_file = next(e for e in truth["exports"] if e["format"] == "weibo_crawler_posts")
    rows = pd.read_csv(folder / crawler_file["path"], dtype=str, encoding="utf-8-sig")
    assert rows["id"].str.endswith("\t").all()
    assert rows.apply(lambda r: mid_to_bid(r["id"].strip()) == r["bid"], axis=1).all()


def test_overlapping_exports_contain_duplicates(demo_corpus):
    case, folder, truth = demo_corpus["xhs_trik_ai"]
    csv_ids = pd.read_csv(folder / truth["exports"][0]["path"], dtype=str, encoding="utf-8-sig")["note_id"]
    json_ids = pd.DataFrame(json.loads((folder / truth["exports"][1]["path"]).read_text()))["note_id"]
    assert csv_ids.duplicated().any(), "a re-run appends rows to the same day's CSV"
    assert len(set(csv_ids) & set(json_ids)) > 100


def test_platform_noise_is_present(demo_corpus):
    case, folder, truth = demo_corpus["xhs_trik_ai"]
    text = "\n".join(p.read_text(encoding="utf-8-sig") for p in folder.rglob("*.csv"))
    for marker in ("[话题]#", "R]", "//@", "@", "http://t.cn/"):
        assert marker in text


def test_planted_totals_and_frame_mix_hold(demo_corpus):
    for name, (case, folder, truth) in demo_corpus.items():
        assert abs(truth["items"]["total"] - case.demo["items"]) < 0.1 * case.demo["items"]
        for phase, mix in truth["frames_by_phase"].items():
            if mix["items"] < 500:
                continue
            for frame, planted in mix["planted"].items():
                assert mix["realised"][frame] == pytest.approx(planted, abs=0.04), (name, phase, frame)


def test_arrivals_burst_at_the_planted_onset(demo_corpus):
    case, folder, truth = demo_corpus["xhs_trik_ai"]
    notes = pd.read_csv(folder / truth["exports"][0]["path"], dtype=str, encoding="utf-8-sig")
    times = pd.to_datetime(notes["time"].astype("int64"), unit="ms", utc=True)
    onset = pd.Timestamp(truth["onset"])
    before = ((times >= onset - pd.Timedelta(hours=24)) & (times < onset)).sum()
    after = ((times >= onset) & (times < onset + pd.Timedelta(hours=24))).sum()
    assert after > 20 * max(before, 1)


def test_expected_intensity_is_mu_over_one_minus_n_for_a_constant_rate():
    lam = expected_intensity(np.full(5000, 2.0), 0.5, 30.0)
    assert lam[-1] == pytest.approx(4.0, rel=1e-3)


def test_xhs_display_counts():
    assert [xhs_count(v) for v in (0, 37, 12_000, 150_000)] == ["", "37", "1.2万", "10万+"]


def test_benchmark_mode_texts_repeat_as_rarely_as_real_posts(repo, tmp_path):
    """Benchmark mode puts real Weibo clauses in front of every demo text: the planted words stay, the texts
    stop repeating, and the timing is the template demo's."""
    import numpy as np

    from firestorm.demo import text_statistics
    from firestorm.demo.texts import real_clauses, vary_texts

    clauses = real_clauses(repo / "data/sentiment/transfer/weibo_unlabelled.parquet")
    assert len(clauses) > 50_000 and all(len(c) >= 4 for c in clauses[:1000])
    templates = ["平台偷用画师作品 #小红书#", "霸王条款必须改"] * 500
    varied = vary_texts(np.random.default_rng(0), templates, clauses)
    assert all(text.endswith(template) for text, template in zip(varied, templates))
    assert text_statistics(templates, "templates")["duplicate_text_rate"] > 0.99
    assert text_statistics(varied, "varied")["duplicate_text_rate"] < 0.01
