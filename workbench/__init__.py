"""Claim-verification workbench: ingest a corpus, find evidence for and against claims,
record human verdicts. ``from workbench import Workbench`` is the Python API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Workbench"]

if TYPE_CHECKING:
    from workbench.api import Workbench


def __getattr__(name: str) -> Any:
    # Lazy, so `import workbench` stays cheap (the TUI and CLI start fast).
    if name == "Workbench":
        from workbench.api import Workbench

        return Workbench
    raise AttributeError(name)
