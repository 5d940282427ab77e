"""Write the synthetic demo exports of one case (firestorm.demo)."""

import logging
import sys

from firestorm.config import load_case
from firestorm.demo import generate_case

sys.stderr = open(snakemake.log[0], "w")
logging.basicConfig(stream=sys.stderr, level=logging.INFO)

truth = generate_case(load_case(snakemake.params.case_file), snakemake.output[0], scale=snakemake.params.scale)
logging.info("wrote %d items in %d export files", truth["items"]["total"], len(truth["exports"]))
