"""The hardware catalog (schema/data/hardware.csv + hardware_aliases.csv) and its loader."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from schema.hardware import (
    ALIASES_CSV,
    CATALOG_CSV,
    COUNT_UNITS,
    KINDS,
    UnknownHardwareError,
    burden_peak,
    load_aliases,
    load_catalog,
    peak_flops,
)

# The hardware vocabulary of DESIGN.md ("Vocabulary") and of the gold labels' SPEC.md.
DESIGN_SLUGS = (
    "gtx-580 gtx-titan gtx-titan-black titan-x-maxwell titan-x-pascal titan-xp titan-v titan-rtx "
    "gtx-1080 gtx-1080-ti rtx-2080-ti rtx-3090 tesla-k20x tesla-k40 tesla-k80 tesla-m40 "
    "tesla-p100 tesla-v100 tesla-a100 h100 tpu-v2 tpu-v3 tpu-v4 cpu gpu-unspecified "
    "tpu-unspecified titan-x quadro-k6000 quadro-rtx-8000"
).split()
# Rows that name no single chip: no peak by design (docs/hardware.md, "Ambiguous rows").
NO_PEAK = {"titan-x", "cpu", "gpu-unspecified", "tpu-unspecified", "tpu-v1"}

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
EPOCH_CHIPS = SHARED / "reference" / "epoch" / "chips.csv"
EPOCH_FP32 = "FP32 (single precision) performance (FLOP/s)"
EPOCH_TENSOR = "Tensor-FP16/BF16 performance (FLOP/s)"
# Epoch gives these dual-die products per board; our rows are per die (docs/hardware.md).
EPOCH_PER_BOARD = {"tesla-k80", "tesla-m60", "mi250x"}
# FP32 peaks where we knowingly differ from Epoch by more than 10%, and why.
EPOCH_FP32_DIFFERENCES = {
    "h800": "NVIDIA's H800 SXM5 datasheet gives 67 TFLOPS FP32 (as H100); Epoch lists 59.3",
}


def test_every_design_slug_is_in_the_catalog() -> None:
    assert sorted(set(DESIGN_SLUGS) - set(load_catalog())) == []


def test_catalog_size_and_unique_slugs() -> None:
    with CATALOG_CSV.open(newline="", encoding="utf-8") as fh:
        slugs = [row["slug"] for row in csv.DictReader(fh)]
    assert len(slugs) == len(set(slugs)) >= 40


@pytest.mark.parametrize("acc", load_catalog().values(), ids=lambda a: a.slug)
def test_row_is_well_formed(acc) -> None:
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", acc.slug)
    assert acc.kind in KINDS
    assert acc.release_date == "" or re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", acc.release_date)
    assert acc.chips_per_board >= 1
    assert acc.source.strip(), "every row names where its numbers come from"
    peaks = [acc.peak_fp32_flops, acc.peak_fp16_flops, acc.peak_tensor_flops]
    assert all(p is None or 1e10 < p < 1e16 for p in peaks), "peaks are per chip, in FLOP/s"
    if acc.slug not in NO_PEAK:
        assert burden_peak(acc.slug) is not None
        assert acc.release_date


@pytest.mark.parametrize("slug", sorted(NO_PEAK))
def test_ambiguous_rows_have_no_peak(slug: str) -> None:
    assert burden_peak(slug) is None


@pytest.mark.parametrize(
    ("slug", "precision", "expected"),
    [
        ("gtx-580", "fp32", 1.581e12),  # DESIGN.md worked check: AlexNet
        ("tesla-v100", "fp32", 1.567e13),
        ("tesla-v100", "tensor", 1.25e14),
        ("tesla-a100", "tensor", 3.12e14),
        ("tesla-k80", "fp32", 4.365e12),  # one of the board's two GPUs
        ("tpu-v3", "tensor", 1.23e14),  # per chip, not per 4-chip board
        ("tpu-v3", "fp32", None),
        ("gtx-1080", "tensor", None),
        ("gpu-unspecified", "fp32", None),
    ],
)
def test_peak_flops(slug: str, precision, expected: float | None) -> None:
    assert peak_flops(slug, precision) == expected


def test_burden_peak_keeps_the_precision_basis() -> None:
    assert burden_peak("titan-x-maxwell") == (6.691e12, "fp32")
    assert burden_peak("tpu-v3") == (1.23e14, "tensor")


def test_unknown_slug_and_precision_raise() -> None:
    with pytest.raises(UnknownHardwareError):
        peak_flops("gtx-9999")
    with pytest.raises(ValueError):
        peak_flops("tesla-v100", "fp8")  # type: ignore[arg-type]


def test_tensor_peak_is_at_least_the_fp32_peak() -> None:
    for acc in load_catalog().values():
        if acc.peak_tensor_flops and acc.peak_fp32_flops:
            assert acc.peak_tensor_flops >= acc.peak_fp32_flops, acc.slug


def test_tpu_conventions() -> None:
    catalog = load_catalog()
    for slug in ("tpu-v2", "tpu-v3", "tpu-v4"):
        assert (catalog[slug].cores_per_chip, catalog[slug].chips_per_board) == (2, 4)
    assert catalog["tpu-v2"].pod_chips == 256
    assert catalog["tpu-v3"].pod_chips == 1024
    assert catalog["tesla-k80"].chips_per_board == 2


def test_aliases_point_into_the_catalog() -> None:
    catalog = load_catalog()
    for alias in load_aliases():
        assert alias.slug in catalog, alias
        assert alias.count_unit_hint is None or alias.count_unit_hint in COUNT_UNITS, alias
        assert (alias.chips_per_unit is None) or alias.chips_per_unit > 0, alias


def test_each_alias_has_one_row_per_year() -> None:
    """Rows sharing an alias must not overlap in years, and at most one is unbounded."""
    by_alias: dict[str, list] = {}
    for row in load_aliases():
        by_alias.setdefault(row.alias.lower(), []).append(row)
    for alias, rows in by_alias.items():
        assert sum(r.year_min is None and r.year_max is None for r in rows) <= 1, alias
        for year in range(2005, 2030):
            bounded = [r for r in rows if r.applies_to(year) and (r.year_min or r.year_max)]
            assert len(bounded) <= 1, (alias, year)


def test_alias_count_in_file() -> None:
    with ALIASES_CSV.open(newline="", encoding="utf-8") as fh:
        assert len(list(csv.DictReader(fh))) == len(load_aliases()) >= 100


def _epoch_chips() -> dict[str, dict[str, str]]:
    if not EPOCH_CHIPS.is_file():
        pytest.skip(f"Epoch chips.csv not found: the shared folder beside the repo ({SHARED})")
    with EPOCH_CHIPS.open(newline="", encoding="utf-8-sig") as fh:
        return {row["Hardware name"]: row for row in csv.DictReader(fh)}


def _epoch_pairs(column: str):
    epoch = _epoch_chips()
    for acc in load_catalog().values():
        if not acc.epoch_name:
            continue
        assert acc.epoch_name in epoch, f"{acc.slug}: no Epoch row {acc.epoch_name!r}"
        value = epoch[acc.epoch_name][column]
        per_board = acc.chips_per_board if acc.slug in EPOCH_PER_BOARD else 1
        yield acc, float(value) / per_board if value else None


def test_fp32_peaks_agree_with_epoch_within_10_percent() -> None:
    """Our FP32 peak per chip vs Epoch's chips.csv, for every chip both list.

    A failure is a new disagreement: check the datasheet, then fix the row or add the slug
    to EPOCH_FP32_DIFFERENCES and to docs/hardware.md with the reason.
    """
    compared, off = 0, {}
    for acc, theirs in _epoch_pairs(EPOCH_FP32):
        if acc.peak_fp32_flops and theirs:
            compared += 1
            if abs(acc.peak_fp32_flops / theirs - 1) > 0.10:
                off[acc.slug] = (acc.peak_fp32_flops, theirs)
    assert compared >= 40
    assert set(off) == set(EPOCH_FP32_DIFFERENCES), off


def test_tensor_peaks_agree_with_epoch() -> None:
    """Dense FP16/BF16 matrix peaks vs Epoch. We use the FP32-accumulate rate, which on GeForce
    cards (Turing, Ampere, Ada) is half the FP16-accumulate rate Epoch lists."""
    compared = 0
    for acc, theirs in _epoch_pairs(EPOCH_TENSOR):
        if acc.peak_tensor_flops and theirs:
            compared += 1
            halved = "GeForce" in acc.name and acc.slug.startswith("rtx-")
            expected = theirs / 2 if halved else theirs
            assert acc.peak_tensor_flops == pytest.approx(expected, rel=0.10), acc.slug
    assert compared >= 15
