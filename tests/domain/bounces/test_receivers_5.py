"""Receiving providers as sisimai 5 reads them: Apple iCloud Mail, Yahoo Inc. and Microsoft, reply by reply."""

from __future__ import annotations

import pytest

from domain.bounces.receivers import apple, exchangeonline, reason_from, yahooinc
from tests.domain.bounces.reading import recipients

APPLE = [
    ("554 5.7.1 Your message was rejected due to shop.example's DMARC policy.", "authfailure"),
    ("554 5.7.1 [HME1] This message was blocked for failing both SPF and DKIM authentication checks.",
     "authfailure"),
    ("550 5.7.1 Your email was rejected due to having a domain present in the Spamhaus DBL", "blocked"),
    ("550 5.7.1 Mail from IP 192.0.2.9 was rejected due to listing in Spamhaus SBL.", "blocked"),
    ("550 5.7.0 Blocked - see https://support.proofpoint.com/dnsbl-lookup.cgi?ip=192.0.2.9", "blocked"),
    ("554 mx-in-07.mail.icloud.com ESMTP not accepting connections", "blocked"),
    ("550 5.1.6 recipient no longer on server: kim@icloud.com", "hasmoved"),
    ("552 5.2.2 <kim@icloud.com>: user is over quota", "mailboxfull"),
    ("554 5.7.1 <kim@icloud.com>: Relay access denied", "norelaying"),
    ("550 5.7.1 host/domain does not accept mail", "notaccept"),
    ("550 5.7.1 [CS01] Message rejected due to local policy.", "policyviolation"),
    ("450 4.1.8 <news@shop.example>: Sender address rejected: Domain not found", "rejected"),
    ("421 4.7.1 Messages to kim@icloud.com deferred due to excessive volume. Try again later", "speeding"),
    ("550 5.1.1 <kim@icloud.com>: inactive email address", "userunknown"),
    ("550 5.1.1 <kim@icloud.com>: user does not exist", "userunknown"),
    ("550 5.1.1 unknown or illegal alias: kim@icloud.com", "userunknown"),
    ("550 5.7.1 something Apple does not document", ""),
]  # fmt: skip

YAHOO = [
    ("550 5.7.9 Blocked: Yahoo requires all senders to authenticate with either SPF or DKIM.", "authfailure"),
    ("421 4.7.0 [TSS04] Messages from 192.0.2.9 temporarily deferred due to unexpected volume or user complaints",
     "badreputation"),
    ("553 5.7.1 [BL21] Connections will not be accepted from 192.0.2.9, because the ip is in Spamhaus's list;",
     "blocked"),
    ("553 5.7.1 [BL23] Connections not accepted from IP addresses on Spamhaus XBL", "blocked"),
    ("550 relaying denied for <kim@yahoo.com>", "norelaying"),
    ("554 5.7.9 Message not accepted: headers are not RFC compliant", "notcompliantrfc"),
    ("554 Message not allowed - [PH01] Email not accepted for policy reasons.", "policyviolation"),
    ("553 5.7.2 [TSS09] All messages from 192.0.2.9 will be permanently deferred; Retrying will NOT succeed.",
     "rejected"),
    ("450 User is receiving mail too quickly", "speeding"),
    ("554 delivery error: dd kim@yahoo.com is no longer valid.", "suspend"),
    ("554 30 Sorry, your message to kim@aol.com cannot be delivered. This mailbox is disabled (554.30)", "suspend"),
    ("501 Syntax error in parameters or arguments", "syntaxerror"),
    ("421 Max message per connection reached, closing transmission channel", "toomanyconn"),
    ("554 delivery error: dd This user doesn't have a yahoo.com account (kim@yahoo.com)", "userunknown"),
    ("552 1 Requested mail action aborted, mailbox not found", "userunknown"),
    ("550 5.7.1 something Yahoo does not document", ""),
]  # fmt: skip


@pytest.mark.parametrize(("diagnostic", "reason"), APPLE)
def test_apple_s_documented_replies(diagnostic: str, reason: str) -> None:
    assert apple.reason(diagnostic.lower(), "") == reason
    assert reason_from("mx01.mail.icloud.com", "example.com", diagnostic, "5.0.0") == reason
    assert reason_from("", "me.com", diagnostic, "5.0.0") == reason


@pytest.mark.parametrize(("diagnostic", "reason"), YAHOO)
def test_yahoo_s_documented_replies(diagnostic: str, reason: str) -> None:
    assert yahooinc.reason(diagnostic.lower(), "") == reason
    assert reason_from("mta6.am0.yahoodns.net", "example.com", diagnostic, "5.0.0") == reason
    assert reason_from("", "aol.com", diagnostic, "5.0.0") == reason


def test_apple_and_yahoo_serve_only_their_own_hosts_and_domains() -> None:
    assert reason_from("mx.example.com", "example.com", "550 5.1.1 user does not exist", "5.1.1") == ""
    assert reason_from("mx.notapple.com", "icloud.com.example", "421 due to excessive volume", "4.7.1") == ""
    assert reason_from("yahoodns.net.example", "notyahoo.com", "450 user is receiving mail too quickly", "") == ""


def test_a_yahoo_reply_that_the_user_receives_too_quickly_is_speeding() -> None:
    raw = """Date: Tue, 3 Mar 2026 10:00:00 +0000
From: MAILER-DAEMON@mail.shop.example (Mail Delivery System)
To: orders@shop.example
Subject: Undelivered Mail Returned to Sender

This is the mail system at host mail.shop.example.

<kim@yahoo.com>: host mta7.am0.yahoodns.net[192.0.2.70] said: 550 User is receiving
    mail too quickly (in reply to RCPT TO command)
"""
    assert recipients(raw) == [("kim@yahoo.com", "5.0.0", "speeding")]


def test_an_icloud_volume_deferral_is_speeding() -> None:
    raw = """Date: Tue, 3 Mar 2026 10:00:00 +0000
From: MAILER-DAEMON@mail.shop.example (Mail Delivery System)
To: orders@shop.example
Subject: Undelivered Mail Returned to Sender

This is the mail system at host mail.shop.example.

<lee@icloud.com>: host mx02.mail.icloud.com[192.0.2.71] said: 550 5.7.1 Messages to
    lee@icloud.com deferred due to excessive volume. Try again later (in reply to
    end of DATA command)
"""
    assert recipients(raw) == [("lee@icloud.com", "5.7.1", "speeding")]


# Microsoft's documented replies whose reason sisimai 5 changed or added (code, words, reason).
MICROSOFT_5 = [
    ("5.7.323", "tlsa-invalid: The domain failed DANE validation", "authfailure"),
    ("4.7.324", "dnssec-invalid: Destination domain returned invalid DNSSEC records", "authfailure"),
    ("5.7.325", "certificate-host-mismatch: Remote certificate must have a common name", "authfailure"),
    ("5.7.322", "certificate-expired: Destination mail server's certificate is expired", "authfailure"),
    ("5.7.23", "The message was rejected because of Sender Policy Framework violation", "authfailure"),
    ("4.7.650", "The mail server [192.0.2.9] has been temporarily rate limited due to IP reputation.",
     "badreputation"),
    ("5.7.25", "Access denied, the sending IPv6 address [2001:db8::9] must have a reverse DNS record", "blocked"),
    ("5.7.511", "Access denied, banned sender[192.0.2.9]", "blocked"),
    ("4.4.316", "Connection refused [Message=Socket error code 10061]", "networkerror"),
    ("5.0.350", "Remote server returned error: x-dg-ref header is too long", "policyviolation"),
    ("5.7.501", "Access denied, spam abuse detected", "rejected"),
    ("5.7.512", "Access denied, message must be RFC 5322 section 3.6.2 compliant", "rejected"),
    ("5.4.317", "STARTTLS is required to send mail", "securityerror"),
    ("4.3.2", "STOREDRV.Deliver; recipient thread limit exceeded", "speeding"),
    ("5.1.90", "Your message can't be sent because you've reached your daily limit for message recipients",
     "speeding"),
    ("5.2.121", "Recipient's per hour message receive limit from specific sender exceeded", "speeding"),
    ("5.2.122", "Recipient's per hour message receive limit exceeded", "speeding"),
    ("5.7.508", "Access denied, [192.0.2.9] has exceeded permitted limits within /64 range", "speeding"),
    ("5.7.705", "Access denied, tenant has exceeded threshold", "speeding"),
    ("5.7.504", "Recipient address rejected: Access denied", "suspend"),
    ("5.7.505", "Access denied, banned recipient", "suspend"),
    ("4.4.318", "Connection was closed abruptly (SuspiciousRemoteServerError)", "systemerror"),
    ("4.7.500", "Server busy. Please try again later from [192.0.2.9]. (AS761)", "systemerror"),
]  # fmt: skip


@pytest.mark.parametrize(("code", "words", "reason"), MICROSOFT_5)
def test_microsoft_s_documented_replies_as_sisimai_5_files_them(code: str, words: str, reason: str) -> None:
    diagnostic = f"550 {code} {words}"
    assert reason_from("mail-kim.eurprd01.prod.outlook.com", "example.com", diagnostic, "5.0.0") == reason
    assert exchangeonline.reason(diagnostic.lower(), "5.0.0") == reason


MIMECAST_5 = [
    ("550 SPF Sender Invalid - envelope rejected", "authfailure"),
    ("550 DMARC Sender Invalid - envelope rejected", "authfailure"),
    ("451 Internal resources are temporarily unavailable", "badreputation"),
    ("550 Local CT IP Reputation - (reject)", "badreputation"),
    ("550 Journal messages past the expiration", "expired"),
    ("451 The incorrect hostname used for inbounds", "networkerror"),
    ("451 Open relay is not allowed", "norelaying"),
    ("554 Host network, not allowed", "policyviolation"),
    ("550 Envelope blocked - User Entry", "rejected"),
    ("550 Submitter failed to authenticate", "securityerror"),
]  # fmt: skip


@pytest.mark.parametrize(("diagnostic", "reason"), MIMECAST_5)
def test_mimecast_s_documented_replies_as_sisimai_5_files_them(diagnostic: str, reason: str) -> None:
    assert reason_from("us-smtp-inbound-1.mimecast.com", "customer.example", diagnostic, "5.0.0") == reason


GOOGLE_5 = [
    ("530 5.7.0 Must issue a STARTTLS command first.", "5.7.0", "syntaxerror"),
    ("454 5.5.1 STARTTLS may not be repeated.", "5.5.1", "syntaxerror"),
    ("503 5.5.1 RCPT first.", "5.5.1", "syntaxerror"),
    ("421 4.7.29 Gmail requires all large senders to use TLS/SSL during SMTP.", "4.7.29", "securityerror"),
    ("552 5.3.4 The size of the Subject header value (1200 bytes) exceeds Google's limit of 1000 bytes per "
     "individual header size.", "5.3.4", "exceedlimit"),
    ("552 5.3.4 Your message exceeded Google's message size limits.", "5.3.4", "mesgtoobig"),
    ("552 5.2.3 Your message exceeded Google's message size limits.", "5.2.3", "exceedlimit"),
]  # fmt: skip


@pytest.mark.parametrize(("diagnostic", "status", "reason"), GOOGLE_5)
def test_google_s_documented_replies_as_sisimai_5_files_them(diagnostic: str, status: str, reason: str) -> None:
    assert reason_from("gmail-smtp-in.l.google.com", "example.com", diagnostic, status) == reason
