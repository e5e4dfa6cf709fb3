"""Recognising automatic replies (RFC 3834 and the vendor headers that predate it).

An automatic reply is kept apart from a human one: it proves the address exists, not that a
person read the email.
"""

from __future__ import annotations

import email.parser
import email.policy
import re

# The default policy decodes RFC 2047 encoded-words, which is how a non-ASCII subject travels.
_HEADERS = email.parser.BytesHeaderParser(policy=email.policy.default)
OOO_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto(matische)? ?(reply|antwort)|auto:|out of (the )?office|abwesenheitsnotiz|"
    r"r[ée]ponse automatique|absence|vacation|on vacation|away from)",
    re.IGNORECASE,
)
CHALLENGE_SUBJECT = re.compile(
    r"(please confirm|verify|confirm) (your|that you).*(email|message|sender)", re.IGNORECASE
)


def auto_reply_kind(raw: bytes) -> str | None:
    """`out-of-office`, `vacation`, `challenge-response` or `auto-replied` for automatic mail; None otherwise.

    Delivery reports (Auto-Submitted: auto-replied from MAILER-DAEMON with a delivery-status
    report) are the bounce parser's business, so they are not classified here.
    """
    headers = _HEADERS.parsebytes(raw)
    content_type = (headers.get("Content-Type") or "").lower()
    if "report-type=delivery-status" in content_type.replace(" ", "").replace('"', ""):
        return None
    subject = str(headers.get("Subject") or "")
    auto_submitted = str(headers.get("Auto-Submitted") or "").strip().lower()
    if headers.get("X-Autoreply") or headers.get("X-Autorespond") or headers.get("X-Vacation"):
        return "vacation" if "vacation" in subject.lower() else "out-of-office"
    if (
        headers.get("X-MS-Exchange-Inbox-Rules-Loop")
        or "oof" in str(headers.get("X-Auto-Response-Suppress") or "").lower()
    ):
        if OOO_SUBJECT.search(subject):
            return "out-of-office"
    if headers.get("X-Challenge") or headers.get("X-Boxtrapper") or headers.get("X-Spamarrest-Noauth"):
        return "challenge-response"
    if auto_submitted and auto_submitted != "no":
        if OOO_SUBJECT.search(subject):
            return "vacation" if "vacation" in subject.lower() else "out-of-office"
        return "auto-replied"
    precedence = str(headers.get("Precedence") or "").strip().lower()
    if precedence == "auto_reply":
        return "auto-replied"
    if OOO_SUBJECT.search(subject) and precedence in ("bulk", "junk", "list", ""):
        return "vacation" if "vacation" in subject.lower() else "out-of-office"
    if CHALLENGE_SUBJECT.search(subject):
        return "challenge-response"
    return None
