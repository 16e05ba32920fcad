"""Cross-check our extractions against a hand-made reference dataset (MIT FutureTech or Epoch).

Papers are matched by arXiv id (ours: the paper id; MIT: ``paper_link``; Epoch: ``Link``).
For every matched paper and field we compare one value of ours with one of theirs
(agreement tolerance in brackets; docs/compute.md has the details):

- ``params`` (±2%): per reference model, our parameter row whose model name shares at least
  half the words, else our only stated value;
- ``hardware`` (same slug), ``hardware_count`` (±1%, chips), ``training_hours`` (±10%): the
  paper's best training run (``db.compute.best_run``) against their dominant chip type (MIT:
  TPU boards x 4 chips) or first listed hardware and quantity (Epoch);
- ``compute`` (±10%): our ``compute_flop`` (chosen hardware burden, else the largest network
  operations) against MIT's hardware burden or Epoch's Training compute (FLOP);
- ``hardware_burden`` (MIT, ±10%): our hardware burden against theirs;
- ``utilization_adjusted`` (Epoch, ±10%): our hardware burden x 0.375 against their compute.

Per field the report gives: matched papers where they have a value (``n_theirs``), where we
have one too (``n_both``), how many agree, and quantiles of ours ÷ theirs for numeric fields.
The reference data is read here only; nothing of it enters the database.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from analysis.reference import ReferenceDataError, arxiv_id, load_mit
from db.compute import PaperCompute, load_rows, match_model, paper_compute_from_rows, run_chips
from extract import compute as ec
from schema import quantities as q

EPOCH_DIR = "epoch"
EPOCH_FILE = "all-ml-systems.csv"
REFERENCES = ("mit", "epoch")
TOLERANCE = {"params": 0.02, "hardware_count": 0.01, "training_hours": 0.10, "compute": 0.10,
             "hardware_burden": 0.10, "utilization_adjusted": 0.10}  # fmt: skip
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
_ARXIV_ANY = re.compile(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})")


@dataclass
class Comparison:
    """One field of one matched paper (and reference model, for params)."""

    paper_id: str
    field: str
    ours: Any
    theirs: Any
    agree: bool | None
    ratio: float | None
    model: str | None = None


@dataclass
class FieldReport:
    field: str
    tolerance: float | None
    n_theirs: int = 0
    n_both: int = 0
    n_agree: int = 0
    agreement: float | None = None
    ratio_quantiles: dict[str, float] = field(default_factory=dict)


@dataclass
class CrosscheckReport:
    reference: str
    n_our_papers: int
    n_their_papers: int
    n_matched: int
    fields: list[FieldReport]
    comparisons: list[Comparison]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------------------------------
# reference tables: one row per (paper_id, model) with params, hardware, chips, hours, compute


def _num(value: Any) -> float | None:
    number = pd.to_numeric(value, errors="coerce")
    return None if pd.isna(number) or not math.isfinite(float(number)) else float(number)


def mit_table(reference_dir: Path) -> pd.DataFrame:
    """MIT rows per (paper, model) with an arXiv id: params, hardware, hardware_count (chips),
    training_hours, compute (= their hardware burden), hardware_burden."""
    table, _ = load_mit(reference_dir)
    table = table[table["paper_id"].map(lambda p: bool(_ARXIV_ID.fullmatch(str(p))))]
    keep = ["paper_id", "model", "params", "hardware", "hardware_count", "training_hours",
            "hardware_burden_flop"]  # fmt: skip
    out = table[keep].drop_duplicates(["paper_id", "model"]).rename(
        columns={"hardware_burden_flop": "hardware_burden"}
    )
    out["compute"] = out["hardware_burden"]
    return out.reset_index(drop=True)


_ARXIV_ID = re.compile(r"\d{4}\.\d{4,5}")


def _epoch_hardware(name: Any, year: int | None) -> str | None:
    if not isinstance(name, str) or not name.strip():
        return None
    from extract.hardware import resolve_hardware

    match = resolve_hardware(name.split(",")[0], year)
    return match.slug if match else None


def epoch_table(reference_dir: Path) -> pd.DataFrame:
    """Epoch systems with an arXiv link: params, hardware (our slug), hardware_count,
    training_hours, compute (their Training compute)."""
    path = Path(reference_dir) / EPOCH_DIR / EPOCH_FILE
    if not path.is_file():
        path = Path(reference_dir) / EPOCH_FILE
    if not path.is_file():
        raise ReferenceDataError(f"no {EPOCH_DIR}/{EPOCH_FILE} under {reference_dir}")
    raw = pd.read_csv(path, dtype=str)
    rows = []
    for _, r in raw.iterrows():
        found = _ARXIV_ANY.search(str(r.get("Link") or ""))
        pid = found.group(1) if found else arxiv_id(r.get("Link"))
        if not pid:
            continue
        date = str(r.get("Publication date") or "")
        year = int(date[:4]) if date[:4].isdigit() else None
        rows.append({
            "paper_id": pid, "model": r.get("Model"), "params": _num(r.get("Parameters")),
            "hardware": _epoch_hardware(r.get("Training hardware"), year),
            "hardware_count": _num(r.get("Hardware quantity")),
            "training_hours": _num(r.get("Training time (hours)")),
            "compute": _num(r.get("Training compute (FLOP)")),
        })  # fmt: skip
    out = pd.DataFrame(rows, columns=["paper_id", "model", "params", "hardware", "hardware_count",
                                      "training_hours", "compute"])  # fmt: skip
    out["utilization_adjusted"] = out["compute"]
    return out


def reference_table(reference: str, reference_dir: Path) -> pd.DataFrame:
    if reference == "mit":
        return mit_table(reference_dir)
    if reference == "epoch":
        return epoch_table(reference_dir)
    raise ValueError(f"reference must be one of {REFERENCES}, not {reference!r}")


# --------------------------------------------------------------------------------------------
# our side


@dataclass
class OurPaper:
    compute: PaperCompute
    params: list[dict[str, Any]]

    def run_value(self, name: str) -> Any:
        run = self.compute.best_run
        if run is None:
            return None
        if name == "hardware_count":
            return run_chips(run)
        if name == "training_hours":
            return _num(run.get("duration_hours"))
        return run.get(name)

    def compute_value(self, name: str) -> float | None:
        burden = self.compute.burden.estimate if self.compute.burden else None
        if name == "hardware_burden":
            return burden.flop if burden else None
        if name == "utilization_adjusted":
            return ec.adjust_for_utilization(burden).flop if burden else None
        nets = [e.estimate for e in self.compute.estimates
                if e.estimate.method == ec.NETWORK_OPERATIONS]  # fmt: skip
        nets.sort(key=lambda e: -e.flop)
        chosen = ec.choose([e for e in [burden, *nets] if e is not None])
        return chosen.flop if chosen else None


def our_papers(session: Session) -> dict[str, OurPaper]:
    out = {}
    for pid, rows in load_rows(session).items():
        params = [s for s in rows.sizes if s.get("quantity") == q.PARAM_COUNT]
        out[pid] = OurPaper(paper_compute_from_rows(rows), params)
    return out


# --------------------------------------------------------------------------------------------
# comparing


def _agree(name: str, ours: Any, theirs: Any) -> tuple[bool, float | None]:
    if name == "hardware":
        return ours == theirs, None
    ratio = float(ours) / float(theirs) if float(theirs) else None
    return ratio is not None and abs(ratio - 1.0) <= TOLERANCE[name], ratio


def _dominant(rows: pd.DataFrame) -> pd.Series:
    """The reference row that stands for the paper: the largest compute, else the first."""
    if rows["compute"].notna().any():
        return rows.loc[rows["compute"].idxmax()]
    return rows.iloc[0]


def _paper_comparisons(pid: str, ours: OurPaper, theirs: pd.DataFrame,
                       fields: list[str]) -> list[Comparison]:  # fmt: skip
    out = []
    for _, row in theirs.iterrows():
        value = _num(row["params"])
        if value is None:
            continue
        mine = match_model(ours.params, row["model"]) if ours.params else None
        if mine is None and len({_num(p["value"]) for p in ours.params}) == 1:
            mine = ours.params[0]  # names differ ("Noisy Student (L2)"), one value stated
        ours_value = _num(mine["value"]) if mine else None
        agree, ratio = _agree("params", ours_value, value) if ours_value else (None, None)
        out.append(Comparison(pid, "params", ours_value, value, agree, ratio, row["model"]))
    top = _dominant(theirs)
    getters: dict[str, Callable[[str], Any]] = {
        "hardware": ours.run_value, "hardware_count": ours.run_value,
        "training_hours": ours.run_value, "compute": ours.compute_value,
        "hardware_burden": ours.compute_value, "utilization_adjusted": ours.compute_value,
    }  # fmt: skip
    for name in fields:
        value = top.get(name)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        mine = getters[name](name)
        agree, ratio = _agree(name, mine, value) if mine is not None else (None, None)
        out.append(Comparison(pid, name, mine, value, agree, ratio, top.get("model")))
    return out


def _field_report(name: str, rows: list[Comparison]) -> FieldReport:
    both = [c for c in rows if c.agree is not None]
    ratios = [c.ratio for c in both if c.ratio]
    report = FieldReport(name, TOLERANCE.get(name), len(rows), len(both),
                         sum(1 for c in both if c.agree))  # fmt: skip
    report.agreement = report.n_agree / report.n_both if report.n_both else None
    if ratios:
        values = np.quantile(np.array(ratios, dtype=float), QUANTILES)
        pairs = zip(QUANTILES, values, strict=True)
        report.ratio_quantiles = {f"p{round(p * 100)}": float(v) for p, v in pairs}
    return report


def crosscheck(session: Session, reference: str, reference_dir: Path) -> CrosscheckReport:
    """Match our papers to ``reference`` ('mit' or 'epoch') by arXiv id and compare fields."""
    theirs = reference_table(reference, reference_dir)
    ours = our_papers(session)
    extra = "hardware_burden" if reference == "mit" else "utilization_adjusted"
    fields = ["hardware", "hardware_count", "training_hours", "compute", extra]
    comparisons: list[Comparison] = []
    matched = sorted(set(ours) & set(theirs["paper_id"]))
    for pid in matched:
        rows = theirs[theirs["paper_id"] == pid]
        comparisons.extend(_paper_comparisons(pid, ours[pid], rows, fields))
    reports = [
        _field_report(name, [c for c in comparisons if c.field == name])
        for name in ["params", *fields]
    ]
    return CrosscheckReport(reference, len(ours), int(theirs["paper_id"].nunique()),
                            len(matched), reports, comparisons)  # fmt: skip
