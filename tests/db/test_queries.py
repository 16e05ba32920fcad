"""db.queries: status summary, failures, extracted rows with evidence, and the eval structure
(round trip: dev gold -> store -> extracted_for_eval -> evaluate gives recall 1)."""

from __future__ import annotations

import pytest

from db.engine import session_scope
from db.queries import (
    extracted_for_eval,
    extracted_results,
    extracted_sizes,
    extracted_training,
    failures,
    status_summary,
)
from db.store import record_failure, store_extraction, upsert_paper
from extract.evaluate import evaluate, gold_as_extracted, load_gold
from schema import quantities as q
from schema.records import (
    Evidence,
    Extraction,
    ResultCandidate,
    SizeCandidate,
    TrainingCandidate,
)


def _store(session, paper_id: str, extraction: Extraction) -> None:
    store_extraction(
        session, paper_id=paper_id, sha256=(paper_id * 64)[:64], doc_path=None, n_bytes=1,
        n_pages=3, extraction=extraction, extractor_key="k", extractor_version="0.1",
        run_id="run-1", seconds=0.01,
    )  # fmt: skip


def _ev(page=1, snippet="s"):
    return Evidence(page=page, snippet=snippet, rule_id="r.q")


def test_status_and_failures(engine):
    with session_scope(engine) as s:
        _store(s, "a", Extraction(results=[ResultCandidate("coco", "box_ap", 40.0, "40", _ev())]))
        _store(s, "b", Extraction())
        _store(s, "c", Extraction())
        record_failure(s, paper_id="d", status=q.STATUS_NOT_PDF, message="HTML page",
                       sha256=None, extractor_key="k", run_id="run-1")  # fmt: skip
        upsert_paper(s, "e")
    with session_scope(engine) as s:
        summary = status_summary(s)
        assert list(summary.columns) == ["status", "papers"]
        assert dict(zip(summary["status"], summary["papers"], strict=True)) == {
            "no_candidates": 2, "ok": 1, "not_pdf": 1, "pending": 1,
        }  # fmt: skip
        assert summary.iloc[0]["status"] == "no_candidates"
        fails = failures(s)
        assert fails[["paper_id", "status", "message"]].values.tolist() == [
            ["d", "not_pdf", "HTML page"]
        ]


def test_extracted_frames(engine):
    extraction = Extraction(
        results=[
            ResultCandidate("coco", "box_ap", 40.0, "40", _ev(3, "AP 40.0"), "RetinaNet"),
            ResultCandidate(
                "coco", "ap50", 60.0, "60", _ev(), status=q.REJECTED, reject_reason="x"
            ),
        ],
        training=[
            TrainingCandidate(_ev(2, "8 GPUs"), hardware="gpu-unspecified", hardware_count=8)
        ],
        sizes=[
            SizeCandidate(q.PARAM_COUNT, 34e6, "34M", "params", _ev(), "RetinaNet"),
            SizeCandidate(q.FLOPS_PER_FORWARD, 5e9, "5G", "multiadds", _ev(), "RetinaNet"),
        ],
    )  # fmt: skip
    with session_scope(engine) as s:
        _store(s, "p1", extraction)
    with session_scope(engine) as s:
        results = extracted_results(s)
        assert len(results) == 1
        row = results.iloc[0]
        assert (row["page"], row["snippet"], row["rule_id"], row["model"]) == (
            3,
            "AP 40.0",
            "r.q",
            "RetinaNet",
        )
        assert len(extracted_results(s, include_rejected=True)) == 2
        training = extracted_training(s)
        assert training.iloc[0]["hardware_count"] == 8 and training.iloc[0]["snippet"] == "8 GPUs"
        sizes = extracted_sizes(s)
        assert sizes["params"].tolist()[0] == 34e6
        assert sizes["flops_per_forward"].tolist()[1] == 10e9
        for frame in (extracted_results(s), extracted_training(s), extracted_sizes(s)):
            assert {"page", "snippet", "rule_id", "evidence_id"} <= set(frame.columns)
        data = extracted_for_eval(s)
        assert set(data) == {"p1"}
        assert data["p1"]["results"][0]["value"] == 40.0
        assert data["p1"]["training"][0]["duration_hours"] is None
        assert [r["params"] for r in data["p1"]["sizes"]] == [34e6, None]


@pytest.mark.corpus
def test_dev_gold_round_trip_through_database(engine, shared_dir):
    """Gold written as candidates, stored, read back for evaluation: every field recall 1."""
    path = shared_dir / "corpus" / "gold" / "dev.jsonl"
    if not path.is_file():
        pytest.skip("no corpus/gold/dev.jsonl in the shared folder")
    gold = load_gold(path)
    as_rows = gold_as_extracted(gold)
    out_of_range = 0
    with session_scope(engine) as s:
        for paper_id, rows in as_rows.items():
            extraction = Extraction(
                results=[
                    ResultCandidate(r["benchmark"], r["metric"], r["value"], str(r["value"]),
                                    _ev(r["page"], r["snippet"] or ""), r["model"])
                    for r in rows["results"]
                ],
                training=[
                    TrainingCandidate(
                        _ev(t["page"], t["snippet"] or ""), hardware=t["hardware"],
                        hardware_count=t["hardware_count"], count_unit=t["count_unit"],
                        chips=t["chips"], duration_hours=t["duration_hours"],
                        duration_lo_hours=t["duration_lo_hours"],
                        duration_hi_hours=t["duration_hi_hours"], device_hours=t["device_hours"],
                    )
                    for t in rows["training"]
                ],
                sizes=[
                    SizeCandidate(q.PARAM_COUNT, z["params"], str(z["params"]), "params",
                                  _ev(z["page"], z["snippet"] or ""), z["model"])
                    for z in rows["sizes"] if z["params"] is not None
                ],
            )  # fmt: skip
            out_of_range += sum(1 for r in rows["results"] if not 0 <= r["value"] <= 100)
            _store(s, paper_id, extraction)
    with session_scope(engine) as s:
        extracted = extracted_for_eval(s)
    report = evaluate(gold, extracted)
    for name in ("hardware", "duration", "params", "params_model"):
        assert report.fields[name].recall == 1.0, (name, report.fields[name].misses[:3])
    results = report.fields["results"]
    # results outside [0, 100] (perplexities) cannot be stored: the only possible misses
    assert results.n_gold - results.found == out_of_range
