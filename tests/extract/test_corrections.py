"""extract.corrections: what curators type -> canonical values, and what is refused."""

from __future__ import annotations

import pytest

from extract.corrections import (
    InvalidValueError,
    check_field_key,
    describe,
    parse_value,
    values_equal,
)

TOP1 = "imagenet/top1_accuracy"


@pytest.mark.parametrize(
    ("kind", "key", "value", "unit", "expected"),
    [
        ("result", TOP1, "76.1", None, {"value": 76.1, "unit": "%"}),
        ("result", TOP1, "76.1%", None, {"value": 76.1, "unit": "%"}),
        ("result", TOP1, 76.1, "%", {"value": 76.1, "unit": "%"}),
        ("result", TOP1, 0.761, "fraction", {"value": 76.1, "unit": "%"}),
        ("result", "other:cifar10/top1_accuracy", "95", "pp", {"value": 95.0, "unit": "%"}),
        ("size", "param_count", "25.6M", None, {"value": 25.6e6, "unit": "params"}),
        ("size", "param_count", 25.6, "M", {"value": 25.6e6, "unit": "params"}),
        ("size", "param_count", "1.5 billion", None, {"value": 1.5e9, "unit": "params"}),
        ("size", "param_count", 2.56e7, None, {"value": 2.56e7, "unit": "params"}),
        ("size", "flops_per_forward", "4.1 GFLOPs", None, {"value": 4.1e9, "unit": "flops"}),
        ("size", "flops_per_forward", "3.8G MACs", None, {"value": 7.6e9, "unit": "flops"}),
        ("size", "flops_per_forward", 4.1, "GFLOPs", {"value": 4.1e9, "unit": "flops"}),
        ("paper", "in_scope", "out", None, {"in_scope": False}),
        ("paper", "in_scope", True, None, {"in_scope": True}),
    ],
)
def test_parse_value(kind, key, value, unit, expected):
    assert parse_value(kind, key, value, unit) == expected


@pytest.mark.parametrize(
    ("text", "hardware", "count", "unit", "chips", "hours"),
    [
        ("hardware=V100; count=8; duration=3 days", "tesla-v100", 8, "chip", 8, 72),
        ('{"hardware": "tpu-v3", "count": "32 cores", "duration_hours": 24}', "tpu-v3", 32,
         "core", 16, 24),
        ("hardware=tesla-k80; count=2 board", "tesla-k80", 2, "board", 4, None),
        ("duration=2-3 weeks", None, None, None, None, 420),
    ],
)  # fmt: skip
def test_parse_training(text, hardware, count, unit, chips, hours):
    value = parse_value("training", "train", text)
    assert (value["hardware"], value["hardware_count"], value["count_unit"], value["chips"],
            value["duration_hours"]) == (hardware, count, unit, chips, hours)  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "key", "value", "unit", "message"),
    [
        ("result", TOP1, "176", None, "outside"),
        ("result", TOP1, "-1", None, "outside"),
        ("result", TOP1, "76", "km", "unit"),
        ("result", TOP1, "", None, "no value"),
        ("result", "imagenet/bleu", "1", None, "not a metric of imagenet"),
        ("result", "mnist/top1_accuracy", "1", None, "unknown benchmark"),
        ("size", "param_count", "lots", None, "not understood"),
        ("size", "param_count", "0", None, "outside"),
        ("size", "params", "1", None, "size key"),
        ("size", "flops_per_forward", "4.1 parsecs", None, "not understood"),
        ("training", "train", "hardware=abacus", None, "neither a catalog slug"),
        ("training", "train", "count=-3", None, "positive"),
        ("training", "train", "duration=100 GPU-days", None, "device_hours"),
        ("training", "train", "colour=blue", None, "unknown training field"),
        ("training", "train", "just text", None, "name=value"),
        ("training", "warmup", "count=1", None, "stage"),
        ("paper", "in_scope", "maybe", None, "true/false"),
        ("bogus", "x", "1", None, "unknown kind"),
    ],
)
def test_refused(kind, key, value, unit, message):
    with pytest.raises(InvalidValueError, match=message):
        parse_value(kind, key, value, unit)


def test_check_field_key_accepts_other_benchmarks():
    check_field_key("result", "other:cifar10/error")


def test_values_equal_and_describe():
    assert values_equal("result", {"value": 76.1, "unit": "%"}, {"value": 76.1000000001,
                                                                 "unit": "%"})  # fmt: skip
    assert not values_equal("result", {"value": 76.1, "unit": "%"}, None)
    run = parse_value("training", "train", "hardware=V100; count=8; duration=3 days")
    assert values_equal("training", run, {**run, "chips": None})
    assert describe("training", run) == "8 chip x tesla-v100, 72 h"
    assert describe("size", {"value": 25.6e6, "unit": "params"}) == "25.6M params"
    assert describe("size", {"value": 4.1e9, "unit": "flops"}) == "4.1G flops"
    assert describe("paper", {"in_scope": False}) == "out of scope"
