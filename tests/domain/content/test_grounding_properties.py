"""Properties: whatever Mailtrail itself formats, in any supported locale, the checker grounds;
and any amount other than the context's is caught."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.content.fields import FieldType, Money
from domain.content.formatting import format_value
from domain.content.grounding import grounds, ungrounded_facts

LOCALES = st.sampled_from(["en", "en_GB", "fr", "de", "es", "it", "nl", "pt_BR"])
CURRENCIES = st.sampled_from(["USD", "EUR", "GBP", "JPY", "CHF", "CAD"])
AMOUNTS = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999.99"), places=2)
DATES = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@settings(max_examples=150, deadline=None)
@given(locale=LOCALES, currency=CURRENCIES, amount=AMOUNTS, day=DATES)
def test_formatted_context_values_are_always_grounded(locale: str, currency: str, amount: Decimal, day: date) -> None:
    money = Money(amount, currency)
    data = {"amount_due": money, "due_date": day}
    text = (
        f"{format_value(FieldType.CURRENCY, money, locale)} — "
        f"{format_value(FieldType.DATE, day, locale)} ({day.isoformat()})"
    )
    known = grounds(data, [], locale, "UTC")
    assert ungrounded_facts(text, known, locale, "invoice") == []


@settings(max_examples=150, deadline=None)
@given(locale=LOCALES, amount=AMOUNTS, other=AMOUNTS)
def test_another_amount_is_always_caught(locale: str, amount: Decimal, other: Decimal) -> None:
    if other == amount or other * 1000 == amount or amount * 1000 == other:
        return  # "1,500" may honestly be read as 1.5 or 1500; such pairs are not a mistake to catch
    known = grounds({"amount_due": Money(amount, "EUR")}, [], locale, "UTC")
    text = "Total: " + format_value(FieldType.CURRENCY, Money(other, "EUR"), locale)
    assert [i.kind.value for i in ungrounded_facts(text, known, locale, "invoice")] == ["UNGROUNDED_FACT"]
