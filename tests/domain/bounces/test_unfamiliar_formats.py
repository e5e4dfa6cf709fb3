"""Notifications from software no family module knows, read by the generic paths, and the general
rules they exposed: a `[SMTP:address]` after a keyword, a pasted header block's Message-ID, a daemon
that signs with its product's name, Sendmail's own error line stating the listed reason precisely."""

from __future__ import annotations

import email.header

import pytest

from domain.bounces import parse_bounce
from domain.bounces.classify import classify
from domain.bounces.notice import Notice
from domain.bounces.prose import weak_addresses
from tests.domain.bounces.notices import GROUPWISE
from tests.domain.bounces.reading import recipients

DATE = "Date: Tue, 1 Dec 2026 08:00:00 +0000\n"
PASTED_HEADERS = "From: orders@shop.example\nTo: uma@remote.example\nMessage-ID: <order17@shop.example>\n"
# A Windows mail server's notification: recipients as `[SMTP:address]`, the original's headers pasted.
BRACKETED = (
    DATE
    + """From: POSTMASTER@winmail.example
To: orders@shop.example
Subject: Message Delivery Failure

The following recipient(s) could not be reached:

\tRecipient: [SMTP:uma@remote.example]
\tReason: Remote SMTP Server Returned: 550 5.1.1 <uma@remote.example>... User unknown

Message headers follow:

"""
    + PASTED_HEADERS
)
# A server that signs as its product and writes its SMTP session as `-->`/`<--` lines.
SESSION_LOG = (
    DATE
    + """From: MDaemon@relay.example
To: orders@shop.example
Subject: Permanent Delivery Failure

The attached message had PERMANENT fatal delivery errors!

--- Session Transcript ---
 Tue 2026-12-01 08:00:01.010: --> MAIL From:<orders@shop.example>
 Tue 2026-12-01 08:00:01.020: <-- 250 2.1.0 Ok
 Tue 2026-12-01 08:00:01.030: --> RCPT To:<vic@remote.example>
 Tue 2026-12-01 08:00:01.040: <-- 550 5.1.1 <vic@remote.example>: Recipient address rejected: User unknown
--- End Transcript ---
"""
)
SENDMAIL_LISTED = (
    DATE
    + """From: Mail Delivery Subsystem <MAILER-DAEMON@gw.shop.example>
To: orders@shop.example
Subject: Returned mail: see transcript for details

   ----- The following addresses had permanent fatal errors -----
wes@nowhere.example
    (reason: 550 Host unknown)

   ----- Transcript of session follows -----
550 5.1.2 wes@nowhere.example... Host unknown (Name server: nowhere.example: host not found)
"""
)


def test_a_recipient_written_as_smtp_colon_in_brackets_is_read_with_its_reason() -> None:
    assert recipients(BRACKETED) == [("uma@remote.example", "5.1.1", "userunknown")]


def test_a_pasted_header_blocks_message_id_is_never_a_recipient() -> None:
    # Without the marker line the pasted headers stay in the text: the ids in them are still not mailboxes.
    raw = BRACKETED.replace("Message headers follow:\n", "").replace("Recipient: [SMTP:", "[")
    assert "order17@shop.example" not in [email for email, _, _ in recipients(raw)]
    body = Notice.read(
        (
            "To: orders@shop.example\nSubject: x\n\nfailed\n" + PASTED_HEADERS + "References: <a1@shop.example>\n"
        ).encode()
    )
    assert weak_addresses(body, set()) == ["uma@remote.example"]


def test_a_session_log_from_a_daemon_signing_with_its_product_name_is_a_bounce() -> None:
    assert Notice.read(SESSION_LOG.encode()).from_daemon
    assert recipients(SESSION_LOG) == [("vic@remote.example", "5.1.1", "userunknown")]


def test_the_same_log_from_a_person_without_failure_wording_is_not_a_bounce() -> None:
    raw = SESSION_LOG.replace("MDaemon@relay.example", "vic.friend@relay.example").replace(
        "The attached message had PERMANENT fatal delivery errors!", "Here is the log you asked for."
    )
    assert parse_bounce(raw.replace("Permanent Delivery Failure", "the log").encode()) is None


def test_sendmails_own_error_line_gives_the_status_when_it_states_the_listed_reason() -> None:
    assert recipients(SENDMAIL_LISTED) == [("wes@nowhere.example", "5.1.2", "hostunknown")]


def test_sendmails_own_error_line_about_another_reply_leaves_the_listed_reason() -> None:
    raw = SENDMAIL_LISTED.replace("(reason: 550 Host unknown)", "(reason: 553 Sender Policy Framework (SPF) fail)")
    raw = raw.replace("Host unknown (Name server: nowhere.example: host not found)", "User unknown")
    [(email, status, reason)] = recipients(raw)
    assert (email, status) == ("wes@nowhere.example", "5.0.0")
    assert reason != "userunknown"


def test_groupwise_completes_a_local_part_from_the_original_addressees_and_keeps_full_addresses() -> None:
    assert recipients(GROUPWISE) == [("moe@gw.example", None, "userunknown"), ("nell@gw.example", None, "mailboxfull")]


@pytest.mark.parametrize(
    "words",
    [
        "DNS type 'mx' lookup of nowhere.example responded with code NXDOMAIN",
        "the host nowhere.example is unknown: Host not found",
        "all relevant MX records point to non-existent hosts",
        "nowhere.example has no MX or A records",
    ],
)
def test_the_resolvers_words_for_a_name_without_an_address_are_an_unknown_host(words: str) -> None:
    assert classify(None, words, "failed").reason == "hostunknown"


def _wrapper(note: str, attached: bytes) -> bytes:
    head = (
        DATE + "From: club-owner@lists.example\nTo: club-owner@lists.example\nSubject: Uncaught bounce notification\n"
        'Content-Type: multipart/mixed; boundary="w1"\n\n'
    )
    parts = f"--w1\nContent-Type: text/plain\n\n{note}\n\n--w1\nContent-Type: message/rfc822\n\n"
    return (head + parts).encode() + attached + b"\n--w1--\n"


UNREAD = "The attached message was received as a bounce, but its format was not recognized."


def test_a_bounce_passed_on_whole_by_list_software_is_read_from_its_attachment() -> None:
    assert recipients(_wrapper(UNREAD, SENDMAIL_LISTED.encode())) == [("wes@nowhere.example", "5.1.2", "hostunknown")]


def test_an_attached_message_is_not_read_as_a_bounce_unless_the_wrapper_and_the_attachment_both_say_so() -> None:
    from_a_person = SENDMAIL_LISTED.replace("MAILER-DAEMON@gw.shop.example", "wes.friend@gw.shop.example")
    from_a_person = from_a_person.replace("Mail Delivery Subsystem", "Wes")
    assert parse_bounce(_wrapper(UNREAD, from_a_person.encode())) is None
    assert parse_bounce(_wrapper("Here is the thread you asked about.", SENDMAIL_LISTED.encode())) is None


# A notice that names its recipient in prose and pastes the returned message's header block after a
# line no marker list knows: the pasted author must never be taken for a bounced recipient.
PASTED_AUTHOR = (
    DATE
    + """From: postmaster@iis.example
To: news-bounces@lists.shop.example
Subject: Delivery failure

The email below could not be delivered to the following user:

"Ivy" <ivy@iis.example>

{marker}
From: news@lists.shop.example
Sender: news-owner@lists.shop.example
Subject: December news
"""
)


@pytest.mark.parametrize("marker", ["Old message:", "--- copy of what you sent ---"])
def test_the_author_of_a_pasted_header_block_is_never_a_bounced_recipient(marker: str) -> None:
    assert [email for email, _, _ in recipients(PASTED_AUTHOR.format(marker=marker))] == ["ivy@iis.example"]


DUTCH = (
    DATE
    + """From: MAILER-DAEMON@nl.example
To: orders@shop.example
Subject: {subject}

Mail kon niet worden afgeleverd.

<ruud@nl.example>: onbekende gebruiker
"""
)


@pytest.mark.parametrize("subject", ["Onbestelbaar: factuur 17", "Re: factuur 17"])
def test_a_notification_written_in_dutch_is_a_bounce(subject: str) -> None:
    assert [email for email, _, _ in recipients(DUTCH.format(subject=subject))] == ["ruud@nl.example"]


@pytest.mark.parametrize(
    "subject",
    [
        "Non recapitabile: Fattura 17",
        "No se puede entregar: Factura 17",
        "Não é possível entregar: Fatura 17",
        "Olevererbart: Faktura 17",
        "Kan ikke leveres: Faktura 17",
        "Niedostarczalne: Faktura 17",
    ],
)
def test_exchanges_localised_subjects_count_as_a_bounce_subject(subject: str) -> None:
    # Written as raw UTF-8 (RFC 6532) and as encoded words (RFC 2047): both read the same.
    encoded = email.header.Header(subject, "utf-8").encode()
    assert recipients(_exchange_ndr(subject)) == recipients(_exchange_ndr(encoded))


def _exchange_ndr(subject: str) -> str:
    return (
        DATE
        + f"From: Microsoft Outlook <MicrosoftExchange@corp.example>\nTo: orders@shop.example\nSubject: {subject}\n\n"
        + "zoe@corp.example\n    550 5.1.1 RESOLVER.ADR.RecipNotFound; not found\n"
    )


@pytest.mark.parametrize("subject", ["Non recapitabile: Fattura 17", "Não é possível entregar: Fatura 17"])
def test_an_exchange_notice_with_a_localised_subject_is_read(subject: str) -> None:
    assert recipients(_exchange_ndr(subject)) == [("zoe@corp.example", "5.1.1", "userunknown")]


def test_a_recipient_listed_with_nothing_after_it_takes_the_lists_introduction_as_its_diagnostic() -> None:
    raw = (
        DATE
        + "From: MAILER-DAEMON@mail-provider.example\nTo: orders@shop.example\nSubject: Mail delivery failed\n\n"
        + "Your mail to the following recipients could not be delivered because they are not accepting "
        + "mail from orders@shop.example:\n\tian@mail-provider.example\n"
    )
    bounce = parse_bounce(raw.encode())
    assert bounce is not None
    [recipient] = bounce.recipients
    assert recipient.email == "ian@mail-provider.example"
    assert recipient.diagnostic.startswith("Your mail to the following recipients could not be delivered")
    assert recipient.reason == "onhold"  # sisimai's answer too: the words settle no reason


def test_a_bare_local_part_followed_by_its_reason_in_brackets_is_completed_and_keeps_the_reason() -> None:
    raw = (
        DATE
        + "From: Postmaster <postmaster@novell.example>\nTo: orders@shop.example\nSubject: Undeliverable mail\n\n"
        + "The message that you sent was undeliverable to the following:\n\tfran (user not found)\n\n"
        + "Possibly truncated original message follows:\n\nFrom: orders@shop.example\nTo: fran@novell.example\n"
    )
    bounce = parse_bounce(raw.encode())
    assert bounce is not None
    assert [(r.email, r.diagnostic) for r in bounce.recipients] == [("fran@novell.example", "(user not found)")]


def _exchange_2003(listed: str, addressees: str) -> bytes:
    """Exchange 2000/2003's text report, its original attached."""
    return (
        DATE
        + "From: System Administrator <postmaster@corp.example>\nTo: Orders <orders@shop.example>\n"
        + 'Subject: Undeliverable: Invoice 17\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="nd1"\n\n'
        + "--nd1\nContent-Type: text/plain\n\n"
        + "Your message did not reach some or all of the intended recipients.\n\n"
        + "      Subject:\tInvoice 17\n      Sent:\t12/1/2026 7:58 AM\n\n"
        + "The following recipient(s) could not be reached:\n\n"
        + f"      {listed} on 12/1/2026 8:00 AM\n"
        + "            The e-mail account does not exist at the organization this message was sent to.\n"
        + "            <mx.corp.example #5.1.1>\n\n"
        + "--nd1\nContent-Type: message/rfc822\n\n"
        + f"From: Orders <orders@shop.example>\n{addressees}\nSubject: Invoice 17\n\nThe invoice.\n--nd1--\n"
    ).encode()


TO_SAM_AND_UNA = "To: Sam Taylor <sam@corp.example>, Una Berg <una@corp.example>\nCc: Billing <billing@shop.example>"


def test_exchange_2003s_recipient_named_by_display_name_is_found_among_the_originals_addressees() -> None:
    assert recipients(_exchange_2003("Sam Taylor", TO_SAM_AND_UNA)) == [("sam@corp.example", "5.1.1", "userunknown")]
    assert recipients(_exchange_2003("'una@corp.example'", TO_SAM_AND_UNA)) == [
        ("una@corp.example", "5.1.1", "userunknown")
    ]


def test_a_display_name_two_addressees_share_names_nobody() -> None:
    two_sams = "To: Sam Taylor <sam@corp.example>\nCc: Sam Taylor <sam.taylor@home.example>"
    assert parse_bounce(_exchange_2003("Sam Taylor", two_sams)) is None
    assert parse_bounce(_exchange_2003("Sam Taylor", "To: Una Berg <una@corp.example>")) is None
