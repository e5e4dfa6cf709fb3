"""Shared steps for end-to-end tests: GraphQL calls over the ASGI client, and reading state back."""

from __future__ import annotations

import contextlib
import email
import email.policy
import time
import uuid
from typing import Any

import httpx
from sqlmodel import select

from domain.records import OutboundEmail, OutboundEmailEvent
from tests.factories import gql
from workers.db import session_scope

SEND = """mutation($input: SendEmailInput!) { sendEmail(input: $input) { __typename
  ... on EmailQueued { outboundEmail { id status messageIdHeader } }
  ... on MutationError { code message field }
  ... on RecipientSuppressedError { addresses } } }"""


async def send(client: Any, token: str, **fields: Any) -> dict[str, Any]:
    body = await gql(client, SEND, {"input": fields}, token)
    assert "errors" not in body, body
    return dict(body["data"]["sendEmail"])


async def call(api: httpx.AsyncClient, token: str, query: str, **variables: Any) -> dict[str, Any]:
    """POST an operation to a live server; return its data (asserting HTTP 200 and no errors)."""
    response = await api.post(
        "/graphql", json={"query": query, "variables": variables}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return dict(body["data"])


def email_row(email_id: str | uuid.UUID) -> OutboundEmail:
    with session_scope() as session:
        row = session.get(OutboundEmail, uuid.UUID(str(email_id)))
        assert row is not None
        return row


def event_kinds(email_id: str | uuid.UUID) -> list[str]:
    with session_scope() as session:
        rows = session.exec(
            select(OutboundEmailEvent)
            .where(OutboundEmailEvent.email_id == uuid.UUID(str(email_id)))
            .order_by(OutboundEmailEvent.seq)  # type: ignore[arg-type]
        ).all()
        return [row.kind for row in rows]


def event_data(email_id: str | uuid.UUID, kind: str) -> dict[str, Any]:
    """The data of the email's event of `kind` (its only one)."""
    with session_scope() as session:
        rows = session.exec(
            select(OutboundEmailEvent).where(
                OutboundEmailEvent.email_id == uuid.UUID(str(email_id)), OutboundEmailEvent.kind == kind
            )
        ).all()
        assert len(rows) == 1, f"{len(rows)} {kind} events"
        return dict(rows[0].data)


def status_is(email_id: str, *statuses: str) -> Any:
    def check() -> Any:
        row = email_row(email_id)
        return row if row.status.value in statuses else None

    return check


def sent_copies(gmail: Any, address: str, email_id: str) -> list[Any]:
    """The messages in the mailbox's Sent carrying this email's X-Mailtrail-Id."""
    return [m for m in gmail.messages(address, "SENT") if m.header("X-Mailtrail-Id") == str(email_id)]


def parsed(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def wait_healthy(url: str, process: Any, log: Any = None, within: float = 30.0) -> None:
    """Wait until the API process at `url` answers /healthz; fail early, with its log, if it dies."""
    deadline = time.monotonic() + within
    while True:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"{url} did not start: {log.read_text() if log is not None else ''}")
        time.sleep(0.1)
