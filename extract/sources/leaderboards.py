"""Leaderboard files (Papers with Code ``evaluation-tables`` format) -> ``LeaderboardRow``.

Pure: bytes or a local path in, typed rows out. Fetching a URL is ``flows.fetching``'s job.

Accepted inputs (detected from the bytes, not the file name):

* JSON: the ``evaluation-tables.json`` list of tasks; each task has ``task``, ``datasets``
  (each with ``dataset``, optional ``subdatasets`` of the same shape keyed ``subdataset``,
  and ``sota.rows[]`` with ``model_name``, ``paper_title``, ``paper_url``, ``paper_date``,
  ``metrics{name: value}``) and ``subtasks`` (tasks again, walked recursively).
* gzip of any accepted input (``.json.gz``), decompressed with a size cap.
* Parquet, in one of two layouts (checked against the uncompressed size in the footer):
  - nested: one row per task with columns ``task``, ``datasets`` and optionally ``subtasks``,
    each either nested Arrow lists/structs or a JSON string of the JSON form (the shape of
    the ``pwc-archive/evaluation-tables`` dump);
  - flat: one row per leaderboard entry with columns ``task``, ``dataset``, ``model_name``,
    ``paper_title``, ``paper_url``, ``paper_date``, ``metrics`` (a JSON object string, a
    struct, or an Arrow map); an optional ``row_index`` column keeps the original order.

One ``LeaderboardRow`` is emitted per (leaderboard entry, metric). ``row_key`` is
``task/dataset/index`` with each part percent-escaped, unique per file together with
``raw_metric_name``; it is stable while the file is unchanged.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from extract.sources.arxiv import arxiv_id_from_url
from extract.sources.errors import TooLargeError

DEFAULT_MAX_BYTES = 512 * 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
_PARQUET_MAGIC = b"PAR1"
_FLAT_COLUMNS = {"task", "dataset", "model_name", "metrics"}


class LeaderboardFormatError(ValueError):
    """The input is none of the accepted leaderboard layouts."""


@dataclass(frozen=True, slots=True)
class LeaderboardRow:
    """One metric value of one leaderboard entry, with where it came from."""

    source_file: str
    row_key: str
    task: str
    dataset: str
    benchmark: str | None
    metric: str | None
    raw_metric_name: str
    raw_value: str
    value: float | None
    model_name: str | None
    paper_title: str | None
    paper_url: str | None
    arxiv_id: str | None
    paper_date: str | None
    normalization: str | None = None

    @property
    def locator(self) -> str:
        """The evidence locator, ``leaderboard/<source>/<row_key>#<metric>``."""
        return f"leaderboard/{self.source_file}/{self.row_key}#{quote(self.raw_metric_name)}"


# --------------------------------------------------------------------------- names


def normalise_name(name: str) -> str:
    """Case-folded, ``-``/``_`` read as spaces, whitespace collapsed: the synonym match key."""
    text = unicodedata.normalize("NFKC", name or "").casefold().replace("\ufeff", "")
    return " ".join(re.sub(r"[-_\u2010-\u2015]", " ", text).split())


def normalise_title(title: str) -> str:
    """A paper title reduced for matching: accents, case, punctuation and spacing removed."""
    text = unicodedata.normalize("NFKD", title or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


# --------------------------------------------------------------------------- values

_MISSING = {"", "-", "--", "---", "—", "–", "n/a", "na", "none", "null", "?", "x"}
_NUMBER = r"[-+]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?"
_SCI = re.compile(rf"^({_NUMBER})\s*[x×*·]\s*(?:1e([-+]?\d+)|10\^?\{{?([-+−]?\d+)\}}?)$")
_SUFFIX = {"k": 1e3, "m": 1e6, "b": 1e9, "t": 1e12}
_SUFFIXED = re.compile(rf"^({_NUMBER})\s*([kKmMbBtT])$")
_PLAIN = re.compile(rf"^({_NUMBER})$")


def _clean_value_text(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).replace("\ufeff", "").strip()
    text = re.sub(r"\*\*(.+?)\*\*", r"\1", text)  # markdown bold
    text = re.sub(r"\(([^()]*[A-Za-z][^()]*)\)", "", text)  # a note such as "(measured by …)"
    text = re.sub(r"\s*(?:±|\+/-|\+-)\s*" + _NUMBER + r"\s*%?$", "", text)  # "± sd"
    text = re.sub(r"[*†‡§+]+$", "", text.strip())  # footnote markers
    return text.strip()


def _to_float(number: str) -> float:
    return float(number.replace(",", ""))


def parse_metric_value(raw: Any) -> float | None:
    """A leaderboard cell as a float, or ``None`` when missing or ambiguous.

    Truth table (see tests): ``84.5`` and ``"84.5%"`` -> 84.5; ``"91.2 ± 0.1"`` -> 91.2;
    ``"0.57×1e-4"`` -> 5.7e-05; ``"28.5*"`` -> 28.5; ``"**70.3**"`` -> 70.3; ``"24M"`` -> 2.4e7;
    ``"-"``, ``""``, ``"?"`` -> None; two numbers (``"78.6/84.4"``, ``"(16.97 15.58)"``) -> None.
    """
    if isinstance(raw, bool) or raw is None:
        return None
    if isinstance(raw, int | float):
        return float(raw)
    text = _clean_value_text(str(raw))
    if text.casefold() in _MISSING or "?" in text:
        return None
    text = text.removesuffix("%").strip()
    return _parse_number_text(text)


def _parse_number_text(text: str) -> float | None:
    if match := _PLAIN.match(text):
        return _to_float(match.group(1))
    if match := _SCI.match(text):
        exponent = match.group(2) or match.group(3).replace("−", "-")
        return _to_float(match.group(1)) * 10.0 ** int(exponent)
    if match := _SUFFIXED.match(text):
        return _to_float(match.group(1)) * _SUFFIX[match.group(2).lower()]
    return None


# --------------------------------------------------------------------------- synonyms


@dataclass(frozen=True, slots=True)
class MetricRule:
    """A metric name's target in our vocabulary (``None`` = known, deliberately unmapped)."""

    metric: str | None
    tasks: tuple[str, ...] = ()

    def applies_to(self, task: str) -> bool:
        """Whether the rule holds for a table of ``task`` (always, when no tasks are listed)."""
        task_key = normalise_name(task)
        return not self.tasks or any(normalise_name(t) in task_key for t in self.tasks)


@dataclass(frozen=True, slots=True)
class DatasetRule:
    """How one leaderboard dataset name maps onto a benchmark, with its own metric names."""

    benchmark: str
    metrics: Mapping[str, MetricRule]
    scale: float = 1.0
    why: str | None = None


@dataclass(frozen=True, slots=True)
class Synonyms:
    """The loaded ``leaderboard_synonyms.json``: dataset rules and per-benchmark metric names."""

    datasets: Mapping[str, DatasetRule]
    metrics: Mapping[str, Mapping[str, MetricRule]]
    version: int = 1

    def dataset_rule(self, dataset: str, parent: str | None = None) -> DatasetRule | None:
        """The rule for a dataset name (a subdataset falls back to its parent's name)."""
        rule = self.datasets.get(normalise_name(dataset))
        if rule is None and parent:
            rule = self.datasets.get(normalise_name(parent))
        return rule

    def metric_for(self, rule: DatasetRule, raw_metric: str, task: str) -> str | None:
        """Our metric name for ``raw_metric`` in a table of ``rule.benchmark`` and ``task``."""
        key = normalise_name(raw_metric)
        found = rule.metrics.get(key) or self.metrics.get(rule.benchmark, {}).get(key)
        return found.metric if found is not None and found.applies_to(task) else None


def default_synonyms_path() -> Path:
    """``extract/rules/leaderboard_synonyms.json`` inside this package."""
    return Path(__file__).resolve().parents[1] / "rules" / "leaderboard_synonyms.json"


def _metric_rules(raw: Mapping[str, Any]) -> dict[str, MetricRule]:
    rules: dict[str, MetricRule] = {}
    for name, target in raw.items():
        if isinstance(target, Mapping):
            rule = MetricRule(target.get("metric"), tuple(target.get("tasks", ())))
        else:
            rule = MetricRule(target)
        key = normalise_name(name)
        if key in rules and rules[key] != rule:
            raise ValueError(f"metric synonym {name!r} is listed twice with different targets")
        rules[key] = rule
    return rules


def _dataset_rules(entries: list[Mapping[str, Any]]) -> dict[str, DatasetRule]:
    rules: dict[str, DatasetRule] = {}
    for entry in entries:
        rule = DatasetRule(
            benchmark=entry["benchmark"],
            metrics=_metric_rules(entry.get("metrics", {})),
            scale=float(entry.get("scale", 1.0)),
            why=entry.get("why"),
        )
        for name in entry["names"]:
            key = normalise_name(name)
            if rules.get(key, rule) is not rule:
                raise ValueError(f"dataset synonym {name!r} is listed twice")
            rules[key] = rule
    return rules


def load_synonyms(path: str | os.PathLike[str] | None = None) -> Synonyms:
    """Load the synonym file (default: the one shipped in ``extract/rules``)."""
    data = json.loads(Path(path or default_synonyms_path()).read_text(encoding="utf-8"))
    metrics = {bench: _metric_rules(names) for bench, names in data.get("metrics", {}).items()}
    return Synonyms(_dataset_rules(data.get("datasets", [])), metrics, int(data.get("version", 1)))


# --------------------------------------------------------------------------- decoding


def _read_capped(data: bytes | str | os.PathLike[str], max_bytes: int) -> bytes:
    if isinstance(data, bytes | bytearray | memoryview):
        blob = bytes(data)
    else:
        path = Path(data)
        if path.stat().st_size > max_bytes:
            raise TooLargeError(f"leaderboard file {path.name} is larger than {max_bytes} bytes")
        blob = path.read_bytes()
    if len(blob) > max_bytes:
        raise TooLargeError(f"leaderboard input is larger than {max_bytes} bytes")
    return blob


def gunzip_capped(blob: bytes, max_bytes: int) -> bytes:
    """Decompress gzip ``blob``, refusing output past ``max_bytes`` (a gzip bomb guard)."""
    with gzip.GzipFile(fileobj=io.BytesIO(blob)) as stream:
        out = stream.read(max_bytes + 1)
    if len(out) > max_bytes:
        raise TooLargeError(f"decompressed leaderboard is larger than {max_bytes} bytes")
    return out


def _load_json(blob: bytes) -> list[dict[str, Any]]:
    try:
        data = json.loads(blob.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise LeaderboardFormatError(f"not a leaderboard JSON file: {err}") from err
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(t, dict) for t in data):
        raise LeaderboardFormatError("leaderboard JSON must be a list of task objects")
    return data


def _decode_tasks(blob: bytes, max_bytes: int) -> list[dict[str, Any]]:
    if blob[:2] == _GZIP_MAGIC:
        return _decode_tasks(gunzip_capped(blob, max_bytes), max_bytes)
    if blob[:4] == _PARQUET_MAGIC:
        return _parquet_tasks(blob, max_bytes)
    return _load_json(blob)


# --------------------------------------------------------------------------- parquet


def _parquet_records(blob: bytes, max_bytes: int) -> tuple[list[str], list[dict[str, Any]]]:
    import pyarrow.parquet as pq  # local: only parquet inputs pay for the import

    handle = pq.ParquetFile(io.BytesIO(blob))
    meta = handle.metadata
    size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if size > max_bytes:
        raise TooLargeError(f"parquet leaderboard decompresses to {size} bytes (> {max_bytes})")
    table = handle.read()
    return table.column_names, table.to_pylist()


def _json_cell(value: Any, max_bytes: int) -> Any:
    """A nested cell: JSON text is decoded (size-capped), Arrow lists/structs pass through."""
    if isinstance(value, str | bytes):
        if len(value) > max_bytes:
            raise TooLargeError(f"a parquet cell is larger than {max_bytes} bytes")
        return json.loads(value) if value.strip() else None
    return value


def _parquet_tasks(blob: bytes, max_bytes: int) -> list[dict[str, Any]]:
    columns, records = _parquet_records(blob, max_bytes)
    if "datasets" in columns:
        return [_nested_task(rec, max_bytes) for rec in records]
    if _FLAT_COLUMNS <= set(columns):
        return _flat_to_tasks(records, max_bytes)
    raise LeaderboardFormatError(
        f"parquet columns {columns} are neither the nested layout (task, datasets[, subtasks]) "
        f"nor the flat one ({', '.join(sorted(_FLAT_COLUMNS))}, paper_title, paper_url, ...)"
    )


def _nested_task(record: dict[str, Any], max_bytes: int) -> dict[str, Any]:
    task = dict(record)
    for key in ("datasets", "subtasks"):
        task[key] = _json_cell(record.get(key), max_bytes) or []
    return task


def _flat_to_tasks(records: list[dict[str, Any]], max_bytes: int) -> list[dict[str, Any]]:
    if records and "row_index" in records[0]:
        records = sorted(records, key=lambda r: r.get("row_index") or 0)
    tables: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for rec in records:
        entry = dict(rec, metrics=_json_cell(rec.get("metrics"), max_bytes))
        tables.setdefault((rec.get("task") or "", rec.get("dataset") or ""), []).append(entry)
    return [
        {"task": task, "datasets": [{"dataset": dataset, "sota": {"rows": rows}}]}
        for (task, dataset), rows in tables.items()
    ]


# --------------------------------------------------------------------------- walking


@dataclass(frozen=True, slots=True)
class _Table:
    task: str
    dataset: str
    parent: str | None
    rows: list[dict[str, Any]]


def _sota_rows(dataset: Mapping[str, Any]) -> list[dict[str, Any]]:
    sota = dataset.get("sota") or {}
    return [r for r in (sota.get("rows") or []) if isinstance(r, Mapping)]


def _walk_tables(tasks: list[dict[str, Any]]) -> Iterator[_Table]:
    for task in tasks:
        name = str(task.get("task") or "")
        for dataset in task.get("datasets") or []:
            label = str(dataset.get("dataset") or "")
            yield _Table(name, label, None, _sota_rows(dataset))
            for sub in dataset.get("subdatasets") or []:
                sub_label = f"{label} / {sub.get('subdataset') or sub.get('dataset') or ''}"
                yield _Table(name, sub_label, label, _sota_rows(sub))
        yield from _walk_tables(list(task.get("subtasks") or []))


def _metric_items(metrics: Any) -> list[tuple[str, Any]]:
    if isinstance(metrics, Mapping):
        items = list(metrics.items())
    elif isinstance(metrics, list):  # an Arrow map comes back as [(key, value), ...]
        items = [
            tuple(p) if not isinstance(p, Mapping) else (p["key"], p["value"]) for p in metrics
        ]
    else:
        items = []
    return [(str(k), v) for k, v in items if v is not None]


def _text(value: Any) -> str | None:
    text = " ".join(str(value).split()) if value is not None else ""
    return text or None


def _table_key(table: _Table, seen: dict[str, int]) -> str:
    base = f"{quote(table.task, safe=' ')}/{quote(table.dataset, safe=' ')}"
    seen[base] = seen.get(base, 0) + 1
    return base if seen[base] == 1 else f"{base}~{seen[base]}"


def _rows_of_table(
    table: _Table, key: str, source: str, synonyms: Synonyms
) -> Iterator[LeaderboardRow]:
    rule = synonyms.dataset_rule(table.dataset, table.parent)
    for index, entry in enumerate(table.rows):
        for raw_metric, raw_value in _metric_items(entry.get("metrics")):
            yield _make_row(
                table, f"{key}/{index}", source, rule, synonyms, entry, raw_metric, raw_value
            )


def _scaled(
    value: float | None, rule: DatasetRule | None, metric: str | None
) -> tuple[float | None, str | None]:
    """Apply a dataset rule's ``scale`` to a mapped value; say what was done."""
    if value is None or rule is None or metric is None or rule.scale == 1.0:
        return value, None
    return round(value * rule.scale, 9), f"x{rule.scale:g} ({rule.why or 'dataset rule'})"


def _make_row(
    table: _Table,
    row_key: str,
    source: str,
    rule: DatasetRule | None,
    synonyms: Synonyms,
    entry: Mapping[str, Any],
    raw_metric: str,
    raw_value: Any,
) -> LeaderboardRow:
    metric = synonyms.metric_for(rule, raw_metric, table.task) if rule else None
    value, normalization = _scaled(parse_metric_value(raw_value), rule, metric)
    paper_url = _text(entry.get("paper_url"))
    found = arxiv_id_from_url(paper_url) if paper_url else None
    return LeaderboardRow(
        source_file=source,
        row_key=row_key,
        task=table.task,
        dataset=table.dataset,
        benchmark=rule.benchmark if rule else None,
        metric=metric,
        raw_metric_name=raw_metric,
        raw_value=str(raw_value),
        value=value,
        model_name=_text(entry.get("model_name")),
        paper_title=_text(entry.get("paper_title")),
        paper_url=paper_url,
        arxiv_id=found[0] if found else None,
        paper_date=_text(entry.get("paper_date")),
        normalization=normalization,
    )


def read_leaderboard(
    path_or_bytes: bytes | str | os.PathLike[str],
    name: str | None = None,
    synonyms: Synonyms | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> list[LeaderboardRow]:
    """All metric values of a leaderboard file, mapped onto our vocabulary where possible.

    ``name`` labels the source in ``source_file`` (default: the file name; required for
    bytes). ``max_bytes`` caps both the input and anything decompressed from it.
    Unmapped rows are returned too (``benchmark``/``metric`` ``None``): callers filter.
    """
    if name is None:
        if isinstance(path_or_bytes, bytes | bytearray | memoryview):
            raise ValueError("read_leaderboard needs name= when given bytes")
        name = Path(path_or_bytes).name
    tasks = _decode_tasks(_read_capped(path_or_bytes, max_bytes), max_bytes)
    rules = synonyms or load_synonyms()
    seen: dict[str, int] = {}
    return [
        row
        for table in _walk_tables(tasks)
        for row in _rows_of_table(table, _table_key(table, seen), name, rules)
    ]


def mapped_rows(rows: list[LeaderboardRow]) -> list[LeaderboardRow]:
    """The rows usable as results: a benchmark, a metric and a parsed value."""
    return [r for r in rows if r.benchmark and r.metric and r.value is not None]


def link_paper_id(row: LeaderboardRow, ids_by_title: Mapping[str, str]) -> str | None:
    """The paper a row belongs to: its arXiv id, else a known paper with the same title.

    ``ids_by_title`` maps ``normalise_title(title)`` to paper ids (e.g. built from the papers
    table). Titles shorter than three words are not matched: too many collide.
    """
    if row.arxiv_id:
        return row.arxiv_id
    title = normalise_title(row.paper_title or "")
    if len(title.split()) < 3:
        return None
    return ids_by_title.get(title)
