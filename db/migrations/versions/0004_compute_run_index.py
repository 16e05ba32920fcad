"""index compute_estimates.training_run_id

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24

Deleting a paper's training runs (every re-extraction) cascades to ``compute_estimates``
through ``training_run_id``; PostgreSQL does not index a foreign key's referencing column by
itself, so without this index each deleted run scans the whole estimates table.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("compute_estimates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_compute_estimates_training_run_id"), ["training_run_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("compute_estimates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_compute_estimates_training_run_id"))
