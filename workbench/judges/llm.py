"""The ``llm`` judge: any LangChain chat model judges stance through a prompt from ``prompts/``.

A pair the model cannot judge (malformed replies after ``max_attempts``, a timeout, an
error) is recorded as unjudged — ``stance=None`` with the reason in ``error`` — never as
neutral.

Probabilities: when the model reports a ``confidence`` c for its chosen stance, that stance
gets max(c, 0.34) and the other two share the rest equally; when it does not,
the chosen stance gets ``DEFAULT_CONFIDENCE`` (0.8) and the others 0.1 each. These are
the model's self-reports, not calibrated probabilities.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, field_validator

from workbench.errors import UsageError
from workbench.llm import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    LLMSpec,
    Method,
    StructuredCaller,
    chat_model,
    describe_model,
    parse_spec,
)
from workbench.prompts import load_prompt
from workbench.types import Stance, StanceJudgement

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

DEFAULT_PROMPT = "judge_stance"
DEFAULT_CONFIDENCE = 0.8
MIN_CONFIDENCE = 0.34

_SYNONYMS = {
    "support": "supports",
    "supported": "supports",
    "supporting": "supports",
    "entails": "supports",
    "entailment": "supports",
    "true": "supports",
    "refute": "refutes",
    "refuted": "refutes",
    "refuting": "refutes",
    "contradicts": "refutes",
    "contradict": "refutes",
    "contradicted": "refutes",
    "contradiction": "refutes",
    "false": "refutes",
    "not enough info": "neutral",
    "not enough information": "neutral",
    "not_enough_info": "neutral",
    "nei": "neutral",
    "unrelated": "neutral",
}


class StanceAnswer(BaseModel):
    """How a passage bears on a claim: supports, refutes or neutral, with a short rationale."""

    rationale: str = Field(description="One short sentence pointing to the words in the passage.")
    stance: Literal["supports", "refutes", "neutral"] = Field(
        description="supports, refutes or neutral"
    )
    confidence: float | None = Field(
        default=None, ge=0.0, le=1.0, description="How sure you are, from 0 to 1."
    )

    @field_validator("stance", mode="before")
    @classmethod
    def _normalise_stance(cls, value: Any) -> Any:
        if isinstance(value, str):
            key = " ".join(value.strip().strip(".\"'").lower().split())
            return _SYNONYMS.get(key, key)
        return value

    @field_validator("confidence", mode="before")
    @classmethod
    def _percent(cls, value: Any) -> Any:
        if isinstance(value, int | float) and 1.0 < value <= 100.0:
            return value / 100.0  # "85" meant 85 %
        return value


class LLMJudge:
    """Judges stance with a chat model given as a spec string or a LangChain chat model.

    Example::

        LLMJudge("ollama:llama3.1").judge([("Paris is in France", "Paris, France's capital…")])
        LLMJudge(ChatOpenAI(model="gpt-4o-mini"), max_attempts=2, timeout=20)

    ``timeout`` bounds each model call (seconds); ``max_attempts`` bounds the calls per
    pair when the reply is malformed; ``concurrency`` judges that many pairs at once
    (useful with hosted APIs, pointless with a one-slot local server).
    """

    name = "llm"

    def __init__(
        self,
        model: str | LLMSpec | BaseChatModel,
        prompt: str = DEFAULT_PROMPT,
        *,
        max_attempts: int = 3,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        method: Method = "auto",
        concurrency: int = 1,
        **model_options: Any,
    ) -> None:
        if concurrency < 1:
            raise UsageError("concurrency must be at least 1")
        spec = parse_spec(model) if isinstance(model, str) else model
        if isinstance(spec, LLMSpec):
            self.spec = str(spec)
        else:
            self.spec = describe_model(spec)
        self.prompt = load_prompt(prompt)
        if set(self.prompt.variables) != {"claim", "passage"}:
            raise UsageError(
                f"Prompt '{prompt}' must take the variables claim and passage, "
                f"not {self.prompt.variables}"
            )
        self.model = chat_model(spec, timeout=timeout, max_retries=max_retries, **model_options)
        self.concurrency = concurrency
        self._ask = StructuredCaller(
            self.model,
            StanceAnswer,
            method=method,
            max_attempts=max_attempts,
            timeout=timeout,
            label=self.spec,
        )

    @property
    def identity(self) -> str:
        suffix = "" if self.prompt.name == DEFAULT_PROMPT else f";prompt={self.prompt.name}"
        return f"llm:{self.spec}{suffix}"

    def judge(self, pairs: Sequence[tuple[str, str]]) -> list[StanceJudgement]:
        if self.concurrency == 1 or len(pairs) < 2:
            return [self.judge_one(claim, passage) for claim, passage in pairs]
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            return list(pool.map(lambda pair: self.judge_one(*pair), pairs))

    def judge_one(self, claim: str, passage: str) -> StanceJudgement:
        reply = self._ask(self.prompt.messages(claim=claim, passage=passage))
        if reply.value is None:
            return StanceJudgement(
                stance=None, probs={}, judge=self.identity, error=reply.error or "no answer"
            )
        answer = reply.value
        stance = Stance(answer.stance)
        return StanceJudgement(
            stance=stance,
            probs=stance_probs(stance, answer.confidence),
            judge=self.identity,
            rationale=answer.rationale.strip() or None,
        )


def stance_probs(stance: Stance, confidence: float | None) -> dict[Stance, float]:
    """Probabilities from the chosen stance and the model's confidence (see module docstring)."""
    top = DEFAULT_CONFIDENCE if confidence is None else max(float(confidence), MIN_CONFIDENCE)
    top = min(top, 1.0)
    rest = round((1.0 - top) / 2, 6)
    return {s: (top if s is stance else rest) for s in Stance}
