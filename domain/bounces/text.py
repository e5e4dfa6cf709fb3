"""The human-readable text of a notification: its text parts, HTML flattened, the original cut off."""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.mime import Part

STATUS_TYPES: Final = ("message/delivery-status", "message/global-delivery-status", "text/delivery-status")
ORIGINAL_TYPES: Final = ("message/rfc822", "message/global", "text/rfc822-headers", "message/rfc822-headers")


class LineStarts:
    """A pattern that matches only where a line starts (`^` in MULTILINE mode), searched as the one
    match at the text's start or the first after a newline: the engine then looks for the newline
    before anything else, where `^` would be tried at every character (twice as fast, the same
    first match).

    `first`, when given, is every character a match can begin with: a line beginning with another
    is then passed over on a test of its first character, where the engine would try each of the
    pattern's alternatives on it (tests/domain/bounces/test_text.py checks the set against the pattern).
    """

    def __init__(self, body: str, flags: int = 0, *, first: str = "") -> None:
        self.body = body
        self.first = first
        guard = f"(?=[{re.escape(first)}])" if first else ""
        self.pattern = re.compile(f"^(?:{body})", flags | re.MULTILINE)
        self._at_start = re.compile(f"(?:{body})", flags | re.MULTILINE)
        self._after_newline = re.compile(f"\n{guard}(?:{body})", flags | re.MULTILINE)

    def search(self, text: str) -> tuple[int, int] | None:
        """(start, end) of the first match, or None."""
        match = self._at_start.match(text)
        if match is not None:
            return match.span()
        match = self._after_newline.search(text)
        return (match.start() + 1, match.end()) if match is not None else None

    def remove(self, text: str) -> str:
        """`text` without every match, as `pattern.sub("", text)` gives it for a pattern whose matches
        hold no newline and are never empty (quoting): each match after the first line is found with
        the newline before it, which the replacement puts back."""
        match = self._at_start.match(text)
        if match is not None:
            text = text[match.end() :]
        return self._after_newline.sub("\n", text)


# Lines after which the returned original message starts (Postfix, Exim, qmail, Sendmail, ...).
ORIGINAL_MARKERS: Final = LineStarts(
    r"(?:-+ ?(?:original message|this is a copy|below this line|the original message|message text follows)"
    r"|original message follows|[- ]*original message[- ]*$|--- below this line|content-type: message/rfc822"
    r"|return-path:|received: from|[-| ]*message text follows|-+ ?the header of the original"
    r"|-+ ?original message header|-+ ?unsent message follows|-+ ?(?:returned|original) mail follows"
    r"|below is a copy of the original message|original message headers:?\s*$|message headers follow[.:]?\s*$"
    r"|old message:\s*$)",
    first="-| bcmor",
)
# Quoting (`> `, `>>`) but not an SMTP transcript's `>>> DATA` lines.
QUOTED: Final = LineStarts(r"(?:>(?!>> ) ?)+")
TAG: Final = re.compile(r"<[^<>]{0,2000}>")
BREAK: Final = re.compile(r"<(?:br\s*/?|/p|/div|/tr|/li|/h\d)>", re.IGNORECASE)
ENTITIES: Final = {"&lt;": "<", "&gt;": ">", "&nbsp;": " ", "&amp;": "&", "&quot;": '"', "&#39;": "'", "&#160;": " "}
MAX_BODY: Final = 64 * 1024


def html_to_text(html: str) -> str:
    """Text of an HTML part: line breaks kept, tags, styles and scripts dropped, entities decoded."""
    text = BREAK.sub("\n", _without_hidden(html))
    text = TAG.sub(" ", text)
    for entity, char in ENTITIES.items():
        text = text.replace(entity, char)
    return text


def _without_hidden(html: str) -> str:
    """The HTML without its <head>, <style> and <script> elements (each tag searched forward once)."""
    lowered = html.lower()
    kept: list[str] = []
    position = 0
    upcoming = {tag: lowered.find(f"<{tag}") for tag in ("head", "style", "script")}
    while True:
        for tag, at in upcoming.items():
            if 0 <= at < position:
                upcoming[tag] = lowered.find(f"<{tag}", position)
        found = [(at, tag) for tag, at in upcoming.items() if at >= 0]
        if not found:
            kept.append(html[position:])
            return " ".join(kept)
        start, tag = min(found)
        kept.append(html[position:start])
        end = lowered.find(f"</{tag}", start)
        if end < 0:
            return " ".join(kept)
        close = lowered.find(">", end + len(tag) + 2)
        if close < 0:
            return " ".join(kept)
        position = close + 1


def part_text(part: Part) -> str:
    """A leaf's text, HTML flattened."""
    return html_to_text(part.text) if part.content_type == "text/html" else part.text


def body_text(root: Part) -> str:
    """The notification's own words: text parts before the report and the original, the original cut off."""
    return body_views(root)[0]


def body_views(root: Part) -> tuple[str, str]:
    """`body_text` and the same in lower case, cut from the lower-cased text the marker search needed
    anyway. The cut is only made where lower-casing kept every character's position, at a line's
    start: what comes before it lower-cases the same alone, as the one character whose lower case
    looks ahead (a final sigma) looks no further than the newline before the cut."""
    texts: list[str] = []
    read: list[Part] = []  # the parts `texts` came from
    seen_plain = False
    size = 0
    for part in root.walk():
        ctype = part.content_type
        if ctype in ORIGINAL_TYPES or ctype in STATUS_TYPES:
            break
        if not part.is_textual:
            continue
        if texts and part.is_attachment:
            break
        if ctype == "text/html" and seen_plain:
            continue
        seen_plain = seen_plain or ctype == "text/plain"
        texts.append(part_text(part))
        read.append(part)
        size += len(texts[-1])
        if size > MAX_BODY:
            break
    body = "\n".join(texts)[:MAX_BODY]
    if body.count("\n>") > 4:  # a forwarded notification, quoted: read it as it was written
        body = QUOTED.remove(body)
    # One plain part read whole is the body itself: its lower-cased text, made once, is the body's.
    lowered = read[0].lower_text if len(read) == 1 and body is read[0].text else body.lower()
    marker = ORIGINAL_MARKERS.search(lowered) if len(lowered) == len(body) else None
    if not (marker and marker[0] > 40):
        return body, lowered
    return body[: marker[0]], lowered[: marker[0]]


def all_text(root: Part) -> str:
    """Every leaf's text and every status part, decoded (for where the MIME structure is broken)."""
    texts: list[str] = []
    for part in root.walk():
        if part.children:
            continue
        if part.is_textual or part.content_type in STATUS_TYPES:
            texts.append(part_text(part))
        if sum(len(t) for t in texts) > 4 * MAX_BODY:
            break
    return "\n".join(texts)
