"""Every query of docs/sql.md runs on SQLite and PostgreSQL and returns the expected rows.

The database is filled through db.store (four papers, one failed) and db.compute. A query
added to docs/sql.md without an entry in EXPECTED fails ``test_every_query_has_expectations``.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from sqlalchemy import text

from db.compute import compute_all
from db.engine import session_scope
from db.store import record_failure, store_extraction, upsert_paper
from schema import quantities as q
from schema.records import Evidence, Extraction, ResultCandidate, SizeCandidate, TrainingCandidate

DOC = Path(__file__).resolve().parents[2] / "docs" / "sql.md"
IMAGENET = 1_281_167
ALEX_HB = 2 * 1.581e12 * 144 * 3600
ALEX_NET = 3 * 1.4e9 * 90 * IMAGENET
NOISY_HB = 1024 * 1.23e14 * 144 * 3600
RESNET_NET = 3 * 3.8e9 * 90 * IMAGENET
ALEX_SNIPPET = "trained on two GTX 580 3GB GPUs for five to six days"
NOISY_SNIPPET = "trained on a Cloud TPU v3 Pod with 2048 cores for 6 days"


def queries() -> dict[int, str]:
    """{number: sql} of the '### N. title' sections of docs/sql.md."""
    found = re.findall(r"^### (\d+)\. .*?\n.*?```sql\n(.*?)```", DOC.read_text(), re.S | re.M)
    return {int(n): sql.strip() for n, sql in found}


def ev(snippet: str = "s", page: int = 3, rule: str = "test.v1") -> Evidence:
    return Evidence(page=page, snippet=snippet, rule_id=rule)


def result(metric: str, value: float, model: str, benchmark: str = "imagenet") -> ResultCandidate:
    return ResultCandidate(benchmark, metric, value, str(value), ev(), model, confidence=0.8)


EXTRACTIONS = {
    "alexnet-2012": (2012, Extraction(
        results=[result("top1_error", 37.5, "AlexNet"), result("top1_error", 40.7, "AlexNet"),
                 result("top5_error", 17.0, "AlexNet")],
        training=[
            TrainingCandidate(ev(ALEX_SNIPPET, 5, "hardware.count_named.v1"), hardware="gtx-580",
                              hardware_count=2, chips=2, duration_hours=144.0, epochs=90.0,
                              confidence=0.7),
            TrainingCandidate(ev("one GPU"), hardware="gtx-580", hardware_count=1, chips=1),
            TrainingCandidate(ev("at test time"), hardware="gtx-580", chips=1, duration_hours=1.0,
                              status=q.REJECTED, reject_reason="inference_or_no_training_context"),
        ],
        sizes=[SizeCandidate(q.PARAM_COUNT, 60e6, "60M", "params", ev(), "AlexNet"),
               SizeCandidate(q.FLOPS_PER_FORWARD, 0.7e9, "0.7G", "multiadds", ev(), "AlexNet")],
    )),
    "1911.04252": (2019, Extraction(
        results=[result("top1_accuracy", 88.4, "EfficientNet-L2")],
        training=[TrainingCandidate(ev(NOISY_SNIPPET, 6, "hardware.tpu_slice.v1"),
                                    hardware="tpu-v3", hardware_count=2048, count_unit="core",
                                    chips=1024, duration_hours=144.0)],
        sizes=[SizeCandidate(q.PARAM_COUNT, 480e6, "480M", "params", ev(), "EfficientNet-L2")],
    )),
    "1512.03385": (2015, Extraction(
        results=[result("top1_error", 24.0, "ResNet-50"),
                 result("box_ap", 37.4, "Faster R-CNN", "coco")],
        training=[
            TrainingCandidate(ev("8 GPUs, 90 epochs"), hardware="gpu-unspecified",
                              hardware_count=8, chips=8, epochs=90.0),
            TrainingCandidate(ev("0.5 s per GPU"), hardware="gpu-unspecified", chips=1,
                              duration_hours=1.0, status=q.REJECTED,
                              reject_reason="per_device_rate"),
        ],
        sizes=[SizeCandidate(q.PARAM_COUNT, 25.6e6, "25.6M", "params", ev(), "ResNet-50"),
               SizeCandidate(q.FLOPS_PER_FORWARD, 3.8e9, "3.8G", "flops", ev(), "ResNet-50")],
    )),
}  # fmt: skip

L10 = math.log10
EXPECTED: dict[int, list[tuple]] = {
    1: [("ok", 3), ("parse_error", 1)],
    2: [("1911.04252", "EfficientNet-L2", 11.6, NOISY_HB, "hardware_burden"),
        ("alexnet-2012", "AlexNet", 37.5, ALEX_HB, "hardware_burden"),
        ("1512.03385", "ResNet-50", 24.0, RESNET_NET, "network_operations")],
    3: [("alexnet-2012", "AlexNet", L10(37.5), L10(ALEX_HB)),
        ("1911.04252", "EfficientNet-L2", L10(11.6), L10(NOISY_HB))],
    4: [("1911.04252", 2019, "hardware_burden", NOISY_HB, "tpu-v3", 1024, 144),
        ("alexnet-2012", 2012, "hardware_burden", ALEX_HB, "gtx-580", 2, 144),
        ("1512.03385", 2015, "network_operations", RESNET_NET, None, None, None)],
    5: [("1911.04252", "tpu-v3", "tensor", NOISY_HB, 0.375 * NOISY_HB, 0.375),
        ("alexnet-2012", "gtx-580", "fp32", ALEX_HB, 0.375 * ALEX_HB, 0.375)],
    6: [("alexnet-2012", "AlexNet", ALEX_NET / ALEX_HB),
        ("alexnet-2012", "AlexNet", ALEX_NET / ALEX_HB)],
    7: [("1512.03385", "Faster R-CNN", "coco", "box_ap", 37.4)],
    8: [("1911.04252", "hardware_burden", NOISY_HB, "tpu-v3", 1024, 144, 6, NOISY_SNIPPET,
         "hardware.tpu_slice.v1"),
        ("alexnet-2012", "hardware_burden", ALEX_HB, "gtx-580", 2, 144, 5, ALEX_SNIPPET,
         "hardware.count_named.v1")],
    9: [("gpu-unspecified", 1, 8), ("gtx-580", 1, 2), ("tpu-v3", 1, 1024)],
    10: [("1512.03385", "train", "gpu-unspecified", 8, None, 90),
         ("alexnet-2012", "train", "gtx-580", 2, 144, 90)],
    11: [("1911.04252", 11.6, 1), ("1512.03385", 24.0, 1), ("alexnet-2012", 37.5, 1)],
    12: [("1512.03385", "ResNet-50", 25.6e6, 3.8e9),
         ("1911.04252", "EfficientNet-L2", 480e6, None),
         ("alexnet-2012", "AlexNet", 60e6, 1.4e9)],
    13: [("inference_or_no_training_context", 1), ("per_device_rate", 1)],
    14: [(2012, 1, ALEX_HB), (2015, 1, RESNET_NET), (2019, 1, NOISY_HB)],
}  # fmt: skip


@pytest.fixture
def filled(engine):
    with session_scope(engine) as s:
        for paper_id, (year, extraction) in EXTRACTIONS.items():
            upsert_paper(s, paper_id, title=paper_id, year=year)
            store_extraction(
                s, paper_id=paper_id, sha256=paper_id.ljust(64, "0"), doc_path=None, n_bytes=1,
                n_pages=9, extraction=extraction, extractor_key="k", extractor_version="0",
                run_id="run-1", seconds=0.1,
            )  # fmt: skip
        record_failure(s, paper_id="broken", status=q.STATUS_PARSE_ERROR, message="bad xref",
                       sha256=None, extractor_key="k", run_id="run-1")  # fmt: skip
        compute_all(s)
    return engine


def same(got: object, want: object) -> bool:
    if want is None or got is None:
        return got is None and want is None
    if isinstance(want, float) or isinstance(got, float):
        return float(got) == pytest.approx(float(want), rel=1e-9)  # type: ignore[arg-type]
    return got == want


def test_every_query_has_expectations():
    found = queries()
    assert len(found) >= 10
    assert sorted(found) == sorted(EXPECTED) == list(range(1, len(found) + 1))


@pytest.mark.parametrize("number", sorted(EXPECTED))
def test_query(filled, number):
    with filled.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text(queries()[number]))]
    want = EXPECTED[number]
    assert len(rows) == len(want), rows
    for got_row, want_row in zip(rows, want, strict=True):
        assert len(got_row) == len(want_row), got_row
        assert all(same(g, w) for g, w in zip(got_row, want_row, strict=True)), (got_row, want_row)
