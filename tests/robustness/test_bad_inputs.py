"""Bad inputs mixed with good papers: each bad one gets a clear status and message, the good
ones are stored, and nothing else in the database or the folder changes.

The path is the refresh's: ``flows.isolation.run_isolated`` (worker process with limits) and
the per-paper store transaction (``db.store``), then ``paperflops status``.
"""

from __future__ import annotations

import hashlib
import math
import shutil
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select
from typer.testing import CliRunner

from db import store
from db.engine import session_scope
from flows.isolation import IsolatedRunner, Limits
from flows.pipeline import store_outcome
from flows.worker import PaperOutcome, PaperRef, sha256_file
from schema import quantities as q
from schema.tables import Curation, EvidenceRow, ModelSize, Paper, PaperStatus, Result, TrainingRun
from tests.robustness import make_bad_pdfs as bad

GOOD = ("1409.1556", "1512.03385", "1603.01354")  # VGG, ResNet, a cs.CL paper
LIMITS = Limits(timeout_s=30, max_pages=400, max_memory_mb=1000)
SPIN_LIMITS = Limits(timeout_s=3, max_pages=400, max_memory_mb=1000)  # for the glyph bomb

# name -> (expected statuses, a phrase the message must contain)
EXPECTED: dict[str, tuple[set[str], str | None]] = {
    "zero-bytes": ({q.STATUS_NOT_PDF}, "empty file (0 bytes)"),
    "html-as-pdf": ({q.STATUS_NOT_PDF}, "HTML page"),
    "truncated": ({q.STATUS_PARSE_ERROR}, "corrupt or unreadable PDF"),
    "garbage-body": ({q.STATUS_PARSE_ERROR}, "corrupt or unreadable PDF"),
    "corrupt-xref": ({q.STATUS_OK}, None),  # pdfium rebuilds the xref: the text is read
    "encrypted": ({q.STATUS_ENCRYPTED}, "password"),
    "image-only": ({q.STATUS_NEEDS_OCR}, "no usable text layer"),
    "many-pages": ({q.STATUS_TOO_LARGE}, "500 pages exceeds the cap of 400"),
    "odd-unicode": ({q.STATUS_OK, q.STATUS_NO_CANDIDATES}, None),
    "huge-table": ({q.STATUS_OK, q.STATUS_NO_CANDIDATES}, None),
    "glyph-page": ({q.STATUS_OK, q.STATUS_NO_CANDIDATES}, None),
    "deep-nesting": ({q.STATUS_OK, q.STATUS_NO_CANDIDATES}, None),
    "glyph-bomb": ({q.STATUS_TIMEOUT, q.STATUS_TOO_LARGE}, "PAPERFLOPS_"),
    "inflate-bomb": ({q.STATUS_TOO_LARGE}, "memory cap of 1000 MB"),
}


def _curation(paper_id: str) -> dict:
    return {"paper_id": paper_id, "kind": "result", "model": "m",
            "field_key": "imagenet/top1_accuracy", "action": "set", "after": {"value": 71.0},
            "curator": "ana"}  # fmt: skip


def _snapshot(engine: Engine, paper_id: str) -> dict[str, list]:
    with engine.connect() as conn:
        return {
            table.__tablename__: sorted(
                tuple(row) for row in conn.execute(select(table).where(table.paper_id == paper_id))
            )
            for table in (Paper, Curation, Result, TrainingRun, ModelSize, EvidenceRow, PaperStatus)
        }


@pytest.fixture(scope="module")
def mixed_folder(tmp_path_factory: pytest.TempPathFactory, shared_dir: Path) -> Path:
    folder = tmp_path_factory.mktemp("mixed")
    for paper_id in GOOD:
        shutil.copy(shared_dir / "corpus" / "pdf" / f"{paper_id}.pdf", folder)
    bad.write_bad_corpus(folder, list(EXPECTED))
    return folder


@pytest.fixture(scope="module")
def outcomes(mixed_folder: Path) -> dict[str, PaperOutcome]:
    """Every paper of the folder through one pool of isolated workers (done once)."""
    results = {}
    with IsolatedRunner(LIMITS) as runner:
        for path in sorted(mixed_folder.glob("*.pdf")):
            ref = PaperRef(paper_id=path.stem, path=str(path), sha256=sha256_file(path),
                           n_bytes=path.stat().st_size, year=2016)  # fmt: skip
            spin = path.stem == "glyph-bomb"
            results[path.stem] = runner.run(ref, SPIN_LIMITS if spin else None)
    return results


@pytest.mark.slow
@pytest.mark.corpus
def test_each_bad_input_gets_a_clear_status(outcomes: dict[str, PaperOutcome]) -> None:
    problems = []
    for name, (statuses, phrase) in EXPECTED.items():
        outcome = outcomes[name]
        if outcome.status not in statuses:
            problems.append(f"{name}: {outcome.status} ({outcome.message}), expected {statuses}")
        elif outcome.status in q.FAILED_STATUSES and not outcome.message:
            problems.append(f"{name}: {outcome.status} without a message")
        elif phrase and phrase not in (outcome.message or ""):
            problems.append(f"{name}: message {outcome.message!r} lacks {phrase!r}")
    for paper_id in GOOD:
        if outcomes[paper_id].status != q.STATUS_OK:
            problems.append(f"good paper {paper_id}: {outcomes[paper_id].status}")
    assert not problems, "\n".join(problems)


@pytest.mark.corpus
def test_odd_unicode_is_folded_and_absurd_numbers_are_not_values(
    outcomes: dict[str, PaperOutcome],
) -> None:
    extraction = outcomes["odd-unicode"].extraction
    for c in extraction.sizes:
        assert math.isfinite(c.value) and c.value > 0
    for run in extraction.training:
        for value in (run.hardware_count, run.chips, run.duration_hours, run.device_hours):
            assert value is None or (
                math.isfinite(value) and (value > 0 or run.status == q.REJECTED)
            )
    for r in extraction.results:
        assert math.isfinite(r.value)
        assert 0 <= r.value <= 100 or r.status == q.REJECTED
    good = [c for c in extraction.sizes if c.status != q.REJECTED]
    assert all(c.value == 25e6 or c.value == 25.6e6 for c in good), good


@pytest.mark.slow
@pytest.mark.corpus
def test_bad_inputs_are_recorded_and_nothing_else_changes(
    engine: Engine, mixed_folder: Path, outcomes: dict[str, PaperOutcome], db_url: str
) -> None:
    # Before: another paper with values and a curation, and a curation on a good paper.
    with session_scope(engine) as session:
        store.upsert_paper(session, "keep-me", title="Untouched")
        store.upsert_paper(session, GOOD[0])
    with engine.begin() as conn:
        for paper_id in ("keep-me", GOOD[0]):
            conn.execute(insert(Curation), _curation(paper_id))
    with session_scope(engine) as session:
        store.store_extraction(
            session, paper_id="keep-me", sha256="f" * 64, doc_path=None, n_bytes=1, n_pages=1,
            extraction=outcomes[GOOD[1]].extraction, extractor_key="old", extractor_version="old",
            run_id="run-0", seconds=1.0,
        )  # fmt: skip
    before_keep = _snapshot(engine, "keep-me")
    before_curation = _snapshot(engine, GOOD[0])["curations"]
    files_before = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in mixed_folder.iterdir()
    }

    for outcome in outcomes.values():
        store_outcome(engine, outcome, run_id="run-1", key="test")

    assert _snapshot(engine, "keep-me") == before_keep
    assert _snapshot(engine, GOOD[0])["curations"] == before_curation
    files_after = {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in mixed_folder.iterdir()
    }
    assert files_after == files_before
    with engine.connect() as conn:
        statuses = dict(conn.execute(select(PaperStatus.paper_id, PaperStatus.status)).all())
        for name, (expected, _) in EXPECTED.items():
            assert statuses[name] in expected, name
            if statuses[name] in q.FAILED_STATUSES:
                n_values = sum(
                    conn.execute(select(func.count()).where(table.paper_id == name)).scalar_one()
                    for table in (Result, TrainingRun, ModelSize, EvidenceRow)
                )
                assert n_values == 0, f"{name} failed but left {n_values} rows"
        for paper_id in GOOD:
            assert statuses[paper_id] == q.STATUS_OK
            n_results = conn.execute(
                select(func.count()).where(Result.paper_id == paper_id)
            ).scalar_one()
            assert n_results > 0 or paper_id == "1603.01354"

    # paperflops status lists every failure with its reason
    from flows.cli import app

    answer = CliRunner().invoke(app, ["status", "--db", db_url])
    assert answer.exit_code == 0, answer.output
    for name, (expected, _) in EXPECTED.items():
        if expected <= set(q.FAILED_STATUSES):
            assert name in answer.output, name
    assert "HTML page" in answer.output and "encrypted" in answer.output
    failing = CliRunner().invoke(app, ["status", "--db", db_url, "--fail-on-errors"])
    assert failing.exit_code == 1
