"""Sentiment (transformers), sharded like segmentation.
INPUT: tokens shards; the model (trained here by default: results/models/sentiment/).
OUTPUT: results/<case>/sentiment.parquet, results/models/sentiment/eval.json.
"""


rule train_sentiment_model:
    output:
        config=f"{DEFAULT_MODEL_DIR}/config.json",
        weights=f"{DEFAULT_MODEL_DIR}/model.safetensors",
        evaluation=report(
            f"{DEFAULT_MODEL_DIR}/eval.json",
            caption="../report/model_eval.rst",
            category="Methods",
            labels={"table": "sentiment model evaluation"},
        ),
    params:
        settings={**config["sentiment"].get("train", {}), "max_length": config["sentiment"].get("max_length", 128)},
        code_version=CODE_VERSION,
    # Capped at --cores locally; a cluster node gets this many.
    threads: 4
    resources:
        mem_mb=3000,
        runtime=60,
    log:
        "logs/sentiment/train.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/train_sentiment.py"


rule score_sentiment_shard:
    input:
        tokens="results/{case}/shards/tokens_{scatteritem}.parquet",
        model=model_input,
    output:
        temp("results/{case}/shards/sentiment_{scatteritem}.parquet"),
    params:
        model=config["sentiment"]["model"],
        neutral_band=config["sentiment"]["neutral_band"],
        batch_size=config["sentiment"].get("batch_size", 64),
        max_length=config["sentiment"].get("max_length", 128),
        code_version=CODE_VERSION,
    threads: 1
    resources:
        mem_mb=2000,
    log:
        "logs/sentiment/{case}_{scatteritem}.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/score_sentiment_shard.py"


rule merge_sentiment:
    input:
        gather.shards("results/{{case}}/shards/sentiment_{scatteritem}.parquet"),
    output:
        "results/{case}/sentiment.parquet",
    log:
        "logs/sentiment/{case}_merge.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/concat_parquet.py"
