"""`OutboundEmail.from_row` gives the same email from a named tuple row (lazily) as from an ORM row (eagerly)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from api.loaders import row_type
from api.types import FROM_ROW, OutboundEmail
from domain import records
from domain.delivery import DeliveryStatus
from domain.lifecycle import EmailStatus


def test_every_field_of_an_email_has_its_conversion_from_the_row() -> None:
    definition = OutboundEmail.__strawberry_definition__  # type: ignore[attr-defined]
    names = {f.python_name for f in definition.fields if f.base_resolver is None} - {"row", "bound_loaders"}
    assert set(FROM_ROW) == names


def test_an_email_read_from_a_named_tuple_row_equals_the_one_read_from_the_orm_row() -> None:
    orm = records.OutboundEmail(
        organization_id=uuid.uuid4(),
        account_id=uuid.uuid4(),
        from_email="a@example.com",
        to=["b@example.com"],
        cc=["c@example.com"],
        subject="Hi",
        status=EmailStatus.SENT,
        delivery_status=DeliveryStatus.BOUNCE_DETECTED,
        email_message_uid=uuid.uuid4(),
        created_at=datetime(2026, 1, 2, tzinfo=UTC),
        updated_at=datetime(2026, 1, 3, tzinfo=UTC),
        sent_at=datetime(2026, 1, 2, 1, tzinfo=UTC),
    )
    Row = row_type(records.OutboundEmail)
    row = Row(*(getattr(orm, name) for name in Row._fields))
    eager, lazy = OutboundEmail.from_row(orm), OutboundEmail.from_row(row)  # type: ignore[arg-type]
    assert lazy.subject == "Hi" and "subject" in vars(lazy) and "body_html" not in vars(lazy)  # read: converted
    for name in FROM_ROW:
        assert getattr(lazy, name) == getattr(eager, name), name
    assert lazy.status.name == "SENT"
    assert lazy.delivery_status is not None and lazy.delivery_status.value == "bounce_detected"


def test_a_recipient_read_from_a_named_tuple_row_equals_the_one_read_from_the_orm_row() -> None:
    from api.recipients import RECIPIENT_FROM_ROW, Recipient
    from domain.ledger.precedence import Correlation, DeliveryState, RecipientRole

    definition = Recipient.__strawberry_definition__  # type: ignore[attr-defined]
    names = {f.python_name for f in definition.fields if f.base_resolver is None} - {"message_id", "bound_loaders"}
    assert set(RECIPIENT_FROM_ROW) == names
    orm = records.OutboundRecipient(
        organization_id=uuid.uuid4(),
        email_id=uuid.uuid4(),
        address="b@example.com",
        role=RecipientRole.CC,
        delivery_state=DeliveryState.BOUNCED,
        status_code="5.1.1",
        permanence="hard",
        scope="address",
        detected_at=datetime(2026, 1, 2, tzinfo=UTC),
        correlation=Correlation.IN_REPLY_TO,
        message_id=uuid.uuid4(),
    )
    Row = row_type(records.OutboundRecipient)
    row = Row(*(getattr(orm, name) for name in Row._fields))
    eager, lazy = Recipient.from_row(orm), Recipient.from_row(row)  # type: ignore[arg-type]
    assert lazy.address == "b@example.com" and "address" in vars(lazy) and "diagnostic" not in vars(lazy)
    assert lazy == eager and lazy.message_id == orm.message_id
    assert lazy.role.name == "CC" and lazy.delivery_state is not None and lazy.delivery_state.name == "BOUNCED"


def test_an_email_read_from_a_written_orm_row_equals_the_eager_one_and_is_converted_as_read() -> None:
    orm = records.OutboundEmail(
        organization_id=uuid.uuid4(),
        account_id=uuid.uuid4(),
        from_email="a@example.com",
        to=["b@example.com"],
        bcc=["d@example.com"],
        subject="Hi",
        status=EmailStatus.PENDING,
        idempotency_key="k-1",
        created_at=datetime(2026, 1, 2, tzinfo=UTC),
        updated_at=datetime(2026, 1, 3, tzinfo=UTC),
    )
    eager, written = OutboundEmail.from_row(orm), OutboundEmail.from_written(orm)
    assert "id" not in vars(written) and written.id == str(orm.id) and "id" in vars(written)
    orm.subject = "changed after the answer was made"  # the answer keeps what was written
    for name in FROM_ROW:
        assert getattr(written, name) == getattr(eager, name), name
    assert written.status.name == "PENDING" and written.bcc == ["d@example.com"]
