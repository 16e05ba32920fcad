"""``paperflops crosscheck``: our papers against the MIT FutureTech or Epoch reference data.

Added to the main app by ``register(app)`` (called from ``flows.cli``). The comparison itself
is ``analysis.crosscheck``.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

out = Console()
err = Console(stderr=True)


class Reference(StrEnum):
    mit = "mit"
    epoch = "epoch"


def _fmt(value: float | None, digits: int = 3) -> str:
    return "" if value is None else f"{value:.{digits}g}"


def render(report) -> Table:  # type: ignore[no-untyped-def]
    """The per-field table: matched, both, agree, agreement, ours/theirs quantiles."""
    table = Table(
        title=f"crosscheck against {report.reference}: {report.n_matched} of our "
        f"{report.n_our_papers} papers matched ({report.n_their_papers} reference papers); "
        "median and p10-p90 of ours / theirs"
    )
    for column in ("field", "tol", "theirs", "both", "agree", "%", "median", "p10-p90"):
        table.add_column(column, justify="left" if column == "field" else "right",
                         no_wrap=column in ("field", "p10-p90"))  # fmt: skip
    for f in report.fields:
        quant = f.ratio_quantiles
        spread = f"{_fmt(quant['p10'])}-{_fmt(quant['p90'])}" if quant else ""
        table.add_row(
            f.field, "exact" if f.tolerance is None else f"±{f.tolerance:.0%}", str(f.n_theirs),
            str(f.n_both), str(f.n_agree),
            "" if f.agreement is None else f"{f.agreement:.0%}", _fmt(quant.get("p50")), spread,
        )  # fmt: skip
    return table


def crosscheck_command(
    reference: Annotated[Reference, typer.Option("--reference", help="mit or epoch.")],
    reference_dir: Annotated[
        Path | None,
        typer.Option("--reference-dir", help="Folder holding mit-futuretech/ and epoch/ "
                     "(default: $PAPERFLOPS_REFERENCE_DIR, else ../shared/reference)."),
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the report (with every comparison).")
    ] = None,
    db: Annotated[
        str | None, typer.Option("--db", envvar="PAPERFLOPS_DB_URL", help="Database URL.")
    ] = None,
) -> None:
    """Match our papers to a reference dataset by arXiv id; per field: agreement and the
    ratio of our value to theirs."""
    from analysis.cli import reference_dir as default_reference_dir
    from analysis.crosscheck import crosscheck
    from analysis.reference import ReferenceDataError
    from db.engine import session_scope
    from flows.cli import _engine

    folder = default_reference_dir(reference_dir)
    if not folder.is_dir():
        raise typer.BadParameter(f"folder not found: {folder}", param_hint="--reference-dir")
    engine = _engine(db)
    try:
        with session_scope(engine) as session:
            report = crosscheck(session, reference.value, folder)
    except ReferenceDataError as exc:
        raise typer.BadParameter(str(exc), param_hint="--reference-dir") from exc
    out.print(render(report))
    if json_out:
        json_out.write_text(json.dumps(report.to_dict(), indent=2, default=str) + "\n")
        out.print(f"report written: {json_out}")


def register(app: typer.Typer) -> None:
    app.command("crosscheck")(crosscheck_command)
