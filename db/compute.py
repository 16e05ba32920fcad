"""Compute estimates from a paper's stored rows, and the ``compute_estimates`` table.

``compute_for_paper(session, paper_id)`` reads the paper's non-rejected training runs, model
sizes and results, computes (with the pure functions of ``extract.compute``):

- per training run: the hardware burden with the catalog peak (``schema.hardware.burden_peak``)
  from chips x wall-clock hours, else from stated device-hours; and its utilization-adjusted
  companion (Epoch);
- per result target (model, benchmark): network operations when the model's FLOPs per forward
  pass, an epoch count (from a training run) and the benchmark's standard training-set size
  (``schema.benchmarks.training_examples``) are all known;
- 6ND needs training tokens, which extraction does not read yet: no such rows for now;

and replaces the paper's ``compute_estimates`` rows. ``chosen`` marks the paper's chosen
hardware burden (the burden of its best run, ``best_run``) and, for each result target, the
estimate ``extract.compute.choose`` picks. The views ``paper_compute`` and
``compute_per_result`` (migration 0002) read these rows.

``paper_compute_from_rows`` is the same computation without the database write; the export
uses it so a snapshot never depends on whether estimates were stored.

This module imports ``extract.compute`` (pure arithmetic, no I/O): the estimates are defined
once, there.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from db.store import finite_float
from extract import compute as ec
from schema import quantities as q
from schema.benchmarks import training_examples
from schema.hardware import UnknownHardwareError, get_accelerator
from schema.tables import ComputeEstimate, ModelSize, PaperStatus, Result, TrainingRun

log = logging.getLogger(__name__)

MULTIADD_UNITS = frozenset({"multiadds", "multiadd", "macs", "mac", "madds", "mult-adds"})
BURDEN_METHODS = (ec.HARDWARE_BURDEN, ec.HARDWARE_BURDEN_DEVICE_HOURS)

_RUN_COLUMNS = (TrainingRun.id, TrainingRun.paper_id, TrainingRun.stage, TrainingRun.model,
                TrainingRun.hardware, TrainingRun.hardware_count, TrainingRun.count_unit,
                TrainingRun.chips, TrainingRun.duration_hours, TrainingRun.device_hours,
                TrainingRun.epochs, TrainingRun.confidence)  # fmt: skip
_SIZE_COLUMNS = (ModelSize.id, ModelSize.paper_id, ModelSize.model, ModelSize.quantity,
                 ModelSize.value, ModelSize.unit, ModelSize.confidence)  # fmt: skip
_RESULT_COLUMNS = (Result.id, Result.paper_id, Result.model, Result.benchmark, Result.metric,
                   Result.confidence)  # fmt: skip


@dataclass
class PaperRows:
    """A paper's non-rejected rows as plain dicts (column name -> value)."""

    runs: list[dict[str, Any]] = field(default_factory=list)
    sizes: list[dict[str, Any]] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class PaperEstimate:
    """An estimate with what it applies to, ready to be a ``compute_estimates`` row."""

    estimate: ec.Estimate
    model: str | None = None
    benchmark: str | None = None
    training_run_id: int | None = None
    chosen: bool = False


@dataclass
class PaperCompute:
    """All estimates of one paper, its best run, and the choice per result target."""

    estimates: list[PaperEstimate]
    best_run: dict[str, Any] | None
    burden: PaperEstimate | None

    def network_operations(self, model: str | None, benchmark: str) -> PaperEstimate | None:
        for e in self.estimates:
            if e.estimate.method == ec.NETWORK_OPERATIONS and e.benchmark == benchmark and (
                (e.model or "") == (model or "")
            ):
                return e
        return None

    def for_result(self, model: str | None, benchmark: str) -> dict[str, Any]:
        """The compute columns of ``compute_per_result`` for one result target."""
        run = self.best_run or {}
        burden = self.burden.estimate if self.burden else None
        net = self.network_operations(model, benchmark)
        chosen = ec.choose([e for e in (burden, net.estimate if net else None) if e])
        peak = burden.inputs.get("peak_flops") if burden else None
        return {
            "hardware": run.get("hardware"),
            "hardware_count": run_chips(run) if run else None,
            "training_hours": _num(run.get("duration_hours")),
            "peak_flops": peak,
            "peak_precision": burden.precision if burden else None,
            "hardware_burden_flop": burden.flop if burden else None,
            "network_ops_flop": net.estimate.flop if net else None,
            "compute_flop": chosen.flop if chosen else None,
            "compute_method": chosen.method if chosen else None,
        }


# --------------------------------------------------------------------------------------------
# reading rows


_num = finite_float  # a number from a DB row or dict value, None when absent or not finite


def load_rows(session: Session, paper_ids: Iterable[str] | None = None) -> dict[str, PaperRows]:
    """Non-rejected runs, sizes and results per paper (all papers when ``paper_ids`` is None)."""
    wanted = sorted(set(paper_ids)) if paper_ids is not None else None
    out: dict[str, PaperRows] = {pid: PaperRows() for pid in wanted or []}
    for attr, table, columns in (
        ("runs", TrainingRun, _RUN_COLUMNS),
        ("sizes", ModelSize, _SIZE_COLUMNS),
        ("results", Result, _RESULT_COLUMNS),
    ):
        stmt = select(*columns).where(table.status != q.REJECTED).order_by(table.id)
        if wanted is not None:
            stmt = stmt.where(table.paper_id.in_(wanted))
        for row in session.execute(stmt).mappings():
            getattr(out.setdefault(row["paper_id"], PaperRows()), attr).append(dict(row))
    return out


# --------------------------------------------------------------------------------------------
# estimates from rows


def run_chips(run: dict[str, Any]) -> float | None:
    """The run's chips: the converted count, else the count when it is already in chips."""
    chips = _num(run.get("chips"))
    if chips is None and run.get("count_unit") in (None, "chip"):
        chips = _num(run.get("hardware_count"))
    return chips


def burden_of(run: dict[str, Any]) -> ec.Estimate | None:
    """The run's hardware burden: chips x wall-clock hours, else stated device-hours."""
    slug, chips, hours = run.get("hardware"), run_chips(run), _num(run.get("duration_hours"))
    device_hours = _num(run.get("device_hours"))
    if not slug:
        return None
    try:
        if chips is not None and hours is not None:
            return ec.hardware_burden(slug, chips, hours)
        if device_hours is not None:
            tpu_cores = run.get("count_unit") == "core" and get_accelerator(slug).kind == "tpu"
            unit = "core" if tpu_cores else "chip"
            return ec.hardware_burden_device_hours(slug, device_hours, unit)
    except (ec.EstimateError, UnknownHardwareError) as exc:
        log.debug("run %s: no hardware burden: %s", run.get("id"), exc)
    return None


def _run_rank(run: dict[str, Any]) -> tuple[Any, ...]:
    burden = burden_of(run)
    return (
        burden is not None,
        run.get("stage") != q.STAGE_FINETUNE,
        bool(run.get("hardware")) + (run_chips(run) is not None)
        + (_num(run.get("duration_hours")) is not None),
        _num(run.get("confidence")) or 0.0,
        burden.flop if burden else 0.0,
        -(run.get("id") or 0),
    )  # fmt: skip


def best_run(runs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The run that stands for the paper: one with a hardware burden, not a fine-tuning, the
    most complete, the most confident, the largest burden, the earliest stored."""
    return max(runs, key=_run_rank) if runs else None


def tokens(name: Any) -> set[str]:
    """Lower-case words and numbers of a model name ('ResNet-152' -> {'resnet', '152'})."""
    if not isinstance(name, str):
        return set()
    return set(re.findall(r"[a-z0-9]+(?:\.[a-z0-9]+)*", name.lower()))


def match_model(rows: list[dict[str, Any]], model: str | None) -> dict[str, Any] | None:
    """The row whose model shares the most (at least half) of ``model``'s tokens; for an
    unnamed ``model``, the only row (or rows that all agree); else None."""
    wanted = tokens(model)
    scored = []
    for row in rows:
        shared = len(wanted & tokens(row.get("model")))
        if wanted and shared and shared * 2 >= len(wanted):
            scored.append((shared, _num(row.get("confidence")) or 0.0, -(row.get("id") or 0), row))
    if scored:
        return max(scored, key=lambda t: t[:3])[3]
    if not wanted and len({_num(r.get("value")) for r in rows}) == 1:
        return rows[0]
    return None


def _epochs_run(runs: list[dict[str, Any]], model: str | None) -> dict[str, Any] | None:
    with_epochs = [r for r in runs if (_num(r.get("epochs")) or 0) > 0]
    if not with_epochs:
        return None
    wanted = tokens(model)

    def rank(r: dict[str, Any]) -> tuple[Any, ...]:
        return (r.get("stage") != q.STAGE_FINETUNE, len(wanted & tokens(r.get("model"))),
                _num(r.get("confidence")) or 0.0, -(r.get("id") or 0))  # fmt: skip

    return max(with_epochs, key=rank)


def network_ops_of(rows: PaperRows, model: str | None, benchmark: str) -> PaperEstimate | None:
    """3 x FLOPs per forward x epochs x the benchmark's standard training-set size."""
    examples = training_examples(benchmark)
    flops_rows = [s for s in rows.sizes if s.get("quantity") == q.FLOPS_PER_FORWARD]
    size = match_model(flops_rows, model) if examples and flops_rows else None
    run = _epochs_run(rows.runs, model) if size else None
    if size is None or run is None or examples is None:
        return None
    multiply_adds = str(size.get("unit") or "").lower() in MULTIADD_UNITS
    try:
        est = ec.network_operations(size["value"], run["epochs"], examples, multiply_adds)
    except ec.EstimateError:
        return None
    inputs = {**est.inputs, "benchmark": benchmark, "size_id": size.get("id"),
              "size_model": size.get("model"), "training_run_id": run.get("id")}  # fmt: skip
    est = ec.Estimate(est.method, est.flop, inputs, est.precision)
    return PaperEstimate(est, model, benchmark, training_run_id=run.get("id"))


def paper_compute_from_rows(
    rows: PaperRows, utilization: float = ec.DEFAULT_UTILIZATION
) -> PaperCompute:
    """Every estimate of one paper with ``chosen`` set (no database access)."""
    estimates: list[PaperEstimate] = []
    run = best_run(rows.runs)
    chosen_burden: PaperEstimate | None = None
    for r in rows.runs:
        burden = burden_of(r)
        if burden is None:
            continue
        item = PaperEstimate(burden, r.get("model"), None, r.get("id"))
        estimates.append(item)
        estimates.append(PaperEstimate(ec.adjust_for_utilization(burden, utilization),
                                       r.get("model"), None, r.get("id")))  # fmt: skip
        if run is not None and r is run:
            chosen_burden = item
    targets = sorted({(r.get("model") or "", r["benchmark"]) for r in rows.results})
    for model, benchmark in targets:
        net = network_ops_of(rows, model or None, benchmark)
        if net is not None:
            estimates.append(net)
        picked = ec.choose([e.estimate for e in (chosen_burden, net) if e is not None])
        for e in (chosen_burden, net):
            if e is not None and picked is e.estimate:
                e.chosen = True
    if chosen_burden is not None:
        chosen_burden.chosen = True  # the paper's headline compute, with or without results
    return PaperCompute(estimates, run, chosen_burden)


# --------------------------------------------------------------------------------------------
# the table


def _row(paper_id: str, item: PaperEstimate, run_id: str | None) -> dict[str, Any]:
    est = item.estimate
    return {
        "paper_id": paper_id,
        "model": item.model,
        "benchmark": item.benchmark,
        "method": est.method,
        "flop": est.flop,
        "inputs": est.inputs,
        "precision": est.precision,
        "peak_flops": est.inputs.get("peak_flops"),
        "chosen": item.chosen,
        "training_run_id": item.training_run_id,
        "run_id": run_id,
    }


def compute_for_paper(
    session: Session,
    paper_id: str,
    run_id: str | None = None,
    utilization: float = ec.DEFAULT_UTILIZATION,
) -> PaperCompute:
    """Recompute the paper's estimates from its stored rows and replace its
    ``compute_estimates`` rows, in the caller's transaction. ``run_id`` defaults to the run
    that last extracted the paper (``paper_status.run_id``)."""
    rows = load_rows(session, [paper_id]).get(paper_id, PaperRows())
    computed = paper_compute_from_rows(rows, utilization)
    if run_id is None:
        run_id = session.scalar(select(PaperStatus.run_id).where(PaperStatus.paper_id == paper_id))
    session.execute(delete(ComputeEstimate).where(ComputeEstimate.paper_id == paper_id))
    values = [_row(paper_id, item, run_id) for item in computed.estimates]
    if values:
        session.execute(insert(ComputeEstimate), values)
    session.flush()
    return computed


def compute_all(session: Session, paper_ids: Iterable[str] | None = None) -> int:
    """``compute_for_paper`` for every paper with a status row (or those given); returns the
    number of estimate rows written."""
    if paper_ids is None:
        stmt = select(PaperStatus.paper_id).order_by(PaperStatus.paper_id)
        paper_ids = list(session.scalars(stmt))
    return sum(len(compute_for_paper(session, pid).estimates) for pid in paper_ids)
