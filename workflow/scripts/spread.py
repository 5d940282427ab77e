"""Spread statistics and figures of one case (firestorm.spread, firestorm.figures)."""

import json

import pandas as pd

from firestorm import figures
from firestorm.config import load_case
from firestorm.jobs import log_to
from firestorm.discourse import phase_starts
from firestorm.spread import (SPREAD_COLUMNS, analyse_spread, daily_sentiment, daily_volume, emotion_tables,
                              hourly_counts, read_posts, status_notes, timed_items)

log_to(snakemake)

case = load_case(snakemake.params.case_file)
# Only the columns the spread measures use: texts are the bulk of a posts table and are not needed here.
posts = read_posts(snakemake.input.posts, SPREAD_COLUMNS)
sentiment = pd.read_parquet(snakemake.input.sentiment, columns=["post_id", "label", "emotion"])
summary, hawkes = analyse_spread(posts, case, bootstrap=snakemake.params.bootstrap, seed=snakemake.params.seed)
with open(snakemake.output.summary, "w", encoding="utf-8") as handle:
    json.dump(summary, handle, indent=2, ensure_ascii=False)
# Hourly tables and figures count only items timed to the hour; a date alone would pile up at midnight.
timed = timed_items(posts)
hourly = hourly_counts(timed, case.window_start, case.window_end, by=["platform", "kind"])
hourly.to_csv(snakemake.output.hourly)
daily = daily_volume(posts, case.timezone)
daily.to_csv(snakemake.output.daily_volume, index=False)
daily_feelings = daily_sentiment(posts, sentiment, case.timezone)
daily_feelings.to_csv(snakemake.output.daily, index=False)
figures.volume_figure(hourly_counts(timed, case.window_start, case.window_end, by=["platform"]), case,
                      snakemake.output.volume, notes=status_notes(summary))
figures.engagement_figure(daily, case, snakemake.output.engagement)
figures.hawkes_figure(hourly_counts(timed, case.window_start, case.window_end)["items"], hawkes, case,
                      snakemake.output.hawkes, summary["hawkes"])
figures.sentiment_figure(daily_feelings, case, snakemake.output.sentiment)
daily_emotions, phase_emotions = emotion_tables(posts, sentiment, case)
daily_emotions.to_csv(snakemake.output.daily_emotion, index=False)
phase_emotions.to_csv(snakemake.output.phase_emotion, index=False)
figures.emotion_figure(daily_emotions, phase_emotions, case, snakemake.output.emotion,
                       phase_titles=figures.phase_names(phase_starts(case), case.timezone))
