"""Formats of sisimai's Lhost modules (first half) that the generic paths and the existing families
read right without a module of their own: each notice pins its format down, recipient by recipient."""

from __future__ import annotations

import pytest

from domain.bounces import parse_bounce
from domain.bounces.families import facebook
from domain.bounces.findings import Finding
from tests.domain.bounces import lhost_a_notices as n

Expected = list[tuple[str, str | None, str]]
READ_RIGHT: list[tuple[str, str, Expected]] = [
    ("activehunter", n.ACTIVEHUNTER, [("ken@remote.example", "5.1.1", "userunknown")]),
    ("amavis", n.AMAVIS, [("lin@remote.example", "5.7.0", "spamdetected")]),
    ("aol", n.AOL, [("ned@nowhere.example", "5.4.4", "hostunknown")]),
    ("apachejames", n.APACHE_JAMES, [("nia@remote.example", "5.0.0", "filtered")]),
    ("barracuda", n.BARRACUDA, [("oli@remote.example", "5.7.1", "spamdetected")]),
    ("bigfoot", n.BIGFOOT, [("pam@remote.example", "5.0.0", "userunknown")]),
    ("biglobe", n.BIGLOBE, [("quin@biglobe.ne.jp", None, "mailboxfull")]),
    ("einsundeins", n.EINS_UND_EINS, [("rae@remote.example", None, "mesgtoobig")]),
    ("einsundeins-text", n.EINS_UND_EINS_TEXT, [("rae@remote.example", "5.7.1", "spamdetected")]),
    ("einsundeins-unknown", n.EINS_UND_EINS_TEXT_UNKNOWN, [("rae@remote.example", "5.0.0", "filtered")]),
    ("interscanmss", n.INTERSCAN, [("uli@remote.example", "5.1.1", "userunknown")]),
    ("kddi", n.KDDI, [("vic@remote.example", None, "mailboxfull")]),
    ("mailfoundry", n.MAILFOUNDRY, [("xia@remote.example", "5.0.0", "filtered")]),
    ("mailru", n.MAILRU, [("zoe@remote.example", "5.1.1", "userunknown")]),
    ("mcafee", n.MCAFEE, [("abe@remote.example", "5.0.0", "filtered")]),
    ("mfilter", n.MFILTER, [("bea@remote.example", "5.1.1", "userunknown")]),
    ("mxlogic", n.MXLOGIC, [("wes@remote.example", "5.1.1", "userunknown")]),
]


def recipients(raw: str | bytes) -> Expected:
    bounce = parse_bounce(raw.encode() if isinstance(raw, str) else raw)
    assert bounce is not None
    return [(r.email, r.status_code, r.reason) for r in bounce.recipients]


@pytest.mark.parametrize(("raw", "expected"), [c[1:] for c in READ_RIGHT], ids=[c[0] for c in READ_RIGHT])
def test_each_format_reads_its_recipients_status_and_reason(raw: str, expected: Expected) -> None:
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
