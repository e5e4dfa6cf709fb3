"""One send attempt from end to end: claim, (look for an earlier send,) guard, Gmail, record."""

from __future__ import annotations

import dataclasses
import logging
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain import send_window
from domain.content.guard import ContextUnavailable, send_blocked_reason
from domain.context_provider import ContextProvider
from domain.dispatch.claim import Claim, Unbuildable, claim, count_attempt
from domain.dispatch.outcomes import Outcomes
from domain.dispatch.recovery import find_earlier_send
from domain.dispatch.settle import locked
from domain.dispatch.terms import Failpoint, Outcome, Policy, Result, Sessions, no_failpoint
from domain.gateway import (
    AccountRef,
    AuthRevoked,
    ConfigurationError,
    GatewayError,
    MailGateway,
    RateLimited,
    SentMessage,
    TransientError,
)
from domain.lifecycle import EmailStatus
from domain.records import OutboundEmail, utcnow

log = logging.getLogger("mailtrail.dispatch")


@dataclass
class Dispatcher:
    """Runs send attempts; `sessions` yields committed-on-exit sessions, `decrypt` opens credentials."""

    sessions: Sessions
    gateway: MailGateway
    decrypt: Callable[[str], dict[str, Any]]
    policy: Policy
    clock: Callable[[], datetime] = utcnow
    failpoint: Failpoint = no_failpoint
    jitter: Callable[[], float] = random.random
    context_provider: ContextProvider | None = None
    """Reads context entities from apps' providers for the send guard (domain/content/guard.py)."""
    outcomes: Outcomes = field(init=False)

    def __post_init__(self) -> None:
        self.outcomes = Outcomes(self.sessions, self.policy, lambda: self.clock(), lambda: self.jitter())

    def send(self, email_id: uuid.UUID) -> Result:
        claimed = claim(self.sessions, email_id, self.clock(), self.policy, self.decrypt)
        if isinstance(claimed, Result):
            return claimed
        if isinstance(claimed, Unbuildable):
            return self.outcomes.fail(email_id, claimed.reason, claimed.doubt)
        return self._attempt(email_id, claimed)

    def _attempt(self, email_id: uuid.UUID, claim: Claim) -> Result:
        outcomes = self.outcomes
        reached_gmail = False  # did *this* attempt hand the message to Gmail (outcome possibly unknown)?
        try:
            sent = find_earlier_send(self.gateway, email_id, claim) if claim.uncertain_since is not None else None
            if sent is None and claim.search_only:  # past sendBefore: find an earlier send, never send late
                return outcomes.fail(email_id, send_window.expired_message(), claim.doubt)
            if sent is None:
                blocked = self._guard(email_id) if claim.contextual else None
                if blocked is not None:
                    return outcomes.fail(email_id, blocked, claim.doubt)
                self.failpoint("before_gmail")
                if claim.uncertain_since is not None or self.clock() - claim.claimed_at > self.policy.lease / 2:
                    # After a search (slow, and the rare path), a slow guard, or a pause (GC, a
                    # stalled VM), the lease may run out during the call: hold it afresh if it is
                    # still ours; if another worker took over meanwhile, the send is theirs.
                    renewed = self._renew(email_id, claim.token)
                    if renewed is None:
                        return Result(Outcome.SKIPPED, detail="the send was taken over meanwhile")
                    claim = dataclasses.replace(claim, claimed_at=renewed)
                reached_gmail = True
                sent = self.gateway.send(claim.account, claim.raw, claim.thread_id)
                self.failpoint("after_gmail")
            header = self._read_message_id(claim.account, sent)
            self.failpoint("before_commit")
            return outcomes.record_sent(email_id, sent, header, recovered=claim.uncertain_since is not None)
        except RateLimited as error:
            return outcomes.wait_after_rate_limit(email_id, claim, error)
        except AuthRevoked as error:
            return outcomes.wait_after_auth_refusal(email_id, claim, error)
        except TransientError as error:
            # A timeout, reset or 5xx of the send itself may hide an accepted message; one during
            # the search happened before anything was sent in this attempt.
            return outcomes.retry_or_fail(email_id, claim, error, reached_gmail)
        except ContextUnavailable as error:
            # The app's context provider did not answer: nothing was sent, try again later.
            return outcomes.retry_or_fail(email_id, claim, TransientError(str(error)), False)
        except ConfigurationError as error:
            # Not Gmail answering (a wrong base URL, say): the operator's to fix, not the email's
            # fault, and nothing was sent. Hold the email (retrying) until its deadline.
            log.error("email %s: the Gmail API is misconfigured: %s", email_id, error.message)
            return outcomes.retry_or_fail(email_id, claim, TransientError(error.message), False)
        except GatewayError as error:
            return outcomes.fail(email_id, f"Gmail refused the email: {error.message}", claim.doubt)

    def _guard(self, email_id: uuid.UUID) -> str | None:
        """The send guard (content): why the email's context now forbids sending it, or None.

        Run after the claim committed, outside its row locks: it may call the app's provider.
        """
        with self.sessions() as session:
            email = session.get(OutboundEmail, email_id)
            return None if email is None else send_blocked_reason(session, email, self.context_provider)

    def _renew(self, email_id: uuid.UUID, token: uuid.UUID) -> datetime | None:
        """Restart the claim's lease if this worker still holds it; None when another took over."""
        now = self.clock()
        with self.sessions() as session:
            email = locked(session, email_id)
            if email is None or email.status != EmailStatus.PENDING or email.attempt_token != token:
                return None
            email.attempt_started_at = now
            session.add(email)
            count_attempt(session, email.account_id, now)  # it counts again in this minute's budget
        return now

    def _read_message_id(self, account: AccountRef, sent: SentMessage) -> str | None:
        """Gmail replaces our Message-ID with its own and messages.send does not return it
        (gmail-api.md §4.1): read it back (sync fills it in if this fails)."""
        try:
            return self.gateway.message_id_header(account, sent.provider_message_id)
        except GatewayError as error:
            log.warning("could not read back the Message-ID of %s: %s", sent.provider_message_id, error)
            return None
