"""A deterministic lexical judge for tests: fast, no model, predictable."""

from __future__ import annotations

import re
from collections.abc import Sequence

from workbench.types import Stance, StanceJudgement

_WORD = re.compile(r"[a-z0-9]+")
_NEGATIONS = {"not", "no", "never", "dissatisfaction", "against", "without"}


class FakeJudge:
    """Supports when most claim words appear in the passage; refutes when negation differs.

    Example: ``FakeJudge().judge([("Paris is in France", "Paris is in France.")])``.
    """

    name = "fake"

    def __init__(self, overlap: float = 0.6) -> None:
        self.overlap = overlap

    @property
    def identity(self) -> str:
        return f"fake:overlap={self.overlap}"

    def judge(self, pairs: Sequence[tuple[str, str]]) -> list[StanceJudgement]:
        return [self._one(claim, passage) for claim, passage in pairs]

    def _one(self, claim: str, passage: str) -> StanceJudgement:
        c = set(_WORD.findall(claim.lower()))
        p = set(_WORD.findall(passage.lower()))
        content = {w for w in c if len(w) > 3} or c
        overlap = len(content & p) / max(1, len(content))
        if overlap >= self.overlap:
            negated = bool(c & _NEGATIONS) != bool(p & _NEGATIONS)
            stance = Stance.REFUTES if negated else Stance.SUPPORTS
            top = 0.5 + overlap / 2.5
        else:
            stance, top = Stance.NEUTRAL, 0.9 - overlap / 2
        rest = (1.0 - top) / 2
        probs = {s: (top if s is stance else rest) for s in Stance}
        return StanceJudgement(stance=stance, probs=probs, judge=self.identity)
