"""Who carried a storm: repost and reply cascades, key spreaders, a coordinated-posting screen and what the
exports' optional fields cover.

Cascades are trees of items: an item's parent is the item it replies to or reposts. Edges come from the
exports' own links (``parent_id``: comment parents, weibo-search's ``retweet_id``) and, for Weibo reposts that
carry only their ``//@name:text`` chain, from the chain: the first name is whom the item reposted, and the
parent is that author's item whose own words are the quoted text (``author_alias`` links the name, a keyed
pseudonym as in the texts, to the author). A parent the data does not hold becomes an "outside the data"
root shared by its children, and is counted. Structural virality is Goel et al. (2016)'s mean distance
between all pairs of a cascade's items (the Wiener index over pairs), computed exactly from subtree sizes.

Everything here works on ``posts.parquet`` columns (:data:`firestorm.schema.POSTS`); optional fields that a
format does not carry are null, and every measure says how many items it rests on.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from firestorm.text import own_words

# A repost chain's first link: "//@<name>:<quoted words>" (the name is the texts' keyed pseudonym, u_ + hex).
CHAIN_LINK = re.compile(r"//@([^:：\s/]{1,40})[:：]")
OUTSIDE = "outside:"   # prefix of the ids of parents the data does not hold

CASCADE_COLUMNS = ["cascade", "platform", "root_post_id", "root_in_data", "items", "depth", "breadth",
                   "lifetime_hours", "structural_virality", "first_at", "last_at"]
LINK_SOURCES = ("root", "parent id", "repost chain", "outside the data")


EMOTICON_CODE = re.compile(r"\[[^\[\]\s]{1,10}\]|\s+")


def quoted_key(words: str) -> str:
    """Words as a repost chain quotes them, for matching: without emoticon codes and spaces, which crawlers
    keep or strip differently ([失望] in weibo-crawler's text, gone in MediaCrawler's)."""
    return EMOTICON_CODE.sub("", words)


def chain_parent(text: str) -> tuple[str, str] | None:
    """(name, quoted own words) of the first link of a ``//@name:words//@…`` repost chain, else None."""
    match = CHAIN_LINK.search(str(text))
    if match is None:
        return None
    return match.group(1), own_words(str(text)[match.end():]).strip()


def item_parents(posts: pd.DataFrame) -> pd.DataFrame:
    """The parent of every item: post_id, parent (a post_id, an ``outside:`` id, or null for roots) and
    ``link`` (one of :data:`LINK_SOURCES`).

    ``parent_id`` wins where the export states it; else a repost chain is resolved to the latest earlier item
    by the named author (``author_alias``) whose own words are the quoted ones (:func:`quoted_key`: emoticon
    codes and spaces aside). Unresolved parents become
    ``outside:`` ids (one per stated parent, or per name and quoted words), so that items answering the same
    missing item stay one cascade.
    """
    ids = posts["post_id"].astype(str).to_numpy()
    known = set(ids)
    parent = posts["parent_id"].astype(object).where(posts["parent_id"].notna(), None).to_numpy()
    parent = np.array([None if p is None or p == i else str(p) for p, i in zip(parent, ids)], dtype=object)
    link = np.where(parent == None, "root", "parent id").astype(object)  # noqa: E711 (element-wise)
    outside = np.array([p is not None and p not in known for p in parent])
    link[outside] = "outside the data"
    parent[outside] = [OUTSIDE + p for p in parent[outside]]

    aliases = posts["author_alias"] if "author_alias" in posts else pd.Series(None, index=posts.index)
    chained = np.flatnonzero((parent == None) & posts["text"].fillna("").str.contains("//@", regex=False)  # noqa: E711
                             .to_numpy())
    links = [chain_parent(text) for text in posts["text"].to_numpy()[chained]]
    readable = np.array([found is not None for found in links], dtype=bool)
    chained = chained[readable]   # "//@" without a readable "name:" after it: no parent to name; stays a root
    if len(chained):
        names = np.array([found[0] for found in links if found is not None], dtype=object)
        quoted = np.array([found[1] for found in links if found is not None], dtype=object)
        platforms = posts["platform"].astype(str).to_numpy()
        times = posts["created_at"].to_numpy()
        # Each chained item's parent: the latest item at or before it by the named author with the quoted words,
        # all at once (merge_asof by platform, name and words), never the item itself.
        wanted = pd.DataFrame({"row": chained, "platform": platforms[chained], "alias": names,
                               "words": [quoted_key(words) for words in quoted],
                               "created_at": times[chained]})
        has_alias = aliases.notna().to_numpy()
        found = np.zeros(len(chained), dtype=bool)
        if has_alias.any():   # an export with no author names (weiboSpider 2018) has nothing to match against
            candidates = pd.DataFrame({
                "candidate": ids[has_alias], "platform": platforms[has_alias],
                "alias": aliases[has_alias].astype(str).to_numpy(),
                "words": posts["text"][has_alias].fillna("").map(lambda t: quoted_key(own_words(t))).to_numpy(),
                "created_at": times[has_alias]})
            matched = pd.merge_asof(wanted.sort_values("created_at", kind="stable"),
                                    candidates.sort_values("created_at", kind="stable"), on="created_at",
                                    by=["platform", "alias", "words"], direction="backward")
            matched = matched.set_index("row").reindex(chained)
            found = matched["candidate"].notna().to_numpy() & (matched["candidate"].to_numpy() != ids[chained])
            parent[chained[found]] = matched["candidate"].to_numpy()[found]
            link[chained[found]] = "repost chain"
        # One shared outside root per reposted (name, words) the data lacks; the words enter the id as a digest.
        for row, name, words in zip(chained[~found], names[~found], quoted[~found]):
            digest = hashlib.sha1(words.encode("utf-8")).hexdigest()[:12]
            parent[row], link[row] = f"{OUTSIDE}{platforms[row]}:{name}:{digest}", "outside the data"
    return pd.DataFrame({"post_id": ids, "parent": parent, "link": link})


@dataclass(frozen=True)
class Cascades:
    """Cascade trees of one case: ``items`` (post_id, parent, cascade, depth, descendants, link) for every item, and
    ``table`` (:data:`CASCADE_COLUMNS`, one row per cascade; outside-the-data roots are not items and not
    counted in ``items``, but they are the root of their cascade at depth 0)."""

    items: pd.DataFrame
    table: pd.DataFrame
    links: dict


def build_cascades(posts: pd.DataFrame) -> Cascades:
    """Reconstruct every cascade of ``posts`` (post_id, platform, created_at, parent_id, text, optional
    author_alias) and measure it: size, depth, breadth (most items at one depth), lifetime and structural
    virality. Items in a parent cycle (corrupt links) are cut loose as roots and counted."""
    parents = item_parents(posts)
    outside_ids = sorted(set(p for p in parents["parent"] if isinstance(p, str) and p.startswith(OUTSIDE)))
    nodes = np.concatenate([parents["post_id"].to_numpy(dtype=object), np.array(outside_ids, dtype=object)])
    position = {node: i for i, node in enumerate(nodes)}
    n_items, n = len(parents), len(nodes)
    parent_index = np.full(n, -1)
    has_parent = parents["parent"].notna().to_numpy()
    parent_index[:n_items][has_parent] = [position[p] for p in parents["parent"][has_parent]]

    depth = np.where(parent_index < 0, 0, -1)
    while True:   # one level per pass: an item's depth is its parent's + 1 once the parent's is known
        ready = (depth < 0) & (parent_index >= 0)
        ready[ready] = depth[parent_index[ready]] >= 0
        if not ready.any():
            break
        depth[ready] = depth[parent_index[ready]] + 1
    in_cycle = depth < 0
    parent_index[in_cycle], depth[in_cycle] = -1, 0   # corrupt links: each such item starts its own cascade
    links = parents["link"].value_counts().reindex(list(LINK_SOURCES), fill_value=0).astype(int).to_dict()
    links["cut from a parent cycle"] = int(in_cycle[:n_items].sum())

    root = np.arange(n)
    for level in range(1, int(depth.max()) + 1 if n else 0):
        members = np.flatnonzero(depth == level)
        root[members] = root[parent_index[members]]
    subtree = np.zeros(n, dtype=np.int64)
    subtree[:n_items] = 1   # outside roots are not items
    for level in range(int(depth.max()) if n else 0, 0, -1):
        members = np.flatnonzero(depth == level)
        np.add.at(subtree, parent_index[members], subtree[members])

    # Structural virality: the mean distance over pairs of items = 2 sum_e s_e (N - s_e) / (N (N - 1)), with
    # s_e the items below edge e and N the cascade's items (an outside root is no item; paths through it count).
    cascade_items = subtree[root]
    pair_terms = pd.Series(np.where(depth > 0, subtree * (cascade_items - subtree), 0)).groupby(root).sum()
    meta = posts[["post_id", "platform", "created_at"]].reset_index(drop=True)
    meta["root"], meta["depth"] = root[:n_items], depth[:n_items]
    grouped = meta.groupby("root")
    table = pd.DataFrame({"items": grouped.size(), "platform": grouped["platform"].first(),
                          "first_at": grouped["created_at"].min(), "last_at": grouped["created_at"].max(),
                          "depth": grouped["depth"].max()})
    table["breadth"] = meta.groupby(["root", "depth"]).size().groupby("root").max()
    sizes = table["items"].to_numpy(dtype=float)
    table["structural_virality"] = np.where(
        sizes > 1, 2 * pair_terms.reindex(table.index).to_numpy() / np.maximum(sizes * (sizes - 1), 1), 0.0)
    outside_root = np.asarray(table.index) >= n_items
    table["root_post_id"] = [str(nodes[r]).removeprefix(OUTSIDE) if r >= n_items else nodes[r] for r in table.index]
    table["root_in_data"] = ~outside_root
    table["lifetime_hours"] = (table["last_at"] - table["first_at"]).dt.total_seconds() / 3600
    table = table.sort_values(["items", "first_at"], ascending=[False, True], kind="stable")
    table["cascade"] = np.arange(1, len(table) + 1)
    number = pd.Series(table["cascade"].to_numpy(), index=table.index)
    items = pd.DataFrame({"post_id": parents["post_id"], "parent": parents["parent"],
                          "cascade": number.reindex(root[:n_items]).to_numpy(), "depth": depth[:n_items],
                          "descendants": subtree[:n_items] - 1, "link": parents["link"]})
    return Cascades(items=items, table=table.reset_index(drop=True)[CASCADE_COLUMNS], links=links)


def largest_cascades_share(table: pd.DataFrame, tops=(1, 10, 100)) -> dict:
    """Share of all items that sit in the ``k`` largest cascades, for each k of ``tops``."""
    total = table["items"].sum()
    ordered = table["items"].sort_values(ascending=False).to_numpy()
    return {f"top_{k}": float(ordered[:k].sum() / total) if total else None for k in tops}


def size_ccdf(sizes) -> pd.DataFrame:
    """Complementary cumulative distribution of cascade sizes: size, share of cascades at least that large."""
    sizes = np.sort(np.asarray(sizes, dtype=int))
    if not len(sizes):
        return pd.DataFrame(columns=["size", "share_at_least"])
    values = np.unique(sizes)
    at_least = 1 - np.searchsorted(sizes, values, side="left") / len(sizes)
    return pd.DataFrame({"size": values, "share_at_least": at_least})


# --------------------------------------------------------------------------------------------- spreaders
def gini(values) -> float | None:
    """Gini coefficient of non-negative values (0: all equal; near 1: one holds everything); None if empty."""
    values = np.sort(np.asarray(values, dtype=float))
    total = values.sum()
    if not len(values) or total <= 0:
        return None
    ranks = np.arange(1, len(values) + 1)
    return float(2 * np.sum(ranks * values) / (len(values) * total) - (len(values) + 1) / len(values))


def top_share(values, fraction: float) -> float | None:
    """Share of the total held by the largest ``fraction`` of values (at least one value)."""
    values = np.sort(np.asarray(values, dtype=float))[::-1]
    if not len(values) or values.sum() <= 0:
        return None
    return float(values[:max(1, int(np.ceil(fraction * len(values))))].sum() / values.sum())


def platforms_per_author(frame: pd.DataFrame) -> pd.Series:
    """"weibo", "xiaohongshu" or "weibo|xiaohongshu" per author (sorted), column-wise."""
    present = frame.groupby(["author", "platform"]).size().unstack("platform", fill_value=0).sort_index(axis=1) > 0
    names = pd.Series("", index=present.index)
    for platform in present.columns:
        names = names.where(~present[platform], np.where(names == "", platform, names + "|" + platform))
    return names


SPREADER_COLUMNS = ["author", "platforms", "is_official", "items", "descendants", "engagement", "rank_items",
                    "rank_descendants", "rank_engagement", "first_at", "last_at"]


def key_spreaders(posts: pd.DataFrame, cascade_items: pd.DataFrame) -> pd.DataFrame:
    """One row per (pseudonymised) author: items written, items their items triggered (descendants in the
    cascades), engagement (likes + comments + shares) and their ranks (1 = most), official accounts marked.
    Items without an author are left out."""
    frame = posts[["post_id", "author", "platform", "is_official", "created_at", "likes", "comments", "shares"]].merge(
        cascade_items[["post_id", "descendants"]], on="post_id", how="left")
    frame = frame[frame["author"].notna()]
    if frame.empty:
        return pd.DataFrame(columns=SPREADER_COLUMNS)
    frame["engagement"] = frame[["likes", "comments", "shares"]].fillna(0).sum(axis=1)
    frame["is_official"] = frame["is_official"].fillna(False).astype(bool)
    grouped = frame.groupby("author", sort=True)
    table = pd.DataFrame({
        "platforms": platforms_per_author(frame),
        "is_official": grouped["is_official"].any(),
        "items": grouped.size(), "descendants": grouped["descendants"].sum().astype(int),
        "engagement": grouped["engagement"].sum().astype(int),
        "first_at": grouped["created_at"].min(), "last_at": grouped["created_at"].max(),
    })
    for measure in ("items", "descendants", "engagement"):
        table[f"rank_{measure}"] = table[measure].rank(ascending=False, method="min").astype(int)
    return (table.reset_index().sort_values(["items", "descendants", "author"], ascending=[False, False, True],
                                            kind="stable").reset_index(drop=True)[SPREADER_COLUMNS])


def concentration(counts, fractions=(0.01, 0.1)) -> dict:
    """How concentrated a per-author count is: authors, total, the top fractions' shares, Gini."""
    counts = np.asarray(counts, dtype=float)
    return {"authors": int(len(counts)), "total": float(counts.sum()),
            **{f"top_{round(100 * f)}_percent_share": top_share(counts, f) for f in fractions},
            "gini": gini(counts)}


def spreaders_by_phase(posts: pd.DataFrame, phases: pd.Series, fraction: float = 0.1) -> pd.DataFrame:
    """Per phase: authors, items, the top ``fraction`` of authors' share of items, Gini, and how many of
    that phase's top authors were also top authors of the phase before (Jaccard overlap of the two sets): did
    different people carry different phases?"""
    frame = pd.DataFrame({"author": posts["author"].to_numpy(), "phase": np.asarray(phases)})
    frame = frame[frame["author"].notna()]
    rows, previous = [], None
    for phase, group in frame.groupby("phase", sort=False, observed=True):
        counts = group["author"].value_counts()
        top = set(counts.index[:max(1, int(np.ceil(fraction * len(counts))))])
        overlap = (len(top & previous) / len(top | previous)) if previous is not None else None
        rows.append({"phase": phase, "authors": int(len(counts)), "items": int(counts.sum()),
                     "top_share": top_share(counts, fraction), "gini": gini(counts),
                     "top_authors": len(top), "overlap_with_previous_phase_top": overlap})
        previous = top
    return pd.DataFrame(rows, columns=["phase", "authors", "items", "top_share", "gini", "top_authors",
                                       "overlap_with_previous_phase_top"])


# ------------------------------------------------------------------------------------ coordination screen
LINK = re.compile(r"https?://[^\s，。！？）)\]]+")
MARKUP = re.compile(r"@[^\s@:：]+|https?://\S+|#[^#]{1,60}#|\[[^\[\]]{1,10}\]")
PUNCTUATION = re.compile(r"[\s\W_]+")


def normalised_text(text: str) -> str:
    """A post's own words for comparing copies: mentions, links, hashtags, emoticon codes, spaces and
    punctuation removed, Latin letters lower-cased."""
    return PUNCTUATION.sub("", MARKUP.sub("", own_words(text))).lower()


@dataclass(frozen=True)
class CoordinationSettings:
    window_seconds: float = 60.0     # two authors' identical items this close in time form a pair
    min_characters: int = 10         # shorter normalised texts ("转发微博", "+1") are too common to mean anything
    min_hashtags: int = 3            # a shared set of at least this many hashtags also pairs two items (as does
    #                                  the same set of links)
    # Two authors are linked only if they co-post at least this often (as CooRnet asks for repeated
    # co-sharing): one coincidence is what popular phrases and share buttons produce.
    min_pair_repeats: int = 2


def co_posting_pairs(posts: pd.DataFrame, settings: CoordinationSettings = CoordinationSettings()) -> pd.DataFrame:
    """Pairs of items by distinct authors with the same normalised text, the same set of links (CooRnet's
    URL sharing) or the same set of hashtags within ``settings.window_seconds``: columns first, second
    (post_ids), first_author, second_author, key kind (text | links | hashtags), seconds apart."""
    frame = posts[["post_id", "author", "created_at", "text", "hashtags"]].copy()
    frame = frame[frame["author"].notna()]
    keys = []
    text_key = frame["text"].fillna("").map(normalised_text)
    keys.append(frame.assign(key=text_key, kind="text")[text_key.str.len() >= settings.min_characters])
    links = frame["text"].fillna("").map(lambda t: " ".join(sorted(set(LINK.findall(t)))))
    keys.append(frame.assign(key=links, kind="links")[links != ""])
    tags = frame["hashtags"].fillna("").map(lambda h: "|".join(sorted({t for t in h.split("|") if t})))
    enough = tags.str.count(r"\|") + 1 >= settings.min_hashtags
    keys.append(frame.assign(key=tags, kind="hashtags")[enough & (tags != "")])
    pairs = []
    for keyed in keys:
        keyed = keyed[keyed.duplicated("key", keep=False)]
        if keyed.empty:
            continue
        # All keys at once: sort by (key, time); a key's items sit together, and an offset larger than the
        # whole time span per key code keeps the windows of two keys apart.
        code = pd.factorize(keyed["key"])[0]
        seconds = (keyed["created_at"] - keyed["created_at"].min()).dt.total_seconds().to_numpy()
        order = np.lexsort((seconds, code))
        span = seconds.max() + settings.window_seconds + 1
        position = code[order] * span + seconds[order]
        ends = np.searchsorted(position, position + settings.window_seconds, side="right")
        counts = ends - np.arange(len(order)) - 1
        first = np.repeat(np.arange(len(order)), counts)
        offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + 1
        second = first + offsets
        authors = keyed["author"].to_numpy()[order]
        distinct = authors[first] != authors[second]
        first, second = first[distinct], second[distinct]
        ids = keyed["post_id"].to_numpy()[order]
        ordered_seconds = seconds[order]
        pairs.append(pd.DataFrame({"first": ids[first], "second": ids[second], "first_author": authors[first],
                                   "second_author": authors[second], "kind": keyed["kind"].iat[0],
                                   "seconds_apart": ordered_seconds[second] - ordered_seconds[first]}))
    columns = ["first", "second", "first_author", "second_author", "kind", "seconds_apart"]
    return pd.concat(pairs, ignore_index=True)[columns] if pairs else pd.DataFrame(columns=columns)


def coordination_screen(posts: pd.DataFrame, settings: CoordinationSettings = CoordinationSettings()):
    """The coordinated-posting screen of one case: (authors table, summary, author network).

    Two authors are linked when they co-post (:func:`co_posting_pairs`) at least ``min_pair_repeats`` times;
    the connected components of that network are the candidate coordinated groups. The authors table lists every
    author in one (author, component, component_authors, co_posts, items); the summary holds the parameters,
    pair and component counts and the share of all items written by those authors. A screen, not a verdict:
    fans answering the same call, or a platform's share button, also produce identical posts.
    """
    import networkx as nx

    pairs = co_posting_pairs(posts, settings)
    ordered = pd.DataFrame({"a": pairs[["first_author", "second_author"]].min(axis=1),
                            "b": pairs[["first_author", "second_author"]].max(axis=1)})
    repeats = ordered.groupby(["a", "b"]).size()
    graph = nx.Graph()
    for (first, second), count in repeats[repeats >= settings.min_pair_repeats].items():
        graph.add_edge(first, second, weight=int(count))
    components = sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: (-len(c), c[0]))
    items_per_author = posts["author"].value_counts()
    rows = []
    for number, members in enumerate(components, start=1):
        for author in members:
            rows.append({"author": author, "component": number, "component_authors": len(members),
                         "co_posts": int(graph.degree(author, weight="weight")),
                         "items": int(items_per_author.get(author, 0))})
    authors = pd.DataFrame(rows, columns=["author", "component", "component_authors", "co_posts", "items"])
    total = int(posts["author"].notna().sum())
    summary = {
        "parameters": {"window_seconds": settings.window_seconds, "min_characters": settings.min_characters,
                       "min_hashtags": settings.min_hashtags, "min_pair_repeats": settings.min_pair_repeats},
        "pairs": int(len(pairs)), "pairs_by_key": pairs["kind"].value_counts().astype(int).to_dict(),
        "author_pairs": int(len(repeats)), "author_pairs_repeated": int((repeats >= settings.min_pair_repeats).sum()),
        "components": len(components), "authors_in_components": int(len(authors)),
        "largest_component_authors": len(components[0]) if components else 0,
        "items_by_those_authors": int(authors["items"].sum()), "items": total,
        "volume_share": float(authors["items"].sum() / total) if total else None,
        "note": "a screen with stated parameters, not a verdict: identical texts within the window by distinct "
                "authors; organic calls to action and share buttons produce them too",
    }
    return authors, summary, graph


# -------------------------------------------------------------------------------------------- networks
def author_network(posts: pd.DataFrame, cascade_items: pd.DataFrame, coordinated: pd.DataFrame):
    """Who reposted or replied to whom: a directed graph of pseudonymised authors (edge child author ->
    parent author, weight = items), with node attributes items, is_official and coordinated_component (0 when
    the author is in no coordinated group). For Gephi (GEXF) and GraphML readers."""
    import networkx as nx

    authors = posts.set_index("post_id")["author"]
    linked = cascade_items[cascade_items["parent"].isin(authors.index)]
    edges = pd.DataFrame({"source": authors.reindex(linked["post_id"]).to_numpy(),
                          "target": authors.reindex(linked["parent"]).to_numpy()}).dropna()
    graph = nx.DiGraph()
    items = posts["author"].value_counts()
    official = posts["is_official"].fillna(False).astype(bool).groupby(posts["author"]).any()
    component = dict(zip(coordinated["author"], coordinated["component"]))
    for author in sorted(set(edges["source"]) | set(edges["target"]) | set(component)):
        graph.add_node(author, items=int(items.get(author, 0)), is_official=bool(official.get(author, False)),
                       coordinated_component=int(component.get(author, 0)))
    for (source, target), weight in edges.groupby(["source", "target"]).size().items():
        graph.add_edge(source, target, weight=int(weight))
    return graph


# --------------------------------------------------------------------------------------------- coverage
def field_coverage(posts: pd.DataFrame) -> pd.DataFrame:
    """Per platform: the share of items carrying each optional field, so a reader knows what each figure
    rests on. ``parent link`` counts comments and reposts only; time precision rows give the share of items
    stated to each unit."""
    rows = []
    for platform, group in posts.groupby("platform", sort=True):
        n = len(group)

        def share(mask, base=n):
            return float(np.sum(mask) / base) if base else None

        optional = {"ip_region": "IP location (IP属地)", "gender": "gender", "followers": "follower count",
                    "author_alias": "author's name pseudonym (links repost chains)", "likes": "likes",
                    "comments": "comment count", "shares": "share count", "author": "author pseudonym"}
        for column, label in optional.items():
            value = share(group[column].notna()) if column in group else 0.0
            rows.append({"platform": platform, "field": label, "items": n, "share": value})
        children = group[group["kind"].isin(["comment", "repost"])]
        linked = children["parent_id"].notna() | children["text"].fillna("").str.contains("//@", regex=False)
        rows.append({"platform": platform, "field": "parent link (comments and reposts)", "items": len(children),
                     "share": share(linked, len(children))})
        precision = group["time_precision"].fillna("second") if "time_precision" in group else pd.Series(
            "second", index=group.index)
        for unit in ("second", "minute", "hour", "day"):
            rows.append({"platform": platform, "field": f"time stated to the {unit}", "items": n,
                         "share": share(precision == unit)})
    return pd.DataFrame(rows, columns=["platform", "field", "items", "share"])


# ------------------------------------------------------------------------------------------ the stage
@dataclass(frozen=True)
class DiffusionSettings:
    coordination: CoordinationSettings = CoordinationSettings()
    top_spreaders: int = 200     # authors listed in spreaders.csv (the measures use every author)

    @classmethod
    def from_config(cls, section: dict) -> DiffusionSettings:
        section = dict(section or {})
        return cls(coordination=CoordinationSettings(**section.pop("coordination", {})), **section)


@dataclass(frozen=True, eq=False)
class Diffusion:
    """Everything the diffusion stage finds for one case (:func:`analyse_diffusion`)."""

    cascades: Cascades
    spreaders: pd.DataFrame          # SPREADER_COLUMNS, every author
    spreaders_by_phase: pd.DataFrame
    geography: pd.DataFrame          # firestorm.geography.GEOGRAPHY_COLUMNS
    coordinated: pd.DataFrame        # authors in coordinated groups
    network: object                  # networkx.DiGraph of who reposted / replied to whom
    coverage: pd.DataFrame           # field_coverage
    summary: dict                    # diffusion.json


def cascade_summary(cascades: Cascades) -> dict:
    table = cascades.table
    per_platform = {}
    for platform, rows in table.groupby("platform", sort=True):
        spreading = rows[rows["items"] > 1]
        per_platform[platform] = {
            "cascades": int(len(rows)), "items": int(rows["items"].sum()),
            "largest": int(rows["items"].max()), "deepest": int(rows["depth"].max()),
            "cascades_with_two_or_more_items": int(len(spreading)),
            "mean_structural_virality_of_those": (float(spreading["structural_virality"].mean())
                                                  if len(spreading) else None),
            "share_of_items_in_largest": largest_cascades_share(rows),
        }
    return {"cascades": int(len(table)), "items": int(table["items"].sum()), "links": cascades.links,
            "outside_roots": int((~table["root_in_data"]).sum()),
            "share_of_items_in_largest": largest_cascades_share(table), "by_platform": per_platform}


def analyse_diffusion(posts: pd.DataFrame, sentiment: pd.DataFrame, case, settings: DiffusionSettings) -> Diffusion:
    """Cascades, key spreaders (overall and per phase), geography, the coordination screen, the author
    network and field coverage of one case's posts (``posts.parquet``) and labels (``sentiment.parquet``)."""
    from firestorm.discourse import assign_phases
    from firestorm.geography import province_table

    phases = assign_phases(posts["created_at"], case)
    cascades = build_cascades(posts)
    spreaders = key_spreaders(posts, cascades.items)
    by_phase = spreaders_by_phase(posts, phases)
    geography, located = province_table(posts, sentiment, phases)
    coordinated, coordination, _ = coordination_screen(posts, settings.coordination)
    official = spreaders[spreaders["is_official"]]
    summary = {
        "cascades": cascade_summary(cascades),
        "spreaders": {"items_per_author": concentration(spreaders["items"]),
                      "descendants_per_author": concentration(spreaders["descendants"]),
                      "official_accounts": int(len(official)),
                      "official_items_share": (float(official["items"].sum() / spreaders["items"].sum())
                                               if len(spreaders) else None)},
        "geography": located,
        "coordination": coordination,
    }
    return Diffusion(cascades=cascades, spreaders=spreaders, spreaders_by_phase=by_phase, geography=geography,
                     coordinated=coordinated, network=author_network(posts, cascades.items, coordinated),
                     coverage=field_coverage(posts), summary=summary)
