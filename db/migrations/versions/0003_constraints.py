"""integrity constraints: value checks, known vocabularies, evidence of the same paper

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

Adds to the checks of 0001 (positive counts, durations and sizes, results in 0-100):

- papers: year within 1900-2100, arxiv_version >= 1, a non-empty paper_id;
- documents: n_pages >= 1; paper_status: a known status, non-negative counts and seconds;
- runs: non-negative counts; evidence: char_start >= 0 and char_end >= char_start;
- results, training_runs, model_sizes: status candidate/accepted/rejected, confidence in
  [0, 1]; results: a known source; training_runs: a known stage, positive duration bounds
  with lo <= hi, positive epochs; model_sizes: a known quantity; curations: seq >= 1;
- every value row's evidence belongs to the same paper (``evidence_id, paper_id`` references
  ``evidence (id, paper_id)``, unique index ``uq_evidence_id_paper_id``).

PostgreSQL gets real CHECK and FOREIGN KEY constraints (validated against existing rows).
SQLite cannot add a constraint to an existing table without rebuilding it, and rebuilding a
parent table (papers, evidence, training_runs) while foreign keys are enforced would cascade
deletes, so on SQLite each rule is a pair of BEFORE INSERT / BEFORE UPDATE triggers raising
``CHECK constraint failed: <name>`` (an IntegrityError, like a CHECK). The constraint names
are the same on both. These rules live here only (``schema/tables.py`` keeps the checks of
0001; nothing builds the schema with ``create_all``); tests/db/test_constraints.py proves each.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CANDIDATE = "status IN ('candidate', 'accepted', 'rejected')"
_CONFIDENCE = "confidence >= 0 AND confidence <= 1"
_STATUSES = (
    "'ok', 'no_candidates', 'parse_error', 'not_pdf', 'encrypted', 'needs_ocr', 'too_large', "
    "'timeout', 'no_pdf', 'error'"
)

# table -> [(constraint name without the ck_<table>_ prefix, SQL condition)]
CHECKS: dict[str, list[tuple[str, str]]] = {
    "papers": [
        ("year_range", "year IS NULL OR (year >= 1900 AND year <= 2100)"),
        ("arxiv_version_positive", "arxiv_version IS NULL OR arxiv_version >= 1"),
        ("paper_id_nonempty", "paper_id <> ''"),
    ],
    "documents": [("n_pages_positive", "n_pages IS NULL OR n_pages >= 1")],
    "paper_status": [
        ("status_known", f"status IN ({_STATUSES})"),
        ("counts_nonneg", "n_results >= 0 AND n_training >= 0 AND n_sizes >= 0"),
        ("n_pages_positive", "n_pages IS NULL OR n_pages >= 1"),
        ("seconds_nonneg", "seconds IS NULL OR seconds >= 0"),
    ],
    "runs": [
        ("counts_nonneg",
         "n_papers >= 0 AND n_extracted >= 0 AND n_skipped >= 0 AND n_failed >= 0"),
    ],
    "evidence": [
        ("span_ordered",
         "char_start IS NULL OR (char_start >= 0 AND "
         "(char_end IS NULL OR char_end >= char_start))"),
    ],
    "results": [
        ("status_known", _CANDIDATE),
        ("confidence_unit", _CONFIDENCE),
        ("source_known", "source IN ('text', 'table', 'leaderboard', 'curator')"),
    ],
    "training_runs": [
        ("status_known", _CANDIDATE),
        ("confidence_unit", _CONFIDENCE),
        ("stage_known", "stage IN ('train', 'pretrain', 'finetune')"),
        ("lo_hours_positive", "duration_lo_hours IS NULL OR duration_lo_hours > 0"),
        ("hi_hours_positive", "duration_hi_hours IS NULL OR duration_hi_hours > 0"),
        ("range_ordered",
         "duration_lo_hours IS NULL OR duration_hi_hours IS NULL "
         "OR duration_lo_hours <= duration_hi_hours"),
        ("epochs_positive", "epochs IS NULL OR epochs > 0"),
    ],
    "model_sizes": [
        ("status_known", _CANDIDATE),
        ("confidence_unit", _CONFIDENCE),
        ("quantity_known", "quantity IN ('param_count', 'flops_per_forward')"),
    ],
    "curations": [("seq_positive", "seq >= 1")],
}  # fmt: skip
VALUE_TABLES = ("results", "training_runs", "model_sizes")
EVIDENCE_KEY = "uq_evidence_id_paper_id"


def _ck(table: str, name: str) -> str:
    return f"ck_{table}_{name}"


def _fk(table: str) -> str:
    return f"fk_{table}_evidence_same_paper"


def _sqlite_trigger(table: str, name: str, when_bad: str) -> list[str]:
    statements = []
    for event in ("INSERT", "UPDATE"):
        statements.append(
            f"CREATE TRIGGER {name}_{event.lower()} BEFORE {event} ON {table} "
            f"FOR EACH ROW WHEN {when_bad} "
            f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {name}'); END"
        )
    return statements


def _new_row(condition: str, columns: Sequence[str]) -> str:
    """The condition with bare column names qualified as NEW.<column> (SQLite triggers)."""
    import re

    pattern = re.compile(
        r"(?<![\w.'])(" + "|".join(sorted(columns, key=len, reverse=True)) + r")\b"
    )
    return pattern.sub(r"NEW.\1", condition)


_COLUMNS = {
    "papers": ("paper_id", "year", "arxiv_version"),
    "documents": ("n_pages",),
    "paper_status": ("status", "n_results", "n_training", "n_sizes", "n_pages", "seconds"),
    "runs": ("n_papers", "n_extracted", "n_skipped", "n_failed"),
    "evidence": ("char_start", "char_end"),
    "results": ("status", "confidence", "source"),
    "training_runs": (
        "status", "confidence", "stage", "duration_lo_hours", "duration_hi_hours", "epochs",
    ),
    "model_sizes": ("status", "confidence", "quantity"),
    "curations": ("seq",),
}  # fmt: skip


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_index(op.f(EVIDENCE_KEY), "evidence", ["id", "paper_id"], unique=True)
    for table, checks in CHECKS.items():
        for name, condition in checks:
            if sqlite:
                bad = f"NOT ({_new_row(condition, _COLUMNS[table])})"
                for statement in _sqlite_trigger(table, _ck(table, name), bad):
                    op.execute(statement)
            else:
                op.create_check_constraint(op.f(_ck(table, name)), table, condition)
    for table in VALUE_TABLES:
        if sqlite:
            bad = (
                "NOT EXISTS (SELECT 1 FROM evidence e "
                "WHERE e.id = NEW.evidence_id AND e.paper_id = NEW.paper_id)"
            )
            for statement in _sqlite_trigger(table, _fk(table), bad):
                op.execute(
                    statement.replace("CHECK constraint failed", "FOREIGN KEY constraint failed")
                )
        else:
            op.create_foreign_key(
                op.f(_fk(table)), table, "evidence",
                ["evidence_id", "paper_id"], ["id", "paper_id"], ondelete="CASCADE",
            )  # fmt: skip


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table in VALUE_TABLES:
        if sqlite:
            for event in ("insert", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {_fk(table)}_{event}")
        else:
            op.drop_constraint(op.f(_fk(table)), table, type_="foreignkey")
    for table, checks in CHECKS.items():
        for name, _ in checks:
            if sqlite:
                for event in ("insert", "update"):
                    op.execute(f"DROP TRIGGER IF EXISTS {_ck(table, name)}_{event}")
            else:
                op.drop_constraint(op.f(_ck(table, name)), table, type_="check")
    op.drop_index(op.f(EVIDENCE_KEY), table_name="evidence")
