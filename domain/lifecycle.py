"""The outbound email's lifecycle: one explicit transition table, nothing else is legal.

DRAFT -> PENDING (send requested, or the planned time came), PENDING -> SENT, PENDING -> FAILED,
FAILED -> PENDING (explicit retry), PENDING -> DRAFT (cancelSend, while no worker holds the send),
DRAFT -> deleted. Only a DRAFT can be edited, scheduled, unscheduled or deleted.
"""

from __future__ import annotations

from enum import StrEnum

from domain.errors import DomainError, ErrorCode


class EmailStatus(StrEnum):
    DRAFT = "DRAFT"
    PENDING = "PENDING"
    SENT = "SENT"
    FAILED = "FAILED"


class Action(StrEnum):
    EDIT = "edit"
    SCHEDULE = "schedule"
    UNSCHEDULE = "unschedule"
    DELETE = "delete"
    REQUEST_SEND = "request_send"
    PLANNED_TIME_REACHED = "planned_time_reached"
    MARK_SENT = "mark_sent"
    MARK_FAILED = "mark_failed"
    RETRY = "retry"
    CANCEL = "cancel"


DELETED = None
"""The 'state' after a delete: the row is gone."""

TRANSITIONS: dict[tuple[EmailStatus, Action], EmailStatus | None] = {
    (EmailStatus.DRAFT, Action.EDIT): EmailStatus.DRAFT,
    (EmailStatus.DRAFT, Action.SCHEDULE): EmailStatus.DRAFT,
    (EmailStatus.DRAFT, Action.UNSCHEDULE): EmailStatus.DRAFT,
    (EmailStatus.DRAFT, Action.DELETE): DELETED,
    (EmailStatus.DRAFT, Action.REQUEST_SEND): EmailStatus.PENDING,
    (EmailStatus.DRAFT, Action.PLANNED_TIME_REACHED): EmailStatus.PENDING,
    (EmailStatus.PENDING, Action.MARK_SENT): EmailStatus.SENT,
    (EmailStatus.PENDING, Action.MARK_FAILED): EmailStatus.FAILED,
    (EmailStatus.FAILED, Action.RETRY): EmailStatus.PENDING,
    (EmailStatus.PENDING, Action.CANCEL): EmailStatus.DRAFT,
}


class IllegalTransition(DomainError):
    """The action is not allowed in the email's current status."""

    def __init__(self, status: EmailStatus, action: Action) -> None:
        super().__init__(
            ErrorCode.ILLEGAL_TRANSITION,
            f"cannot {action.value.replace('_', ' ')} an email that is {status.value}",
            "status",
        )
        self.status = status
        self.action = action


def advance(status: EmailStatus, action: Action) -> EmailStatus | None:
    """Return the status after `action`, None when the email is deleted; raise IllegalTransition."""
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        raise IllegalTransition(status, action) from None


def allowed(status: EmailStatus, action: Action) -> bool:
    """Whether `action` is legal in `status`."""
    return (status, action) in TRANSITIONS
