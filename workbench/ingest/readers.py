"""Readers: one file → one or more raw documents (text plus metadata), or a clear error.

Formats: .txt, .md (kept as written), .html/.htm (main text via trafilatura), .jsonl (one
document per line: ``text`` and optional ``title``, ``url``, ``date``, ``author``), .pdf
(text layer via pypdf). Offsets always refer to the text a reader returns: for plain text
and Markdown that is the file itself; for HTML and PDF it is the extracted text, which the
store keeps so any passage can be shown in its document.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from workbench.errors import InputError

SUPPORTED = {".txt", ".md", ".markdown", ".html", ".htm", ".jsonl", ".pdf"}
MAX_BYTES = 20 * 1024 * 1024  # one document; larger files are refused with the fix


@dataclass(frozen=True)
class RawDocument:
    source: str
    text: str
    file_hash: str
    title: str | None = None
    date: str | None = None
    url: str | None = None
    author: str | None = None


@dataclass(frozen=True)
class Skipped:
    """A file, or a record in a file, that could not be read."""

    source: str
    reason: str


def iter_files(paths: list[Path]) -> Iterator[Path | Skipped]:
    """Expand files and folders (recursively, sorted, hidden entries skipped), as absolute paths
    so that a store's sources do not depend on the directory ingest was run from."""
    for path in paths:
        path = path.expanduser().absolute()
        if not path.exists():
            yield Skipped(str(path), "does not exist; check the path")
        elif path.is_dir():
            stores = {db.parent for db in path.rglob("workbench.db")}  # never ingest a store
            for child in sorted(path.rglob("*")):
                if any(part.startswith(".") for part in child.relative_to(path).parts):
                    continue
                if any(parent in stores for parent in child.parents):
                    continue
                if child.is_file():
                    yield child
        else:
            yield path


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def read_file(path: Path, *, max_bytes: int = MAX_BYTES) -> tuple[list[RawDocument], list[Skipped]]:
    """Read one file; raises InputError when nothing in it is usable."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise InputError(
            f"{path}: unsupported file type '{suffix or '(none)'}'; "
            f"convert it to one of {', '.join(sorted(SUPPORTED))}"
        )
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(
                f"{path}: {size / 2**20:.0f} MB is over the {max_bytes / 2**20:.0f} MB limit for one "
                "file; split it into smaller files (or raise --max-mb)"
            )
        data = path.read_bytes()
    except PermissionError:
        raise InputError(f"{path}: permission denied; make it readable (chmod +r)") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if not data.strip():
        raise InputError(f"{path}: the file is empty; remove it or add text")
    digest = file_hash(data)
    if suffix == ".pdf":
        return [_pdf(path, data, digest)], []
    if b"\x00" in data[:8192]:
        raise InputError(f"{path}: looks like a binary file, not {suffix} text; remove it")
    text = _decode(path, data)
    if suffix in {".html", ".htm"}:
        return [_html(path, text, digest)], []
    if suffix == ".jsonl":
        return _jsonl(path, text, digest)
    return [_plain(path, text, digest)], []


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not UTF-8 text (undecodable byte at offset {exc.start}); convert it, "
            "e.g. `iconv -f latin1 -t utf-8 IN > OUT`"
        ) from None


_DATE_PREFIX = re.compile(r"^\s*date[:\s]+(\d{4}-\d{2}-\d{2})\b", re.IGNORECASE)
_DATE_LINE = re.compile(
    r"^\s*(\d{1,2} [A-Z][a-z]+ \d{4}|[A-Z][a-z]+ \d{1,2}, \d{4}|\d{4}-\d{2}-\d{2})\s*$"
)


def leading_date(text: str) -> tuple[str | None, int]:
    """A ``date YYYY-MM-DD`` prefix (as in seed 001) → (ISO date, length of the prefix)."""
    m = _DATE_PREFIX.match(text)
    if m:
        return m.group(1), m.end()
    return None, 0


def date_line(text: str, max_lines: int = 8) -> str | None:
    """A line near the top that is only a date ("9 July 2025") → ISO date."""
    for line in text.splitlines()[:max_lines]:
        m = _DATE_LINE.match(line)
        if not m:
            continue
        for fmt in ("%d %B %Y", "%B %d, %Y", "%Y-%m-%d"):
            try:
                return datetime.strptime(m.group(1), fmt).date().isoformat()
            except ValueError:
                continue
    return None


def guess_title(text: str) -> str | None:
    """The first line, when it reads like a headline (short, no final full stop)."""
    for line in text.splitlines():
        line = line.strip().strip("*#").strip()
        if not line:
            continue
        if (
            len(line) <= 160
            and not line.endswith((".", "?", "!", "”", '"'))
            and not _DATE_PREFIX.match(line)
        ):
            return line
        return None
    return None


def _plain(path: Path, text: str, digest: str) -> RawDocument:
    date, _ = leading_date(text)
    return RawDocument(
        source=str(path),
        text=text,
        file_hash=digest,
        title=guess_title(text) or path.stem,
        date=date or date_line(text),
    )


def _html(path: Path, html: str, digest: str) -> RawDocument:
    import trafilatura

    doc = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, favor_precision=True
    )
    text = getattr(doc, "text", None) if doc is not None else None
    if not text or not text.strip():
        raise InputError(f"{path}: no main text found in the HTML; check it is an article page")
    return RawDocument(
        source=str(path),
        text=text,
        file_hash=digest,
        title=getattr(doc, "title", None) or path.stem,
        date=getattr(doc, "date", None),
        url=getattr(doc, "url", None),
        author=getattr(doc, "author", None),
    )


def _pdf(path: Path, data: bytes, digest: str) -> RawDocument:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise InputError(f"{path}: the PDF is encrypted; decrypt it first (qpdf --decrypt)")
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
        meta = reader.metadata
    except InputError:
        raise
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise InputError(f"{path}: not a readable PDF ({exc}); re-export it") from None
    text = "\n\n".join(p for p in pages if p)
    if not text.strip():
        raise InputError(f"{path}: the PDF has no text layer; run OCR on it first (e.g. ocrmypdf)")
    title = (meta.title if meta else None) or path.stem
    date = None
    if meta and meta.creation_date:
        date = meta.creation_date.date().isoformat()
    author = meta.author if meta else None
    return RawDocument(
        source=str(path), text=text, file_hash=digest, title=title, date=date, author=author
    )


def _jsonl(path: Path, text: str, digest: str) -> tuple[list[RawDocument], list[Skipped]]:
    docs: list[RawDocument] = []
    skipped: list[Skipped] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        source = f"{path}#{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            skipped.append(Skipped(source, f"line {number} is not valid JSON ({exc.msg}); fix it"))
            continue
        body = record.get("text") if isinstance(record, dict) else None
        if not isinstance(body, str) or not body.strip():
            skipped.append(Skipped(source, f'line {number} has no "text" string; add one'))
            continue
        fields = {
            k: (str(record[k]) if record.get(k) is not None else None)
            for k in ("title", "url", "date", "author")
        }
        docs.append(RawDocument(source=source, text=body, file_hash=digest, **fields))
    if not docs:
        first = skipped[0].reason if skipped else "no records"
        raise InputError(f"{path}: no usable records ({first})")
    return docs, skipped
