"""The refresh flow: discover -> fetch -> parse+extract (workers) -> store -> leaderboards.

Orchestration only: discovery and downloads are ``flows.discovery``, the per-paper work is
``flows.worker`` (pure), the writes are ``db.store`` (one transaction per paper) and
``db.sources``. Each source (``pdf-dir``, ``arxiv``, ``leaderboards``) can be switched on or off
per run.
"""

from __future__ import annotations

import logging
import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.context import get_run_context
from prefect.futures import as_completed
from sqlalchemy import Engine

from db import store
from db.compute import compute_for_paper
from db.engine import check_connection, make_engine, migrate, session_scope
from extract.paper import EXTRACTOR_VERSION, extractor_key
from extract.rules_loader import ruleset_sha256
from flows import discovery as disc
from flows.config import SourcesConfig, load_sources_config
from flows.fetching import PdfStore
from flows.incremental import scan_pdf_dir
from flows.isolation import ENV_WORKERS, Limits, run_isolated
from flows.isolation import shutdown as shutdown_workers
from flows.version import CODE_VERSION  # noqa: F401 - re-exported
from flows.worker import PaperOutcome, PaperRef
from schema import quantities as q

SOURCE_PDF_DIR, SOURCE_ARXIV, SOURCE_LEADERBOARDS = q.REFRESH_SOURCES
SOURCES = q.REFRESH_SOURCES


@dataclass
class RefreshReport:
    run_id: str
    n_papers: int = 0
    n_extracted: int = 0
    n_skipped: int = 0
    n_failed: int = 0
    failures: list[tuple[str, str, str]] = field(default_factory=list)
    n_harvested: int = 0
    n_downloaded: int = 0
    n_download_cached: int = 0
    harvest_errors: list[tuple[str, str]] = field(default_factory=list)
    leaderboards: list[disc.LeaderboardOutcome] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"n_papers": self.n_papers, "n_extracted": self.n_extracted,
                "n_skipped": self.n_skipped, "n_failed": self.n_failed}  # fmt: skip


def _year_from_arxiv_id(paper_id: str) -> int | None:
    match = re.match(r"^(\d{2})(\d{2})\.\d{4,5}$", paper_id)
    return 2000 + int(match.group(1)) if match else None


def pdf_dir_refs(pdf_dir: str, limit: int | None = None) -> list[PaperRef]:
    """Every *.pdf below ``pdf_dir`` (sorted) as a paper to extract: hashed, the id and the
    arXiv version from the file name, the year from a new-style arXiv id."""
    return [
        PaperRef(
            paper_id=f.paper_id, path=str(f.path), sha256=f.sha256, n_bytes=f.n_bytes,
            arxiv_version=f.arxiv_version, year=_year_from_arxiv_id(f.paper_id),
        )  # fmt: skip
        for f in scan_pdf_dir(pdf_dir, limit)
    ]


@task(name="discover-pdf-dir", retries=0)
def discover_pdf_dir(pdf_dir: str, limit: int | None = None) -> list[PaperRef]:
    """``pdf_dir_refs`` as a task of the flow."""
    return pdf_dir_refs(pdf_dir, limit)


@task(name="extract-paper", retries=0, cache_policy=NO_CACHE)
def extract_paper(ref: PaperRef, limits: Limits, workers: int) -> PaperOutcome:
    """Parse and extract one paper in an isolated worker process (timeout, memory and page
    caps: a pathological PDF costs its own status, never the run)."""
    return run_isolated(ref, limits, workers)


def store_outcome(engine, outcome: PaperOutcome, run_id: str, key: str) -> None:  # type: ignore[no-untyped-def]
    """One paper's outcome into the database, one transaction: its values with evidence and
    its compute estimates, or its failure (what every refresh does with each paper)."""
    ref = outcome.ref
    with session_scope(engine) as session:
        store.upsert_paper(
            session, ref.paper_id, title=ref.title or outcome.title, year=ref.year,
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
            compute_for_paper(session, ref.paper_id, run_id=run_id)
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


def _log_line(
    logger: logging.Logger | logging.LoggerAdapter, i: int, n: int, outcome: PaperOutcome
) -> None:  # type: ignore[type-arg]
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


def _arxiv_refs(
    engine: Engine,
    config: SourcesConfig,
    data_dir: str | None,
    skip: set[str],
    limit: int | None,
    force: bool,
    report: RefreshReport,
    key: str,
) -> list[PaperRef]:
    """Harvest every query, then have each new (or still pending) paper's PDF in the store."""
    harvests = disc.harvest_and_record(engine, config)
    report.n_harvested = sum(len(h.records) for h in harvests)
    report.harvest_errors = [(h.query_name, h.error) for h in harvests if h.error]
    wanted = disc.pdf_requests(harvests, disc.pending_requests(engine, force), skip)
    pdfs = PdfStore(disc.data_dir_path(data_dir) / "pdfs", config.downloads)
    got = disc.download_pdfs_task(wanted[:limit] if limit else wanted, pdfs)
    disc.record_download_failures(engine, got.failures, key, report.run_id)
    report.n_downloaded, report.n_download_cached = got.n_fetched, got.n_cached
    report.n_failed += len(got.failures)
    report.failures += [(f.paper_id, f.status, f.message) for f in got.failures]
    return got.refs


def _extract_all(
    engine: Engine,
    refs: list[PaperRef],
    key: str,
    force: bool,
    report: RefreshReport,
    on_progress: Callable[[int, int], None] | None,
    workers: int | None = None,
) -> None:
    """Extract every paper whose bytes or extractor changed in ``workers`` processes (default:
    one per CPU); store each as it completes, one transaction per paper, in this process."""
    logger = get_run_logger()
    pending = _pending(engine, refs, key, force)
    report.n_papers += len(refs)
    report.n_skipped = len(refs) - len(pending)
    logger.info(
        "%d papers found, %d unchanged, %d to extract", len(refs), report.n_skipped, len(pending)
    )
    if not pending:
        return
    size = min(workers or os.cpu_count() or 1, len(pending))
    limits = Limits.from_env()
    try:
        futures = [extract_paper.submit(ref, limits, size) for ref in pending]
        for i, future in enumerate(as_completed(futures), 1):
            outcome = future.result()
            store_outcome(engine, outcome, report.run_id, key)
            _log_line(logger, i, len(pending), outcome)
            _count(report, outcome)
            if on_progress:
                on_progress(i, len(pending))
    finally:
        shutdown_workers()  # the pool lives for one refresh


def _count(report: RefreshReport, outcome: PaperOutcome) -> None:
    if outcome.status in q.FAILED_STATUSES:
        report.n_failed += 1
        report.failures.append((outcome.ref.paper_id, outcome.status, outcome.message or ""))
    else:
        report.n_extracted += 1


def unique_refs(refs: list[PaperRef]) -> list[PaperRef]:
    """One ref per paper id, the first kept (a local file before a download)."""
    first: dict[str, PaperRef] = {}
    for ref in refs:
        first.setdefault(ref.paper_id, ref)
    return list(first.values())


def _wanted_sources(sources: list[str] | None, pdf_dir: str | None) -> set[str]:
    wanted = set(sources) if sources is not None else ({SOURCE_PDF_DIR} if pdf_dir else set())
    unknown = wanted - set(SOURCES)
    if unknown:
        raise ValueError(f"unknown source(s) {sorted(unknown)}; choose from {', '.join(SOURCES)}")
    return wanted


@flow(name="paperflops-refresh", log_prints=False)
def refresh_flow(
    pdf_dir: str | None = None,
    db_url: str | None = None,
    limit: int | None = None,
    force: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
    sources: list[str] | None = None,
    data_dir: str | None = None,
    config_path: str | None = None,
    leaderboards: list[str] | None = None,
    workers: int | None = None,
) -> RefreshReport:
    """Refresh the database from the enabled ``sources`` (default: ``pdf-dir`` when ``pdf_dir``).

    ``workers``: extraction processes (default: one per CPU, or $PAPERFLOPS_WORKERS).

    ``pdf-dir``: every PDF below ``pdf_dir``. ``arxiv``: the configured queries, incremental
    per query, PDFs kept in ``<data_dir>/pdfs``. ``leaderboards``: the configured files plus
    ``leaderboards`` (paths, folders or URLs). ``limit`` caps the papers of each PDF source.
    """
    wanted = _wanted_sources(sources, pdf_dir)
    config = load_sources_config(config_path)
    engine = make_engine(db_url)
    check_connection(engine)
    migrate(engine)
    key = extractor_key()
    report = RefreshReport(run_id=_run_id())
    options = {"sources": sorted(wanted), "pdf_dir": pdf_dir, "limit": limit, "force": force}
    options |= {"data_dir": data_dir, "config": config_path, "leaderboards": leaderboards}
    with session_scope(engine) as session:
        store.start_run(session, report.run_id, CODE_VERSION, ruleset_sha256(), options)
    state = "failed"
    try:
        refs = discover_pdf_dir(pdf_dir, limit) if SOURCE_PDF_DIR in wanted and pdf_dir else []
        if SOURCE_ARXIV in wanted:
            local = {r.paper_id for r in refs}
            refs += _arxiv_refs(engine, config, data_dir, local, limit, force, report, key)
        workers = workers or int(os.environ.get(ENV_WORKERS, "0") or 0) or None
        _extract_all(engine, unique_refs(refs), key, force, report, on_progress, workers)
        if SOURCE_LEADERBOARDS in wanted:
            paths = [*config.leaderboards.paths, *(leaderboards or [])]
            report.leaderboards = disc.ingest_leaderboards_task(
                paths, engine, config, report.run_id
            )
        state = "finished"
    finally:
        with session_scope(engine) as session:
            store.finish_run(session, report.run_id, report.counts(), state=state)
        engine.dispose()
    return report
