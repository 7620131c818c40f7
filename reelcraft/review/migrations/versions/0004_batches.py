"""batches: a batch's items, their stored plans and drafts, and every attempt

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 17:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("out_dir", sa.String(500), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
    )
    op.create_table(
        "batch_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("batch_id", sa.String(32), sa.ForeignKey("batches.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("plan_json", sa.Text(), nullable=True),
        sa.Column("draft_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("error_stage", sa.String(40), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("stage_seconds", sa.JSON(), nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.UniqueConstraint("batch_id", "item_id"),
    )
    op.create_table(
        "batch_attempts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("item_row", sa.Integer(), sa.ForeignKey("batch_items.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("host", sa.String(120), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("batch_attempts")
    op.drop_table("batch_items")
    op.drop_table("batches")
