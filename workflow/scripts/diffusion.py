"""Cascades, key spreaders, geography, coordination screen and field coverage of one case (firestorm.diffusion)."""

import json

import networkx as nx
import pandas as pd

from firestorm import figures
from firestorm.config import load_case
from firestorm.diffusion import DiffusionSettings, analyse_diffusion
from firestorm.jobs import log_to

log_to(snakemake)

case = load_case(snakemake.params.case_file)
settings = DiffusionSettings.from_config(snakemake.params.settings)
posts = pd.read_parquet(snakemake.input.posts)
sentiment = pd.read_parquet(snakemake.input.sentiment, columns=["post_id", "label"])
found = analyse_diffusion(posts, sentiment, case, settings)
with open(snakemake.output.summary, "w", encoding="utf-8") as handle:
    json.dump(found.summary, handle, indent=2, ensure_ascii=False, default=str)
found.cascades.table.to_csv(snakemake.output.cascades, index=False)
found.cascades.items.to_parquet(snakemake.output.cascade_items, index=False)
found.spreaders.head(settings.top_spreaders).to_csv(snakemake.output.spreaders, index=False)
found.spreaders_by_phase.to_csv(snakemake.output.spreaders_by_phase, index=False)
found.geography.to_csv(snakemake.output.geography, index=False)
found.coordinated.to_csv(snakemake.output.coordinated, index=False)
found.coverage.to_csv(snakemake.output.coverage, index=False)
nx.write_gexf(found.network, snakemake.output.gexf)
nx.write_graphml(found.network, snakemake.output.graphml)
figures.cascades_figure(found.cascades.table, case, snakemake.output.cascades_figure)
figures.spreaders_figure(found.spreaders["items"], found.spreaders_by_phase, case, snakemake.output.spreaders_figure)
figures.geography_figure(found.geography, found.summary["geography"], case, snakemake.output.geography_figure)
