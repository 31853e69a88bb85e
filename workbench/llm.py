"""Chat models from one spec string (or any LangChain chat model), with bounded time and retries.

Spec syntax (see docs/llm.md):

- ``PROVIDER:MODEL`` — any provider LangChain's ``init_chat_model`` knows: ``ollama:llama3.1``,
  ``openai:gpt-4o-mini``, ``anthropic:claude-3-5-haiku-latest``, ``groq:…``. Everything after
  the first colon is the model name, so ``ollama:llama3.1:8b`` works.
- ``MODEL`` — a bare name LangChain can place (``gpt-4o-mini``, ``claude-…``).
- ``URL[#MODEL]`` or ``openai-compatible:URL[#MODEL]`` — an OpenAI-compatible server
  (llama.cpp, vLLM, LM Studio, Ollama's ``/v1``): ``http://127.0.0.1:8080/v1#qwen2.5``.
  Without ``#MODEL`` the name ``default`` is sent (llama.cpp ignores it; vLLM does not).

``structured_call`` asks a model for a pydantic object: tool calling / structured output
where the model has it, JSON parsed from plain text where it has not, a bounded number of
repair attempts, a wall-clock timeout per attempt, and a reason when it gives up.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlparse

from pydantic import ValidationError

from workbench.errors import ModelError, UsageError

# Calling models lives in llm_calls; re-exported here for one import path.
from workbench.llm_calls import (
    DEFAULT_TIMEOUT,
    LLMTimeout,
    Method,
    StructuredCaller,
    StructuredReply,
    call_with_timeout,
    describe_model,
    is_connection_error,
    is_rejected,
    is_timeout,
    parse_json_reply,
    structured_call,
)

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

log = logging.getLogger(__name__)

DEFAULT_MAX_RETRIES = 2
"""Retries the provider's client makes on transient HTTP errors (429, 5xx, dropped links)."""
OPENAI_COMPATIBLE = "openai-compatible"
API_KEY_ENV = "WORKBENCH_LLM_API_KEY"
"""Key sent to an OpenAI-compatible server; never ``OPENAI_API_KEY``, which belongs to OpenAI."""

_PROVIDER = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_KEY_ENV = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "groq": "GROQ_API_KEY",
    "mistralai": "MISTRAL_API_KEY",
    "google_genai": "GOOGLE_API_KEY",
    "deepseek": "DEEPSEEK_API_KEY",
    "xai": "XAI_API_KEY",
    "fireworks": "FIREWORKS_API_KEY",
    "together": "TOGETHER_API_KEY",
    "cohere": "COHERE_API_KEY",
}
SPEC_HELP = (
    "use PROVIDER:MODEL (e.g. ollama:llama3.1, openai:gpt-4o-mini) "
    "or an OpenAI-compatible URL with the model after '#' (e.g. http://127.0.0.1:8080/v1#qwen2.5)"
)


@dataclass(frozen=True)
class LLMSpec:
    """A parsed model spec: ``parse_spec("ollama:llama3.1").provider == "ollama"``."""

    provider: str
    model: str
    base_url: str | None = None

    @property
    def openai_compatible(self) -> bool:
        return self.provider == OPENAI_COMPATIBLE

    def __str__(self) -> str:
        if self.openai_compatible:
            return f"{self.base_url}#{self.model}"
        return f"{self.provider}:{self.model}" if self.provider else self.model


def parse_spec(spec: str) -> LLMSpec:
    """Parse a spec string; raises ``UsageError`` naming the syntax when it cannot."""
    text = spec.strip()
    if not text:
        raise UsageError(f"Empty chat model spec; {SPEC_HELP}")
    head, sep, rest = text.partition(":")
    if head.lower().replace("_", "-") == OPENAI_COMPATIBLE:
        return _parse_url(rest.strip(), spec)
    if head.lower() in ("http", "https"):
        return _parse_url(text, spec)
    if not sep:
        if "/" in text or " " in text:
            raise UsageError(f"Cannot read chat model spec '{spec}'; {SPEC_HELP}")
        return LLMSpec(provider="", model=text)
    if not _PROVIDER.match(head) or not rest.strip():
        raise UsageError(f"Cannot read chat model spec '{spec}'; {SPEC_HELP}")
    return LLMSpec(provider=head.lower().replace("-", "_"), model=rest.strip())


def _parse_url(text: str, spec: str) -> LLMSpec:
    url, _, model = text.partition("#")
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise UsageError(
            f"'{spec}' needs an http(s) base URL such as http://127.0.0.1:8080/v1; {SPEC_HELP}"
        )
    if "#" in text and not model.strip():
        raise UsageError(f"'{spec}' has an empty model name after '#'; {SPEC_HELP}")
    return LLMSpec(OPENAI_COMPATIBLE, model.strip() or "default", url.rstrip("/"))


def chat_model(
    spec: str | LLMSpec | BaseChatModel,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_retries: int = DEFAULT_MAX_RETRIES,
    **kwargs: Any,
) -> BaseChatModel:
    """Build a LangChain chat model from a spec, or return a ready chat model unchanged.

    Every model built here gets ``timeout`` (seconds per request) and ``max_retries``;
    extra ``kwargs`` go to the provider's class (``temperature=0``, ``num_ctx=8192`` …).
    Example: ``chat_model("ollama:llama3.1", timeout=30)``.
    """
    from langchain_core.language_models import BaseChatModel

    if isinstance(spec, BaseChatModel):
        return spec
    parsed = spec if isinstance(spec, LLMSpec) else parse_spec(str(spec))
    if timeout <= 0 or max_retries < 0:
        raise UsageError("timeout must be > 0 seconds and max_retries >= 0")
    if parsed.openai_compatible:
        return _openai_compatible(parsed, timeout, max_retries, kwargs)
    return _init(parsed, timeout, max_retries, kwargs)


def _openai_compatible(
    spec: LLMSpec, timeout: float, max_retries: int, kwargs: dict[str, Any]
) -> BaseChatModel:
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as exc:
        raise ModelError(
            "OpenAI-compatible servers are reached through langchain-openai: "
            "run `pip install langchain-openai`"
        ) from exc
    options: dict[str, Any] = {"temperature": 0.0, **kwargs}
    key = os.environ.get(API_KEY_ENV) or "not-needed"
    return ChatOpenAI(
        model=spec.model,
        base_url=spec.base_url,
        api_key=key,  # type: ignore[arg-type]
        timeout=timeout,
        max_retries=max_retries,
        **options,
    )


def _init(spec: LLMSpec, timeout: float, max_retries: int, kwargs: dict[str, Any]) -> BaseChatModel:
    from langchain.chat_models import init_chat_model

    provider = spec.provider or None
    _require_provider_package(spec)
    limits: dict[str, Any]
    if spec.provider == "ollama":
        # ChatOllama has no max_retries; its HTTP client takes the timeout.
        limits = {"client_kwargs": {"timeout": timeout}, "temperature": 0.0}
    else:
        limits = {"timeout": timeout, "max_retries": max_retries}
    try:
        try:
            model = init_chat_model(spec.model, model_provider=provider, **limits, **kwargs)
        except (TypeError, ValidationError) as exc:
            if not any(k in str(exc) for k in limits):
                raise
            # A provider class without these fields: the caller's wall-clock bound still holds.
            log.warning("%s does not take %s; relying on the call timeout", spec, sorted(limits))
            model = init_chat_model(spec.model, model_provider=provider, **kwargs)
    except ImportError as exc:
        found = re.search(r"pip install ([\w\-\[\]\"]+)", str(exc))
        package = found.group(1) if found else f"langchain-{(provider or '').replace('_', '-')}"
        raise ModelError(
            f"The chat model '{spec}' needs the {package} package: run `pip install {package}`"
        ) from exc
    except ValueError as exc:
        message = str(exc)
        if "infer model provider" in message or "Unsupported" in message:
            raise UsageError(f"Unknown chat model provider in '{spec}'; {SPEC_HELP}") from exc
        raise ModelError(_construction_message(spec, exc)) from exc
    except Exception as exc:  # noqa: BLE001 - provider SDKs raise their own types
        raise ModelError(_construction_message(spec, exc)) from exc
    return cast("BaseChatModel", model)


def _require_provider_package(spec: LLMSpec) -> None:
    """Name the ``pip install`` before LangChain tries (and, for ollama, falls back oddly)."""
    import importlib.util

    from langchain.chat_models import base

    entry = getattr(base, "_BUILTIN_PROVIDERS", {}).get(spec.provider)
    if not entry or not isinstance(entry[0], str):
        return
    module = entry[0].split(".")[0]
    if importlib.util.find_spec(module) is None:
        package = module.replace("_", "-")
        raise ModelError(
            f"The chat model '{spec}' needs the {package} package: run `pip install {package}`"
        )


def _construction_message(spec: LLMSpec, exc: Exception) -> str:
    text = str(exc)
    named = [var for var in _KEY_ENV.values() if var in text]
    env = named[0] if named else _KEY_ENV.get(spec.provider)
    if env and "key" in text.lower():
        return f"The chat model '{spec}' needs an API key: set {env}"
    return f"Could not build the chat model '{spec}': {type(exc).__name__}: {exc}"


__all__ = [
    "call_with_timeout",
    "DEFAULT_TIMEOUT",
    "describe_model",
    "is_connection_error",
    "is_rejected",
    "is_timeout",
    "LLMTimeout",
    "Method",
    "parse_json_reply",
    "structured_call",
    "StructuredCaller",
    "StructuredReply",
    "LLMSpec",
    "chat_model",
    "parse_spec",
    "SPEC_HELP",
]
