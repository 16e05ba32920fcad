"""kill -9 in the middle of ``paperflops refresh``, then a rerun: no duplicate rows, every paper
stored whole or not at all, curations intact. Also: an unreachable database exits 3."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select, text

from db.engine import make_engine, migrate
from schema import quantities as q
from schema.tables import (
    Curation,
    EvidenceRow,
    ModelSize,
    Paper,
    PaperStatus,
    Result,
    Run,
    TrainingRun,
)

REPO = Path(__file__).resolve().parents[2]
N_PAPERS = 10
KILL_AFTER = 3  # papers stored


def _refresh_cmd(pdf_dir: Path, db_url: str) -> list[str]:
    return [sys.executable, "-m", "flows.cli", "refresh", "--pdf-dir", str(pdf_dir), "--db", db_url]


def _env(api_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PAPERFLOPS_DB_URL"}
    return env | {"PREFECT_API_URL": api_url, "PYTHONPATH": str(REPO)}


def _stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(
            select(func.count()).where(
                PaperStatus.status.in_([q.STATUS_OK, q.STATUS_NO_CANDIDATES])
            )
        ).scalar_one()


def _curation(paper_id: str, curator: str) -> dict:
    return {"paper_id": paper_id, "kind": "training", "model": "", "field_key": "train",
            "action": "set", "after": {"hardware": "tesla-k40", "hardware_count": 4},
            "curator": curator, "reason": "read the paper"}  # fmt: skip


def check_consistency(engine: Engine) -> set[str]:
    """Assert no half-written paper and no duplicates; return the fully stored papers."""
    with engine.connect() as conn:
        done = {
            row.paper_id: row
            for row in conn.execute(select(PaperStatus)).all()
            if row.status in (q.STATUS_OK, q.STATUS_NO_CANDIDATES)
        }
        for table, counted in (
            (Result, "n_results"),
            (TrainingRun, "n_training"),
            (ModelSize, "n_sizes"),
        ):
            per_paper = dict(conn.execute(
                select(table.paper_id, func.count()).where(table.status != q.REJECTED)
                .group_by(table.paper_id)
            ).all())  # fmt: skip
            for paper_id, n in per_paper.items():
                assert paper_id in done, (
                    f"{table.__tablename__} rows of unfinished paper {paper_id}"
                )
                assert n == getattr(done[paper_id], counted), (paper_id, table.__tablename__)
        n_values = sum(conn.execute(select(func.count()).select_from(t)).scalar_one()
                       for t in (Result, TrainingRun, ModelSize))  # fmt: skip
        n_evidence = conn.execute(select(func.count()).select_from(EvidenceRow)).scalar_one()
        assert n_evidence == n_values, "evidence rows without a value (or shared)"
        dup_results = conn.execute(text(
            "SELECT paper_id, benchmark, metric, COALESCE(model, ''), value, COUNT(*) FROM results "
            "GROUP BY paper_id, benchmark, metric, COALESCE(model, ''), value HAVING COUNT(*) > 1"
        )).all()  # fmt: skip
        assert not dup_results, dup_results[:5]
        dup_sizes = conn.execute(text(
            "SELECT paper_id, quantity, COALESCE(model, ''), value, COUNT(*) FROM model_sizes "
            "GROUP BY paper_id, quantity, COALESCE(model, ''), value HAVING COUNT(*) > 1"
        )).all()  # fmt: skip
        assert not dup_sizes, dup_sizes[:5]
    return set(done)


@pytest.mark.slow
@pytest.mark.corpus
def test_kill9_mid_refresh_then_rerun(
    db_url: str, tmp_path: Path, shared_dir: Path, prefect_api_url: str
) -> None:
    pdf_dir = tmp_path / "pdf"
    pdf_dir.mkdir()
    sources = sorted((shared_dir / "corpus" / "pdf").glob("*.pdf"))[:N_PAPERS]
    for path in sources:
        shutil.copy(path, pdf_dir)
    ids = [p.stem for p in sources]
    engine = make_engine(db_url)
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(insert(Paper), [{"paper_id": ids[0]}, {"paper_id": ids[-1]}])
        conn.execute(insert(Curation), _curation(ids[0], "before-start"))

    log = (tmp_path / "first.log").open("w")
    proc = subprocess.Popen(
        _refresh_cmd(pdf_dir, db_url), cwd=REPO, env=_env(prefect_api_url),
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 600
        mid_run_curation = False
        while time.monotonic() < deadline and proc.poll() is None:
            stored = _stored(engine)
            if stored >= 1 and not mid_run_curation:
                with engine.begin() as conn:  # a curator works while the refresh writes
                    conn.execute(insert(Curation), _curation(ids[-1], "during-run"))
                mid_run_curation = True
            if stored >= KILL_AFTER:
                break
            time.sleep(0.05)
        assert proc.poll() is None, (
            "refresh ended before it could be killed:\n"
            + (tmp_path / "first.log").read_text()[-3000:]
        )
        assert mid_run_curation and _stored(engine) >= KILL_AFTER, (
            "refresh too slow to store papers"
        )
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(30)
        log.close()
    assert proc.returncode == -signal.SIGKILL

    partial = check_consistency(engine)
    assert KILL_AFTER <= len(partial) < N_PAPERS, f"{len(partial)} papers stored at the kill"

    again = subprocess.run(
        _refresh_cmd(pdf_dir, db_url), cwd=REPO, env=_env(prefect_api_url),
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-3000:]
    assert f"{N_PAPERS} papers" in again.stdout
    complete = check_consistency(engine)
    assert complete == set(ids)
    with engine.connect() as conn:
        curations = conn.execute(select(Curation.paper_id, Curation.curator, Curation.after)).all()
        states = sorted(conn.execute(select(Run.state)).scalars())
    assert sorted((c.paper_id, c.curator) for c in curations) == sorted(
        [(ids[0], "before-start"), (ids[-1], "during-run")]
    )
    assert all(c.after == {"hardware": "tesla-k40", "hardware_count": 4} for c in curations)
    assert states == ["finished", "running"]  # the killed run stays visibly unfinished
    engine.dispose()


def test_unreachable_database_exits_3_with_a_clear_message() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "status", "--db",
         "postgresql+psycopg://paperflops:s3cret-pw@127.0.0.1:1/x"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
        env={k: v for k, v in os.environ.items() if k != "PAPERFLOPS_DB_URL"},
    )  # fmt: skip
    assert done.returncode == 3, done.stdout + done.stderr
    message = " ".join((done.stdout + done.stderr).split())
    assert "cannot reach database" in message and "127.0.0.1:1" in message
    assert "s3cret-pw" not in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
