"""The llm judge and its plumbing, with LangChain's fake chat models (milliseconds, no server)."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import (
    FakeListChatModel,
    FakeMessagesListChatModel,
    GenericFakeChatModel,
)
from langchain_core.messages import AIMessage, BaseMessage
from pydantic import Field

from workbench.errors import ModelError, UsageError, WorkbenchError
from workbench.judges import available_judges, get_judge
from workbench.judges.base import Judge
from workbench.judges.llm import DEFAULT_CONFIDENCE, LLMJudge, StanceAnswer, stance_probs
from workbench.llm import (
    LLMSpec,
    StructuredCaller,
    call_with_timeout,
    chat_model,
    is_connection_error,
    is_timeout,
    parse_json_reply,
    parse_spec,
)
from workbench.types import Stance

PAIR = ("Paris is the capital of France.", "Paris is the capital and largest city of France.")


def answer(stance: str, rationale: str = "The passage says so.", **extra: Any) -> str:
    return json.dumps({"rationale": rationale, "stance": stance, **extra})


def tool_reply(args: dict[str, Any]) -> AIMessage:
    return AIMessage(
        content="", tool_calls=[{"name": "StanceAnswer", "args": args, "id": "call_1"}]
    )


class ToolCallingFake(FakeMessagesListChatModel):
    """A fake that 'supports' tool calling: bind_tools returns itself, replies carry tool_calls."""

    calls: int = 0

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Any:
        return self

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return super()._generate(messages, *args, **kwargs)


class RecordingFake(FakeListChatModel):
    """Plain-text fake that remembers the messages of every call."""

    seen: list[list[BaseMessage]] = Field(default_factory=list)

    def _call(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> str:
        self.seen.append(list(messages))
        return super()._call(messages, *args, **kwargs)


class RaisingFake(GenericFakeChatModel):
    error: Any = None

    def _generate(self, *args: Any, **kwargs: Any) -> Any:
        raise self.error


# --- spec parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "provider", "model", "base_url"),
    [
        ("ollama:llama3.1", "ollama", "llama3.1", None),
        ("ollama:llama3.1:8b", "ollama", "llama3.1:8b", None),
        (" openai:gpt-4o-mini ", "openai", "gpt-4o-mini", None),
        ("google-genai:gemini-2.0-flash", "google_genai", "gemini-2.0-flash", None),
        ("gpt-4o-mini", "", "gpt-4o-mini", None),
        ("http://127.0.0.1:8080/v1", "openai-compatible", "default", "http://127.0.0.1:8080/v1"),
        (
            "http://127.0.0.1:8080/v1/#qwen2.5",
            "openai-compatible",
            "qwen2.5",
            "http://127.0.0.1:8080/v1",
        ),
        (
            "openai-compatible:https://llm.example.org/v1#org/model-7b",
            "openai-compatible",
            "org/model-7b",
            "https://llm.example.org/v1",
        ),
    ],
)
def test_parse_spec(spec: str, provider: str, model: str, base_url: str | None) -> None:
    parsed = parse_spec(spec)
    assert (parsed.provider, parsed.model, parsed.base_url) == (provider, model, base_url)


@pytest.mark.parametrize(
    "spec",
    ["", "   ", "ollama:", "openai-compatible:127.0.0.1:8080", "http://", "http://h/v1#", "a b"],
)
def test_bad_specs_name_the_syntax(spec: str) -> None:
    with pytest.raises(UsageError, match="PROVIDER:MODEL"):
        parse_spec(spec)


def test_spec_round_trips_to_identity() -> None:
    assert str(parse_spec("http://h:1/v1#m")) == "http://h:1/v1#m"
    assert str(parse_spec("ollama:llama3.1")) == "ollama:llama3.1"
    assert LLMJudge("http://h:1/v1#m").identity == "llm:http://h:1/v1#m"


# --- building chat models ----------------------------------------------------------------------


def test_openai_compatible_model_has_bounded_timeout_and_retries() -> None:
    model = chat_model("http://127.0.0.1:9/v1#tiny", timeout=7, max_retries=1)
    assert type(model).__name__ == "ChatOpenAI"
    assert model.request_timeout == 7  # type: ignore[attr-defined]
    assert model.max_retries == 1  # type: ignore[attr-defined]
    assert model.openai_api_base == "http://127.0.0.1:9/v1"  # type: ignore[attr-defined]
    assert model.model_name == "tiny"  # type: ignore[attr-defined]


def test_openai_compatible_never_sends_the_openai_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-real-secret")
    model = chat_model("http://127.0.0.1:9/v1")
    assert model.openai_api_key.get_secret_value() != "sk-real-secret"  # type: ignore[attr-defined]
    monkeypatch.setenv("WORKBENCH_LLM_API_KEY", "local-key")
    model = chat_model("http://127.0.0.1:9/v1")
    assert model.openai_api_key.get_secret_value() == "local-key"  # type: ignore[attr-defined]


def test_provider_model_goes_through_init_chat_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    model = chat_model("openai:gpt-4o-mini", timeout=9, max_retries=0)
    assert type(model).__name__ == "ChatOpenAI"
    assert model.request_timeout == 9  # type: ignore[attr-defined]
    assert model.max_retries == 0  # type: ignore[attr-defined]


def test_missing_provider_package_names_the_pip_install() -> None:
    with pytest.raises(ModelError, match=r"pip install langchain-ollama"):
        chat_model("ollama:llama3.1")


def test_missing_api_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    for spec in ("openai:gpt-4o-mini", "gpt-4o-mini"):
        with pytest.raises(ModelError, match="needs an API key: set OPENAI_API_KEY"):
            chat_model(spec)


@pytest.mark.parametrize("spec", ["nosuchprovider:model-x", "some-local-model"])
def test_unknown_provider_is_a_usage_error(spec: str) -> None:
    with pytest.raises(UsageError, match="PROVIDER:MODEL"):
        chat_model(spec)


def test_ready_chat_model_is_used_as_is() -> None:
    fake = FakeListChatModel(responses=["x"])
    assert chat_model(fake) is fake


# --- parsing replies ---------------------------------------------------------------------------


def test_parse_json_reply_finds_the_object_in_chatter() -> None:
    text = 'Sure! ```json\n{"rationale": "r", "stance": "Refuted", "confidence": 85}\n``` Done.'
    value, error = parse_json_reply(text, StanceAnswer)
    assert error is None and value is not None
    assert (value.stance, value.confidence) == ("refutes", 0.85)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("I think it supports the claim.", "no JSON object"),
        ('{"rationale": "r", "stance": "maybe"}', "stance"),
        ('{"stance": "supports"}', "rationale"),
        ('{"rationale": "r", "stance": "supports"', "no JSON object"),
    ],
)
def test_parse_json_reply_says_why(text: str, reason: str) -> None:
    value, error = parse_json_reply(text, StanceAnswer)
    assert value is None
    assert error is not None and reason in error


def test_probs_from_confidence_and_default() -> None:
    assert stance_probs(Stance.REFUTES, None) == {
        Stance.SUPPORTS: 0.1,
        Stance.REFUTES: DEFAULT_CONFIDENCE,
        Stance.NEUTRAL: 0.1,
    }
    probs = stance_probs(Stance.SUPPORTS, 0.9)
    assert probs[Stance.SUPPORTS] == 0.9 and probs[Stance.NEUTRAL] == pytest.approx(0.05)
    low = stance_probs(Stance.NEUTRAL, 0.1)  # never below the other two
    assert max(low, key=lambda s: low[s]) is Stance.NEUTRAL


# --- the judge ---------------------------------------------------------------------------------


def test_judge_parses_plain_text_json() -> None:
    fake = FakeListChatModel(responses=[answer("supports", confidence=0.9), answer("neutral")])
    judge = LLMJudge(fake)
    assert isinstance(judge, Judge)
    first, second = judge.judge([PAIR, PAIR])
    assert first.stance is Stance.SUPPORTS and first.probs[Stance.SUPPORTS] == 0.9
    assert first.rationale == "The passage says so." and first.error is None
    assert second.stance is Stance.NEUTRAL
    assert second.probs[Stance.NEUTRAL] == DEFAULT_CONFIDENCE
    assert first.judge == judge.identity == "llm:FakeListChatModel"


def test_judge_uses_structured_output_when_the_model_has_tools() -> None:
    fake = ToolCallingFake(responses=[tool_reply({"rationale": "r", "stance": "refutes"})])
    judge = LLMJudge(fake)
    assert judge._ask.structured
    [result] = judge.judge([PAIR])
    assert result.stance is Stance.REFUTES and result.rationale == "r"
    assert fake.calls == 1


def test_structured_model_answering_in_text_is_still_parsed() -> None:
    fake = ToolCallingFake(responses=[AIMessage(content=answer("supports"))])
    [result] = LLMJudge(fake).judge([PAIR])
    assert result.stance is Stance.SUPPORTS


def test_retry_then_success_sends_a_repair_message() -> None:
    fake = RecordingFake(responses=["It supports it.", answer("supports")])
    [result] = LLMJudge(fake, max_attempts=3).judge([PAIR])
    assert result.stance is Stance.SUPPORTS
    assert len(fake.seen) == 2
    retry = fake.seen[1]
    assert retry[-2].content == "It supports it."  # the bad reply, shown back
    assert "could not be used" in str(retry[-1].content)
    assert "no JSON object" in str(retry[-1].content)


def test_bad_tool_arguments_are_retried() -> None:
    fake = ToolCallingFake(
        responses=[
            tool_reply({"rationale": "r", "stance": "perhaps"}),
            tool_reply({"rationale": "r", "stance": "neutral"}),
        ]
    )
    [result] = LLMJudge(fake, max_attempts=2).judge([PAIR])
    assert result.stance is Stance.NEUTRAL
    assert fake.calls == 2


def test_retry_exhaustion_is_unjudged_with_reason_never_neutral() -> None:
    fake = FakeListChatModel(responses=["neutral-ish, I guess", '{"stance": "unclear"}'])
    [result] = LLMJudge(fake, max_attempts=3).judge([PAIR])
    assert result.stance is None and not result.judged
    assert result.probs == {}
    assert result.error is not None
    assert "after 3 attempts" in result.error
    assert "attempt 1: no JSON object" in result.error
    assert "attempt 2: invalid answer" in result.error


def test_max_attempts_is_bounded() -> None:
    fake = ToolCallingFake(responses=[AIMessage(content="nope")])
    [result] = LLMJudge(fake, max_attempts=2).judge([PAIR])
    assert result.stance is None and fake.calls == 2
    with pytest.raises(UsageError):
        LLMJudge(fake, max_attempts=0)


def test_timeout_is_unjudged_and_not_retried() -> None:
    fake = FakeListChatModel(responses=[answer("supports")], sleep=2.0)
    judge = LLMJudge(fake, timeout=0.1, max_attempts=3)
    started = time.monotonic()
    [result] = judge.judge([PAIR])
    assert time.monotonic() - started < 1.5
    assert result.stance is None
    assert result.error is not None and "timed out after 0.1 s" in result.error


def test_client_timeout_error_is_unjudged() -> None:
    fake = RaisingFake(messages=iter([]), error=TimeoutError("read timed out"))
    [result] = LLMJudge(fake).judge([PAIR])
    assert result.stance is None and result.error is not None and "timed out" in result.error


def test_other_model_errors_are_retried_then_unjudged() -> None:
    fake = RaisingFake(messages=iter([]), error=RuntimeError("HTTP 500 from server"))
    [result] = LLMJudge(fake, max_attempts=2).judge([PAIR])
    assert result.stance is None
    assert result.error is not None and "RuntimeError: HTTP 500 from server" in result.error


def test_unreachable_server_raises_a_clear_error() -> None:
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    judge = LLMJudge(f"http://127.0.0.1:{port}/v1#m", max_retries=0, timeout=5)
    with pytest.raises(ModelError, match="Cannot reach the chat model"):
        judge.judge([PAIR])


def test_error_classification() -> None:
    class APITimeoutError(Exception): ...

    class APIConnectionError(Exception): ...

    wrapped = RuntimeError("wrapped")
    wrapped.__cause__ = APIConnectionError("refused")
    assert is_timeout(APITimeoutError()) and not is_timeout(wrapped)
    assert is_connection_error(wrapped) and not is_connection_error(ValueError())


def test_call_with_timeout_passes_values_and_errors() -> None:
    assert call_with_timeout(lambda: 3, 1.0) == 3
    empty: dict[str, int] = {}
    with pytest.raises(KeyError):
        call_with_timeout(lambda: empty["x"], 1.0)


def test_concurrency_keeps_order() -> None:
    replies = {c: answer(s) for c, s in [("a", "supports"), ("b", "refutes"), ("c", "neutral")]}

    class ByClaim(GenericFakeChatModel):
        def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> Any:
            claim = str(messages[-1].content).split("CLAIM: ")[1][0]
            time.sleep({"a": 0.2, "b": 0.0, "c": 0.1}[claim])
            self.messages = iter([replies[claim]])
            return super()._generate(messages, *args, **kwargs)

    judge = LLMJudge(ByClaim(messages=iter([])), concurrency=3)
    results = judge.judge([(c, "passage") for c in "abc"])
    assert [r.stance for r in results] == [Stance.SUPPORTS, Stance.REFUTES, Stance.NEUTRAL]


def test_structured_caller_is_reusable_for_other_schemas() -> None:
    from pydantic import BaseModel

    class Claims(BaseModel):
        claims: list[str]

    fake = FakeListChatModel(responses=['{"claims": ["A is B.", "B is C."]}'])
    reply = StructuredCaller(fake, Claims)([("human", "extract")])
    assert reply.value is not None and reply.value.claims == ["A is B.", "B is C."]
    assert reply.attempts == 1 and reply.error is None


def test_text_method_skips_structured_output() -> None:
    fake = ToolCallingFake(responses=[AIMessage(content=answer("refutes"))])
    judge = LLMJudge(fake, method="text")
    assert not judge._ask.structured
    assert judge.judge([PAIR])[0].stance is Stance.REFUTES


def test_explicit_structured_method_on_a_model_without_tools() -> None:
    with pytest.raises(UsageError, match="method='text'"):
        LLMJudge(FakeListChatModel(responses=["x"]), method="function_calling")


# --- registry and prompts ----------------------------------------------------------------------


def test_registered_as_llm(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "llm" in available_judges()
    with pytest.raises(UsageError, match="set --llm SPEC or WORKBENCH_LLM"):
        get_judge("llm")
    judge = get_judge("llm", spec="http://127.0.0.1:9/v1#m")
    assert judge.identity == "llm:http://127.0.0.1:9/v1#m"
    model: BaseChatModel = FakeListChatModel(responses=[answer("supports")])
    assert get_judge("llm", model=model).judge([PAIR])[0].stance is Stance.SUPPORTS
    monkeypatch.setenv("WORKBENCH_LLM", "http://127.0.0.1:9/v1#from-env")
    assert get_judge("llm").identity == "llm:http://127.0.0.1:9/v1#from-env"


def test_prompt_must_take_claim_and_passage() -> None:
    with pytest.raises(UsageError, match="claim and passage"):
        LLMJudge(FakeListChatModel(responses=["x"]), prompt="extract_claims")
    with pytest.raises(UsageError, match="No prompt 'nope'"):
        LLMJudge(FakeListChatModel(responses=["x"]), prompt="nope")


def test_judge_prompt_carries_claim_and_passage() -> None:
    fake = RecordingFake(responses=[answer("supports")])
    LLMJudge(fake).judge([("CLAIM-X", "PASSAGE-Y")])
    [messages] = fake.seen
    assert messages[0].type == "system" and "supports" in str(messages[0].content)
    assert "CLAIM-X" in str(messages[-1].content) and "PASSAGE-Y" in str(messages[-1].content)


def test_errors_are_workbench_errors() -> None:
    assert issubclass(ModelError, WorkbenchError) and issubclass(UsageError, WorkbenchError)
    assert isinstance(parse_spec("ollama:x"), LLMSpec)


# --- the server fixture's skip rule ------------------------------------------------------------


def test_server_fixture_fails_in_ci_when_packages_are_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib.util

    import llm_server

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must install them"):
        llm_server.require_server_deps()
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="pip install"):
        llm_server.require_server_deps()


def test_auto_asks_other_openai_compatible_servers_for_tool_calling(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from langchain_openai import ChatOpenAI

    seen: list[dict[str, Any]] = []
    original = ChatOpenAI.with_structured_output

    def spy(self: Any, schema: Any, **kwargs: Any) -> Any:
        seen.append(kwargs)
        return original(self, schema, **kwargs)

    monkeypatch.setattr(ChatOpenAI, "with_structured_output", spy)
    StructuredCaller(chat_model("http://127.0.0.1:9/v1"), StanceAnswer)
    assert seen[-1]["method"] == "function_calling"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    StructuredCaller(chat_model("openai:gpt-4o-mini"), StanceAnswer)
    assert "method" not in seen[-1]  # OpenAI itself: LangChain's default (json_schema)


class ToolsRejectedFake(FakeListChatModel):
    """Plain text works, but a request with tools fails (a server without tool calling)."""

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Any:
        def fail(_: Any) -> Any:
            raise RuntimeError("400: tools are not supported by this server")

        from langchain_core.runnables import RunnableLambda

        return RunnableLambda(fail)


def test_structured_failure_falls_back_to_text_without_using_an_attempt() -> None:
    fake = ToolsRejectedFake(responses=[answer("refutes"), answer("neutral")])
    judge = LLMJudge(fake, max_attempts=1)
    assert judge._ask.structured
    first, second = judge.judge([PAIR, PAIR])
    assert first.stance is Stance.REFUTES and second.stance is Stance.NEUTRAL
    assert not judge._ask.structured  # sticky: later pairs go straight to text


def test_rejected_key_or_model_raises() -> None:
    class AuthenticationError(Exception): ...

    fake = RaisingFake(messages=iter([]), error=AuthenticationError("401 invalid api key"))
    with pytest.raises(ModelError, match="refused the request.*Check its API key"):
        LLMJudge(fake).judge([PAIR])
