"""Discourse: frames over time, distinctive words per phase and per case, co-occurrence, hashtags, emoticons.
INPUT: results/<case>/{posts,tokens,sentiment}.parquet, the frame lexicon (discourse.frames).
OUTPUT: results/<case>/discourse/*.csv (exemplars.csv: the most typical posts per phase x frame and label), cooccurrence.graphml, figures/{frames,distinctive_words,network}.{png,svg};
        results/comparison/distinctive_words_cases.csv and its figure.
"""


rule discourse:
    input:
        posts="results/{case}/posts.parquet",
        tokens="results/{case}/tokens.parquet",
        sentiment="results/{case}/sentiment.parquet",
        frames=config["discourse"]["frames"],
    output:
        frames_daily="results/{case}/discourse/frames_daily.csv",
        frames_phase=report(
            "results/{case}/discourse/frames_by_phase.csv",
            caption="../report/frames_by_phase.rst",
            category="{case}",
            labels={"case": "{case}", "table": "frames by phase"},
        ),
        frames_sentiment=report(
            "results/{case}/discourse/frames_by_sentiment.csv",
            caption="../report/frames_by_sentiment.rst",
            category="{case}",
            labels={"case": "{case}", "table": "frames by sentiment"},
        ),
        distinctive=report(
            "results/{case}/discourse/distinctive_words_by_phase.csv",
            caption="../report/distinctive_words.rst",
            category="{case}",
            labels={"case": "{case}", "table": "distinctive words by phase"},
        ),
        hashtags="results/{case}/discourse/hashtags_by_phase.csv",
        emoticons="results/{case}/discourse/emoticons_by_phase.csv",
        graphml="results/{case}/discourse/cooccurrence.graphml",
        frames_figure=report(
            "results/{case}/figures/frames.png",
            caption="../report/frames.rst",
            category="{case}",
            labels={"case": "{case}", "figure": "frames per day"},
        ),
        frames_svg="results/{case}/figures/frames.svg",
        words_figure=report(
            "results/{case}/figures/distinctive_words.png",
            caption="../report/distinctive_words.rst",
            category="{case}",
            labels={"case": "{case}", "figure": "distinctive words by phase"},
        ),
        words_svg="results/{case}/figures/distinctive_words.svg",
        network_figure=report(
            "results/{case}/figures/network.png",
            caption="../report/network.rst",
            category="{case}",
            labels={"case": "{case}", "figure": "term co-occurrence network"},
        ),
        network_svg="results/{case}/figures/network.svg",
    params:
        case_file=case_file,
        settings={key: value for key, value in config["discourse"].items() if key != "frames"},
        code_version=CODE_VERSION,
    resources:
        mem_mb=3000,
    log:
        "logs/discourse/{case}.log",
    benchmark:
        "benchmarks/discourse/{case}.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/discourse.py"


rule exemplars:
    input:
        posts="results/{case}/posts.parquet",
        tokens="results/{case}/tokens.parquet",
        sentiment="results/{case}/sentiment.parquet",
        frames=config["discourse"]["frames"],
    output:
        exemplars=report(
            "results/{case}/discourse/exemplars.csv",
            caption="../report/exemplars.rst",
            category="{case}",
            labels={"case": "{case}", "table": "exemplar posts"},
        ),
    params:
        case_file=case_file,
        k=config["discourse"]["exemplars"],
        code_version=CODE_VERSION,
    resources:
        mem_mb=3000,
    log:
        "logs/discourse/{case}_exemplars.log",
    benchmark:
        "benchmarks/discourse/{case}_exemplars.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/exemplars.py"


rule compare_words:
    input:
        tokens=expand("results/{case}/tokens.parquet", case=CASES),
    output:
        table=report(
            "results/comparison/distinctive_words_cases.csv",
            caption="../report/distinctive_words_cases.rst",
            category="Comparison",
            labels={"table": "distinctive words by case"},
        ),
        figure=report(
            "results/comparison/figures/distinctive_words_cases.png",
            caption="../report/distinctive_words_cases.rst",
            category="Comparison",
            labels={"figure": "distinctive words by case"},
        ),
        svg="results/comparison/figures/distinctive_words_cases.svg",
    params:
        case_files=[CASES[name].source_path for name in CASES],
        settings={key: value for key, value in config["discourse"].items() if key != "frames"},
        code_version=CODE_VERSION,
    log:
        "logs/discourse/compare_words.log",
    benchmark:
        "benchmarks/discourse/compare_words.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/compare_words.py"
