"""Acceptance tests on the real sample corpus with the real embedding model and the shipped
stance judge (issue 4's examples, and the dev set's targets)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import shared_path

from workbench.api import Workbench
from workbench.cli import main
from workbench.embedding import get_embedder
from workbench.ingest.pipeline import ingest
from workbench.store import Store
from workbench.types import VerdictLabel

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real_store(tmp_path_factory):
    from pathlib import Path

    path = tmp_path_factory.mktemp("real") / "store"
    samples = Path(__file__).resolve().parent.parent / "samples" / "corpus"
    with Store.open(path, create=True) as st:
        ingest(st, [samples], get_embedder())
    return path


@pytest.fixture(scope="module")
def wb(real_store):
    with Workbench(Store.open(real_store), judge="nli") as w:
        yield w


def test_un_vote_is_supported_by_seed_004(wb):
    result = wb.verify(
        "The United States voted against a UN resolution condemning Russian aggression in Ukraine.",
        save=False,
    )
    assert result.supporting, result
    top = result.supporting[0]
    assert top.passage.source_name.startswith("004")
    assert "voted against a resolution" in top.passage.text
    assert result.verdict is VerdictLabel.SUPPORTED


def test_military_superiority_is_contradicted_by_seed_001_and_000(wb):
    result = wb.verify("Russia has achieved clear military superiority over Ukraine.", save=False)
    sources = {e.passage.source_name[:3] for e in result.refuting}
    sources |= {d.source_name[:3] for e in result.refuting for d in e.duplicates}
    assert {"000", "001"} <= sources, [
        (e.passage.source_name, e.passage.text) for e in result.refuting
    ]
    assert result.verdict is VerdictLabel.REFUTED


def test_unrelated_claim_is_not_enough_info(wb):
    result = wb.verify("The Pope hosted negotiations between Russia and Ukraine.", save=False)
    assert result.verdict is VerdictLabel.NOT_ENOUGH_INFO


def test_dev_set_targets(real_store):
    gold = shared_path("eval", "seed_dev_claims.jsonl")
    if not gold.exists():
        pytest.skip("../shared/eval is not beside the project")
    result = CliRunner().invoke(
        main, ["eval", "--gold", str(gold), "--store", str(real_store), "--json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["recall@5"] >= 0.95
    assert report["accuracy"] >= 0.9
