"""Every database constraint refuses a bad row, on SQLite and on PostgreSQL.

Each case inserts one row that is valid except for the named field, and expects an
IntegrityError naming the constraint (or, for keys, any IntegrityError). The same row without
the fault is inserted first to prove the fault is what the database refuses.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from schema.tables import (
    Curation,
    Document,
    EvidenceRow,
    ModelSize,
    Paper,
    PaperStatus,
    Result,
    Run,
    TrainingRun,
)

SHA = "a" * 64


def _seed(engine: Engine) -> dict[str, int]:
    """Papers p1, p2 with one evidence row each; returns the evidence ids."""
    ids = {}
    with engine.begin() as conn:
        conn.execute(insert(Paper), [{"paper_id": "p1"}, {"paper_id": "p2"}])
        for paper in ("p1", "p2"):
            ids[paper] = conn.execute(
                insert(EvidenceRow).returning(EvidenceRow.id),
                {"paper_id": paper, "snippet": "s", "rule_id": "r", "extractor_version": "v"},
            ).scalar_one()
        conn.execute(insert(Document), {"sha256": SHA, "paper_id": "p1", "bytes": 10})
    return ids


def _fresh_evidence(engine: Engine, paper: str = "p1") -> int:
    with engine.begin() as conn:
        return conn.execute(
            insert(EvidenceRow).returning(EvidenceRow.id),
            {"paper_id": paper, "snippet": "s", "rule_id": "r", "extractor_version": "v"},
        ).scalar_one()


def _base(table: Any, engine: Engine) -> dict[str, Any]:
    """A valid row for ``table`` (needing fresh evidence where the table has a unique one)."""
    if table is Paper:
        return {"paper_id": "p9", "year": 2016, "arxiv_version": 2}
    if table is Document:
        return {"sha256": "b" * 64, "paper_id": "p1", "bytes": 5, "n_pages": 3}
    if table is PaperStatus:
        return {"paper_id": "p2", "status": "ok", "n_results": 1, "n_training": 0, "n_sizes": 0,
                "n_pages": 4, "seconds": 0.5}  # fmt: skip
    if table is Run:
        return {"run_id": "r1", "code_version": "0", "ruleset_sha256": "x"}
    if table is EvidenceRow:
        return {"paper_id": "p1", "snippet": "s", "rule_id": "r", "extractor_version": "v",
                "page": 1, "char_start": 3, "char_end": 9}  # fmt: skip
    if table is Result:
        return {"paper_id": "p1", "benchmark": "imagenet", "metric": "top1_accuracy",
                "value": 76.1, "source": "table",
                "evidence_id": _fresh_evidence(engine)}  # fmt: skip
    if table is TrainingRun:
        return {"paper_id": "p1", "stage": "train", "hardware": "tesla-v100", "hardware_count": 8,
                "chips": 8, "duration_hours": 72, "duration_lo_hours": 48,
                "duration_hi_hours": 72, "device_hours": 576, "epochs": 90,
                "evidence_id": _fresh_evidence(engine)}  # fmt: skip
    if table is ModelSize:
        return {"paper_id": "p1", "quantity": "param_count", "value": 25.6e6, "unit": "params",
                "evidence_id": _fresh_evidence(engine)}  # fmt: skip
    if table is Curation:
        return {"paper_id": "p1", "kind": "result", "model": "m", "field_key": "k",
                "action": "set", "curator": "c", "seq": 1}  # fmt: skip
    raise AssertionError(table)


CASES = [
    # checks of 0001
    (Result, {"value": 100.5}, "value_percent"),
    (Result, {"value": -0.1}, "value_percent"),
    (TrainingRun, {"hardware_count": 0}, "count_positive"),
    (TrainingRun, {"chips": -8}, "chips_positive"),
    (TrainingRun, {"duration_hours": 0}, "hours_positive"),
    (TrainingRun, {"device_hours": -1}, "device_hours_positive"),
    (ModelSize, {"value": 0}, "value_positive"),
    (ModelSize, {"value": -25e6}, "value_positive"),
    (Document, {"bytes": -1}, "bytes_nonneg"),
    (EvidenceRow, {"page": 0}, "page_positive"),
    # checks of 0003
    (Paper, {"year": 1492}, "year_range"),
    (Paper, {"arxiv_version": 0}, "arxiv_version_positive"),
    (Paper, {"paper_id": ""}, "paper_id_nonempty"),
    (Document, {"n_pages": 0}, "n_pages_positive"),
    (PaperStatus, {"status": "fine"}, "status_known"),
    (PaperStatus, {"n_results": -1}, "counts_nonneg"),
    (PaperStatus, {"n_pages": 0}, "n_pages_positive"),
    (PaperStatus, {"seconds": -2.0}, "seconds_nonneg"),
    (Run, {"n_failed": -1}, "counts_nonneg"),
    (EvidenceRow, {"char_start": 9, "char_end": 3}, "span_ordered"),
    (EvidenceRow, {"char_start": -1}, "span_ordered"),
    (Result, {"status": "maybe"}, "status_known"),
    (Result, {"confidence": 1.5}, "confidence_unit"),
    (Result, {"source": "rumour"}, "source_known"),
    (TrainingRun, {"status": "good"}, "status_known"),
    (TrainingRun, {"confidence": -0.1}, "confidence_unit"),
    (TrainingRun, {"stage": "pretraining"}, "stage_known"),
    (TrainingRun, {"duration_lo_hours": 0}, "lo_hours_positive"),
    (TrainingRun, {"duration_hi_hours": -3, "duration_lo_hours": None}, "hi_hours_positive"),
    (TrainingRun, {"duration_lo_hours": 96}, "range_ordered"),
    (TrainingRun, {"epochs": 0}, "epochs_positive"),
    (ModelSize, {"status": "ok"}, "status_known"),
    (ModelSize, {"confidence": 2}, "confidence_unit"),
    (ModelSize, {"quantity": "params"}, "quantity_known"),
    (Curation, {"seq": 0}, "seq_positive"),
]


def _refused(engine: Engine, table: Any, fault: dict, name: str) -> str | None:
    """None when inserting the faulty row fails on constraint ``name``, else what happened."""
    good = _base(table, engine)
    with engine.begin() as conn:
        conn.execute(insert(table), good)
    bad = _base(table, engine) | fault
    for key in ("paper_id", "sha256", "run_id"):
        if key in bad and table.__table__.c[key].primary_key and key not in fault:
            bad[key] = {"paper_id": "p8", "sha256": "c" * 64, "run_id": "r2"}[key]
    if table is PaperStatus and "paper_id" not in fault:
        bad["paper_id"] = "p1"
    if table is Curation:
        bad["seq"] = fault.get("seq", 2)
    try:
        with engine.begin() as conn:
            conn.execute(insert(table), bad)
    except IntegrityError as exc:
        wanted = f"ck_{table.__tablename__}_{name}"
        return None if wanted in str(exc.orig) else f"refused, but not by {wanted}: {exc.orig}"
    return "accepted"


def _reset(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in (Curation, Result, TrainingRun, ModelSize, EvidenceRow, PaperStatus,
                      Document, Run, Paper):  # fmt: skip
            conn.execute(table.__table__.delete())


def test_every_check_constraint_refuses_its_bad_row(engine: Engine) -> None:
    """One database for all cases (a fresh schema per case would cost a migration each)."""
    problems = []
    for table, fault, name in CASES:
        _reset(engine)
        _seed(engine)
        outcome = _refused(engine, table, fault, name)
        if outcome is not None:
            problems.append(f"{table.__tablename__} {fault} ({name}): {outcome}")
    assert not problems, "\n".join(problems)


def test_check_constraints_apply_to_updates(engine: Engine) -> None:
    problems = []
    for table, fault, name in CASES[10:14] + CASES[21:24] + CASES[26:28]:
        _reset(engine)
        _seed(engine)
        with engine.begin() as conn:
            conn.execute(insert(table), _base(table, engine))
        pk = next(iter(table.__table__.primary_key.columns))
        with engine.begin() as conn:
            key = conn.execute(select(pk).order_by(pk.desc()).limit(1)).scalar_one()
        try:
            with engine.begin() as conn:
                conn.execute(update(table).where(pk == key).values(**fault))
            problems.append(f"{table.__tablename__} {fault}: update accepted")
        except IntegrityError as exc:
            if f"ck_{table.__tablename__}_{name}" not in str(exc.orig):
                problems.append(f"{table.__tablename__} {fault}: {exc.orig}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("table", [Result, TrainingRun, ModelSize])
def test_value_evidence_is_unique_and_of_the_same_paper(engine: Engine, table: Any) -> None:
    ids = _seed(engine)
    row = _base(table, engine)
    with engine.begin() as conn:
        conn.execute(insert(table), row)
    with pytest.raises(IntegrityError), engine.begin() as conn:  # one value per evidence row
        conn.execute(insert(table), row)
    other = _base(table, engine) | {"evidence_id": ids["p2"]}  # evidence of another paper
    with pytest.raises(IntegrityError) as caught, engine.begin() as conn:
        conn.execute(insert(table), other)
    assert "evidence_same_paper" in str(caught.value.orig)
    missing = _base(table, engine) | {"evidence_id": 10**6}
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(table), missing)


@pytest.mark.parametrize(
    ("table", "row"),
    [
        (Paper, {"paper_id": "p1"}),
        (Document, {"sha256": SHA, "paper_id": "p2", "bytes": 1}),
        (PaperStatus, {"paper_id": "p1", "status": "ok"}),
        (
            Curation,
            {
                "paper_id": "p1",
                "kind": "result",
                "model": "m",
                "field_key": "k",
                "action": "set",
                "curator": "c",
                "seq": 1,
            },
        ),  # fmt: skip
    ],
)
def test_natural_keys_are_unique(engine: Engine, table: Any, row: dict) -> None:
    _seed(engine)
    with engine.begin() as conn:
        if table in (PaperStatus, Curation):
            conn.execute(insert(table), row)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(table), row)


@pytest.mark.parametrize(
    ("table", "row"),
    [
        (Document, {"sha256": "d" * 64, "paper_id": "nope", "bytes": 1}),
        (PaperStatus, {"paper_id": "nope", "status": "ok"}),
        (
            EvidenceRow,
            {"paper_id": "nope", "snippet": "s", "rule_id": "r", "extractor_version": "v"},
        ),
        (
            Curation,
            {
                "paper_id": "nope",
                "kind": "result",
                "field_key": "k",
                "action": "set",
                "curator": "c",
            },
        ),  # fmt: skip
    ],
)
def test_foreign_keys_refuse_unknown_papers(engine: Engine, table: Any, row: dict) -> None:
    _seed(engine)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(table), row)


def test_update_that_moves_a_value_to_another_papers_evidence_is_refused(engine: Engine) -> None:
    ids = _seed(engine)
    row = _base(Result, engine)
    with engine.begin() as conn:
        rid = conn.execute(insert(Result).returning(Result.id), row).scalar_one()
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(update(Result).where(Result.id == rid).values(evidence_id=ids["p2"]))


def test_store_keeps_rows_inside_the_constraints(engine: Engine) -> None:
    """db.store repairs or drops what a constraint would refuse, so a paper never fails on it."""
    from db import store
    from db.engine import session_scope
    from schema.records import (
        Evidence,
        Extraction,
        ResultCandidate,
        SizeCandidate,
        TrainingCandidate,
    )

    backwards = Evidence(page=1, snippet="s", rule_id="r", char_start=50, char_end=10)
    extraction = Extraction(
        results=[
            ResultCandidate("imagenet", "top1_accuracy", 76.1, "76.1", backwards, confidence=1.7)
        ],
        training=[TrainingCandidate(backwards, chips=0, duration_hours=-5, confidence=-1)],
        sizes=[
            SizeCandidate("params", 25e6, "25M", "params", backwards),
            SizeCandidate("param_count", 25e6, "25M", "params", backwards, confidence=9),
        ],
    )
    with session_scope(engine) as session:
        store.store_extraction(
            session, paper_id="p1", sha256=SHA, doc_path=None, n_bytes=1, n_pages=2,
            extraction=extraction, extractor_key="k", extractor_version="v", run_id=None,
            seconds=0.1,
        )  # fmt: skip
    with engine.connect() as conn:
        assert conn.execute(select(Result.confidence)).scalars().all() == [1.0]
        assert conn.execute(select(TrainingRun.confidence, TrainingRun.status)).all() == [
            (0.0, "rejected")
        ]
        assert conn.execute(select(ModelSize.quantity)).scalars().all() == ["param_count"]
        assert set(conn.execute(select(EvidenceRow.char_start)).scalars()) == {None}
