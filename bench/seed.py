"""Organizations of a given size, written straight in SQL: a million emails take seconds, not hours.

Each size is its own organization in the same database (tenants share the tables, as they do in
production), so "the page at 1M vs at 10k" compares two organizations queried the same way.
Rows look like a real sender's: mostly SENT, some drafts and pending ones, 1% FAILED (the rare
status a filter looks for), 5% bounced with bounce details, three audit events and one recipient each.
Their ids are what Mailtrail writes (domain/records/ids.py): UUIDv7 of the moment each row was
made, so a new row's index entries come after the seeded ones as they would in a real database,
not in the middle of a million random v4 keys (a database only this benchmark would have).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import psycopg


def v7_sql(at: str) -> str:
    """SQL for a UUIDv7 of timestamp expression `at` (PostgreSQL 15 has no uuidv7()): its Unix
    milliseconds in the first 48 bits, the version nibble 7, the rest (variant included) from
    gen_random_uuid()."""
    millis = f"substring(int8send((extract(epoch FROM {at}) * 1000)::bigint) FROM 3)"
    bytes_ = f"overlay(uuid_send(gen_random_uuid()) PLACING {millis} FROM 1 FOR 6)"
    return f"encode(set_byte({bytes_}, 6, (get_byte({bytes_}, 6) & 15) | 112), 'hex')::uuid"


EMAILS = (
    """
INSERT INTO outbound_email (id, organization_id, account_id, from_email, "to", cc, bcc, subject, body_text,
    status, delivery_status, bounce_details, allow_suppressed, attempt_count, created_at, updated_at, sent_at)
SELECT """
    + v7_sql("now() - g * interval '10 seconds'")
    + """, %(org)s, %(account)s, 'sender@mailtrail.test',
    jsonb_build_array('client' || g || '@example.com'), '[]'::jsonb, '[]'::jsonb, 'Invoice INV-' || g, 'Hello',
    CASE WHEN g %% 100 = 0 THEN 'FAILED' WHEN g %% 50 = 1 THEN 'DRAFT' WHEN g %% 50 = 2 THEN 'PENDING' ELSE 'SENT' END,
    CASE WHEN g %% 20 = 3 THEN 'bounce_detected' WHEN g %% 10 = 4 THEN 'delivered' END,
    CASE WHEN g %% 20 = 3 THEN jsonb_build_object(
        'bounced_recipients', jsonb_build_array(jsonb_build_object('email', 'client' || g || '@example.com',
            'action', 'failed', 'status_code', '5.1.1', 'diagnostic', '550 5.1.1 The email account does not exist')),
        'detected_at', '2026-01-01T00:00:00+00:00') END,
    false, 1, now() - g * interval '10 seconds', now() - g * interval '10 seconds',
    now() - g * interval '10 seconds'
FROM generate_series(1, %(count)s) AS g
"""
)

EVENTS = """
INSERT INTO outbound_email_event (organization_id, email_id, kind, at, data, actor)
SELECT e.organization_id, e.id, k.kind, e.created_at + k.n * interval '1 second', '{}'::jsonb, 'bench'
FROM outbound_email e CROSS JOIN (VALUES (1, 'created'), (2, 'queued'), (3, 'sent')) AS k(n, kind)
WHERE e.organization_id = %(org)s
"""

RECIPIENTS = (
    """
INSERT INTO outbound_recipient (id, organization_id, email_id, address, role, position, delivery_state,
    status_code, action, diagnostic, updated_at)
SELECT """
    + v7_sql("e.created_at")
    + """, e.organization_id, e.id, e."to" ->> 0, 'TO', 0,
    CASE WHEN e.delivery_status = 'bounce_detected' THEN 'BOUNCED' WHEN e.status = 'SENT' THEN 'SENT' END,
    e.bounce_details -> 'bounced_recipients' -> 0 ->> 'status_code',
    e.bounce_details -> 'bounced_recipients' -> 0 ->> 'action',
    e.bounce_details -> 'bounced_recipients' -> 0 ->> 'diagnostic', e.updated_at
FROM outbound_email e
WHERE e.organization_id = %(org)s
"""
)


def write_emails(conn: psycopg.Connection[Any], organization_id: uuid.UUID, account_id: uuid.UUID, count: int) -> None:
    """`count` emails of the organization's account, each with its events and recipient, in `conn`'s transaction."""
    params = {"org": organization_id, "account": account_id, "count": count}
    for statement in (EMAILS, EVENTS, RECIPIENTS):
        conn.execute(statement, params)


@dataclass(frozen=True)
class Tenant:
    """An organization of the benchmark: its API token and size."""

    size: int
    token: str
    organization_id: uuid.UUID
    account_id: uuid.UUID


def make_tenant(name: str) -> Tenant:
    """An organization with one active account and a token, through the domain code."""
    from domain.records import AccountState, MailAccount
    from domain.tokens import ensure_organization, issue_token
    from workers.db import session_scope

    with session_scope() as session:
        org = ensure_organization(session, name)
        token = issue_token(session, org.id, name=name)
        account = MailAccount(organization_id=org.id, email=f"{name}@mailtrail.test", state=AccountState.ACTIVE)
        session.add(account)
        session.flush()
        return Tenant(0, token, org.id, account.id)


def seed_sizes(url: str, sizes: list[int]) -> list[Tenant]:
    """One organization per size, each with that many emails; tables vacuumed and analysed after."""
    tenants = []
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    for size in sizes:
        tenant = make_tenant(f"size{size}")
        with psycopg.connect(conninfo) as conn:
            conn.execute("SET session_replication_role = replica")  # no NOTIFY per seeded event
            write_emails(conn, tenant.organization_id, tenant.account_id, size)
        tenants.append(Tenant(size, tenant.token, tenant.organization_id, tenant.account_id))
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE outbound_email")
        conn.execute("VACUUM ANALYZE outbound_email_event")
        conn.execute("VACUUM ANALYZE outbound_recipient")
    return tenants
