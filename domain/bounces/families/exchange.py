"""Microsoft Exchange 2007-2019 and Exchange Online (Office 365, Outlook.com): "Delivery has failed to
these recipients or groups:" or "Your message to ... couldn't be delivered.", then "Diagnostic
information for administrators:" with the remote server's reply per recipient; or Office 365's
"Original Message Details" block ("Recipient Address:" lines) with the reply after "Error Details"
("Reported error:"). The codes and replies Microsoft documents for Exchange Online NDRs settle the
reason: their table is shared with the receiving-provider rules, in
`domain.bounces.receivers.exchangeonline`."""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.addresses import ANY_ADDRESS, clean
from domain.bounces.commands import RCPT
from domain.bounces.family import Family, phrase_table, section
from domain.bounces.findings import Finding, status_of
from domain.bounces.notice import Notice
from domain.bounces.receivers import exchangeonline

NDR_HEADERS: Final = ("x-ms-exchange-message-is-ndr", "x-ms-exchange-crosstenant-originalarrivaltime")
SUBJECT: Final = re.compile(
    r"^(?:undeliverable|onbestelbaar|n[ãa]o_entregue|unzustellbar|non remis)\s*:", re.IGNORECASE
)
FAILED_TO: Final = re.compile(
    r"delivery has failed to these recipients or groups|your message to .{1,200} couldn'?t be delivered|"
    r"rejected your message to the following e-?mail addresses|falha na entrega a estes destinat|"
    r"uw bericht kan niet worden bezorgd"
)
FAILED_TO_ANY_CASE: Final = re.compile(FAILED_TO.pattern, re.IGNORECASE)
ADMIN: Final = re.compile(r"^(?:diagnostic information for administrators|error details|diagnostische gegevens)", re.I)
END: Final = re.compile(r"^(?:original message headers|message hops|oorspronkelijke berichtkoppen)", re.IGNORECASE)
ADDRESS_LINE: Final = re.compile(r"(" + ANY_ADDRESS + r")")
ADDRESS_ONLY: Final = re.compile(r"<?" + ANY_ADDRESS + r">?")
REPLY: Final = re.compile(
    r"remote server returned '(.{1,1000}?)'|(#\d{3}[ -].{1,1000}?##?)|^(\d{3} [245]\.\d.{1,1000})$|"
    r"^reported error:\s*(\S.{1,1000})$",
    re.I,
)
# Office 365's "Original Message Details" block names the recipient in a field of its own.
RECIPIENT_FIELD: Final = re.compile(r"^\s*recipient address:\s*(" + ANY_ADDRESS + r")", re.IGNORECASE)
RCPT_SAID: Final = re.compile(r"unknown recipient or mailbox unavailable ->.{0,200}@", re.IGNORECASE)
# Exchange 2007 and later name the component and the error after the code (Microsoft's NDR list).
COMPONENTS: Final = phrase_table(
    {
        "userunknown": (
            "resolver.adr.recipnotfound",
            "resolver.adr.exrecipnotfound",
            "resolver.adr.recipientnotfound",
        ),
        # sisimai 5's Exchange 2007 table (4.x had an invalid SMTP address as an unknown user)
        "systemerror": ("resolver.adr.invalidinsmtp", "resolver.adr.badprimary", "resolver.adr.ambiguous"),
        "toomanyconn": ("resolver.adr.reciplimit",),
        "rejected": ("resolver.rst.notauthorized",),
        "securityerror": ("resolver.rst.authrequired",),
        "mesgtoobig": ("resolver.rst.recipsizelimit", "resolver.rst.sendsizelimit"),
        "expired": ("queue.expired",),
        "hostunknown": ("smtpsend.dns.nonexistentdomain",),
        "networkerror": ("smtpsend.dns.mxloopback",),
    }
)


def sniff(notice: Notice) -> bool:
    """Exchange's NDR header fields, or its subject with its wording."""
    if any(name in notice.root.fields for name in NDR_HEADERS):
        return True
    if SUBJECT.search(notice.lower_subject) and FAILED_TO.search(notice.intro):
        return True
    return "diagnostic information for administrators" in notice.intro and "generating server" in notice.intro


def refine(finding: Finding) -> Finding:
    """Microsoft's documented component errors and codes name the reason; "-> unknown recipient" answers RCPT."""
    code = finding.status
    if not code or code.endswith(".0.0"):
        code = status_of(finding.diagnostic) or code
    hint = COMPONENTS(finding.diagnostic) or exchangeonline.reason_of(code or "", finding.diagnostic.lower())
    command = RCPT if RCPT_SAID.search(finding.diagnostic) else finding.command
    return finding.with_(hint=hint or finding.hint, command=command)


def read(notice: Notice) -> list[Finding]:
    """Recipients after the failure sentence, their replies from the administrators' section."""
    lines = notice.lines
    replies = _replies(section(lines, ADMIN, END))
    addresses: list[str] = []
    sentences = [m.group(0) for m in FAILED_TO.finditer(notice.lower_body)]
    for line in sentences + section(lines, FAILED_TO_ANY_CASE, ADMIN):
        for match in ADDRESS_LINE.finditer(line):
            address = clean(match.group(1))
            if address and address not in addresses and address not in notice.own_addresses:
                addresses.append(address)
    if not addresses:
        addresses = [a for a in replies if a] or _recipient_fields(lines)
    return [refine(Finding(a, replies.get(a) or replies.get("", ""))) for a in addresses]


def _recipient_fields(lines: list[str]) -> list[str]:
    """The addresses of "Recipient Address:" fields (Office 365's "Original Message Details")."""
    found = (RECIPIENT_FIELD.match(line) for line in lines if "ddress:" in line)
    return list(dict.fromkeys(a for a in (clean(m.group(1)) for m in found if m) if a))


def _replies(lines: list[str]) -> dict[str, str]:
    """Each recipient's reply in the administrators' section ('' for one not tied to an address)."""
    replies: dict[str, str] = {}
    current = ""
    for line in lines:
        stripped = line.strip()
        if not stripped or stripped.lower().startswith("generating server"):
            continue
        address = clean(stripped) if ADDRESS_ONLY.fullmatch(stripped) else None
        if address:
            current = address
            continue
        reply = REPLY.search(stripped)
        if reply:
            text = next(g for g in reply.groups() if g)
            replies[current] = f"{replies.get(current, '')} {text}".strip()
    return replies


FAMILY: Family = Family("exchange", sniff, read, refine)
