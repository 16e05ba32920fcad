"""Bulk curation through a spreadsheet: export the queue as CSV, import decisions back.

``export_csv`` writes one line per item (the queue's filters apply) with what is known
(``extracted``, ``effective``, confidence, page, snippet) and the ``seq`` the file was made at,
plus empty ``action``, ``value``, ``unit``, ``reason`` columns to fill in. Lines may be added for
values the rules missed (``action`` add; ``seq`` empty) or to mark a paper out of scope
(``kind`` paper, ``field_key`` in_scope, ``action`` out_of_scope).

``import_csv`` checks every line that has an ``action`` first (known action and paper, valid
field key, value and unit parsed, ``seq`` still current, one line per field); when any line is
invalid it raises :class:`CsvImportError` listing every bad line and records nothing. Otherwise it
records all decisions in the caller's transaction, under the configured curator.

Values: results in percent points (``76.1``, unit ``%``); sizes as numbers with a unit
(``25.6`` ``M``, ``25600000`` ``params``, ``4.1`` ``GFLOPs``) or text (``25.6M``); training runs
as ``hardware=tesla-v100; count=8 chip; duration_hours=72`` (the ``effective`` column of an
exported training line is already in this form).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.curation import (
    ACCEPT,
    ACTIONS,
    ADD,
    CORRECT,
    IN_SCOPE,
    OUT_OF_SCOPE,
    CurationError,
    CurationRecord,
    FieldId,
    Item,
    load_items,
    record_action,
    review_queue,
)
from extract import corrections as cv
from extract.corrections import KIND_PAPER, KIND_TRAINING, InvalidValueError
from schema.tables import Paper

CSV_COLUMNS = [
    "paper_id", "kind", "model", "field_key", "seq", "status", "extracted", "effective",
    "confidence", "page", "snippet", "title", "action", "value", "unit", "reason",
]  # fmt: skip
REQUIRED_COLUMNS = ("paper_id", "kind", "model", "field_key", "action")


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class CsvImportError(CurationError):
    """Lines of a corrections file that cannot be applied; nothing was recorded."""

    def __init__(self, errors: list[LineError]) -> None:
        self.errors = errors
        super().__init__(
            f"{len(errors)} invalid line(s), nothing applied:\n" + "\n".join(map(str, errors))
        )


# --------------------------------------------------------------------------------------------
# export


def editable_text(kind: str, value: dict[str, Any] | None) -> str:
    """A value in the form ``import_csv`` reads back (training: ``name=value; ...``)."""
    if value is None:
        return ""
    if kind == KIND_TRAINING:
        parts = []
        if value.get("hardware"):
            parts.append(f"hardware={value['hardware']}")
        if value.get("hardware_count") is not None:
            parts.append(f"count={value['hardware_count']:g} {value.get('count_unit') or 'chip'}")
        for name in ("duration_hours", "device_hours"):
            if value.get(name) is not None:
                parts.append(f"{name}={value[name]:g}")
        return "; ".join(parts)
    if kind == KIND_PAPER:
        return "true" if value.get("in_scope") else "false"
    number = value.get("value")
    return "" if number is None else f"{number:g} {value.get('unit') or ''}".strip()


def _line(item: Item) -> dict[str, Any]:
    best = item.best
    kind = item.field.kind
    return {
        "paper_id": item.field.paper_id, "kind": kind, "model": item.model,
        "field_key": item.field.field_key, "seq": item.seq, "status": item.status,
        "extracted": editable_text(kind, item.extracted),
        "effective": editable_text(kind, item.effective),
        "confidence": "" if item.confidence is None else f"{item.confidence:.2f}",
        "page": best.page if best and best.page is not None else "",
        "snippet": (best.snippet or "") if best else "", "title": item.title or "",
        "action": "", "value": "", "unit": "", "reason": "",
    }  # fmt: skip


def export_csv(session: Session, out: Path | str | IO[str], **filters: Any) -> int:
    """Write the queue (``db.curation.review_queue`` filters; default the open items) as CSV;
    return the number of lines written."""
    items = review_queue(session, **filters)
    if isinstance(out, str | Path):
        with Path(out).open("w", newline="", encoding="utf-8") as handle:
            return _write(handle, items)
    return _write(out, items)


def _write(handle: IO[str], items: Iterable[Item]) -> int:
    writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    n = 0
    for item in items:
        writer.writerow(_line(item))
        n += 1
    return n


# --------------------------------------------------------------------------------------------
# import


@dataclass(slots=True)
class _Decision:
    line: int
    fid: FieldId
    action: str
    value: str | None
    unit: str | None
    reason: str | None
    seq: int | None
    model: str | None


def _read(source: Path | str | IO[str]) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    if isinstance(source, str | Path):
        text = Path(source).read_text(encoding="utf-8-sig")
        handle: IO[str] = io.StringIO(text)
    else:
        handle = source
    reader = csv.DictReader(handle)
    rows = []
    for row in reader:
        rows.append((reader.line_num, {k.strip(): (v or "").strip() for k, v in row.items() if k}))
    return [c.strip() for c in reader.fieldnames or []], rows


def _decision(line: int, row: dict[str, str], papers: set[str]) -> _Decision:
    action = row["action"].lower()
    if action not in ACTIONS:
        raise CurationError(f"action {row['action']!r}: one of {', '.join(ACTIONS)}")
    paper_id = row["paper_id"]
    if paper_id not in papers:
        raise CurationError(f"unknown paper {paper_id!r}")
    if action in (OUT_OF_SCOPE, IN_SCOPE):
        fid = FieldId.paper(paper_id)
    else:
        cv.check_field_key(row["kind"], row["field_key"])
        if row["kind"] == KIND_PAPER:
            raise CurationError("a paper line takes action out_of_scope or in_scope")
        fid = FieldId.of(paper_id, row["kind"], row["model"], row["field_key"])
    seq_text = row.get("seq", "")
    try:
        seq = int(float(seq_text)) if seq_text else None
    except ValueError as exc:
        raise CurationError(f"seq {seq_text!r} is not a whole number") from exc
    value, unit = row.get("value") or None, row.get("unit") or None
    if action in (CORRECT, ADD):
        cv.parse_value(fid.kind, fid.field_key, value, unit)
    return _Decision(line, fid, action, value, unit, row.get("reason") or None, seq,
                     row["model"] or None)  # fmt: skip


def _check_state(decision: _Decision, items: dict[FieldId, Item]) -> None:
    item = items.get(decision.fid)
    if decision.action == ACCEPT and (item is None or item.effective is None):
        raise CurationError(f"{decision.fid}: nothing extracted to accept")
    current = item.seq if item is not None else 0
    if decision.seq is not None and decision.seq != current and decision.fid.kind != KIND_PAPER:
        who = f" by {item.curation.curator}" if item and item.curation else ""
        raise CurationError(
            f"{decision.fid} was curated since the file was exported (seq {decision.seq} -> "
            f"{current}{who}); export again and redo this line"
        )


def validate_csv(
    session: Session, source: Path | str | IO[str]
) -> tuple[list[_Decision], list[LineError]]:
    """The decisions of a corrections file and the errors of its invalid lines."""
    columns, rows = _read(source)
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        return [], [LineError(1, f"missing column(s): {', '.join(missing)}")]
    papers = set(session.scalars(select(Paper.paper_id)))
    decisions, errors, seen = [], [], {}
    for line, row in rows:
        if not row.get("action"):
            continue
        try:
            decision = _decision(line, row, papers)
        except (CurationError, InvalidValueError) as exc:
            errors.append(LineError(line, str(exc)))
            continue
        if decision.fid in seen:
            first = seen[decision.fid]
            errors.append(LineError(line, f"{decision.fid} is already decided on line {first}"))
            continue
        seen[decision.fid] = line
        decisions.append(decision)
    involved = {d.fid.paper_id for d in decisions}
    items = {i.field: i for i in load_items(session, involved)} if involved else {}
    for decision in decisions:
        try:
            _check_state(decision, items)
        except CurationError as exc:
            errors.append(LineError(decision.line, str(exc)))
    errors.sort(key=lambda e: e.line)
    return decisions, errors


def import_csv(
    session: Session, source: Path | str | IO[str], curator: str, dry_run: bool = False
) -> list[CurationRecord]:
    """Record every decision of a corrections file in the caller's transaction (all or none);
    raise CsvImportError listing the invalid lines. ``dry_run`` only validates."""
    decisions, errors = validate_csv(session, source)
    if errors:
        raise CsvImportError(errors)
    if dry_run:
        return []
    records = []
    for d in decisions:
        try:
            records.append(record_action(session, d.fid, d.action, curator=curator, value=d.value,
                                         unit=d.unit, reason=d.reason, expected_seq=d.seq,
                                         model=d.model))  # fmt: skip
        except (CurationError, InvalidValueError) as exc:
            raise CsvImportError([LineError(d.line, str(exc))]) from exc
    return records
