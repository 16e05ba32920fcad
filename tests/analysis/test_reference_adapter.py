"""The MIT FutureTech adapter: ids, hardware slugs, and the snapshot it writes."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from analysis.reference import (
    ReferenceDataError,
    arxiv_id,
    hardware_slug,
    import_mit,
    load_mit,
    paper_id,
    slugify,
    warn_shared_ids,
)
from analysis.snapshot import COLUMNS, read_snapshot, sha256


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("https://arxiv.org/pdf/2205.01917v1.pdf", "2205.01917"),
        ("https://arxiv.org/abs/1611.05431", "1611.05431"),
        ("https://arxiv.org/abs/2104.06022v1", "2104.06022"),
        ("https://www.aclweb.org/anthology/D18-1045/", None),
        (float("nan"), None),
    ],
)
def test_arxiv_id(link, expected):
    assert arxiv_id(link) == expected


def test_paper_id_falls_back_to_title_slug():
    link = "https://www.aclweb.org/anthology/D18-1045/"
    assert paper_id(link, "Understanding Back-Translation at Scale", "x") == (
        "understanding-back-translation-at-scale"
    )
    assert slugify("  ") == "untitled"


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Tesla V100 PCIe 32 GB", "tesla-v100"),
        ("Cloud TPU v3", "tpu-v3"),
        ("A100 SXM4 40 GB", "tesla-a100"),
        ("GeForce GTX 1080 Ti", "gtx-1080-ti"),
        ("Geforce RTX 2080 Ti", "rtx-2080-ti"),
        ("GeForce GTX Titan X", "titan-x"),
        ("GeForce Titan Xp", "titan-xp"),
        ("GeForce GTX Titan Black", "gtx-titan-black"),
        ("GeForce GTX 580", "gtx-580"),
        ("Quadro RTX 8000", "quadro-rtx-8000"),
        ("Tesla K40c ", "tesla-k40"),
        ("Intel Xeon Platinum 8168", "cpu"),
        ("420000.0", None),
    ],
)
def test_hardware_slug(name, slug):
    assert hardware_slug(name) == slug


def test_snapshot_columns_and_counts(mit_snapshot: Path):
    table = pd.read_csv(mit_snapshot / "compute_per_result.csv")
    assert list(table.columns) == COLUMNS
    models = table.drop_duplicates(["benchmark", "paper_id", "model"])
    assert len(models) == 516  # the README's 516 model rows
    assert set(table["benchmark"]) == {
        "imagenet",
        "coco",
        "squad1.1",
        "conll2003",
        "wmt14-en-de",
        "wmt14-en-fr",
    }
    top1 = table[(table["benchmark"] == "imagenet") & (table["metric"] == "top1_accuracy")]
    assert len(top1) == 208
    assert (top1["error_rate"] - (100 - top1["value"])).abs().max() < 1e-9


def test_tpu_boards_become_chips(mit_snapshot: Path):
    table = read_snapshot(mit_snapshot)
    coca = table[(table["paper_id"] == "2205.01917") & (table["metric"] == "top1_accuracy")]
    row = coca.iloc[0]
    assert row["hardware"] == "tpu-v4"
    assert row["hardware_count"] == 2048  # 512 four-chip boards
    assert row["peak_flops"] == pytest.approx(275e12)
    assert row["training_hours"] == pytest.approx(120.0)
    assert row["hardware_burden_flop"] == pytest.approx(2.4e23)


def test_manifest_and_dictionary(mit_snapshot: Path):
    manifest = json.loads((mit_snapshot / "manifest.json").read_text())
    for name, entry in manifest["files"].items():
        assert sha256(mit_snapshot / name) == entry["sha256"]
    assert manifest["row_counts"]["compute_per_result"] == len(read_snapshot(mit_snapshot))
    assert manifest["source"]["name"] == "mit-futuretech"
    assert len(manifest["source"]["files"]) == 6
    dictionary = json.loads((mit_snapshot / "data_dictionary.json").read_text())
    assert list(dictionary) == COLUMNS
    assert all({"type", "unit", "meaning"} <= set(v) for v in dictionary.values())


def test_parquet_matches_csv(mit_snapshot: Path):
    from_csv = read_snapshot(mit_snapshot)
    from_parquet = pd.read_parquet(mit_snapshot / "compute_per_result.parquet")
    assert list(from_parquet.columns) == COLUMNS
    assert len(from_parquet) == len(from_csv)


def test_mini_mit_folder(tmp_path: Path, mini_mit):
    out = import_mit(mini_mit(tmp_path / "ref"), tmp_path / "snap")
    table = read_snapshot(out)
    assert table["paper_id"].str.match(r"^2001\.0\d001$").all()
    assert (table["compute_method"] == "hardware_burden").all()


def test_missing_reference_raises(tmp_path: Path):
    with pytest.raises(ReferenceDataError):
        import_mit(tmp_path, tmp_path / "snap")


def test_shared_arxiv_link_is_reported(reference_dir: Path):
    table, _ = load_mit(reference_dir)
    assert warn_shared_ids(table) == ["1707.07012"]
