"""Benchmark and metric recognition from captions, table headers and page text.

Vocabulary and mention patterns are data: ``schema/data/benchmarks.json``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "schema" / "data" / "benchmarks.json"


@lru_cache(maxsize=1)
def catalog() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[str, re.Pattern, re.Pattern | None]]:
    out = []
    for name, spec in catalog()["benchmarks"].items():
        mention = re.compile("|".join(f"(?:{p})" for p in spec["mentions"]), re.IGNORECASE)
        exclude = (
            re.compile("|".join(f"(?:{p})" for p in spec["exclude"]), re.IGNORECASE)
            if spec["exclude"]
            else None
        )
        out.append((name, mention, exclude))
    return out


def benchmark_mentions(text: str) -> Counter:
    """How often each benchmark is mentioned in ``text`` (excluded look-alikes removed)."""
    counts: Counter = Counter()
    for name, mention, exclude in _patterns():
        cleaned = exclude.sub(" ", text) if exclude else text
        hits = len(mention.findall(cleaned))
        if hits:
            counts[name] = hits
    return counts


def excluded_benchmarks(text: str) -> set[str]:
    """Benchmarks that ``text`` rules out by naming a look-alike ("SQuAD 2.0", "ImageNet-21k")
    without naming the benchmark itself."""
    out = set()
    for name, mention, exclude in _patterns():
        if exclude and exclude.search(text) and not mention.search(exclude.sub(" ", text)):
            out.add(name)
    return out


def training_examples(benchmark: str) -> int | None:
    spec = catalog()["benchmarks"].get(benchmark)
    return spec.get("training_examples") if spec else None


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
    (r"\bap\s*(@\s*)?(\[?\s*(50|\.5|0\.5)\b)|\bap\s*_?\s*50\b|ap@\.?0?\.5\b|@\s*0?\.5\b(?!\s*[,:])",
     "result", "ap50"),
    (r"\bap\s*(@\s*)?_?\s*(75|\.75|0\.75)\b", "result", "ap75"),
    (r"\bap\s*_?\s*[sml]\b|\bap\s*(small|medium|large)", "ignore", None),
    (r"\b(m?ap|box\s*ap|ap\s*(bb|box)|ap\s*\[?\s*\.5\s*:\s*\.95)\b", "result", "box_ap"),
    (r"\bem\b|exact\s*match", "result", "em"),
    (r"\bf1\b|f-?score|f-?measure", "result", "f1"),
    (r"\bbleu\b", "result", "bleu"),
    (r"\b(acc|accuracy)\b", "result", "accuracy_?"),
    (r"\b(err|error)\b", "result", "error_?"),
]
_COMPILED = [(re.compile(p, re.IGNORECASE), k, m) for p, k, m in _HEADER_RULES]


def classify_header(header: str) -> tuple[str | None, str | None]:
    """A column header's kind ('params', 'flops', 'result', 'ignore' or None) and metric."""
    for pattern, kind, metric in _COMPILED:
        if pattern.search(header):
            return kind, metric
    return None, None


def resolve_metric(metric: str, context: str, values: list[float]) -> str | None:
    """Settle '?' metrics ('top1_?', 'accuracy_?') from the caption/header, else from values."""
    if not metric.endswith("_?"):
        return metric
    lower = context.lower()
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
