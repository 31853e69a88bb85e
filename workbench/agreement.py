"""Agreement between annotators (Cohen's kappa, Krippendorff's alpha) and suggestion acceptance.

Computed from each annotator's standing decision per claim (retracted decisions do not
count). Pure Python, so the numbers do not depend on an optional library.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import asdict, dataclass
from itertools import combinations
from typing import Any

from workbench.verdict_log import VerdictEntry, VerdictLog


@dataclass(frozen=True)
class PairAgreement:
    """Two annotators on the claims both decided; ``kappa`` is None when undefined."""

    annotator_a: str
    annotator_b: str
    n: int
    observed: float | None
    kappa: float | None


@dataclass(frozen=True)
class Acceptance:
    """How often an annotator's standing verdict equals the suggestion they were shown."""

    annotator: str
    decided: int
    shown: int
    accepted: int
    rate: float | None


@dataclass(frozen=True)
class AgreementReport:
    annotators: tuple[str, ...]
    pairs: tuple[PairAgreement, ...]
    alpha: float | None
    alpha_units: int
    acceptance: tuple[Acceptance, ...]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"annotators": list(self.annotators)}


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable]) -> float | None:
    """Cohen's kappa for two raters' labels on the same items; None if undefined.

    Undefined when there are no items, or when chance agreement is 1 (both raters gave
    one and the same label to everything: there is no variation to agree on).
    """
    if len(a) != len(b):
        raise ValueError("both raters must label the same items")
    n = len(a)
    if n == 0:
        return None
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb[k] for k in ca) / (n * n)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


def krippendorff_alpha_nominal(units: Iterable[Sequence[Hashable]]) -> float | None:
    """Krippendorff's alpha for nominal data; each unit is the list of values it was given.

    Units with fewer than two values are not pairable and are skipped. Returns None when
    there is nothing to compare or every value is the same (expected disagreement is 0).
    alpha = 1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c * n_k
    """
    coincidence: dict[tuple[Hashable, Hashable], float] = {}
    for unit in units:
        m = len(unit)
        if m < 2:
            continue
        counts = Counter(unit)
        for c, nc in counts.items():
            for k, nk in counts.items():
                pairs = nc * (nc - 1) if c == k else nc * nk
                coincidence[(c, k)] = coincidence.get((c, k), 0.0) + pairs / (m - 1)
    totals: dict[Hashable, float] = {}
    for (c, _k), value in coincidence.items():
        totals[c] = totals.get(c, 0.0) + value
    n = sum(totals.values())
    if n <= 1:
        return None
    observed = sum(v for (c, k), v in coincidence.items() if c != k)
    expected = sum(totals[c] * totals[k] for c in totals for k in totals if c != k)
    if expected == 0:
        return None
    return 1.0 - (n - 1) * observed / expected


def agreement(log: VerdictLog) -> AgreementReport:
    """Pairwise kappa, overall alpha and per-annotator acceptance from the log."""
    standing = log.decisions()
    by_claim: dict[str, dict[str, str]] = {}
    for e in standing:
        assert e.verdict is not None
        by_claim.setdefault(e.claim_id, {})[e.annotator] = e.verdict.value
    names = tuple(sorted({e.annotator for e in standing}))
    pairs = []
    for a, b in combinations(names, 2):
        common = [(v[a], v[b]) for v in by_claim.values() if a in v and b in v]
        xs, ys = [x for x, _ in common], [y for _, y in common]
        observed = sum(x == y for x, y in common) / len(common) if common else None
        pairs.append(PairAgreement(a, b, len(common), observed, cohen_kappa(xs, ys)))
    units = [list(v.values()) for v in by_claim.values() if len(v) >= 2]
    return AgreementReport(
        annotators=names,
        pairs=tuple(pairs),
        alpha=krippendorff_alpha_nominal(units),
        alpha_units=len(units),
        acceptance=tuple(_acceptance(log, standing, names)),
    )


def _acceptance(
    log: VerdictLog, standing: list[VerdictEntry], names: Sequence[str]
) -> list[Acceptance]:
    shown = log.suggestions_by_id(e.suggestion_id for e in standing if e.suggestion_id)
    out = []
    for name in names:
        mine = [e for e in standing if e.annotator == name]
        with_s = [e for e in mine if e.suggestion_id in shown]
        accepted = sum(
            e.verdict == shown[e.suggestion_id].verdict for e in with_s if e.suggestion_id
        )
        rate = accepted / len(with_s) if with_s else None
        out.append(Acceptance(name, len(mine), len(with_s), accepted, rate))
    return out
