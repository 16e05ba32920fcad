"""Implausible values are kept for review, never stored as good.

``flag_implausible(extraction, year)`` looks at every candidate of a paper and, when a value
cannot be right (10^15 parameters in a 2014 paper, 0 GPUs, a 40-year training run), sets its
status to ``rejected`` with ``reject_reason = "implausible:<why>"``. The row is still stored
with its evidence, so a curator sees it and can accept it; a candidate that an earlier step
already rejected keeps its first reason. Pure: no I/O.

The bounds are deliberately loose (an order of magnitude past the largest systems known when
this was written); they catch unit slips and misreads, not ambitious papers.
"""

from __future__ import annotations

import math

from schema import quantities as q
from schema.records import Extraction, ResultCandidate, SizeCandidate, TrainingCandidate

PREFIX = "implausible:"
MIN_PARAMS = 1e3
MAX_PARAMS = 1e13
# Before this year no published model had more than MAX_PARAMS_EARLY parameters
# (the largest dense models of 2017 were ~1e8-1e9; sparse MoE 137e9 in 2017 is an exception
# a curator can accept).
EARLY_YEAR = 2018
MAX_PARAMS_EARLY = 2e9
MIN_FLOPS_PER_FORWARD = 1e3
MAX_FLOPS_PER_FORWARD = 1e15
MAX_CHIPS = 100_000
HOURS_PER_YEAR = 24 * 365.25
MAX_DURATION_HOURS = 2 * HOURS_PER_YEAR
MIN_DURATION_HOURS = 1 / 60
MAX_DEVICE_HOURS = 1e8  # ~25,000 accelerators for half a year; the largest runs known are below
MIN_DEVICE_HOURS = 1 / 60
MIN_RESULT, MAX_RESULT = 0.0, 100.0


def _bad_number(value: float | None) -> bool:
    return value is not None and not (isinstance(value, int | float) and math.isfinite(value))


def size_problem(c: SizeCandidate, year: int | None = None) -> str | None:
    """Why a model size cannot be right, or None."""
    if _bad_number(c.value):
        return f"{c.quantity}_not_finite"
    if c.quantity == q.PARAM_COUNT:
        if c.value < MIN_PARAMS:
            return "params_below_1e3"
        if c.value > MAX_PARAMS:
            return "params_above_1e13"
        if year is not None and year < EARLY_YEAR and c.value > MAX_PARAMS_EARLY:
            return f"params_above_2e9_in_{year}"
    elif c.quantity == q.FLOPS_PER_FORWARD:
        if c.value < MIN_FLOPS_PER_FORWARD:
            return "flops_per_forward_below_1e3"
        if c.value > MAX_FLOPS_PER_FORWARD:
            return "flops_per_forward_above_1e15"
    return None


def training_problem(c: TrainingCandidate) -> str | None:
    """Why a training run cannot be right, or None."""
    for name in ("hardware_count", "chips", "duration_hours", "device_hours"):
        if _bad_number(getattr(c, name)):
            return f"{name}_not_finite"
    for name in ("hardware_count", "chips"):
        value = getattr(c, name)
        if value is not None and value <= 0:
            return f"{name}_not_positive"
        if value is not None and value > MAX_CHIPS:
            return f"{name}_above_{MAX_CHIPS}"
    hours = c.duration_hours
    if hours is not None and hours > MAX_DURATION_HOURS:
        return "duration_above_2_years"
    if hours is not None and hours < MIN_DURATION_HOURS:
        return "duration_below_1_minute"
    device = c.device_hours
    if device is not None and device > MAX_DEVICE_HOURS:
        return "device_hours_above_1e8"
    if device is not None and device < MIN_DEVICE_HOURS:
        return "device_hours_below_1_minute"
    return None


def result_problem(c: ResultCandidate) -> str | None:
    """Why a benchmark result cannot be right (values are percent points), or None."""
    if _bad_number(c.value):
        return "result_not_finite"
    if c.value < MIN_RESULT or c.value > MAX_RESULT:
        return "result_outside_0_100"
    return None


def _flag(candidate: SizeCandidate | TrainingCandidate | ResultCandidate, why: str | None) -> int:
    if why is None:
        return 0
    if candidate.status != q.REJECTED:
        candidate.status = q.REJECTED
        candidate.reject_reason = (PREFIX + why)[:64]
    return 1


def flag_implausible(extraction: Extraction, year: int | None = None) -> int:
    """Reject (with reason ``implausible:<why>``) every implausible candidate, in place.

    Returns how many candidates were implausible.
    """
    n = sum(_flag(c, size_problem(c, year)) for c in extraction.sizes)
    n += sum(_flag(c, training_problem(c)) for c in extraction.training)
    n += sum(_flag(c, result_problem(c)) for c in extraction.results)
    return n
