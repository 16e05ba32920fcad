"""Benchmark results stated in prose: "achieves 84.4% top-1 accuracy on ImageNet".

The span (rule label ``result``) gives the metric and value; the sentence, else its page,
must name a benchmark the metric belongs to.
"""

from __future__ import annotations

import re
from collections import Counter

from spacy.tokens import Span

from extract import context
from extract.benchmarks import benchmark_mentions, classify_header, excluded_benchmarks, resolve_metric
from schema import quantities as q
from schema.records import Evidence, ResultCandidate

TEXT_RESULT_CONFIDENCE = 0.45
_VALUE = re.compile(r"\b\d{1,3}(?:\.\d+)?\b")


def _benchmark(metric: str, sentence: str, page_counts: Counter) -> str | None:
    allowed = set(q.METRICS.get(metric, ())) - excluded_benchmarks(sentence)
    for counts in (benchmark_mentions(sentence), page_counts):
        hits = [b for b, _ in counts.most_common() if b in allowed]
        if hits:
            return hits[0]
    return None


def result_from_span(span: Span, evidence: Evidence, page_counts: Counter) -> ResultCandidate | None:
    """One result from a ``result`` span, or None when metric, value or benchmark is unclear."""
    kind, metric = classify_header(span.text)
    values = [float(v) for v in _VALUE.findall(span.text)]
    values = [v for v in values if 0 < v <= 100]
    if kind != "result" or metric is None or not values:
        return None
    sentence = span.sent.text
    metric = resolve_metric(metric, span.text, values[:1])
    benchmark = _benchmark(metric or "", sentence, page_counts) if metric else None
    if metric is None or benchmark is None or benchmark not in q.METRICS.get(metric, ()):
        return None
    offset = span.start_char - span.sent.start_char
    return ResultCandidate(
        benchmark=benchmark,
        metric=metric,
        value=values[-1] if span.id_ == "result.metric_value.v1" else values[0],
        raw_value=span.text,
        evidence=evidence,
        model=context.nearest_model(sentence, offset),
        source=q.SOURCE_TEXT,
        confidence=TEXT_RESULT_CONFIDENCE,
    )
