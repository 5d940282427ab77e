"""Human validation: a stratified coding sample, the coders' files read back, inter-coder agreement, the
adjudicated labels and the model's accuracy against them, and the sample size a planned precision needs.

The routine researchers sign: draw a seeded, stratified random sample of the scored items (strata: phase x
predicted label x platform), have two or more people code each item's own text by a codebook, measure their
agreement (Krippendorff's alpha, nominal; pairwise Cohen's kappa; bootstrap intervals over items), adjudicate
by majority (ties listed for a third coder), and measure the model against the adjudicated codes with the
sampling weights (an item of a stratum sampled at rate n_h / N_h stands for N_h / n_h items).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from firestorm.metrics import CLASSES, present_macro_f1

# Codes a coder may give. off_topic items are kept in agreement but left out of the model's accuracy.
CODES = CLASSES + ("off_topic",)
# Columns of the coding sample (coding_sample.csv / the "coding" sheet of coding_sample.xlsx).
SAMPLE_COLUMNS = ["sample_id", "post_id", "platform", "kind", "phase", "created_at_local", "predicted_label",
                  "stratum", "stratum_items", "stratum_sampled", "weight", "text", "context", "code", "note"]
CODEBOOK = pd.DataFrame([
    ("negative", "The author expresses a negative stance or feeling about the matter: anger, disappointment, "
                 "fear, sadness, accusation, complaint, calls to boycott or leave.",
     "平台偷用画师作品，太恶心了 / 删图退坑了 / 霸王条款必须改", ""),
    ("neutral", "No evaluative stance: information, news, neutral questions, announcements, quotes without "
                "comment.", "据说用户协议更新了 / 请问在哪里能看到新条款？", ""),
    ("positive", "The author expresses a positive stance or feeling: approval, praise, relief, support.",
     "官方道歉很及时，点赞 / 修改后的协议清楚多了", ""),
    ("off_topic", "The item is not about the case at all (spam, unrelated chat, advertising).",
     "关注我抽奖 / 今天吃什么", ""),
    ("rule: sarcasm", "Code what the author means, not the surface words: 真是太棒了，又被白嫖了 is negative.", "",
     ""),
    ("rule: questions", "A question is neutral unless it carries a stance (凭什么不经同意就拿去训练？ is negative).",
     "", ""),
    ("rule: mixed", "Praise and blame together: code the stance that dominates; if none does, neutral.", "", ""),
    ("rule: context", "Code the item's own text; the context column (the post replied to or reposted) only helps "
                      "to understand it.", "", ""),
    ("rule: emoticons", "Emoticons count as words ([怒] is negative) but irony markers ([doge], [微笑]) may flip "
                        "them.", "", ""),
], columns=["code or rule", "definition", "examples", "notes"])


class CodingError(ValueError):
    """A coder's file cannot be read as codes of the sample: names the file, the row and the problem."""


@dataclass(frozen=True)
class SampleSettings:
    sample_size: int = 300     # items to code per case (posts and comments)
    min_per_stratum: int = 3   # every stratum gets at least this many (or all of its items)
    seed: int = 7
    # Share of the sample drawn from the hours around a stated company response (half before, half after):
    # the response effect's correction uses the codes of those hours only (see RESPONSE_WINDOWS).
    response_window_share: float = 0.5


# ----------------------------------------------------------------------------------------- sampling
def allocate(stratum_sizes: pd.Series, size: int, minimum: int) -> pd.Series:
    """Items to draw per stratum: at least ``minimum`` (or the whole stratum), the rest proportional to the
    strata's sizes by largest remainder, never more than a stratum holds; sums to ``min(size, total)``."""
    sizes = stratum_sizes.astype(int)
    target = min(int(size), int(sizes.sum()))
    floor = np.minimum(sizes, minimum)
    if floor.sum() >= target:   # more strata than the sample can serve: the largest strata first
        order = sizes.sort_values(ascending=False, kind="stable").index
        allocation = pd.Series(0, index=sizes.index)
        left = target
        for stratum in order:
            take = min(floor[stratum], left)
            allocation[stratum] = take
            left -= take
        return allocation
    allocation = floor.copy()
    for _ in range(len(sizes) + 1):   # proportional shares of what is left, capped by what strata hold
        room = sizes - allocation
        left = target - int(allocation.sum())
        if left <= 0 or room.sum() == 0:
            break
        share = room / room.sum() * left
        whole = np.minimum(np.floor(share).astype(int), room)
        allocation += whole
        left = target - int(allocation.sum())
        if left <= 0:
            break
        remainder = (share - np.floor(share)).where(room - whole > 0, -1)
        for stratum in remainder.sort_values(ascending=False, kind="stable").index[:left]:
            if allocation[stratum] < sizes[stratum]:
                allocation[stratum] += 1
    return allocation


def stratified_sample(items: pd.DataFrame, strata: list[str], size: int, minimum: int, seed: int) -> pd.DataFrame:
    """A seeded stratified random sample of ``items`` with ``stratum``, ``stratum_items`` (N_h),
    ``stratum_sampled`` (n_h) and ``weight`` (N_h / n_h) columns, in the order of ``items``."""
    keyed = items.assign(stratum=items[strata].astype(str).agg(" | ".join, axis=1))
    sizes = keyed["stratum"].value_counts().sort_index()
    allocation = allocate(sizes, size, minimum)
    rng = np.random.default_rng(seed)
    chosen = []
    for stratum, take in allocation.items():
        if take:
            members = np.flatnonzero(keyed["stratum"].to_numpy() == stratum)
            chosen.append(rng.choice(members, size=int(take), replace=False))
    index = np.sort(np.concatenate(chosen)) if chosen else np.array([], dtype=int)
    sample = keyed.iloc[index].copy()
    sample["stratum_items"] = sample["stratum"].map(sizes).astype(int)
    sample["stratum_sampled"] = sample["stratum"].map(allocation).astype(int)
    sample["weight"] = sample["stratum_items"] / sample["stratum_sampled"]
    return sample


def validation_items(posts: pd.DataFrame, tokens: pd.DataFrame, sentiment: pd.DataFrame, case) -> pd.DataFrame:
    """Every scored item of a case as the coding sample draws from it: post_id, platform, kind, created_at,
    phase (:func:`firestorm.discourse.assign_phases`), predicted_label, text (the item's own words as the
    model read them) and context (a comment's parent's own words, or a repost's whole text with the chain it
    quotes; empty otherwise)."""
    from firestorm.discourse import assign_phases

    items = (posts[["post_id", "platform", "kind", "created_at", "parent_id", "text"]]
             .merge(tokens[["post_id", "own_text"]], on="post_id")
             .merge(sentiment[["post_id", "label"]].rename(columns={"label": "predicted_label"}), on="post_id"))
    own = dict(zip(items["post_id"], items["own_text"].fillna("")))
    parent_words = items["parent_id"].map(own)
    quoted = items["text"].fillna("").where(items["text"].fillna("") != items["own_text"].fillna(""), "")
    items["context"] = np.where(items["kind"] == "comment", parent_words.fillna(""),
                                np.where(items["kind"] == "repost", quoted, ""))
    items["phase"] = assign_phases(items["created_at"], case).astype(str).to_numpy()
    items["text"] = items["own_text"].fillna("")
    return items[["post_id", "platform", "kind", "created_at", "phase", "predicted_label", "text", "context"]]


RESPONSE_WINDOWS = ("before response", "after response")
OUTSIDE_WINDOW = "outside response window"


def response_window(times: pd.Series, response: pd.Timestamp | None, window_start: pd.Timestamp | None,
                    hours_after: float) -> pd.Series:
    """Which side of the company's response each time falls on, from ``window_start`` to ``hours_after`` after
    it (the response stage's interrupted time series window), else :data:`OUTSIDE_WINDOW`."""
    window = pd.Series(OUTSIDE_WINDOW, index=times.index, dtype=object)
    if response is not None:
        before = (times >= window_start) & (times < response)
        after = (times >= response) & (times < response + pd.Timedelta(hours=hours_after))
        window[before.to_numpy()] = RESPONSE_WINDOWS[0]
        window[after.to_numpy()] = RESPONSE_WINDOWS[1]
    return window


def coding_sample(items: pd.DataFrame, settings: SampleSettings, timezone: str, response: pd.Timestamp | None = None,
                  window_start: pd.Timestamp | None = None, hours_after: float = 48.0) -> pd.DataFrame:
    """The coding sample of one case (:data:`SAMPLE_COLUMNS`).

    ``items`` has one row per scored item: post_id, platform, kind, created_at, phase, predicted_label,
    text (the item's own words exactly as the model read them) and context (what it replies to or reposts,
    or empty). Strata are phase x predicted label x platform. With a stated ``response``, the hours of the
    response stage's window around it (from ``window_start``, :func:`firestorm.response.pre_period_start`, to
    ``hours_after`` after it; :func:`response_window`) are strata of their own, given
    ``settings.response_window_share`` of the sample split evenly between the two sides (or all their items
    when they hold fewer): the misclassification correction of the response effect measures the model's errors
    on each side from these codes alone, and a proportional sample leaves it a few dozen. The weights keep
    every estimate unbiased.
    """
    strata = ["phase", "predicted_label", "platform"]
    window = response_window(items["created_at"], response, window_start, hours_after)
    budgets = {side: int(round(settings.sample_size * settings.response_window_share / 2)) if response is not None
               else 0 for side in RESPONSE_WINDOWS}
    parts = []
    for number, side in enumerate(RESPONSE_WINDOWS):
        members = items[window == side]
        if budgets[side] and len(members):
            part = stratified_sample(members, strata, budgets[side], settings.min_per_stratum,
                                     settings.seed + 1 + number)
            parts.append(part.assign(stratum=side + " | " + part["stratum"]))
    outside = items[window == OUTSIDE_WINDOW]
    remaining = settings.sample_size - sum(len(part) for part in parts)
    if remaining > 0 and len(outside):
        part = stratified_sample(outside, strata, remaining, settings.min_per_stratum, settings.seed)
        parts.append(part if response is None else part.assign(stratum=OUTSIDE_WINDOW + " | " + part["stratum"]))
    sample = (pd.concat(parts).sort_index(kind="stable") if parts
              else stratified_sample(items, strata, 0, settings.min_per_stratum, settings.seed))
    sample = sample.reset_index(drop=True)
    sample["sample_id"] = [f"S{number:04d}" for number in range(1, len(sample) + 1)]
    sample["created_at_local"] = (sample["created_at"].dt.tz_convert(timezone).dt.strftime("%Y-%m-%d %H:%M")
                                  if len(sample) else pd.Series(dtype="string"))
    sample["code"] = ""
    sample["note"] = ""
    return sample[SAMPLE_COLUMNS]


def write_coding_sample(sample: pd.DataFrame, xlsx_path: str | Path, csv_path: str | Path) -> None:
    """The sample as a workbook (sheets ``coding`` and ``codebook``) and as CSV (UTF-8 with BOM, so that
    spreadsheet programs open the Chinese text correctly)."""
    with pd.ExcelWriter(xlsx_path, engine="openpyxl") as writer:
        sample.to_excel(writer, sheet_name="coding", index=False)
        CODEBOOK.to_excel(writer, sheet_name="codebook", index=False)
    sample.to_csv(csv_path, index=False, encoding="utf-8-sig")


# ------------------------------------------------------------------------------------- reading codes
def read_coder_file(path: str | Path, sample_ids: pd.Series) -> pd.DataFrame:
    """One coder's codes (columns sample_id, code) from a CSV or a workbook's ``coding`` sheet.

    Raises :class:`CodingError` naming the file and the row (as a spreadsheet numbers it: header = row 1)
    for an unknown code, a sample id that is not in the sample or appears twice, and for sample items the
    coder left without a code.
    """
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xls"):
        frame = pd.read_excel(path, sheet_name="coding", dtype=str, engine="calamine")
    else:
        frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    for column in ("sample_id", "code"):
        if column not in frame:
            raise CodingError(f"{path}: no column {column!r} (columns: {list(frame.columns)})")
    frame = frame[["sample_id", "code"]].apply(lambda column: column.str.strip())
    known = set(sample_ids)
    seen: dict[str, int] = {}
    for offset, (sample_id, code) in enumerate(zip(frame["sample_id"], frame["code"])):
        row = offset + 2
        if sample_id not in known:
            raise CodingError(f"{path}: row {row}: sample_id {sample_id!r} is not in the coding sample")
        if sample_id in seen:
            raise CodingError(f"{path}: row {row}: sample_id {sample_id!r} appears again (first at row "
                              f"{seen[sample_id]})")
        seen[sample_id] = row
        if pd.isna(code) or code == "":
            raise CodingError(f"{path}: row {row}: field 'code' is empty for {sample_id}; "
                              f"code it as one of {list(CODES)}")
        if code.lower() not in CODES:
            raise CodingError(f"{path}: row {row}: field 'code' is {code!r}, not one of {list(CODES)}")
    missing = sorted(known - set(seen))
    if missing:
        raise CodingError(f"{path}: {len(missing)} sample items have no row, e.g. {missing[:5]}")
    return frame.assign(code=frame["code"].str.lower())


def read_codings(paths: list[str | Path], sample: pd.DataFrame) -> pd.DataFrame:
    """Every coder's codes in long form: coder (the file's name without suffix), sample_id, code."""
    frames = [read_coder_file(path, sample["sample_id"]).assign(coder=Path(path).stem) for path in sorted(paths)]
    if len({Path(p).stem for p in paths}) != len(paths):
        raise CodingError(f"two coder files share a name: {sorted(Path(p).name for p in paths)}")
    return (pd.concat(frames, ignore_index=True)[["coder", "sample_id", "code"]] if frames
            else pd.DataFrame(columns=["coder", "sample_id", "code"]))


# ------------------------------------------------------------------------------------------ agreement
def cohen_kappa(first: np.ndarray, second: np.ndarray, categories=CODES) -> float:
    """Cohen's kappa of two coders' codes of the same items (nan when expected agreement is 1)."""
    a = pd.Categorical(first, categories=categories).codes
    b = pd.Categorical(second, categories=categories).codes
    table = np.zeros((len(categories), len(categories)))
    np.add.at(table, (a, b), 1)
    total = table.sum()
    observed = np.trace(table) / total
    expected = float((table.sum(axis=1) / total) @ (table.sum(axis=0) / total))
    return float((observed - expected) / (1 - expected)) if expected < 1 else float("nan")


def code_matrix(wide: pd.DataFrame, categories=CODES) -> np.ndarray:
    """A coders x items table of codes as category numbers (NaN where a coder gave no code)."""
    values = pd.Categorical(wide.to_numpy().ravel(), categories=categories).codes.reshape(wide.shape).astype(float)
    values[values < 0] = np.nan
    return values


def krippendorff_alpha(wide: pd.DataFrame | np.ndarray, categories=CODES) -> float:
    """Krippendorff's alpha (nominal) of a coders x items table of codes (missing codes allowed), by the
    ``krippendorff`` package; a numeric table is taken as :func:`code_matrix` output."""
    import krippendorff

    values = wide if isinstance(wide, np.ndarray) else code_matrix(wide, categories)
    return float(krippendorff.alpha(reliability_data=values, level_of_measurement="nominal",
                                    value_domain=list(range(len(categories)))))


def bootstrap_interval(statistic, items: np.ndarray, draws: int, seed: int) -> list[float]:
    """Percentile 95 % interval of ``statistic(item positions)`` over items resampled with replacement."""
    rng = np.random.default_rng(seed)
    values = [statistic(rng.integers(0, len(items), len(items))) for _ in range(draws)]
    values = np.asarray([v for v in values if np.isfinite(v)])
    return [float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))] if len(values) else [None, None]


def agreement(codings: pd.DataFrame, draws: int = 1000, seed: int = 11) -> dict:
    """Krippendorff's alpha over all coders and Cohen's kappa per pair, each with a bootstrap 95 % interval
    over items (items resampled, the same draws for every measure)."""
    wide = codings.pivot(index="coder", columns="sample_id", values="code")
    items = wide.columns.to_numpy()
    result = {"coders": list(wide.index), "items": int(len(items))}
    if len(wide) < 2:
        return result | {"krippendorff_alpha": None, "pairwise_cohen_kappa": [],
                         "note": "agreement needs two or more coders"}
    values = code_matrix(wide)
    result["krippendorff_alpha"] = {
        "estimate": krippendorff_alpha(values),
        "ci95": bootstrap_interval(lambda pick: krippendorff_alpha(values[:, pick]), items, draws, seed)}
    pairs = []
    for first, second in itertools.combinations(wide.index, 2):
        a, b = wide.loc[first].to_numpy(), wide.loc[second].to_numpy()
        both = pd.notna(a) & pd.notna(b)
        a, b = a[both], b[both]
        pairs.append({"coders": [first, second], "items": int(len(a)), "estimate": cohen_kappa(a, b),
                      "percent_agreement": float(np.mean(a == b)) if len(a) else None,
                      "ci95": bootstrap_interval(lambda pick: cohen_kappa(a[pick], b[pick]), a, draws, seed)})
    result["pairwise_cohen_kappa"] = pairs
    return result


def adjudicate(codings: pd.DataFrame) -> pd.DataFrame:
    """The majority code per item: sample_id, adjudicated (None on a tie), votes ("negative:2 neutral:1"),
    tie (true when two or more codes share the most votes: these need a third coder)."""
    rows = []
    for sample_id, codes in codings.groupby("sample_id", sort=True)["code"]:
        counts = codes.value_counts()
        top = counts[counts == counts.iloc[0]]
        rows.append({"sample_id": sample_id, "adjudicated": top.index[0] if len(top) == 1 else None,
                     "votes": " ".join(f"{code}:{n}" for code, n in sorted(counts.items())), "tie": len(top) > 1})
    return pd.DataFrame(rows, columns=["sample_id", "adjudicated", "votes", "tie"])


# ------------------------------------------------------------------------------------- model vs humans
def weighted_model_metrics(true_labels, predicted, weights) -> dict:
    """Weighted accuracy, macro-F1 and the weighted 3 x 3 confusion matrix (rows true negative / neutral /
    positive, columns predicted) of the model against human codes."""
    truth = pd.Categorical(true_labels, categories=CLASSES).codes
    guess = pd.Categorical(predicted, categories=CLASSES).codes
    known = (truth >= 0) & (guess >= 0)
    confusion = weighted_confusion(truth[known], guess[known], np.asarray(weights, dtype=float)[known])
    accuracy, macro_f1 = confusion_scores(confusion)
    return {"items": int(known.sum()), "accuracy": accuracy, "macro_f1": macro_f1,
            "confusion_matrix": {"labels": list(CLASSES), "rows_true_columns_predicted": confusion.tolist()}}


def weighted_confusion(truth: np.ndarray, guess: np.ndarray, weights: np.ndarray) -> np.ndarray:
    confusion = np.zeros((len(CLASSES), len(CLASSES)))
    np.add.at(confusion, (truth, guess), weights)
    return confusion


def confusion_scores(confusion: np.ndarray) -> tuple[float | None, float | None]:
    """Accuracy and macro-F1 (over the classes present in the truth) of a confusion matrix."""
    total = confusion.sum()
    if not total:
        return None, None
    return float(np.trace(confusion) / total), present_macro_f1(confusion)


def model_against_codes(sample: pd.DataFrame, adjudicated: pd.DataFrame, by: str | None = None,
                        draws: int = 1000, seed: int = 13) -> dict:
    """The model's predicted labels against the adjudicated codes, with the sampling weights and bootstrap
    95 % intervals (items resampled within their stratum); ``by`` splits the result (platform, phase).
    Ties and off_topic codes are left out and counted."""
    merged = sample.merge(adjudicated, on="sample_id")
    excluded = {"ties": int(merged["tie"].sum()), "off_topic": int((merged["adjudicated"] == "off_topic").sum())}
    merged = merged[merged["adjudicated"].isin(CLASSES) & merged["predicted_label"].isin(CLASSES)]
    groups = [("all", merged)] if by is None else list(merged.groupby(by, sort=True))
    result = {}
    for name, rows in groups:
        rows = rows.reset_index(drop=True)
        metrics = weighted_model_metrics(rows["adjudicated"], rows["predicted_label"], rows["weight"])
        truth = pd.Categorical(rows["adjudicated"], categories=CLASSES).codes
        guess = pd.Categorical(rows["predicted_label"], categories=CLASSES).codes
        weights = rows["weight"].to_numpy(dtype=float)
        strata = [np.flatnonzero(rows["stratum"].to_numpy() == s) for s in rows["stratum"].unique()]
        rng = np.random.default_rng(seed)
        scores = []
        for _ in range(draws if len(rows) else 0):
            pick = np.concatenate([rng.choice(members, len(members)) for members in strata])
            scores.append(confusion_scores(weighted_confusion(truth[pick], guess[pick], weights[pick])))
        scores = np.array(scores, dtype=float).reshape(-1, 2)
        for column, key in ((0, "accuracy_ci95"), (1, "macro_f1_ci95")):
            metrics[key] = ([float(np.nanpercentile(scores[:, column], 2.5)),
                             float(np.nanpercentile(scores[:, column], 97.5))] if len(scores) else [None, None])
        result[str(name)] = metrics
    return {"excluded": excluded, "groups": result} if by else {"excluded": excluded, **result["all"]}


def accuracy_half_width(items: int, accuracy: float = 0.75, design_effect: float = 1.0) -> float:
    """Half-width of a 95 % interval on the model's accuracy from ``items`` coded items (normal approximation,
    inflated by the design effect of unequal sampling weights): what a planned sample size buys."""
    if items <= 0:
        return float("nan")
    return float(1.96 * np.sqrt(accuracy * (1 - accuracy) * design_effect / items))


def design_effect(weights) -> float:
    """Kish's design effect of unequal weights: n * sum(w^2) / (sum w)^2."""
    weights = np.asarray(weights, dtype=float)
    return float(len(weights) * np.sum(weights ** 2) / np.sum(weights) ** 2) if len(weights) else float("nan")


def effect_half_width(sample: pd.DataFrame) -> float | None:
    """Half-width of the 95 % interval that the codes of the response window would leave on the corrected
    level change of the negative share (predictive-value correction, :data:`firestorm.its.PREDICTIVE`), from
    the sample before anyone codes it: on each side of the response, Var = sum over labels j of q_j^2 p_j
    (1 - p_j) / n_j, with q_j the weighted share of label j, p_j the model's mean probability of negative
    among items labelled j (standing in for the coded share) and n_j the items to code. The interrupted time
    series adds its own noise; ties and off-topic codes remove items. None without a response window.

    ``sample``: the coding sample with ``p_negative`` (the model's probability) per item.
    """
    sides = sample["stratum"].astype(str).str.split(" | ", regex=False).str[0]
    variance = 0.0
    for side in RESPONSE_WINDOWS:
        rows = sample[sides == side]
        if rows.empty:
            return None
        weights = rows.groupby("predicted_label")["weight"].sum()
        shares = weights / weights.sum()
        for label, group in rows.groupby("predicted_label"):
            p = float(np.average(group["p_negative"], weights=group["weight"]))
            variance += shares[label] ** 2 * p * (1 - p) / len(group)
    return float(1.96 * np.sqrt(variance))


def validation_report(sample: pd.DataFrame, codings: pd.DataFrame, planned_size: int, draws: int = 1000) -> dict:
    """agreement.json of one case: the coders' agreement, the adjudication, the model against the adjudicated
    codes (overall, per platform, per phase; weighted, with intervals) and the power of the planned sample.
    Without coder files it holds the power alone (``coded`` false)."""
    effect = design_effect(sample["weight"]) if len(sample) else 1.0
    power = {"planned_items": int(planned_size), "design_effect": effect,
             "accuracy_ci95_half_width_at_75_percent": accuracy_half_width(planned_size, 0.75, effect),
             "response_effect_ci95_half_width": (effect_half_width(sample) if "p_negative" in sample else None),
             "note": "half-width of the 95 % interval on the model's accuracy the planned sample gives if the "
                     "model is right 75 % of the time (normal approximation with Kish's design effect); and on "
                     "the response effect corrected by the codes of the response window (share points, from "
                     "the model's probabilities; the time series adds its own noise; None: no stated response)"}
    if codings.empty:
        return {"coded": False, "coders": [], "power": power,
                "note": "no coder files yet: code results/<case>/validation/coding_sample.xlsx and put one file "
                        "per coder into the case's validation folder"}
    adjudicated = adjudicate(codings)
    return {
        "coded": True,
        "agreement": agreement(codings, draws=draws),
        "adjudication": {"items": int(len(adjudicated)), "ties": int(adjudicated["tie"].sum()),
                         "tied_sample_ids": adjudicated.loc[adjudicated["tie"], "sample_id"].tolist(),
                         "codes": adjudicated["adjudicated"].value_counts().astype(int).to_dict()},
        "model": model_against_codes(sample, adjudicated, draws=draws),
        "model_by_platform": model_against_codes(sample, adjudicated, by="platform", draws=draws),
        "model_by_phase": model_against_codes(sample, adjudicated, by="phase", draws=draws),
        "power": power,
    }


def coded_posts(sample: pd.DataFrame, codings: pd.DataFrame) -> pd.DataFrame:
    """The adjudicated sample items as the response stage's validation posts: post_id, true_label (negative /
    neutral / positive; ties and off_topic left out), weight and platform."""
    if codings.empty:
        return pd.DataFrame(columns=["post_id", "true_label", "weight", "platform"])
    merged = sample.merge(adjudicate(codings), on="sample_id")
    merged = merged[merged["adjudicated"].isin(CLASSES)]
    return pd.DataFrame({"post_id": merged["post_id"].to_numpy(), "true_label": merged["adjudicated"].to_numpy(),
                         "weight": merged["weight"].to_numpy(dtype=float), "platform": merged["platform"].to_numpy()})


# ------------------------------------------------------------------------------ corrected shares over time
MIN_CODED_PER_PLATFORM = 50   # coded items a platform needs for its own confusion matrix (else the pooled one)
DAILY_CORRECTED_COLUMNS = ["day", "platform", "items", "matrix", "coded_items"] + [
    f"{label}_{part}" for label in CLASSES for part in ("share", "corrected", "corrected_low", "corrected_high")]


def dirichlet_draw(counts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One draw of each row's shares from its Dirichlet posterior (counts + 1/2), all rows at once."""
    gammas = rng.gamma(np.asarray(counts, dtype=float) + 0.5)
    return gammas / gammas.sum(axis=1, keepdims=True)


def corrected_daily_shares(daily: pd.DataFrame, coded: pd.DataFrame, draws: int = 1000, seed: int = 0,
                           min_coded: int = MIN_CODED_PER_PLATFORM) -> pd.DataFrame:
    """Daily label shares corrected for the classifier's errors as the study's human codes measure them.

    ``daily``: day, platform and the counts negative / neutral / positive per row (``daily_sentiment.csv``);
    ``coded``: the coded items' platform, true_label (adjudicated), label (the model's) and weight. The true
    shares solve q = M^T pi (:func:`firestorm.its.true_class_shares`) with M the weighted confusion matrix of
    the platform's coded items, or of all coded items when a platform has fewer than ``min_coded`` (the
    ``matrix`` column says which). 95 % band by simulation: each day's label counts from their Dirichlet
    posterior, M's rows from theirs (one M per draw for all days: the same codes correct every day).
    Empty when nothing is coded.
    """
    from firestorm.its import dirichlet_rows, row_shares, true_class_shares, validation_confusion

    if coded.empty or daily.empty:
        return pd.DataFrame(columns=DAILY_CORRECTED_COLUMNS)
    rng = np.random.default_rng(seed)
    pooled = validation_confusion(coded)
    tables = []
    for platform, rows in daily.groupby("platform", sort=True):
        own = coded[coded["platform"] == platform]
        counts, matrix = ((validation_confusion(own), "platform") if len(own) >= min_coded
                          else (pooled, "pooled over platforms"))
        observed = rows[list(CLASSES)].to_numpy(dtype=float)
        items = observed.sum(axis=1)
        point = true_class_shares(observed / np.maximum(items, 1)[:, None], row_shares(counts))
        simulated = np.stack([
            true_class_shares(dirichlet_draw(observed, rng), dirichlet_rows(counts, rng))
            for _ in range(draws)])
        low, high = np.nanpercentile(simulated, [2.5, 97.5], axis=0)
        table = pd.DataFrame({"day": rows["day"].to_numpy(), "platform": platform, "items": items.astype(int),
                              "matrix": matrix, "coded_items": int(round(counts.sum()))})
        for i, label in enumerate(CLASSES):
            table[f"{label}_share"] = observed[:, i] / np.maximum(items, 1)
            table[f"{label}_corrected"] = point[:, i]
            table[f"{label}_corrected_low"] = low[:, i]
            table[f"{label}_corrected_high"] = high[:, i]
        tables.append(table)
    return pd.concat(tables, ignore_index=True)[DAILY_CORRECTED_COLUMNS]
