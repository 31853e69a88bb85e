"""The shipped `nli` stance judge: real predictions, calibrated probabilities, order, identity."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from workbench.errors import ModelError, UsageError
from workbench.judges.base import Judge, get_judge
from workbench.judges.nli import MODEL_DIR, PERMISSIVE_DIR, NLIJudge, softmax
from workbench.types import Stance

TOWER = "The Eiffel Tower is a wrought-iron lattice tower on the Champ de Mars in Paris, France."
CLEAR = [
    ("The Eiffel Tower is in Paris.", TOWER, Stance.SUPPORTS),
    (
        "Water boils at 100 degrees Celsius at sea level.",
        "At sea level, pure water boils at 100 degrees Celsius.",
        Stance.SUPPORTS,
    ),
    (
        "The vaccine was approved by regulators in 2021.",
        "Regulators have never approved the vaccine; it remains unapproved.",
        Stance.REFUTES,
    ),
    (
        "Smoking has no effect on the risk of lung cancer.",
        "Smoking greatly increases the risk of lung cancer.",
        Stance.REFUTES,
    ),
    ("The Eiffel Tower is in Paris.", "Bananas are a good source of potassium.", Stance.NEUTRAL),
    (
        "Global warming is driving polar bears toward extinction.",
        "The Arctic fox has thick fur that keeps it warm in winter.",
        Stance.NEUTRAL,
    ),
]


@pytest.fixture(scope="module")
def judge() -> NLIJudge:
    return NLIJudge(threads=2)


@pytest.mark.parametrize("folder", [MODEL_DIR, PERMISSIVE_DIR], ids=["nli", "nli-permissive"])
def test_the_weights_ship_in_the_package(folder) -> None:
    files = {p.name for p in folder.iterdir()}
    assert {
        "model.safetensors",
        "config.json",
        "tokenizer.json",
        "calibration.json",
        "README.md",
        "training-report.json",
    } <= files
    assert (folder / "model.safetensors").stat().st_size < 55 * 1024 * 1024
    cal = json.loads((folder / "calibration.json").read_text())
    assert cal["temperature"] > 0 and set(cal["bias"]) == {"supports", "refutes", "neutral"}
    config = json.loads((folder / "config.json").read_text())
    assert config["id2label"] == {"0": "supports", "1": "refutes", "2": "neutral"}


def test_the_permissive_model_saw_no_non_commercial_data() -> None:
    report = json.loads((PERMISSIVE_DIR / "training-report.json").read_text())
    assert report["mix"]["permissive_only"] is True
    sources = set(report["train_summary"]) | set(report["held_out_summary"])
    assert sources and not sources & {"sick", "anli"}
    assert not any("climate" in s or "wice" in s for s in sources)


def test_import_is_lazy() -> None:
    code = "import sys, workbench.judges.nli; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_registered_as_nli_and_bad_options() -> None:
    j = get_judge("nli", threads=1)
    assert isinstance(j, NLIJudge) and isinstance(j, Judge)
    with pytest.raises(UsageError):
        NLIJudge(precision="fp8")
    with pytest.raises(ModelError, match="No stance model"):
        NLIJudge(model_dir="/nonexistent")


def test_softmax_rows_sum_to_one() -> None:
    import numpy as np

    p = softmax(np.array([[1000.0, 0.0, -1000.0], [0.1, 0.2, 0.3]]))
    assert np.allclose(p.sum(1), 1.0) and np.isfinite(p).all()


@pytest.mark.slow
@pytest.mark.parametrize("claim,passage,expected", CLEAR, ids=lambda x: str(x)[:20])
def test_clear_pairs(judge: NLIJudge, claim: str, passage: str, expected: Stance) -> None:
    [j] = judge.judge([(claim, passage)])
    assert j.stance is expected, j.probs


@pytest.fixture(scope="module")
def permissive() -> NLIJudge:
    judge = get_judge("nli-permissive", threads=2)
    assert isinstance(judge, NLIJudge)
    return judge


@pytest.mark.slow
@pytest.mark.parametrize("claim,passage,expected", CLEAR, ids=lambda x: str(x)[:20])
def test_clear_pairs_permissive(
    permissive: NLIJudge, claim: str, passage: str, expected: Stance
) -> None:
    [j] = permissive.judge([(claim, passage)])
    assert j.stance is expected, j.probs


@pytest.mark.slow
def test_the_two_models_are_told_apart(judge: NLIJudge, permissive: NLIJudge) -> None:
    assert permissive.identity.startswith("nli-permissive:stance-minilm-permissive@sha256:")
    assert permissive.identity.rsplit(":", 1)[1] != judge.identity.rsplit(":", 1)[1]
    [a] = judge.judge([CLEAR[0][:2]])
    [b] = permissive.judge([CLEAR[0][:2]])
    assert a.judge != b.judge and a.probs != b.probs


@pytest.mark.slow
def test_probs_are_calibrated_distributions(judge: NLIJudge) -> None:
    results = judge.judge([(c, p) for c, p, _ in CLEAR])
    for j in results:
        assert set(j.probs) == set(Stance)
        assert sum(j.probs.values()) == pytest.approx(1.0, abs=1e-5)
        assert all(0.0 <= v <= 1.0 for v in j.probs.values())
        assert j.stance is max(j.probs, key=lambda s: j.probs[s])
        assert j.judge == judge.identity


@pytest.mark.slow
def test_order_is_kept_despite_length_bucketing(judge: NLIJudge) -> None:
    pairs = [(c, p) for c, p, _ in CLEAR]
    pairs += [("Short claim.", "A much longer passage " * 20), ("x y z", "tiny")]
    forward = judge.judge(pairs)
    backward = judge.judge(pairs[::-1])[::-1]
    single = [judge.judge([p])[0] for p in pairs]
    for a, b, c in zip(forward, backward, single, strict=True):
        assert a.stance is b.stance is c.stance
        for s in Stance:
            assert a.probs[s] == pytest.approx(b.probs[s], abs=2e-2)
            assert a.probs[s] == pytest.approx(c.probs[s], abs=2e-2)


@pytest.mark.slow
def test_empty_pairs_are_unjudged_not_neutral(judge: NLIJudge) -> None:
    results = judge.judge([("A claim.", ""), CLEAR[0][:2], ("  ", "passage")])
    assert [r.judged for r in results] == [False, True, False]
    assert results[0].error and results[0].stance is None
    assert judge.judge([]) == []


@pytest.mark.slow
def test_identity_names_the_weights(judge: NLIJudge) -> None:
    ident = judge.identity
    assert ident.startswith("nli:stance-minilm@sha256:")
    assert len(ident.rsplit(":", 1)[1]) == 16


@pytest.mark.slow
def test_int8_and_fp32_agree_on_clear_pairs() -> None:
    pairs = [(c, p) for c, p, _ in CLEAR]
    fp32 = NLIJudge(threads=2, precision="fp32").judge(pairs)
    int8 = NLIJudge(threads=2, precision="int8").judge(pairs)
    agree = sum(a.stance is b.stance for a, b in zip(fp32, int8, strict=True))
    assert agree >= len(pairs) - 1
