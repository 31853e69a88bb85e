"""Stance-judge training helpers: class weights, neighbour ranks, temperature-only calibration."""

from __future__ import annotations

import argparse
import random

import numpy as np
import pytest

from workbench.judges.training import data as D
from workbench.judges.training.calibration import fit_calibration, nll
from workbench.judges.training.train import ranks_arg


def test_balanced_class_weights_are_inverse_frequency_with_mean_one() -> None:
    w = D.class_weights([0] * 10 + [1] * 5 + [2] * 20)
    assert np.mean(w) == pytest.approx(1.0)
    assert w[1] / w[0] == pytest.approx(2.0)  # half as many refutes → twice the weight
    assert w[0] / w[2] == pytest.approx(2.0)


def test_class_weights_refuse_an_empty_class() -> None:
    with pytest.raises(ValueError, match="at least one"):
        D.class_weights([0, 0, 2])


def test_ranks_arg_parses_and_validates() -> None:
    assert ranks_arg("3:15") == (3, 15)
    for bad in ("8", "5:5", "a:b", "-1:4"):
        with pytest.raises(argparse.ArgumentTypeError):
            ranks_arg(bad)


def _embed(texts: list[str]) -> np.ndarray:
    """Texts are 'name:angle'; the vector sits at that angle (degrees) on the unit circle."""
    angles = np.radians([float(t.split(":")[1]) for t in texts])
    return np.stack([np.cos(angles), np.sin(angles)], axis=1)


def test_hard_neutrals_draw_from_the_requested_ranks() -> None:
    # Pool sentences 35°, 40°, … 75° from the claim: cosine 0.82 … 0.26, falling with rank.
    pool = [f"s{a}:{a}" for a in range(35, 80, 5)]
    claims = [("claim:0", "fever", "g1")]
    got = D.hard_neutrals(claims, {}, pool, _embed, 10, random.Random(0), ranks=(2, 5))
    assert sorted(p.evidence for p in got) == ["s45:45", "s50:50", "s55:55"]
    assert {p.label for p in got} == {"neutral"} and {p.source for p in got} == {"fever-nn"}


def test_hard_neutrals_skip_own_evidence_and_near_paraphrases() -> None:
    pool = ["para:5", "own:-50", "dup:-45", "a:40", "b:50", "c:60", "d:70", "e:75"]
    claims = [("claim:0", "fever", "g1")]
    own = {"g1": {"own:-50"}}
    got = D.hard_neutrals(claims, own, pool, _embed, 10, random.Random(0), ranks=(0, 3))
    # para (cosine 0.996 > 0.85 to the claim), the claim's own evidence and a near-duplicate
    # of it (cosine 0.996 to it, 0.71 to the claim) are not candidates.
    assert sorted(p.evidence for p in got) == ["a:40", "b:50", "c:60"]


def test_calibration_is_temperature_only() -> None:
    rng = np.random.default_rng(0)
    gold = rng.integers(0, 3, 600)
    logits = rng.normal(size=(600, 3))
    logits[np.arange(600), gold] += 2.0
    logits *= 3.0  # over-confident: the fitted temperature should soften it
    cal = fit_calibration(logits, gold)
    assert cal["temperature"] > 1.5
    assert cal["bias_vector"] == [0.0, 0.0, 0.0]
    assert set(cal["bias"].values()) == {0.0}
    assert nll(logits, gold, cal["temperature"]) < nll(logits, gold)
