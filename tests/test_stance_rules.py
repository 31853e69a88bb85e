"""The lexical checks on the judge: coverage, missing names, direction cues, adjustment."""

from __future__ import annotations

import pytest

from workbench.stance_rules import adjust, signals
from workbench.types import Stance, StanceJudgement


def _j(s, r, n):
    return StanceJudgement(
        Stance.SUPPORTS, {Stance.SUPPORTS: s, Stance.REFUTES: r, Stance.NEUTRAL: n}, "t"
    )


@pytest.mark.parametrize(
    ("claim", "passage", "cue"),
    [
        (
            "Ukraine will join NATO.",
            "Guarantees that Ukraine will not join NATO were demanded.",
            "negation differs",
        ),
        (
            "Supplies could never resume.",
            "Officials suggested that supplies could resume.",
            "negation differs",
        ),
        (
            "He expressed satisfaction with the talks.",
            "He expressed dissatisfaction with the talks.",
            "antonym",
        ),
        ("Prices are likely to rise.", "Prices are unlikely to rise.", "antonym"),
        (
            "Putin shows great willingness to talk.",
            "Putin shows little willingness to talk.",
            "antonym",
        ),
        ("A 30-day deadline was set.", "A 10-day deadline was set.", "numbers differ"),
    ],
)
def test_direction_cues(claim, passage, cue):
    assert (signals(claim, passage).cue or "").startswith(cue)


def test_same_polarity_has_no_cue():
    sig = signals(
        "The United States sided with Russia.",
        "The United States briefly sided with Russia, not Ukraine.",
    )
    assert sig.cue is None
    assert sig.coverage == 1.0


def test_names_missing_from_the_document():
    sig = signals(
        "The Pope hosted talks in Geneva.",
        "Talks were hosted in Moscow.",
        "A document about Moscow.",
    )
    assert set(sig.missing_names) == {"Pope", "Geneva"}


def test_names_in_the_document_count_half():
    doc = "Order Alexander Dugin's book here. A ceasefire would amount to admitting defeat."
    sig = signals(
        "Dugin argues a ceasefire would amount to admitting defeat.",
        "A ceasefire would amount to admitting defeat.",
        doc,
    )
    assert sig.missing_names == ()
    assert 0.85 <= sig.coverage < 1.0


def test_us_abbreviations_match():
    assert signals("The US voted no.", "The U.S. voted against it.").coverage >= 0.5


def test_adjust_unrelated_becomes_neutral():
    out = adjust(
        _j(0.5, 0.4, 0.1), signals("The Pope hosted talks.", "Russia and Ukraine talked.", "Russia")
    )
    assert out.stance is Stance.NEUTRAL
    assert sum(out.probs.values()) == pytest.approx(1.0)


def test_adjust_full_coverage_points_by_cue():
    sig = signals("Ukraine will join NATO.", "Ukraine will not join NATO.")
    out = adjust(_j(0.7, 0.2, 0.1), sig)
    assert out.stance is Stance.REFUTES and out.probs[Stance.REFUTES] == pytest.approx(0.9)
    assert "negation" in (out.rationale or "")
    same = adjust(
        _j(0.3, 0.6, 0.1), signals("Ukraine will join NATO.", "Ukraine will join NATO soon.")
    )
    assert same.stance is Stance.SUPPORTS


def test_unjudged_stays_unjudged():
    j = StanceJudgement(None, {}, "llm:x", error="bad JSON")
    assert adjust(j, signals("a b c", "a b c")) is j
