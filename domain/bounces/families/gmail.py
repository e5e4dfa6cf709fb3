"""Gmail and Google Workspace: "Delivery Status Notification (Failure|Delay)" from
mailer-daemon@googlemail.com, in two generations of wording: "Delivery to the following recipient
failed permanently:" and "Your message wasn't delivered to ... because ...", the remote server's
reply after "The response from the remote server was:"; older ones end with "(state N)"."""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.addresses import ANY_ADDRESS, clean
from domain.bounces.codes import status_in
from domain.bounces.family import Family, phrase_table
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice
from domain.bounces.statuses import status_reason

SENDER: Final = re.compile(r"mailer-daemon@(?:googlemail|google)\.com|@google\.com>?\s*$", re.IGNORECASE)
ADDRESSED: Final = re.compile(
    r"(?:wasn'?t delivered to|couldn'?t be delivered to|could not be delivered to|delivering your message to|"
    r"message to|problem delivering your message to)\s+<?(" + ANY_ADDRESS + r")"
)
INTRO: Final = re.compile(r"delivery to the following recipients? (?:failed|has been delayed|was)")
DELAYED: Final = re.compile(r"has been delayed|message delayed|temporary problem|will retry|will be retried")
STATE: Final = re.compile(r"\(state (\d{1,2})\)")
# The "(state N)" of the older notices: the SMTP step and reason Gmail's own table gives each state.
STATES: Final = {
    "6": ("MAIL", "systemerror"),
    "8": ("AUTH", "systemerror"),
    "9": ("AUTH", "systemerror"),
    "12": ("AUTH", "norelaying"),
    "13": ("EHLO", "blocked"),
    "14": ("RCPT", "userunknown"),
    "15": ("DATA", "filtered"),
    "17": ("DATA", "filtered"),
    "18": ("DATA", "filtered"),
}
MESSAGES: Final = phrase_table(
    {
        # G Suite's resolver reports (sisimai 5's GSuite table) come before the older DNS wording
        # they contain: "DNS type 'mx' lookup of x responded with code NXDOMAIN Domain name not found".
        "networkerror": ("had no relevant answers", "responded with code nxdomain"),
        "notaccept": ("null mx",),
        "expired": (
            "dns error: could not contact dns servers",
            "delivery to the following recipient has been delayed",
            "the recipient server did not accept our requests to connect",
        ),
        "hostunknown": ("dns error: domain name not found", "dns error: dns server returned answer with no data"),
        # Gmail's own sentences in its current notices.
        "userunknown": ("because the address couldn't be found", "the address couldn't be found"),
    }
)


def sniff(notice: Notice) -> bool:
    """From Google's mailer-daemon, with a Delivery Status Notification subject."""
    return "delivery status notification" in notice.lower_subject and bool(SENDER.search(notice.root.get("from")))


def refine(finding: Finding) -> Finding:
    """The "(state N)" table, else the DNS and delay messages; a specific status code then decides.
    A report's class-only status (5.0.0) gives way to the remote server's own code (G Suite relaying:
    "550 #5.1.0 Address rejected.")."""
    finding = _specific_status(finding)
    state = STATE.search(finding.diagnostic)
    command, hint = STATES.get(state.group(1), (None, None)) if state else (None, None)
    hint = hint or MESSAGES(finding.diagnostic)
    if hint:
        code = finding.status or status_in(finding.diagnostic)
        if code and ".0" not in code[1:4]:
            hint = status_reason(code) or hint
    return finding.with_(command=finding.command or command, hint=hint)


def _specific_status(finding: Finding) -> Finding:
    if finding.status not in ("5.0.0", "4.0.0"):
        return finding
    said = status_in(finding.diagnostic)
    if said and said[0] == finding.status[0] and not said.endswith(".0.0"):
        return finding.with_(status=said)
    return finding


def read(notice: Notice) -> list[Finding]:
    """The addresses the notice names, each with everything the notice says after it."""
    body = notice.unquoted_body
    lowered = body.lower()
    addresses: list[str] = []
    starts: list[tuple[int, str]] = []  # where each recipient's sentence starts, so a block ends before the next
    for match in ADDRESSED.finditer(lowered):
        address = clean(match.group(1))
        if address and address not in addresses and address not in notice.own_addresses:
            addresses.append(address)
            starts.append((match.start(), address))
    intro = INTRO.search(lowered)
    if intro:
        for line in lowered[intro.end() :].split("\n")[1:12]:
            stripped = line.strip()
            if stripped and "@" in stripped and " " not in stripped:
                address = clean(stripped)
                if address and address not in addresses:
                    addresses.append(address)
                    starts.append((max(lowered.find(address), 0), address))
            elif stripped and addresses:
                break
    if not addresses:
        starts = [(max(lowered.find(a), 0), a) for a in notice.failed_header]
    delayed = bool(DELAYED.search(notice.lower_subject + " " + lowered[:2000]))
    starts = sorted(starts[:100])
    found = []
    for index, (start, address) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(body)
        diagnostic = " ".join(body[start : max(end, start)].split())[:1000]
        found.append(refine(Finding(address, diagnostic, action="delayed" if delayed else "failed")))
    return found


FAMILY: Family = Family("gmail", sniff, read, refine)
