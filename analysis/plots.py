"""One PNG per benchmark: log-log scatter of error on compute, polynomial fit and 95% band."""

from __future__ import annotations

import logging
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from analysis.fit import band, error_from_response  # noqa: E402
from analysis.regress import BenchmarkResult, SnapshotAnalysis, fit_key  # noqa: E402

log = logging.getLogger(__name__)
COLORS = ("tab:blue", "tab:orange")


def _draw_fit(ax, result: BenchmarkResult, basis: str, color: str, label: str) -> None:
    fit = result.fits.get(fit_key(basis, "polynomial"))
    if fit is None:
        return
    column = "burden" if basis == "hardware_burden" else "compute"
    x = np.log10(result.rows[column].dropna().to_numpy(dtype=float))
    grid = np.linspace(x.min(), x.max(), 100)
    mean = band(fit, grid)
    to_error = lambda y: error_from_response(y, fit.transform, "polynomial")  # noqa: E731
    style = "-" if basis == "hardware_burden" else "--"
    text = f"{label} {basis.replace('_', ' ')}: slope {fit.slope:+.4f}, R² {fit.r2:.3f}, N {fit.n}"
    ax.plot(10**grid, to_error(mean["mean"]), style, color=color, label=text)
    if basis == "hardware_burden":
        lower, upper = to_error(mean["mean_ci_lower"]), to_error(mean["mean_ci_upper"])
        ax.fill_between(10**grid, lower, upper, color=color, alpha=0.15, linewidth=0)


def _draw_points(ax, result: BenchmarkResult, color: str, label: str) -> None:
    rows = result.rows
    measured = rows[rows["burden"].notna()]
    ax.scatter(
        measured["burden"], measured["error"], s=18, color=color, label=f"{label} (measured)"
    )
    imputed = rows[rows["imputed"]]
    if not imputed.empty:
        ax.scatter(
            imputed["compute"],
            imputed["error"],
            s=18,
            facecolors="none",
            edgecolors=color,
            label=f"{label} (imputed from network ops)",
        )


def plot_benchmark(results: list[tuple[str, BenchmarkResult]], path: Path) -> bool:
    """Draw one benchmark for one or two snapshots; False when nothing could be fitted."""
    if not any(r.fits for _, r in results):
        return False
    fig, ax = plt.subplots(figsize=(7.5, 5))
    for (label, result), color in zip(results, COLORS, strict=False):
        _draw_points(ax, result, color, label)
        for basis in ("hardware_burden", "imputed"):
            _draw_fit(ax, result, basis, color, label)
    spec = results[0][1].spec
    ax.set(xscale="log", yscale="log", title=spec.label)
    ax.set(xlabel="training compute (FLOP)", ylabel="error rate (%)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def plot_benchmarks(analyses: list[SnapshotAnalysis], out_dir: Path) -> dict[str, str]:
    """One PNG per benchmark under ``out_dir``; returns benchmark -> file name."""
    figures = {}
    for name in analyses[0].benchmarks:
        results = [(a.label, a.benchmarks[name]) for a in analyses if name in a.benchmarks]
        filename = f"{name}.png"
        if plot_benchmark(results, Path(out_dir) / filename):
            figures[name] = filename
        else:
            log.info("%s: no fit, no figure", name)
    return figures
