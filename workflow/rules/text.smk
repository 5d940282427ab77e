"""Segmentation (jieba), sharded: each shard is its own job, locally or on a cluster node.
INPUT: results/<case>/posts.parquet.  OUTPUT: results/<case>/tokens.parquet.
"""


scattergather:
    shards=SHARDS,


rule segment_shard:
    input:
        posts="results/{case}/posts.parquet",
        user_dict=config["segmentation"]["user_dict"],
        stopwords=config["segmentation"]["stopwords"],
    output:
        temp("results/{case}/shards/tokens_{scatteritem}.parquet"),
    params:
        shard="{scatteritem}",
        extra_words=lambda wildcards: list(CASES[wildcards.case].lexicon_words),
        memo_blocks=config["segmentation"]["memo_blocks"],
        code_version=CODE_VERSION,
    log:
        "logs/segment/{case}_{scatteritem}.log",
    benchmark:
        "benchmarks/segment/{case}_{scatteritem}.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/segment_shard.py"


rule merge_tokens:
    input:
        gather.shards("results/{{case}}/shards/tokens_{scatteritem}.parquet"),
    output:
        "results/{case}/tokens.parquet",
    log:
        "logs/segment/{case}_merge.log",
    benchmark:
        "benchmarks/segment/{case}_merge.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/concat_parquet.py"
