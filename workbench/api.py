"""The Python API: one object over a store, used by scripts, the CLI and the TUI alike.

from workbench import Workbench

with Workbench.open("store") as wb:
    result = wb.verify("The US voted against a UN resolution on Ukraine.")
    print(result.verdict, result.confidence)
    for e in result.supporting:
        print(e.score, e.passage.source_name, e.passage.text)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import StoreError
from workbench.judges.base import Judge, get_judge
from workbench.settings import Settings, load_settings
from workbench.store import Store
from workbench.types import Claim, ClaimOrigin, VerificationResult
from workbench.verdict_log import VerdictLog
from workbench.verify import Verifier, make_claim

if TYPE_CHECKING:
    from workbench.extract.pipeline import ExtractionReport
    from workbench.ingest.pipeline import IngestReport
    from workbench.retrieval import Hit


class Workbench:
    """A store plus the configured judge; verification results are saved to the claim queue."""

    def __init__(
        self,
        store: Store,
        *,
        judge: Judge | str | None = None,
        llm: Any = None,
        settings: Settings | None = None,
        top_k: int | None = None,
    ) -> None:
        self.store = store
        self.settings = settings or load_settings()
        self._judge_spec = judge
        self._llm = llm if llm is not None else self.settings.llm
        self._judge: Judge | None = judge if isinstance(judge, Judge) else None
        self.top_k = top_k or self.settings.top_k
        self.log = VerdictLog(store)
        self._verifier: Verifier | None = None

    @classmethod
    def open(
        cls,
        store: str | Path | None = None,
        *,
        create: bool = False,
        judge: Judge | str | None = None,
        llm: Any = None,
        top_k: int | None = None,
    ) -> Workbench:
        """Open a store (``store/`` or $WORKBENCH_STORE by default)."""
        settings = load_settings()
        path = Path(store) if store is not None else settings.store
        return cls(
            Store.open(path, create=create), judge=judge, llm=llm, settings=settings, top_k=top_k
        )

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Workbench:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- components ----------------------------------------------------------------------
    @property
    def judge(self) -> Judge:
        if self._judge is None:
            name = self._judge_spec if isinstance(self._judge_spec, str) else self.settings.judge
            options: dict[str, Any] = {}
            if name == "llm":
                if isinstance(self._llm, str) or self._llm is None:
                    options["spec"] = self._llm
                else:
                    options["model"] = self._llm
            self._judge = get_judge(name, **options)
        return self._judge

    @property
    def verifier(self) -> Verifier:
        if self._verifier is None:
            if self.store.passage_count() == 0:
                raise StoreError(
                    f"The store {self.store.path} holds no passages — run "
                    f"`workbench ingest PATH --store {self.store.path}` first"
                )
            self._verifier = Verifier(self.store, self.judge, top_k=self.top_k)
        return self._verifier

    # -- corpus --------------------------------------------------------------------------
    def ingest(self, paths: Sequence[str | Path], **options: Any) -> IngestReport:
        from workbench.ingest.pipeline import ingest

        self._verifier = None
        return ingest(self.store, paths, self.store.embedder(), **options)

    def search(self, text: str, k: int = 10) -> list[Hit]:
        from workbench.retrieval import Retriever

        return Retriever(self.store).search(text, k=k)

    # -- verification --------------------------------------------------------------------
    def verify(self, claim: str | Claim, *, save: bool = True) -> VerificationResult:
        """Verify one claim; by default the claim and the suggestion join the claim queue."""
        return next(self.verify_many([claim], save=save))

    def verify_many(
        self,
        claims: Iterable[str | Claim],
        *,
        save: bool = True,
        origin: ClaimOrigin = ClaimOrigin.TYPED,
        origin_file: str | None = None,
    ) -> Iterator[VerificationResult]:
        """Verify claims in batches, yielding each result (and saving it) as it is done."""

        def prepared() -> Iterator[Claim]:
            for c in claims:
                yield c if isinstance(c, Claim) else make_claim(c, origin=origin)

        for result in self.verifier.verify_many(prepared()):
            if save:
                self.log.add_claim(
                    result.claim.text,
                    result.claim.origin,
                    id=result.claim.id,
                    appearances=result.claim.appearances,
                    origin_file=origin_file,
                )
                self.log.add_suggestion(result)
            yield result

    def extract_claims(self, *, llm: Any = None, limit: int | None = None) -> ExtractionReport:
        """Find check-worthy claims in the documents and queue them (see docs/extraction.md)."""
        from workbench.extract.pipeline import extract_claims

        return extract_claims(self.store, llm=llm, limit=limit)

    def pending_claims(self) -> list[Claim]:
        """Claims in the queue with no human verdict yet (e.g. extracted ones)."""
        records = self.log.claims("pending")
        return [
            Claim(
                id=r.id, text=r.text, origin=ClaimOrigin(r.origin), appearances=tuple(r.appearances)
            )
            for r in records
        ]
