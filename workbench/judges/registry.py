"""Registers the built-in judges; each factory imports its backend only when called."""

from __future__ import annotations

from typing import Any

from workbench.judges.base import Judge, register_judge


def _fake(**options: Any) -> Judge:
    from workbench.judges.fake import FakeJudge

    return FakeJudge(**options)


register_judge("fake", _fake)


def _nli(**options: Any) -> Judge:
    from workbench.judges.nli import NLIJudge

    return NLIJudge(**options)


register_judge("nli", _nli)


def _nli_permissive(**options: Any) -> Judge:
    from workbench.judges.nli import NLIJudge

    return NLIJudge(name="nli-permissive", **options)


register_judge("nli-permissive", _nli_permissive)


def _llm(spec: str | None = None, model: Any = None, **options: Any) -> Judge:
    from workbench.errors import UsageError
    from workbench.judges.llm import LLMJudge

    if model is None and not spec:
        from workbench.settings import load_settings

        spec = load_settings().llm
    if model is None and not spec:
        raise UsageError(
            "The llm judge needs a chat model: set --llm SPEC or WORKBENCH_LLM "
            "(e.g. ollama:llama3.1, openai:gpt-4o-mini, http://127.0.0.1:8080/v1#MODEL)"
        )
    return LLMJudge(model if model is not None else str(spec), **options)


register_judge("llm", _llm)
