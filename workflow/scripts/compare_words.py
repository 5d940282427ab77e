"""Distinctive words of each case against the other cases (Fightin' Words; firestorm.discourse)."""


from firestorm import figures
from firestorm.config import load_case
from firestorm.discourse import case_word_counts, distinctive_words, parquet_batches
from firestorm.jobs import log_to

log_to(snakemake)

settings = snakemake.params.settings
cases = [load_case(path) for path in snakemake.params.case_files]
counts = {case.name: case_word_counts(parquet_batches(path, ["tokens"]))
          for case, path in zip(cases, snakemake.input.tokens)}
table = distinctive_words(counts, settings["prior_total"], settings["top_words"], settings["min_count"])
table.to_csv(snakemake.output.table, index=False)
figures.distinctive_words_figure(table, "案例特征词 distinctive words of each case (vs the other cases)",
                                 snakemake.output.figure, group_names={c.name: c.title for c in cases})
