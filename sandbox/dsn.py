"""Mail that comes back: the emulator's delivery rules for recipients that cannot be reached.

Rules (documented in sandbox/README.md):
- any address in a `.invalid` domain: a permanent failure, 5.1.1 "The email account that you tried
  to reach does not exist", like Gmail's own DSN (gmail-api.md §8);
- local part starting `full+`: a permanent failure, 5.2.2 mailbox full;
- local part starting `delay+`: a delay notice (Action: delayed, Status 4.4.7), no failure;
- local part starting `ooo+`: an RFC 3834 out-of-office reply (Auto-Submitted: auto-replied).
Each notice comes from mailer-daemon@googlemail.com (the auto-reply from the recipient), is
threaded with the original (In-Reply-To/References to Gmail's Message-ID) and lands in the
sender's INBOX.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

DAEMON = "Mail Delivery Subsystem <mailer-daemon@googlemail.com>"


def rule_for(address: str) -> str | None:
    local, _, domain = address.lower().rpartition("@")
    if domain.endswith(".invalid") or domain == "invalid":
        return "unknown"
    if local.startswith("full+"):
        return "full"
    if local.startswith("delay+"):
        return "delay"
    if local.startswith("ooo+"):
        return "ooo"
    return None


FAILURES = {
    "unknown": (
        "5.1.1",
        "550-5.1.1 The email account that you tried to reach does not exist. Please try "
        "double-checking the recipient's email address for typos or unnecessary spaces.",
    ),
    "full": (
        "5.2.2",
        "552-5.2.2 The recipient's inbox is out of storage space. Please direct the recipient to "
        "https://support.google.com/mail/?p=OverQuotaPerm",
    ),
}


def failure_notice(
    sender: str,
    original: bytes,
    original_message_id: str,
    references: str | None,
    subject: str,
    recipients: list[tuple[str, str]],
) -> bytes:
    """A Gmail-style "Delivery Status Notification (Failure)" (or "(Delay)") for `recipients`.

    `recipients` holds (address, rule) pairs with rule "unknown", "full" or "delay". Written out
    by hand, as a multipart/report, because that is the shape Gmail sends (gmail-api.md §8).
    """
    delayed = all(rule == "delay" for _, rule in recipients)
    now = format_datetime(datetime.now(UTC))
    boundary = "000000000000" + make_msgid().strip("<>").split("@")[0].replace(".", "")[:16]
    failed = [a for a, rule in recipients if rule != "delay"]
    headers = [
        f"From: {DAEMON}",
        f"To: {sender}",
        "Subject: Delivery Status Notification (" + ("Delay" if delayed else "Failure") + ")",
        f"Date: {now}",
        f"Message-ID: {make_msgid(domain='mx.google.com')}",
        f"In-Reply-To: {original_message_id}",
        "References: " + " ".join(filter(None, [references, original_message_id])),
        "Auto-Submitted: auto-replied",
        *([f"X-Failed-Recipients: {', '.join(failed)}"] if failed else []),
        "MIME-Version: 1.0",
        f'Content-Type: multipart/report; boundary="{boundary}"; report-type=delivery-status',
    ]
    lines = []
    for address, rule in recipients:
        if rule == "delay":
            lines.append(
                f"There was a temporary problem delivering your message to {address}. Gmail will retry "
                "for 46 more hours. You'll be notified if the delivery fails permanently."
            )
        elif rule == "unknown":
            lines.append(
                f"Your message wasn't delivered to {address} because the address couldn't be found, "
                "or is unable to receive mail."
            )
        else:
            lines.append(f"Your message couldn't be delivered to {address} because the recipient's inbox is full.")
    title = "** Message delayed **" if delayed else "** Address not found **"
    status_lines = ["Reporting-MTA: dns; googlemail.com", f"Arrival-Date: {now}", ""]
    for address, rule in recipients:
        if rule == "delay":
            status, action, diagnostic = "4.4.7", "delayed", "smtp; 421-4.4.7 Message delayed, will retry"
        else:
            status, action, diagnostic = FAILURES[rule][0], "failed", "smtp; " + FAILURES[rule][1]
        status_lines += [
            f"Final-Recipient: rfc822; {address}",
            f"Action: {action}",
            f"Status: {status}",
            "Remote-MTA: dns; mx.example.invalid",
            f"Diagnostic-Code: {diagnostic}",
            f"Last-Attempt-Date: {now}",
            "",
        ]
    body = [
        f"--{boundary}",
        'Content-Type: text/plain; charset="UTF-8"',
        "",
        title,
        "",
        *(line + "\r\n" for line in lines),
        f"--{boundary}",
        "Content-Type: message/delivery-status",
        "",
        *status_lines,
        f"--{boundary}",
        "Content-Type: message/rfc822",
        "",
    ]
    text = "\r\n".join(headers) + "\r\n\r\n" + "\r\n".join(body) + "\r\n"
    original = original.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return text.encode() + original + f"\r\n--{boundary}--\r\n".encode()


def out_of_office(recipient: str, sender: str, original_message_id: str, subject: str) -> bytes:
    reply = EmailMessage()
    reply["From"] = recipient
    reply["To"] = sender
    reply["Subject"] = f"Automatic reply: {subject}"
    reply["Date"] = format_datetime(datetime.now(UTC))
    reply["Message-ID"] = make_msgid(domain=parseaddr(recipient)[1].rpartition("@")[2] or "example.com")
    reply["In-Reply-To"] = original_message_id
    reply["References"] = original_message_id
    reply["Auto-Submitted"] = "auto-replied"
    reply["X-Autoreply"] = "yes"
    reply.set_content("I am out of the office until next week and will reply on my return.")
    return reply.as_bytes()
