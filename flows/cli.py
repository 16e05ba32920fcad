"""The ``paperflops`` command line.

Exit codes (also in the README): 0 success (papers that failed are recorded, not fatal);
1 the command ran but found a problem it reports (e.g. ``status --fail-on-errors``);
2 usage error (bad option, missing folder or file); 3 database unreachable; 4 Prefect's API
(server or ephemeral server) unreachable.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

EXIT_PROBLEM = 1
EXIT_USAGE = 2
EXIT_DB = 3
EXIT_ORCHESTRATOR = 4

app = typer.Typer(
    name="paperflops",
    help="Rebuild the compute-per-result dataset of deep-learning papers, with provenance.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)
out = Console()

DbOption = Annotated[
    str | None,
    typer.Option("--db", envvar="PAPERFLOPS_DB_URL", help="Database URL (default: sqlite file paperflops.sqlite)."),
]

_PREFECT_DEFAULTS = {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_TO_API_ENABLED": "false",
    "PREFECT_UI_ENABLED": "false",
}


def _prefect_env() -> None:
    """Quiet, patient defaults for Prefect's ephemeral server (the user's settings win)."""
    for name, value in _PREFECT_DEFAULTS.items():
        os.environ.setdefault(name, value)


def _engine(db: str | None):  # type: ignore[no-untyped-def]
    from db.engine import DatabaseUnavailableError, check_connection, make_engine, migrate

    try:
        engine = make_engine(db)
        check_connection(engine)
        migrate(engine)
    except DatabaseUnavailableError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_DB) from exc
    return engine


@app.command()
def refresh(
    pdf_dir: Annotated[
        Path | None, typer.Option(help="Folder of PDFs to read (searched recursively).")
    ] = None,
    sources: Annotated[
        str, typer.Option(help="Comma-separated sources: pdf-dir,arxiv,leaderboards.")
    ] = "pdf-dir",
    leaderboard: Annotated[
        list[str] | None,
        typer.Option(
            "--leaderboard",
            metavar="PATH_OR_URL",
            help="Leaderboard file, folder or URL (evaluation-tables .json/.json.gz/.parquet); "
            "repeatable; added to [leaderboards].paths of the config.",
        ),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            envvar="PAPERFLOPS_DATA_DIR",
            help="Where downloaded PDFs are kept (<data-dir>/pdfs). Default ./data.",
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            envvar="PAPERFLOPS_SOURCES_CONFIG",
            help="TOML merged over the packaged flows/sources.toml "
            "(arXiv queries, pacing, leaderboards).",
        ),
    ] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="At most this many papers per PDF source.")
    ] = None,
    force: Annotated[bool, typer.Option(help="Re-extract papers even when unchanged.")] = False,
    workers: Annotated[
        int | None,
        typer.Option(min=1, envvar="PAPERFLOPS_WORKERS", help="Extraction processes (default: one per CPU)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Fetch, parse and extract new or changed papers into the database (incremental)."""
    _prefect_env()  # before anything imports prefect: its settings are read at import
    wanted = _refresh_sources(sources, pdf_dir, leaderboard, config)
    _engine(db).dispose()
    if wanted == {"pdf-dir"} and pdf_dir is not None and not force and _nothing_changed(pdf_dir, db, limit):
        return
    from flows.pipeline import refresh_flow

    try:
        report = _run_refresh(
            refresh_flow,
            pdf_dir=str(pdf_dir) if pdf_dir else None,
            db_url=_url_for_flow(db),
            limit=limit,
            force=force,
            sources=sorted(wanted),
            data_dir=str(data_dir) if data_dir else None,
            config_path=str(config) if config else None,
            leaderboards=list(leaderboard or []),
            workers=workers,
        )
    except OrchestratorUnavailableError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_ORCHESTRATOR) from exc
    _print_refresh(report, wanted)


def _url_for_flow(db: str | None) -> str | None:
    """Flow parameters are recorded by Prefect (database, UI): a URL with a password reaches
    the flow through the environment instead, and the parameter stays empty."""
    if not db:
        return None
    from sqlalchemy.engine import make_url

    from db.engine import ENV_DB_URL

    if make_url(db).password is None:
        return db
    os.environ[ENV_DB_URL] = db
    return None


def _nothing_changed(pdf_dir: Path, db: str | None, limit: int | None) -> bool:
    """The no-change fast path: every file already extracted by this extractor."""
    from flows.incremental import unchanged_run
    from flows.version import CODE_VERSION

    n_papers = unchanged_run(pdf_dir, db, limit, CODE_VERSION)
    if n_papers is None:
        return False
    out.print(f"{n_papers} papers, 0 extracted, {n_papers} unchanged, 0 failed "
              "(nothing changed: no flow run started)")  # fmt: skip
    return True


class OrchestratorUnavailableError(RuntimeError):
    """Prefect's API (a server, or the ephemeral one it starts) could not be reached."""


def _run_refresh(flow_fn, **kwargs):  # type: ignore[no-untyped-def]
    try:
        return flow_fn(**kwargs)
    except RuntimeError as exc:
        if "Prefect API" not in str(exc) and "ephemeral" not in str(exc).lower():
            raise
        raise OrchestratorUnavailableError(
            f"{exc} Start a server (`prefect server start`) and set PREFECT_API_URL, or raise "
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS on a busy machine."
        ) from exc


def _refresh_sources(
    sources: str, pdf_dir: Path | None, leaderboard: list[str] | None, config: Path | None
) -> set[str]:
    """The enabled sources, after checking that each has what it needs (else exit 2)."""
    from flows.config import load_sources_config
    from schema.quantities import REFRESH_SOURCES as SOURCES

    wanted = {s.strip() for s in sources.split(",") if s.strip()}
    if not wanted or wanted - set(SOURCES):
        bad = ", ".join(sorted(wanted - set(SOURCES))) or "none given"
        raise typer.BadParameter(
            f"unknown source(s): {bad}; choose from {','.join(SOURCES)}", param_hint="--sources"
        )
    if "pdf-dir" in wanted and pdf_dir is None:
        raise typer.BadParameter("the pdf-dir source needs --pdf-dir DIR", param_hint="--pdf-dir")
    if pdf_dir is not None and not pdf_dir.is_dir():
        raise typer.BadParameter(f"{pdf_dir} is not a folder", param_hint="--pdf-dir")
    if config is not None and not config.is_file():
        raise typer.BadParameter(f"{config} is not a file", param_hint="--config")
    try:
        settings = load_sources_config(config)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        message = f"cannot use the sources config: {exc}"
        raise typer.BadParameter(message, param_hint="--config") from exc
    if leaderboard and "leaderboards" not in wanted:
        raise typer.BadParameter(
            "--leaderboard needs 'leaderboards' in --sources", param_hint="--leaderboard"
        )
    if "leaderboards" in wanted and not (leaderboard or settings.leaderboards.paths):
        raise typer.BadParameter(
            "the leaderboards source needs --leaderboard PATH_OR_URL "
            "or [leaderboards].paths in the config",
            param_hint="--leaderboard",
        )
    return wanted


def _say(text: str) -> None:
    """A plain line on stdout: no markup (messages hold brackets), no wrapping of long lines."""
    out.print(text, markup=False, highlight=False, soft_wrap=True)


def _print_refresh(report, wanted: set[str]) -> None:  # type: ignore[no-untyped-def]
    if "arxiv" in wanted:
        _say(
            f"arXiv: {report.n_harvested} records harvested, "
            f"{report.n_downloaded} PDFs downloaded, {report.n_download_cached} already stored"
        )
        for query, error in report.harvest_errors:
            _say(f"  query {query} stopped early: {error}")
    _say(
        f"run {report.run_id}: {report.n_papers} papers, {report.n_extracted} extracted, "
        f"{report.n_skipped} unchanged, {report.n_failed} failed"
    )
    for paper_id, status, message in report.failures:
        _say(f"  {paper_id}: {status}: {message.splitlines()[0] if message else ''}")
    for lb in report.leaderboards:
        if lb.error:
            _say(f"leaderboard {lb.source}: not ingested: {lb.error}")
            continue
        rep = lb.report
        per = ", ".join(f"{k} {v}" for k, v in sorted(rep.per_benchmark.items())) or "none"
        skipped = ", ".join(f"{k} {v}" for k, v in sorted(rep.skipped.items())) or "none"
        _say(
            f"leaderboard {lb.label}: {rep.n_stored} results stored ({per}); "
            f"{rep.n_new_papers} new papers; skipped: {skipped}"
        )


@app.command()
def status(
    db: DbOption = None,
    fail_on_errors: Annotated[bool, typer.Option(help="Exit 1 when any paper failed.")] = False,
) -> None:
    """Papers per status, the latest runs, and every failure with its reason."""
    from db import queries
    from db.engine import session_scope

    engine = _engine(db)
    with session_scope(engine) as session:
        summary = queries.status_summary(session)
        failures = queries.failures(session)
    table = Table(title="papers by status")
    table.add_column("status")
    table.add_column("papers", justify="right")
    for name, count in _pairs(summary):
        table.add_row(str(name), str(count))
    out.print(table)
    if len(failures):
        fail = Table(title="failures")
        for column in ("paper_id", "status", "message"):
            fail.add_column(column)
        for row in _rows(failures):
            fail.add_row(str(row[0]), str(row[1]), str(row[2] or "").splitlines()[0][:120] if row[2] else "")
        out.print(fail)
    if fail_on_errors and len(failures):
        raise typer.Exit(EXIT_PROBLEM)


def _pairs(summary):  # type: ignore[no-untyped-def]
    if hasattr(summary, "itertuples"):  # a DataFrame (status, papers)
        return [(r[0], r[1]) for r in summary.itertuples(index=False)]
    if hasattr(summary, "items"):
        return list(summary.items())
    return list(summary)


def _rows(frame):  # type: ignore[no-untyped-def]
    if hasattr(frame, "itertuples"):
        return [tuple(r) for r in frame.itertuples(index=False)]
    return [tuple(r) if not hasattr(r, "paper_id") else (r.paper_id, r.status, r.message) for r in frame]


@app.command()
def export(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder that receives the snapshot folder.")],
    db: DbOption = None,
) -> None:
    """Write an immutable snapshot (CSV + Parquet, data dictionary, manifest)."""
    from db.export import export_snapshot
    from extract.rules_loader import ruleset_sha256
    from flows.version import CODE_VERSION

    engine = _engine(db)
    path = export_snapshot(engine, out_dir, code_version=CODE_VERSION, ruleset_sha256=ruleset_sha256())
    out.print(f"snapshot written: {path}")


@app.command("eval")
def evaluate(
    gold: Annotated[Path, typer.Option(help="Gold labels (JSONL, format of gold/SPEC.md).")],
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the full report as JSON.")] = None,
    misses: Annotated[int, typer.Option(help="Show this many misses per field.")] = 0,
    db: DbOption = None,
) -> None:
    """Score the database's extractions against gold labels (P, R, F1 per field)."""
    if not gold.is_file():
        raise typer.BadParameter(f"{gold} is not a file", param_hint="--gold")
    from db import queries
    from db.engine import session_scope
    from extract import evaluate as ev

    engine = _engine(db)
    with session_scope(engine) as session:
        extracted = queries.extracted_for_eval(session)
    report = ev.evaluate(ev.load_gold(gold), extracted)
    out.print(ev.render_table(report))
    if misses:
        _print_misses(ev.report_to_dict(report), misses)
    if json_out:
        json_out.write_text(ev.report_to_json(report), encoding="utf-8")
        out.print(f"report written: {json_out}")


def _print_misses(data: dict, n: int) -> None:
    for name, field in data.get("fields", {}).items():
        for miss in field.get("misses", [])[:n]:
            out.print(f"  miss {name}: {json.dumps(miss, default=str)[:200]}")


def _register_extensions() -> None:
    __import__("flows.serve_cli").serve_cli.register(app)
    __import__("flows.admin_cli").admin_cli.register(app)
    from flows.curate_cli import register as register_curate

    register_curate(app)
    try:
        from analysis.cli import register
    except ImportError:  # the analysis package is optional at import time
        return
    register(app)
    from flows.crosscheck_cli import register as register_crosscheck

    register_crosscheck(app)


_register_extensions()


def main() -> None:  # pragma: no cover - console entry
    logging.basicConfig(level=logging.WARNING)
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
