"""Index an email's send-time columns only once they are set: fewer index entries per email

The send path writes an email row three times (queued, claimed, sent); none of those updates can
be HOT (each changes an indexed column: `attempt_started_at`, then `status` and `sent_at`), so each
row version is entered in every index of the table. Five of those indexes are only ever searched
for rows whose column is set (an equality, a range, an `IN`: each proves the column is not NULL,
so PostgreSQL uses the partial index for it):

- `context` (organization_id, context_type, context_id): emails linked to a context entity;
- `send_before` (status, send_before): emails with a sendBefore;
- `message_id_header`: set when the send is recorded (bounce and reply correlation);
- `provider_message` (account_id, provider_message_id): set when the send is recorded (sync);
- `account_sent` (account_id, sent_at): set when the send is recorded (the daily budget).

An email without context or sendBefore now enters 12 fewer index entries (33 -> 21) on its way to
SENT. `account_attempt` (account_id, attempt_started_at) stays whole: it is the index that serves
a lookup by account_id alone (migration 0010).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 22:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARTIAL = (
    ("ix_outbound_email_context", ["organization_id", "context_type", "context_id"], "context_type"),
    ("ix_outbound_email_send_before", ["status", "send_before"], "send_before"),
    ("ix_outbound_email_message_id_header", ["message_id_header"], "message_id_header"),
    ("ix_outbound_email_provider_message", ["account_id", "provider_message_id"], "provider_message_id"),
    ("ix_outbound_email_account_sent", ["account_id", "sent_at"], "sent_at"),
)


def upgrade() -> None:
    for name, columns, column in PARTIAL:
        op.drop_index(name, table_name="outbound_email")
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(name, "outbound_email", columns, postgresql_where=where, sqlite_where=where)


def downgrade() -> None:
    for name, columns, _column in PARTIAL:
        op.drop_index(name, table_name="outbound_email")
        op.create_index(name, "outbound_email", columns)
