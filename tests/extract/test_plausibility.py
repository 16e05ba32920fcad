"""Implausible values are flagged (rejected, reason implausible:<why>), plausible ones kept."""

from __future__ import annotations

import math

import pytest

from extract.plausibility import flag_implausible, result_problem, size_problem, training_problem
from schema import quantities as q
from schema.records import (
    Evidence,
    Extraction,
    ResultCandidate,
    SizeCandidate,
    TrainingCandidate,
)

EV = Evidence(page=1, snippet="...", rule_id="test")


def size(value: float, quantity: str = q.PARAM_COUNT) -> SizeCandidate:
    return SizeCandidate(quantity=quantity, value=value, raw_value=str(value), unit="", evidence=EV)


def run(**kw: float) -> TrainingCandidate:
    return TrainingCandidate(evidence=EV, **kw)


def result(value: float) -> ResultCandidate:
    return ResultCandidate("imagenet", "top1_accuracy", value, str(value), EV)


@pytest.mark.parametrize(
    ("value", "year", "why"),
    [
        (25.6e6, 2015, None),
        (175e9, 2020, None),
        (1.6e12, 2021, None),
        (1e15, 2014, "params_above_1e13"),
        (5e9, 2014, "params_above_2e9_in_2014"),
        (5e9, 2019, None),
        (5e9, None, None),
        (12, 2016, "params_below_1e3"),
        (math.inf, 2016, "param_count_not_finite"),
        (math.nan, 2016, "param_count_not_finite"),
    ],
)
def test_param_counts(value: float, year: int | None, why: str | None) -> None:
    assert size_problem(size(value), year) == why


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (4.1e9, None),
        (3e14, None),
        (1e16, "flops_per_forward_above_1e15"),
        (10, "flops_per_forward_below_1e3"),
    ],
)
def test_flops_per_forward(value: float, why: str | None) -> None:
    assert size_problem(size(value, q.FLOPS_PER_FORWARD), 2020) == why


@pytest.mark.parametrize(
    ("kw", "why"),
    [
        ({"hardware_count": 8, "chips": 8, "duration_hours": 72}, None),
        ({"hardware_count": 0, "chips": 0}, "hardware_count_not_positive"),
        ({"chips": -4}, "chips_not_positive"),
        ({"chips": 2_000_000}, "chips_above_100000"),
        ({"duration_hours": 40 * 365.25 * 24}, "duration_above_2_years"),
        ({"duration_hours": 0.001}, "duration_below_1_minute"),
        ({"device_hours": 1e12}, "device_hours_above_1e8"),
        ({"device_hours": 1e-5}, "device_hours_below_1_minute"),
        ({"duration_hours": math.inf}, "duration_hours_not_finite"),
        ({"duration_hours": 24 * 365}, None),
    ],
)
def test_training_runs(kw: dict, why: str | None) -> None:
    assert training_problem(run(**kw)) == why


@pytest.mark.parametrize(
    ("value", "why"),
    [
        (76.1, None),
        (0.0, None),
        (100.0, None),
        (-3.0, "result_outside_0_100"),
        (176.1, "result_outside_0_100"),
        (math.inf, "result_not_finite"),
    ],
)
def test_results(value: float, why: str | None) -> None:
    assert result_problem(result(value)) == why


def test_flag_implausible_rejects_keeps_and_preserves_earlier_reasons() -> None:
    earlier = size(1e20)
    earlier.status, earlier.reject_reason = q.REJECTED, "comparison"
    extraction = Extraction(
        results=[result(76.1), result(176.1)],
        training=[run(chips=8, duration_hours=72), run(chips=0)],
        sizes=[size(25e6), size(1e15), earlier],
    )
    assert flag_implausible(extraction, 2014) == 4
    assert [r.status for r in extraction.results] == [q.CANDIDATE, q.REJECTED]
    assert extraction.results[1].reject_reason == "implausible:result_outside_0_100"
    assert extraction.training[1].reject_reason == "implausible:chips_not_positive"
    assert extraction.sizes[0].status == q.CANDIDATE
    assert extraction.sizes[1].reject_reason == "implausible:params_above_1e13"
    assert earlier.reject_reason == "comparison"
    assert all(len(c.reject_reason or "") <= 64 for c in extraction.sizes)
