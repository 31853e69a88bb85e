"""Evaluate verification against gold claims: verdict accuracy, macro-F1, confusion matrix,
and evidence recall@k.

A gold quote counts as found when one of the first k evidence passages returned contains
it, or when at least 60% of the quote's words (in order-free terms) fall inside one passage.
Gold file: JSONL with ``id``, ``claim``, ``label`` and ``evidence`` [{``doc``, ``quote``}],
as ../shared/eval/seed_dev_claims.jsonl.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import InputError
from workbench.types import VerdictLabel, VerificationResult

LABELS = [v.value for v in VerdictLabel]
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class GoldClaim:
    id: str
    claim: str
    label: str
    evidence: tuple[tuple[str, str], ...]  # (doc file name, quote)


@dataclass
class EvalReport:
    n: int
    accuracy: float
    macro_f1: float
    per_class_f1: dict[str, float]
    confusion: list[list[int]]  # rows gold, columns predicted, in LABELS order
    recall_at_k: float | None
    k: int
    rows: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "per_class_f1": self.per_class_f1,
            "labels": LABELS,
            "confusion": self.confusion,
            f"recall@{self.k}": self.recall_at_k,
            "rows": self.rows,
        }


def read_gold(path: Path) -> list[GoldClaim]:
    if not path.is_file():
        raise InputError(f"{path}: no such gold file; pass a JSONL file like seed_dev_claims.jsonl")
    gold = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            label = str(r["label"])
            if label not in LABELS:
                raise ValueError(f"label '{label}' is not one of {', '.join(LABELS)}")
            gold.append(
                GoldClaim(
                    id=str(r.get("id", number)),
                    claim=str(r["claim"]),
                    label=label,
                    evidence=tuple(
                        (str(e.get("doc", "")), str(e["quote"])) for e in r.get("evidence", [])
                    ),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise InputError(
                f"{path}, line {number}: not a gold claim ({exc}); fix the line"
            ) from None
    if not gold:
        raise InputError(f"{path}: no gold claims in the file")
    return gold


def _words(text: str) -> list[str]:
    return [w.casefold() for w in _WORD.findall(text.replace("’", "'"))]


def quote_found(quote: str, doc: str, passages: Sequence[tuple[str, str]]) -> bool:
    """``passages`` are (source file name, text); ``doc`` empty means any document."""
    q = " ".join(_words(quote))
    qset = set(_words(quote))
    for source, text in passages:
        if doc and source.split("#")[0] != doc:
            continue
        t = " ".join(_words(text))
        if q and q in t:
            return True
        if qset and len(qset & set(t.split())) / len(qset) >= 0.6 and len(qset) >= 4:
            return True
    return False


def evaluate(
    gold: Sequence[GoldClaim], verify: Callable[[list[str]], list[VerificationResult]], k: int = 5
) -> EvalReport:
    from sklearn.metrics import confusion_matrix, f1_score

    results = verify([g.claim for g in gold])
    y_true = [g.label for g in gold]
    y_pred = [r.verdict.value for r in results]
    found = total = 0
    rows = []
    for g, r in zip(gold, results, strict=True):
        top = [(e.passage.source_name, e.passage.text) for e in r.evidence[:k]]
        # Copies grouped under a passage count as returned with it.
        top += [(d.source_name, d.text) for e in r.evidence[:k] for d in e.duplicates]
        hits = [quote_found(q, doc, top) for doc, q in g.evidence]
        if g.evidence:
            total += 1
            found += int(any(hits))
        rows.append(
            {
                "id": g.id,
                "claim": g.claim,
                "gold": g.label,
                "predicted": r.verdict.value,
                "confidence": r.confidence,
                "evidence_found": any(hits) if hits else None,
            }
        )
    per_class = f1_score(y_true, y_pred, labels=LABELS, average=None, zero_division=0)
    present = [lab for lab in LABELS if lab in y_true]
    macro = f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0)
    return EvalReport(
        n=len(gold),
        accuracy=round(sum(a == b for a, b in zip(y_true, y_pred, strict=True)) / len(gold), 4),
        macro_f1=round(float(macro), 4),
        per_class_f1={lab: round(float(f), 4) for lab, f in zip(LABELS, per_class, strict=True)},
        confusion=confusion_matrix(y_true, y_pred, labels=LABELS).tolist(),
        recall_at_k=round(found / total, 4) if total else None,
        k=k,
        rows=rows,
    )
