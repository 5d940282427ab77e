"""Generated text of the report: the methods a reader needs to judge the figures, and the findings in numbers.

Both are built only from the pipeline's own outputs and the configuration, so they always describe the run
that made the figures beside them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from firestorm.config import Case
from firestorm.response import effect_lines


def _fmt(value, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "n/a"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def _interval(pair, digits: int = 2) -> str:
    return f"[{_fmt(pair[0], digits)}, {_fmt(pair[1], digits)}]" if pair else "n/a"


def methods_markdown(config: dict, cases: list[Case], qc: dict, evaluation: dict, adaptation: dict | None,
                     spreads: dict) -> str:
    """The methods section: provenance and counts, privacy, segmentation, sentiment model, statistics."""
    lines = ["# Methods", "", "## Data", ""]
    if config.get("demo", {}).get("generate"):
        lines += ["The exports are a **synthetic demo corpus** written in the crawlers' real formats with planted "
                  "ground truth (`truth.yaml`); the numbers below describe that corpus, not the real events.", ""]
    lines += ["| case | window (local) | input files | records read | kept | rejected | duplicates | "
              "out of window | off topic | analysed |", "|---|---|---|---|---|---|---|---|---|---|"]
    for case in cases:
        totals = qc[case.name]["totals"]
        window = (f"{case.window_start.tz_convert(case.timezone):%Y-%m-%d} – "
                  f"{case.window_end.tz_convert(case.timezone):%Y-%m-%d} ({case.timezone})")
        lines.append(f"| {case.name} | {window} | {len(qc[case.name]['files'])} | {totals['rows_in']:,} | "
                     f"{totals['kept']:,} | {totals['rejected']:,} | {totals['duplicates']:,} | "
                     f"{totals['out_of_window']:,} | {totals['off_topic']:,} | {totals['in_scope']:,} |")
    formats = sorted({entry["format"] for case in cases for entry in case.inputs})
    lines += ["", f"Formats read: {', '.join(f'`{f}`' for f in formats)}. Every record read is kept, rejected "
              "(with file, record number, field and reason in `rejects.parquet`) or dropped as a duplicate of "
              "the same post in an overlapping export; the counts reconcile per file (`ingest_qc.json`). "
              "Analysed items are those inside the window that mention a case keyword or hashtag, or answer a "
              "post that does.", "",
              "## Privacy", "",
              "Authors and @mentions are replaced by keyed pseudonyms (HMAC-SHA256 of platform and user id, "
              "16 hex digits; the key is never written to `results/`). Raw ids, nicknames and profile URLs are "
              "read only to be pseudonymised.", "",
              "## Text", ""]
    segmentation = config["segmentation"]
    lines += [f"jieba 0.42.1 with the domain dictionary `{segmentation['user_dict']}` plus each case's lexicon, "
              f"stop words from `{segmentation['stopwords']}`; text normalised with NFKC and OpenCC t2s; markup "
              "(emoticons, hashtags, @mentions, URLs) kept as tokens; a repost's quoted chain is not its author's "
              "words.", "", "## Sentiment", ""]
    sentiment = config["sentiment"]
    test = evaluation.get("test", {})
    lines += [f"Model `{evaluation.get('model', sentiment['model'])}`: accuracy {_fmt(test.get('accuracy'), 3)}, "
              f"macro-F1 {_fmt(test.get('macro_f1'), 3)}, expected calibration error "
              f"{_fmt(test.get('expected_calibration_error'), 3)} on {test.get('rows', 'n/a')} held-out reviews."]
    for name, metrics in evaluation.get("baselines", {}).items():
        lines.append(f"Baseline {name}: accuracy {_fmt(metrics['accuracy'], 3)}, macro-F1 {_fmt(metrics['macro_f1'], 3)}.")
    distillation = evaluation.get("distillation")
    if distillation:
        teacher = distillation.get("teacher_review_test") or {}
        lines.append(f"Distilled from a fine-tuned multilingual-e5-small teacher (review test accuracy "
                     f"{_fmt(teacher.get('accuracy'), 3)}) on {distillation['teacher_only_texts']:,} teacher-labelled "
                     f"review clauses and {distillation['reviews_with_teacher_probability']:,} reviews "
                     f"(teacher weight {distillation['teacher_weight']}).")
    if adaptation:
        base, adapted = adaptation["base"]["emoticon_held_out"], adaptation["adapted"]["emoticon_held_out"]
        lines.append(f"Adapted to the study's posts by emoticon distant supervision ({adaptation['adapt_rows']:,} "
                     f"posts): accuracy on {adaptation['held_out_rows']:,} held-out emoticon-labelled posts "
                     f"{_fmt(base['accuracy'], 3)} → {_fmt(adapted['accuracy'], 3)}; on the review test split "
                     f"{_fmt(adaptation['base']['review_test']['accuracy'], 3)} → "
                     f"{_fmt(adaptation['adapted']['review_test']['accuracy'], 3)}.")
    lines += [f"Probabilities are temperature-calibrated; a post is neutral when P(positive) lies in "
              f"{sentiment['neutral_band']}. Scoring runtime: {sentiment.get('runtime', 'onnx')}.", "",
              "## Statistics", ""]
    spread_config = config.get("spread", {})
    lines += ["- Onset: first of 3 consecutive hours above the Poisson 99.9 % quantile of the pre-trigger hourly "
              "rate.",
              f"- Half-life: Poisson maximum likelihood of b + A·exp(−kt) after the peak (level change at the "
              f"response), parametric bootstrap with {spread_config.get('bootstrap_samples', 200)} samples.",
              "- Hawkes process per platform, exponential kernel, pulse-shaped exogenous rate; maximum likelihood on "
              "1-minute bins; Wald intervals; time-rescaling Kolmogorov–Smirnov test. Peak = maximum of the fitted "
              "expected intensity.",
              f"- Frames: lexicon `{config['discourse']['frames']}` (+ case terms), Wilson 95 % intervals. "
              f"Distinctive words: Fightin' Words with an informative Dirichlet prior of "
              f"{config['discourse']['prior_total']} pseudo-counts.",
              f"- Response effects: segmented quasi-Poisson / quasi-binomial regression, "
              f"{config.get('response', {}).get('pre_hours', 24)} h before (not before the peak) to "
              f"{config.get('response', {}).get('post_hours', 48)} h after; silent cases at the matched latency "
              "as a counterfactual comparison. The negative share's change is also corrected for "
              "misclassification with confusion matrices measured before and after the interruption on "
              "emoticon-labelled posts the model did not learn from (q = Mᵀπ; simulated interval).", "", "## Model fit per case", "",
              "| case | Hawkes branching ratio n [95% CI] | kernel mean h | KS p (time rescaling) |",
              "|---|---|---|---|"]
    for case in cases:
        hawkes = spreads[case.name]["hawkes"]
        lines.append(f"| {case.name} | {_fmt(hawkes['estimates']['branching_ratio'])} "
                     f"{_interval(hawkes['ci95'].get('branching_ratio'))} | "
                     f"{_fmt(hawkes['estimates']['kernel_mean_hours'])} | "
                     f"{_fmt(hawkes['goodness_of_fit']['ks_pvalue'], 3)} |")
    return "\n".join(lines) + "\n"


def summary_markdown(cases: list[Case], spreads: dict, timing: pd.DataFrame, effects: pd.DataFrame,
                     frames_by_phase: dict, sentiment_shares: dict) -> str:
    """Findings in numbers, per case and compared."""
    lines = ["# Findings", ""]
    timing = timing.set_index("case")
    for case in cases:
        spread = spreads[case.name]
        hawkes = spread["hawkes"]["estimates"]
        row = timing.loc[case.name]
        lines += [f"## {case.title}", "",
                  f"- {spread['items']:,} items analysed; onset {spread['onset']['time']}, peak {spread['peak']['time']} "
                  f"({_fmt(spread['peak']['items_per_hour'], 0)} items/h expected at the peak).",
                  f"- Attention half-life {_fmt(spread['half_life']['hours'], 1)} h "
                  f"{_interval(spread['half_life']['ci95'], 1)}; branching ratio {_fmt(hawkes['branching_ratio'])} "
                  f"{_interval(spread['hawkes']['ci95'].get('branching_ratio'))} — about "
                  f"{100 * hawkes['branching_ratio']:.0f} % of items were triggered by earlier items."]
        if row["responded"]:
            lines.append(f"- {case.company} responded {_fmt(row['onset_to_response_h'], 1)} h after onset "
                         f"({row['response_check']}).")
        else:
            lines.append(f"- {case.company}: no response within {_fmt(row['onset_to_censoring_h'], 0)} h of onset "
                         "(right-censored).")
        shares = sentiment_shares.get(case.name)
        if shares:
            lines.append("- Sentiment of all items: " + ", ".join(f"{label} {100 * share:.0f} %"
                                                                   for label, share in shares.items()) + ".")
        phases = frames_by_phase.get(case.name)
        if phases is not None and len(phases):
            mine = phases[(phases["platform"] == "all") & (phases["frame"] != "none")]
            for phase, rows in mine.groupby("phase", sort=False):
                top = rows.sort_values("share", ascending=False).head(2)
                lines.append(f"- Phase {phase}: most common frames " + ", ".join(
                    f"{r.frame} {100 * r.share:.0f} %" for r in top.itertuples()) + ".")
        lines.append("")
    if len(effects):
        lines += ["## What the response changed", ""] + effect_lines(effects)
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------ reading the report
def render_report(html: str | Path, screenshot: str | Path, chromium: str = "chromium",
                  wait_ms: int = 20_000) -> str:
    """Open the Snakemake report in headless Chromium as a reader's browser would: save a screenshot and
    return the DOM after its scripts ran (the report is a JavaScript app; the raw file holds no page)."""
    import subprocess

    html, screenshot = Path(html).resolve(), Path(screenshot).resolve()
    common = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
              f"--virtual-time-budget={wait_ms}", "--window-size=1400,1800"]
    subprocess.run(common + [f"--screenshot={screenshot}", html.as_uri()], check=True, capture_output=True,
                   timeout=180)
    return subprocess.run(common + ["--dump-dom", html.as_uri()], check=True, capture_output=True, text=True,
                          timeout=180).stdout


def check_rendered_report(dom: str, expected: list[str]) -> list[str]:
    """What a reader would miss on the report's first page: the expected texts not rendered."""
    return [text for text in expected if text not in dom]


def main(argv: list[str] | None = None) -> None:
    """``python -m firestorm.report REPORT.html SCREENSHOT.png [expected text ...]``: render and check."""
    import argparse
    import shutil
    import sys

    parser = argparse.ArgumentParser(description="Render the Snakemake report in headless Chromium and check it.")
    parser.add_argument("report")
    parser.add_argument("screenshot")
    parser.add_argument("expected", nargs="*", help="texts the rendered report must contain")
    args = parser.parse_args(argv)
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("no chromium on PATH: install Debian's `chromium` (make report-check does it when run as root)")
    dom = render_report(args.report, args.screenshot, chromium)
    missing = check_rendered_report(dom, args.expected)
    if missing:
        sys.exit(f"{args.report}: rendered without {missing}")
    print(f"{args.report}: rendered with {len(args.expected)} expected texts; screenshot {args.screenshot}")


if __name__ == "__main__":
    main()
