"""Migration 0005 gives every existing email its recipient rows, with what was already known."""

from __future__ import annotations

import json
import uuid

import psycopg

from tests.test_migrations import migrate, scratch_database


def test_existing_emails_get_their_recipients_with_their_known_outcomes(database_url: str) -> None:
    org, account, sent, draft, reply = (uuid.uuid4() for _ in range(5))
    details = {
        "bounced_recipients": [
            {"email": "gone@x.invalid", "action": "failed", "status_code": "5.1.1", "diagnostic": "no such user"}
        ],
        "detected_at": "2026-11-24T10:00:00Z",
    }
    with scratch_database(database_url, "mailtrail_fill") as (url, engine):
        migrate(engine, "0004")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("INSERT INTO organization (id, name, created_at) VALUES (%s, 'o', now())", (org,))
            conn.execute(
                "INSERT INTO mail_account (id, organization_id, email, provider, state, scopes, created_at, updated_at)"
                " VALUES (%s, %s, 'me@x.test', 'gmail', 'ACTIVE', '[]', now(), now())",
                (account, org),
            )
            for email_id, status, to, cc, bounce in (
                (sent, "SENT", ["gone@x.invalid", "pat@example.com"], ["ann@example.com"], details),
                (draft, "DRAFT", ["later@example.com"], [], None),
            ):
                conn.execute(
                    """INSERT INTO outbound_email (id, organization_id, account_id, from_email, "to", cc, bcc, subject,
                       status, bounce_details, allow_suppressed, attempt_count, created_at, updated_at)
                       VALUES (%s, %s, %s, 'me@x.test', %s, %s, '[]', 's', %s, %s, false, 0, now(), now())""",
                    (
                        email_id,
                        org,
                        account,
                        json.dumps(to),
                        json.dumps(cc),
                        status,
                        json.dumps(bounce) if bounce else None,
                    ),
                )
            conn.execute(
                """INSERT INTO email_message (id, organization_id, account_id, gmail_id, thread_id, label_ids,
                   from_address, date, direction, is_bounce, outbound_email_id, relation, created_at)
                   VALUES (%s, %s, %s, 'g1', 't1', '[]', 'Pat <pat@example.com>', '2026-11-24T12:00:00Z', 'INBOUND',
                   false, %s, 'REPLY', now())""",
                (reply, org, account, sent),
            )
            conn.execute(
                "INSERT INTO suppressed_address (id, organization_id, email, reason, created_at) VALUES"
                " (gen_random_uuid(), %s, 'gone@x.invalid', 'hard bounce: userunknown', now())",
                (org,),
            )
        migrate(engine, "head")
        with psycopg.connect(url) as conn:
            found = conn.execute(
                "SELECT email_id, role, address, position, delivery_state, status_code, message_id"
                " FROM outbound_recipient ORDER BY email_id = %s DESC, position",
                (sent,),
            ).fetchall()
            source = conn.execute("SELECT source, added_by FROM suppressed_address").fetchone()
    assert found == [
        (sent, "TO", "gone@x.invalid", 0, "BOUNCED", "5.1.1", None),
        (sent, "TO", "pat@example.com", 1, "REPLIED", None, reply),
        (sent, "CC", "ann@example.com", 2, "SENT", None, None),
        (draft, "TO", "later@example.com", 0, None, None, None),
    ]
    assert source == ("HARD_BOUNCE", "system")
