"""The send guard on PostgreSQL: it reads the entity again and says, in a sentence, why not to send."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import Session

from domain.content.drafting import ContentStamp, stamp
from domain.content.fields import parse_fields
from domain.content.guard import ContextUnavailable, send_blocked_reason
from domain.content.store import put_entity, register_context_type
from domain.context_provider import ContextProviderError, ProviderRequest
from domain.drafts import DraftFields, Limits, create_draft
from domain.records import OutboundEmail
from tests.factories import Tenant, make_tenant
from workers.db import session_scope

FIELDS = parse_fields([("status", "Status", "str"), ("amount_due", "Amount Due", "currency")])
OPEN = {"status": "open", "amount_due": {"amount": "1500.00", "currency": "USD"}}


@pytest.fixture
def tenant(db: str) -> Tenant:
    tenant = make_tenant()
    with session_scope() as session:
        register_context_type(session, tenant.organization_id, "invoice", FIELDS, None, None)
    return tenant


def draft(session: Session, tenant: Tenant, body: str, entity: uuid.UUID, **content: object) -> OutboundEmail:
    fields = DraftFields(account_id=tenant.account_id, to=["a@example.com"], subject="Invoice", body_text=body)
    email = create_draft(session, tenant.organization_id, fields, "test", Limits())
    if content:
        stamp(session, email, ContentStamp(context_type="invoice", context_id=entity, locale="en", **content))  # type: ignore[arg-type]
    session.flush()
    return email


def test_an_email_without_content_options_is_let_through(tenant: Tenant) -> None:
    with session_scope() as session:
        email = draft(session, tenant, "Pay {amount_due}", uuid.uuid4())
        assert send_blocked_reason(session, email) is None


def test_a_token_left_in_the_text_blocks_the_send(tenant: Tenant) -> None:
    with session_scope() as session:
        email = draft(session, tenant, "Pay {amount_due} now", uuid.uuid4(), template_version=1)
        assert send_blocked_reason(session, email) == "not sent: the text still holds unresolved tokens {amount_due}"


def test_a_fact_checked_text_is_checked_against_the_data_as_it_is_now(tenant: Tenant) -> None:
    entity = uuid.uuid4()
    with session_scope() as session:
        put_entity(session, tenant.organization_id, "invoice", entity, OPEN, "test")
        email = draft(session, tenant, "Please pay $1,500.00.", entity, fact_check=True)
        assert send_blocked_reason(session, email) is None
        put_entity(
            session,
            tenant.organization_id,
            "invoice",
            entity,
            {**OPEN, "amount_due": {"amount": "900", "currency": "USD"}},
            "test",
        )
        assert send_blocked_reason(session, email) == "not sent: facts no longer match the invoice: '$1,500.00'"


def test_an_entity_that_cannot_be_read_blocks_a_conditional_send(tenant: Tenant) -> None:
    entity = uuid.uuid4()
    condition = [{"field": "status", "op": "EQ", "value": "open"}]
    with session_scope() as session:
        email = draft(session, tenant, "Hello", entity, send_condition=condition)
        reason = send_blocked_reason(session, email)
    assert reason == f"not sent: the invoice {entity} could not be read again: invoice {entity} not found"


class Provider:
    """An app's provider as the port sees it: answers, or fails the way an HTTP one can."""

    def __init__(self, error: ContextProviderError | None = None, data: dict[str, object] | None = None) -> None:
        self.error, self.data = error, data

    def fetch(self, request: ProviderRequest, *, fresh: bool = False) -> dict[str, object]:
        if self.error is not None:
            raise self.error
        return dict(self.data or {})


def provided_draft(session: Session, tenant: Tenant) -> OutboundEmail:
    with session_scope() as inner:
        register_context_type(inner, tenant.organization_id, "order", FIELDS, None, "https://app.example/ctx")
    fields = DraftFields(account_id=tenant.account_id, to=["a@example.com"], subject="Order", body_text="Hi")
    email = create_draft(session, tenant.organization_id, fields, "test", Limits())
    condition = [{"field": "status", "op": "EQ", "value": "open"}]
    stamp(
        session,
        email,
        ContentStamp(context_type="order", context_id=uuid.uuid4(), locale="en", send_condition=condition),
    )  # type: ignore[arg-type]
    session.flush()
    return email


def test_a_provider_outage_makes_the_send_wait_not_fail(tenant: Tenant) -> None:
    with session_scope() as session:
        email = provided_draft(session, tenant)
        with pytest.raises(ContextUnavailable, match="could not be read: the order provider failed: no answer"):
            send_blocked_reason(session, email, Provider(ContextProviderError("no answer within 5 s")))
        assert send_blocked_reason(session, email, Provider(data=OPEN)) is None


def test_a_provider_that_says_the_entity_is_gone_fails_the_send(tenant: Tenant) -> None:
    with session_scope() as session:
        email = provided_draft(session, tenant)
        gone = ContextProviderError("it has no order (HTTP 404)", gone=True)
        reason = send_blocked_reason(session, email, Provider(gone))
    assert reason is not None and reason.startswith("not sent: the order") and "not found" in reason
