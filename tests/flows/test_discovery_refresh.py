"""The refresh with discovery switched on: arXiv harvest -> download -> extract, leaderboards.

Flow runs go against the fake arXiv on 127.0.0.1 (three small corpus papers) on SQLite and
PostgreSQL, under one Prefect test server per session.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from db import sources as dbs
from db import store
from db.engine import make_engine, migrate, session_scope
from extract.sources.leaderboards import mapped_rows, normalise_title, read_leaderboard
from flows.config import load_sources_config
from flows.discovery import expand_leaderboard_sources, ingest_leaderboards_task
from flows.pipeline import refresh_flow
from schema import quantities as q
from schema.records import Extraction
from schema.tables import Document, EvidenceRow, Paper, PaperStatus, Result, SourceWatermark
from tests.fakes.http_server import FakeArxivServer
from tests.flows.conftest import QUERY_PAPERS

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.usefixtures("prefect_server")


def run(db_url: str, tmp_path: Path, toml: Path, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("sources", ["arxiv"])
    return refresh_flow(db_url=db_url, data_dir=str(tmp_path / "data"), config_path=str(toml), **kw)


def pdf_calls(server: FakeArxivServer) -> int:
    return len(server.calls_to("/pdf/"))


def statuses(db_url: str) -> dict[str, tuple[str, str | None, str | None]]:
    engine = make_engine(db_url)
    with session_scope(engine) as s:
        rows = s.execute(select(PaperStatus.paper_id, PaperStatus.status, PaperStatus.message,
                                PaperStatus.run_id))  # fmt: skip
        out = {r.paper_id: (r.status, r.message, r.run_id) for r in rows}
    engine.dispose()
    return out


def leaderboard_counts(db_url: str) -> tuple[int, int]:
    """(leaderboard results, their evidence rows)."""
    engine = make_engine(db_url)
    with session_scope(engine) as s:
        n_results = s.scalar(
            select(func.count()).select_from(Result).where(Result.source == "leaderboard")
        )
        n_evidence = s.scalar(
            select(func.count())
            .select_from(EvidenceRow)
            .where(EvidenceRow.locator.like("leaderboard/%"))
        )
    engine.dispose()
    return n_results, n_evidence


# --------------------------------------------------------------------------------------------
# arXiv end to end


def test_arxiv_harvest_download_extract_then_rerun_downloads_nothing(
    db_url: str, tmp_path: Path, fake_arxiv: FakeArxivServer, sources_toml: Path
) -> None:
    report = run(db_url, tmp_path, sources_toml)
    assert (report.n_harvested, report.n_downloaded, report.n_extracted) == (3, 3, 3)
    assert report.n_failed == 0 and pdf_calls(fake_arxiv) == 3
    first = statuses(db_url)
    assert sorted(first) == sorted(QUERY_PAPERS)
    assert {s for s, _, _ in first.values()} == {q.STATUS_OK}

    engine = make_engine(db_url)
    with session_scope(engine) as s:
        for pid in QUERY_PAPERS:
            paper, fake = s.get(Paper, pid), fake_arxiv.by_id[pid]
            assert (paper.source, paper.title, paper.year) == ("arxiv", fake.title, 2016)
            assert paper.authors == list(fake.authors) and paper.categories == list(fake.categories)
            assert paper.arxiv_version  # the PDF's own arXiv stamp wins over the fake's invention
            assert paper.pdf_url == fake_arxiv.pdf_url(pid, fake.version)
            assert s.scalar(select(Document.sha256).where(Document.paper_id == pid)) == fake.sha256
        mark = s.get(SourceWatermark, ("arxiv", "ner-2016")).watermark
        assert datetime.fromisoformat(mark) == max(
            fake_arxiv.by_id[p].updated for p in QUERY_PAPERS
        )
    engine.dispose()
    assert len(list((tmp_path / "data" / "pdfs").glob("*/*.pdf"))) == 3

    again = run(db_url, tmp_path, sources_toml)
    assert pdf_calls(fake_arxiv) == 3, "the rerun downloaded a PDF"
    assert (again.n_downloaded, again.n_extracted, again.n_failed) == (0, 0, 0)
    assert again.n_skipped == again.n_papers
    assert statuses(db_url) == first, "the rerun re-extracted a paper"


def test_html_instead_of_pdf_is_a_recorded_failure(
    db_url: str, tmp_path: Path, fake_arxiv: FakeArxivServer, sources_toml: Path
) -> None:
    fake_arxiv.faults.pdf_html = {"1603.01360"}
    report = run(db_url, tmp_path, sources_toml)
    assert (report.n_extracted, report.n_failed) == (2, 1)
    got = statuses(db_url)
    status, message, _ = got["1603.01360"]
    assert status == q.STATUS_NOT_PDF
    assert "HTML page" in message and "instead of a PDF" in message
    assert {got[p][0] for p in ("1603.01354", "1608.07905")} == {q.STATUS_OK}

    calls = pdf_calls(fake_arxiv)
    again = run(db_url, tmp_path, sources_toml)
    assert pdf_calls(fake_arxiv) == calls and again.n_extracted == 0  # not_pdf is final


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_papers_left_out_by_limit_are_fetched_next_run(
    db_url: str, tmp_path: Path, fake_arxiv: FakeArxivServer, sources_toml: Path
) -> None:
    """The watermark passes every listed paper; those not fetched yet come from the DB."""
    first = run(db_url, tmp_path, sources_toml, limit=1)
    assert (first.n_harvested, first.n_downloaded) == (3, 1)
    second = run(db_url, tmp_path, sources_toml)
    assert second.n_harvested == 1  # only the paper in the watermark's own minute
    assert (second.n_downloaded, second.n_extracted) == (2, 2)
    assert {s for s, _, _ in statuses(db_url).values()} == {q.STATUS_OK}


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_same_paper_in_pdf_dir_and_arxiv_is_processed_once(
    db_url: str, tmp_path: Path, fake_arxiv: FakeArxivServer, sources_toml: Path
) -> None:
    local = tmp_path / "inbox"
    local.mkdir()
    (local / "1603.01354.pdf").write_bytes(fake_arxiv.by_id["1603.01354"].path.read_bytes())
    report = run(db_url, tmp_path, sources_toml, pdf_dir=str(local), sources=["pdf-dir", "arxiv"])
    assert (report.n_papers, report.n_extracted, report.n_downloaded) == (3, 3, 2)
    assert not fake_arxiv.calls_to("/pdf/1603.01354")


# --------------------------------------------------------------------------------------------
# leaderboards


def test_leaderboard_rows_are_linked_stored_and_not_duplicated(
    db_url: str, tmp_path: Path, fake_arxiv: FakeArxivServer, sources_toml: Path, pwc_dir: Path
) -> None:
    squad = pwc_dir / "squad.json"
    expected = [r for r in mapped_rows(read_leaderboard(squad)) if r.arxiv_id]
    report = run(db_url, tmp_path, sources_toml, sources=["arxiv", "leaderboards"],
                 leaderboards=[str(squad)])  # fmt: skip
    (outcome,) = report.leaderboards
    assert outcome.error is None and outcome.report.n_stored == len(expected)
    assert outcome.report.per_benchmark == {"squad1.1": len(expected)}
    assert leaderboard_counts(db_url) == (len(expected), len(expected))

    engine = make_engine(db_url)
    sha = hashlib.sha256(squad.read_bytes()).hexdigest()
    with session_scope(engine) as s:
        linked = s.execute(
            select(Result, EvidenceRow)
            .join(EvidenceRow, EvidenceRow.id == Result.evidence_id)
            .where(Result.paper_id == "1608.07905", Result.source == "leaderboard")
        ).all()
        assert linked, "Match-LSTM's SQuAD rows should link to the harvested arXiv paper"
        for result, ev in linked:
            assert ev.page is None and ev.rule_id == "leaderboard.pwc.v1" and ev.sha256 == sha
            assert ev.locator.startswith("leaderboard/squad.json/")
            assert result.raw_value in ev.snippet and result.benchmark == "squad1.1"
        created = s.scalars(select(Paper).where(Paper.source == "leaderboard")).all()
        assert created and all(p.title for p in created)
    engine.dispose()

    again = run(db_url, tmp_path, sources_toml, sources=["leaderboards"],
                leaderboards=[str(squad)])  # fmt: skip
    assert again.leaderboards[0].report.n_replaced == len(expected)
    assert leaderboard_counts(db_url) == (len(expected), len(expected))

    # a forced PDF re-extraction replaces text/table results only
    forced = run(db_url, tmp_path, sources_toml, force=True)
    assert forced.n_extracted == 3 and forced.n_downloaded == 0
    assert leaderboard_counts(db_url) == (len(expected), len(expected))


def test_leaderboard_by_url_gz_and_parquet_and_a_bad_file(
    db_url: str, tmp_path: Path, fake_arxiv: FakeArxivServer, pwc_dir: Path
) -> None:
    """Ingestion outside a flow run: a .json.gz by URL, a flat parquet, a broken file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    blob = (pwc_dir / "nlpprogress.json").read_bytes()
    fake_arxiv.files["/lb/nlpprogress.json.gz"] = gzip.compress(blob)
    flat = tmp_path / "flat.parquet"
    pq.write_table(pa.table({
        "task": ["Question Answering"], "dataset": ["SQuAD1.1"], "model_name": ["BiDAF"],
        "paper_title": ["Bidirectional Attention Flow for Machine Comprehension"],
        "paper_url": ["https://arxiv.org/abs/1611.01603"], "paper_date": ["2016-11-05"],
        "metrics": [json.dumps({"EM": "67.7", "F1": "77.3"})],
    }), flat)  # fmt: skip
    broken = tmp_path / "broken.json"
    broken.write_text("[{", encoding="utf-8")
    engine = make_engine(db_url)
    migrate(engine)
    config = load_sources_config(env={"PAPERFLOPS_ARXIV_API_URL": fake_arxiv.api_url})
    sources = [f"{fake_arxiv.base_url}/lb/nlpprogress.json.gz", str(flat), str(broken)]
    outcomes = ingest_leaderboards_task.fn(sources, engine, config, "run-x")
    by_label = {o.label or o.source: o for o in outcomes}
    assert "LeaderboardFormatError" in by_label["broken.json"].error
    assert by_label["flat.parquet"].report.per_benchmark == {"squad1.1": 2}
    nlp = by_label["nlpprogress.json.gz"].report
    assert set(nlp.per_benchmark) == {"conll2003", "wmt14-en-de", "wmt14-en-fr"}
    with session_scope(engine) as s:
        bidaf = s.get(Paper, "1611.01603")
        assert (bidaf.source, bidaf.year) == ("leaderboard", 2016)
    engine.dispose()


def test_expand_leaderboard_sources(tmp_path: Path) -> None:
    for name in ("a.json", "b.json.gz", "c.parquet", "notes.txt", "sub/d.json"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text("x")
    got = expand_leaderboard_sources(
        [str(tmp_path), "https://x.org/e.json", str(tmp_path / "a.json")]
    )
    names = [Path(g).name for g in got]
    assert names == ["a.json", "b.json.gz", "c.parquet", "d.json", "e.json"]


def lb_row(key: str, *, arxiv_id=None, title=None, value=50.0, benchmark="squad1.1", metric="em"):  # type: ignore[no-untyped-def]
    return SimpleNamespace(
        source_file="t.json", task="QA", dataset="SQuAD1.1", benchmark=benchmark, metric=metric,
        raw_metric_name="EM", raw_value=str(value), value=value, model_name=f"model {key}",
        paper_title=title, paper_url=None, arxiv_id=arxiv_id, paper_date=None,
        locator=f"leaderboard/t.json/QA/SQuAD1.1/{key}#EM",
    )  # fmt: skip


def test_store_leaderboard_rows_links_skips_and_replaces(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate(engine)
    title = "Machine Comprehension Using Match-LSTM and Answer Pointer"
    rows = [
        lb_row("0", arxiv_id="1606.05250", title="SQuAD: 100,000+ Questions"),
        lb_row("1", title=title.upper() + "!"),
        lb_row("2", title="An Unknown Paper Title"),
        lb_row("3", arxiv_id="1606.05250", value=250.0),
        lb_row("4", arxiv_id="1606.05250", benchmark=None),
    ]
    kw = {"label": "t.json", "sha256": "f" * 64, "run_id": "r1", "extractor_version": "v1",
          "normalise_title": normalise_title}  # fmt: skip
    with session_scope(engine) as s:
        store.upsert_paper(s, "1608.07905", title=title, source="arxiv")
        rep = dbs.store_leaderboard_rows(s, rows, **kw)
    assert (rep.n_stored, rep.n_new_papers) == (2, 1)
    assert (rep.n_linked_by_id, rep.n_linked_by_title) == (1, 1)
    assert rep.skipped == {"no_paper": 1, "value_out_of_range": 1, "unmapped": 1}
    with session_scope(engine) as s:
        assert s.get(Paper, "1606.05250").source == "leaderboard"
        rep2 = dbs.store_leaderboard_rows(s, rows[:1], **kw)  # the file shrank: one row left
        # PDF re-extraction of the linked paper keeps its leaderboard value
        store.store_extraction(
            s, paper_id="1606.05250", sha256="a" * 64, doc_path=None, n_bytes=1, n_pages=1,
            extraction=Extraction(), extractor_key="k", extractor_version="v", run_id="r2",
            seconds=None,
        )  # fmt: skip
    assert (rep2.n_replaced, rep2.n_stored) == (2, 1)
    assert leaderboard_counts(db_url) == (1, 1)
    engine.dispose()


def test_watermarks_round_trip(db_url: str) -> None:
    engine = make_engine(db_url)
    migrate(engine)
    with session_scope(engine) as s:
        assert dbs.get_watermark(s, "arxiv", "imagenet") is None
        dbs.set_watermark(s, "arxiv", "imagenet", "2020-01-01T00:00:00+00:00")
        dbs.set_watermark(s, "arxiv", "imagenet", "2021-01-01T00:00:00+00:00")
        dbs.set_watermark(s, "arxiv", "imagenet", None)
    with session_scope(engine) as s:
        assert dbs.get_watermark(s, "arxiv", "imagenet") == "2021-01-01T00:00:00+00:00"
    engine.dispose()


# --------------------------------------------------------------------------------------------
# command line


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_cli_refresh_arxiv_end_to_end(
    db_url: str, tmp_path: Path, fake_arxiv: FakeArxivServer, sources_toml: Path
) -> None:
    """``PAPERFLOPS_ARXIV_API_URL=<fake> paperflops refresh --sources arxiv`` in a subprocess
    (on the session's Prefect test server), then a rerun on the same database and data dir."""
    from prefect.settings import get_current_settings

    data = tmp_path / "data"
    env = dict(os.environ, PAPERFLOPS_ARXIV_API_URL=fake_arxiv.api_url)
    env |= {
        "PAPERFLOPS_DATA_DIR": str(data),
        "PREFECT_API_URL": str(get_current_settings().api.url),
    }
    cmd = [sys.executable, "-m", "flows.cli", "refresh", "--sources", "arxiv",
           "--config", str(sources_toml), "--db", db_url]  # fmt: skip
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "arXiv: 3 records harvested, 3 PDFs downloaded, 0 already stored" in done.stdout
    assert "3 papers, 3 extracted, 0 unchanged, 0 failed" in done.stdout
    assert len(list(data.glob("pdfs/*/*.pdf"))) == 3
    again = refresh_flow(db_url=db_url, data_dir=str(data), config_path=str(sources_toml),
                         sources=["arxiv"])  # fmt: skip
    assert (again.n_downloaded, again.n_extracted) == (0, 0)
    assert pdf_calls(fake_arxiv) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sources", "arxiv,bogus"], "unknown source"),
        (["--sources", "leaderboards"], "needs --leaderboard"),
        (["--sources", "arxiv", "--leaderboard", "x.json"], "needs 'leaderboards'"),
        (["--sources", "arxiv", "--config", "missing.toml"], "is not a file"),
    ],
)
def test_cli_refresh_usage_errors(tmp_path: Path, args: list[str], message: str) -> None:
    from typer.testing import CliRunner

    from flows.cli import app

    db = f"sqlite:///{tmp_path / 't.sqlite'}"
    result = CliRunner().invoke(app, ["refresh", *args, "--db", db], env={"COLUMNS": "200"})
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
