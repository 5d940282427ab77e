"""Agreement of the coders, the adjudicated codes and the model against them for one case (firestorm.validation)."""

import json

import pandas as pd

from firestorm import figures
from firestorm.config import load_case
from firestorm.jobs import log_to
from firestorm.validation import coded_posts, read_codings, validation_report

log_to(snakemake)

sample = pd.read_csv(snakemake.input.sample, dtype={"sample_id": str, "post_id": str}, encoding="utf-8-sig")
codings = read_codings(list(snakemake.input.coders), sample)
report = validation_report(sample, codings, snakemake.params.planned)
with open(snakemake.output.agreement, "w", encoding="utf-8") as handle:
    json.dump(report, handle, indent=2, ensure_ascii=False)
coded = coded_posts(sample, codings)
coded.to_csv(snakemake.output.coded, index=False)
probabilities = pd.read_parquet(snakemake.input.sentiment, columns=["post_id", "p_negative", "p_neutral", "p_positive",
                                                                    "label"])
reliability = (coded.rename(columns={"true_label": "adjudicated"})
               .merge(probabilities.rename(columns={"label": "predicted_label"}), on="post_id"))
figures.validation_figure(reliability, load_case(snakemake.params.case_file), snakemake.output.figure)
