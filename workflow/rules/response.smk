"""Response timing compared across all cases in the config.
INPUT: every case's spread.json, posts.parquet and sentiment.parquet; the posts that measure the classifier's
       errors: results/models/sentiment_adapted/held_out_posts.parquet when sentiment.adapt.enabled, else
       every case's tokens.parquet (emoticons).
OUTPUT: results/comparison/response_timing.csv, response_effects.csv, aligned.csv, summary.md,
        figures/{aligned,unanswered,its}.{png,svg}.
"""


rule compare_response:
    input:
        spreads=expand("results/{case}/spread.json", case=CASES),
        posts=expand("results/{case}/posts.parquet", case=CASES),
        sentiment=expand("results/{case}/sentiment.parquet", case=CASES),
        qc=expand("results/{case}/ingest_qc.json", case=CASES),
        frames=config["discourse"]["frames"],
        strategies=config["response"]["strategies"],
        # Emoticon-labelled posts the model did not learn from give its confusion matrix for the corrected effect:
        # the adaptation stage's held-out table, or without adaptation every emoticon-labelled post of the tokens.
        held_out=[f"{ADAPTED_MODEL_DIR}/held_out_posts.parquet"] if adaptation_enabled() else [],
        tokens=[] if adaptation_enabled() else expand("results/{case}/tokens.parquet", case=CASES),
        emoticons=([] if adaptation_enabled() else config["sentiment"]["adapt"]["emoticons"]),
        # The scoring model's eval.json (models trained here): its confusion matrix on human-labelled test posts.
        evaluation=scoring_model_evaluation,
        # The adjudicated hand-coded sample of each case (human validation; empty until someone codes).
        coded=expand("results/{case}/validation/coded_posts.csv", case=CASES),
    output:
        timing=report(
            "results/comparison/response_timing.csv",
            caption="../report/response_timing.rst",
            category="Comparison",
            labels={"table": "response timing"},
        ),
        effects=report(
            "results/comparison/response_effects.csv",
            caption="../report/response_effects.rst",
            category="Comparison",
            labels={"table": "response effects"},
        ),
        aligned="results/comparison/aligned.csv",
        summary=report(
            "results/comparison/summary.md",
            caption="../report/summary.rst",
            category="Comparison",
            labels={"table": "summary"},
        ),
        aligned_figure=report(
            "results/comparison/figures/aligned.png",
            caption="../report/aligned.rst",
            category="Comparison",
            labels={"figure": "cases aligned at onset"},
        ),
        aligned_svg="results/comparison/figures/aligned.svg",
        unanswered_figure=report(
            "results/comparison/figures/unanswered.png",
            caption="../report/unanswered.rst",
            category="Comparison",
            labels={"figure": "time to response"},
        ),
        unanswered_svg="results/comparison/figures/unanswered.svg",
        its_figure=report(
            "results/comparison/figures/its.png",
            caption="../report/its.rst",
            category="Comparison",
            labels={"figure": "interrupted time series"},
        ),
        its_svg="results/comparison/figures/its.svg",
    params:
        case_files=[CASES[name].source_path for name in CASES],
        its={key: config["response"][key] for key in ("pre_hours", "post_hours")},
        code_version=CODE_VERSION,
    log:
        "logs/response/compare.log",
    benchmark:
        "benchmarks/response/compare.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/compare_response.py"
