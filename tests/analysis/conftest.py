"""Fixtures for the analysis tests: the real MIT reference (skipped when absent) and
small synthetic snapshots / MIT-style folders built here."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.reference import MIT_FILES, import_mit
from analysis.snapshot import COLUMNS, write_snapshot

# The folder `shared` beside the repository root (tests/analysis -> tests -> repo root).
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"
MIT_DIR = SHARED / "reference" / "mit-futuretech"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """../shared/reference, or skip when this checkout has no shared folder beside it."""
    if not (MIT_DIR / MIT_FILES[0].filename).is_file():
        pytest.skip(f"MIT FutureTech reference data not found at {MIT_DIR.resolve()}")
    return SHARED / "reference"


@pytest.fixture(scope="session")
def mit_snapshot(reference_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The MIT reference converted into a snapshot folder (once per session)."""
    return import_mit(reference_dir, tmp_path_factory.mktemp("mit-snapshot"))


def snapshot_rows(benchmark: str, metric: str, log_compute, errors, **extra) -> pd.DataFrame:
    """Snapshot rows for one benchmark: one model per (log10 compute, error %) pair."""
    n = len(errors)
    frame = pd.DataFrame({column: [None] * n for column in COLUMNS})
    value = np.asarray(errors, dtype=float)
    frame = frame.assign(
        paper_id=[f"{benchmark}-{i}" for i in range(n)],
        title=[f"Paper {i}" for i in range(n)],
        year=extra.pop("year", [2015 + i % 7 for i in range(n)]),
        model=[f"model-{i}" for i in range(n)],
        benchmark=benchmark,
        metric=metric,
        value=value if metric.endswith("_error") else 100.0 - value,
        error_rate=value,
        hardware_burden_flop=np.power(10.0, np.asarray(log_compute, dtype=float)),
        compute_method="hardware_burden",
        curated=False,
    )
    frame["compute_flop"] = frame["hardware_burden_flop"]
    return frame.assign(**extra)


def write_synthetic_snapshot(folder: Path, frame: pd.DataFrame) -> Path:
    """Write ``frame`` as a snapshot folder."""
    return write_snapshot(frame, folder, {"name": "synthetic"})


@pytest.fixture()
def synthetic_snapshot(tmp_path: Path) -> Path:
    """ImageNet rows with log10(error fraction) = 1.2 - 0.1 log10(FLOP) + small noise."""
    rng = np.random.default_rng(7)
    log_compute = np.linspace(17, 23, 40)
    log_error = 1.2 - 0.1 * log_compute + rng.normal(0, 0.01, len(log_compute))
    frame = snapshot_rows("imagenet", "top1_accuracy", log_compute, 100 * 10**log_error)
    return write_synthetic_snapshot(tmp_path / "synthetic", frame)


def write_mini_mit(folder: Path) -> Path:
    """A tiny folder shaped like the MIT FutureTech data: six CSVs, 3 sub-header rows each."""
    target = folder / "mit-futuretech"
    target.mkdir(parents=True)
    for source in MIT_FILES:
        header = ["name", "year", "title", "paper_link", "hardware_burden", "network_operations"]
        header += list(source.metrics)
        rows = [header] + [["sub"] * len(header) for _ in range(3)]
        for i in range(6):
            scores = [f"{60 + 5 * i}"] * len(source.metrics)
            link = f"https://arxiv.org/abs/2001.0{i}001v2"
            rows.append([f"M{i}", 2015 + i, f"T {i}", link, f"1e{17 + i}", ""] + scores)
        with (target / source.filename).open("w", newline="") as handle:
            csv.writer(handle).writerows(rows)
    return folder


@pytest.fixture()
def make_rows():
    """Factory: :func:`snapshot_rows`."""
    return snapshot_rows


@pytest.fixture()
def save_snapshot():
    """Factory: :func:`write_synthetic_snapshot`."""
    return write_synthetic_snapshot


@pytest.fixture()
def mini_mit():
    """Factory: :func:`write_mini_mit`."""
    return write_mini_mit
