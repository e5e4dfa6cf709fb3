"""An email remembers since when an attempt may have reached Gmail; Pub/Sub pushes are deduplicated

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Gmail's uint64 historyId, as domain/records/types.py HistoryId stores it (see migration 0003).
HISTORY_ID = sa.Numeric(20, 0).with_variant(sa.String(20), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("outbound_email") as batch:
        batch.add_column(sa.Column("uncertain_since", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("uncertain_history_id", HISTORY_ID, nullable=True))
    op.create_table(
        "push_receipt",
        sa.Column("message_id", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("message_id"),
    )
    op.create_index("ix_push_receipt_received_at", "push_receipt", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_push_receipt_received_at", table_name="push_receipt")
    op.drop_table("push_receipt")
    with op.batch_alter_table("outbound_email") as batch:
        batch.drop_column("uncertain_history_id")
        batch.drop_column("uncertain_since")
