"""Discovery steps of the refresh: arXiv harvest, PDF downloads, leaderboard ingestion.

Orchestration only. The network IO is ``flows.fetching`` (which already retries transient
failures with backoff, so these tasks have ``retries=0``); parsing is ``extract.sources``;
writes are ``db.sources`` and ``db.store``.

No Prefect result caching here, on purpose: each step has a cache that outlives a Prefect
server and is keyed on what matters. A harvest is incremental through its watermark in
``source_watermarks``; a PDF is downloaded at most once per URL into the content-addressed
``PdfStore`` (``<data dir>/pdfs``); a paper is re-extracted only when its bytes or the
extractor change (``db.store.needs_extraction``); a leaderboard file replaces its own rows.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import MissingContextError
from sqlalchemy import Engine

from db import sources as dbs
from db import store
from db.engine import session_scope
from extract.sources.arxiv import ArxivQuery, ArxivRecord, next_watermark
from extract.sources.errors import FetchError
from extract.sources.leaderboards import (
    LeaderboardFormatError,
    Synonyms,
    load_synonyms,
    normalise_title,
    read_leaderboard,
)
from flows.config import ArxivSettings, SourcesConfig
from flows.fetching import PacedArxivClient, PdfStore, fetch_leaderboard, harvest_arxiv
from flows.worker import PaperRef
from schema import quantities as q

ENV_DATA_DIR = "PAPERFLOPS_DATA_DIR"
DEFAULT_DATA_DIR = "data"
LEADERBOARD_SUFFIXES = (".json", ".json.gz", ".gz", ".parquet")
log = logging.getLogger(__name__)


def _logger() -> logging.Logger | logging.LoggerAdapter:  # type: ignore[type-arg]
    """The Prefect run logger inside a run, else this module's (``task.fn(...)`` in a notebook)."""
    try:
        return get_run_logger()
    except MissingContextError:
        return log


def data_dir_path(
    data_dir: str | os.PathLike[str] | None, env: Mapping[str, str] | None = None
) -> Path:
    """The data folder: ``data_dir``, else ``$PAPERFLOPS_DATA_DIR``, else ``./data``."""
    env = os.environ if env is None else env
    return Path(data_dir or env.get(ENV_DATA_DIR) or DEFAULT_DATA_DIR)


# --------------------------------------------------------------------------------------------
# arXiv harvest


@dataclass
class Harvest:
    """What one query returned; ``error`` says why it stopped early (records are kept)."""

    query_name: str
    records: list[ArxivRecord]
    watermark: datetime | None
    error: str | None = None


@task(name="harvest-arxiv", retries=0, cache_policy=NO_CACHE)
def harvest_arxiv_task(
    query: ArxivQuery,
    since: datetime | None,
    settings: ArxivSettings,
    client: PacedArxivClient | None = None,
) -> Harvest:
    """Papers of ``query`` updated since the watermark; a failure keeps what was read."""
    try:
        records = harvest_arxiv(query, since, settings, client)
        error = None
    except FetchError as err:
        records = list(getattr(err, "partial_records", []))
        error = f"{type(err).__name__}: {err}"
        _logger().warning("arXiv query %s stopped after %d records: %s",
                                 query.name, len(records), error)  # fmt: skip
    return Harvest(query.name, records, next_watermark(records, since), error)


def harvest_and_record(engine: Engine, config: SourcesConfig) -> list[Harvest]:
    """Run every configured query from its stored watermark; store records, then watermarks."""
    client = PacedArxivClient(config.arxiv)  # one client: pacing holds across queries
    harvests = []
    for query in config.queries:
        with session_scope(engine) as session:
            stored = dbs.get_watermark(session, dbs.SOURCE_ARXIV, query.name)
        since = datetime.fromisoformat(stored) if stored else None
        harvest = harvest_arxiv_task(query, since, config.arxiv, client)
        with session_scope(engine) as session:
            for record in harvest.records:
                dbs.upsert_arxiv_record(session, record)
            mark = harvest.watermark.isoformat() if harvest.watermark else None
            dbs.set_watermark(session, dbs.SOURCE_ARXIV, query.name, mark)
        harvests.append(harvest)
    return harvests


# --------------------------------------------------------------------------------------------
# PDF downloads


@dataclass(frozen=True, slots=True)
class PdfRequest:
    """One arXiv PDF to have in the store, with what the refs need to know of its paper."""

    paper_id: str
    url: str
    version: int | None = None
    title: str | None = None
    year: int | None = None
    source_url: str | None = None

    @classmethod
    def from_record(cls, record: ArxivRecord) -> PdfRequest | None:
        if not record.pdf_url:
            return None
        year = record.published.year if record.published else None
        return cls(record.paper_id, record.pdf_url, record.version, record.title, year,
                   record.abs_url)  # fmt: skip


@dataclass(frozen=True, slots=True)
class DownloadFailure:
    paper_id: str
    url: str
    status: str
    message: str


@dataclass
class Downloads:
    """``refs`` ready for extraction, ``failures`` to record, and how many hit the network."""

    refs: list[PaperRef] = field(default_factory=list)
    failures: list[DownloadFailure] = field(default_factory=list)
    n_fetched: int = 0
    n_cached: int = 0


def pdf_requests(
    harvests: Iterable[Harvest], retry: Iterable[PdfRequest], skip: set[str]
) -> list[PdfRequest]:
    """The PDFs to fetch: harvested records first, then papers to retry; one per paper id."""
    wanted = [PdfRequest.from_record(r) for h in harvests for r in h.records]
    out: dict[str, PdfRequest] = {}
    for item in [w for w in wanted if w is not None] + list(retry):
        if item.paper_id not in skip and item.paper_id not in out:
            out[item.paper_id] = item
    return list(out.values())


def pending_requests(engine: Engine, everything: bool = False) -> list[PdfRequest]:
    """arXiv papers in the database still waiting for a PDF or a successful extraction
    (``everything``: all arXiv papers, as ``--force`` re-extracts them all)."""
    with session_scope(engine) as session:
        return [
            PdfRequest(p.paper_id, p.pdf_url or "", p.arxiv_version, p.title, p.year, p.source_url)
            for p in dbs.arxiv_papers_pending(session, everything)
        ]


def _fetch_one(pdfs: PdfStore, item: PdfRequest) -> tuple[PaperRef, bool] | DownloadFailure:
    """``(ref, from_cache)`` for the stored PDF of ``item``, or why there is none."""
    try:
        got = pdfs.fetch(item.url, item.paper_id, item.version, any_version=False)
    except FetchError as err:
        return DownloadFailure(item.paper_id, item.url, err.status, f"{type(err).__name__}: {err}")
    except OSError as err:
        return DownloadFailure(item.paper_id, item.url, q.STATUS_ERROR, f"cannot store PDF: {err}")
    ref = PaperRef(
        paper_id=item.paper_id, path=str(got.path), sha256=got.sha256, n_bytes=got.bytes,
        arxiv_version=item.version, year=item.year, title=item.title, source="arxiv",
        source_url=item.source_url,
    )  # fmt: skip
    return ref, got.from_cache


@task(name="download-pdfs", retries=0, cache_policy=NO_CACHE)
def download_pdfs_task(wanted: Sequence[PdfRequest], pdfs: PdfStore) -> Downloads:
    """Every PDF in ``wanted`` into the store (at most once per URL), a few at a time.

    A failure (not a PDF, too large, not found, refused URL, transient errors that outlived
    their retries) becomes a ``DownloadFailure`` with its ``paper_status`` value, never an
    exception.
    """
    logger, out = _logger(), Downloads()
    workers = max(1, pdfs.settings.per_host_concurrency)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pdf") as pool:
        for got in pool.map(lambda item: _fetch_one(pdfs, item), wanted):
            if isinstance(got, DownloadFailure):
                out.failures.append(got)
                logger.warning("%s: %s: %s", got.paper_id, got.status, got.message)
                continue
            out.refs.append(got[0])
            out.n_cached += got[1]
            out.n_fetched += not got[1]
    return out


def record_download_failures(
    engine: Engine, failures: Iterable[DownloadFailure], key: str, run_id: str
) -> None:
    """One failed ``paper_status`` row per failure (the paper's earlier values are kept)."""
    with session_scope(engine) as session:
        for fail in failures:
            store.record_failure(
                session, paper_id=fail.paper_id, status=fail.status, message=fail.message,
                sha256=None, extractor_key=key, run_id=run_id,
            )  # fmt: skip


# --------------------------------------------------------------------------------------------
# leaderboards


@dataclass
class LeaderboardOutcome:
    """One leaderboard file: stored (``report``) or failed (``error``)."""

    source: str
    label: str | None = None
    sha256: str | None = None
    error: str | None = None
    report: dbs.LeaderboardStoreReport | None = None


def expand_leaderboard_sources(sources: Iterable[str]) -> list[str]:
    """URLs and files as given; a folder becomes its leaderboard files (recursive, sorted)."""
    out: list[str] = []
    for source in sources:
        path = Path(source)
        if "://" not in source and path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and _is_leaderboard(p))
            out.extend(str(p) for p in files)
        else:
            out.append(source)
    return list(dict.fromkeys(out))


def _is_leaderboard(path: Path) -> bool:
    return path.name.lower().endswith(LEADERBOARD_SUFFIXES)


def _ingest_one(
    engine: Engine, source: str, config: SourcesConfig, synonyms: Synonyms, run_id: str
) -> LeaderboardOutcome:
    outcome = LeaderboardOutcome(source)
    settings = config.leaderboards
    try:
        blob, outcome.label = fetch_leaderboard(source, config.downloads, settings.max_bytes)
        outcome.sha256 = hashlib.sha256(blob).hexdigest()
        rows = read_leaderboard(blob, outcome.label, synonyms, settings.max_bytes)
    except (FetchError, LeaderboardFormatError, OSError, ValueError) as err:
        outcome.error = f"{type(err).__name__}: {err}"
        return outcome
    with session_scope(engine) as session:
        outcome.report = dbs.store_leaderboard_rows(
            session, rows, label=outcome.label, sha256=outcome.sha256, run_id=run_id,
            extractor_version=f"leaderboard_synonyms.v{synonyms.version}",
            normalise_title=normalise_title,
        )  # fmt: skip
        dbs.set_watermark(session, q.SOURCE_LEADERBOARD, outcome.label[:120], outcome.sha256)
    return outcome


@task(name="ingest-leaderboards", retries=0, cache_policy=NO_CACHE)
def ingest_leaderboards_task(
    sources: Sequence[str], engine: Engine, config: SourcesConfig, run_id: str
) -> list[LeaderboardOutcome]:
    """Read each leaderboard file (path, folder or URL) and replace its results, one
    transaction per file; a file that cannot be read is reported and the others go on."""
    logger = _logger()
    synonyms = load_synonyms(config.leaderboards.synonyms)
    outcomes = []
    for source in expand_leaderboard_sources(sources):
        outcome = _ingest_one(engine, source, config, synonyms, run_id)
        if outcome.error:
            logger.warning("leaderboard %s not ingested: %s", source, outcome.error)
        else:
            rep = outcome.report
            logger.info("leaderboard %s: %d rows, %d stored %s, skipped %s", outcome.label,
                        rep.n_rows, rep.n_stored, rep.per_benchmark, rep.skipped)  # type: ignore[union-attr]  # fmt: skip
        outcomes.append(outcome)
    return outcomes
