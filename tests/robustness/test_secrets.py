"""A database password never shows: not in CLI output, logs, the database, the Prefect run
records, nor an export snapshot. Credentials come from the environment or a secrets file.

PostgreSQL here trusts 127.0.0.1, so a URL with any password connects: the tests put a
recognisable password in it and look for it everywhere afterwards.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from db.engine import DatabaseUnavailableError, make_engine, redact, resolve_url
from tests.robustness import make_bad_pdfs as bad

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "Pw-7f3c-DoNotLeak"
PG = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


def _with_password(db_url: str) -> str:
    return make_url(db_url).set(password=PASSWORD).render_as_string(hide_password=False)


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PAPERFLOPS_DB_URL")}


def test_url_from_a_secrets_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "db_url"
    secret.write_text(f"\n  postgresql://u:{PASSWORD}@db.example:5432/pf  \n", encoding="utf-8")
    monkeypatch.delenv("PAPERFLOPS_DB_URL", raising=False)
    monkeypatch.setenv("PAPERFLOPS_DB_URL_FILE", str(secret))
    assert resolve_url() == f"postgresql+psycopg://u:{PASSWORD}@db.example:5432/pf"
    assert resolve_url("sqlite:///x.sqlite") == "sqlite:///x.sqlite"  # --db wins
    monkeypatch.setenv("PAPERFLOPS_DB_URL", "sqlite:///env.sqlite")
    assert resolve_url() == "sqlite:///env.sqlite"  # the variable wins over the file
    assert PASSWORD not in redact(f"postgresql+psycopg://u:{PASSWORD}@h/x")


@pytest.mark.parametrize("content", [None, "", "\n\n"])
def test_unreadable_or_empty_secrets_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | None
) -> None:
    secret = tmp_path / "db_url"
    if content is not None:
        secret.write_text(content, encoding="utf-8")
    monkeypatch.delenv("PAPERFLOPS_DB_URL", raising=False)
    monkeypatch.setenv("PAPERFLOPS_DB_URL_FILE", str(secret))
    with pytest.raises(DatabaseUnavailableError, match="PAPERFLOPS_DB_URL_FILE"):
        resolve_url()


def test_serve_never_stores_a_password_in_the_deployment() -> None:
    from flows.serve_cli import deployment_parameters

    with_pw = deployment_parameters(None, {"pdf-dir"}, f"postgresql://u:{PASSWORD}@h/x", None,
                                    None, None, None)  # fmt: skip
    assert "db_url" not in with_pw and PASSWORD not in repr(with_pw)
    plain = deployment_parameters(None, {"pdf-dir"}, "sqlite:///pf.sqlite", None, None, None, None)
    assert plain["db_url"] == "sqlite:///pf.sqlite"


def test_bad_urls_are_not_echoed() -> None:
    for url in (f"nonsense://u:{PASSWORD}@h/x", f"::{PASSWORD}::"):
        with pytest.raises(DatabaseUnavailableError) as caught:
            make_engine(url)
        assert PASSWORD not in str(caught.value)
    answer = CliRunner().invoke(
        __import__("flows.cli").cli.app, ["status", "--db", f"nonsense://u:{PASSWORD}@h/x"],
        env=_clean_env(),
    )  # fmt: skip
    assert answer.exit_code == 3
    assert PASSWORD not in answer.output


@PG
def test_password_never_in_output_logs_database_or_export(
    db_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from flows.cli import app

    url = _with_password(db_url)
    secret = tmp_path / "secret-url"
    secret.write_text(url + "\n", encoding="utf-8")
    caplog.set_level(logging.DEBUG)
    runner = CliRunner()
    outputs = [
        runner.invoke(app, ["status", "--db", url], env=_clean_env()),
        runner.invoke(app, ["status"], env=_clean_env() | {"PAPERFLOPS_DB_URL": url}),
        runner.invoke(app, ["status"], env=_clean_env() | {"PAPERFLOPS_DB_URL_FILE": str(secret)}),
        runner.invoke(
            app, ["export", "--out", str(tmp_path / "snap"), "--db", url], env=_clean_env()
        ),
    ]
    for answer in outputs:
        assert answer.exit_code == 0, answer.output
        assert PASSWORD not in answer.output
    wrong_port = url.replace(":5432/", ":1/")
    failed = runner.invoke(app, ["status", "--db", wrong_port], env=_clean_env())
    assert failed.exit_code == 3 and "cannot reach database" in " ".join(failed.output.split())
    assert PASSWORD not in failed.output
    assert PASSWORD not in caplog.text
    snapshot_files = [p for p in (tmp_path / "snap").rglob("*") if p.is_file()]
    assert any(p.name == "manifest.json" for p in snapshot_files)
    for path in snapshot_files:
        assert PASSWORD.encode() not in path.read_bytes(), path


@PG
@pytest.mark.slow
@pytest.mark.parametrize(
    "given_by",
    [
        "secrets-file",
        "env",
        "option",
    ],
)
def test_refresh_never_records_the_password(
    db_url: str, tmp_path: Path, prefect_api_url: str, given_by: str
) -> None:
    """A refresh subprocess, the URL given three ways: output, database, Prefect's records."""
    pdf_dir = tmp_path / "pdf"
    pdf_dir.mkdir()
    (pdf_dir / "2001.00001.pdf").write_bytes(bad.paper_like())
    (pdf_dir / "broken.pdf").write_bytes(bad.html_as_pdf())
    url = _with_password(db_url)
    secret = tmp_path / "secret-url"
    secret.write_text(url, encoding="utf-8")
    env = _clean_env() | {"PREFECT_API_URL": prefect_api_url, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", "flows.cli", "refresh", "--pdf-dir", str(pdf_dir)]
    if given_by == "secrets-file":
        env["PAPERFLOPS_DB_URL_FILE"] = str(secret)
    elif given_by == "env":
        env["PAPERFLOPS_DB_URL"] = url
    else:
        cmd += ["--db", url]
    done = subprocess.run(
        cmd,
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert PASSWORD not in done.stdout + done.stderr
    engine = make_engine(db_url)
    with engine.connect() as conn:
        for table, column in (
            ("runs", "options"),
            ("paper_status", "message"),
            ("documents", "path"),
        ):
            values = conn.execute(text(f"SELECT {column} FROM {table}")).scalars().all()
            assert values and PASSWORD not in str(values), table
    engine.dispose()
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs()
    assert runs
    for run in runs:  # every run of the session's server, earlier variants included
        assert PASSWORD not in repr(run.parameters), f"flow run {run.name} stores the password"
