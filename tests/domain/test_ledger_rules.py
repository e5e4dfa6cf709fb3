"""The ledger's pure rules: which signal wins for a recipient, the email's roll-up, the seed's
bounce_details, what a DSN or reply says per recipient, the send window and the account kind."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.account_kind import AccountKind, cap_problem, default_cap, kind_of
from domain.delivery import DeliveryStatus
from domain.errors import DomainError
from domain.ledger import details
from domain.ledger.precedence import DeliveryState, rollup, strength, wins
from domain.ledger.signals import Correlation, Signal, correlation_of, dsn_state, from_reply, from_report
from domain.send_window import check_send_before, expired, misses, reauth_wait_until

T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
T1 = T0 + timedelta(minutes=5)
S = DeliveryState

# (current state, current permanence, signal state, signal permanence, signal later?) -> wins?
PRECEDENCE = [
    (None, None, S.SENT, None, True, True),
    (S.SENT, None, S.DELAYED, "soft", True, True),
    (S.DELAYED, "soft", S.BOUNCED, "hard", True, True),
    (S.BOUNCED, "hard", S.DELAYED, "soft", True, False),  # a late delay notice never undoes a bounce
    (S.DELAYED, "soft", S.DELAYED, "soft", True, True),  # a second delay notice refreshes the first
    (S.DELAYED, "soft", S.DELAYED, "soft", False, False),  # ... but an older one does not
    (S.BOUNCED, "soft", S.BOUNCED, "hard", False, True),  # hard beats soft whatever the order
    (S.BOUNCED, "hard", S.BOUNCED, "soft", True, False),
    (S.BOUNCED, "undetermined", S.BOUNCED, "soft", True, False),
    (S.AUTO_REPLIED, None, S.BOUNCED, "hard", True, True),
    (S.BOUNCED, "hard", S.AUTO_REPLIED, None, True, False),
    (S.BOUNCED, "hard", S.REPLIED, None, True, True),  # a human answer proves it arrived
    (S.REPLIED, None, S.BOUNCED, "hard", True, False),
    (S.REPLIED, None, S.AUTO_REPLIED, None, True, False),
    (S.SENT, None, S.AUTO_REPLIED, None, True, True),
    (S.DELAYED, "soft", S.AUTO_REPLIED, None, True, True),
]


@pytest.mark.parametrize(("state", "permanence", "signal", "signal_permanence", "later", "expected"), PRECEDENCE)
def test_a_weaker_signal_never_overwrites_a_stronger_one(
    state, permanence, signal, signal_permanence, later, expected
) -> None:
    current_at = T0 if state is not None else None
    signal_at = T1 if later else T0 - timedelta(minutes=1)
    assert wins((state, permanence, current_at), (signal, signal_permanence, signal_at)) is expected


def test_the_order_signals_arrive_in_does_not_change_the_outcome() -> None:
    signals = [
        (S.SENT, None, T0),
        (S.DELAYED, "soft", T0 + timedelta(minutes=1)),
        (S.BOUNCED, "soft", T0 + timedelta(minutes=2)),
        (S.BOUNCED, "hard", T0 + timedelta(minutes=3)),
        (S.AUTO_REPLIED, None, T0 + timedelta(minutes=4)),
    ]
    outcomes = set()
    for order in itertools.permutations(signals):
        current: tuple = (None, None, None)  # type: ignore[type-arg]
        for signal in order:
            if wins(current, signal):
                current = signal
        outcomes.add(current)
    assert outcomes == {(S.BOUNCED, "hard", T0 + timedelta(minutes=3))}
    assert strength(S.REPLIED, None, None) > strength(S.BOUNCED, "hard", T1)


ROLLUP = [
    ([], [], None),
    ([None, None], [], None),
    ([S.SENT, S.SENT], [], None),
    ([S.SENT, S.DELAYED], [], DeliveryStatus.DELAYED),
    ([S.AUTO_REPLIED, S.SENT], [], DeliveryStatus.DELIVERED),
    ([S.AUTO_REPLIED, S.DELAYED], [], DeliveryStatus.DELAYED),
    ([S.DELAYED, S.REPLIED], [], DeliveryStatus.REPLIED),
    ([S.REPLIED, S.BOUNCED, S.SENT], [], DeliveryStatus.BOUNCE_DETECTED),
    ([S.SENT], [S.REPLIED], DeliveryStatus.REPLIED),  # a reply from an address that is no recipient
    ([S.REPLIED], [S.BOUNCED], DeliveryStatus.BOUNCE_DETECTED),  # a forwarded copy bounced
]


@pytest.mark.parametrize(("states", "unattributed", "expected"), ROLLUP)
def test_the_email_rolls_up_its_recipients_in_the_seeds_order(states, unattributed, expected) -> None:
    assert rollup(states, unattributed) == expected


def failure(address: str, at: datetime, code: str = "5.1.1", diagnostic: str = "no such user") -> Signal:
    return Signal(address, S.BOUNCED, at, action="failed", status_code=code, diagnostic=diagnostic, permanence="hard")


def test_bounce_details_keep_the_seed_shape_and_the_first_detection_time() -> None:
    first = details.merge(None, [failure("a@x.invalid", T0)])
    assert first == {
        "bounced_recipients": [
            {"email": "a@x.invalid", "action": "failed", "status_code": "5.1.1", "diagnostic": "no such user"}
        ],
        "detected_at": "2026-11-24T10:00:00Z",
    }
    second = details.merge(first, [failure("b@y.invalid", T1, "5.2.2", "full")])
    assert [r["email"] for r in second["bounced_recipients"]] == ["a@x.invalid", "b@y.invalid"]
    assert second["detected_at"] == "2026-11-24T10:00:00Z"
    again = details.merge(second, [failure("A@x.invalid", T1, "5.1.10", "gone")])  # not the winner: kept
    assert again["bounced_recipients"][0]["status_code"] == "5.1.1"
    replaced = details.merge(second, [failure("A@x.invalid", T1, "5.1.10", "gone")], {"a@x.invalid"})
    assert replaced["bounced_recipients"][0]["status_code"] == "5.1.10" and len(replaced["bounced_recipients"]) == 2
    assert details.merge(second, []) is second


def test_rebuilt_details_follow_the_remaining_failures() -> None:
    a1, b, a2 = failure("a@x", T0), failure("b@x", T1), failure("a@x", T1, "5.1.10")
    assert details.build([], {}) is None
    built = details.build([a1, b, a2], {"a@x": a2})
    assert [(r["email"], r["status_code"]) for r in built["bounced_recipients"]] == [
        ("a@x", "5.1.10"),
        ("b@x", "5.1.1"),
    ]
    assert built["detected_at"] == details.utc_z(T0)


DSN_STATES = [
    ("failed", "5.1.1", S.BOUNCED),
    ("Failed", None, S.BOUNCED),
    ("delayed", "4.4.7", S.DELAYED),
    ("delivered", "2.0.0", None),
    ("relayed", None, None),
    ("", "5.7.1", S.BOUNCED),
    ("", "4.2.2", S.DELAYED),
    ("", None, None),
]


@pytest.mark.parametrize(("action", "code", "expected"), DSN_STATES)
def test_a_dsn_recipients_state_follows_its_action_then_its_status(action, code, expected) -> None:
    assert dsn_state(action, code) == expected


def test_a_stored_report_gives_one_signal_per_failed_or_delayed_recipient() -> None:
    message_id = uuid.uuid4()
    report = {
        "recipients": [
            {
                "email": "a@x",
                "action": "failed",
                "status_code": "5.1.1",
                "diagnostic": "unknown",
                "reason": "userunknown",
                "permanence": "hard",
                "scope": "address",
            },
            {
                "email": "b@x",
                "action": "delayed",
                "status_code": "4.4.7",
                "diagnostic": "later",
                "reason": "expired",
                "permanence": "soft",
                "scope": "transient",
            },
            {
                "email": "c@x",
                "action": "delivered",
                "status_code": "2.0.0",
                "diagnostic": "",
                "reason": "",
                "permanence": "soft",
                "scope": "transient",
            },
        ],
        "reported_at": "2026-11-24T09:59:00+00:00",
    }
    signals = from_report(report, T0, Correlation.IN_REPLY_TO, message_id)
    assert [(s.address, s.state, s.reason, s.permanence, s.scope) for s in signals] == [
        ("a@x", S.BOUNCED, "userunknown", "hard", "address"),
        ("b@x", S.DELAYED, "expired", "soft", "transient"),
    ]
    assert signals[0].reported_at == T0 - timedelta(minutes=1) and signals[0].detected_at == T0
    assert signals[0].message_id == message_id and signals[0].correlation == Correlation.IN_REPLY_TO


def test_a_reply_is_about_the_address_it_came_from() -> None:
    reply = from_reply('"Pat Client" <Pat@Example.com>', False, T1, T0, Correlation.THREAD, None)
    assert (reply.key, reply.state, reply.reported_at) == ("pat@example.com", S.REPLIED, T0)
    assert from_reply("Out of office <ooo@x>", True, T1, None, None, None).state == S.AUTO_REPLIED
    assert from_reply(None, False, T1, None, None, None).key == ""


@pytest.mark.parametrize(
    ("evidence", "expected"),
    [
        ("in_reply_to", Correlation.IN_REPLY_TO),
        ("references", Correlation.IN_REPLY_TO),
        ("original_message_id", Correlation.MESSAGE_ID_IN_REPORT),
        ("x_mailtrail_id", Correlation.MAILTRAIL_HEADER),
        ("gmail_thread", Correlation.THREAD),
        ("manual", Correlation.MANUAL),
        (None, None),
    ],
)
def test_every_kind_of_evidence_has_its_correlation(evidence, expected) -> None:
    assert correlation_of(evidence) == expected


def test_the_send_window() -> None:
    assert not expired(T0, None) and not misses(T1, None)
    assert expired(T1, T1) and not expired(T0, T1)
    assert misses(T1, T0 + timedelta(minutes=1)) and not misses(T0, T1)
    deadline = timedelta(hours=1)
    assert reauth_wait_until(None, T0, deadline) == T0 + deadline
    assert reauth_wait_until(T1, T0, deadline) == T1
    check_send_before(None, None, T0)
    check_send_before(T1, T0 + timedelta(minutes=1), T0)
    for send_before, planned, code in (
        (T0 - timedelta(seconds=1), None, "SEND_WINDOW_INVALID"),
        (T1, T1, "SEND_WINDOW_INVALID"),
        (datetime(2026, 11, 25, 10, 0), None, "NAIVE_DATETIME"),
    ):
        with pytest.raises(DomainError, match="sendBefore") as raised:
            check_send_before(send_before, planned, T0)
        assert raised.value.code.value == code


@pytest.mark.parametrize(
    ("address", "hd", "kind", "cap"),
    [
        ("pat@gmail.com", None, AccountKind.CONSUMER, 500),
        ("pat@GoogleMail.com", None, AccountKind.CONSUMER, 500),
        ("pat@gmail.com", "acme.example", AccountKind.CONSUMER, 500),
        ("pat@acme.example", "acme.example", AccountKind.WORKSPACE, 2000),
        ("pat@acme.example", None, AccountKind.UNKNOWN, 500),
    ],
)
def test_the_account_kind_and_its_default_cap(address, hd, kind, cap) -> None:
    assert kind_of(address, hd) == kind
    assert default_cap(kind) == cap


def test_caps_gmail_would_refuse_are_refused() -> None:
    assert cap_problem(AccountKind.CONSUMER, 500) is None
    assert "500" in (cap_problem(AccountKind.CONSUMER, 501) or "")
    assert cap_problem(AccountKind.UNKNOWN, 2000) is None and cap_problem(AccountKind.WORKSPACE, 0) is None
    assert "2000" in (cap_problem(AccountKind.WORKSPACE, 2001) or "")
    assert "negative" in (cap_problem(AccountKind.UNKNOWN, -1) or "")
