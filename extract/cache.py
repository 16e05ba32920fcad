"""Parsed-page cache: a PDF is parsed once per parser version, whatever the rules do.

A rule change re-extracts every paper; with this cache it re-reads the pages (text, line boxes,
table words) from ``<cache dir>/<sha[:2]>/<sha>-<parser key>.json.gz`` instead of re-parsing the
PDF. The key is the document's sha256 and ``parser_key()``: ``PARSER_VERSION`` plus a digest of
the parser's source (``extract/pdf.py``) and the pypdfium2 version, so any change to how pages
are read invalidates the entries on its own.

The folder is ``$PAPERFLOPS_CACHE_DIR`` (default ``./data/cache``); ``off`` (or ``none``)
switches the cache off. Entries are gzip'ed JSON (never pickle: nothing executable is read back),
written atomically, so that concurrent workers may share one folder. An unreadable entry is a
miss; a failed write is logged and ignored. Only successful parses are cached.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import tempfile
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pypdfium2

from extract import pdf as pdf_module
from extract.errors import TooLargeError
from extract.pdf import DEFAULT_MAX_PAGES, doc_from_pages, parse_pdf, sha256_bytes
from schema.records import Box, Line, Page, PaperDoc

log = logging.getLogger(__name__)

PARSER_VERSION = "1"
ENV_CACHE_DIR = "PAPERFLOPS_CACHE_DIR"
DEFAULT_CACHE_DIR = Path("data") / "cache"
_OFF = {"off", "none", "0", "false"}
_FORMAT = 1


@dataclass(slots=True)
class CacheStats:
    """Counts for this process (tests and benchmarks read them)."""

    hits: int = 0
    misses: int = 0
    writes: int = 0
    parses: int = 0

    def reset(self) -> None:
        self.hits = self.misses = self.writes = self.parses = 0


STATS = CacheStats()


@cache
def parser_key() -> str:
    """PARSER_VERSION + a digest of the parser's code and pdfium binding version."""
    source = Path(pdf_module.__file__).read_bytes()
    version = getattr(pypdfium2, "V_PYPDFIUM2", None) or getattr(pypdfium2, "__version__", "")
    digest = hashlib.sha256(source + f"|{version}|{_FORMAT}".encode()).hexdigest()
    return f"{PARSER_VERSION}-{digest[:12]}"


def cache_dir() -> Path | None:
    """The cache folder from the environment, or None when the cache is switched off."""
    raw = os.environ.get(ENV_CACHE_DIR)
    if raw is None:
        return DEFAULT_CACHE_DIR
    raw = raw.strip()
    if not raw or raw.lower() in _OFF:
        return None
    return Path(raw).expanduser()


def entry_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / f"{sha256}-{parser_key()}.json.gz"


def _encode(pages: list[Page]) -> bytes:
    data = {
        "format": _FORMAT,
        "pages": [
            [p.number, p.width, p.height, p.text,
             [[ln.start, ln.end, ln.box.x0, ln.box.top, ln.box.x1, ln.box.bottom, ln.words]
              for ln in p.lines]]
            for p in pages
        ],
    }  # fmt: skip
    return gzip.compress(json.dumps(data, separators=(",", ":")).encode("utf-8"), compresslevel=1)


def _decode(blob: bytes) -> list[Page]:
    data = json.loads(gzip.decompress(blob))
    if data.get("format") != _FORMAT:
        raise ValueError(f"cache format {data.get('format')!r}")
    pages = []
    for number, width, height, text, lines in data["pages"]:
        page_lines = [
            Line(start, end, Box(x0, top, x1, bottom),
                 [(w, a, b) for w, a, b in words] if words is not None else None)
            for start, end, x0, top, x1, bottom, words in lines
        ]  # fmt: skip
        pages.append(Page(number=number, width=width, height=height, text=text, lines=page_lines))
    return pages


def load_pages(root: Path, sha256: str) -> list[Page] | None:
    """The cached pages of the document ``sha256``, or None (absent or unreadable)."""
    path = entry_path(root, sha256)
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("parse cache: cannot read %s: %s", path, exc)
        return None
    try:
        return _decode(blob)
    except (ValueError, KeyError, TypeError, EOFError, OSError, zlib.error) as exc:
        log.warning("parse cache: ignoring damaged entry %s: %s", path, exc)
        return None


def store_pages(root: Path, sha256: str, pages: list[Page]) -> None:
    """Write the entry atomically (a temporary file renamed into place); errors are logged."""
    path = entry_path(root, sha256)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json.gz")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(_encode(pages))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.warning("parse cache: cannot write %s: %s", path, exc)
        return
    STATS.writes += 1


def parse_cached(
    path: str | Path,
    paper_id: str,
    sha256: str | None = None,
    *,
    max_pages: int = DEFAULT_MAX_PAGES,
    root: Path | None = None,
) -> PaperDoc:
    """``extract.pdf.parse_pdf`` of the file at ``path``, through the cache.

    The key is the hash of the bytes read now, never the ``sha256`` a caller passes: a file
    that changed since it was listed, or a caller's placeholder hash, cannot hit another
    document's pages (hashing costs ~1 ms per MB; parsing is what the cache saves).
    ``root`` defaults to ``cache_dir()``; raises what ``parse_pdf`` raises (PaperError, OSError).
    """
    folder = cache_dir() if root is None else root
    data = Path(path).read_bytes()
    sha256 = sha256_bytes(data)
    if folder is not None:
        pages = load_pages(folder, sha256)
        if pages is not None:
            if len(pages) > max_pages:
                raise TooLargeError(f"{len(pages)} pages exceeds the cap of {max_pages}")
            STATS.hits += 1
            return doc_from_pages(pages, paper_id, sha256)
        STATS.misses += 1
    STATS.parses += 1
    doc = parse_pdf(data, paper_id, max_pages=max_pages, sha256=sha256 or None)
    if folder is not None:
        store_pages(folder, doc.sha256, doc.pages)
    return doc
