"""Apache James: subject "[BOUNCE]", a JavaMail Message-ID, "JAMES SMTP Server" in Received; the reply
after "Error message below:", then "Message details:" with the envelope indented under it, one
`  RCPT TO: rcpt` line per failed recipient (James's AbstractNotify mailet)."""

from __future__ import annotations

from typing import Final

from domain.bounces.addresses import first_address
from domain.bounces.family import Family
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice

ERROR: Final = "error message below:"
DETAILS: Final = "message details:"


def sniff(notice: Notice) -> bool:
    """One of James's marks, with its "Error message below:" line."""
    if ERROR not in notice.intro:
        return False
    return (
        notice.subject.strip().endswith("[BOUNCE]")  # also after a forwarder's "Fwd: "
        or ".javamail." in notice.root.get("message-id").lower()
        or "james smtp server" in notice.received
    )


def read(notice: Notice) -> list[Finding]:
    """Each `RCPT TO:` of the details, with the reply written under "Error message below:"."""
    reply: list[str] = []
    found: dict[str, str] = {}
    place = ""
    for line in notice.lines[:400]:
        stripped = line.strip()
        lowered = stripped.lower()
        if lowered == ERROR:
            place = "reply"
        elif lowered == DETAILS:
            place = "details"
        elif place == "reply" and stripped:
            reply.append(stripped)
        elif place == "details" and lowered.startswith("rcpt to:") and (address := first_address(stripped)):
            if address not in notice.own_addresses:
                found.setdefault(address, " ".join(reply))
    return [Finding(address, diagnostic) for address, diagnostic in found.items()]


FAMILY: Family = Family("apachejames", sniff, read)
