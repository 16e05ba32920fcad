"""best_results (migration 0005): error rate and ranking for the catalog's other metrics."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from db.engine import session_scope
from db.store import store_extraction, upsert_paper
from schema.records import Evidence, Extraction, ResultCandidate


def _result(benchmark: str, metric: str, value: float) -> ResultCandidate:
    evidence = Evidence(page=2, snippet=f"{value} {metric}", rule_id="test.v1")
    return ResultCandidate(benchmark, metric, value, str(value), evidence, "Net", confidence=0.6)


@pytest.mark.parametrize(
    ("benchmark", "metric", "values", "best", "error"),
    [
        ("other:librispeech-test-clean", "wer", [5.2, 4.1], 4.1, 4.1),  # lower WER is better
        ("other:pascal-voc-2007", "map", [78.0, 80.1], 80.1, 19.9),
        ("other:ade20k", "miou", [44.5, 41.0], 44.5, 55.5),
        ("other:enwik8", "bpc", [1.02, 0.99], 0.99, None),  # not a percentage: no error rate
        ("imagenet", "top1_error", [21.0, 20.5], 20.5, 20.5),
        ("coco", "box_ap", [40.1, 42.3], 42.3, 57.7),
    ],
)
def test_best_results_for_catalog_metrics(engine, benchmark, metric, values, best, error) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        upsert_paper(session, "2001.00001", title="A paper", year=2020)
        store_extraction(
            session, paper_id="2001.00001", sha256="b" * 64, doc_path=None, n_bytes=1,
            n_pages=1, extraction=Extraction(results=[_result(benchmark, metric, v) for v in values]),
            extractor_key="k", extractor_version="v", run_id="r", seconds=0.1,
        )  # fmt: skip
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT value, error_rate FROM best_results WHERE metric = :m"), {"m": metric}
        ).all()
    assert len(rows) == 1
    assert rows[0][0] == pytest.approx(best)
    assert rows[0][1] == (pytest.approx(error) if error is not None else None)
