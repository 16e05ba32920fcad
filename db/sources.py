"""Writes for the discovery sources: arXiv metadata, harvest watermarks, leaderboard results.

Like ``db.store``, everything works inside the caller's session/transaction and never commits.
Records come in as plain objects with the attributes of ``extract.sources.arxiv.ArxivRecord``
and ``extract.sources.leaderboards.LeaderboardRow`` (duck-typed: ``db`` imports only
``schema``).

Leaderboard results are replaced per file: storing a file's rows first deletes every result
with source ``leaderboard`` whose evidence locator starts with ``leaderboard/<file label>/``,
so re-ingesting the same file (or a newer copy of it under the same name) never duplicates.
PDF re-extraction (``db.store.store_extraction``) leaves these rows alone.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db.store import RETRY_STATUSES, SNIPPET_MAX, insert_with_evidence, upsert_paper
from schema import quantities as q
from schema.ids import leaderboard_locator
from schema.tables import EvidenceRow, Paper, PaperStatus, Result, SourceWatermark, utcnow

log = logging.getLogger(__name__)

SOURCE_ARXIV = "arxiv"
LEADERBOARD_RULE_ID = "leaderboard.pwc.v1"
LEADERBOARD_CONFIDENCE = 0.9  # curated by people, but copied by hand from the papers


class ArxivRecordLike(Protocol):
    paper_id: str
    version: int
    title: str
    authors: tuple[str, ...]
    abstract: str
    categories: tuple[str, ...]
    published: datetime
    pdf_url: str | None
    abs_url: str


class LeaderboardRowLike(Protocol):
    source_file: str
    task: str
    dataset: str
    benchmark: str | None
    metric: str | None
    raw_metric_name: str
    raw_value: str
    value: float | None
    model_name: str | None
    paper_title: str | None
    paper_url: str | None
    arxiv_id: str | None
    paper_date: str | None

    @property
    def locator(self) -> str: ...


# --------------------------------------------------------------------------------------------
# watermarks


def get_watermark(session: Session, source: str, query_name: str) -> str | None:
    """The stored watermark of ``(source, query_name)`` (ISO text for arXiv), or ``None``."""
    row = session.get(SourceWatermark, (source, query_name))
    return row.watermark if row is not None else None


def set_watermark(session: Session, source: str, query_name: str, watermark: str | None) -> None:
    """Store the watermark of ``(source, query_name)``; ``None`` leaves the stored one alone."""
    if watermark is None:
        return
    row = session.get(SourceWatermark, (source, query_name))
    if row is None:
        session.add(SourceWatermark(source=source, query_name=query_name, watermark=watermark))
    else:
        row.watermark = watermark
        row.updated_at = utcnow()
    session.flush()


# --------------------------------------------------------------------------------------------
# arXiv


def upsert_arxiv_record(session: Session, record: ArxivRecordLike) -> Paper:
    """Insert or update a paper from its arXiv metadata.

    ``source`` becomes ``arxiv`` for a new paper or one known only from a leaderboard; a paper
    that came from a local folder keeps its source (its PDF is the local file).
    """
    existing = session.get(Paper, record.paper_id)
    keep_source = existing is not None and existing.source not in (None, q.SOURCE_LEADERBOARD)
    return upsert_paper(
        session,
        record.paper_id,
        title=record.title or None,
        year=record.published.year if record.published else None,
        arxiv_version=record.version,
        authors=list(record.authors),
        abstract=record.abstract or None,
        categories=list(record.categories),
        published_at=record.published,
        source=None if keep_source else SOURCE_ARXIV,
        source_url=record.abs_url,
        pdf_url=record.pdf_url,
    )


def arxiv_papers_pending(session: Session, everything: bool = False) -> list[Paper]:
    """arXiv papers with a PDF address whose last outcome is missing or worth retrying
    (``everything``: all of them, for a forced re-extraction).

    A harvest advances the watermark past every listed paper, so a paper whose download or
    extraction failed transiently (or that a ``--limit`` left out) is found here instead.
    """
    stmt = (
        select(Paper)
        .outerjoin(PaperStatus, PaperStatus.paper_id == Paper.paper_id)
        .where(Paper.source == SOURCE_ARXIV, Paper.pdf_url.is_not(None))
        .order_by(Paper.paper_id)
    )
    if not everything:
        stmt = stmt.where(PaperStatus.status.is_(None) | PaperStatus.status.in_(RETRY_STATUSES))
    return list(session.scalars(stmt))


# --------------------------------------------------------------------------------------------
# leaderboards


@dataclass
class LeaderboardStoreReport:
    """What ``store_leaderboard_rows`` did with one file's rows."""

    label: str
    n_rows: int = 0
    n_stored: int = 0
    n_replaced: int = 0
    n_linked_by_id: int = 0
    n_linked_by_title: int = 0
    n_new_papers: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    per_benchmark: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def titles_to_ids(session: Session, normalise: Callable[[str], str]) -> dict[str, str]:
    """``normalise(title) -> paper_id`` over the papers table; ambiguous titles are left out."""
    found: dict[str, str | None] = {}
    for paper_id, title in session.execute(select(Paper.paper_id, Paper.title)):
        key = normalise(title or "")
        if key:
            found[key] = paper_id if found.get(key, paper_id) == paper_id else None
    return {k: v for k, v in found.items() if v is not None}


def _year(row: LeaderboardRowLike) -> int | None:
    match = re.match(r"^(\d{4})", row.paper_date or "")
    if match:
        return int(match.group(1))
    match = re.match(r"^(\d{2})(\d{2})\.\d{4,5}$", row.arxiv_id or "")
    return 2000 + int(match.group(1)) if match else None


def _snippet(row: LeaderboardRowLike) -> str:
    parts = [
        f"{row.task} / {row.dataset}",
        row.model_name or "(no model name)",
        f"{row.raw_metric_name}: {row.raw_value}",
        row.paper_title or "",
        row.paper_url or "",
        row.paper_date or "",
    ]
    text = " | ".join(p for p in parts if p)
    return text if len(text) <= SNIPPET_MAX else text[: SNIPPET_MAX - 1] + "\u2026"


def delete_leaderboard_file(session: Session, label: str) -> int:
    """Delete the leaderboard results (and their evidence) stored from file ``label``."""
    prefix = leaderboard_locator(label, "")
    ids = list(
        session.scalars(
            select(EvidenceRow.id)
            .join(Result, Result.evidence_id == EvidenceRow.id)
            .where(Result.source == q.SOURCE_LEADERBOARD)
            .where(EvidenceRow.locator.startswith(prefix, autoescape=True))
        )
    )
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        opts = {"synchronize_session": False}
        session.execute(delete(Result).where(Result.evidence_id.in_(chunk)), execution_options=opts)
        session.execute(
            delete(EvidenceRow).where(EvidenceRow.id.in_(chunk)), execution_options=opts
        )
    return len(ids)


def _usable_value(row: LeaderboardRowLike, report: LeaderboardStoreReport) -> float | None:
    if not (row.benchmark and row.metric) or row.value is None:
        report.skip("unmapped")
        return None
    value = float(row.value)
    if not math.isfinite(value) or not 0 <= value <= 100:
        report.skip("value_out_of_range")
        return None
    return value


def _link(
    session: Session,
    row: LeaderboardRowLike,
    by_title: dict[str, str],
    normalise: Callable[[str], str],
    report: LeaderboardStoreReport,
) -> str | None:
    """The paper id of ``row``; a paper known only by its arXiv id here is created."""
    if row.arxiv_id:
        if session.get(Paper, row.arxiv_id) is None:
            upsert_paper(
                session, row.arxiv_id, title=row.paper_title, year=_year(row),
                source=q.SOURCE_LEADERBOARD, source_url=row.paper_url,
            )  # fmt: skip
            report.n_new_papers += 1
        report.n_linked_by_id += 1
        return row.arxiv_id
    title = normalise(row.paper_title or "")
    paper_id = by_title.get(title) if len(title.split()) >= 3 else None
    if paper_id is None:
        report.skip("no_paper")
        return None
    report.n_linked_by_title += 1
    return paper_id


def store_leaderboard_rows(
    session: Session,
    rows: Iterable[LeaderboardRowLike],
    *,
    label: str,
    sha256: str | None,
    run_id: str | None,
    extractor_version: str,
    normalise_title: Callable[[str], str],
) -> LeaderboardStoreReport:
    """Replace file ``label``'s leaderboard results by ``rows``, one evidence row each.

    Rows without a benchmark, metric or value in [0, 100] are skipped, and so are rows that
    name no arXiv id and whose normalised title (``normalise_title``) matches no paper; the
    report counts them per reason. A row with an arXiv id of a paper not yet in ``papers``
    creates that paper (source ``leaderboard``) so the value is kept.
    """
    report = LeaderboardStoreReport(label=label)
    report.n_replaced = delete_leaderboard_file(session, label)
    by_title = titles_to_ids(session, normalise_title)
    pairs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for row in rows:
        report.n_rows += 1
        value = _usable_value(row, report)
        if value is None:
            continue
        paper_id = _link(session, row, by_title, normalise_title, report)
        if paper_id is None:
            continue
        pairs.append(_row_pair(row, paper_id, value, sha256, run_id, extractor_version))
        report.per_benchmark[row.benchmark] = report.per_benchmark.get(row.benchmark, 0) + 1  # type: ignore[index]
    insert_with_evidence(session, Result, pairs)
    report.n_stored = len(pairs)
    session.flush()
    return report


def _row_pair(
    row: LeaderboardRowLike,
    paper_id: str,
    value: float,
    sha256: str | None,
    run_id: str | None,
    extractor_version: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    evidence = {
        "paper_id": paper_id, "sha256": sha256, "page": None, "snippet": _snippet(row),
        "locator": row.locator[:200], "rule_id": LEADERBOARD_RULE_ID,
        "extractor_version": extractor_version[:80], "run_id": run_id,
    }  # fmt: skip
    result = {
        "paper_id": paper_id, "model": row.model_name, "benchmark": row.benchmark,
        "metric": row.metric, "value": value, "raw_value": row.raw_value,
        "source": q.SOURCE_LEADERBOARD, "confidence": LEADERBOARD_CONFIDENCE,
        "status": q.CANDIDATE, "reject_reason": None,
    }  # fmt: skip
    return evidence, result


