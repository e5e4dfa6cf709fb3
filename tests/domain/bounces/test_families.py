"""Each mail-server family on its own hand-written notifications, and each family's own tables."""

from __future__ import annotations

import json

import pytest

from domain.bounces import parse_bounce, registry
from domain.bounces.families import (
    courier,
    exchange,
    exchange2003,
    exim,
    ezweb,
    fml,
    gmail,
    imailserver,
    messagelabs,
    messagingserver,
    notes,
    qmail,
)
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice
from domain.bounces.receivers import google, orange, reason_from

POSTFIX = b"""From: MAILER-DAEMON@mail.shop.example (Mail Delivery System)
To: orders@shop.example
Subject: Undelivered Mail Returned to Sender

This is the mail system at host mail.shop.example.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

                   The mail system

<pat.lee@clients.example> (expanded from <billing@clients.example>): host
    mx1.clients.example[198.51.100.7] said: 550 5.1.1 <pat.lee@clients.example>:
    Recipient address rejected: User unknown in virtual mailbox table (in reply
    to RCPT TO command)
"""
EXIM = b"""From: Mail Delivery System <Mailer-Daemon@relay.shop.example>
To: orders@shop.example
Subject: Mail delivery failed: returning message to sender
X-Failed-Recipients: sam@storage.example

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  sam@storage.example
    mailbox is full: retry timeout exceeded

------ This is a copy of the message, including all the headers. ------
Message-ID: <order-17@shop.example>
"""
QMAIL = b"""From: MAILER-DAEMON@shop.example
To: orders@shop.example
Subject: failure notice

Hi. This is the qmail-send program at shop.example.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<gone@shop.example>:
Sorry, no mailbox here by that name. (#5.1.1)

--- Below this line is a copy of the message.
"""
SENDMAIL = b"""From: Mail Delivery Subsystem <MAILER-DAEMON@gw.shop.example>
To: orders@shop.example
Subject: Returned mail: see transcript for details
Content-Type: multipart/report; report-type=delivery-status; boundary="S1"

--S1

   ----- The following addresses had permanent fatal errors -----
<ann@filtered.example>
    (reason: 550 Message rejected by recipient's filter)

   ----- Transcript of session follows -----
... while talking to mx.filtered.example.:
>>> DATA
<<< 550 Message rejected by recipient's filter
554 5.0.0 Service unavailable

--S1
Content-Type: message/delivery-status

Reporting-MTA: dns; gw.shop.example

Final-Recipient: RFC822; ann@filtered.example
Action: failed
Status: 5.0.0
Diagnostic-Code: SMTP; 550 Message rejected by recipient's filter
--S1--
"""
EXCHANGE = b"""From: Microsoft Outlook <postmaster@tenant.onmicrosoft.com>
To: orders@shop.example
Subject: Undeliverable: Order 17
X-MS-Exchange-Message-Is-Ndr:
Content-Type: text/plain

Delivery has failed to these recipients or groups:

Robin Doe (robin@tenant.example)
The email address you entered couldn't be found.

Diagnostic information for administrators:

Generating server: DM6PR01MB0001.namprd01.prod.outlook.com

robin@tenant.example
Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'

Original message headers:
"""
EXCHANGE_2003 = b"""From: System Administrator <postmaster@legacy.example>
To: orders@shop.example
Subject: Undeliverable: Order 17
X-MS-Embedded-Report:

Your message

  To:      Robin Doe; Accounts
  Subject: Order 17
  Sent:    Tue, 2 Jan 2024 10:00:00 +0000

did not reach the following recipient(s):

robin@legacy.example on Tue, 2 Jan 2024 10:00:03 +0000
    The recipient name is not recognized
    MSEXCH:IMS:Legacy:HQ:MAIL1 0 (000C05A6) Unknown Recipient
    <mail1.legacy.example #5.1.1>
"""
GMAIL_OLD = b"""From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
To: orders@shop.example
Subject: Delivery Status Notification (Failure)

This is an automatically generated Delivery Status Notification

Delivery to the following recipient failed permanently:

     chris@dataentry.example

Technical details of permanent failure:
Google tried to deliver your message, but it was rejected by the recipient domain.
The error that the other server returned was:
550 550 Unknown user chris@dataentry.example (state 18).
"""
GOOGLE_GROUPS = b"""From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
To: orders@shop.example
Subject: Delivery Status Notification (Failure)
X-Failed-Recipients: announce@googlegroups.com
X-Google-Smtp-Source: AbCdEf

Hello orders@shop.example,

We're writing to let you know that the group you tried to contact (announce) may not exist, or you
may not have permission to post messages to the group.
"""
DOMINO = b"""From: Postmaster <postmaster@notes.example>
To: orders@shop.example
Subject: DELIVERY FAILURE: User kai not listed in Domino Directory

Your message

  Subject: Order 17

was not delivered to:

  kai@notes.example

because:

  User kai (kai@notes.example) not listed in Domino Directory
"""
NOTES = b"""From: Postmaster <postmaster@oldnotes.example>
To: orders@shop.example
Subject: Undeliverable message

------- Failure Reasons --------

User not listed in public Name & Address Book
lee@oldnotes.example

------- Returned Message --------
"""
COURIER = b"""From: Courier mail server at mx.shop.example <@>
To: orders@shop.example
Subject: NOTICE: mail delivery status.

This is a delivery status notification from mx.shop.example,
running the Courier mail server, version 1.1.

Your message to the following recipients cannot be delivered:

<pat@nodomain.example>:
    No such domain.
"""
OPENSMTPD = b"""From: Mailer Daemon <MAILER-DAEMON@mx.shop.example>
To: orders@shop.example
Subject: Delivery status notification: error

Hi!

This is the MAILER-DAEMON, please DO NOT REPLY to this email.

An error has occurred while attempting to deliver a message for
the following list of recipients:

dana@big.example: 552 5.2.2 Mailbox full

Below is a copy of the original message:
"""
DRAGONFLY = b"""From: MAILER-DAEMON
To: orders@shop.example
Subject: Mail delivery failed

This is the DragonFly Mail Agent v0.13 at host.shop.example.

There was an error delivering your mail to <eve@remote.example>.

remote delivery deferred: host mx.remote.example said: 554 5.7.1 Service unavailable; Client host blocked using zen.spamhaus.org

Message headers follow.
"""
MESSAGING_SERVER = b"""From: Internet Mail Delivery <postmaster@mx.shop.example>
To: orders@shop.example
Subject: Delivery Notification: Delivery has failed

This report relates to a message you sent with the following header fields:

  Message-id: <order-17@shop.example>
  To: accounts@lists.shop.example

Your message cannot be delivered to the following recipients:

  Recipient address: fay@corp.example
  Reason: Remote SMTP server has rejected address
  Diagnostic code: smtp;550 5.1.1 <fay@corp.example>... User unknown
"""
IMAIL = b"""From: postmaster@imail.example
To: orders@shop.example
Subject: Undeliverable Mail
X-Mailer: <SMTP32 v8.22>

Body of message generated response:

Unknown user: gil@imail.example
"""
YAHOO = b"""From: MAILER-DAEMON@yahoo.com
To: orders@shop.example
Subject: Failure Notice

Sorry, we were unable to deliver your message to the following address.

<hal@yahoo.example>:
Remote host said: 554 delivery error: dd This user doesn't have a yahoo.example account [RCPT_TO]

--- Below this line is a copy of the message.
"""
GMX = b"""From: "Mail Delivery System" <mailer-daemon@gmx.net>
To: orders@shop.example
Subject: Mail delivery failed: returning message to sender

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of
its recipients. This is a permanent error. The following address(es)
failed:

"ian@web.example":
SMTP error from remote server after RCPT command:
host: mx.web.example
550 5.1.1 <ian@web.example>... User unknown
"""
SES_BOUNCE = json.dumps(
    {
        "Type": "Notification",
        "Message": json.dumps(
            {
                "notificationType": "Bounce",
                "bounce": {
                    "bounceType": "Permanent",
                    "bouncedRecipients": [
                        {"emailAddress": "joy@ses.example", "action": "failed", "status": "5.1.1",
                         "diagnosticCode": "smtp; 550 5.1.1 user unknown"},
                    ],
                },
            }
        ),
    }
)  # fmt: skip
SES_COMPLAINT = SES_BOUNCE.replace("Bounce", "Complaint")
SES_HEAD = (
    "From: AWS Notifications <no-reply@sns.amazonaws.com>\nTo: orders@shop.example\nSubject: AWS Notification\n\n"
)

VERIZON = b"""From: post_master@vtext.com
To: orders@shop.example
Subject: Re: Order 17
Received: from gw.vtext.com (gw.vtext.com [192.0.2.9]) by mx.shop.example

Error: Invalid user address

Error message below:
550 - Requested action not taken: no such user here

Message details:
  Subject: Order 17
  MAIL FROM: orders@shop.example
  RCPT TO: 5550100@vtext.com
  Size (in bytes): 512
"""
VERIZON_PICTURES = b"""From: <sysadmin@mms.vzwpix.com>
To: orders@shop.example
Subject: Undeliverable

Message could not be delivered to mobile.
Error: No valid recipients for this MM
To: 5550101@vzwpix.com
From: orders@shop.example
Subject: Order 17
"""

EZWEB = b"""From: <Postmaster@ezweb.ne.jp>
To: <orders@shop.example>
Subject: Mail System Error - Returned Mail
Message-Id: <20240102100000.AB12@wsmtp.ezweb.ne.jp>

<kei@ezweb.ne.jp>

The user(s) account is temporarily over quota.
---------------------------------------------------
To: kei@ezweb.ne.jp
Subject: Order 17
"""

FML = b"""From: club-admin@lists.example
To: orders@shop.example
Subject: You orders@shop.example are not member (club ML)
Message-ID: <202401021000.FMLAB12.club@lists.example>
X-MLServer: fml [fml 4.0.3 release (20011202/4.0.3)]

You are not a member of this mailing list <club@lists.example>.

If you know the general guide of this list, please send mail with the mail body "guide".
"""

MESSAGELABS = b"""From: Mail Delivery System <MAILER-DAEMON@messagelabs.com>
To: orders@shop.example
Subject: Mail Delivery Failure
X-Msg-Ref: server-1.tower-2.messagelabs.com!123!456!1
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

I was unable to deliver your message to the following addresses:

lou@corp.example

Reason: 550 lou@corp.example... No such user

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; server-1.tower-2.messagelabs.com

Final-Recipient: rfc822; lou@corp.example
Action: failed
Status: 5.0.0
Diagnostic-Code: smtp; 550 lou@corp.example... No such user

--b1--
"""

CASES = [
    ("postfix", POSTFIX, "pat.lee@clients.example", "5.1.1", "userunknown"),
    ("exim", EXIM, "sam@storage.example", None, "mailboxfull"),
    ("qmail", QMAIL, "gone@shop.example", "5.1.1", "userunknown"),
    ("sendmail", SENDMAIL, "ann@filtered.example", "5.0.0", "filtered"),
    ("exchange", EXCHANGE, "robin@tenant.example", "5.1.10", "userunknown"),
    ("exchange2003", EXCHANGE_2003, "robin@legacy.example", "5.1.1", "userunknown"),
    ("gmail", GMAIL_OLD, "chris@dataentry.example", "5.0.0", "filtered"),
    ("googlegroups", GOOGLE_GROUPS, "announce@googlegroups.com", None, "rejected"),
    ("domino", DOMINO, "kai@notes.example", None, "userunknown"),
    ("notes", NOTES, "lee@oldnotes.example", None, "userunknown"),
    ("courier", COURIER, "pat@nodomain.example", None, "hostunknown"),
    ("opensmtpd", OPENSMTPD, "dana@big.example", "5.2.2", "mailboxfull"),
    ("dragonfly", DRAGONFLY, "eve@remote.example", "5.7.1", "blocked"),
    ("messagingserver", MESSAGING_SERVER, "fay@corp.example", "5.1.1", "userunknown"),
    ("imailserver", IMAIL, "gil@imail.example", None, "userunknown"),
    ("yahoo", YAHOO, "hal@yahoo.example", "5.0.0", "userunknown"),
    ("gmx", GMX, "ian@web.example", "5.1.1", "userunknown"),
    ("amazonses", (SES_HEAD + SES_BOUNCE).encode(), "joy@ses.example", "5.1.1", "userunknown"),
    ("verizon", VERIZON, "5550100@vtext.com", "5.0.0", "userunknown"),
    ("ezweb", EZWEB, "kei@ezweb.ne.jp", None, "mailboxfull"),
    ("fml", FML, "club@lists.example", None, "rejected"),
    ("messagelabs", MESSAGELABS, "lou@corp.example", "5.0.0", "userunknown"),
]


@pytest.mark.parametrize(
    ("diagnostic", "hint"),
    [("550 lou@corp.example... No such user", "userunknown"),
     ("542 lou@corp.example Rejected", "userunknown"),
     ("530 Please turn on SMTP Authentication in your mail client.", "securityerror"),
     ("550 5.7.1 spam", None)],
)  # fmt: skip
def test_messagelabs_s_wording(diagnostic: str, hint: str | None) -> None:
    assert messagelabs.refine(Finding("a@b.example", diagnostic)).hint == hint


def test_messagelabs_is_recognised_only_with_all_three_signs() -> None:
    assert messagelabs.sniff(Notice.read(MESSAGELABS))
    assert not messagelabs.sniff(Notice.read(MESSAGELABS.replace(b"X-Msg-Ref", b"X-Other")))
    assert not messagelabs.sniff(Notice.read(MESSAGELABS.replace(b"MAILER-DAEMON@messagelabs", b"MAILER-DAEMON@x")))
    assert not messagelabs.sniff(Notice.read(MESSAGELABS.replace(b"Subject: Mail", b"Subject: Re: Mail")))


@pytest.mark.parametrize(
    ("sentence", "subject", "reason"),
    [("NOT MEMBER article from a@b.example <club@lists.example>.", "x", "rejected"),
     ("reject mail from a@b.example <club@lists.example>.", "x", "rejected"),
     ("reject since X-ML-Name header may cause mail loop <club@lists.example>.", "x", "rejected"),
     ("Duplicated Message-ID <club@lists.example>.", "x", "systemerror"),
     ("fml 4.0 has detected a loop condition so that <club@lists.example>.", "x", "systemerror"),
     ("Loop Back Warning: <club@lists.example>.", "x", "systemerror"),
     ("Security alert: <club@lists.example>.", "x", "securityerror"),
     ("Sorry <club@lists.example>.", "Spam mail from a spammer is rejected", "rejected"),
     ("Sorry <club@lists.example>.", "fml system error message", "systemerror"),
     ("Sorry <club@lists.example>.", "Loop Alert: something", "systemerror"),
     ("Sorry <club@lists.example>.", "WARNING: UNIX FROM Loop", "systemerror"),
     ("Sorry <club@lists.example>.", "Security Alert", "securityerror"),
     ("Sorry <club@lists.example>.", "Hello", None)],
)  # fmt: skip
def test_fml_s_sentences_then_its_subjects(sentence: str, subject: str, reason: str | None) -> None:
    raw = FML.replace(b"You are not a member of this mailing list <club@lists.example>.", sentence.encode())
    raw = raw.replace(b"You orders@shop.example are not member (club ML)", subject.encode())
    assert [(f.email, f.hint) for f in fml.read(Notice.read(raw))] == [("club@lists.example", reason)]


def test_fml_is_recognised_only_with_all_three_signs() -> None:
    assert fml.sniff(Notice.read(FML))
    assert not fml.sniff(Notice.read(FML.replace(b"X-MLServer", b"X-Other")))
    assert not fml.sniff(Notice.read(FML.replace(b"club-admin@", b"club@")))
    assert not fml.sniff(Notice.read(FML.replace(b".FMLAB12.", b".AB12.")))


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [("The user(s) account is temporarily over quota.", "mailboxfull"),
     ("The user(s) account is disabled.", "suspend"), ("The user(s) account is temporarily limited.", "suspend"),
     ("Your message was not delivered within 2 days.", "expired"),
     ("Each of the following recipients was rejected by a remote mail server.", "onhold")],
)  # fmt: skip
def test_au_s_sentences_the_domain_filter_and_the_transcript(sentence: str, reason: str) -> None:
    raw = EZWEB.replace(b"The user(s) account is temporarily over quota.", sentence.encode())
    assert [f.hint for f in ezweb.read(Notice.read(raw))] == [reason]
    filtered = raw.replace(b"Subject: Mail", b"X-SPASIGN: NG\nSubject: Mail")
    assert [f.hint for f in ezweb.read(Notice.read(filtered))] == ["filtered"]
    transcript = raw.replace(b"\n---", b"\n    >>> RCPT TO:<kei@ezweb.ne.jp>\n    <<< 550 unknown\n---")
    assert [f.hint for f in ezweb.read(Notice.read(transcript))] == ["userunknown"]


def test_au_is_recognised_by_two_of_its_signs() -> None:
    assert ezweb.sniff(Notice.read(EZWEB))
    only_subject = EZWEB.replace(b"Postmaster@ezweb.ne.jp", b"postmaster@other.example").replace(
        b"wsmtp.ezweb.ne.jp", b"mx.other.example"
    )
    assert not ezweb.sniff(Notice.read(only_subject))
    received = only_subject.replace(b"To: <orders", b"Received: from a by b.au.com (x) with ESMTP\nTo: <orders")
    assert ezweb.sniff(Notice.read(received))


def test_verizon_s_picture_gateway_names_the_recipient_on_a_to_line() -> None:
    bounce = parse_bounce(VERIZON_PICTURES)
    assert bounce is not None and bounce.extra["family"] == "verizon"
    assert [(r.email, r.diagnostic, r.reason) for r in bounce.recipients] == [
        ("5550101@vzwpix.com", "Error: No valid recipients for this MM", "userunknown")
    ]


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
        ("Connected to 192.0.2.1 but sender was rejected.", "MAIL", "rejected", None),
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


@pytest.mark.parametrize(
    ("sentence", "hint"),
    [("Your message wasn't delivered to a@b.example because the address couldn't be found.", "userunknown"),
     ("DNS Error: DNS type 'mx' lookup of b.example had no relevant answers", "networkerror"),
     ("DNS Error: DNS type 'mx' lookup of b.example responded with code NXDOMAIN", "networkerror")],
)  # fmt: skip
def test_gmail_s_current_sentences(sentence: str, hint: str) -> None:
    assert gmail.refine(Finding("a@b.example", sentence)).hint == hint


GMAIL_CURRENT = b"""From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
To: orders@shop.example
Subject: Delivery Status Notification (Failure)

** Message not delivered **

Your message wasn't delivered to lou@gone.example because the address couldn't be found, or is unable to receive mail.

Your message wasn't delivered to max@nomail.example because the remote server refused it.

The response from the remote server was:
556 5.1.10 <max@nomail.example>: Recipient address has null MX
"""


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
     ("5.7.133", "rejected"), ("5.7.511", "rejected"), ("5.7.23", "blocked"), ("5.7.25", "networkerror"),
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
    ("reason_text", "hint"),
    [("Unknown host", "hostunknown"), ("Unknown user", "userunknown"), ("Invalid final delivery userid", "userunknown"),
     ("User mailbox exceeds allowed size", "mailboxfull"), ("Requested action not taken: mailbox unavailable", "securityerror"),
     ("Delivery failed 3 attempts", "expired"), ("Something else", None)],
)  # fmt: skip
def test_imail_s_reasons(reason_text: str, hint: str | None) -> None:
    raw = IMAIL.replace(b"Unknown user", reason_text.encode())
    assert imailserver.read(Notice.read(raw))[0].hint == hint


@pytest.mark.parametrize(
    ("code", "reason"),
    [("102", "blocked"), ("103", "blocked"), ("104", "toomanyconn"), ("305", "securityerror"), ("401", "blocked"),
     ("402", "securityerror"), ("403", "rejected"), ("405", "rejected"), ("415", "rejected"), ("416", "userunknown"),
     ("417", "mailboxfull"), ("418", "userunknown"), ("420", "suspend"), ("421", "rejected"), ("426", "suspend"),
     ("505", "systemerror"), ("506", "spamdetected"), ("510", "blocked"), ("514", "mesgtoobig"), ("999", "blocked"),
     ("108", "undefined")],
)  # fmt: skip
def test_orange_s_codes(code: str, reason: str) -> None:
    assert orange.reason(f"550 5.5.0 service refused. ofr_{code}", "5.5.0") == reason
    assert orange.reason(f"550 lpn105_{code} refused", "") == reason
    assert reason_from("smtp-in.orange.fr", "example.com", f"OFR_{code}", None) == reason


def test_orange_without_a_code_and_other_providers_say_nothing() -> None:
    assert orange.reason("550 rejected", "") == ""
    assert reason_from("mx.example.com", "example.com", "OFR_416", None) == ""


@pytest.mark.parametrize(("reason", "phrases"), sorted(google.REPLIES.items()))
def test_google_s_documented_replies(reason: str, phrases: tuple[str, ...]) -> None:
    for phrase in phrases:
        text = f"550 5.7.1 {phrase} https://support.google.com/mail"
        found = google.reason(text, "5.7.1")
        assert found == reason or any(p in text for p in _earlier(found, reason)), (reason, phrase, found)
    assert reason_from("", "gmail.com", f"550 {phrases[0]}", None) == google.reason(phrases[0], "")
    assert reason_from("gmail-smtp-in.l.google.com", "example.com", phrases[0], None) == google.reason(phrases[0], "")


def _earlier(found: str, reason: str) -> tuple[str, ...]:
    """Phrases of a reason listed before `reason` (a phrase can contain an earlier reason's phrase)."""
    order = list(google.REPLIES)
    return google.REPLIES[found] if order.index(found) < order.index(reason) else ()


@pytest.mark.parametrize(
    ("diagnostic", "hint"),
    [("No such domain.", "hostunknown"), ("This domain's DNS violates RFC 1035.", "systemerror"),
     ("DNS lookup failed.", "networkerror"), ("550 5.1.1 no such user", None)],
)  # fmt: skip
def test_courier_s_own_dns_errors(diagnostic: str, hint: str | None) -> None:
    assert courier.refine(Finding("a@b.example", diagnostic)).hint == hint


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
     ("550 5.1.3 RESOLVER.ADR.InvalidInSmtp; invalid address", "userunknown"),
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


@pytest.mark.parametrize("rule", ["------- Failure Reasons --------", "-------Failure Reasons-------",
                                  "------- Failure Reasons  --------"])  # fmt: skip
def test_notes_s_section_rules_with_any_spacing(rule: str) -> None:
    raw = f"From: postmaster@n.example\nSubject: Undeliverable message\n\n{rule}\n\nUser not listed in public Name & Address Book\nkim@n.example\n\n------- Returned Message  --------\nTo: kim@n.example\n"
    notice = Notice.read(raw.encode())
    assert registry.identify(notice).name == "notes"
    assert [(f.email, f.hint) for f in notes.read(notice)] == [("kim@n.example", "userunknown")]


@pytest.mark.parametrize(
    ("diagnostic", "command", "hint"),
    [("Reason: Remote SMTP server has rejected address Diagnostic code: smtp; 550 User unknown", "RCPT", None),
     ("Reason: Illegal host/domain name found", None, "hostunknown"),
     ("Reason: delivery timed out", None, None)],
)  # fmt: skip
def test_messaging_server_s_reason_lines(diagnostic: str, command: str | None, hint: str | None) -> None:
    refined = messagingserver.refine(Finding("a@b.example", diagnostic))
    assert (refined.command, refined.hint) == (command, hint)
    assert messagingserver.refine(Finding("a@b.example", diagnostic, command="DATA")).command == "DATA"
