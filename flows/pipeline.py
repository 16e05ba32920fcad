"""The refresh flow: discover -> parse+extract (workers) -> store, one transaction per paper.

Orchestration only: the work is in ``flows.worker`` (pure, per paper) and ``db.store``.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.context import get_run_context

from db import store
from db.engine import check_connection, make_engine, migrate, session_scope
from extract.paper import EXTRACTOR_VERSION, extractor_key
from extract.rules_loader import ruleset_sha256
from flows.worker import PaperOutcome, PaperRef, process_paper, sha256_file
from schema import quantities as q
from schema.ids import paper_id_from_path

CODE_VERSION = "0.1.0"


@dataclass
class RefreshReport:
    run_id: str
    n_papers: int = 0
    n_extracted: int = 0
    n_skipped: int = 0
    n_failed: int = 0
    failures: list[tuple[str, str, str]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"n_papers": self.n_papers, "n_extracted": self.n_extracted,
                "n_skipped": self.n_skipped, "n_failed": self.n_failed}  # fmt: skip


def _year_from_arxiv_id(paper_id: str) -> int | None:
    match = re.match(r"^(\d{2})(\d{2})\.\d{4,5}$", paper_id)
    return 2000 + int(match.group(1)) if match else None


@task(name="discover-pdf-dir", retries=0)
def discover_pdf_dir(pdf_dir: str, limit: int | None = None) -> list[PaperRef]:
    """Every *.pdf below ``pdf_dir`` (sorted), hashed; the id comes from the file name."""
    root = Path(pdf_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"--pdf-dir {pdf_dir!r} is not a folder")
    paths = sorted(p for p in root.rglob("*") if p.suffix.lower() == ".pdf" and p.is_file())
    refs = []
    for path in paths[:limit] if limit else paths:
        paper_id, version = paper_id_from_path(path)
        refs.append(PaperRef(
            paper_id=paper_id, path=str(path), sha256=sha256_file(path),
            n_bytes=path.stat().st_size, arxiv_version=version,
            year=_year_from_arxiv_id(paper_id),
        ))  # fmt: skip
    return refs


@task(name="extract-paper", retries=0)
def extract_paper(ref: PaperRef) -> PaperOutcome:
    return process_paper(ref)


def _store_outcome(engine, outcome: PaperOutcome, run_id: str, key: str) -> None:  # type: ignore[no-untyped-def]
    ref = outcome.ref
    with session_scope(engine) as session:
        store.upsert_paper(
            session, ref.paper_id, title=outcome.title or ref.title, year=ref.year,
            arxiv_version=outcome.arxiv_version or ref.arxiv_version, source=ref.source,
            source_url=ref.source_url,
        )  # fmt: skip
        if outcome.status in (q.STATUS_OK, q.STATUS_NO_CANDIDATES):
            store.store_extraction(
                session, paper_id=ref.paper_id, sha256=ref.sha256, doc_path=ref.path,
                n_bytes=ref.n_bytes, n_pages=outcome.n_pages, extraction=outcome.extraction,
                extractor_key=key, extractor_version=EXTRACTOR_VERSION, run_id=run_id,
                seconds=outcome.seconds,
            )  # fmt: skip
        else:
            store.record_failure(
                session, paper_id=ref.paper_id, status=outcome.status, message=outcome.message,
                sha256=ref.sha256, extractor_key=key, run_id=run_id,
            )  # fmt: skip


def _pending(engine, refs: list[PaperRef], key: str, force: bool) -> list[PaperRef]:  # type: ignore[no-untyped-def]
    if force:
        return refs
    with session_scope(engine) as session:
        return [r for r in refs if store.needs_extraction(session, r.paper_id, r.sha256, key)]


def _run_id() -> str:
    try:
        return str(get_run_context().flow_run.id)  # type: ignore[union-attr]
    except Exception:  # noqa: BLE001 - outside a flow run
        return uuid.uuid4().hex


def _log_line(logger: logging.Logger | logging.LoggerAdapter, i: int, n: int, outcome: PaperOutcome) -> None:  # type: ignore[type-arg]
    ex = outcome.extraction
    if outcome.status in (q.STATUS_OK, q.STATUS_NO_CANDIDATES):
        logger.info(
            "[%d/%d] %s %s: %s pages, %d results, %d training runs, %d sizes (%.1fs)",
            i, n, outcome.ref.paper_id, outcome.status, outcome.n_pages, len(ex.results),
            len(ex.training), len(ex.sizes), outcome.seconds,
        )  # fmt: skip
    else:
        first_line = (outcome.message or "").splitlines()[0] if outcome.message else ""
        logger.warning("[%d/%d] %s %s: %s", i, n, outcome.ref.paper_id, outcome.status, first_line)


@flow(name="paperflops-refresh", log_prints=False)
def refresh_flow(
    pdf_dir: str | None = None,
    db_url: str | None = None,
    limit: int | None = None,
    force: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> RefreshReport:
    """Refresh the database from the enabled sources (so far: a folder of PDFs)."""
    logger = get_run_logger()
    engine = make_engine(db_url)
    check_connection(engine)
    migrate(engine)
    run_id, key = _run_id(), extractor_key()
    report = RefreshReport(run_id=run_id)
    with session_scope(engine) as session:
        store.start_run(session, run_id, CODE_VERSION, ruleset_sha256(),
                        {"pdf_dir": pdf_dir, "limit": limit, "force": force})  # fmt: skip
    refs = discover_pdf_dir(pdf_dir, limit) if pdf_dir else []
    pending = _pending(engine, refs, key, force)
    report.n_papers, report.n_skipped = len(refs), len(refs) - len(pending)
    logger.info("%d papers found, %d unchanged, %d to extract", len(refs), report.n_skipped, len(pending))
    for i, ref in enumerate(pending, 1):
        outcome = extract_paper(ref)
        _store_outcome(engine, outcome, run_id, key)
        _log_line(logger, i, len(pending), outcome)
        if outcome.status in q.FAILED_STATUSES:
            report.n_failed += 1
            report.failures.append((ref.paper_id, outcome.status, outcome.message or ""))
        else:
            report.n_extracted += 1
        if on_progress:
            on_progress(i, len(pending))
    with session_scope(engine) as session:
        store.finish_run(session, run_id, report.counts())
    engine.dispose()
    return report
