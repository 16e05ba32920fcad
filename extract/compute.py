"""Training-compute estimates (DESIGN.md "Compute"), each kept with its method and inputs.

Pure arithmetic over numbers that extraction found; no database, no I/O.

- ``hardware_burden``: chips x peak FLOP/s x training seconds (Thompson et al.), no
  utilization factor; the peak is the catalog's ``burden_peak`` (FP32, else the TPU matrix-unit
  peak) unless a precision or an explicit ``peak_flops`` is given;
- ``hardware_burden_device_hours``: the same from stated device-time ("300 GPU-days");
- ``utilization_adjusted`` (Epoch): hardware burden x utilization (default 0.375);
- ``network_operations``: 3 x FLOPs per forward pass x epochs x training examples (forward +
  backward = 3 forward passes); a forward pass counted in multiply-adds is 2 FLOPs each;
- ``six_n_d``: 6 x parameters x training tokens (dense transformers).

``choose`` picks one estimate by ``PRECEDENCE`` (see its docstring and docs/compute.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from schema.hardware import Precision, burden_peak, get_accelerator

SECONDS_PER_HOUR = 3600.0
DEFAULT_UTILIZATION = 0.375  # Epoch AI's median hardware utilization
PASSES_PER_EXAMPLE = 3.0  # one forward + one backward pass (~2 forward passes)
FLOPS_PER_MULTIADD = 2.0

HARDWARE_BURDEN = "hardware_burden"
HARDWARE_BURDEN_DEVICE_HOURS = "hardware_burden_device_hours"
UTILIZATION_ADJUSTED = "utilization_adjusted"
NETWORK_OPERATIONS = "network_operations"
SIX_N_D = "six_n_d"
METHODS = (
    HARDWARE_BURDEN,
    HARDWARE_BURDEN_DEVICE_HOURS,
    UTILIZATION_ADJUSTED,
    NETWORK_OPERATIONS,
    SIX_N_D,
)
# What ``compute_flop`` is, in order of preference. ``utilization_adjusted`` is not in it: it is
# the hardware burden scaled by an assumed constant, kept for comparison with Epoch.
PRECEDENCE = (HARDWARE_BURDEN, HARDWARE_BURDEN_DEVICE_HOURS, NETWORK_OPERATIONS, SIX_N_D)


class EstimateError(ValueError):
    """The inputs do not give an estimate (no peak for the hardware, non-positive numbers)."""


@dataclass(frozen=True)
class Estimate:
    """One compute estimate: total training FLOP, how it was computed and from what."""

    method: str
    flop: float
    inputs: dict[str, Any] = field(default_factory=dict)
    precision: str | None = None  # basis of the peak FLOP/s (hardware methods only)

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown method {self.method!r} (one of {METHODS})")


def _positive(name: str, value: float | None) -> float:
    if value is None or not math.isfinite(float(value)) or float(value) <= 0:
        raise EstimateError(f"{name} must be a positive number, not {value!r}")
    return float(value)


def chip_peak(
    slug: str, precision: Precision | None = None, peak_flops: float | None = None
) -> tuple[float, str]:
    """The peak FLOP/s of one unit of ``slug`` and its basis.

    ``peak_flops`` (an override, e.g. a per-board figure the paper or a dataset uses) wins and
    is reported as precision ``given``; else the catalog peak at ``precision``; else the
    catalog's hardware-burden peak (FP32, else tensor). EstimateError when there is none.
    """
    if peak_flops is not None:
        return _positive("peak_flops", peak_flops), "given"
    if precision is not None:
        value = get_accelerator(slug).peak(precision)
        if value is None:
            raise EstimateError(f"no {precision} peak for {slug!r} in the hardware catalog")
        return value, precision
    found = burden_peak(slug)
    if found is None:
        raise EstimateError(f"no peak FLOP/s for {slug!r} in the hardware catalog")
    return found


def hardware_burden(
    slug: str,
    chips: float,
    hours: float,
    precision: Precision | None = None,
    peak_flops: float | None = None,
) -> Estimate:
    """chips x peak FLOP/s x hours x 3600 (Thompson et al.), no utilization factor.

    AlexNet: ``hardware_burden("gtx-580", 2, 144)`` = 2 x 1.581e12 x 518,400 s = 1.64e18.
    ``peak_flops`` overrides the per-chip catalog peak; ``chips`` then counts the units that
    peak is for (e.g. 256 TPU v3 boards at 420e12 FLOP/s each).
    """
    chips, hours = _positive("chips", chips), _positive("hours", hours)
    peak, basis = chip_peak(slug, precision, peak_flops)
    flop = chips * peak * hours * SECONDS_PER_HOUR
    inputs = {"hardware": slug, "chips": chips, "hours": hours, "peak_flops": peak}
    return Estimate(HARDWARE_BURDEN, flop, inputs, basis)


def hardware_burden_device_hours(
    slug: str,
    device_hours: float,
    unit: str = "chip",
    precision: Precision | None = None,
    peak_flops: float | None = None,
) -> Estimate:
    """Stated device-time x peak: '300 GPU-days' is 7,200 chip-hours; TPU core-hours are
    divided by the chip's cores (2 for v2/v3/v4) to give chip-hours."""
    device_hours = _positive("device_hours", device_hours)
    chip_hours = device_hours
    if unit == "core":
        cores = get_accelerator(slug).cores_per_chip
        if get_accelerator(slug).kind != "tpu" or not cores:
            raise EstimateError(f"core-hours of {slug!r} cannot be turned into chip-hours")
        chip_hours = device_hours / cores
    elif unit not in ("chip", "gpu", "tpu", "device"):
        raise EstimateError(f"device-time unit {unit!r} is not a chip or a TPU core")
    peak, basis = chip_peak(slug, precision, peak_flops)
    inputs = {"hardware": slug, "device_hours": device_hours, "device_unit": unit,
              "chip_hours": chip_hours, "peak_flops": peak}  # fmt: skip
    return Estimate(HARDWARE_BURDEN_DEVICE_HOURS, chip_hours * peak * SECONDS_PER_HOUR, inputs,
                    basis)  # fmt: skip


def utilization_adjusted(
    slug: str,
    chips: float,
    hours: float,
    precision: Precision | None = None,
    peak_flops: float | None = None,
    utilization: float = DEFAULT_UTILIZATION,
) -> Estimate:
    """Hardware burden x ``utilization`` (Epoch's method; 0.375 is their median)."""
    if not 0 < utilization <= 1:
        raise EstimateError(f"utilization must be in (0, 1], not {utilization!r}")
    return adjust_for_utilization(
        hardware_burden(slug, chips, hours, precision, peak_flops), utilization
    )


def adjust_for_utilization(burden: Estimate, utilization: float = DEFAULT_UTILIZATION) -> Estimate:
    """A hardware-burden estimate (wall-clock or device-hours) x ``utilization``."""
    if burden.method not in (HARDWARE_BURDEN, HARDWARE_BURDEN_DEVICE_HOURS):
        raise EstimateError(f"only a hardware burden is adjusted, not {burden.method!r}")
    if not 0 < utilization <= 1:
        raise EstimateError(f"utilization must be in (0, 1], not {utilization!r}")
    inputs = {**burden.inputs, "utilization": utilization, "burden_method": burden.method}
    return Estimate(UTILIZATION_ADJUSTED, burden.flop * utilization, inputs, burden.precision)


def network_operations(
    flops_per_forward: float, epochs: float, examples: float, multiply_adds: bool = False
) -> Estimate:
    """3 x FLOPs per forward pass x epochs x training examples (Thompson et al.).

    ``multiply_adds``: ``flops_per_forward`` counts multiply-adds (MACs), 2 FLOPs each.
    AlexNet-like: 0.72e9 multiply-adds x 2 x 3 x 90 epochs x 1.28M images = 5.0e17.
    """
    forward = _positive("flops_per_forward", flops_per_forward)
    epochs, examples = _positive("epochs", epochs), _positive("examples", examples)
    per_pass = forward * (FLOPS_PER_MULTIADD if multiply_adds else 1.0)
    inputs = {"flops_per_forward": per_pass, "epochs": epochs, "examples": examples,
              "stated_forward": forward, "multiply_adds": multiply_adds}  # fmt: skip
    return Estimate(NETWORK_OPERATIONS, PASSES_PER_EXAMPLE * per_pass * epochs * examples, inputs)


def six_n_d(params: float, tokens: float) -> Estimate:
    """6 x parameters x training tokens (dense transformers: 2 forward + 4 backward FLOPs)."""
    params, tokens = _positive("params", params), _positive("tokens", tokens)
    return Estimate(SIX_N_D, 6.0 * params * tokens, {"params": params, "tokens": tokens})


def choose(estimates: Iterable[Estimate]) -> Estimate | None:
    """The estimate ``compute_flop`` reports: the first method in ``PRECEDENCE`` that has one;
    among several of that method, the first given (callers order by their own judgement).

    Precedence: hardware burden from wall-clock time > hardware burden from stated
    device-time > network operations > 6ND. Thompson et al. regress on hardware burden and
    only impute it from network operations when it is missing (log10 HW = 3.1337 + 0.8716
    log10 net ops); a wall-clock burden rests on three stated numbers (chips, peak, time),
    device-time on two, while network operations multiply a per-example count by epochs and a
    training-set size that are often assumed. ``utilization_adjusted`` is never chosen.
    None when no estimate qualifies.
    """
    ranked = [e for e in estimates if e.method in PRECEDENCE]
    if not ranked:
        return None
    return min(enumerate(ranked), key=lambda pair: (PRECEDENCE.index(pair[1].method), pair[0]))[1]
