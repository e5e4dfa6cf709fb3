"""The prompt a language model drafts from, and reading its answer back.

The model sees the resolved, formatted context values (with their labels and token names), the
sender, the thread when replying, today's date, the language, and the caller's `promptHint`.
It is told to answer with a JSON object `{"subject": ..., "body": ...}` and to state no fact
that is not given; the answer is fact-checked anyway (grounding.py), because instructions
are not guarantees.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from domain.language_model import ChatMessage

SYSTEM = (
    "You write one business email on behalf of the sender, about the record described below.\n"
    "Rules:\n"
    "- Use only the facts given in the context. Never invent an amount, number, date, email address,"
    " link or reference: if a fact is not given, leave it out.\n"
    "- Copy amounts, dates, links and references exactly as written in the context.\n"
    "- Write in the requested language, in plain text (no markdown), and sign with the sender's name.\n"
    '- Answer with one JSON object and nothing else: {"subject": "...", "body": "..."}.'
)
MAX_HINT = 2000
MAX_THREAD_CHARS = 4000


@dataclass(frozen=True)
class ThreadMessage:
    from_address: str
    subject: str
    text: str


@dataclass(frozen=True)
class PromptInput:
    context_type: str
    values: Sequence[tuple[str, str, str]]
    """(label, key, formatted value) of every field that has a value."""
    locale: str
    today: str
    sender_name: str | None = None
    sender_email: str | None = None
    hint: str | None = None
    thread: Sequence[ThreadMessage] = field(default_factory=tuple)


def build_messages(data: PromptInput) -> list[ChatMessage]:
    """The system and user messages for one draft."""
    lines = [f"Write an email about this {data.context_type}.", f"Language: {data.locale}", f"Today: {data.today}"]
    if data.sender_name or data.sender_email:
        sender = data.sender_name or ""
        lines.append(f"Sender: {sender} <{data.sender_email}>" if data.sender_email else f"Sender: {sender}")
    lines += ["", f"Context ({data.context_type}):"]
    lines += [f"- {label} ({{{key}}}): {value}" for label, key, value in data.values]
    if data.thread:
        lines += ["", "This email replies to the thread below (oldest first):"]
        budget = MAX_THREAD_CHARS
        for message in data.thread:
            text = message.text[: max(0, budget)]
            budget -= len(text)
            quoted = "\n".join("> " + line for line in text.splitlines())
            lines += [f"From: {message.from_address}", f"Subject: {message.subject}", quoted, ""]
    if data.hint:
        lines += ["", f"Hint: {data.hint[:MAX_HINT]}"]
    return [ChatMessage("system", SYSTEM), ChatMessage("user", "\n".join(lines))]


class UnreadableAnswer(ValueError):
    """The model's answer holds no subject and body."""


def one_line(text: str) -> str:
    """A subject on one line; typographic spaces (a French amount's narrow no-break space) are kept."""
    return re.sub(r"[\r\n\t ]+", " ", text).strip()


FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.MULTILINE)


def parse_answer(text: str) -> tuple[str, str]:
    """(subject, body) from the model's answer: the JSON object asked for, or `Subject:` + body."""
    cleaned = FENCE.sub("", (text or "").strip()).strip()
    start, end = cleaned.find("{"), cleaned.rfind("}")
    if start != -1 and end > start:
        try:
            data = json.loads(cleaned[start : end + 1])
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("subject"), str) and isinstance(data.get("body"), str):
            subject, body = one_line(data["subject"]), data["body"].strip()
            if subject and body:
                return subject, body
    head, _, rest = cleaned.partition("\n")
    if head.lower().startswith("subject:") and rest.strip():
        return one_line(head[len("subject:") :]), rest.strip()
    raise UnreadableAnswer("the model's answer has no subject and body")
