"""analysis.crosscheck and ``paperflops crosscheck`` against the real MIT and Epoch files.

Our database holds Noisy Student (1911.04252: TPU v3, 2048 cores = 1024 chips, 6 days,
EfficientNet-L2 480M parameters), ResNet (1512.03385: ResNet-152 60.2M parameters, no
training run) and a paper neither dataset has. Expected numbers come from the reference rows:
MIT: 1024 chips, 143.9 h, hardware burden 5.6e22 (420 TFLOP/s per board); Epoch: 1024 chips,
144 h, 2.612e22 FLOP (utilization-adjusted), ResNet-152 60.2M parameters and 1.04e19 FLOP.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from analysis.crosscheck import crosscheck
from db.engine import session_scope
from db.store import store_extraction, upsert_paper
from schema import quantities as q
from schema.records import Evidence, Extraction, ResultCandidate, SizeCandidate, TrainingCandidate

OUR_BURDEN = 1024 * 1.23e14 * 144 * 3600


def ev() -> Evidence:
    return Evidence(page=1, snippet="s", rule_id="test.v1")


PAPERS = {
    "1911.04252": Extraction(
        results=[ResultCandidate("imagenet", "top1_accuracy", 88.4, "88.4", ev(),
                                 "EfficientNet-L2")],
        training=[TrainingCandidate(ev(), hardware="tpu-v3", hardware_count=2048,
                                    count_unit="core", chips=1024, duration_hours=144.0)],
        sizes=[SizeCandidate(q.PARAM_COUNT, 480e6, "480M", "params", ev(), "EfficientNet-L2")],
    ),
    "1512.03385": Extraction(
        sizes=[SizeCandidate(q.PARAM_COUNT, 60.2e6, "60.2M", "params", ev(), "ResNet-152")],
    ),
    "9999.00001": Extraction(
        sizes=[SizeCandidate(q.PARAM_COUNT, 1e6, "1M", "params", ev(), "Tiny")],
    ),
}  # fmt: skip


@pytest.fixture
def filled(engine):
    with session_scope(engine) as s:
        for paper_id, extraction in PAPERS.items():
            upsert_paper(s, paper_id, year=2019)
            store_extraction(
                s, paper_id=paper_id, sha256=paper_id.ljust(64, "0"), doc_path=None, n_bytes=1,
                n_pages=1, extraction=extraction, extractor_key="k", extractor_version="0",
                run_id="r", seconds=0.1,
            )  # fmt: skip
    return engine


def fields(report) -> dict:
    return {f.field: f for f in report.fields}


def test_mit(filled, reference_dir):
    with session_scope(filled) as s:
        report = crosscheck(s, "mit", reference_dir)
    assert (report.n_our_papers, report.n_matched) == (3, 2)
    f = fields(report)
    assert (f["params"].n_theirs, f["params"].n_both, f["params"].n_agree) == (1, 1, 1)
    for name in ("hardware", "hardware_count", "training_hours"):
        assert (f[name].n_both, f[name].n_agree) == (1, 1), name
    # their 420 TFLOP/s per board against the catalog's 4 x 123 TFLOP/s (docs/compute.md)
    assert (f["compute"].n_both, f["compute"].n_agree) == (1, 0)
    assert f["compute"].ratio_quantiles["p50"] == pytest.approx(OUR_BURDEN / 5.6e22)
    assert f["hardware_burden"].ratio_quantiles["p50"] == pytest.approx(4 * 123 / 420, rel=1e-2)


def test_epoch(filled, reference_dir):
    with session_scope(filled) as s:
        report = crosscheck(s, "epoch", reference_dir)
    f = fields(report)
    assert report.n_matched == 2
    assert (f["params"].n_theirs, f["params"].n_both, f["params"].n_agree) == (2, 2, 2)
    assert (f["compute"].n_theirs, f["compute"].n_both) == (2, 1)  # no ResNet run stored
    assert f["compute"].ratio_quantiles["p50"] == pytest.approx(OUR_BURDEN / 2.612e22)
    assert (f["utilization_adjusted"].n_both, f["utilization_adjusted"].n_agree) == (1, 1)
    assert (f["hardware"].n_agree, f["hardware_count"].n_agree) == (1, 1)
    missing = [c for c in report.comparisons if c.field == "compute" and c.ours is None]
    assert [c.paper_id for c in missing] == ["1512.03385"]


def test_cli(filled, db_url, reference_dir, tmp_path):
    from flows.cli import app

    out = tmp_path / "cc.json"
    result = CliRunner().invoke(
        app,
        ["crosscheck", "--reference", "epoch", "--reference-dir", str(reference_dir),
         "--json", str(out), "--db", db_url],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "crosscheck against epoch" in result.output and "utilization_adjusted" in result.output
    data = json.loads(out.read_text())
    assert data["reference"] == "epoch" and data["n_matched"] == 2
    assert {c["field"] for c in data["comparisons"]} >= {"params", "compute", "hardware"}
    bad = CliRunner().invoke(app, ["crosscheck", "--reference", "epoch", "--reference-dir",
                                   str(tmp_path / "nope"), "--db", db_url])  # fmt: skip
    assert bad.exit_code == 2
