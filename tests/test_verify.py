"""Verification: retrieval, evidence split, verdict rule, claims files, the CLI contract.

Fast tests use the hashing embedder and the lexical fake judge over a real Chroma store;
the acceptance tests at the bottom use the real embedding model and the shipped judge."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from workbench.api import Workbench
from workbench.claims_io import BadRow, read_claims
from workbench.cli import main
from workbench.embedding import HashEmbedder
from workbench.errors import InputError, StoreError
from workbench.ingest.pipeline import ingest
from workbench.judges import get_judge
from workbench.retrieval import Retriever, group_copies
from workbench.store import Store
from workbench.types import Appearance, Evidence, Passage, Stance, StanceJudgement, VerdictLabel
from workbench.verdicts import AggregationRule, suggest_verdict
from workbench.verify import make_claim, result_record

UN_CLAIM = (
    "The United States voted against a UN resolution condemning Russian aggression in Ukraine."
)
SUPERIORITY = "Russia has achieved clear military superiority over Ukraine."


@pytest.fixture()
def hash_store(tmp_path, samples):
    with Store.open(tmp_path / "store", create=True) as st:
        ingest(st, [samples], HashEmbedder(64))
    return tmp_path / "store"


@pytest.fixture()
def wb(hash_store):
    with Workbench(Store.open(hash_store), judge=get_judge("fake")) as w:
        yield w


def _evidence(doc, stance, p, pid="x"):
    passage = Passage(id=pid, doc_id=doc, source=doc + ".txt", start=0, end=1, text="t")
    probs = {s: (p if s is stance else (1 - p) / 2) for s in Stance}
    return Evidence(passage, stance, p, 0.5, StanceJudgement(stance, probs, "test"))


# -- the verdict rule ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("evidence", "verdict"),
    [
        ([], VerdictLabel.NOT_ENOUGH_INFO),
        ([("a", Stance.NEUTRAL, 0.9)], VerdictLabel.NOT_ENOUGH_INFO),
        ([("a", Stance.SUPPORTS, 0.8)], VerdictLabel.SUPPORTED),
        ([("a", Stance.SUPPORTS, 0.45)], VerdictLabel.NOT_ENOUGH_INFO),
        ([("a", Stance.REFUTES, 0.8), ("b", Stance.SUPPORTS, 0.55)], VerdictLabel.REFUTED),
        ([("a", Stance.REFUTES, 0.9), ("b", Stance.SUPPORTS, 0.9)], VerdictLabel.CONFLICTING),
    ],
)
def test_verdict_rule(evidence, verdict):
    ev = [_evidence(d, s, p, pid=f"{d}{i}") for i, (d, s, p) in enumerate(evidence)]
    assert suggest_verdict(ev)[0] is verdict


def test_independent_sources_add_confidence_but_copies_do_not():
    one = suggest_verdict([_evidence("a", Stance.SUPPORTS, 0.7)])[1]
    same_doc = suggest_verdict(
        [_evidence("a", Stance.SUPPORTS, 0.7), _evidence("a", Stance.SUPPORTS, 0.7, "y")]
    )[1]
    two_docs = suggest_verdict(
        [_evidence("a", Stance.SUPPORTS, 0.7), _evidence("b", Stance.SUPPORTS, 0.7, "y")]
    )[1]
    assert one == same_doc == pytest.approx(0.7)
    assert two_docs == pytest.approx(0.91)
    assert 0.0 <= two_docs <= 1.0


def test_not_enough_info_confidence_reflects_the_judges_doubt():
    # Ten neutral passages, the most doubtful 30 % supporting: 70 % sure, not 100 %.
    neutral = _evidence("a", Stance.NEUTRAL, 0.9)
    doubtful = Evidence(
        neutral.passage,
        Stance.NEUTRAL,
        0.6,
        0.5,
        StanceJudgement(
            Stance.NEUTRAL, {Stance.SUPPORTS: 0.3, Stance.REFUTES: 0.1, Stance.NEUTRAL: 0.6}, "t"
        ),
    )
    assert suggest_verdict([neutral] * 9 + [doubtful]) == (
        VerdictLabel.NOT_ENOUGH_INFO,
        pytest.approx(0.7),
    )
    # A weak support (below the decision threshold) lowers it the same way.
    assert suggest_verdict([_evidence("a", Stance.SUPPORTS, 0.45)])[1] == pytest.approx(0.55)
    # Nothing to judge in the corpus: certain; passages found but none judged: no confidence.
    assert suggest_verdict([]) == (VerdictLabel.NOT_ENOUGH_INFO, 1.0)
    unjudged = Evidence(neutral.passage, Stance.NEUTRAL, 0.0, 0.5, StanceJudgement(None, {}, "t"))
    assert suggest_verdict([unjudged]) == (VerdictLabel.NOT_ENOUGH_INFO, 0.0)


def test_rule_thresholds_are_parameters():
    ev = [_evidence("a", Stance.SUPPORTS, 0.55)]
    assert AggregationRule(decide_min=0.6)(ev)[0] is VerdictLabel.NOT_ENOUGH_INFO


# -- retrieval -----------------------------------------------------------------------


def test_hybrid_retrieval_finds_the_un_vote(hash_store):
    with Store.open(hash_store) as st:
        hits = Retriever(st).search(UN_CLAIM, k=5)
    assert hits[0].passage.source_name.startswith("004")
    assert "voted against a resolution" in hits[0].passage.text


def test_copied_passages_are_grouped_across_documents(hash_store):
    with Store.open(hash_store) as st:
        hits = Retriever(st).search(
            "we have not yet achieved clear superiority over the enemy", k=10
        )
    top = hits[0]
    sources = {top.passage.source_name[:3]} | {d.source_name[:3] for d in top.duplicates}
    assert sources == {"000", "001"}
    ids = [h.passage.id for h in hits] + [d.id for h in hits for d in h.duplicates]
    assert len(ids) == len(set(ids))


def test_group_copies_keeps_different_text_apart():
    def hit(doc, text):
        from workbench.retrieval import Hit

        return Hit(Passage(id=doc, doc_id=doc, source=doc, start=0, end=len(text), text=text), 1.0)

    grouped = group_copies(
        [
            hit("a", "one two three four five six seven eight nine ten"),
            hit("b", "zero one two three four five six seven eight nine"),
            hit("c", "completely different words that share nothing at all here"),
        ]
    )
    assert [len(g.duplicates) for g in grouped] == [1, 0]


def test_a_claims_own_appearance_is_not_its_evidence(hash_store):
    with Store.open(hash_store) as st:
        first = Retriever(st).search(UN_CLAIM, k=3)[0].passage
        own = Appearance(source=first.source, start=first.start, end=first.end, doc_id=first.doc_id)
        again = Retriever(st).search(UN_CLAIM, k=10, exclude=[own])
    assert first.id not in {h.passage.id for h in again}


# -- verification and the API --------------------------------------------------------


def test_verify_splits_evidence_and_saves_to_queue(wb):
    result = wb.verify(UN_CLAIM)
    assert result.verdict is VerdictLabel.SUPPORTED
    assert result.supporting and result.supporting[0].passage.source_name.startswith("004")
    assert all(e.stance is Stance.SUPPORTS for e in result.supporting)
    assert all(e.stance is Stance.NEUTRAL for e in result.neutral)
    assert 0.0 <= result.confidence <= 1.0
    record = wb.log.claim(result.claim.id)
    assert record is not None and record.status == "pending"
    assert record.suggestion.verdict == result.verdict


def test_result_record_contract(wb):
    record = result_record(wb.verify(UN_CLAIM, save=False))
    assert set(record) == {"id", "claim", "verdict", "confidence", "evidence"}
    first = record["evidence"][0]
    assert set(first) == {"passage_id", "source", "text", "start", "end", "stance", "score"}
    assert first["stance"] == "supports" and first["source"].endswith(".txt")
    stances = [e["stance"] for e in record["evidence"]]
    assert stances.index("neutral") > stances.index("supports")


def test_bad_claims_are_refused_clearly():
    with pytest.raises(InputError, match="empty"):
        make_claim("   ")
    with pytest.raises(InputError, match="10,000 characters"):
        make_claim("x" * 10_000)


def test_empty_store_is_a_clear_error(tmp_path):
    with (
        Workbench(Store.open(tmp_path / "s", create=True), judge=get_judge("fake")) as w,
        pytest.raises(StoreError, match="run `workbench ingest"),
    ):
        w.verify(UN_CLAIM)


# -- claims files ----------------------------------------------------------------------


def test_claims_files_report_broken_rows(tmp_path):
    (tmp_path / "c.jsonl").write_text(
        '{"claim": "A first claim.", "id": "x1"}\n{broken\n\n{"id": "x3"}\n{"claim": "Last one."}\n'
    )
    items = list(read_claims(tmp_path / "c.jsonl"))
    assert [i.id for i in items if not isinstance(i, BadRow)][0] == "x1"
    assert [(b.line, "JSON" in b.reason) for b in items if isinstance(b, BadRow)] == [
        (2, True),
        (4, False),
    ]
    (tmp_path / "c.csv").write_text('id,claim\na,"Commas, quotes ""and"" all"\nb,\n')
    items = list(read_claims(tmp_path / "c.csv"))
    assert items[0].text == 'Commas, quotes "and" all'
    assert isinstance(items[1], BadRow) and items[1].line == 3
    (tmp_path / "c.txt").write_text("# comment\nOne claim.\n\nTwo claim.\n")
    assert [c.text for c in read_claims(tmp_path / "c.txt")] == ["One claim.", "Two claim."]
    with pytest.raises(InputError, match="unknown claims file type"):
        list(read_claims(tmp_path / "c.xlsx"))


# -- the CLI ---------------------------------------------------------------------------


def test_cli_verify_file_jsonl_and_csv(hash_store, tmp_path):
    claims = tmp_path / "claims.csv"
    claims.write_text(f'id,claim\nun,"{UN_CLAIM}"\nbad,\npope,The Pope hosted negotiations.\n')
    out = tmp_path / "out.jsonl"
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "verify",
            "--claims",
            str(claims),
            "--out",
            str(out),
            "--store",
            str(hash_store),
            "--judge",
            "fake",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "line 3: skipped" in result.output
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in records] == ["un", "pope"]
    assert records[0]["verdict"] == "supported"
    csv_out = tmp_path / "out.csv"
    result = runner.invoke(
        main,
        [
            "verify",
            "--claims",
            str(claims),
            "--out",
            str(csv_out),
            "--format",
            "csv",
            "--store",
            str(hash_store),
            "--judge",
            "fake",
        ],
    )
    rows = list(csv.DictReader(io.StringIO(csv_out.read_text())))
    assert rows[0]["id"] == "un" and rows[0]["top_supporting_source"].startswith("004")
    # the verified claims joined the queue
    queue = runner.invoke(main, ["claims", "--status", "all", "--json", "--store", str(hash_store)])
    assert {c["id"] for c in json.loads(queue.output)} >= {"un", "pope"}


def test_cli_verify_single_claim_table(hash_store):
    result = CliRunner().invoke(
        main, ["verify", UN_CLAIM, "--store", str(hash_store), "--judge", "fake"]
    )
    assert result.exit_code == 0
    assert "SUPPORTED" in result.output and "004_a16462e2f99a91d2.txt" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["verify", ""], "empty"),
        (["verify", "x" * 10_000], "over the 2,000 limit"),
        (["verify", "a", "--format", "xml"], "Invalid value for '--format'"),
        (["verify"], "Give exactly one of"),
        (["verify", "--claims", "nope.txt"], "no such claims file"),
        (["verify", "a", "--judge", "oracle"], "Unknown judge 'oracle'"),
    ],
)
def test_cli_verify_bad_input_one_line(hash_store, args, message):
    result = CliRunner().invoke(main, [*args, "--store", str(hash_store)])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_cli_verify_missing_store(tmp_path):
    result = CliRunner().invoke(main, ["verify", UN_CLAIM, "--store", str(tmp_path / "none")])
    assert result.exit_code == 1 and "No store at" in result.output


def test_cli_eval_with_fake_judge(hash_store, tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        json.dumps(
            {
                "id": "g1",
                "claim": UN_CLAIM,
                "label": "supported",
                "evidence": [
                    {"doc": "004_a16462e2f99a91d2.txt", "quote": "voted against a resolution"}
                ],
            }
        )
        + "\n"
        + json.dumps(
            {
                "id": "g2",
                "claim": "The Pope hosted talks.",
                "label": "not_enough_info",
                "evidence": [],
            }
        )
        + "\n"
    )
    result = CliRunner().invoke(
        main, ["eval", "--gold", str(gold), "--store", str(hash_store), "--judge", "fake", "--json"]
    )
    report = json.loads(result.output)
    assert report["n"] == 2 and report["recall@5"] == 1.0
    assert report["accuracy"] == 1.0
