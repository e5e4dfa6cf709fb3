"""Finding and cleaning email addresses in bounce text, in time linear in the text's length.

A pattern like `[chars]+@domain` is quadratic on a long run of address characters without an `@`:
the regex engine retries the run from every one of its characters (80,000 letters took 26 s).
Here a match may only start where the run starts (a look-behind for a non-address character),
the local part is bounded at 64 characters and a domain label at 63 (RFC 5321 §4.5.3.1), so each
character is looked at a bounded number of times. Quoted local parts (`"a b"@example.com`,
RFC 5321 §4.1.2) are found from their `"@` and read backwards, so a text full of quotes costs no
more than one pass either.
"""

from __future__ import annotations

import re
from typing import Final

LOCAL_CHARS: Final = r"\w.!#$%&'*+/=?^`{|}~-"
LABEL: Final = r"[^\W_](?:[\w-]{0,61}[^\W_])?"
DOMAIN: Final = rf"(?:{LABEL}\.){{1,10}}[^\W\d_][\w-]{{0,62}}(?![\w-])"
# The look-behind follows the first character (the same condition on the character before it): a
# pattern that starts with a character class lets the engine skip to the next candidate start.
ADDRESS: Final = re.compile(rf"[{LOCAL_CHARS}](?<![{LOCAL_CHARS}][{LOCAL_CHARS}])[{LOCAL_CHARS}]{{0,63}}@{DOMAIN}")
# An address whose local part may be quoted (RFC 5321 §4.1.2), for patterns anchored at a position.
ANY_ADDRESS = r'(?:"(?:[^"\\\r\n]|\\.){1,64}"@' + DOMAIN + "|" + ADDRESS.pattern + ")"
DOMAIN_AT: Final = re.compile(DOMAIN)
# Local parts that are really Message-IDs, queue ids or hashes (never a person's mailbox).
MESSAGE_ID_LOCAL: Final = re.compile(
    r"^[0-9a-f]{6,}\.[0-9a-f.]{6,}$|^[0-9a-f]{20,}$|^\d{12,}\.|\$|^[0-9a-f]{8}-[0-9a-f]{4}-", re.IGNORECASE
)
# Prefixes some MTAs write before the address itself (Exchange `smtp=`, `SMTP:`, RFC 3464 `rfc822;`).
PREFIX: Final = re.compile(r"^(?:smtp|rfc822|sip|mailto|to|x400)[=:;]\s*", re.IGNORECASE)
PREFIX_STARTS: Final = ("smtp", "rfc822", "sip", "mailto", "to", "x400")  # checked first: cheaper than the pattern
HEX_DIGITS: Final = frozenset("0123456789abcdefABCDEF")  # every MESSAGE_ID_LOCAL but `$` starts with one
# MESSAGE_ID_LOCAL's alternatives anchored at the start, matched there only (a search would try every
# position for them all); the `$` one is a substring test.
MESSAGE_ID_START: Final = re.compile(
    r"[0-9a-f]{6,}\.[0-9a-f.]{6,}$|[0-9a-f]{20,}$|\d{12,}\.|[0-9a-f]{8}-[0-9a-f]{4}-", re.IGNORECASE
)
MIN_ID_LOCAL: Final = 13  # the shortest a MESSAGE_ID_START match can be (`123456789012.`)
# Exchange wraps foreign addresses as IMCEASMTP-user+40example+2Ecom@server (the "IMCEA" encoding).
IMCEA: Final = re.compile(r"^imcea[a-z]*-(.+)$", re.IGNORECASE)
HEX: Final = re.compile(r"\+([0-9a-fA-F]{2})")
MAX_FOUND: Final = 2000
MAX_LOCAL: Final = 64  # RFC 5321 §4.5.3.1.1
MAX_DOMAIN: Final = 10 * 64 + 63  # what DOMAIN can match: ten labels and their dots, then the top-level label
REACH: Final = MAX_DOMAIN + 3 + MAX_LOCAL + 2  # an @ this close to the last one has a stretch that overlaps
MAX_QUOTED: Final = 200


def find_addresses(text: str) -> list[str]:
    """Every address-like string in `text`, in order of appearance (raw, not cleaned)."""
    first_at = text.find("@")
    if first_at < 0:
        return []  # every address, quoted or not, has an @
    found: list[str] = []
    if first_at <= MAX_LOCAL + 1 and len(text) <= MAX_DOMAIN + 3:
        found = ADDRESS.findall(text)  # `windows` is the whole text, too short for MAX_FOUND addresses
    else:
        for start, end in windows(text):
            for match in ADDRESS.finditer(text, start, end):
                found.append(match.group(0))
                if len(found) >= MAX_FOUND:
                    break
            if len(found) >= MAX_FOUND:
                break
    if '"@' in text:
        found.extend(_quoted(text))
    return found


def windows(text: str) -> list[tuple[int, int]]:
    """The stretches of `text` an address can lie in: around each `@`, the overlapping ones merged.

    An address starts at most `MAX_LOCAL + 1` characters before its `@` and ends at most
    `MAX_DOMAIN` after it, so the pattern need not read the rest (a long text with a few
    addresses). A stretch ends a few characters past the longest domain, so the pattern's
    look-ahead still sees the real next character; the look-behind sees before a stretch anyway.
    """
    found: list[tuple[int, int]] = []
    at = text.find("@")
    while at >= 0:
        last = at
        while (farther := text.rfind("@", last + 1, last + REACH)) >= 0:
            last = farther  # the next @'s stretch would overlap this one: one stretch for both
        end = min(last + MAX_DOMAIN + 3, len(text))
        found.append((max(at - MAX_LOCAL - 1, 0), end))
        at = text.find("@", end)
    return found


def first_address(text: str) -> str | None:
    """The first address in `text`, cleaned (a quoted local part wins when it comes first)."""
    quoted = _quoted(text, 1) if '"@' in text else []
    match = ADDRESS.search(text)
    if quoted and (match is None or text.find(quoted[0]) <= match.start()):
        return clean(quoted[0])
    return clean(match.group(0)) if match else None


def _quoted(text: str, limit: int = MAX_QUOTED) -> list[str]:
    found: list[str] = []
    position = text.find('"@')
    while position >= 0 and len(found) < limit:
        opening = text.rfind('"', max(0, position - 66), position)
        domain = DOMAIN_AT.match(text, position + 2)
        if opening >= 0 and domain is not None and "\n" not in text[opening:position]:
            found.append(text[opening : position + 2] + domain.group(0))
        position = text.find('"@', position + 2)
    return found


def clean(value: str) -> str | None:
    """A lower-case address without brackets, quotes or MTA prefixes; None for what is not one."""
    address = value.strip().lstrip("<([`',;: ")
    if address[:7].lower().startswith(PREFIX_STARTS):
        address = PREFIX.sub("", address)
    address = address.rstrip(">)]`',;:.\" ")
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return None
    if not local.startswith('"'):
        local = local.lstrip("'`\".").strip()
        wrapped = IMCEA.match(local) if local[:5].lower() == "imcea" else None
        if wrapped:
            inner = HEX.sub(lambda m: chr(int(m.group(1), 16)), wrapped.group(1))
            if "@" in inner:
                return clean(inner)
    if (
        not local
        or "$" in local
        or (len(local) >= MIN_ID_LOCAL and local[0] in HEX_DIGITS and MESSAGE_ID_START.match(local))
    ):
        return None
    return f"{local}@{domain}".lower()


def local_part(address: str) -> str:
    """What comes before the last `@`."""
    return address.rpartition("@")[0]


def domain_of(address: str) -> str:
    """What comes after the last `@`."""
    return address.rpartition("@")[2]
