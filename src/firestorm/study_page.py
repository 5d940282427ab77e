"""The study page (``results/study.html``): the findings read top to bottom like a paper's results section.

The question, the cases and their data, each finding as a sentence with its number and interval and the figure
right under it, validation and limitations, then the methods. Every number is rendered from a results file and
links to it (``<a class="n" href="…">``); a fit that is not identified says so in words instead of a number.
Names (case titles, phases, frames, words, quotes) are marked ``class="name"``: they are not numbers even when
they hold digits. The page is built only from files the pipeline wrote (and the case YAMLs for the case
windows), with links relative to the results directory, so it can be opened or printed from there.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path

import pandas as pd

from firestorm.config import Case
from firestorm.metrics import is_missing as _missing

__all__ = ["StudyPage", "build_study_page", "case_files", "comparison_files"]

# Per case: the results files the page reads (relative to the results directory; {case} is the case name).
CASE_FILES = {
    "qc": "{case}/ingest_qc.json", "spread": "{case}/spread.json", "daily_sentiment": "{case}/daily_sentiment.csv",
    "frames_phase": "{case}/discourse/frames_by_phase.csv", "exemplars": "{case}/discourse/exemplars.csv",
    "diffusion": "{case}/diffusion/diffusion.json", "coverage": "{case}/diffusion/field_coverage.csv",
    "topics": "{case}/topics/topics.json", "topic_stability": "{case}/topics/stability.csv",
    "topic_frames": "{case}/topics/topic_frame_overlap.csv",
    "agreement": "{case}/validation/agreement.json",
}
CASE_FIGURES = {
    "volume": "{case}/figures/volume.png", "hawkes": "{case}/figures/hawkes.png",
    "sentiment": "{case}/figures/sentiment.png", "frames": "{case}/figures/frames.png",
    "words": "{case}/figures/distinctive_words.png", "topics": "{case}/figures/topics.png",
    "cascades": "{case}/figures/cascades.png",
    "spreaders": "{case}/figures/spreaders.png", "geography": "{case}/figures/geography.png",
}
COMPARISON_FILES = {
    "timing": "comparison/response_timing.csv", "effects": "comparison/response_effects.csv",
    "methods": "methods.md",
}
COMPARISON_FIGURES = {
    "unanswered": "comparison/figures/unanswered.png", "aligned": "comparison/figures/aligned.png",
    "its": "comparison/figures/its.png",
}


def case_files(case_name: str) -> list[str]:
    """The per-case files (tables and figures) the page reads, relative to the results directory."""
    return [path.format(case=case_name) for path in (*CASE_FILES.values(), *CASE_FIGURES.values())]


def comparison_files() -> list[str]:
    """The cross-case files the page reads, relative to the results directory."""
    return [*COMPARISON_FILES.values(), *COMPARISON_FIGURES.values()]


def _esc(text) -> str:
    return html.escape(str(text))


class StudyPage:
    """Pieces of the page that carry their sources: numbers link to the file they were read from."""

    def __init__(self, results: Path):
        self.results = Path(results)

    def href(self, path: str | Path) -> str:
        """A link target relative to the results directory: ``path`` is relative to it, or absolute (a file
        outside it, e.g. a case YAML, reached through ``..``)."""
        target = Path(path)
        if target.is_absolute():
            target = Path(os.path.relpath(target, self.results.resolve()))
        return _esc(target.as_posix())

    def n(self, value, source: str, fmt: str = "{:,}", missing: str = "n/a") -> str:
        """A number linked to its source file; ``missing`` (in words, unlinked) when there is none."""
        if _missing(value):
            return _esc(missing)
        return f'<a class="n" href="{self.href(source)}">{_esc(fmt.format(value))}</a>'

    def interval(self, pair, source: str, fmt: str = "{:.2f}") -> str:
        if not pair or any(_missing(v) for v in pair):
            return "(no interval)"
        return f"({self.term('95% CI')} {self.n(pair[0], source, fmt)}–{self.n(pair[1], source, fmt)})"

    def said(self, text, source: str) -> str:
        """Words read from a results file (a status, a reason, a bin label), linked to it: they may hold
        numbers ("386 of 386 scored items …")."""
        return self.n(text, source, "{}", missing="")

    def name(self, text) -> str:
        """A name (title, phase, frame, word, quote, date label): not a number even when it holds digits."""
        return f'<span class="name">{_esc(text)}</span>'

    def term(self, text) -> str:
        """Fixed vocabulary of the methods ("95% CI", "top 1%"): a convention, not a finding."""
        return f'<span class="term">{_esc(text)}</span>'

    def figure(self, path: str, caption: str) -> str:
        if not (self.results / path).exists():
            return ""
        return (f'<figure><img src="{self.href(path)}" alt="{_esc(caption)}">'
                f'<figcaption>{_esc(caption)} <a class="file" href="{self.href(path)}">[figure]</a></figcaption>'
                "</figure>")

    def read_json(self, path: str) -> dict:
        return json.loads((self.results / path).read_text(encoding="utf-8"))

    def read_csv(self, path: str) -> pd.DataFrame:
        return pd.read_csv(self.results / path)


# ------------------------------------------------------------------------------------------------ sections
def data_section(page: StudyPage, cases: list[Case]) -> str:
    rows = []
    for case in cases:
        qc_path = CASE_FILES["qc"].format(case=case.name)
        totals = page.read_json(qc_path)["totals"]
        coverage_path = CASE_FILES["coverage"].format(case=case.name)
        coverage = page.read_csv(coverage_path) if (page.results / coverage_path).exists() else pd.DataFrame()
        located = (coverage[coverage["field"] == "IP location (IP属地)"] if "field" in coverage
                   else pd.DataFrame(columns=["platform", "items", "share"]))
        platforms = ", ".join(f"{page.name(row.platform)} {page.n(int(row.items), coverage_path)} "
                              f"(IP属地 on {page.n(100 * row.share, coverage_path, '{:.0f}')}%)"
                              for row in located.itertuples())
        case_yaml = Path(case.source_path).resolve()
        window = (f"{page.n(case.window_start.tz_convert(case.timezone), case_yaml, '{:%Y-%m-%d}')} – "
                  f"{page.n(case.window_end.tz_convert(case.timezone), case_yaml, '{:%Y-%m-%d}')}")
        rows.append(f"<tr><td>{page.name(case.title)}</td><td>{page.name(case.company)}</td><td>{window}</td>"
                    f"<td>{page.n(totals['rows_in'], qc_path)}</td><td>{page.n(totals['rejected'], qc_path)}</td>"
                    f"<td>{page.n(totals['duplicates'], qc_path)}</td><td>{page.n(totals['in_scope'], qc_path)}</td>"
                    f"<td>{platforms}</td></tr>")
    return ("<section id='data'><h2>The cases and their data</h2>"
            "<p>Every record read ends up in the analysed table, the rejects table (with the file, record, field and "
            "reason) or among the duplicates; the counts reconcile per file (ingest_qc.json).</p>"
            "<table><tr><th>case</th><th>company</th><th>window</th><th>records read</th><th>rejected</th>"
            "<th>duplicates</th><th>analysed (in window, on topic)</th><th>items per platform</th></tr>"
            + "".join(rows) + "</table></section>")


def spread_sentences(page: StudyPage, case: Case) -> str:
    path = CASE_FILES["spread"].format(case=case.name)
    spread = page.read_json(path)
    onset, peak, half_life, hawkes = (spread.get(k, {}) for k in ("onset", "peak", "half_life", "hawkes"))
    parts = [f"{page.n(spread['items'], path)} items were analysed."]
    if onset.get("time"):
        parts.append(f"Attention took off at {page.n(pd.Timestamp(onset['time']), path, '{:%Y-%m-%d %H:%M} UTC')}")
    else:
        reason = onset.get("reason") or "no burst above the pre-trigger rate"
        parts.append("No onset was detected (" + page.said(reason, path)
                     + ")")
    if peak.get("time"):
        parts[-1] += (f" and peaked at {page.n(pd.Timestamp(peak['time']), path, '{:%Y-%m-%d %H:%M} UTC')} with "
                      f"{page.n(peak.get('items_per_hour'), path, '{:,.0f}')} items per hour.")
    else:
        parts[-1] += "; the peak was not identified."
    if half_life.get("hours") is not None and half_life.get("status", "ok") == "ok":
        parts.append(f"Attention then halved every {page.n(half_life['hours'], path, '{:.1f}')} h "
                     f"{page.interval(half_life.get('ci95'), path, '{:.1f}')}.")
    else:
        reason = half_life.get("reason") or half_life.get("status", "")
        parts.append("The attention half-life is not identified (" + page.said(reason, path) + ").")
    branching = hawkes.get("estimates", {}).get("branching_ratio")
    if branching is not None and hawkes.get("status", "ok") in ("ok", "poor fit"):
        parts.append(f"About {page.n(100 * branching, path, '{:.0f}')}% of items were triggered by earlier items "
                     f"(Hawkes branching ratio {page.n(branching, path, '{:.2f}')} "
                     f"{page.interval(hawkes.get('ci95', {}).get('branching_ratio'), path)})"
                     + (" — the fit is poor, read with caution." if hawkes.get("status") == "poor fit" else "."))
    else:
        reason = hawkes.get("reason") or hawkes.get("status", "")
        parts.append("Self-excitation (Hawkes) is not identified (" + page.said(reason, path) + ").")
    return " ".join(parts)


def sentiment_sentences(page: StudyPage, case: Case) -> str:
    path = CASE_FILES["daily_sentiment"].format(case=case.name)
    daily = page.read_csv(path)
    if not len(daily):
        return "No post was scored."
    total_negative, total = daily["negative"].sum(), daily["items"].sum()
    text = (f"Of {page.n(int(total), path)} scored items, {page.n(100 * total_negative / total, path, '{:.0f}')}% "
            "were labelled negative.")
    for platform, rows in daily.groupby("platform", sort=True):
        busiest = rows.sort_values(["items", "day"], ascending=[False, True]).iloc[0]
        text += (f" On {page.name(platform)}'s busiest day, {page.name(str(busiest['day'])[:10])}, "
                 f"{page.n(100 * busiest['negative_share'], path, '{:.0f}')}% "
                 f"({page.n(100 * busiest['negative_low'], path, '{:.0f}')}–"
                 f"{page.n(100 * busiest['negative_high'], path, '{:.0f}')}%, {page.term('Wilson 95% interval')}) "
                 f"of its {page.n(int(busiest['items']), path)} items were negative.")
    return text


def frame_sentences(page: StudyPage, case: Case) -> str:
    path = CASE_FILES["frames_phase"].format(case=case.name)
    table = page.read_csv(path)
    table = table[(table["platform"] == "all") & (table["frame"] != "none")]
    from firestorm.discourse import phase_starts

    order = [name for name, _ in phase_starts(case)]
    sentences = []
    for phase, rows in sorted(table.groupby("phase", sort=False),
                              key=lambda group: order.index(group[0]) if group[0] in order else len(order)):
        top = rows[rows["share"] > 0].sort_values(["share", "frame"], ascending=[False, True]).head(2)
        if not len(top):
            sentences.append(f"In phase {page.name(phase)} no frame term occurs.")
            continue
        frames = " and ".join(
            f"{page.name(r.frame)} ({page.n(100 * r.share, path, '{:.1f}')}%, "
            f"{page.n(100 * r.share_low, path, '{:.1f}')}–{page.n(100 * r.share_high, path, '{:.1f}')}%)"
            for r in top.itertuples())
        sentences.append(f"In phase {page.name(phase)} the most common frames were {frames}.")
    return " ".join(sentences)


def exemplar_table(page: StudyPage, case: Case, limit: int = 12) -> str:
    path = CASE_FILES["exemplars"].format(case=case.name)
    table = page.read_csv(path).fillna("")
    if not len(table):
        return ""
    first = table[table["rank"] == 1].head(limit)
    rows = "".join(
        f"<tr><td>{page.name(r.group_kind)}</td><td>{page.name(r.phase)}</td><td>{page.name(r.frame)}</td>"
        f"<td>{page.name(r.label)}</td><td>{page.name(r.time)}</td><td>{page.name(r.platform)}</td>"
        f"<td>{page.n(int(r.likes) if str(r.likes) != '' else None, path)}</td>"
        f"<td class='quote'>{page.name(r.quote)}</td></tr>"
        for r in first.itertuples())
    return (f"<details open><summary>Exemplar posts (the most typical of each group; all in "
            f"<a class='file' href='{page.href(path)}'>exemplars.csv</a>)</summary>"
            "<table><tr><th>group</th><th>phase</th><th>frame</th><th>label</th><th>time</th><th>platform</th>"
            f"<th>likes</th><th>quote</th></tr>{rows}</table></details>")


def topic_sentences(page: StudyPage, case: Case) -> str:
    """The biterm topics of one case: K and how it was chosen, each topic's top words, how stable it is across
    seeds and the frame it overlaps most."""
    path = CASE_FILES["topics"].format(case=case.name)
    summary = page.read_json(path)
    if summary.get("status", "ok") != "ok":
        return (f"<p>Topics are {page.said(summary['status'], path)}: "
                f"{page.said(summary.get('reason', ''), path)}.</p>")
    stability_path = CASE_FILES["topic_stability"].format(case=case.name)
    frames_path = CASE_FILES["topic_frames"].format(case=case.name)
    stability = page.read_csv(stability_path)
    overlap = page.read_csv(frames_path)
    text = (f"A biterm topic model of the posts' own words (fitted on {page.n(summary['fit_posts'], path)} posts, "
            f"{page.n(summary['vocabulary_size'], path)} words) chose {page.n(summary['k'], path)} topics "
            f"(coherence × diversity over K {page.n(summary['k_range'][0], path)}–"
            f"{page.n(summary['k_range'][-1], path)}; mean NPMI {page.n(summary['npmi'], path, '{:.2f}')}). "
            f"Refitted with other seeds, a topic's best match is on average "
            f"{page.n(summary['stability_mean'], path, '{:.2f}')} similar ({page.term('1 = the same topic')}).")
    items = []
    for row in stability.itertuples():
        mine = overlap[overlap["topic"] == row.topic].sort_values(["lift", "frame"], ascending=[False, True])
        best = mine.iloc[0] if len(mine) else None
        frame = (f"; most over-represented frame {page.name(best['frame'])} (lift "
                 f"{page.n(best['lift'], frames_path, '{:.1f}')})" if best is not None and best["lift"] > 1 else "")
        items.append(f"<li>{page.name(row.label)}: stability {page.n(row.similarity_mean, stability_path, '{:.2f}')} "
                     f"(lowest {page.n(row.similarity_min, stability_path, '{:.2f}')}){frame}</li>")
    return f"<p>{text}</p><ul>{''.join(items)}</ul>"


def diffusion_sentences(page: StudyPage, case: Case) -> str:
    path = CASE_FILES["diffusion"].format(case=case.name)
    summary = page.read_json(path)
    cascades, spreaders = summary["cascades"], summary["spreaders"]["items_per_author"]
    coordination, located = summary["coordination"], summary["geography"]
    text = (f"{page.n(cascades['items'], path)} items form {page.n(cascades['cascades'], path)} repost and reply "
            f"trees; the ten largest hold "
            f"{page.n(100 * cascades['share_of_items_in_largest']['top_10'], path, '{:.0f}')}"
            f"% of the items. The {page.term('most active 1%')} of {page.n(spreaders['authors'], path)} authors wrote "
            f"{page.n(100 * spreaders['top_1_percent_share'], path, '{:.0f}')}% of them "
            f"(Gini {page.n(spreaders['gini'], path, '{:.2f}')}). ")
    if coordination.get("components"):
        text += (f"The coordination screen found {page.n(coordination['components'], path)} group(s) of "
                 f"{page.n(coordination['authors_in_components'], path)} authors posting the same content within "
                 "seconds of each other, repeatedly — a screen, not a verdict. ")
    else:
        text += "The coordination screen found no group. "
    text += (f"The IP location (IP属地) is stated on {page.n(100 * located['located_share'], path, '{:.0f}')}% of "
             "the items.")
    return text


def response_section(page: StudyPage, cases: list[Case]) -> str:
    timing_path, effects_path = COMPARISON_FILES["timing"], COMPARISON_FILES["effects"]
    timing = page.read_csv(timing_path).set_index("case")
    effects = page.read_csv(effects_path)
    items = []
    for case in cases:
        row = timing.loc[case.name]
        if bool(row["responded"]):
            text = (f"{page.name(case.company)} responded "
                    f"{page.n(row.get('onset_to_response_h'), timing_path, '{:.1f}', 'at an unknown time after')} "
                    f"h after onset and {page.n(row.get('trigger_to_response_h'), timing_path, '{:.1f}')} h after the "
                    f"trigger ({page.said(row.get('response_bin_from_trigger'), timing_path)} from the trigger; stage: "
                    f"{page.said(row.get('response_stage'), timing_path)}")
            share = row.get("volume_share_at_response")
            if not _missing(share):
                text += f", with {page.n(100 * share, timing_path, '{:.0f}')}% of the case's items already posted"
            text += (f"). Channel: {page.said(row.get('response_channel'), timing_path)}"
                     + (f" on {page.name(row['response_platform'])}" if not _missing(row.get("response_platform"))
                        else "")
                     + f"; SCCT strategy: {page.name(row.get('response_strategy', ''))}"
                     + (" with bolstering" if str(row.get("bolstering")) == "True" else "")
                     + (f" ({page.said(row['strategy_source'], timing_path)})"
                        if not _missing(row.get("strategy_source")) else "")
                     + ".")
        else:
            text = (f"{page.name(case.company)} did not respond within the data: right-censored at "
                    f"{page.n(row.get('onset_to_censoring_h'), timing_path, '{:.0f}', 'an unknown time')} h after "
                    "onset.")
        mine = effects[effects["case"] == case.name].set_index("measure")
        for measure, words, scale, fmt in (("level change, rate ratio", "hourly volume changed by a factor of", 1,
                                            "{:.2f}"),
                                           ("level change, share points", "the share labelled negative changed by",
                                            100, "{:+.1f}"),
                                           ("level change, share points, corrected for misclassification",
                                            "corrected for the classifier's errors measured on emoticon-labelled "
                                            "posts, the negative share changed by", 100, "{:+.1f}"),
                                           ("level change, share points, corrected for misclassification (human "
                                            "codes of this study)", "corrected with this study's hand-coded sample, "
                                            "the negative share changed by", 100, "{:+.1f}")):
            if measure not in mine.index:
                continue
            effect = mine.loc[measure]
            when = ("at the matched time (a counterfactual comparison)"
                    if str(effect["interruption_kind"]) != "company response" else "after the response")
            if effect["status"] == "ok":
                unit = " points" if scale == 100 else ""
                text += (f" {when.capitalize()}, {words} {page.n(scale * effect['estimate'], effects_path, fmt)}{unit} "
                         f"({page.term('95% CI')} {page.n(scale * effect['ci95_low'], effects_path, fmt)} to "
                         f"{page.n(scale * effect['ci95_high'], effects_path, fmt)}).")
            else:
                text += f" The change {when} is {page.said(effect['status'], effects_path)}."
        items.append(f"<li><b>{page.name(case.title)}</b>: {text}</li>")
    figures = "".join(page.figure(path, caption) for path, caption in (
        (COMPARISON_FIGURES["unanswered"], "Share of cases still unanswered by hours since onset (silence censored)"),
        (COMPARISON_FIGURES["aligned"], "Cases aligned at onset: volume and negative share per platform"),
        (COMPARISON_FIGURES["its"], "Interrupted time series around each response (or matched time)")))
    return ("<section id='response'><h2>How fast the companies responded, and what followed</h2><ul>"
            + "".join(items) + "</ul>" + figures + "</section>")


def validation_section(page: StudyPage, cases: list[Case], evaluation_path: str | None, demo: bool) -> str:
    parts = []
    if evaluation_path and (page.results / evaluation_path).exists():
        evaluation = page.read_json(evaluation_path)
        for name, metrics in evaluation.get("tests", {}).items():
            parts.append(f"<li>Sentiment model on {page.name(name)} (human-labelled, never trained on): binary "
                         f"accuracy {page.n(metrics['binary_polarity']['accuracy'], evaluation_path, '{:.3f}')}"
                         + (f", {page.term('three-class macro-F1')} "
                            f"{page.n(metrics['polarity']['macro_f1'], evaluation_path, '{:.3f}')}"
                            if metrics.get("polarity") else "") + ".</li>")
    for case in cases:
        path = CASE_FILES["agreement"].format(case=case.name)
        report = page.read_json(path)
        if not report.get("coded"):
            parts.append(f"<li>{page.name(case.title)}: the coding sample has not been coded yet.</li>")
            continue
        kappas = "; ".join(f"{page.name(' & '.join(pair['coders']))} κ {page.n(pair['estimate'], path, '{:.2f}')} "
                           f"{page.interval(pair.get('ci95'), path)}"
                           for pair in report["agreement"]["pairwise_cohen_kappa"])
        model = report.get("model", {})
        parts.append(f"<li>{page.name(case.title)}: {page.n(report['agreement']['items'], path)} items coded; "
                     f"coders' agreement {kappas}"
                     + (f"; the model agrees with the adjudicated codes on "
                        f"{page.n(100 * model['accuracy'], path, '{:.0f}')}% of "
                        f"{page.n(model['items'], path)} items "
                        f"{page.interval([100 * v for v in model['accuracy_ci95']], path, '{:.0f}')}"
                        if model.get("accuracy") is not None and model.get("accuracy_ci95") else "")
                     + ".</li>")
    warning = ("<p class='warn'>The coders of this demo are simulated: the numbers test the routine, they are not "
               "human judgement.</p>" if demo else "")
    return ("<section id='validation'><h2>Validation</h2>" + warning + "<ul>" + "".join(parts) + "</ul></section>")


def limitations_section(page: StudyPage, cases: list[Case]) -> str:
    notes = []
    for case in cases:
        path = CASE_FILES["spread"].format(case=case.name)
        spread = page.read_json(path)
        for key, words in (("onset", "onset"), ("half_life", "attention half-life"), ("hawkes", "Hawkes fit")):
            status = spread.get(key, {}).get("status", "ok")
            if status != "ok":
                notes.append(f"<li>{page.name(case.title)}: the {words} is {page.said(status, path)}"
                             + (f" — {page.said(spread[key]['reason'], path)}" if spread[key].get("reason") else "")
                             + f" (<a class='file' href='{page.href(path)}'>spread.json</a>).</li>")
    effects = page.read_csv(COMPARISON_FILES["effects"])
    for row in effects[effects["status"] != "ok"].drop_duplicates(["case", "status"]).itertuples():
        notes.append(f"<li>{page.name(row.title)}: {_esc(row.measure)} — "
                     f"{page.said(row.status, COMPARISON_FILES['effects'])} "
                     f"(<a class='file' href='{page.href(COMPARISON_FILES['effects'])}'>response_effects.csv</a>)."
                     "</li>")
    notes += ["<li>Frames are counted from a hand-made lexicon: a post carries a frame when it uses one of its terms; "
              "read the exemplar posts to judge what that catches.</li>",
              "<li>Crawled data hold what the platforms showed the crawler: deleted posts, private accounts and "
              "rate-limited searches are missing, and the sample is not random.</li>",
              "<li>A silent company's post-response comparison is a counterfactual at the matched time, not an "
              "effect.</li>"]
    return "<section id='limitations'><h2>Limitations</h2><ul>" + "".join(notes) + "</ul></section>"


def methods_section(page: StudyPage) -> str:
    import markdown

    path = COMPARISON_FILES["methods"]
    body = markdown.markdown((page.results / path).read_text(encoding="utf-8"), extensions=["tables"])
    return (f"<section id='methods'><h2>Methods</h2><p>Generated with the run "
            f"(<a class='file' href='{page.href(path)}'>methods.md</a>).</p>{body}</section>")


STYLE = """
body{font-family:"Source Han Sans CN","Noto Sans CJK SC","PingFang SC",sans-serif;max-width:60rem;margin:2rem auto;
     padding:0 1rem;line-height:1.5;color:#222}
h1{font-size:1.6rem} h2{border-bottom:1px solid #ccc;margin-top:2.5rem} h3{margin-top:1.8rem}
a.n{color:#0a4f8a;text-decoration:none;border-bottom:1px dotted #0a4f8a} a.file{font-size:.85em;color:#666}
figure{margin:1rem 0} figure img{max-width:100%} figcaption{font-size:.9em;color:#555}
table{border-collapse:collapse;font-size:.85em;margin:.8rem 0} td,th{border:1px solid #ddd;padding:.25rem .4rem;
     vertical-align:top} td.quote{max-width:24rem}
.warn{background:#fff4d6;border-left:4px solid #e0a800;padding:.5rem .8rem}
@media print{section{page-break-inside:auto} figure{page-break-inside:avoid}}
"""


def build_study_page(results: str | Path, cases: list[Case], evaluation_path: str | None = None,
                     demo: bool = False) -> str:
    """The whole study page as HTML, from the files under ``results`` (see :func:`case_files`,
    :func:`comparison_files`; ``evaluation_path`` is the scoring model's eval.json relative to ``results``)."""
    page = StudyPage(Path(results))
    titles = " · ".join(page.name(c.title) for c in cases)
    warning = ("<p class='warn'><b>Synthetic demo.</b> These data were generated by the pipeline with planted "
               "parameters (results/&lt;case&gt;/…/truth.yaml): the page shows what the study recovers, not what "
               "happened online.</p>" if demo else "")
    case_sections = []
    for case in cases:
        figure = lambda key, caption, c=case: page.figure(CASE_FIGURES[key].format(case=c.name), caption)  # noqa: E731
        case_sections.append(
            f"<h3>{page.name(case.title)}</h3>"
            f"<h4>How it spread</h4><p>{spread_sentences(page, case)}</p>"
            + figure("volume", "Items per day and platform, timeline events marked")
            + figure("hawkes", "Hourly volume with the fitted self-exciting (Hawkes) intensity")
            + f"<h4>How people felt</h4><p>{sentiment_sentences(page, case)}</p>"
            + figure("sentiment", "Daily sentiment shares with Wilson intervals")
            + f"<h4>What they talked about</h4><p>{frame_sentences(page, case)}</p>"
            + figure("frames", "Frame shares per day") + exemplar_table(page, case)
            + figure("words", "Distinctive words per phase (Fightin' Words)")
            + f"<h4>Topics nobody named</h4>{topic_sentences(page, case)}"
            + figure("topics", "Topic shares by phase (biterm topic model), topics labelled by their top words")
            + f"<h4>Who carried it</h4><p>{diffusion_sentences(page, case)}</p>"
            + figure("cascades", "Cascade sizes and depths") + figure("spreaders", "Concentration of authorship")
            + figure("geography", "Items by stated IP location"))
    body = (f"<h1>Study: {titles}</h1>"
            "<section id='question'><h2>The question</h2><p>How did each controversy spread, how did people feel, "
            "what did they talk about, and how fast did the company respond — and what did attention and sentiment "
            "do after it? Each number below links to the results file it comes from.</p>" + warning + "</section>"
            + data_section(page, cases)
            + "<section id='findings'><h2>Findings</h2>" + "".join(case_sections) + "</section>"
            + response_section(page, cases)
            + validation_section(page, cases, evaluation_path, demo)
            + limitations_section(page, cases)
            + methods_section(page))
    return (f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>Study results</title>"
            f"<style>{STYLE}</style></head><body>{body}</body></html>\n")


def unsourced_numbers(page_html: str) -> list[str]:
    """Texts of the page that hold a digit but neither link to a source (``a.n``) nor are names or fixed terms
    (``.name``, ``.term``); the methods section (the generated methods.md, linked) and the head are left out.
    An empty list means every number on the page carries its source."""
    from html.parser import HTMLParser

    class Scanner(HTMLParser):
        VOID = {"img", "br", "meta", "link", "hr", "input"}

        def __init__(self):
            super().__init__()
            self.stack: list[bool] = []   # per open element: whether text inside it is exempt
            self.found: list[str] = []

        def handle_starttag(self, tag, attrs):
            if tag in self.VOID:
                return
            attributes = dict(attrs)
            classes = set((attributes.get("class") or "").split())
            exempt = (tag in {"style", "title", "head"} or attributes.get("id") == "methods"
                      or (tag == "a" and "n" in classes) or bool(classes & {"name", "term"}))
            self.stack.append(exempt or (bool(self.stack) and self.stack[-1]))

        def handle_endtag(self, tag):
            if tag not in self.VOID and self.stack:
                self.stack.pop()

        def handle_data(self, data):
            if any(ch.isdigit() for ch in data) and not (self.stack and self.stack[-1]):
                self.found.append(data.strip())

    scanner = Scanner()
    scanner.feed(page_html)
    return scanner.found
