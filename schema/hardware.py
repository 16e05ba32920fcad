"""The hardware catalog: accelerators, their peak FLOP/s, and the alias table papers use.

Both tables are data (``schema/data/hardware.csv`` and ``schema/data/hardware_aliases.csv``);
this module only types and loads them. Conventions (see ``docs/hardware.md``):

- one row per *chip* (a GPU die, a TPU chip); peaks are per chip, never per board;
- a board holds ``chips_per_board`` chips (Tesla K80: 2 GPU dies; Cloud TPU v3-8: 4 chips);
- ``cores_per_chip`` is what a paper may count instead of chips: TPU TensorCores, GPU CUDA cores
  (or stream processors); only the TPU value converts counts (see ``extract.hardware``);
- ``peak_tensor_flops`` is the dense FP16/BF16 matrix-unit peak with FP32 accumulation, the mode
  mixed-precision training uses; empty when the chip has no matrix unit;
- ambiguous rows (``titan-x``, ``gpu-unspecified``, ``tpu-unspecified``, ``cpu``) have no peak.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

DATA_DIR = Path(__file__).parent / "data"
CATALOG_CSV = DATA_DIR / "hardware.csv"
ALIASES_CSV = DATA_DIR / "hardware_aliases.csv"

Precision = Literal["fp32", "fp16", "tensor"]
PRECISIONS: tuple[Precision, ...] = ("fp32", "fp16", "tensor")
KINDS = ("gpu", "tpu", "cpu")
# Units a paper counts hardware in; ``chip`` is the unit of every stored count.
COUNT_UNITS = ("chip", "core", "board", "machine", "pod")


class UnknownHardwareError(KeyError):
    """A slug that is not in the hardware catalog."""


@dataclass(frozen=True)
class Accelerator:
    """One row of ``hardware.csv``: a chip and its peak arithmetic throughput (FLOP/s)."""

    slug: str
    name: str
    vendor: str
    kind: str
    architecture: str
    release_date: str
    peak_fp32_flops: float | None
    peak_fp16_flops: float | None
    peak_tensor_flops: float | None
    chips_per_board: int
    cores_per_chip: int | None
    memory_gb: float | None
    pod_chips: int | None
    epoch_name: str
    source: str
    notes: str

    def peak(self, precision: Precision = "fp32") -> float | None:
        """Peak FLOP/s per chip at ``precision``; None when the catalog has no figure."""
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
        value: float | None = getattr(self, f"peak_{precision}_flops")
        return value


@dataclass(frozen=True)
class HardwareAlias:
    """One row of ``hardware_aliases.csv``: a surface form papers write, and what it means.

    ``alias`` may end in ``-{n}`` (e.g. ``TPU v3-{n}``): a TPU slice named by its TensorCore
    count (chip count for single-core chips), so ``v3-512`` is 512 cores = 256 chips.
    ``year_min``/``year_max`` (inclusive, publication year) choose between rows sharing an alias.
    ``count_unit_hint`` is the unit the alias itself implies (``DGX-1`` is a ``machine``);
    ``chips_per_unit`` is how many chips one such unit holds, when the alias fixes it.
    ``generic`` marks aliases that only name a kind of device ("GPU", "Cloud TPU").
    """

    alias: str
    slug: str
    year_min: int | None
    year_max: int | None
    count_unit_hint: str | None
    chips_per_unit: float | None
    generic: bool
    note: str

    def applies_to(self, year: int | None) -> bool:
        if year is None:
            return self.year_min is None and self.year_max is None
        return (self.year_min is None or year >= self.year_min) and (
            self.year_max is None or year <= self.year_max
        )


def _opt_float(text: str) -> float | None:
    return float(text) if text.strip() else None


def _opt_int(text: str) -> int | None:
    return int(text) if text.strip() else None


def _read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _accelerator(row: dict[str, str]) -> Accelerator:
    return Accelerator(
        slug=row["slug"],
        name=row["name"],
        vendor=row["vendor"],
        kind=row["kind"],
        architecture=row["architecture"],
        release_date=row["release_date"],
        peak_fp32_flops=_opt_float(row["peak_fp32_flops"]),
        peak_fp16_flops=_opt_float(row["peak_fp16_flops"]),
        peak_tensor_flops=_opt_float(row["peak_tensor_flops"]),
        chips_per_board=int(row["chips_per_board"]),
        cores_per_chip=_opt_int(row["cores_per_chip"]),
        memory_gb=_opt_float(row["memory_gb"]),
        pod_chips=_opt_int(row["pod_chips"]),
        epoch_name=row["epoch_name"],
        source=row["source"],
        notes=row["notes"],
    )


def _alias(row: dict[str, str]) -> HardwareAlias:
    return HardwareAlias(
        alias=row["alias"],
        slug=row["slug"],
        year_min=_opt_int(row["year_min"]),
        year_max=_opt_int(row["year_max"]),
        count_unit_hint=row["count_unit_hint"] or None,
        chips_per_unit=_opt_float(row["chips_per_unit"]),
        generic=row["generic"].strip() == "1",
        note=row["note"],
    )


@cache
def load_catalog() -> dict[str, Accelerator]:
    """The catalog keyed by slug (read once, then cached)."""
    return {acc.slug: acc for acc in map(_accelerator, _read_rows(CATALOG_CSV))}


@cache
def load_aliases() -> tuple[HardwareAlias, ...]:
    """The alias table, in file order (read once, then cached)."""
    return tuple(map(_alias, _read_rows(ALIASES_CSV)))


def get_accelerator(slug: str) -> Accelerator:
    try:
        return load_catalog()[slug]
    except KeyError:
        raise UnknownHardwareError(slug) from None


def peak_flops(slug: str, precision: Precision = "fp32") -> float | None:
    """Peak FLOP/s of one chip of ``slug`` at ``precision`` (None when not applicable/unknown).

    Raises UnknownHardwareError for a slug that is not in the catalog.
    """
    return get_accelerator(slug).peak(precision)


def burden_peak(slug: str) -> tuple[float, Precision] | None:
    """The peak the hardware-burden estimate uses for ``slug``, with its precision basis.

    Thompson et al. use the FP32 peak for GPUs and the matrix-unit (BF16) peak for TPUs, whose
    FP32 rate is not published; so: FP32 when the catalog has it, else the tensor peak.
    """
    acc = get_accelerator(slug)
    for precision in ("fp32", "tensor"):
        value = acc.peak(precision)
        if value is not None:
            return value, precision
    return None
