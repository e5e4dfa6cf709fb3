"""Findings: copies with changes, the status a diagnostic states, one finding per address."""

from __future__ import annotations

import pytest

from domain.bounces.findings import FIELDS, Finding, merge, status_of


def test_with_changes_only_the_named_fields_and_leaves_the_original_alone() -> None:
    first = Finding("a@b.example", "550 no", "5.0.0", "failed", "RCPT", "userunknown", "smtp", "mx.b.example", "x")
    changed = first.with_(status="5.1.1", hint=None)
    assert changed == Finding("a@b.example", "550 no", "5.1.1", "failed", "RCPT", None, "smtp", "mx.b.example", "x")
    assert first.status == "5.0.0" and first.hint == "userunknown"
    assert type(changed) is Finding
    assert first.with_() == first and first.with_() is not first


def test_with_may_change_every_field_at_once() -> None:
    every = {
        "email": "b@c.example",
        "diagnostic": "550 no",
        "status": "5.1.1",
        "action": "failed",
        "command": "RCPT",
        "hint": "userunknown",
        "kind": "smtp",
        "remote": "mx.c.example",
        "default": "userunknown",
    }
    assert every.keys() == FIELDS
    assert Finding("a@b.example").with_(**every) == Finding(**every)


def test_with_refuses_a_field_a_finding_does_not_have() -> None:
    with pytest.raises(TypeError, match="Finding has no field 'reason'"):
        Finding("a@b.example").with_(reason="userunknown")
    assert {"email", "diagnostic", "status", "action", "command", "hint", "kind", "remote", "default"} == FIELDS


@pytest.mark.parametrize(
    ("diagnostic", "status"),
    [("550 5.1.1 user unknown", "5.1.1"), ("550 user unknown", "5.0.0"), ("451 try later", "4.0.0"),
     ("250 2.0.0 ok", None), ("user unknown", None), ("", None), ("554 5.7.1 and 4.2.2", "5.7.1")],
)  # fmt: skip
def test_the_status_a_diagnostic_states(diagnostic: str, status: str | None) -> None:
    assert status_of(diagnostic) == status


def test_merge_keeps_one_finding_per_address_in_first_seen_order_the_richer_one_winning() -> None:
    bare = Finding("a@b.example")
    worded = Finding("a@b.example", "user unknown")
    coded = Finding("a@b.example", "", "5.1.1")
    other = Finding("c@d.example", "full", "4.2.2")
    assert merge([bare, other, worded]) == [worded, other]
    assert merge([worded, bare]) == [worded]
    assert merge([worded, coded]) == [coded]
    assert merge([coded, worded]) == [coded]
    full = Finding("a@b.example", "550 5.1.1 user unknown", "5.1.1")
    assert merge([coded, full]) == [full]
    assert merge([full, coded]) == [full]
    assert merge([worded, Finding("a@b.example", "other words")]) == [worded]
    assert merge([]) == []
