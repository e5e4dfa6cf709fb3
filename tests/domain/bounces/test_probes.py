"""The first pass of the classifier, probe by probe: each rule's every branch (sisimai's true())."""

from __future__ import annotations

import pytest

from domain.bounces.classify import _specific
from domain.bounces.probes import FIRST_PASS, PROBES, Fact, first_pass, possible
from domain.bounces.statuses import status_reason


def fact(
    code: str = "", text: str = "", command: str = "", hint: str = "", reply: str = "", named: str | None = None
) -> Fact:
    return Fact(code, status_reason(code) if named is None else named, text, command, hint, reply)


CASES: list[tuple[str, Fact, bool]] = [
    ("mailboxfull", fact(hint="mailboxfull"), True),
    ("mailboxfull", fact(code="5.2.2"), True),
    ("mailboxfull", fact(text="mailbox is full"), True),
    ("mailboxfull", fact(code="5.1.1", text="user unknown"), False),
    ("mesgtoobig", fact(hint="mesgtoobig"), True),
    ("mesgtoobig", fact(code="5.3.4"), True),
    ("mesgtoobig", fact(text="message too big"), True),
    ("mesgtoobig", fact(code="5.2.3", text="message too big"), False),
    ("mesgtoobig", fact(code="5.2.3", named="", text="message too big"), False),
    ("mesgtoobig", fact(code="4.2.3", text="message too big"), False),
    ("mesgtoobig", fact(text="mailbox is full"), False),
    ("exceedlimit", fact(hint="exceedlimit"), True),
    ("exceedlimit", fact(code="5.2.3"), True),
    ("exceedlimit", fact(text="message too large"), True),
    ("exceedlimit", fact(text="mailbox is full"), False),
    ("suspend", fact(hint="suspend"), True),
    ("suspend", fact(reply="525"), True),
    ("suspend", fact(text="mailbox disabled"), True),
    ("suspend", fact(code="5.7.13", reply="550"), False),
    ("hasmoved", fact(hint="hasmoved"), True),
    ("hasmoved", fact(text="user has been replaced by another"), True),
    ("hasmoved", fact(code="5.1.6"), False),
    ("norelaying", fact(hint="norelaying"), True),
    ("norelaying", fact(text="relay access denied"), True),
    ("norelaying", fact(text="relay access denied", hint="securityerror"), False),
    ("norelaying", fact(text="relay access denied", hint="systemerror"), False),
    ("norelaying", fact(text="relay access denied", hint="undefined"), False),
    ("norelaying", fact(text="relay access denied", hint="userunknown"), True),
    ("norelaying", fact(text="relay access denied", command="CONN"), False),
    ("norelaying", fact(text="relay access denied", command="EHLO"), False),
    ("norelaying", fact(text="relay access denied", command="HELO"), False),
    ("norelaying", fact(text="relay access denied", command="RCPT"), True),
    ("norelaying", fact(text="user unknown"), False),
    ("authfailure", fact(hint="authfailure"), True),
    ("authfailure", fact(code="5.7.26"), True),
    ("authfailure", fact(text="rejected per dmarc policy"), True),
    ("authfailure", fact(code="5.7.1"), False),
    ("userunknown", fact(hint="userunknown"), True),
    ("userunknown", fact(code="5.1.1"), True),
    ("userunknown", fact(code="5.7.13", text="user unknown", command="RCPT"), False),
    ("userunknown", fact(code="5.1.1", text="relay access denied"), False),
    ("userunknown", fact(code="5.1.1", text="blacklisted by spamhaus"), False),
    ("userunknown", fact(code="5.1.1", text="mailbox is full"), False),
    ("userunknown", fact(code="5.1.1", text="mailbox has been replaced by x"), False),
    ("userunknown", fact(code="5.1.1", text="sender verify failed"), False),
    ("userunknown", fact(code="5.1.1", text="host does not accept mail"), False),
    ("userunknown", fact(text="user unknown", command="RCPT"), True),
    ("userunknown", fact(text="user unknown", command="DATA"), False),
    ("userunknown", fact(text="user unknown"), False),
    ("userunknown", fact(text="mailbox is full", command="RCPT"), False),
    ("filtered", fact(hint="filtered"), True),
    ("filtered", fact(code="5.7.13", text="user reject", command="DATA"), False),
    ("filtered", fact(code="5.2.0", text="user unknown", command="RCPT"), True),
    ("filtered", fact(code="5.2.0", text="user reject", command="RCPT"), True),
    ("filtered", fact(code="5.2.0", command="DATA"), False),
    ("filtered", fact(text="user unknown", command="RCPT"), False),
    ("filtered", fact(text="user unknown", command="MAIL"), False),
    ("filtered", fact(text="user unknown", command="CONN"), False),
    ("filtered", fact(text="user unknown", command="EHLO"), False),
    ("filtered", fact(text="user unknown", command="HELO"), False),
    ("filtered", fact(text="user unknown", command="DATA"), True),
    ("filtered", fact(text="user reject", command="DATA"), True),
    ("filtered", fact(text="user unknown"), True),
    ("filtered", fact(text="mailbox is full", command="DATA"), False),
    ("requireptr", fact(hint="requireptr"), True),
    ("requireptr", fact(code="5.7.25"), True),
    ("requireptr", fact(text="reverse dns failed"), True),
    ("requireptr", fact(code="5.7.1"), False),
    ("notcompliantrfc", fact(hint="notcompliantrfc"), True),
    ("notcompliantrfc", fact(text="this message is not rfc 5322 compliant"), True),
    ("notcompliantrfc", fact(code="5.6.0"), False),
    ("badreputation", fact(hint="badreputation"), True),
    ("badreputation", fact(text="ip/domain reputation problems"), True),
    ("badreputation", fact(code="5.7.1"), False),
    ("contenterror", fact(hint="contenterror"), True),
    ("contenterror", fact(code="5.6.0"), True),
    ("contenterror", fact(text="improper use of 8-bit data in message header"), True),
    ("contenterror", fact(code="5.6.0", text="spam detected"), False),
    ("contenterror", fact(code="5.7.28"), False),
    ("contenterror", fact(code="5.7.1"), False),
    ("rejected", fact(hint="rejected"), True),
    ("rejected", fact(code="5.1.8"), True),
    ("rejected", fact(text="sender verify failed", command="MAIL"), True),
    ("rejected", fact(text="mailbox is full", command="MAIL"), False),
    ("rejected", fact(text="sender verify failed", command="DATA"), True),
    ("rejected", fact(code="5.1.1", text="sender verify failed", command="DATA"), False),
    ("rejected", fact(text="sender verify failed", command="RCPT"), True),
    ("rejected", fact(code="5.7.1", text="sender verify failed", command="RCPT"), True),
    ("rejected", fact(code="5.3.0", text="sender verify failed", command="RCPT"), True),
    ("rejected", fact(code="5.2.2", text="sender verify failed", command="RCPT"), False),
    ("rejected", fact(named="onhold", text="sender verify failed"), True),
    ("rejected", fact(named="undefined", text="sender verify failed"), True),
    ("rejected", fact(text="recipient address rejected: sender rejected"), False),
    ("hostunknown", fact(hint="hostunknown"), True),
    ("hostunknown", fact(code="5.1.2"), True),
    ("hostunknown", fact(code="5.1.2", text="host name lookup failure"), False),
    ("hostunknown", fact(text="no such domain"), True),
    ("hostunknown", fact(text="user unknown"), False),
    ("spamdetected", fact(hint="spamdetected"), False),
    ("spamdetected", fact(code="5.7.1", hint="spamdetected"), True),
    ("spamdetected", fact(code="5.7.28"), True),
    ("spamdetected", fact(code="5.7.1", text="spam detected"), True),
    ("spamdetected", fact(code="5.7.1", text="spam detected", command="DATA"), True),
    ("spamdetected", fact(code="5.7.1", text="spam detected", command="RCPT"), False),
    ("spamdetected", fact(code="5.7.1", text="spam detected", command="MAIL"), False),
    ("spamdetected", fact(code="5.7.1", text="user unknown"), False),
    ("speeding", fact(hint="speeding"), True),
    ("speeding", fact(text="please try again slower"), True),
    ("speeding", fact(code="4.7.1"), False),
    ("toomanyconn", fact(hint="toomanyconn"), True),
    ("toomanyconn", fact(code="5.5.3"), True),
    ("toomanyconn", fact(text="too many connections"), True),
    ("toomanyconn", fact(code="5.7.1"), False),
    ("blocked", fact(hint="blocked"), True),
    ("blocked", fact(code="4.7.1"), True),
    ("blocked", fact(text="client host blocked using zen.spamhaus.org"), True),
    ("blocked", fact(code="5.7.1"), False),
]


@pytest.mark.parametrize(("reason", "given", "expected"), CASES)
def test_each_probe_and_each_of_its_branches(reason: str, given: Fact, expected: bool) -> None:
    assert PROBES[reason](given, reason) is expected


@pytest.mark.parametrize(("reason", "given", "expected"), CASES)
def test_a_rule_that_holds_names_a_reason_first_pass_counts_as_possible(
    reason: str, given: Fact, expected: bool
) -> None:
    """first_pass skips the rules whose reason is not possible: no rule that holds may be skipped."""
    holding = {name for name, probe in PROBES.items() if probe(given, name)}
    assert holding <= possible(given)
    assert (reason in holding) is expected


def test_a_525_reply_and_unknown_user_wording_make_suspend_and_filtered_possible() -> None:
    assert "suspend" in possible(fact(reply="525"))
    assert "filtered" in possible(fact(text="user unknown", command="DATA"))
    assert "filtered" not in possible(fact(text="too many connections"))


def test_every_probe_is_tried_in_sisimai_s_order() -> None:
    assert FIRST_PASS == (
        "mailboxfull", "mesgtoobig", "exceedlimit", "suspend", "hasmoved", "norelaying", "authfailure",
        "userunknown", "filtered", "requireptr", "notcompliantrfc", "badreputation", "contenterror",
        "rejected", "hostunknown", "spamdetected", "speeding", "toomanyconn", "blocked",
    )  # fmt: skip
    assert {reason for reason, _, _ in CASES} == set(PROBES)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (fact(code="5.1.1", text="mailbox is full"), "mailboxfull"),
        (fact(code="5.1.1"), "userunknown"),
        (fact(code="4.7.1", text="too many connections"), "toomanyconn"),
        (fact(text="nothing to see"), ""),
    ],
)
def test_the_first_rule_that_holds_wins(given: Fact, expected: str) -> None:
    assert first_pass(given) == expected


@pytest.mark.parametrize(
    ("status", "diagnostic", "expected"),
    [
        ("", "550 5.1.1 x", "5.1.1"),
        ("5.0.0", "550 5.2.2 x", "5.2.2"),
        ("5.1.1", "550 5.2.2 x", "5.2.2"),
        ("4.0.0", "550 5.2.2 x", "4.0.0"),
        ("", "550 5.0.1 x", ""),
        ("", "550 5.7.0 x", ""),
        ("", "550 5.0.0 x", ""),
        ("", "250 2.1.5 ok", ""),
        ("5.0.0", "no code", "5.0.0"),
    ],
)
def test_a_specific_code_the_server_replied_replaces_the_status_to_classify_by(
    status: str, diagnostic: str, expected: str
) -> None:
    assert _specific(status, diagnostic) == expected


def test_a_fact_remembers_what_its_text_says() -> None:
    given = fact(text="mailbox is full")
    assert given.says("mailboxfull") is True
    assert given.says("mailboxfull") is True
    assert given.says("userunknown") is False
    assert given.says("userunknown") is False
