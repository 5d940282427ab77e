"""The study page results/study.html from the stages' files (firestorm.study_page)."""

from pathlib import Path

from firestorm.config import load_case
from firestorm.jobs import log_to
from firestorm.study_page import build_study_page

log_to(snakemake)

results = Path(snakemake.output.page).parent
cases = [load_case(path) for path in snakemake.params.case_files]
evaluation = (str(Path(snakemake.input.evaluation[0]).relative_to(results)) if snakemake.input.evaluation else None)
Path(snakemake.output.page).write_text(
    build_study_page(results, cases, evaluation, demo=snakemake.params.demo), encoding="utf-8")
