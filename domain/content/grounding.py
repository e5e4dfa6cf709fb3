"""Fact-checking generated text: every fact must come from the context, the sender or the hint.

A language model may write "$1,600.00" where the invoice says $1,500.00, or a payment link it
made up. Before such text is shown or sent, every amount, number, date, time, email address,
link and identifier in it is compared, after normalisation, with the values Mailtrail gave the
model: the entity's data (typed, and as formatted), the sender's name and address, today's date
and the caller's `promptHint`. A fact matching none of them is ungrounded. Numbers written as
words are not checked; the thread being replied to does not ground anything (its facts come
from the other party, not from the app's data).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from babel.numbers import get_currency_precision, get_currency_symbol

from domain.content.facts import Fact, FactKind, extract_facts, url_keys
from domain.content.fields import Money, Value
from domain.content.render import ContentIssue, IssueKind


@dataclass(frozen=True)
class Grounds:
    """What a fact may match: normalised keys, and the currency markers of the context's amounts."""

    keys: frozenset[Hashable]
    markers: frozenset[str]


def normal_marker(marker: str) -> str:
    """A currency marker as compared: codes upper-cased; symbols without their country letters
    ("US$", "$US" and "$" are one marker; which dollar is left to the amount's value)."""
    marker = marker.upper()
    if marker.isalpha():
        return marker
    return marker.strip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") or marker


def _date_keys(day: date) -> set[Hashable]:
    return {
        ("date", day),
        ("ym", day.year, day.month),
        ("md", day.month, day.day),
        ("num", Decimal(day.year)),
        ("num", Decimal(day.day)),
    }


def value_keys(value: Value, locale: str, timezone: str) -> tuple[set[Hashable], set[str]]:
    """The keys and currency markers one typed context value grounds."""
    keys: set[Hashable] = set()
    markers: set[str] = set()
    if isinstance(value, Money):
        # Shown rounded to the currency's digits (JPY has none), which is what a reader sees.
        shown = value.amount.quantize(Decimal(1).scaleb(-get_currency_precision(value.currency)))
        keys |= {("num", value.amount), ("num", shown)}
        markers.add(value.currency)
        for tag in dict.fromkeys(("en", locale)):
            markers.add(normal_marker(str(get_currency_symbol(value.currency, locale=tag))))
    elif isinstance(value, bool):
        pass
    elif isinstance(value, int | Decimal):
        keys.add(("num", Decimal(value)))
    elif isinstance(value, datetime):
        local = value.astimezone(ZoneInfo(timezone))
        keys |= _date_keys(local.date()) | {("time", local.hour, local.minute)}
    elif isinstance(value, date):
        keys |= _date_keys(value)
    elif isinstance(value, str):
        full, bare = url_keys(value) if "://" in value else (None, "")
        if full:
            host = bare.split("/", 1)[0].split("?", 1)[0]
            keys |= {("url", full), ("host", bare), ("host", host)}
        keys |= text_keys(value, locale)
        keys |= {("id", word.lower().lstrip("#")) for word in value.split() if any(c.isdigit() for c in word)}
    return keys, markers


def text_keys(text: str, locale: str) -> set[Hashable]:
    """The keys of every fact written in `text` (a hint, a formatted value, a name)."""
    keys: set[Hashable] = set()
    for fact in extract_facts(text, locale):
        keys |= fact.keys
        if fact.kind is FactKind.URL:
            for key in fact.keys:
                if isinstance(key, tuple) and key[0] == "url":
                    keys.add(("host", url_keys(str(key[1]))[1]))
    return keys


def grounds(
    data: Mapping[str, Value],
    texts: Iterable[str],
    locale: str,
    timezone: str,
) -> Grounds:
    """Everything the generated text may state: the typed `data` and the facts in `texts`."""
    keys: set[Hashable] = set()
    markers: set[str] = set()
    for value in data.values():
        found, currency = value_keys(value, locale, timezone)
        keys |= found
        markers |= currency
    for text in texts:
        if text:
            keys |= text_keys(text, locale)
            markers |= {normal_marker(f.marker) for f in extract_facts(text, locale) if f.marker}
    return Grounds(frozenset(keys), frozenset(markers))


def is_grounded(fact: Fact, known: Grounds) -> bool:
    if fact.kind is FactKind.AMOUNT and fact.marker and normal_marker(fact.marker) not in known.markers:
        return False
    return bool(fact.keys & known.keys)


def ungrounded_facts(text: str | None, known: Grounds, locale: str, context_type: str) -> list[ContentIssue]:
    """An issue for each fact in `text` that nothing in `known` grounds."""
    issues: list[ContentIssue] = []
    for fact in extract_facts(text or "", locale):
        if not is_grounded(fact, known):
            issues.append(
                ContentIssue(
                    fact.text,
                    f"{fact.kind.value} {fact.text!r} does not match any value of this {context_type}"
                    " or the prompt hint",
                    IssueKind.UNGROUNDED_FACT,
                )
            )
    return issues
