"""CLI: ingest documents, show store statistics, search passages."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from workbench.cli.common import handle_errors, store_option, store_path
from workbench.errors import UsageError


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@store_option
@click.option(
    "--max-mb",
    type=float,
    default=20.0,
    show_default=True,
    help="Refuse files larger than this many megabytes.",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@handle_errors
def ingest(
    paths: tuple[Path, ...], store: Path | None, max_mb: float, quiet: bool, as_json: bool
) -> None:
    """Ingest files or folders (.txt .md .html .jsonl .pdf) into the store.

    \b
    Example:
      workbench ingest samples/corpus --store store
    Re-running skips unchanged files; a changed file replaces its old passages.
    """
    from tqdm import tqdm

    from workbench.ingest.pipeline import Progress
    from workbench.ingest.pipeline import ingest as run_ingest
    from workbench.store import Store

    path = store_path(store)
    # Check the inputs before creating anything, so a typo leaves no empty store behind.
    if all(not p.exists() for p in paths):
        missing = ", ".join(str(p) for p in paths)
        raise UsageError(f"No such file or folder: {missing}; check the path")
    bar = None if quiet or as_json else tqdm(desc="Ingesting", unit=" passages", file=sys.stderr)

    def progress(event: Progress) -> None:
        if bar is not None:
            bar.set_postfix(documents=event.documents)
            bar.update(event.passages - bar.n)

    with Store.open(path, create=True) as st:
        embedder = st.embedder()
        try:
            report = run_ingest(
                st, list(paths), embedder, max_bytes=int(max_mb * 1024 * 1024), on_progress=progress
            )
        finally:
            if bar is not None:
                bar.close()
        stats = st.stats()
    if as_json:
        click.echo(
            json.dumps(
                {
                    "store": str(path),
                    "documents": stats.documents,
                    "passages": stats.passages,
                    "added": report.count("added"),
                    "replaced": report.count("replaced"),
                    "unchanged": report.count("unchanged"),
                    "duplicates": report.count("duplicate"),
                    "new_passages": report.passages,
                    "boilerplate_lines": report.boilerplate_lines,
                    "repeated_paragraphs": report.repeated_paragraphs,
                    "seconds": round(report.seconds, 2),
                    "skipped": [{"source": s.source, "reason": s.reason} for s in report.skipped],
                    "per_document": [d.__dict__ for d in report.documents],
                }
            )
        )
    else:
        for d in report.documents:
            name = Path(d.source.split("#")[0]).name + (
                "#" + d.source.split("#")[1] if "#" in d.source else ""
            )
            if d.status == "duplicate":
                click.echo(f"  {name}: duplicate of {d.duplicate_of}, skipped")
            elif d.status == "unchanged":
                click.echo(f"  {name}: unchanged")
            else:
                click.echo(
                    f"  {name}: {d.status}, {d.passages} passages, dropped "
                    f"{d.boilerplate_lines} boilerplate lines, "
                    f"{d.repeated_paragraphs} repeated paragraphs"
                )
        for s in report.skipped:
            click.echo(f"  skipped {s.source}: {s.reason}", err=True)
        rate = report.passages / report.seconds if report.seconds else 0.0
        click.echo(
            f"Ingested {report.count('added')} new and {report.count('replaced')} changed documents "
            f"({report.passages} passages, {rate:.0f} passages/s), {report.count('unchanged')} "
            f"unchanged, {report.count('duplicate')} duplicates, {len(report.skipped)} skipped; "
            f"dropped {report.boilerplate_lines} boilerplate lines and "
            f"{report.repeated_paragraphs} repeated paragraphs in {report.seconds:.1f}s. "
            f"Store {path}: {stats.documents} documents, {stats.passages} passages."
        )
    if report.skipped and not report.documents:
        sys.exit(1)


@click.command()
@store_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
@handle_errors
def stats(store: Path | None, as_json: bool) -> None:
    """Show what the store holds.

    \b
    Example:
      workbench stats --json
    """
    from workbench.store import Store

    with Store.open(store_path(store)) as st:
        s = st.stats()
        docs = st.db.execute(
            "SELECT source, title, date, (SELECT count(*) FROM passages p WHERE p.doc_id = d.id) "
            "FROM documents d ORDER BY source"
        ).fetchall()
    if as_json:
        click.echo(
            json.dumps(
                {
                    "documents": s.documents,
                    "passages": s.passages,
                    "embedding_model": s.embedding_model,
                    "embedding_identity": s.embedding_identity,
                    "claims": s.claims,
                    "store": s.path,
                }
            )
        )
        return
    click.echo(
        f"Store {s.path}: {s.documents} documents, {s.passages} passages, "
        f"{s.claims} claims; embedding model {s.embedding_model or '(none yet)'}"
    )
    for source, title, date, n in docs:
        click.echo(
            f"  {Path(source).name:32} {n:4} passages  {date or '':10}  {(title or '')[:60]}"
        )


@click.command()
@click.argument("text")
@store_option
@click.option(
    "--k", "k", type=click.IntRange(1, 100), default=5, show_default=True, help="How many passages."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON line per passage.")
@handle_errors
def search(text: str, store: Path | None, k: int, as_json: bool) -> None:
    """Find the passages nearest to TEXT (dense + BM25, fused).

    \b
    Example:
      workbench search "UN resolution on Russian aggression" --k 3
    """
    from workbench.retrieval import Retriever
    from workbench.store import Store

    if not text.strip():
        raise UsageError("The search text is empty; give some words to search for")
    with Store.open(store_path(store)) as st:
        hits = Retriever(st).search(text, k=k)
    for hit in hits:
        p = hit.passage
        if as_json:
            click.echo(
                json.dumps(
                    {
                        "passage_id": p.id,
                        "source": p.source_name,
                        "start": p.start,
                        "end": p.end,
                        "score": round(hit.score, 4),
                        "text": p.text,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            click.echo(f"{hit.score:.3f}  {p.source_name} [{p.start}:{p.end}]\n      {p.text}\n")
    if not hits:
        click.echo("No passages in the store; run `workbench ingest PATH` first.", err=True)


commands: list[click.Command] = [ingest, stats, search]
