# firestorm: sentiment and discourse analytics of online controversies.
# Stages, one rule file each: demo -> ingest -> text (jieba) -> sentiment (transformers) -> spread, discourse,
# topics, diffusion -> validation -> response -> report.
# `make run` runs this workflow and then `snakemake --report results/report.html`.

from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/demo.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/text.smk"
include: "workflow/rules/sentiment.smk"
include: "workflow/rules/spread.smk"
include: "workflow/rules/discourse.smk"
include: "workflow/rules/topics.smk"
include: "workflow/rules/diffusion.smk"
include: "workflow/rules/response.smk"
include: "workflow/rules/validation.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        expand("results/{case}/ingest_qc.json", case=CASES),
        expand("results/{case}/rejects.parquet", case=CASES),
        expand("results/{case}/tokens.parquet", case=CASES),
        expand("results/{case}/sentiment.parquet", case=CASES),
        expand("results/{case}/spread.json", case=CASES),
        expand("results/{case}/figures/volume.png", case=CASES),
        expand("results/{case}/figures/sentiment.png", case=CASES),
        expand("results/{case}/discourse/frames_by_phase.csv", case=CASES),
        expand("results/{case}/topics/topics.json", case=CASES),
        expand("results/{case}/discourse/exemplars.csv", case=CASES),
        expand("results/{case}/diffusion/diffusion.json", case=CASES),
        expand("results/{case}/validation/coding_sample.xlsx", case=CASES),
        expand("results/{case}/validation/agreement.json", case=CASES),
        "results/comparison/distinctive_words_cases.csv",
        "results/comparison/response_timing.csv",
        "results/methods.md",
        "results/summary.md",
        "results/study.html",
        "results/comparison/summary.md",
        "results/comparison/figures/aligned.png",
        "results/comparison/figures/unanswered.png",
        model_eval_file(),
