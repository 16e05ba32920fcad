"""Property-based tests: no text crashes the normalisers and parsers; values round-trip.

Every parser promises "None for text it cannot read, never an exception"; a returned number is
finite (a stored value must be). Round trips: what we print, we read back.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from extract import units
from extract.benchmarks import classify_header, scale_from_header
from extract.pdf import fold_text
from extract.plausibility import flag_implausible
from extract.table_rules import cell_values, clean_cell, model_name, parse_percent
from schema.ids import field_identity, paper_id_from_path, split_arxiv_id
from schema.records import Box, Evidence, Extraction, SizeCandidate

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that looks like what papers print: digits, separators, units, odd Unicode.
PAPERISH = st.lists(
    st.sampled_from(
        list("0123456789.,-+eExX^ %~()[]/±†*")
        + ["∼", "≈", "×", "−", "\u2009", "ﬁ"]
        + [
            "M",
            "B",
            "K",
            "G",
            "T",
            "billion",
            "million",
            " days",
            " hours",
            " GPU",
            "-days",
            " FLOPs",
            " MACs",
            " params",
            "10^",
            "about ",
            "between ",
            " and ",
            " to ",
            " weeks",
            "e400",
            "99999",
        ]
    ),
    max_size=14,
).map("".join)
ANY_TEXT = st.one_of(st.text(max_size=60), PAPERISH)


def _finite_or_none(value: float | None) -> None:
    assert value is None or (isinstance(value, float) and math.isfinite(value)), value


# --------------------------------------------------------------------------- no crash


@SETTINGS
@given(ANY_TEXT)
@example("1 x 10^99999 parameters")
@example("3 x 10^400 FLOPs")
@example("1e400")
@example("9" * 400)
@example("between 1e308 and 1e309 days")
def test_unit_parsers_never_crash_and_return_finite_numbers(text: str) -> None:
    _finite_or_none(units.parse_number(text))
    _finite_or_none(units.parse_scaled(text))
    _finite_or_none(units.parse_params(text))
    _finite_or_none(units.parse_count(text))
    magnitude = units.parse_magnitude(text)
    assert magnitude is None or magnitude > 0
    duration = units.parse_duration(text)
    if duration is not None:
        assert math.isfinite(duration.hours) and duration.hours > 0
        if duration.lo_hours is not None:
            assert duration.lo_hours <= duration.hours <= duration.hi_hours
    flops = units.parse_flops(text)
    if flops is not None:
        assert math.isfinite(flops[0]) and flops[1] in ("flops", "multiadds")
    scale = units.flops_unit_scale(text)
    assert scale is None or scale[1] in ("flops", "multiadds")


@SETTINGS
@given(ANY_TEXT)
def test_table_cell_helpers_never_crash(text: str) -> None:
    assert isinstance(clean_cell(text), str)
    value = parse_percent(text)
    assert value is None or 0 <= value <= 100
    assert all(isinstance(v, float) and math.isfinite(v) for v in cell_values(text))
    assert isinstance(model_name([text, text]), str)


@SETTINGS
@given(ANY_TEXT)
def test_header_classifier_never_crashes(text: str) -> None:
    kind, metric = classify_header(text)
    assert kind in (None, "params", "flops", "result", "ignore", "duration", "device_time")
    assert metric is None or isinstance(metric, str)
    assert scale_from_header(text, 1.0) > 0


@SETTINGS
@given(st.text(max_size=80))
def test_fold_text_never_crashes_and_removes_ligatures(text: str) -> None:
    folded = fold_text(text)
    assert isinstance(folded, str)
    for ligature in "ﬁﬂﬀﬃﬄ":
        assert ligature not in folded


@SETTINGS
@given(st.text(max_size=40))
def test_ids_never_crash(text: str) -> None:
    parsed = split_arxiv_id(text)
    assert parsed is None or (parsed[0] and (parsed[1] is None or parsed[1] >= 0))
    assume("/" not in text and "\x00" not in text and text not in ("", ".", ".."))
    paper_id, version = paper_id_from_path(Path(f"{text}.pdf"))
    assert isinstance(paper_id, str)


# --------------------------------------------------------------------------- round trips

FINITE = st.floats(allow_nan=False, allow_infinity=False)


@SETTINGS
@given(FINITE)
def test_number_round_trip(value: float) -> None:
    assert units.parse_number(repr(value)) == value
    assert units.parse_number(str(value)) == value


@SETTINGS
@given(st.integers(min_value=0, max_value=10**15))
def test_thousands_separators_round_trip(n: int) -> None:
    assert units.parse_number(f"{n:,}") == n
    assert units.parse_count(f"{n:,}") == n


@SETTINGS
@given(
    st.integers(min_value=1, max_value=99_999),
    st.sampled_from([("K", 1e3), ("M", 1e6), ("B", 1e9), (" million", 1e6), (" billion", 1e9)]),
)
def test_scaled_params_round_trip(hundredths: int, suffix: tuple[str, float]) -> None:
    text, scale = suffix
    number = f"{hundredths / 100:.2f}"
    value = units.parse_params(f"{number}{text} parameters")
    assert value is not None
    assert math.isclose(value, float(number) * scale, rel_tol=1e-9)


@SETTINGS
@given(
    st.integers(min_value=1, max_value=10_000),
    st.sampled_from([("hours", 1.0), ("days", 24.0), ("weeks", 168.0), ("minutes", 1 / 60)]),
)
def test_duration_round_trip(n: int, unit) -> None:  # type: ignore[no-untyped-def]
    name, factor = unit
    duration = units.parse_duration(f"{n} {name}")
    assert duration is not None and duration.device is None
    assert math.isclose(duration.hours, n * factor, rel_tol=1e-8)
    ranged = units.parse_duration(f"{n}-{n + 1} {name}")
    assert ranged is not None
    assert math.isclose(ranged.lo_hours, n * factor, rel_tol=1e-8)
    assert math.isclose(ranged.hi_hours, (n + 1) * factor, rel_tol=1e-8)


@SETTINGS
@given(st.integers(min_value=0, max_value=10_000), st.sampled_from(["", "%", "†", "*", "±0.1"]))
def test_percent_cells_round_trip(hundredths: int, mark: str) -> None:
    number = f"{hundredths / 100:.2f}"
    assert parse_percent(f"{number}{mark}") == float(number)


@SETTINGS
@given(
    st.integers(min_value=7, max_value=29),
    st.integers(min_value=1, max_value=12),
    st.integers(min_value=1, max_value=99999),
    st.none() | st.integers(min_value=1, max_value=40),
)
def test_arxiv_ids_round_trip(yy: int, mm: int, number: int, version: int | None) -> None:
    digits = 5 if yy * 100 + mm >= 1501 else 4
    paper_id = f"{yy:02d}{mm:02d}.{number % 10**digits:0{digits}d}"
    text = paper_id + (f"v{version}" if version else "")
    assert split_arxiv_id(text) == (paper_id, version)
    assert paper_id_from_path(Path("corpus") / f"{text}.pdf") == (paper_id, version)


@SETTINGS
@given(
    st.text(max_size=20),
    st.sampled_from(["result", "training", "size"]),
    st.none() | st.text(max_size=20),
    st.text(max_size=20),
)
def test_field_identity_is_stable(paper: str, kind: str, model: str | None, key: str) -> None:
    identity = field_identity(paper, kind, model, key)
    assert identity == field_identity(paper, kind, (model or "") + "  ", key)
    assert field_identity(*identity) == identity


COORD = st.floats(min_value=-1e7, max_value=1e7)


@SETTINGS
@given(COORD, COORD, COORD, COORD)
def test_box_json_round_trip(x0: float, top: float, x1: float, bottom: float) -> None:
    box = Box(x0, top, x1, bottom)
    stored = json.loads(json.dumps(box.to_json()))
    again = Box.from_json(stored)
    assert again.to_json() == box.to_json()
    for a, b in zip(again.to_json(), (x0, top, x1, bottom), strict=True):
        assert abs(a - b) <= 0.005 + 1e-9 * abs(b)


@SETTINGS
@given(
    st.lists(FINITE | st.just(math.inf) | st.just(math.nan), max_size=8),
    st.none() | st.integers(1990, 2030),
)
def test_plausibility_never_crashes_and_only_rejects(values: list[float], year: int | None) -> None:
    ev = Evidence(page=1, snippet="", rule_id="t")
    sizes = [SizeCandidate("param_count", v, str(v), "params", ev) for v in values]
    extraction = Extraction(sizes=sizes)
    flagged = flag_implausible(extraction, year)
    assert flagged == sum(c.status == "rejected" for c in sizes)
    for c in sizes:
        if not math.isfinite(c.value) or c.value > 1e13 or c.value < 1e3:
            assert c.reject_reason and c.reject_reason.startswith("implausible:")
