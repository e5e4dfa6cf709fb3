"""Migration 0011 counts the last day's sends of every account by UTC hour, so the claim's daily
bound (domain/dispatch/claim_read.py) holds from the moment it is deployed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import psycopg

from tests.test_migrations import migrate, scratch_database, seed_sending_accounts


def test_the_last_days_sends_are_counted_by_account_and_hour(database_url: str) -> None:
    org, first, second = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
    sends = [
        (first, hour + timedelta(minutes=1)),
        (first, hour + timedelta(minutes=59, seconds=59)),
        (first, hour + timedelta(hours=1)),
        (second, hour + timedelta(minutes=30)),
        (first, hour - timedelta(hours=30)),  # out of the day: never read by a claim
        (first, None),  # not sent
    ]
    with scratch_database(database_url, "mailtrail_hours") as (url, engine):
        migrate(engine, "0010")
        seed_sending_accounts(
            url,
            org,
            [first, second],
            [
                {"account_id": account, "status": "SENT" if sent_at else "PENDING", "sent_at": sent_at}
                for account, sent_at in sends
            ],
        )
        # A session at a half-hour offset: the hours counted are UTC's all the same.
        migrate(engine, "head", time_zone="Asia/Kolkata")
        with psycopg.connect(url) as conn:
            conn.execute("SET TIME ZONE 'UTC'")
            counted = conn.execute("SELECT account_id, hour, sends FROM account_send_hour").fetchall()
    assert sorted(counted) == sorted([(first, hour, 2), (first, hour + timedelta(hours=1), 1), (second, hour, 1)])
