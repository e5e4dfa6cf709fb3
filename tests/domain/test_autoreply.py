"""Automatic replies are told apart from human ones (RFC 3834 and the vendor headers before it)."""

from __future__ import annotations

import pytest

from domain.autoreply import auto_reply_kind


def mail(subject: str, body: str = "Thanks.", **headers: str) -> bytes:
    lines = ["From: Client <client@example.com>", "To: billing@acme.example", f"Subject: {subject}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode()


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        (mail("Automatic reply: Invoice INV-7", Auto_Submitted="auto-replied"), "out-of-office"),
        (mail("Out of Office: Invoice INV-7", X_MS_Exchange_Inbox_Rules_Loop="client@example.com"), "out-of-office"),
        (mail("On vacation until Monday", Auto_Submitted="auto-replied"), "vacation"),
        (mail("Re: Invoice INV-7", X_Autoreply="yes"), "out-of-office"),
        (mail("Re: Invoice INV-7", Auto_Submitted="auto-generated"), "auto-replied"),
        (mail("Re: Invoice INV-7", Precedence="auto_reply"), "auto-replied"),
        (mail("Abwesenheitsnotiz: Rechnung 7"), "out-of-office"),
        (mail("Please confirm your email address", X_Challenge="abc"), "challenge-response"),
        (mail("Please verify that you sent this message"), "challenge-response"),
    ],
)
def test_automatic_replies_are_recognised(raw: bytes, kind: str) -> None:
    assert auto_reply_kind(raw) == kind


@pytest.mark.parametrize(
    "raw",
    [
        mail("Re: Invoice INV-7", "Paid yesterday, see the attached receipt."),
        mail("Re: Invoice INV-7", Auto_Submitted="no"),
        mail("Re: Out of office next week?", "Are you out of office next week?"),
        mail(
            "Delivery Status Notification (Failure)",
            Auto_Submitted="auto-replied",
            Content_Type='multipart/report; report-type="delivery-status"; boundary="b"',
        ),
    ],
)
def test_human_replies_and_delivery_reports_are_not_automatic_replies(raw: bytes) -> None:
    assert auto_reply_kind(raw) is None
