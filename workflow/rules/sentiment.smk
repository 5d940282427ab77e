"""Sentiment (transformers), sharded like segmentation.
INPUT: tokens; the model (trained here by default: results/models/sentiment/), adapted to the study's posts
       by emoticon distant supervision (results/models/sentiment_adapted/) when sentiment.adapt.enabled.
OUTPUT: results/<case>/sentiment.parquet, results/models/sentiment/eval.json, .../sentiment_adapted/adaptation.json
        and .../sentiment_adapted/held_out_posts.parquet (the emoticon-labelled posts the model never learnt from).
"""


rule train_sentiment_model:
    input:
        # Teacher probabilities to distil (committed; rebuilt by `make teacher`), when configured.
        teacher=teacher_labels_input,
        # The human-labelled social-media sets (calibration and test splits) and the baselines' scores on them.
        social=SOCIAL_CORPUS_FILES,
        baselines="data/sentiment/baselines.json",
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
        settings={**config["sentiment"]["train"], "max_length": config["sentiment"]["max_length"]},
        code_version=CODE_VERSION,
    # Capped at --cores locally; a cluster node gets this many.
    threads: 4
    resources:
        mem_mb=3000,
        runtime=60,
    log:
        "logs/sentiment/train.log",
    benchmark:
        "benchmarks/sentiment/train.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/train_sentiment.py"


rule adapt_sentiment_model:
    input:
        tokens=expand("results/{case}/tokens.parquet", case=CASES),
        base=base_model_input,
        emoticons=config["sentiment"]["adapt"]["emoticons"],
    output:
        config=f"{ADAPTED_MODEL_DIR}/config.json",
        weights=f"{ADAPTED_MODEL_DIR}/model.safetensors",
        adaptation=report(
            f"{ADAPTED_MODEL_DIR}/adaptation.json",
            caption="../report/adaptation.rst",
            category="Methods",
            labels={"table": "sentiment domain adaptation"},
        ),
        # case, post_id, true_label: what the response stage measures the classifier's errors on.
        held_out=f"{ADAPTED_MODEL_DIR}/held_out_posts.parquet",
        # The scoring model's tests on human-labelled posts (the base model's when adaptation is not applied).
        evaluation=f"{ADAPTED_MODEL_DIR}/eval.json",
    params:
        base=lambda wildcards, input: model_location(input.base),
        cases=list(CASES),
        settings={
            **{
                key: value
                for key, value in config["sentiment"]["adapt"].items()
                if key not in ("enabled", "emoticons")
            },
            "neutral_band": config["sentiment"]["neutral_band"],
        },
        code_version=CODE_VERSION,
    threads: 4
    resources:
        mem_mb=3000,
        runtime=60,
    log:
        "logs/sentiment/adapt.log",
    benchmark:
        "benchmarks/sentiment/adapt.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/adapt_sentiment.py"


rule score_sentiment_shard:
    input:
        tokens="results/{case}/shards/tokens_{scatteritem}.parquet",
        model=scoring_model_input,
    output:
        temp("results/{case}/shards/sentiment_{scatteritem}.parquet"),
    params:
        model=lambda wildcards, input: model_location(input.model),
        neutral_band=config["sentiment"]["neutral_band"],
        batch_size=config["sentiment"]["batch_size"],
        max_length=config["sentiment"]["max_length"],
        runtime=config["sentiment"]["runtime"],
        code_version=CODE_VERSION,
    threads: 1
    resources:
        mem_mb=2000,
    log:
        "logs/sentiment/{case}_{scatteritem}.log",
    benchmark:
        "benchmarks/sentiment/{case}_{scatteritem}.tsv"
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
    benchmark:
        "benchmarks/sentiment/{case}_merge.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/concat_parquet.py"
