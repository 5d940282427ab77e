"""Topics of one case: biterm topic model, K by coherence, shares, frame overlap, exemplars, stability
(firestorm.topics, firestorm.figures)."""

import json

import pandas as pd

from firestorm import figures
from firestorm.config import load_case
from firestorm.discourse import load_frames, parquet_batches
from firestorm.jobs import log_to
from firestorm.topics import POST_COLUMNS, TABLES, TOKEN_COLUMNS, BitermTopics, analyse_topics

log_to(snakemake)

settings = snakemake.params.settings
case = load_case(snakemake.params.case_file)
# Token lists are read in batches (three passes: eligibility, the fit sample, scoring); posts are small columns.
result = analyse_topics(
    pd.read_parquet(snakemake.input.posts, columns=POST_COLUMNS),
    parquet_batches(snakemake.input.tokens, TOKEN_COLUMNS), case, load_frames(snakemake.input.frames, case),
    BitermTopics.from_settings(settings), fit_posts=settings["fit_posts"], top_words=settings["top_words"],
    exemplars_per_topic=settings["exemplars"], fit_biterms=settings["fit_biterms"],
)
for key in TABLES:
    result[key].to_csv(getattr(snakemake.output, key), index=False)
with open(snakemake.output.summary, "w", encoding="utf-8") as handle:
    json.dump(result["summary"], handle, ensure_ascii=False, indent=2)
    handle.write("\n")
figures.topics_figure(result["shares_phase"], result["stability"], result["phases"], case, snakemake.output.figure)
