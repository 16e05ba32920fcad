"""`paperflops serve` against a real Prefect server on 127.0.0.1.

Starts ``prefect server start`` (own PREFECT_HOME in tmp), runs ``paperflops serve`` with a cron
schedule in a subprocess, checks through the Prefect client that the deployment exists with
that schedule, triggers it with ``run_deployment`` and waits for the flow run to complete; the
run has extracted the two PDFs into an SQLite file in tmp. Every subprocess is killed at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from db.engine import make_engine, session_scope
from schema.tables import PaperStatus

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
PAPERS = ("1409.3215", "1508.01991")
CRON = "17 4 * * 1"
NAME = "serve-test"

pytestmark = [pytest.mark.slow, pytest.mark.corpus]

CHECK_AND_RUN = """
import asyncio, json, sys
from prefect import get_client
from prefect.deployments import run_deployment

async def deployment():
    async with get_client() as client:
        for _ in range(120):
            try:
                return await client.read_deployment_by_name(sys.argv[1])
            except Exception:
                await asyncio.sleep(0.5)
        raise SystemExit("deployment never appeared")

dep = asyncio.run(deployment())
crons = [s.schedule.cron for s in dep.schedules if hasattr(s.schedule, "cron")]
run = run_deployment(sys.argv[1], timeout=150, poll_interval=1)
print(json.dumps({"crons": crons, "parameters": dep.parameters,
                  "state": run.state.type.value if run.state else None,
                  "message": run.state.message if run.state else None}))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:  # type: ignore[type-arg]
    """Stop the subprocess and its own process group (serve's flow-run children)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    out |= {
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_TO_API_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "PAPERFLOPS_CACHE_DIR": str(tmp_path / "cache"),
        "PYTHONPATH": str(REPO),
    }
    return out


@pytest.fixture
def server(env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    log = (tmp_path / "server.log").open("wb")
    prefect = str(Path(sys.executable).with_name("prefect"))
    cmd = [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)  # fmt: skip
    api = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                tail = (tmp_path / "server.log").read_text()[-2000:]
                pytest.fail(f"prefect server exited: {tail}")
            try:
                with urllib.request.urlopen(f"{api}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("prefect server did not answer /api/health within 90 s")
            time.sleep(0.5)
        yield api
    finally:
        _stop(proc)
        log.close()


def test_serve_registers_cron_deployment_and_runs_it(
    server: str, env: dict[str, str], tmp_path: Path
) -> None:
    pdfs = [SHARED / "corpus" / "pdf" / f"{p}.pdf" for p in PAPERS]
    if not all(p.is_file() for p in pdfs):
        pytest.skip("corpus PDFs not found in ../shared/corpus/pdf")
    pdf_dir = tmp_path / "pdfs"
    pdf_dir.mkdir()
    for pdf in pdfs:
        shutil.copy(pdf, pdf_dir / pdf.name)
    db_url = f"sqlite:///{tmp_path / 'serve.sqlite'}"
    env = env | {"PREFECT_API_URL": server, "PAPERFLOPS_DB_URL": db_url}
    serve_log = (tmp_path / "serve.log").open("wb")
    serve = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "serve", "--cron", CRON, "--name", NAME,
         "--pdf-dir", str(pdf_dir)],
        cwd=REPO, env=env, stdout=serve_log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        check = subprocess.run(
            [sys.executable, "-c", CHECK_AND_RUN, f"paperflops-refresh/{NAME}"],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=240,
        )  # fmt: skip
    finally:
        _stop(serve)
        serve_log.close()
    logs = (tmp_path / "serve.log").read_text(errors="replace")[-3000:]
    assert check.returncode == 0, f"{check.stderr[-3000:]}\nserve log:\n{logs}"
    report = json.loads(check.stdout.strip().splitlines()[-1])
    assert report["crons"] == [CRON]
    assert report["parameters"] == {"sources": ["pdf-dir"], "pdf_dir": str(pdf_dir.resolve())}
    assert report["state"] == "COMPLETED", f"{report}\nserve log:\n{logs}"
    engine = make_engine(db_url)
    with session_scope(engine) as session:
        rows = dict(session.execute(select(PaperStatus.paper_id, PaperStatus.status)).all())
    engine.dispose()
    assert set(rows) == set(PAPERS)
    assert set(rows.values()) <= {"ok", "no_candidates"}, rows
