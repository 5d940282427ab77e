"""Train and evaluate the default sentiment model (firestorm.sentiment)."""

import logging
import sys
from pathlib import Path

from firestorm.sentiment import TrainSettings, set_threads, train_model

sys.stderr = open(snakemake.log[0], "w")
logging.basicConfig(stream=sys.stderr, level=logging.INFO)

set_threads(snakemake.threads)
evaluation = train_model(Path(snakemake.output.config).parent, TrainSettings(**snakemake.params.settings))
logging.info("test metrics: %s", evaluation["test"])
