"""The sentiment model: a ``transformers`` sequence classifier scoring texts, its calibration and its ONNX runtime.

Labels: ``p_positive`` is the model's probability of the positive class, ``p_negative = 1 - p_positive``;
a post is ``neutral`` when ``p_positive`` lies inside the configured neutral band ``[low, high]``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

# Class order of the binary classifier's outputs (its id2label).
LABELS = ("negative", "positive")
# Texts tokenised and length-sorted together when scoring: bounds memory per job whatever the shard size
# (a chunk's ids take a few tens of MB), while still sorting enough texts that batches pad little.
SCORING_CHUNK = 20_000

SENTIMENT = {
    "post_id": "string",
    "p_negative": "float64",
    "p_positive": "float64",
    "label": "string",          # negative | neutral | positive
    "model": "string",
}


def set_threads(threads: int | None = None) -> None:
    """Torch intra-op threads: ``threads``, else $FIRESTORM_THREADS, else all cores."""
    import torch

    threads = threads or int(os.environ.get("FIRESTORM_THREADS", os.cpu_count() or 1))
    torch.set_num_threads(max(1, threads))


ONNX_FILE = "onnx/model.int8.onnx"


class SentimentModel:
    """A transformers sequence classifier loaded from a folder or hub id, scoring texts in batches.

    ``runtime="onnx"`` (on CPU) runs the model's int8-quantised ONNX export (``<folder>/onnx/model.int8.onnx``,
    made by :func:`export_onnx`; exported to a temporary folder when missing) with ONNX Runtime, which on
    small CPUs is the fastest way to score; ``runtime="torch"`` runs the transformers model itself. A CUDA
    GPU, when present, always uses torch.
    """

    def __init__(self, name_or_path: str | Path, batch_size: int = 64, max_length: int = 128,
                 runtime: str = "torch"):
        import torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        if runtime not in ("torch", "onnx"):
            raise ValueError(f"sentiment runtime must be 'torch' or 'onnx', not {runtime!r}")
        self.location = str(name_or_path)
        self.tokenizer = AutoTokenizer.from_pretrained(self.location)
        self.model = AutoModelForSequenceClassification.from_pretrained(self.location).eval()
        # What scored, for the sentiment table: a copy of another model (adaptation not applied) says whose.
        self.name = str(getattr(self.model.config, "firestorm_model_name", self.location))
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.runtime = "torch" if self.device.type == "cuda" else runtime
        self.model.to(self.device)
        self.batch_size = batch_size
        # Never longer than the model was built for (its tokenizer says so; hub tokenizers may say 1e30).
        limit = getattr(self.tokenizer, "model_max_length", None)
        self.max_length = min(max_length, limit) if isinstance(limit, int) and limit < 100_000 else max_length
        self.positive_index = self._positive_index()
        # Temperature fitted on validation rows when firestorm trained or adapted the model; 1 otherwise.
        self.temperature = float(getattr(self.model.config, "firestorm_temperature", 1.0))
        self.session = self._onnx_session() if self.runtime == "onnx" else None
        backend = getattr(self.tokenizer, "backend_tokenizer", None)
        self._backend = backend.__class__.from_str(backend.to_str()) if backend is not None else None
        if self._backend is not None:   # a private copy, so these settings never leak into self.tokenizer
            self._backend.enable_truncation(self.max_length)
            self._backend.no_padding()

    def _onnx_session(self):
        import tempfile

        import onnxruntime

        path = Path(self.location) / ONNX_FILE
        if not path.exists():   # a hub model or a folder made elsewhere: export next to nothing we own
            self._export_dir = tempfile.TemporaryDirectory(prefix="firestorm-onnx-")
            path = export_onnx(self.location, self._export_dir.name)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = _torch_threads()
        options.inter_op_num_threads = 1
        return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def _positive_index(self) -> int:
        names = {i: str(label).lower() for i, label in self.model.config.id2label.items()}
        for index, name in names.items():
            if name.startswith("pos"):
                return int(index)
        if len(names) == 2:
            return 1  # binary checkpoints without names are (negative, positive) by convention
        raise ValueError(f"{self.name}: cannot tell which label is positive from {names}")

    def logits(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Raw class logits per text (rows in input order). Texts are tokenised in one call per chunk of
        :data:`SCORING_CHUNK` texts (memory stays bounded however large a shard is), then scored in
        length-sorted batches to minimise padding."""
        import torch
        from tqdm.auto import tqdm

        result = np.empty((len(texts), self.model.config.num_labels), dtype=np.float64)
        pad = self.tokenizer.pad_token_id or 0
        with torch.inference_mode(), tqdm(total=len(texts), desc="scoring sentiment", disable=not progress) as bar:
            for chunk_start in range(0, len(texts), SCORING_CHUNK):
                ids = self._encode([t or " " for t in texts[chunk_start:chunk_start + SCORING_CHUNK]])
                order = np.argsort([len(row) for row in ids], kind="stable")
                for start in range(0, len(ids), self.batch_size):
                    index = order[start:start + self.batch_size]
                    width = max(len(ids[i]) for i in index)
                    input_ids = np.full((len(index), width), pad, dtype=np.int64)
                    mask = np.zeros((len(index), width), dtype=np.int64)
                    for row, i in enumerate(index):
                        input_ids[row, :len(ids[i])] = ids[i]
                        mask[row, :len(ids[i])] = 1
                    if self.session is not None:
                        logits = self.session.run(None, {"input_ids": input_ids, "attention_mask": mask})[0]
                    else:
                        logits = self.model(input_ids=torch.from_numpy(input_ids).to(self.device),
                                            attention_mask=torch.from_numpy(mask).to(self.device)).logits
                        logits = logits.float().cpu().numpy()
                    result[chunk_start + index] = logits
                bar.update(len(ids))
        return result

    def _encode(self, texts: list[str]) -> list[list[int]]:
        """Token ids with special tokens, truncated to ``max_length``: the fast tokenizer's Rust backend in one
        batch call (the same ids as calling the tokenizer, without building Python-side encodings)."""
        if self._backend is None:
            return self.tokenizer(texts, truncation=True, max_length=self.max_length)["input_ids"]
        return [encoding.ids for encoding in self._backend.encode_batch(texts)]

    def positive_probability(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Calibrated P(positive) per text: softmax of the logits divided by the model's temperature."""
        return softmax(self.logits(texts, progress) / self.temperature)[:, self.positive_index]


def onnx_check(folder: str | Path, texts: list[str]) -> dict:
    """Export ``folder`` to int8 ONNX (see :func:`export_onnx`) and say how closely it follows the torch model."""
    export_onnx(folder, check_texts=texts)
    return json.loads((Path(folder) / "onnx" / "check.json").read_text(encoding="utf-8"))


def _torch_threads() -> int:
    import torch

    return max(1, torch.get_num_threads())


def export_onnx(folder: str | Path, out_dir: str | Path | None = None, check_texts: list[str] | None = None) -> Path:
    """Export the transformers classifier in ``folder`` to ONNX and quantise its weights to int8 (dynamic
    quantisation, ONNX Runtime). Writes ``model.int8.onnx`` into ``out_dir`` (default ``folder/onnx``) and,
    with ``check_texts``, ``check.json``: how far its probabilities are from the torch model's."""
    import warnings

    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    out_dir = Path(out_dir) if out_dir is not None else Path(folder) / "onnx"
    out_dir.mkdir(parents=True, exist_ok=True)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    # Eager attention exports to plain ONNX operators that every runtime version understands.
    model = AutoModelForSequenceClassification.from_pretrained(folder, attn_implementation="eager").eval()
    sample = tokenizer(["导出用的例句", "好"], padding=True, return_tensors="pt")
    float_path, int8_path = out_dir / "model.onnx", out_dir / "model.int8.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (sample["input_ids"], sample["attention_mask"]), str(float_path),
                          input_names=["input_ids", "attention_mask"], output_names=["logits"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                        "attention_mask": {0: "batch", 1: "tokens"}, "logits": {0: "batch"}},
                          opset_version=17, dynamo=False)
        quantize_dynamic(str(float_path), str(int8_path), weight_type=QuantType.QInt8,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    float_path.unlink()
    if check_texts:
        torch_p = SentimentModel(folder, runtime="torch").positive_probability(check_texts)
        onnx_p = SentimentModel(folder, runtime="onnx").positive_probability(check_texts)
        check = {"texts": len(check_texts), "max_abs_probability_difference": float(np.abs(torch_p - onnx_p).max()),
                 "label_agreement": float(np.mean((torch_p >= 0.5) == (onnx_p >= 0.5)))}
        (out_dir / "check.json").write_text(json.dumps(check, indent=2), encoding="utf-8")
    return int8_path


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """Temperature T minimising the negative log-likelihood of softmax(logits / T) (Guo et al. 2017)."""
    from scipy.optimize import minimize_scalar

    labels = np.asarray(labels, dtype=int)

    def nll(log_t):
        probabilities = softmax(logits / np.exp(log_t))
        return -np.mean(np.log(probabilities[np.arange(len(labels)), labels] + 1e-12))

    return float(np.exp(minimize_scalar(nll, bounds=(-3, 3), method="bounded").x))


def calibrate(folder: str | Path, texts: list[str], labels: np.ndarray, max_length: int) -> float:
    """Fit the temperature of the model in ``folder`` on validation rows and store it in its config.json."""
    scorer = SentimentModel(folder, max_length=max_length)
    temperature = fit_temperature(scorer.logits(texts), labels)
    scorer.model.config.firestorm_temperature = temperature
    scorer.model.config.save_pretrained(folder)
    return temperature


def label_from_probability(p_positive: np.ndarray, neutral_band: tuple[float, float]) -> np.ndarray:
    """negative below the band, positive above it, neutral inside it (bounds inclusive)."""
    low, high = neutral_band
    if not 0 <= low <= high <= 1:
        raise ValueError(f"neutral band {neutral_band} must satisfy 0 <= low <= high <= 1")
    p_positive = np.asarray(p_positive)
    return np.where(p_positive < low, "negative", np.where(p_positive > high, "positive", "neutral"))


def score_posts(tokens: pd.DataFrame, model: SentimentModel, neutral_band: tuple[float, float],
                progress: bool = False) -> pd.DataFrame:
    """Sentiment of every post's own words (``tokens.own_text``); see :data:`SENTIMENT`."""
    p_positive = model.positive_probability(tokens["own_text"].fillna("").tolist(), progress=progress)
    frame = pd.DataFrame(
        {
            "post_id": tokens["post_id"].to_numpy(),
            "p_negative": 1.0 - p_positive,
            "p_positive": p_positive,
            "label": label_from_probability(p_positive, neutral_band),
            "model": model.name,
        }
    )
    return frame.astype(SENTIMENT)
