"""The parsed-page cache: a second extraction reads cached pages, never the PDF parser."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from extract import cache
from extract.errors import PaperError, TooLargeError
from extract.paper import extract_doc
from extract.pdf import parse_pdf
from flows.worker import PaperRef, process_paper, sha256_file

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SMALL_PDF = SHARED / "corpus" / "pdf" / "1409.3215.pdf"

pytestmark = pytest.mark.corpus


@pytest.fixture
def pdf(tmp_path: Path) -> Path:
    if not SMALL_PDF.is_file():
        pytest.skip(f"corpus PDF not found: ../shared/corpus/pdf/{SMALL_PDF.name}")
    target = tmp_path / "pdfs" / SMALL_PDF.name
    target.parent.mkdir()
    shutil.copy(SMALL_PDF, target)
    return target


@pytest.fixture(autouse=True)
def cache_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "cache"
    monkeypatch.setenv(cache.ENV_CACHE_DIR, str(root))
    cache.STATS.reset()
    return root


def test_cached_pages_equal_parsed_pages(pdf: Path, cache_root: Path) -> None:
    fresh = parse_pdf(pdf.read_bytes(), "1409.3215")
    first = cache.parse_cached(pdf, "1409.3215")
    second = cache.parse_cached(pdf, "1409.3215")
    assert (cache.STATS.parses, cache.STATS.hits, cache.STATS.writes) == (1, 1, 1)
    assert second.pages == fresh.pages == first.pages
    assert (second.sha256, second.title, second.arxiv_version) == (
        fresh.sha256, fresh.title, fresh.arxiv_version)  # fmt: skip
    assert extract_doc(second) == extract_doc(fresh)
    [entry] = cache_root.rglob("*.json.gz")
    assert entry.name.startswith(fresh.sha256) and cache.parser_key() in entry.name


def test_second_extraction_does_not_parse_the_pdf(pdf: Path) -> None:
    """A rule change re-runs process_paper: the pages come from the cache, not pdfium."""
    ref = PaperRef(paper_id="1409.3215", path=str(pdf), sha256=sha256_file(pdf),
                   n_bytes=pdf.stat().st_size)  # fmt: skip
    first = process_paper(ref)
    assert first.status == "ok" and cache.STATS.parses == 1 and cache.STATS.hits == 0
    second = process_paper(ref)
    assert second.status == "ok"
    assert cache.STATS.parses == 1 and cache.STATS.hits == 1
    assert second.extraction == first.extraction and second.n_pages == first.n_pages


def test_a_passed_hash_never_stands_in_for_the_file(pdf: Path, tmp_path: Path) -> None:
    """The key is the hash of the bytes read now: a missing file is an error even when its
    pages are cached, and a placeholder hash cannot pull another document's pages."""
    sha = sha256_file(pdf)
    cache.parse_cached(pdf, "1409.3215", sha)
    other = tmp_path / "other.pdf"
    other.write_bytes(b"%PDF-1.4 not really a pdf")
    with pytest.raises(PaperError):
        cache.parse_cached(other, "other", sha)
    pdf.unlink()
    with pytest.raises(OSError):
        cache.parse_cached(pdf, "1409.3215", sha)


def test_page_cap_applies_to_cached_pages(pdf: Path) -> None:
    doc = cache.parse_cached(pdf, "1409.3215")
    with pytest.raises(TooLargeError):
        cache.parse_cached(pdf, "1409.3215", max_pages=doc.n_pages - 1)


def test_damaged_entry_is_a_miss(pdf: Path, cache_root: Path) -> None:
    cache.parse_cached(pdf, "1409.3215")
    [entry] = cache_root.rglob("*.json.gz")
    entry.write_bytes(gzip.compress(b"{not json"))
    doc = cache.parse_cached(pdf, "1409.3215")
    assert doc.n_pages > 0 and cache.STATS.parses == 2 and cache.STATS.misses == 2


def test_cache_off(pdf: Path, cache_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(cache.ENV_CACHE_DIR, "off")
    cache.parse_cached(pdf, "1409.3215")
    cache.parse_cached(pdf, "1409.3215")
    assert cache.STATS.parses == 2 and not cache_root.exists()


def test_default_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cache.ENV_CACHE_DIR)
    assert cache.cache_dir() == Path("data") / "cache"
