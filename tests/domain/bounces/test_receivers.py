"""Receiving providers' documented replies: Google, Orange, Spectrum, GoDaddy and Cox, entry by entry."""

from __future__ import annotations

from re import _parser  # the standard library's own pattern parser: the text a pattern's matches hold
from typing import Any

import pytest

from domain.bounces.receivers import HOST_WORDS, PROVIDERS, cox, godaddy, google, orange, reason_from, spectrum

SPECTRUM = [
    (1000, "blocked"), (1010, "rejected"), (1020, "rejected"), (1050, "rejected"), (1080, "rejected"),
    (1090, "systemerror"), (1100, "requireptr"), (1150, "requireptr"), (1160, "policyviolation"),
    (1190, "policyviolation"), (1200, "blocked"), (1210, "blocked"), (1220, "blocked"), (1250, "blocked"),
    (1260, "networkerror"), (1300, "toomanyconn"), (1310, "toomanyconn"), (1340, "toomanyconn"),
    (1350, "speeding"), (1490, "speeding"), (1500, "rejected"), (1520, "rejected"), (1530, "mesgtoobig"),
    (1540, "speeding"), (1550, "speeding"), (1560, "policyviolation"), (1580, "speeding"),
    (1015, ""), (1095, ""), (1155, ""), (1195, ""), (1215, ""), (1255, ""), (1295, ""), (1495, ""), (1510, ""),
    (1570, ""), (999, ""),
]  # fmt: skip


@pytest.mark.parametrize(("code", "reason"), SPECTRUM)
def test_spectrum_s_aup_codes(code: int, reason: str) -> None:
    assert spectrum.reason(f"550 5.1.0 sender rejected. aup#in-{code:04d}", "5.1.0") == reason
    assert spectrum.reason(f"550 rejected aup#o{code:04d}", "") == reason


def test_spectrum_s_tables_are_exactly_the_documented_ones() -> None:
    assert len(spectrum.CODES) == 11
    assert spectrum.RANGES[0] == (1020, 1080, "rejected") and spectrum.RANGES[-1] == (1350, 1490, "speeding")
    assert spectrum.reason("550 no code here", "") == ""


GODADDY = [
    ("ib007", "toomanyconn"), ("ib101", "speeding"), ("ib103", "badreputation"), ("ib104", "blocked"),
    ("ib105", "blocked"), ("ib106", "blocked"), ("ib108", "requireptr"), ("ib110", "blocked"), ("ib111", "blocked"),
    ("ib112", "blocked"), ("ib113", "blocked"), ("ib212", "spamdetected"), ("ib401", "securityerror"),
    ("ib501", "notcompliantrfc"), ("ib502", "notcompliantrfc"), ("ib504", "speeding"), ("ib506", "rejected"),
    ("ib508", "authfailure"), ("ib510", "speeding"), ("ib607", "speeding"), ("ib705", "virusdetected"),
    ("ib999", ""),
]  # fmt: skip


@pytest.mark.parametrize(("code", "reason"), GODADDY)
def test_godaddy_s_ib_codes(code: str, reason: str) -> None:
    assert godaddy.reason(f"554 connection refused. {code}", "") == reason


@pytest.mark.parametrize(
    ("diagnostic", "reason"),
    [("553 http://www.spamhaus.org/query/bl?ip=192.0.2.2", "blocked"), ("554 rbl reject.", "blocked"),
     ("delivery timeout", "expired"), ("451 sorry, i wasn't able to establish an smtp connection.", "expired"),
     ("account disabled", "suspend"), ("account storage limit", "mailboxfull"),
     ("account does not exist", "userunknown"), ("550 recipient not found.", "userunknown"), ("550 no", ""),
     ("552 message rejected for spam or virus content", "spamdetected"),
     ("this message is looping: it already has my delivered-to line.", "systemerror"),
     ("this message has been in the queue too long.", "expired"),
     ("550 recipient not found ib999", "userunknown")],
)  # fmt: skip
def test_godaddy_s_messages(diagnostic: str, reason: str) -> None:
    assert godaddy.reason(diagnostic, "") == reason


COX = [
    ("cxbl", "blocked"), ("cxthrt", "securityerror"), ("cxmj", "securityerror"), ("cxdns", "requireptr"),
    ("cxsndr", "authfailure"), ("cxsmtp", "rejected"), ("cxcnct", "toomanyconn"), ("cxmxrt", "toomanyconn"),
    ("cdrbl", "blocked"), ("urlbl011", "spamdetected"), ("urlbl101", "spamdetected"), ("urlbl110", "spamdetected"),
    ("urlbl1001", "spamdetected"), ("ipbl0001", "blocked"), ("ipbl1111", "blocked"), ("ipbl00001", "blocked"),
    ("ipbl2", ""), ("ipbl000", ""), ("zz", ""),
]  # fmt: skip


@pytest.mark.parametrize(("code", "reason"), COX)
def test_cox_s_aup_codes(code: str, reason: str) -> None:
    assert cox.reason(f"554 refused aup#{code}", "") == reason


@pytest.mark.parametrize(
    ("diagnostic", "reason"),
    [("rejected - no rdns", "requireptr"), ("cox too many bad commands from 192.0.2.1", "blocked"),
     ("dns check failure - try again later", "requireptr"), ("too many invalid recipients", "blocked"),
     ("esmtp server temporarily not available", "systemerror"), ("esmtp no data before greeting", "policyviolation"),
     ("attachment extension is forbidden", "policyviolation"), ("sender rejected", "rejected"),
     ("too many sessions from 192.0.2.1", "toomanyconn"), ("requested action aborted: try again later", "toomanyconn"),
     ("message threshold exceeded", "toomanyconn"), ("recipient rejected", "userunknown"), ("550 no", "")],
)  # fmt: skip
def test_cox_s_messages(diagnostic: str, reason: str) -> None:
    assert cox.reason(diagnostic, "") == reason


@pytest.mark.parametrize(
    ("remote", "domain", "diagnostic", "reason"),
    [("", "charter.net", "550 AUP#In-1310", "toomanyconn"), ("mx.charter.net", "example.com", "AUP#I-1000", "blocked"),
     ("smtp.secureserver.net", "example.com", "554 refused IB104", "blocked"),
     ("", "cox.net", "554 AUP#CXBL", "blocked"), ("mx.cox.net", "example.com", "554 AUP#CXCNCT", "toomanyconn"),
     ("mx.example.com", "example.com", "554 AUP#CXBL IB104", "")],
)  # fmt: skip
def test_a_provider_is_consulted_by_its_hosts_or_its_recipients_domain(
    remote: str, domain: str, diagnostic: str, reason: str
) -> None:
    assert reason_from(remote, domain, diagnostic, None) == reason


def test_the_providers_in_order() -> None:
    assert [p.name for p in PROVIDERS] == [
        "google", "orange", "spectrum", "godaddy", "cox",
        "kddi", "nttdocomo", "tencentqq",  # part b
        "exchangeonline", "iua", "mimecast",  # first half
        "apple", "yahooinc",  # sisimai 5
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("code", "reason"),
    [("102", "blocked"), ("103", "blocked"), ("104", "toomanyconn"), ("305", "securityerror"), ("401", "blocked"),
     ("402", "securityerror"), ("403", "rejected"), ("405", "rejected"), ("415", "rejected"), ("416", "userunknown"),
     ("417", "mailboxfull"), ("418", "userunknown"), ("420", "suspend"), ("421", "rejected"), ("426", "suspend"),
     ("505", "systemerror"), ("506", "spamdetected"), ("510", "blocked"), ("514", "mesgtoobig"), ("999", "blocked"),
     ("108", "undefined"), ("101", "blocked"), ("517", "policyviolation"), ("630", "policyviolation")],
)  # fmt: skip
def test_orange_s_codes(code: str, reason: str) -> None:
    assert orange.reason(f"550 5.5.0 service refused. ofr_{code}", "5.5.0") == reason
    assert orange.reason(f"550 lpn105_{code} refused", "") == reason
    assert reason_from("smtp-in.orange.fr", "example.com", f"OFR_{code}", None) == reason


def test_la_poste_s_block_list_code_has_its_own_prefix() -> None:
    assert orange.reason("550 5.7.1 blocked using a block list lpnaaa_101", "5.7.1") == "blocked"


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


def _texts(items: Any) -> list[str] | None:
    """Every text a parsed (sub)pattern of literals, groups, alternatives and anchors matches (None: not one)."""
    texts = [""]
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            part: list[str] | None = [chr(arg)]
        elif name == "AT":
            part = [""]
        elif name == "SUBPATTERN":
            part = _texts(arg[3])
        elif name == "BRANCH":
            each = [_texts(alternative) for alternative in arg[1]]
            part = None if any(e is None for e in each) else [t for e in each for t in e or []]
        else:
            part = None
        if part is None:
            return None
        texts = [a + b for a in texts for b in part]
    return texts


def _holds_a_host_word(items: Any) -> bool:
    """Does every match of a parsed (sub)pattern hold one of HOST_WORDS (as far as its literals show)?"""
    runs, run = [], [""]
    for op, arg in items:
        part = _texts([(op, arg)])
        if part is not None:
            run = [a + b for a in run for b in part]
            continue
        runs.append(run)
        run = [""]
        if str(op) == "SUBPATTERN" and _holds_a_host_word(arg[3]):
            return True
        if str(op) == "BRANCH" and all(_holds_a_host_word(alternative) for alternative in arg[1]):
            return True
    return any(all(any(word in text for word in HOST_WORDS) for text in texts) for texts in [*runs, run])


@pytest.mark.parametrize("provider", PROVIDERS, ids=lambda p: p.name)
def test_every_match_of_a_provider_s_hosts_holds_one_of_the_host_words(provider: Any) -> None:
    assert _holds_a_host_word(_parser.parse(provider.hosts.pattern)), provider.hosts.pattern
    assert not _holds_a_host_word(_parser.parse(r"mx\.(?:google|example)\.com|cox\.net"))  # the check can fail


def test_a_host_without_any_host_word_is_no_provider_s_and_one_with_it_is_read() -> None:
    assert reason_from("mx.example.com", "example.com", "OFR_416", None) == ""
    assert reason_from("smtp-in.orange.fr", "example.com", "OFR_416", None) != ""
    assert reason_from("smtp-in.orange.fr.example.com", "example.com", "OFR_416", None) == ""  # a word, not a match
