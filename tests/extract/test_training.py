"""Paper-level judgement of runs: consolidation, and which table rows are the paper's own."""

from __future__ import annotations

from extract.context import own_model_names
from extract.paper import _weigh_table_runs
from extract.training import MIN_CONFIDENCE, consolidate_runs
from schema import quantities as q
from schema.records import Evidence, Page, PaperDoc, Table, TrainingCandidate


def _run(locator: str = "text", confidence: float = 0.7, **fields) -> TrainingCandidate:  # type: ignore[no-untyped-def]
    return TrainingCandidate(Evidence(1, "s", "r", locator=locator), confidence=confidence, **fields)


def test_low_confidence_and_duplicates_are_rejected() -> None:
    runs = [_run(hardware="tesla-v100", hardware_count=8.0, chips=8.0),
            _run(hardware="tesla-v100", hardware_count=8.0, chips=8.0),
            _run(confidence=MIN_CONFIDENCE - 0.05, duration_hours=10.0)]  # fmt: skip
    consolidate_runs(runs)
    assert [r.reject_reason for r in runs] == [None, "duplicate", "low_confidence"]


def test_an_uncounted_mention_is_subsumed_by_a_counted_one_unless_timed() -> None:
    runs = [_run(hardware="tesla-v100", hardware_count=8.0, chips=8.0),
            _run(hardware="tesla-v100"), _run(hardware="tesla-v100", duration_hours=24.0)]  # fmt: skip
    consolidate_runs(runs)
    assert [r.status for r in runs] == [q.CANDIDATE, q.REJECTED, q.CANDIDATE]


def _doc() -> PaperDoc:
    table = Table(page=2, label="1", caption="Table 1: Training cost", method="words",
                  rows=[["Model", "TPUv3 core-days"], ["BigNet [14]", "0.5k"], ["Mixer-L", "0.4k"]])  # fmt: skip
    return PaperDoc("x", "0", [Page(1, 600.0, 800.0, "An all-MLP architecture for vision")], [table])


def test_a_cited_table_row_is_a_baseline_and_a_bare_row_beside_it_is_own() -> None:
    cited = _run("table/p2-1/r1c1", model="BigNet", device_hours=12000.0)
    bare = _run("table/p2-1/r2c1", model="Mixer-L", device_hours=9600.0)
    doc = _doc()
    _weigh_table_runs([cited, bare], doc.tables, own_model_names(doc.title, doc.pages[0].text))
    assert cited.confidence < MIN_CONFIDENCE <= bare.confidence

