"""The benchmark's seeded rows carry ids like the ones Mailtrail writes (UUIDv7 of their creation)."""

from __future__ import annotations

import uuid

import psycopg

from bench.seed import write_emails
from domain.records.ids import id_time_ms, new_id
from tests.factories import make_tenant


def test_seeded_emails_and_recipients_have_v7_ids_of_their_creation_before_any_new_id(db: str) -> None:
    tenant = make_tenant(f"seed{uuid.uuid4().hex[:6]}")
    with psycopg.connect(db) as conn:
        write_emails(conn, tenant.organization_id, tenant.account_id, 50)
        emails = conn.execute(
            "SELECT id, (extract(epoch FROM created_at) * 1000)::bigint FROM outbound_email WHERE organization_id = %s",
            (tenant.organization_id,),
        ).fetchall()
        recipients = conn.execute(
            "SELECT r.id, (extract(epoch FROM e.created_at) * 1000)::bigint FROM outbound_recipient r "
            "JOIN outbound_email e ON e.id = r.email_id WHERE r.organization_id = %s",
            (tenant.organization_id,),
        ).fetchall()
    newest = new_id()
    assert len(emails) == 50
    assert len(recipients) == 50
    for row_id, created_ms in [*emails, *recipients]:
        assert row_id.version == 7
        assert row_id.variant == uuid.RFC_4122
        assert id_time_ms(row_id) == created_ms
        assert row_id < newest  # a row made now sorts after every seeded one, as in a real database
    # 74 random bits each: no two ids alike, even for rows of the same millisecond
    assert len({row_id for row_id, _ in [*emails, *recipients]}) == 100
