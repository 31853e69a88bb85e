"""The verdict suggestion: how judged evidence becomes supported / refuted / conflicting / NEI.

The rule (documented in docs/verify.md), over the judged evidence of one claim:

- ``S`` = the strongest support: the highest P(supports) among passages judged *supports*;
  ``R`` likewise for refutes. Near-duplicate copies count once (they are grouped before).
- Independent agreeing sources add up: ``support = 1 - Π(1 - p_i)`` over the best
  supporting passage of each document whose ``p_i ≥ decide_min`` (likewise ``refute``);
  weak passages never add up to a strong verdict.
- If both ``S ≥ conflict_min`` and ``R ≥ conflict_min`` → **conflicting**, confidence
  ``min(support, refute)``.
- Else the side with ``S`` or ``R ≥ decide_min`` and the larger aggregate wins →
  **supported** / **refuted**, confidence = that aggregate.
- Else → **not_enough_info**, confidence ``1 - max(S, R)``.

Thresholds were chosen on ../shared/eval and the judge's held-out training slice only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from workbench.types import Evidence, Stance, VerdictLabel


@dataclass(frozen=True)
class AggregationRule:
    decide_min: float = 0.5
    conflict_min: float = 0.7

    def __call__(self, evidence: Sequence[Evidence]) -> tuple[VerdictLabel, float]:
        return suggest_verdict(evidence, self)


def _noisy_or(evidence: Sequence[Evidence], stance: Stance, floor: float) -> tuple[float, float]:
    """(strongest p, noisy-or of the best p per document among those ≥ floor)."""
    best: dict[str, float] = {}
    for e in evidence:
        if e.stance is stance:
            p = e.judgement.probs.get(stance, e.score)
            best[e.passage.doc_id] = max(best.get(e.passage.doc_id, 0.0), p)
    if not best:
        return 0.0, 0.0
    top = max(best.values())
    miss = 1.0
    for p in best.values():
        if p >= floor:
            miss *= 1.0 - p
    return top, max(top, 1.0 - miss)


def suggest_verdict(
    evidence: Sequence[Evidence], rule: AggregationRule | None = None
) -> tuple[VerdictLabel, float]:
    rule = rule or AggregationRule()
    s_max, support = _noisy_or(evidence, Stance.SUPPORTS, rule.decide_min)
    r_max, refute = _noisy_or(evidence, Stance.REFUTES, rule.decide_min)
    if s_max >= rule.conflict_min and r_max >= rule.conflict_min:
        return VerdictLabel.CONFLICTING, round(min(support, refute), 4)
    if s_max >= rule.decide_min and support >= refute:
        return VerdictLabel.SUPPORTED, round(support, 4)
    if r_max >= rule.decide_min:
        return VerdictLabel.REFUTED, round(refute, 4)
    return VerdictLabel.NOT_ENOUGH_INFO, round(1.0 - max(s_max, r_max), 4)
