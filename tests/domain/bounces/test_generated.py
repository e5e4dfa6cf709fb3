"""Property tests over generated bounces: every family x reason x shape reads right, for any recipients."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.bounces import Permanence, parse_bounce
from tests.domain.bounces.generator import SENDER, Case, corpus, expected_reason, make
from tests.domain.bounces.writers import FAMILIES, delivery_status, reasons_of, shapes_of

COMBINATIONS = [(f, r, s) for f in FAMILIES for r in reasons_of(f) for s in shapes_of(f)]
HARD = {"userunknown", "hostunknown", "hasmoved", "notaccept"}


def _check(case: Case) -> None:
    bounce = parse_bounce(case.raw)
    assert bounce is not None, f"{case.family}/{case.shape}: not detected"
    got = {r.email: r for r in bounce.recipients}
    assert set(got) == {p.address.lower() for p in case.recipients}, f"{case.family}/{case.shape}"
    for person in case.recipients:
        recipient = got[person.address.lower()]
        assert recipient.status_code == person.status
        assert recipient.action == person.action
        assert recipient.reason == expected_reason(case.family, person), f"{case.family}/{case.shape}"
        hard = recipient.reason in HARD and person.action == "failed" and person.status.startswith("5.")
        assert recipient.hard is hard
        assert (recipient.permanence is Permanence.HARD) is hard


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(combination=st.sampled_from(COMBINATIONS), count=st.integers(1, 4), seed=st.integers(0, 2**32))
def test_a_generated_bounce_names_exactly_its_recipients_with_their_status_and_reason(
    combination: tuple[str, str, str], count: int, seed: int
) -> None:
    family, reason, shape = combination
    _check(make(family, reason, shape, random.Random(seed), count))


@settings(max_examples=60, deadline=None)
@given(combination=st.sampled_from(COMBINATIONS), seed=st.integers(0, 2**32))
def test_the_original_s_list_and_cc_addresses_are_never_bounced_recipients(
    combination: tuple[str, str, str], seed: int
) -> None:
    family, reason, shape = combination
    case = make(family, reason, shape, random.Random(seed), 2)
    bounce = parse_bounce(case.raw)
    assert bounce is not None
    named = {r.email for r in bounce.recipients}
    assert named.isdisjoint(case.bystanders)
    assert SENDER not in named


def test_the_generated_corpus_covers_every_family_reason_and_shape_and_reads_right() -> None:
    cases = corpus()
    assert len(cases) > 1000
    assert {c.family for c in cases} == set(FAMILIES)
    assert {c.shape for c in cases} == {"dsn", "prose", "multipart", "forwarded", "wrapped"}
    for case in cases:
        _check(case)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32), actions=st.lists(st.sampled_from(["delivered", "relayed", "expanded"]), min_size=1))
def test_a_report_of_successful_deliveries_only_is_never_a_bounce(seed: int, actions: list[str]) -> None:
    case = make("postfix", "userunknown", "dsn", random.Random(seed), 1)
    _, report = delivery_status(case.recipients)
    success = "\n".join(
        f"Final-Recipient: rfc822;ok{i}@example.com\nAction: {action}\nStatus: 2.0.0\n"
        for i, action in enumerate(actions)
    )
    raw = case.raw.decode().replace(report, f"Reporting-MTA: dns; mx.sender.example\n\n{success}")
    assert report in case.raw.decode()
    assert parse_bounce(raw.encode()) is None


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32))
def test_in_a_mixed_report_only_the_failed_recipients_are_named(seed: int) -> None:
    case = make("sendmail", "mailboxfull", "dsn", random.Random(seed), 2)
    _, report = delivery_status(case.recipients)
    mixed = report + "\nFinal-Recipient: rfc822;fine@example.com\nAction: delivered\nStatus: 2.0.0\n"
    bounce = parse_bounce(case.raw.decode().replace(report, mixed).encode())
    assert bounce is not None
    assert {r.email for r in bounce.recipients} == {p.address.lower() for p in case.recipients}


@settings(max_examples=60, deadline=None)
@given(combination=st.sampled_from([c for c in COMBINATIONS if c[1] in ("expired", "mailboxfull", "systemfull")]))
def test_a_delay_notice_is_never_a_hard_bounce(combination: tuple[str, str, str]) -> None:
    family, reason, shape = combination
    bounce = parse_bounce(make(family, reason, shape, random.Random(7), 2).raw)
    assert bounce is not None
    assert not any(r.hard for r in bounce.recipients)
    if all(r.status_code and r.status_code.startswith("4.") for r in bounce.recipients):
        assert bounce.is_delay
