"""Layout snapshots of the TUI (pytest-textual-snapshot): narrow and wide triage screens, the
document viewer, the help screen. Update with `pytest tests/test_tui_snapshots.py --snapshot-update`
after a deliberate change, and look at the SVGs before committing them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from workbench.api import Workbench
from workbench.embedding import HashEmbedder
from workbench.ingest.pipeline import ingest
from workbench.judges.base import get_judge
from workbench.settings import Settings
from workbench.store import Store
from workbench.tui.app import WorkbenchApp

ROOT = Path(__file__).resolve().parent.parent
CLAIMS = [
    line.strip()
    for line in (ROOT / "samples" / "claims.txt").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("snap") / "store"
    # Sources are stored as absolute paths and the viewer shows them: ingest from a fixed
    # place so the snapshots do not depend on where the checkout lives.
    corpus = Path("/tmp/workbench-snapshot-corpus")
    shutil.rmtree(corpus, ignore_errors=True)
    shutil.copytree(ROOT / "samples" / "corpus", corpus)
    with Store.open(path, create=True) as store:
        ingest(store, [corpus], HashEmbedder(64))
        wb = Workbench(store, judge=get_judge("fake"), settings=Settings())
        for claim in CLAIMS:
            wb.verify(claim)
    return path


@pytest.fixture()
def app(template: Path, tmp_path: Path) -> WorkbenchApp:
    path = tmp_path / "store"
    shutil.copytree(template, path)
    store = Store.open(path)
    app = WorkbenchApp(store, annotator="tester", judge="fake", settings=Settings())
    app.sub_title = "store · tester"  # the real path changes from run to run
    yield app
    store.close()


def test_triage_narrow(app, snap_compare) -> None:
    assert snap_compare(app, terminal_size=(80, 24))


def test_triage_wide_after_deciding(app, snap_compare) -> None:
    async def decide(pilot) -> None:
        await pilot.press("enter", "space", "s", "j")
        await pilot.pause()
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, terminal_size=(200, 50), run_before=decide)


def test_document_viewer(app, snap_compare) -> None:
    async def open_doc(pilot) -> None:
        await pilot.press("j", "enter", "enter")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_doc)


def test_help_screen(app, snap_compare) -> None:
    async def help_(pilot) -> None:
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(100, 40), run_before=help_)
