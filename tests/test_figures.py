"""Figures render Chinese with a CJK font (missing glyphs fail: see filterwarnings in pyproject) and save PNG+SVG."""

import warnings

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from firestorm import figures
from firestorm.config import load_case
from firestorm.response import timing_table, unanswered_curve


@pytest.fixture
def drawn(monkeypatch):
    """The figures the figure functions save, in order (read back after saving)."""
    figs, save = [], figures.save
    monkeypatch.setattr(figures, "save", lambda fig, path: (figs.append(fig), save(fig, path)))
    return figs


def words(fig) -> str:
    """Every title, axis label, suptitle and text (on the axes or the figure) of a figure, one string."""
    parts = [fig._suptitle.get_text() if fig._suptitle else "", *(t.get_text() for t in fig.texts)]
    for ax in fig.axes:
        parts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), *(t.get_text() for t in ax.texts)]
    return "\n".join(parts)


def assert_drawn(png) -> None:
    """The PNG holds a picture, not an empty canvas, and its SVG twin carries text (titles and labels)."""
    image = plt.imread(png)
    ink = (image[..., :3] < 0.85).any(axis=-1).mean()     # share of pixels that are not (near) white
    assert 0.01 < ink < 0.9, (png, ink)
    svg = png.with_suffix(".svg").read_text(encoding="utf-8")
    assert svg.count("<!-- ") > 3, png       # matplotlib writes each text as a comment beside its glyph paths


def test_cjk_font_renders_chinese_without_missing_glyph_warnings(tmp_path):
    figures.apply_style()
    fig, ax = plt.subplots()
    ax.set_title("情感分析 讨论量 霸王条款 炼丹 #话题#")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figures.save(fig, tmp_path / "cjk.png")
    assert_drawn(tmp_path / "cjk.png")
    assert "情感分析" in (tmp_path / "cjk.svg").read_text(encoding="utf-8")


def test_volume_figure_with_timeline(tmp_path, repo, drawn):
    case = load_case(repo / "config/cases/xhs_trik_ai.yaml")
    index = pd.date_range(case.window_start, case.window_end, freq="h", inclusive="left")
    hourly = pd.DataFrame({"weibo": 1.0, "xiaohongshu": 2.0}, index=index)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figures.volume_figure(hourly, case, tmp_path / "volume.png")
    assert_drawn(tmp_path / "volume.png")
    text = words(drawn[0])
    assert case.title in text and "items per hour" in text and f"time ({case.timezone})" in text
    assert len(drawn[0].axes[0].get_lines()) >= 4            # hourly and 6-hour mean per platform


def test_unanswered_figure(tmp_path, repo, drawn):
    cases = [load_case(repo / "config/cases/xhs_trik_ai.yaml"), load_case(repo / "config/cases/miaoya_camera.yaml")]
    spreads = [{"onset": {"time": "2023-07-31T01:00:00+00:00"}, "peak": {"time": "2023-07-31T09:00:00+00:00"}},
               {"onset": {"time": "2023-07-20T02:00:00+00:00"}, "peak": {"time": "2023-07-20T10:00:00+00:00"}}]
    timing = timing_table(cases, spreads)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figures.unanswered_figure(unanswered_curve(timing), timing, tmp_path / "unanswered.png")
    assert_drawn(tmp_path / "unanswered.png")
    text = words(drawn[0])
    assert all(phrase in text for phrase in ("hours since onset", "share unanswered", "time to company response"))


def test_engagement_and_hawkes_figures(tmp_path, repo, drawn):
    import numpy as np

    from firestorm.spread import daily_volume, fit_hawkes, hourly_counts

    case = load_case(repo / "config/cases/miaoya_camera.yaml")
    rng = np.random.default_rng(0)
    times = case.window_start + pd.to_timedelta(np.sort(rng.uniform(0, 200, 3000)), unit="h")
    posts = pd.DataFrame({"post_id": [f"p{i}" for i in range(len(times))], "created_at": times,
                          "platform": rng.choice(["weibo", "xiaohongshu"], len(times)),
                          "kind": rng.choice(["post", "comment"], len(times)),
                          "likes": 3, "comments": 1, "shares": 0})
    fit = fit_hawkes(posts["created_at"], case.window_start, case.window_end,
                     case.window_start + pd.Timedelta(hours=50))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figures.engagement_figure(daily_volume(posts, case.timezone), case, tmp_path / "engagement.png")
        figures.hawkes_figure(hourly_counts(posts, case.window_start, case.window_end)["items"], fit, case,
                              tmp_path / "hawkes.png")
    for name in ("engagement", "hawkes"):
        assert_drawn(tmp_path / f"{name}.png")
    engagement, hawkes = map(words, drawn)
    assert "items per day" in engagement and "engagement per day" in engagement and case.title in engagement
    assert "self-excitation" in hawkes and "items per hour" in hawkes and "theoretical quantile" in hawkes


def test_figures_say_when_a_fit_is_not_identified_or_poor(tmp_path, repo, drawn):
    """No bare number for a fit at its bound or missing; a warning beside a poor fit's number."""
    from dataclasses import replace

    import numpy as np

    from firestorm.spread import fit_hawkes, hourly_counts

    case = load_case(repo / "config/cases/miaoya_camera.yaml")
    rng = np.random.default_rng(0)
    times = case.window_start + pd.to_timedelta(np.sort(rng.uniform(0, 200, 600)), unit="h")
    posts = pd.DataFrame({"created_at": times, "platform": "weibo"})
    fit = fit_hawkes(posts["created_at"], case.window_start, case.window_end,
                     case.window_start + pd.Timedelta(hours=50))
    observed = hourly_counts(posts, case.window_start, case.window_end)["items"]
    poor = {"status": "poor fit", "reason": "time-rescaling KS p = 3e-21 < 0.01"}
    bound = {"status": "at bound", "reason": "branching_ratio at upper bound"}
    assert "n = " in figures.branching_ratio_text(fit, poor) and "poor fit" in figures.branching_ratio_text(fit, poor)
    assert figures.branching_ratio_text(fit, bound).startswith("branching ratio not identified")
    assert "n = " not in figures.branching_ratio_text(None, {"status": "not identified", "reason": "3000 of 3040 "
                                                             "items have only a date"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figures.hawkes_figure(observed, replace(fit, ks_pvalue=3e-21), case, tmp_path / "poor.png", poor)
        figures.hawkes_figure(observed, None, case, tmp_path / "missing.png",
                              {"status": "not identified", "reason": "3000 of 3040 items have only a date"})
        figures.volume_figure(observed.to_frame("weibo"), case, tmp_path / "volume.png",
                              notes=["2000 of 5000 items have only a date and are left out of the hourly counts",
                                     "half-life: at bound (half-life at upper bound)"])
    for name in ("poor", "missing", "volume"):
        assert_drawn(tmp_path / f"{name}.png")
    poor_text, missing_text, volume_text = map(words, drawn)
    assert "poor fit" in poor_text and "not identified" in missing_text and "n = " not in missing_text
    assert "only a date" in volume_text and "at bound" in volume_text


def test_its_and_comparison_figures_say_not_estimable_and_onset_not_detected(tmp_path, repo, drawn):
    import numpy as np

    from firestorm.response import aligned_series, response_effects

    miaoya, xhs = load_case(repo / "config/cases/miaoya_camera.yaml"), load_case(repo / "config/cases/xhs_trik_ai.yaml")
    timing = timing_table([miaoya, xhs], [
        {"onset": {"time": "2023-07-20T02:00:00+00:00"}, "peak": {"time": "2023-07-20T10:00:00+00:00"}},
        {"onset": {"time": None}, "peak": {"time": None}}])
    rng = np.random.default_rng(0)
    times = miaoya.response_time + pd.to_timedelta(rng.uniform(0, 40, 7), unit="h")
    posts = pd.DataFrame({"post_id": [f"p{i}" for i in range(7)], "platform": "weibo", "created_at": times})
    labels = pd.DataFrame({"post_id": posts["post_id"], "label": "negative"})
    empty = (posts.iloc[:0], labels.iloc[:0])
    effects, fits = response_effects(timing, {"miaoya_camera": posts, "xhs_trik_ai": empty[0]},
                                     {"miaoya_camera": labels, "xhs_trik_ai": empty[1]})
    assert fits["xhs_trik_ai"]["series"] is None and fits["miaoya_camera"]["volume"]["status"] != "ok"
    aligned = pd.concat([aligned_series(posts, labels, "miaoya_camera", timing["onset"][0]),
                         aligned_series(empty[0], empty[1], "xhs_trik_ai", timing["onset"][1])], ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figures.its_figure(fits, {"miaoya_camera": miaoya.title, "xhs_trik_ai": xhs.title}, tmp_path / "its.png")
        figures.aligned_comparison_figure(aligned, timing, tmp_path / "aligned.png")
        figures.unanswered_figure(unanswered_curve(timing), timing, tmp_path / "unanswered.png")
    for name in ("its", "aligned", "unanswered"):
        assert_drawn(tmp_path / f"{name}.png")
    its, aligned_text, _ = map(words, drawn)
    assert "interrupted time series" in its and miaoya.title in its and xhs.title in its
    assert "cases aligned at onset" in aligned_text and "hours since onset" in aligned_text


def test_volume_figure_without_timed_items_says_so_over_the_case_window(repo, tmp_path, drawn):
    """A date-only export has no hourly counts: the axes span the case window and say where to look."""
    case = load_case(repo / "config/cases/xhs_trik_ai.yaml")
    empty = pd.DataFrame(index=pd.date_range(case.window_start, case.window_end, freq="h", inclusive="left"))
    figures.volume_figure(empty, case, tmp_path / "volume.png")
    ax = drawn[0].axes[0]
    assert any("no item timed to the hour" in text.get_text() for text in ax.texts)
    low, high = ax.get_xlim()
    assert high - low == pytest.approx((case.window_end - case.window_start) / pd.Timedelta(days=1), rel=0.01)
    assert (tmp_path / "volume.png").stat().st_size > 10_000
