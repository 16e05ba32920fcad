"""Writes: papers, per-paper extraction results with evidence, failures, runs.

Everything here works inside the caller's session/transaction (``db.engine.session_scope``);
nothing commits. A paper's extracted rows are replaced as a whole by ``store_extraction``, so a
re-extraction never duplicates rows; curations and leaderboard-sourced results are never touched
(unless leaderboard results are asked for explicitly).

Values that a DB check constraint would refuse never crash the store:

- training runs: a non-positive or non-finite ``hardware_count``, ``chips``, ``duration_hours``
  or ``device_hours`` is stored as NULL and the row is kept with status ``rejected`` and a
  ``reject_reason`` (the stated text stays in ``hardware_raw``/``duration_raw`` and the snippet);
- results: ``value`` is NOT NULL and checked to lie in [0, 100]; a result outside that range (or
  not finite, or without benchmark/metric) cannot be held by the table, so it is dropped with a
  logged warning;
- model sizes: ``value`` is NOT NULL and checked > 0; a non-positive or non-finite size (or one
  without a quantity) is dropped with a logged warning;
- evidence: a page number < 1 or an invalid character span is stored as NULL (logged); a
  snippet is cut to 300 characters;
- confidences are clamped into [0, 1]; a model size of an unknown quantity is dropped;
- any string longer than its column (PostgreSQL enforces VARCHAR lengths) is cut to fit (logged).

Dropped and rejected counts are written into ``paper_status.message``.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, delete, insert, select
from sqlalchemy.orm import Session

from schema import quantities as q
from schema.records import (
    Evidence,
    Extraction,
    ResultCandidate,
    SizeCandidate,
    TrainingCandidate,
)
from schema.tables import (
    Base,
    Document,
    EvidenceRow,
    ModelSize,
    Paper,
    PaperStatus,
    Result,
    Run,
    TrainingRun,
    utcnow,
)

log = logging.getLogger(__name__)

SNIPPET_MAX = 300
# Sources of results that an extraction produces, hence replaces on re-extraction.
EXTRACTED_SOURCES: tuple[str, ...] = (q.SOURCE_TEXT, q.SOURCE_TABLE)
# Statuses after which the same bytes read by the same extractor give the same outcome: no retry.
FINAL_STATUSES: tuple[str, ...] = (
    q.STATUS_OK,
    q.STATUS_NO_CANDIDATES,
    q.STATUS_NOT_PDF,
    q.STATUS_ENCRYPTED,
    q.STATUS_NEEDS_OCR,
    q.STATUS_TOO_LARGE,
)
# Failures worth retrying on the next refresh even with unchanged bytes and extractor.
RETRY_STATUSES: tuple[str, ...] = tuple(s for s in q.PAPER_STATUSES if s not in FINAL_STATUSES)

_PAPER_FIELDS = frozenset(
    c.name
    for c in Paper.__table__.columns
    if c.name not in ("paper_id", "created_at", "updated_at")
)
_RUN_COUNTS = ("n_papers", "n_extracted", "n_skipped", "n_failed")


def _string_lengths(table: type[Base]) -> dict[str, int]:
    return {
        c.name: c.type.length
        for c in table.__table__.columns
        if isinstance(c.type, String) and c.type.length
    }


_LENGTHS = {t: _string_lengths(t) for t in (EvidenceRow, Result, TrainingRun, ModelSize)}


# --------------------------------------------------------------------------------------------
# papers


def upsert_paper(session: Session, paper_id: str, **metadata: Any) -> Paper:
    """Insert the paper, or update its metadata; a None never overwrites a stored value.

    ``metadata`` keys are columns of ``papers`` (title, year, arxiv_version, authors, abstract,
    categories, published_at, source, source_url, pdf_url, in_scope); others raise TypeError.
    """
    unknown = set(metadata) - _PAPER_FIELDS
    if unknown:
        raise TypeError(f"unknown paper field(s): {', '.join(sorted(unknown))}")
    if not paper_id:
        raise ValueError("paper_id must be a non-empty string")
    paper = session.get(Paper, paper_id)
    values = {k: v for k, v in metadata.items() if v is not None}
    if paper is None:
        paper = Paper(paper_id=paper_id, **values)
        session.add(paper)
    else:
        for key, value in values.items():
            if getattr(paper, key) != value:
                setattr(paper, key, value)
    session.flush()
    return paper


def needs_extraction(session: Session, paper_id: str, sha256: str, extractor_key: str) -> bool:
    """False when the paper's latest outcome is final for these exact bytes and extractor.

    Final outcomes are ``FINAL_STATUSES`` (ok, no_candidates and the deterministic failures
    not_pdf, encrypted, needs_ocr, too_large); ``RETRY_STATUSES`` (parse_error, timeout, no_pdf,
    error) are tried again.
    """
    row = session.execute(
        select(PaperStatus.sha256, PaperStatus.extractor_key, PaperStatus.status).where(
            PaperStatus.paper_id == paper_id
        )
    ).first()
    if row is None:
        return True
    return not (
        row.sha256 == sha256 and row.extractor_key == extractor_key and row.status in FINAL_STATUSES
    )


# --------------------------------------------------------------------------------------------
# rows


@dataclass
class _Tally:
    rejected: int = 0
    dropped: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def drop(self, reason: str) -> None:
        self.dropped += 1
        self.reasons[reason] = self.reasons.get(reason, 0) + 1


def finite_float(value: Any) -> float | None:
    """``float(value)``, or None when absent, unparsable, infinite or NaN."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _confidence(value: Any) -> float:
    """A confidence in [0, 1] (the DB checks it); missing or non-finite -> 0.5."""
    number = finite_float(value)
    return 0.5 if number is None else min(1.0, max(0.0, number))


def _clip(table: type[Base], row: dict[str, Any], paper_id: str) -> dict[str, Any]:
    for name, length in _LENGTHS[table].items():
        value = row.get(name)
        if isinstance(value, str) and len(value) > length:
            log.warning(
                "%s: %s.%s longer than %d characters, cut: %r",
                paper_id,
                table.__tablename__,
                name,
                length,
                value[:80],
            )
            row[name] = value[:length]
    return row


def _evidence_row(
    ev: Evidence, *, paper_id: str, sha256: str | None, extractor_version: str, run_id: str | None
) -> dict[str, Any]:
    page = ev.page
    if page is not None and page < 1:
        log.warning("%s: evidence page %r < 1 stored as NULL (rule %s)", paper_id, page, ev.rule_id)
        page = None
    span = (ev.char_start, ev.char_end)
    if (span[0] is not None and span[0] < 0) or (None not in span and span[1] < span[0]):
        log.warning(
            "%s: evidence span %r invalid, stored as NULL (rule %s)", paper_id, span, ev.rule_id
        )
        span = (None, None)
    snippet = ev.snippet or ""
    if len(snippet) > SNIPPET_MAX:
        snippet = snippet[: SNIPPET_MAX - 1] + "\u2026"
    box = ev.box
    row = {
        "paper_id": paper_id,
        "sha256": sha256,
        "page": page,
        "x0": box.x0 if box else None,
        "top": box.top if box else None,
        "x1": box.x1 if box else None,
        "bottom": box.bottom if box else None,
        "char_start": span[0],
        "char_end": span[1],
        "snippet": snippet,
        "locator": ev.locator or "text",
        "rule_id": ev.rule_id or "unknown",
        "extractor_version": extractor_version,
        "run_id": run_id,
    }
    return _clip(EvidenceRow, row, paper_id)


def _reject(row: dict[str, Any], reason: str) -> None:
    row["status"] = q.REJECTED
    row["reject_reason"] = row.get("reject_reason") or reason


def _result_row(c: ResultCandidate, paper_id: str, tally: _Tally) -> dict[str, Any] | None:
    value = finite_float(c.value)
    if not c.benchmark or not c.metric:
        log.warning(
            "%s: result without benchmark/metric dropped (rule %s)", paper_id, c.evidence.rule_id
        )
        tally.drop("result_missing_benchmark_or_metric")
        return None
    if value is None or value < 0 or value > 100:
        log.warning(
            "%s: result %s/%s value %r outside [0, 100] dropped (rule %s)",
            paper_id,
            c.benchmark,
            c.metric,
            c.value,
            c.evidence.rule_id,
        )
        tally.drop("result_value_out_of_range")
        return None
    row = {
        "paper_id": paper_id,
        "model": c.model,
        "benchmark": c.benchmark,
        "metric": c.metric,
        "value": value,
        "raw_value": c.raw_value,
        "source": c.source or q.SOURCE_TEXT,
        "confidence": _confidence(c.confidence),
        "status": c.status or q.CANDIDATE,
        "reject_reason": c.reject_reason,
    }
    return _clip(Result, row, paper_id)


_POSITIVE_TRAINING = ("hardware_count", "chips", "duration_hours", "device_hours")


def _training_row(c: TrainingCandidate, paper_id: str) -> dict[str, Any]:
    row: dict[str, Any] = {
        "paper_id": paper_id,
        "stage": c.stage or q.STAGE_TRAIN,
        "model": c.model,
        "hardware": c.hardware,
        "hardware_raw": c.hardware_raw,
        "hardware_count": c.hardware_count,
        "count_unit": c.count_unit,
        "chips": c.chips,
        "duration_hours": c.duration_hours,
        "duration_lo_hours": finite_float(c.duration_lo_hours),
        "duration_hi_hours": finite_float(c.duration_hi_hours),
        "device_hours": c.device_hours,
        "duration_raw": c.duration_raw,
        "epochs": finite_float(c.epochs) if (finite_float(c.epochs) or 0) > 0 else None,
        "confidence": _confidence(c.confidence),
        "status": c.status or q.CANDIDATE,
        "reject_reason": c.reject_reason,
    }
    for name in _POSITIVE_TRAINING:
        raw = row[name]
        if raw is None:
            continue
        value = finite_float(raw)
        if value is None or value <= 0:
            log.warning(
                "%s: training %s=%r not positive: stored NULL, row rejected (rule %s)",
                paper_id,
                name,
                raw,
                c.evidence.rule_id,
            )
            row[name] = None
            _reject(row, f"nonpositive_{name}")
        else:
            row[name] = value
    return _clip(TrainingRun, row, paper_id)


def _size_row(c: SizeCandidate, paper_id: str, tally: _Tally) -> dict[str, Any] | None:
    value = finite_float(c.value)
    if c.quantity not in (q.PARAM_COUNT, q.FLOPS_PER_FORWARD):
        log.warning(
            "%s: model size of unknown quantity %r dropped (rule %s)",
            paper_id,
            c.quantity,
            c.evidence.rule_id,
        )
        tally.drop("size_missing_quantity")
        return None
    if value is None or value <= 0:
        log.warning(
            "%s: model size %s=%r not positive dropped (rule %s)",
            paper_id,
            c.quantity,
            c.value,
            c.evidence.rule_id,
        )
        tally.drop("size_value_not_positive")
        return None
    row = {
        "paper_id": paper_id,
        "model": c.model,
        "quantity": c.quantity,
        "value": value,
        "raw_value": c.raw_value,
        "unit": c.unit or "",
        "confidence": _confidence(c.confidence),
        "status": c.status or q.CANDIDATE,
        "reject_reason": c.reject_reason,
    }
    return _clip(ModelSize, row, paper_id)


def _delete_extracted(session: Session, paper_id: str, result_sources: Iterable[str]) -> int:
    """Delete the paper's extracted value rows and their evidence; return rows deleted."""
    evidence_ids: list[int] = []
    statements = (
        delete(Result)
        .where(Result.paper_id == paper_id, Result.source.in_(sorted(set(result_sources))))
        .returning(Result.evidence_id),
        delete(TrainingRun)
        .where(TrainingRun.paper_id == paper_id)
        .returning(TrainingRun.evidence_id),
        delete(ModelSize).where(ModelSize.paper_id == paper_id).returning(ModelSize.evidence_id),
    )
    for stmt in statements:
        evidence_ids.extend(
            session.execute(stmt, execution_options={"synchronize_session": False}).scalars()
        )
    for start in range(0, len(evidence_ids), 500):
        chunk = evidence_ids[start : start + 500]
        session.execute(
            delete(EvidenceRow).where(EvidenceRow.id.in_(chunk)),
            execution_options={"synchronize_session": False},
        )
    return len(evidence_ids)


def insert_with_evidence(
    session: Session,
    table: type[Base],
    pairs: list[tuple[dict[str, Any], dict[str, Any]]],
) -> None:
    """Insert evidence rows (RETURNING ids, in order), then the value rows pointing at them."""
    if not pairs:
        return
    ids = (
        session.execute(
            insert(EvidenceRow).returning(EvidenceRow.id, sort_by_parameter_order=True),
            [ev for ev, _ in pairs],
        )
        .scalars()
        .all()
    )
    rows = []
    for evidence_id, (_, row) in zip(ids, pairs, strict=True):
        row["evidence_id"] = evidence_id
        rows.append(row)
    session.execute(insert(table), rows)


def store_extraction(
    session: Session,
    *,
    paper_id: str,
    sha256: str,
    doc_path: str | os.PathLike[str] | None,
    n_bytes: int,
    n_pages: int | None,
    extraction: Extraction,
    extractor_key: str,
    extractor_version: str,
    run_id: str | None,
    seconds: float | None,
    replace_sources: Iterable[str] = EXTRACTED_SOURCES,
) -> PaperStatus:
    """Replace the paper's extracted rows by ``extraction``, in the caller's transaction.

    Deletes the paper's previous results whose source is in ``replace_sources`` (text, table;
    add ``leaderboard`` to replace those too) or in the sources of the new results, all its
    training runs and model sizes, and their evidence rows; curations are never touched. Inserts
    each new value row with exactly one evidence row. Upserts the Document (by sha256) and sets
    ``paper_status`` to ``ok`` (``no_candidates`` when the extraction is empty) with the number
    of non-rejected rows stored per table; rejected/dropped counts go into the status message.
    """
    if paper_id is None or not str(paper_id):
        raise ValueError("paper_id must be a non-empty string")
    if session.get(Paper, paper_id) is None:
        upsert_paper(session, paper_id)
    doc_path = os.fspath(doc_path) if doc_path is not None else None

    tally = _Tally()
    ev_kw = {
        "paper_id": paper_id,
        "sha256": sha256,
        "extractor_version": extractor_version,
        "run_id": run_id,
    }

    results: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for c in extraction.results:
        row = _result_row(c, paper_id, tally)
        if row is not None:
            results.append((_evidence_row(c.evidence, **ev_kw), row))
    training = [
        (_evidence_row(c.evidence, **ev_kw), _training_row(c, paper_id))
        for c in extraction.training
    ]
    sizes: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for c in extraction.sizes:
        row = _size_row(c, paper_id, tally)
        if row is not None:
            sizes.append((_evidence_row(c.evidence, **ev_kw), row))

    sources = set(replace_sources) | {row["source"] for _, row in results}
    _delete_extracted(session, paper_id, sources)
    insert_with_evidence(session, Result, results)
    insert_with_evidence(session, TrainingRun, training)
    insert_with_evidence(session, ModelSize, sizes)

    doc = session.get(Document, sha256)
    if doc is None:
        session.add(
            Document(
                sha256=sha256, paper_id=paper_id, path=doc_path, bytes=n_bytes, n_pages=n_pages
            )
        )
    else:
        if doc.paper_id != paper_id:
            log.warning(
                "document %s already belongs to paper %s, not re-assigned to %s",
                sha256[:12],
                doc.paper_id,
                paper_id,
            )
        doc.path = doc_path if doc_path is not None else doc.path
        doc.bytes = n_bytes
        doc.n_pages = n_pages if n_pages is not None else doc.n_pages

    def kept(pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> int:
        return sum(1 for _, row in pairs if row["status"] != q.REJECTED)

    n_results, n_training, n_sizes = kept(results), kept(training), kept(sizes)
    tally.rejected = (
        (len(results) - n_results) + (len(training) - n_training) + (len(sizes) - n_sizes)
    )
    parts = []
    if tally.rejected:
        parts.append(f"{tally.rejected} rejected")
    if tally.dropped:
        detail = ", ".join(f"{k}: {v}" for k, v in sorted(tally.reasons.items()))
        parts.append(f"{tally.dropped} dropped ({detail})")

    status = _set_status(
        session,
        paper_id,
        status=q.STATUS_NO_CANDIDATES if len(extraction) == 0 else q.STATUS_OK,
        message="; ".join(parts) or None,
        sha256=sha256,
        extractor_key=extractor_key,
        run_id=run_id,
    )
    status.n_pages = n_pages
    status.n_results, status.n_training, status.n_sizes = n_results, n_training, n_sizes
    status.seconds = seconds
    session.flush()
    return status


def _set_status(session: Session, paper_id: str, **values: Any) -> PaperStatus:
    status = session.get(PaperStatus, paper_id)
    if status is None:
        status = PaperStatus(paper_id=paper_id, n_results=0, n_training=0, n_sizes=0)
        session.add(status)
    for key, value in values.items():
        setattr(status, key, value)
    status.updated_at = utcnow()
    return status


def record_failure(
    session: Session,
    *,
    paper_id: str,
    status: str,
    message: str | None,
    sha256: str | None,
    extractor_key: str | None,
    run_id: str | None,
) -> PaperStatus:
    """Record that a paper failed (``status`` one of ``quantities.FAILED_STATUSES``).

    The paper's previously stored values, evidence and counts stay as they are (a later good
    run replaces them); only the status row says what went wrong and when.
    """
    if status not in q.FAILED_STATUSES:
        raise ValueError(
            f"not a failure status: {status!r} (one of {', '.join(q.FAILED_STATUSES)})"
        )
    if session.get(Paper, paper_id) is None:
        upsert_paper(session, paper_id)
    row = _set_status(
        session,
        paper_id,
        status=status,
        message=message,
        sha256=sha256,
        extractor_key=extractor_key,
        run_id=run_id,
    )
    session.flush()
    return row


# --------------------------------------------------------------------------------------------
# runs


def start_run(
    session: Session,
    run_id: str,
    code_version: str,
    ruleset_sha256: str,
    options: Mapping[str, Any] | None = None,
) -> Run:
    """Register a refresh as ``running`` (re-starting an existing run id resets it)."""
    run = session.get(Run, run_id)
    if run is None:
        run = Run(run_id=run_id)
        session.add(run)
    run.started_at = utcnow()
    run.finished_at = None
    run.code_version = (code_version or "unknown")[:40]
    run.ruleset_sha256 = (ruleset_sha256 or "")[:64]
    run.options = dict(options) if options is not None else None
    run.state = "running"
    for name in _RUN_COUNTS:
        setattr(run, name, 0)
    session.flush()
    return run


def finish_run(
    session: Session, run_id: str, counts: Mapping[str, int], state: str = "finished"
) -> Run:
    """Close a run with its counts (keys n_papers, n_extracted, n_skipped, n_failed, with or
    without the ``n_`` prefix) and final state (e.g. finished, failed, cancelled)."""
    run = session.get(Run, run_id)
    if run is None:
        raise KeyError(f"unknown run {run_id!r}")
    for key, value in counts.items():
        name = key if key.startswith("n_") else f"n_{key}"
        if name not in _RUN_COUNTS:
            raise KeyError(f"unknown run count {key!r} (one of {', '.join(_RUN_COUNTS)})")
        setattr(run, name, int(value))
    run.state = state[:16]
    run.finished_at = utcnow()
    session.flush()
    return run
