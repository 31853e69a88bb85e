"""The Judge protocol and the name → factory registry.

A judge takes a batch of (claim, passage) pairs and returns one ``StanceJudgement`` per
pair, in order. ``identity`` names the judge precisely (name plus weights hash or model
spec) and is recorded with every judgement.

Factories are registered by name and import their heavy dependencies lazily, so that
listing judges costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

from workbench.errors import UsageError
from workbench.types import StanceJudgement


@runtime_checkable
class Judge(Protocol):
    """Judges the stance of passages towards claims."""

    name: str

    @property
    def identity(self) -> str: ...

    def judge(self, pairs: Sequence[tuple[str, str]]) -> list[StanceJudgement]:
        """Judge (claim, passage) pairs; one result per pair, in input order."""
        ...


JudgeFactory = Callable[..., Judge]
_REGISTRY: dict[str, JudgeFactory] = {}


def register_judge(name: str, factory: JudgeFactory) -> None:
    _REGISTRY[name] = factory


def available_judges() -> list[str]:
    _load_builtin()
    return sorted(_REGISTRY)


def get_judge(name: str, **options: Any) -> Judge:
    """Build a judge by name: ``nli`` (default), ``nli-permissive``, ``llm`` (needs ``spec=``),
    ``fake`` (tests)."""
    _load_builtin()
    try:
        factory = _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise UsageError(f"Unknown judge '{name}'; choose one of: {known}") from None
    return factory(**options)


def _load_builtin() -> None:
    if _REGISTRY:
        return
    from workbench.judges import registry  # noqa: F401  (registers the built-in judges)
