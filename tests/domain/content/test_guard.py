"""The send guard on PostgreSQL: it reads the entity again and says, in a sentence, why not to send."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import Session

from domain.content.drafting import ContentStamp, stamp
from domain.content.fields import parse_fields
from domain.content.guard import send_blocked_reason
from domain.content.store import put_entity, register_context_type
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
