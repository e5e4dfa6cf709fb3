"""One notification being read: its MIME tree and the views of it every step needs, computed once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from mypy_extensions import mypyc_attr

from domain.bounces import text as texts
from domain.bounces.addresses import clean, find_addresses
from domain.bounces.lazy import lazy
from domain.bounces.mime import Budget, Part, read_message, read_part

# Every alternative begins with a letter, the look-behinds coming after it (`m(?<!\wm)ta` is `\bmta`):
# the regex engine then tries only the positions holding one of those first letters.
DAEMON: Final = re.compile(
    r"mailer-daemon|postmaster|post_master|mail delivery (?:subsystem|system)|mail ?administrator|mmdf|smtp gateway|"
    r"mail system|maildelivery|mailerdaemon|bounce|no-?reply@.{0,80}(?:amazonses|yahoo)|microsoftexchange|"
    r"mail transport|mail delivery|e-?mail interconnect|m(?<!\wm)ta\b|mailadmin|mail router|mail agent|"
    r"m(?<![^<\s]m)daemon@"  # MDaemon signs with its product name (at the start, or after < or a space)
)

RECEIVED_READ: Final = 8000  # characters of the joined Received fields `Notice.received` is made from


@mypyc_attr(native_class=False)  # `lazy` stores its values in the instance's __dict__
@dataclass(eq=False)
class Notice:
    """A message that may be a bounce, with lazily computed views of it."""

    root: Part

    @classmethod
    def read(cls, raw: bytes) -> Notice:
        """The notice in a raw message."""
        return cls(read_message(raw))

    def header(self, name: str) -> str:
        """A top-level header field, encoded words decoded."""
        return self.root.decoded(name)

    @lazy
    def subject(self) -> str:
        """The Subject, decoded."""
        return self.header("subject")

    @lazy
    def sender(self) -> str:
        """From, Return-Path and Sender together (who sent the notification)."""
        return " ".join(self.header(name) for name in ("from", "return-path", "sender"))

    @lazy
    def lower_from(self) -> str:
        """The From field as written (not decoded), in lower case: what the families' sniffers read."""
        return self.root.get("from").lower()

    @lazy
    def from_daemon(self) -> bool:
        """Sent by a mail system rather than a person."""
        return bool(DAEMON.search(self.sender.lower()))

    @lazy
    def null_sender(self) -> bool:
        """An empty envelope sender (RFC 5321 §4.5.5: notifications are sent from `<>`)."""
        return_path = self.root.get("return-path").strip()
        from_value = self.root.get("from").strip()
        return ("return-path" in self.root.fields and return_path in ("<>", "")) or from_value in ("<>", "")

    @lazy
    def sender_addresses(self) -> set[str]:
        """Addresses of the notification's sender (never a bounced recipient)."""
        return _addresses(self.sender)

    @lazy
    def own_addresses(self) -> set[str]:
        """The sender's and the notification's own recipients (the mailbox owner)."""
        named = " ".join(self.header(name) for name in ("to", "reply-to", "cc", "delivered-to"))
        return self.sender_addresses | _addresses(named)

    @lazy
    def list_addresses(self) -> set[str]:
        """Addresses in List-* header fields (a mailing list is not a bounced recipient)."""
        values = [v for name, vs in self.root.fields.items() if name.startswith("list-") for v in vs]
        return _addresses(" ".join(values)[:4096])

    @lazy
    def report_type(self) -> str:
        """The report-type of a multipart/report top level (RFC 6522), lower case."""
        if self.root.content_type != "multipart/report":
            return ""
        return self.root.params.get("report-type", "").lower()

    @lazy
    def parts(self) -> list[Part]:
        """Every part, depth first, not descending into attached messages."""
        return list(self.root.walk())

    def first(self, *types: str) -> Part | None:
        """The first part of one of these content types."""
        for part in self.parts:
            if part.content_type in types:
                return part
        return None

    @lazy
    def status_texts(self) -> list[str]:
        """The text of each delivery-status part (RFC 3464 §2), in order."""
        return [part.text for part in self.parts if part.content_type in texts.STATUS_TYPES]

    @lazy
    def original(self) -> Part | None:
        """The returned original (its headers at least): message/rfc822 or text/rfc822-headers."""
        part = self.first(*texts.ORIGINAL_TYPES)
        if part is None:
            return None
        if part.content_type in ("message/rfc822", "message/global"):
            return part.attached
        return read_part(part.text, part.depth + 1, Budget(parts=0))  # the headers are the part's body

    @lazy
    def body(self) -> str:
        """The notification's own words, the returned original cut off."""
        body, lowered = texts.body_views(self.root)
        self.__dict__["lower_body"] = lowered  # made with it: lower_body is then read from the instance
        return body

    @lazy
    def lower_body(self) -> str:
        """The body in lower case (patterns match lower-cased text: case-insensitive regexes are slow)."""
        body = self.body  # made once, with its lower-cased view beside it
        return self.__dict__["lower_body"] if "lower_body" in self.__dict__ else body.lower()

    @lazy
    def intro(self) -> str:
        """The first 8 KB of the body in lower case, for the families' marker lines."""
        return self.lower_body[:8192]

    @lazy
    def lower_subject(self) -> str:
        """The subject in lower case."""
        return self.subject.lower()

    @lazy
    def unquoted_body(self) -> str:
        """The body with `>` quoting removed (a forwarded notification)."""
        body = self.body
        # Quoting is a `>` at a line's start: a body whose `>`s all close an address needs no pass.
        return texts.QUOTED.remove(body) if body.startswith(">") or "\n>" in body else body

    @lazy
    def lines(self) -> list[str]:
        """The body's lines."""
        return self.unquoted_body.split("\n")

    @lazy
    def full_text(self) -> str:
        """Every leaf's text and status part, decoded."""
        return texts.all_text(self.root)

    @lazy
    def received(self) -> str:
        """The Received fields, joined and lower-cased (their first 4 KB)."""
        joined = " ".join(self.root.fields.get("received", ()))[:RECEIVED_READ]  # folded: unfolding shortens it
        return " ".join(joined.split())[:4000].lower()

    @lazy
    def failed_header(self) -> list[str]:
        """Addresses in X-Failed-Recipients (Exim, Gmail, and others)."""
        values = " ".join(self.root.get_all("x-failed-recipients"))[:8192]
        return list(dict.fromkeys(a for a in (clean(x) for x in find_addresses(values)) if a))


def _addresses(value: str) -> set[str]:
    return {a for a in (clean(x) for x in find_addresses(value)) if a}
