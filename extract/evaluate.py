"""Extraction quality against hand-read gold labels (DESIGN.md "Measuring extraction").

Pure: reads a gold JSONL file (format in ``../shared/corpus/gold/SPEC.md``) and a plain
structure of extracted rows, never a database. The extracted structure is
``{paper_id: {"results": [row, ...], "training": [row, ...], "sizes": [row, ...]}}`` whose rows
carry the columns of the export CSVs (``results.csv``, ``training_runs.csv``,
``model_sizes.csv``); ``db.queries.extracted_for_eval`` builds it from the database and
``load_extracted_snapshot`` from a snapshot folder.

Scored fields, over the papers that have gold labels (extracted papers without gold are
ignored; gold papers that were not extracted count as extracted with nothing found):

- ``hardware``: a gold run with a hardware slug is found when an extracted run has the same slug
  and the same number of chips (gold counts converted: TPU cores / 2, TPU v2/v3 boards x 4, Tesla
  K80 boards x 2; "chip" is the default unit), or exactly the same count in the same unit. A gold
  run that states no count is found by the slug alone. Precision = extracted runs with a hardware
  slug that match a gold run of the paper / extracted runs with a hardware slug.
- ``duration``: a gold run stating a duration is found when an extracted run's duration_hours
  (or the ends of its stated range) lies within +-10% of the gold duration_hours, or its
  device_hours within +-10% of the gold device_hours; a gold range is found by any extracted
  value inside [lo - 10%, hi + 10%]. Precision over extracted runs stating any duration.
- ``params``: recall of gold parameter counts (an extracted count within +-2%); precision is
  reported for information only. ``params_model``: the same, and the extracted row's model name
  shares at least half of the gold model name's tokens (lower-case words and numbers). The
  number of extracted parameter rows per paper is reported too.
- ``results``: a gold (benchmark, metric, value) is found when an extracted row has the same
  benchmark, the same metric (top1/top5 accuracy <-> error via 100 - x) and a value within
  +-0.05. ``other:<name>`` benchmarks (an open vocabulary) compare their names on letters and
  digits only and their metrics through ``OTHER_METRIC_ALIASES`` (plain accuracy/error are
  top-1, "bits_per_char" is "bpc"). Precision is reported for information (gold lists headline results only).
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from schema.quantities import COMPLEMENT_METRICS

DURATION_TOLERANCE = 0.10
PARAMS_TOLERANCE = 0.02
RESULT_TOLERANCE = 0.05
_EPS = 1e-9

FIELDS = ("hardware", "duration", "params", "params_model", "results")
# Fields whose precision DESIGN.md does not score (reported for information).
INFO_PRECISION = frozenset({"params", "params_model", "results"})
_GOLD_TRAINING_KEYS = (
    "hardware_canonical", "count", "count_unit", "duration_hours", "device_hours",
    "duration_range_hours", "what",
)  # fmt: skip

Row = dict[str, Any]
Extracted = Mapping[str, Mapping[str, list[Row]]]


# --------------------------------------------------------------------------------------------
# gold


@dataclass
class GoldPaper:
    """One line of the gold file."""

    paper_id: str
    file: str | None
    arxiv_id: str | None
    results: list[Row] = field(default_factory=list)
    params: list[Row] = field(default_factory=list)
    training: list[Row] = field(default_factory=list)
    flops: list[Row] = field(default_factory=list)
    notes: str = ""


def gold_paper_id(record: Mapping[str, Any]) -> str:
    """The arXiv id when the gold line has one, else the stem of its file name."""
    arxiv_id = record.get("arxiv_id")
    if arxiv_id:
        return str(arxiv_id).strip()
    name = record.get("file")
    if not name:
        raise ValueError("gold record has neither arxiv_id nor file")
    return Path(str(name)).stem


def load_gold(path: Path | str) -> dict[str, GoldPaper]:
    """Read a gold JSONL file into ``{paper_id: GoldPaper}``.

    Raises ValueError (with the line number) on malformed JSON or a duplicated paper id.
    """
    gold: dict[str, GoldPaper] = {}
    with Path(path).open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{Path(path).name} line {number}: not JSON ({exc.msg})") from exc
            paper_id = gold_paper_id(record)
            if paper_id in gold:
                raise ValueError(f"{Path(path).name} line {number}: paper {paper_id} repeated")
            gold[paper_id] = GoldPaper(
                paper_id=paper_id,
                file=record.get("file"),
                arxiv_id=record.get("arxiv_id") or None,
                results=list(record.get("results") or []),
                params=list(record.get("params") or []),
                training=list(record.get("training") or []),
                flops=list(record.get("flops") or []),
                notes=record.get("notes") or "",
            )
    return gold


# --------------------------------------------------------------------------------------------
# helpers


def _num(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _text(value: Any) -> str:
    return value.strip().lower() if isinstance(value, str) else ""


def tokens(name: Any) -> set[str]:
    """Lower-case words and numbers of a model name: 'ResNet-50 (v1.5)' -> {resnet, 50, v1.5}."""
    if not isinstance(name, str):
        return set()
    return set(re.findall(r"[a-z0-9]+(?:\.[a-z0-9]+)*", name.lower()))


def model_matches(gold_model: Any, extracted_model: Any) -> bool:
    """At least half of the gold model name's tokens appear in the extracted model name."""
    wanted = tokens(gold_model)
    return 2 * len(wanted & tokens(extracted_model)) >= len(wanted)


def chips_for(slug: Any, count: Any, unit: Any) -> float | None:
    """A hardware count in chips: chip (default) as is, TPU cores / 2, TPU v2/v3 boards x 4,
    Tesla K80 boards x 2; None when the unit cannot be converted (machines, pods, GPU cores)."""
    n = _num(count)
    if n is None:
        return None
    unit = _text(unit) or "chip"
    slug = _text(slug)
    if unit == "chip":
        return n
    if unit == "core" and slug.startswith("tpu"):
        return n / 2
    if unit == "board":
        if slug in ("tpu-v2", "tpu-v3"):
            return n * 4
        if slug == "tesla-k80":
            return n * 2
    return None


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(abs(a), abs(b), 1.0)


def _within(value: float, target: float, tolerance: float) -> bool:
    return abs(value - target) <= tolerance * abs(target) + _EPS


def _page(where: Any) -> int | None:
    match = re.match(r"\s*p\.?\s*(\d+)", where) if isinstance(where, str) else None
    return int(match.group(1)) if match else None


# --------------------------------------------------------------------------------------------
# matchers (gold item, extracted row) -> bool


def _extracted_chips(row: Row) -> float | None:
    chips = _num(row.get("chips"))
    return (
        chips
        if chips is not None
        else chips_for(row.get("hardware"), row.get("hardware_count"), row.get("count_unit"))
    )


def match_hardware(gold: Row, row: Row) -> bool:
    slug = _text(gold.get("hardware_canonical"))
    if not slug or _text(row.get("hardware")) != slug:
        return False
    count = _num(gold.get("count"))
    if count is None:
        return True
    gold_chips = chips_for(slug, count, gold.get("count_unit"))
    got_chips = _extracted_chips(row)
    if gold_chips is not None and got_chips is not None and _close(gold_chips, got_chips):
        return True
    got_count = _num(row.get("hardware_count"))
    same_unit = (_text(row.get("count_unit")) or "chip") == (
        _text(gold.get("count_unit")) or "chip"
    )
    return got_count is not None and _close(got_count, count) and same_unit


def _hour_values(row: Row) -> list[float]:
    keys = ("duration_hours", "duration_lo_hours", "duration_hi_hours")
    return [v for v in (_num(row.get(k)) for k in keys) if v is not None]


def _gold_range(gold: Row) -> tuple[float, float] | None:
    bounds = gold.get("duration_range_hours")
    if not isinstance(bounds, list | tuple) or len(bounds) != 2:
        return None
    lo, hi = _num(bounds[0]), _num(bounds[1])
    if lo is None or hi is None:
        return None
    return (min(lo, hi), max(lo, hi))


def gold_states_duration(gold: Row) -> bool:
    return (
        _num(gold.get("duration_hours")) is not None
        or _num(gold.get("device_hours")) is not None
        or _gold_range(gold) is not None
    )


def row_states_duration(row: Row) -> bool:
    return bool(_hour_values(row)) or _num(row.get("device_hours")) is not None


def match_duration(gold: Row, row: Row) -> bool:
    hours = _hour_values(row)
    span = _gold_range(gold)
    if span is not None:
        lo, hi = span
        if any(lo * (1 - DURATION_TOLERANCE) - _EPS <= v <= hi * (1 + DURATION_TOLERANCE) + _EPS
               for v in hours):  # fmt: skip
            return True
    target = _num(gold.get("duration_hours"))
    if target is not None and any(_within(v, target, DURATION_TOLERANCE) for v in hours):
        return True
    device = _num(gold.get("device_hours"))
    got_device = _num(row.get("device_hours"))
    return (
        device is not None
        and got_device is not None
        and _within(got_device, device, DURATION_TOLERANCE)
    )


def extracted_params(row: Row) -> float | None:
    """The parameter count of a size row (``params`` column, or quantity/value)."""
    value = _num(row.get("params"))
    if value is None and row.get("quantity") == "param_count":
        value = _num(row.get("value"))
    return value


def match_params(gold: Row, row: Row) -> bool:
    target, value = _num(gold.get("value")), extracted_params(row)
    return target is not None and value is not None and _within(value, target, PARAMS_TOLERANCE)


def match_params_model(gold: Row, row: Row) -> bool:
    return match_params(gold, row) and model_matches(gold.get("model"), row.get("model"))


# ``other:<name>`` benchmarks and their metrics have no closed vocabulary (SPEC.md): names are
# compared on their letters and digits ("wikitext103" = "WikiText-103") and these metric
# spellings are one metric (plain "accuracy"/"error" are top-1; accuracy <-> error as 100 - x).
OTHER_METRIC_ALIASES = {
    "accuracy": "top1_accuracy", "acc": "top1_accuracy", "top1": "top1_accuracy",
    "error": "top1_error", "err": "top1_error", "error_rate": "top1_error",
    "bits_per_char": "bpc", "bits_per_character": "bpc", "ppl": "perplexity",
    "mean_ap": "map", "miou": "miou", "mean_iou": "miou", "ap": "map", "box_ap": "map",
}  # fmt: skip


def canonical_benchmark(name: Any) -> str:
    """The benchmark as scored: a DESIGN slug as is, ``other:`` reduced to letters and digits."""
    text = _text(name)
    if text.startswith("other:"):
        return "other:" + re.sub(r"[^a-z0-9]", "", text[len("other:"):])
    return text


def canonical_metric(benchmark: str, metric: Any) -> str:
    text = _text(metric)
    if benchmark.startswith("other:"):
        return OTHER_METRIC_ALIASES.get(text, text)
    return text


def match_result(gold: Row, row: Row) -> bool:
    benchmark = canonical_benchmark(gold.get("benchmark"))
    if benchmark != canonical_benchmark(row.get("benchmark")):
        return False
    target, value = _num(gold.get("value")), _num(row.get("value"))
    if target is None or value is None:
        return False
    gold_metric = canonical_metric(benchmark, gold.get("metric"))
    metric = canonical_metric(benchmark, row.get("metric"))
    if metric == gold_metric:
        return abs(value - target) <= RESULT_TOLERANCE + _EPS
    if COMPLEMENT_METRICS.get(metric) == gold_metric:
        return abs((100.0 - value) - target) <= RESULT_TOLERANCE + _EPS
    return False


# --------------------------------------------------------------------------------------------
# report


@dataclass
class Miss:
    """A gold item that no extracted row matched."""

    paper_id: str
    item: Row
    where: str | None
    quote: str | None


@dataclass
class FalsePositive:
    """An extracted row that matched no gold item of its paper."""

    paper_id: str
    item: Row
    page: int | None
    snippet: str | None


@dataclass
class FieldScore:
    name: str
    n_gold: int = 0
    found: int = 0
    n_extracted: int = 0
    matched: int = 0
    precision_scored: bool = True
    misses: list[Miss] = field(default_factory=list)
    false_positives: list[FalsePositive] = field(default_factory=list)

    @property
    def precision(self) -> float | None:
        return self.matched / self.n_extracted if self.n_extracted else None

    @property
    def recall(self) -> float | None:
        return self.found / self.n_gold if self.n_gold else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class EvalReport:
    fields: dict[str, FieldScore]
    papers: list[str]
    papers_extracted: list[str]
    ignored_papers: list[str]
    params_rows_per_paper: dict[str, int]
    gold_params_per_paper: dict[str, int]

    @property
    def params_rows_mean(self) -> float | None:
        rows = self.params_rows_per_paper
        return sum(rows.values()) / len(rows) if rows else None

    @property
    def params_rows_max(self) -> int | None:
        return max(self.params_rows_per_paper.values()) if self.params_rows_per_paper else None

    @property
    def gold_params_mean(self) -> float | None:
        rows = self.gold_params_per_paper
        return sum(rows.values()) / len(rows) if rows else None


def _compact(item: Row, drop: Iterable[str] = ("quote", "where", "snippet")) -> Row:
    return {k: v for k, v in item.items() if k not in set(drop) and v is not None}


def _score(
    score: FieldScore,
    paper_id: str,
    gold_items: list[Row],
    rows: list[Row],
    match: Any,
) -> None:
    for item in gold_items:
        score.n_gold += 1
        if any(match(item, row) for row in rows):
            score.found += 1
        else:
            score.misses.append(
                Miss(paper_id, _compact(item), item.get("where"), item.get("quote"))
            )
    for row in rows:
        score.n_extracted += 1
        if any(match(item, row) for item in gold_items):
            score.matched += 1
        else:
            score.false_positives.append(
                FalsePositive(
                    paper_id,
                    _compact(row, ("snippet",)),
                    _num_int(row.get("page")),
                    row.get("snippet"),
                )  # fmt: skip
            )


def _num_int(value: Any) -> int | None:
    number = _num(value)
    return int(number) if number is not None else None


def evaluate(gold: Mapping[str, GoldPaper], extracted: Extracted) -> EvalReport:
    """Score ``extracted`` against ``gold`` field by field (module docstring for the rules)."""
    scores = {
        name: FieldScore(name, precision_scored=name not in INFO_PRECISION) for name in FIELDS
    }
    rows_per_paper: dict[str, int] = {}
    gold_params: dict[str, int] = {}
    for paper_id in sorted(gold):
        paper = gold[paper_id]
        got = extracted.get(paper_id) or {}
        results = list(got.get("results") or [])
        training = list(got.get("training") or [])
        params = [r for r in (got.get("sizes") or []) if extracted_params(r) is not None]

        gold_hw = [t for t in paper.training if _text(t.get("hardware_canonical"))]
        runs_hw = [r for r in training if _text(r.get("hardware"))]
        _score(scores["hardware"], paper_id, gold_hw, runs_hw, match_hardware)
        gold_dur = [t for t in paper.training if gold_states_duration(t)]
        runs_dur = [r for r in training if row_states_duration(r)]
        _score(scores["duration"], paper_id, gold_dur, runs_dur, match_duration)
        gold_p = [p for p in paper.params if _num(p.get("value")) is not None]
        _score(scores["params"], paper_id, gold_p, params, match_params)
        _score(scores["params_model"], paper_id, gold_p, params, match_params_model)
        gold_r = [r for r in paper.results if _num(r.get("value")) is not None]
        _score(scores["results"], paper_id, gold_r, results, match_result)
        rows_per_paper[paper_id] = len(params)
        gold_params[paper_id] = len(gold_p)
    return EvalReport(
        fields=scores,
        papers=sorted(gold),
        papers_extracted=sorted(p for p in gold if p in extracted),
        ignored_papers=sorted(p for p in extracted if p not in gold),
        params_rows_per_paper=rows_per_paper,
        gold_params_per_paper=gold_params,
    )


# --------------------------------------------------------------------------------------------
# output


def _round(value: float | None) -> float | None:
    return round(value, 4) if value is not None else None


def report_to_dict(report: EvalReport) -> dict[str, Any]:
    """The report as plain JSON-serialisable data."""
    fields = {}
    for name, score in report.fields.items():
        fields[name] = {
            "precision": _round(score.precision),
            "recall": _round(score.recall),
            "f1": _round(score.f1),
            "precision_scored": score.precision_scored,
            "gold": score.n_gold,
            "found": score.found,
            "extracted": score.n_extracted,
            "matched": score.matched,
            "misses": [asdict(m) for m in score.misses],
            "false_positives": [asdict(f) for f in score.false_positives],
        }
    return {
        "papers_scored": len(report.papers),
        "papers_extracted": len(report.papers_extracted),
        "papers_missing_from_extraction": sorted(set(report.papers) - set(report.papers_extracted)),
        "papers_ignored_without_gold": report.ignored_papers,
        "params_rows_per_paper": {
            "mean": _round(report.params_rows_mean),
            "max": report.params_rows_max,
            "gold_mean": _round(report.gold_params_mean),
            "by_paper": report.params_rows_per_paper,
        },
        "fields": fields,
    }


def report_to_json(report: EvalReport, indent: int | None = 2) -> str:
    """The report as a JSON document (scores, counts, misses, false positives)."""
    return json.dumps(report_to_dict(report), indent=indent, ensure_ascii=False)


def render_table(report: EvalReport):  # type: ignore[no-untyped-def]
    """A rich Table of P / R / F1 and counts per field."""
    from rich.table import Table

    def fmt(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    table = Table(title=f"Extraction vs gold ({len(report.papers)} papers)")
    for header in ("field", "precision", "recall", "F1", "gold found", "extracted matched"):
        table.add_column(header, justify="left" if header == "field" else "right")
    for name, score in report.fields.items():
        precision = fmt(score.precision) + ("" if score.precision_scored else " (info)")
        table.add_row(
            name,
            precision,
            fmt(score.recall),
            fmt(score.f1),
            f"{score.found}/{score.n_gold}",
            f"{score.matched}/{score.n_extracted}",
        )
    mean, gold_mean = report.params_rows_mean, report.gold_params_mean
    table.caption = (
        f"parameter rows per paper: mean {fmt(mean)}, max {report.params_rows_max or 0} "
        f"(gold: mean {fmt(gold_mean)}); (info) = precision not scored"
    )
    return table


# --------------------------------------------------------------------------------------------
# converters


def gold_as_extracted(gold: Mapping[str, GoldPaper]) -> dict[str, dict[str, list[Row]]]:
    """The gold labels written as extracted rows (the export CSV columns): a perfect extractor's
    output, used to check that the matchers and the converter agree."""
    out: dict[str, dict[str, list[Row]]] = {}
    for paper_id, paper in gold.items():
        results = [
            {
                "paper_id": paper_id, "model": r.get("model"), "benchmark": r.get("benchmark"),
                "metric": r.get("metric"), "value": _num(r.get("value")), "source": "gold",
                "confidence": 1.0, "page": _page(r.get("where")), "snippet": r.get("quote"),
            }
            for r in paper.results
        ]  # fmt: skip
        training = []
        for t in paper.training:
            span = _gold_range(t)
            count = _num(t.get("count"))
            unit = t.get("count_unit") or ("chip" if count is not None else None)
            training.append({
                "paper_id": paper_id, "stage": "train", "model": None,
                "hardware": t.get("hardware_canonical"), "hardware_count": count,
                "count_unit": unit, "chips": chips_for(t.get("hardware_canonical"), count, unit),
                "duration_hours": _num(t.get("duration_hours")),
                "duration_lo_hours": span[0] if span else None,
                "duration_hi_hours": span[1] if span else None,
                "device_hours": _num(t.get("device_hours")), "confidence": 1.0,
                "page": _page(t.get("where")), "snippet": t.get("quote"),
            })  # fmt: skip
        sizes = [
            {"paper_id": paper_id, "model": p.get("model"), "params": _num(p.get("value")),
             "flops_per_forward": None, "page": _page(p.get("where")), "snippet": p.get("quote")}
            for p in paper.params
        ]  # fmt: skip
        for f in paper.flops:
            value = _num(f.get("value"))
            factor = 2.0 if _text(f.get("unit")) == "multiadds" else 1.0
            sizes.append({
                "paper_id": paper_id, "model": f.get("model"), "params": None,
                "flops_per_forward": value * factor if value is not None else None,
                "page": _page(f.get("where")), "snippet": f.get("quote"),
            })  # fmt: skip
        out[paper_id] = {"results": results, "training": training, "sizes": sizes}
    return out


_SNAPSHOT_FILES = {
    "results": "results.csv",
    "training": "training_runs.csv",
    "sizes": "model_sizes.csv",
}
_NUMERIC = {
    "value", "confidence", "page", "hardware_count", "chips", "duration_hours",
    "duration_lo_hours", "duration_hi_hours", "device_hours", "params", "flops_per_forward",
}  # fmt: skip


def load_extracted_snapshot(folder: Path | str) -> dict[str, dict[str, list[Row]]]:
    """The extracted structure read from an export snapshot folder's CSV files."""
    out: dict[str, dict[str, list[Row]]] = {}
    for key, name in _SNAPSHOT_FILES.items():
        path = Path(folder) / name
        if not path.is_file():
            raise FileNotFoundError(f"snapshot has no {name}")
        with path.open(newline="", encoding="utf-8") as fh:
            for raw in csv.DictReader(fh):
                row: Row = {
                    k: (_num(v) if k in _NUMERIC else (v if v != "" else None))
                    for k, v in raw.items()
                }
                paper = out.setdefault(
                    row["paper_id"], {"results": [], "training": [], "sizes": []}
                )
                paper[key].append(row)
    return out
