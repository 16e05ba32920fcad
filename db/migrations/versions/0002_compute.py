"""compute estimates, training_runs.epochs, analyst views

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

- table ``compute_estimates``: one row per compute estimate of a paper (``db.compute``);
- column ``training_runs.epochs``;
- views (plain SQL that SQLite >= 3.25 and PostgreSQL both run; see docs/sql.md):
  ``best_results``, ``training_compute``, ``paper_compute``, ``compute_per_result``.

The view SQL is frozen here; a later change to a view is a new migration that drops and
re-creates it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Error metrics: the value is the error; higher-is-better percent metrics: 100 - value.
_ERROR_RATE = """CASE
      WHEN r.metric LIKE '%error' THEN r.value
      WHEN r.metric IN ('top1_accuracy', 'top5_accuracy', 'box_ap', 'ap50', 'ap75', 'em', 'f1',
                        'bleu') THEN 100.0 - r.value
    END"""

_BURDEN_METHODS = "('hardware_burden', 'hardware_burden_device_hours')"

# A run's chips: the converted count, else the count when it is already in chips.
_CHIPS = """COALESCE(tr.chips, CASE WHEN tr.count_unit IS NULL OR tr.count_unit = 'chip'
                                 THEN tr.hardware_count END)"""

VIEWS: dict[str, str] = {
    # The best non-rejected result per (paper, benchmark, metric, model): highest confidence,
    # then the best value (lowest for error-like metrics), then the earliest evidence row.
    "best_results": f"""
SELECT ranked.result_id, ranked.paper_id, ranked.model, ranked.benchmark, ranked.metric,
       ranked.value, ranked.error_rate, ranked.source, ranked.confidence, ranked.evidence_id
FROM (
  SELECT r.id AS result_id, r.paper_id, r.model, r.benchmark, r.metric, r.value, r.source,
    r.confidence, r.evidence_id,
    {_ERROR_RATE} AS error_rate,
    ROW_NUMBER() OVER (
      PARTITION BY r.paper_id, r.benchmark, r.metric, COALESCE(r.model, '')
      ORDER BY r.confidence DESC,
        CASE WHEN r.metric LIKE '%error' OR r.metric IN ('perplexity', 'bpc', 'bits_per_char')
             THEN r.value ELSE -r.value END,
        r.evidence_id
    ) AS rank_in_key
  FROM results r
  WHERE r.status <> 'rejected'
) ranked
WHERE ranked.rank_in_key = 1
""",
    # Every non-rejected training run with its hardware-burden and utilization-adjusted
    # estimates (NULL when not computable) and whether its burden is the paper's chosen one.
    "training_compute": f"""
SELECT tr.id AS training_run_id, tr.paper_id, tr.stage, tr.model, tr.hardware,
  tr.hardware_count, tr.count_unit, {_CHIPS} AS chips, tr.duration_hours, tr.device_hours,
  tr.epochs, tr.confidence,
  hb.method AS burden_method, hb.flop AS hardware_burden_flop, hb.peak_flops,
  hb.precision AS peak_precision, ua.flop AS utilization_adjusted_flop,
  CASE WHEN hb.chosen THEN 1 ELSE 0 END AS chosen
FROM training_runs tr
LEFT JOIN compute_estimates hb
  ON hb.training_run_id = tr.id AND hb.method IN {_BURDEN_METHODS}
LEFT JOIN compute_estimates ua
  ON ua.training_run_id = tr.id AND ua.method = 'utilization_adjusted'
WHERE tr.status <> 'rejected'
""",
    # One row per paper: the chosen hardware burden (with its run), the largest network-ops
    # and 6ND estimates, and compute_flop by the precedence of extract.compute.choose.
    "paper_compute": f"""
SELECT p.paper_id, p.title, p.year,
  tr.hardware, {_CHIPS} AS chips, tr.duration_hours AS training_hours, tr.device_hours,
  hb.peak_flops, hb.precision AS peak_precision, hb.method AS burden_method,
  hb.flop AS hardware_burden_flop, ua.flop AS utilization_adjusted_flop,
  net.flop AS network_ops_flop, sx.flop AS six_n_d_flop,
  COALESCE(hb.flop, net.flop, sx.flop) AS compute_flop,
  CASE WHEN hb.flop IS NOT NULL THEN hb.method
       WHEN net.flop IS NOT NULL THEN 'network_operations'
       WHEN sx.flop IS NOT NULL THEN 'six_n_d' END AS compute_method
FROM papers p
LEFT JOIN compute_estimates hb
  ON hb.paper_id = p.paper_id AND hb.chosen AND hb.method IN {_BURDEN_METHODS}
LEFT JOIN training_runs tr ON tr.id = hb.training_run_id
LEFT JOIN compute_estimates ua
  ON ua.training_run_id = hb.training_run_id AND ua.method = 'utilization_adjusted'
LEFT JOIN (SELECT paper_id, MAX(flop) AS flop FROM compute_estimates
           WHERE method = 'network_operations' GROUP BY paper_id) net
  ON net.paper_id = p.paper_id
LEFT JOIN (SELECT paper_id, MAX(flop) AS flop FROM compute_estimates
           WHERE method = 'six_n_d' GROUP BY paper_id) sx
  ON sx.paper_id = p.paper_id
""",
    # The regression's input (DESIGN.md export columns): each best result with the paper's
    # chosen hardware burden, the network operations of its (model, benchmark), and
    # compute_flop by precedence. params: the model's parameter count (same model name).
    "compute_per_result": """
SELECT b.paper_id, p.title, p.year, b.model, b.benchmark, b.metric, b.value, b.error_rate,
  (SELECT s.value FROM model_sizes s
   WHERE s.paper_id = b.paper_id AND s.quantity = 'param_count' AND s.status <> 'rejected'
     AND s.model = b.model
   ORDER BY s.confidence DESC, s.id LIMIT 1) AS params,
  pc.hardware, pc.chips AS hardware_count, pc.training_hours, pc.peak_flops,
  pc.hardware_burden_flop, net.flop AS network_ops_flop,
  COALESCE(pc.hardware_burden_flop, net.flop, sx.flop) AS compute_flop,
  CASE WHEN pc.hardware_burden_flop IS NOT NULL THEN pc.burden_method
       WHEN net.flop IS NOT NULL THEN 'network_operations'
       WHEN sx.flop IS NOT NULL THEN 'six_n_d' END AS compute_method,
  FALSE AS curated,
  pc.peak_precision, b.result_id, b.source, b.confidence
FROM best_results b
JOIN papers p ON p.paper_id = b.paper_id
LEFT JOIN paper_compute pc ON pc.paper_id = b.paper_id
LEFT JOIN compute_estimates net
  ON net.paper_id = b.paper_id AND net.method = 'network_operations'
  AND net.benchmark = b.benchmark AND COALESCE(net.model, '') = COALESCE(b.model, '')
LEFT JOIN compute_estimates sx
  ON sx.paper_id = b.paper_id AND sx.method = 'six_n_d'
  AND COALESCE(sx.model, '') = COALESCE(b.model, '')
""",
}


def upgrade() -> None:
    op.create_table(
        "compute_estimates",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("paper_id", sa.String(length=128), nullable=False),
        sa.Column("model", sa.Text(), nullable=True),
        sa.Column("benchmark", sa.String(length=64), nullable=True),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("flop", sa.Float(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("precision", sa.String(length=16), nullable=True),
        sa.Column("peak_flops", sa.Float(), nullable=True),
        sa.Column("chosen", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("training_run_id", sa.Integer(), nullable=True),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("flop > 0", name=op.f("ck_compute_estimates_flop_positive")),
        sa.ForeignKeyConstraint(
            ["paper_id"], ["papers.paper_id"],
            name=op.f("fk_compute_estimates_paper_id_papers"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["training_run_id"], ["training_runs.id"],
            name=op.f("fk_compute_estimates_training_run_id_training_runs"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compute_estimates")),
    )  # fmt: skip
    with op.batch_alter_table("compute_estimates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_compute_estimates_paper_id"), ["paper_id"], unique=False
        )
    with op.batch_alter_table("training_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("epochs", sa.Float(), nullable=True))
    for name, sql in VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {sql}")


def downgrade() -> None:
    for name in reversed(list(VIEWS)):
        op.execute(f"DROP VIEW IF EXISTS {name}")
    with op.batch_alter_table("training_runs", schema=None) as batch_op:
        batch_op.drop_column("epochs")
    with op.batch_alter_table("compute_estimates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_compute_estimates_paper_id"))
    op.drop_table("compute_estimates")
