"""Train and evaluate the default sentiment model (firestorm.sentiment)."""

import logging
from pathlib import Path

from firestorm.jobs import log_to
from firestorm.sentiment import TrainSettings, set_threads, train_model

log_to(snakemake)

set_threads(snakemake.threads)
evaluation = train_model(Path(snakemake.output.config).parent, TrainSettings(**snakemake.params.settings))
for name, test in evaluation["tests"].items():
    logging.info("%s: %s", name, {head: round(metrics["macro_f1"], 3) for head, metrics in test.items()})
