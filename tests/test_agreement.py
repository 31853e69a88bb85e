"""Agreement statistics: the formulas against published values and sklearn, then over a real log."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.agreement import agreement, cohen_kappa, krippendorff_alpha_nominal
from workbench.store import Store
from workbench.types import VerdictLabel, VerificationResult
from workbench.verdict_log import VerdictLog


def test_krippendorff_published_example() -> None:
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability": 4 coders, 12 units,
    # missing values; nominal alpha = 0.743.
    a = [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None]
    b = [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3]
    c = [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None]
    d = [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]
    units = [[v for v in unit if v is not None] for unit in zip(a, b, c, d, strict=True)]
    assert krippendorff_alpha_nominal(units) == pytest.approx(0.743, abs=5e-4)


def test_krippendorff_edge_cases() -> None:
    assert krippendorff_alpha_nominal([]) is None
    assert krippendorff_alpha_nominal([["a"], ["b"]]) is None  # nothing pairable
    assert krippendorff_alpha_nominal([["a", "a"], ["a", "a"]]) is None  # no variation
    assert krippendorff_alpha_nominal([["a", "a"], ["b", "b"]]) == pytest.approx(1.0)
    disagree = krippendorff_alpha_nominal([["a", "b"], ["b", "a"]])
    assert disagree is not None and disagree < 0  # systematic disagreement


def test_cohen_kappa_matches_sklearn() -> None:
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = random.Random(7)
    labels = [v.value for v in VerdictLabel]
    for _ in range(20):
        a = [rng.choice(labels) for _ in range(40)]
        b = [x if rng.random() < 0.6 else rng.choice(labels) for x in a]
        assert cohen_kappa(a, b) == pytest.approx(sklearn_metrics.cohen_kappa_score(a, b))


def test_cohen_kappa_hand_computed() -> None:
    # po = 0.5, pe = 0.5 * 0.5 + 0.5 * 0.5 = 0.5 -> kappa 0
    assert cohen_kappa(["x", "x", "y", "y"], ["x", "y", "x", "y"]) == pytest.approx(0.0)
    assert cohen_kappa(["x", "y"], ["x", "y"]) == pytest.approx(1.0)
    assert cohen_kappa([], []) is None
    assert cohen_kappa(["x", "x"], ["x", "x"]) is None  # no variation: undefined
    with pytest.raises(ValueError):
        cohen_kappa(["x"], [])


@pytest.fixture()
def log(tmp_path: Path) -> Iterator[VerdictLog]:
    store = Store.open(tmp_path / "s", create=True)
    yield VerdictLog(store)
    store.close()


def test_report_over_a_log(log: VerdictLog) -> None:
    claims = [log.add_claim(f"Claim {i}") for i in range(6)]
    ids = [c.id for c in claims]
    for claim in claims[:4]:  # the machine suggested 'supported' for the first four
        log.add_suggestion(
            VerificationResult(
                claim=claim, verdict=VerdictLabel.SUPPORTED, confidence=0.7, judge="fake"
            )
        )
    ana = ["supported", "supported", "refuted", "refuted", "supported", "refuted"]
    bob = ["supported", "refuted", "refuted", "refuted", "supported", None]
    for cid, a, b in zip(ids, ana, bob, strict=True):
        log.record(cid, a, annotator="ana")
        if b:
            log.record(cid, b, annotator="bob")
    # a retracted decision does not count
    log.record(ids[5], "supported", annotator="cy")
    log.undo(annotator="cy")
    report = agreement(log)
    assert report.annotators == ("ana", "bob")
    [pair] = report.pairs
    assert (pair.annotator_a, pair.annotator_b, pair.n) == ("ana", "bob", 5)
    assert pair.observed == pytest.approx(4 / 5)
    expected = cohen_kappa(ana[:5], [b for b in bob if b])
    assert pair.kappa == pytest.approx(expected)
    assert report.alpha_units == 5 and report.alpha is not None and 0 < report.alpha < 1
    acc = {a.annotator: a for a in report.acceptance}
    assert (acc["ana"].decided, acc["ana"].shown, acc["ana"].accepted) == (6, 4, 2)
    assert acc["ana"].rate == pytest.approx(0.5)
    assert (acc["bob"].shown, acc["bob"].accepted) == (4, 1)
    assert report.as_dict()["pairs"][0]["n"] == 5


def test_changed_mind_counts_the_standing_verdict(log: VerdictLog) -> None:
    cid = log.add_claim("Claim").id
    log.record(cid, "refuted", annotator="ana")
    log.record(cid, "supported", annotator="ana")
    log.record(cid, "supported", annotator="bob")
    [pair] = agreement(log).pairs
    assert (pair.n, pair.observed) == (1, 1.0)


def test_empty_log(log: VerdictLog) -> None:
    report = agreement(log)
    assert report.annotators == () and report.pairs == () and report.alpha is None
