"""Adapter: the MIT FutureTech published data (Thompson et al. 2022) as an export snapshot.

Input: the six CSVs of MIT-FutureTech/TheComputationalLimitsOfDeepLearning ``data/`` (kept in
``<reference-dir>/mit-futuretech/``). Each has one header row and three sub-header rows (file
rows 2-4), which are skipped. One CSV row is one model; it becomes one snapshot row per metric
of our vocabulary (DESIGN.md), e.g. an ImageNet model gives a ``top1_accuracy`` row and, when
printed, a ``top5_accuracy`` row. Columns outside the vocabulary (COCO APS/APM/APL,
SacreBLEU) are not exported.

Mapping of the compute columns:

- ``hardware_burden_flop`` = their ``hardware_burden`` (chips x peak x seconds, all stages);
- ``network_ops_flop`` = their ``network_operations``;
- ``compute_flop`` = ``hardware_burden_flop`` (``compute_method`` = ``hardware_burden``) when
  present, else empty. Their ``computing_power`` column (hardware burden, or hardware burden
  imputed from network operations, rounded) is *not* copied: the regression re-imputes it.
- ``hardware``/``hardware_count``/``peak_flops``/``training_hours`` describe the dominant chip
  type (largest amount x peak x seconds) of the dominant stage. TPU amounts in their data count
  4-chip boards with a per-board peak; we store chips (amount x 4) and per-chip peaks (peak / 4).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.snapshot import sha256, write_snapshot

log = logging.getLogger(__name__)

SOURCE_NAME = "mit-futuretech"
SOURCE_REPO = "MIT-FutureTech/TheComputationalLimitsOfDeepLearning"
SOURCE_COMMIT = "62f1e4d"
SUBHEADER_ROWS = [1, 2, 3]
STAGES = ("training", "pretraining", "finetuning")
KINDS = ("gpu", "tpu", "cpu")
TPU_CHIPS_PER_BOARD = 4


@dataclass(frozen=True)
class SourceFile:
    """One MIT CSV: our benchmark name and its score columns mapped to our metrics."""

    filename: str
    benchmark: str
    metrics: dict[str, str]


MIT_FILES: tuple[SourceFile, ...] = (
    SourceFile(
        "image-classification-on-imagenet.csv",
        "imagenet",
        {"(TOP 1 score)": "top1_accuracy", "(TOP 5 score)": "top5_accuracy"},
    ),
    SourceFile(
        "object-detection-on-coco.csv",
        "coco",
        {"(BOX AP)": "box_ap", "(AP50)": "ap50", "(AP75)": "ap75"},
    ),
    SourceFile(
        "question-answering-on-squad-1-1.csv",
        "squad1.1",
        {"(EM score)": "em", "(F1 score)": "f1"},
    ),
    SourceFile("named-entity-recognition-on-conll-2003.csv", "conll2003", {"(F1 score)": "f1"}),
    SourceFile("machine-translation-on-wmt2014-en-de.csv", "wmt14-en-de", {"(BLEU)": "bleu"}),
    SourceFile("machine-translation-on-wmt2014-en-fr.csv", "wmt14-en-fr", {"(BLEU)": "bleu"}),
)

# (pattern on the vendor model name, catalog slug); first match wins.
HARDWARE_SLUGS: tuple[tuple[str, str], ...] = (
    (r"tpu\s*v(\d)", r"tpu-v\1"),
    (r"\ba100\b", "tesla-a100"),
    (r"titan\s*xp", "titan-xp"),
    (r"titan\s*x\b", "titan-x"),
    (r"titan\s*v\b", "titan-v"),
    (r"titan\s*black", "gtx-titan-black"),
    (r"gtx\s*titan$", "gtx-titan"),
    (r"quadro\s*rtx\s*(\d{4})", r"quadro-rtx-\1"),
    (r"quadro\s*(\w+)", r"quadro-\1"),
    (r"rtx\s*a(\d{4})", r"rtx-a\1"),
    (r"(gtx|rtx)\s*(\d{3,4})\s*ti", r"\1-\2-ti"),
    (r"(gtx|rtx)\s*(\d{3,4})", r"\1-\2"),
    (r"tesla\s*([kmpv]\d+x?)", r"tesla-\1"),
    (r"xeon|intel|core\s*i\d", "cpu"),
)

_ARXIV = re.compile(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})")


class ReferenceDataError(FileNotFoundError):
    """The reference folder or one of its files is missing."""


def arxiv_id(link: object) -> str | None:
    """The arXiv id without version in a paper link, e.g. '.../pdf/2205.01917v1.pdf' -> id."""
    match = _ARXIV.search(str(link)) if isinstance(link, str) else None
    return match.group(1) if match else None


def slugify(text: object, max_length: int = 80) -> str:
    """Lower-case ASCII slug of ``text`` ('Deep Residual Learning' -> 'deep-residual-learning')."""
    slug = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")
    return slug[:max_length].rstrip("-") or "untitled"


def paper_id(link: object, title: object, model: object) -> str:
    """arXiv id when the link has one, else a slug of the title (or of the model name)."""
    found = arxiv_id(link)
    if found:
        return found
    return slugify(title if isinstance(title, str) and title.strip() else model)


def hardware_slug(name: object) -> str | None:
    """Catalog slug for an MIT hardware model name; None when it is not a name we know."""
    if not isinstance(name, str) or not re.search(r"[A-Za-z]", name):
        return None
    text = name.strip().lower()
    for pattern, slug in HARDWARE_SLUGS:
        match = re.search(pattern, text)
        if match:
            return match.expand(slug)
    log.warning("no hardware slug for %r", name)
    return "gpu-unspecified" if "gpu" in text else None


def read_mit_csv(path: Path) -> pd.DataFrame:
    """One MIT CSV as a frame: the first header row, sub-header rows skipped."""
    return pd.read_csv(path, skiprows=SUBHEADER_ROWS)


def _number(value: object) -> float | None:
    number = pd.to_numeric(value, errors="coerce")
    return None if pd.isna(number) else float(number)


def _hardware_options(row: pd.Series) -> list[dict]:
    """Every (stage, chip type) of a row with its chips, per-chip peak and seconds."""
    options = []
    for stage in STAGES:
        seconds = _number(row.get(f"{stage}_time_total_sec"))
        for kind in KINDS:
            slug = hardware_slug(row.get(f"{stage}_{kind}_model"))
            amount = _number(row.get(f"{stage}_{kind}_amount"))
            peak_gflops = _number(row.get(f"{stage}_{kind}_ptp_gflops"))
            if slug is None:
                continue
            per_unit = TPU_CHIPS_PER_BOARD if kind == "tpu" else 1
            chips = amount * per_unit if amount is not None else None
            peak = peak_gflops * 1e9 / per_unit if peak_gflops is not None else None
            options.append({"slug": slug, "chips": chips, "peak": peak, "seconds": seconds})
    return options


def _burden(option: dict) -> float:
    values = (option["chips"], option["peak"], option["seconds"])
    return values[0] * values[1] * values[2] if None not in values else -1.0


def dominant_hardware(row: pd.Series) -> dict:
    """hardware, hardware_count, peak_flops, training_hours of the largest contributor."""
    options = _hardware_options(row)
    if not options:
        return {
            "hardware": None,
            "hardware_count": None,
            "peak_flops": None,
            "training_hours": None,
        }
    best = max(options, key=_burden)
    hours = best["seconds"] / 3600 if best["seconds"] is not None else None
    return {
        "hardware": best["slug"],
        "hardware_count": best["chips"],
        "peak_flops": best["peak"],
        "training_hours": hours,
    }


def _model_record(row: pd.Series, benchmark: str) -> dict:
    burden = _number(row.get("hardware_burden"))
    return {
        "paper_id": paper_id(row.get("paper_link"), row.get("title"), row.get("name")),
        "title": row.get("title"),
        "year": _number(row.get("year")),
        "model": str(row.get("name")).strip(),
        "benchmark": benchmark,
        "params": _number(row.get("parameters")),
        **dominant_hardware(row),
        "hardware_burden_flop": burden,
        "network_ops_flop": _number(row.get("network_operations")),
        "compute_flop": burden,
        "compute_method": "hardware_burden" if burden is not None else None,
        "curated": True,
    }


def error_rate(metric: str, value: float) -> float:
    """Error in percent points: the value for *_error metrics, else 100 - value."""
    return value if metric.endswith("_error") else 100.0 - value


def convert_file(frame: pd.DataFrame, source: SourceFile) -> list[dict]:
    """One MIT CSV frame -> snapshot records (one per model and printed metric)."""
    records = []
    for _, row in frame.iterrows():
        base = _model_record(row, source.benchmark)
        for column, metric in source.metrics.items():
            value = _number(row.get(column))
            if value is None:
                continue
            records.append(
                {**base, "metric": metric, "value": value, "error_rate": error_rate(metric, value)}
            )
    return records


def warn_shared_ids(table: pd.DataFrame) -> list[str]:
    """Log (and return) paper ids that several titles share, e.g. one link pasted twice.

    In the 2022 MIT data, the Inception-v3 and Inception-v4 rows carry NASNet's arXiv link
    (1707.07012); the id follows the link, as for every row, and curators are told.
    """
    titles = table.groupby("paper_id")["title"].nunique()
    shared = sorted(titles[titles > 1].index)
    for pid in shared:
        log.warning("paper_id %s is shared by %d titles", pid, titles[pid])
    return shared


def mit_dir(reference_dir: Path) -> Path:
    """The folder holding the MIT CSVs: ``reference_dir/mit-futuretech`` or the folder itself."""
    reference_dir = Path(reference_dir)
    for candidate in (reference_dir / SOURCE_NAME, reference_dir):
        if (candidate / MIT_FILES[0].filename).is_file():
            return candidate
    raise ReferenceDataError(
        f"no MIT FutureTech CSVs under {reference_dir} (expected {SOURCE_NAME}/"
        f"{MIT_FILES[0].filename})"
    )


def load_mit(reference_dir: Path) -> tuple[pd.DataFrame, dict]:
    """All six MIT CSVs as one snapshot frame, plus a description of the source files."""
    folder = mit_dir(reference_dir)
    records, files = [], {}
    for source in MIT_FILES:
        path = folder / source.filename
        if not path.is_file():
            raise ReferenceDataError(f"missing reference file: {path}")
        raw = read_mit_csv(path)
        records.extend(convert_file(raw, source))
        files[source.filename] = {"sha256": sha256(path), "model_rows": len(raw)}
    table = pd.DataFrame.from_records(records)
    warn_shared_ids(table)
    source = {
        "name": SOURCE_NAME,
        "repository": SOURCE_REPO,
        "commit": SOURCE_COMMIT,
        "license": "GPL-3.0",
        "files": files,
    }
    return table, source


def import_mit(reference_dir: Path, out_dir: Path) -> Path:
    """Convert the MIT FutureTech data under ``reference_dir`` into a snapshot at ``out_dir``."""
    table, source = load_mit(reference_dir)
    log.info("converted %d MIT rows into %d result rows", _model_rows(source), len(table))
    return write_snapshot(table, out_dir, source)


def _model_rows(source: dict) -> int:
    return sum(f["model_rows"] for f in source["files"].values())
