"""Named read queries: per-paper status, failures, extracted values joined to their evidence.

Every function takes a Session and returns a pandas DataFrame whose columns are fixed (also when
empty), except ``extracted_for_eval`` which returns the plain structure ``extract.evaluate``
scores. Rows are ordered by paper id, then insertion order, so outputs are deterministic.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from sqlalchemy import Select, func, literal_column, select
from sqlalchemy.orm import Session

from schema import quantities as q
from schema.tables import EvidenceRow, ModelSize, Paper, PaperStatus, Result, TrainingRun

_EVIDENCE_COLUMNS = (
    EvidenceRow.page,
    EvidenceRow.snippet,
    EvidenceRow.rule_id,
    EvidenceRow.locator,
    EvidenceRow.char_start,
    EvidenceRow.char_end,
    EvidenceRow.x0,
    EvidenceRow.top,
    EvidenceRow.x1,
    EvidenceRow.bottom,
    EvidenceRow.extractor_version,
    EvidenceRow.run_id,
    EvidenceRow.sha256,
)

RESULT_COLUMNS = [
    "paper_id", "model", "benchmark", "metric", "value", "source", "confidence", "page", "snippet",
    "status", "reject_reason", "rule_id", "evidence_id", "raw_value", "locator", "char_start",
    "char_end", "x0", "top", "x1", "bottom", "extractor_version", "run_id", "sha256",
]  # fmt: skip
TRAINING_COLUMNS = [
    "paper_id", "stage", "hardware", "hardware_count", "count_unit", "duration_hours",
    "device_hours", "page", "snippet", "confidence", "chips", "duration_lo_hours",
    "duration_hi_hours", "model", "rule_id", "status", "reject_reason", "evidence_id",
    "hardware_raw", "duration_raw", "locator", "char_start", "char_end", "x0", "top", "x1",
    "bottom", "extractor_version", "run_id", "sha256",
]  # fmt: skip
SIZE_COLUMNS = [
    "paper_id", "model", "params", "flops_per_forward", "page", "snippet", "quantity", "value",
    "unit", "raw_value", "confidence", "status", "reject_reason", "rule_id", "evidence_id",
    "locator", "char_start", "char_end", "x0", "top", "x1", "bottom", "extractor_version",
    "run_id", "sha256",
]  # fmt: skip

# Units of a flops_per_forward row that count multiply-adds: one multiply-add = 2 FLOPs.
MULTIADD_UNITS = frozenset({"multiadds", "multiadd", "macs", "mac", "madds", "mult-adds"})


def _frame(session: Session, stmt: Select[Any], columns: list[str]) -> pd.DataFrame:
    rows = session.execute(stmt).mappings().all()
    return pd.DataFrame([dict(r) for r in rows], columns=columns)


def status_summary(session: Session) -> pd.DataFrame:
    """Number of papers per status (columns: status, papers), most frequent first; papers
    without a status row are counted as ``pending``."""
    # a literal, not a bound parameter, so that SELECT and GROUP BY are the same expression
    status = func.coalesce(PaperStatus.status, literal_column("'pending'"))
    stmt = (
        select(status.label("status"), func.count().label("papers"))
        .select_from(Paper)
        .outerjoin(PaperStatus, PaperStatus.paper_id == Paper.paper_id)
        .group_by(status)
    )
    frame = _frame(session, stmt, ["status", "papers"])
    return frame.sort_values(["papers", "status"], ascending=[False, True]).reset_index(drop=True)


def failures(session: Session) -> pd.DataFrame:
    """Papers whose latest extraction failed: paper_id, status, message, sha256, run_id,
    updated_at."""
    stmt = (
        select(
            PaperStatus.paper_id,
            PaperStatus.status,
            PaperStatus.message,
            PaperStatus.sha256,
            PaperStatus.run_id,
            PaperStatus.updated_at,
        )
        .where(PaperStatus.status.in_(q.FAILED_STATUSES))
        .order_by(PaperStatus.paper_id)
    )
    return _frame(
        session, stmt, ["paper_id", "status", "message", "sha256", "run_id", "updated_at"]
    )


def extracted_results(session: Session, include_rejected: bool = False) -> pd.DataFrame:
    """Results joined to their evidence (columns ``RESULT_COLUMNS``)."""
    stmt = (
        select(
            Result.paper_id,
            Result.model,
            Result.benchmark,
            Result.metric,
            Result.value,
            Result.source,
            Result.confidence,
            Result.status,
            Result.reject_reason,
            Result.evidence_id,
            Result.raw_value,
            *_EVIDENCE_COLUMNS,
        )
        .join(EvidenceRow, EvidenceRow.id == Result.evidence_id)
        .order_by(Result.paper_id, Result.id)
    )
    if not include_rejected:
        stmt = stmt.where(Result.status != q.REJECTED)
    return _frame(session, stmt, RESULT_COLUMNS)


def extracted_training(session: Session, include_rejected: bool = False) -> pd.DataFrame:
    """Training runs joined to their evidence (columns ``TRAINING_COLUMNS``)."""
    stmt = (
        select(
            TrainingRun.paper_id,
            TrainingRun.stage,
            TrainingRun.hardware,
            TrainingRun.hardware_count,
            TrainingRun.count_unit,
            TrainingRun.duration_hours,
            TrainingRun.device_hours,
            TrainingRun.confidence,
            TrainingRun.chips,
            TrainingRun.duration_lo_hours,
            TrainingRun.duration_hi_hours,
            TrainingRun.model,
            TrainingRun.status,
            TrainingRun.reject_reason,
            TrainingRun.evidence_id,
            TrainingRun.hardware_raw,
            TrainingRun.duration_raw,
            *_EVIDENCE_COLUMNS,
        )
        .join(EvidenceRow, EvidenceRow.id == TrainingRun.evidence_id)
        .order_by(TrainingRun.paper_id, TrainingRun.id)
    )
    if not include_rejected:
        stmt = stmt.where(TrainingRun.status != q.REJECTED)
    return _frame(session, stmt, TRAINING_COLUMNS)


def extracted_sizes(session: Session, include_rejected: bool = False) -> pd.DataFrame:
    """Model sizes joined to their evidence (columns ``SIZE_COLUMNS``), one row per size row:
    ``params`` filled for parameter counts, ``flops_per_forward`` for FLOPs per forward pass
    (2 x the stored value when the unit counts multiply-adds); ``value``/``unit`` as stored."""
    stmt = (
        select(
            ModelSize.paper_id,
            ModelSize.model,
            ModelSize.quantity,
            ModelSize.value,
            ModelSize.unit,
            ModelSize.raw_value,
            ModelSize.confidence,
            ModelSize.status,
            ModelSize.reject_reason,
            ModelSize.evidence_id,
            *_EVIDENCE_COLUMNS,
        )
        .join(EvidenceRow, EvidenceRow.id == ModelSize.evidence_id)
        .order_by(ModelSize.paper_id, ModelSize.id)
    )
    if not include_rejected:
        stmt = stmt.where(ModelSize.status != q.REJECTED)
    frame = _frame(session, stmt, SIZE_COLUMNS)
    is_params = frame["quantity"] == q.PARAM_COUNT
    is_flops = frame["quantity"] == q.FLOPS_PER_FORWARD
    factor = frame["unit"].fillna("").str.lower().isin(MULTIADD_UNITS).map({True: 2.0, False: 1.0})
    values = pd.to_numeric(frame["value"], errors="coerce").astype("float64")
    frame["params"] = values.where(is_params)
    frame["flops_per_forward"] = (values * factor.astype("float64")).where(is_flops)
    return frame


def _clean(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalar
        return _clean(value.item())
    return value


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    return [
        {c: _clean(v) for c, v in zip(columns, row, strict=True)}
        for row in frame[columns].itertuples(index=False, name=None)
    ]


_EVAL_RESULT = ["paper_id", "model", "benchmark", "metric", "value", "source", "confidence",
                "page", "snippet", "rule_id"]  # fmt: skip
_EVAL_TRAINING = ["paper_id", "stage", "model", "hardware", "hardware_count", "count_unit", "chips",
                  "duration_hours", "duration_lo_hours", "duration_hi_hours", "device_hours",
                  "confidence", "page", "snippet", "rule_id"]  # fmt: skip
_EVAL_SIZES = ["paper_id", "model", "params", "flops_per_forward", "page", "snippet",
               "rule_id"]  # fmt: skip


def extracted_for_eval(session: Session) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Non-rejected extracted rows as ``{paper_id: {"results": [...], "training": [...],
    "sizes": [...]}}`` with the fields of the export CSVs (what ``extract.evaluate`` scores).

    Every paper with a status row appears, even with no rows (so it counts as "extracted,
    nothing found" rather than absent)."""
    out: dict[str, dict[str, list[dict[str, Any]]]] = {
        pid: {"results": [], "training": [], "sizes": []}
        for pid in session.scalars(select(PaperStatus.paper_id).order_by(PaperStatus.paper_id))
    }
    for key, frame, columns in (
        ("results", extracted_results(session), _EVAL_RESULT),
        ("training", extracted_training(session), _EVAL_TRAINING),
        ("sizes", extracted_sizes(session), _EVAL_SIZES),
    ):
        for record in _records(frame, columns):
            if key == "results" and record.get("source") not in EXTRACTED_SOURCES:
                continue  # leaderboard and curator values are not extractions
            paper = out.setdefault(record["paper_id"], {"results": [], "training": [], "sizes": []})
            paper[key].append(record)
    return out


EXTRACTED_SOURCES = ("text", "table")
