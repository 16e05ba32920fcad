"""Curator review: the queue, the items in it, and append-only curation rows.

A *field* is identified by ``FieldId(paper_id, kind, model, field_key)`` (``schema.ids``), never
by an extracted row's id, so a re-extraction (which replaces a paper's rows) cannot lose a
decision:

- ``result``: key ``<benchmark>/<metric>`` (``imagenet/top1_accuracy``);
- ``size``: key ``param_count`` or ``flops_per_forward``;
- ``training``: key = the stage (``train``, ``pretrain``, ``finetune``); the value holds
  hardware, count, unit, chips, duration and device-hours;
- ``paper``: key ``in_scope`` (model empty).

An :class:`Item` gathers a field's extracted candidates (best first), its latest curation and
its status. The *effective value* is the latest curation's value, else the best extraction.
Every action (accept, correct, reject, add, out_of_scope/in_scope) inserts one ``curations`` row
(curator, time, before, after, reason) with ``seq`` = the seq the curator saw + 1; the unique
constraint on (paper, kind, model, key, seq) makes the second of two concurrent writers fail,
which is raised as :class:`ConflictError` ("reload"). ``before`` records the effective value
and the best extraction the curator saw, so that after a refresh an item is a *conflict* when
the best extraction now differs both from the curated value and from what was extracted when
the curator decided: new evidence disagrees, and the item comes back to the queue. The curated
value stays effective until someone decides again.

The curator's name comes from configuration (:func:`resolve_curator`), never from a per-action
argument: the ``Reviewer`` object is given it once, or reads ``$PAPERFLOPS_CURATOR`` or
``~/.config/paperflops/curator``.
"""

from __future__ import annotations

import math
import os
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db import queries
from db.engine import make_engine, session_scope
from extract import corrections as cv
from extract.corrections import (
    IN_SCOPE_KEY,
    KIND_PAPER,
    KIND_RESULT,
    KIND_SIZE,
    KIND_TRAINING,
    KINDS,
    InvalidValueError,
)
from schema import quantities as q
from schema.ids import field_identity
from schema.tables import Curation, Paper

CURATOR_ENV = "PAPERFLOPS_CURATOR"
CURATOR_FILE = Path("paperflops") / "curator"

ACCEPT, CORRECT, REJECT, ADD = "accept", "correct", "reject", "add"
OUT_OF_SCOPE, IN_SCOPE = "out_of_scope", "in_scope"
VALUE_ACTIONS = (ACCEPT, CORRECT, REJECT, ADD)
ACTIONS = (*VALUE_ACTIONS, OUT_OF_SCOPE, IN_SCOPE)

PENDING, CONFLICT = "pending", "conflict"
_STATUS_OF_ACTION = {ACCEPT: "accepted", CORRECT: "corrected", REJECT: "rejected", ADD: "added"}
STATUSES = (PENDING, CONFLICT, *_STATUS_OF_ACTION.values())
OPEN_STATUSES = (PENDING, CONFLICT)
_KIND_ORDER = {k: i for i, k in enumerate(KINDS)}

__all__ = [
    "ACTIONS", "CURATOR_ENV", "Candidate", "ConflictError", "CurationError", "CurationRecord",
    "CuratorNotConfiguredError", "FieldId", "InvalidValueError", "Item", "Reviewer",
    "history", "load_items", "queue_frame", "record_action", "resolve_curator", "review_queue",
]  # fmt: skip


class CurationError(ValueError):
    """A curation that cannot be recorded (unknown paper, nothing to accept, ...)."""


class ConflictError(CurationError):
    """Someone else curated the field since it was loaded: reload the item and decide again."""


class CuratorNotConfiguredError(CurationError):
    """No curator identity is configured, so no action is recorded."""


# --------------------------------------------------------------------------------------------
# curator identity


def curator_file() -> Path:
    """``$XDG_CONFIG_HOME/paperflops/curator``, else ``~/.config/paperflops/curator``."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / CURATOR_FILE


def resolve_curator(explicit: str | None = None) -> str:
    """The curator recorded on every row: ``explicit`` (given once to a ``Reviewer``), else
    ``$PAPERFLOPS_CURATOR``, else the first line of :func:`curator_file`. Raises
    :class:`CuratorNotConfiguredError` when none is set."""
    name = (explicit or "").strip() or os.environ.get(CURATOR_ENV, "").strip()
    path = curator_file()
    if not name and path.is_file():
        lines = path.read_text(encoding="utf-8").strip().splitlines()
        name = lines[0].strip() if lines else ""
    if not name:
        raise CuratorNotConfiguredError(
            f"no curator configured: set {CURATOR_ENV}=<your name or e-mail>, or write it into "
            f"{path}, or give curator=... once when creating the Reviewer; no action was recorded"
        )
    if len(name) > 120 or any(c in name for c in "\r\n\t"):
        raise CuratorNotConfiguredError(f"curator {name[:40]!r}...: one line of <= 120 characters")
    return name


# --------------------------------------------------------------------------------------------
# identities, candidates, items


@dataclass(frozen=True, slots=True)
class FieldId:
    """A field's identity; build with :meth:`of` so the model name is normalised."""

    paper_id: str
    kind: str
    model: str
    field_key: str

    @classmethod
    def of(cls, paper_id: str, kind: str, model: str | None, field_key: str) -> FieldId:
        return cls(*field_identity(str(paper_id), kind, model, field_key))

    @classmethod
    def paper(cls, paper_id: str) -> FieldId:
        return cls.of(paper_id, KIND_PAPER, None, IN_SCOPE_KEY)

    def __str__(self) -> str:
        return f"{self.paper_id} {self.kind} {self.model or '-'} {self.field_key}"


@dataclass(slots=True)
class Candidate:
    """One extracted row of a field, with its evidence."""

    kind: str
    evidence_id: int | None
    model: str | None
    value: dict[str, Any]
    confidence: float
    status: str
    reject_reason: str | None
    source: str | None
    page: int | None
    box: tuple[float, float, float, float] | None
    snippet: str | None
    rule_id: str | None
    locator: str | None
    sha256: str | None
    raw: str | None = None

    @property
    def text(self) -> str:
        return cv.describe(self.kind, self.value)


@dataclass(slots=True)
class CurationRecord:
    """One row of ``curations``."""

    id: int
    field: FieldId
    seq: int
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    curator: str
    reason: str | None
    created_at: datetime | None

    @property
    def value(self) -> dict[str, Any] | None:
        """The value this decision makes effective (None for a rejection)."""
        return (self.after or {}).get("value")

    @property
    def extracted_then(self) -> dict[str, Any] | None:
        """The best extraction the curator saw when deciding."""
        return (self.before or {}).get("extracted")

    @classmethod
    def from_row(cls, row: Curation) -> CurationRecord:
        return cls(row.id, FieldId(row.paper_id, row.kind, row.model, row.field_key), row.seq,
                   row.action, row.before, row.after, row.curator, row.reason,
                   row.created_at)  # fmt: skip


@dataclass(slots=True)
class Item:
    """A field under review: candidates (best first), latest curation, paper context."""

    field: FieldId
    model: str
    candidates: list[Candidate] = field(default_factory=list)
    curation: CurationRecord | None = None
    title: str | None = None
    year: int | None = None
    in_scope: bool = True

    @property
    def benchmark(self) -> str | None:
        return self.field.field_key.rpartition("/")[0] if self.field.kind == KIND_RESULT else None

    @property
    def metric(self) -> str | None:
        return self.field.field_key.rpartition("/")[2] if self.field.kind == KIND_RESULT else None

    @property
    def seq(self) -> int:
        """The seq a decision taken now must carry (0 when never curated)."""
        return self.curation.seq if self.curation else 0

    @property
    def best(self) -> Candidate | None:
        """The best non-rejected extraction (highest confidence first)."""
        return next((c for c in self.candidates if c.status != q.REJECTED), None)

    @property
    def extracted(self) -> dict[str, Any] | None:
        best = self.best
        return best.value if best else None

    @property
    def confidence(self) -> float | None:
        best = self.best
        return best.confidence if best else None

    @property
    def curated(self) -> bool:
        return self.curation is not None

    @property
    def effective(self) -> dict[str, Any] | None:
        """Latest curation's value (None when rejected), else the best extraction."""
        return self.curation.value if self.curation else self.extracted

    @property
    def conflict(self) -> bool:
        """New evidence disagrees with the latest curation (see the module docstring)."""
        cur = self.curation
        now = self.extracted
        if cur is None or now is None or cur.action not in VALUE_ACTIONS:
            return False
        kind = self.field.kind
        return not cv.values_equal(kind, now, cur.value) and not cv.values_equal(
            kind, now, cur.extracted_then
        )

    @property
    def disagreement(self) -> bool:
        """The extractions of this field state more than one value."""
        values = [c.value for c in self.candidates if c.status != q.REJECTED]
        return any(not cv.values_equal(self.field.kind, values[0], v) for v in values[1:])

    @property
    def status(self) -> str:
        if self.curation is None:
            return PENDING
        return CONFLICT if self.conflict else _STATUS_OF_ACTION.get(self.curation.action, "curated")

    def describe(self, value: Mapping[str, Any] | None) -> str:
        return cv.describe(self.field.kind, value)

    def summary(self) -> dict[str, Any]:
        """One row of the queue table."""
        best = self.best
        return {
            "paper_id": self.field.paper_id, "kind": self.field.kind, "model": self.model,
            "field_key": self.field.field_key, "benchmark": self.benchmark,
            "extracted": self.describe(self.extracted), "effective": self.describe(self.effective),
            "confidence": self.confidence, "candidates": len(self.candidates),
            "status": self.status, "conflict": self.conflict, "disagreement": self.disagreement,
            "seq": self.seq, "page": best.page if best else None,
            "snippet": best.snippet if best else None, "in_scope": self.in_scope,
        }  # fmt: skip


QUEUE_COLUMNS = list(Item(FieldId("", KIND_RESULT, "", "x/y"), "").summary())


# --------------------------------------------------------------------------------------------
# loading


def _clean(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value


def _box(row: Mapping[str, Any]) -> tuple[float, float, float, float] | None:
    box = tuple(_clean(row.get(k)) for k in ("x0", "top", "x1", "bottom"))
    return None if any(v is None for v in box) else box  # type: ignore[return-value]


def extracted_value(kind: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """The value dict of an extracted row (a ``db.queries`` frame row) of ``kind``."""
    if kind == KIND_RESULT:
        return {"value": _clean(row["value"]), "unit": cv.PERCENT}
    if kind == KIND_SIZE:
        if row["quantity"] == q.FLOPS_PER_FORWARD:
            return {"value": _clean(row.get("flops_per_forward")), "unit": "flops"}
        return {"value": _clean(row["value"]), "unit": "params"}
    return {name: _clean(row.get(name)) for name in cv.TRAINING_FIELDS}


def row_field(kind: str, row: Mapping[str, Any]) -> FieldId:
    """The field an extracted row (``db.queries`` frame row) belongs to."""
    model = _clean(row.get("model"))
    if kind == KIND_RESULT:
        key = cv.result_key(row["benchmark"], row["metric"])
    elif kind == KIND_SIZE:
        key = row["quantity"]
    else:
        key = row.get("stage") or q.STAGE_TRAIN
    return FieldId.of(row["paper_id"], kind, model, key)


def _candidate(kind: str, row: Mapping[str, Any]) -> Candidate:
    raw = row.get("raw_value") if kind != KIND_TRAINING else " / ".join(
        str(r) for r in (_clean(row.get("hardware_raw")), _clean(row.get("duration_raw"))) if r
    )  # fmt: skip
    return Candidate(
        kind=kind, evidence_id=_clean(row.get("evidence_id")), model=_clean(row.get("model")),
        value=extracted_value(kind, row), confidence=float(_clean(row.get("confidence")) or 0.0),
        status=row.get("status") or q.CANDIDATE, reject_reason=_clean(row.get("reject_reason")),
        source=_clean(row.get("source")), page=_clean(row.get("page")), box=_box(row),
        snippet=_clean(row.get("snippet")), rule_id=_clean(row.get("rule_id")),
        locator=_clean(row.get("locator")), sha256=_clean(row.get("sha256")),
        raw=_clean(raw) or None,
    )  # fmt: skip


def candidate_rank(kind: str, field_key: str, candidate: Candidate, order: int) -> tuple:
    """Sort key, best first: not rejected, confidence, then (results) the better value, then
    the row stated first. The export uses the same ranking."""
    better = 0.0
    if kind == KIND_RESULT and isinstance(candidate.value.get("value"), int | float):
        lower = field_key.endswith("error") or field_key.endswith("_err")
        better = (-1.0 if lower else 1.0) * float(candidate.value["value"])
    return (candidate.status == q.REJECTED, -candidate.confidence, -better, order)


_FRAMES = (
    (KIND_RESULT, queries.extracted_results),
    (KIND_TRAINING, queries.extracted_training),
    (KIND_SIZE, queries.extracted_sizes),
)


def latest_curations(
    session: Session, paper_ids: Collection[str] | None = None
) -> dict[FieldId, CurationRecord]:
    """The latest curation (highest seq) of every curated field."""
    stmt = select(Curation).order_by(Curation.seq, Curation.id)
    if paper_ids is not None:
        stmt = stmt.where(Curation.paper_id.in_(sorted(paper_ids)))
    latest: dict[FieldId, CurationRecord] = {}
    for row in session.scalars(stmt):
        record = CurationRecord.from_row(row)
        latest[record.field] = record
    return latest


def paper_scope(session: Session, paper_ids: Collection[str] | None = None) -> dict[str, bool]:
    """Effective ``in_scope`` of every paper: the latest paper curation, else the column."""
    stmt = select(Paper.paper_id, Paper.in_scope)
    if paper_ids is not None:
        stmt = stmt.where(Paper.paper_id.in_(sorted(paper_ids)))
    scope = {pid: bool(flag) for pid, flag in session.execute(stmt)}
    for fid, record in latest_curations(session, paper_ids).items():
        if fid.kind == KIND_PAPER and record.value is not None:
            scope[fid.paper_id] = bool(record.value.get("in_scope", True))
    return scope


def load_items(session: Session, paper_ids: Iterable[str] | None = None) -> list[Item]:
    """Every field that has an extraction or a curation (papers' own in_scope fields aside)."""
    wanted = set(paper_ids) if paper_ids is not None else None
    items: dict[FieldId, Item] = {}
    order: dict[FieldId, list[tuple[tuple, Candidate]]] = {}
    for kind, read in _FRAMES:
        frame = read(session, include_rejected=True)
        if wanted is not None:
            frame = frame[frame["paper_id"].isin(wanted)]
        for n, row in enumerate(frame.to_dict("records")):
            fid = row_field(kind, row)
            cand = _candidate(kind, row)
            rank = candidate_rank(kind, fid.field_key, cand, n)
            order.setdefault(fid, []).append((rank, cand))
    latest = latest_curations(session, wanted)
    for fid, ranked in order.items():
        ranked.sort(key=lambda pair: pair[0])
        cands = [c for _, c in ranked]
        shown = next((c.model for c in cands if c.model), None) or fid.model
        items[fid] = Item(fid, shown.strip(), cands)
    for fid, record in latest.items():
        if fid.kind == KIND_PAPER:
            continue
        item = items.get(fid)
        if item is None:
            shown = (record.after or {}).get("model") or fid.model
            item = items[fid] = Item(fid, shown)
        item.curation = record
    _add_paper_context(session, items.values(), wanted)
    return list(items.values())


def _add_paper_context(session: Session, items: Iterable[Item], wanted: set[str] | None) -> None:
    stmt = select(Paper.paper_id, Paper.title, Paper.year)
    if wanted is not None:
        stmt = stmt.where(Paper.paper_id.in_(sorted(wanted)))
    meta = {pid: (title, year) for pid, title, year in session.execute(stmt)}
    scope = paper_scope(session, wanted)
    for item in items:
        item.title, item.year = meta.get(item.field.paper_id, (None, None))
        item.in_scope = scope.get(item.field.paper_id, True)


def get_item(session: Session, fid: FieldId) -> Item:
    """The item of one field (an empty one when nothing is known about it yet)."""
    for item in load_items(session, [fid.paper_id]):
        if item.field == fid:
            return item
    item = Item(fid, fid.model)
    _add_paper_context(session, [item], {fid.paper_id})
    return item


# --------------------------------------------------------------------------------------------
# the queue


def _as_set(value: str | Iterable[str] | None) -> set[str] | None:
    if value is None:
        return None
    return {value} if isinstance(value, str) else set(value)


def _matches_field(item: Item, wanted: set[str]) -> bool:
    fid = item.field
    names = {fid.kind, fid.field_key, item.metric or "", item.benchmark or ""}
    return bool(names & wanted)


def _status_set(status: str | Iterable[str] | None) -> set[str] | None:
    if status is None or status == "all":
        return None
    if status == "open":
        return set(OPEN_STATUSES)
    if status == "curated":
        return set(STATUSES) - {PENDING}
    chosen = _as_set(status) or set()
    unknown = chosen - set(STATUSES)
    if unknown:
        raise ValueError(
            f"unknown status {sorted(unknown)}; one of open, curated, all, {', '.join(STATUSES)}"
        )
    return chosen


def queue_order(item: Item) -> tuple:
    """Conflicts first, then fields whose extractions disagree, then low confidence."""
    confidence = item.confidence if item.confidence is not None else 1.0
    return (not item.conflict, not item.disagreement, confidence, item.field.paper_id,
            _KIND_ORDER[item.field.kind], item.field.model, item.field.field_key)  # fmt: skip


def review_queue(
    session: Session,
    *,
    field: str | Iterable[str] | None = None,
    benchmark: str | Iterable[str] | None = None,
    paper: str | Iterable[str] | None = None,
    status: str | Iterable[str] | None = "open",
    limit: int | None = None,
) -> list[Item]:
    """Items to review, conflicts and low confidence first.

    ``field`` matches a kind (result, training, size), a field key (param_count,
    imagenet/top1_accuracy, train) or a metric; ``benchmark`` keeps results of those
    benchmarks; ``paper`` keeps those paper ids; ``status`` is ``open`` (pending and conflict,
    the default), ``curated``, ``all`` or statuses among ``STATUSES``. Papers marked out of
    scope only appear with ``status="all"``.
    """
    papers, fields, benchmarks = _as_set(paper), _as_set(field), _as_set(benchmark)
    statuses = _status_set(status)
    chosen = []
    for item in load_items(session, papers):
        if fields and not _matches_field(item, fields):
            continue
        if benchmarks and item.benchmark not in benchmarks:
            continue
        if statuses is not None and (item.status not in statuses or not item.in_scope):
            continue
        chosen.append(item)
    chosen.sort(key=queue_order)
    return chosen[:limit] if limit is not None else chosen


def queue_frame(items: Iterable[Item]) -> pd.DataFrame:
    """The queue as a table (columns ``QUEUE_COLUMNS``)."""
    return pd.DataFrame([i.summary() for i in items], columns=QUEUE_COLUMNS)


def history(session: Session, fid: FieldId) -> list[CurationRecord]:
    """Every curation of a field, oldest first."""
    stmt = (
        select(Curation)
        .where(Curation.paper_id == fid.paper_id, Curation.kind == fid.kind,
               Curation.model == fid.model, Curation.field_key == fid.field_key)  # fmt: skip
        .order_by(Curation.seq)
    )
    return [CurationRecord.from_row(r) for r in session.scalars(stmt)]


# --------------------------------------------------------------------------------------------
# recording decisions


def _current_seq(session: Session, fid: FieldId) -> tuple[int, Curation | None]:
    row = session.scalars(
        select(Curation)
        .where(Curation.paper_id == fid.paper_id, Curation.kind == fid.kind,
               Curation.model == fid.model, Curation.field_key == fid.field_key)  # fmt: skip
        .order_by(Curation.seq.desc())
        .limit(1)
    ).first()
    return (row.seq if row else 0), row


def _after(item: Item, action: str, value: dict[str, Any] | None) -> dict[str, Any]:
    if action == ACCEPT:
        if item.extracted is None and item.effective is None:
            raise CurationError(f"{item.field}: nothing extracted to accept; use add or correct")
        value = item.extracted if item.extracted is not None else item.effective
    elif action == REJECT:
        value = None
    elif value is None:
        raise CurationError(f"{action} needs a value")
    return {"value": value, "model": item.model or None}


def record_action(
    session: Session,
    fid: FieldId,
    action: str,
    *,
    curator: str,
    value: Any = None,
    unit: str | None = None,
    reason: str | None = None,
    expected_seq: int | None = None,
    model: str | None = None,
) -> CurationRecord:
    """Append one curation of ``fid`` in the caller's transaction and return it.

    ``value``/``unit`` are parsed and validated (``extract.corrections.parse_value``) for
    ``correct`` and ``add``; ``accept`` takes the best extraction, ``reject`` records no value;
    ``out_of_scope``/``in_scope`` apply to the paper field. ``expected_seq`` is the seq the
    curator saw (``Item.seq``); None means "whatever is current". Raises ConflictError when the
    field was curated since (the caller's transaction must then be rolled back),
    InvalidValueError for a bad value, CurationError for an unknown paper or action.
    """
    if action not in ACTIONS:
        raise CurationError(f"unknown action {action!r}; one of {', '.join(ACTIONS)}")
    if not curator or not curator.strip():
        raise CuratorNotConfiguredError("empty curator; see resolve_curator()")
    if action in (OUT_OF_SCOPE, IN_SCOPE):
        fid, value = FieldId.paper(fid.paper_id), {"in_scope": action == IN_SCOPE}
    elif fid.kind == KIND_PAPER:
        raise CurationError("a paper field takes out_of_scope or in_scope")
    cv.check_field_key(fid.kind, fid.field_key)
    paper = session.get(Paper, fid.paper_id)
    if paper is None:
        raise CurationError(f"unknown paper {fid.paper_id!r}")
    if action in (CORRECT, ADD):
        value = cv.parse_value(fid.kind, fid.field_key, value, unit)
    current, latest = _current_seq(session, fid)
    expected = current if expected_seq is None else int(expected_seq)
    if expected != current:
        who = f" by {latest.curator} at {latest.created_at:%Y-%m-%d %H:%M}" if latest else ""
        raise ConflictError(
            f"{fid} was curated since you loaded it (seq {expected} -> {current}{who}); "
            "reload the item and decide again"
        )
    item = get_item(session, fid) if fid.kind != KIND_PAPER else None
    if item is not None:
        item.model = (model or "").strip() or item.model
        after = _after(item, action, value)
        before = {"value": item.effective, "extracted": item.extracted, "status": item.status}
    else:
        after = {"value": value, "model": None}
        before = {"value": {"in_scope": paper_scope(session, [fid.paper_id])[fid.paper_id]},
                  "extracted": None}  # fmt: skip
    row = Curation(paper_id=fid.paper_id, kind=fid.kind, model=fid.model,
                   field_key=fid.field_key, action=action, before=before, after=after,
                   curator=curator.strip(), reason=(reason or "").strip() or None,
                   seq=expected + 1)  # fmt: skip
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:
        raise ConflictError(
            f"{fid} was curated by someone else at the same moment (seq {expected + 1} taken); "
            "reload the item and decide again"
        ) from exc
    if fid.kind == KIND_PAPER:
        paper.in_scope = bool(value["in_scope"])
        session.flush()
    return CurationRecord.from_row(row)


# --------------------------------------------------------------------------------------------
# the object notebooks and scripts use


class Reviewer:
    """Review actions for one curator on one database; each action is its own transaction.

    ``curator`` is set once here (else from configuration, :func:`resolve_curator`); actions are
    refused with CuratorNotConfiguredError when none is configured. Passing an :class:`Item`
    (as loaded) to an action checks that nobody curated it since; passing a :class:`FieldId`
    decides on whatever is current.
    """

    def __init__(self, engine: Engine | str | None = None, curator: str | None = None) -> None:
        self._owns_engine = not isinstance(engine, Engine)
        self.engine = engine if isinstance(engine, Engine) else make_engine(engine)
        self._curator = curator

    @property
    def curator(self) -> str:
        return resolve_curator(self._curator)

    def close(self) -> None:
        if self._owns_engine:
            self.engine.dispose()

    # reading
    def queue(self, **filters: Any) -> list[Item]:
        with session_scope(self.engine) as session:
            return review_queue(session, **filters)

    def frame(self, **filters: Any) -> pd.DataFrame:
        return queue_frame(self.queue(**filters))

    def item(self, target: Item | FieldId) -> Item:
        fid = target.field if isinstance(target, Item) else target
        with session_scope(self.engine) as session:
            return get_item(session, fid)

    def history(self, target: Item | FieldId) -> list[CurationRecord]:
        fid = target.field if isinstance(target, Item) else target
        with session_scope(self.engine) as session:
            return history(session, fid)

    # deciding
    def _record(self, target: Item | FieldId, action: str, **kwargs: Any) -> Item:
        curator = self.curator
        fid = target.field if isinstance(target, Item) else target
        seq = target.seq if isinstance(target, Item) else None
        with session_scope(self.engine) as session:
            record_action(session, fid, action, curator=curator, expected_seq=seq, **kwargs)
        return self.item(fid)

    def accept(self, target: Item | FieldId, reason: str | None = None) -> Item:
        return self._record(target, ACCEPT, reason=reason)

    def correct(self, target: Item | FieldId, value: Any, unit: str | None = None,
                reason: str | None = None) -> Item:  # fmt: skip
        return self._record(target, CORRECT, value=value, unit=unit, reason=reason)

    def reject(self, target: Item | FieldId, reason: str | None = None) -> Item:
        return self._record(target, REJECT, reason=reason)

    def add(self, paper_id: str, kind: str, model: str | None, field_key: str, value: Any,
            unit: str | None = None, reason: str | None = None) -> Item:  # fmt: skip
        """A value the rules missed (or a field that has none yet)."""
        fid = FieldId.of(paper_id, kind, model, field_key)
        return self._record(fid, ADD, value=value, unit=unit, reason=reason, model=model)

    def set_in_scope(self, paper_id: str, in_scope: bool, reason: str | None = None) -> bool:
        curator = self.curator
        with session_scope(self.engine) as session:
            record_action(session, FieldId.paper(paper_id), IN_SCOPE if in_scope else OUT_OF_SCOPE,
                          curator=curator, reason=reason)  # fmt: skip
        return in_scope

    def mark_out_of_scope(self, paper_id: str, reason: str | None = None) -> bool:
        return self.set_in_scope(paper_id, False, reason)

    def apply(self, spec: Mapping[str, Any]) -> Item | bool:
        """A scripted action: ``{"action": "correct", "paper_id": ..., "kind": ...,
        "model": ..., "field_key": ..., "value": ..., "unit": ..., "reason": ...}``
        (``seq`` optional: the seq seen)."""
        action = str(spec.get("action", ""))
        if action not in ACTIONS:
            raise CurationError(f"scripted action {action!r}: one of {', '.join(ACTIONS)}")
        paper_id = str(spec["paper_id"])
        if action in (OUT_OF_SCOPE, IN_SCOPE):
            return self.set_in_scope(paper_id, action == IN_SCOPE, spec.get("reason"))
        fid = FieldId.of(paper_id, spec["kind"], spec.get("model"), spec["field_key"])
        target: Item | FieldId = fid
        if spec.get("seq") is not None:
            target = self.item(fid)
            if target.seq != int(spec["seq"]):
                raise ConflictError(f"{fid}: seq {spec['seq']} expected, {target.seq} found; "
                                    "reload and decide again")  # fmt: skip
        if action == ADD:
            return self.add(paper_id, fid.kind, spec.get("model"), fid.field_key,
                            spec.get("value"), spec.get("unit"), spec.get("reason"))  # fmt: skip
        if action == CORRECT:
            return self.correct(target, spec.get("value"), spec.get("unit"), spec.get("reason"))
        return getattr(self, action)(target, spec.get("reason"))
