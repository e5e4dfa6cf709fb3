"""Status-filtered pages read an index in page order: (organization_id, status, created_at, id)

Replaces (organization_id, status), which is a prefix of it: a page of a rare status no longer
reads and discards the organization's other emails, and a capped `totalCount` under a status
filter is an index-only scan. (On a large live table, build it first by hand with
`CREATE INDEX CONCURRENTLY ix_outbound_email_org_status_created ...`: this migration then finds
the name taken only if it differs, so create it under exactly this name.)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 09:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW = "ix_outbound_email_org_status_created"
OLD = "ix_outbound_email_org_status"


def _swap(create: str, create_columns: list[str], drop: str) -> None:
    op.create_index(create, "outbound_email", create_columns, if_not_exists=True)
    op.drop_index(drop, table_name="outbound_email")


def upgrade() -> None:
    _swap(NEW, ["organization_id", "status", "created_at", "id"], OLD)


def downgrade() -> None:
    _swap(OLD, ["organization_id", "status"], NEW)
