"""Human validation: the coding sample researchers hand-code.
INPUT: results/<case>/{posts,tokens,sentiment}.parquet.
OUTPUT: results/<case>/validation/coding_sample.{xlsx,csv} (sheet "codebook" in the workbook).
"""


rule coding_sample:
    input:
        posts="results/{case}/posts.parquet",
        tokens="results/{case}/tokens.parquet",
        sentiment="results/{case}/sentiment.parquet",
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
        code_version=CODE_VERSION,
    log:
        "logs/validation/{case}_sample.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/coding_sample.py"
