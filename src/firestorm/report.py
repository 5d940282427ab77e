"""Generated text of the report: the methods a reader needs to judge the figures, and the findings in numbers.

Both are built only from the pipeline's own outputs and the configuration, so they always describe the run
that made the figures beside them.
"""

from __future__ import annotations

import pandas as pd

from firestorm.config import Case
from firestorm.response import (ITS_MIN_HOURS_EACH_SIDE, ITS_MIN_ITEMS, MIN_VALIDATION_POSTS_EACH_SIDE,
                                effect_lines)
from firestorm.spread import KS_POOR_FIT_P, MIN_DECAY_HOURS, MIN_DECAY_ITEMS, MIN_HOURLY_ITEMS, status_note


def _fmt(value, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "n/a"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def _interval(pair, digits: int = 2) -> str:
    return f"[{_fmt(pair[0], digits)}, {_fmt(pair[1], digits)}]" if pair else "n/a"


TEST_TITLES = {"smp2020_usual_test": "SMP2020-EWECT general Weibo test",
               "smp2020_virus_test": "SMP2020-EWECT COVID-19 Weibo test",
               "nlpcc2014_external": "NLPCC 2014 Weibo (external: never trained or calibrated on)"}


def sentiment_method_lines(evaluation: dict, adaptation: dict | None, sentiment: dict) -> list[str]:
    """The methods paragraph of the sentiment model: what it is, how it was trained, its human-labelled test
    results beside the baselines', and whether emoticon adaptation was applied."""
    lines = [f"Model `{evaluation.get('model') or sentiment.get('model')}`"
             + (f": {evaluation['architecture']}." if evaluation.get("architecture") else ".")]
    distillation = evaluation.get("distillation") or {}
    if distillation.get("teacher_labels"):
        sources = ", ".join(f"{n:,} {source}" for source, n in distillation.get("rows_by_source", {}).items())
        lines.append(f"Distilled from a fine-tuned multilingual-e5-small teacher (`{distillation['teacher_labels']}`) "
                     f"on {distillation['rows']:,} texts ({sources}); "
                     f"a human-labelled post's target is {distillation['teacher_weight']} × the teacher's "
                     "probabilities + the rest × its label.")
    tests = evaluation.get("tests", {})
    if tests:
        lines += ["", "Tests on human-labelled posts the model never learnt from (polarity: negative/neutral/positive; "
                  "binary: negative vs positive posts only; emotion: the six SMP2020 emotions):", "",
                  "| test set | polarity acc. | polarity macro-F1 | binary acc. | emotion macro-F1 | "
                  "SnowNLP binary acc. | pysenti binary acc. |", "|---|---|---|---|---|---|---|"]
        baselines = evaluation.get("baselines", {})
        for name, metrics in tests.items():
            base = baselines.get(name, {})
            lines.append(
                f"| {TEST_TITLES.get(name, name)} | {_fmt(metrics.get('polarity', {}).get('accuracy'), 3)} | "
                f"{_fmt(metrics.get('polarity', {}).get('macro_f1'), 3)} | "
                f"{_fmt(metrics['binary_polarity']['accuracy'], 3)} | "
                f"{_fmt(metrics.get('emotion', {}).get('macro_f1'), 3)} | "
                f"{_fmt(base.get('snownlp_bayes', {}).get('binary_polarity', {}).get('accuracy'), 3)} | "
                f"{_fmt(base.get('pysenti_lexicon', {}).get('binary_polarity', {}).get('accuracy'), 3)} |")
        lines.append("")
    if adaptation and not adaptation.get("applied", True):
        lines.append(f"Domain adaptation was **not applied**: {adaptation['reason']}. The base model "
                     f"`{adaptation['base_model']}` scored the posts.")
    elif adaptation:
        base, adapted = adaptation["base"]["emoticon_held_out"], adaptation["adapted"]["emoticon_held_out"]
        verdict = adaptation.get("improves_social_tests", {})
        lines.append(f"Adapted to the study's posts by emoticon distant supervision ({adaptation['adapt_rows']:,} "
                     f"posts): binary accuracy on {adaptation['held_out_rows']:,} held-out emoticon-labelled posts "
                     f"{_fmt(base['accuracy'], 3)} → {_fmt(adapted['accuracy'], 3)}; it "
                     + ("improved" if verdict.get("every_set_improved") else "did **not** improve")
                     + " binary accuracy on every human-labelled test set (adaptation.json).")
    else:
        lines.append("Emoticon adaptation is off (`sentiment.adapt.enabled: false`, the default: on the "
                     "human-labelled tests it did not improve the model; see README).")
    neutral = ("the likeliest of the three polarity classes (a trained neutral class)" if tests else
               f"negative / neutral / positive by the neutral band {sentiment['neutral_band']} on P(positive) "
               "(the model has no neutral output)")
    lines.append("Probabilities are temperature-calibrated per head on the SMP2020 eval splits; a post's label is "
                 f"{neutral}; its emotion the likeliest of the six. "
                 f"Scoring runtime: {sentiment.get('runtime', 'onnx')}.")
    return lines


def _estimate_with_interval(value: dict, key: str = "estimate", ci: str = "ci95") -> str:
    low, high = (value.get(ci) or [None, None])
    return f"{_fmt(value.get(key), 3)} ({_fmt(low, 3)}–{_fmt(high, 3)})"


def validation_lines(cases: list[Case], validations: dict, config: dict) -> list[str]:
    """The human validation per case: coders' agreement, the model against the adjudicated codes (weighted,
    95 % intervals) with its confusion matrix, or the power of the planned sample when nobody has coded yet."""
    settings = config.get("validation", {})
    lines = [f"Each case has a coding sample (`results/<case>/validation/coding_sample.xlsx`: "
             f"{settings.get('sample_size', 300)} items unless the case plans its own number, stratified by phase x "
             "predicted label x platform, "
             f"{settings.get('response_window_share', 0.5):.0%} of them from the response effect's window when "
             "the case states a response, weighted by the inverse sampling rate, with a codebook)."]
    if config.get("demo", {}).get("generate"):
        lines.append("On the demo the two coders are **simulated** (planted error rates 8 % and 15 %, the second "
                     "biased towards neutral): the numbers test the routine, they are not human judgement.")
    rows = []
    for case in cases:
        report = validations.get(case.name)
        if not report:
            continue
        power = report.get("power", {})
        effect_width = power.get("response_effect_ci95_half_width")
        effect_power = ("" if effect_width is None else
                        f"; the codes of the response window, the corrected response effect ±{effect_width:.3f} "
                        "share points before the time series' own noise")
        if not report.get("coded"):
            lines.append(f"- **{case.title}**: not coded yet; the planned {power.get('planned_items')} items would "
                         f"give the model's accuracy ±{_fmt(power.get('accuracy_ci95_half_width_at_75_percent'), 3)}"
                         f" (95 %, at 75 % accuracy){effect_power}.")
            continue
        agreement = report["agreement"]
        kappas = "; ".join(f"{' & '.join(pair['coders'])} {_estimate_with_interval(pair)}"
                           for pair in agreement["pairwise_cohen_kappa"])
        model = report["model"]
        rows.append(f"| {case.title} | {agreement['items']} | {len(agreement['coders'])} | "
                    f"{_estimate_with_interval(agreement['krippendorff_alpha'])} | {kappas} | "
                    f"{_estimate_with_interval(model, 'accuracy', 'accuracy_ci95')} | "
                    f"{_estimate_with_interval(model, 'macro_f1', 'macro_f1_ci95')} | "
                    f"{report['adjudication']['ties']} |")
        matrix = model["confusion_matrix"]["rows_true_columns_predicted"]
        lines.append(f"- **{case.title}** confusion (weighted items; rows coded negative / neutral / positive, "
                     f"columns the model's label): " + " · ".join(
                         "[" + ", ".join(f"{v:,.0f}" for v in row) + "]" for row in matrix))
    if rows:
        lines += ["", "| case | items | coders | Krippendorff's α (95 % CI) | Cohen's κ per pair | model accuracy "
                  "vs adjudicated | macro-F1 | ties |", "|---|---|---|---|---|---|---|---|"] + rows
    return lines


def formats_read(qc: dict) -> list[str]:
    """The export formats of every file ingest read (declared in the case or detected from the header), from
    the cases' ingest_qc.json documents."""
    formats = set()
    for document in qc.values():
        files = document.get("files", {})
        for entry in files.values() if isinstance(files, dict) else files:
            if entry.get("format"):
                formats.add(entry["format"])
    return sorted(formats)


def time_precision_line(case: Case, qc: dict, spread: dict) -> str | None:
    """What the case's items say about when they were made, when some give only a date: how many, and that
    the hourly analyses leave them out (or could not run)."""
    precision = spread.get("time_precision") or {}
    counts = qc.get("totals", {}).get("time_precision") or precision.get("by_precision") or {}
    date_only = precision.get("date_only_items", counts.get("day", 0))
    if not date_only:
        return None
    line = (f"- {case.name}: {date_only:,} of {precision.get('items', sum(counts.values())):,} analysed items carry "
            "only a date; onset, peak, half-life, Hawkes process, response latency and interrupted time series use "
            "the items timed to the hour or better, daily tables and figures use all.")
    note = status_note(precision)
    return line + (f" The hourly analyses: {note}." if note else "")


def methods_markdown(config: dict, cases: list[Case], qc: dict, evaluation: dict, adaptation: dict | None,
                     spreads: dict, validations: dict | None = None) -> str:
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
    formats = formats_read({case.name: qc[case.name] for case in cases})
    lines += ["", f"Formats read (declared or detected): {', '.join(f'`{f}`' for f in formats) or 'none'}. "
              "Every record read is kept, rejected "
              "(with file, record number, field and reason in `rejects.parquet`) or dropped as a duplicate of "
              "the same post in an overlapping export; the counts reconcile per file (`ingest_qc.json`). "
              "Analysed items are those inside the window that mention a case keyword or hashtag, or answer a "
              "post that does.", ""]
    precision_lines = [line for case in cases
                       if (line := time_precision_line(case, qc[case.name], spreads.get(case.name, {})))]
    if precision_lines:
        lines += ["Some exports give only the date of an item, not its time:", ""] + precision_lines + [""]
    lines += ["## Privacy", "",
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
    lines += sentiment_method_lines(evaluation, adaptation, sentiment)
    lines += ["", "## Human validation", ""] + validation_lines(cases, validations or {}, config)
    lines += ["", "## Statistics", ""]
    spread_config = config.get("spread", {})
    coordination = config.get("diffusion", {}).get("coordination", {})
    lines += [f"- Hourly analyses (onset, peak, half-life, Hawkes) use items timed to the hour or better and need "
              f"{MIN_HOURLY_ITEMS} of them; otherwise they are reported as not identified.",
              "- Onset: first of 3 consecutive hours above the Poisson 99.9 % quantile of the pre-trigger hourly "
              "rate (\"not detected\" when no such run exists).",
              f"- Half-life: Poisson maximum likelihood of b + A·exp(−kt) after the peak (level change at the "
              f"response), parametric bootstrap with {spread_config.get('bootstrap_samples', 200)} samples; needs "
              f"{MIN_DECAY_ITEMS} items in {MIN_DECAY_HOURS} h after the peak. An estimate or interval at the "
              "optimiser's bound (half-lives of 0.14–6931 h allowed) is reported as \"at bound\", not as a half-life.",
              "- Hawkes process per platform, exponential kernel, pulse-shaped exogenous rate; maximum likelihood on "
              "1-minute bins; Wald intervals; time-rescaling Kolmogorov–Smirnov test. A parameter at its bound "
              "(other than a platform's background at its floor, which means none) makes the fit \"at bound\"; KS "
              f"p < {KS_POOR_FIT_P} makes it a \"poor fit\". Peak = maximum of the fitted expected intensity when "
              "the fit is ok, else the hour of the highest 3-hour mean of the observed counts.",
              "- Cascades: trees of items from the exports' parent ids (comment parents, weibo-search's "
              "retweet_id) and Weibo `//@name:` repost chains (the first name is whom an item reposted; its parent "
              "is that author's latest earlier item with the quoted words, linked by the keyed name pseudonym); "
              "parents the data does not hold become shared \"outside the data\" roots, counted. Structural "
              "virality: the mean distance between a cascade's items (Goel et al. 2016). Spreaders: pseudonymised "
              "authors by items, by items their items triggered and by engagement; top 1 % / 10 % shares and Gini; "
              "per phase, the Jaccard overlap of top-10 % author sets. IP location (IP属地) normalised to provinces "
              "(countries and 海外 to overseas), negative share per province with Wilson intervals. Coordination "
              f"screen: distinct authors posting the same normalised text (≥ "
              f"{coordination.get('min_characters', 10)} characters), the same links or the same set of ≥ "
              f"{coordination.get('min_hashtags', 3)} hashtags within {coordination.get('window_seconds', 60)} s, "
              f"at least {coordination.get('min_pair_repeats', 2)} times "
              "per pair; connected groups of such authors are reported with their share of items — a screen "
              "with stated parameters, not a bot verdict. `field_coverage.csv` gives the share of items carrying "
              "each optional field.",
              f"- Frames: lexicon `{config['discourse']['frames']}` (+ case terms), Wilson 95 % intervals. "
              f"Distinctive words: Fightin' Words with an informative Dirichlet prior of "
              f"{config['discourse']['prior_total']} pseudo-counts.",
              f"- Topics: a biterm topic model (Yan et al. 2013; `bitermplus`) of each case's content words, "
              f"fitted on a seeded sample of at most {config.get('topics', {}).get('fit_posts', 20000):,} posts; K "
              "chosen over the configured range by mean NPMI coherence of the top words × topic diversity (Dieng "
              "et al. 2020), best of several Gibbs chains per K; stability = cosine similarity of each topic's "
              "best match (Hungarian) in refits with other seeds; overlap with the frames as lift.",
              f"- Response effects: segmented quasi-Poisson / quasi-binomial regression, "
              f"{config.get('response', {}).get('pre_hours', 24)} h before (not before the peak) to "
              f"{config.get('response', {}).get('post_hours', 48)} h after; silent cases at the matched latency "
              "as a counterfactual comparison. A model is \"not estimable\" (a result, stated instead of a "
              f"number) with fewer than {ITS_MIN_ITEMS} items (scored items for the shares) in the window, fewer than "
              f"{ITS_MIN_HOURS_EACH_SIDE} hours with items on either side, or a singular fit. The negative share's "
              "change is also corrected for misclassification with confusion matrices measured before and after "
              "the interruption on emoticon-labelled posts the model did not learn from (q = Mᵀπ; simulated "
              f"interval); with fewer than {MIN_VALIDATION_POSTS_EACH_SIDE} such posts on either side the "
              "correction is skipped. With the study's own human codes it is corrected again, by the predictive "
              "values P(true class | label) of the coded items on each side (π = Pᵀq: the coding sample is random "
              "within each predicted label, so no inversion is needed), beside the confusion matrix of the "
              "human-labelled test posts (one matrix for both sides).",
              "- Response measures from the literature (response_timing.csv): latency from the trigger and from the "
              "onset, binned ≤1 h, ≤4 h (the \"golden 4 hours\"), ≤8 h, ≤24 h, later, or censored; the stage of "
              "the attention curve at the response — before onset (\"stealing thunder\", Arpan & "
              "Roskos-Ewoldsen 2005), before or after the peak — and the share of the case's items already posted "
              "(Yu, Ye & Zhang 2025 compare 94 Chinese corporate crises by the stage at response; Pfeffer, Zorbach "
              "& Carley 2014 describe online firestorms by how fast their volume arrives); the channel (the "
              "official account's platform; its own post = statement, a comment = reply); and the response "
              "strategy of Situational Crisis Communication Theory (Coombs 2007: deny, diminish, rebuild; bolster "
              f"as secondary), coded from the official response texts with the lexicon "
              f"`{config.get('response', {}).get('strategies', 'data/lexicon/response_strategies.yaml')}` (most "
              "used primary category; ties to the more accommodating), overridden by a case's "
              "`official_response.strategy`.",
              "", "## Model fit per case", "",
              "| case | Hawkes branching ratio n [95% CI] | kernel mean h | KS p (time rescaling) | fit status |",
              "|---|---|---|---|---|"]
    for case in cases:
        hawkes = spreads[case.name]["hawkes"]
        estimates, fit = hawkes.get("estimates", {}), hawkes.get("goodness_of_fit", {})
        lines.append(f"| {case.name} | {_fmt(estimates.get('branching_ratio'))} "
                     f"{_interval(hawkes.get('ci95', {}).get('branching_ratio'))} | "
                     f"{_fmt(estimates.get('kernel_mean_hours'))} | {_fmt(fit.get('ks_pvalue'), 3)} | "
                     f"{status_note(hawkes) or 'ok'} |")
    lines += ["", "## References (response measures)", ""] + [f"- {reference}" for reference in RESPONSE_REFERENCES]
    return "\n".join(lines) + "\n"


RESPONSE_REFERENCES = (
    "Arpan, L. M., & Roskos-Ewoldsen, D. R. (2005). Stealing thunder: Analysis of the effects of proactive "
    "disclosure of crisis information. Public Relations Review, 31(3), 425–433.",
    "Coombs, W. T. (2007). Protecting organization reputations during a crisis: The development and application "
    "of situational crisis communication theory. Corporate Reputation Review, 10(3), 163–176.",
    "Pfeffer, J., Zorbach, T., & Carley, K. M. (2014). Understanding online firestorms: Negative word-of-mouth "
    "dynamics in social media networks. Journal of Marketing Communications, 20(1–2), 117–128.",
    "Yu, Y., Ye, W., & Zhang, K. (2025). Faster? Softer? Or more formal? A study on the methods of enterprises' "
    "crisis response on social media. Mathematics, 13(10), 1582.",
    "人民网舆情监测室 (2010) on the \"golden 4 hours\" (黄金4小时) of a response; CIC & Ogilvy (2012), 50 brand "
    "crises on Weibo: responses within 8 h worked best, 24 h or later lengthened the crisis (the ≤4 h, ≤8 h and "
    "≤24 h bins).",
)


def spread_lines(spread: dict) -> list[str]:
    """Findings of one case's spread.json, in words where a quantity is not a plain estimate: an onset not
    detected, a half-life or branching ratio not identified (at the optimiser's bound, too few items, only
    dates), a Hawkes fit the time-rescaling test rejects."""
    precision = spread.get("time_precision") or {}
    onset, peak, half_life, hawkes = (spread.get(key, {}) for key in ("onset", "peak", "half_life", "hawkes"))
    lines = [f"- {spread['items']:,} items analysed" + (
        f", {precision['date_only_items']:,} of them dated only to the day (left out of the hourly analyses)"
        if precision.get("date_only_items") else "") + "."]
    hourly = status_note(precision)
    if hourly:
        return lines + [f"- Onset, peak, half-life and self-excitation: {hourly}."]
    onset_text = (f"onset {onset['time']}" if onset.get("time") else
                  f"onset not detected ({onset.get('reason') or 'no burst above the pre-trigger rate'})")
    peak_text = (f"peak {peak['time']} ({_fmt(peak.get('items_per_hour'), 0)} items/h"
                 # The peak falls back to the observed counts when the Hawkes fit is not ok (spread.json says which).
                 + (" observed, 3-hour mean)" if "observed" in str(peak.get("method", ""))
                    else " expected at the peak)")
                 if peak.get("time") else f"peak {status_note(peak) or 'not identified'}")
    lines.append(f"- {onset_text}; {peak_text}.")
    half_life_note = status_note(half_life)
    half_life_text = (f"Attention half-life not identified ({half_life_note})" if half_life_note
                      else f"Attention half-life {_fmt(half_life.get('hours'), 1)} h "
                           f"{_interval(half_life.get('ci95'), 1)}")
    hawkes_note = status_note(hawkes)
    estimates = hawkes.get("estimates", {})
    if hawkes.get("status", "ok") in ("ok", "poor fit") and estimates.get("branching_ratio") is not None:
        n = estimates["branching_ratio"]
        branching = (f"branching ratio {_fmt(n)} {_interval(hawkes.get('ci95', {}).get('branching_ratio'))} — about "
                     f"{100 * n:.0f} % of items were triggered by earlier items")
        if hawkes_note:
            branching += f" (warning: {hawkes_note}; read with caution)"
    else:
        branching = f"branching ratio not identified ({hawkes_note})"
    return lines + [f"- {half_life_text}; {branching}."]


def _percent(value) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{100 * value:.0f} %"


def diffusion_lines(summary: dict) -> list[str]:
    """Who carried the storm, from diffusion.json: cascades, concentration, coordination, locations."""
    cascades, spreaders = summary["cascades"], summary["spreaders"]["items_per_author"]
    coordination, located = summary["coordination"], summary["geography"]
    largest = cascades["share_of_items_in_largest"]
    deepest = max((p["deepest"] for p in cascades["by_platform"].values()), default=0)
    lines = [f"- Cascades: {cascades['cascades']:,} repost/reply trees hold the {cascades['items']:,} items; the 10 "
             f"largest hold {_percent(largest['top_10'])} of them, the deepest reaches {deepest} "
             f"level{'' if deepest == 1 else 's'} below its root "
             f"({cascades['links']['outside the data']:,} items answer or repost an item the data does not hold).",
             f"- Spreaders: the most active 1 % of {spreaders['authors']:,} authors wrote "
             f"{_percent(spreaders['top_1_percent_share'])} of the items, the top 10 % "
             f"{_percent(spreaders['top_10_percent_share'])} (Gini {_fmt(spreaders['gini'], 2)})."]
    parameters = coordination["parameters"]
    lines.append(f"- Coordination screen (identical texts, links or hashtag sets by distinct authors within "
                 f"{parameters['window_seconds']:g} s, at least {parameters['min_pair_repeats']} times per pair): "
                 + (f"{coordination['components']} group(s) of {coordination['authors_in_components']} authors, "
                    f"{_percent(coordination['volume_share'])} of the items; a screen, not a verdict."
                    if coordination["components"] else "no group found."))
    lines.append(f"- IP location (IP属地): stated on {_percent(located['located_share'])} of the items"
                 + (f"; {located['unread']:,} location strings could not be read (diffusion.json)."
                    if located["unread"] else "."))
    return lines


def summary_markdown(cases: list[Case], spreads: dict, timing: pd.DataFrame, effects: pd.DataFrame,
                     frames_by_phase: dict, sentiment_shares: dict, diffusions: dict | None = None) -> str:
    """Findings in numbers, per case and compared."""
    lines = ["# Findings", ""]
    timing = timing.set_index("case")
    for case in cases:
        spread = spreads[case.name]
        row = timing.loc[case.name]
        lines += [f"## {case.title}", ""] + spread_lines(spread)
        if row["responded"] and not pd.isna(row["onset_to_response_h"]):
            lines.append(f"- {case.company} responded {_fmt(row['onset_to_response_h'], 1)} h after onset "
                         f"({row['response_check']}).")
        elif row["responded"]:
            lines.append(f"- {case.company} responded at {row['response']}; the latency from onset is unknown "
                         f"(onset not detected; {row['response_check']}).")
        elif not pd.isna(row["onset_to_censoring_h"]):
            lines.append(f"- {case.company}: no response within {_fmt(row['onset_to_censoring_h'], 0)} h of onset "
                         "(right-censored).")
        else:
            lines.append(f"- {case.company}: no response within the data window (right-censored; onset not "
                         "detected, so no latency).")
        shares = sentiment_shares.get(case.name)
        if shares:
            lines.append("- Sentiment of all items: " + ", ".join(f"{label} {100 * share:.0f} %"
                                                                   for label, share in shares.items()) + ".")
        phases = frames_by_phase.get(case.name)
        if phases is not None and len(phases):
            mine = phases[(phases["platform"] == "all") & (phases["frame"] != "none")]
            for phase, rows in mine.groupby("phase", sort=False):
                top = rows[rows["share"] > 0].sort_values("share", ascending=False).head(2)
                lines.append(f"- Phase {phase}: " + ("most common frames " + ", ".join(
                    f"{r.frame} {100 * r.share:.1f} %" for r in top.itertuples()) if len(top) else
                    "no term of the frame lexicon occurs") + ".")
        if diffusions and case.name in diffusions:
            lines += diffusion_lines(diffusions[case.name])
        lines.append("")
    if len(effects):
        lines += ["## What the response changed", ""] + effect_lines(effects)
    return "\n".join(lines) + "\n"
