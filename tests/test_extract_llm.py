"""The LLM path of claim extraction: fake chat models, the grounding filter, a real local server."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from workbench.extract.llm_extract import LLMExtractor, grounding
from workbench.extract.pipeline import extract_claims
from workbench.verdict_log import VerdictLog

try:  # the real llama.cpp server fixture (tests/llm_server.py)
    from llm_server import llm_server  # noqa: F401  (the fixture)
except ImportError:
    if os.environ.get("CI") == "true":
        raise

    @pytest.fixture()
    def llm_server() -> Any:
        pytest.skip("tests/llm_server.py is not importable")


SENTENCE = (
    "“The most important thing for Putin is NATO and these firm guarantees that Ukraine "
    "will not join NATO,” she explained."
)
CONTEXT = (
    "Tatiana Stanovaya, a senior fellow at the Carnegie Russia Eurasia Center, said Putin "
    "is more concerned about Ukraine’s political and military alignment than about "
    "physical borders."
)
GROUNDED = "Tatiana Stanovaya said that NATO is the most important thing for Putin."
INVENTED = "Putin resigned from office in 2024."


class EchoModel(BaseChatModel):
    """A fake chat model: returns the sentence it was given plus one invented claim."""

    invented: str = "Aliens landed in Moscow in 1999."
    calls: int = 0

    @property
    def _llm_type(self) -> str:
        return "echo"

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        self.calls += 1
        prompt = str(messages[-1].content)
        sentence = prompt.split("SENTENCE:", 1)[1].strip()
        reply = json.dumps({"claims": [sentence, self.invented]})
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=reply))])


@pytest.fixture()
def store(tmp_path):
    from test_extract import build_store

    st = build_store(tmp_path / "store")
    yield st
    st.close()


def test_grounding_filter_drops_an_invented_claim():
    model = FakeListChatModel(responses=[json.dumps({"claims": [GROUNDED, INVENTED]})])
    got = LLMExtractor(model).extract(SENTENCE, CONTEXT)
    assert got.error is None
    assert got.kept == (GROUNDED,)
    assert [text for text, _ in got.dropped] == [INVENTED]
    why = got.dropped[0][1]
    assert why.unsupported_numbers == ("2024",) and why.support < 0.5


def test_grounding_measures():
    assert grounding(GROUNDED, SENTENCE, CONTEXT).ok()
    # Words only from the context: grounded overall, but not a claim of this sentence.
    context_only = grounding(
        "Stanovaya is a senior fellow at the Carnegie Russia Eurasia Center.", SENTENCE, CONTEXT
    )
    assert context_only.support == 1.0 and not context_only.ok()
    # A changed number is never grounded.
    assert not grounding("Ukraine will not join NATO before 2030.", SENTENCE, CONTEXT).ok()


def test_filter_dedupes_and_skips_fragments():
    got = LLMExtractor(FakeListChatModel(responses=["{}"])).filter(
        [GROUNDED, GROUNDED.upper(), "NATO.", "", 42],
        SENTENCE,
        CONTEXT,  # type: ignore[list-item]
    )
    assert got.kept == (GROUNDED,)


def test_unparseable_reply_is_an_error_not_a_crash():
    model = FakeListChatModel(responses=["Sure! Here are some claims: Putin, NATO."])
    got = LLMExtractor(model, max_attempts=2).extract(SENTENCE, CONTEXT)
    assert got.kept == () and got.error and "JSON" in got.error


def test_pipeline_with_a_fake_model_keeps_provenance_and_drops_inventions(store):
    model = EchoModel()
    report = extract_claims(store, llm=model, limit=6)
    assert model.calls == 6
    assert report.llm == "EchoModel"
    assert report.llm_dropped == 6 and all("Aliens" in d for d in report.dropped)
    assert report.llm_claims == 6 and report.llm_fallbacks == 0
    queued = VerdictLog(store).claims("all")
    assert len(queued) == len(report.claims) == 6
    assert not any("Aliens" in c.text for c in queued)
    docs = {d.id: d.text for d in store.documents()}
    for claim in queued:
        assert claim.appearances
        quoted = [docs[a.doc_id][a.start : a.end] for a in claim.appearances]
        assert claim.text in quoted  # the echo model returns the source sentence itself


def test_pipeline_falls_back_to_the_sentence_when_the_model_fails(store):
    model = FakeListChatModel(responses=["no json here"])
    report = extract_claims(store, llm=LLMExtractor(model, max_attempts=1), limit=2)
    assert report.llm_errors == 2 and report.llm_fallbacks == 2
    assert report.claims_added == 2


@pytest.mark.llm_server
def test_real_local_server_extracts_grounded_claims(llm_server, tmp_path):
    """SmolLM2-135M through the OpenAI-compatible llama.cpp server: the path works end to end."""
    from test_extract import build_store

    with build_store(tmp_path / "store") as st:
        extractor = LLMExtractor(llm_server.spec, timeout=120, max_attempts=1)
        report = extract_claims(st, llm=extractor, limit=2)
        assert report.llm and "smollm2" in report.llm
        assert report.claims, "something is queued: the model's claims or the sentences"
        for text in report.dropped:
            assert text not in {c.text for c in report.claims}
        docs = {d.id: d.text for d in st.documents()}
        for claim in report.claims:
            sources = [docs[a.doc_id][a.start : a.end] for a in claim.appearances]
            assert sources and all(sources)
            # Whatever the small model said, only claims grounded in their sentence got in.
            assert max(grounding(claim.text, s).in_sentence for s in sources) >= 0.4
