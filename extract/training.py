"""Paper-level judgement of training runs: duplicates, subsumed mentions, low confidence.

Nothing is dropped: a run that does not make the cut becomes a rejected candidate with a
reason, which the review queue shows and the exports leave out.
"""

from __future__ import annotations

from schema import quantities as q
from schema.records import TrainingCandidate

MIN_CONFIDENCE = 0.6


def _key(run: TrainingCandidate) -> tuple:
    def r(x: float | None) -> float | None:
        return None if x is None else round(x, 3)

    return (run.hardware, r(run.chips), r(run.hardware_count), r(run.duration_hours), r(run.device_hours))


def _reject(run: TrainingCandidate, reason: str) -> None:
    run.status, run.reject_reason = q.REJECTED, reason


def consolidate_runs(runs: list[TrainingCandidate], min_confidence: float = MIN_CONFIDENCE) -> list[TrainingCandidate]:
    """Mark duplicates, subsumed and low-confidence runs rejected; return all runs."""
    live = [r for r in runs if r.status != q.REJECTED]
    counted = {r.hardware for r in live if r.hardware and r.hardware_count is not None}
    seen: set[tuple] = set()
    for run in sorted(live, key=lambda r: -r.confidence):
        if run.confidence < min_confidence:
            _reject(run, "low_confidence")
        elif _key(run) in seen:
            _reject(run, "duplicate")
        elif run.hardware in counted and run.hardware_count is None and not _has_time(run):
            _reject(run, "subsumed_by_counted_mention")
        else:
            seen.add(_key(run))
    return runs


def _has_time(run: TrainingCandidate) -> bool:
    return run.duration_hours is not None or run.device_hours is not None
