"""The regression's input: the ``compute_per_result`` table of an export snapshot.

A snapshot folder holds ``compute_per_result.csv`` (and ``.parquet``), ``manifest.json`` and
``data_dictionary.json``. This module owns the column list and its dictionary, and writes and
reads snapshot folders; both the reference adapter and the regression go through it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

log = logging.getLogger(__name__)

TABLE = "compute_per_result"
MANIFEST = "manifest.json"
DICTIONARY = "data_dictionary.json"

# column -> (type, unit, meaning). Order is the export's column order (DESIGN.md).
DATA_DICTIONARY: dict[str, tuple[str, str, str]] = {
    "paper_id": ("string", "", "arXiv id without version when known, else a slug of the title"),
    "title": ("string", "", "paper title"),
    "year": ("integer", "year", "publication year"),
    "model": ("string", "", "model (system) name as reported"),
    "benchmark": (
        "string",
        "",
        "imagenet | coco | squad1.1 | conll2003 | wmt14-en-de | wmt14-en-fr | other:<name>",
    ),
    "metric": ("string", "", "top1_accuracy, top1_error, box_ap, em, f1, bleu, ... (DESIGN.md)"),
    "value": ("float", "percent points", "the metric as printed"),
    "error_rate": (
        "float",
        "percent points",
        "error of the result: the value for *_error metrics, else 100 - value",
    ),
    "params": ("float", "parameters", "number of trainable parameters"),
    "hardware": ("string", "", "hardware catalog slug of the dominant training chip type"),
    "hardware_count": ("float", "chips", "number of chips of that type"),
    "training_hours": ("float", "hours", "wall-clock training time of the dominant stage"),
    "peak_flops": ("float", "FLOP/s", "peak throughput of one chip of that type"),
    "hardware_burden_flop": (
        "float",
        "FLOP",
        "sum over stages and chip types of chips x peak FLOP/s x seconds (no utilization)",
    ),
    "network_ops_flop": (
        "float",
        "FLOP",
        "FLOPs per forward pass (or 2 x multiply-adds) x 3 x epochs x training examples",
    ),
    "compute_flop": ("float", "FLOP", "the training compute the regression uses by default"),
    "compute_method": ("string", "", "how compute_flop was obtained (e.g. hardware_burden)"),
    "curated": ("boolean", "", "true when a person checked or entered the values"),
}
COLUMNS: list[str] = list(DATA_DICTIONARY)
_TEXT = {"paper_id", "title", "model", "benchmark", "metric", "hardware", "compute_method"}


class SnapshotError(ValueError):
    """A snapshot folder that is missing or malformed."""


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with exactly :data:`COLUMNS`, in order, with stable dtypes."""
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise SnapshotError(f"{TABLE} lacks columns: {', '.join(missing)}")
    out = frame[COLUMNS].copy()
    for column in COLUMNS:
        if column in _TEXT:
            out[column] = out[column].astype("string")
        elif column == "year":
            out[column] = pd.to_numeric(out[column], errors="coerce").astype("Int64")
        elif column == "curated":
            out[column] = out[column].astype("boolean")
        else:
            out[column] = pd.to_numeric(out[column], errors="coerce").astype("float64")
    return out.reset_index(drop=True)


def sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def code_version() -> str:
    """The installed paperflops version, or 'unknown'."""
    try:
        from importlib.metadata import version

        return version("paperflops")
    except Exception:  # noqa: BLE001 - metadata is optional here
        return "unknown"


def dictionary_json() -> dict[str, dict[str, str]]:
    """The data dictionary as written to ``data_dictionary.json``."""
    return {c: {"type": t, "unit": u, "meaning": m} for c, (t, u, m) in DATA_DICTIONARY.items()}


def write_snapshot(frame: pd.DataFrame, out_dir: Path, source: dict[str, Any]) -> Path:
    """Write ``frame`` as a snapshot folder (csv, parquet, dictionary, manifest); return it."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    table = conform(frame)
    csv_path, parquet_path = out_dir / f"{TABLE}.csv", out_dir / f"{TABLE}.parquet"
    table.to_csv(csv_path, index=False)
    table.to_parquet(parquet_path, index=False)
    dictionary_path = out_dir / DICTIONARY
    dictionary_path.write_text(json.dumps(dictionary_json(), indent=2) + "\n")
    files = [csv_path, parquet_path, dictionary_path]
    manifest = _manifest(table, files, source)
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    log.info("wrote snapshot %s (%d rows)", out_dir, len(table))
    return out_dir


def _manifest(table: pd.DataFrame, files: list[Path], source: dict[str, Any]) -> dict[str, Any]:
    return {
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "run_id": uuid.uuid4().hex,
        "code_version": code_version(),
        "source": source,
        "row_counts": {
            TABLE: len(table),
            "papers": int(table["paper_id"].nunique()),
            "by_benchmark": {str(k): int(v) for k, v in table["benchmark"].value_counts().items()},
        },
        "files": {p.name: {"sha256": sha256(p), "bytes": p.stat().st_size} for p in files},
    }


def read_snapshot(snapshot_dir: Path) -> pd.DataFrame:
    """Read a snapshot's ``compute_per_result`` table (csv preferred, else parquet)."""
    snapshot_dir = Path(snapshot_dir)
    if not snapshot_dir.is_dir():
        raise SnapshotError(f"snapshot folder not found: {snapshot_dir}")
    csv_path = snapshot_dir / f"{TABLE}.csv"
    parquet_path = snapshot_dir / f"{TABLE}.parquet"
    if csv_path.is_file():
        frame = pd.read_csv(csv_path, dtype={"paper_id": str, "model": str})
    elif parquet_path.is_file():
        frame = pd.read_parquet(parquet_path)
    else:
        raise SnapshotError(f"{snapshot_dir} has no {TABLE}.csv or {TABLE}.parquet")
    return conform(frame)


def read_manifest(snapshot_dir: Path) -> dict[str, Any]:
    """The snapshot's manifest, or an empty dict when it has none."""
    path = Path(snapshot_dir) / MANIFEST
    return json.loads(path.read_text()) if path.is_file() else {}
