"""Tables -> results, parameter counts and FLOPs, one candidate per cell with evidence.

A column is read when its header says what it holds (top-1 err, AP50, EM, BLEU, #Params,
FLOPs ...). The benchmark comes from the column header, else the caption and headers, else
the page, else the paper; a metric only maps onto the benchmarks it belongs to.
"""

from __future__ import annotations

import re
from collections import Counter

from extract.benchmarks import (
    benchmark_mentions,
    classify_header,
    default_metric,
    excluded_benchmarks,
    resolve_metric,
    scale_from_header,
)
from extract.tables import PLACEHOLDER, is_numeric_cell
from extract.units import HOURS_PER, parse_number, parse_scaled
from schema import quantities as q
from schema.benchmarks import UnknownMetricError, metric_spec
from schema.ids import table_locator
from schema.records import Evidence, ResultCandidate, SizeCandidate, Table, TrainingCandidate

RULE_PREFIX = "table"
_MARKS = re.compile(r"[*†‡§¶⋆∗\u2020\u2021]+")
_CITATION = re.compile(r"\s*(\[[\d,\s–-]+\]|\([A-Z][^()]*\d{4}[a-z]?\))")


_MASK_AP = re.compile(r"\bAP\s*(?:m|mk|(?i:mask|segm?))(?![A-Za-z])|(?i:\bmask\s*AP)")
_BOX_AP = re.compile(r"(?i:\bbox\s*)?\bAP\s*(?:b|bb|(?i:bbox|box|det))(?![A-Za-z])")


def header_metric(header: str) -> tuple[str | None, str | None]:
    """A column header's kind and metric, reading COCO's qualified APs first: mask AP
    ("APmask", "APm 50", "mask AP") is no box result, and box AP ("APbbox 50", "APb",
    "box AP 75") is the plain AP of that threshold."""
    if _MASK_AP.search(header):
        return "ignore", None
    return classify_header(_BOX_AP.sub("AP", header))


def clean_cell(text: str) -> str:
    """'76.3±0.1' -> '76.3', '22.0†' -> '22.0', '(+1.2)' suffixes dropped."""
    text = _MARKS.sub("", text).strip()
    text = text.split("±")[0].strip()
    text = re.sub(r"\s*\([+-]?\d+(\.\d+)?\)$", "", text)
    return text.rstrip("%").strip()


def parse_percent(text: str) -> float | None:
    """The value of a results cell in percent points ('stride 38.57' -> 38.57: row-label words
    that spilled into the cell are skipped; '31.4 [9]' and '36.2d' -> 31.4 and 36.2)."""
    if text.strip() in PLACEHOLDER:
        return None
    tokens = _COUNT_TAIL.sub("", clean_cell(text)).split()
    value = parse_number(_NOTE_TAIL.sub("", clean_cell(tokens[-1]))) if tokens else None
    return value if value is not None and 0 <= value <= 100 else None


_COUNT_TAIL = re.compile(r"\s*\[\d+\]$")  # "31.4 [9]": a shot count or citation after the value
_NOTE_TAIL = re.compile(r"(?<=\d)[a-g]$")  # "36.2d": a footnote letter


def model_name(row: list[str]) -> str:
    """The row header: label plus leading non-numeric cells, citations removed."""
    parts = [row[0]]
    for cell in row[1:]:
        if cell and not cell_values(cell) and not is_numeric_cell(clean_cell(cell)):
            parts.append(cell)
        else:
            break
    name = _CITATION.sub("", " ".join(p for p in parts if p)).strip(" -")
    return re.sub(r"\s+", " ", name)


def table_name(table: Table) -> str:
    """'Table 3', or 'Figure 4' for a table printed as a figure (label 'fig4')."""
    if table.label.startswith("fig"):
        return f"Figure {table.label[3:]}"
    return f"Table {table.label}"


def _row_evidence(table: Table, r: int, c: int, rule: str) -> Evidence:
    snippet = " | ".join(cell for cell in table.rows[r] if cell)
    header = " | ".join(cell for cell in table.rows[0] if cell)
    snippet = f"{table_name(table)}: {header} || {snippet}"[:300]
    return Evidence(
        page=table.page,
        snippet=snippet,
        rule_id=rule,
        locator=table_locator(table.page, table.label, r, c),
        char_start=table.char_start,
        char_end=table.char_end,
        box=table.box,
    )


def _benchmark_for(
    metric: str, levels: list[Counter], excluded: set[str] | None = None
) -> str | None:
    allowed = set(q.METRICS.get(metric, ())) - (excluded or set())
    for counts in levels:
        hits = [b for b, _ in counts.most_common() if b in allowed]
        if hits:
            return hits[0]
    return None


_SLASH = re.compile(r"^\s*([\d.]+)\s*[%*†‡]*\s*/\s*([\d.]+)")


def cell_values(cell: str) -> list[float]:
    """Percent values of a cell: '76.3' -> [76.3]; '21.64 / 20.37' and '92.6/86.3' -> both."""
    pair = _SLASH.match(cell)
    if pair:
        values = [parse_percent(pair.group(1)), parse_percent(pair.group(2))]
        return [v for v in values if v is not None]
    value = parse_percent(cell)
    return [] if value is None else [value]


def _column_values(table: Table, c: int) -> list[float]:
    return [v for row in table.rows[1:] if c < len(row) for v in cell_values(row[c])]


def _fraction_scale(values: list[float], metric: str) -> float:
    """A percent metric printed as a fraction (0.790) is read in percent points; bits per
    character or perplexity below 1 are what they say."""
    try:
        percent = str(metric_spec(metric).get("unit", "")).startswith("percent")
    except UnknownMetricError:
        percent = False
    if not percent:
        return 1.0
    return 100.0 if values and max(values) <= 1.0 and min(values) > 0.05 else 1.0


def _slash_metrics(header: str, metric: str) -> list[str]:
    """'EM / F1', 'F1/EM' -> the two metrics in order; otherwise the column's metric twice."""
    parts = re.split(r"\s*/\s*", header)
    if len(parts) == 2:
        found = [classify_header(p)[1] for p in parts]
        if all(m and not m.endswith("_?") for m in found):
            return [m for m in found if m]
    return [metric, metric]


def _pair_order(metrics: list[str], values: list[float], benchmark: str) -> list[str]:
    """The metrics of a value pair whose header does not say their order ("92.6/86.3" under
    "SQuAD1.1 dev"): on a benchmark scored by both exact match and F1, F1 is the larger (an
    exact match is a perfect F1)."""
    both = benchmark in q.METRICS["em"] and benchmark in q.METRICS["f1"]
    if not both or metrics[0] != metrics[1] or metrics[0] not in ("em", "f1"):
        return metrics
    return ["f1", "em"] if values[0] >= values[1] else ["em", "f1"]


def _named_column(header: str) -> tuple[str | None, str | None]:
    """A column headed by a benchmark name only ("SQuAD1.1 dev", "COCO test-dev") holds the
    benchmark's default metric."""
    named = benchmark_mentions(header)
    if not named:
        return None, None
    return "result", default_metric(named.most_common(1)[0][0])


def _results(table: Table, c: int, metric: str, levels: list[Counter]) -> list[ResultCandidate]:
    header = table.rows[0][c]
    metric = resolve_metric(metric, f"{header} {table.caption}", _column_values(table, c))
    if metric is None or metric not in q.METRICS:
        return []
    column_level = benchmark_mentions(header)
    excluded = excluded_benchmarks(header) | excluded_benchmarks(table.caption)
    if column_level:  # a column that names its benchmark never borrows the caption's
        benchmark = _benchmark_for(metric, [column_level], excluded)
    else:
        benchmark = _benchmark_for(metric, levels, excluded)
    if benchmark is None:
        return []
    out = []
    rule = f"{RULE_PREFIX}.{table.method}.result.v1"
    scale = _fraction_scale(_column_values(table, c), metric)
    pair_metrics = _slash_metrics(header, metric)
    for r, row in enumerate(table.rows[1:], 1):
        values = cell_values(row[c]) if c < len(row) else []
        metrics = _pair_order(pair_metrics, values, benchmark) if len(values) == 2 else [metric]
        for value, cell_metric in zip(values, metrics, strict=False):
            if cell_metric not in q.METRICS or benchmark not in q.METRICS[cell_metric]:
                continue
            out.append(ResultCandidate(
                benchmark=benchmark, metric=cell_metric, value=round(value * scale, 4),
                raw_value=row[c], evidence=_row_evidence(table, r, c, rule),
                model=model_name(row) or None, source=q.SOURCE_TABLE, confidence=0.5,
            ))  # fmt: skip
    return out


_SCI_LOST = re.compile(r"^(\d+(?:\.\d+)?)\s*[×x]\s*10\^?([0-9]{1,2})$")
_MAGNITUDE_CELL = re.compile(r"^[~∼≈]?\d[\d,]*(?:\.\d+)?\s*[KMB]$")
_NOT_PARAMS = re.compile(
    r"token|data|step|batch|image|example|sample|word|flop|mac|pixel|sec|time", re.I
)


def _size_value(cell: str, header: str, quantity: str) -> float | None:
    text = clean_cell(cell)
    if not text or text in PLACEHOLDER:
        return None
    sci = _SCI_LOST.match(text)  # "25.5×106": the superscript of 10^6 lost its raise
    if sci:
        return float(sci.group(1)) * 10 ** int(sci.group(2))
    glued = re.match(r"^[~∼≈]?(\d[\d,]*(?:\.\d+)?)\s*([KMBGT])$", text, re.IGNORECASE)
    if glued:
        return parse_scaled(text.lstrip("~∼≈"))
    value = parse_number(text.split()[0])
    if value is None or value <= 0:
        return None
    default = 1e6 if quantity == q.PARAM_COUNT else 1e9
    return value * (scale_from_header(header, default) if value < 1e5 else 1.0)


def _sizes(table: Table, c: int, kind: str) -> list[SizeCandidate]:
    header = table.rows[0][c]
    quantity = q.PARAM_COUNT if kind == "params" else q.FLOPS_PER_FORWARD
    unit = "params" if kind == "params" else (
        "multiadds" if re.search(r"mac|mult|madd", header, re.I) else "flops")  # fmt: skip
    rule = f"{RULE_PREFIX}.{table.method}.{kind}.v1"
    out = []
    for r, row in enumerate(table.rows[1:], 1):
        value = _size_value(row[c], header, quantity) if c < len(row) else None
        if value is None:
            continue
        out.append(SizeCandidate(
            quantity=quantity, value=value, raw_value=row[c], unit=unit,
            evidence=_row_evidence(table, r, c, rule), model=model_name(row) or None,
            confidence=0.6,
        ))  # fmt: skip
    return out


_HEADER_UNIT = re.compile(r"\b(h|hrs?|hours?|days?|d|weeks?|min|minutes?|years?)\b", re.I)


def _hours_factor(header: str) -> float | None:
    match = _HEADER_UNIT.search(header.replace("(", " ").replace(")", " "))
    if not match:
        return None
    unit = match.group(1).lower()
    return 8760.0 if unit.startswith("year") else HOURS_PER.get(unit)


def _cell_hours(cell: str, factor: float | None) -> float | None:
    text = clean_cell(cell)
    compact = re.fullmatch(r"(\d+(?:\.\d+)?)\s*h(?:\s*(\d+)\s*m(?:in)?)?", text)
    if compact:
        return float(compact.group(1)) + (float(compact.group(2)) / 60 if compact.group(2) else 0)
    value = parse_scaled(text) if text and text not in PLACEHOLDER else None
    return value * factor if value and factor else None


def _duration_run(table: Table, r: int, c: int, kind: str, hours: float, model: str | None,
                  label: str) -> TrainingCandidate:  # fmt: skip
    rule = f"{RULE_PREFIX}.{table.method}.{kind}.v1"
    raw = f"{table.rows[r][c]} ({label})"
    evidence = _row_evidence(table, r, c, rule)
    run = TrainingCandidate(evidence=evidence, model=model, confidence=0.55, duration_raw=raw)
    setattr(run, "device_hours" if kind == "device_time" else "duration_hours", hours)
    return run


_METRIC_WORD = re.compile(r"^(?:top-?[15]|acc(?:uracy)?|error|em|f1|bleu|ap|map)$", re.IGNORECASE)
CAPTION_WINDOW = 6  # words: how near to the caption's metric a column's name must stand


def _named_in_caption(header: str, caption: str) -> bool:
    """A column the caption names right beside its metric ("Linear" and "k-NN" under "top-1
    accuracy for linear and k-NN evaluations"): the column holds the caption's metric."""
    tokens = [t.lower() for t in re.findall(r"[A-Za-z0-9][\w-]*", caption)]
    anchors = [i for i, t in enumerate(tokens) if _METRIC_WORD.match(t)]
    words = [w.lower() for w in re.findall(r"[A-Za-z][\w-]{2,}", header)]  # "IN" is no "in"
    if not words or not anchors:
        return False
    near = {
        tokens[j]
        for i in anchors
        for j in range(max(0, i - CAPTION_WINDOW), min(len(tokens), i + CAPTION_WINDOW + 1))
    }
    return all(w in near for w in words)


_COMPACT_TIME = re.compile(r"^\d+(?:\.\d+)?\s*h(?:\s*\d+\s*m(?:in)?)?$")


def _time_cells(table: Table, c: int) -> bool:
    """Most cells of the column are times with units ("13h 48m", "20h"): under a caption about
    training time, the column is a duration whatever its header (often a dataset)."""
    cells = [clean_cell(row[c]) for row in table.rows[1:] if c < len(row) and row[c].strip()]
    timed = [cell for cell in cells if _COMPACT_TIME.match(cell)]
    return bool(cells) and len(timed) * 2 > len(cells)


def _cited(text: str) -> bool:
    """A row or column of a cited baseline ("BaseNet-L [14]", "SeqNet (Doe et al., 2016)"): its
    training time is another paper's."""
    return bool(_CITATION.search(text))


def _durations(table: Table, c: int, kind: str) -> list[TrainingCandidate]:
    """A 'train time (h)' or 'TPUv3-core-days' column: one duration-only run per row of the
    paper's own models (cited rows skipped)."""
    header = table.rows[0][c]
    factor = _hours_factor(header) or (24.0 if "day" in header.lower() else None)
    out = []
    for r, row in enumerate(table.rows[1:], 1):
        hours = _cell_hours(row[c], factor) if c < len(row) else None
        if hours is None or hours <= 0 or _cited(" ".join(row[:c])):
            continue
        out.append(_duration_run(table, r, c, kind, hours, model_name(row) or None, header))
    return out


def _duration_rows(table: Table) -> list[TrainingCandidate]:
    """A 'train time (h)' or 'TPUv3-core-days' row of a table with models as columns."""
    headers = table.rows[0]
    out: list[TrainingCandidate] = []
    for r, row in enumerate(table.rows[1:], 1):
        kind, _ = header_metric(row[0])
        if kind not in ("duration", "device_time"):
            continue
        factor = _hours_factor(row[0]) or (24.0 if "day" in row[0].lower() else None)
        for c in range(1, min(len(row), len(headers))):
            hours = _cell_hours(row[c], factor)
            if hours is None or hours <= 0 or _cited(headers[c]):
                continue
            out.append(_duration_run(table, r, c, kind, hours, headers[c].strip() or None, row[0]))
    return out


def extract_from_table(
    table: Table, page_counts: Counter, paper_counts: Counter
) -> tuple[list[ResultCandidate], list[SizeCandidate], list[TrainingCandidate]]:
    """Results, sizes and durations of one table; ``*_counts``: benchmark mentions on its
    page / in the paper."""
    if len(table.rows) < 2:
        return [], [], []
    runs: list[TrainingCandidate] = []
    headers = table.rows[0]
    table_level = benchmark_mentions(table.caption + " " + " ".join(headers))
    levels = [table_level, page_counts, paper_counts]
    results: list[ResultCandidate] = []
    sizes: list[SizeCandidate] = []
    caption_kind, caption_metric = classify_header(table.caption)
    for c in range(1, len(headers)):
        kind, metric = header_metric(headers[c])
        if kind in (None, "result") and caption_kind == "duration" and _time_cells(table, c):
            # a training-time table's columns are often headed by their dataset ("CIFAR10+")
            kind = "duration"
        elif kind is None and caption_kind == "result" and benchmark_mentions(headers[c]):
            kind, metric = caption_kind, caption_metric
        elif (
            kind is None
            and caption_kind == "result"
            and _named_in_caption(headers[c], table.caption)
        ):
            kind, metric = caption_kind, caption_metric
        elif kind is None:
            kind, metric = _named_column(headers[c])
        if kind == "result" and metric:
            results.extend(_results(table, c, metric, levels))
        elif kind in ("params", "flops"):
            sizes.extend(_sizes(table, c, kind))
        elif kind in ("duration", "device_time"):
            runs.extend(_durations(table, c, kind))
    if not results:
        results = _transposed(table, levels)
    if not runs:
        runs = _duration_rows(table)
    if not sizes:
        sizes = _magnitude_columns(table) + _size_rows(table)
    return results, sizes, runs


def _magnitude_columns(table: Table) -> list[SizeCandidate]:
    """Unlabelled model-size columns: most cells read like '29M', '6.7B', '882K'."""
    out: list[SizeCandidate] = []
    for c in range(1, len(table.rows[0])):
        cells = [row[c] for row in table.rows[1:] if c < len(row) and row[c].strip()]
        sized = [x for x in cells if _MAGNITUDE_CELL.match(clean_cell(x))]
        if len(cells) < 2 or len(sized) < 0.6 * len(cells) or _NOT_PARAMS.search(table.rows[0][c]):
            continue
        for cand in _sizes(table, c, "params"):
            cand.confidence = 0.4
            cand.evidence = Evidence(
                **{
                    **_asdict(cand.evidence),
                    "rule_id": f"{RULE_PREFIX}.{table.method}.params_unlabelled.v1",
                }
            )
            out.append(cand)
    return out


def _asdict(evidence: Evidence) -> dict:
    return {name: getattr(evidence, name) for name in Evidence.__slots__}


def _size_rows(table: Table) -> list[SizeCandidate]:
    """A 'Number of parameters' / 'Parameters (M)' row: one size per model column."""
    headers = table.rows[0]
    out: list[SizeCandidate] = []
    rule = f"{RULE_PREFIX}.{table.method}.params_row.v1"
    for r, row in enumerate(table.rows[1:], 1):
        kind, _ = classify_header(row[0])
        if kind != "params":
            continue
        for c in range(1, len(row)):
            value = _size_value(row[c], row[0], q.PARAM_COUNT)
            model = _CITATION.sub("", headers[c] if c < len(headers) else "").strip() or None
            if value is not None:
                out.append(SizeCandidate(
                    quantity=q.PARAM_COUNT, value=value, raw_value=row[c], unit="params",
                    evidence=_row_evidence(table, r, c, rule), model=model, confidence=0.5,
                ))  # fmt: skip
    return out


def _row_metric(label: str, levels: list[Counter]) -> tuple[str | None, str | None]:
    """A row that names its benchmark or metric ('ImageNet', 'val error', 'SQuAD v1.1 F1')."""
    kind, metric = classify_header(label)
    named = benchmark_mentions(label)
    if kind not in (None, "result") or (metric is None and not named):
        return None, None
    if metric is None:
        metric = default_metric(named.most_common(1)[0][0])
    if metric is None:
        return None, None
    if metric.endswith("_?"):
        return metric, None
    benchmark = _benchmark_for(metric, [named, *levels])
    return metric, benchmark


def _transposed(table: Table, levels: list[Counter]) -> list[ResultCandidate]:
    """Tables with models as columns and benchmarks or metrics as rows."""
    headers = table.rows[0]
    out: list[ResultCandidate] = []
    rule = f"{RULE_PREFIX}.{table.method}.result_row.v1"
    for r, row in enumerate(table.rows[1:], 1):
        metric, benchmark = _row_metric(row[0], levels)
        if metric is None:
            continue
        values = [(c, v) for c in range(1, len(row)) for v in cell_values(row[c])[:1]]
        if metric.endswith("_?"):
            metric = resolve_metric(metric, f"{row[0]} {table.caption}", [v for _, v in values])
            benchmark = _benchmark_for(metric or "", [benchmark_mentions(row[0]), *levels])
        if metric is None or benchmark is None:
            continue
        scale = _fraction_scale([v for _, v in values], metric)
        for c, value in values:
            model = _CITATION.sub("", headers[c] if c < len(headers) else "").strip() or None
            out.append(ResultCandidate(
                benchmark=benchmark, metric=metric, value=round(value * scale, 4),
                raw_value=row[c], evidence=_row_evidence(table, r, c, rule), model=model,
                source=q.SOURCE_TABLE, confidence=0.4,
            ))  # fmt: skip
    return out
