"""The default `nli` judge: a MiniLM cross-encoder trained for 3-way stance, shipped in the package.

The weights live in ``workbench/models/stance`` (trained by
``python -m workbench.judges.training.train``); ``calibration.json`` beside them holds the
temperature fitted on held-out training pairs (and per-class logit biases, now all zero). torch and
transformers are imported on first use only.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from workbench.embedding import offline_env, weights_hash
from workbench.errors import ModelError, UsageError
from workbench.types import Stance, StanceJudgement

MODELS_ROOT = Path(__file__).resolve().parent.parent / "models"
MODEL_DIR = MODELS_ROOT / "stance"
# Trained on permissively licensed data only (no SICK / ANLI): usable commercially.
PERMISSIVE_DIR = MODELS_ROOT / "stance-permissive"
SHIPPED = {"nli": MODEL_DIR, "nli-permissive": PERMISSIVE_DIR}  # judge name → weights
# The model's name in a judgement's identity, by weights folder (other folders: their name).
_MODEL_NAMES = {MODEL_DIR: "stance-minilm", PERMISSIVE_DIR: "stance-minilm-permissive"}
STANCES = (Stance.SUPPORTS, Stance.REFUTES, Stance.NEUTRAL)  # the model's label order
PRECISIONS = ("fp32", "bf16", "bf16-weights", "int8")


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)  # type: ignore[no-any-return]


class NLIJudge:
    """Judges (claim, passage) pairs with the shipped stance cross-encoder.

    Example::

        judge = NLIJudge(threads=2)
        pairs = [("Paris is in France.", "Paris is the capital of France.")]
        [j.stance for j in judge.judge(pairs)]  # [Stance.SUPPORTS]

    ``NLIJudge(name="nli-permissive")`` (registered as ``nli-permissive``) uses the shipped
    variant trained on permissively licensed data only.

    ``precision`` is ``bf16`` (autocast; fast on CPUs with AMX/AVX512-BF16), ``bf16-weights``
    (the whole model cast to bf16: a little faster again), ``fp32`` or ``int8`` (dynamic
    quantisation of the linear layers). ``threads`` sets torch's intra-op threads: on a busy
    2-core machine 1 thread was 3-5x faster than 2 (see docs/judge.md). Pairs are tokenised once, sorted by
    length and run in batches of ``batch_size`` so that padding stays small; results come back
    in input order.
    """

    name = "nli"

    def __init__(
        self,
        model_dir: Path | str | None = None,
        batch_size: int = 32,
        threads: int | None = None,
        precision: str = "bf16",
        max_length: int = 128,
        bucket: bool = True,
        calibrated: bool = True,
        lexical: bool = True,
        name: str = "nli",
    ) -> None:
        if precision not in PRECISIONS:
            raise UsageError(
                f"Unknown precision '{precision}'; choose one of: {', '.join(PRECISIONS)}"
            )
        if model_dir is None and name not in SHIPPED:
            raise UsageError(f"No shipped stance model is called '{name}'; pass model_dir")
        self.name = name
        self.model_dir = Path(model_dir) if model_dir else SHIPPED[name]
        if not (self.model_dir / "model.safetensors").exists():
            raise ModelError(
                f"No stance model at {self.model_dir}; reinstall workbench or train one with "
                "`python -m workbench.judges.training.train --out workbench/models/stance`"
            )
        self.batch_size = batch_size
        self.threads = threads
        self.precision = precision
        self.max_length = max_length
        self.bucket = bucket
        self.temperature = 1.0
        self.bias = np.zeros(3, dtype=np.float32)
        self.stacker: np.ndarray | None = None
        cal = self.model_dir / "calibration.json"
        if calibrated and cal.exists():
            data = json.loads(cal.read_text())
            self.temperature = float(data["temperature"])
            self.bias = np.array([data["bias"][s.value] for s in STANCES], dtype=np.float32)
            if lexical and "stacker" in data:
                self.stacker = np.array(data["stacker"]["weights"], dtype=np.float32)
        self._model: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    @property
    def identity(self) -> str:
        model = _MODEL_NAMES.get(self.model_dir, self.model_dir.name)
        return f"{self.name}:{model}@sha256:{weights_hash(self.model_dir)}"

    def _load(self) -> tuple[Any, Any]:
        with self._lock:
            if self._model is None:
                offline_env()
                import torch
                from transformers import AutoModelForSequenceClassification, AutoTokenizer

                if self.threads:
                    torch.set_num_threads(self.threads)
                try:
                    tok = AutoTokenizer.from_pretrained(str(self.model_dir))
                    model = AutoModelForSequenceClassification.from_pretrained(
                        str(self.model_dir), dtype=torch.float32
                    )
                except (OSError, ValueError) as exc:
                    raise ModelError(
                        f"Could not load the stance model at {self.model_dir}: {exc}"
                    ) from exc
                model.eval()
                if self.precision == "bf16-weights":
                    model = model.to(torch.bfloat16)
                if self.precision == "int8":
                    import warnings

                    with warnings.catch_warnings():  # deprecated in torch 2.13, still works
                        warnings.simplefilter("ignore")
                        model = torch.ao.quantization.quantize_dynamic(
                            model, {torch.nn.Linear}, dtype=torch.qint8
                        )
                self._tokenizer, self._model = tok, model
        return self._tokenizer, self._model

    def logits(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """Raw (uncalibrated) logits, shape (n, 3), in ``STANCES`` order and input order."""
        out = np.zeros((len(pairs), 3), dtype=np.float32)
        if not pairs:
            return out
        import torch

        tok, model = self._load()
        enc = tok(
            [p for _, p in pairs],
            [c for c, _ in pairs],
            truncation="longest_first",
            max_length=self.max_length,
        )
        rows = [
            {"input_ids": a, "token_type_ids": b}
            for a, b in zip(enc["input_ids"], enc["token_type_ids"], strict=True)
        ]
        order = list(range(len(rows)))
        if self.bucket:
            order.sort(key=lambda i: len(rows[i]["input_ids"]))
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                sel = order[start : start + self.batch_size]
                batch = tok.pad(
                    [rows[i] for i in sel],
                    return_tensors="pt",
                    padding="longest" if self.bucket else "max_length",
                    max_length=None if self.bucket else self.max_length,
                )
                if self.precision == "bf16":
                    with torch.autocast("cpu", dtype=torch.bfloat16):
                        logits = model(**batch).logits
                else:
                    logits = model(**batch).logits
                out[sel] = logits.float().numpy()
        return out

    def probs(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """Calibrated probabilities, shape (n, 3): softmax(logits / T + bias).

        With a fitted lexical stacker in ``calibration.json``: softmax([logits / T, lexical
        features, 1] @ W) instead (see ``workbench.judges.lexical``).
        """
        scaled = self.logits(pairs) / self.temperature
        if self.stacker is not None:
            from workbench.judges import lexical

            x = lexical.stack_inputs(scaled, lexical.feature_matrix(pairs))
            return softmax(x @ self.stacker)
        return softmax(scaled + self.bias)

    def judge(self, pairs: Sequence[tuple[str, str]]) -> list[StanceJudgement]:
        valid = [i for i, (c, p) in enumerate(pairs) if c.strip() and p.strip()]
        probs = self.probs([pairs[i] for i in valid])
        results: list[StanceJudgement | None] = [None] * len(pairs)
        ident = self.identity
        for row, i in enumerate(valid):
            p = probs[row]
            if not all(math.isfinite(float(x)) for x in p):
                results[i] = _unjudged(ident, "the model returned non-finite scores")
                continue
            results[i] = StanceJudgement(
                stance=STANCES[int(np.argmax(p))],
                probs={s: float(p[k]) for k, s in enumerate(STANCES)},
                judge=ident,
            )
        return [r if r is not None else _unjudged(ident, "empty claim or passage") for r in results]


def _unjudged(identity: str, why: str) -> StanceJudgement:
    return StanceJudgement(stance=None, probs={}, judge=identity, error=why)
