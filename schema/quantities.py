"""The one list of controlled vocabularies: quantities, benchmarks, metrics, stages, units.

Every other module imports names from here, so a spelling lives in exactly one place.
"""

from __future__ import annotations

from schema.benchmarks import metric_benchmarks

# Quantities (also used as spaCy span labels and as DB enum values).
PARAM_COUNT = "param_count"
FLOPS_PER_FORWARD = "flops_per_forward"
HARDWARE = "hardware"
DURATION = "duration"
EPOCHS = "epochs"
RESULT = "result"
QUANTITIES = (PARAM_COUNT, FLOPS_PER_FORWARD, HARDWARE, DURATION, EPOCHS, RESULT)

BENCHMARKS = ("imagenet", "coco", "squad1.1", "conll2003", "wmt14-en-de", "wmt14-en-fr")

# metric -> benchmarks it belongs to: the DESIGN six and the catalogued ``other:<slug>``
# benchmarks (schema/data/benchmarks.json, each benchmark's "metrics").
METRICS: dict[str, tuple[str, ...]] = metric_benchmarks()

# accuracy <-> error pairs (value_error = 100 - value_accuracy)
COMPLEMENT_METRICS = {
    "top1_accuracy": "top1_error",
    "top1_error": "top1_accuracy",
    "top5_accuracy": "top5_error",
    "top5_error": "top5_accuracy",
}

# Training stages.
STAGE_TRAIN = "train"
STAGE_PRETRAIN = "pretrain"
STAGE_FINETUNE = "finetune"
STAGES = (STAGE_TRAIN, STAGE_PRETRAIN, STAGE_FINETUNE)

# Units in which a paper counts its hardware.
COUNT_UNITS = ("chip", "core", "board", "machine", "pod")

# Sources of a stored value.
SOURCE_TEXT = "text"
SOURCE_TABLE = "table"
SOURCE_LEADERBOARD = "leaderboard"
SOURCE_CURATOR = "curator"

# Sources a refresh can read (``paperflops refresh --sources``).
REFRESH_PDF_DIR, REFRESH_ARXIV, REFRESH_LEADERBOARDS = "pdf-dir", "arxiv", "leaderboards"
REFRESH_SOURCES = (REFRESH_PDF_DIR, REFRESH_ARXIV, REFRESH_LEADERBOARDS)

# Per-paper statuses.
STATUS_OK = "ok"
STATUS_NO_CANDIDATES = "no_candidates"
STATUS_PARSE_ERROR = "parse_error"
STATUS_NOT_PDF = "not_pdf"
STATUS_ENCRYPTED = "encrypted"
STATUS_NEEDS_OCR = "needs_ocr"
STATUS_TOO_LARGE = "too_large"
STATUS_TIMEOUT = "timeout"
STATUS_NO_PDF = "no_pdf"
STATUS_ERROR = "error"
PAPER_STATUSES = (
    STATUS_OK,
    STATUS_NO_CANDIDATES,
    STATUS_PARSE_ERROR,
    STATUS_NOT_PDF,
    STATUS_ENCRYPTED,
    STATUS_NEEDS_OCR,
    STATUS_TOO_LARGE,
    STATUS_TIMEOUT,
    STATUS_NO_PDF,
    STATUS_ERROR,
)
FAILED_STATUSES = tuple(s for s in PAPER_STATUSES if s not in (STATUS_OK, STATUS_NO_CANDIDATES))

# Candidate statuses.
CANDIDATE = "candidate"
ACCEPTED = "accepted"
REJECTED = "rejected"
