"""SQLAlchemy 2 ORM tables. The same models run on SQLite and PostgreSQL.

Extracted rows (results, training_runs, model_sizes, evidence) of a paper are replaced as a
whole, in one transaction, when the paper is re-extracted. Curator decisions live in
``curations``, keyed on a field's identity (paper, model, quantity), never on row ids, so a
re-extraction cannot lose them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Paper(Base):
    __tablename__ = "papers"

    paper_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    title: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    arxiv_version: Mapped[int | None] = mapped_column(Integer)
    authors: Mapped[list[str] | None] = mapped_column(JSON)
    abstract: Mapped[str | None] = mapped_column(Text)
    categories: Mapped[list[str] | None] = mapped_column(JSON)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(String(32), default="pdf-dir")
    source_url: Mapped[str | None] = mapped_column(Text)
    pdf_url: Mapped[str | None] = mapped_column(Text)
    in_scope: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    status: Mapped[PaperStatus | None] = relationship(back_populates="paper", uselist=False)


class Document(Base):
    """A PDF file we read, by content hash. A paper may have several (versions, sources)."""

    __tablename__ = "documents"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    paper_id: Mapped[str] = mapped_column(ForeignKey("papers.paper_id", ondelete="CASCADE"))
    path: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    bytes: Mapped[int] = mapped_column(Integer)
    n_pages: Mapped[int | None] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (CheckConstraint("bytes >= 0", name="bytes_nonneg"),)


class PaperStatus(Base):
    """The outcome of the latest extraction of a paper, with a message when it failed."""

    __tablename__ = "paper_status"

    paper_id: Mapped[str] = mapped_column(
        ForeignKey("papers.paper_id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[str] = mapped_column(String(32))
    message: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64))
    extractor_key: Mapped[str | None] = mapped_column(String(80))
    run_id: Mapped[str | None] = mapped_column(String(64))
    n_pages: Mapped[int | None] = mapped_column(Integer)
    n_results: Mapped[int] = mapped_column(Integer, default=0)
    n_training: Mapped[int] = mapped_column(Integer, default=0)
    n_sizes: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    paper: Mapped[Paper] = relationship(back_populates="status")


class Run(Base):
    """One refresh."""

    __tablename__ = "runs"

    run_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    code_version: Mapped[str] = mapped_column(String(40))
    ruleset_sha256: Mapped[str] = mapped_column(String(64))
    options: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    n_papers: Mapped[int] = mapped_column(Integer, default=0)
    n_extracted: Mapped[int] = mapped_column(Integer, default=0)
    n_skipped: Mapped[int] = mapped_column(Integer, default=0)
    n_failed: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(16), default="running")


class EvidenceRow(Base):
    """Where one stored value was read (exactly one per value row)."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    paper_id: Mapped[str] = mapped_column(
        ForeignKey("papers.paper_id", ondelete="CASCADE"), index=True
    )
    sha256: Mapped[str | None] = mapped_column(String(64))
    page: Mapped[int | None] = mapped_column(Integer)
    x0: Mapped[float | None] = mapped_column(Float)
    top: Mapped[float | None] = mapped_column(Float)
    x1: Mapped[float | None] = mapped_column(Float)
    bottom: Mapped[float | None] = mapped_column(Float)
    char_start: Mapped[int | None] = mapped_column(Integer)
    char_end: Mapped[int | None] = mapped_column(Integer)
    snippet: Mapped[str] = mapped_column(Text)
    locator: Mapped[str] = mapped_column(String(200), default="text")
    rule_id: Mapped[str] = mapped_column(String(120))
    extractor_version: Mapped[str] = mapped_column(String(80))
    run_id: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (CheckConstraint("page IS NULL OR page >= 1", name="page_positive"),)


class _ValueMixin:
    confidence: Mapped[float] = mapped_column(Float, default=0.5)
    status: Mapped[str] = mapped_column(String(16), default="candidate")
    reject_reason: Mapped[str | None] = mapped_column(String(64))


class Result(_ValueMixin, Base):
    __tablename__ = "results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    paper_id: Mapped[str] = mapped_column(
        ForeignKey("papers.paper_id", ondelete="CASCADE"), index=True
    )
    model: Mapped[str | None] = mapped_column(Text)
    benchmark: Mapped[str] = mapped_column(String(64))
    metric: Mapped[str] = mapped_column(String(32))
    value: Mapped[float] = mapped_column(Float)
    raw_value: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"))

    __table_args__ = (
        UniqueConstraint("evidence_id"),
        CheckConstraint("value >= 0 AND value <= 100", name="value_percent"),
        Index("ix_results_benchmark_metric", "benchmark", "metric"),
    )


class TrainingRun(_ValueMixin, Base):
    __tablename__ = "training_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    paper_id: Mapped[str] = mapped_column(
        ForeignKey("papers.paper_id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[str] = mapped_column(String(16), default="train")
    model: Mapped[str | None] = mapped_column(Text)
    hardware: Mapped[str | None] = mapped_column(String(64))
    hardware_raw: Mapped[str | None] = mapped_column(Text)
    hardware_count: Mapped[float | None] = mapped_column(Float)
    count_unit: Mapped[str | None] = mapped_column(String(16))
    chips: Mapped[float | None] = mapped_column(Float)
    duration_hours: Mapped[float | None] = mapped_column(Float)
    duration_lo_hours: Mapped[float | None] = mapped_column(Float)
    duration_hi_hours: Mapped[float | None] = mapped_column(Float)
    device_hours: Mapped[float | None] = mapped_column(Float)
    duration_raw: Mapped[str | None] = mapped_column(Text)
    epochs: Mapped[float | None] = mapped_column(Float)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"))

    __table_args__ = (
        UniqueConstraint("evidence_id"),
        CheckConstraint("hardware_count IS NULL OR hardware_count > 0", name="count_positive"),
        CheckConstraint("chips IS NULL OR chips > 0", name="chips_positive"),
        CheckConstraint("duration_hours IS NULL OR duration_hours > 0", name="hours_positive"),
        CheckConstraint("device_hours IS NULL OR device_hours > 0", name="device_hours_positive"),
    )


class ModelSize(_ValueMixin, Base):
    __tablename__ = "model_sizes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    paper_id: Mapped[str] = mapped_column(
        ForeignKey("papers.paper_id", ondelete="CASCADE"), index=True
    )
    model: Mapped[str | None] = mapped_column(Text)
    quantity: Mapped[str] = mapped_column(String(32))
    value: Mapped[float] = mapped_column(Float)
    raw_value: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(16))
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"))

    __table_args__ = (
        UniqueConstraint("evidence_id"),
        CheckConstraint("value > 0", name="value_positive"),
    )


class ComputeEstimate(Base):
    """One training-compute estimate of a paper (``db.compute``), with its method and inputs.

    ``model``/``benchmark`` say what it applies to: a hardware-burden row is one training run
    (``model`` as the run names it, ``benchmark`` NULL); a network-operations row is one
    (model, benchmark); a 6ND row one model. ``chosen`` marks the estimates that
    ``extract.compute.choose`` picked for some result of the paper (see docs/compute.md).
    Rows are replaced whenever the paper's estimates are recomputed.
    """

    __tablename__ = "compute_estimates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    paper_id: Mapped[str] = mapped_column(
        ForeignKey("papers.paper_id", ondelete="CASCADE"), index=True
    )
    model: Mapped[str | None] = mapped_column(Text)
    benchmark: Mapped[str | None] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(40))
    flop: Mapped[float] = mapped_column(Float)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    precision: Mapped[str | None] = mapped_column(String(16))
    peak_flops: Mapped[float | None] = mapped_column(Float)
    chosen: Mapped[bool] = mapped_column(default=False)
    training_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("training_runs.id", ondelete="CASCADE"), index=True
    )
    run_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (CheckConstraint("flop > 0", name="flop_positive"),)


class Curation(Base):
    """An append-only curator decision on a field identity (paper, kind, model, key)."""

    __tablename__ = "curations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    paper_id: Mapped[str] = mapped_column(
        ForeignKey("papers.paper_id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    model: Mapped[str] = mapped_column(Text, default="")
    field_key: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(16))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    curator: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str | None] = mapped_column(Text)
    seq: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (
        UniqueConstraint("paper_id", "kind", "model", "field_key", "seq", name="uq_curation_seq"),
    )


class SourceWatermark(Base):
    """How far an incremental source (an arXiv query, a leaderboard file) has been read."""

    __tablename__ = "source_watermarks"

    source: Mapped[str] = mapped_column(String(32), primary_key=True)
    query_name: Mapped[str] = mapped_column(String(120), primary_key=True)
    watermark: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
