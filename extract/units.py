"""Numbers and units as papers print them -> floats in base units.

Parameters and FLOPs in units of one; durations in hours; counts in words ("eight") too.
Every parser returns None for text it cannot read rather than raising, unless asked to.
"""

from __future__ import annotations

import math
import re

WORD_NUMBERS = {
    "zero": 0, "a": 1, "an": 1, "one": 1, "single": 1, "two": 2, "three": 3, "four": 4,
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
    "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
    "dozen": 12, "couple": 2, "half": 0.5,
}  # fmt: skip

MAGNITUDES = {
    "k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "mil": 1e6, "million": 1e6, "millions": 1e6,
    "b": 1e9, "bn": 1e9, "g": 1e9, "billion": 1e9, "billions": 1e9, "t": 1e12,
    "trillion": 1e12, "p": 1e15,
}  # fmt: skip

HOURS_PER = {
    "s": 1 / 3600, "sec": 1 / 3600, "secs": 1 / 3600, "second": 1 / 3600, "seconds": 1 / 3600,
    "min": 1 / 60, "mins": 1 / 60, "minute": 1 / 60, "minutes": 1 / 60,
    "h": 1.0, "hr": 1.0, "hrs": 1.0, "hour": 1.0, "hours": 1.0,
    "d": 24.0, "day": 24.0, "days": 24.0,
    "week": 168.0, "weeks": 168.0, "wk": 168.0, "wks": 168.0,
    "month": 730.0, "months": 730.0,
}  # fmt: skip

_NUM = re.compile(r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][-+]?\d+)?")
_APPROX = "~ ∼ ≈ ≃ < > ≤ ≥ about around approximately roughly nearly over under almost ".split()


def strip_approx(text: str) -> str:
    text = text.strip()
    for marker in _APPROX:
        if text.lower().startswith(marker):
            return text[len(marker) :].strip()
    return text


def parse_number(text: str) -> float | None:
    """'1,024' -> 1024, '2.5' -> 2.5, 'eight' -> 8, '~2.5' -> 2.5, 'twenty-four' -> 24."""
    text = strip_approx(text).replace("\u2009", "").strip().rstrip(".")
    if not text:
        return None
    lower = text.lower()
    if lower in WORD_NUMBERS:
        return float(WORD_NUMBERS[lower])
    if "-" in lower and all(part in WORD_NUMBERS for part in lower.split("-")):
        return float(sum(WORD_NUMBERS[part] for part in lower.split("-")))
    match = _NUM.fullmatch(text)
    if not match or not any(c.isdigit() for c in text):
        return None
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_magnitude(text: str) -> float | None:
    """'M' -> 1e6, 'billion' -> 1e9; None for anything else."""
    return MAGNITUDES.get(text.strip().lower().rstrip("."))


_SCALED = re.compile(
    r"^\s*(?P<num>[~∼≈]?\s*\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*(?:[x×]\s*10\^?(?P<exp>[-+]?\d+))?"
    r"\s*(?P<mag>[kKmMbBgGtT]|[Mm]n|[Bb]n|thousand|millions?|billions?|trillion)?\b",
)


def parse_scaled(text: str) -> float | None:
    """'25.6M' -> 2.56e7, '1.3 billion' -> 1.3e9, '3.8 x 10^9' -> 3.8e9, '88' -> 88."""
    match = _SCALED.match(text)
    if not match:
        return None
    value = parse_number(match.group("num"))
    if value is None:
        return None
    if match.group("exp"):
        value *= 10 ** int(match.group("exp"))
    if match.group("mag"):
        value *= MAGNITUDES[match.group("mag").lower()]
    return significant(value)


def significant(value: float, digits: int = 9) -> float:
    """Round away float noise from unit scaling (4.1 * 1e9 -> 4.1e9 exactly)."""
    return float(f"{value:.{digits}g}")


def duration_hours(value: float, unit: str) -> float | None:
    """Hours in ``value`` ``unit`` (unit as written: 'days', 'hrs', 'weeks' ...)."""
    factor = HOURS_PER.get(unit.strip().lower().rstrip("."))
    return None if factor is None else value * factor


_FLOP_PREFIX = {"": 1.0, "k": 1e3, "m": 1e6, "g": 1e9, "b": 1e9, "t": 1e12, "p": 1e15}


def flops_unit_scale(unit: str) -> tuple[float, str] | None:
    """'GFLOPs' -> (1e9, 'flops'); 'MACs' -> (1, 'multiadds'); 'M Mult-Adds' -> (1e6, ...)."""
    compact = re.sub(r"[\s\-]", "", unit.lower())
    for suffix, kind in (("flops", "flops"), ("flop", "flops"), ("macs", "multiadds"),
                         ("mac", "multiadds"), ("multadds", "multiadds"),
                         ("multiplyadds", "multiadds"), ("multiplyaccumulates", "multiadds")):
        if compact.endswith(suffix):
            prefix = compact[: -len(suffix)]
            if prefix in _FLOP_PREFIX:
                return _FLOP_PREFIX[prefix], kind
            if prefix in ("million", "billion", "trillion"):
                return MAGNITUDES[prefix], kind
    return None
