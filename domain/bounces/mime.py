"""A small MIME reader for bounces: bounded, linear in the size of its input, and it never raises.

The standard library's parser reads every byte of every part, the returned original included, and
its multipart splitting grows with the nesting depth. A bounce's facts sit in its first few
kilobytes, so this reader looks at no more than `MAX_MESSAGE` characters, `MAX_HEADER` of any
header block, `MAX_PARTS` parts, `MAX_DEPTH` levels of nesting and `MAX_TEXT` decoded characters
of any part: the work per message is bounded whatever a stranger sends (issue 12).

Bytes are read as Latin-1 (one character per byte, lossless); a text part is decoded with its own
charset when it is not plain ASCII. Line endings become `\\n`.
"""

from __future__ import annotations

import binascii
import email.header
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

MAX_MESSAGE: Final = 1024 * 1024
MAX_HEADER: Final = 64 * 1024
MAX_HEADER_VALUE: Final = 4096
MAX_PARTS: Final = 64
MAX_DEPTH: Final = 6
MAX_TEXT: Final = 64 * 1024

# RFC 2045 §5.1: `type/subtype; attribute=value` with a token or a quoted string as the value.
PARAM: Final = re.compile(r';\s*([!#$%&\'*+.^_`|~0-9A-Za-z-]+)\*?\s*=\s*("(?:[^"\\]|\\.){0,1000}"|[^;\s]{0,1000})')
# The same where the field has no backslash (nearly always): a quoted value is then a run of one
# character class, which the regex engine reads far faster than a repeated alternation.
PARAM_UNESCAPED: Final = re.compile(r';\s*([!#$%&\'*+.^_`|~0-9A-Za-z-]+)\*?\s*=\s*("[^"\\]{0,1000}"|[^;\s]{0,1000})')
# A header field with its folded continuation lines (RFC 5322 §2.2, §3.6.8 field names).
FIELD: Final = re.compile(r"^([!-9;-~]{1,80})[ \t]*:([^\n]*(?:\n[ \t][^\n]*)*)", re.MULTILINE)
# Where one field ends and the next begins in a header block of fields and their continuations.
FIELD_BREAK: Final = re.compile(r"\n(?![ \t])")
# A field's value after its colon: the rest of its line and its continuation lines.
VALUE: Final = re.compile(r"[^\n]*(?:\n[ \t][^\n]*)*")
# What follows a field's name on its first line.
COLON: Final = re.compile(r"[ \t]*:")
# The longest run of header fields at the start of a header block: it ends at the first line that is
# neither a field's first line nor a continuation, found as the newline before it (a literal the regex
# engine skips to, where matching the run field by field walks every character through a repetition).
FIELD_START: Final = re.compile(r"[!-9;-~]{1,80}[ \t]*:")
NOT_A_FIELD_LINE: Final = re.compile(r"\n(?![ \t]|[!-9;-~]{1,80}[ \t]*:)")
# Charsets that encode non-ASCII text in ASCII bytes (RFC 1468 ISO-2022-JP, RFC 2152 UTF-7, ...).
SEVEN_BIT_CHARSETS: Final = ("iso-2022", "utf-7", "hz-gb")


@dataclass
class Budget:
    """How many more parts one message may still open (shared by all its parts)."""

    parts: int = MAX_PARTS


class Part:
    """One MIME entity: its header block (read into fields on first use) and its (still encoded) body.

    The views below are computed on first use and kept in plain attributes (None: not yet made),
    which compiled code reads as C struct fields (see domain.bounces.native).
    """

    head: str
    body: str
    depth: int
    budget: Budget
    # The fields `get` has unfolded so far (the families' sniffers ask for From again and again).
    _unfolded: dict[str, str]
    _fields: dict[str, list[str]] | None
    _searchable_head: str | None
    _content_type: str | None
    _maintype: str | None
    _params: dict[str, str] | None
    _children: list[Part] | None
    _attached: Part | None
    _attached_read: bool
    _text: str | None
    _lower_text: str | None

    def __init__(self, head: str, body: str, depth: int, budget: Budget) -> None:
        self.head = head
        self.body = body
        self.depth = depth
        self.budget = budget
        self._unfolded = {}
        self._fields = None
        self._searchable_head = None
        self._content_type = None
        self._maintype = None
        self._params = None
        self._children = None
        self._attached = None
        self._attached_read = False
        self._text = None
        self._lower_text = None

    def __repr__(self) -> str:
        return f"Part(head={self.head!r}, body={self.body!r}, depth={self.depth!r})"

    @property
    def fields(self) -> dict[str, list[str]]:
        """Every header field's values as written (still folded), names in lower case.

        Unfolding waits for `get` and `get_all`: most fields (Received, DKIM-Signature) are never read.
        """
        fields = self._fields
        if fields is None:
            fields = self._fields = _read_fields(self.head)
        return fields

    def field(self, name: str) -> str:
        """One field's first value, its white space collapsed to single spaces.

        The head is a header block `read_part` kept only as far as every line is a field or its
        continuation, so the first line that starts with the name and a colon is the field's first
        entry in `fields`. For the one or two fields read from a returned original's header (often
        kilobytes of Received and DKIM-Signature), finding that line in the lower-cased head is
        cheaper than splitting every field out; an ASCII head lower-cases character for character,
        so its positions are the head's own.
        """
        value: str | None
        if self._fields is None and self.head.isascii():
            value = _first_value(self.head, self.searchable_head, name.lower())
        else:
            found = self.fields.get(name.lower())
            value = found[0] if found else None
        return " ".join(value[:MAX_HEADER_VALUE].split()) if value is not None else ""

    @property
    def searchable_head(self) -> str:
        """The head in lower case after a newline (every line then starts after one), for `field`."""
        head = self._searchable_head
        if head is None:
            head = self._searchable_head = "\n" + self.head.lower()
        return head

    def get(self, name: str) -> str:
        """The first value of a header field (unfolded, not decoded), or ''."""
        unfolded = self._unfolded
        value = unfolded.get(name)
        if value is None:
            values = self.fields.get(name)
            value = unfolded[name] = unfold(values[0]) if values else ""
        return value

    def get_all(self, name: str) -> list[str]:
        """Every value of a header field (unfolded), in order."""
        return [unfold(value) for value in self.fields.get(name, ())]

    def decoded(self, name: str) -> str:
        """A header field with its RFC 2047 encoded words decoded, or its raw UTF-8 (RFC 6532) read as such."""
        value = self.get(name)[:MAX_HEADER_VALUE]
        if "=?" not in value:
            return value if value.isascii() else _utf8_or_latin1(value)
        try:
            return str(email.header.make_header(email.header.decode_header(value)))
        except Exception:  # a malformed encoded word costs only its decoding
            return value

    @property
    def content_type(self) -> str:
        """`type/subtype` in lower case; text/plain when absent or unreadable (RFC 2045 §5.2)."""
        value = self._content_type
        if value is None:
            value = self.get("content-type").split(";", 1)[0].strip().lower()
            value = self._content_type = value if "/" in value else "text/plain"
            self._maintype = value.partition("/")[0]  # made with it
        return value

    @property
    def params(self) -> dict[str, str]:
        """The Content-Type parameters, names in lower case, quotes removed."""
        found = self._params
        if found is None:
            found = self._params = _read_params(self.get("content-type"))
        return found

    @property
    def maintype(self) -> str:
        """The part of the content type before the slash."""
        maintype = self._maintype
        if maintype is None:
            maintype = self._maintype = self.content_type.partition("/")[0]
        return maintype

    @property
    def children(self) -> list[Part]:
        """The parts of a multipart entity ([] for any other, or when its boundary is never found)."""
        children = self._children
        if children is None:
            children = self._children = self._read_children()
        return children

    def _read_children(self) -> list[Part]:
        if self.maintype != "multipart" or self.depth >= MAX_DEPTH:
            return []  # decided before the parameters are read: most parts are not multipart
        boundary = self.params.get("boundary", "")
        if not boundary:
            return []
        return _split(self.body, boundary, self.depth + 1, self.budget)

    @property
    def attached(self) -> Part | None:
        """The message inside a message/rfc822 (or message/global) part, read on demand."""
        if not self._attached_read:
            self._attached = self._read_attached()
            self._attached_read = True
        return self._attached

    def _read_attached(self) -> Part | None:
        if self.content_type not in ("message/rfc822", "message/global") or self.depth >= MAX_DEPTH:
            return None
        if self.budget.parts <= 0:
            return None
        self.budget.parts -= 1
        return read_part(self.body, self.depth + 1, self.budget)

    @property
    def is_textual(self) -> bool:
        """A text part, or a multipart one whose boundary was never found (its body is then text)."""
        return self.maintype == "text" or (self.maintype == "multipart" and not self.children)

    @property
    def is_attachment(self) -> bool:
        """Content-Disposition says attachment."""
        return "attachment" in self.get("content-disposition")[:200].lower()

    @property
    def text(self) -> str:
        """The body, transfer-decoded and charset-decoded, at most `MAX_TEXT` characters."""
        text = self._text
        if text is None:
            text = self._text = self._read_text()
        return text

    @property
    def lower_text(self) -> str:
        """`text` in lower case, made once (the body's views and the inline copy's search both read it)."""
        lowered = self._lower_text
        if lowered is None:
            lowered = self._lower_text = self.text.lower()
        return lowered

    def _read_text(self) -> str:
        encoding = self.get("content-transfer-encoding").strip().lower()
        body = self.body
        if encoding == "base64":
            raw = _base64(body[: MAX_TEXT * 2])
        elif encoding == "quoted-printable":
            raw = binascii.a2b_qp(body[: MAX_TEXT * 3].encode("latin-1"))
        else:
            chunk = body[:MAX_TEXT]
            if chunk.isascii() and not self.params.get("charset", "").lower().startswith(SEVEN_BIT_CHARSETS):
                return chunk
            raw = chunk.encode("latin-1")
        return _charset_decode(raw, self.params.get("charset", ""))[:MAX_TEXT].replace("\r\n", "\n")

    def walk(self) -> Iterator[Part]:
        """This part and every part inside it, depth first (not into attached messages).

        A stack rather than nested generators: each part is handed out by one generator, not passed
        up through one per level. A part's children are still read only once it has been handed out.
        """
        stack = [self]
        while stack:
            part = stack.pop()
            yield part
            children = part.children
            if children:
                stack.extend(reversed(children))


def _read_fields(head: str) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    head = head[:-1] if head.endswith("\n") else head
    if not head:
        return fields
    # `read_part` keeps a head only as far as every line is a field's first line or a continuation
    # (`FIELD` then matches at each first line): a field is what lies between two first lines.
    entries: list[str] = FIELD_BREAK.split(head)  # typed str (no groups): compiled, str's own methods
    for entry in entries:
        name, _, value = entry.partition(":")
        fields.setdefault(name.rstrip(" \t").lower(), []).append(value)
    return fields


def _read_params(content_type: str) -> dict[str, str]:
    found: dict[str, str] = {}
    if ";" not in content_type:
        return found  # every parameter follows a semicolon
    content_type = content_type[:MAX_HEADER_VALUE]
    pattern = PARAM if "\\" in content_type else PARAM_UNESCAPED
    for name, value in pattern.findall(content_type):
        found.setdefault(name.lower(), value[1:-1] if value.startswith('"') else value)
    return found


def _first_value(head: str, lowered: str, name: str) -> str | None:
    """The value (still folded) of the first line of `head` naming the field `name` (lower case);
    `lowered` is the head in lower case after a newline (`Part.searchable_head`)."""
    needle = "\n" + name
    position = lowered.find(needle)
    while position >= 0:
        colon = COLON.match(lowered, position + len(needle))
        if colon is not None:
            value = VALUE.match(head, colon.end() - 1)  # matches anywhere (an empty value at least)
            return value.group() if value is not None else ""
        position = lowered.find(needle, position + 1)
    return None


def unfold(value: str) -> str:
    """A field value on one line, at most `MAX_HEADER_VALUE` characters of it (RFC 5322 §2.2.3)."""
    value = value[:MAX_HEADER_VALUE]
    return " ".join(value.split()) if "\n" in value else value.strip()


def read_message(raw: bytes) -> Part:
    """The top-level entity of a raw message (an mbox `From ` line is skipped)."""
    text = raw[:MAX_MESSAGE].decode("latin-1")
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    if text.startswith("From "):
        text = text.partition("\n")[2]
    return read_part(text, 0, Budget())


def read_part(text: str, depth: int, budget: Budget) -> Part:
    """One entity: header fields up to the first blank line (RFC 5322 §2.1), then its body."""
    if text.startswith("\n"):
        return Part("", text[1:], depth, budget)
    end = text.find("\n\n")
    head, body = (text[: min(end, MAX_HEADER)], text[end + 2 :]) if end >= 0 else (text[:MAX_HEADER], "")
    block_end = _header_block_end(head)
    if block_end < len(head):
        # A line that is not a header field: the header block ended without its blank line.
        remainder = head[block_end:]
        head = head[:block_end]
        body = f"{remainder}\n\n{body}" if end >= 0 else remainder + body
    return Part(head, body, depth, budget)


def _header_block_end(head: str) -> int:
    """Where the run of header fields at the start of `head` ends (0 when it does not start with one)."""
    if FIELD_START.match(head) is None:
        return 0
    other = NOT_A_FIELD_LINE.search(head)
    return other.start() + 1 if other is not None else len(head)


def _split(body: str, boundary: str, depth: int, budget: Budget) -> list[Part]:
    """The parts between `--boundary` delimiter lines (RFC 2046 §5.1.1), one scan of the body."""
    delimiter = "\n--" + boundary
    text = "\n" + body
    starts: list[int] = []
    position = text.find(delimiter)
    while position >= 0 and len(starts) <= 2 * budget.parts:
        after = position + len(delimiter)
        line_end = text.find("\n", after)
        line_end = len(text) if line_end < 0 else line_end
        if text[after : after + 1] not in ("", "\n", " ", "\t", "-"):
            position = text.find(delimiter, after)  # a longer boundary that only starts like this one
            continue
        closing = text.startswith("--", after)
        starts.append(position)
        if closing:
            break
        starts.append(line_end + 1)
        position = text.find(delimiter, line_end)
    parts: list[Part] = []
    for index in range(1, len(starts), 2):
        if budget.parts <= 0:
            break
        budget.parts -= 1
        end = starts[index + 1] if index + 1 < len(starts) else len(text)
        parts.append(read_part(text[starts[index] : end], depth, budget))
    return parts


def _utf8_or_latin1(text: str) -> str:
    """Header text read byte for byte as Latin-1: its UTF-8 reading when the bytes are valid UTF-8."""
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def _base64(text: str) -> bytes:
    cleaned = "".join(text.split())
    cleaned = cleaned[: len(cleaned) - len(cleaned) % 4]
    try:
        return binascii.a2b_base64(cleaned)
    except (binascii.Error, ValueError):
        return b""


def _charset_decode(raw: bytes, charset: str) -> str:
    charset = charset.strip().lower() or "utf-8"
    try:
        return raw.decode(charset, "replace")
    except (LookupError, ValueError):
        return raw.decode("utf-8", "replace")
