"""Demo corpus.
OUTPUT: data/demo/<case>/ — synthetic exports in real crawler formats and truth.yaml (planted values).
Only used when config demo.generate is true; real studies point case inputs at their own exports.
"""


rule demo_exports:
    output:
        directory("data/demo/{case}"),
    params:
        case_file=case_file,
        scale=config["demo"]["scale"],
        varied_texts_from=config["demo"]["varied_texts_from"],
        code_version=CODE_VERSION,
    log:
        "logs/demo/{case}.log",
    benchmark:
        "benchmarks/demo/{case}.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/generate_demo.py"
