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
- Else → **not_enough_info**, confidence ``1 -`` the largest P(supports) or P(refutes)
  of any judged passage (whatever its final stance).

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
    return VerdictLabel.NOT_ENOUGH_INFO, round(_no_decision_confidence(evidence), 4)


def _no_decision_confidence(evidence: Sequence[Evidence]) -> float:
    """How sure "not enough info" is: 1 − the largest P(supports) or P(refutes) of any
    judged passage, whatever stance it was finally given (a passage the judge found 40 %
    supporting leaves 60 %, not 100 %). No judged passage at all: 0 if passages were found
    but none could be judged, 1 if the corpus had nothing to judge."""
    doubts = [
        max(e.judgement.probs.get(Stance.SUPPORTS, 0.0), e.judgement.probs.get(Stance.REFUTES, 0.0))
        for e in evidence
        if e.judgement.probs
    ]
    if not doubts:
        return 0.0 if evidence else 1.0
    return 1.0 - max(doubts)
