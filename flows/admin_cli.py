"""Administration commands: ``paperflops db-roles`` (least-privilege PostgreSQL roles).

Registered on the main app by ``flows.cli._register_extensions`` through ``register(app)``.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

console = Console(stderr=True)
out = Console()

EXIT_USAGE = 2


def db_roles(
    prefix: Annotated[
        str, typer.Option(help="Role names are <prefix>_refresh, _analyst, _curator.")
    ] = "paperflops",
    schema: Annotated[
        str | None,
        typer.Option(help="Schema to grant on (default: the connection's current schema)."),
    ] = None,
    show: Annotated[
        bool, typer.Option("--print", help="Print the SQL instead of running it.")
    ] = False,
    drop: Annotated[
        bool, typer.Option(help="Remove the roles (and their grants) instead.")
    ] = False,
    db: Annotated[
        str | None,
        typer.Option("--db", envvar="PAPERFLOPS_DB_URL", help="Database URL (PostgreSQL)."),
    ] = None,
) -> None:
    """Create (or refresh) the refresh/analyst/curator roles with least-privilege grants.

    Run it as the schema owner after every migration (it is idempotent). See docs/security.md.
    """
    from db import roles
    from db.engine import DatabaseUnavailableError, make_engine
    from flows.cli import EXIT_DB, _engine

    try:
        backend = make_engine(db).dialect.name  # no connection yet: nothing is created
    except DatabaseUnavailableError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_DB) from exc
    if backend != "postgresql":
        console.print(
            "[red]error:[/red] database roles need PostgreSQL (SQLite: use file permissions)"
        )
        raise typer.Exit(EXIT_USAGE)
    engine = _engine(db)
    try:
        names = roles.role_names(prefix)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--prefix") from exc
    try:
        if drop:
            roles.drop_roles(engine, prefix, schema)
            out.print(f"dropped roles {', '.join(names.all())}")
            return
        if show:
            found_schema, tables, views = roles.schema_objects(engine, schema)
            for statement in roles.role_statements(found_schema, tables, views, prefix):
                out.print(statement + ";", soft_wrap=True)
            return
        roles.create_roles(engine, prefix, schema)
    except ValueError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_USAGE) from exc
    finally:
        engine.dispose()
    out.print(
        f"roles ready: {names.refresh} (writes extractions), {names.analyst} (reads), "
        f"{names.curator} (reads, adds curations). Grant one to each login user, e.g. "
        f"GRANT {names.analyst} TO alice;"
    )


def register(app: typer.Typer) -> None:
    app.command("db-roles")(db_roles)
