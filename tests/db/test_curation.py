"""db.curation and db.effective on SQLite and PostgreSQL: actions, queue, effective values and
export, optimistic concurrency, curator identity, and refreshes that keep corrections."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.curation import (
    ConflictError,
    CurationError,
    CuratorNotConfiguredError,
    FieldId,
    InvalidValueError,
    Reviewer,
    record_action,
    resolve_curator,
)
from db.effective import effective_frames
from db.engine import session_factory, session_scope
from db.export import build_tables
from db.store import store_extraction
from flows.worker import PaperRef, process_paper, sha256_file
from schema.tables import Curation, Paper
from tests.curation_data import RESNET, VGG, resnet, seed, store

R152 = FieldId.of(RESNET, "result", "ResNet-152", "imagenet/top1_error")
R50 = FieldId.of(RESNET, "result", "resnet-50", "imagenet/top1_error")
PARAMS = FieldId.of(RESNET, "size", "ResNet-152", "param_count")
RUN = FieldId.of(RESNET, "training", None, "train")


@pytest.fixture(autouse=True)
def _no_configured_curator(monkeypatch, tmp_path):
    monkeypatch.delenv("PAPERFLOPS_CURATOR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture
def seeded(engine):
    seed(engine)
    return engine


@pytest.fixture
def alice(seeded):
    return Reviewer(seeded, curator="alice")


def rows(engine) -> list[Curation]:
    with session_scope(engine) as session:
        return list(session.scalars(select(Curation).order_by(Curation.id)))


# --------------------------------------------------------------------------------------------
# curator identity


def test_curator_from_argument_env_then_file(monkeypatch, tmp_path):
    with pytest.raises(CuratorNotConfiguredError, match="PAPERFLOPS_CURATOR"):
        resolve_curator()
    path = tmp_path / "config" / "paperflops" / "curator"
    path.parent.mkdir(parents=True)
    path.write_text("carol@example.org\n")
    assert resolve_curator() == "carol@example.org"
    monkeypatch.setenv("PAPERFLOPS_CURATOR", "dave")
    assert resolve_curator() == "dave"
    assert resolve_curator("erin") == "erin"


def test_actions_refused_without_curator(seeded):
    reviewer = Reviewer(seeded)
    assert reviewer.queue()  # reading needs no curator
    with pytest.raises(CuratorNotConfiguredError):
        reviewer.accept(R152)
    assert rows(seeded) == []


# --------------------------------------------------------------------------------------------
# queue


def test_queue_order_and_filters(alice):
    queue = alice.queue()
    first = queue[0]
    assert first.field == R152 and first.disagreement  # two values for ResNet-152 top-1 error
    assert first.model == "ResNet-152" and first.extracted == {"value": 19.38, "unit": "%"}
    assert [c.value["value"] for c in first.candidates] == [19.38, 21.43]
    confidences = [i.confidence for i in queue[1:]]
    assert confidences == sorted(confidences)
    assert {i.field.kind for i in alice.queue(field="training")} == {"training"}
    assert {i.field for i in alice.queue(field="param_count")} == {PARAMS}
    assert {i.field.paper_id for i in alice.queue(paper=VGG)} == {VGG}
    assert all(i.benchmark == "imagenet" for i in alice.queue(benchmark="imagenet"))
    assert alice.queue(benchmark="coco") == []
    alice.accept(R50)
    assert R50 not in {i.field for i in alice.queue()}
    assert [i.field for i in alice.queue(status="accepted")] == [R50]
    frame = alice.frame(status="all")
    assert len(frame) == len(queue) and set(frame["status"]) == {"pending", "accepted"}
    with pytest.raises(ValueError, match="unknown status"):
        alice.queue(status="bogus")


# --------------------------------------------------------------------------------------------
# actions and effective values


def test_actions_are_append_only_rows_keyed_on_identity(alice, seeded):
    item = alice.item(R152)
    corrected = alice.correct(item, "19.4%", reason="Table 4")
    assert corrected.status == "corrected" and corrected.effective == {"value": 19.4, "unit": "%"}
    assert corrected.seq == 1
    again = alice.accept(corrected, reason="on second thought")
    assert again.effective == {"value": 19.38, "unit": "%"} and again.seq == 2
    history = alice.history(R152)
    assert [(h.action, h.seq, h.curator) for h in history] == [
        ("correct", 1, "alice"), ("accept", 2, "alice")]  # fmt: skip
    assert history[0].before["value"] == {"value": 19.38, "unit": "%"}
    assert history[0].before["extracted"] == {"value": 19.38, "unit": "%"}
    assert history[0].after["value"] == {"value": 19.4, "unit": "%"}
    assert history[1].before["value"] == {"value": 19.4, "unit": "%"}
    stored = rows(seeded)
    assert [(r.paper_id, r.kind, r.model, r.field_key) for r in stored] == [
        (RESNET, "result", "resnet-152", "imagenet/top1_error")] * 2  # fmt: skip
    assert all(r.created_at is not None and r.reason for r in stored)
    assert not hasattr(Curation, "evidence_id")


def test_correct_validates_value_and_unit(alice, seeded):
    with pytest.raises(InvalidValueError, match="outside"):
        alice.correct(R152, "119")
    with pytest.raises(InvalidValueError, match="unit"):
        alice.correct(R152, "19.4", unit="km")
    with pytest.raises(InvalidValueError, match="not understood"):
        alice.correct(PARAMS, "lots")
    assert alice.correct(PARAMS, 60.0, unit="M").effective == {"value": 6e7, "unit": "params"}
    run = alice.correct(RUN, "hardware=Tesla P100; count=16; duration=2 days")
    assert run.effective["hardware"] == "tesla-p100" and run.effective["chips"] == 16
    assert run.effective["duration_hours"] == 48
    with pytest.raises(CurationError, match="unknown paper"):
        alice.add("9999.99999", "result", "X", "imagenet/top1_error", "10")
    with pytest.raises(InvalidValueError, match="not a metric of imagenet"):
        alice.add(RESNET, "result", "X", "imagenet/bleu", "10")
    assert len(rows(seeded)) == 2


def test_effective_values_in_export(alice, seeded):
    alice.correct(R152, "19.4", reason="Table 4")
    alice.reject(PARAMS, reason="that is ResNet-101")
    alice.add(RESNET, "result", "ResNet-152 ensemble", "imagenet/top5_error", "3.57",
              reason="Table 5")  # fmt: skip
    alice.correct(RUN, "hardware=tesla-p100; count=16; duration_hours=48")
    with session_scope(seeded) as session:
        tables = build_tables(session)
        frames = effective_frames(session)
    results = tables["results"]
    r152 = results[results["model"].str.strip() == "ResNet-152"]
    assert list(r152["value"]) == [19.4] and list(r152["curated"]) == [True]
    assert r152.iloc[0]["snippet"] == "ResNet-152 19.38"  # provenance of the best extraction
    added = results[results["metric"] == "top5_error"]
    assert list(added["value"]) == [3.57] and added.iloc[0]["source"] == "curator"
    assert added.iloc[0]["snippet"] == "Table 5" and bool(added.iloc[0]["curated"])
    r50 = results[results["model"] == "ResNet-50"]
    assert not r50["curated"].any()
    assert tables["model_sizes"].query("paper_id == @RESNET").empty
    runs = tables["training_runs"].set_index("paper_id")
    assert runs.loc[RESNET, "hardware"] == "tesla-p100" and runs.loc[RESNET, "curated"]
    assert not runs.loc[VGG, "curated"]
    cpr = tables["compute_per_result"].set_index(["paper_id", "model", "metric"])
    assert cpr.loc[(RESNET, "ResNet-152", "top1_error"), "value"] == 19.4
    assert cpr.loc[(RESNET, "ResNet-152", "top1_error"), "curated"]
    assert cpr.loc[(RESNET, "ResNet-50", "top1_error"), "curated"]  # the curated run's compute
    assert cpr.loc[(RESNET, "ResNet-50", "top1_error"), "hardware"] == "tesla-p100"
    assert not cpr.loc[(VGG, "VGG-16", "top1_error"), "curated"]
    assert set(frames) == {"results", "training", "sizes"}


def test_out_of_scope_paper_leaves_queue_and_export(alice, seeded):
    alice.mark_out_of_scope(VGG, reason="not deep learning")
    assert VGG not in {i.field.paper_id for i in alice.queue()}
    assert VGG in {i.field.paper_id for i in alice.queue(status="all")}
    with session_scope(seeded) as session:
        tables = build_tables(session)
        assert session.get(Paper, VGG).in_scope is False
    assert all(VGG not in set(t["paper_id"]) for t in tables.values())
    alice.set_in_scope(VGG, True, reason="it is")
    with session_scope(seeded) as session:
        assert VGG in set(build_tables(session)["results"]["paper_id"])
    assert [r.action for r in rows(seeded)] == ["out_of_scope", "in_scope"]


def test_scripted_apply(alice):
    item = alice.apply({"action": "correct", "paper_id": RESNET, "kind": "result",
                        "model": "ResNet-152", "field_key": "imagenet/top1_error",
                        "value": "19.4", "seq": 0})  # fmt: skip
    assert item.effective["value"] == 19.4
    stale = {"action": "reject", "paper_id": RESNET, "kind": "result", "model": "ResNet-152",
             "field_key": "imagenet/top1_error", "seq": 0}  # fmt: skip
    with pytest.raises(ConflictError):
        alice.apply(stale)
    with pytest.raises(CurationError, match="scripted action"):
        alice.apply({"action": "delete", "paper_id": RESNET})


# --------------------------------------------------------------------------------------------
# concurrency


def test_second_curator_with_a_stale_item_gets_conflict(seeded):
    alice, bob = Reviewer(seeded, curator="alice"), Reviewer(seeded, curator="bob")
    seen_by_alice, seen_by_bob = alice.item(R152), bob.item(R152)
    alice.correct(seen_by_alice, "19.4")
    with pytest.raises(ConflictError, match="reload"):
        bob.correct(seen_by_bob, "19.5")
    fresh = bob.item(R152)
    assert fresh.effective["value"] == 19.4
    assert bob.correct(fresh, "19.5").effective["value"] == 19.5
    assert [(r.curator, r.seq) for r in rows(seeded)] == [("alice", 1), ("bob", 2)]


def test_simultaneous_writers_second_fails_on_the_unique_seq(seeded):
    """Both curators read seq 0; A's row is written but not committed when B inserts: B waits
    for A's transaction and then fails on uq_curation_seq (not on the pre-check)."""
    session_a = session_factory(seeded)()
    record_action(session_a, R152, "correct", curator="alice", value="19.4", expected_seq=0)
    outcome: dict[str, BaseException | None] = {}

    def bob() -> None:
        try:
            with session_scope(seeded) as session_b:
                record_action(session_b, R152, "correct", curator="bob", value="19.5",
                              expected_seq=0)  # fmt: skip
            outcome["error"] = None
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            outcome["error"] = exc

    thread = threading.Thread(target=bob)
    thread.start()
    time.sleep(1.0)  # bob is now blocked on alice's uncommitted row (or the SQLite write lock)
    session_a.commit()
    session_a.close()
    thread.join(timeout=60)
    assert isinstance(outcome["error"], ConflictError), outcome
    assert "same moment" in str(outcome["error"])
    assert [(r.curator, r.seq) for r in rows(seeded)] == [("alice", 1)]


# --------------------------------------------------------------------------------------------
# refreshes


def test_refresh_keeps_correction_and_flags_new_evidence(alice, seeded):
    alice.correct(R152, "19.4", reason="Table 4")
    store(seeded, RESNET, resnet(), key="test-key-2")  # rules changed, same outcome
    item = alice.item(R152)
    assert item.status == "corrected" and not item.conflict
    assert item.effective == {"value": 19.4, "unit": "%"}
    store(seeded, RESNET, resnet(top1_error=19.2), key="test-key-3")  # disagrees
    item = alice.item(R152)
    assert item.conflict and item.status == "conflict"
    assert item.effective == {"value": 19.4, "unit": "%"}  # never silently overridden
    assert alice.queue()[0].field == R152
    with session_scope(seeded) as session:
        results = build_tables(session)["results"]
    assert 19.4 in set(results["value"]) and 19.2 not in set(results["value"])
    resolved = alice.accept(item, reason="new table is right")
    assert resolved.status == "accepted" and not resolved.conflict
    assert resolved.effective == {"value": 19.2, "unit": "%"}
    store(seeded, RESNET, resnet(top1_error=19.38), key="test-key-4")  # agrees with no one now
    assert alice.item(R152).conflict


def test_refresh_back_to_the_value_seen_is_no_conflict(alice, seeded):
    alice.reject(PARAMS, reason="wrong model")
    store(seeded, RESNET, resnet(), key="test-key-2")
    assert alice.item(PARAMS).status == "rejected"
    alice.add(RESNET, "result", "ResNet-1202", "imagenet/top1_error", "7.93")
    store(seeded, RESNET, resnet(), key="test-key-3")
    assert alice.item(FieldId.of(RESNET, "result", "ResNet-1202", "imagenet/top1_error")).status \
        == "added"  # fmt: skip


@pytest.mark.corpus
def test_refresh_on_a_real_paper_keeps_the_curation(engine, shared_dir: Path):
    pdf = shared_dir / "corpus" / "pdf" / "1409.3215.pdf"
    if not pdf.is_file():
        pytest.skip(f"corpus PDF {pdf.name} not in the shared folder")
    ref = PaperRef("1409.3215", str(pdf), sha256_file(pdf), pdf.stat().st_size, year=2014)
    outcome = process_paper(ref)
    assert outcome.status == "ok" and outcome.extraction.results

    def refresh(extraction, key: str) -> None:
        with session_scope(engine) as session:
            store_extraction(session, paper_id=ref.paper_id, sha256=ref.sha256, doc_path=pdf,
                             n_bytes=ref.n_bytes, n_pages=outcome.n_pages, extraction=extraction,
                             extractor_key=key, extractor_version="test", run_id=None,
                             seconds=None)  # fmt: skip

    refresh(outcome.extraction, "real-1")
    reviewer = Reviewer(engine, curator="alice")
    item = reviewer.queue(benchmark="wmt14-en-fr")[0]
    old = item.extracted["value"]
    corrected = reviewer.correct(item, old + 0.5, reason="checked against the PDF")
    refresh(process_paper(ref).extraction, "real-1")  # the same rules again
    refresh(process_paper(ref).extraction, "real-2-changed-rules")
    kept = reviewer.item(item.field)
    assert kept.status == "corrected" and kept.effective == corrected.effective
    assert kept.extracted["value"] == old and kept.candidates[0].evidence_id is not None
    changed = process_paper(ref).extraction
    for result in changed.results:  # a new rule reads a different number for this field
        if FieldId.of(ref.paper_id, "result", result.model,
                      f"{result.benchmark}/{result.metric}") == item.field:  # fmt: skip
            result.value = old + 1.0
    refresh(changed, "real-3")
    conflicted = reviewer.item(item.field)
    assert conflicted.conflict and conflicted.effective == corrected.effective
    assert reviewer.queue()[0].field == item.field
    with session_scope(engine) as session:
        assert session.scalar(select(func.count()).select_from(Curation)) == 1
        results = build_tables(session)["results"]
    curated = results[results["curated"]]
    assert list(curated["value"]) == [corrected.effective["value"]]
