"""The llm judge against a real llama.cpp server running SmolLM2-135M (OpenAI-compatible API).

SmolLM2-135M judges near chance, so these tests assert the plumbing — every pair comes
back judged with a valid stance or unjudged with a reason — not accuracy.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from llm_server import LLMServer, llm_server_fixture

from workbench.judges import get_judge
from workbench.judges.llm import LLMJudge
from workbench.types import Stance, StanceJudgement

pytestmark = pytest.mark.llm_server

PAIRS = [
    ("Paris is the capital of France.", "Paris is the capital and largest city of France."),
    (
        "The Eiffel Tower is in Berlin.",
        "The Eiffel Tower is a wrought-iron lattice tower on the Champ de Mars in Paris, France.",
    ),
    ("Water boils at 100 degrees Celsius at sea level.", "Moby-Dick was published in 1851."),
]


@pytest.fixture(scope="module")
def server() -> Iterator[LLMServer]:
    yield from llm_server_fixture()


def _assert_plumbing(results: list[StanceJudgement], identity: str) -> None:
    assert len(results) == len(PAIRS)
    for result in results:
        assert result.judge == identity
        if result.judged:
            assert result.stance in set(Stance)
            assert set(result.probs) == set(Stance)
            assert abs(sum(result.probs.values()) - 1.0) < 1e-6
            assert max(result.probs, key=lambda s: result.probs[s]) is result.stance
            assert result.error is None
        else:
            assert result.error, "an unjudged pair must say why"
            assert not result.probs


def test_server_started(server: LLMServer) -> None:
    assert server.process.poll() is None
    assert server.startup_s < 120


def test_judge_through_openai_compatible_spec(server: LLMServer) -> None:
    judge = get_judge("llm", spec=server.spec, timeout=120, max_attempts=2)
    assert judge.identity == f"llm:{server.spec}"
    started = time.monotonic()
    results = judge.judge(PAIRS)
    elapsed = time.monotonic() - started
    _assert_plumbing(results, judge.identity)
    # Tool calling is grammar-constrained on llama.cpp: SmolLM2 always returns a valid stance.
    assert all(r.judged for r in results), [r.error for r in results]
    print(f"\nSmolLM2 tool calling: {[str(r.stance) for r in results]} in {elapsed:.1f} s")


def test_plain_text_fallback(server: LLMServer) -> None:
    judge = LLMJudge(server.spec, method="text", timeout=120, max_attempts=2, max_tokens=80)
    results = judge.judge(PAIRS)
    _assert_plumbing(results, judge.identity)
    outcome = [str(r.stance) if r.judged else f"unjudged: {r.error}" for r in results]
    print("\nSmolLM2 plain text:", outcome)


def test_timeout_is_recorded_unjudged(server: LLMServer) -> None:
    judge = LLMJudge(server.spec, timeout=0.01, max_attempts=3)
    [result] = judge.judge(PAIRS[:1])
    assert result.stance is None
    assert result.error is not None and "timed out" in result.error
    time.sleep(3)  # let the server finish the abandoned request before the next test
