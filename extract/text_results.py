"""Benchmark results stated in prose: "achieves 84.4% top-1 accuracy on ImageNet".

The span (rule label ``result``) gives the value and usually the metric; a span that is only a
value with its spread ("98.46% ± 0.02%") takes the metric its sentence names. The sentence,
else its page, must name a benchmark the metric belongs to: the one named right after the
value ("on X"), else the nearest before it. Sentences that report someone else's number (a
citation and no "we/our"), numbers attributed to another work ("47.6 mIoU by SegNet-X [73]") and
differences ("by 1.9 BLEU", "2 AP points higher") are not results.
"""

from __future__ import annotations

import re
from collections import Counter

from spacy.tokens import Span

from extract import context
from extract.benchmarks import benchmark_spans, classify_header, excluded_benchmarks, resolve_metric
from extract.nlp import SPANS_KEY
from schema import quantities as q
from schema.records import Evidence, ResultCandidate

TEXT_RESULT_CONFIDENCE = 0.45
_VALUE = re.compile(r"\b\d{1,3}(?:\.\d+)?\b")
# Rules whose span names the metric first and the value last ("an F1 score of 93.2").
_METRIC_FIRST = (
    "metric_value", "metric_clause_value", "metric_from_to", "score_value", "metric_and_value"
)
# Rules whose span is a value and its spread: the metric comes from the sentence.
_SPREAD_ONLY = ("value_spread",)
# A metric named right before the span in a more specific form ("PASCAL-style mAP" is AP50).
_STYLE_PREFIX = re.compile(r"\b(pascal|voc|coco)\s*-?\s*style\s*$", re.IGNORECASE)
_DELTA_BEFORE = {"by", "+", "+/-", "like"}
_CHANGE_VERB = re.compile(r"^(upgrad|improv|boost|gain|increas|decreas|reduc|drop|lower|rais)\w*$")
_ATTRIBUTION = re.compile(
    r"^\W{0,3}(\w+\W+){0,2}?(reported\s+)?(by|of|from|in)\s+"
    r"([A-Z][\w-]*\s*(\[\d|\(\d|et al)|[A-Z][a-z]+ et al)"
)
_DELTA_AFTER = {"points", "point", "pp", "pts", "higher", "lower", "better", "worse", "more",
                "less", "improvement", "gain", "gains", "drop", "increase", "decrease"}  # fmt: skip
# "93.2 F1 on SQuAD 1.1", "84.5% on the ImageNet val set": only such words between a value and
# the benchmark named after it (not "70.4% trained on the union of VOC 2007 and ...").
_LEADS_TO_BENCHMARK = re.compile(
    r"^[\s%)*,]*(?:(?:on|in|for|at|of|the|test|val|validation|dev|set|split|\()\s*){1,4}$",
    re.IGNORECASE,
)


def _rule_name(span: Span) -> str:
    parts = span.id_.split(".")
    return parts[1] if len(parts) == 3 else span.id_


def _benchmark(metric: str, span: Span, page_counts: Counter) -> str | None:
    """The benchmark the sentence names for this span (one named right after it: "on X",
    else the nearest before it, else any), else the page's most mentioned; only benchmarks
    reported in ``metric``."""
    sentence = span.sent.text
    allowed = set(q.METRICS.get(metric, ())) - excluded_benchmarks(sentence)
    start = span.start_char - span.sent.start_char
    end = span.end_char - span.sent.start_char
    named = [(b, s, e) for b, s, e in benchmark_spans(sentence) if b in allowed]
    following = [
        (s, b) for b, s, _ in named if s >= end and _LEADS_TO_BENCHMARK.match(sentence[end:s])
    ]
    preceding = [(start - e, b) for b, s, e in named if e <= start]
    for candidates in (following, preceding, [(0, b) for b, _, _ in named]):
        if candidates:
            return min(candidates)[1]
    hits = [b for b, _ in page_counts.most_common() if b in allowed]
    return hits[0] if hits else None


def _inside_longer(span: Span) -> bool:
    """'error of 3.57' inside 'top-5 error of 3.57': only the longer result span counts."""
    return any(
        other.label_ == span.label_ and other.start <= span.start and span.end <= other.end
        and len(other) > len(span)
        for other in span.doc.spans[SPANS_KEY]
    )


def _metric_text(span: Span) -> str:
    """The text that names the span's metric: the span, its sentence for a bare value with
    spread, and a 'PASCAL-style' just before the span."""
    if _rule_name(span) in _SPREAD_ONLY:
        return span.sent.text
    before = span.doc[max(span.sent.start, span.start - 3) : span.start].text
    return f"{before} {span.text}" if _STYLE_PREFIX.search(before) else span.text


def _is_difference(span: Span) -> bool:
    """'outperforms it by 1.9 BLEU', 'upgrades 1.1% top-1 accuracy', '+1.2 AP', '2.0 AP points
    higher', 'a gain of 0.5-1.0 F1': a gap or a range, not a result."""
    doc, sent = span.doc, span.sent
    before = [t.lower_ for t in doc[max(sent.start, span.start - 2) : span.start]]
    after = doc[span.end].lower_ if span.end < sent.end else ""
    if after in _DELTA_AFTER or (before and before[-1] in _DELTA_BEFORE):
        return True
    if span[0].like_num and before and before[-1] in ("-", "–", "to") and len(before) == 2:
        return before[0].replace(".", "", 1).isdigit()  # the upper end of "0.5-1.0 F1"
    return any(_CHANGE_VERB.match(word) for word in before)


def _attributed(span: Span) -> bool:
    """'(47.6 mIoU by SegNet-X [73])', '48.2 EM reported by Chen et al.': someone else's number."""
    tail = span.doc.text[span.end_char : min(span.sent.end_char, span.end_char + 40)]
    return bool(_ATTRIBUTION.match(tail))


def _cites_others(sentence: str) -> bool:
    """A sentence that cites and never says 'we/our' reports someone else's number."""
    return bool(context.CITATION.search(sentence)) and not context.OWN_WORK.search(sentence)


def _resolve(metric: str, span: Span, values: list[float]) -> str | None:
    """'map_?' is settled by the benchmark the sentence names; other '?' metrics by the span."""
    text = span.sent.text if metric == "map_?" else span.text
    return resolve_metric(metric, text, values[:1])


def result_from_span(
    span: Span, evidence: Evidence, page_counts: Counter
) -> ResultCandidate | None:
    """One result from a ``result`` span, or None when metric, value or benchmark is unclear."""
    sentence = span.sent.text
    if _inside_longer(span) or _is_difference(span) or _attributed(span) or _cites_others(sentence):
        return None
    kind, metric = classify_header(_metric_text(span))
    values = [float(v) for v in _VALUE.findall(span.text)]
    values = [v for v in values if 0 < v <= 100]
    if kind != "result" or metric is None or not values:
        return None
    metric = _resolve(metric, span, values)
    benchmark = _benchmark(metric, span, page_counts) if metric else None
    if metric is None or benchmark is None or benchmark not in q.METRICS.get(metric, ()):
        return None
    offset = span.start_char - span.sent.start_char
    return ResultCandidate(
        benchmark=benchmark,
        metric=metric,
        value=values[-1] if _rule_name(span) in _METRIC_FIRST else values[0],
        raw_value=span.text,
        evidence=evidence,
        model=context.nearest_model(sentence, offset),
        source=q.SOURCE_TEXT,
        confidence=TEXT_RESULT_CONFIDENCE,
    )
