"""Who carried the storm: cascades rebuilt from parent ids and repost chains, their size, depth and structural
virality; key spreaders; the coordinated-posting screen; field coverage."""

import pandas as pd
import pytest

from firestorm.diffusion import build_cascades, chain_parent, item_parents, size_ccdf


def items(rows):
    """posts.parquet-like rows: (post_id, parent_id, text, author_alias, minutes after 08:00)."""
    frame = pd.DataFrame(rows, columns=["post_id", "parent_id", "text", "author_alias", "minute"])
    frame["platform"] = "weibo"
    frame["created_at"] = pd.Timestamp("2023-08-01 08:00", tz="UTC") + pd.to_timedelta(frame.pop("minute"), unit="min")
    frame["author"] = "a_" + frame["post_id"]
    return frame


TREE = items([
    ("weibo:A", None, "平台偷用画师作品", "u_a", 0),
    ("weibo:B", "weibo:A", "同意", "u_b", 1),
    ("weibo:C", "weibo:B", "+1", "u_c", 2),
    ("weibo:D", "weibo:A", "抵制", "u_d", 3),
    ("weibo:E", None, "太过分了//@u_a:平台偷用画师作品", "u_e", 4),
    ("weibo:F", None, "转发//@u_e:太过分了//@u_a:平台偷用画师作品", "u_f", 5),
    ("weibo:G", None, "呵呵//@u_zz:不在数据里的话", "u_g", 6),
    ("weibo:H", "weibo:missing", "评论一", "u_h", 7),
    ("weibo:I", "weibo:missing", "评论二", "u_i", 8),
])


def test_repost_chains_name_whom_an_item_reposted():
    assert chain_parent("转发//@u_e:太过分了//@u_a:原话") == ("u_e", "太过分了")
    assert chain_parent("没有转发链") is None
    links = item_parents(TREE).set_index("post_id")
    assert links.loc["weibo:E", "parent"] == "weibo:A" and links.loc["weibo:E", "link"] == "repost chain"
    assert links.loc["weibo:F", "parent"] == "weibo:E"
    assert links.loc["weibo:G", "link"] == "outside the data"
    assert links.loc["weibo:H", "parent"] == links.loc["weibo:I", "parent"] == "outside:weibo:missing"


def test_cascade_size_depth_breadth_and_structural_virality():
    cascades = build_cascades(TREE)
    table = cascades.table.set_index("root_post_id")
    main = table.loc["weibo:A"]
    assert (main["items"], main["depth"], main["breadth"]) == (6, 2, 3)
    # Pairwise distances of A..F summed by hand: 31 over 15 pairs.
    assert main["structural_virality"] == pytest.approx(31 / 15)
    assert main["lifetime_hours"] == pytest.approx(5 / 60)
    missing = table.loc["weibo:missing"]
    assert not missing["root_in_data"] and missing["items"] == 2 and missing["structural_virality"] == 2.0
    assert table["items"].sum() == len(TREE)
    assert cascades.links == {"root": 1, "parent id": 3, "repost chain": 2, "outside the data": 3,
                              "cut from a parent cycle": 0}
    per_item = cascades.items.set_index("post_id")
    assert per_item.loc["weibo:A", "descendants"] == 5 and per_item.loc["weibo:C", "depth"] == 2


def test_chains_in_an_export_without_author_names_go_to_outside_roots():
    """weiboSpider 2018 states no nickname per item: no chain can be resolved, none may crash."""
    nameless = TREE.assign(author_alias=pd.Series([None] * len(TREE), dtype="string"))
    links = item_parents(nameless).set_index("post_id")["link"]
    assert links["weibo:E"] == links["weibo:F"] == "outside the data"


def test_a_chain_without_a_readable_name_leaves_its_item_a_root():
    broken = items([("weibo:J", None, "链子断了//@ 没有名字", "u_j", 0), ("weibo:K", None, "//@", None, 1)])
    assert item_parents(broken)["link"].tolist() == ["root", "root"]


def test_a_parent_cycle_is_cut_not_looped_forever():
    cycle = items([("weibo:X", "weibo:Y", "x", None, 0), ("weibo:Y", "weibo:X", "y", None, 1)])
    cascades = build_cascades(cycle)
    assert cascades.links["cut from a parent cycle"] == 2 and cascades.table["items"].sum() == 2


def test_size_ccdf():
    ccdf = size_ccdf([1, 1, 2, 5])
    assert ccdf.to_dict("list") == {"size": [1, 2, 5], "share_at_least": [1.0, 0.5, 0.25]}


def test_spreaders_rank_authors_and_concentration_is_measured():
    from firestorm.diffusion import concentration, gini, key_spreaders, spreaders_by_phase, top_share

    posts = TREE.assign(author=["a1", "a2", "a2", "a3", "a1", "a2", "a4", "a5", "a5"], is_official=False,
                        likes=[10, 0, 0, 1, 5, 0, 0, 0, 0], comments=0, shares=0)
    table = key_spreaders(posts, build_cascades(posts).items).set_index("author")
    assert table.loc["a2", "items"] == 3 and table.loc["a2", "rank_items"] == 1
    # a1 wrote A (5 descendants) and E (1): 6 items triggered; engagement 15.
    assert table.loc["a1", "descendants"] == 6 and table.loc["a1", "rank_descendants"] == 1
    assert table.loc["a1", "engagement"] == 15
    assert gini([1, 1, 1, 1]) == pytest.approx(0.0) and gini([0, 0, 0, 10]) == pytest.approx(0.75)
    assert top_share([5, 3, 1, 1], 0.25) == pytest.approx(0.5)
    assert concentration([5, 3, 1, 1])["top_10_percent_share"] == pytest.approx(0.5)
    phases = pd.Series(["early"] * 4 + ["late"] * 5)
    by_phase = spreaders_by_phase(posts, phases, fraction=0.5).set_index("phase")
    assert by_phase.loc["early", "authors"] == 3 and pd.isna(by_phase.loc["early", "overlap_with_previous_phase_top"])
    assert 0 <= by_phase.loc["late", "overlap_with_previous_phase_top"] <= 1


def test_coordination_screen_finds_copies_by_distinct_authors_within_the_window():
    from firestorm.diffusion import CoordinationSettings, coordination_screen, normalised_text

    text = "所有画师一起删图抵制平台偷用作品"
    start = pd.Timestamp("2023-08-01 08:00", tz="UTC")
    # Four accounts post the same words twice each, seconds apart (every pair of them co-posts twice).
    rows = [(f"weibo:c{i}", f"bot{i % 4}", start + pd.Timedelta(seconds=5 * i), f"{text} @u_{i:04d} #话题#", "")
            for i in range(8)]
    rows += [("weibo:late", "late_author", start + pd.Timedelta(hours=2), text, ""),      # same words, hours later
             ("weibo:short1", "x1", start, "转发微博", ""), ("weibo:short2", "x2", start, "转发微博", ""),
             ("weibo:tags1", "t1", start, "一", "甲|乙|丙"), ("weibo:tags2", "t2", start, "二", "丙|乙|甲"),
             ("weibo:tags3", "t1", start + pd.Timedelta(hours=1), "三", "甲|乙|丙"),
             ("weibo:tags4", "t2", start + pd.Timedelta(hours=1, seconds=30), "四", "丙|乙|甲"),
             ("weibo:link1", "l1", start, "看这个 http://t.cn/A6abc", ""),
             ("weibo:link2", "l2", start + pd.Timedelta(seconds=20), "快看 http://t.cn/A6abc", ""),
             ("weibo:link3", "l1", start + pd.Timedelta(hours=3), "再看 http://t.cn/A6abc", ""),
             ("weibo:link4", "l2", start + pd.Timedelta(hours=3, seconds=5), "http://t.cn/A6abc", ""),
             ("weibo:once1", "o1", start, "只巧合了一次的一句话而已", ""),   # one coincidence: not linked
             ("weibo:once2", "o2", start, "只巧合了一次的一句话而已", "")]
    posts = pd.DataFrame(rows, columns=["post_id", "author", "created_at", "text", "hashtags"])
    assert normalised_text(f"{text} @u_0001 #话题# [doge]") == text
    authors, summary, graph = coordination_screen(posts, CoordinationSettings(window_seconds=60))
    groups = authors.groupby("component")["author"].apply(set).tolist()
    assert {"bot0", "bot1", "bot2", "bot3"} in groups and {"t1", "t2"} in groups and {"l1", "l2"} in groups
    flagged = set(authors["author"])
    assert not flagged & {"late_author", "x1", "o1", "o2"}
    assert summary["volume_share"] == pytest.approx(16 / 21) and summary["pairs_by_key"]["hashtags"] == 2
    assert summary["pairs_by_key"]["links"] == 2
    assert summary["author_pairs"] == 6 + 1 + 1 + 1 and summary["author_pairs_repeated"] == 6 + 1 + 1


def test_field_coverage_says_what_each_figure_rests_on():
    from firestorm.diffusion import field_coverage

    posts = TREE.assign(kind=["post", "comment", "comment", "comment", "repost", "repost", "repost", "comment",
                              "comment"], ip_region=["广东"] * 3 + [None] * 6, likes=1, comments=1, shares=None,
                        time_precision=["second"] * 8 + ["day"])
    coverage = field_coverage(posts).set_index("field")["share"]
    assert coverage["IP location (IP属地)"] == pytest.approx(3 / 9)
    assert coverage["gender"] == 0.0 and coverage["share count"] == 0.0
    assert coverage["parent link (comments and reposts)"] == pytest.approx(1.0)
    assert coverage["time stated to the day"] == pytest.approx(1 / 9)


@pytest.mark.parametrize("raw, province", [
    ("IP属地：广东", "广东"), ("广东", "广东"), ("广东省", "广东"), ("中国广东", "广东"), ("发布于 上海", "上海"),
    ("新疆维吾尔自治区", "新疆"), ("海外", "海外 overseas"), ("美国", "海外 overseas"), ("", None), ("未知", None),
    (None, None), ("火星", "unread: 火星"),
])
def test_ip_locations_are_normalised_to_provinces(raw, province):
    from firestorm.geography import province_of

    assert province_of(raw) == province


def test_exports_without_any_location_give_an_empty_table_not_an_error():
    from firestorm.geography import province_table

    posts = pd.DataFrame({"post_id": ["p1", "p2"], "author": ["a", "b"],
                          "ip_region": pd.Series([None, None], dtype="string")})
    sentiment = pd.DataFrame({"post_id": ["p1", "p2"], "label": ["negative", "neutral"]})
    table, coverage = province_table(posts, sentiment, pd.Series(["one", "one"]))
    assert table.empty and coverage["located"] == 0 and coverage["not_stated"] == 2


def test_province_table_counts_items_authors_and_negative_share():
    from firestorm.geography import province_table

    posts = pd.DataFrame({"post_id": [f"p{i}" for i in range(6)], "author": ["a", "a", "b", "c", "d", "e"],
                          "ip_region": ["广东", "IP属地：广东", "上海", None, "未知", "火星"]})
    sentiment = pd.DataFrame({"post_id": posts["post_id"], "label": ["negative", "positive", "negative"] + ["neutral"] * 3})
    table, coverage = province_table(posts, sentiment, pd.Series(["one"] * 3 + ["two"] * 3))
    overall = table[table["phase"] == "all"].set_index("province")
    assert overall.loc["广东", "items"] == 2 and overall.loc["广东", "authors"] == 1
    assert overall.loc["广东", "negative_share"] == pytest.approx(0.5)
    assert overall.loc["广东", "negative_low"] < 0.5 < overall.loc["广东", "negative_high"]
    assert coverage["located"] == 3 and coverage["not_stated"] == 2 and coverage["unread_values"] == {"火星": 1}
    assert list(table["phase"].unique()) == ["all", "one"]


def test_the_demo_plants_only_links_an_export_states_and_a_shifting_province_mix():
    import numpy as np

    from firestorm.demo.diffusion import HUB_PROVINCES, plant_locations, planted_cascades, province_mix

    items = pd.DataFrame({
        "item_id": ["1", "2", "3", "4", "a", "b"], "platform": ["weibo"] * 4 + ["xiaohongshu"] * 2,
        "kind": ["post", "comment", "repost", "post", "post", "post"], "parent": [-1, 0, 1, 0, -1, 0],
        "created_at": pd.date_range("2023-08-01", periods=6, freq="min", tz="UTC"),
    })
    roots = planted_cascades(items).set_index("post_id")["planted_root"]
    # weibo:4 was triggered by weibo:1 but is a post of its own (no link in any export); so is xiaohongshu:b.
    assert roots.to_dict() == {"weibo:1": "weibo:1", "weibo:2": "weibo:1", "weibo:3": "weibo:1",
                               "weibo:4": "weibo:4", "xiaohongshu:a": "xiaohongshu:a",
                               "xiaohongshu:b": "xiaohongshu:b"}
    provinces = ["北京", "上海", "广东", "浙江", "四川", "湖北"]
    many = pd.DataFrame({"created_at": pd.date_range("2023-08-01", periods=20000, freq="min", tz="UTC")})
    trigger = many["created_at"].iat[10000]
    located = plant_locations(np.random.default_rng(1), many, provinces, trigger)
    after = located[10000:]
    share = after[after != ""].value_counts(normalize=True)
    expected = dict(zip(provinces, province_mix(provinces, True)))
    assert all(abs(share[p] - expected[p]) < 0.02 for p in provinces)
    assert expected[HUB_PROVINCES[0]] == pytest.approx(3 * expected["四川"])
    assert 0.02 < (located == "").mean() < 0.04
