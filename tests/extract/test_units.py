"""extract.units truth tables: numbers, parameters, durations, FLOPs, counts, chips."""

from __future__ import annotations

import pytest

from extract.hardware import chips_from_count
from extract.units import (
    Duration,
    duration_hours,
    flops_unit_scale,
    parse_count,
    parse_duration,
    parse_flops,
    parse_number,
    parse_params,
    parse_scaled,
    significant,
    to_flops,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,024", 1024.0), ("2.5", 2.5), ("~2.5", 2.5), ("eight", 8.0), ("twenty-four", 24.0),
        ("about 16", 16.0), ("1e3", 1000.0), ("GPU", None), ("", None), ("1,02", None),
    ],
)  # fmt: skip
def test_parse_number(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25.6M", 2.56e7), ("1.3 billion", 1.3e9), ("3.8 x 10^9", 3.8e9), ("88", 88.0),
        ("175B", 1.75e11), ("1.75e11", 1.75e11), ("175 billion", 1.75e11), ("2.5K", 2500.0),
        ("60 million", 6e7), ("340Mn", 3.4e8), ("4.1G", 4.1e9), ("abc", None),
        ("1 Trillion", 1e12), ("1.3 Billion", 1.3e9), ("3 trillions", 3e12), ("25 Million", 2.5e7),
    ],
)  # fmt: skip
def test_parse_scaled(text, expected):
    assert parse_scaled(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25.6M", 2.56e7), ("340M parameters", 3.4e8), ("1.5 billion", 1.5e9),
        ("60 million", 6e7), ("#params: 22M", 2.2e7), ("Params = 86M", 8.6e7), ("175B", 1.75e11),
        ("11K", 1.1e4), ("parameters", None),
    ],
)  # fmt: skip
def test_parse_params(text, expected):
    assert parse_params(text) == expected


@pytest.mark.parametrize(
    ("value", "unit", "hours"),
    [(90, "minutes", 1.5), (6, "days", 144.0), (2, "weeks", 336.0), (3, "hrs", 3.0),
     (1, "month", 730.0), (7200, "s", 2.0), (1, "fortnight", None)],
)  # fmt: skip
def test_duration_hours(value, unit, hours):
    assert duration_hours(value, unit) == hours


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6 days", Duration(144.0)),
        ("about 10 hours", Duration(10.0)),
        ("3.5 hrs", Duration(3.5)),
        ("two weeks", Duration(336.0)),
        ("2-3 weeks", Duration(420.0, 336.0, 504.0)),
        ("2 to 3 days", Duration(60.0, 48.0, 72.0)),
        ("between 5 and 6 days", Duration(132.0, 120.0, 144.0)),
        ("5–6 days", Duration(132.0, 120.0, 144.0)),
        ("100 GPU-days", Duration(2400.0, device="gpu")),
        ("8 GPU hours", Duration(8.0, device="gpu")),
        ("3 V100 days", Duration(72.0, device="gpu")),
        ("1,000 TPU core-hours", Duration(1000.0, device="core")),
        ("2 TPU-days", Duration(48.0, device="tpu")),
        ("90 epochs", None),
        ("3-2 days", None),
        ("0 days", None),
    ],
)
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("unit", "expected"),
    [("GFLOPs", (1e9, "flops")), ("MACs", (1.0, "multiadds")), ("M Mult-Adds", (1e6, "multiadds")),
     ("billion FLOPs", (1e9, "flops")), ("TFLOP", (1e12, "flops")), ("GPUs", None)],
)  # fmt: skip
def test_flops_unit_scale(unit, expected):
    assert flops_unit_scale(unit) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3.8 GFLOPs", (3.8e9, "flops")),
        ("11.3G MACs", (2.26e10, "multiadds")),  # a multiply-add is 2 FLOPs
        ("11.3 G MACs", (2.26e10, "multiadds")),
        ("600M Mult-Adds", (1.2e9, "multiadds")),
        ("7.8 x 10^9 FLOPs", (7.8e9, "flops")),
        ("4.1 billion FLOPs", (4.1e9, "flops")),
        ("~1.2 TFLOPs", (1.2e12, "flops")),
        ("300 million multiply-adds", (6e8, "multiadds")),
        ("300 GPUs", None),
    ],
)
def test_parse_flops(text, expected):
    assert parse_flops(text) == expected


def test_to_flops():
    assert to_flops(7e8, "multiadds") == 1.4e9 and to_flops(7e8, "flops") == 7e8
    with pytest.raises(ValueError):
        to_flops(1.0, "params")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("eight", 8.0), ("a dozen", 12.0), ("two dozen", 24.0), ("a couple of", 2.0),
     ("1,024", 1024.0), ("twenty-four", 24.0), ("sixteen", 16.0), ("a single", None)],
)  # fmt: skip
def test_parse_count(text, expected):
    assert parse_count(text) == expected


@pytest.mark.parametrize(
    ("slug", "count", "unit", "chips"),
    [
        ("tpu-v3", 512, "core", 256.0),  # v3-512 slice: 2 cores per chip
        ("tpu-v3", 256, "board", 1024.0),  # Noisy Student: 4 chips per v3-8 board
        ("tpu-v2", 1, "pod", 256.0),
        ("tpu-v3", 1, "pod", 1024.0),
        ("tesla-k80", 4, "board", 8.0),  # 2 GPUs per K80 board
        ("tesla-v100", 8, "chip", 8.0),
        ("tesla-v100", 5120, "core", None),  # CUDA cores are not devices
        ("tesla-v100", 2, "machine", None),  # machine size unknown
    ],
)
def test_counts_to_chips(slug, count, unit, chips):
    assert chips_from_count(slug, count, unit) == chips


def test_significant():
    assert significant(4.1 * 1e9) == 4.1e9 and significant(0.1 + 0.2) == 0.3
