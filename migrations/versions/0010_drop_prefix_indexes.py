"""Drop two indexes that a wider index already leads with: fewer index entries written per email

`ix_outbound_email_account_id (account_id)` is a prefix of `ix_outbound_email_account_sent`,
`..._account_attempt` and `..._provider_message`; `ix_outbound_recipient_email_id (email_id)` is a
prefix of the unique `uq_outbound_recipient_email_role_address`. Every lookup (and the foreign
keys' cascades) by those columns is served as well by the wider index. The send path writes an
email row three times (queued, claimed, sent), each a new row version that indexes changed
columns (`attempt_started_at`, `status`, `sent_at`), so each version is entered in every index of
the table: one index fewer is three index insertions fewer per email, on the database's side.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 18:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DROPPED = (
    ("ix_outbound_email_account_id", "outbound_email", ["account_id"]),
    ("ix_outbound_recipient_email_id", "outbound_recipient", ["email_id"]),
)


def upgrade() -> None:
    for name, table, _columns in DROPPED:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, table, columns in DROPPED:
        op.create_index(name, table, columns, unique=False)
