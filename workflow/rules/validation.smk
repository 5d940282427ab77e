"""Human validation: the coding sample researchers hand-code, and what their codes say.
INPUT: results/<case>/{posts,tokens,sentiment}.parquet; coder files (one per coder, CSV or workbook with
       sample_id and code columns) in data/<case>/validation/, or for the demo two simulated coders.
OUTPUT: results/<case>/validation/coding_sample.{xlsx,csv} (sheet "codebook" in the workbook),
        agreement.json (alpha, kappa, adjudication, the model against the codes, power) and coded_posts.csv;
        daily_sentiment_corrected.csv and figures/sentiment_corrected.png (daily shares corrected by the codes).
"""


rule coding_sample:
    input:
        posts="results/{case}/posts.parquet",
        tokens="results/{case}/tokens.parquet",
        sentiment="results/{case}/sentiment.parquet",
        spread="results/{case}/spread.json",
    output:
        xlsx="results/{case}/validation/coding_sample.xlsx",
        csv=report(
            "results/{case}/validation/coding_sample.csv",
            caption="../report/coding_sample.rst",
            category="{case}",
            labels={"case": "{case}", "table": "coding sample (human validation)"},
        ),
    params:
        case_file=case_file,
        settings=config["validation"],
        pre_hours=config["response"]["pre_hours"],
        post_hours=config["response"]["post_hours"],
        code_version=CODE_VERSION,
    log:
        "logs/validation/{case}_sample.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/coding_sample.py"


rule demo_coders:
    input:
        sample="results/{case}/validation/coding_sample.csv",
        demo="data/demo/{case}",
    output:
        coders=[f"{DEMO_CODED_DIR}/{{case}}/{coder}.csv" for coder in DEMO_CODER_NAMES],
    params:
        seed=config["validation"]["seed"],
        code_version=CODE_VERSION,
    log:
        "logs/validation/{case}_demo_coders.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/demo_coders.py"


rule validation_agreement:
    input:
        sample="results/{case}/validation/coding_sample.csv",
        coders=coder_files,
        sentiment="results/{case}/sentiment.parquet",
        daily_sentiment="results/{case}/daily_sentiment.csv",
    output:
        agreement=report(
            "results/{case}/validation/agreement.json",
            caption="../report/agreement.rst",
            category="{case}",
            labels={"case": "{case}", "table": "human validation: agreement and accuracy"},
        ),
        coded="results/{case}/validation/coded_posts.csv",
        figure=report(
            "results/{case}/figures/validation.png",
            caption="../report/validation_figure.rst",
            category="{case}",
            labels={"case": "{case}", "figure": "human validation"},
        ),
        figure_svg="results/{case}/figures/validation.svg",
        daily_corrected="results/{case}/validation/daily_sentiment_corrected.csv",
        corrected_figure=report(
            "results/{case}/figures/sentiment_corrected.png",
            caption="../report/sentiment_corrected.rst",
            category="{case}",
            labels={"case": "{case}", "figure": "sentiment corrected by human codes"},
        ),
        corrected_figure_svg="results/{case}/figures/sentiment_corrected.svg",
    params:
        case_file=case_file,
        planned=config["validation"]["sample_size"],
        code_version=CODE_VERSION,
    log:
        "logs/validation/{case}_agreement.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/validation_agreement.py"
