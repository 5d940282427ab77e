"""Human validation: the coding sample is stratified and weighted, coders' files are checked row by row,
agreement and the model's accuracy come with intervals and recover what simulated coders planted."""

import numpy as np
import pandas as pd
import pytest

from firestorm.validation import (
    CODES, SAMPLE_COLUMNS, CodingError, SampleSettings, accuracy_half_width, adjudicate, agreement, allocate,
    cohen_kappa, coding_sample, design_effect, krippendorff_alpha, model_against_codes, read_codings,
    write_coding_sample,
)


def scored_items(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "post_id": [f"weibo:{i}" for i in range(n)],
        "platform": rng.choice(["weibo", "xiaohongshu"], n, p=[0.7, 0.3]),
        "kind": rng.choice(["post", "comment"], n),
        "created_at": pd.Timestamp("2023-07-30", tz="UTC") + pd.to_timedelta(rng.integers(0, 72, n), unit="h"),
        "phase": rng.choice(["before_trigger", "after_trigger"], n, p=[0.2, 0.8]),
        "predicted_label": rng.choice(["negative", "neutral", "positive"], n, p=[0.6, 0.3, 0.1]),
        "text": [f"第{i}条帖子" for i in range(n)], "context": "",
    })


def test_allocation_gives_every_stratum_its_minimum_and_sums_to_the_size():
    sizes = pd.Series({"a": 1000, "b": 90, "c": 2, "d": 0})
    allocation = allocate(sizes, 100, 3)
    assert allocation.sum() == 100 and allocation["c"] == 2 and allocation["d"] == 0 and allocation["b"] >= 3
    assert abs(allocation["a"] / allocation["b"] - 1000 / 90) < 3      # the rest is proportional
    assert (allocate(sizes, 5000, 3) == sizes).all()                   # a sample larger than the data takes it all
    assert allocate(pd.Series({"a": 10, "b": 10, "c": 10}), 4, 3).sum() == 4


def test_coding_sample_is_seeded_stratified_and_weighted():
    items = scored_items()
    settings = SampleSettings(sample_size=300, min_per_stratum=3, seed=7)
    sample = coding_sample(items, settings, "Asia/Shanghai")
    assert list(sample.columns) == SAMPLE_COLUMNS and len(sample) == 300
    assert sample["sample_id"].is_unique and sample["post_id"].is_unique
    pd.testing.assert_frame_equal(sample, coding_sample(items, settings, "Asia/Shanghai"))   # seeded
    # Weights reproduce the population: the weighted count of a stratum is its size.
    strata = items[["phase", "predicted_label", "platform"]].astype(str).agg(" | ".join, axis=1).value_counts()
    assert sample.groupby("stratum")["weight"].sum().to_dict() == pytest.approx(strata.to_dict())
    assert sample["text"].tolist() == items.set_index("post_id").loc[sample["post_id"], "text"].tolist()
    assert (sample["code"] == "").all()


def test_coding_workbook_has_the_sample_and_the_codebook(tmp_path):
    sample = coding_sample(scored_items(200), SampleSettings(sample_size=40), "Asia/Shanghai")
    write_coding_sample(sample, tmp_path / "s.xlsx", tmp_path / "s.csv")
    sheets = pd.read_excel(tmp_path / "s.xlsx", sheet_name=None, engine="openpyxl")
    assert set(sheets) == {"coding", "codebook"} and len(sheets["coding"]) == 40
    assert set(CODES) <= set(sheets["codebook"]["code or rule"])
    assert pd.read_csv(tmp_path / "s.csv", encoding="utf-8-sig")["text"].tolist() == sample["text"].tolist()


def write_coder(path, sample, codes):
    pd.DataFrame({"sample_id": sample["sample_id"], "code": codes}).to_csv(path, index=False)
    return path


def test_coder_files_are_checked_row_by_row(tmp_path):
    sample = coding_sample(scored_items(100), SampleSettings(sample_size=10), "Asia/Shanghai")
    good = ["negative"] * 10
    paths = [write_coder(tmp_path / "coder_a.csv", sample, good)]
    assert len(read_codings(paths, sample)) == 10
    bad = good.copy()
    bad[3] = "angry"
    with pytest.raises(CodingError, match=r"coder_b.csv: row 5: field 'code' is 'angry'"):
        read_codings([write_coder(tmp_path / "coder_b.csv", sample, bad)], sample)
    empty = good.copy()
    empty[0] = ""
    with pytest.raises(CodingError, match=r"row 2: field 'code' is empty"):
        read_codings([write_coder(tmp_path / "coder_c.csv", sample, empty)], sample)
    duplicated = pd.concat([pd.DataFrame({"sample_id": sample["sample_id"], "code": good}),
                            pd.DataFrame({"sample_id": [sample["sample_id"].iat[2]], "code": ["neutral"]})])
    duplicated.to_csv(tmp_path / "coder_d.csv", index=False)
    with pytest.raises(CodingError, match=r"row 12: sample_id 'S0003' appears again \(first at row 4\)"):
        read_codings([tmp_path / "coder_d.csv"], sample)
    write_coder(tmp_path / "coder_e.csv", sample.head(8), good[:8])
    with pytest.raises(CodingError, match="2 sample items have no row"):
        read_codings([tmp_path / "coder_e.csv"], sample)
    stranger = pd.DataFrame({"sample_id": list(sample["sample_id"]) + ["S9999"], "code": good + ["neutral"]})
    stranger.to_csv(tmp_path / "coder_f.csv", index=False)
    with pytest.raises(CodingError, match="row 12: sample_id 'S9999' is not in the coding sample"):
        read_codings([tmp_path / "coder_f.csv"], sample)


def test_kappa_and_alpha_on_textbook_tables():
    # Perfect agreement and chance-level agreement.
    a = np.array(["negative", "neutral", "positive"] * 20)
    assert cohen_kappa(a, a) == pytest.approx(1.0)
    # A 2 x 2 example: 20 items, observed agreement 0.7, expected 0.5 -> kappa 0.4.
    first = np.array(["negative"] * 10 + ["positive"] * 10)
    second = np.array(["negative"] * 7 + ["positive"] * 3 + ["negative"] * 3 + ["positive"] * 7)
    assert cohen_kappa(first, second) == pytest.approx(0.4)
    wide = pd.DataFrame([first, second], index=["a", "b"])
    # Krippendorff's nominal alpha: coincidences o(neg,pos) = o(pos,neg) = 6 of n = 40 pairable values, 20 of
    # each code: alpha = 1 - (n - 1) * 12 / (2 * 20 * 20) = 1 - 39 * 12 / 800.
    assert krippendorff_alpha(wide) == pytest.approx(1 - 39 * 12 / 800)


def simulated_codings(sample, truth, error_rates, bias=None, seed=3):
    """Coders who err at a planted rate against the truth; ``bias`` (coder -> code) sends their errors there."""
    rng = np.random.default_rng(seed)
    rows = []
    for coder, rate in error_rates.items():
        for sample_id, true in zip(sample["sample_id"], truth):
            code = true
            if rng.random() < rate:
                others = [c for c in ("negative", "neutral", "positive") if c != true]
                code = bias[coder] if bias and coder in bias and bias[coder] != true else rng.choice(others)
            rows.append((coder, sample_id, code))
    return pd.DataFrame(rows, columns=["coder", "sample_id", "code"])


def test_agreement_adjudication_and_model_accuracy_recover_what_was_planted():
    items = scored_items(5000, seed=1)
    rng = np.random.default_rng(5)
    # The truth: the model is right 80 % of the time.
    right = rng.random(len(items)) < 0.8
    wrong = np.array([rng.choice([c for c in ("negative", "neutral", "positive") if c != p])
                      for p in items["predicted_label"]])
    items["true_label"] = np.where(right, items["predicted_label"], wrong)
    sample = coding_sample(items, SampleSettings(sample_size=600, min_per_stratum=5, seed=2), "Asia/Shanghai")
    truth = items.set_index("post_id").loc[sample["post_id"], "true_label"].to_numpy()
    codings = simulated_codings(sample, truth, {"a": 0.05, "b": 0.05, "c": 0.15}, bias={"c": "neutral"})
    result = agreement(codings, draws=200)
    assert result["items"] == 600 and len(result["pairwise_cohen_kappa"]) == 3
    low, high = result["krippendorff_alpha"]["ci95"]
    assert low < result["krippendorff_alpha"]["estimate"] < high and 0.7 < result["krippendorff_alpha"]["estimate"]
    kappas = {tuple(p["coders"]): p["estimate"] for p in result["pairwise_cohen_kappa"]}
    assert kappas[("a", "b")] > kappas[("a", "c")]          # the biased, sloppier coder agrees less
    adjudicated = adjudicate(codings)
    assert adjudicated.loc[adjudicated["tie"], "adjudicated"].isna().all()
    # Majority of three mostly-right coders is nearly always the truth.
    assert np.mean(adjudicated.set_index("sample_id").loc[sample["sample_id"], "adjudicated"].to_numpy()
                   == truth) > 0.97
    overall = model_against_codes(sample, adjudicated, draws=200)
    low, high = overall["accuracy_ci95"]
    assert low <= 0.8 <= high + 0.01 and high - low < 0.12
    by_platform = model_against_codes(sample, adjudicated, by="platform", draws=100)
    assert set(by_platform["groups"]) == {"weibo", "xiaohongshu"}
    assert np.sum(overall["confusion_matrix"]["rows_true_columns_predicted"]) == pytest.approx(
        sample.merge(adjudicated)[lambda f: ~f["tie"]]["weight"].sum())


def test_ties_are_listed_for_a_third_coder():
    codings = pd.DataFrame({"coder": ["a", "b", "a", "b"], "sample_id": ["S1", "S1", "S2", "S2"],
                            "code": ["negative", "positive", "neutral", "neutral"]})
    adjudicated = adjudicate(codings).set_index("sample_id")
    assert adjudicated.loc["S1", "tie"] and pd.isna(adjudicated.loc["S1", "adjudicated"])
    assert adjudicated.loc["S1", "votes"] == "negative:1 positive:1"
    assert adjudicated.loc["S2", "adjudicated"] == "neutral" and not adjudicated.loc["S2", "tie"]


def test_power_of_a_planned_sample():
    assert accuracy_half_width(300, 0.75) == pytest.approx(1.96 * np.sqrt(0.75 * 0.25 / 300))
    assert accuracy_half_width(1200, 0.75) == pytest.approx(accuracy_half_width(300, 0.75) / 2)
    assert design_effect([1, 1, 1]) == pytest.approx(1.0) and design_effect([1, 3]) == pytest.approx(1.25)


def test_validation_items_carry_own_words_phase_and_context(repo):
    from firestorm.config import load_case
    from firestorm.validation import validation_items

    case = load_case(repo / "config/cases/miaoya_camera.yaml")
    start = case.first_event_time("trigger")
    posts = pd.DataFrame({
        "post_id": ["weibo:1", "weibo:2", "weibo:3"], "platform": "weibo", "kind": ["post", "comment", "repost"],
        "created_at": [start - pd.Timedelta(hours=1), start + pd.Timedelta(hours=1), start + pd.Timedelta(hours=2)],
        "parent_id": [None, "weibo:1", None],
        "text": ["协议太霸道", "同意", "转发一下//@用户a1b2:协议太霸道"]})
    tokens = pd.DataFrame({"post_id": ["weibo:1", "weibo:2", "weibo:3"], "own_text": ["协议太霸道", "同意", "转发一下"]})
    sentiment = pd.DataFrame({"post_id": ["weibo:1", "weibo:2", "weibo:3"], "label": ["negative", "neutral", "neutral"]})
    items = validation_items(posts, tokens, sentiment, case).set_index("post_id")
    assert items.loc["weibo:2", "context"] == "协议太霸道"                     # a comment: its parent's words
    assert items.loc["weibo:3", "context"] == "转发一下//@用户a1b2:协议太霸道"  # a repost: the chain it quotes
    assert items.loc["weibo:1", "context"] == "" and items.loc["weibo:3", "text"] == "转发一下"
    assert items.loc["weibo:1", "phase"] != items.loc["weibo:2", "phase"]


def test_demo_coders_err_at_their_planted_rates_and_agreement_recovers_them(tmp_path):
    from firestorm.demo import DEMO_CODERS, write_demo_codings
    from firestorm.demo.coders import simulate_codes

    items = scored_items(4000, seed=4)
    rng = np.random.default_rng(8)
    planted = pd.DataFrame({"post_id": items["post_id"],
                            "code": rng.choice(["negative", "neutral", "positive"], len(items), p=[0.5, 0.3, 0.2])})
    sample = coding_sample(items, SampleSettings(sample_size=1500, seed=3), "Asia/Shanghai")
    files = write_demo_codings(sample, planted, tmp_path, seed=5)
    codings = read_codings(list(files.values()), sample)
    truth = sample[["sample_id", "post_id"]].merge(planted, on="post_id").set_index("sample_id")["code"]
    for coder, planted_coder in DEMO_CODERS.items():
        codes = codings[codings["coder"] == coder].set_index("sample_id")["code"]
        errors = int((codes != truth.loc[codes.index]).sum())
        low, high = (errors - 2.6 * np.sqrt(errors), errors + 2.6 * np.sqrt(errors))
        assert low <= planted_coder["error_rate"] * len(codes) <= high, coder
    biased = codings[(codings["coder"] == "coder_b")].set_index("sample_id")["code"]
    wrong = biased[biased != truth.loc[biased.index]]
    assert (wrong == "neutral").mean() > 0.6          # the planted bias: coder_b's errors go to neutral
    # Cohen's kappa between the coders: its interval covers the value the same coders reach on a huge sample.
    result = agreement(codings, draws=300)
    big_truth = rng.choice(["negative", "neutral", "positive"], 200_000, p=[0.5, 0.3, 0.2])
    population = cohen_kappa(simulate_codes(big_truth, 0.08, None, rng), simulate_codes(big_truth, 0.15, "neutral", rng))
    low, high = result["pairwise_cohen_kappa"][0]["ci95"]
    assert low <= population <= high
    with pytest.raises(ValueError, match="without a planted label"):
        write_demo_codings(sample.assign(post_id="weibo:none"), planted, tmp_path / "x", seed=1)


def test_daily_shares_corrected_by_human_codes_recover_the_true_shares():
    from firestorm.validation import corrected_daily_shares

    rng = np.random.default_rng(21)
    # P(model label | true class): the model pulls negative posts to neutral, as the real one does.
    confusion = np.array([[0.70, 0.25, 0.05], [0.10, 0.80, 0.10], [0.05, 0.20, 0.75]])
    classes = np.array(["negative", "neutral", "positive"])
    true_negative = np.linspace(0.3, 0.7, 10)
    rows, coded = [], []
    for day, negative in enumerate(true_negative):
        truth = rng.choice(3, 3000, p=[negative, (1 - negative) / 2, (1 - negative) / 2])
        labels = np.array([rng.choice(3, p=confusion[t]) for t in truth])
        counts = np.bincount(labels, minlength=3)
        rows.append({"day": pd.Timestamp("2023-08-01") + pd.Timedelta(days=day), "platform": "weibo",
                     "negative": counts[0], "neutral": counts[1], "positive": counts[2]})
        pick = rng.choice(len(truth), 40, replace=False)
        coded.append(pd.DataFrame({"platform": "weibo", "true_label": classes[truth[pick]],
                                   "label": classes[labels[pick]], "weight": 1.0}))
    daily, coded = pd.DataFrame(rows), pd.concat(coded, ignore_index=True)
    table = corrected_daily_shares(daily, coded, draws=400, seed=3)
    assert len(table) == 10 and set(table["matrix"]) == {"platform"} and table["coded_items"].iloc[0] == 400
    covered = (table["negative_corrected_low"] <= true_negative) & (true_negative <= table["negative_corrected_high"])
    assert covered.mean() >= 0.8
    # The model's own shares are biased low on the negative side; the correction removes most of that bias.
    assert np.abs(table["negative_corrected"] - true_negative).mean() < 0.5 * np.abs(
        table["negative_share"] - true_negative).mean()
    # A platform with too few codes borrows the pooled matrix; nothing coded: an empty table.
    other = daily.assign(platform="xiaohongshu")
    mixed = corrected_daily_shares(pd.concat([daily, other]), coded.assign(
        platform=["weibo"] * 370 + ["xiaohongshu"] * 30), draws=50)
    assert set(mixed.groupby("platform")["matrix"].first()) == {"platform", "pooled over platforms"}
    assert corrected_daily_shares(daily, coded.iloc[:0]).empty


def test_the_hours_around_a_response_get_half_the_sample_and_the_weights_still_add_up():
    items = scored_items(4000, seed=6)
    response = pd.Timestamp("2023-08-01 12:00", tz="UTC")
    sample = coding_sample(items, SampleSettings(sample_size=300, seed=2), "Asia/Shanghai", response=response,
                           window_start=response - pd.Timedelta(hours=6), hours_after=12)
    sides = sample["stratum"].str.split(" | ", regex=False).str[0]
    assert sides.value_counts().to_dict() == {"before response": 75, "after response": 75,
                                              "outside response window": 150}
    # Each side of the window stands for exactly its own items (weights = N_h / n_h within each stratum).
    hours = (items["created_at"] - response) / pd.Timedelta(hours=1)
    in_window = {"before response": ((hours >= -6) & (hours < 0)).sum(),
                 "after response": ((hours >= 0) & (hours < 12)).sum()}
    for side, count in in_window.items():
        assert sample.loc[sides == side, "weight"].sum() == pytest.approx(count)
    assert sample["weight"].sum() == pytest.approx(len(items))
    assert sample["post_id"].is_unique and sample["sample_id"].is_unique
    # No stated response: the plain phase x label x platform design.
    plain = coding_sample(items, SampleSettings(sample_size=300, seed=2), "Asia/Shanghai")
    assert not plain["stratum"].str.contains("response").any() and len(plain) == 300


def test_power_on_the_response_effect_shrinks_with_the_codes_of_the_window():
    from firestorm.validation import effect_half_width

    items = scored_items(6000, seed=9)
    probability = {"negative": 0.85, "neutral": 0.35, "positive": 0.1}
    items["p_negative"] = items["predicted_label"].map(probability)
    response = pd.Timestamp("2023-08-01 00:00", tz="UTC")
    widths = []
    for share in (0.2, 0.5, 0.8):
        sample = coding_sample(items, SampleSettings(sample_size=300, seed=2, response_window_share=share),
                               "Asia/Shanghai", response=response, window_start=response - pd.Timedelta(hours=12),
                               hours_after=24)
        widths.append(effect_half_width(sample.merge(items[["post_id", "p_negative"]], on="post_id")))
    assert widths[0] > widths[1] > widths[2] > 0
    # By hand for 0.5: 75 items a side; label shares 0.6/0.3/0.1 -> the variance of the two sides added.
    by_hand = 1.96 * np.sqrt(2 * sum(q ** 2 * p * (1 - p) / (75 * q)
                                     for q, p in ((0.6, 0.85), (0.3, 0.35), (0.1, 0.1))))
    assert widths[1] == pytest.approx(by_hand, rel=0.25)
    plain = coding_sample(items, SampleSettings(sample_size=300), "Asia/Shanghai")
    assert effect_half_width(plain.merge(items[["post_id", "p_negative"]], on="post_id")) is None
