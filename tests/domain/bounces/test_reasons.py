"""What each reason means for the address: the scope table, written out, and the permanence rules."""

from __future__ import annotations

import pytest

from domain.bounces.model import BouncedRecipient, Permanence, Scope
from domain.bounces.reasons import SCOPES, permanence, scope

A, S, M, T = Scope.ADDRESS, Scope.SENDER, Scope.MESSAGE, Scope.TRANSIENT
EXPECTED_SCOPES = {
    "userunknown": A, "hostunknown": A, "hasmoved": A, "notaccept": A, "suspend": A,
    "mailboxfull": T,
    "blocked": S, "rejected": S, "norelaying": S, "authfailure": S, "badreputation": S, "requireptr": S,
    "securityerror": S, "speeding": S, "toomanyconn": S, "syntaxerror": S,
    "filtered": M, "spamdetected": M, "virusdetected": M, "policyviolation": M, "contenterror": M,
    "mesgtoobig": M, "exceedlimit": M, "notcompliantrfc": M,
    "expired": T, "networkerror": T, "systemerror": T, "systemfull": T, "mailererror": T, "onhold": T, "undefined": T,
}  # fmt: skip


def test_the_scope_table_is_exactly_the_documented_one() -> None:
    assert SCOPES == EXPECTED_SCOPES


@pytest.mark.parametrize(("reason", "expected"), sorted(EXPECTED_SCOPES.items()))
def test_each_reason_has_its_scope(reason: str, expected: Scope) -> None:
    assert scope(reason, "5.0.0") is expected


def test_a_sender_null_mx_is_the_sender_s_problem_and_an_unknown_reason_is_nobody_s() -> None:
    assert scope("notaccept", "5.7.27") is S
    assert scope("vacation", None) is T
    assert scope("delivered", "2.0.0") is T


@pytest.mark.parametrize(
    ("reason", "status", "action", "expected"),
    [
        ("userunknown", "5.1.1", "failed", Permanence.HARD),
        ("hostunknown", "5.1.2", "failed", Permanence.HARD),
        ("hasmoved", "5.1.6", "failed", Permanence.HARD),
        ("userunknown", None, "failed", Permanence.HARD),
        ("notaccept", "5.1.10", "failed", Permanence.HARD),
        ("notaccept", None, "failed", Permanence.SOFT),
        ("notaccept", "4.3.2", "failed", Permanence.SOFT),
        ("notaccept", "5.7.27", "failed", Permanence.SOFT),
        ("userunknown", "4.1.1", "failed", Permanence.SOFT),
        ("userunknown", "5.1.1", "delayed", Permanence.SOFT),
        ("hostunknown", "5.1.2", "relayed", Permanence.SOFT),
        ("suspend", "5.2.1", "failed", Permanence.SOFT),
        ("mailboxfull", "5.2.2", "failed", Permanence.SOFT),
        ("blocked", "5.7.1", "failed", Permanence.SOFT),
        ("onhold", "5.0.0", "failed", Permanence.UNDETERMINED),
        ("undefined", None, "failed", Permanence.UNDETERMINED),
        ("onhold", "4.0.0", "failed", Permanence.SOFT),
        ("undefined", None, "delayed", Permanence.SOFT),
    ],
)
def test_hard_only_for_an_address_reason_in_a_permanent_report(
    reason: str, status: str | None, action: str, expected: Permanence
) -> None:
    assert permanence(reason, status, action) is expected


def test_a_recipient_is_hard_exactly_when_its_permanence_is_hard() -> None:
    for level in Permanence:
        recipient = BouncedRecipient("a@example.com", "failed", "5.1.1", "", "userunknown", level, A)
        assert recipient.hard is (level is Permanence.HARD)
    assert BouncedRecipient("a@example.com", "failed", None, "", "undefined").permanence is Permanence.UNDETERMINED
    assert BouncedRecipient("a@example.com", "failed", None, "", "undefined").scope is T
    assert [p.value for p in Permanence] == ["hard", "soft", "undetermined"]
    assert [s.value for s in Scope] == ["address", "sender", "message", "transient"]
