"""Recognise training hardware as papers write it, and convert stated counts to chips.

The surface forms are data (``schema/data/hardware_aliases.csv``); this module compiles them into
one regular expression that tolerates what papers add around a model name:

- vendor/brand/generation words before it: NVIDIA, GeForce, Tesla, Quadro, Google, Cloud, AMD,
  Instinct, Radeon, Intel, Pascal, Volta, ... and a memory size ("32GB V100");
- any mix of space, hyphen, underscore or nothing between the alias's words ("TPU-v3", "TPUv3",
  "GTX1080 Ti"), case-insensitively;
- a plural "s" ("V100s", "GPUs") and memory / form-factor suffixes ("-SXM2-32GB", "3GB", "PCIe");
- TPU slice names ``TPU v3-512`` (TensorCores, or chips for one-core chips).

Generic aliases ("GPU", "Cloud TPU", "CPU") only win when no specific model is named.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from schema.hardware import COUNT_UNITS, HardwareAlias, get_accelerator, load_aliases

# Words that may precede a model name without changing it. Tried lazily, so an alias that itself
# starts with one of them ("Pascal Titan X", "Cloud TPU") is preferred over prefix + shorter alias.
_PREFIX_WORDS = (
    r"nvidia(?:'s)?",
    "geforce",
    "tesla",
    "quadro",
    r"google(?:'s)?",
    "cloud",
    "amd",
    "instinct",
    "radeon",
    "intel",
    "kepler",
    "maxwell",
    "pascal",
    "volta",
    "turing",
    "ampere",
    "hopper",
    r"\d+\s?gb",
)
_SEP = r"[\s\-_()]*"
_PREFIX = rf"(?:(?:{'|'.join(_PREFIX_WORDS)}){_SEP})*?"
_SUFFIX = r"(?:[\s\-_(]+(?:\d+\s?gb\)?|sxm\d?|pcie|nvlink|hbm2e?))*"
# Not inside a word; "8x V100" and "8xV100" both count as a boundary.
_START = r"(?:(?<![a-z0-9])|(?<=\d[x×]))"
_END = r"(?![a-z0-9])"
# A model name must not continue into a variant the catalog lacks: "GTX 1070 Ti", "RTX 2080
# Super" and "GTX 1080 Mobile" are not a GTX 1070, RTX 2080 or GTX 1080 (longer aliases such as
# "GTX 1080 Ti" are tried first, so this only rejects unknown variants).
_NO_VARIANT = r"(?![\s\-_]+(?:ti|xp|super|black|max[\s\-]?q|mobile)(?![a-z0-9]))"
# A generic alias must not be the start of a versioned name ("Cloud TPU v3").
_NOT_VERSIONED = r"(?![\s\-_]*v?\d)"
_TEMPLATE = "{n}"

_UNIT_SYNONYMS = {
    "gpu": "chip",
    "device": "chip",
    "card": "chip",
    "die": "chip",
    "accelerator": "chip",
    "tensorcore": "core",
    "node": "machine",
    "server": "machine",
    "host": "machine",
    "instance": "machine",
    "slice": "pod",
}


@dataclass(frozen=True)
class HardwareMatch:
    """One hardware mention: what it resolves to and what unit the words themselves imply.

    ``alias`` is the text as written (``text[start:end]``); ``catalog_alias`` the alias row it
    matched. ``chips_per_unit`` is set when the alias fixes a unit's size (``DGX-1``: a machine of
    8; ``TPU v3-512``: a slice of 256 chips; ``Cloud TPU``: a board of 4).
    """

    slug: str
    alias: str
    count_unit_hint: str | None
    chips_per_unit: float | None
    start: int = 0
    end: int = 0
    catalog_alias: str = ""
    generic: bool = False


def _alias_key(alias: str) -> str:
    """The alias's words, lower-case, as the regex sees them ("TPU-v3" and "tpu v3" coincide)."""
    return " ".join(re.findall(r"[a-z0-9]+|\{n\}|\.", alias.lower()))


def _alias_pattern(key: str) -> str:
    """Regex for one alias key: words joined by flexible separators; ``{n}`` captures a number."""
    pattern = ""
    for word in key.split():
        if word == _TEMPLATE:
            pattern += r"[\-–](?P<n>\d+)"
        elif word == "." or pattern.endswith(r"\.") or not pattern:
            pattern += re.escape(word)
        else:
            pattern += _SEP + re.escape(word)
    return pattern


@cache
def _rows_by_key() -> dict[str, tuple[HardwareAlias, ...]]:
    rows: dict[str, list[HardwareAlias]] = {}
    for row in load_aliases():
        rows.setdefault(_alias_key(row.alias), []).append(row)
    return {key: tuple(group) for key, group in rows.items()}


def alias_strings() -> list[str]:
    """Every distinct alias (as the CSV spells it), longest first: the order the regex tries."""
    firsts = {key: rows[0] for key, rows in _rows_by_key().items()}
    ordered = sorted(firsts, key=lambda k: (-len(k), firsts[k].generic, k))
    return [firsts[key].alias for key in ordered]


@cache
def _keys() -> tuple[str, ...]:
    """Alias keys in regex order; group ``a<i>`` of either compiled pattern is ``_keys()[i]``."""
    return tuple(_alias_key(a) for a in alias_strings())


@cache
def _compiled(include_generic: bool) -> re.Pattern[str]:
    rows = _rows_by_key()
    by_first: dict[str, list[str]] = {}  # grouped by first character: re tries no trie itself
    for i, key in enumerate(_keys()):
        if rows[key][0].generic and not include_generic:
            continue
        body = _alias_pattern(key).replace("?P<n>", f"?P<n{i}>")
        tail = _NOT_VERSIONED if rows[key][0].generic else ""
        by_first.setdefault(key[0], []).append(f"(?P<a{i}>{body}){tail}")
    groups = "|".join(f"(?={re.escape(c)})(?:{'|'.join(b)})" for c, b in by_first.items())
    pattern = rf"{_START}{_PREFIX}(?:{groups})(?:'?s)?{_SUFFIX}{_END}{_NO_VARIANT}"
    return re.compile(pattern, re.IGNORECASE)


def alias_regex(include_generic: bool = True) -> re.Pattern[str]:
    """The compiled pattern finding hardware mentions in running text (case-insensitive).

    Use ``resolve_match`` (or ``find_hardware``) to turn its matches into ``HardwareMatch``.
    ``include_generic=False`` leaves out "GPU", "TPU", "CPU", "Cloud TPU" and the like.
    """
    return _compiled(include_generic)


def _pick_row(rows: tuple[HardwareAlias, ...], year: int | None) -> HardwareAlias | None:
    """The row for ``year``: a year-bounded row containing it, else the unbounded row."""
    if year is not None:
        for row in rows:
            if (row.year_min is not None or row.year_max is not None) and row.applies_to(year):
                return row
    return next((row for row in rows if row.applies_to(None)), None)


def _slice_unit(row: HardwareAlias, n: int) -> tuple[str, float]:
    """A TPU slice ``vX-n``: its unit ("board" when it is exactly one board) and chip count."""
    acc = get_accelerator(row.slug)
    chips = n / (acc.cores_per_chip or 1)
    return ("board" if chips == acc.chips_per_board else "pod"), chips


def resolve_match(m: re.Match[str], year: int | None = None) -> HardwareMatch | None:
    """Turn a match of ``alias_regex()`` into a HardwareMatch (None: no row fits ``year``)."""
    i = int((m.lastgroup or "a")[1:])  # the alias group closes last: "a<i>"
    row = _pick_row(_rows_by_key()[_keys()[i]], year)
    if row is None:
        return None
    unit, per_unit = row.count_unit_hint, row.chips_per_unit
    slice_size = m.groupdict().get(f"n{i}")
    if slice_size is not None:
        unit, per_unit = _slice_unit(row, int(slice_size))
    end = m.end()
    if m.group(0).count("(") > m.group(0).count(")") and m.string[end : end + 1] == ")":
        end += 1  # "Titan X (Pascal)": keep the closing parenthesis in the surface form
    return HardwareMatch(
        slug=row.slug,
        alias=m.string[m.start() : end],
        count_unit_hint=unit,
        chips_per_unit=per_unit,
        start=m.start(),
        end=end,
        catalog_alias=row.alias,
        generic=row.generic,
    )


def iter_hardware(text: str, year: int | None = None) -> Iterator[HardwareMatch]:
    """Every hardware mention in ``text``, left to right (generic ones included)."""
    for m in alias_regex().finditer(text):
        match = resolve_match(m, year)
        if match is not None:
            yield match


def find_hardware(text: str, year: int | None = None) -> list[HardwareMatch]:
    """All hardware mentions in ``text``, left to right."""
    return list(iter_hardware(text, year))


def resolve_hardware(text: str, year: int | None = None) -> HardwareMatch | None:
    """The hardware a phrase names ("8 NVIDIA Tesla V100 GPUs", "a Cloud TPU v3 Pod").

    The first specific model wins over generic words ("GPUs (V100)" is a V100); ``year`` (the
    paper's publication year) decides aliases such as "Titan X" or "DGX-1". None when the phrase
    names no hardware.
    """
    matches = find_hardware(text, year)
    specific = [m for m in matches if not m.generic]
    return (specific or matches or [None])[0]


def _normalise_unit(unit: str | None) -> str:
    word = (unit or "chip").strip().lower().removesuffix("s")
    word = _UNIT_SYNONYMS.get(word, word)
    if word not in COUNT_UNITS:
        raise ValueError(f"unknown count unit {unit!r}; expected one of {COUNT_UNITS}")
    return word


def chips_from_count(
    slug: str, count: float, unit: str | None = "chip", chips_per_unit: float | None = None
) -> float | None:
    """Convert ``count`` ``unit``s of ``slug`` to chips; None when the size is not knowable.

    - chip (gpu, device, card): as is;
    - core: TPU TensorCores / cores per chip (v2, v3, v4: 2); a GPU's "cores" are CUDA cores,
      never a device count, so None;
    - board: chips per board (Cloud TPU v2-8/v3-8: 4; Tesla K80: 2; most GPUs: 1);
    - pod (slice): the version's full pod (v2: 256, v3: 1024, v4: 4096 chips) unless given;
    - machine (node, server): only with ``chips_per_unit`` (e.g. a DGX-1 is 8), else None.

    ``chips_per_unit`` (from a HardwareMatch) overrides the size of a board, machine or pod.
    """
    acc = get_accelerator(slug)
    unit = _normalise_unit(unit)
    if unit in ("board", "machine", "pod") and chips_per_unit is not None:
        return count * chips_per_unit
    if unit == "chip":
        return float(count)
    if unit == "core":
        return count / acc.cores_per_chip if acc.kind == "tpu" and acc.cores_per_chip else None
    if unit == "board":
        return float(count * acc.chips_per_board)
    if unit == "pod":
        return float(count * acc.pod_chips) if acc.pod_chips else None
    return None


def chips_from_match(
    match: HardwareMatch, count: float = 1, unit: str | None = None
) -> float | None:
    """``chips_from_count`` for a mention: ``unit`` defaults to what the alias implies."""
    return chips_from_count(
        match.slug, count, unit or match.count_unit_hint or "chip", match.chips_per_unit
    )
