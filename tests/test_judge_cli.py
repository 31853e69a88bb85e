"""`workbench judge predict` / `eval` through Click's runner, plus the stance metrics code."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.cli.judge import judge
from workbench.judges.base import register_judge
from workbench.judges.training.evaluation import (
    EvalPair,
    evaluate,
    load_wice,
    metrics,
    subsample,
)
from workbench.types import Stance, StanceJudgement

PAIRS = [
    {"claim": "Paris is in France", "passage": "Paris is in France.", "id": "a", "meta": {"k": 1}},
    {"claim": "The sky is green", "passage": "Bananas are yellow.", "id": "b"},
    {"claim": "Paris is not in France", "passage": "Paris is in France.", "id": "c", "n": 3.5},
]


def write_jsonl(path: Path, rows: Sequence[object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(judge, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_predict_adds_stance_probs_and_judge_in_order(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", PAIRS)
    code, out, _ = run("predict", "--input", str(src), "--judge", "fake")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    assert rows[0]["meta"] == {"k": 1} and rows[2]["n"] == 3.5
    assert [r["stance"] for r in rows] == ["supports", "neutral", "refutes"]
    for r in rows:
        assert set(r["probs"]) == {"supports", "refutes", "neutral"}
        assert sum(r["probs"].values()) == pytest.approx(1.0, abs=1e-4)
        assert r["judge"].startswith("fake:")
        assert r["claim"] == PAIRS[rows.index(r)]["claim"]


def test_predict_writes_out_file(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", PAIRS)
    dest = tmp_path / "out.jsonl"
    code, out, _ = run("predict", "--input", str(src), "--out", str(dest), "--judge", "fake")
    assert code == 0 and out == ""
    assert len(dest.read_text().splitlines()) == 3
    assert not (tmp_path / "out.jsonl.partial").exists()


def test_broken_line_names_its_number(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps(PAIRS[0]) + "\n{not json\n", encoding="utf-8")
    code, out, err = run("predict", "--input", str(src), "--judge", "fake")
    assert code != 0
    assert "line 2" in err and "Traceback" not in err + out
    assert len(err.strip().splitlines()) == 1


def test_missing_field_and_missing_file(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", [{"claim": "x"}])
    code, _, err = run("predict", "--input", str(src), "--judge", "fake")
    assert code != 0 and "line 1" in err and '"passage"' in err
    code, _, err = run("predict", "--input", str(tmp_path / "nope.jsonl"), "--judge", "fake")
    assert code != 0 and "No input file" in err


def test_unknown_judge_is_one_line(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", PAIRS)
    code, _, err = run("predict", "--input", str(src), "--judge", "nope")
    assert code == 2 and "Unknown judge" in err


class _Refuser:
    name = "refuser"
    identity = "refuser:v1"

    def judge(self, pairs: Sequence[tuple[str, str]]) -> list[StanceJudgement]:
        return [
            StanceJudgement(stance=None, probs={}, judge=self.identity, error="model said nothing")
            for _ in pairs
        ]


def test_unjudged_pairs_get_null_stance_and_error(tmp_path: Path) -> None:
    register_judge("refuser", lambda **_: _Refuser())
    src = write_jsonl(tmp_path / "in.jsonl", PAIRS[:2])
    code, out, _ = run("predict", "--input", str(src), "--judge", "refuser")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["stance"] for r in rows] == [None, None]
    assert rows[0]["error"] == "model said nothing" and rows[0]["judge"] == "refuser:v1"


def test_help_has_examples() -> None:
    for cmd in ([], ["predict"], ["eval"]):
        code, out, _ = run(*cmd, "--help")
        assert code == 0 and "Example" in out


# --- metrics on a tiny hand-made set -------------------------------------------------------


def test_metrics_hand_computed() -> None:
    # gold S S R N N N ; pred S N R R N N
    m = metrics([0, 0, 1, 2, 2, 2], [0, 2, 1, 1, 2, 2])
    assert m["confusion"] == [[1, 0, 1], [0, 1, 0], [0, 1, 2]]
    assert m["accuracy"] == pytest.approx(4 / 6, abs=1e-4)
    # S: p=1 r=.5 → .6667 ; R: p=.5 r=1 → .6667 ; N: p=2/3 r=2/3 → .6667
    assert m["f1"] == pytest.approx({"supports": 0.6667, "refutes": 0.6667, "neutral": 0.6667})
    assert m["macro_f1"] == pytest.approx(0.6667, abs=1e-4)


def test_metrics_macro_over_present_classes_and_empty_class() -> None:
    m = metrics([0, 2, 2], [0, 1, 2], classes=(0, 2))
    assert m["f1"]["refutes"] == 0.0
    assert m["macro_f1"] == pytest.approx((1.0 + 2 / 3) / 2, abs=1e-4)


def test_evaluate_with_fake_judge() -> None:
    pairs = [
        EvalPair("Paris is in France", "Paris is in France.", 0),
        EvalPair("Paris is not in France", "Paris is in France.", 1),
        EvalPair("The sky is green", "Bananas are yellow.", 2),
        EvalPair("Cats are mammals", "Dogs bark at night.", 0),
    ]
    from workbench.judges.fake import FakeJudge

    result = evaluate(FakeJudge(), pairs)
    assert result["confusion"] == [[1, 0, 1], [0, 1, 0], [0, 0, 1]]
    assert result["accuracy"] == 0.75 and result["unjudged"] == 0


def test_calibration_error_bins_confidence_against_accuracy() -> None:
    from workbench.judges.training.evaluation import calibration_error

    # Perfectly calibrated: 0.9-confidence answers right 9 times in 10.
    perfect = calibration_error([0.9] * 10, [True] * 9 + [False])
    assert perfect["ece"] == pytest.approx(0.0, abs=1e-9)
    # Over-confident: says 0.9, is right half the time; plus an honest 0.5 bin.
    over = calibration_error([0.9] * 4 + [0.5] * 4, [True, True, False, False] * 2)
    assert over["ece"] == pytest.approx(0.5 * 0.4 + 0.5 * 0.0, abs=1e-9)
    assert [row[2] for row in over["bins"]] == [4, 4]
    assert calibration_error([], [])["ece"] == 0.0
    with pytest.raises(ValueError):
        calibration_error([0.5], [True, False])


def test_evaluate_reports_calibration_and_prints_it() -> None:
    from workbench.judges.fake import FakeJudge
    from workbench.judges.training.evaluation import format_report

    pairs = [EvalPair("Paris is in France", "Paris is in France.", 0)] * 3
    result = evaluate(FakeJudge(), pairs)
    assert 0.0 <= result["calibration"]["ece"] <= 1.0
    assert "calibration: ECE" in format_report("x", result)


def test_subsample_is_even_and_bounded() -> None:
    pairs = [EvalPair(str(i), "p", 2) for i in range(10)]
    assert [p.claim for p in subsample(pairs, 5)] == ["0", "2", "4", "6", "8"]
    assert len(subsample(pairs, None)) == 10 and len(subsample(pairs, 50)) == 10


def test_wice_mapping(tmp_path: Path) -> None:
    rows = [
        {
            "label": "supported",
            "supporting_sentences": [[1], [2]],
            "claim": "c1",
            "evidence": ["s0", "s1", "s2"],
        },
        {
            "label": "partially_supported",
            "supporting_sentences": [[0]],
            "claim": "c2",
            "evidence": ["t0", "t1"],
        },
        {"label": "not_supported", "supporting_sentences": [], "claim": "c3", "evidence": ["u0"]},
    ]
    path = write_jsonl(tmp_path / "claim_dev.jsonl", rows)
    got = [(p.claim, p.passage, p.gold) for p in load_wice(path)]
    assert got == [
        ("c1", "s0", 2),
        ("c1", "s1", 0),
        ("c1", "s2", 0),
        ("c2", "t1", 2),
        ("c3", "u0", 2),
    ]


def test_eval_command_on_tiny_files(tmp_path: Path) -> None:
    cf = write_jsonl(
        tmp_path / "climate-fever.jsonl",
        [
            {
                "claim": "Paris is in France",
                "evidences": [
                    {"evidence": "Paris is in France.", "evidence_label": "SUPPORTS"},
                    {"evidence": "Bananas are yellow.", "evidence_label": "NOT_ENOUGH_INFO"},
                ],
            },
        ],
    )
    wice = write_jsonl(
        tmp_path / "claim_dev.jsonl",
        [
            {
                "label": "supported",
                "supporting_sentences": [[0]],
                "claim": "Paris is in France",
                "evidence": ["Paris is in France.", "Bananas are yellow."],
            }
        ],
    )
    code, out, err = run("eval", "--judge", "fake", "--climate-fever", str(cf), "--wice", str(wice))
    assert code == 0, err
    assert "Climate-FEVER: 2 pairs" in out and "WiCE dev: 2 pairs" in out
    assert "macro-F1 1.000" in out and "confusion" in out
    code, out, _ = run(
        "eval", "--judge", "fake", "--climate-fever", str(cf), "--wice", str(wice), "--json"
    )
    data = json.loads(out)
    assert data["Climate-FEVER"]["accuracy"] == 1.0 and data["judge"].startswith("fake:")


def test_eval_missing_benchmark_is_clear(tmp_path: Path) -> None:
    code, _, err = run("eval", "--judge", "fake", "--climate-fever", str(tmp_path / "none"))
    assert code != 0 and "Climate-FEVER not found" in err


# --- the real model through the CLI ----------------------------------------------------------


@pytest.mark.slow
def test_predict_default_judge_is_the_shipped_nli(tmp_path: Path) -> None:
    src = write_jsonl(
        tmp_path / "in.jsonl",
        [
            {
                "claim": "The Eiffel Tower is in Paris.",
                "passage": "The Eiffel Tower is a wrought-iron tower in Paris, France.",
                "id": 1,
            },
            {
                "claim": "The Eiffel Tower is in Berlin.",
                "passage": "The Eiffel Tower is a wrought-iron tower in Paris, France.",
                "id": 2,
            },
        ],
    )
    code, out, err = run("predict", "--input", str(src))
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == [1, 2]
    assert rows[0]["stance"] == Stance.SUPPORTS.value
    assert rows[0]["judge"].startswith("nli:stance-minilm@sha256:")


@pytest.mark.slow
def test_predict_with_the_permissive_model(tmp_path: Path) -> None:
    src = write_jsonl(
        tmp_path / "pairs.jsonl",
        [
            {
                "claim": "Smoking has no effect on the risk of lung cancer.",
                "passage": "Smoking greatly increases the risk of lung cancer.",
            }
        ],
    )
    code, out, err = run("predict", "--input", str(src), "--judge", "nli-permissive")
    assert code == 0, err
    [row] = [json.loads(line) for line in out.splitlines()]
    assert row["stance"] == Stance.REFUTES.value
    assert row["judge"].startswith("nli-permissive:stance-minilm-permissive@sha256:")
    assert sum(row["probs"].values()) == pytest.approx(1.0, abs=1e-4)
