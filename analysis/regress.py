"""The scaling regression of Thompson et al. on an export snapshot.

Selection rules (applied to any snapshot, ours or the MIT reference):

1. Rows: the benchmark's headline metric (:data:`SPECS`): ImageNet top-1 (``top1_accuracy`` or
   ``top1_error``), COCO ``box_ap``, SQuAD 1.1 ``f1``, CoNLL-2003 ``f1``, WMT'14 ``bleu``.
   One row per (paper_id, model); ``error_rate`` must lie in (0, 100).
2. Error: ``error_rate`` (percent points) / 100, i.e. a fraction: top-1 error for ImageNet,
   ``1 - score`` elsewhere (BLEU included), as Thompson et al. (intercepts comparable).
3. Compute, basis ``hardware_burden``: the row's ``hardware_burden_flop`` (else ``compute_flop``
   when ``compute_method`` is ``hardware_burden``); rows without it are left out. No further
   row filter: the MIT 2022 data's ``relevant`` column is empty for every ImageNet row, so it
   cannot select rows; every row with a hardware burden is used.
4. Compute, basis ``imputed`` (their consolidated ``computing_power``): rows without hardware
   burden but with ``network_ops_flop`` get ``10**(a + b*log10(net ops))``, a and b fitted by
   OLS on the benchmark's rows that have both (at least :data:`MIN_PAIRS`), else on all
   benchmarks' rows that have both ("pooled").
5. Transforms: ImageNet's headline fit is on top-1 error; its imputed fit, and every fit of the
   other benchmarks, is on 1/error (``1/(1 - score)``). Both forms (polynomial, exponential)
   are fitted; ``control_year`` adds fits with publication year as a regressor.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.fit import (
    FORMS,
    Fit,
    Imputation,
    Transform,
    fit_imputation,
    fit_ols,
    log_compute_needed,
)
from analysis.snapshot import read_manifest, read_snapshot

log = logging.getLogger(__name__)

MIN_PAIRS = 3
MIN_ROWS = 3
BASES = ("hardware_burden", "imputed")


@dataclass(frozen=True)
class BenchmarkSpec:
    """How one benchmark is regressed (see the module docstring)."""

    benchmark: str
    label: str
    metrics: tuple[str, ...]
    transform: Transform
    imputed_transform: Transform
    targets: tuple[float, ...]


SPECS: tuple[BenchmarkSpec, ...] = (
    BenchmarkSpec(
        "imagenet",
        "ImageNet top-1",
        ("top1_accuracy", "top1_error"),
        "error",
        "inverse_error",
        (5.0, 1.0),
    ),
    BenchmarkSpec(
        "coco", "COCO box AP", ("box_ap",), "inverse_error", "inverse_error", (30.0, 10.0)
    ),
    BenchmarkSpec(
        "squad1.1", "SQuAD 1.1 F1", ("f1",), "inverse_error", "inverse_error", (2.0, 1.0)
    ),
    BenchmarkSpec(
        "conll2003", "CoNLL-2003 F1", ("f1",), "inverse_error", "inverse_error", (2.0, 1.0)
    ),
    BenchmarkSpec(
        "wmt14-en-de",
        "WMT'14 EN-DE BLEU",
        ("bleu",),
        "inverse_error",
        "inverse_error",
        (30.0, 10.0),
    ),
    BenchmarkSpec(
        "wmt14-en-fr",
        "WMT'14 EN-FR BLEU",
        ("bleu",),
        "inverse_error",
        "inverse_error",
        (30.0, 10.0),
    ),
)


@dataclass
class BenchmarkResult:
    """Fits of one benchmark in one snapshot, with the rows they used."""

    spec: BenchmarkSpec
    rows: pd.DataFrame
    imputation: Imputation | None
    fits: dict[str, Fit] = field(default_factory=dict)
    extrapolation: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "benchmark": self.spec.benchmark,
            "label": self.spec.label,
            "metrics": list(self.spec.metrics),
            "rows_with_result": len(self.rows),
            "rows_with_hardware_burden": int(self.rows["burden"].notna().sum()),
            "rows_imputed": int(self.rows["imputed"].sum()),
            "imputation": self.imputation.to_dict() if self.imputation else None,
            "fits": {key: fit.to_dict() for key, fit in self.fits.items()},
            "extrapolation": self.extrapolation,
        }


@dataclass
class SnapshotAnalysis:
    """All benchmarks of one snapshot."""

    label: str
    path: Path
    benchmarks: dict[str, BenchmarkResult]
    pooled_imputation: Imputation | None

    def to_dict(self) -> dict:
        return {
            "label": self.label,
            "snapshot": str(self.path),
            "pooled_imputation": self.pooled_imputation.to_dict()
            if self.pooled_imputation
            else None,
            "benchmarks": {name: r.to_dict() for name, r in self.benchmarks.items()},
        }


def fit_key(basis: str, form: str, control_year: bool = False) -> str:
    """Key of a fit in :attr:`BenchmarkResult.fits`, e.g. ``hardware_burden:polynomial``."""
    return f"{basis}:{form}" + (":year" if control_year else "")


def measured_burden(frame: pd.DataFrame) -> pd.Series:
    """Hardware burden per row: the column, else compute_flop stated as a hardware burden."""
    stated = frame["compute_flop"].where(frame["compute_method"] == "hardware_burden")
    burden = frame["hardware_burden_flop"].fillna(stated)
    return burden.where(burden > 0)


def select_rows(frame: pd.DataFrame, spec: BenchmarkSpec) -> pd.DataFrame:
    """The benchmark's headline-metric rows, one per (paper_id, model), with a valid error."""
    rows = frame[(frame["benchmark"] == spec.benchmark) & frame["metric"].isin(spec.metrics)]
    rows = rows[(rows["error_rate"] > 0) & (rows["error_rate"] < 100)]
    priority = rows["metric"].map({m: i for i, m in enumerate(spec.metrics)})
    rows = rows.assign(_priority=priority).sort_values("_priority", kind="stable")
    rows = rows.drop_duplicates(["paper_id", "model"]).sort_index()
    return pd.DataFrame(
        {
            "paper_id": rows["paper_id"],
            "model": rows["model"],
            "year": rows["year"].astype("float64"),
            "error": rows["error_rate"],
            "burden": measured_burden(rows),
            "network_ops": rows["network_ops_flop"].where(rows["network_ops_flop"] > 0),
        }
    ).reset_index(drop=True)


def pooled_imputation(frame: pd.DataFrame, specs: tuple[BenchmarkSpec, ...]) -> Imputation | None:
    """Imputation fitted on every benchmark's model rows that have both quantities."""
    rows = pd.concat([select_rows(frame, spec) for spec in specs], ignore_index=True)
    if _pairs(rows) < MIN_PAIRS:
        return None
    return fit_imputation(rows["burden"], rows["network_ops"], scope="pooled")


def _pairs(rows: pd.DataFrame) -> int:
    return int((rows["burden"].notna() & rows["network_ops"].notna()).sum())


def choose_imputation(
    rows: pd.DataFrame, spec: BenchmarkSpec, pooled: Imputation | None
) -> Imputation | None:
    """The benchmark's own log-log imputation when it has enough pairs, else the pooled one."""
    if _pairs(rows) >= MIN_PAIRS:
        return fit_imputation(rows["burden"], rows["network_ops"], scope=spec.benchmark)
    return pooled


def attach_compute(rows: pd.DataFrame, imputation: Imputation | None) -> pd.DataFrame:
    """Add ``compute`` (burden, else imputed) and the ``imputed`` flag."""
    needs = rows["burden"].isna() & rows["network_ops"].notna() & (imputation is not None)
    imputed = imputation.apply(rows["network_ops"]) if imputation else np.nan
    compute = rows["burden"].where(~needs, imputed)
    return rows.assign(compute=compute, imputed=needs)


def basis_rows(rows: pd.DataFrame, basis: str, control_year: bool) -> pd.DataFrame:
    """Rows a fit on ``basis`` uses (with a year when year is controlled)."""
    column = "burden" if basis == "hardware_burden" else "compute"
    used = rows[rows[column].notna()].assign(x=lambda r: r[column])
    return used[used["year"].notna()] if control_year else used


def fit_benchmark(result: BenchmarkResult, control_year: bool) -> None:
    """All fits of one benchmark, stored in ``result.fits``."""
    spec = result.spec
    has_imputed = bool(result.rows["imputed"].any())
    for basis in BASES:
        if basis == "imputed" and not has_imputed:
            continue
        transform = spec.transform if basis == "hardware_burden" else spec.imputed_transform
        for year in (False, True) if control_year else (False,):
            used = basis_rows(result.rows, basis, year)
            if len(used) < MIN_ROWS + int(year):
                log.warning("%s/%s: %d rows, not fitted", spec.benchmark, basis, len(used))
                continue
            for form in FORMS:
                fit = fit_ols(
                    used["x"], used["error"], transform, form, used["year"] if year else None
                )
                result.fits[fit_key(basis, form, year)] = fit


def extrapolate(result: BenchmarkResult) -> list[dict]:
    """Compute needed for each target error, from the hardware-burden fits (both forms)."""
    observed = result.rows[result.rows["burden"].notna()]
    if observed.empty:
        return []
    best = observed.loc[observed["error"].idxmin()]
    table = []
    for target in result.spec.targets:
        entry = {"target_error": target, "best_error": float(best["error"])}
        entry["best_compute_flop"] = float(best["burden"])
        for form in FORMS:
            fit = result.fits.get(fit_key("hardware_burden", form))
            needed = log_compute_needed(fit, target) if fit else None
            entry[f"{form}_log10_flop"] = needed
        table.append(entry)
    return table


def analyse_benchmark(
    frame: pd.DataFrame, spec: BenchmarkSpec, pooled: Imputation | None, control_year: bool
) -> BenchmarkResult:
    """Select rows, impute, fit and extrapolate one benchmark."""
    rows = select_rows(frame, spec)
    imputation = choose_imputation(rows, spec, pooled)
    result = BenchmarkResult(spec, attach_compute(rows, imputation), imputation)
    fit_benchmark(result, control_year)
    result.extrapolation = extrapolate(result)
    return result


def snapshot_label(snapshot_dir: Path) -> str:
    """A short name for a snapshot: its manifest's source name, else its folder name."""
    source = read_manifest(snapshot_dir).get("source", {})
    name = source.get("name") if isinstance(source, dict) else None
    return str(name or Path(snapshot_dir).resolve().name)


def analyse_snapshot(
    snapshot_dir: Path,
    control_year: bool = False,
    label: str | None = None,
    specs: tuple[BenchmarkSpec, ...] = SPECS,
) -> SnapshotAnalysis:
    """Run every benchmark's regression on one snapshot folder."""
    frame = read_snapshot(snapshot_dir)
    pooled = pooled_imputation(frame, specs)
    benchmarks = {
        spec.benchmark: analyse_benchmark(frame, spec, pooled, control_year) for spec in specs
    }
    label = label or snapshot_label(snapshot_dir)
    return SnapshotAnalysis(label, Path(snapshot_dir), benchmarks, pooled)


def distinct_labels(analyses: list[SnapshotAnalysis]) -> None:
    """Suffix equal snapshot labels with their folder names so the report can tell them apart."""
    if len({a.label for a in analyses}) < len(analyses):
        for analysis in analyses:
            analysis.label = f"{analysis.label} ({analysis.path.resolve().name})"


def run_regression(
    snapshot_dir: Path,
    out_dir: Path,
    control_year: bool = False,
    compare_dir: Path | None = None,
    labels: tuple[str, str] | None = None,
    specs: tuple[BenchmarkSpec, ...] = SPECS,
) -> dict:
    """Fit, plot and report a snapshot (and optionally a second one side by side).

    Writes ``report.md``, ``results.json`` and one ``<benchmark>.png`` per fitted benchmark to
    ``out_dir``; returns the ``results.json`` content.
    """
    from analysis.plots import plot_benchmarks
    from analysis.report import write_report

    names = labels or (None, None)
    analyses = [analyse_snapshot(snapshot_dir, control_year, names[0], specs)]
    if compare_dir is not None:
        analyses.append(analyse_snapshot(compare_dir, control_year, names[1], specs))
        distinct_labels(analyses)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    figures = plot_benchmarks(analyses, out_dir)
    results = {
        "control_year": control_year,
        "snapshots": [a.to_dict() for a in analyses],
        "figures": figures,
    }
    text = json.dumps(_clean(results), indent=2, allow_nan=False)
    (out_dir / "results.json").write_text(text + "\n")
    write_report(analyses, figures, out_dir / "report.md", control_year)
    log.info("regression written to %s", out_dir)
    return results


def _clean(value: object) -> object:
    """JSON-ready copy: numpy scalars to Python, NaN/inf to None, tuples to lists."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value
