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


# One row per header the rules read, each deciding on its own (the subject says nothing automatic
# unless the row is about the subject).
HEADER_ROWS = [
    # The vendor headers of vacation programs: automatic whatever the subject, "vacation" in it tells which.
    ({"X_Autoreply": "yes"}, "Re: Invoice INV-7", "out-of-office"),
    ({"X_Autorespond": "Out of office"}, "Re: Invoice INV-7", "out-of-office"),
    ({"X_Vacation": "1"}, "Re: Invoice INV-7", "out-of-office"),
    ({"X_Autoreply": "yes"}, "My Vacation plans", "vacation"),
    ({"X_Autorespond": "1"}, "Re: Invoice INV-7 (VACATION)", "vacation"),
    ({"X_Vacation": "1"}, "vacation", "vacation"),
    # Exchange: a rules loop or an OOF suppression marks an automatic reply only with an OOO subject.
    ({"X_MS_Exchange_Inbox_Rules_Loop": "client@example.com"}, "Automatic reply: Invoice INV-7", "out-of-office"),
    ({"X_MS_Exchange_Inbox_Rules_Loop": "client@example.com"}, "Re: Invoice INV-7", None),
    # With a Precedence the subject rule alone would not accept, only the Exchange header decides.
    (
        {"X_MS_Exchange_Inbox_Rules_Loop": "x@example.com", "Precedence": "normal"},
        "Automatic reply: INV-7",
        "out-of-office",
    ),
    ({"X_Auto_Response_Suppress": "OOF", "Precedence": "normal"}, "Out of office", "out-of-office"),
    ({"X_Auto_Response_Suppress": "All", "Precedence": "normal"}, "Out of office", None),
    ({"Precedence": "normal"}, "Automatic reply: INV-7", None),
    ({"X_Auto_Response_Suppress": "OOF"}, "Out of office until Monday", "out-of-office"),
    ({"X_Auto_Response_Suppress": "DR, RN, NRN, OOF, AutoReply"}, "Automatische Antwort: Rechnung", "out-of-office"),
    ({"X_Auto_Response_Suppress": "All"}, "Automatische Antwort: Rechnung", "out-of-office"),  # the subject alone
    ({"X_Auto_Response_Suppress": "oof"}, "Re: Invoice INV-7", None),
    ({"X_Auto_Response_Suppress": "All"}, "Re: Invoice INV-7", None),
    ({"X_Auto_Response_Suppress": "OOF"}, "Vacation: back on the 3rd", "out-of-office"),  # Exchange says OOO
    # Challenge-response systems.
    ({"X_Challenge": "abc"}, "Re: Invoice INV-7", "challenge-response"),
    ({"X_Boxtrapper": "yes"}, "Re: Invoice INV-7", "challenge-response"),
    ({"X_Spamarrest_Noauth": "1"}, "Re: Invoice INV-7", "challenge-response"),
    # RFC 3834 Auto-Submitted: anything but "no" is automatic.
    ({"Auto_Submitted": "auto-replied"}, "Re: Invoice INV-7", "auto-replied"),
    ({"Auto_Submitted": "auto-generated"}, "Re: Invoice INV-7", "auto-replied"),
    ({"Auto_Submitted": "auto-notified"}, "Re: Invoice INV-7", "auto-replied"),
    ({"Auto_Submitted": "Auto-Replied  "}, "Re: Invoice INV-7", "auto-replied"),
    ({"Auto_Submitted": "auto-replied"}, "Out of office: Invoice INV-7", "out-of-office"),
    ({"Auto_Submitted": "auto-replied"}, "Vacation reply", "vacation"),
    ({"Auto_Submitted": "no"}, "Re: Invoice INV-7", None),
    ({"Auto_Submitted": "No   "}, "Re: Invoice INV-7", None),
    ({"Auto_Submitted": "NO"}, "Re: Invoice INV-7", None),
    ({"Auto_Submitted": "no"}, "Out of office: Invoice INV-7", "out-of-office"),  # then the subject decides
    # Precedence: auto_reply is automatic; bulk, junk and list only count with an OOO subject.
    ({"Precedence": "auto_reply"}, "Re: Invoice INV-7", "auto-replied"),
    ({"Precedence": " Auto_Reply "}, "Re: Invoice INV-7", "auto-replied"),
    ({"Precedence": "bulk"}, "Out of office: Invoice INV-7", "out-of-office"),
    ({"Precedence": "junk"}, "Out of office: Invoice INV-7", "out-of-office"),
    ({"Precedence": "list"}, "Out of office: Invoice INV-7", "out-of-office"),
    ({"Precedence": "Bulk  "}, "On vacation", "vacation"),
    ({"Precedence": "bulk"}, "Re: Invoice INV-7", None),
    ({"Precedence": "list"}, "Re: Invoice INV-7", None),
    ({"Precedence": "first-class"}, "Out of office: Invoice INV-7", None),
    ({"Precedence": "normal"}, "Vacation", None),
]


@pytest.mark.parametrize(("headers", "subject", "kind"), HEADER_ROWS)
def test_each_header_decides_as_specified(headers: dict[str, str], subject: str, kind: str | None) -> None:
    assert auto_reply_kind(mail(subject, **headers)) == kind


def test_every_header_the_rules_read_has_a_row() -> None:
    names = {name.replace("_", "-") for headers, _, _ in HEADER_ROWS for name in headers}
    assert names == {
        "X-Autoreply",
        "X-Autorespond",
        "X-Vacation",
        "X-MS-Exchange-Inbox-Rules-Loop",
        "X-Auto-Response-Suppress",
        "X-Challenge",
        "X-Boxtrapper",
        "X-Spamarrest-Noauth",
        "Auto-Submitted",
        "Precedence",
    }


@pytest.mark.parametrize(
    ("subject", "kind"),
    [  # every wording of the out-of-office pattern, on a message with no telling header
        ("Automatic reply: Invoice INV-7", "out-of-office"),
        ("automatic REPLY", "out-of-office"),
        ("Autoreply: Invoice", "out-of-office"),
        ("Auto reply: Invoice", "out-of-office"),
        ("Auto Antwort: Rechnung", "out-of-office"),
        ("Autoantwort: Rechnung", "out-of-office"),
        ("Automatische Antwort: Rechnung", "out-of-office"),
        ("Automatischeantwort", "out-of-office"),
        ("AUTO: Invoice INV-7", "out-of-office"),
        ("Out of office: Invoice INV-7", "out-of-office"),
        ("Out of the office until Monday", "out-of-office"),
        ("Abwesenheitsnotiz: Rechnung 7", "out-of-office"),
        ("Reponse automatique : Facture 7", "out-of-office"),
        ("Absence: back on Monday", "out-of-office"),
        ("Away from my desk", "out-of-office"),
        ("Vacation until Monday", "vacation"),
        ("On vacation until Monday", "vacation"),
        ("   Out of office", "out-of-office"),
        # Not at the start, or not the wording: a human reply.
        ("Re: Out of office", None),
        ("Re: Automatic reply", None),
        ("Fwd: Vacation photos", None),
        ("Outside the office", None),
        ("Automatic replies are annoying", None),
        ("", None),
    ],
)
def test_the_out_of_office_subjects(subject: str, kind: str | None) -> None:
    assert auto_reply_kind(mail(subject)) == kind


@pytest.mark.parametrize(
    ("subject", "kind"),
    [
        ("Please confirm your email address", "challenge-response"),
        ("Please confirm that you sent this message", "challenge-response"),
        ("Verify your email", "challenge-response"),
        ("Re: please verify that you are the sender", "challenge-response"),
        ("Confirm your message to me", "challenge-response"),
        ("PLEASE CONFIRM YOUR SENDER ADDRESS", "challenge-response"),
        ("Please confirm the meeting by email", None),
        ("Verify your account", None),
        ("Confirm your email", "challenge-response"),
        ("Re: Invoice INV-7", None),
    ],
)
def test_the_challenge_subjects(subject: str, kind: str | None) -> None:
    assert auto_reply_kind(mail(subject)) == kind


@pytest.mark.parametrize(
    "content_type",
    [
        'multipart/report; report-type="delivery-status"; boundary="b"',
        "multipart/report; report-type=delivery-status; boundary=b",
        'Multipart/Report; Report-Type = "Delivery-Status"; boundary="b"',
        "multipart/report;report-type=delivery-status",
    ],
)
def test_a_delivery_report_is_never_an_automatic_reply_whatever_its_headers(content_type: str) -> None:
    raw = mail("Out of office", X_Autoreply="yes", Auto_Submitted="auto-replied", Content_Type=content_type)
    assert auto_reply_kind(raw) is None


@pytest.mark.parametrize(
    "content_type",
    ['multipart/report; report-type="disposition-notification"; boundary="b"', "text/plain; charset=utf-8"],
)
def test_other_content_types_do_not_hide_an_automatic_reply(content_type: str) -> None:
    assert auto_reply_kind(mail("Re: Invoice", X_Autoreply="yes", Content_Type=content_type)) == "out-of-office"


def test_the_vendor_headers_win_over_the_later_rules() -> None:
    raw = mail("Please confirm your email address", X_Vacation="1", X_Challenge="abc", Precedence="auto_reply")
    assert auto_reply_kind(raw) == "out-of-office"
    raw = mail("Re: Invoice", X_Challenge="abc", Auto_Submitted="auto-replied")
    assert auto_reply_kind(raw) == "challenge-response"
    raw = mail("Re: Invoice", Auto_Submitted="auto-generated", Precedence="bulk")
    assert auto_reply_kind(raw) == "auto-replied"


@pytest.mark.parametrize(
    ("subject", "kind"),
    [  # how mail clients send a subject that is not plain ASCII (RFC 2047 encoded-words), and raw UTF-8
        ("=?iso-8859-1?q?R=E9ponse_automatique_:_Facture_7?=", "out-of-office"),
        ("=?utf-8?b?UsOpcG9uc2UgYXV0b21hdGlxdWUgOiBGYWN0dXJlIDc=?=", "out-of-office"),
        ("=?utf-8?q?Automatic_reply:_Rechnung_f=C3=BCr_M=C3=A4rz?=", "out-of-office"),
        ("=?utf-8?q?Abwesenheitsnotiz:_R=C3=BCckkehr_am_Montag?=", "out-of-office"),
        ("Réponse automatique : Facture 7", "out-of-office"),
        ("=?utf-8?q?Re:_Facture_r=C3=A9gl=C3=A9e?=", None),
    ],
)
def test_an_encoded_subject_is_read_decoded(subject: str, kind: str | None) -> None:
    assert auto_reply_kind(mail(subject)) == kind
