"""Discourse tables, network and figures of one case (firestorm.discourse, firestorm.figures)."""


import networkx as nx
import pandas as pd

from firestorm import figures
from firestorm.config import load_case
from firestorm.discourse import TOKEN_COLUMNS, analyse_discourse, load_frames, parquet_batches
from firestorm.jobs import log_to

log_to(snakemake)

settings = snakemake.params.settings
case = load_case(snakemake.params.case_file)
# Token lists are read in batches (memory does not grow with the case); posts and labels are small columns.
result = analyse_discourse(
    pd.read_parquet(snakemake.input.posts, columns=["post_id", "platform", "created_at"]),
    parquet_batches(snakemake.input.tokens, TOKEN_COLUMNS),
    pd.read_parquet(snakemake.input.sentiment, columns=["post_id", "label"]), case,
    load_frames(snakemake.input.frames, case),
    prior_total=settings["prior_total"], top_words=settings["top_words"], min_count=settings["min_count"],
    network_terms=settings["network_terms"], network_min_weight=settings["network_min_weight"],
)
for key in ("frames_daily", "frames_phase", "frames_sentiment", "distinctive", "hashtags", "emoticons"):
    table = result["distinctive_phase" if key == "distinctive" else key]
    table.to_csv(getattr(snakemake.output, key), index=False)
nx.write_graphml(result["graph"], snakemake.output.graphml)
figures.frames_figure(result["frames_daily"], case, snakemake.output.frames_figure)
figures.distinctive_words_figure(
    result["distinctive_phase"], f"{case.title}：各阶段特征词 distinctive words by phase (each phase vs the rest)",
    snakemake.output.words_figure, group_names=figures.phase_names(result["phases"], case.timezone),
)
figures.network_figure(result["graph"], f"{case.title}：词语共现网络 term co-occurrence (same post)",
                       snakemake.output.network_figure)
