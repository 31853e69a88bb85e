"""Claim extraction: sentences, check-worthiness, decontextualisation, clustering, pipeline, CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.cli import main
from workbench.embedding import HashEmbedder
from workbench.extract.cluster import cluster_texts, compatible, content_words, quotation
from workbench.extract.decontext import decontextualise, strip_discourse
from workbench.extract.pipeline import extract_claims
from workbench.extract.sentences import document_sentences, dropped_spans, split_spans
from workbench.extract.worthiness import WEIGHTS, explain, features, score
from workbench.store import Store
from workbench.types import ClaimOrigin, Document
from workbench.verdict_log import VerdictLog

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "tests" / "fixtures" / "checkworthy_labels.jsonl"
SAMPLES = ROOT / "samples" / "corpus"
DOC_000 = "000_2cd2de44ef05e0f4.txt"
DOC_001 = "001_0c4ecdcb9482897c.txt"
DOC_003 = "003_760e460d4ffcb0fa.txt"
DOC_004 = "004_a16462e2f99a91d2.txt"


def build_store(path: Path) -> Store:
    """The sample corpus ingested with the fast hashing embedder."""
    store = Store.open(path, create=True)
    from workbench.ingest.pipeline import ingest

    ingest(store, [str(SAMPLES)], HashEmbedder(64))
    return store


@pytest.fixture()
def store(tmp_path):
    st = build_store(tmp_path / "store")
    yield st
    st.close()


def labels() -> list[dict]:
    return [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines()]


def name_of(source: str) -> str:
    return source.replace("\\", "/").rsplit("/", 1)[-1]


# -- sentences ------------------------------------------------------------------------------


def test_sentence_offsets_are_exact_and_cleaning_is_applied(store):
    seen = []
    for doc in store.documents():
        for s in document_sentences(doc, store.cleaning(doc.id)):
            assert doc.text[s.start : s.end] == s.text
            assert s.text == s.text.strip()
            seen.append(s)
    texts = [s.text for s in seen]
    assert len(seen) > 150
    assert not any(t in ("Also read", "Others are reading now", "view 54") for t in texts)
    assert not any(t.startswith("Order Alexander Dugin") for t in texts)
    assert not any("date 2025-05-21" in t for t in texts)  # metadata prefix clipped off
    first_001 = next(s for s in seen if name_of(s.source) == DOC_001)
    assert first_001.text.startswith("Every personal exchange between Putin and Trump")
    # A sentence wrapped after "U.S." stays one sentence.
    assert any(t.startswith("The recent exchanges") and t.endswith("geopolitics.") for t in texts)


def test_repeated_paragraphs_are_flagged_not_lost(store):
    doc = next(d for d in store.documents() if name_of(d.source) == DOC_004)
    sentences = document_sentences(doc, store.cleaning(doc.id))
    repeated = [s for s in sentences if s.repeated]
    assert len(repeated) >= 15  # five paragraphs repeated verbatim
    originals = {s.text for s in sentences if not s.repeated}
    assert all(s.text in originals or s.text.startswith("**") for s in repeated)
    without = document_sentences(doc, store.cleaning(doc.id), repeats=False)
    assert len(without) == len(sentences) - len(repeated)


def test_line_breaks_end_headlines_and_bylines():
    text = "A Headline Without a Stop\nBody text says 3 things. Then more.\n\nAli Beman, Head"
    spans = [text[s:e] for s, e, _ in split_spans(text)]
    assert spans == [
        "A Headline Without a Stop",
        "Body text says 3 things.",
        "Then more.",
        "Ali Beman, Head",
    ]


def test_dropped_spans_read_any_record_shape():
    record = {
        "dropped": [{"start": 5, "end": 9, "reason": "boilerplate"}],
        "other": {"nested": [{"start": 20, "end": 30}]},
        "count": 2,
    }
    assert dropped_spans(record) == [(5, 9, "boilerplate"), (20, 30, "")]
    doc = Document("d", "d.txt", "Keep this one. Also read\nDrop me too. Keep that.")
    cleaning = {
        "dropped": [
            {"start": 15, "end": 24, "reason": "boilerplate"},
            {"start": 25, "end": 37, "reason": "boilerplate"},
        ]
    }
    assert [s.text for s in document_sentences(doc, cleaning)] == ["Keep this one.", "Keep that."]


# -- check-worthiness -----------------------------------------------------------------------


def test_labels_fixture_matches_the_corpus():
    rows = labels()
    assert len(rows) > 150
    assert {r["label"] for r in rows} == {0, 1}
    for r in rows:
        text = (ROOT / r["source"]).read_text(encoding="utf-8")
        assert text[r["start"] : r["end"]] == r["text"]


def test_offline_ranker_precision_at_20():
    rows = labels()
    ranked = sorted(rows, key=lambda r: -score(r["text"]))
    precision = sum(r["label"] for r in ranked[:20]) / 20
    base_rate = sum(r["label"] for r in rows) / len(rows)
    assert precision >= 0.75  # 0.80 measured; see docs/extraction.md
    assert precision > 2 * base_rate


@pytest.mark.parametrize(
    ("high", "low"),
    [
        (
            "The United States voted against a UN resolution on 24 February 2025.",
            "I believe this should be the foundation of our new alliance.",
        ),
        (
            "Kremlin adviser Yuri Ushakov confirmed that Putin had delivered signals.",
            "Putin may perhaps be open to a deal, it seems.",
        ),
        (
            "Trump announced new sanctions on Russia last week.",
            "Can the Putin-Trump dynamic pivot towards peace?",
        ),
        (
            "Lavrov said Russia insists on the demilitarisation of Ukraine.",
            "Putin’s Real Focus: NATO, Not Just Territory",
        ),
    ],
)
def test_factual_beats_opinion_hedge_question_headline(high, low):
    assert score(high) > 0.7 > score(low)


def test_scores_are_deterministic_and_explained():
    text = "On July 8, 2025, Donald Trump said he was considering sanctions."
    first = explain(text)
    assert first == explain(text) and 0 < first.score < 1
    assert set(first.contributions) <= set(WEIGHTS)
    assert first.contributions["date"] == WEIGHTS["date"]
    assert features("Whether it works remains unclear?")["question"] == 1.0
    assert features("Ali Beman Eghbali Zarch")["headline"] == 1.0


# -- decontextualisation --------------------------------------------------------------------

STANOVAYA = (
    "Tatiana Stanovaya, a senior fellow at the Carnegie Russia Eurasia Center, said "
    "Putin is more concerned about Ukraine’s political and military alignment than "
    "about physical borders."
)


def test_trailing_pronoun_resolved_to_the_one_compatible_person():
    quote = (
        "“The most important thing for Putin is NATO and these firm guarantees that Ukraine "
        "will not join NATO,” she explained."
    )
    doc = "For Vladimir Putin, a handshake matters.\n" + STANOVAYA + "\n" + quote
    result = decontextualise(quote, [STANOVAYA], document=doc)
    assert result.text == quote.replace("she explained", "Tatiana Stanovaya explained")
    assert result.changed and "Tatiana Stanovaya" in result.note


def test_leading_pronoun_and_possessive_resolved():
    context = ["Sergei Markov, a pro-Kremlin political analyst, spoke on Monday."]
    assert decontextualise("He said Russia needs Trump.", context).text == (
        "Sergei Markov said Russia needs Trump."
    )
    assert decontextualise("His remarks were broadcast on Channel One.", context).text == (
        "Sergei Markov’s remarks were broadcast on Channel One."
    )


def test_role_reference_resolved_only_to_a_named_person():
    context = ["Sergei Markov, a pro-Kremlin political analyst, spoke on Monday."]
    named = decontextualise("The analyst said that Russia needs Trump.", context)
    assert named.text == "Sergei Markov said that Russia needs Trump."
    anonymous_ctx = ["“We have not won,” a defense analyst in Moscow admitted."]
    sentence = "“If we had taken control, we might have won,” the analyst added."
    kept = decontextualise(sentence, anonymous_ctx)
    assert kept.text == sentence and not kept.changed
    assert "no named person" in kept.note


@pytest.mark.parametrize(
    ("sentence", "context", "why"),
    [
        # Two men in the previous sentence: "he" could be either.
        (
            "“It is probably better for us to meet,” he said in January.",
            [
                "Putin’s public statements show openness toward dialogue with Donald Trump, "
                "Vladimir Putin's rival."
            ],
            "ambiguous",
        ),
        # An unknown name might be the antecedent: keep.
        ("He denied it.", ["Vladimir Putin met Zelbor Quandt on Monday."], "ambiguous"),
        # Nobody named at all (an unknown place name counts as "maybe a person": still kept).
        ("She said the talks failed.", ["The talks were held on Monday."], "no named antecedent"),
        ("She said the talks failed.", ["The talks were held in Geneva."], "ambiguous"),
        # A woman's pronoun, only a man named.
        ("She said the talks failed.", ["Donald Trump spoke on Monday."], "no named antecedent"),
    ],
)
def test_unsafe_references_are_kept_as_they_are(sentence, context, why):
    result = decontextualise(sentence, context)
    assert result.text == sentence
    assert why in result.note


def test_quotations_are_never_rewritten():
    context = ["Donald Trump spoke to reporters."]
    sentence = "“He is always very nice, but that means nothing,” he said."
    result = decontextualise(sentence, context)
    assert result.text == "“He is always very nice, but that means nothing,” Donald Trump said."


def test_discourse_openers_cut_only_when_a_sentence_remains():
    assert strip_discourse("However, the past six months had failed to yield progress.") == (
        "The past six months had failed to yield progress."
    )
    assert strip_discourse("But, of course, the issue of Ukraine cannot be resolved soon.") == (
        "The issue of Ukraine cannot be resolved soon."
    )
    assert strip_discourse("It is no secret that Europe is rearming quickly now.") == (
        "Europe is rearming quickly now."
    )
    assert strip_discourse("However, it failed.") == "However, it failed."
    assert strip_discourse("Back then, talks hinted at a summit in Moscow.") == (
        "Back then, talks hinted at a summit in Moscow."
    )


# -- clustering -----------------------------------------------------------------------------


def test_guards():
    assert not compatible("Ukraine will join NATO.", "Ukraine will not join NATO.")
    assert not compatible("A 10-day deadline.", "A 50-day deadline.")
    assert compatible("A 10-day deadline was set.", "The deadline was 10 days.")
    assert quotation("“Trump truly does want to end this war,” a diplomat said.") == (
        "Trump truly does want to end this war"
    )
    assert quotation("He said “no”.") is None
    assert "sanction" in content_words("The sanctions were imposed.")


def test_exact_repeats_cluster_with_the_hash_embedder():
    texts = [
        "Russia annexed four regions in 2022.",
        "Witkoff visited Moscow in August.",
        "Russia annexed four regions in 2022.",
        "The talks failed.",
    ]
    result = cluster_texts(texts, HashEmbedder(64), anchors=[True, True, False, False])
    assert result.clusters == [[0, 2], [1]]  # "The talks failed." anchors nothing


def test_negated_paraphrase_is_not_merged():
    texts = ["Ukraine will join NATO next year.", "Ukraine will not join NATO next year."]
    assert len(cluster_texts(texts, HashEmbedder(64), threshold=0.5).clusters) == 2


@pytest.mark.slow
def test_sample_corpus_clusters_with_minilm(store):
    """000 restates 001 (with invented attributions); 004 repeats five paragraphs."""
    from workbench.embedding import get_embedder

    report = extract_claims(store, embedder=get_embedder(), dry_run=True, min_score=0.5)
    docs = {d.id: d.text for d in store.documents()}
    by_sources = {c.text: sorted(name_of(a.source) for a in c.appearances) for c in report.claims}

    def cluster_of(fragment: str) -> list[str]:
        """The documents of the claim with an appearance quoting ``fragment``."""
        found = [
            sorted(name_of(a.source) for a in c.appearances)
            for c in report.claims
            if any(fragment in docs[a.doc_id][a.start : a.end] for a in c.appearances)
        ]
        assert len(found) == 1, (fragment, found)
        return found[0]

    for fragment in (
        "not yet achieved clear superiority",
        "would amount to admitting defeat",
        "Trump truly does want to end this war",
        "cannot be resolved either in yesterday",
    ):
        assert DOC_000 in cluster_of(fragment) and DOC_001 in cluster_of(fragment), fragment
    assert cluster_of("briefly sided with Russia at the United Nations") == [DOC_004, DOC_004]
    assert cluster_of("10-day deadline") == [DOC_004, DOC_004]
    # Unrelated claims stay apart: no cluster spans more than three appearances here.
    assert max(len(v) for v in by_sources.values()) <= 3
    assert report.merged >= 15


# -- the pipeline ---------------------------------------------------------------------------


def test_extract_claims_queues_claims_with_provenance(store):
    report = extract_claims(store, limit=25)
    assert report.documents == 5 and report.sentences > 150 and report.repeats >= 15
    assert report.claims_added == len(report.claims) <= 25
    docs = {d.id: d for d in store.documents()}
    queued = {c.id: c for c in VerdictLog(store).claims("all")}
    for claim in report.claims:
        record = queued[claim.id]
        assert record.origin == ClaimOrigin.EXTRACTED
        assert record.score is not None and record.score >= 0.7
        assert record.appearances
        for a in record.appearances:
            assert a.doc_id in docs
            assert docs[a.doc_id].text[a.start : a.end]
    # The 004 repeats: one claim, two appearances.
    sided = [c for c in report.claims if "briefly sided with Russia" in c.text]
    assert len(sided) == 1 and len(sided[0].appearances) == 2
    # Running again adds nothing and keeps appearances.
    again = extract_claims(store, limit=25)
    assert again.claims_added == 0 and again.claims_known == len(report.claims)
    assert len(VerdictLog(store).claims("all")) == len(report.claims)


def test_decontextualised_text_is_queued_with_original_offsets(store):
    report = extract_claims(store, min_score=0.5, dry_run=True)
    claim = next(c for c in report.claims if "firm guarantees that Ukraine" in c.text)
    assert "Tatiana Stanovaya explained" in claim.text
    doc = store.document(claim.appearances[0].doc_id)
    assert doc is not None
    original = doc.text[claim.appearances[0].start : claim.appearances[0].end]
    assert original.endswith("she explained.")


def test_empty_store_names_the_fix(tmp_path):
    from workbench.errors import StoreError

    with (
        Store.open(tmp_path / "empty", create=True) as st,
        pytest.raises(StoreError, match="ingest"),
    ):
        extract_claims(st)


# -- CLI and layering -----------------------------------------------------------------------


def test_cli_extract_json_and_text(store, tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["extract", "--store", str(store.path), "--limit", "5", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["claims_added"] == 5 and data["sentences"] > 150
    assert all(c["appearances"] for c in data["claims"])
    text = runner.invoke(main, ["extract", "--store", str(store.path), "--dry-run"])
    assert text.exit_code == 0 and "distinct claims" in text.output


def test_cli_errors_and_help(tmp_path):
    runner = CliRunner()
    missing = runner.invoke(main, ["extract", "--store", str(tmp_path / "nope")])
    assert missing.exit_code == 1
    assert "workbench ingest" in missing.output and "Traceback" not in missing.output
    helped = runner.invoke(main, ["extract", "--help"])
    assert helped.exit_code == 0 and "Example" in helped.output and "--llm" in helped.output
    bad = runner.invoke(main, ["extract", "--store", str(tmp_path), "--limit", "0"])
    assert bad.exit_code != 0


def test_extract_core_is_headless():
    code = (
        "import sys, workbench.extract.pipeline, workbench.extract.llm_extract; "
        "bad = [m for m in ('textual', 'click', 'rich') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
