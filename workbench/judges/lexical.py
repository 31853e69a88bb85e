"""Cheap lexical signals for stance (negation, numbers, word overlap), combined with the model.

A cross-encoder this small misses some surface cues and over-reads others: related but
non-committal passages look like refutations to it. These features, stacked on the model's
calibrated logits by a small multinomial logistic regression fitted on held-out training
pairs, can correct part of that. Pure Python + numpy, no model.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

FEATURES = (
    "overlap",  # share of the claim's content words found in the passage
    "neg_claim",
    "neg_passage",
    "neg_mismatch",
    "num_missing",  # share of the claim's numbers absent from the passage
    "num_conflict",  # both mention numbers and share none
    "log_passage_len",
)

_WORD = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)?")
_NUM = re.compile(r"\d+(?:[.,]\d+)*")
_NEG = {
    "not", "no", "never", "none", "nothing", "neither", "nor", "without", "cannot", "cant",
    "dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent", "wont", "nobody", "nowhere",
    "hardly", "unlikely", "false", "deny", "denied", "denies",
}  # fmt: skip
_STOP = {
    "the", "a", "an", "and", "or", "of", "to", "in", "on", "for", "with", "by", "at", "from",
    "is", "are", "was", "were", "be", "been", "being", "it", "its", "this", "that", "these",
    "those", "as", "has", "have", "had", "will", "would", "can", "could", "may", "might",
    "which", "who", "what", "than", "then", "there", "their", "they", "he", "she", "his", "her",
    "but", "if", "so", "such", "also", "more", "most", "into", "about", "over", "all", "some",
}  # fmt: skip


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("n't", "nt").replace("'", ""))


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUM.findall(text)}


def features(claim: str, passage: str) -> list[float]:
    """The ``FEATURES`` for one pair, each in a small range."""
    cw, pw = _words(claim), _words(passage)
    content = {_stem(w) for w in cw if w not in _STOP and w not in _NEG and len(w) > 2}
    pstems = {_stem(w) for w in pw}
    overlap = len(content & pstems) / len(content) if content else 0.0
    neg_c = float(bool(set(cw) & _NEG))
    neg_p = float(bool(set(pw) & _NEG))
    cn, pn = _numbers(claim), _numbers(passage)
    missing = len(cn - pn) / len(cn) if cn else 0.0
    conflict = float(bool(cn) and bool(pn) and not (cn & pn))
    return [
        overlap,
        neg_c,
        neg_p,
        float(neg_c != neg_p),
        missing,
        conflict,
        math.log1p(len(pw)) / 5,
    ]


def feature_matrix(pairs: Sequence[tuple[str, str]]) -> np.ndarray:
    """Features for (claim, passage) pairs, shape (n, len(FEATURES))."""
    return np.array([features(c, p) for c, p in pairs], dtype=np.float32).reshape(
        len(pairs), len(FEATURES)
    )


def stack_inputs(scaled_logits: np.ndarray, feats: np.ndarray) -> np.ndarray:
    """The stacker's input: calibrated logits, lexical features, and a constant."""
    ones = np.ones((len(feats), 1), dtype=np.float32)
    return np.concatenate([scaled_logits, feats, ones], axis=1)


def fit_stacker(x: np.ndarray, gold: np.ndarray, l2: float = 1e-2, steps: int = 3000) -> np.ndarray:
    """Multinomial logistic regression by gradient descent; returns weights (d, 3).

    Starts from the identity on the logits (so with no useful signal it stays the model).
    """
    n, d = x.shape
    w = np.zeros((d, 3), dtype=np.float64)
    w[:3, :3] = np.eye(3)
    y = np.eye(3)[gold]
    lr = 0.5
    for _ in range(steps):
        z = x @ w
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        grad = x.T @ (p - y) / n
        reg = w.copy()
        reg[:3, :3] -= np.eye(3)  # shrink towards the identity, not towards zero
        w -= lr * (grad + l2 * reg)
    return w.astype(np.float32)
