"""Assembling generated bounces: the family's text, the RFC 3464 report, the original, in each shape."""

from __future__ import annotations

import random
from collections.abc import Sequence

from tests.domain.bounces.family_texts import DATE, HOST, WRITERS, Person, powermta_category
from tests.domain.bounces.replies import REASONS

FAMILIES = tuple(WRITERS)
# Families whose software also sends an RFC 3464 report (the others write text only).
WITH_REPORT = frozenset(
    {
        "postfix",
        "sendmail",
        "exim",
        "exchange",
        "gmail",
        "domino",
        "courier",
        "messagingserver",
        "aol",
        "messagelabs",
        "outlook",
        "amazonworkmail",
        "powermta",
    }
)
# Families whose text names the recipients but leaves every reply to the report: never without it.
REPORT_ONLY = frozenset({"outlook", "amazonworkmail", "powermta"})
# Families whose layout holds one reply for the whole message (Apache James's "Error message below:",
# MailMarshal's "Could not be delivered because of").
ONE_REPLY = frozenset({"apachejames", "mailmarshal"})
# Families that write delay warnings (the others only report permanent failures).
WITH_DELAYS = frozenset(
    {"postfix", "sendmail", "exim", "gmail", "opensmtpd", "exchange", "courier", "messagingserver", "aol"}
)
# The line after which each family pastes the original into its text.
COPY_MARKERS = {
    "sendmail": "   ----- Original message follows -----",
    "exim": "------ This is a copy of the message, including all the headers. ------",
    "qmail": "--- Below this line is a copy of the message.",
    "gmail": "----- Original message -----",
    "gmx": "--- The header of the original message is following. ---",
}
MAILTRAIL_ID = "0b6c3a52-3f0e-4c36-9d7e-2a8f0c6f1e11"
BOUNDARY = "=_bounce_boundary_4242"
WRAPPER = "=_wrapper_boundary_77"


def shapes_of(family: str) -> tuple[str, ...]:
    """The shapes a family's notifications come in ("wrapped": attached whole by list software that
    could not read it, Mailman's "Uncaught bounce notification")."""
    if family == "amazonses":
        return ("prose",)  # a JSON notification to an SNS subscription: never forwarded nor wrapped
    if family == "verizon":
        return ("prose", "wrapped")  # a gateway's reply with an ordinary subject: never forwarded
    if family == "mailmarshal":
        # Sent under the gateway's own name, not a mail system's: an attachment is read as a bounce only
        # when it comes from a mail system or is a report (test_unfamiliar_formats), so never wrapped.
        return ("prose", "forwarded")
    if family == "powermta":
        return ("multipart", "wrapped")  # its greeting always opens its report (the family's mark)
    if family in REPORT_ONLY:
        return ("dsn", "multipart", "wrapped")
    if family in WITH_REPORT:
        return ("dsn", "prose", "multipart", "forwarded", "wrapped")
    return ("prose", "forwarded", "wrapped")


# Families whose layout names a recipient only in its RCPT command (a session log): a refusal at the
# greeting or at MAIL names no recipient there, so they are given refusals at RCPT and DATA only.
NAMED_AT_RCPT = frozenset({"session_log"})


def reasons_of(family: str) -> list[str]:
    """The reasons a family reports: all permanent ones, the temporary ones where it warns of delays."""
    return [
        r
        for r, spec in REASONS.items()
        if (family in WITH_DELAYS or not spec[1].startswith("4."))
        and (family not in NAMED_AT_RCPT or spec[3] in ("RCPT", "DATA"))
    ]


def original(people: Sequence[Person], bystanders: Sequence[str]) -> str:
    """The returned original's header block (its To: and Cc: name people who did not bounce)."""
    to = ", ".join([p.address for p in people] + list(bystanders[:1]))
    return "\n".join(
        [
            "From: Alice <alice@sender.example>",
            f"To: {to}",
            f"Cc: {', '.join(bystanders[1:])}",
            "Subject: Invoice INV-7",
            f"Date: {DATE}",
            "Message-ID: <inv-7@sender.example>",
            f"X-Mailtrail-Id: {MAILTRAIL_ID}",
            "",
        ]
    )


def delivery_status(people: Sequence[Person], family: str = "") -> tuple[str, str]:
    """(content type, body) of the RFC 3464 report; RFC 6533's global form for non-ASCII addresses
    (PowerMTA adds its bounce category to each recipient's block)."""
    international = any(not p.address.isascii() for p in people)
    kind = "utf-8" if international else "rfc822"
    blocks = [f"Reporting-MTA: dns; {HOST}\nArrival-Date: {DATE}\n"]
    for person in people:
        action = "delayed" if person.status.startswith("4.") else "failed"
        blocks.append(
            f"Original-Recipient: {kind};{person.address}\n"
            f"Final-Recipient: {kind};{person.address}\n"
            f"Action: {action}\n"
            f"Status: {person.status}\n"
            f"Remote-MTA: dns; mx.{person.domain}\n"
            f"Diagnostic-Code: smtp; {person.reply}\n"
            f"Last-Attempt-Date: {DATE}\n"
        )
        if family == "powermta":
            blocks[-1] += f"X-PowerMTA-BounceCategory: {powermta_category(person.reason)}\n"
    ctype = "message/global-delivery-status" if international else "message/delivery-status"
    return ctype, "\n".join(blocks)


def write(family: str, shape: str, people: Sequence[Person], bystanders: Sequence[str], rng: random.Random) -> bytes:
    """The raw bounce: `family`'s notification about `people`, in `shape`."""
    delayed = all(p.status.startswith("4.") for p in people)
    headers, text = WRITERS[family](people, delayed)
    headers = {
        "To": "alice@sender.example",
        "Date": DATE,
        "Message-ID": f"<bounce-{rng.randrange(10**9)}@{HOST}>",
        **headers,
    }
    headers.setdefault("Auto-Submitted", "auto-replied")
    copy = original(people, bystanders)
    if shape == "wrapped":
        inner = write(family, _unwrapped_shape(family), people, bystanders, rng)
        outer = {"From": "club-owner@lists.sender.example", "To": "club-owner@lists.sender.example", "Date": DATE}
        outer["Subject"] = "Uncaught bounce notification"
        note = (
            "The attached message was received as a bounce, but either the bounce format was not recognized,\n"
            "or no member addresses could be extracted from it.\n"
        )
        wrapped = f"--{WRAPPER}\nContent-Type: text/plain\n\n{note}\n--{WRAPPER}\nContent-Type: message/rfc822\n\n"
        body = wrapped + inner.decode("utf-8") + f"\n--{WRAPPER}--\n"
        return _message(outer, f'multipart/mixed; boundary="{WRAPPER}"', body)
    if shape == "prose":
        marker = COPY_MARKERS.get(family)
        body = (
            f"{text}\n{marker}\n\n{copy}\n"
            if marker
            else f"{text}\n{copy}\n"
            if family in ("exchange", "opensmtpd", "dragonfly")
            else text
        )
        return _message(headers, "text/plain; charset=utf-8", body)
    if shape == "forwarded":
        quoted = "\n".join(
            f"> {line}".rstrip() for line in [*(f"{k}: {v}" for k, v in headers.items()), "", *text.split("\n")]
        )
        outer = {"From": "List Owner <listmaster@lists.sender.example>", "To": "alice@sender.example", "Date": DATE}
        outer["Subject"] = f"Fwd: {headers['Subject']}"
        body = f"The bounce below came back for a message you sent to the list.\n\n---------- Forwarded message ----------\n{quoted}\n"
        return _message(outer, "text/plain; charset=utf-8", body)
    status_type, report = delivery_status(people, family)
    lead = "This is a delivery status notification: see the report below.\n" if shape == "dsn" else text
    parts = [("text/plain; charset=utf-8", lead), (status_type, report)]
    parts.append(("message/rfc822", copy + "\nHello.\n") if shape == "multipart" else ("text/rfc822-headers", copy))
    content_type = f'multipart/report; report-type=delivery-status; boundary="{BOUNDARY}"'
    body = "".join(f"--{BOUNDARY}\nContent-Type: {ctype}\n\n{content}\n" for ctype, content in parts)
    return _message(headers, content_type, f"{body}--{BOUNDARY}--\n")


def _unwrapped_shape(family: str) -> str:
    """The shape of the notification list software attaches whole."""
    if family not in WITH_REPORT:
        return "prose"
    return "dsn" if "dsn" in shapes_of(family) else "multipart"


def _message(headers: dict[str, str], content_type: str, body: str) -> bytes:
    lines = [f"{name}: {value}".rstrip() for name, value in headers.items()]
    lines += ["MIME-Version: 1.0", f"Content-Type: {content_type}", "Content-Transfer-Encoding: 8bit"]
    return ("\n".join(lines) + "\n\n" + body).encode("utf-8")
