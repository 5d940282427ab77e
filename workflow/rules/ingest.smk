"""Ingest.
INPUT: the case's crawler exports (case YAML `inputs`).
OUTPUT: results/<case>/posts.parquet (canonical, pseudonymised, filtered to the case),
        results/<case>/rejects.parquet (unreadable records with reasons), results/<case>/ingest_qc.json.
"""


rule ingest:
    input:
        exports=case_exports,
        case_file=case_file,
    output:
        posts="results/{case}/posts.parquet",
        rejects="results/{case}/rejects.parquet",
        qc="results/{case}/ingest_qc.json",
    params:
        case_file=case_file,
        key_env=config["pseudonymisation"]["key_env"],
        key_file=config["pseudonymisation"]["key_file"],
        code_version=CODE_VERSION,
    log:
        "logs/ingest/{case}.log",
    benchmark:
        "benchmarks/ingest/{case}.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/ingest.py"
