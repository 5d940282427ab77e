"""Topics the researcher did not name: a biterm topic model of the posts' own words (firestorm.topics).
INPUT: results/<case>/{posts,tokens}.parquet, the frame lexicon (discourse.frames) for the topic-frame overlap.
OUTPUT: results/<case>/topics/{topic_words,coherence_by_k,topic_shares_by_phase,topic_shares_daily,
        topic_frame_overlap,topic_exemplars,stability}.csv, topics.json; figures/topics.{png,svg}.
"""


rule topics:
    input:
        posts="results/{case}/posts.parquet",
        tokens="results/{case}/tokens.parquet",
        frames=config["discourse"]["frames"],
    output:
        topic_words=report(
            "results/{case}/topics/topic_words.csv",
            caption="../report/topics_words.rst",
            category="{case}",
            labels={"case": "{case}", "table": "topic words"},
        ),
        coherence_by_k=report(
            "results/{case}/topics/coherence_by_k.csv",
            caption="../report/topics_coherence.rst",
            category="{case}",
            labels={"case": "{case}", "table": "topic coherence by K"},
        ),
        shares_phase="results/{case}/topics/topic_shares_by_phase.csv",
        shares_daily="results/{case}/topics/topic_shares_daily.csv",
        frame_overlap=report(
            "results/{case}/topics/topic_frame_overlap.csv",
            caption="../report/topics_frames.rst",
            category="{case}",
            labels={"case": "{case}", "table": "topics and frames"},
        ),
        exemplars=report(
            "results/{case}/topics/topic_exemplars.csv",
            caption="../report/topics_exemplars.rst",
            category="{case}",
            labels={"case": "{case}", "table": "topic exemplars"},
        ),
        stability="results/{case}/topics/stability.csv",
        summary="results/{case}/topics/topics.json",
        figure=report(
            "results/{case}/figures/topics.png",
            caption="../report/topics.rst",
            category="{case}",
            labels={"case": "{case}", "figure": "topics by phase"},
        ),
        svg="results/{case}/figures/topics.svg",
    params:
        case_file=case_file,
        settings=config["topics"],
        code_version=CODE_VERSION,
    resources:
        mem_mb=3000,
    log:
        "logs/topics/{case}.log",
    benchmark:
        "benchmarks/topics/{case}.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/topics.py"
