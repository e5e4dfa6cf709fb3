"""Context fields and entity data: typed once at the boundary, formatted per locale through Babel."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from domain.content.fields import (
    FieldSpec,
    FieldType,
    Money,
    data_hash,
    data_to_json,
    parse_data,
    parse_fields,
)
from domain.content.formatting import check_locale, check_timezone, format_value
from domain.errors import DomainError

INVOICE = parse_fields(
    [
        ("invoice_number", "Invoice Number", "str"),
        ("amount_due", "Amount Due", "currency"),
        ("due_date", "Due Date", "date"),
        ("days_overdue", "Days Overdue", "int"),
        ("rate", "Rate", "decimal"),
        ("issued_at", "Issued At", "datetime"),
        ("client_email", "Client Email", "email"),
        ("payment_link", "Payment Link", "url"),
    ]
)


def test_declared_fields_keep_their_order_and_types() -> None:
    assert [s.key for s in INVOICE][:3] == ["invoice_number", "amount_due", "due_date"]
    assert INVOICE[1] == FieldSpec("amount_due", "Amount Due", FieldType.CURRENCY)
    assert INVOICE[1].token == "{amount_due}"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ([("Amount", "A", "str")], "lower-case"),
        ([("a", "A", "str"), ("a", "B", "int")], "declared twice"),
        ([("current_date", "Today", "date")], "built in"),
        ([("a", "", "str")], "label"),
        ([("a", "A", "money")], "unknown field type"),
    ],
)
def test_bad_field_declarations_are_refused(fields: list[tuple[str, str, str]], message: str) -> None:
    with pytest.raises(DomainError, match=message):
        parse_fields(fields)


def test_entity_data_is_typed() -> None:
    data = parse_data(
        INVOICE,
        {
            "invoice_number": "INV-2024-001",
            "amount_due": {"amount": "1500.00", "currency": "USD"},
            "due_date": "2024-02-15",
            "days_overdue": 10,
            "rate": "12.5",
            "issued_at": "2024-02-01T09:30:00+01:00",
            "client_email": "Billing@Acme.example",
            "payment_link": "https://pay.example.com/i/1",
        },
    )
    assert data["amount_due"] == Money(Decimal("1500.00"), "USD")
    assert data["due_date"] == date(2024, 2, 15)
    assert data["issued_at"] == datetime(2024, 2, 1, 8, 30, tzinfo=UTC)
    assert data["rate"] == Decimal("12.5")
    assert data["client_email"] == "Billing@acme.example"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"amount_due": {"amount": 1500.5, "currency": "USD"}}, "decimal string"),
        ({"amount_due": {"amount": "1500", "currency": "XYZ"}}, "ISO 4217"),
        ({"amount_due": "1500"}, '"amount"'),
        ({"due_date": "15/02/2024"}, "2024-02-15"),
        ({"due_date": "2024-02-30"}, "calendar date"),
        ({"issued_at": "2024-02-01T09:30:00"}, "timezone"),
        ({"days_overdue": True}, "whole number"),
        ({"payment_link": "javascript:alert(1)"}, "http"),
        ({"client_email": "not an address"}, "email address"),
        ({"shipping_address": "1 Main St"}, "unknown fields: shipping_address"),
        ({"invoice_number": "a\x00b"}, "NUL"),
    ],
)
def test_misfit_values_are_refused_with_the_field_named(data: dict[str, object], message: str) -> None:
    with pytest.raises(DomainError, match=message) as caught:
        parse_data(INVOICE, data)
    assert caught.value.code.value == "INVALID_CONTEXT_DATA"


def test_lenient_reading_drops_what_no_longer_fits() -> None:
    assert parse_data(INVOICE, {"due_date": "soon", "gone": 1, "days_overdue": 3}, strict=False) == {"days_overdue": 3}


def test_the_data_hash_follows_meaning_not_spelling() -> None:
    a = parse_data(INVOICE, {"amount_due": {"amount": "1500.00", "currency": "USD"}, "days_overdue": 1})
    b = parse_data(INVOICE, {"days_overdue": 1, "amount_due": {"amount": "1500.00", "currency": "USD"}})
    c = parse_data(INVOICE, {"days_overdue": 2, "amount_due": {"amount": "1500.00", "currency": "USD"}})
    assert data_hash(a) == data_hash(b) != data_hash(c)
    assert data_to_json(a) == {"amount_due": {"amount": "1500.00", "currency": "USD"}, "days_overdue": 1}


@pytest.mark.parametrize(
    ("field_type", "value", "locale", "expected"),
    [
        (FieldType.CURRENCY, Money(Decimal("1500.00"), "USD"), "en", "$1,500.00"),
        (FieldType.CURRENCY, Money(Decimal("1500.00"), "USD"), "fr", "1\u202f500,00\u00a0$US"),
        (FieldType.CURRENCY, Money(Decimal("1500"), "EUR"), "de", "1.500,00\u00a0€"),
        (FieldType.DATE, date(2024, 3, 15), "en", "March 15, 2024"),
        (FieldType.DATE, date(2024, 3, 15), "fr", "15 mars 2024"),
        (FieldType.DATE, date(2024, 3, 15), "en_GB", "15 March 2024"),
        (FieldType.INT, 10234, "en", "10234"),
        (FieldType.DECIMAL, Decimal("1234.5"), "fr", "1\u202f234,5"),
        (FieldType.STR, "Acme Corp", "fr", "Acme Corp"),
    ],
)
def test_values_are_formatted_for_the_locale(field_type: FieldType, value: object, locale: str, expected: str) -> None:
    assert format_value(field_type, value, locale) == expected  # type: ignore[arg-type]


def test_date_times_are_shown_in_the_organizations_timezone() -> None:
    moment = datetime(2024, 3, 15, 23, 30, tzinfo=UTC)
    assert format_value(FieldType.DATETIME, moment, "en", "Europe/Paris").startswith("March 16, 2024")
    assert format_value(FieldType.DATETIME, moment, "en", "UTC").startswith("March 15, 2024")


def test_locales_and_timezones_are_checked() -> None:
    assert check_locale("pt-BR") == "pt_BR"
    assert check_timezone("Europe/Paris") == "Europe/Paris"
    with pytest.raises(DomainError, match="not a known locale"):
        check_locale("xx")
    with pytest.raises(DomainError, match="IANA timezone"):
        check_timezone("../etc/passwd")
