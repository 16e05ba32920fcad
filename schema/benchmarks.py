"""The benchmark and metric catalog (``schema/data/benchmarks.json``) as typed look-ups.

- ``canonical_metric("Top-1 Acc.")`` -> ``top1_accuracy`` (metric synonyms);
- ``direction("top1_error")`` -> -1 (lower is better), +1 otherwise;
- ``error_rate(benchmark, metric, value)``: the error Thompson et al. regress on, in percent
  points: the value of an error metric, else 100 - value (their "1 - score" for a score printed
  in percent). On ImageNet their fit uses top-1 error: ``thompson_metric("imagenet")`` says which
  metric of a benchmark the regression uses (the others still get an error rate);
- ``training_examples(benchmark)``: the standard training-set size (ImageNet-1k: 1,281,167),
  used by the network-operations compute estimate.

Text recognition of benchmarks in captions and headers is ``extract.benchmarks``; this module
only reads the vocabulary, so ``db`` can use it too.
"""

from __future__ import annotations

import json
import math
import re
from functools import cache
from pathlib import Path
from typing import Any

CATALOG_JSON = Path(__file__).parent / "data" / "benchmarks.json"


class UnknownMetricError(KeyError):
    """A metric name that is neither a vocabulary metric nor one of its synonyms."""


@cache
def catalog() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(CATALOG_JSON.read_text(encoding="utf-8"))
    return data


def _key(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip().lower().rstrip("."))


@cache
def _synonyms() -> dict[str, str]:
    out: dict[str, str] = {}
    for metric, spec in catalog()["metrics"].items():
        out[_key(metric)] = metric
        for name in spec.get("synonyms", []):
            out.setdefault(_key(name), metric)
    return out


def canonical_metric(name: str) -> str | None:
    """The vocabulary metric a printed name means ('Top-1 err.' -> 'top1_error'), else None."""
    return _synonyms().get(_key(name))


@cache
def metric_benchmarks() -> dict[str, tuple[str, ...]]:
    """metric -> the benchmarks reported in it (catalog order), from each benchmark's 'metrics'.

    ``schema.quantities.METRICS`` is this mapping, so the catalog is the one place a benchmark
    gains a metric; every catalogued metric is a key, even one no benchmark lists yet.
    """
    out: dict[str, list[str]] = {metric: [] for metric in catalog()["metrics"]}
    for benchmark, spec in catalog()["benchmarks"].items():
        for metric in spec.get("metrics", []):
            out[metric].append(benchmark)
    return {metric: tuple(names) for metric, names in out.items()}


def metric_spec(metric: str) -> dict[str, Any]:
    spec = catalog()["metrics"].get(metric)
    if spec is None:
        raise UnknownMetricError(metric)
    return dict(spec)


def direction(metric: str) -> int:
    """+1 when a higher value is better, -1 when lower is better (error metrics)."""
    return int(metric_spec(metric)["direction"])


def training_examples(benchmark: str) -> int | None:
    """The benchmark's standard training-set size (examples), None when not catalogued."""
    spec = catalog()["benchmarks"].get(benchmark)
    return int(spec["training_examples"]) if spec and spec.get("training_examples") else None


def thompson_metric(benchmark: str) -> str | None:
    """The metric Thompson et al. regress on for ``benchmark`` (ImageNet: top1_error)."""
    spec = catalog()["benchmarks"].get(benchmark)
    if not spec:
        return None
    transform = str(spec["error_transform"])
    return transform.split("-")[-1].strip()


def error_rate(benchmark: str | None, metric: str, value: float | None) -> float | None:
    """Error in percent points: ``value`` for error metrics, ``100 - value`` for scores.

    ``benchmark`` is checked against the metric's benchmarks when both are known (a BLEU on
    ImageNet is a mistake: ValueError); ``other:<name>`` benchmarks (catalogued or not) accept
    any vocabulary metric. None for a missing or non-finite value; UnknownMetricError for a
    metric outside the vocabulary.
    """
    spec = metric_spec(metric)
    if value is None or not math.isfinite(float(value)):
        return None
    known = metric_benchmarks()[metric]
    if benchmark and not benchmark.startswith("other:") and benchmark not in known:
        raise ValueError(f"metric {metric!r} does not belong to benchmark {benchmark!r}")
    if spec.get("error", "100 - value") == "value":
        return float(value)
    return round(100.0 - float(value), 9)
