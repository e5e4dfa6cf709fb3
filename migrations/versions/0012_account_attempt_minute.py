"""An account's send attempts by minute, in a ring of four rows: the claim's per-minute bound

The claim's per-minute budget read the account's attempts of the rolling minute from
`ix_outbound_email_account_attempt`, up to the budget: every claim walked every attempt of the
last minute while the account stayed below it (150 on Gmail's default 15,000 units; thousands
where the quota is raised), each entry with its row version checked. The counts of the two minutes
the rolling minute overlaps bound that number from above; only when the bound reaches the budget
does the claim look at the attempts themselves (domain/dispatch/claim_read.py).

`account_attempt_minute` (account_id, slot, minute, attempts) keeps four slots per account, the
minute's number modulo 4: a slot is taken over by a newer minute, so the table never grows and
nothing has to prune it. Filled here from the last two minutes' attempts, so the bound holds from
the start (an attempt a worker of the previous release starts while this runs is not counted: run
it with the workers stopped, or accept that an account at its budget may overshoot by those few,
which Gmail's own limit then refuses).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 03:40:00
"""

import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SLOTS = 4


def upgrade() -> None:
    op.create_table(
        "account_attempt_minute",
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("minute", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["mail_account.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("account_id", "slot"),
    )
    _count_recent_attempts()


def _count_recent_attempts() -> None:
    """The last two minutes' attempts by account and UTC minute (SQLite keeps naive UTC)."""
    bind = op.get_bind()
    naive = bind.dialect.name == "sqlite"
    since = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=2)
    emails = sa.table(
        "outbound_email", sa.column("account_id", sa.Uuid()), sa.column("attempt_started_at", sa.DateTime(True))
    )
    counts: Counter[tuple[uuid.UUID, datetime]] = Counter()
    query = sa.select(emails.c.account_id, emails.c.attempt_started_at).where(
        emails.c.attempt_started_at >= (since.replace(tzinfo=None) if naive else since)
    )
    for account_id, started in bind.execute(query):
        at = started.replace(tzinfo=UTC) if started.tzinfo is None else started.astimezone(UTC)
        counts[(account_id, at.replace(second=0, microsecond=0))] += 1
    minutes = sa.table(
        "account_attempt_minute",
        sa.column("account_id", sa.Uuid()),
        sa.column("slot", sa.Integer()),
        sa.column("minute", sa.DateTime(True)),
        sa.column("attempts", sa.Integer()),
    )
    rows = [
        {
            "account_id": account_id,
            "slot": int(minute.timestamp()) // 60 % SLOTS,
            "minute": minute.replace(tzinfo=None) if naive else minute,
            "attempts": attempts,
        }
        for (account_id, minute), attempts in counts.items()
    ]
    if rows:
        bind.execute(minutes.insert(), rows)


def downgrade() -> None:
    op.drop_table("account_attempt_minute")
