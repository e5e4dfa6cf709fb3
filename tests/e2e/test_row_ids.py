"""What sendEmail writes is keyed by time-ordered ids (domain/records/ids.py), in the order sent."""

from __future__ import annotations

import uuid

from sqlmodel import select

from domain.records import OutboundRecipient
from tests.e2e.helpers import send
from tests.factories import make_connected_tenant
from workers.db import session_scope


async def test_emails_sent_one_after_another_get_version_7_ids_that_sort_in_that_order(client, db, gmail) -> None:  # type: ignore[no-untyped-def]
    tenant = make_connected_tenant(gmail)
    ids = []
    for n in range(3):
        result = await send(
            client,
            tenant.token,
            accountId=str(tenant.account_id),
            to=[f"r{n}@example.com", "x@example.com"],
            subject=f"#{n}",
            bodyText="Hi",
        )
        assert result["__typename"] == "EmailQueued", result
        ids.append(uuid.UUID(result["outboundEmail"]["id"]))
    assert [i.version for i in ids] == [7, 7, 7]
    assert ids[0].int >> 80 <= ids[1].int >> 80 <= ids[2].int >> 80  # their milliseconds never go back
    with session_scope() as session:
        recipients = session.exec(select(OutboundRecipient).where(OutboundRecipient.email_id.in_(ids))).all()  # type: ignore[attr-defined]
    assert len(recipients) == 6
    assert {r.id.version for r in recipients} == {7}
