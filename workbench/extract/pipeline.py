"""Find the claims in a store: sentences → check-worthiness → decontextualise → cluster → queue.

``extract_claims(store)`` scans every document's sentences (skipping what cleaning
dropped), scores each for check-worthiness, rewrites it to stand alone where that is
safe, groups restatements within and across documents, and adds one claim per cluster to
the claim queue (``VerdictLog.add_claim``, origin ``extracted``) with every appearance's
exact offsets and the check-worthiness as its score. With ``llm``, each selected
sentence is handed to a chat model for atomic claims, grounded against the sentence.
Running it again adds nothing new: claim ids are content hashes and appearances merge.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from workbench.embedding import Embedder
from workbench.errors import StoreError, UsageError
from workbench.extract.cluster import DEFAULT_THRESHOLD, cluster_texts, representative
from workbench.extract.decontext import People, decontextualise
from workbench.extract.sentences import Sentence, document_sentences
from workbench.extract.worthiness import score as worthiness
from workbench.store import Store
from workbench.types import Appearance, Claim, ClaimOrigin, claim_id

MIN_SCORE = 0.7  # recall ≈ 0.8 on the labelled sample corpus; see docs/extraction.md
CONTEXT_SENTENCES = 2


@dataclass(frozen=True)
class Candidate:
    """A scanned sentence with its claim text (decontextualised) and check-worthiness."""

    sentence: Sentence
    text: str
    score: float
    context: str
    note: str = ""

    @property
    def appearance(self) -> Appearance:
        s = self.sentence
        return Appearance(s.source, s.start, s.end, s.doc_id)


@dataclass
class ExtractionReport:
    """What one extraction run did; ``claims`` are the claims written, best first."""

    documents: int = 0
    sentences: int = 0  # sentences scanned (repeated copies not counted)
    repeats: int = 0  # sentences inside paragraphs cleaning dropped as repeats
    candidates: int = 0  # sentences at or above the check-worthiness cut
    clusters: int = 0  # clusters holding a candidate
    merged: int = 0  # clusters with more than one appearance
    claims_added: int = 0  # claims new to the queue
    claims_known: int = 0  # claims already queued (appearances merged)
    decontextualised: int = 0  # candidates whose text was rewritten
    llm: str | None = None
    llm_claims: int = 0
    llm_dropped: int = 0  # model claims dropped as ungrounded
    llm_errors: int = 0
    llm_fallbacks: int = 0  # sentences queued as they are after a failed or empty model reply
    seconds: float = 0.0
    claims: list[Claim] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # ungrounded model claims, for review

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k not in ("claims", "dropped")}
        out["dropped"] = list(self.dropped)
        out["claims"] = [
            {
                "id": c.id,
                "text": c.text,
                "appearances": [
                    {"source": a.source, "start": a.start, "end": a.end, "doc_id": a.doc_id}
                    for a in c.appearances
                ],
            }
            for c in self.claims
        ]
        return out


def scan(store: Store) -> tuple[list[Candidate], int]:
    """Every kept sentence of every document as a candidate (scored, decontextualised)."""
    out: list[Candidate] = []
    docs = store.documents()
    for doc in docs:
        people = People(doc.text)
        history: list[str] = []
        for sentence in document_sentences(doc, store.cleaning(doc.id)):
            context = history[-CONTEXT_SENTENCES:]
            result = decontextualise(sentence.text, context, people=people)
            out.append(
                Candidate(
                    sentence, result.text, worthiness(sentence.text), " ".join(context), result.note
                )
            )
            if not sentence.repeated:
                history.append(sentence.text)
    return out, len(docs)


def extract_claims(
    store: Store,
    *,
    llm: Any = None,
    limit: int | None = None,
    min_score: float = MIN_SCORE,
    threshold: float = DEFAULT_THRESHOLD,
    embedder: Embedder | None = None,
    dry_run: bool = False,
    on_progress: Callable[[str], None] | None = None,
) -> ExtractionReport:
    """Find check-worthy claims in ``store`` and add them to its claim queue.

    ``llm``: a chat model spec, a LangChain chat model, or an ``LLMExtractor``; ``limit``:
    at most this many clusters (the most check-worthy) become claims; ``embedder``: the
    model for near-duplicate clustering (default: the store's own). ``dry_run`` writes
    nothing.
    """
    if limit is not None and limit < 1:
        raise UsageError("--limit must be at least 1")
    if not 0.0 <= min_score < 1.0:
        raise UsageError("min_score must lie in [0, 1)")
    started = time.perf_counter()
    report = ExtractionReport()
    say = on_progress or (lambda _msg: None)

    candidates, report.documents = scan(store)
    if report.documents == 0:
        raise StoreError(
            f"The store at {store.path} holds no documents — run "
            f"`workbench ingest PATH --store {store.path}` first"
        )
    report.sentences = sum(1 for c in candidates if not c.sentence.repeated)
    report.repeats = len(candidates) - report.sentences
    anchors = [c.score >= min_score and not c.sentence.repeated for c in candidates]
    report.candidates = sum(anchors)
    report.decontextualised = sum(
        1 for c, a in zip(candidates, anchors, strict=True) if a and c.text != c.sentence.text
    )
    say(f"{report.sentences} sentences, {report.candidates} candidates; clustering")

    model = embedder or store.embedder()
    clustering = cluster_texts(
        [c.text for c in candidates], model, anchors=anchors, threshold=threshold
    )
    scores = [c.score for c in candidates]
    groups = []
    for members in clustering.clusters:
        rep = representative(members, scores, anchors)
        groups.append((rep, members))
    groups.sort(key=lambda g: (-scores[g[0]], g[0]))
    report.clusters = len(groups)
    report.merged = sum(1 for _, m in groups if len(m) > 1)
    if limit is not None:
        groups = groups[:limit]

    extractor = _extractor(llm)
    if extractor is not None:
        report.llm = extractor.label

    planned: dict[str, tuple[str, float, list[Appearance]]] = {}
    for rep, members in groups:
        best = candidates[rep]
        appearances = _unique([candidates[i].appearance for i in members])
        texts = [best.text]
        if extractor is not None:
            say(f"asking {report.llm} about: {best.sentence.text[:60]}")
            got = extractor.extract(best.sentence.text, best.context)
            report.llm_claims += len(got.kept)
            report.llm_dropped += len(got.dropped)
            report.dropped.extend(text for text, _ in got.dropped)
            if got.error:
                report.llm_errors += 1
            if got.kept:
                texts = list(got.kept)
            else:
                report.llm_fallbacks += 1
        for text in texts:
            cid = claim_id(text)
            if cid in planned:
                old_text, old_score, old_apps = planned[cid]
                planned[cid] = (
                    old_text,
                    max(old_score, best.score),
                    _unique([*old_apps, *appearances]),
                )
            else:
                planned[cid] = (text, best.score, appearances)

    if not dry_run:
        from workbench.verdict_log import VerdictLog

        log = VerdictLog(store)
        for cid, (text, score, appearances) in planned.items():
            known = log.claim(cid) is not None
            claim = log.add_claim(
                text, ClaimOrigin.EXTRACTED, id=cid, appearances=appearances, score=round(score, 4)
            )
            report.claims.append(claim)
            report.claims_known += known
            report.claims_added += not known
    else:
        report.claims = [
            Claim(cid, text, ClaimOrigin.EXTRACTED, tuple(apps))
            for cid, (text, _, apps) in planned.items()
        ]
    report.seconds = time.perf_counter() - started
    return report


def _unique(appearances: list[Appearance]) -> list[Appearance]:
    seen: set[tuple[str, int, int]] = set()
    out = []
    for a in sorted(appearances, key=lambda a: (a.source, a.start)):
        key = (a.source, a.start, a.end)
        if key not in seen:
            seen.add(key)
            out.append(a)
    return out


def _extractor(llm: Any) -> Any:
    if llm is None:
        return None
    from workbench.extract.llm_extract import LLMExtractor

    return llm if isinstance(llm, LLMExtractor) else LLMExtractor(llm)
