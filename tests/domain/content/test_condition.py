"""The send condition: checked when composed, evaluated on fresh data, explained when it fails."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from domain.content.condition import parse_condition, unmet_reason
from domain.content.fields import Money, parse_fields
from domain.errors import DomainError

FIELDS = parse_fields(
    [("status", "Status", "str"), ("amount_due", "Amount Due", "currency"), ("due_date", "Due", "date")]
)
REMINDER = [
    {"field": "status", "op": "NOT_IN", "value": ["paid", "void"]},
    {"field": "amount_due", "op": "GT", "value": 0},
]
OPEN = {"status": "open", "amount_due": Money(Decimal("1500.00"), "USD"), "due_date": date(2024, 3, 15)}


def reason(condition: list[dict[str, object]], data: dict[str, object]) -> str | None:
    return unmet_reason(parse_condition(FIELDS, condition), data, "invoice")  # type: ignore[arg-type]


def test_an_open_invoice_passes() -> None:
    assert reason(REMINDER, OPEN) is None


def test_a_paid_invoice_is_not_chased() -> None:
    assert reason(REMINDER, {**OPEN, "status": "paid"}) == (
        "not sent: invoice status is paid (the send condition needs not in paid, void)"
    )


def test_a_zero_amount_is_not_chased() -> None:
    data = {**OPEN, "amount_due": Money(Decimal("0.00"), "USD")}
    assert reason(REMINDER, data) == "not sent: invoice amount_due is 0.00 USD (the send condition needs > 0)"


@pytest.mark.parametrize(
    ("clause", "holds"),
    [
        ({"field": "status", "op": "EQ", "value": "open"}, True),
        ({"field": "status", "op": "NE", "value": "open"}, False),
        ({"field": "status", "op": "IN", "value": ["open", "late"]}, True),
        ({"field": "due_date", "op": "LT", "value": "2024-04-01"}, True),
        ({"field": "due_date", "op": "GTE", "value": "2024-04-01"}, False),
        ({"field": "amount_due", "op": "LTE", "value": "1500"}, True),
        ({"field": "amount_due", "op": "EQ", "value": {"amount": "1500", "currency": "USD"}}, True),
        ({"field": "status", "op": "IS_SET"}, True),
        ({"field": "status", "op": "IS_NOT_SET"}, False),
    ],
)
def test_each_operator(clause: dict[str, object], holds: bool) -> None:
    assert (reason([clause], OPEN) is None) is holds


def test_a_missing_value_fails_the_clause() -> None:
    assert reason(REMINDER, {"amount_due": OPEN["amount_due"]}) == "not sent: invoice status is not set"


@pytest.mark.parametrize(
    ("clause", "message"),
    [
        ({"field": "shipping", "op": "EQ", "value": "x"}, "not a field"),
        ({"field": "status", "op": "LIKE", "value": "x"}, "unknown operator"),
        ({"field": "status", "op": "GT", "value": "a"}, "needs a number, amount or date"),
        ({"field": "status", "op": "IN", "value": "paid"}, "needs a list"),
        ({"field": "due_date", "op": "LT", "value": "tomorrow"}, "due_date"),
        ({"field": "status", "op": "EQ"}, "needs a value"),
    ],
)
def test_bad_clauses_are_refused_when_composed(clause: dict[str, object], message: str) -> None:
    with pytest.raises(DomainError, match=message):
        parse_condition(FIELDS, [clause])


def test_a_condition_survives_its_stored_form() -> None:
    clauses = parse_condition(FIELDS, REMINDER)
    again = parse_condition(FIELDS, [c.to_json() for c in clauses])
    assert again == clauses
    assert [c.to_json() for c in clauses][1] == {"field": "amount_due", "op": "GT", "value": "0"}
