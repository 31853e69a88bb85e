"""Stance metrics and the dev-benchmark loaders (Climate-FEVER pairs, WiCE sentences).

Labels are indices into ``LABELS`` = (supports, refutes, neutral). The benchmarks are
only ever read for evaluation, never for training or tuning.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from workbench.errors import InputError

LABELS = ("supports", "refutes", "neutral")


def confusion(gold: Sequence[int] | np.ndarray, pred: Sequence[int] | np.ndarray) -> np.ndarray:
    """3×3 counts: rows gold, columns predicted, in ``LABELS`` order."""
    m = np.zeros((3, 3), dtype=np.int64)
    for g, p in zip(gold, pred, strict=True):
        m[int(g), int(p)] += 1
    return m


def per_class_f1(m: np.ndarray) -> list[float]:
    out = []
    for k in range(3):
        tp = m[k, k]
        prec = tp / m[:, k].sum() if m[:, k].sum() else 0.0
        rec = tp / m[k, :].sum() if m[k, :].sum() else 0.0
        out.append(float(2 * prec * rec / (prec + rec)) if prec + rec else 0.0)
    return out


def macro_f1(gold: Any, pred: Any, classes: Sequence[int] = (0, 1, 2)) -> float:
    """Mean F1 over ``classes`` (by default all three)."""
    f1 = per_class_f1(confusion(gold, pred))
    return float(np.mean([f1[k] for k in classes]))


def metrics(gold: Any, pred: Any, classes: Sequence[int] = (0, 1, 2)) -> dict[str, Any]:
    """accuracy, macro-F1 (over ``classes``), per-class F1 and the confusion matrix."""
    m = confusion(gold, pred)
    f1 = per_class_f1(m)
    n = int(m.sum())
    return {
        "n": n,
        "accuracy": round(float(np.trace(m) / n), 4) if n else 0.0,
        "macro_f1": round(float(np.mean([f1[k] for k in classes])), 4),
        "f1": {LABELS[k]: round(f1[k], 4) for k in range(3)},
        "confusion": m.tolist(),
    }


def calibration_error(
    confidence: Sequence[float] | np.ndarray, correct: Sequence[bool] | np.ndarray, bins: int = 10
) -> dict[str, Any]:
    """Expected calibration error of the top-class probability, in equal-width bins.

    ECE = Σ (bin share) × |mean confidence − accuracy| over the bins of [1/3, 1] (a
    3-way argmax is never below 1/3). 0 means "0.8 is right 80 % of the time" holds.
    Returns ``ece``, ``mean_confidence`` and the per-bin ``[low, high, n, conf, acc]`` rows.
    """
    conf = np.asarray(confidence, dtype=np.float64)
    ok = np.asarray(correct, dtype=np.float64)
    if conf.shape != ok.shape:
        raise ValueError("confidence and correct differ in length")
    if not len(conf):
        return {"ece": 0.0, "mean_confidence": 0.0, "bins": []}
    edges = np.linspace(1 / 3, 1.0, bins + 1)
    which = np.clip(np.searchsorted(edges, conf, side="right") - 1, 0, bins - 1)
    ece, rows = 0.0, []
    for b in range(bins):
        sel = which == b
        if not sel.any():
            continue
        c, a = float(conf[sel].mean()), float(ok[sel].mean())
        ece += sel.mean() * abs(c - a)
        rows.append(
            [round(edges[b], 3), round(edges[b + 1], 3), int(sel.sum()), round(c, 3), round(a, 3)]
        )
    return {
        "ece": round(float(ece), 4),
        "mean_confidence": round(float(conf.mean()), 4),
        "bins": rows,
    }


@dataclass(frozen=True)
class EvalPair:
    claim: str
    passage: str
    gold: int


def _benchmark_root() -> Path:
    env = os.environ.get("WORKBENCH_DATA")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent.parent / "shared" / "data").is_dir():
            return parent.parent / "shared" / "data"
    return Path("../shared/data")


_CF = {"SUPPORTS": 0, "REFUTES": 1, "NOT_ENOUGH_INFO": 2}


def load_climate_fever(path: Path | None = None) -> list[EvalPair]:
    """All (claim, evidence sentence) pairs with their evidence-level label (7,675)."""
    path = path or _benchmark_root() / "climate-fever" / "climate-fever.jsonl"
    if path.is_dir():
        path = path / "climate-fever.jsonl"
    if not path.exists():
        raise InputError(
            f"Climate-FEVER not found at {path}; pass --climate-fever PATH or set WORKBENCH_DATA"
        )
    out = []
    for line in path.open(encoding="utf-8"):
        if not line.strip():
            continue
        d = json.loads(line)
        for ev in d["evidences"]:
            out.append(EvalPair(d["claim"], ev["evidence"], _CF[ev["evidence_label"]]))
    return out


def load_wice(path: Path | None = None) -> list[EvalPair]:
    """WiCE dev, claim vs each sentence of the cited article.

    Gold per sentence: for a ``supported`` claim, a sentence that is in one of the annotated
    supporting sets → supports, others → neutral. For ``partially_supported`` claims the
    supporting sentences back only part of the claim; they are left out (neither a clean
    supports nor a clean neutral) and the rest are neutral. Every sentence of a
    ``not_supported`` claim is neutral (WiCE has no contradiction label, so there is no
    refutes gold: macro-F1 is over supports and neutral).
    """
    path = path or _benchmark_root() / "wice" / "claim_dev.jsonl"
    if path.is_dir():
        path = path / "claim_dev.jsonl"
    if not path.exists():
        raise InputError(f"WiCE not found at {path}; pass --wice PATH or set WORKBENCH_DATA")
    out = []
    for line in path.open(encoding="utf-8"):
        if not line.strip():
            continue
        d = json.loads(line)
        support = {i for group in d["supporting_sentences"] for i in group}
        for i, sent in enumerate(d["evidence"]):
            if i in support:
                if d["label"] == "supported":
                    out.append(EvalPair(d["claim"], sent, 0))
                continue
            out.append(EvalPair(d["claim"], sent, 2))
    return out


def subsample(pairs: Sequence[EvalPair], limit: int | None) -> list[EvalPair]:
    """At most ``limit`` pairs, evenly spaced over the file (keeps the class mix roughly)."""
    if not limit or limit >= len(pairs):
        return list(pairs)
    step = len(pairs) / limit
    return [pairs[int(i * step)] for i in range(limit)]


def evaluate(judge: Any, pairs: Sequence[EvalPair], batch: int = 256) -> dict[str, Any]:
    """Run ``judge`` over ``pairs`` and score it; unjudged pairs are counted, not scored."""
    import time

    index = {s: i for i, s in enumerate(LABELS)}
    gold, pred, unjudged = [], [], 0
    confidence: list[float] = []
    start = time.perf_counter()
    for s in range(0, len(pairs), batch):
        chunk = pairs[s : s + batch]
        for p, j in zip(chunk, judge.judge([(p.claim, p.passage) for p in chunk]), strict=True):
            if j.stance is None:
                unjudged += 1
                continue
            gold.append(p.gold)
            pred.append(index[str(j.stance.value if hasattr(j.stance, "value") else j.stance)])
            confidence.append(max(j.probs.values()) if j.probs else float("nan"))
    seconds = time.perf_counter() - start
    present = tuple(k for k in range(3) if k in set(gold)) or (0, 1, 2)
    out = metrics(gold, pred, classes=present)
    if confidence and all(np.isfinite(confidence)):
        out["calibration"] = calibration_error(
            confidence, [g == q for g, q in zip(gold, pred, strict=True)]
        )
    out["unjudged"] = unjudged
    out["macro_over"] = [LABELS[k] for k in present]
    out["seconds"] = round(seconds, 1)
    out["pairs_per_s"] = round(len(pairs) / seconds, 1) if seconds else 0.0
    return out


def format_report(name: str, result: dict[str, Any]) -> str:
    """A plain-text block: accuracy, macro-F1, per-class F1, confusion matrix."""
    m = result["confusion"]
    f1 = result["f1"]
    lines = [
        f"{name}: {result['n']} pairs ({result.get('unjudged', 0)} unjudged), "
        f"{result.get('pairs_per_s', 0)} pairs/s",
        f"  accuracy {result['accuracy']:.3f}   macro-F1 {result['macro_f1']:.3f}"
        f" (over {', '.join(result.get('macro_over', LABELS))})",
        "  F1  " + "  ".join(f"{k} {v:.3f}" for k, v in f1.items()),
        "  confusion (rows gold, columns predicted)",
        "              " + "".join(f"{c:>10}" for c in LABELS),
    ]
    for k, row in enumerate(m):
        lines.append(f"    {LABELS[k]:<10}" + "".join(f"{v:>10}" for v in row))
    if cal := result.get("calibration"):
        lines.append(
            f"  calibration: ECE {cal['ece']:.3f} (mean top probability "
            f"{cal['mean_confidence']:.3f} vs accuracy {result['accuracy']:.3f})"
        )
    return "\n".join(lines)
