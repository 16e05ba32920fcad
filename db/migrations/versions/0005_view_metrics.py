"""analyst views: error rate and ranking for the catalog's other metrics

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23

The benchmark catalog (``schema/data/benchmarks.json``) gained ``other:`` benchmarks and their
metrics. ``best_results.error_rate`` knew only the six DESIGN benchmarks' metrics (NULL for
mAP, mIoU, WER, ...) and ranked WER/PER as higher-is-better. The views of 0002 are re-created
with the two metric lists below; everything else in their SQL is 0002's, unchanged. The lists
are frozen here (a migration never reads the live catalog): lower-is-better percent metrics
(the value is the error) and higher-is-better percent metrics (100 - value); ``bpc`` and
``perplexity`` are not percentages and get no error rate, as before.
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LOWER_PERCENT = ("wer", "per")
_HIGHER_PERCENT = (
    "top1_accuracy", "top5_accuracy", "box_ap", "ap50", "ap75", "em", "f1", "bleu", "map",
    "miou", "mcc", "pearson", "score",
)  # fmt: skip
_LOWER_IS_BETTER = ("perplexity", "bpc", "bits_per_char", *_LOWER_PERCENT)


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)


def _views_0002() -> tuple[dict[str, str], str]:
    path = Path(__file__).with_name("0002_compute.py")
    spec = importlib.util.spec_from_file_location("paperflops_migration_0002", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return dict(module.VIEWS), module._ERROR_RATE


def _views() -> dict[str, str]:
    views, old_error_rate = _views_0002()
    error_rate = f"""CASE
      WHEN r.metric LIKE '%error' OR r.metric IN ({_quoted(_LOWER_PERCENT)}) THEN r.value
      WHEN r.metric IN ({_quoted(_HIGHER_PERCENT)}) THEN 100.0 - r.value
    END"""
    old_rank = "r.metric IN ('perplexity', 'bpc', 'bits_per_char')"
    new_rank = f"r.metric IN ({_quoted(_LOWER_IS_BETTER)})"
    best = views["best_results"]
    assert old_error_rate in best and old_rank in best, "0002's best_results changed"
    views["best_results"] = best.replace(old_error_rate, error_rate).replace(old_rank, new_rank)
    return views


def _recreate(views: dict[str, str]) -> None:
    for name in reversed(list(views)):  # dependants first
        op.execute(f"DROP VIEW IF EXISTS {name}")
    for name, sql in views.items():
        op.execute(f"CREATE VIEW {name} AS {sql}")


def upgrade() -> None:
    _recreate(_views())


def downgrade() -> None:
    _recreate(_views_0002()[0])
