"""Benchmark: sentiment scoring throughput against SnowNLP and a naive transformers pipeline loop.

All measured in this run, on the same texts (real Weibo posts: a seeded sample of the unlabelled transfer set,
data/sentiment/transfer/, whose duplicate rate and median length are printed), with the same model:
- firestorm (the pipeline's default, ``runtime="onnx"``): ``SentimentModel.positive_probability`` with the
  model's int8 ONNX export on ONNX Runtime, texts tokenised in one call, length-sorted batches;
- firestorm_torch: the same with ``runtime="torch"`` (transformers model, ``torch.inference_mode``);
- baseline 1: SnowNLP's ``SnowNLP(text).sentiments``, one text at a time;
- baseline 2: ``transformers.pipeline("text-classification")`` called once per text (no batching).
Baselines run on a subset (they are slow); rates are posts per second in steady state (a warm-up pass, then
the median of three timed passes, for every method alike).

    .venv/bin/python bench/sentiment_speed.py --model results/models/sentiment

Writes results/bench/sentiment_speed.json.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def rate(function, texts, repeats: int = 3) -> float:
    """Steady-state posts per second: one untimed warm-up pass (runtimes size their buffers for each new
    input shape on first sight), then the median of ``repeats`` timed passes. Same for every method."""
    function(texts)
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        function(texts)
        timings.append(time.perf_counter() - started)
    return len(texts) / float(np.median(timings))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=str(REPO / "results/models/sentiment"))
    parser.add_argument("--texts", type=int, default=4000)
    parser.add_argument("--baseline-texts", type=int, default=600)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32, help="as sentiment.batch_size in the config")
    args = parser.parse_args()

    import torch
    from transformers import pipeline

    from firestorm.demo import text_statistics
    from firestorm.sentiment import SentimentModel, load_transfer_sample, set_threads, snownlp_probability

    set_threads(args.threads)
    sample = load_transfer_sample(REPO / "data/sentiment/transfer/weibo_unlabelled.parquet")
    texts = sample.sample(n=args.texts, random_state=0).astype(str).tolist()
    corpus = {"source": "data/sentiment/transfer/weibo_unlabelled.parquet (real Weibo posts)",
              **text_statistics(texts, "real")}
    subset = texts[: args.baseline_texts]

    model = SentimentModel(args.model, batch_size=args.batch_size, runtime="onnx")
    ours = rate(model.positive_probability, texts)
    torch_model = SentimentModel(args.model, batch_size=args.batch_size, runtime="torch")
    ours_torch = rate(torch_model.positive_probability, texts)

    snownlp = rate(snownlp_probability, subset)

    classifier = pipeline("text-classification", model=args.model, device=-1, truncation=True, max_length=128)
    naive = rate(lambda batch: [classifier(text) for text in batch], subset)

    # The pipeline's top label over all outputs is only comparable on the polarity head: compare argmax there.
    ours_labels = model.probabilities(subset)["polarity"].argmax(axis=1)
    pipeline_scores = [classifier(t, top_k=None) for t in subset]
    polarity_names = [model.model.config.id2label[i] for i in model.heads["polarity"]]
    theirs = [int(np.argmax([next(r["score"] for r in scores if r["label"] == name) for name in polarity_names]))
              for scores in pipeline_scores]
    agreement = float(np.mean(ours_labels == np.array(theirs)))
    report = {
        "model": args.model, "threads": args.threads, "torch_threads": torch.get_num_threads(),
        "texts": len(texts), "baseline_texts": len(subset), "corpus": corpus,
        "posts_per_s": {"firestorm": ours, "firestorm_torch": ours_torch, "snownlp": snownlp,
                        "naive_pipeline_loop": naive},
        "ratio_vs_snownlp": ours / snownlp, "ratio_vs_naive_pipeline": ours / naive,
        "torch_runtime_ratio_vs_naive_pipeline": ours_torch / naive,
        "label_agreement_with_pipeline": agreement,
    }
    out = REPO / "results" / "bench" / "sentiment_speed.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"corpus: {corpus['source']}; duplicate-text rate {corpus['duplicate_text_rate']:.1%}, "
          f"median {corpus['median_characters']:.0f} characters")
    print(f"{'':40}{'posts/s':>10}")
    for name, value in report["posts_per_s"].items():
        print(f"{name:40}{value:>10,.0f}")
    print(f"firestorm vs SnowNLP x{report['ratio_vs_snownlp']:.1f}, vs naive pipeline loop "
          f"x{report['ratio_vs_naive_pipeline']:.1f}; same polarity labels as the pipeline on {agreement:.1%} -> {out}")


if __name__ == "__main__":
    main()
