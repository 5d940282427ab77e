"""Spread: volume, onset, peak, half-life and sentiment over time per case.
INPUT: results/<case>/posts.parquet, results/<case>/sentiment.parquet.
OUTPUT: results/<case>/spread.json (onset, peak, half-life, Hawkes fit), hourly_volume.csv, daily_volume.csv,
        daily_sentiment.csv, daily_emotion.csv, emotion_by_phase.csv,
        figures/{volume,engagement,hawkes,sentiment,emotion}.{png,svg}.
"""


rule spread:
    input:
        posts="results/{case}/posts.parquet",
        sentiment="results/{case}/sentiment.parquet",
    output:
        summary="results/{case}/spread.json",
        hourly="results/{case}/hourly_volume.csv",
        daily_volume=report(
            "results/{case}/daily_volume.csv",
            caption="../report/daily_volume.rst",
            category="{case}",
            labels={"case": "{case}", "table": "daily volume and engagement"},
        ),
        daily=report(
            "results/{case}/daily_sentiment.csv",
            caption="../report/daily_sentiment.rst",
            category="{case}",
            labels={"case": "{case}", "table": "daily sentiment"},
        ),
        volume=report(
            "results/{case}/figures/volume.png",
            caption="../report/volume.rst",
            category="{case}",
            labels={"case": "{case}", "figure": "volume"},
        ),
        volume_svg="results/{case}/figures/volume.svg",
        engagement=report(
            "results/{case}/figures/engagement.png",
            caption="../report/engagement.rst",
            category="{case}",
            labels={"case": "{case}", "figure": "daily volume and engagement"},
        ),
        engagement_svg="results/{case}/figures/engagement.svg",
        hawkes=report(
            "results/{case}/figures/hawkes.png",
            caption="../report/hawkes.rst",
            category="{case}",
            labels={"case": "{case}", "figure": "self-excitation (Hawkes)"},
        ),
        hawkes_svg="results/{case}/figures/hawkes.svg",
        sentiment=report(
            "results/{case}/figures/sentiment.png",
            caption="../report/sentiment.rst",
            category="{case}",
            labels={"case": "{case}", "figure": "sentiment over time"},
        ),
        sentiment_svg="results/{case}/figures/sentiment.svg",
        daily_emotion=report(
            "results/{case}/daily_emotion.csv",
            caption="../report/daily_emotion.rst",
            category="{case}",
            labels={"case": "{case}", "table": "daily emotions"},
        ),
        phase_emotion=report(
            "results/{case}/emotion_by_phase.csv",
            caption="../report/daily_emotion.rst",
            category="{case}",
            labels={"case": "{case}", "table": "emotions per phase"},
        ),
        emotion=report(
            "results/{case}/figures/emotion.png",
            caption="../report/emotion.rst",
            category="{case}",
            labels={"case": "{case}", "figure": "emotions over time and per phase"},
        ),
        emotion_svg="results/{case}/figures/emotion.svg",
    params:
        case_file=case_file,
        bootstrap=config["spread"]["bootstrap_samples"],
        seed=config["spread"]["seed"],
        code_version=CODE_VERSION,
    log:
        "logs/spread/{case}.log",
    benchmark:
        "benchmarks/spread/{case}.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/spread.py"
