"""Each family reads its own hand-written notice; each family's own tables, entry by entry."""

from __future__ import annotations

import pytest

from domain.bounces import parse_bounce, registry
from domain.bounces.families import (
    courier,
    exchange,
    exchange2003,
    exim,
    gmail,
    qmail,
)
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice
from tests.domain.bounces.notices import CASES, EXIM, GMAIL_CURRENT, SES_BOUNCE, SES_COMPLAINT, SES_HEAD
from tests.domain.bounces.reading import recipients


@pytest.mark.parametrize(("family", "raw", "email", "status", "reason"), CASES, ids=[c[0] for c in CASES])
def test_each_family_reads_its_own_notice(family: str, raw: bytes, email: str, status: str | None, reason: str) -> None:
    assert registry.identify(Notice.read(raw)).name == family
    bounce = parse_bounce(raw)
    assert bounce is not None
    assert [(r.email, r.status_code, r.reason) for r in bounce.recipients] == [(email, status, reason)]
    assert bounce.extra["family"] == family


def test_every_family_in_the_registry_has_a_hand_written_notice() -> None:
    assert {f.name for f in registry.FAMILIES} == {c[0] for c in CASES}


def test_the_registry_falls_back_to_generic_and_survives_a_failing_sniff() -> None:
    assert registry.identify(Notice.read(b"Subject: hello\n\nhi")) is registry.GENERIC


def test_an_ses_complaint_or_delivery_is_not_a_bounce() -> None:
    assert parse_bounce((SES_HEAD + SES_COMPLAINT).encode()) is None
    assert parse_bounce((SES_HEAD + SES_BOUNCE.replace("Bounce", "Delivery")).encode()) is None


def test_exim_names_the_undisclosed_address_it_generated_from() -> None:
    raw = EXIM.replace(
        b"  sam@storage.example\n", b"  an undisclosed address\n    (generated from sam@storage.example)\n"
    )
    bounce = parse_bounce(raw)
    assert bounce is not None
    assert [r.email for r in bounce.recipients] == ["sam@storage.example"]


@pytest.mark.parametrize(
    ("diagnostic", "command", "hint"),
    [
        ("SMTP error from remote mail server after RCPT TO:<a@b.example>: 550 no", "RCPT", None),
        ("SMTP error from remote mail server after EHLO x: 550 no", "EHLO", "blocked"),
        ("SMTP error from remote mail server after MAIL FROM:<a@b.example>: 550 no", "MAIL", "onhold"),
        ("all relevant MX records point to non-existent hosts", None, "hostunknown"),
        ("Unrouteable address", None, "hostunknown"),
        ("mailbox is full", None, "mailboxfull"),
        ("an MX or SRV record indicated no SMTP service", None, "notaccept"),
        ("malformed address: x may not follow y", None, "syntaxerror"),
        ("delivery to pipe forbidden", None, "systemerror"),
        ('Too many "Received" headers - suspected mail loop', None, "contenterror"),
        ("retry timeout exceeded", None, "expired"),
        ("user not found", None, "userunknown"),
        ("something else", None, None),
    ],
)
def test_exim_s_own_messages(diagnostic: str, command: str | None, hint: str | None) -> None:
    refined = exim.refine(Finding("a@b.example", diagnostic))
    assert (refined.command, refined.hint) == (command, hint)


@pytest.mark.parametrize(
    ("diagnostic", "command", "hint", "default"),
    [
        # sisimai 5: the refused sender names the command; the reply (or the words) decide the reason
        ("Connected to 192.0.2.1 but sender was rejected.", "MAIL", None, None),
        ("Connected to 192.0.2.1 but sender was rejected. Remote host said: 421 busy. I'm not going to try again; "
         "this message has been in the queue too long.", "MAIL", "expired", None),
        ("Connected to 192.0.2.1 but my name was rejected.", "EHLO", "blocked", None),
        ("192.0.2.1 does not like recipient. Remote host said: 550 no", "RCPT", None, "userunknown"),
        ("192.0.2.1 does not like recipient. I'm not going to try again; this message has been in the queue too long.", "RCPT", "onhold", None),
        ("Sorry, no mailbox here by that name. (#5.1.1)", None, "userunknown", None),
        ("disk quota exceeded", None, "mailboxfull", None),
        ("Sorry, I couldn't find any host named x. (#5.1.2)", None, "hostunknown", None),
        ("Sorry, I wasn't able to establish an SMTP connection. (#4.4.1)", None, "networkerror", None),
        ("Unable to contact LDAP server", None, "systemerror", None),
        ("this message has been in the queue too long.", None, "expired", None),
        ("Mailaddress is administratively disabled", None, "suspend", None),
    ],
)  # fmt: skip
def test_qmail_s_own_sentences(diagnostic: str, command: str | None, hint: str | None, default: str | None) -> None:
    refined = qmail.refine(Finding("a@b.example", diagnostic))
    assert (refined.command, refined.hint, refined.default) == (command, hint, default)


@pytest.mark.parametrize(
    ("state", "command", "hint"),
    [("6", "MAIL", "systemerror"), ("8", "AUTH", "systemerror"), ("9", "AUTH", "systemerror"),
     ("12", "AUTH", "norelaying"), ("13", "EHLO", "blocked"), ("14", "RCPT", "userunknown"),
     ("15", "DATA", "filtered"), ("17", "DATA", "filtered"), ("18", "DATA", "filtered")],
)  # fmt: skip
def test_gmail_s_state_table(state: str, command: str, hint: str) -> None:
    refined = gmail.refine(Finding("a@b.example", f"550 550 no (state {state})."))
    assert (refined.command, refined.hint) == (command, hint)


def test_gmail_s_dns_messages_and_a_specific_code_overriding_them() -> None:
    assert gmail.refine(Finding("a@b.example", "DNS Error: Domain name not found")).hint == "hostunknown"
    assert gmail.refine(Finding("a@b.example", "DNS Error: Could not contact DNS servers")).hint == "expired"
    assert gmail.refine(Finding("a@b.example", "550 5.2.2 full (state 14).")).hint == "mailboxfull"
    assert gmail.refine(Finding("a@b.example", "just words")).hint is None
    # sisimai 5's G Suite table: a null MX is notaccept; an NXDOMAIN answer networkerror
    assert gmail.refine(Finding("a@b.example", "DNS Error: Null MX found for example.org")).hint == "notaccept"
    nxdomain = "DNS Error: DNS type 'mx' lookup of x.example responded with code NXDOMAIN Domain name not found"
    assert gmail.refine(Finding("a@b.example", nxdomain)).hint == "networkerror"


@pytest.mark.parametrize(
    ("sentence", "hint"),
    [("Your message wasn't delivered to a@b.example because the address couldn't be found.", "userunknown"),
     ("DNS Error: DNS type 'mx' lookup of b.example had no relevant answers", "networkerror"),
     ("DNS Error: DNS type 'mx' lookup of b.example responded with code NXDOMAIN", "networkerror")],
)  # fmt: skip
def test_gmail_s_current_sentences(sentence: str, hint: str) -> None:
    assert gmail.refine(Finding("a@b.example", sentence)).hint == hint


def test_gmail_s_current_notice_gives_each_recipient_only_its_own_sentence() -> None:
    bounce = parse_bounce(GMAIL_CURRENT)
    assert bounce is not None
    lou, max_ = bounce.recipients
    assert (lou.email, lou.reason, lou.hard) == ("lou@gone.example", "userunknown", True)
    assert (max_.email, max_.status_code, max_.reason) == ("max@nomail.example", "5.1.10", "notaccept")
    assert "max@" not in lou.diagnostic
    assert lou.diagnostic.startswith("wasn't delivered to lou@gone.example because")


@pytest.mark.parametrize(
    ("status", "reason"),
    [("4.4.7", "expired"), ("4.4.312", "networkerror"), ("4.4.316", "expired"), ("4.7.26", "authfailure"),
     ("4.7.500", "blocked"), ("4.7.850", "blocked"), ("5.0.350", "contenterror"), ("5.1.10", "userunknown"),
     ("5.4.1", "norelaying"), ("5.4.6", "networkerror"), ("5.4.312", "networkerror"), ("5.4.316", "expired"),
     ("5.6.11", "contenterror"), ("5.7.1", "rejected"), ("5.7.12", "rejected"), ("5.7.124", "rejected"),
     ("5.7.133", "rejected"), ("5.7.511", "rejected"), ("5.7.23", "authfailure"), ("5.7.25", "networkerror"),
     ("5.7.501", "spamdetected"), ("5.7.504", "filtered"), ("5.7.506", "blocked"), ("5.7.508", "toomanyconn"),
     ("5.7.509", "authfailure"), ("5.7.510", "notaccept"), ("5.7.512", "policyviolation"),
     ("5.7.57", "securityerror"), ("5.7.606", "blocked"), ("5.7.649", "blocked"), ("5.7.700", "toomanyconn"),
     ("5.1.1", None), ("5.7.750", None)],
)  # fmt: skip
def test_exchange_online_s_documented_codes(status: str, reason: str | None) -> None:
    assert exchange.refine(Finding("a@b.example", "", status)).hint == reason
    assert exchange.refine(Finding("a@b.example", f"550 {status} x", "5.0.0")).hint == reason


def test_exchange_reads_unknown_recipient_replies_as_refused_at_rcpt() -> None:
    said = "550 5.1.351 Remote server returned unknown recipient or mailbox unavailable -> 550 Unknown user a@b.example"
    assert exchange.refine(Finding("a@b.example", said)).command == "RCPT"


@pytest.mark.parametrize(
    ("diagnostic", "hint"),
    [("The recipient name is not recognized", "userunknown"),
     ("MSEXCH:IMS:Org:Site:Server 0 (000C05A6) Unknown Recipient", "userunknown"),
     ("The message could not be delivered because of a network problem", None)],
)  # fmt: skip
def test_exchange_2003_s_explanations(diagnostic: str, hint: str | None) -> None:
    assert exchange2003.refine(Finding("a@b.example", diagnostic)).hint == hint


@pytest.mark.parametrize(
    ("diagnostic", "hint"),
    [("550 5.1.1 RESOLVER.ADR.RecipNotFound; not found", "userunknown"),
     ("550 5.1.1 RESOLVER.ADR.ExRecipNotFound; not found", "userunknown"),
     ("550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found", "userunknown"),
     # sisimai 5's Exchange 2007 table
     ("550 5.1.3 RESOLVER.ADR.InvalidInSmtp; invalid address", "systemerror"),
     ("550 5.2.0 RESOLVER.ADR.BadPrimary; no primary address", "systemerror"),
     ("550 5.1.4 RESOLVER.ADR.Ambiguous; ambiguous address", "systemerror"),
     ("550 5.5.3 RESOLVER.ADR.RecipLimit; too many recipients", "toomanyconn"),
     ("550 5.7.1 RESOLVER.RST.NotAuthorized; not authorized", "rejected"),
     ("550 5.7.1 RESOLVER.RST.AuthRequired; authentication required", "securityerror"),
     ("552 5.3.4 RESOLVER.RST.RecipSizeLimit; message too large for this recipient", "mesgtoobig"),
     ("552 5.3.4 RESOLVER.RST.SendSizeLimit.Org; message too large for this organization", "mesgtoobig"),
     ("550 4.4.7 QUEUE.Expired; message expired", "expired"),
     ("554 5.4.4 SMTPSEND.DNS.NonExistentDomain; nonexistent domain", "hostunknown"),
     ("554 5.4.4 SMTPSEND.DNS.MxLoopback; DNS config error", "networkerror"),
     ("550 5.7.1 delivery not authorized", "rejected")],
)  # fmt: skip
def test_exchange_s_component_errors_before_its_codes(diagnostic: str, hint: str) -> None:
    assert exchange.refine(Finding("a@b.example", diagnostic, "5.0.0")).hint == hint


@pytest.mark.parametrize(
    ("diagnostic", "hint"),
    [("No such domain.", "hostunknown"), ("This domain's DNS violates RFC 1035.", "systemerror"),
     ("DNS lookup failed.", "networkerror"), ("550 5.1.1 no such user", None)],
)  # fmt: skip
def test_courier_s_own_dns_errors(diagnostic: str, hint: str | None) -> None:
    assert courier.refine(Finding("a@b.example", diagnostic)).hint == hint


QMAIL_REFUSED_SENDER = """Date: Tue, 3 Mar 2026 10:00:00 +0000
From: MAILER-DAEMON@mail.shop.example
To: orders@shop.example
Subject: failure notice

Hi. This is the qmail-send program at mail.shop.example.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<kim@remote.example>:
Connected to 192.0.2.7 but sender was rejected.
Remote host said: {reply}
"""


@pytest.mark.parametrize(
    ("reply", "status", "reason"),
    [("553 sorry, your envelope sender is in my badmailfrom list (#5.7.1)", "5.7.1", "rejected"),
     ("550 5.7.1 Mail from shop.example refused: SPF check: fail", "5.7.1", "authfailure")],
)  # fmt: skip
def test_a_sender_qmail_saw_refused_is_classified_by_the_remote_server_s_reply(
    reply: str, status: str, reason: str
) -> None:
    assert recipients(QMAIL_REFUSED_SENDER.format(reply=reply)) == [("kim@remote.example", status, reason)]


GROUP_ADDRESS_UNKNOWN = b"""From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
To: orders@shop.example
Subject: Delivery Status Notification (Failure)
X-Failed-Recipients: old-list@googlegroups.com
X-Google-Smtp-Source: AbCdEf
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

** Address not found **

Your message wasn't delivered to old-list@googlegroups.com because the address couldn't be found.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; googlemail.com

Final-Recipient: rfc822; old-list@googlegroups.com
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550-5.1.1 The email account that you tried to reach does not exist.

--b1--
"""
GROUP_REFUSED_POST = b"""From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
To: orders@shop.example
Subject: Delivery Status Notification (Failure)
X-Failed-Recipients: staff@googlegroups.com
X-Google-Smtp-Source: AbCdEf

Hello orders@shop.example,

Your post to the group staff did not go through. Some reasons a post can fail:

 * The group name may be misspelt.
 * The group may have been deleted by its owner.
 * Posting may require joining the group first.
 * The group may not accept posts at all.

Google Groups
"""


def test_a_google_groups_notice_is_a_refused_post_only_when_it_explains_one() -> None:
    assert recipients(GROUP_ADDRESS_UNKNOWN) == [("old-list@googlegroups.com", "5.1.1", "userunknown")]
    assert recipients(GROUP_REFUSED_POST) == [("staff@googlegroups.com", None, "rejected")]
