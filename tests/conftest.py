"""Test isolation: no test sees the user's config, store or model caches."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "corpus"
SHARED = ROOT.parent / "shared"


@pytest.fixture(autouse=True)
def _hermetic(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    for var in ("WORKBENCH_STORE", "WORKBENCH_ANNOTATOR", "WORKBENCH_JUDGE", "WORKBENCH_LLM"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture()
def samples() -> Path:
    return SAMPLES


def shared_path(*parts: str) -> Path:
    return SHARED.joinpath(*parts)


os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
