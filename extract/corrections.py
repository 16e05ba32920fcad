"""What a curator types -> a validated value, in the shape curations store (pure functions).

A curated value is a small JSON object whose shape depends on the field's kind:

- ``result`` (key ``<benchmark>/<metric>``): ``{"value": 76.1, "unit": "%"}`` in percent points
  as printed; "76.1", "76.1 %", or 0.761 with unit ``fraction`` are read, anything outside
  [0, 100] is refused;
- ``size`` (key ``param_count``): ``{"value": 25600000.0, "unit": "params"}`` from "25.6M",
  "25.6 million", or 25.6 with unit ``M``; (key ``flops_per_forward``):
  ``{"value": 4.1e9, "unit": "flops"}`` always in FLOPs, from "4.1 GFLOPs" or "3.8G MACs"
  (multiply-adds x 2) or 4.1 with unit ``GFLOPs``;
- ``training`` (key = stage): ``{"hardware", "hardware_count", "count_unit", "chips",
  "duration_hours", "device_hours"}`` from a mapping, a JSON object, or
  ``"hardware=V100; count=8; duration=3 days"``;
- ``paper`` (key ``in_scope``): ``{"in_scope": false}`` from a bool or yes/no/true/false/out.

``parse_value`` raises :class:`InvalidValueError` with a message a person can act on.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from extract import hardware as hw
from extract import units
from schema import quantities as q
from schema.hardware import UnknownHardwareError, load_catalog

KIND_RESULT = "result"
KIND_TRAINING = "training"
KIND_SIZE = "size"
KIND_PAPER = "paper"
KINDS = (KIND_RESULT, KIND_TRAINING, KIND_SIZE, KIND_PAPER)
IN_SCOPE_KEY = "in_scope"
SIZE_KEYS = (q.PARAM_COUNT, q.FLOPS_PER_FORWARD)
PERCENT = "%"

TRAINING_FIELDS = (
    "hardware", "hardware_count", "count_unit", "chips", "duration_hours", "device_hours",
)  # fmt: skip
_RESULT_UNITS = {"": 1.0, "%": 1.0, "pp": 1.0, "percent": 1.0, "points": 1.0, "fraction": 100.0}
_TRUE = {"true", "yes", "y", "1", "in", "in_scope", "in scope"}
_FALSE = {"false", "no", "n", "0", "out", "out_of_scope", "out of scope"}
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")
MAX_PARAMS = 1e15
MAX_FLOPS = 1e20


class InvalidValueError(ValueError):
    """A curator's value, unit or field key that cannot be used, with the reason."""


# --------------------------------------------------------------------------------------------
# field keys


def result_key(benchmark: str, metric: str) -> str:
    """The field key of a result: ``imagenet/top1_accuracy``."""
    return f"{benchmark}/{metric}"


def split_result_key(key: str) -> tuple[str, str]:
    """``imagenet/top1_accuracy`` -> ("imagenet", "top1_accuracy")."""
    benchmark, sep, metric = key.rpartition("/")
    if not sep or not benchmark or not metric:
        raise InvalidValueError(f"result key {key!r} is not <benchmark>/<metric>")
    return benchmark, metric


def check_field_key(kind: str, key: str) -> None:
    """Raise InvalidValueError unless ``key`` names a field of ``kind``."""
    if kind not in KINDS:
        raise InvalidValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    if kind == KIND_RESULT:
        benchmark, metric = split_result_key(key)
        if benchmark not in q.BENCHMARKS and not benchmark.startswith("other:"):
            raise InvalidValueError(
                f"unknown benchmark {benchmark!r}; one of {', '.join(q.BENCHMARKS)} "
                "or other:<name>"
            )
        if not _NAME.match(metric):
            raise InvalidValueError(f"metric {metric!r} is not a lower-case metric name")
        known = q.METRICS.get(metric)
        if benchmark in q.BENCHMARKS and (known is None or benchmark not in known):
            allowed = sorted(m for m, bs in q.METRICS.items() if benchmark in bs)
            raise InvalidValueError(
                f"metric {metric!r} is not a metric of {benchmark} ({', '.join(allowed)})"
            )
    elif kind == KIND_SIZE and key not in SIZE_KEYS:
        raise InvalidValueError(f"size key {key!r}: expected one of {', '.join(SIZE_KEYS)}")
    elif kind == KIND_TRAINING and key not in q.STAGES:
        raise InvalidValueError(f"training key {key!r}: expected a stage ({', '.join(q.STAGES)})")
    elif kind == KIND_PAPER and key != IN_SCOPE_KEY:
        raise InvalidValueError(f"paper key {key!r}: only {IN_SCOPE_KEY!r}")


# --------------------------------------------------------------------------------------------
# values


def parse_value(kind: str, key: str, value: Any, unit: str | None = None) -> dict[str, Any]:
    """The canonical value dict of ``kind``/``key`` from what a person typed (see module doc)."""
    check_field_key(kind, key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidValueError("no value given")
    if kind == KIND_RESULT:
        return _result(value, unit)
    if kind == KIND_SIZE:
        return _params(value, unit) if key == q.PARAM_COUNT else _flops(value, unit)
    if kind == KIND_TRAINING:
        return _training(value)
    return {"in_scope": _bool(value)}


def _number(value: Any, what: str) -> float | None:
    if isinstance(value, bool):
        raise InvalidValueError(f"{what}: {value!r} is not a number")
    if isinstance(value, int | float):
        number = float(value)
    else:
        number = units.parse_number(str(value))
    if number is not None and not math.isfinite(number):
        raise InvalidValueError(f"{what}: {value!r} is not a finite number")
    return number


def _result(value: Any, unit: str | None) -> dict[str, Any]:
    text = str(value).strip()
    unit_text = (unit or "").strip().lower()
    if isinstance(value, str) and text.endswith("%"):
        text, unit_text = text[:-1].strip(), unit_text or "%"
    if unit_text not in _RESULT_UNITS:
        raise InvalidValueError(
            f"result unit {unit!r}: expected % (percent points) or fraction"
        )
    number = _number(value if not isinstance(value, str) else text, "result value")
    if number is None:
        raise InvalidValueError(f"result value {value!r} is not a number")
    number = units.significant(number * _RESULT_UNITS[unit_text])
    if not 0.0 <= number <= 100.0:
        raise InvalidValueError(f"result value {number} outside [0, 100] percent points")
    return {"value": number, "unit": PERCENT}


def _params(value: Any, unit: str | None) -> dict[str, Any]:
    text = f"{value} {unit}" if unit and unit.strip().lower() not in ("params", "") else str(value)
    number = float(value) if isinstance(value, int | float) and not unit else None
    if number is None:
        number = units.parse_params(text.strip())
    if number is None or not math.isfinite(number):
        raise InvalidValueError(
            f"parameter count {text.strip()!r} not understood (e.g. 25.6M, 1.5 billion, 2.56e7)"
        )
    if not 0 < number <= MAX_PARAMS:
        raise InvalidValueError(f"parameter count {number:g} outside (0, {MAX_PARAMS:g}]")
    return {"value": units.significant(number), "unit": "params"}


def _flops(value: Any, unit: str | None) -> dict[str, Any]:
    unit_text = (unit or "").strip()
    if isinstance(value, int | float) and unit_text.lower() in ("", "flops", "flop"):
        number: float | None = float(value)
    else:
        text = f"{value} {unit_text or 'FLOPs'}" if _number_only(value) else str(value)
        parsed = units.parse_flops(text.strip())
        number = parsed[0] if parsed else None
    if number is None or not math.isfinite(number):
        raise InvalidValueError(
            f"FLOPs {value!r} {unit_text} not understood (e.g. 4.1 GFLOPs, 3.8G MACs, 4.1e9)"
        )
    if not 0 < number <= MAX_FLOPS:
        raise InvalidValueError(f"FLOPs per forward {number:g} outside (0, {MAX_FLOPS:g}]")
    return {"value": units.significant(number), "unit": "flops"}


def _number_only(value: Any) -> bool:
    return isinstance(value, int | float) or units.parse_number(str(value)) is not None


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidValueError(f"in_scope {value!r}: expected true/false (or in/out)")


# --------------------------------------------------------------------------------------------
# training runs

_TRAINING_ALIASES = {
    "hardware": "hardware", "hw": "hardware", "device": "hardware",
    "count": "hardware_count", "hardware_count": "hardware_count", "n": "hardware_count",
    "count_unit": "count_unit", "unit": "count_unit",
    "duration": "duration", "duration_hours": "duration_hours", "hours": "duration_hours",
    "time": "duration",
    "device_hours": "device_hours", "gpu_hours": "device_hours",
}  # fmt: skip


def _training_pairs(value: Any) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    text = str(value).strip()
    if text.startswith("{"):
        try:
            loaded = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidValueError(f"training value is not valid JSON: {exc}") from exc
        if not isinstance(loaded, dict):
            raise InvalidValueError("training value JSON must be an object")
        return loaded
    pairs: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in re.split(r"[;\n]", text))):
        name, sep, raw = part.partition("=")
        if not sep:
            raise InvalidValueError(
                f"training value part {part!r} is not name=value "
                "(e.g. 'hardware=V100; count=8; duration=3 days')"
            )
        pairs[name.strip().lower()] = raw.strip()
    return pairs


def _training(value: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, raw in _training_pairs(value).items():
        target = _TRAINING_ALIASES.get(str(name).strip().lower())
        if target is None:
            raise InvalidValueError(
                f"unknown training field {name!r}; use hardware, count, count_unit, duration, "
                "duration_hours, device_hours"
            )
        if raw is not None and str(raw).strip() != "":
            fields[target] = raw
    out: dict[str, Any] = dict.fromkeys(TRAINING_FIELDS)
    out["hardware"] = _hardware_slug(fields["hardware"]) if "hardware" in fields else None
    if "hardware_count" in fields:
        out["hardware_count"], counted_unit = _count(fields["hardware_count"])
        out["count_unit"] = counted_unit
    if "count_unit" in fields:
        out["count_unit"] = _count_unit(str(fields["count_unit"]))
    if out["hardware_count"] is not None and out["count_unit"] is None:
        out["count_unit"] = "chip"
    out["duration_hours"] = _hours(fields)
    if "device_hours" in fields:
        out["device_hours"] = _positive(fields["device_hours"], "device_hours")
    if out["hardware"] and out["hardware_count"] is not None:
        try:
            out["chips"] = hw.chips_from_count(
                out["hardware"], out["hardware_count"], out["count_unit"]
            )
        except (UnknownHardwareError, KeyError, ValueError):
            out["chips"] = None
    if all(out[f] is None for f in ("hardware", "hardware_count", "duration_hours",
                                     "device_hours")):  # fmt: skip
        raise InvalidValueError("a training run needs hardware, a count or a duration")
    return out


def _hardware_slug(raw: Any) -> str:
    text = str(raw).strip()
    if text.lower() in load_catalog():
        return text.lower()
    match = hw.resolve_hardware(text)
    if match is None:
        raise InvalidValueError(
            f"hardware {text!r} is neither a catalog slug nor a known name (e.g. tesla-v100, "
            "'Tesla V100', tpu-v3)"
        )
    return match.slug


def _count(raw: Any) -> tuple[float, str | None]:
    text = str(raw).strip()
    match = re.match(r"^([\d.,]+|[a-z]+)\s*([a-z]+)?$", text, re.I)
    number = _number(match.group(1) if match else text, "hardware count")
    if number is None or number <= 0:
        raise InvalidValueError(f"hardware count {raw!r} is not a positive number")
    unit = _count_unit(match.group(2)) if match and match.group(2) else None
    return number, unit


def _count_unit(text: str) -> str:
    word = text.strip().lower().removesuffix("s")
    word = {"gpu": "chip", "device": "chip", "card": "chip", "node": "machine",
            "server": "machine", "slice": "pod"}.get(word, word)  # fmt: skip
    if word not in q.COUNT_UNITS:
        raise InvalidValueError(f"count unit {text!r}: one of {', '.join(q.COUNT_UNITS)}")
    return word


def _hours(fields: dict[str, Any]) -> float | None:
    if "duration_hours" in fields:
        return _positive(fields["duration_hours"], "duration_hours")
    if "duration" not in fields:
        return None
    raw = fields["duration"]
    if isinstance(raw, int | float):
        return _positive(raw, "duration (hours)")
    parsed = units.parse_duration(str(raw))
    if parsed is None or parsed.device is not None:
        raise InvalidValueError(
            f"duration {raw!r} not understood as wall-clock time (e.g. '3 days', '72 hours'; "
            "device-time goes in device_hours)"
        )
    return parsed.hours


def _positive(raw: Any, what: str) -> float:
    number = _number(raw, what)
    if number is None or number <= 0:
        raise InvalidValueError(f"{what} {raw!r} is not a positive number")
    return number


# --------------------------------------------------------------------------------------------
# comparing and showing values


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-9)
    return a == b


def values_equal(kind: str, a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> bool:
    """Whether two value dicts of ``kind`` say the same thing (floats within 1e-6)."""
    if a is None or b is None:
        return a is None and b is None
    if kind == KIND_TRAINING:
        names: tuple[str, ...] = ("hardware", "hardware_count", "count_unit", "duration_hours",
                                  "device_hours")  # fmt: skip
    elif kind == KIND_PAPER:
        names = ("in_scope",)
    else:
        names = ("value", "unit")
    return all(_close(a.get(n), b.get(n)) for n in names)


def describe(kind: str, value: Mapping[str, Any] | None) -> str:
    """A short human text for a value dict ('76.1 %', '25.6M params', '8 chip tesla-v100, 72 h')."""
    if value is None:
        return "-"
    if kind == KIND_PAPER:
        return "in scope" if value.get("in_scope") else "out of scope"
    if kind == KIND_TRAINING:
        parts = []
        if value.get("hardware_count") is not None:
            parts.append(f"{value['hardware_count']:g} {value.get('count_unit') or 'chip'}")
        if value.get("hardware"):
            parts.append(str(value["hardware"]))
        text = " x ".join(parts)
        if value.get("duration_hours") is not None:
            text += f", {value['duration_hours']:g} h"
        if value.get("device_hours") is not None:
            text += f", {value['device_hours']:g} device-h"
        return text.strip(", ") or "-"
    number = value.get("value")
    if not isinstance(number, int | float):
        return "-"
    unit = value.get("unit") or ""
    if unit == PERCENT:
        return f"{number:g} %"
    return f"{_short(number, 'B' if unit == 'params' else 'G')} {unit}".strip()


def _short(number: float, giga: str) -> str:
    for scale, suffix in ((1e12, "T"), (1e9, giga), (1e6, "M"), (1e3, "K")):
        if abs(number) >= scale:
            return f"{number / scale:.4g}{suffix}"
    return f"{number:g}"
