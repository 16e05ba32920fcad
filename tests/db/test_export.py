"""db.export: snapshot columns exactly as DESIGN.md, manifest hashes, idempotence, compute join."""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re

import pandas as pd
import pytest

from db.engine import session_scope
from db.export import TABLES, error_rate, export_snapshot
from db.store import start_run, store_extraction, upsert_paper
from schema import quantities as q
from schema.records import (
    Evidence,
    Extraction,
    ResultCandidate,
    SizeCandidate,
    TrainingCandidate,
)

DESIGN_COLUMNS = {
    "results": ["paper_id", "model", "benchmark", "metric", "value", "source", "confidence",
                "page", "snippet"],
    "training_runs": ["paper_id", "stage", "hardware", "hardware_count", "count_unit",
                      "duration_hours", "device_hours", "page", "snippet", "confidence"],
    "model_sizes": ["paper_id", "model", "params", "flops_per_forward", "page", "snippet"],
    "compute_per_result": ["paper_id", "title", "year", "model", "benchmark", "metric", "value",
                           "error_rate", "params", "hardware", "hardware_count", "training_hours",
                           "peak_flops", "hardware_burden_flop", "network_ops_flop",
                           "compute_flop", "compute_method", "curated"],
}  # fmt: skip


def ev(page: int = 2, snippet: str = "s", rule: str = "r.test") -> Evidence:
    return Evidence(page=page, snippet=snippet, rule_id=rule)


def resnet_extraction() -> Extraction:
    return Extraction(
        results=[
            ResultCandidate("imagenet", "top1_error", 21.4, "21.4", ev(7, "ResNet-152 21.4"),
                            "ResNet-152", confidence=0.6),
            ResultCandidate("imagenet", "top1_error", 22.0, "22.0", ev(7, "ResNet-152 22.0"),
                            "ResNet-152", confidence=0.6),  # worse value, same key
            ResultCandidate("imagenet", "top1_accuracy", 75.3, "75.3", ev(6, "ResNet-50 75.3"),
                            "ResNet-50", confidence=0.6),
            ResultCandidate("coco", "box_ap", 37.4, "37.4", ev(9), "Faster R-CNN",
                            status=q.REJECTED, reject_reason="test"),
        ],
        training=[
            TrainingCandidate(ev(5, "8 GPUs"), hardware="tesla-k40", hardware_count=8,
                              count_unit="chip", chips=8, duration_hours=336.0, confidence=0.6),
            TrainingCandidate(ev(5, "fine-tune 1 h"), stage=q.STAGE_FINETUNE, hardware="tesla-k40",
                              hardware_count=1, chips=1, duration_hours=1.0, confidence=0.9),
        ],
        sizes=[
            SizeCandidate(q.PARAM_COUNT, 60.2e6, "60.2M", "params", ev(4), "ResNet-152"),
            SizeCandidate(q.PARAM_COUNT, 25.6e6, "25.6M", "params", ev(4), "ResNet-50"),
            SizeCandidate(q.FLOPS_PER_FORWARD, 11.3e9, "11.3G", "multiadds", ev(4), "ResNet-152"),
            SizeCandidate(q.FLOPS_PER_FORWARD, 3.8e9, "3.8G", "flops", ev(4), "ResNet-50"),
        ],
    )  # fmt: skip


def tpu_extraction() -> Extraction:
    return Extraction(
        results=[
            ResultCandidate("imagenet", "top1_accuracy", 88.4, "88.4", ev(), "EfficientNet-L2")
        ],
        training=[
            TrainingCandidate(ev(), hardware="tpu-v3", hardware_count=2048, count_unit="core",
                              chips=1024, duration_hours=144.0),
        ],
    )  # fmt: skip


def fill(engine, extra: bool = False) -> None:
    with session_scope(engine) as s:
        start_run(s, "run-1", "abc1234", "f" * 64, {})
        upsert_paper(s, "1512.03385", title="Deep Residual Learning", year=2015)
        upsert_paper(s, "1911.04252", title="Noisy Student", year=2019)
        for paper_id, extraction in (
            ("1512.03385", resnet_extraction()),
            ("1911.04252", tpu_extraction()),
        ):
            store_extraction(
                s, paper_id=paper_id, sha256=hashlib.sha256(paper_id.encode()).hexdigest(),
                doc_path=f"pdf/{paper_id}.pdf", n_bytes=10, n_pages=12, extraction=extraction,
                extractor_key="k1", extractor_version="0.1", run_id="run-1", seconds=0.1,
            )  # fmt: skip
        if extra:
            store_extraction(
                s, paper_id="extra", sha256="e" * 64, doc_path=None, n_bytes=1, n_pages=1,
                extraction=Extraction(
                    results=[ResultCandidate("coco", "box_ap", 40.0, "40", ev())]
                ),
                extractor_key="k1", extractor_version="0.1", run_id="run-1", seconds=0.1,
            )  # fmt: skip


def header(path) -> list[str]:
    with path.open(newline="") as fh:
        return next(csv.reader(fh))


def test_export_columns_and_files(engine, tmp_path):
    fill(engine)
    snap = export_snapshot(engine, tmp_path / "out")
    assert snap.parent == tmp_path / "out"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}-[0-9a-f]{12}", snap.name)
    names = sorted(p.name for p in snap.iterdir())
    assert names == sorted(
        [f"{t}.{ext}" for t in DESIGN_COLUMNS for ext in ("csv", "parquet")]
        + ["data_dictionary.json", "manifest.json"]
    )
    dictionary = json.loads((snap / "data_dictionary.json").read_text())
    for table, columns in DESIGN_COLUMNS.items():
        got = header(snap / f"{table}.csv")
        assert got[: len(columns)] == columns, table
        if table == "compute_per_result":
            assert got == columns + ["peak_precision"]
        assert list(dictionary[f"{table}.csv"]) == got  # every column documented, in order
        for spec in dictionary[f"{table}.csv"].values():
            assert set(spec) == {"type", "unit", "meaning"} and spec["meaning"]
        frame = pd.read_parquet(snap / f"{table}.parquet")
        assert list(frame.columns) == got
        assert len(frame) == len(pd.read_csv(snap / f"{table}.csv"))
    assert not list(tmp_path.joinpath("out").glob(".tmp*"))


def test_manifest_hashes_and_counts(engine, tmp_path):
    fill(engine)
    snap = export_snapshot(engine, tmp_path)
    manifest = json.loads((snap / "manifest.json").read_text())
    assert manifest["run_id"] == "run-1"
    assert manifest["code_version"] == "abc1234" and manifest["ruleset_sha256"] == "f" * 64
    assert manifest["created_at"].endswith("+00:00")
    assert manifest["row_counts"] == {
        "results": 4, "training_runs": 3, "model_sizes": 4, "compute_per_result": 3,
    }  # fmt: skip
    on_disk = {p.name for p in snap.iterdir()} - {"manifest.json"}
    assert set(manifest["files"]) == on_disk
    for name, info in manifest["files"].items():
        data = (snap / name).read_bytes()
        assert info["sha256"] == hashlib.sha256(data).hexdigest(), name
        assert info["bytes"] == len(data)
    content = hashlib.sha256()
    for name in sorted(manifest["content_hash_covers"]):
        content.update(f"{name}\0{manifest['files'][name]['sha256']}\n".encode())
    assert manifest["content_hash"] == content.hexdigest()
    assert snap.name.endswith(manifest["content_hash"][:12])
    overrides = export_snapshot(engine, tmp_path / "other", run_id="run-9", code_version="v2",
                                ruleset_sha256="a" * 64)  # fmt: skip
    manifest2 = json.loads((overrides / "manifest.json").read_text())
    assert (manifest2["run_id"], manifest2["code_version"]) == ("run-9", "v2")


def test_export_is_idempotent_and_immutable(engine, tmp_path):
    fill(engine)
    first = export_snapshot(engine, tmp_path)
    stamps = {p.name: p.stat().st_mtime_ns for p in first.iterdir()}
    manifest = (first / "manifest.json").read_text()
    again = export_snapshot(engine, tmp_path)
    assert again == first
    assert {p.name: p.stat().st_mtime_ns for p in first.iterdir()} == stamps
    assert (first / "manifest.json").read_text() == manifest
    assert all(not (p.stat().st_mode & 0o222) for p in first.iterdir())  # read-only files
    # a different run id alone does not make new content
    assert export_snapshot(engine, tmp_path, run_id="run-2") == first
    # new data -> a new folder, the old one untouched
    fill(engine, extra=True)
    second = export_snapshot(engine, tmp_path)
    assert second != first and second.parent == first.parent
    assert {p.name: p.stat().st_mtime_ns for p in first.iterdir()} == stamps
    assert len([p for p in tmp_path.iterdir() if p.is_dir()]) == 2


def test_rejected_rows_excluded_and_values(engine, tmp_path):
    fill(engine)
    snap = export_snapshot(engine, tmp_path)
    results = pd.read_csv(snap / "results.csv")
    assert "coco" not in set(results["benchmark"])
    assert set(results["status"]) == {q.CANDIDATE}
    assert results["page"].dtype.kind == "i"
    sizes = pd.read_csv(snap / "model_sizes.csv")
    r152 = sizes[(sizes["model"] == "ResNet-152")]
    assert sorted(r152["params"].dropna()) == [60.2e6]
    assert sorted(r152["flops_per_forward"].dropna()) == [2 * 11.3e9]  # multiply-adds doubled
    assert sizes["params"].notna().sum() + sizes["flops_per_forward"].notna().sum() == len(sizes)
    training = pd.read_csv(snap / "training_runs.csv")
    tpu = training[training["hardware"] == "tpu-v3"].iloc[0]
    assert (tpu["hardware_count"], tpu["count_unit"], tpu["chips"]) == (2048, "core", 1024)


def test_compute_per_result(engine, tmp_path):
    fill(engine)
    snap = export_snapshot(engine, tmp_path)
    cpr = pd.read_csv(snap / "compute_per_result.csv", dtype={"paper_id": str})
    assert len(cpr) == 3
    r152 = cpr[cpr["model"] == "ResNet-152"].iloc[0]
    assert r152["value"] == 21.4 and r152["error_rate"] == 21.4  # best (lowest) error kept
    assert r152["params"] == 60.2e6 and r152["title"] == "Deep Residual Learning"
    assert r152["year"] == 2015 and not r152["curated"]
    # best run: the 8-GPU training, not the (more confident) 1-GPU fine-tuning
    assert (r152["hardware"], r152["hardware_count"], r152["training_hours"]) == (
        "tesla-k40",
        8,
        336,
    )
    r50 = cpr[cpr["model"] == "ResNet-50"].iloc[0]
    assert r50["error_rate"] == pytest.approx(24.7) and r50["params"] == 25.6e6
    try:
        from schema.hardware import burden_peak

        peak = burden_peak("tesla-k40")
    except Exception:  # noqa: BLE001 - catalog not there yet
        peak = None
    if peak is None:
        assert math.isnan(r152["hardware_burden_flop"])
    else:
        assert r152["peak_flops"] == peak[0]
        assert r152["hardware_burden_flop"] == pytest.approx(8 * peak[0] * 336 * 3600)
        assert r152["compute_flop"] == r152["hardware_burden_flop"]
        assert r152["compute_method"] == "hardware_burden"
        noisy = cpr[cpr["paper_id"] == "1911.04252"].iloc[0]
        tpu_peak = burden_peak("tpu-v3")
        assert noisy["hardware_count"] == 1024
        assert noisy["hardware_burden_flop"] == pytest.approx(1024 * tpu_peak[0] * 144 * 3600)
        assert noisy["peak_precision"] == tpu_peak[1]


def test_empty_database_exports(engine, tmp_path):
    snap = export_snapshot(engine, tmp_path)
    for table, columns in DESIGN_COLUMNS.items():
        assert header(snap / f"{table}.csv")[: len(columns)] == columns
        assert len(pd.read_parquet(snap / f"{table}.parquet")) == 0
    manifest = json.loads((snap / "manifest.json").read_text())
    assert manifest["run_id"] is None and manifest["code_version"] == "unknown"


@pytest.mark.parametrize(
    ("metric", "value", "expected"),
    [
        ("top1_accuracy", 76.1, 23.9),
        ("top5_error", 4.7, 4.7),
        ("box_ap", 42.0, 58.0),
        ("bleu", 28.4, 71.6),
        ("f1", 93.2, 6.8),
        ("error", 3.5, 3.5),
        ("perplexity", 18.3, None),
        ("bpc", 0.99, None),
        ("wer", 5.2, 5.2),  # word error rate: lower is better, the value is the error
        ("map", 80.1, 19.9),
        ("mask_ap", 37.0, 63.0),  # not catalogued: judged by its name
    ],
)
def test_error_rate(metric, value, expected):
    got = error_rate(metric, value)
    assert got == (pytest.approx(expected) if expected is not None else None)


def test_tables_specs_start_with_design_columns():
    for table, columns in DESIGN_COLUMNS.items():
        assert list(TABLES[table])[: len(columns)] == columns
