"""What the demo plants for the diffusion stage (:mod:`firestorm.diffusion`), so that its recovery can be tested:
the cascades the exports make observable, the heaviest spreaders, a province mix of IP locations that shifts
after the trigger, and (where a case asks for it) a coordinated group posting the same words within seconds,
several times.

Every draw here uses its own generator (seeded from the case's demo seed), so the main stream of the demo —
arrivals, texts, sentiment — is the same with or without these plantings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from firestorm.demo.corpus import make_users, weibo_mid, xhs_id
from firestorm.demo.texts import compose_text

# IP locations per item: uniform over the demo's provinces before the trigger; afterwards the creative hubs
# weigh three times as much (the artists' storm). A few items state none, as in real exports.
HUB_PROVINCES = ("广东", "北京", "上海", "浙江")
HUB_WEIGHT_AFTER_TRIGGER = 3.0
LOCATION_MISSING_SHARE = 0.03
# The coordinated group (a case's demo.coordinated_group): accounts that post the same words within seconds of
# each other, round after round, with this call appended.
CAMPAIGN_CALL = "，所有画师一起转发扩散，拒绝被白嫖"
# The heaviest planted spreaders per platform: the users with the largest activity weights (pick_authors).
PLANTED_SPREADERS = 5


def province_mix(provinces: list[str], after_trigger: bool) -> np.ndarray:
    """Planted probabilities of each province before or after the trigger."""
    weights = np.array([HUB_WEIGHT_AFTER_TRIGGER if after_trigger and p in HUB_PROVINCES else 1.0
                        for p in provinces])
    return weights / weights.sum()


def plant_locations(rng: np.random.Generator, items: pd.DataFrame, provinces: list[str],
                    trigger: pd.Timestamp | None) -> pd.Series:
    """An IP location for every item (IP属地 is per post: where the author was when posting), from the
    province mix of its side of the trigger; :data:`LOCATION_MISSING_SHARE` of items state none ("")."""
    after = (items["created_at"] >= trigger).to_numpy() if trigger is not None else np.zeros(len(items), bool)
    locations = np.empty(len(items), dtype=object)
    for side in (False, True):
        members = np.flatnonzero(after == side)
        locations[members] = rng.choice(provinces, size=len(members), p=province_mix(provinces, side))
    locations[rng.random(len(items)) < LOCATION_MISSING_SHARE] = ""
    return pd.Series(locations, index=items.index, name="ip_location")


def add_coordinated_posts(rng: np.random.Generator, case, items: pd.DataFrame, users: pd.DataFrame,
                          phrases: dict, sentence_rng: np.random.Generator | None = None,
                          ) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Append the case's planted coordinated group (``demo.coordinated_group``) to its platform's items:
    ``accounts`` new accounts post one shared text per round, each within ``spread_seconds`` of the round's
    start, in ``rounds`` rounds spread over the storm after the trigger. Returns items, users and what was
    planted (user ids, round times)."""
    demo, platform = case.demo, items["platform"].iat[0]
    group = demo["coordinated_group"]
    accounts_n, rounds_n, spread = group["accounts"], group["rounds"], group.get("spread_seconds", 40)
    trigger = case.first_event_time("trigger") or case.window_start
    start, end = trigger + pd.Timedelta(hours=6), case.window_end - pd.Timedelta(hours=6)
    accounts = make_users(rng, platform, accounts_n, phrases)
    accounts["platform"] = platform
    first_user = len(users)
    span = max((end - start).total_seconds(), 1.0)
    rounds = sorted(start + pd.Timedelta(seconds=float(s)) for s in rng.uniform(0, span, rounds_n))
    rows = []
    for round_start in rounds:
        text = compose_text(rng, phrases, platform, "boycott", "negative", demo["brand"], demo["product"],
                            list(case.hashtags), None, False, case.keywords, sentence_rng) + CAMPAIGN_CALL
        for account in range(accounts_n):
            time = (round_start + pd.Timedelta(seconds=float(rng.uniform(0, spread)))).floor("s")
            seconds = int(time.timestamp())
            rows.append({
                "item_id": weibo_mid(rng, seconds) if platform == "weibo" else xhs_id(rng, seconds),
                "platform": platform, "kind": "post", "created_at": time, "parent": -1,
                "root": len(items) + len(rows), "user": first_user + account, "text": text, "frame": "boycott",
                "sentiment": "negative", "off_topic": False, "likes": int(rng.integers(0, 5)), "children": 0,
                "collects": 0, "shares": 0,
            })
    items = pd.concat([items, pd.DataFrame(rows)], ignore_index=True)
    items["created_at"] = pd.to_datetime(items["created_at"], utc=True)
    planted = {"platform": platform, "accounts": accounts_n, "rounds": rounds_n, "spread_seconds": spread,
               "user_ids": accounts["user_id"].tolist(),
               "round_starts": [t.isoformat() for t in rounds]}
    return items, pd.concat([users, accounts], ignore_index=True), planted


def planted_cascades(items: pd.DataFrame) -> pd.DataFrame:
    """post_id and the planted cascade root (a post_id) of every item, following only the links an export
    states: a comment's parent and a Weibo repost's (named in its ``//@`` chain). A Xiaohongshu item that a
    post triggered is a post of its own, with no link in the data, so it starts its own cascade here too."""
    tables = []
    for platform, group in items.groupby("platform", sort=False):
        group = group.reset_index(drop=True)   # parent and root are positions within the platform
        ids = (platform + ":" + group["item_id"].astype(str)).to_numpy()
        parent = group["parent"].to_numpy()
        linked = (parent >= 0) & group["kind"].isin(["comment", "repost"]).to_numpy()
        root = np.arange(len(group))
        for i in np.argsort(group["created_at"].to_numpy(), kind="stable"):   # parents come first
            if linked[i]:
                root[i] = root[parent[i]]
        tables.append(pd.DataFrame({"post_id": ids, "planted_root": ids[root]}))
    return pd.concat(tables, ignore_index=True)


def planted_spreaders(items: pd.DataFrame, users: pd.DataFrame) -> dict:
    """Per platform, the :data:`PLANTED_SPREADERS` users with the largest planted activity weights (the
    first users of :func:`firestorm.demo.corpus.pick_authors`) and their realised items."""
    result = {}
    for platform, group in items.groupby("platform", sort=True):
        platform_users = users[users["platform"] == platform].reset_index(drop=True)
        counts = group["user"].value_counts()
        result[platform] = [{"user_id": str(platform_users.loc[u, "user_id"]), "items": int(counts.get(u, 0))}
                            for u in range(PLANTED_SPREADERS)]
    return result


def location_truth(items: pd.DataFrame, provinces: list[str], trigger) -> dict:
    """The planted province mix before and after the trigger and the realised shares of located items."""
    after = items["created_at"] >= trigger if trigger is not None else pd.Series(False, index=items.index)
    truth = {"missing_share": LOCATION_MISSING_SHARE, "hubs": list(HUB_PROVINCES),
             "hub_weight_after_trigger": HUB_WEIGHT_AFTER_TRIGGER}
    for name, side in (("before_trigger", False), ("after_trigger", True)):
        located = items.loc[(after == side) & (items["ip_location"] != ""), "ip_location"]
        realised = located.value_counts(normalize=True)
        truth[name] = {"planted": {p: round(float(w), 4) for p, w in zip(provinces, province_mix(provinces, side))},
                       "realised": {p: round(float(realised.get(p, 0.0)), 4) for p in provinces},
                       "located_items": int(len(located))}
    return truth
