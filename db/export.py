"""The handoff snapshot: CSV + Parquet files, data dictionary and manifest in a new folder.

``export_snapshot`` writes ``results``, ``training_runs``, ``model_sizes`` and
``compute_per_result`` (DESIGN.md columns first, extra columns after them) from the effective
values of the database (non-rejected rows with the curators' decisions applied, ``db.effective``;
``curated`` marks curated rows) into ``<out_dir>/<UTC date>-<first 12 hex of the content
hash>``. The content hash covers the CSV files and ``data_dictionary.json`` (not the Parquet
files, whose bytes depend on the pyarrow version, nor the manifest, which holds the creation
time). When a
folder with the same content hash already exists under ``out_dir`` (any date) it is returned as
is. The folder is written under a temporary name and renamed into place, so a reader never sees
a half-written snapshot; its files are made read-only.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from db.compute import PaperCompute, load_rows, paper_compute_from_rows, tokens
from db.effective import effective_compute_rows, effective_frames
from db.engine import session_scope
from schema.benchmarks import UnknownMetricError, direction, metric_spec
from schema.ids import sha256_file
from schema.tables import Paper, Run

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
DICTIONARY = "data_dictionary.json"
FORMAT_VERSION = 1

Spec = dict[str, tuple[str, str, str]]  # column -> (type, unit, meaning)

_PROVENANCE: Spec = {
    "page": ("integer", "page", "page of the PDF the value was read on, from 1"),
    "snippet": ("string", "", "the sentence or table row the value was read from (<= 300 chars)"),
}
_CURATED: Spec = {
    "curated": ("boolean", "", "true when a curator accepted, corrected or added this value "
                "(db.curation; the value is then the curated one, provenance the best "
                "extraction's, or the curator's note for an added value)"),
}

RESULTS: Spec = {
    "paper_id": ("string", "", "arXiv id without version when known, else the PDF file stem "
                 "(read it as text: ids like 1512.03380 look like numbers)"),
    "model": ("string", "", "model (system) name as reported, empty when not attributed"),
    "benchmark": ("string", "", "imagenet | coco | squad1.1 | conll2003 | wmt14-en-de | "
                  "wmt14-en-fr | other:<name>"),
    "metric": ("string", "", "top1_accuracy, top5_accuracy, top1_error, top5_error, box_ap, "
               "ap50, ap75, em, f1, bleu (DESIGN.md vocabulary)"),
    "value": ("float", "percent points", "the metric as printed"),
    "source": ("string", "", "where the value came from: text | table | leaderboard | "
               "curator (added by a curator)"),
    "confidence": ("float", "0-1", "extractor's confidence in the value"),
    **_PROVENANCE,
    "status": ("string", "", "candidate | accepted (rejected rows are not exported)"),
    "rule_id": ("string", "", "extraction rule (or table parser) that read the value"),
    "evidence_id": ("integer", "", "id of the evidence row in the database this snapshot came "
                    "from (changes when the paper is re-extracted)"),
    **_CURATED,
}  # fmt: skip

TRAINING_RUNS: Spec = {
    "paper_id": RESULTS["paper_id"],
    "stage": ("string", "", "train | pretrain | finetune"),
    "hardware": ("string", "", "hardware catalog slug (e.g. tesla-v100, tpu-v3, gpu-unspecified)"),
    "hardware_count": ("float", "count_unit", "number of devices as the paper counts them"),
    "count_unit": ("string", "", "unit of hardware_count: chip | core | board | machine | pod"),
    "duration_hours": ("float", "hours", "wall-clock training time of the run"),
    "device_hours": ("float", "device-hours", "device-time the paper states (e.g. GPU-hours, "
                     "TPU core-hours), when stated"),
    **_PROVENANCE,
    "confidence": RESULTS["confidence"],
    "chips": ("float", "chips", "hardware_count converted to chips (TPU cores / 2, boards x "
              "chips per board), empty when not convertible"),
    "duration_lo_hours": ("float", "hours", "lower end of a stated duration range"),
    "duration_hi_hours": ("float", "hours", "upper end of a stated duration range"),
    "model": RESULTS["model"],
    "hardware_raw": ("string", "", "the hardware as written in the paper"),
    "duration_raw": ("string", "", "the duration as written in the paper"),
    "status": RESULTS["status"],
    "rule_id": RESULTS["rule_id"],
    "evidence_id": RESULTS["evidence_id"],
    **_CURATED,
}  # fmt: skip

MODEL_SIZES: Spec = {
    "paper_id": RESULTS["paper_id"],
    "model": RESULTS["model"],
    "params": ("float", "parameters", "number of parameters (empty on FLOPs rows)"),
    "flops_per_forward": ("float", "FLOP", "FLOPs of one forward pass of one example; 2 x the "
                          "stated multiply-adds when the paper counts multiply-adds (empty on "
                          "parameter rows)"),
    **_PROVENANCE,
    "unit": ("string", "", "unit the paper counted in: params | flops | multiadds"),
    "raw_value": ("string", "", "the number as written in the paper"),
    "confidence": RESULTS["confidence"],
    "status": RESULTS["status"],
    "rule_id": RESULTS["rule_id"],
    "evidence_id": RESULTS["evidence_id"],
    **_CURATED,
}  # fmt: skip

COMPUTE_PER_RESULT: Spec = {
    "paper_id": RESULTS["paper_id"],
    "title": ("string", "", "paper title"),
    "year": ("integer", "year", "publication year"),
    "model": ("string", "", "the paper's own model (rows for cited baselines, confidence < 0.5, "
              "are left out: the paper's compute says nothing about them; curated rows stay)"),
    "benchmark": RESULTS["benchmark"],
    "metric": RESULTS["metric"],
    "value": ("float", "percent points", "the paper's best value for (benchmark, metric, model): "
              "highest confidence, then best value"),
    "error_rate": ("float", "percent points", "the value for error metrics, 100 - value for "
                   "higher-is-better percent metrics (accuracy, AP, F1, EM, BLEU, mAP), empty "
                   "for others (perplexity, bits per character)"),
    "params": ("float", "parameters", "parameters of the result's model (a size row whose model "
               "shares at least half the tokens), else the paper's most confident count"),
    "hardware": ("string", "", "hardware slug of the paper's best training run (most complete, "
                 "not fine-tuning, most confident)"),
    "hardware_count": ("float", "chips", "chips of that run"),
    "training_hours": ("float", "hours", "wall-clock hours of that run"),
    "peak_flops": ("float", "FLOP/s", "peak of one chip from the hardware catalog (basis in "
                   "peak_precision)"),
    "hardware_burden_flop": ("float", "FLOP", "chips x peak FLOP/s x training seconds, no "
                             "utilization factor (Thompson et al.); from device-hours when only "
                             "those are stated"),
    "network_ops_flop": ("float", "FLOP", "3 x FLOPs per forward pass (2 x multiply-adds) x "
                         "epochs x the benchmark's standard training-set size, for the result's "
                         "model and benchmark; empty unless all three are known"),
    "compute_flop": ("float", "FLOP", "the training compute the regression uses by default: "
                     "the first of hardware burden (wall-clock), hardware burden (device-hours), "
                     "network operations (docs/compute.md)"),
    "compute_method": ("string", "", "how compute_flop was obtained: hardware_burden | "
                       "hardware_burden_device_hours | network_operations | six_n_d | empty "
                       "when unknown"),
    "curated": ("boolean", "", "true when a curator checked or entered the result's value, "
                "the chosen training run or the parameter count (db.curation)"),
    "peak_precision": ("string", "", "precision basis of peak_flops: fp32 | fp16 | tensor"),
}  # fmt: skip

TABLES: dict[str, Spec] = {
    "results": RESULTS,
    "training_runs": TRAINING_RUNS,
    "model_sizes": MODEL_SIZES,
    "compute_per_result": COMPUTE_PER_RESULT,
}

_COMPUTE_COLUMNS = ("hardware", "hardware_count", "training_hours", "peak_flops",
                    "hardware_burden_flop", "network_ops_flop", "compute_flop",
                    "compute_method")  # fmt: skip
_DTYPES = {"string": "string", "integer": "Int64", "float": "float64", "boolean": "boolean"}
_ERROR_METRICS = re.compile(r"(^|_)(error|err)$")
_HIGHER_IS_BETTER = re.compile(
    r"(accuracy|acc|_ap|^ap\d*|box_ap|mask_ap|^f1|^em$|bleu|map|miou|score)"
)


def data_dictionary() -> dict[str, dict[str, dict[str, str]]]:
    """Every column of every file: type, unit, meaning (what ``data_dictionary.json`` holds)."""
    return {
        f"{name}.csv": {c: {"type": t, "unit": u, "meaning": m} for c, (t, u, m) in spec.items()}
        for name, spec in TABLES.items()
    }


def conform(frame: pd.DataFrame, spec: Spec) -> pd.DataFrame:
    """``frame`` with exactly the columns of ``spec``, in order, with their declared dtypes."""
    out = pd.DataFrame(index=frame.index)
    for column, (kind, _, _) in spec.items():
        series = frame[column] if column in frame.columns else pd.Series(None, index=frame.index)
        if kind == "string":
            out[column] = series.astype("object").where(series.notna(), None).astype("string")
        elif kind == "boolean":
            out[column] = series.astype("boolean")
        else:
            numeric = pd.to_numeric(series, errors="coerce")
            out[column] = (
                numeric.round().astype("Int64") if kind == "integer" else numeric.astype("float64")
            )
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# compute_per_result


def error_rate(metric: str | None, value: float | None) -> float | None:
    """The result's error in percent points: the value for error metrics, 100 - value for
    higher-is-better percent metrics, None otherwise."""
    if metric is None or value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    name = metric.lower()
    try:  # a catalogued metric says how (schema/data/benchmarks.json); bpc, perplexity: none
        spec = metric_spec(name)
    except UnknownMetricError:  # curator free text: judged by its name
        if _ERROR_METRICS.search(name):
            return float(value)
        return round(100.0 - float(value), 9) if _HIGHER_IS_BETTER.search(name) else None
    if not str(spec.get("unit", "")).startswith("percent"):
        return None
    return float(value) if spec.get("error") == "value" else round(100.0 - float(value), 9)


def _num(value: Any) -> float | None:
    if value is None or value is pd.NA:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _best_params(sizes: list[dict[str, Any]], model: Any) -> float | None:
    rows = [s for s in sizes if _num(s.get("params")) is not None]
    if not rows:
        return None
    wanted = tokens(model)
    if wanted:
        scored = []
        for s in rows:
            shared = len(wanted & tokens(s.get("model")))
            if shared * 2 >= len(wanted) and shared > 0:
                scored.append((shared / len(wanted), _num(s.get("confidence")) or 0.0, s))
        if scored:
            scored.sort(key=lambda t: (t[0], t[1], -(t[2].get("evidence_id") or 0)), reverse=True)
            return _num(scored[0][2]["params"])
    best = max(rows, key=lambda s: (_num(s.get("confidence")) or 0.0, _num(s["params"]) or 0.0))
    return _num(best["params"])


def _curated_inputs(
    compute: PaperCompute | None, sizes: list[dict[str, Any]], params: float | None
) -> bool:
    """Whether the chosen training run or the parameter count used is a curated value."""
    if compute is not None and (compute.best_run or {}).get("curated"):
        return True
    return params is not None and any(
        s.get("curated") and _num(s.get("params")) == params for s in sizes
    )


def _lower_is_better(metric: str) -> bool:
    name = metric.lower()
    try:
        return direction(name) < 0
    except UnknownMetricError:
        return bool(_ERROR_METRICS.search(name)) or name in ("perplexity", "bpc", "bits_per_char")


# Results below this confidence are other papers' models quoted for comparison (extraction
# gives the paper's own rows 0.6 and cited ones 0.4); they stay in results.csv only.
OWN_RESULT_MIN = 0.5


def compute_per_result(
    results: pd.DataFrame,
    computed: dict[str, PaperCompute],
    sizes: pd.DataFrame,
    papers: pd.DataFrame,
) -> pd.DataFrame:
    """One row per (paper, benchmark, metric, model): the paper's best such result joined with
    the model's parameter count and the paper's compute estimates (``db.compute``: the best
    run's hardware burden, the network operations of the result's model and benchmark, and
    ``compute_flop`` by ``extract.compute.choose``'s precedence)."""
    sizes_by_paper: dict[str, list[dict[str, Any]]] = {}
    for size in sizes.to_dict("records"):
        sizes_by_paper.setdefault(size["paper_id"], []).append(size)
    meta = {r["paper_id"]: r for r in papers.to_dict("records")}

    best: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for row in results.to_dict("records"):
        if not row.get("curated") and (_num(row.get("confidence")) or 0.0) < OWN_RESULT_MIN:
            continue  # a cited baseline: the paper's compute says nothing about it
        model = row.get("model") if isinstance(row.get("model"), str) else ""
        key = (row["paper_id"], row["benchmark"], row["metric"], model)
        sign = -1.0 if _lower_is_better(str(row["metric"])) else 1.0

        def rank(r: dict[str, Any], sign: float = sign) -> tuple[float, float, int]:
            return (_num(r.get("confidence")) or 0.0, sign * (_num(r["value"]) or 0.0),
                    -(r.get("evidence_id") or 0))  # fmt: skip

        if key not in best or rank(row) > rank(best[key]):
            best[key] = row

    out = []
    for (paper_id, benchmark, metric, model), row in sorted(best.items()):
        empty = PaperCompute([], None, None)
        compute = computed.get(paper_id, empty).for_result(model or None, benchmark)
        paper = meta.get(paper_id, {})
        value = _num(row["value"])
        params = _best_params(sizes_by_paper.get(paper_id, []), model)
        curated = bool(row.get("curated")) or _curated_inputs(
            computed.get(paper_id), sizes_by_paper.get(paper_id, []), params
        )
        out.append(
            {
                "paper_id": paper_id,
                "title": paper.get("title"),
                "year": paper.get("year"),
                "model": model or None,
                "benchmark": benchmark,
                "metric": metric,
                "value": value,
                "error_rate": error_rate(metric, value),
                "params": params,
                **{k: compute[k] for k in _COMPUTE_COLUMNS},
                "curated": curated,
                "peak_precision": compute["peak_precision"],
            }
        )
    return pd.DataFrame(out, columns=list(COMPUTE_PER_RESULT))


# --------------------------------------------------------------------------------------------
# snapshot


def build_tables(session: Session) -> dict[str, pd.DataFrame]:
    """The four export tables (effective values: non-rejected rows with curations applied,
    ``db.effective``), conformed to their specs."""
    frames = effective_frames(session)
    results, training, sizes = frames["results"], frames["training"], frames["sizes"]
    rows = effective_compute_rows(session, load_rows(session))
    computed = {pid: paper_compute_from_rows(bundle) for pid, bundle in rows.items()}
    papers = pd.DataFrame(
        [
            dict(r)
            for r in session.execute(select(Paper.paper_id, Paper.title, Paper.year)).mappings()
        ],
        columns=["paper_id", "title", "year"],
    )
    return {
        "results": conform(results, RESULTS),
        "training_runs": conform(training, TRAINING_RUNS),
        "model_sizes": conform(sizes, MODEL_SIZES),
        "compute_per_result": conform(
            compute_per_result(results, computed, sizes, papers), COMPUTE_PER_RESULT
        ),
    }


def _run_info(session: Session, run_id: str | None) -> dict[str, Any]:
    stmt = select(Run.run_id, Run.code_version, Run.ruleset_sha256, Run.state, Run.finished_at)
    if run_id is None:
        stmt = stmt.order_by(Run.started_at.desc(), Run.run_id.desc()).limit(1)
    else:
        stmt = stmt.where(Run.run_id == run_id)
    row = session.execute(stmt).mappings().first()
    return dict(row) if row else {}


def _existing(out_dir: Path, short_hash: str) -> Path | None:
    for candidate in sorted(out_dir.glob(f"*-{short_hash}")):
        if candidate.is_dir() and (candidate / MANIFEST).is_file():
            return candidate
    return None


def export_snapshot(
    engine: Engine,
    out_dir: Path | str,
    run_id: str | None = None,
    code_version: str | None = None,
    ruleset_sha256: str | None = None,
) -> Path:
    """Write a new immutable snapshot folder under ``out_dir`` and return its path.

    ``run_id`` defaults to the latest run in the database; ``code_version`` and
    ``ruleset_sha256`` default to that run's. Idempotent: the same content returns the existing
    folder untouched.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with session_scope(engine) as session:
        tables = build_tables(session)
        run = _run_info(session, run_id)
    run_id = run_id or run.get("run_id")
    code_version = code_version or run.get("code_version") or "unknown"
    ruleset_sha256 = ruleset_sha256 or run.get("ruleset_sha256")

    tmp = out_dir / f".tmp-snapshot-{uuid.uuid4().hex}"
    tmp.mkdir()
    try:
        files: dict[str, dict[str, Any]] = {}
        hashed: list[str] = []
        for name, frame in tables.items():
            csv_path, parquet_path = tmp / f"{name}.csv", tmp / f"{name}.parquet"
            frame.to_csv(csv_path, index=False, lineterminator="\n")
            frame.to_parquet(parquet_path, index=False)
            for path in (csv_path, parquet_path):
                files[path.name] = {"sha256": sha256_file(path), "bytes": path.stat().st_size,
                                    "rows": len(frame)}  # fmt: skip
            hashed.append(csv_path.name)
        dictionary_path = tmp / DICTIONARY
        dictionary_path.write_text(json.dumps(data_dictionary(), indent=2) + "\n")
        files[DICTIONARY] = {"sha256": sha256_file(dictionary_path),
                             "bytes": dictionary_path.stat().st_size}  # fmt: skip
        hashed.append(DICTIONARY)

        content = hashlib.sha256()
        for name in sorted(hashed):
            content.update(f"{name}\0{files[name]['sha256']}\n".encode())
        content_hash = content.hexdigest()
        existing = _existing(out_dir, content_hash[:12])
        if existing is not None:
            log.info(
                "snapshot with content %s already exists: %s", content_hash[:12], existing.name
            )
            shutil.rmtree(tmp)
            return existing

        created = datetime.now(UTC)
        folder = f"{created:%Y-%m-%d}-{content_hash[:12]}"
        manifest = {
            "snapshot": folder,
            "format_version": FORMAT_VERSION,
            "content_hash": content_hash,
            "content_hash_covers": sorted(hashed),
            "created_at": created.isoformat(timespec="seconds"),
            "run_id": run_id,
            "code_version": code_version,
            "ruleset_sha256": ruleset_sha256,
            "database": engine.dialect.name,
            "row_counts": {name: len(frame) for name, frame in tables.items()},
            "papers": {name: int(frame["paper_id"].nunique()) for name, frame in tables.items()},
            "files": dict(sorted(files.items())),
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        for path in tmp.iterdir():
            path.chmod(0o444)
        final = out_dir / folder
        try:
            os.rename(tmp, final)
        except OSError:
            if final.is_dir():  # written concurrently with the same content
                shutil.rmtree(tmp, ignore_errors=True)
                return final
            raise
        log.info("wrote snapshot %s (%s)", final.name, manifest["row_counts"])
        return final
    except BaseException:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
        raise
