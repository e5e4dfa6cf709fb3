"""Cheaper writes and budget checks on the send path: partial indexes, an account's sends by hour

1. Index an email's send-time columns only once they are set: fewer index entries per email.

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

2. `account_send_hour` (account_id, hour, sends): how many sends each account recorded in each UTC
hour. The claim's daily budget read the account's sends of the rolling day from the index, up to
the cap (2,000 index entries per claim on a busy Workspace account); the last 25 hours' counts
bound that number from above, and only when the bound reaches the cap does the claim look at
the sends themselves. Filled here from the last day's sends, so the bound holds from the start
(an email a worker of the previous release records while this runs is not counted: run it with
the workers stopped, or accept that an account at its cap may overshoot by those few, which
Gmail's own limit then refuses).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 22:40:00
"""

import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

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
    op.create_table(
        "account_send_hour",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sends", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["mail_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id", "hour"),
    )
    _count_recent_sends()


def _count_recent_sends() -> None:
    """The last 25 hours' sends by account and UTC hour, counted here (SQLite keeps naive UTC)."""
    bind = op.get_bind()
    naive = bind.dialect.name == "sqlite"
    since = datetime.now(UTC) - timedelta(hours=25)
    emails = sa.table("outbound_email", sa.column("account_id", sa.Uuid()), sa.column("sent_at", sa.DateTime(True)))
    counts: Counter[tuple[uuid.UUID, datetime]] = Counter()
    query = sa.select(emails.c.account_id, emails.c.sent_at).where(
        emails.c.sent_at > (since.replace(tzinfo=None) if naive else since)
    )
    for account_id, sent_at in bind.execute(query):
        at = sent_at.replace(tzinfo=UTC) if sent_at.tzinfo is None else sent_at.astimezone(UTC)
        counts[(account_id, at.replace(minute=0, second=0, microsecond=0))] += 1
    hours = sa.table(
        "account_send_hour",
        sa.column("account_id", sa.Uuid()),
        sa.column("hour", sa.DateTime(True)),
        sa.column("sends", sa.Integer()),
    )
    rows = [
        {"account_id": account_id, "hour": hour.replace(tzinfo=None) if naive else hour, "sends": sends}
        for (account_id, hour), sends in counts.items()
    ]
    if rows:
        bind.execute(hours.insert(), rows)


def downgrade() -> None:
    op.drop_table("account_send_hour")
    for name, columns, _column in PARTIAL:
        op.drop_index(name, table_name="outbound_email")
        op.create_index(name, "outbound_email", columns)
