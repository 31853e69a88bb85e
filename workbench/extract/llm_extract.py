"""The LLM path: a chat model rewrites a check-worthy sentence into atomic, self-contained claims.

The prompt is ``prompts/extract_claims.toml`` (variables ``sentence`` and ``context``); the
reply is a ``{"claims": [...]}`` object asked for through ``workbench.llm.StructuredCaller``
(structured output where the model has it, JSON from text where it has not).

Every claim the model returns must be grounded in what it was shown, or it is dropped:

- at least ``min_support`` of its content words occur in the sentence or its context,
- at least ``min_sentence`` of them occur in the sentence itself (the claim is about this
  sentence, not only about the context), and
- every number in it occurs in the sentence or the context.

A small model that invents a claim ("Putin resigned in 2024") fails these checks; the
provenance of a kept claim is the sentence's document and exact offsets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from workbench.extract.cluster import content_words
from workbench.types import normalise_claim

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

PROMPT = "extract_claims"
MIN_SUPPORT = 0.75
MIN_SENTENCE = 0.4
MAX_CLAIMS_PER_SENTENCE = 8
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


class ExtractedClaims(BaseModel):
    """The reply the prompt asks for."""

    model_config = ConfigDict(extra="ignore")

    claims: list[str] = Field(default_factory=list, description="Atomic, self-contained claims.")


@dataclass(frozen=True)
class Grounding:
    """How well a claim is supported by the text the model saw."""

    support: float  # share of the claim's content words found in sentence + context
    in_sentence: float  # share found in the sentence itself
    unsupported_numbers: tuple[str, ...]

    def ok(self, min_support: float = MIN_SUPPORT, min_sentence: float = MIN_SENTENCE) -> bool:
        return (
            self.support >= min_support
            and self.in_sentence >= min_sentence
            and not self.unsupported_numbers
        )


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def grounding(claim: str, sentence: str, context: str = "") -> Grounding:
    """Measure how far ``claim`` is grounded in ``sentence`` (and ``context``)."""
    words = content_words(claim)
    in_sentence = content_words(sentence)
    seen = in_sentence | content_words(context)
    support = len(words & seen) / len(words) if words else 0.0
    own = len(words & in_sentence) / len(words) if words else 0.0
    missing = tuple(sorted(_numbers(claim) - _numbers(sentence + " " + context)))
    return Grounding(support, own, missing)


@dataclass(frozen=True)
class LLMClaims:
    """What the model made of one sentence: kept claims, dropped ones (with why), any error."""

    kept: tuple[str, ...] = ()
    dropped: tuple[tuple[str, Grounding], ...] = ()
    error: str | None = None


@dataclass
class LLMExtractor:
    """Atomic claims from sentences with a LangChain chat model (or a spec string).

    Example::

        ex = LLMExtractor("ollama:llama3.1")
        ex.extract("He said it rained.", context="Tom Hanks spoke on Monday.").kept
    """

    model: Any  # BaseChatModel | str
    prompt: str = PROMPT
    min_support: float = MIN_SUPPORT
    min_sentence: float = MIN_SENTENCE
    timeout: float | None = 60.0
    max_attempts: int = 2
    _caller: Any = field(default=None, init=False, repr=False)
    _prompt: Any = field(default=None, init=False, repr=False)

    def _setup(self) -> None:
        if self._caller is not None:
            return
        from workbench.llm import StructuredCaller, chat_model
        from workbench.prompts import load_prompt

        model: BaseChatModel = chat_model(self.model)
        self._prompt = load_prompt(self.prompt)
        self._caller = StructuredCaller(
            model, ExtractedClaims, max_attempts=self.max_attempts, timeout=self.timeout
        )

    @property
    def label(self) -> str:
        self._setup()
        return str(self._caller.label)

    def extract(self, sentence: str, context: str = "") -> LLMClaims:
        """Ask the model for the sentence's claims and keep only the grounded ones."""
        self._setup()
        messages = self._prompt.messages(sentence=sentence, context=context or "(none)")
        reply = self._caller(messages)
        if reply.value is None:
            return LLMClaims(error=reply.error or "no answer")
        return self.filter(reply.value.claims, sentence, context)

    def filter(self, claims: Sequence[str], sentence: str, context: str = "") -> LLMClaims:
        """Keep the grounded, distinct, non-empty claims (at most a few per sentence)."""
        kept: list[str] = []
        dropped: list[tuple[str, Grounding]] = []
        seen: set[str] = set()
        for raw in claims[:MAX_CLAIMS_PER_SENTENCE]:
            if not isinstance(raw, str):
                continue
            text = normalise_claim(raw).strip(" -•*\"'")
            key = text.casefold().rstrip(".!? ")
            if len(text.split()) < 3 or key in seen:
                continue
            seen.add(key)
            g = grounding(text, sentence, context)
            if g.ok(self.min_support, self.min_sentence):
                kept.append(text)
            else:
                dropped.append((text, g))
        return LLMClaims(tuple(kept), tuple(dropped))
