"""The transition table, pair by pair, and random action sequences against a reference model."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import ErrorCode
from domain.lifecycle import Action, EmailStatus, IllegalTransition, advance, allowed

D, P, S, F = EmailStatus.DRAFT, EmailStatus.PENDING, EmailStatus.SENT, EmailStatus.FAILED
DELETED = "deleted"

# Every (state, action) pair, written out by hand: the expected next state, or None when illegal.
EXPECTED: dict[tuple[EmailStatus, Action], EmailStatus | str | None] = {
    (D, Action.EDIT): D,
    (D, Action.SCHEDULE): D,
    (D, Action.UNSCHEDULE): D,
    (D, Action.DELETE): DELETED,
    (D, Action.REQUEST_SEND): P,
    (D, Action.PLANNED_TIME_REACHED): P,
    (D, Action.MARK_SENT): None,
    (D, Action.MARK_FAILED): None,
    (D, Action.RETRY): None,
    (D, Action.CANCEL): None,
    (P, Action.EDIT): None,
    (P, Action.SCHEDULE): None,
    (P, Action.UNSCHEDULE): None,
    (P, Action.DELETE): None,
    (P, Action.REQUEST_SEND): None,
    (P, Action.PLANNED_TIME_REACHED): None,
    (P, Action.MARK_SENT): S,
    (P, Action.MARK_FAILED): F,
    (P, Action.RETRY): None,
    (P, Action.CANCEL): D,
    (S, Action.EDIT): None,
    (S, Action.SCHEDULE): None,
    (S, Action.UNSCHEDULE): None,
    (S, Action.DELETE): None,
    (S, Action.REQUEST_SEND): None,
    (S, Action.PLANNED_TIME_REACHED): None,
    (S, Action.MARK_SENT): None,
    (S, Action.MARK_FAILED): None,
    (S, Action.RETRY): None,
    (S, Action.CANCEL): None,
    (F, Action.EDIT): None,
    (F, Action.SCHEDULE): None,
    (F, Action.UNSCHEDULE): None,
    (F, Action.DELETE): None,
    (F, Action.REQUEST_SEND): None,
    (F, Action.PLANNED_TIME_REACHED): None,
    (F, Action.MARK_SENT): None,
    (F, Action.MARK_FAILED): None,
    (F, Action.RETRY): P,
    (F, Action.CANCEL): None,
}


def test_the_table_covers_every_state_and_action_pair() -> None:
    assert set(EXPECTED) == {(s, a) for s in EmailStatus for a in Action}


@pytest.mark.parametrize(
    ("status", "action", "message"),
    [  # the sentence a client reads: the action in words, then the status
        (S, Action.EDIT, "cannot edit an email that is SENT"),
        (P, Action.REQUEST_SEND, "cannot request send an email that is PENDING"),
        (F, Action.PLANNED_TIME_REACHED, "cannot planned time reached an email that is FAILED"),
        (D, Action.MARK_SENT, "cannot mark sent an email that is DRAFT"),
    ],
)
def test_an_illegal_transition_reads_as_a_sentence(status: EmailStatus, action: Action, message: str) -> None:
    with pytest.raises(IllegalTransition, match=f"^{message}$"):
        advance(status, action)


def test_the_stored_values_of_statuses_and_actions() -> None:
    assert [s.value for s in EmailStatus] == ["DRAFT", "PENDING", "SENT", "FAILED"]
    assert [a.value for a in Action] == [
        "edit",
        "schedule",
        "unschedule",
        "delete",
        "request_send",
        "planned_time_reached",
        "mark_sent",
        "mark_failed",
        "retry",
        "cancel",
    ]


@pytest.mark.parametrize(("status", "action"), sorted(EXPECTED, key=str))
def test_each_pair_moves_or_refuses_exactly_as_specified(status: EmailStatus, action: Action) -> None:
    expected = EXPECTED[(status, action)]
    if expected is None:
        assert not allowed(status, action)
        message = f"cannot {action.value.replace('_', ' ')} an email that is {status.value}"
        with pytest.raises(IllegalTransition, match=f"^{message}$") as caught:
            advance(status, action)
        error = caught.value
        assert (error.code, error.message, error.field) == (ErrorCode.ILLEGAL_TRANSITION, message, "status")
        assert (error.status, error.action) == (status, action)
    else:
        assert allowed(status, action)
        result = advance(status, action)
        assert (DELETED if result is None else result) == expected


@given(st.lists(st.sampled_from(list(Action)), max_size=40))
def test_random_action_sequences_follow_the_rules(actions: list[Action]) -> None:
    status: EmailStatus | None = D
    sent_count = 0
    for action in actions:
        if status is None:
            break
        expected = EXPECTED[(status, action)]
        if expected is None:
            with pytest.raises(IllegalTransition, match=f"an email that is {status.value}$"):
                advance(status, action)
            continue
        new = advance(status, action)
        if new == S:
            sent_count += 1
        # Once sent, an email never moves again; nothing leaves SENT.
        assert status != S
        status = new
    assert sent_count <= 1
