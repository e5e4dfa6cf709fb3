"""One notification being read: its MIME tree and the views of it every step needs, computed once."""

from __future__ import annotations

import re
from typing import Final

from domain.bounces import text as texts
from domain.bounces.addresses import clean, find_addresses
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


class Notice:
    """A message that may be a bounce, with lazily computed views of it.

    Each view is made on first use and kept in a plain attribute (None: not yet made), which
    compiled code reads as a C struct field (see domain.bounces.native).
    """

    root: Part
    _subject: str | None
    _sender: str | None
    _lower_from: str | None
    _from_daemon: bool | None
    _null_sender: bool | None
    _sender_addresses: set[str] | None
    _own_addresses: set[str] | None
    _list_addresses: set[str] | None
    _report_type: str | None
    _parts: list[Part] | None
    _status_texts: list[str] | None
    _original: Part | None
    _original_read: bool
    _intro: str | None
    _lower_subject: str | None
    _unquoted_body: str | None
    _lines: list[str] | None
    _full_text: str | None
    _received: str | None
    _failed_header: list[str] | None
    _body: str | None
    _lower_body: str | None

    def __init__(self, root: Part) -> None:
        self.root = root
        self._subject = None
        self._sender = None
        self._lower_from = None
        self._from_daemon = None
        self._null_sender = None
        self._sender_addresses = None
        self._own_addresses = None
        self._list_addresses = None
        self._report_type = None
        self._parts = None
        self._status_texts = None
        self._original = None
        self._original_read = False
        self._intro = None
        self._lower_subject = None
        self._unquoted_body = None
        self._lines = None
        self._full_text = None
        self._received = None
        self._failed_header = None
        self._body = None
        self._lower_body = None

    def __repr__(self) -> str:
        return f"Notice(root={self.root!r})"

    @classmethod
    def read(cls, raw: bytes) -> Notice:
        """The notice in a raw message."""
        return cls(read_message(raw))

    def header(self, name: str) -> str:
        """A top-level header field, encoded words decoded."""
        return self.root.decoded(name)

    @property
    def subject(self) -> str:
        """The Subject, decoded."""
        value = self._subject
        if value is None:
            value = self._subject = self.header("subject")
        return value

    @property
    def sender(self) -> str:
        """From, Return-Path and Sender together (who sent the notification)."""
        value = self._sender
        if value is None:
            value = self._sender = " ".join(self.header(name) for name in ("from", "return-path", "sender"))
        return value

    @property
    def lower_from(self) -> str:
        """The From field as written (not decoded), in lower case: what the families' sniffers read."""
        value = self._lower_from
        if value is None:
            value = self._lower_from = self.root.get("from").lower()
        return value

    @property
    def from_daemon(self) -> bool:
        """Sent by a mail system rather than a person."""
        value = self._from_daemon
        if value is None:
            value = self._from_daemon = bool(DAEMON.search(self.sender.lower()))
        return value

    @property
    def null_sender(self) -> bool:
        """An empty envelope sender (RFC 5321 §4.5.5: notifications are sent from `<>`)."""
        value = self._null_sender
        if value is None:
            value = self._null_sender = self._read_null_sender()
        return value

    def _read_null_sender(self) -> bool:
        return_path = self.root.get("return-path").strip()
        from_value = self.root.get("from").strip()
        return ("return-path" in self.root.fields and return_path in ("<>", "")) or from_value in ("<>", "")

    @property
    def sender_addresses(self) -> set[str]:
        """Addresses of the notification's sender (never a bounced recipient)."""
        value = self._sender_addresses
        if value is None:
            value = self._sender_addresses = _addresses(self.sender)
        return value

    @property
    def own_addresses(self) -> set[str]:
        """The sender's and the notification's own recipients (the mailbox owner)."""
        value = self._own_addresses
        if value is None:
            value = self._own_addresses = self._read_own_addresses()
        return value

    def _read_own_addresses(self) -> set[str]:
        named = " ".join(self.header(name) for name in ("to", "reply-to", "cc", "delivered-to"))
        return self.sender_addresses | _addresses(named)

    @property
    def list_addresses(self) -> set[str]:
        """Addresses in List-* header fields (a mailing list is not a bounced recipient)."""
        value = self._list_addresses
        if value is None:
            value = self._list_addresses = self._read_list_addresses()
        return value

    def _read_list_addresses(self) -> set[str]:
        values = [v for name, vs in self.root.fields.items() if name.startswith("list-") for v in vs]
        return _addresses(" ".join(values)[:4096])

    @property
    def report_type(self) -> str:
        """The report-type of a multipart/report top level (RFC 6522), lower case."""
        value = self._report_type
        if value is None:
            value = self._report_type = self._read_report_type()
        return value

    def _read_report_type(self) -> str:
        if self.root.content_type != "multipart/report":
            return ""
        return self.root.params.get("report-type", "").lower()

    @property
    def parts(self) -> list[Part]:
        """Every part, depth first, not descending into attached messages."""
        value = self._parts
        if value is None:
            value = self._parts = list(self.root.walk())
        return value

    def first(self, *types: str) -> Part | None:
        """The first part of one of these content types."""
        for part in self.parts:
            if part.content_type in types:
                return part
        return None

    @property
    def status_texts(self) -> list[str]:
        """The text of each delivery-status part (RFC 3464 §2), in order."""
        value = self._status_texts
        if value is None:
            value = self._status_texts = [part.text for part in self.parts if part.content_type in texts.STATUS_TYPES]
        return value

    @property
    def original(self) -> Part | None:
        """The returned original (its headers at least): message/rfc822 or text/rfc822-headers."""
        if not self._original_read:
            self._original = self._read_original()
            self._original_read = True
        return self._original

    def _read_original(self) -> Part | None:
        part = self.first(*texts.ORIGINAL_TYPES)
        if part is None:
            return None
        if part.content_type in ("message/rfc822", "message/global"):
            return part.attached
        return read_part(part.text, part.depth + 1, Budget(parts=0))  # the headers are the part's body

    @property
    def body(self) -> str:
        """The notification's own words, the returned original cut off."""
        body = self._body
        if body is None:
            body = self._read_body()[0]
        return body

    @property
    def lower_body(self) -> str:
        """The body in lower case (patterns match lower-cased text: case-insensitive regexes are slow)."""
        lowered = self._lower_body
        if lowered is None:
            lowered = self._read_body()[1]
        return lowered

    def _read_body(self) -> tuple[str, str]:
        """The body and its lower-cased view, made together."""
        body, lowered = texts.body_views(self.root)
        self._body, self._lower_body = body, lowered
        return body, lowered

    @property
    def intro(self) -> str:
        """The first 8 KB of the body in lower case, for the families' marker lines."""
        value = self._intro
        if value is None:
            value = self._intro = self.lower_body[:8192]
        return value

    @property
    def lower_subject(self) -> str:
        """The subject in lower case."""
        value = self._lower_subject
        if value is None:
            value = self._lower_subject = self.subject.lower()
        return value

    @property
    def unquoted_body(self) -> str:
        """The body with `>` quoting removed (a forwarded notification)."""
        value = self._unquoted_body
        if value is None:
            value = self._unquoted_body = self._read_unquoted_body()
        return value

    def _read_unquoted_body(self) -> str:
        body = self.body
        # Quoting is a `>` at a line's start: a body whose `>`s all close an address needs no pass.
        return texts.QUOTED.remove(body) if body.startswith(">") or "\n>" in body else body

    @property
    def lines(self) -> list[str]:
        """The body's lines."""
        value = self._lines
        if value is None:
            value = self._lines = self.unquoted_body.split("\n")
        return value

    @property
    def full_text(self) -> str:
        """Every leaf's text and status part, decoded."""
        value = self._full_text
        if value is None:
            value = self._full_text = texts.all_text(self.root)
        return value

    @property
    def received(self) -> str:
        """The Received fields, joined and lower-cased (their first 4 KB)."""
        value = self._received
        if value is None:
            value = self._received = self._read_received()
        return value

    def _read_received(self) -> str:
        joined = " ".join(self.root.fields.get("received", ()))[:RECEIVED_READ]  # folded: unfolding shortens it
        return " ".join(joined.split())[:4000].lower()

    @property
    def failed_header(self) -> list[str]:
        """Addresses in X-Failed-Recipients (Exim, Gmail, and others)."""
        value = self._failed_header
        if value is None:
            value = self._failed_header = self._read_failed_header()
        return value

    def _read_failed_header(self) -> list[str]:
        values = " ".join(self.root.get_all("x-failed-recipients"))[:8192]
        return list(dict.fromkeys(a for a in (clean(x) for x in find_addresses(values)) if a))


def _addresses(value: str) -> set[str]:
    return {a for a in (clean(x) for x in find_addresses(value)) if a}
