"""What a worker does for one paper: read the file, parse, extract. Pure of DB and Prefect.

Returns a picklable outcome so that it can run in a process pool; a PaperError becomes a
failed outcome with the status and message to record, never an exception for the flow.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field

from extract.cache import parse_cached
from extract.errors import PaperError
from extract.paper import extract_doc
from extract.pdf import DEFAULT_MAX_PAGES
from schema import quantities as q
from schema.ids import sha256_file  # noqa: F401 - re-exported for callers
from schema.records import Extraction

OUT_OF_MEMORY = "out of memory"


@dataclass(slots=True)
class PaperRef:
    """A paper to process: where its PDF is and what we know of it."""

    paper_id: str
    path: str
    sha256: str
    n_bytes: int
    arxiv_version: int | None = None
    year: int | None = None
    title: str | None = None
    source: str = "pdf-dir"
    source_url: str | None = None


@dataclass(slots=True)
class PaperOutcome:
    ref: PaperRef
    status: str
    message: str | None = None
    n_pages: int | None = None
    title: str | None = None
    arxiv_version: int | None = None
    extraction: Extraction = field(default_factory=Extraction)
    seconds: float = 0.0


def process_paper(ref: PaperRef, max_pages: int = DEFAULT_MAX_PAGES) -> PaperOutcome:
    """Parse and extract one paper; every failure is returned, none raised.

    ``max_pages``: longer PDFs get ``too_large`` before any page is read. A ``MemoryError``
    (e.g. under the memory cap of ``flows.isolation``) becomes ``too_large`` as well.
    """
    started = time.perf_counter()
    try:
        doc = parse_cached(ref.path, ref.paper_id, ref.sha256 or None, max_pages=max_pages)
        doc.year = ref.year
        extraction = extract_doc(doc)
    except PaperError as exc:
        return PaperOutcome(ref, exc.status, str(exc), seconds=time.perf_counter() - started)
    except MemoryError:
        message = f"{OUT_OF_MEMORY} while parsing or extracting ({ref.n_bytes} bytes)"
        return PaperOutcome(ref, q.STATUS_TOO_LARGE, message, seconds=time.perf_counter() - started)
    except OSError as exc:
        return PaperOutcome(ref, q.STATUS_NO_PDF, f"cannot read {ref.path}: {exc}")
    except Exception as exc:  # noqa: BLE001 - one bad paper must never stop the run
        message = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"
        return PaperOutcome(ref, q.STATUS_ERROR, message, seconds=time.perf_counter() - started)
    status = q.STATUS_OK if len(extraction) else q.STATUS_NO_CANDIDATES
    return PaperOutcome(
        ref,
        status,
        n_pages=doc.n_pages,
        title=doc.title,
        arxiv_version=doc.arxiv_version,
        extraction=extraction,
        seconds=time.perf_counter() - started,
    )
