"""``paperflops curate export|import``: the spreadsheet path for curators (``db.curation_csv``).

The curator recorded on every row comes from configuration (``$PAPERFLOPS_CURATOR`` or
``~/.config/paperflops/curator``), never from a per-line or per-command text.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

EXIT_PROBLEM = 1
EXIT_USAGE = 2

console = Console(stderr=True)
out = Console()

DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar="PAPERFLOPS_DB_URL", help="Database URL (default: sqlite file "
                 "paperflops.sqlite)."),  # fmt: skip
]


class QueueStatus(StrEnum):
    open = "open"
    curated = "curated"
    all = "all"
    pending = "pending"
    conflict = "conflict"


def _say(text: str) -> None:
    out.print(text, markup=False, highlight=False, soft_wrap=True)


def _engine(db: str | None):  # type: ignore[no-untyped-def]
    from flows.cli import _engine as open_engine

    return open_engine(db)


def export_cmd(
    out_file: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    status: Annotated[
        QueueStatus, typer.Option(help="Which items: open (pending + conflict), curated, all...")
    ] = QueueStatus.open,
    paper: Annotated[list[str] | None, typer.Option(help="Only these paper ids.")] = None,
    field: Annotated[
        list[str] | None,
        typer.Option(help="Only these kinds or field keys (result, size, param_count, ...)."),
    ] = None,
    benchmark: Annotated[list[str] | None, typer.Option(help="Only these benchmarks.")] = None,
    db: DbOption = None,
) -> None:
    """Write the review queue as a CSV to fill in (action, value, unit, reason)."""
    from db.curation_csv import export_csv
    from db.engine import session_scope

    engine = _engine(db)
    with session_scope(engine) as session:
        n = export_csv(session, out_file, status=status.value, paper=paper or None,
                       field=field or None, benchmark=benchmark or None)  # fmt: skip
    engine.dispose()
    _say(f"{n} item(s) written to {out_file}")


def import_cmd(
    csv_file: Annotated[Path, typer.Argument(help="Corrections CSV (from curate export).")],
    dry_run: Annotated[bool, typer.Option(help="Only check the file.")] = False,
    db: DbOption = None,
) -> None:
    """Record the decisions of a corrections CSV: all of them, or none when a line is invalid."""
    from db.curation import CuratorNotConfiguredError, resolve_curator
    from db.curation_csv import CsvImportError, import_csv
    from db.engine import session_scope

    if not csv_file.is_file():
        raise typer.BadParameter(f"{csv_file} is not a file", param_hint="CSV_FILE")
    try:
        curator = resolve_curator()
    except CuratorNotConfiguredError as exc:
        console.print(f"error: {exc}", markup=False, highlight=False)
        raise typer.Exit(EXIT_USAGE) from exc
    engine = _engine(db)
    try:
        with session_scope(engine) as session:
            records = import_csv(session, csv_file, curator, dry_run=dry_run)
    except CsvImportError as exc:
        for error in exc.errors:
            _say(str(error))
        _say(f"{len(exc.errors)} invalid line(s); nothing applied")
        raise typer.Exit(EXIT_PROBLEM) from exc
    finally:
        engine.dispose()
    if dry_run:
        _say("file is valid; nothing applied (--dry-run)")
        return
    for record in records:
        _say(f"{record.action}: {record.field} (seq {record.seq})")
    _say(f"{len(records)} decision(s) recorded by {curator}")


def register(app: typer.Typer) -> None:
    """Add the ``curate`` sub-commands to the main app."""
    curate = typer.Typer(
        name="curate",
        help="Curator decisions in bulk: export the review queue as CSV, import it back.",
        no_args_is_help=True,
    )
    curate.command("export")(export_cmd)
    curate.command("import")(import_cmd)
    app.add_typer(curate, name="curate")
