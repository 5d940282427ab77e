"""The sentiment model: a ``transformers`` sequence classifier scoring texts, its calibration and its ONNX runtime.

Heads. One classification layer can hold two heads: the label names (``config.id2label``) say which output
belongs to which. ``negative``/``neutral``/``positive`` form the polarity head and ``emotion:<name>`` the
emotion head (the six SMP2020-EWECT emotions, :data:`EMOTIONS`); each head has its own softmax and its own
calibration temperature. The default model has both (:data:`TWO_HEAD_LABELS`). Any other checkpoint works when
its label names say which output is negative and positive (``neg…``/``pos…``, or two unnamed labels in that
order); a checkpoint without a neutral output labels a post ``neutral`` when its P(positive) lies inside the
configured neutral band, and one without emotion outputs leaves the emotion columns empty.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

# Class order of a binary classifier's outputs (its id2label).
LABELS = ("negative", "positive")
POLARITY = ("negative", "neutral", "positive")
# The SMP2020-EWECT emotions (its own spelling; neutral is an emotion there too).
EMOTIONS = ("angry", "fear", "happy", "neutral", "sad", "surprise")
EMOTION_PREFIX = "emotion:"
TWO_HEAD_LABELS = POLARITY + tuple(EMOTION_PREFIX + emotion for emotion in EMOTIONS)
# Texts tokenised and length-sorted together when scoring: bounds memory per job whatever the shard size
# (a chunk's ids take a few tens of MB), while still sorting enough texts that batches pad little.
SCORING_CHUNK = 20_000

SENTIMENT = {
    "post_id": "string",
    "p_negative": "float64",
    "p_neutral": "float64",     # NaN when the model has no neutral output (then the band decides)
    "p_positive": "float64",
    "label": "string",          # negative | neutral | positive
    # p_emotion_<emotion>: the emotion head's probabilities (NaN without one). Prefixed because both heads have
    # a "neutral" class: p_neutral is polarity's, p_emotion_neutral the emotion head's.
    **{f"p_emotion_{emotion}": "float64" for emotion in EMOTIONS},
    "emotion": "string",        # the likeliest emotion; null without an emotion head
    "model": "string",
}


def label_heads(id2label: dict) -> dict[str, list[int]]:
    """Output indices of each head: ``polarity`` in :data:`POLARITY` order (without neutral when the model has
    none) and ``emotion`` in :data:`EMOTIONS` order (empty when the model has none)."""
    names = {int(i): str(label).lower() for i, label in id2label.items()}
    emotion = {name[len(EMOTION_PREFIX):]: i for i, name in names.items() if name.startswith(EMOTION_PREFIX)}
    if emotion and set(emotion) != set(EMOTIONS):
        raise ValueError(f"emotion outputs {sorted(emotion)} are not the emotions {list(EMOTIONS)}")
    polar = {i: name for i, name in names.items() if not name.startswith(EMOTION_PREFIX)}
    found = {}
    for index, name in polar.items():
        for label in POLARITY:
            if name.startswith(label[:3]):
                found[label] = index
    if "negative" not in found or "positive" not in found:
        if len(polar) != 2:
            raise ValueError(f"cannot tell which outputs are negative and positive from the labels {names}")
        found = dict(zip(LABELS, sorted(polar)))   # binary checkpoints without names: (negative, positive)
    return {"polarity": [found[label] for label in POLARITY if label in found],
            "emotion": [emotion[name] for name in EMOTIONS] if emotion else []}


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
        self.heads = label_heads(self.model.config.id2label)
        # Temperatures fitted on validation rows when firestorm trained the model (one per head; a single number
        # in folders made before the emotion head); 1 otherwise.
        temperature = getattr(self.model.config, "firestorm_temperature", 1.0)
        self.temperatures = ({head: float(temperature.get(head, 1.0)) for head in self.heads}
                             if isinstance(temperature, dict) else dict.fromkeys(self.heads, float(temperature)))
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

    @property
    def has_neutral(self) -> bool:
        return len(self.heads["polarity"]) == 3

    def probabilities_from_logits(self, logits: np.ndarray) -> dict[str, np.ndarray | None]:
        """Calibrated probabilities per head: ``polarity`` (columns in :data:`POLARITY` order, neutral only
        when the model has it) and ``emotion`` (:data:`EMOTIONS` order, or None)."""
        result = {}
        for head, columns in self.heads.items():
            result[head] = softmax(logits[:, columns] / self.temperatures[head]) if columns else None
        return result

    def probabilities(self, texts: list[str], progress: bool = False) -> dict[str, np.ndarray | None]:
        return self.probabilities_from_logits(self.logits(texts, progress))

    def positive_probability(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Calibrated P(positive) per text (its polarity head's last column)."""
        return self.probabilities(texts, progress)["polarity"][:, -1]


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
        torch_heads = SentimentModel(folder, runtime="torch").probabilities(check_texts)
        onnx_heads = SentimentModel(folder, runtime="onnx").probabilities(check_texts)
        check = {"texts": len(check_texts)}
        for head, torch_p in torch_heads.items():
            if torch_p is None:
                continue
            onnx_p = onnx_heads[head]
            check[f"{head}_max_abs_probability_difference"] = float(np.abs(torch_p - onnx_p).max())
            check[f"{head}_label_agreement"] = float(np.mean(torch_p.argmax(axis=1) == onnx_p.argmax(axis=1)))
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


def fit_head_temperatures(logits: np.ndarray, heads: dict[str, list[int]], targets: np.ndarray) -> dict[str, float]:
    """One temperature per head, each fitted on the rows that carry a label for that head.

    ``targets`` has one column per model output; a row's columns of a head are one-hot (or all zero when the
    row has no label for that head)."""
    temperatures = {}
    for head, columns in heads.items():
        if not columns:
            continue
        head_targets = np.asarray(targets)[:, columns]
        labelled = head_targets.sum(axis=1) > 0
        temperatures[head] = (fit_temperature(logits[labelled][:, columns], head_targets[labelled].argmax(axis=1))
                              if labelled.any() else 1.0)
    return temperatures


def calibrate(folder: str | Path, texts: list[str], targets: np.ndarray, max_length: int) -> dict[str, float]:
    """Fit the per-head temperatures of the model in ``folder`` on validation rows (``targets``: one column per
    output, see :func:`fit_head_temperatures`; integer labels for a single-head model) and store them in its
    config.json."""
    scorer = SentimentModel(folder, max_length=max_length)
    targets = np.asarray(targets)
    if targets.ndim == 1:   # integer labels of a single-head model
        targets = np.eye(scorer.model.config.num_labels)[targets.astype(int)]
    temperatures = fit_head_temperatures(scorer.logits(texts), scorer.heads, targets)
    scorer.model.config.firestorm_temperature = temperatures
    scorer.model.config.save_pretrained(folder)
    return temperatures


def label_from_probability(p_positive: np.ndarray, neutral_band: tuple[float, float]) -> np.ndarray:
    """negative below the band, positive above it, neutral inside it (bounds inclusive)."""
    low, high = neutral_band
    if not 0 <= low <= high <= 1:
        raise ValueError(f"neutral band {neutral_band} must satisfy 0 <= low <= high <= 1")
    p_positive = np.asarray(p_positive)
    return np.where(p_positive < low, "negative", np.where(p_positive > high, "positive", "neutral"))


def score_posts(tokens: pd.DataFrame, model: SentimentModel, neutral_band: tuple[float, float],
                progress: bool = False) -> pd.DataFrame:
    """Sentiment and emotion of every post's own words (``tokens.own_text``); see :data:`SENTIMENT`.

    A text that repeats (reposts without words of their own, copy-paste campaigns) is scored once and its
    scores given to every copy; the log says how many were. With a neutral output the label is the likeliest
    polarity class; ``neutral_band`` is used only by models without one."""
    codes, distinct = pd.factorize(tokens["own_text"].fillna("").astype(str), use_na_sentinel=False)
    if len(tokens):
        log.info("%d posts, %d distinct texts: %.1f %% of the posts repeat a text scored once",
                 len(tokens), len(distinct), 100 * (1 - len(distinct) / len(tokens)))
    heads = model.probabilities(list(distinct), progress=progress)
    heads = {head: (values[codes] if values is not None else None) for head, values in heads.items()}
    polarity, emotion = heads["polarity"], heads["emotion"]
    rows = len(tokens)
    if model.has_neutral:
        p_negative, p_neutral, p_positive = polarity.T
        label = np.asarray(POLARITY, dtype=object)[polarity.argmax(axis=1)]
    else:
        p_negative, p_positive = polarity.T
        p_neutral = np.full(rows, np.nan)
        label = label_from_probability(p_positive, neutral_band)
    columns = {"post_id": tokens["post_id"].to_numpy(), "p_negative": p_negative, "p_neutral": p_neutral,
               "p_positive": p_positive, "label": label}
    for index, name in enumerate(EMOTIONS):
        columns[f"p_emotion_{name}"] = emotion[:, index] if emotion is not None else np.full(rows, np.nan)
    columns["emotion"] = (np.asarray(EMOTIONS, dtype=object)[emotion.argmax(axis=1)] if emotion is not None
                          else [None] * rows)
    columns["model"] = model.name
    return pd.DataFrame(columns).astype(SENTIMENT)
