"""Verify claims: retrieve candidate passages, judge their stance, split and rank the evidence,
suggest a verdict. Batch verification embeds and judges many claims at a time."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from workbench.errors import InputError
from workbench.judges.base import Judge
from workbench.retrieval import Hit, Retriever
from workbench.stance_rules import adjust, signals
from workbench.store import Store
from workbench.types import (
    Claim,
    ClaimOrigin,
    Evidence,
    Stance,
    StanceJudgement,
    VerificationResult,
    claim_id,
    normalise_claim,
)
from workbench.verdicts import AggregationRule, suggest_verdict

MAX_CLAIM_CHARS = 2000
BATCH_CLAIMS = 16


def make_claim(
    text: str, *, id: str | None = None, origin: ClaimOrigin = ClaimOrigin.TYPED
) -> Claim:
    """Validate and normalise a claim's text."""
    clean = normalise_claim(text)
    if not clean:
        raise InputError("The claim is empty; give a sentence to check")
    if len(clean) > MAX_CLAIM_CHARS:
        raise InputError(
            f"The claim is {len(clean):,} characters, over the {MAX_CLAIM_CHARS:,} limit; "
            "give one checkable sentence (split long text into claims, or use `workbench extract`)"
        )
    return Claim(id=id or claim_id(clean), text=clean, origin=origin)


def _rank_key(e: Evidence) -> float:
    return e.score + 0.1 * e.relevance


@dataclass
class Verifier:
    """Retrieval + judge + aggregation over one store.

    Example: ``Verifier(store, get_judge("nli")).verify(make_claim("…"))``.
    """

    store: Store
    judge: Judge
    top_k: int = 10
    rule: AggregationRule = AggregationRule()
    lexical_checks: bool = True  # see workbench/stance_rules.py

    def __post_init__(self) -> None:
        self.retriever = Retriever(self.store)
        self._doc_text: dict[str, str] = {}

    def _document_text(self, doc_id: str) -> str:
        if doc_id not in self._doc_text:
            doc = self.store.document(doc_id)
            self._doc_text[doc_id] = doc.text if doc is not None else ""
        return self._doc_text[doc_id]

    def verify(self, claim: Claim) -> VerificationResult:
        return next(self.verify_many([claim]))

    def verify_many(self, claims: Iterable[Claim]) -> Iterator[VerificationResult]:
        """Verify in batches (one embedding call and one judge call per batch), in order."""
        batch: list[Claim] = []
        for claim in claims:
            batch.append(claim)
            if len(batch) >= BATCH_CLAIMS:
                yield from self._batch(batch)
                batch = []
        if batch:
            yield from self._batch(batch)

    def _batch(self, claims: Sequence[Claim]) -> list[VerificationResult]:
        vectors = self.store.embedder().embed([c.text for c in claims])
        hits = [
            self.retriever.search(c.text, k=self.top_k, exclude=c.appearances, query_vector=v)
            for c, v in zip(claims, vectors, strict=True)
        ]
        pairs = [(c.text, h.passage.text) for c, hs in zip(claims, hits, strict=True) for h in hs]
        judgements = self.judge.judge(pairs) if pairs else []
        results = []
        offset = 0
        for claim, claim_hits in zip(claims, hits, strict=True):
            n = len(claim_hits)
            results.append(self._result(claim, claim_hits, judgements[offset : offset + n]))
            offset += n
        return results

    def _result(
        self, claim: Claim, hits: Sequence[Hit], judgements: Sequence[StanceJudgement]
    ) -> VerificationResult:
        evidence: list[Evidence] = []
        unjudged: list[str] = []
        for hit, j in zip(hits, judgements, strict=True):
            if j.stance is None:
                unjudged.append(f"{hit.passage.id}: {j.error or 'not judged'}")
                continue
            if self.lexical_checks:
                sig = signals(claim.text, hit.passage.text, self._document_text(hit.passage.doc_id))
                j = adjust(j, sig)
            stance = j.stance or Stance.NEUTRAL  # adjust keeps a judged pair judged
            evidence.append(
                Evidence(
                    passage=hit.passage,
                    stance=stance,
                    score=float(j.probs.get(stance, 0.0)),
                    relevance=hit.relevance,
                    judgement=j,
                    duplicates=hit.duplicates,
                )
            )
        verdict, confidence = suggest_verdict(evidence, self.rule)
        by = {
            s: sorted((e for e in evidence if e.stance is s), key=_rank_key, reverse=True)
            for s in Stance
        }
        by[Stance.NEUTRAL] = sorted(by[Stance.NEUTRAL], key=lambda e: -e.relevance)
        return VerificationResult(
            claim=claim,
            verdict=verdict,
            confidence=confidence,
            supporting=tuple(by[Stance.SUPPORTS]),
            refuting=tuple(by[Stance.REFUTES]),
            neutral=tuple(by[Stance.NEUTRAL]),
            judge=self.judge.identity + ("+lexical-v1" if self.lexical_checks else ""),
            unjudged=tuple(unjudged),
        )


def result_record(result: VerificationResult) -> dict[str, object]:
    """The JSONL record of the CLI contract (field names are fixed: other tools read them)."""
    return {
        "id": result.claim.id,
        "claim": result.claim.text,
        "verdict": result.verdict.value,
        "confidence": round(result.confidence, 4),
        "evidence": [
            {
                "passage_id": e.passage.id,
                "source": e.passage.source_name,
                "text": e.passage.text,
                "start": e.passage.start,
                "end": e.passage.end,
                "stance": e.stance.value,
                "score": round(e.score, 4),
            }
            for e in result.evidence
        ],
    }
