"""Migration 0012 counts the last two minutes' attempts of every account by UTC minute, so the
claim's per-minute bound (domain/dispatch/claim_read.py) holds from the moment it is deployed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import psycopg

from tests.test_migrations import migrate, scratch_database, seed_sending_accounts


def test_the_last_two_minutes_attempts_are_counted_by_account_and_minute_in_their_slots(database_url: str) -> None:
    org, first, second = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    minute = datetime.now(UTC).replace(second=0, microsecond=0)
    attempts = [
        (first, minute - timedelta(minutes=1)),
        (first, minute - timedelta(seconds=1)),
        (first, minute - timedelta(minutes=2)),
        (second, minute - timedelta(minutes=1, seconds=-30)),
        (first, minute - timedelta(minutes=10)),  # out of any rolling minute a claim reads
        (first, None),  # never attempted
    ]
    with scratch_database(database_url, "mailtrail_minutes") as (url, engine):
        migrate(engine, "0011")
        seed_sending_accounts(
            url,
            org,
            [first, second],
            [
                {"account_id": account, "status": "PENDING", "attempt_started_at": started}
                for account, started in attempts
            ],
        )
        migrate(engine, "head", time_zone="Asia/Kolkata")  # the minutes counted are UTC's all the same
        with psycopg.connect(url) as conn:
            conn.execute("SET TIME ZONE 'UTC'")
            counted = conn.execute("SELECT account_id, slot, minute, attempts FROM account_attempt_minute").fetchall()

    def slot(at: datetime) -> int:
        return int(at.timestamp()) // 60 % 4

    before, two_before = minute - timedelta(minutes=1), minute - timedelta(minutes=2)
    assert sorted(counted) == sorted(
        [
            (first, slot(before), before, 2),
            (first, slot(two_before), two_before, 1),
            (second, slot(before), before, 1),
        ]
    )
