"""Generated report text: the methods section and the findings in numbers.
INPUT: every stage's summaries (ingest QC, model evaluation, spread, discourse, response).
OUTPUT: results/methods.md, results/summary.md (both in the Snakemake report); results/study.html (the findings
        read top to bottom, every number linked to its file: firestorm.study_page).
"""


rule report_text:
    input:
        qc=expand("results/{case}/ingest_qc.json", case=CASES),
        spreads=expand("results/{case}/spread.json", case=CASES),
        sentiment=expand("results/{case}/sentiment.parquet", case=CASES),
        frames=expand("results/{case}/discourse/frames_by_phase.csv", case=CASES),
        timing="results/comparison/response_timing.csv",
        effects="results/comparison/response_effects.csv",
        evaluation=model_eval_file(),
        validation=expand("results/{case}/validation/agreement.json", case=CASES),
        diffusion=expand("results/{case}/diffusion/diffusion.json", case=CASES),
    output:
        methods=report(
            "results/methods.md",
            caption="../report/methods.rst",
            category="Methods",
            labels={"table": "methods (generated)"},
        ),
        summary=report(
            "results/summary.md",
            caption="../report/study_summary.rst",
            category="Comparison",
            labels={"table": "findings in numbers"},
        ),
    params:
        case_files=[CASES[name].source_path for name in CASES],
        code_version=CODE_VERSION,
    log:
        "logs/report/text.log",
    benchmark:
        "benchmarks/report/text.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/report_text.py"


rule study_page:
    input:
        case_files=[f"results/{path}" for name in CASES for path in study_case_files(name)],
        comparison_files=[f"results/{path}" for path in study_comparison_files()],
        evaluation=scoring_model_evaluation,
        case_yamls=[CASES[name].source_path for name in CASES],
    output:
        page="results/study.html",
    params:
        case_files=[CASES[name].source_path for name in CASES],
        demo=bool(config["demo"]["generate"]),
        code_version=CODE_VERSION,
    log:
        "logs/report/study_page.log",
    benchmark:
        "benchmarks/report/study_page.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/study_page.py"
