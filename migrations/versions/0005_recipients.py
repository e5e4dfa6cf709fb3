"""The recipients ledger, sendBefore, account kind and sender warning, audited and expiring suppressions

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08 09:00:00
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import parseaddr
from typing import Any

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
BATCH = 500


def upgrade() -> None:
    op.create_table(
        "outbound_recipient",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("email_id", sa.Uuid(), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column(
            "role", sa.Enum("TO", "CC", "BCC", name="recipientrole", native_enum=False, length=3), nullable=False
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "delivery_state",
            sa.Enum(
                "SENT",
                "DELAYED",
                "BOUNCED",
                "REPLIED",
                "AUTO_REPLIED",
                name="deliverystate",
                native_enum=False,
                length=12,
            ),
            nullable=True,
        ),
        sa.Column("status_code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("diagnostic", sa.Text(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
        sa.Column("permanence", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=True),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "correlation",
            sa.Enum(
                "IN_REPLY_TO",
                "MESSAGE_ID_IN_REPORT",
                "MAILTRAIL_HEADER",
                "THREAD",
                "MANUAL",
                name="correlation",
                native_enum=False,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column("message_id", sa.Uuid(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["email_id"], ["outbound_email.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email_id", "role", "address", name="uq_outbound_recipient_email_role_address"),
    )
    op.create_index("ix_outbound_recipient_email_id", "outbound_recipient", ["email_id"])
    op.create_index("ix_outbound_recipient_org_address", "outbound_recipient", ["organization_id", "address"])
    op.create_table(
        "suppression_event",
        sa.Column(
            "seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), sa.Identity(always=False), nullable=False
        ),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column(
            "action",
            sa.Enum("ADDED", "REMOVED", name="suppressionaction", native_enum=False, length=10),
            nullable=False,
        ),
        sa.Column(
            "source",
            sa.Enum("HARD_BOUNCE", "SOFT_BOUNCES", "MANUAL", name="suppressionsource", native_enum=False, length=20),
            nullable=True,
        ),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("source_email_id", sa.Uuid(), nullable=True),
        sa.Column("bounce_message_id", sa.Uuid(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("ix_suppression_event_org_email", "suppression_event", ["organization_id", "email", "seq"])
    with op.batch_alter_table("outbound_email") as batch:
        batch.add_column(sa.Column("send_before", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_outbound_email_send_before", ["status", "send_before"])
    with op.batch_alter_table("mail_account") as batch:
        batch.add_column(
            sa.Column(
                "kind",
                sa.Enum("CONSUMER", "WORKSPACE", "UNKNOWN", name="accountkind", native_enum=False, length=10),
                nullable=False,
                server_default="UNKNOWN",
            )
        )
        batch.add_column(sa.Column("sender_warning", JSON, nullable=True))
    with op.batch_alter_table("email_message") as batch:
        batch.add_column(sa.Column("bounce_report", JSON, nullable=True))
    with op.batch_alter_table("suppressed_address") as batch:
        batch.add_column(
            sa.Column(
                "source",
                sa.Enum(
                    "HARD_BOUNCE", "SOFT_BOUNCES", "MANUAL", name="suppressionsource", native_enum=False, length=20
                ),
                nullable=False,
                server_default="MANUAL",
            )
        )
        batch.add_column(sa.Column("bounce_message_id", sa.Uuid(), nullable=True))
        batch.add_column(
            sa.Column("added_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False, server_default="system")
        )
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE suppressed_address SET source = 'HARD_BOUNCE' WHERE reason LIKE 'hard bounce%'")
    backfill_recipients()


def downgrade() -> None:
    with op.batch_alter_table("suppressed_address") as batch:
        batch.drop_column("expires_at")
        batch.drop_column("added_by")
        batch.drop_column("bounce_message_id")
        batch.drop_column("source")
    with op.batch_alter_table("email_message") as batch:
        batch.drop_column("bounce_report")
    with op.batch_alter_table("mail_account") as batch:
        batch.drop_column("sender_warning")
        batch.drop_column("kind")
    with op.batch_alter_table("outbound_email") as batch:
        batch.drop_index("ix_outbound_email_send_before")
        batch.drop_column("send_before")
    op.drop_index("ix_suppression_event_org_email", table_name="suppression_event")
    op.drop_table("suppression_event")
    op.drop_index("ix_outbound_recipient_org_address", table_name="outbound_recipient")
    op.drop_index("ix_outbound_recipient_email_id", table_name="outbound_recipient")
    op.drop_table("outbound_recipient")


# -- backfill: every existing email gets its recipient rows, with what is already known ----------

EMAILS = sa.table(
    "outbound_email",
    sa.column("id", sa.Uuid()),
    sa.column("organization_id", sa.Uuid()),
    sa.column("to", sa.JSON()),
    sa.column("cc", sa.JSON()),
    sa.column("bcc", sa.JSON()),
    sa.column("status", sa.String()),
    sa.column("bounce_details", sa.JSON()),
)
MESSAGES = sa.table(
    "email_message",
    sa.column("outbound_email_id", sa.Uuid()),
    sa.column("relation", sa.String()),
    sa.column("from_address", sa.String()),
    sa.column("date", sa.DateTime(timezone=True)),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("id", sa.Uuid()),
)
RECIPIENTS = sa.table(
    "outbound_recipient",
    *(
        sa.column(name)
        for name in [
            "id",
            "organization_id",
            "email_id",
            "address",
            "role",
            "position",
            "delivery_state",
            "status_code",
            "action",
            "diagnostic",
            "detected_at",
            "reported_at",
            "message_id",
            "updated_at",
        ]
    ),
)
RANK = {None: 0, "SENT": 1, "AUTO_REPLIED": 3, "BOUNCED": 4, "REPLIED": 5}


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _rows(email: Any, replies: list[Any], now: datetime) -> list[dict[str, Any]]:
    sent = email.status == "SENT"
    details = email.bounce_details or {}
    bounced = {
        str(r.get("email", "")).lower(): r for r in details.get("bounced_recipients", []) if r.get("action") == "failed"
    }
    rows = []
    position = 0
    for role, addresses in (("TO", email.to), ("CC", email.cc), ("BCC", email.bcc)):
        for address in addresses or []:
            row: dict[str, Any] = {
                "id": uuid.uuid4(),
                "organization_id": email.organization_id,
                "email_id": email.id,
                "address": address,
                "role": role,
                "position": position,
                "delivery_state": "SENT" if sent else None,
                "status_code": None,
                "action": None,
                "diagnostic": None,
                "detected_at": None,
                "reported_at": None,
                "message_id": None,
                "updated_at": now,
            }
            position += 1
            failure = bounced.get(address.lower())
            if sent and failure is not None:
                row.update(
                    delivery_state="BOUNCED",
                    status_code=failure.get("status_code"),
                    action=failure.get("action"),
                    diagnostic=failure.get("diagnostic"),
                    detected_at=_when(details.get("detected_at")),
                )
            for reply in replies:
                state = "REPLIED" if reply.relation == "REPLY" else "AUTO_REPLIED"
                if (
                    sent
                    and parseaddr(reply.from_address or "")[1].lower() == address.lower()
                    and RANK[state] > RANK[row["delivery_state"]]
                ):
                    row.update(
                        delivery_state=state,
                        status_code=None,
                        action=None,
                        diagnostic=None,
                        detected_at=reply.created_at,
                        reported_at=reply.date,
                        message_id=reply.id,
                    )
            rows.append(row)
    return rows


def backfill_recipients() -> None:
    connection = op.get_bind()
    now = datetime.now(UTC)
    last: uuid.UUID | None = None
    while True:
        query = sa.select(EMAILS).order_by(EMAILS.c.id).limit(BATCH)
        if last is not None:
            query = query.where(EMAILS.c.id > last)
        emails = connection.execute(query).all()
        if not emails:
            return
        last = emails[-1].id
        replies: dict[Any, list[Any]] = {}
        for reply in connection.execute(
            sa.select(MESSAGES)
            .where(
                MESSAGES.c.outbound_email_id.in_([e.id for e in emails]),
                MESSAGES.c.relation.in_(("REPLY", "AUTO_REPLY")),
            )
            .order_by(MESSAGES.c.created_at)
        ):
            replies.setdefault(reply.outbound_email_id, []).append(reply)
        rows = [row for email in emails for row in _rows(email, replies.get(email.id, []), now)]
        if rows:
            connection.execute(RECIPIENTS.insert(), rows)
