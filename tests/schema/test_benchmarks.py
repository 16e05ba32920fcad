"""schema.benchmarks: metric synonyms, direction, the Thompson et al. error transform."""

from __future__ import annotations

import math

import pytest

from schema import quantities as q
from schema.benchmarks import (
    UnknownMetricError,
    canonical_metric,
    catalog,
    direction,
    error_rate,
    thompson_metric,
    training_examples,
)


def test_catalog_covers_the_vocabulary():
    assert set(catalog()["benchmarks"]) == set(q.BENCHMARKS)
    assert set(catalog()["metrics"]) == set(q.METRICS)
    for metric, spec in catalog()["metrics"].items():
        assert spec["error"] in ("value", "100 - value") and spec["synonyms"], metric
        assert (spec["error"] == "value") == (spec["direction"] == -1), metric


@pytest.mark.parametrize(
    ("benchmark", "metric", "value", "expected"),
    [
        ("imagenet", "top1_accuracy", 76.3, 23.7),  # Thompson: top-1 error
        ("imagenet", "top1_error", 23.7, 23.7),
        ("imagenet", "top5_accuracy", 93.0, 7.0),
        ("coco", "box_ap", 42.0, 58.0),  # others: 1 - score, in percent points
        ("squad1.1", "f1", 93.2, 6.8),
        ("conll2003", "f1", 92.8, 7.2),
        ("wmt14-en-de", "bleu", 28.4, 71.6),
        ("other:cifar10", "top1_accuracy", 99.0, 1.0),
        ("imagenet", "top1_accuracy", None, None),
        ("imagenet", "top1_accuracy", math.nan, None),
    ],
)
def test_error_rate(benchmark, metric, value, expected):
    got = error_rate(benchmark, metric, value)
    assert got == (pytest.approx(expected) if expected is not None else None)


def test_error_rate_refuses_mismatches():
    with pytest.raises(ValueError):
        error_rate("imagenet", "bleu", 30.0)
    with pytest.raises(UnknownMetricError):
        error_rate("imagenet", "perplexity", 30.0)


@pytest.mark.parametrize(
    ("name", "metric"),
    [("Top-1 Acc.", "top1_accuracy"), ("top-1 err", "top1_error"), ("Acc@5", "top5_accuracy"),
     ("AP", "box_ap"), ("AP@0.5", "ap50"), ("Exact Match", "em"), ("F1 score", "f1"),
     ("BLEU", "bleu"), ("perplexity", None)],
)  # fmt: skip
def test_canonical_metric(name, metric):
    assert canonical_metric(name) == metric


def test_direction_sizes_and_thompson_metric():
    assert direction("top1_error") == -1 and direction("bleu") == 1
    assert training_examples("imagenet") == 1_281_167 and training_examples("other:x") is None
    assert thompson_metric("imagenet") == "top1_error" and thompson_metric("coco") == "box_ap"
    assert thompson_metric("wmt14-en-fr") == "bleu" and thompson_metric("nope") is None
