"""Deterministic drafts built from the prompt, and the deliberate mistakes a test can ask for.

The emulator reads the prompt the way a person would skim it: the `Context (...)` list of
`- Label ({key}): value` lines, the `Sender:` and `Language:` lines. Its draft restates those
values verbatim, so a grounded draft really is grounded. The mistake modes change one fact the
way models do: a different amount, or a payment link nobody gave it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

CONTEXT_HEADER = re.compile(r"^Context \((?P<type>[^)]+)\):\s*$")
CONTEXT_LINE = re.compile(r"^- (?P<label>.+?) \(\{(?P<key>[^}]+)\}\): (?P<value>.*)$")
SENDER = re.compile(r"^Sender: (?P<name>[^<]*?)\s*(?:<(?P<email>[^>]+)>)?\s*$")
LANGUAGE = re.compile(r"^Language: (?P<locale>\S+)")
AMOUNT = re.compile(r"(?:[A-Z]{0,3}[$€£¥]\s?\d[\d,.\u00a0\u202f]*\d)|(?:\d[\d,.\u00a0\u202f ]*\d\s?(?:\$US|\$|€|£))")
INVENTED_LINK = "https://pay.invented.example/checkout/7731"

GREETINGS = {"fr": ("Bonjour", "Cordialement,"), "de": ("Hallo", "Mit freundlichen Grüßen,")}


class Mode(StrEnum):
    GROUNDED = "grounded"
    INVENT_AMOUNT = "invent_amount"
    INVENT_LINK = "invent_link"
    ERROR = "error"
    """Answer 500, as an overloaded server does."""
    GARBAGE = "garbage"
    """Answer prose with no subject, as a small model sometimes does."""


@dataclass
class Brief:
    """What the prompt said."""

    context_type: str = "record"
    values: list[tuple[str, str, str]] = field(default_factory=list)
    sender_name: str = ""
    locale: str = "en"

    def value(self, *fragments: str) -> str | None:
        for _label, key, value in self.values:
            if any(fragment in key for fragment in fragments):
                return value
        return None


def read_brief(prompt: str) -> Brief:
    brief = Brief()
    for line in prompt.splitlines():
        if match := CONTEXT_HEADER.match(line):
            brief.context_type = match.group("type")
        elif match := CONTEXT_LINE.match(line):
            brief.values.append((match.group("label"), match.group("key"), match.group("value")))
        elif match := SENDER.match(line):
            brief.sender_name = match.group("name").strip()
        elif match := LANGUAGE.match(line):
            brief.locale = match.group("locale").split("_")[0]
    return brief


def draft(prompt: str) -> tuple[str, str]:
    """(subject, body) restating the prompt's context values, in its language."""
    brief = read_brief(prompt)
    reference = brief.value("number", "reference", "_id") or ""
    amount = brief.value("amount_due", "amount", "total")
    due = brief.value("due_date", "due_on", "due_at")
    subject = " ".join(part for part in (brief.context_type.title(), reference) if part)
    if amount:
        subject += f": {amount}"
    if due:
        subject += f" ({due})"
    hello, regards = GREETINGS.get(brief.locale, ("Hello", "Best regards,"))
    name = brief.value("client_name", "customer_name", "name")
    lines = [f"{hello} {name}," if name else f"{hello},", ""]
    lines += [f"{label}: {value}" for label, key, value in brief.values if key != "current_date"]
    lines += ["", regards]
    if brief.sender_name:
        lines.append(brief.sender_name)
    return subject, "\n".join(lines)


def mistake(subject: str, body: str, mode: Mode) -> tuple[str, str]:
    """The draft with one invented fact, as `mode` asks."""
    if mode is Mode.INVENT_LINK:
        marker = "\n\n"
        head, _, tail = body.rpartition(marker)
        return subject, f"{head}\n\nPay online: {INVENTED_LINK}{marker}{tail}" if head else body + INVENTED_LINK
    if mode is Mode.INVENT_AMOUNT:
        found = AMOUNT.search(body) or AMOUNT.search(subject)
        if found is None:
            return subject, body + "\n\nTotal: $1,234.56"
        original = found.group(0)
        digit = next(i for i, ch in enumerate(original) if ch.isdigit())
        wrong = original[:digit] + str((int(original[digit]) % 9) + 1) + original[digit + 1 :]
        return subject.replace(original, wrong), body.replace(original, wrong)
    return subject, body
