"""Facts in generated text are found in every common spelling and checked against the context."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from domain.content.facts import FactKind, decimal_readings, extract_facts
from domain.content.fields import Money
from domain.content.grounding import grounds, ungrounded_facts

DATA = {
    "invoice_number": "INV-2024-001",
    "amount_due": Money(Decimal("1500.00"), "USD"),
    "due_date": date(2024, 3, 15),
    "days_overdue": 10,
    "client_email": "billing@acme.example",
    "payment_link": "https://pay.example.com/i/7?k=1",
    "issued_at": datetime(2024, 2, 1, 14, 30, tzinfo=UTC),
    "client_name": "Studio 54",
}


def check(text: str, locale: str = "en", hint: str = "") -> list[str]:
    known = grounds(DATA, [hint], locale, "UTC")
    return [issue.token for issue in ungrounded_facts(text, known, locale, "invoice")]


@pytest.mark.parametrize(
    "text",
    [
        "Invoice INV-2024-001: $1,500.00 due March 15, 2024.",
        "USD 1,500.00 is due on 2024-03-15.",
        "Amount: 1500 USD, due 15/03/2024, 03/15/2024 or the 15th.",
        "Pay at https://pay.example.com/i/7?k=1 or pay.example.com; questions to billing@acme.example.",
        "It is 10 days overdue (issued February 1, 2024 at 2:30 PM).",
        "Dear Studio 54, invoice #INV-2024-001 (March 2024).",
        "Votre facture INV-2024-001 de 1\u202f500,00\u00a0$US est due le 15 mars 2024.",
    ],
)
def test_facts_from_the_context_are_grounded_in_any_spelling(text: str) -> None:
    locale = "fr" if "facture" in text else "en"
    assert check(text, locale) == []


@pytest.mark.parametrize(
    ("text", "ungrounded"),
    [
        ("You owe $1,600.00.", ["$1,600.00"]),
        ("You owe €1,500.00.", ["€1,500.00"]),
        ("Due March 16, 2024.", ["March 16, 2024"]),
        ("Pay at https://pay.example.com/i/8?k=1 now.", ["https://pay.example.com/i/8?k=1"]),
        ("Pay at http://pay.example.com/i/7?k=1 now.", ["http://pay.example.com/i/7?k=1"]),
        ("Pay at acme-payments.com today.", ["acme-payments.com"]),
        ("Write to accounts@acme.example.", ["accounts@acme.example"]),
        ("Invoice INV-2024-002 is 11 days late.", ["INV-2024-002", "11"]),
    ],
)
def test_invented_facts_are_caught(text: str, ungrounded: list[str]) -> None:
    assert check(text) == ungrounded


def test_the_prompt_hint_grounds_its_own_facts() -> None:
    text = "A late fee of $25.00 applies after 30 days; see https://acme.example/terms."
    assert check(text) == ["$25.00", "30", "https://acme.example/terms"]
    assert check(text, hint="mention our $25.00 late fee after 30 days (https://acme.example/terms)") == []


@pytest.mark.parametrize(
    ("written", "values"),
    [
        ("1,500.00", {Decimal("1500.00")}),
        ("1.500,00", {Decimal("1500.00")}),
        ("1,500", {Decimal("1500"), Decimal("1.500")}),
        ("1\u202f500,5", {Decimal("1500.5")}),
        ("12", {Decimal("12")}),
    ],
)
def test_written_numbers_keep_every_reading(written: str, values: set[Decimal]) -> None:
    assert set(decimal_readings(written)) == values


def test_a_date_is_not_also_read_as_numbers() -> None:
    kinds = [f.kind for f in extract_facts("Due March 15, 2024 (2024-03-15).")]
    assert kinds == [FactKind.DATE, FactKind.DATE]


def test_words_are_not_facts() -> None:
    assert extract_facts("Thank you for your business, see you in May.") == []
