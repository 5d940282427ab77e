"""Agreement of the coders, the adjudicated codes and the model against them for one case (firestorm.validation)."""

import json

import pandas as pd

from firestorm import figures
from firestorm.config import load_case
from firestorm.jobs import log_to
from firestorm.validation import coded_posts, corrected_daily_shares, read_codings, validation_report

log_to(snakemake)

sample = pd.read_csv(snakemake.input.sample, dtype={"sample_id": str, "post_id": str}, encoding="utf-8-sig")
codings = read_codings(list(snakemake.input.coders), sample)
probabilities = pd.read_parquet(snakemake.input.sentiment, columns=["post_id", "p_negative", "p_neutral", "p_positive",
                                                                    "label"])
case = load_case(snakemake.params.case_file)
report = validation_report(sample.merge(probabilities[["post_id", "p_negative"]], on="post_id", how="left"), codings,
                           case.validation.get("sample_size", snakemake.params.planned))
with open(snakemake.output.agreement, "w", encoding="utf-8") as handle:
    json.dump(report, handle, indent=2, ensure_ascii=False)
coded = coded_posts(sample, codings)
coded.to_csv(snakemake.output.coded, index=False)
labelled = coded.merge(probabilities, on="post_id")   # each coded item's code, the model's label and probabilities
figures.validation_figure(labelled.rename(columns={"true_label": "adjudicated", "label": "predicted_label"}), case,
                          snakemake.output.figure)
# Sentiment shares over time as the human codes say they are: the daily shares corrected for the model's errors.
corrected = corrected_daily_shares(pd.read_csv(snakemake.input.daily_sentiment, parse_dates=["day"]), labelled)
corrected.to_csv(snakemake.output.daily_corrected, index=False)
figures.corrected_sentiment_figure(corrected, case, snakemake.output.corrected_figure)
