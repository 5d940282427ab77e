"""Human-labelled Chinese social-media sentiment sets: what each source is, how it was cleaned, and a loader.

The sets live in ``data/sentiment/social/`` as one zstd parquet per source with a JSON data card beside it
(repository, commit, paths, rows read and kept, label mapping, how it was labelled, licence, cleaning counts).
They are rebuilt from snapshots of the public repositories (see ``python -m firestorm.sentiment.corpora -h``);
scoring and training only read the committed files through :func:`load_social_corpus`.

Every table has the columns of :data:`SOCIAL_CORPUS`:

- ``text``: the post, whitespace stripped at both ends;
- ``emotion``: the source's own label, spelling normalised (SMP2020's ``neural`` → ``neutral``; NLPCC 2014's
  first, primary emotion; the COVID set's numeric codes → the names its README gives them);
- ``polarity``: ``negative`` / ``neutral`` / ``positive`` by :attr:`SocialSource.polarity`, or null for
  ``surprise``, whose valence these sets do not record (惊喜 and 震惊 share the label): a polarity model must mask
  those rows, an emotion model keeps them;
- ``split``: ``train`` / ``eval`` / ``test``; the official test splits stay ``test``; a source without an
  official split is all ``train``;
- ``source``: a key of :data:`SOCIAL_SOURCES`.

Cleaning (:func:`clean_social_corpus`) follows :data:`CLEANING_RULES`, which every data card repeats.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

log = logging.getLogger(__name__)

SOCIAL_CORPORA = Path("data/sentiment/social")
SPLITS = ("train", "eval", "test")
POLARITIES = ("negative", "neutral", "positive")
SOCIAL_CORPUS = {
    "text": "string",
    "emotion": "string",
    "polarity": "string",   # null for emotions without a stated valence (surprise)
    "split": "string",      # train | eval | test
    "source": "string",     # key of SOCIAL_SOURCES
}

CLEANING_RULES = (
    "All sources are cleaned together, in this order: (1) strip whitespace at both ends and drop empty texts; "
    "(2) drop every copy of a text that carries different labels anywhere: different emotions within one source "
    "(in one split or across splits, test included) or different polarities across sources (surprise counting "
    "as its own polarity, since emotion vocabularies differ between sources); (3) keep one copy of a text within "
    "a source's split; (4) remove a text from a split when it also occurs, with the same label, in a later split "
    "of the order train < eval < test, in any source (so no test text is in any train or eval split, and test "
    "splits are never changed by this step). Steps (2) and (3) do shrink the official test splits: a published "
    "score on the full official test is not strictly comparable to one on these rows.")
SURPRISE_NOTE = ("surprise has no polarity (null): SMP2020's own examples of it are neutral (我竟然不知道…) or "
                 "negative (我特别震惊…), and pleasant surprise (惊喜) shares the label, so putting it in any one "
                 "polarity class, neutral included, would teach that class posts of the other two; a polarity "
                 "model masks these rows, an emotion model keeps them")

SMP2020_REPOSITORIES = [
    {"repository": "zhusleep/weibo_sentiment_analysis", "commit": "ef00d514542d30dbc307d13478919e5333903eb6"},
    {"repository": "BrownSweater/BERT_SMP2020-EWECT", "commit": "e928cec001824668999ed02326aacbea0d369563"},
]
SMP2020_POLARITY = {"angry": "negative", "sad": "negative", "fear": "negative", "happy": "positive",
                    "neutral": "neutral", "surprise": None}
SMP2020_LABELLING = ("human annotation: the SMP2020-EWECT shared task's labelled data were annotated by the "
                     "Research Center for Social Computing and Information Retrieval of Harbin Institute of "
                     "Technology (HIT-SCIR) on Sina Weibo posts supplied by 微热点大数据研究院 (the task README "
                     "copied in zhusleep/weibo_sentiment_analysis); one of six emotions per post")
NO_LICENCE = ("no licence file or licence statement in the repository: research-use data, redistributed here "
              "only as a cleaned derivative with attribution; cite the source")


@dataclass(frozen=True)
class SocialSource:
    """One labelled set: where it comes from, how it was labelled and how its labels map to polarity.

    ``files`` maps each split to ``(repository index, path)`` pairs; ``polarity`` maps every normalised emotion
    to ``negative``/``neutral``/``positive`` or ``None`` (no stated valence). ``reader`` turns the bytes of one
    file into a frame with columns ``text`` and ``label`` (the raw label).
    """

    name: str
    title: str
    repositories: list[dict]
    files: dict[str, list[tuple[int, str]]]
    reader: Callable[[dict[str, bytes]], pd.DataFrame]
    spelling: dict[str, str]
    polarity: dict[str, str | None]
    labelling: str
    licence: str
    notes: str = ""

    def emotion(self, label) -> str:
        """The normalised emotion of one raw label; raises naming the source and the label if it is unknown."""
        emotion = self.spelling.get(str(label).strip().lower(), str(label).strip().lower())
        if emotion not in self.polarity:
            raise ValueError(f"{self.name}: label {label!r} is not one of {sorted(self.polarity)} "
                             f"(after spelling {self.spelling})")
        return emotion


# ------------------------------------------------------------------------------------------- readers
def _read_smp2020_train(blobs: dict[str, bytes]) -> pd.DataFrame:
    # The .xlsx files are old binary .xls workbooks (WPS); only calamine reads both kinds.
    (data,) = blobs.values()
    frame = pd.read_excel(io.BytesIO(data), engine="calamine")
    return pd.DataFrame({"text": frame["文本"].astype("string"), "label": frame["情绪标签"].astype("string")})


def _read_smp2020_labelled(blobs: dict[str, bytes]) -> pd.DataFrame:
    (data,) = blobs.values()
    records = json.loads(data.decode("utf-8"))
    return pd.DataFrame({"text": [r["content"] for r in records], "label": [r["label"] for r in records]},
                        dtype="string")


def _read_smp2020(blobs: dict[str, bytes]) -> pd.DataFrame:
    (path,) = blobs
    return (_read_smp2020_train if path.endswith(".xlsx") else _read_smp2020_labelled)(blobs)


def _read_nlpcc2014(blobs: dict[str, bytes]) -> pd.DataFrame:
    texts_path, labels_path = blobs
    texts = blobs[texts_path].decode("utf-8").split("\n")
    labels = blobs[labels_path].decode("utf-8").split("\n")
    if len(texts) != len(labels):
        raise ValueError(f"nlpcc2014: {texts_path} has {len(texts)} lines but {labels_path} has {len(labels)}; "
                         "they must be line-aligned")
    # A label line is "primary[,secondary]"; two lines keep a fragment of the XML they were cut from (",/>").
    primary = [line.split(",")[0].strip() or "none" for line in labels]
    return pd.DataFrame({"text": texts, "label": primary}, dtype="string")


def _read_covid19_weibo(blobs: dict[str, bytes]) -> pd.DataFrame:
    (data,) = blobs.values()
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype={"review": "string", "label": "string"})
    return pd.DataFrame({"text": frame["review"], "label": frame["label"]})


def _smp2020(subset: str, title: str) -> SocialSource:
    return SocialSource(
        name=f"smp2020_{subset}", title=title, repositories=SMP2020_REPOSITORIES,
        files={"train": [(0, f"2020_SMP_raw_data/{subset}_train.xlsx")],
               "eval": [(1, f"data/raw/{subset}_eval_labeled.txt")],
               "test": [(1, f"data/raw/{subset}_test_labeled.txt")]},
        reader=_read_smp2020, spelling={"neural": "neutral"}, polarity=SMP2020_POLARITY,
        labelling=SMP2020_LABELLING, licence=NO_LICENCE,
        notes="train from zhusleep's copy of the release; the labelled eval and test sets (released with labels "
              "after the task) from BrownSweater's data/raw (data/clean there is an edited copy, not used). "
              "The test split is the official one the published results use.")


SOCIAL_SOURCES: dict[str, SocialSource] = {source.name: source for source in (
    _smp2020("usual", "SMP2020-EWECT general Weibo (通用微博)"),
    _smp2020("virus", "SMP2020-EWECT COVID-19 Weibo (疫情微博)"),
    SocialSource(
        name="nlpcc2014", title="NLPCC 2014 Emotion Analysis in Chinese Weibo Texts, training data",
        repositories=[{"repository": "AhFlower/emotion_classify",
                       "commit": "e93426085ea096fa69eb28a1e4458e29f37e7c11"}],
        files={"train": [(0, "training_data.txt"), (0, "training_data_res.nlpcc.txt")]},
        reader=_read_nlpcc2014, spelling={},
        polarity={"anger": "negative", "disgust": "negative", "fear": "negative", "sadness": "negative",
                  "happiness": "positive", "like": "positive", "none": "neutral", "surprise": None},
        labelling=("human annotation by the NLPCC 2014 evaluation organisers (emotion-type1/emotion-type2 of each "
                   "Weibo post; 'none' for posts without emotion). The repository has no README: the line-aligned "
                   "label file carries XML fragments (',/>') of the official release it was cut from, and its "
                   "label counts (none 6,591, like 2,204, happiness 1,460, disgust 1,392, sadness 1,174, "
                   "anger 669, surprise 362, fear 148) are the release's, not those of the repository's own "
                   "lexicon classifier, whose output is a different file (training_data_res.txt)"),
        licence=NO_LICENCE,
        notes=("emotion is the primary emotion (emotion-type1); the secondary one is not kept. The official "
               "NLPCC 2014 test set is not in the repository, so the whole set is split=train: hold the source "
               "out entirely to use it as an external test.")),
    SocialSource(
        name="covid19_weibo", title="COVID-19 Weibo emotions (Lyu et al., NLPCC 2020)",
        repositories=[{"repository": "COVID-19-Weibo-data/COVID-19-sentiment-analysis-dataset-Weibo",
                       "commit": "c83c628f2b2d2b6a4a6d82306ddf5014776fd22b"}],
        files={"train": [(0, "labeledData.csv")]}, reader=_read_covid19_weibo,
        spelling={"0": "fear", "1": "disgust", "2": "optimism", "3": "surprise", "4": "gratitude",
                  "5": "sadness", "6": "anger"},
        polarity={"anger": "negative", "disgust": "negative", "fear": "negative", "sadness": "negative",
                  "optimism": "positive", "gratitude": "positive", "surprise": None},
        labelling=("mixed, per the repository README: posts from the NLPCC emotion data set (human-annotated), "
                   "from the emotional conversation data set of Prof. Huang's group at Tsinghua University "
                   "(the NLPCC 2017 emotional-conversation data, whose emotion labels a classifier assigned, not "
                   "people: Zhou et al., Emotional Chatting Machine, AAAI 2018) and posts "
                   "the authors annotated themselves with 7 emotions, then 'carefully validated'; rows do not say "
                   "which part they come from"),
        licence=NO_LICENCE,
        notes=("only labeledData.csv is used; the ~1M unlabelled posts of the same repository are not committed. "
               "The set has no neutral class and no official split (all split=train). Many texts are repeated "
               "(21,173 rows, 11,019 distinct texts).")),
)}


# ------------------------------------------------------------------------------------------- cleaning
def label_rows(raw: pd.DataFrame, source: SocialSource, split: str) -> pd.DataFrame:
    """Raw ``text``/``label`` rows of one source and split as :data:`SOCIAL_CORPUS` rows (texts as read)."""
    emotions = [source.emotion(label) for label in raw["label"]]
    return pd.DataFrame({
        "text": raw["text"].fillna("").astype("string"),
        "emotion": pd.array(emotions, dtype="string"),
        "polarity": pd.array([source.polarity[e] for e in emotions], dtype="string"),
        "split": split, "source": source.name,
    }).astype(SOCIAL_CORPUS)


def clean_social_corpus(rows: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, dict]]:
    """Clean labelled rows of several sources together by :data:`CLEANING_RULES`.

    ``rows`` has the :data:`SOCIAL_CORPUS` columns. Returns the kept rows (input order within each source and
    split) and, per source, the counts of each step: ``empty``, ``conflicting_rows`` / ``conflicting_texts``
    (dropped for carrying different labels), ``duplicates_within_split`` and ``leaked`` (per split: rows removed
    because the same text and label occur in a later split).
    """
    rows = rows.astype(SOCIAL_CORPUS).reset_index(drop=True)
    rows["text"] = rows["text"].fillna("").str.strip()
    sources = list(dict.fromkeys(rows["source"]))
    counts: dict[str, dict] = {s: {} for s in sources}

    empty = rows["text"].str.len() == 0
    for s in sources:
        counts[s]["empty"] = int((empty & (rows["source"] == s)).sum())
    rows = rows[~empty]

    # Within a source its own emotions must agree; across sources only polarity is comparable (their emotion
    # vocabularies differ: angry/anger, happy/happiness/optimism).
    within = rows.groupby(["text", "source"])["emotion"].nunique()
    conflicting = set(within[within > 1].index.get_level_values("text"))
    across = rows.assign(polarity=rows["polarity"].fillna("unstated")).groupby("text")["polarity"].nunique()
    conflicting |= set(across[across > 1].index)
    dropped = rows["text"].isin(conflicting)
    for s in sources:
        mine = dropped & (rows["source"] == s)
        counts[s]["conflicting_rows"] = int(mine.sum())
        counts[s]["conflicting_texts"] = int(rows.loc[mine, "text"].nunique())
        counts[s]["conflicting_rows_by_split"] = {k: int(n) for k, n in rows.loc[mine, "split"].value_counts()
                                                  .reindex(SPLITS, fill_value=0).items()}
    rows = rows[~dropped]

    repeated = rows.duplicated(["source", "split", "text"])
    for s in sources:
        counts[s]["duplicates_within_split"] = int((repeated & (rows["source"] == s)).sum())
    rows = rows[~repeated]

    # Labels now agree wherever a text occurs, so a text met again in a later split is a leak of that split.
    rank = rows["split"].map({split: i for i, split in enumerate(SPLITS)}).astype(int)
    latest = rank.groupby(rows["text"]).transform("max")
    leaked = rank < latest
    for s in sources:
        mine = leaked & (rows["source"] == s)
        counts[s]["leaked"] = {k: int(n) for k, n in rows.loc[mine, "split"].value_counts()
                               .reindex(SPLITS[:-1], fill_value=0).items()}
    rows = rows[~leaked]
    return rows.reset_index(drop=True), counts


# ------------------------------------------------------------------------------------------- building
def mirror_git_dir(mirrors: Path, repository: str) -> Path:
    """The git directory of a repository snapshot under ``mirrors`` (``<owner>+<name>/repo[/.git]``)."""
    folder = Path(mirrors) / repository.replace("/", "+") / "repo"
    for candidate in (folder / ".git", folder):
        if (candidate / "HEAD").exists():
            return candidate
    raise FileNotFoundError(f"{folder}: no snapshot of {repository}; fetch github:{repository} first")


def read_blob(git_dir: Path, commit: str, path: str) -> bytes:
    """The bytes of ``path`` at ``commit`` in a (bare) git directory."""
    done = subprocess.run(["git", f"--git-dir={git_dir}", "show", f"{commit}:{path}"], capture_output=True)
    if done.returncode:
        raise FileNotFoundError(f"{git_dir}: cannot read {path} at {commit}: {done.stderr.decode().strip()}")
    return done.stdout


def read_source(source: SocialSource, mirrors: Path) -> tuple[pd.DataFrame, list[dict]]:
    """All rows of one source as :data:`SOCIAL_CORPUS` rows, and what was read from each file."""
    frames, read = [], []
    for split, files in source.files.items():
        blobs = {}
        for index, path in files:
            repo = source.repositories[index]
            blobs[path] = read_blob(mirror_git_dir(mirrors, repo["repository"]), repo["commit"], path)
        raw = source.reader(blobs)
        read += [{"repository": source.repositories[index]["repository"], "path": path, "split": split,
                  "rows_read": int(len(raw))} for index, path in files]
        frames.append(label_rows(raw, source, split))
    return pd.concat(frames, ignore_index=True), read


def data_card(source: SocialSource, read: list[dict], raw: pd.DataFrame, kept: pd.DataFrame,
              cleaning: dict) -> dict:
    """The JSON data card of one source: provenance, labelling, licence, label mapping and row counts."""
    return {
        "source": source.name, "title": source.title, "file": f"{source.name}.parquet",
        "repositories": source.repositories, "files": read,
        "rows_read": int(len(raw)),
        "rows_kept": {split: int((kept["split"] == split).sum()) for split in SPLITS} | {"total": int(len(kept))},
        "emotions_kept": {split: kept.loc[kept["split"] == split, "emotion"].value_counts().sort_index()
                          .astype(int).to_dict() for split in SPLITS if (kept["split"] == split).any()},
        "label_mapping": {"spelling": source.spelling, "polarity": source.polarity, "surprise": SURPRISE_NOTE},
        "labelling": source.labelling, "licence": source.licence, "notes": source.notes,
        "cleaning": {"rules": CLEANING_RULES} | cleaning,
        "rebuild": "python -m firestorm.sentiment.corpora --mirrors <folder of fetched snapshots>",
    }


def build_social_corpora(mirrors: str | Path, out_dir: str | Path = SOCIAL_CORPORA) -> dict[str, dict]:
    """Read every source from its repository snapshot, clean them together, and write ``<source>.parquet``
    (zstd) and ``<source>.json`` (the data card) per source into ``out_dir``. Returns the cards."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    raws, reads = {}, {}
    for name, source in SOCIAL_SOURCES.items():
        raws[name], reads[name] = read_source(source, Path(mirrors))
        log.info("%s: %d rows read", name, len(raws[name]))
    kept, cleaning = clean_social_corpus(pd.concat(raws.values(), ignore_index=True))
    cards = {}
    for name, source in SOCIAL_SOURCES.items():
        mine = kept[kept["source"] == name].sort_values("split", key=lambda s: s.map(SPLITS.index), kind="stable")
        mine.reset_index(drop=True).to_parquet(out_dir / f"{name}.parquet", compression="zstd",
                                               compression_level=19, index=False)
        cards[name] = data_card(source, reads[name], raws[name], mine, cleaning[name])
        (out_dir / f"{name}.json").write_text(json.dumps(cards[name], ensure_ascii=False, indent=2) + "\n",
                                              encoding="utf-8")
    return cards


# ------------------------------------------------------------------------------------------- loading
def _names(value, known: Iterable[str], what: str) -> list[str]:
    names = list(known) if value is None else [value] if isinstance(value, str) else list(value)
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise ValueError(f"unknown {what} {unknown}; expected some of {list(known)}")
    return names


def load_social_corpus(sources: str | Iterable[str] | None = None, split: str | Iterable[str] | None = None,
                       folder: str | Path = SOCIAL_CORPORA) -> pd.DataFrame:
    """The cleaned human-labelled social-media rows of ``sources`` (default: all of :data:`SOCIAL_SOURCES`)
    and ``split`` (default: all), with the :data:`SOCIAL_CORPUS` columns, sources in the order asked.

    ``folder`` is ``data/sentiment/social`` of the repository (relative to the working directory, as the
    pipeline runs from the repository root).
    """
    names = _names(sources, SOCIAL_SOURCES, "source")
    splits = _names(split, SPLITS, "split")
    frames = []
    for name in names:
        path = Path(folder) / f"{name}.parquet"
        if not path.exists():
            raise FileNotFoundError(f"{path}: no {name} corpus; run from the repository root or pass folder=, "
                                    "or rebuild with python -m firestorm.sentiment.corpora")
        frame = pd.read_parquet(path).astype(SOCIAL_CORPUS)
        frames.append(frame[frame["split"].isin(splits)])
    return pd.concat(frames, ignore_index=True)


# ------------------------------------------------------------------------------------------- transfer set
TRANSFER_SAMPLE = Path("data/sentiment/transfer/weibo_unlabelled.parquet")
TRANSFER_REPOSITORY = {"repository": "COVID-19-Weibo-data/COVID-19-sentiment-analysis-dataset-Weibo",
                       "commit": "c83c628f2b2d2b6a4a6d82306ddf5014776fd22b"}
TRANSFER_FOLDER = "COVID-19 Unlabeled Weibo Data/"
MENTIONED = "@用户"   # every @mention in the transfer texts becomes this placeholder: no account name is kept


# The crawler behind the unlabelled posts ends most texts with " ?" (an emoji it could not encode) and cut long
# ones at "展开全文" ("read more", sometimes followed by a stray "c").
CRAWLER_TAIL = r"(?:\s*(?:展开|收起)全文[a-z]?)?(?:\s*\?)*\s*$"
VIDEO_CARD = r"L[^\sL]{1,30}?的微博视频"   # "L<account>的微博视频": the account a video was posted by
# Any @mention up to the punctuation that ends a name: broader than the ingest's MENTION pattern (which also
# lets symbols and emoji end a name), because here no export states the nicknames to replace by name.
ANY_MENTION = r"@[^\s:：@,，。!！?？#/]{1,30}"


def comparison_key(texts: pd.Series) -> pd.Series:
    """Texts reduced to letters, digits and CJK characters, lower-cased: near-copies compare equal."""
    return texts.str.lower().str.replace(r"[^\w]|_", "", regex=True)


def scrub_mentions(texts: pd.Series) -> pd.Series:
    """``@name`` (and so ``//@name:`` repost chains) replaced by :data:`MENTIONED`, video cards' account too."""
    return (texts.str.replace(ANY_MENTION, MENTIONED, regex=True)
            .str.replace(VIDEO_CARD, "L用户的微博视频", regex=True))


def build_transfer_sample(mirrors: str | Path, out_file: str | Path = TRANSFER_SAMPLE, rows: int = 60_000,
                          seed: int = 13, min_chars: int = 4) -> dict:
    """A seeded sample of unlabelled Weibo posts to distil the teacher into the student (no labels needed).

    Read from the ~1M posts (one GB18030 CSV per day, columns userid,text) of the COVID-19 Weibo repository;
    user ids are never read into the sample, @mentions are replaced, texts are stripped, deduplicated, and
    every text that occurs in any labelled social set (any split) is removed, so no test text is distilled.
    Writes the parquet (column ``text``) and its JSON card; returns the card.
    """
    repo = TRANSFER_REPOSITORY
    git_dir = mirror_git_dir(Path(mirrors), repo["repository"])
    listing = subprocess.run(["git", f"--git-dir={git_dir}", "ls-tree", "-r", "--name-only", repo["commit"],
                              TRANSFER_FOLDER], capture_output=True, text=True, check=True).stdout.split("\n")
    files_read, files_missing, files_without_text, texts = [], [], [], []
    for path in sorted(p for p in listing if p.endswith(".csv")):
        try:
            data = read_blob(git_dir, repo["commit"], path)
        except FileNotFoundError:   # the snapshot leaves out some large blobs
            files_missing.append(path)
            continue
        frame = pd.read_csv(io.BytesIO(data), encoding="gb18030", encoding_errors="replace",
                            usecols=lambda column: column == "text", dtype="string", on_bad_lines="skip")
        if "text" not in frame:   # about half the days hold only (index, userid) columns
            files_without_text.append(path)
            continue
        files_read.append({"path": path, "rows_read": int(len(frame))})
        texts.append(frame["text"])
    raw = pd.concat(texts, ignore_index=True)
    cleaned = scrub_mentions(raw.fillna("").str.replace(CRAWLER_TAIL, "", regex=True).str.strip())
    cleaned = cleaned[cleaned.str.len() >= min_chars]
    distinct = cleaned.drop_duplicates()
    labelled = set(comparison_key(scrub_mentions(load_social_corpus()["text"])))
    unseen = distinct[~comparison_key(distinct).isin(labelled)]
    sample = unseen.sample(n=min(rows, len(unseen)), random_state=seed).sort_values(kind="stable")
    out_file = Path(out_file)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"text": sample.to_numpy()}).astype("string").to_parquet(
        out_file, compression="zstd", compression_level=19, index=False)
    card = {
        "title": "Unlabelled COVID-19-era Weibo posts (transfer set for distillation)",
        "file": out_file.name, "repositories": [repo], "folder": TRANSFER_FOLDER,
        "files_read": len(files_read), "files_absent_from_snapshot": files_missing,
        "files_without_a_text_column": files_without_text,
        "rows_read": int(len(raw)), "rows_at_least_min_chars": int(len(cleaned)),
        "distinct_texts": int(len(distinct)), "in_a_labelled_set": int(len(distinct) - len(unseen)),
        "rows_kept": int(len(sample)), "seed": seed, "min_chars": min_chars,
        "cleaning": ("text column only (user ids never read); GB18030 decoded with undecodable bytes replaced; "
                     "the crawler's tail (' ?', '展开全文', '收起全文') cut; "
                     f"@mentions replaced by {MENTIONED!r} and video cards' accounts ('L…的微博视频') by "
                     "'L用户的微博视频'; stripped; texts "
                     "shorter than min_chars dropped; deduplicated; every text equal to a text of any split of "
                     "data/sentiment/social once both are reduced to letters, digits and CJK characters "
                     "(lower-cased, mentions replaced) removed; seeded sample"),
        "labels": "none: the teacher's probabilities on these texts are the student's targets",
        "licence": NO_LICENCE,
        "rebuild": "python -m firestorm.sentiment.corpora --mirrors <folder> --transfer",
    }
    out_file.with_suffix(".json").write_text(json.dumps(card, ensure_ascii=False, indent=2) + "\n",
                                             encoding="utf-8")
    return card


def load_transfer_sample(path: str | Path = TRANSFER_SAMPLE) -> pd.Series:
    """The committed unlabelled transfer texts (see :func:`build_transfer_sample`)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no transfer sample; run from the repository root or rebuild it with "
                                "python -m firestorm.sentiment.corpora --mirrors <folder> --transfer")
    return pd.read_parquet(path)["text"].astype("string")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Rebuild data/sentiment/social/ from repository snapshots.")
    parser.add_argument("--mirrors", required=True,
                        help="folder holding <owner>+<name>/repo git snapshots of the source repositories")
    parser.add_argument("--out", default=str(SOCIAL_CORPORA))
    parser.add_argument("--transfer", action="store_true",
                        help=f"write the unlabelled transfer sample ({TRANSFER_SAMPLE}) instead")
    parser.add_argument("--transfer-rows", type=int, default=60_000)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.transfer:
        card = build_transfer_sample(args.mirrors, rows=args.transfer_rows)
        log.info("transfer sample: %d kept of %d read", card["rows_kept"], card["rows_read"])
        return
    for name, card in build_social_corpora(args.mirrors, args.out).items():
        log.info("%s: %s kept of %d read", name, card["rows_kept"], card["rows_read"])


if __name__ == "__main__":
    main()
