"""Formats of sisimai's Lhost modules (first half) that the generic paths and the existing families
read right without a module of their own: each notice pins its format down, recipient by recipient."""

from __future__ import annotations

import re

import pytest

from domain.bounces import parse_bounce, receivers
from domain.bounces.families import amavis, amazonworkmail, exchange, facebook, gmail
from domain.bounces.findings import Finding
from domain.bounces.receivers import exchangeonline, iua, mimecast
from tests.domain.bounces import lhost_a_notices as n
from tests.domain.bounces.reading import Answer, recipients

READ_RIGHT: list[tuple[str, str, Answer]] = [
    ("activehunter", n.ACTIVEHUNTER, [("ken@remote.example", "5.1.1", "userunknown")]),
    ("barracuda", n.BARRACUDA, [("oli@remote.example", "5.7.1", "spamdetected")]),
    ("bigfoot", n.BIGFOOT, [("pam@remote.example", "5.0.0", "userunknown")]),
    ("biglobe", n.BIGLOBE, [("quin@biglobe.ne.jp", None, "mailboxfull")]),
    ("biglobe-unknown", n.BIGLOBE_UNKNOWN, [("quin@biglobe.ne.jp", None, "filtered")]),
    ("einsundeins", n.EINS_UND_EINS, [("rae@remote.example", None, "mesgtoobig")]),
    ("einsundeins-text", n.EINS_UND_EINS_TEXT, [("rae@remote.example", "5.7.1", "spamdetected")]),
    ("einsundeins-unknown", n.EINS_UND_EINS_TEXT_UNKNOWN, [("rae@remote.example", "5.0.0", "filtered")]),
    ("gsuite", n.GSUITE, [("tom@remote.example", "5.1.0", "userunknown")]),
    ("kddi", n.KDDI, [("vic@remote.example", None, "mailboxfull")]),
    ("kddi-relay", n.KDDI_RELAY, [("vic@remote.example", None, "norelaying")]),
    ("kddi-no-domain", n.KDDI_NO_DOMAIN, [("vic@remote.example", None, "hostunknown")]),
    ("mailfoundry", n.MAILFOUNDRY, [("xia@remote.example", "5.0.0", "filtered")]),
    ("mailru", n.MAILRU, [("zoe@remote.example", "5.1.1", "userunknown")]),
    ("mfilter", n.MFILTER, [("bea@remote.example", "5.1.1", "userunknown")]),
    ("mfilter-data", n.MFILTER_DATA, [("bea@remote.example", "5.7.1", "securityerror")]),
    ("kddi-attempted", n.KDDI_ATTEMPTED, [("vic@remote.example", None, "mailboxfull")]),
    ("mailru-local-part", n.MAILRU_LOCAL_PART, [("zoe@remote.example", "5.1.1", "userunknown")]),
    ("mailfoundry-full", n.MAILFOUNDRY_FULL, [("xia@remote.example", "5.2.2", "mailboxfull")]),
    (
        "activehunter-two",
        n.ACTIVEHUNTER_TWO,
        [("ken@remote.example", "5.1.1", "userunknown"), ("lou@remote.example", "5.1.1", "userunknown")],
    ),
    ("mxlogic", n.MXLOGIC, [("wes@remote.example", "5.1.1", "userunknown")]),
]


@pytest.mark.parametrize(("raw", "expected"), [c[1:] for c in READ_RIGHT], ids=[c[0] for c in READ_RIGHT])
def test_each_format_reads_its_recipients_status_and_reason(raw: str, expected: Answer) -> None:
    assert recipients(raw) == expected


def test_a_recipient_alone_with_its_reason_in_brackets_takes_the_bracketed_words_as_its_diagnostic() -> None:
    bounce = parse_bounce(n.MCAFEE.encode())
    assert bounce is not None
    assert bounce.recipients[0].diagnostic == "User unknown abe@remote.example"


def test_a_recipients_introduction_ending_in_a_colon_takes_the_paragraph_after_it_as_the_reason() -> None:
    bounce = parse_bounce(n.EINS_UND_EINS.encode())
    assert bounce is not None
    assert bounce.recipients[0].diagnostic.startswith("For the following reason: Mail size limit exceeded.")


@pytest.mark.parametrize(("code", "reason"), [*sorted(facebook.CODES.items()), ("INT-T3", "systemerror")])
def test_facebook_s_response_codes(code: str, reason: str) -> None:
    said = f"550 5.1.1 {code.upper()} http://postmaster.facebook.example/response_codes"
    assert facebook.refine(Finding("a@facebook.com", said)).hint == reason


def test_facebook_without_a_response_code_settles_nothing() -> None:
    assert facebook.refine(Finding("a@facebook.com", "550 5.1.1 refused")).hint is None


def test_mailmarshal_gives_the_reply_before_the_list_to_every_recipient_listed() -> None:
    raw = n.MAILMARSHAL.replace("    yan@remote.example\n", "    yan@remote.example\n    <zed@remote.example>\n")
    assert recipients(raw) == [
        ("yan@remote.example", "5.1.1", "userunknown"),
        ("zed@remote.example", "5.1.1", "userunknown"),
    ]


PROVIDERS_DECIDE: list[tuple[str, str, Answer]] = [
    ("outlook-block-list", n.OUTLOOK_BLOCK_LIST, [("amy@hotmail.com", "5.7.1", "blocked")]),
    ("outlook-banned-ip", n.OUTLOOK_BANNED_IP, [("bo@tenant.example", "5.7.606", "blocked")]),
    ("outlook-no-recipient", n.OUTLOOK_NO_RECIPIENT, [("cy@tenant.example", "5.4.1", "userunknown")]),
    ("outlook-no-ipv6", n.OUTLOOK_NO_IPV6, [("bo@tenant.example", "5.7.510", "blocked")]),  # sisimai 5: blocked
    ("iua-unused", n.IUA_UNUSED, [("dee@i.ua", "5.0.0", "suspend")]),
    ("mimecast-virus", n.MIMECAST_VIRUS, [("eve@customer.example", "5.0.0", "virusdetected")]),
    ("mimecast-relay", n.MIMECAST_RELAY, [("eve@customer.example", "4.0.0", "norelaying")]),
]


@pytest.mark.parametrize(("raw", "expected"), [c[1:] for c in PROVIDERS_DECIDE], ids=[c[0] for c in PROVIDERS_DECIDE])
def test_a_receiving_provider_s_documented_reply_decides_when_another_mta_reports_it(
    raw: str, expected: Answer
) -> None:
    assert recipients(raw) == expected


@pytest.mark.parametrize(
    ("code", "reply", "reason"),
    [("5.7.1", "part of their network is on our block list (s3150)", "blocked"),
     ("5.7.1", "unable to relay", "norelaying"), ("5.7.1", "delivery not authorized", "rejected"),
     ("5.4.1", "recipient address rejected: access denied", "userunknown"),
     ("5.4.1", "relay access denied", "norelaying"), ("5.2.2", "mailbox full", "mailboxfull"),
     ("5.2.2", "submission quota exceeded", "speeding"), ("4.3.1", "insufficient system resources", "systemfull"),
     ("5.1.10", "anything", "userunknown"), ("5.7.606", "anything", "blocked"), ("5.7.509", "dmarc", "authfailure")],
)  # fmt: skip
def test_exchange_online_s_documented_replies_and_codes(code: str, reply: str, reason: str) -> None:
    assert exchangeonline.reason(f"550 {code} {reply}", "5.0.0") == reason
    assert exchange.refine(Finding("a@b.example", f"550 {code} {reply}", "5.0.0")).hint == reason


def test_another_mta_s_report_of_a_standard_code_from_microsoft_needs_its_documented_words() -> None:
    assert exchangeonline.reason("550 5.7.1 refused", "5.0.0") == ""
    assert exchangeonline.reason("550 5.7.1 refused", "5.7.1") == ""
    assert exchange.refine(Finding("a@b.example", "550 5.7.1 refused", "5.0.0")).hint == "rejected"


@pytest.mark.parametrize(
    ("number", "reason"),
    [("1", "norelaying"), ("2", "userunknown"), ("3", "suspend"), ("4", "mailboxfull"), ("5", "toomanyconn"),
     ("6", "norelaying"), ("7", "blocked"), ("8", "rejected"), ("9", "blocked"), ("10", "filtered"), ("11", "")],
)  # fmt: skip
def test_i_ua_s_error_pages(number: str, reason: str) -> None:
    assert iua.reason(f"550 refused. http://mail.i.ua/err/{number}/", "") == reason


def test_mimecast_s_replies_need_both_their_code_and_their_words() -> None:
    assert all(mimecast.reason(f"{code} {words} - see mimecast", "") == name for code, words, name in mimecast.REPLIES)
    assert mimecast.reason("550 email rejected due to security policies", "") == ""
    assert mimecast.reason("554 refused", "") == ""


def test_workmail_takes_the_quoted_code_only_for_a_vague_status_of_the_same_class() -> None:
    said = "5.1.0 - Unknown address error 550-'5.1.1 <a@b.example>: unknown'"
    assert amazonworkmail.refine(Finding("a@b.example", said, "5.1.0")).status == "5.1.1"
    assert amazonworkmail.refine(Finding("a@b.example", said, "5.2.2")).status == "5.2.2"
    assert amazonworkmail.refine(Finding("a@b.example", said.replace("'5.1.1", "'4.1.1"), "5.0.0")).status == "5.0.0"
    assert amazonworkmail.refine(Finding("a@b.example", "550 unknown", "5.1.0")).status == "5.1.0"


def test_gmail_takes_the_remote_servers_own_code_for_a_class_only_status() -> None:
    assert gmail.refine(Finding("a@b.example", "550 #5.1.0 Address rejected.", "5.0.0")).status == "5.1.0"
    assert gmail.refine(Finding("a@b.example", "550 5.0.0 rejected", "5.0.0")).status == "5.0.0"
    assert gmail.refine(Finding("a@b.example", "451 4.4.1 later", "5.0.0")).status == "5.0.0"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(n.AMAVIS_VIRUS, [("lin@remote.example", "5.7.0", "virusdetected")]),
     (n.AMAVIS_HEADER, [("lin@remote.example", "5.6.0", "contenterror")]),
     (n.AMAVIS_SIZE, [("lin@remote.example", "5.3.4", "exceedlimit")])],
)  # fmt: skip
def test_amavis_s_content_category_names_the_reason(raw: str, expected: Answer) -> None:
    assert recipients(raw) == expected


def test_amavis_s_relay_failures_are_system_errors() -> None:
    said = "554 5.4.0 id=1-01 - Rejected by next-hop MTA on relaying, from MTA(smtp:[127.0.0.1]:10025)"
    assert amavis.refine(Finding("a@b.example", said)).hint == "systemerror"
    assert amavis.refine(Finding("a@b.example", "554 5.7.0 id=1-01 - BANNED: x.exe")).hint is None


def test_interscan_s_unable_to_deliver_sentence_is_an_unknown_recipient() -> None:
    assert recipients(n.INTERSCAN_UNABLE) == [("uli@remote.example", None, "userunknown")]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(n.MCAFEE, [("abe@remote.example", "5.0.0", "filtered")]),
     (n.APACHE_JAMES, [("nia@remote.example", "5.0.0", "filtered")]),
     (n.AOL, [("ned@nowhere.example", "5.4.4", "hostunknown")])],
    ids=["mcafee-user-unknown-words", "apachejames-with-its-list", "aol-host-not-found"],
)  # fmt: skip
def test_family_module_formats_in_their_other_wordings(raw: str, expected: Answer) -> None:
    assert recipients(raw) == expected


def test_apache_james_takes_only_the_envelope_recipients_not_the_originals_other_addressees() -> None:
    raw = n.APACHE_JAMES_NO_LIST.replace("  To: nia@remote.example\n", "  To: nia@remote.example, ora@remote.example\n")
    assert recipients(raw) == [("nia@remote.example", "5.0.0", "filtered")]


def test_a_recipient_alone_with_a_name_in_brackets_takes_no_diagnostic_from_them() -> None:
    raw = n.MCAFEE.replace("(User unknown abe@remote.example)", "(Abe Example)")
    bounce = parse_bounce(raw.encode())
    assert bounce is not None
    assert bounce.recipients[0].diagnostic == ""


def test_a_bracketed_reason_may_hold_brackets_and_names_no_other_recipient() -> None:
    raw = n.MCAFEE.replace(
        "<abe@remote.example>   (User unknown abe@remote.example)\n",
        "<abe@remote.example>   (554 5.4.6 Too many hops 31 (25 max): message probably in a routing loop)\n"
        "<cal@remote.example>   (550 5.1.2 <cal@remote.example>... Host unknown (Name server: host not found))\n",
    ).replace(
        "Status: 5.0.0\n",
        "Status: 5.4.6\n\nOriginal-Recipient: <cal@remote.example>\nFinal-Recipient: <cal@remote.example>\n"
        "Action: failed\nStatus: 5.1.2\n",
    )
    bounce = parse_bounce(raw.encode())
    assert bounce is not None
    assert [(r.email, r.reason) for r in bounce.recipients] == [
        ("abe@remote.example", "networkerror"),
        ("cal@remote.example", "hostunknown"),
    ]
    assert bounce.recipients[1].diagnostic.startswith("550 5.1.2 <cal@remote.example>... Host unknown")


def test_unable_to_deliver_message_to_with_a_colon_places_the_recipient_and_not_an_address_in_the_reply() -> None:
    raw = n.MAILFOUNDRY.replace(
        "550 <xia@remote.example> No such user here", "550 5.1.6 mailbox has moved to xia.new@elsewhere.example"
    )
    assert [email for email, _, _ in recipients(raw)] == ["xia@remote.example"]


def test_the_providers_patterns_carry_no_flags_so_one_combined_search_rules_them_all_out() -> None:
    plain = re.compile("").flags
    assert all(p.hosts.flags == plain and p.domains.flags == plain for p in receivers.PROVIDERS)
    assert receivers.reason_from("mx.nobody.example", "nobody.example", "550 5.7.1 unable to relay", "5.7.1") == ""
    assert receivers.reason_from("x.mail.protection.outlook.com", "", "550 5.7.1 unable to relay", "5.7.1")


def test_mailmarshal_gives_each_section_s_recipients_that_section_s_reply() -> None:
    second = "Could not be delivered because of\n\n552 5.2.2 Mailbox full\n\nThe following recipients were affected:\n"
    raw = n.MAILMARSHAL.replace(
        "\nAdditional Information", "\n" + second + "    ada@remote.example\n\nAdditional Information"
    )
    assert recipients(raw) == [
        ("yan@remote.example", "5.1.1", "userunknown"),
        ("ada@remote.example", "5.2.2", "mailboxfull"),
    ]
