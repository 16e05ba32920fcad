"""CLI commands of the analysis package: ``import-reference`` and ``regress``.

The project's main Typer app adds them with :func:`register`.
"""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table


REFERENCE_ENV = "PAPERFLOPS_REFERENCE_DIR"
DEFAULT_REFERENCE = Path("..") / "shared" / "reference"

console = Console()


class ReferenceSource(StrEnum):
    """Published datasets ``import-reference`` can convert."""

    mit = "mit"


def reference_dir(option: Path | None) -> Path:
    """The reference folder: the option, else $PAPERFLOPS_REFERENCE_DIR, else ../shared/reference
    relative to the current working directory."""
    if option is not None:
        return option
    from_env = os.environ.get(REFERENCE_ENV)
    return Path(from_env) if from_env else Path.cwd() / DEFAULT_REFERENCE


SourceArg = Annotated[
    ReferenceSource, typer.Argument(help="Dataset to import: mit (MIT FutureTech).")
]
OutOption = Annotated[Path, typer.Option("--out", help="Folder to write.")]
ReferenceDirOption = Annotated[
    Path | None,
    typer.Option(
        "--reference-dir",
        help=f"Folder holding mit-futuretech/ (default: ${REFERENCE_ENV}, else "
        "../shared/reference from the current directory).",
    ),
]


def import_reference(
    source: SourceArg, out: OutOption, reference_dir_option: ReferenceDirOption = None
) -> None:
    """Convert a published reference dataset into an export snapshot (compute_per_result)."""
    folder = reference_dir(reference_dir_option).resolve()
    if not folder.is_dir():
        raise typer.BadParameter(f"folder not found: {folder}", param_hint="--reference-dir")
    from analysis.reference import ReferenceDataError, import_mit  # pandas: loaded on use

    try:
        written = import_mit(folder, out)
    except ReferenceDataError as error:
        raise typer.BadParameter(str(error), param_hint="--reference-dir") from error
    console.print(f"[green]snapshot written[/green] {written} (source: {source.value})")


def _check_snapshot(path: Path, hint: str) -> None:
    from analysis.snapshot import TABLE

    if not path.is_dir():
        raise typer.BadParameter(f"folder not found: {path}", param_hint=hint)
    if not any((path / f"{TABLE}.{ext}").is_file() for ext in ("csv", "parquet")):
        raise typer.BadParameter(f"{path} has no {TABLE}.csv or .parquet", param_hint=hint)


SnapshotOption = Annotated[
    Path, typer.Option("--snapshot", help="Snapshot folder (export format).")
]
CompareOption = Annotated[
    Path | None,
    typer.Option("--compare", help="A second snapshot (e.g. the reference) shown side by side."),
]
YearOption = Annotated[
    bool, typer.Option("--control-year", help="Also fit with publication year as a regressor.")
]


def regress(
    snapshot: SnapshotOption,
    out: OutOption,
    compare: CompareOption = None,
    control_year: YearOption = False,
) -> None:
    """Fit Thompson et al.'s scaling regressions and write figures and a report."""
    _check_snapshot(snapshot, "--snapshot")
    if compare is not None:
        _check_snapshot(compare, "--compare")
    from analysis.regress import run_regression  # statsmodels: loaded on use
    from analysis.snapshot import SnapshotError

    try:
        results = run_regression(snapshot, out, control_year=control_year, compare_dir=compare)
    except SnapshotError as error:
        raise typer.BadParameter(str(error), param_hint="--snapshot") from error
    console.print(summary_table(results))
    console.print(f"[green]report[/green] {Path(out) / 'report.md'}")


def summary_table(results: dict) -> Table:
    """Polynomial fits of every snapshot and benchmark as a rich table."""
    table = Table(title="log-log fits (polynomial form)")
    for column in ("snapshot", "benchmark", "compute", "N", "slope", "R²", "k"):
        table.add_column(column)
    for snapshot in results["snapshots"]:
        for name, bench in snapshot["benchmarks"].items():
            for key, fit in bench["fits"].items():
                if not key.endswith(":polynomial"):
                    continue
                k = fit["implied_exponent"]
                table.add_row(
                    snapshot["label"],
                    name,
                    key.split(":")[0],
                    str(fit["n"]),
                    f"{fit['slope']:.4f}",
                    f"{fit['r2']:.3f}",
                    "–" if k is None else f"{k:.1f}",
                )
    return table


def register(app: typer.Typer) -> None:
    """Add ``import-reference`` and ``regress`` to the project's Typer app."""
    app.command("import-reference")(import_reference)
    app.command("regress")(regress)
