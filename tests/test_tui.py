"""The TUI driven by key presses (App.run_test + Pilot) on a real store: ingested sample
corpus (hash embedder), claims verified by the fake judge, verdicts read back from the log."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.api import Workbench
from workbench.embedding import HashEmbedder
from workbench.ingest.pipeline import ingest
from workbench.judges.base import get_judge
from workbench.settings import Settings
from workbench.store import Store
from workbench.tui import queue as q
from workbench.tui.app import WorkbenchApp
from workbench.tui.screens.document import DocumentScreen
from workbench.tui.screens.help import HelpScreen, binding_ids
from workbench.tui.screens.main import MainScreen
from workbench.tui.widgets.claim_queue import ClaimQueue
from workbench.tui.widgets.evidence import EvidenceItem, EvidenceList, EvidencePanel
from workbench.verdict_log import VerdictLog

ROOT = Path(__file__).resolve().parent.parent
CLAIMS = [
    line.strip()
    for line in (ROOT / "samples" / "claims.txt").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
]
WHO = "tester"


@pytest.fixture(scope="session")
def template_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample corpus ingested once, with the sample claims verified by the fake judge."""
    path = tmp_path_factory.mktemp("tui") / "store"
    with Store.open(path, create=True) as store:
        ingest(store, [ROOT / "samples" / "corpus"], HashEmbedder(64))
        wb = Workbench(store, judge=get_judge("fake"), settings=Settings())
        for claim in CLAIMS:
            wb.verify(claim)
    return path


@pytest.fixture()
def store_path(template_store: Path, tmp_path: Path) -> Path:
    path = tmp_path / "store"
    shutil.copytree(template_store, path)
    return path


@pytest.fixture()
def store(store_path: Path) -> Store:
    s = Store.open(store_path)
    yield s
    s.close()


def make_app(store: Store, **settings: object) -> WorkbenchApp:
    return WorkbenchApp(store, annotator=WHO, judge="fake", settings=Settings(**settings))


def fresh_log(store: Store) -> VerdictLog:
    """A second connection: sees only what was committed."""
    return VerdictLog(Store.open(store.path))


def queue(app: WorkbenchApp) -> ClaimQueue:
    return app.screen.query_one(ClaimQueue)


def current(app: WorkbenchApp):
    return queue(app).current


async def test_opens_on_the_queue_at_the_first_pending_claim(store: Store) -> None:
    app = make_app(store)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert [r.text for r in queue(app).records] == CLAIMS
        assert current(app).text == CLAIMS[0]
        assert app.focused is queue(app)


async def test_j_k_and_arrows_move_through_claims(store: Store) -> None:
    app = make_app(store)
    async with app.run_test() as pilot:
        await pilot.press("j", "j")
        assert current(app).text == CLAIMS[2]
        await pilot.press("k")
        assert current(app).text == CLAIMS[1]
        await pilot.press("down", "down")
        assert current(app).text == CLAIMS[3]
        await pilot.press("up")
        assert current(app).text == CLAIMS[2]


async def test_verdict_keys_record_and_move_to_the_next_pending_claim(store: Store) -> None:
    app = make_app(store)
    async with app.run_test() as pilot:
        shown = {r.id: r.suggestion.id for r in queue(app).records}
        await pilot.press("s", "r", "c", "n")
        await pilot.pause()
        assert current(app).text == CLAIMS[4]
    decided = fresh_log(store).claims("decided", annotator=WHO)
    assert [(r.text, r.verdict.value) for r in decided] == [
        (CLAIMS[0], "supported"),
        (CLAIMS[1], "refuted"),
        (CLAIMS[2], "conflicting"),
        (CLAIMS[3], "not_enough_info"),
    ]
    entries = fresh_log(store).history(annotator=WHO)
    assert [e.suggestion_id for e in entries] == [shown[r.id] for r in decided]


async def test_deciding_skips_claims_already_decided(store: Store) -> None:
    log = VerdictLog(store)
    second = log.claims("all")[1].id
    log.record(second, "refuted", annotator=WHO)
    app = make_app(store)
    async with app.run_test() as pilot:
        await pilot.press("s")
        await pilot.pause()
        assert current(app).text == CLAIMS[2]


async def test_verdict_is_committed_before_the_screen_shows_it(store: Store) -> None:
    app = make_app(store)
    async with app.run_test() as pilot:
        first = current(app).id
        await pilot.press("s")
        row = queue(app).index_of(first)
        assert queue(app).records[row].verdict.value == "supported"
        # The screen shows it, so another connection must already see it on disk.
        assert fresh_log(store).claim(first, annotator=WHO).verdict.value == "supported"


async def test_a_failed_write_is_reported_and_the_cursor_stays(store: Store, monkeypatch) -> None:
    from workbench.errors import StoreError

    app = make_app(store)

    def busy(*args, **kwargs):
        raise StoreError("Could not write to the store (database is locked)")

    async with app.run_test() as pilot:
        first = current(app).id
        monkeypatch.setattr(app.verdicts, "record", busy)
        await pilot.press("s")
        await pilot.pause()
        assert current(app).id == first and current(app).status == "pending"
        assert any("database is locked" in n.message for n in app._notifications)
    assert fresh_log(store).claims("decided") == []


async def test_undo_retracts_the_last_verdict_and_returns_to_it(store: Store) -> None:
    app = make_app(store)
    async with app.run_test() as pilot:
        first = current(app).id
        await pilot.press("s", "r")
        await pilot.press("u")
        await pilot.pause()
        second = fresh_log(store).claims("all")[1].id
        assert current(app).id == second
        assert current(app).status == "pending"
        await pilot.press("u")
        await pilot.pause()
        assert current(app).id == first
        await pilot.press("u")  # nothing left: no crash, nothing written
    log = fresh_log(store)
    assert log.claims("decided", annotator=WHO) == []
    assert [e.action for e in log.history(annotator=WHO)] == [
        "decide",
        "decide",
        "retract",
        "retract",
    ]


async def test_note_is_saved_with_the_verdict(store: Store) -> None:
    app = make_app(store)
    async with app.run_test() as pilot:
        first = current(app).id
        await pilot.press("e")
        assert app.screen.__class__.__name__ == "NoteEditor"
        await pilot.press(*"Vote was 93-18")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, MainScreen)
        assert fresh_log(store).claim(first).status == "pending"  # a draft until decided
        await pilot.press("s")
    record = fresh_log(store).claim(first, annotator=WHO)
    assert (record.verdict.value, record.note) == ("supported", "Vote was 93-18")


async def test_editing_the_note_of_a_decided_claim_amends_the_verdict(store: Store) -> None:
    app = make_app(store)
    async with app.run_test() as pilot:
        first = current(app).id
        await pilot.press("r", "k", "e", *"second look", "ctrl+s")
        await pilot.pause()
        await pilot.press("e", "escape")  # cancelling changes nothing
    log = fresh_log(store)
    record = log.claim(first, annotator=WHO)
    assert (record.verdict.value, record.note) == ("refuted", "second look")
    assert len(log.history(first)) == 2


async def test_space_cites_the_highlighted_passage(store: Store) -> None:
    app = make_app(store)
    async with app.run_test() as pilot:
        first = current(app)
        await pilot.press("enter")  # into the evidence
        assert isinstance(app.focused, EvidenceList)
        item = app.focused.highlighted_child
        assert isinstance(item, EvidenceItem)
        await pilot.press("space")
        assert item.cited
        await pilot.press("space", "space")  # un-cite, cite again
        await pilot.press("s")
    record = fresh_log(store).claim(first.id, annotator=WHO)
    assert record.evidence_ids == (item.row.passage_id,)
    assert item.row.passage_id in {e.passage_id for e in first.suggestion.evidence}


async def test_citing_on_a_decided_claim_amends_it_and_keeps_the_cursor(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(100, 50)) as pilot:
        await pilot.press("r", "k")  # decide the first claim, come back to it
        record = current(app)
        await pilot.press("enter")
        await pilot.press("down", "down", "enter", "down", "down")  # into the neutral list
        assert app.focused.id == "list-neutral" and app.focused.index == 1
        item = app.focused.highlighted_child
        await pilot.press("space")
        assert app.focused.id == "list-neutral" and app.focused.index == 1
        await pilot.press("down", "space")
        cited = {item.row.passage_id, app.focused.highlighted_child.row.passage_id}
    decided = fresh_log(store).claim(record.id, annotator=WHO)
    assert decided.verdict.value == "refuted" and set(decided.evidence_ids) == cited


async def test_uncited_passage_is_not_recorded(store: Store) -> None:
    app = make_app(store)
    async with app.run_test() as pilot:
        first = current(app).id
        await pilot.press("enter", "space", "space", "s")
    assert fresh_log(store).claim(first, annotator=WHO).evidence_ids == ()


async def test_evidence_lists_split_by_stance_with_neutral_collapsed(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        panel = app.screen.query_one(EvidencePanel)
        record = current(app)
        stances = {e.stance for e in record.suggestion.evidence}
        assert "neutral" in stances
        neutral = panel.query_one("#section-neutral")
        assert neutral.collapsed
        supports = panel.query_one("#list-supports", EvidenceList)
        assert all(i.row.stance == "supports" for i in supports.query(EvidenceItem))
        head = str(supports.query(EvidenceItem).first().query_one(".head").render())
        top = next(e for e in record.suggestion.evidence if e.stance == "supports")
        assert f"supports {top.score:.2f}" in head and "004_a16462e2f99a91d2.txt" in head


async def test_arrows_walk_the_evidence_and_return_to_the_queue(store: Store) -> None:
    app = make_app(store)
    async with app.run_test() as pilot:
        await pilot.press("enter")
        assert app.focused.id == "list-supports"
        await pilot.press("down", "down", "down", "down", "down")  # stops at the last section
        assert app.screen.query_one(EvidencePanel) in app.focused.ancestors
        await pilot.press("enter")  # expands the neutral section
        await pilot.press("down")
        assert app.focused.id == "list-neutral"
        for _ in range(12):
            await pilot.press("k")
        assert app.focused is queue(app)


async def test_enter_on_a_passage_opens_its_document_at_the_passage(store: Store) -> None:
    app = make_app(store)
    async with app.run_test() as pilot:
        await pilot.press("enter")
        item = app.focused.highlighted_child
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DocumentScreen)
        doc = app.screen.document
        passage = store.passages_by_id([item.row.passage_id])[item.row.passage_id]
        assert doc.text[app.screen.start : app.screen.end] == passage.text
        assert str(app.screen.query_one("#passage").render()).strip() == passage.text.strip()
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)
        await pilot.press("o")  # o opens the highlighted passage too
        assert isinstance(app.screen, DocumentScreen)


class GatedJudge:
    """The fake judge, held until the test opens the gate: verification is visibly slow."""

    name = "fake"

    def __init__(self) -> None:
        import threading

        self.inner = get_judge("fake")
        self.identity = self.inner.identity
        self.gate = threading.Event()

    def judge(self, pairs):
        assert self.gate.wait(30)
        return self.inner.judge(pairs)


async def test_document_viewer_keys(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 12)) as pilot:
        await pilot.press("enter", "enter")
        assert isinstance(app.screen, DocumentScreen)
        body = app.screen.query_one("#doc-body")
        at = body.scroll_y
        await pilot.press("k", "k", "k")
        assert at > 0 and body.scroll_y < at
        await pilot.press("p")
        await pilot.pause()
        assert body.scroll_y == at
        await pilot.press("q")  # back, not quit
        assert isinstance(app.screen, MainScreen)


async def test_add_claim_is_verified_in_the_background(store: Store) -> None:
    judge = GatedJudge()
    app = WorkbenchApp(store, annotator=WHO, judge=judge, settings=Settings())
    text = "Russia and Ukraine signed a ceasefire in 2025."
    async with app.run_test() as pilot:
        await pilot.press("a", *text, "enter")
        await pilot.pause()
        progress = app.screen.query_one("#progress")
        assert progress.has_class("-busy")
        for _ in range(200):  # the worker reaches the (held) judge on its own schedule
            label = str(app.screen.query_one("#progress-label").render())
            if "retrieving and judging" in label.lower():
                break
            await pilot.pause(0.05)
        assert "retrieving and judging" in label.lower() and text in label
        # The judge is busy; the screen still answers keys and records verdicts.
        await pilot.press("j")
        assert current(app).text == CLAIMS[1]
        await pilot.press("s")
        assert fresh_log(store).claims("decided", annotator=WHO)[0].text == CLAIMS[1]
        judge.gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.pause()
        assert current(app).text == text
        assert current(app).suggestion is not None
        assert not progress.has_class("-busy")
    record = next(r for r in fresh_log(store).claims("all") if r.text == text)
    assert record.status == "pending" and record.suggestion.judge.startswith("fake")


async def test_quitting_while_verifying_asks_once_and_does_not_wait(store: Store) -> None:
    judge = GatedJudge()
    app = WorkbenchApp(store, annotator=WHO, judge=judge, settings=Settings())
    try:
        async with app.run_test() as pilot:
            await pilot.press("a", *"Held claim", "enter")
            await pilot.pause()
            await pilot.press("q")
            await pilot.pause()
            assert app.is_running
            assert any("still being verified" in n.message for n in app._notifications)
            started = time.perf_counter()
            await pilot.press("q")
            await pilot.pause()
        assert time.perf_counter() - started < 5  # the held judge is not waited for
    finally:
        judge.gate.set()


async def test_a_failed_verification_is_reported_not_raised(store: Store) -> None:
    class Broken:
        name = identity = "broken"

        def judge(self, pairs):
            raise RuntimeError("model exploded")

    app = WorkbenchApp(store, annotator=WHO, judge=Broken(), settings=Settings())
    async with app.run_test() as pilot:
        await pilot.press("a", *"A claim", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert any("model exploded" in m for m in messages)
        assert not app.screen.query_one("#progress").has_class("-busy")
        # What was typed is kept, without a suggestion.
        assert current(app).text == "A claim" and current(app).suggestion is None


async def test_search_filters_the_queue(store: Store) -> None:
    app = make_app(store)
    async with app.run_test() as pilot:
        await pilot.press("slash", *"pope")
        assert [r.text for r in queue(app).records] == [CLAIMS[4]]
        await pilot.press("enter")
        assert app.focused is queue(app)
        assert len(queue(app).records) == 1
        await pilot.press("slash", "escape")
        assert len(queue(app).records) == len(CLAIMS)


async def test_status_and_verdict_filters_and_sort(store: Store) -> None:
    app = make_app(store)
    async with app.run_test() as pilot:
        await pilot.press("s")
        await pilot.press("f")  # pending
        assert len(queue(app).records) == len(CLAIMS) - 1
        await pilot.press("f")  # decided
        assert [r.text for r in queue(app).records] == [CLAIMS[0]]
        await pilot.press("f", "v", "v")  # all, then refuted (suggested or decided)
        assert {r.suggestion.verdict.value for r in queue(app).records} == {"refuted"}
        await pilot.press("v", "v", "v", "v", "t")  # any verdict, confidence high to low
        confidences = [r.suggestion.confidence for r in queue(app).records]
        assert confidences == sorted(confidences, reverse=True)


async def test_deciding_under_the_pending_filter_removes_the_row_and_undo_restores_it(
    store: Store,
) -> None:
    app = make_app(store)
    async with app.run_test() as pilot:
        await pilot.press("f")  # pending only
        first = current(app).id
        await pilot.press("r")
        assert [r.text for r in queue(app).records] == CLAIMS[1:]
        assert current(app).text == CLAIMS[1]
        await pilot.press("u")
        assert [r.text for r in queue(app).records] == CLAIMS
        assert current(app).id == first and current(app).status == "pending"


async def test_a_decided_row_shows_the_verdict_in_place(store: Store) -> None:
    app = make_app(store)
    async with app.run_test() as pilot:
        await pilot.press("c")
        row = queue(app).get_row_at(0)
        assert str(row[-1]) == "conflicting" and str(row[-3]) == "decided"
        assert "1/5" not in str(app.screen.query_one("#filters").render())
        assert "4 pending" in str(app.screen.query_one("#filters").render())


async def test_help_lists_every_binding(store: Store) -> None:
    app = make_app(store)
    async with app.run_test(size=(100, 60)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = str(app.screen.query_one("#help-body Static").render())
        for bid in binding_ids():
            assert f"[{bid}]" in text
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_keymap_setting_remaps_bindings_by_id(store: Store) -> None:
    app = make_app(store, keymap={"supported": "y", "down": "ctrl+n"})
    async with app.run_test() as pilot:
        first = current(app).id
        await pilot.press("s")  # no longer bound
        assert fresh_log(store).claims("decided") == []
        await pilot.press("y")
        assert fresh_log(store).claim(first, annotator=WHO).verdict.value == "supported"
        at = queue(app).cursor_row
        await pilot.press("ctrl+n")
        assert queue(app).cursor_row == at + 1
        await pilot.press("question_mark")
        assert "y " in str(app.screen.query_one("#help-body Static").render())


async def test_q_quits(store: Store) -> None:
    app = make_app(store)
    async with app.run_test() as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


# -- the queue logic, without a terminal ------------------------------------------------------
def test_next_pending_wraps_and_skips_the_current_row(store: Store) -> None:
    log = VerdictLog(store)
    ids = [r.id for r in log.claims("all")]
    log.record(ids[3], "refuted", annotator=WHO)
    rows = log.claims("all", annotator=WHO)
    assert q.next_pending(rows, 2) == 4
    assert q.next_pending(rows, 4) == 0
    only = [r for r in rows if r.id == ids[0]]
    assert q.next_pending(only, 0) is None


def test_queue_view_filters_and_sorts(store: Store) -> None:
    rows = VerdictLog(store).claims("all")
    view = q.QueueView(search="RUSSIA")
    assert {r.text for r in q.apply(rows, view)} == {c for c in CLAIMS if "Russia" in c}
    view = q.QueueView().cycle("sort")
    confidences = [r.suggestion.confidence for r in q.apply(rows, view)]
    assert confidences == sorted(confidences, reverse=True)
    assert q.QueueView().cycle("status").status == "pending"
    assert "f: all" in q.QueueView().describe()


# -- the command and the import boundary ------------------------------------------------------
def test_cli_missing_store_is_one_line(tmp_path: Path) -> None:
    from workbench.cli import main

    result = CliRunner().invoke(main, ["tui", "--store", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0
    assert "No store at" in result.output and "workbench ingest" in result.output


def test_cli_help_has_an_example() -> None:
    from workbench.cli import main

    result = CliRunner().invoke(main, ["tui", "--help"])
    assert result.exit_code == 0
    assert "workbench tui --store" in result.output


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    return set(out.split())


def test_core_does_not_import_textual() -> None:
    mods = _modules_after("import workbench.api, workbench.verify, workbench.verdict_log")
    assert "workbench.api" in mods
    assert not {m for m in mods if m == "textual" or m.startswith("textual.")}


def test_cli_does_not_import_textual_until_the_tui_runs() -> None:
    mods = _modules_after("import workbench.cli")
    assert "textual" not in mods


def test_tui_start_up_imports_no_model_libraries() -> None:
    started = time.perf_counter()
    mods = _modules_after(
        "import workbench.tui.app, workbench.tui.screens.main, workbench.tui.screens.help"
    )
    assert "textual" in mods
    heavy = {"torch", "sentence_transformers", "transformers", "chromadb", "bm25s"}
    assert not heavy & mods
    assert time.perf_counter() - started < 20  # generous: the machine is shared
