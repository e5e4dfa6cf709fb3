"""sendEmail writes a new email in one statement outside a transaction block (api/single_write.py),
and keeps its transaction wherever it may write more than once."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, event
from sqlmodel import select

from api.single_write import writes_once
from domain.content.drafting import ContentStamp
from domain.drafts import AttachmentInput, DraftFields
from domain.records import OutboundEmail
from domain.sending import SendRequest
from tests.e2e.helpers import email_row, event_kinds, send
from tests.factories import Tenant, gql, make_tenant
from workers.db import session_scope

CREATE = """mutation($i: DraftInput!) { createDraft(input: $i) { ... on DraftSaved { outboundEmail { id } } } }"""


@contextlib.contextmanager
def autocommit_of_statements(engine: Engine) -> Iterator[list[tuple[str, bool]]]:
    """Each statement the engine runs, with whether its connection was in autocommit."""
    seen: list[tuple[str, bool]] = []

    def statement(conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.append((sql.split()[0].upper(), bool(conn.connection.dbapi_connection.autocommit)))

    event.listen(engine, "before_cursor_execute", statement)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)


@pytest.fixture
async def tenant(db: str, client) -> Tenant:  # type: ignore[no-untyped-def]
    """A tenant whose token the API has seen (its first use is looked up and stamped)."""
    made = make_tenant()
    await gql(client, "{ mailAccounts { id } }", token=made.token)
    return made


async def test_a_new_email_is_read_then_written_in_autocommit(client, app, tenant) -> None:
    engine = app.state.services.engine.sync_engine
    with autocommit_of_statements(engine) as seen:
        result = await send(client, tenant.token, accountId=str(tenant.account_id), to=["a@example.com"], subject="s")
    assert result["__typename"] == "EmailQueued", result
    assert seen == [("SELECT", True), ("WITH", True)], seen
    email_id = result["outboundEmail"]["id"]
    assert email_row(email_id).status.value == "PENDING"
    assert event_kinds(email_id) == ["created", "queued"]


async def test_an_idempotent_replay_reads_in_autocommit_and_writes_nothing(client, app, tenant) -> None:
    fields = {"accountId": str(tenant.account_id), "to": ["a@example.com"], "idempotencyKey": "k-1"}
    first = await send(client, tenant.token, **fields)
    engine = app.state.services.engine.sync_engine
    with autocommit_of_statements(engine) as seen:
        again = await send(client, tenant.token, **fields)
    assert again["outboundEmail"]["id"] == first["outboundEmail"]["id"]
    assert [kind for kind, _ in seen] == ["SELECT"] and all(auto for _, auto in seen), seen


async def test_a_refused_send_writes_nothing(client, app, tenant) -> None:
    result = await send(client, tenant.token, accountId=str(uuid.uuid4()), to=["a@example.com"])
    assert result["code"] == "ACCOUNT_NOT_FOUND", result
    with session_scope() as session:
        assert not session.exec(
            select(OutboundEmail).where(OutboundEmail.organization_id == tenant.organization_id)
        ).all()


async def test_a_draft_is_sent_in_a_transaction(client, app, tenant) -> None:
    body = await gql(
        client, CREATE, {"i": {"accountId": str(tenant.account_id), "to": ["a@example.com"]}}, tenant.token
    )
    draft_id = body["data"]["createDraft"]["outboundEmail"]["id"]
    engine = app.state.services.engine.sync_engine
    with autocommit_of_statements(engine) as seen:
        result = await send(client, tenant.token, draftId=draft_id)
    assert result["__typename"] == "EmailQueued", result
    assert seen and not any(auto for _, auto in seen), seen


FIELDS = DraftFields(account_id=uuid.uuid4(), to=("a@example.com",))
STAMP = ContentStamp(**dict.fromkeys(ContentStamp.__dataclass_fields__))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("request_", "content", "once"),
    [
        (SendRequest(fields=FIELDS), None, True),
        (SendRequest(fields=FIELDS, idempotency_key="k"), None, True),
        (SendRequest(fields=FIELDS, allow_suppressed=True), None, True),
        (SendRequest(fields=DraftFields(account_id=uuid.uuid4(), attachments=[])), None, True),
        (SendRequest(draft_id=uuid.uuid4()), None, False),
        (SendRequest(reply_to_message_id=uuid.uuid4()), None, False),
        (SendRequest(fields=DraftFields(attachments=[AttachmentInput("a.txt", "text/plain", "YQ==")])), None, False),
        (SendRequest(fields=FIELDS), STAMP, False),
    ],
)
def test_only_a_new_email_without_attachments_or_content_writes_once(
    request_: SendRequest, content: ContentStamp | None, once: bool
) -> None:
    assert writes_once(request_, content) is once


async def test_concurrent_sends_with_one_idempotency_key_make_one_email(client, tenant) -> None:
    fields = {"accountId": str(tenant.account_id), "to": ["a@example.com"], "idempotencyKey": "race-1"}
    results = await asyncio.gather(*(send(client, tenant.token, **fields) for _ in range(6)))
    assert {r["__typename"] for r in results} == {"EmailQueued"}, results
    assert len({r["outboundEmail"]["id"] for r in results}) == 1, results
    with session_scope() as session:
        rows = session.exec(select(OutboundEmail).where(OutboundEmail.organization_id == tenant.organization_id)).all()
    assert len(rows) == 1
    assert event_kinds(rows[0].id) == ["created", "queued"]
