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


def _only_tpu_version(runs: list[TrainingCandidate]) -> str | None:
    versions = {r.hardware for r in runs if r.hardware and r.hardware.startswith("tpu-v")}
    return versions.pop() if len(versions) == 1 else None


def name_tpu_version(runs: list[TrainingCandidate]) -> None:
    """"2048 TPU cores" in a paper whose every named TPU is a v3: those are v3 cores."""
    version = _only_tpu_version(runs)
    if version is None:
        return
    from extract.hardware import chips_from_count

    for run in runs:
        if run.hardware == "tpu-unspecified":
            run.hardware = version
            if run.hardware_count is not None:
                run.chips = chips_from_count(version, run.hardware_count, run.count_unit or "chip")


def consolidate_runs(runs: list[TrainingCandidate], min_confidence: float = MIN_CONFIDENCE) -> list[TrainingCandidate]:
    """Mark duplicates, subsumed and low-confidence runs rejected; return all runs."""
    name_tpu_version(runs)
    live = [r for r in runs if r.status != q.REJECTED]
    counted = {r.hardware for r in live if r.hardware and r.hardware_count is not None}
    seen: set[tuple] = set()
    for run in sorted(live, key=lambda r: -r.confidence):
        if run.confidence < min_confidence:
            _reject(run, "low_confidence")
        elif _key(run) in seen:
            _reject(run, "duplicate")
        elif run.hardware in counted and run.hardware_count is None and not has_time(run):
            _reject(run, "subsumed_by_counted_mention")
        else:
            seen.add(_key(run))
    return runs


def has_time(run: TrainingCandidate) -> bool:
    return run.duration_hours is not None or run.device_hours is not None
