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

import functools
import json
import logging
import os
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, cast
from urllib.parse import urlparse

from pydantic import BaseModel, ValidationError

from workbench.errors import ModelError, UsageError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 60.0
"""Seconds one model call may take (HTTP timeout and wall-clock bound)."""
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


def describe_model(model: BaseChatModel) -> str:
    """A short name for a ready chat model: ``ChatOpenAI:gpt-4o-mini``."""
    name = getattr(model, "model_name", None) or getattr(model, "model", None)
    cls = type(model).__name__
    return f"{cls}:{name}" if isinstance(name, str) and name else cls


# --- calling a model ---------------------------------------------------------------------------

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
Method = Literal["auto", "function_calling", "json_schema", "json_mode", "text"]


class LLMTimeout(ModelError):
    """A model call ran past its time limit."""


def call_with_timeout(fn: Callable[[], T], timeout: float | None) -> T:
    """Run ``fn`` with a wall-clock limit; raises ``LLMTimeout`` when it is exceeded.

    The call runs in a daemon thread that is abandoned (not killed) on timeout, so a
    chat model whose own HTTP timeout is missing or longer still cannot hang the caller.
    """
    if timeout is None:
        return fn()
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller below
            box["error"] = exc

    thread = threading.Thread(target=run, name="workbench-llm-call", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise LLMTimeout(f"no reply within {timeout:g} s")
    if "error" in box:
        raise box["error"]
    return cast(T, box["value"])


_TIMEOUT_NAMES = {"TimeoutError", "APITimeoutError", "TimeoutException", "ReadTimeout"}
_CONNECT_NAMES = {"APIConnectionError", "ConnectError", "ConnectionError"}


def _chain(exc: BaseException) -> list[str]:
    names: list[str] = []
    seen: BaseException | None = exc
    while seen is not None and len(names) < 50:
        names += [c.__name__ for c in type(seen).__mro__]
        seen = seen.__cause__ or seen.__context__
    return names


def is_timeout(exc: BaseException) -> bool:
    """True for a timeout from any layer (ours, openai, httpx, builtin)."""
    return isinstance(exc, LLMTimeout) or bool(_TIMEOUT_NAMES & set(_chain(exc)))


def is_connection_error(exc: BaseException) -> bool:
    """True when the server could not be reached at all (checked after ``is_timeout``)."""
    return bool(_CONNECT_NAMES & set(_chain(exc)))


_REJECTED_NAMES = {"AuthenticationError", "PermissionDeniedError", "NotFoundError"}


def is_rejected(exc: BaseException) -> bool:
    """True when the provider refused the key or does not know the model (HTTP 401/403/404)."""
    return bool(_REJECTED_NAMES & set(_chain(exc)))


@dataclass(frozen=True)
class StructuredReply(Generic[M]):
    """What ``structured_call`` got: ``value``, or None and the ``error`` that explains why."""

    value: M | None
    error: str | None = None
    attempts: int = 1
    raw: str | None = None


_REPAIR = (
    "Your reply could not be used: {error}\n"
    "Reply again with only one JSON object with these fields: {fields}. No other text."
)


class StructuredCaller(Generic[M]):
    """Asks a chat model for a ``schema`` object, repairing malformed replies a bounded time.

    Example::

        ask = StructuredCaller(chat_model("ollama:llama3.1"), Answer, max_attempts=3)
        reply = ask([("system", "…"), ("human", "…")])
        reply.value or reply.error

    ``method``: ``auto`` uses the model's own structured output — tool calling for a
    ChatOpenAI aimed at another server, the form llama.cpp, vLLM, LM Studio and Ollama all
    take — and falls back to parsing JSON from plain text when the model has none or the
    call fails; ``text`` always parses plain text; the others are passed to
    ``with_structured_output``. A timeout is not retried (the same call would be
    as slow); a server that cannot be reached raises ``ModelError``.
    """

    def __init__(
        self,
        model: BaseChatModel,
        schema: type[M],
        *,
        method: Method = "auto",
        max_attempts: int = 3,
        timeout: float | None = DEFAULT_TIMEOUT,
        label: str | None = None,
    ) -> None:
        if max_attempts < 1:
            raise UsageError("max_attempts must be at least 1")
        self.model = model
        self.schema = schema
        self.max_attempts = max_attempts
        self.timeout = timeout
        self.label = label or describe_model(model)
        self._structured: Any = None
        self._lock = threading.Lock()
        if method != "text":
            options = _auto_options(model) if method == "auto" else {"method": method}
            try:
                self._structured = model.with_structured_output(schema, include_raw=True, **options)
            except NotImplementedError:
                if method != "auto":
                    raise UsageError(
                        f"{self.label} has no structured output; use method='text'"
                    ) from None
                log.info("%s has no structured output; parsing JSON from its text", self.label)

    @property
    def structured(self) -> bool:
        """Whether calls still go through the model's structured output."""
        return self._structured is not None

    def __call__(self, messages: Sequence[BaseMessage | tuple[str, str]]) -> StructuredReply[M]:
        from langchain_core.messages import AIMessage, HumanMessage

        history: list[Any] = list(messages)
        errors: list[str] = []
        shown: str | None = None
        attempt = 0
        while attempt < self.max_attempts:
            attempt += 1
            runnable = self._structured
            target: Any = runnable if runnable is not None else self.model
            call = functools.partial(target.invoke, list(history))
            try:
                if runnable is not None:
                    value, error, shown = self._from_structured(
                        call_with_timeout(call, self.timeout)
                    )
                else:
                    shown = _text(call_with_timeout(call, self.timeout))
                    value, error = parse_json_reply(shown, self.schema)
            except Exception as exc:  # noqa: BLE001 - classified below
                if is_timeout(exc):
                    limit = f"{self.timeout:g} s" if self.timeout else "the client's limit"
                    errors.append(f"attempt {attempt}: timed out after {limit}")
                    return StructuredReply(None, "; ".join(errors), attempt, shown)
                if is_connection_error(exc):
                    raise ModelError(
                        f"Cannot reach the chat model {self.label}: {exc}. "
                        "Start its server or fix the spec (--llm / WORKBENCH_LLM)"
                    ) from exc
                if is_rejected(exc):
                    raise ModelError(
                        f"The chat model {self.label} refused the request: {_short(str(exc))}. "
                        "Check its API key and model name"
                    ) from exc
                errors.append(f"attempt {attempt}: {type(exc).__name__}: {_short(str(exc))}")
                if runnable is not None and self._drop_structured(exc):
                    attempt -= 1  # the switch to plain text does not use up an attempt
                continue
            if value is not None:
                return StructuredReply(value, None, attempt, shown)
            errors.append(f"attempt {attempt}: {error}")
            fields = ", ".join(self.schema.model_fields)
            repair = _REPAIR.format(error=error, fields=fields)
            history = [*messages, AIMessage(content=(shown or "")[:2000]), HumanMessage(repair)]
        reason = f"no valid answer after {self.max_attempts} attempts: " + "; ".join(errors)
        return StructuredReply(None, reason, self.max_attempts, shown)

    def _from_structured(self, out: Any) -> tuple[M | None, str | None, str]:
        raw = out.get("raw") if isinstance(out, dict) else None
        parsed = out.get("parsed") if isinstance(out, dict) else out
        text = _text(raw) if raw is not None else ""
        calls = getattr(raw, "tool_calls", None) or []
        shown = text or (json.dumps(calls[0].get("args", {})) if calls else "")
        if isinstance(parsed, self.schema):
            return parsed, None, shown
        if isinstance(parsed, dict):
            try:
                return self.schema.model_validate(parsed), None, shown
            except ValidationError as exc:
                return None, _validation_message(exc), shown
        # The model answered in plain text instead of a tool call: try its JSON.
        value, error = parse_json_reply(shown, self.schema)
        if value is not None:
            return value, None, shown
        parsing = out.get("parsing_error") if isinstance(out, dict) else None
        if parsing is not None and calls:
            error = _short(str(parsing).split("For troubleshooting")[0])
        return None, error, shown

    def _drop_structured(self, exc: Exception) -> bool:
        """Switch this caller to plain text for good; True if this call made the switch."""
        with self._lock:
            if self._structured is None:
                return False
            log.warning(
                "%s: structured output failed (%s); parsing JSON from text from now on",
                self.label,
                type(exc).__name__,
            )
            self._structured = None
            return True


def _auto_options(model: BaseChatModel) -> dict[str, Any]:
    """Tool calling for ChatOpenAI pointed at another server: llama.cpp rejects json_schema."""
    base = getattr(model, "openai_api_base", None)
    if type(model).__name__ == "ChatOpenAI" and base and "api.openai.com" not in base:
        return {"method": "function_calling"}
    return {}


def structured_call(
    model: BaseChatModel,
    schema: type[M],
    messages: Sequence[BaseMessage | tuple[str, str]],
    **options: Any,
) -> StructuredReply[M]:
    """One-off ``StructuredCaller(model, schema, **options)(messages)``."""
    return StructuredCaller(model, schema, **options)(messages)


_THINK = re.compile(r"<think>.*?</think>", re.DOTALL)


def parse_json_reply(text: str, schema: type[M]) -> tuple[M | None, str | None]:
    """The first JSON object in ``text`` that validates as ``schema``, else (None, reason)."""
    text = _THINK.sub("", text or "")
    decoder = json.JSONDecoder()
    first_error: str | None = None
    found = False
    for match in re.finditer(r"\{", text):
        try:
            data, _ = decoder.raw_decode(text, match.start())
        except json.JSONDecodeError:
            continue
        if not isinstance(data, dict):
            continue
        found = True
        try:
            return schema.model_validate(data), None
        except ValidationError as exc:
            first_error = first_error or _validation_message(exc)
    if found and first_error:
        return None, first_error
    return None, f"no JSON object in the reply {_short(text, 120)!r}"


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        where = ".".join(str(p) for p in err["loc"]) or "reply"
        parts.append(f"{where}: {err['msg']}")
    return "invalid answer (" + "; ".join(parts) + ")"


def _text(message: Any) -> str:
    text = getattr(message, "text", None)
    if isinstance(text, str):
        return text
    return str(getattr(message, "content", message) or "")


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
