"""Benchmark and metric recognition from captions, table headers and page text.

Vocabulary and mention patterns are data: ``schema/data/benchmarks.json``.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from schema import quantities as q
from schema.benchmarks import catalog


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[str, list[re.Pattern], re.Pattern | None]]:
    """Per benchmark: each mention pattern on its own (so overlapping mentions are all seen)
    and one pattern of its excluded look-alikes."""
    out = []
    for name, spec in catalog()["benchmarks"].items():
        mentions = [re.compile(p, re.IGNORECASE) for p in spec["mentions"]]
        exclude = (
            re.compile("|".join(f"(?:{p})" for p in spec["exclude"]), re.IGNORECASE)
            if spec["exclude"]
            else None
        )
        out.append((name, mentions, exclude))
    return out


def _union(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping spans merged: one mention however many patterns found it."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _matches(text: str) -> list[tuple[str, int, int]]:
    """Every (benchmark, start, end) mention in ``text``. A look-alike is blanked with line
    breaks first, which no mention pattern crosses ("NewsTest 2015 En-De" is not WMT'14)."""
    out = []
    for name, mentions, exclude in _patterns():
        cleaned = exclude.sub(lambda m: "\n" * len(m.group()), text) if exclude else text
        spans = [m.span() for pattern in mentions for m in pattern.finditer(cleaned)]
        out.extend((name, start, end) for start, end in _union(spans) if end > start)
    return out


def _specific(matches: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Mentions not overlapped by a longer mention of another benchmark: 'CoNLL-2003 German' is
    the German task, not CoNLL-2003; 'ImageNet-A', 'COCO-Stuff', 'WMT16 En-De' likewise."""
    return [
        (name, start, end)
        for name, start, end in matches
        if not any(
            other != name and o_start < end and start < o_end and o_end - o_start > end - start
            for other, o_start, o_end in matches
        )
    ]


def benchmark_mentions(text: str) -> Counter:
    """How often each benchmark is mentioned in ``text`` (look-alikes and mentions inside a
    longer mention of another benchmark removed)."""
    return Counter(name for name, _, _ in _specific(_matches(text)))


def benchmark_spans(text: str) -> list[tuple[str, int, int]]:
    """(benchmark, start, end) of each mention in ``text``, in reading order (look-alikes and
    mentions inside a longer mention of another benchmark removed)."""
    return sorted(_specific(_matches(text)), key=lambda match: match[1])


def excluded_benchmarks(text: str) -> set[str]:
    """Benchmarks that ``text`` rules out by naming a look-alike ("SQuAD 2.0", "ImageNet-21k",
    "CoNLL-2003 German") without naming the benchmark itself."""
    matches = _matches(text)
    kept = {name for name, _, _ in _specific(matches)}
    out = {name for name, _, _ in matches} - kept
    for name, _, exclude in _patterns():
        if exclude and exclude.search(text) and name not in kept:
            out.add(name)
    return out


NAMED_METRIC = "benchmark_?"  # the metric of the benchmark a header names, from its context

# Column header -> (kind, metric). Order matters: the first match wins.
_HEADER_RULES: list[tuple[str, str, str | None]] = [
    (r"(core|gpu|tpu\w*|device|chip)[- ]?(days|hours|years|hrs)", "device_time", None),
    (r"train(ing)?\s*(time|cost|hours|days)|time\s*to\s*train|wall[- ]?clock", "duration", None),
    (r"#\s*param|\bparam(eter)?s?\b|\bparams?\.|#\s*p\b|model size|\bsize\s*\(m\)", "params", None),
    (r"flops|\bmacs?\b|mult[-\s]?adds|multiply[-\s]?adds|madds|\bops\b", "flops", None),
    (r"top[-\s]?1.*(err|error)|(err|error).*top[-\s]?1", "result", "top1_error"),
    (r"top[-\s]?5.*(err|error)|(err|error).*top[-\s]?5", "result", "top5_error"),
    (r"top[-\s]?1.*(acc|accuracy)|(acc|accuracy).*top[-\s]?1", "result", "top1_accuracy"),
    (r"top[-\s]?5.*(acc|accuracy)|(acc|accuracy).*top[-\s]?5", "result", "top5_accuracy"),
    (r"top[-\s]?1", "result", "top1_?"),
    (r"top[-\s]?5", "result", "top5_?"),
    (r"@\s*\[\s*0?\.5\s*[,:]\s*0?\.95\s*\]", "result", "box_ap"),
    (r"\b(pascal|voc)\s*-?\s*style\s*m?ap\b", "result", "ap50"),  # AP at IoU 0.5
    (r"\bap\s*(@\s*)?(\[?\s*(50|\.5|0\.5)\b)|\bap\s*_?\s*50\b|ap@\.?0?\.5\b|@\s*0?\.5\b(?!\s*[,:])",
     "result", "ap50"),
    (r"\bap\s*(@\s*)?_?\s*(75|\.75|0\.75)\b", "result", "ap75"),
    (r"\bap\s*_?\s*[sml]\b|\bap\s*(small|medium|large)", "ignore", None),
    (r"\bmap\b|\bmean\s*ap\b|mean\s+average\s+precision", "result", "map_?"),
    (r"\b(ap|box\s*ap|ap\s*(bb|box)|ap\s*\[?\s*\.5\s*:\s*\.95)\b", "result", "box_ap"),
    (r"\bem\b|exact\s*match", "result", "em"),
    (r"\bf1\b|f-?score|f-?measure", "result", "f1"),
    (r"\bbleu\b", "result", "bleu"),
    (r"(?-i:\bWER\b)|word\s+error\s+rate", "result", "wer"),
    (r"(?-i:\bPER\b)|phone(me)?\s+error\s+rate", "result", "per"),
    (r"\bbpc\b|bits?\s*(/|per)\s*(char|character|dim|dimension)\b", "result", "bpc"),
    (r"\bppl\b|perplexity", "result", "perplexity"),
    (r"\bm-?iou\b|mean\s*iou\b|\biou\b", "result", "miou"),
    (r"\b((super)?glue|average|avg\.?|overall)\s+score\b|^\s*score\s*$", "result", "score"),
    (r"\bmcc\b|matthews", "result", "mcc"),
    (r"\bpearson\b|\(pc\)", "result", "pearson"),
    (r"\b(acc|accuracy)\b", "result", "accuracy_?"),
    (r"^\s*(average|avg\.?|mean)\s*$", "result", NAMED_METRIC),  # over a benchmark's tasks
    (r"\b(err|error)\b", "result", "error_?"),
]
_COMPILED = [(re.compile(p, re.IGNORECASE), k, m) for p, k, m in _HEADER_RULES]


_NAME_ONLY_CHARS = 40  # a header, not a caption: "C10+", "CIFAR-100", "WMT'14 En-Fr"


def classify_header(header: str) -> tuple[str | None, str | None]:
    """A column header's kind ('params', 'flops', 'result', 'ignore' or None) and metric.

    A short header that names one benchmark and no metric ("C10+", "SQuAD 2.0") holds that
    benchmark's results: ``NAMED_METRIC``, which ``resolve_metric`` settles from the caption.
    """
    for pattern, kind, metric in _COMPILED:
        if pattern.search(header):
            return kind, metric
    if len(header) <= _NAME_ONLY_CHARS and len(benchmark_mentions(header)) == 1:
        return "result", NAMED_METRIC
    return None, None


def _resolve_map(context: str) -> str:
    """'mAP' is COCO's box AP on COCO, the PASCAL-style mean AP on a benchmark reported in
    'map' (VOC); unnamed, it stays COCO's (as before the catalog knew VOC)."""
    named = benchmark_mentions(context)
    if "coco" not in named and any(b in q.METRICS["map"] for b in named):
        return "map"
    return "box_ap"


def _resolve_named(context: str, values: list[float]) -> str | None:
    """The metric of a column or row that only names its benchmark ("TriviaQA" under a caption
    saying F1): the first metric the context names that the first-named benchmark is reported
    in, else that benchmark's default metric."""
    named = benchmark_spans(context)
    if not named:
        return None
    benchmark = named[0][0]  # the header's: it comes first in the context
    allowed = [m for m, benchmarks in q.METRICS.items() if benchmark in benchmarks]
    for pattern, kind, metric in _COMPILED:
        if kind == "result" and metric and pattern.search(context):
            resolved = resolve_metric(metric, context, values)
            if resolved in allowed:
                return resolved
    default = default_metric(benchmark)
    return resolve_metric(default, context, values) if default else None


def resolve_metric(metric: str, context: str, values: list[float]) -> str | None:
    """Settle '?' metrics ('top1_?', 'accuracy_?', 'map_?') from the caption/header, else from
    values."""
    if not metric.endswith("_?"):
        return metric
    if metric == "map_?":
        return _resolve_map(context)
    if metric == NAMED_METRIC:
        return _resolve_named(context, values)
    lower = context.lower()
    if metric == "accuracy_?" and re.search(r"exact[- ]match", lower):
        return "em"  # "exact match accuracy" is EM
    says_error = bool(re.search(r"\berr(or)?s?\b", lower))
    says_acc = bool(re.search(r"\bacc(uracy)?\b", lower))
    if says_error == says_acc:  # neither or both: judge by the values
        mean = sum(values) / len(values) if values else 50.0
        says_error = mean < 50.0
    rank = "top5" if metric.startswith("top5") else "top1"
    return f"{rank}_{'error' if says_error else 'accuracy'}"


def scale_from_header(header: str, default: float) -> float:
    """'Params (M)' -> 1e6, 'FLOPs (G)' / 'GFLOPs' -> 1e9, 'MACs (B)' -> 1e9."""
    lower = header.lower()
    unit = re.search(r"[(\[]\s*([kmbgt])\s*[)\]]", lower)
    if unit:
        return {"k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12}[unit.group(1)]
    glued = re.search(r"\b([kmgbt])(?:flops?|macs?)\b", lower)
    if glued:
        return {"k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12}[glued.group(1)]
    if re.search(r"\bmillions?\b", lower):
        return 1e6
    if re.search(r"\bbillions?\b", lower):
        return 1e9
    return default


def default_metric(benchmark: str) -> str | None:
    spec = catalog()["benchmarks"].get(benchmark)
    return spec.get("default_metric") if spec else None
