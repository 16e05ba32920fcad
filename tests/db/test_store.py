"""db.store on SQLite and PostgreSQL: replace-on-restore, failures, curations, bad values, speed."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from db.engine import session_scope
from db.store import (
    finish_run,
    needs_extraction,
    record_failure,
    start_run,
    store_extraction,
    upsert_paper,
)
from schema import quantities as q
from schema.records import (
    Box,
    Evidence,
    Extraction,
    ResultCandidate,
    SizeCandidate,
    TrainingCandidate,
)
from schema.tables import (
    Curation,
    Document,
    EvidenceRow,
    ModelSize,
    Paper,
    PaperStatus,
    Result,
    Run,
    TrainingRun,
)

KEY = "rules-v1"


def ev(page: int | None = 3, snippet: str = "we train on 8 GPUs", rule: str = "r.test") -> Evidence:
    return Evidence(
        page=page,
        snippet=snippet,
        rule_id=rule,
        locator="text",
        char_start=10,
        char_end=30,
        box=Box(50.0, 100.0, 300.0, 112.0),
    )


def make_extraction(top1: float = 76.1, params: float = 25.6e6, hours: float = 72.0) -> Extraction:
    return Extraction(
        results=[
            ResultCandidate(
                "imagenet", "top1_accuracy", top1, str(top1), ev(7, "ResNet-50 76.1"), "ResNet-50"
            ),
            ResultCandidate(
                "imagenet", "top5_accuracy", 93.0, "93.0", ev(7, "ResNet-50 93.0"), "ResNet-50"
            ),
        ],
        training=[
            TrainingCandidate(
                ev(5, "8 Tesla V100 GPUs for 3 days"),
                hardware="tesla-v100",
                hardware_raw="Tesla V100",
                hardware_count=8,
                count_unit="chip",
                chips=8,
                duration_hours=hours,
                duration_raw="3 days",
            )
        ],
        sizes=[
            SizeCandidate(
                q.PARAM_COUNT, params, "25.6M", "params", ev(4, "25.6M parameters"), "ResNet-50"
            )
        ],
    )


def store(session, paper_id="1512.03385", extraction=None, sha="a" * 64, run_id="run-1", key=KEY):
    return store_extraction(
        session,
        paper_id=paper_id,
        sha256=sha,
        doc_path=f"pdf/{paper_id}.pdf",
        n_bytes=1234,
        n_pages=12,
        extraction=extraction if extraction is not None else make_extraction(),
        extractor_key=key,
        extractor_version="0.1.0",
        run_id=run_id,
        seconds=0.5,
    )


def counts(session, paper_id="1512.03385") -> dict[str, int]:
    def n(table) -> int:
        return session.scalar(
            select(func.count()).select_from(table).where(table.paper_id == paper_id)
        )

    return {
        "results": n(Result),
        "training": n(TrainingRun),
        "sizes": n(ModelSize),
        "evidence": n(EvidenceRow),
    }


def test_upsert_paper_keeps_non_null(engine):
    with session_scope(engine) as s:
        upsert_paper(s, "1512.03385", title="Deep Residual Learning", year=2015)
    with session_scope(engine) as s:
        upsert_paper(
            s, "1512.03385", title=None, year=2016, pdf_url="https://arxiv.org/pdf/1512.03385"
        )
    with session_scope(engine) as s:
        paper = s.get(Paper, "1512.03385")
        assert paper.title == "Deep Residual Learning"
        assert paper.year == 2016
        assert paper.pdf_url.endswith("1512.03385")
        with pytest.raises(TypeError):
            upsert_paper(s, "1512.03385", colour="blue")


def test_store_writes_rows_with_evidence(engine):
    with session_scope(engine) as s:
        status = store(s)
        assert status.status == q.STATUS_OK
        assert (status.n_results, status.n_training, status.n_sizes) == (2, 1, 1)
    with session_scope(engine) as s:
        assert counts(s) == {"results": 2, "training": 1, "sizes": 1, "evidence": 4}
        run = s.execute(
            select(TrainingRun, EvidenceRow).join(
                EvidenceRow, TrainingRun.evidence_id == EvidenceRow.id
            )
        ).one()
        tr, e = run
        assert tr.hardware == "tesla-v100" and tr.chips == 8
        assert (e.page, e.x0, e.top, e.x1, e.bottom) == (5, 50.0, 100.0, 300.0, 112.0)
        assert (e.char_start, e.char_end, e.rule_id, e.run_id) == (10, 30, "r.test", "run-1")
        assert e.sha256 == "a" * 64 and e.extractor_version == "0.1.0"
        doc = s.get(Document, "a" * 64)
        assert doc.paper_id == "1512.03385" and doc.bytes == 1234 and doc.n_pages == 12
        # every value row points at its own evidence row
        ev_ids = [
            *s.scalars(select(Result.evidence_id)),
            *s.scalars(select(TrainingRun.evidence_id)),
            *s.scalars(select(ModelSize.evidence_id)),
        ]
        assert len(ev_ids) == len(set(ev_ids)) == 4


def test_restore_replaces_without_duplicates(engine):
    with session_scope(engine) as s:
        store(s)
    with session_scope(engine) as s:
        store(s, extraction=make_extraction(top1=77.0, params=26e6), run_id="run-2", sha="b" * 64)
    with session_scope(engine) as s:
        assert counts(s) == {"results": 2, "training": 1, "sizes": 1, "evidence": 4}
        assert sorted(s.scalars(select(Result.value))) == [77.0, 93.0]
        assert s.scalar(select(ModelSize.value)) == 26e6
        assert set(s.scalars(select(EvidenceRow.run_id))) == {"run-2"}
        assert s.get(PaperStatus, "1512.03385").sha256 == "b" * 64
        # both documents (versions) are kept
        assert s.scalar(select(func.count()).select_from(Document)) == 2


def test_other_papers_untouched(engine):
    with session_scope(engine) as s:
        store(s, paper_id="p1")
        store(s, paper_id="p2")
    with session_scope(engine) as s:
        store(s, paper_id="p1", extraction=Extraction())
    with session_scope(engine) as s:
        assert counts(s, "p1") == {"results": 0, "training": 0, "sizes": 0, "evidence": 0}
        assert counts(s, "p2") == {"results": 2, "training": 1, "sizes": 1, "evidence": 4}
        st = s.get(PaperStatus, "p1")
        assert st.status == q.STATUS_NO_CANDIDATES
        assert (st.n_results, st.n_training, st.n_sizes) == (0, 0, 0)


def test_leaderboard_results_kept_unless_asked(engine):
    with session_scope(engine) as s:
        store(s)
        lb = make_extraction()
        lb.results[0].source = q.SOURCE_LEADERBOARD
        lb.training, lb.sizes, lb.results = [], [], lb.results[:1]
        # leaderboard rows stored through the same path (source in the new rows' sources)
        store(s, extraction=lb)
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(Result)) == 1
        store(s)  # a normal re-extraction: leaderboard result stays
    with session_scope(engine) as s:
        sources = sorted(s.scalars(select(Result.source)))
        assert sources == ["leaderboard", "table", "table"]
        assert counts(s)["evidence"] == 5
        store_extraction(
            s,
            paper_id="1512.03385",
            sha256="a" * 64,
            doc_path=None,
            n_bytes=1,
            n_pages=None,
            extraction=make_extraction(),
            extractor_key=KEY,
            extractor_version="0.1.0",
            run_id="run-3",
            seconds=None,
            replace_sources=(q.SOURCE_TEXT, q.SOURCE_TABLE, q.SOURCE_LEADERBOARD),
        )
    with session_scope(engine) as s:
        assert sorted(s.scalars(select(Result.source))) == ["table", "table"]
        assert counts(s)["evidence"] == 4


def test_failure_keeps_earlier_values(engine):
    with session_scope(engine) as s:
        store(s)
    with session_scope(engine) as s:
        record_failure(
            s,
            paper_id="1512.03385",
            status=q.STATUS_TIMEOUT,
            message="parse took longer than 120 s",
            sha256="c" * 64,
            extractor_key=KEY,
            run_id="run-2",
        )
    with session_scope(engine) as s:
        assert counts(s) == {"results": 2, "training": 1, "sizes": 1, "evidence": 4}
        st = s.get(PaperStatus, "1512.03385")
        assert st.status == q.STATUS_TIMEOUT and "120 s" in st.message
        assert st.n_results == 2  # counts describe the values still stored
        assert needs_extraction(s, "1512.03385", "c" * 64, KEY)  # timeouts are retried
    with session_scope(engine) as s:
        store(s, extraction=make_extraction(top1=80.0), sha="c" * 64, run_id="run-3")
    with session_scope(engine) as s:
        assert 80.0 in set(s.scalars(select(Result.value)))
        assert s.get(PaperStatus, "1512.03385").status == q.STATUS_OK
        assert s.get(PaperStatus, "1512.03385").message is None


def test_record_failure_new_paper_and_bad_status(engine):
    with session_scope(engine) as s:
        record_failure(
            s,
            paper_id="broken",
            status=q.STATUS_NOT_PDF,
            message="file is an HTML page",
            sha256="d" * 64,
            extractor_key=KEY,
            run_id="run-1",
        )
        assert s.get(Paper, "broken") is not None
        assert not needs_extraction(s, "broken", "d" * 64, KEY)  # deterministic failure: final
        assert needs_extraction(s, "broken", "e" * 64, KEY)
        with pytest.raises(ValueError):
            record_failure(
                s,
                paper_id="broken",
                status=q.STATUS_OK,
                message=None,
                sha256=None,
                extractor_key=KEY,
                run_id=None,
            )


def test_needs_extraction(engine):
    with session_scope(engine) as s:
        assert needs_extraction(s, "1512.03385", "a" * 64, KEY)
        store(s)
        assert not needs_extraction(s, "1512.03385", "a" * 64, KEY)
        assert needs_extraction(s, "1512.03385", "b" * 64, KEY)
        assert needs_extraction(s, "1512.03385", "a" * 64, "rules-v2")
        store(s, paper_id="empty", extraction=Extraction())
        assert not needs_extraction(s, "empty", "a" * 64, KEY)


def test_curations_untouched(engine):
    with session_scope(engine) as s:
        store(s)
        s.add(
            Curation(
                paper_id="1512.03385",
                kind="result",
                model="ResNet-50",
                field_key="imagenet/top1_accuracy",
                action="set",
                before={"value": 76.1},
                after={"value": 75.3},
                curator="alice",
                reason="table 3, single crop",
            )
        )
    with session_scope(engine) as s:
        store(s, extraction=make_extraction(top1=76.2))
        store(s, extraction=Extraction())
        record_failure(
            s,
            paper_id="1512.03385",
            status=q.STATUS_ERROR,
            message="x",
            sha256=None,
            extractor_key=KEY,
            run_id=None,
        )
    with session_scope(engine) as s:
        cur = s.scalars(select(Curation)).one()
        assert cur.after == {"value": 75.3} and cur.curator == "alice"


def test_constraint_violations_do_not_crash(engine, caplog):
    bad = Extraction(
        results=[
            ResultCandidate("imagenet", "top1_accuracy", 176.1, "176.1", ev(), "x"),
            ResultCandidate("imagenet", "top1_accuracy", -1.0, "-1", ev(), "x"),
            ResultCandidate("imagenet", "top1_accuracy", float("nan"), "nan", ev(), "x"),
            ResultCandidate("coco", "box_ap", 42.0, "42.0", ev(page=0), "y"),  # page 0 -> NULL
        ],
        training=[
            TrainingCandidate(
                ev(), hardware="tesla-v100", hardware_count=0, chips=0, duration_hours=-3
            ),
            TrainingCandidate(
                ev(),
                hardware="tpu-v3",
                hardware_count=8,
                count_unit="core",
                chips=4,
                device_hours=0.0,
            ),
            TrainingCandidate(ev(snippet="x" * 1000), hardware="a" * 200, duration_hours=10.0),
        ],
        sizes=[
            SizeCandidate(q.PARAM_COUNT, 0.0, "0", "params", ev()),
            SizeCandidate(q.PARAM_COUNT, -5e6, "-5M", "params", ev()),
            SizeCandidate(q.FLOPS_PER_FORWARD, 4.1e9, "4.1G", "flops", ev(), "ResNet-50"),
        ],
    )
    with session_scope(engine) as s:
        status = store(s, extraction=bad)
        assert status.status == q.STATUS_OK
        assert (status.n_results, status.n_training, status.n_sizes) == (1, 1, 1)
        assert "2 rejected" in status.message and "5 dropped" in status.message
    with session_scope(engine) as s:
        runs = s.scalars(select(TrainingRun).order_by(TrainingRun.id)).all()
        assert [r.status for r in runs] == [q.REJECTED, q.REJECTED, q.CANDIDATE]
        assert (
            runs[0].hardware_count is None
            and runs[0].chips is None
            and runs[0].duration_hours is None
        )
        assert runs[0].reject_reason == "nonpositive_hardware_count"
        assert runs[1].chips == 4 and runs[1].device_hours is None
        assert runs[1].reject_reason == "nonpositive_device_hours"
        assert len(runs[2].hardware) == 64
        snippets = [len(x) for x in s.scalars(select(EvidenceRow.snippet))]
        assert max(snippets) == 300
        assert (
            s.scalar(select(EvidenceRow.page).join(Result, Result.evidence_id == EvidenceRow.id))
            is None
        )
        assert counts(s)["evidence"] == 5
    assert any("outside [0, 100]" in r.getMessage() for r in caplog.records)


def test_runs(engine):
    with session_scope(engine) as s:
        start_run(s, "run-1", "abc1234", "f" * 64, {"limit": 5, "sources": ["pdf-dir"]})
    with session_scope(engine) as s:
        run = s.get(Run, "run-1")
        assert run.state == "running" and run.options == {"limit": 5, "sources": ["pdf-dir"]}
        finish_run(
            s, "run-1", {"papers": 5, "n_extracted": 3, "skipped": 1, "failed": 1}, "finished"
        )
    with session_scope(engine) as s:
        run = s.get(Run, "run-1")
        assert (run.n_papers, run.n_extracted, run.n_skipped, run.n_failed) == (5, 3, 1, 1)
        assert run.state == "finished" and run.finished_at is not None
        with pytest.raises(KeyError):
            finish_run(s, "nope", {}, "finished")


def test_store_replaces_a_corpus_of_papers(engine, capsys):
    """81 papers x 100 rows, stored then replaced: every paper ends with exactly its own rows.

    The time is printed (seen with ``pytest -s``), not asserted: speed goals live in
    benchmarks/, a loaded CI machine must not fail a correct store."""

    def big(i: int) -> Extraction:
        return Extraction(
            results=[
                ResultCandidate(
                    "imagenet",
                    "top1_accuracy",
                    50 + (j % 40),
                    "x",
                    ev(1 + j % 9, f"row {j}"),
                    f"m{j}",
                )
                for j in range(60)
            ],
            training=[
                TrainingCandidate(
                    ev(), hardware="tesla-v100", chips=8, hardware_count=8, duration_hours=10 + j
                )
                for j in range(10)
            ],
            sizes=[
                SizeCandidate(q.PARAM_COUNT, 1e6 * (j + 1), "x", "params", ev(), f"m{j}")
                for j in range(30)
            ],
        )

    worst = 0.0
    start = time.perf_counter()
    for round_ in range(2):  # first insert, then replace
        for i in range(81):
            t0 = time.perf_counter()
            with session_scope(engine) as s:
                store(s, paper_id=f"p{i:03d}", extraction=big(i), run_id=f"run-{round_}")
            worst = max(worst, time.perf_counter() - t0)
    total = time.perf_counter() - start
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(EvidenceRow)) == 81 * 100
        per_paper = s.execute(
            select(EvidenceRow.paper_id, func.count()).group_by(EvidenceRow.paper_id)
        ).all()
    assert {n for _, n in per_paper} == {100} and len(per_paper) == 81
    with capsys.disabled():
        print(f"\nstore: slowest paper {worst:.3f} s, {total:.1f} s for 162 stores")
