"""Registers the built-in judges; each factory imports its backend only when called."""

from __future__ import annotations

from typing import Any

from workbench.judges.base import Judge, register_judge


def _fake(**options: Any) -> Judge:
    from workbench.judges.fake import FakeJudge

    return FakeJudge(**options)


register_judge("fake", _fake)


def _nli(**options: Any) -> Judge:
    from workbench.judges.nli import NLIJudge

    return NLIJudge(**options)


register_judge("nli", _nli)
