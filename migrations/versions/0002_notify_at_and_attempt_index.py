"""NOTIFY carries the event time; an index for the per-minute quota probe

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 19:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOTIFY_WITH_TIME = """
CREATE OR REPLACE FUNCTION mailtrail_notify_event() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('mailtrail_events', json_build_object(
        'seq', NEW.seq, 'org', NEW.organization_id, 'email', NEW.email_id, 'kind', NEW.kind,
        'at', NEW.at)::text);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

NOTIFY_WITHOUT_TIME = """
CREATE OR REPLACE FUNCTION mailtrail_notify_event() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('mailtrail_events', json_build_object(
        'seq', NEW.seq, 'org', NEW.organization_id, 'email', NEW.email_id, 'kind', NEW.kind)::text);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def upgrade() -> None:
    op.create_index(
        "ix_outbound_email_account_attempt", "outbound_email", ["account_id", "attempt_started_at"], unique=False
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(NOTIFY_WITH_TIME)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(NOTIFY_WITHOUT_TIME)
    op.drop_index("ix_outbound_email_account_attempt", table_name="outbound_email")
