"""Write the synthetic demo exports of one case (firestorm.demo)."""

import logging

from firestorm.config import load_case
from firestorm.demo import generate_case
from firestorm.jobs import log_to

log_to(snakemake)

truth = generate_case(load_case(snakemake.params.case_file), snakemake.output[0], scale=snakemake.params.scale,
                      varied_texts_from=snakemake.params.varied_texts_from or None)
logging.info("wrote %d items in %d export files; texts: %s", truth["items"]["total"], len(truth["exports"]),
             truth["texts"])
