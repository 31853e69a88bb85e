"""Calling chat models safely: wall-clock timeouts, error classification, and structured
output with repair attempts (tool calling where the model has it, JSON from text where not)."""

from __future__ import annotations

import functools
import json
import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, cast

from pydantic import BaseModel, ValidationError

from workbench.errors import ModelError, UsageError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage

log = logging.getLogger("workbench.llm")

DEFAULT_TIMEOUT = 60.0
"""Seconds one model call may take (HTTP timeout and wall-clock bound)."""


def describe_model(model: BaseChatModel) -> str:
    """A short name for a ready chat model: ``ChatOpenAI:gpt-4o-mini``."""
    name = getattr(model, "model_name", None) or getattr(model, "model", None)
    cls = type(model).__name__
    return f"{cls}:{name}" if isinstance(name, str) and name else cls


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
