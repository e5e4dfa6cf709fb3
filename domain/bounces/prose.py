"""Recipients in the prose of a notification: addresses where bounce formats put a failed recipient.

Most MTAs write each failed recipient at the start of a line (`<a@b>:`, `a@b ... reason`,
`a@b: reason`), alone on a line after an introduction ("The following addresses failed:"), or
after a keyword (`RCPT TO:<a@b>`, "Your message to a@b"), and the error right after it. This module
finds those (strong candidates, each with the text after it as its diagnostic) and every other
address (weak ones, used only when nothing else is there). Lines are cut at `MAX_LINE` and every
pattern is anchored or starts at a keyword, so a scan is linear in the body.
"""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.addresses import ANY_ADDRESS, clean, find_addresses, local_part
from domain.bounces.codes import ENHANCED, REPLY
from domain.bounces.findings import Finding
from domain.bounces.notice import DAEMON, Notice
from domain.bounces.wording import gated, says

MAX_LINE: Final = 1000
RULE: Final = re.compile(r"^[=\-_*#~]{4,}$")
RULE_CHARS: Final = frozenset("=-_*#~")
MAX_RESOLVED: Final = 20
_A = ANY_ADDRESS
_ADDR = r"[\"'<(\[]{0,3}(" + _A + r")[\"'>)\]]{0,3}"
ALONE: Final = re.compile(
    r"\s{0,40}(?:\d{1,3}[).]\s{0,5}|[*\u2022-]\s{1,5})?"
    + _ADDR
    # a comment in brackets, which may hold brackets itself (McAfee's "(550 5.1.2 ... (Name server: ...))");
    # possessive, so it never backtracks (lines are cut at MAX_LINE)
    + r"\s{0,40}(?:\(((?:[^()]++|\([^()]{0,200}\))*+)\)|<[^>]{0,200}>)?\s{0,40}[:.,;]{0,3}\s{0,40}$"
)
ANGLE_COLON: Final = re.compile(r"\s{0,40}<(" + _A + r")>(?:\s{0,10}\([^()]{0,200}\))?\s{0,10}:+\s{0,10}(.*)$")
SENDMAIL_DOTS: Final = re.compile(
    r"\s{0,40}(?:\d{3}[ -](?:[245]\.\d{1,3}\.\d{1,3}\s{1,5})?)?" + _ADDR + r"\s{0,10}\.\.\.\s{0,10}(.*)$"
)
ADDRESS_LEAD: Final = re.compile(r"\s{0,40}" + _ADDR + r"\s{0,10}(?::|-{1,2}>?|=>)\s{1,10}(\S.*)$")
# `address [reply]`: the reply in brackets after the address (a sendmail-derived gateway's list).
ADDRESS_BRACKET: Final = re.compile(r"\s{0,40}" + _ADDR + r"\s{1,10}\[([^\]\n]{1,900})\]\s*$")
# A Sendmail transcript's next host: a new recipient's session begins there.
TALKING: Final = re.compile(r"\s{0,10}\.\.\. while talking to ")
LEADING: Final = re.compile(r"\s{0,40}" + _ADDR + r"(\s.*)?$")
# What every line-start position above begins with: an address after the indent, a list number or
# bullet, or a reply code. A line without it is none of them, which one match settles (most lines
# with an `@` in prose mention an address in passing). A new line-start position must begin with
# one of these too, or be added here.
LINE_START_ADDRESS: Final = re.compile(
    r"\s{0,40}(?:\d{1,3}[).]\s{0,5}|[*\u2022-]\s{1,5}|\d{3}[ -](?:[245]\.\d{1,3}\.\d{1,3}\s{1,5})?)?" + _ADDR
)
# Matched on lower-cased lines (case-insensitive matching is several times slower).
KEYWORD: Final = re.compile(
    r"(?:rcpt to:?|recipient(?: address)?:|rejected recipient|recipient address rejected:?|could not be delivered to:?|"
    r"delivery to(?: the following recipient)?(?: failed)?:?|message to:?|addressed to|delivered to|"
    r"original-recipient:|final-recipient:|failed recipient:?|not a member of this [a-z ]{0,40}list|"
    r"user|mailbox|address)\s{0,10}(?:rfc822;\s{0,5})?(?:\[smtp:(?=[^\]\n]{1,300}\]))?" + _ADDR,
)
CODE_LINE: Final = re.compile(r"\s{0,40}[45]\d\d[ -][^\n]{0,200}?(?<![\w.!#$%&'*+/=?^`{|}~-])(" + _A + r")")
LIST_INTRO: Final = re.compile(r"(?:recipient|address|following|user|destinataire|empf[äa]nger)[^\n]{0,200}:\s*$")
REPLY_FIRST: Final = re.compile(r"\s*[245]\d\d[ -]")
# Header fields of a header block pasted into the text whose addresses are never bounced recipients:
# message ids (`<...@...>` names a message, not a mailbox) and the returned message's author.
NOT_RECIPIENT_FIELDS: Final = re.compile(
    r"^[ \t]*(?:message-id|in-reply-to|references|content-id|resent-message-id|"
    r"from|sender|reply-to|return-path|resent-from|resent-sender|errors-to)[ \t]*:[^\n]*(?:\n[ \t]+[^\n]*)*",
    re.MULTILINE | re.IGNORECASE,
)
# A bare local part alone on its line, or followed by its reason in brackets ("fran (user not found)").
BARE_LOCAL: Final = re.compile(r"\s{1,40}([A-Za-z0-9][A-Za-z0-9._%+-]{0,63})(?:\s{1,10}(\([^()\n]{1,200}\)))?\s*$")


def has_code(text: str) -> bool:
    """Does `text` hold an SMTP reply code or an enhanced status code?"""
    return ENHANCED.search(text) is not None or REPLY.search(text) is not None


def block_after(lines: list[str], index: int, first: str, *, span: int = 16) -> str:
    """The diagnostic after a recipient line: the rest of it and the lines up to a blank one.

    When that paragraph has no reply code, following paragraphs are added up to the first one that
    has one (Gmail, Exchange, X-mailers: "The response from the remote server was:" or "Technical
    details:" and the reply a paragraph or two later). Rules of `=` or `-` are skipped.
    """
    own_line = lines[index]
    indent = len(own_line) - len(own_line.lstrip())
    # The recipient line's own address and shape matter only once a later line holds an `@`: most
    # diagnostics have none, and reading them is a good part of the work here.
    current: str | None = None
    parallel: bool | None = None
    paragraphs: list[list[str]] = [[first.strip()] if first.strip() else []]
    for line in lines[index + 1 : index + span]:
        line = line[:MAX_LINE]
        stripped = line.strip()
        if stripped[:1] in RULE_CHARS and RULE.match(stripped):
            continue
        if not stripped:
            if paragraphs[-1]:
                if len(paragraphs) == 3 or (len(paragraphs) > 1 and has_code(" ".join(paragraphs[-1]))):
                    break
                paragraphs.append([])
            continue
        if "@" in line:
            if parallel is None:
                current = _first_clean(own_line)
                parallel = LEADING.match(own_line[:MAX_LINE]) is not None
            if len(line) - len(line.lstrip()) <= indent and _starts_another(line, current):
                break
            if parallel and _parallel(line, indent, current):
                break  # the next line of a list of `address reply` lines (Zoho's)
        if stripped[:3] == "..." and TALKING.match(line) and has_code(" ".join(paragraphs[-1])):
            break  # the next host's transcript, once this recipient's reply is read
        paragraphs[-1].append(stripped)
    text = " ".join(paragraphs[0])
    if has_code(text):
        return text
    for later in paragraphs[1:]:
        joined = " ".join(later)
        text = f"{text} {joined}".strip()
        if has_code(joined):
            return text
    first = " ".join(paragraphs[0])
    if first.endswith(":") and len(paragraphs) > 1:
        return f"{first} {' '.join(paragraphs[1])}".strip()  # "For the following reason:" and the reason
    return first if len(paragraphs) > 1 else text


def _starts_another(line: str, current: str | None) -> bool:
    """Is `line` the next recipient's line (a recipient position naming another address)?"""
    if REPLY_FIRST.match(line):
        return False  # a reply that names an address ("550 5.1.8 <sender>... rejected")
    if LINE_START_ADDRESS.match(line) is not None:
        for pattern in (ANGLE_COLON, ALONE, SENDMAIL_DOTS, ADDRESS_LEAD, ADDRESS_BRACKET):
            match = pattern.match(line)
            if match is not None:
                return clean(match.group(1)) != current
    match = KEYWORD.search(line.lower())  # "rejected recipient <b@c>", "Your message to b@c ..."
    return match is not None and clean(match.group(1)) != current


def _parallel(line: str, indent: int, current: str | None) -> bool:
    """Is `line`, under a recipient line that began with its address, a line at the same indent
    beginning with another address (the next entry of the same list)?"""
    if len(line) - len(line.lstrip()) != indent:
        return False
    match = LEADING.match(line[:MAX_LINE])
    return match is not None and clean(match.group(1)) != current


def _first_clean(line: str) -> str | None:
    found = find_addresses(line[:MAX_LINE])
    return clean(found[0]) if found else None


def scan(notice: Notice, lines: list[str] | None = None) -> list[Finding]:
    """Recipients in bounce-format positions, each with the diagnostic written after it."""
    lines = notice.lines if lines is None else lines
    strong: dict[str, str] = {}
    resolved = 0
    previous = ""
    under = -1  # the indent of the last recipient line while its indented diagnostic follows
    for index, raw_line in enumerate(lines):
        if not raw_line or raw_line.isspace():
            continue
        line = raw_line[:MAX_LINE]
        if under >= 0:
            if len(line) - len(line.lstrip()) > under:
                previous = line
                continue  # a line of the previous recipient's diagnostic, not a recipient
            under = -1
        if "@" not in line:
            if resolved < MAX_RESOLVED and line[:1].isspace() and previous.rstrip().endswith(":"):
                bare = BARE_LOCAL.match(line)
                if bare and LIST_INTRO.search(previous.lower()) and not bare.group(1)[:1].isdigit():
                    resolved += 1
                    address = resolve_local(notice, bare.group(1))
                    if address:
                        strong.setdefault(address, block_after(lines, index, bare.group(2) or ""))
            previous = line
            continue
        found = _position(line, previous)
        introduction, previous = previous, line
        if found is None:
            continue
        address, rest, own_ok = found
        cleaned = clean(address)
        if cleaned is None or cleaned in notice.sender_addresses or cleaned in notice.list_addresses:
            continue
        if not own_ok and cleaned in notice.own_addresses:
            continue
        diagnostic = block_after(lines, index, rest) or _aside(line) or _introduction(introduction)
        under = len(line) - len(line.lstrip())
        if cleaned not in strong or (not has_code(strong[cleaned]) and has_code(diagnostic)):
            strong[cleaned] = diagnostic
    return [Finding(email, diagnostic) for email, diagnostic in strong.items()]


def _position(line: str, previous: str) -> tuple[str, str, bool] | None:
    """(address, rest of the line, may it be the notice's own address) for a recipient position."""
    if LINE_START_ADDRESS.match(line) is None:
        return _mention(line)
    if (match := ANGLE_COLON.match(line)) is not None:
        return match.group(1), match.group(2), True
    if (match := ALONE.match(line)) is not None:
        return match.group(1), "", True
    if (match := SENDMAIL_DOTS.match(line)) is not None:
        return match.group(1), line, not REPLY_FIRST.match(line)
    if (match := ADDRESS_LEAD.match(line)) is not None:
        return match.group(1), match.group(2), True
    if (match := ADDRESS_BRACKET.match(line)) is not None and has_code(match.group(2)):
        return match.group(1), match.group(2), True
    if LIST_INTRO.search(previous.lower()) and (match := LEADING.match(line)) is not None:
        return match.group(1), match.group(2) or "", True
    if (match := LEADING.match(line)) is not None and match.group(2) and has_code(match.group(2)):
        return match.group(1), match.group(2), True  # `address reply` (Zoho's list)
    return _mention(line)


def _mention(line: str) -> tuple[str, str, bool] | None:
    """An address after a keyword ("RCPT TO:<a@b>", "message to a@b") or a reply code on the line."""
    if (match := KEYWORD.search(line.lower())) is not None or (match := CODE_LINE.match(line)) is not None:
        return match.group(1), line, False
    return None


def _introduction(line: str) -> str:
    """The line introducing a list of recipients, as the diagnostic of one about whom nothing else is
    said ("... could not be delivered because they are not accepting mail from you:")."""
    return line.strip() if LIST_INTRO.search(line.lower()) else ""


def _aside(line: str) -> str:
    """The bracketed words after a recipient alone on its line, when nothing follows it and they give
    a reply code or a reason's words: McAfee's and Sendmail's `<rcpt>   (User unknown rcpt)`, not a
    display name (`<rcpt> (Bob Example)`)."""
    match = ALONE.match(line)
    aside = (match.group(2) or "") if match is not None else ""
    if not aside or has_code(aside):
        return aside
    lowered = aside.lower()
    candidates = gated(lowered)
    return aside if any(says(reason, lowered, candidates) for reason in candidates) else ""


def weak_addresses(notice: Notice, strong: set[str]) -> list[str]:
    """Addresses in the body outside bounce-format positions (not the notice's own, a daemon's, a list's,
    nor a pasted header block's ids and author: `Message-ID: <id@host>` names a message, not a mailbox,
    and `From: sender` wrote the returned message; silencing either would be wrong)."""
    weak: list[str] = []
    for address in find_addresses(NOT_RECIPIENT_FIELDS.sub("", notice.unquoted_body)):
        lowered = clean(address)
        if not lowered or lowered in notice.own_addresses or lowered in strong or lowered in weak:
            continue
        if DAEMON.search(local_part(lowered)) or lowered.startswith("postmaster@") or lowered in notice.list_addresses:
            continue
        weak.append(lowered)
    return weak


def resolve_local(notice: Notice, local: str) -> str | None:
    """The full address of a bare local part: X-Failed-Recipients, the text, else the sender's domain."""
    local = local.lower()
    for address in notice.failed_header + find_addresses(notice.full_text):
        cleaned = clean(address)
        if cleaned and local_part(cleaned) == local and cleaned not in notice.sender_addresses:
            return cleaned
    domains = sorted(a.rpartition("@")[2] for a in notice.sender_addresses)
    return f"{local}@{domains[0]}" if domains else None


def diagnostic_near(lowered_text: str, text: str, address: str) -> str:
    """The line of an address's first mention in the text and the lines after it (up to 600
    characters, up to a line that begins with another address): what is said before the address on its
    line counts ("User's mailbox is full: <a@b>")."""
    index = lowered_text.find(address)
    if index < 0:
        return ""
    index = max(lowered_text.rfind("\n", max(0, index - 200), index) + 1, index - 200)
    lines = [line.strip() for line in text[index : index + 600].split("\n")[:6] if line.strip()]
    for position, line in enumerate(lines[1:], 1):
        match = LEADING.match(line)
        if match is not None and clean(match.group(1)) != clean(address):
            lines = lines[:position]  # the next line of a list of `address reply` lines (Zoho's)
            break
    return " ".join(lines)
