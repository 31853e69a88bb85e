"""Temperature scaling plus per-class logit biases, fitted on held-out training pairs."""

from __future__ import annotations

from typing import Any

import numpy as np

from workbench.judges.training.evaluation import macro_f1


def log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def fit_temperature(logits: np.ndarray, gold: np.ndarray) -> float:
    """The temperature minimising held-out negative log-likelihood (grid search, 0.5–5)."""
    grid = np.exp(np.linspace(np.log(0.5), np.log(5.0), 200))
    nll = [-log_softmax(logits / t)[np.arange(len(gold)), gold].mean() for t in grid]
    return float(grid[int(np.argmin(nll))])


def fit_bias(scaled: np.ndarray, gold: np.ndarray) -> tuple[float, float]:
    """Refutes and neutral logit offsets maximising macro-F1 (supports fixed at 0)."""
    best = (-1.0, 0.0, 0.0)
    for b_r in np.arange(-2.0, 1.01, 0.1):
        for b_n in np.arange(-1.0, 3.01, 0.1):
            pred = (scaled + np.array([0.0, b_r, b_n])).argmax(1)
            f1 = macro_f1(gold, pred)
            # prefer the smallest shift among ties
            if f1 > best[0] + 1e-9:
                best = (f1, float(b_r), float(b_n))
    return round(best[1], 2), round(best[2], 2)


def fit_calibration(logits: np.ndarray, gold: np.ndarray, factcheck: np.ndarray) -> dict[str, Any]:
    """Temperature on all held-out pairs; biases on the fact-checking-style held-out pairs.

    The biases are fitted only on the claim/evidence part of the hold-out (FEVER, COVID-Fact,
    SciFact and their constructed neutrals), which is closer to the judge's use than SICK/ANLI.
    """
    t = fit_temperature(logits, gold)
    scaled = logits / t
    b_r, b_n = fit_bias(scaled[factcheck], gold[factcheck])
    return {
        "labels": ["supports", "refutes", "neutral"],
        "temperature": round(t, 4),
        "bias": {"supports": 0.0, "refutes": b_r, "neutral": b_n},
        "bias_vector": [0.0, b_r, b_n],
        "fitted_on": {"temperature_pairs": int(len(gold)), "bias_pairs": int(factcheck.sum())},
        "note": "probs = softmax(logits / temperature + bias); fitted on held-out training pairs",
    }
