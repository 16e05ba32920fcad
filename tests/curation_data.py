"""A small database to review: two papers with results, training runs and sizes (tests only).

``seed(engine, pdf=None)`` stores synthetic extractions through ``db.store`` (the real write
path). With ``pdf`` (a corpus PDF), paper 1512.03385's document points at that file so the
evidence image can be rendered (page 1, a box near the top).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import Engine

from db.engine import session_scope
from db.store import store_extraction, upsert_paper
from schema.records import (
    Box,
    Evidence,
    Extraction,
    ResultCandidate,
    SizeCandidate,
    TrainingCandidate,
)

RESNET, VGG = "1512.03385", "1409.1556"
SCRIPTED_CORRECTION = {
    "action": "correct",
    "paper_id": RESNET,
    "kind": "result",
    "model": "ResNet-152",
    "field_key": "imagenet/top1_error",
    "value": "19.4 %",
    "reason": "Table 4 of the paper (scripted test decision)",
}


def ev(page: int = 1, snippet: str = "ResNet-152 19.38", raw: str | None = None) -> Evidence:
    return Evidence(page=page, snippet=snippet, rule_id="test.rule.v1", locator="text",
                    char_start=0, char_end=10, box=Box(72.0, 80.0, 540.0, 120.0))  # fmt: skip


def resnet(top1_error: float = 19.38) -> Extraction:
    return Extraction(
        results=[
            ResultCandidate("imagenet", "top1_error", top1_error, str(top1_error), ev(),
                            "ResNet-152", confidence=0.5),
            ResultCandidate("imagenet", "top1_error", 21.43, "21.43", ev(snippet="plain 21.43"),
                            "ResNet-152 ", confidence=0.4),
            ResultCandidate("imagenet", "top1_error", 22.85, "22.85", ev(snippet="ResNet-50"),
                            "ResNet-50", confidence=0.9),
        ],
        training=[
            TrainingCandidate(ev(snippet="8 V100 GPUs for 3 days"), hardware="tesla-v100",
                              hardware_count=8, count_unit="chip", chips=8, duration_hours=72,
                              confidence=0.7),
        ],
        sizes=[SizeCandidate("param_count", 60.2e6, "60.2M", "params", ev(snippet="60.2M"),
                             "ResNet-152", confidence=0.6)],
    )  # fmt: skip


def vgg() -> Extraction:
    return Extraction(
        results=[ResultCandidate("imagenet", "top1_error", 24.4, "24.4", ev(snippet="VGG 24.4"),
                                 "VGG-16", confidence=0.8)],
        training=[TrainingCandidate(ev(snippet="4 Titan Black 2-3 weeks"),
                                    hardware="gtx-titan-black", hardware_count=4,
                                    count_unit="chip", chips=4, duration_hours=420,
                                    confidence=0.6)],
    )  # fmt: skip


def store(engine: Engine, paper_id: str, extraction: Extraction, key: str = "test-key-1",
          pdf: Path | None = None) -> None:  # fmt: skip
    data = pdf.read_bytes() if pdf else paper_id.encode()
    with session_scope(engine) as session:
        store_extraction(session, paper_id=paper_id, sha256=hashlib.sha256(data).hexdigest(),
                         doc_path=pdf, n_bytes=len(data), n_pages=1, extraction=extraction,
                         extractor_key=key, extractor_version="test", run_id=None,
                         seconds=None)  # fmt: skip


def seed(engine: Engine, pdf: Path | None = None) -> None:
    with session_scope(engine) as session:
        upsert_paper(session, RESNET, title="Deep Residual Learning", year=2015)
        upsert_paper(session, VGG, title="Very Deep Convolutional Networks", year=2014)
    store(engine, RESNET, resnet(), pdf=pdf)
    store(engine, VGG, vgg())
