"""Figures render Chinese with a CJK font (missing glyphs fail: see filterwarnings in pyproject) and save PNG+SVG."""

import warnings

import matplotlib.pyplot as plt
import pandas as pd

from firestorm import figures
from firestorm.config import load_case
from firestorm.response import timing_table, unanswered_curve


def test_cjk_font_renders_chinese_without_missing_glyph_warnings(tmp_path):
    figures.apply_style()
    fig, ax = plt.subplots()
    ax.set_title("情感分析 讨论量 霸王条款 炼丹 #话题#")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figures.save(fig, tmp_path / "cjk.png")
    assert (tmp_path / "cjk.png").stat().st_size > 0 and (tmp_path / "cjk.svg").exists()


def test_volume_figure_with_timeline(tmp_path, repo):
    case = load_case(repo / "config/cases/xhs_trik_ai.yaml")
    index = pd.date_range(case.window_start, case.window_end, freq="h", inclusive="left")
    hourly = pd.DataFrame({"weibo": 1.0, "xiaohongshu": 2.0}, index=index)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figures.volume_figure(hourly, case, tmp_path / "volume.png")
    assert (tmp_path / "volume.png").exists() and (tmp_path / "volume.svg").exists()


def test_unanswered_figure(tmp_path, repo):
    cases = [load_case(repo / "config/cases/xhs_trik_ai.yaml"), load_case(repo / "config/cases/miaoya_camera.yaml")]
    spreads = [{"onset": {"time": "2023-07-31T01:00:00+00:00"}, "peak": {"time": "2023-07-31T09:00:00+00:00"}},
               {"onset": {"time": "2023-07-20T02:00:00+00:00"}, "peak": {"time": "2023-07-20T10:00:00+00:00"}}]
    timing = timing_table(cases, spreads)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figures.unanswered_figure(unanswered_curve(timing), timing, tmp_path / "unanswered.png")
    assert (tmp_path / "unanswered.png").exists()


def test_engagement_and_hawkes_figures(tmp_path, repo):
    import numpy as np

    from firestorm.spread import daily_volume, fit_hawkes, hourly_counts

    case = load_case(repo / "config/cases/miaoya_camera.yaml")
    rng = np.random.default_rng(0)
    times = case.window_start + pd.to_timedelta(np.sort(rng.uniform(0, 200, 3000)), unit="h")
    posts = pd.DataFrame({"post_id": [f"p{i}" for i in range(len(times))], "created_at": times,
                          "platform": rng.choice(["weibo", "xiaohongshu"], len(times)),
                          "kind": rng.choice(["post", "comment"], len(times)),
                          "likes": 3, "comments": 1, "shares": 0})
    fit = fit_hawkes(posts["created_at"], case.window_start, case.window_end, case.window_start + pd.Timedelta(hours=50))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figures.engagement_figure(daily_volume(posts, case.timezone), case, tmp_path / "engagement.png")
        figures.hawkes_figure(hourly_counts(posts, case.window_start, case.window_end)["items"], fit, case,
                              tmp_path / "hawkes.png")
    for name in ("engagement", "hawkes"):
        assert (tmp_path / f"{name}.png").exists() and (tmp_path / f"{name}.svg").exists()
