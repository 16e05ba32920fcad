"""db.compute and the views of migration 0002, on SQLite and PostgreSQL.

AlexNet (2 GTX 580 x 6 days, 0.7e9 multiply-adds, 90 epochs) and Noisy Student (a v3 pod slice
of 2048 cores x 6 days) are stored through db.store; estimates are computed, stored, and read
back through the views; the export's compute_per_result agrees with the view.
"""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import select, text

from db.compute import compute_all, compute_for_paper, load_rows, paper_compute_from_rows
from db.engine import alembic_config, session_scope
from db.export import build_tables
from db.store import store_extraction, upsert_paper
from schema import quantities as q
from schema.records import Evidence, Extraction, ResultCandidate, SizeCandidate, TrainingCandidate
from schema.tables import ComputeEstimate, TrainingRun

IMAGENET = 1_281_167


def ev(snippet: str = "s") -> Evidence:
    return Evidence(page=1, snippet=snippet, rule_id="test.v1")


def alexnet() -> Extraction:
    def result(metric: str, value: float) -> ResultCandidate:
        return ResultCandidate("imagenet", metric, value, str(value), ev(), "AlexNet",
                               confidence=0.8)  # fmt: skip

    return Extraction(
        results=[result("top1_error", 37.5), result("top1_error", 40.7),
                 result("top5_error", 17.0)],
        training=[
            TrainingCandidate(ev("two GTX 580 3GB GPUs, five to six days"), hardware="gtx-580",
                              hardware_count=2, count_unit="chip", chips=2, duration_hours=144.0,
                              epochs=90.0, confidence=0.7),
            TrainingCandidate(ev("one GPU"), hardware="gtx-580", hardware_count=1, chips=1,
                              confidence=0.9),  # no time: no burden
            TrainingCandidate(ev("rejected"), hardware="gtx-580", chips=64, duration_hours=1e4,
                              status=q.REJECTED, reject_reason="test"),
        ],
        sizes=[
            SizeCandidate(q.PARAM_COUNT, 60e6, "60M", "params", ev(), "AlexNet"),
            SizeCandidate(q.FLOPS_PER_FORWARD, 0.7e9, "0.7G", "multiadds", ev(), "AlexNet"),
        ],
    )  # fmt: skip


def noisy_student() -> Extraction:
    return Extraction(
        results=[ResultCandidate("imagenet", "top1_accuracy", 88.4, "88.4", ev(),
                                 "EfficientNet-L2")],
        training=[TrainingCandidate(ev("TPU v3 pod, 2048 cores, 6 days"), hardware="tpu-v3",
                                    hardware_count=2048, count_unit="core", chips=1024,
                                    duration_hours=144.0)],
    )  # fmt: skip


def netops_only() -> Extraction:
    """No hardware time stated: compute falls back to network operations."""
    return Extraction(
        results=[ResultCandidate("imagenet", "top1_accuracy", 76.0, "76.0", ev(), "ResNet-50")],
        training=[TrainingCandidate(ev("8 GPUs, 90 epochs"), hardware="gpu-unspecified",
                                    hardware_count=8, chips=8, epochs=90.0)],
        sizes=[SizeCandidate(q.FLOPS_PER_FORWARD, 3.8e9, "3.8G", "flops", ev(), "ResNet-50")],
    )  # fmt: skip


PAPERS = {"alexnet": alexnet, "1911.04252": noisy_student, "netops": netops_only}


def fill(engine) -> None:
    with session_scope(engine) as s:
        for paper_id, make in PAPERS.items():
            upsert_paper(s, paper_id, title=paper_id.title(), year=2019)
            store_extraction(
                s, paper_id=paper_id, sha256=paper_id.ljust(64, "0"), doc_path=None, n_bytes=1,
                n_pages=1, extraction=make(), extractor_key="k", extractor_version="0",
                run_id="run-1", seconds=0.1,
            )  # fmt: skip


def test_epochs_are_stored(engine):
    fill(engine)
    with session_scope(engine) as s:
        epochs = s.scalars(select(TrainingRun.epochs).where(TrainingRun.paper_id == "alexnet"))
        assert sorted(e for e in epochs if e is not None) == [90.0]


def test_compute_for_paper_rows_and_choice(engine):
    fill(engine)
    with session_scope(engine) as s:
        computed = compute_for_paper(s, "alexnet")
        assert computed.burden is not None and computed.burden.chosen
        rows = s.scalars(
            select(ComputeEstimate).where(ComputeEstimate.paper_id == "alexnet")
            .order_by(ComputeEstimate.id)
        ).all()  # fmt: skip
        methods = sorted((r.method, r.benchmark or "", r.chosen) for r in rows)
        assert methods == [
            ("hardware_burden", "", True),
            ("network_operations", "imagenet", False),  # burden wins for every target
            ("utilization_adjusted", "", False),
        ]
        burden = next(r for r in rows if r.method == "hardware_burden")
        assert burden.flop == pytest.approx(1.6392e18, rel=1e-4)
        assert burden.precision == "fp32" and burden.peak_flops == 1.581e12
        assert burden.inputs["chips"] == 2 and burden.run_id == "run-1"
        net = next(r for r in rows if r.method == "network_operations")
        assert net.flop == pytest.approx(3 * 1.4e9 * 90 * IMAGENET)
        assert net.model == "AlexNet" and net.inputs["multiply_adds"] is True
        # recomputing replaces, never duplicates
        compute_for_paper(s, "alexnet")
        n = s.scalar(text("SELECT COUNT(*) FROM compute_estimates WHERE paper_id = 'alexnet'"))
        assert n == 3


def test_network_operations_chosen_without_burden(engine):
    fill(engine)
    with session_scope(engine) as s:
        computed = compute_for_paper(s, "netops")
        assert computed.burden is None
        (net,) = [e for e in computed.estimates if e.estimate.method == "network_operations"]
        assert net.chosen and net.estimate.flop == pytest.approx(3 * 3.8e9 * 90 * IMAGENET)


def test_views(engine):
    fill(engine)
    with session_scope(engine) as s:
        assert compute_all(s) == 3 + 2 + 1
    with engine.connect() as conn:
        cpr = pd.read_sql_query(
            text("SELECT * FROM compute_per_result ORDER BY paper_id, metric"), conn
        )
        papers = pd.read_sql_query(text("SELECT * FROM paper_compute ORDER BY paper_id"), conn)
        runs = pd.read_sql_query(text("SELECT * FROM training_compute ORDER BY training_run_id"),
                                 conn)  # fmt: skip
    assert list(cpr["paper_id"]) == ["1911.04252", "alexnet", "alexnet", "netops"]
    top1 = cpr[(cpr.paper_id == "alexnet") & (cpr.metric == "top1_error")].iloc[0]
    assert top1["value"] == 37.5 and top1["error_rate"] == 37.5 and top1["params"] == 60e6
    assert top1["compute_method"] == "hardware_burden"
    assert top1["compute_flop"] == pytest.approx(1.6392e18, rel=1e-4)
    assert top1["network_ops_flop"] == pytest.approx(3 * 1.4e9 * 90 * IMAGENET)
    assert (top1["hardware"], top1["hardware_count"], top1["training_hours"]) == ("gtx-580", 2, 144)
    noisy = cpr[cpr.paper_id == "1911.04252"].iloc[0]
    assert noisy["error_rate"] == pytest.approx(11.6)
    assert noisy["compute_flop"] == pytest.approx(1024 * 1.23e14 * 144 * 3600)
    assert noisy["peak_precision"] == "tensor"
    fallback = cpr[cpr.paper_id == "netops"].iloc[0]
    assert fallback["compute_method"] == "network_operations" and pd.isna(fallback["hardware"])
    assert list(papers["compute_method"]) == ["hardware_burden", "hardware_burden",
                                              "network_operations"]  # fmt: skip
    alex = papers[papers.paper_id == "alexnet"].iloc[0]
    assert alex["utilization_adjusted_flop"] == pytest.approx(0.375 * alex["hardware_burden_flop"])
    assert len(runs) == 4  # the rejected run is not there
    assert runs["chosen"].tolist().count(1) == 2


def test_export_agrees_with_view(engine):
    fill(engine)
    with session_scope(engine) as s:
        compute_all(s)
        exported = build_tables(s)["compute_per_result"]
    with engine.connect() as conn:
        view = pd.read_sql_query(text("SELECT * FROM compute_per_result"), conn)
    columns = ["paper_id", "model", "benchmark", "metric", "value", "error_rate",
               "hardware_burden_flop", "network_ops_flop", "compute_flop",
               "compute_method"]  # fmt: skip
    left = exported[columns].sort_values(["paper_id", "metric"]).reset_index(drop=True)
    right = view[columns].sort_values(["paper_id", "metric"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(
        left.astype(object).where(left.notna(), None),
        right.astype(object).where(right.notna(), None),
        check_dtype=False,
    )


def test_in_memory_equals_stored(engine):
    fill(engine)
    with session_scope(engine) as s:
        rows = load_rows(s)
        assert set(rows) == set(PAPERS)
        memory = paper_compute_from_rows(rows["alexnet"])
        stored = compute_for_paper(s, "alexnet")
    assert [(e.estimate, e.chosen) for e in memory.estimates] == [
        (e.estimate, e.chosen) for e in stored.estimates
    ]


def test_reextraction_cascades_and_migration_round_trip(engine):
    fill(engine)
    with session_scope(engine) as s:
        compute_all(s)
        store_extraction(
            s, paper_id="alexnet", sha256="a" * 64, doc_path=None, n_bytes=1, n_pages=1,
            extraction=Extraction(), extractor_key="k", extractor_version="0", run_id="run-2",
            seconds=0.1,
        )  # fmt: skip
        left = s.scalars(
            select(ComputeEstimate.method).where(ComputeEstimate.paper_id == "alexnet")
        ).all()
        assert left == []  # the runs' estimates went with the runs
    from alembic import command

    for target in ("0001", "head"):
        with engine.begin() as conn:
            cfg = alembic_config(engine)
            cfg.attributes["connection"] = conn
            (command.downgrade if target == "0001" else command.upgrade)(cfg, target)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT paper_id, compute_flop FROM compute_per_result"))
        assert sorted(rows) == [("1911.04252", None), ("netops", None)]  # estimates dropped
