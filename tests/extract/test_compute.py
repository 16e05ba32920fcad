"""extract.compute: the worked cases of DESIGN.md and the MIT data, precedence, bad inputs."""

from __future__ import annotations

import math

import pytest

from extract import compute as c
from schema.hardware import burden_peak

SIX_DAYS = 6 * 24.0


def test_alexnet_hardware_burden():
    """DESIGN.md: 2 x GTX 580 (1.581 TFLOP/s) x 6 days ~ 1.64e18 FLOP (MIT: 1.6e18)."""
    est = c.hardware_burden("gtx-580", 2, SIX_DAYS)
    assert est.method == c.HARDWARE_BURDEN and est.precision == "fp32"
    assert est.flop == pytest.approx(1.6392e18, rel=1e-4)
    assert f"{est.flop:.3g}" == "1.64e+18"
    assert est.inputs == {"hardware": "gtx-580", "chips": 2.0, "hours": 144.0,
                          "peak_flops": 1.581e12}  # fmt: skip


def test_alexnet_network_operations():
    """MIT row: 7.0e8 multiply-adds, 100 epochs, 1.28M images -> 5.38e17 net ops."""
    est = c.network_operations(7.0e8, 100, 1.28e6, multiply_adds=True)
    assert est.flop == pytest.approx(5.376e17)
    assert est.inputs["flops_per_forward"] == 1.4e9 and est.inputs["stated_forward"] == 7.0e8
    assert c.network_operations(1.4e9, 100, 1.28e6).flop == est.flop


def test_noisy_student_their_board_figure_and_our_catalog():
    """DESIGN.md: 256 TPU v3 boards x 420 TFLOP/s x 6 days ~ 5.6e22 (the MIT board figure).

    The catalog's per-chip peak is 123 TFLOP/s (Google's Cloud TPU docs), 4 chips a board:
    1024 chips x 123e12 x 6 days ~ 6.5e22. Both are shown; docs/compute.md explains the choice.
    """
    theirs = c.hardware_burden("tpu-v3", 256, SIX_DAYS, peak_flops=420e12)
    assert theirs.flop == pytest.approx(5.574e22, rel=1e-3) and theirs.precision == "given"
    assert f"{theirs.flop:.2g}" == "5.6e+22"
    ours = c.hardware_burden("tpu-v3", 1024, SIX_DAYS)
    assert burden_peak("tpu-v3") == (1.23e14, "tensor") and ours.precision == "tensor"
    assert ours.flop == pytest.approx(6.529e22, rel=1e-3)
    assert ours.flop / theirs.flop == pytest.approx(4 * 123 / 420)


@pytest.mark.parametrize(
    ("slug", "hours", "unit", "chip_hours"),
    [
        ("tesla-v100", 7200.0, "chip", 7200.0),  # 300 GPU-days
        ("tpu-v3", 2048.0, "core", 1024.0),  # TPU v3 core-hours / 2 cores per chip
        ("tpu-v2", 100.0, "tpu", 100.0),
    ],
)
def test_device_hours(slug, hours, unit, chip_hours):
    est = c.hardware_burden_device_hours(slug, hours, unit)
    assert est.method == c.HARDWARE_BURDEN_DEVICE_HOURS
    assert est.inputs["chip_hours"] == chip_hours
    assert est.flop == pytest.approx(chip_hours * burden_peak(slug)[0] * 3600)


def test_utilization_adjusted_and_precision():
    burden = c.hardware_burden("tesla-v100", 8, 100)
    adjusted = c.utilization_adjusted("tesla-v100", 8, 100)
    assert adjusted.flop == pytest.approx(0.375 * burden.flop)
    assert adjusted.inputs["utilization"] == 0.375
    tensor = c.utilization_adjusted("tesla-v100", 8, 100, precision="tensor", utilization=0.5)
    assert tensor.precision == "tensor" and tensor.flop == pytest.approx(0.5 * 8 * 1.25e14 * 360000)


def test_six_n_d():
    est = c.six_n_d(175e9, 300e9)  # GPT-3
    assert est.flop == pytest.approx(3.15e23) and est.inputs == {"params": 175e9, "tokens": 300e9}


@pytest.mark.parametrize(
    "call",
    [
        lambda: c.hardware_burden("gpu-unspecified", 8, 10),  # no peak in the catalog
        lambda: c.hardware_burden("tesla-v100", 0, 10),
        lambda: c.hardware_burden("tesla-v100", 8, math.nan),
        lambda: c.hardware_burden("gtx-580", 2, 10, precision="tensor"),  # no tensor cores
        lambda: c.hardware_burden_device_hours("tesla-v100", 10, "core"),  # CUDA cores
        lambda: c.utilization_adjusted("tesla-v100", 8, 10, utilization=1.5),
        lambda: c.network_operations(1e9, -1, 1e6),
        lambda: c.six_n_d(1e9, 0),
    ],
)
def test_bad_inputs_raise(call):
    with pytest.raises(c.EstimateError):
        call()


def test_choose_by_precedence():
    wall = c.hardware_burden("tesla-v100", 8, 100)
    device = c.hardware_burden_device_hours("tesla-v100", 800)
    net = c.network_operations(4e9, 90, 1.28e6)
    six = c.six_n_d(1e8, 1e9)
    util = c.utilization_adjusted("tesla-v100", 8, 100)
    assert c.choose([six, net, device, util, wall]) is wall
    assert c.choose([six, net, device]) is device
    assert c.choose([six, util, net]) is net
    assert c.choose([six]) is six
    assert c.choose([util]) is None and c.choose([]) is None
    other = c.hardware_burden("tesla-v100", 4, 100)
    assert c.choose([net, other, wall]) is other  # same method: the first given


def test_unknown_method_refused():
    with pytest.raises(ValueError):
        c.Estimate("guess", 1.0)
