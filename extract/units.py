"""Numbers and units as papers print them -> floats in base units.

Parameters and FLOPs in units of one; durations in hours; counts in words ("eight") too.
Every parser returns None for text it cannot read rather than raising, unless asked to.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

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
    "trillion": 1e12, "trillions": 1e12, "p": 1e15,
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
    r"\s*(?P<mag>(?i:thousand|millions?|billions?|trillions?)|[kKmMbBgGtT]|[Mm]n|[Bb]n)?\b",
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
        value = times_ten_to(value, match.group("exp"))
    if value is not None and match.group("mag"):
        value *= MAGNITUDES[match.group("mag").lower()]
    return significant(value) if value is not None and math.isfinite(value) else None


def times_ten_to(value: float, exponent: str) -> float | None:
    """``value`` x 10^``exponent`` ('3.8 x 10^9'); None when that is not a finite float."""
    try:
        result = value * 10.0 ** int(exponent)
    except (OverflowError, ValueError):
        return None
    return result if math.isfinite(result) else None


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


# --------------------------------------------------------------------------------------------
# Whole quantities as papers print them: parameters, durations (ranges, device-time), FLOPs,
# counts. Each returns None for text it cannot read.

FLOPS_PER_MULTIADD = 2.0  # one multiply-add (MAC) is a multiplication and an addition


def parse_params(text: str) -> float | None:
    """'25.6M' -> 2.56e7, '340M parameters' -> 3.4e8, '1.5 billion' -> 1.5e9, '60 million'."""
    return parse_scaled(re.sub(r"^\s*(#\s*)?param(eter)?s?\s*[:=]?\s*", "", text, flags=re.I))


def parse_count(text: str) -> float | None:
    """'eight' -> 8, 'a dozen' -> 12, 'two dozen' -> 24, 'a couple of' -> 2, '1,024' -> 1024."""
    words = re.sub(r"\s+of$", "", text.strip().lower()).split()
    if len(words) == 2 and words[0] in ("a", "an") and words[1] in ("couple", "dozen"):
        words = words[1:]
    if len(words) == 2 and words[1] in ("dozen", "hundred", "thousand"):
        first = parse_number(words[0])
        scale = {"dozen": 12, "hundred": 100, "thousand": 1000}[words[1]]
        return None if first is None else first * scale
    return parse_number(" ".join(words))


@dataclass(frozen=True, slots=True)
class Duration:
    """A stated duration in hours; a range keeps its ends and ``hours`` is the midpoint.

    ``device`` is None for wall-clock time, else what the paper counted device-time in
    (``gpu``, ``tpu``, ``core``, ``chip``, ``node``): '100 GPU-days' is 2,400 device-hours.
    """

    hours: float
    lo_hours: float | None = None
    hi_hours: float | None = None
    device: str | None = None


_RANGE_SEP = r"\s*(?:-|–|—|to|or)\s*"
_DURATION = re.compile(
    r"^(?:between\s+)?(?P<lo>[\d.,]+|[a-z]+(?:-[a-z]+)?)"
    r"(?:(?:" + _RANGE_SEP + r"|\s+and\s+)(?P<hi>[\d.,]+|[a-z]+(?:-[a-z]+)?))?"
    r"\s*(?P<device>(?:gpu|tpu|v100|p100|a100|k80|chip|node|machine)s?[-\s]?(?:core)?s?[-\s]?|"
    r"(?:tpu\s*)?cores?[-\s])?"
    r"(?P<unit>[a-z]+)\.?$",
    re.IGNORECASE,
)


def _device_word(text: str | None) -> str | None:
    if not text:
        return None
    word = re.sub(r"[-\s]", "", text.lower())
    if "core" in word:
        return "core"
    for name in ("tpu", "chip", "node", "machine"):
        if word.startswith(name):
            return "node" if name == "machine" else name
    return "gpu"


def parse_duration(text: str) -> Duration | None:
    """'6 days' -> 144 h; '2-3 weeks' -> 420 h (336-504); '100 GPU-days' -> 2,400 device-h.

    Approximation words ('about', '~') are dropped; 'between 5 and 6 days' is a range too.
    """
    match = _DURATION.match(strip_approx(text).strip())
    if not match:
        return None
    factor = duration_hours(1.0, match.group("unit"))
    lo = parse_number(match.group("lo"))
    hi = parse_number(match.group("hi")) if match.group("hi") else None
    if factor is None or lo is None or lo <= 0 or (match.group("hi") and hi is None):
        return None
    device = _device_word(match.group("device"))
    if hi is None or hi == lo:
        return Duration(significant(lo * factor), device=device)
    if hi < lo:
        return None
    lo_h, hi_h = significant(lo * factor), significant(hi * factor)
    return Duration(significant((lo_h + hi_h) / 2), lo_h, hi_h, device)


def to_flops(value: float, kind: str) -> float:
    """FLOPs from a count of ``kind`` 'flops' or 'multiadds' (one multiply-add = 2 FLOPs)."""
    if kind not in ("flops", "multiadds"):
        raise ValueError(f"kind must be 'flops' or 'multiadds', not {kind!r}")
    return significant(value * (FLOPS_PER_MULTIADD if kind == "multiadds" else 1.0))


_FLOPS_TEXT = re.compile(
    r"^\s*(?P<num>\d[\d,]*(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*(?:[x×]\s*10\^?(?P<exp>[-+]?\d+))?"
    r"\s*(?P<unit>.+?)\s*$"
)


def parse_flops(text: str) -> tuple[float, str] | None:
    """The FLOPs in '3.8 GFLOPs' (3.8e9), '11.3G MACs' (2.26e10: multiply-adds x 2),
    '600M Mult-Adds' (1.2e9), '7.8 x 10^9 FLOPs', '4.1 billion FLOPs', with the unit the paper
    counted in ('flops' or 'multiadds')."""
    match = _FLOPS_TEXT.match(strip_approx(text))
    if not match:
        return None
    value = parse_number(match.group("num"))
    unit = match.group("unit")
    scale = flops_unit_scale(unit)
    if scale is None:  # '11.3 G MACs': a detached magnitude
        parts = unit.split(maxsplit=1)
        magnitude = parse_magnitude(parts[0]) if len(parts) == 2 else None
        inner = flops_unit_scale(parts[1]) if magnitude else None
        scale = (magnitude * inner[0], inner[1]) if magnitude and inner else None
    if value is None or scale is None:
        return None
    if match.group("exp"):
        value = times_ten_to(value, match.group("exp"))
    if value is None or not math.isfinite(value * scale[0]):
        return None
    return to_flops(value * scale[0], scale[1]), scale[1]
