"""Effective values: extracted rows with the curators' decisions applied (what exports carry).

For every field (``db.curation.FieldId``) of an in-scope paper:

- no curation: the extracted non-rejected rows, ``curated`` False;
- latest curation ``reject``: no row;
- latest curation accept / correct / add: exactly one row, ``curated`` True and status
  ``accepted``: the best extracted row of the field (its page and snippet stay as provenance;
  rejected rows count, so accepting a rejected candidate brings it back) with the curated value
  written over it, or, when nothing was extracted, a row made from the curation (source
  ``curator``, confidence 1, the curator's reason as snippet, rule_id ``curation``).

Papers whose effective ``in_scope`` is false (``db.curation.paper_scope``) have no rows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from db import queries
from db.compute import PaperRows
from db.curation import (
    REJECT,
    CurationRecord,
    FieldId,
    latest_curations,
    paper_scope,
    row_field,
)
from extract import corrections as cv
from extract.corrections import KIND_RESULT, KIND_SIZE, KIND_TRAINING
from schema import quantities as q

CURATED = "curated"
CURATION_RULE = "curation"

Row = dict[str, Any]


def _num(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _rank(kind: str, fid: FieldId, row: Mapping[str, Any], order: int) -> tuple:
    better = 0.0
    if kind == KIND_RESULT and _num(row.get("value")) is not None:
        lower = fid.field_key.endswith("error") or fid.field_key.endswith("_err")
        better = (-1.0 if lower else 1.0) * float(row["value"])
    return (row.get("status") == q.REJECTED, -(_num(row.get("confidence")) or 0.0), -better, order)


def _write_value(kind: str, row: Row, value: Mapping[str, Any]) -> None:
    if kind == KIND_RESULT:
        row["value"] = value["value"]
        return
    if kind == KIND_SIZE:
        is_params = row.get("quantity") == q.PARAM_COUNT
        row["value"], row["unit"] = value["value"], value["unit"]
        if "params" in row or "flops_per_forward" in row:
            row["params"] = value["value"] if is_params else None
            row["flops_per_forward"] = None if is_params else value["value"]
        return
    if _num(row.get("duration_hours")) != _num(value.get("duration_hours")):
        for name in ("duration_lo_hours", "duration_hi_hours"):
            if name in row:
                row[name] = None
    for name in cv.TRAINING_FIELDS:
        row[name] = value.get(name)


def _made_row(kind: str, record: CurationRecord, columns: list[str]) -> Row:
    fid = record.field
    row: Row = dict.fromkeys(columns)
    row.update(paper_id=fid.paper_id, model=(record.after or {}).get("model") or fid.model or None)
    if kind == KIND_RESULT:
        row["benchmark"], row["metric"] = cv.split_result_key(fid.field_key)
        row["source"] = q.SOURCE_CURATOR
    elif kind == KIND_SIZE:
        row["quantity"] = fid.field_key
    else:
        row["stage"] = fid.field_key
    row.update(confidence=1.0, snippet=record.reason, rule_id=CURATION_RULE,
               locator=CURATION_RULE)  # fmt: skip
    return {k: v for k, v in row.items() if k in columns or k in ("paper_id", "model")}


def apply_curations(
    kind: str,
    rows: list[Row],
    latest: Mapping[FieldId, CurationRecord],
    scope: Mapping[str, bool],
    columns: list[str] | None = None,
) -> list[Row]:
    """``rows`` (dicts with paper_id, model and the field's key columns; rejected rows may be
    included) of ``kind`` with the curations applied (module docstring); each has ``curated``."""
    columns = list(columns or (rows[0].keys() if rows else []))
    groups: dict[FieldId, list[tuple[tuple, int, Row]]] = {}
    for n, row in enumerate(rows):
        if scope.get(row["paper_id"], True) is False:
            continue
        fid = row_field(kind, row)
        groups.setdefault(fid, []).append((_rank(kind, fid, row, n), n, row))
    out: list[tuple[str, int, Row]] = []
    for fid, members in groups.items():
        record = latest.get(fid)
        if record is None:
            out.extend((fid.paper_id, n, {**row, CURATED: False}) for _, n, row in members
                       if row.get("status") != q.REJECTED)  # fmt: skip
            continue
        if record.action == REJECT or record.value is None:
            continue
        _, n, best = min(members, key=lambda m: m[0])
        row = {**best, CURATED: True}
        _write_value(kind, row, record.value)
        if "status" in row:
            row["status"], row["reject_reason"] = q.ACCEPTED, None
        out.append((fid.paper_id, n, row))
    for fid, record in latest.items():
        if fid.kind != kind or fid in groups or record.value is None:
            continue
        if scope.get(fid.paper_id, True) is False or record.action == REJECT:
            continue
        row = _made_row(kind, record, columns)
        _write_value(kind, row, record.value)
        if "status" in columns:
            row["status"] = q.ACCEPTED
        out.append((fid.paper_id, len(rows) + record.id, {**row, CURATED: True}))
    out.sort(key=lambda t: (t[0], t[1]))
    return [row for _, _, row in out]


_FRAMES = (
    (KIND_RESULT, queries.extracted_results),
    (KIND_TRAINING, queries.extracted_training),
    (KIND_SIZE, queries.extracted_sizes),
)


def effective_frames(session: Session) -> dict[str, pd.DataFrame]:
    """``results``, ``training``, ``sizes``: the ``db.queries`` frames (their columns plus
    ``curated``) with curations applied and rejected rows left out."""
    latest, scope = latest_curations(session), paper_scope(session)
    out = {}
    for (kind, read), name in zip(_FRAMES, ("results", "training", "sizes"), strict=True):
        frame = read(session, include_rejected=True)
        columns = list(frame.columns)
        rows = apply_curations(kind, frame.to_dict("records"), latest, scope, columns)
        out[name] = pd.DataFrame(rows, columns=[*columns, CURATED])
        out[name][CURATED] = out[name][CURATED].astype(bool)
    return out


def effective_compute_rows(
    session: Session, rows: Mapping[str, PaperRows]
) -> dict[str, PaperRows]:
    """``db.compute.load_rows`` bundles with curations applied: papers out of scope dropped,
    papers that only have curated rows added; every row dict carries ``curated``."""
    latest, scope = latest_curations(session), paper_scope(session)
    parts: dict[str, dict[str, list[Row]]] = {}
    for attr, kind in (("runs", KIND_TRAINING), ("sizes", KIND_SIZE), ("results", KIND_RESULT)):
        flat = [r for bundle in rows.values() for r in getattr(bundle, attr)]
        columns = list(flat[0].keys()) if flat else None
        for row in apply_curations(kind, flat, latest, scope, columns):
            parts.setdefault(row["paper_id"], {}).setdefault(attr, []).append(row)
    out: dict[str, PaperRows] = {}
    for paper_id in sorted(set(rows) | set(parts)):
        if scope.get(paper_id, True) is False:
            continue
        got = parts.get(paper_id, {})
        out[paper_id] = PaperRows(got.get("runs", []), got.get("sizes", []), got.get("results", []))
    return out
