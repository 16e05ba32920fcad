"""``paperflops serve``: the refresh as a Prefect deployment on a cron schedule.

``serve`` registers the deployment ``paperflops-refresh/<name>`` with the Prefect server named by
``PREFECT_API_URL`` (or the active Prefect profile) and then runs, in this process, every run
the server schedules for it, until interrupted. Cron schedules need a real server (``prefect
server start``): Prefect's temporary per-process server does not keep a scheduler running, so
``serve`` refuses to start without one. For work pools and ``prefect deploy`` see
``prefect.yaml`` and docs/operations.md.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from db.engine import ENV_DB_URL

DEFAULT_CRON = "0 3 * * *"
DEFAULT_NAME = "scheduled-refresh"


def _api_url() -> str | None:
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    return str(url) if url else None


def _has_password(db: str) -> bool:
    from sqlalchemy.engine import make_url

    from db.engine import resolve_url

    return bool(make_url(resolve_url(db)).password)


def deployment_parameters(
    pdf_dir: Path | None,
    sources: set[str],
    db: str | None,
    data_dir: Path | None,
    config: Path | None,
    limit: int | None,
    leaderboard: list[str] | None,
) -> dict[str, object]:
    """The flow parameters stored with the deployment (paths made absolute, unset ones left out).

    The database URL is only stored when given and without a password: Prefect keeps
    parameters in its database and shows them in its UI, so a URL with a password stays in
    ``PAPERFLOPS_DB_URL`` of the serving process's environment, which every run inherits.
    """
    params: dict[str, object] = {"sources": sorted(sources)}
    if pdf_dir is not None:
        params["pdf_dir"] = str(pdf_dir.resolve())
    if db and not _has_password(db):
        params["db_url"] = db
    if data_dir is not None:
        params["data_dir"] = str(data_dir.resolve())
    if config is not None:
        params["config_path"] = str(config.resolve())
    if limit is not None:
        params["limit"] = limit
    if leaderboard:
        params["leaderboards"] = list(leaderboard)
    return params


def serve(
    cron: Annotated[
        str, typer.Option(help="Cron expression of the schedule, in UTC.")
    ] = DEFAULT_CRON,
    pdf_dir: Annotated[
        Path | None, typer.Option(help="Folder of PDFs each run reads (searched recursively).")
    ] = None,
    name: Annotated[str, typer.Option(help="Deployment name.")] = DEFAULT_NAME,
    sources: Annotated[
        str, typer.Option(help="Comma-separated sources: pdf-dir,arxiv,leaderboards.")
    ] = "pdf-dir",
    leaderboard: Annotated[
        list[str] | None,
        typer.Option("--leaderboard", metavar="PATH_OR_URL", help="As for refresh; repeatable."),
    ] = None,
    data_dir: Annotated[
        Path | None, typer.Option(help="Where downloaded PDFs are kept (<data-dir>/pdfs).")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="Sources TOML, as for refresh.")
    ] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="At most this many papers per PDF source.")
    ] = None,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database URL stored with the deployment. Default: each run reads "
            "PAPERFLOPS_DB_URL from this process's environment (better for passwords).",
        ),
    ] = None,
) -> None:
    """Serve the refresh as a Prefect deployment on a cron schedule (needs a Prefect server)."""
    from prefect.client.schemas.schedules import CronSchedule

    from flows import cli

    try:
        CronSchedule(cron=cron)
    except ValueError as exc:
        raise typer.BadParameter(f"invalid cron expression {cron!r}", param_hint="--cron") from exc
    wanted = cli._refresh_sources(sources, pdf_dir, leaderboard, config)
    cli._engine(db).dispose()
    cli._prefect_env()
    api = _api_url()
    if not api:
        cli.console.print(
            "[red]error:[/red] no Prefect server: start one with `prefect server start` and set "
            "PREFECT_API_URL (e.g. http://127.0.0.1:4200/api); see docs/operations.md"
        )
        raise typer.Exit(cli.EXIT_USAGE)
    from flows.pipeline import refresh_flow

    params = deployment_parameters(pdf_dir, wanted, db, data_dir, config, limit, leaderboard)
    if db and "db_url" not in params:  # a password: runs read it from this environment
        os.environ[ENV_DB_URL] = db
    cli.console.print(
        f"serving paperflops-refresh/{name} on {api}, cron {cron!r}, parameters {params}",
        markup=False,
    )
    refresh_flow.serve(name=name, cron=cron, parameters=params, print_starting_message=False)


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the ``paperflops`` command line."""
    app.command("serve")(serve)
