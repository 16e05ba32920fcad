"""schema.benchmarks: metric synonyms, direction, the Thompson et al. error transform."""

from __future__ import annotations

import math
import re

import pytest

from schema import quantities as q
from schema.benchmarks import (
    UnknownMetricError,
    canonical_metric,
    catalog,
    direction,
    error_rate,
    metric_benchmarks,
    thompson_metric,
    training_examples,
)


def test_catalog_covers_the_vocabulary():
    names = set(catalog()["benchmarks"])
    assert set(q.BENCHMARKS) <= names
    for name in names - set(q.BENCHMARKS):  # everything else is an open-vocabulary slug
        assert re.fullmatch(r"other:[a-z0-9][a-z0-9.\-]*", name), name
    assert set(catalog()["metrics"]) == set(q.METRICS)
    for name, spec in catalog()["benchmarks"].items():
        assert spec["metrics"] and set(spec["metrics"]) <= set(q.METRICS), name
        default = spec["default_metric"]
        assert default in spec["metrics"] or default.endswith("_?"), name
        for pattern in spec["mentions"] + spec["exclude"]:
            re.compile(pattern)
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
        ("other:pascal-voc-2007", "map", 73.2, 26.8),
        ("other:enwik8", "bpc", 0.99, 0.99),  # losses are their own error
        ("other:wikitext-103", "perplexity", 18.3, 18.3),
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
    with pytest.raises(ValueError):
        error_rate("imagenet", "perplexity", 30.0)
    with pytest.raises(UnknownMetricError):
        error_rate("other:x", "sharpness", 30.0)


@pytest.mark.parametrize(
    ("name", "metric"),
    [("Top-1 Acc.", "top1_accuracy"), ("top-1 err", "top1_error"), ("Acc@5", "top5_accuracy"),
     ("AP", "box_ap"), ("AP@0.5", "ap50"), ("Exact Match", "em"), ("F1 score", "f1"),
     ("BLEU", "bleu"), ("perplexity", "perplexity"), ("PPL", "perplexity"),
     ("mean IoU", "miou"), ("bits per character", "bpc"), ("mAP", "map"), ("sharpness", None)],
)  # fmt: skip
def test_canonical_metric(name, metric):
    assert canonical_metric(name) == metric


def test_direction_sizes_and_thompson_metric():
    assert direction("top1_error") == -1 and direction("bleu") == 1
    assert training_examples("imagenet") == 1_281_167 and training_examples("other:x") is None
    assert thompson_metric("imagenet") == "top1_error" and thompson_metric("coco") == "box_ap"
    assert thompson_metric("wmt14-en-fr") == "bleu" and thompson_metric("nope") is None


def test_metric_benchmarks_are_the_catalog_s_and_keep_design_metrics():
    assert q.METRICS == metric_benchmarks()
    assert q.METRICS["top1_error"][0] == "imagenet" and "other:cifar-10" in q.METRICS["top1_error"]
    assert q.METRICS["box_ap"] == ("coco",)  # VOC's mean AP is 'map', never COCO's box AP
    assert "coco" not in q.METRICS["map"] and "other:pascal-voc-2007" in q.METRICS["map"]
    assert "squad1.1" not in q.METRICS["score"]
    assert {"wmt14-en-fr", "other:wmt14-fr-en"} <= set(q.METRICS["bleu"])
