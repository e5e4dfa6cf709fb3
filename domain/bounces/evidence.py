"""Is a message without a readable delivery-status report a bounce, a delay notice, or neither?

Weighed from the evidence: a mailer-daemon sender, a null envelope sender (RFC 5321 §4.5.5), a
bounce subject, failure wording, a returned original. What is never a bounce: feedback reports
(RFC 5965 ARF), read receipts (RFC 8098 MDN), auto-replies (RFC 3834), challenge-response mail.
"""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.notice import Notice
from domain.bounces.text import ORIGINAL_TYPES
from domain.bounces.wording import Wording

# All matched on lower-cased text (case-insensitive matching is several times slower). The body's
# phrases are `Wording`s: each alternative runs only when its literal gate is in the text.
NOT_BOUNCE_REPORTS: Final = frozenset({"feedback-report", "disposition-notification"})
NOT_BOUNCE_PARTS: Final = ("message/feedback-report", "message/disposition-notification")
BOUNCE_SUBJECT: Final = re.compile(
    r"undeliver|returned mail|delivery (?:status notification|failure|failed|has failed|problem|report)|"
    r"mail delivery failed|failure notice|could not be delivered|non-?deliver|mail system error|"
    r"delivery notification|warning: could not send|message not delivered|rejected|undelivered|"
    r"returned to sender|permanent error|delivery status|mail failure|not delivered|bounce|"
    r"delayed mail|delivery delayed|still being retried|unzustellbar|unable to deliver|mail failed|"
    r"message delayed|delayed \d+ (?:hours?|days?)|error sending|delivery error|failed delivery|"
    r"nicht zustellbar|non remis|no entregado|can ?not be delivered|mail could not|returned message|"
    r"not member|message you sent|problem delivering|delivery incomplete|errors? (?:during|in) delivery|"
    r"mail loop|looping|message frozen|delivery (?:warning|notice)|returned post|nondeliverable|"
    # Exchange's and other servers' localised subjects (Dutch, Italian, Spanish, Portuguese, Swedish,
    # Danish and Norwegian, Polish, Czech, Finnish, French).
    r"onbestelbaar|niet afgeleverd|non recapitabile|no se puede entregar|não é possível entregar|"
    r"olevererbart|kan ikke leveres|ikke leveret|niedostarczalne|nedoručitelné|toimitusta ei voi|"
    r"impossible de remettre",
)
FAILURE_TEXT: Final = Wording.of(
    (
        r"(?:could not|couldn'?t|can ?not|unable to|was not|wasn'?t able to|failed to) (?:be )?deliver|"
        r"delivery (?:to the following [a-z() ]{1,40})?(?:has )?failed|permanent(?:ly)? (?:error|fail)|"
        r"(?:following|these) (?:address|recipient)s?(?:\(es\))? (?:failed|had)|not yet been delivered|"
        r"trouble delivering|undeliverable|delivery problems|delivery to .{0,80} failed|"
        r"message (?:was|could) not be (?:delivered|sent)|not be delivered to|returned to sender|"
        r"transcript of (?:the )?session|error message below|no valid recipients|failed addresses|"
        r"rejected (?:your|the) (?:message|recipient)|not a member of|mail could not be delivered|"
        r"delivery has failed|could not reach|unable to reach|(?:could not|cannot|can't) be reached|"
        r"was rejected|did not reach the following|"
        r"mail forwarding loop|message is looping|too many hops|no message (?:was )?collected|host unknown|"
        r"message (?:has been|was) frozen|error delivering your mail|was not delivered to|"
        r"delivery (?:attempts will continue|time expired)|has not been delivered|still undelivered|will retry|"
        r"will be retried|retry timeout|giving up|given up|wasn'?t delivered|message not delivered|"
        r"temporary problem delivering|cannot be delivered|couldn'?t be delivered|error delivering|"
        r"(?:permanent|transient) (?:non-)?fatal (?:delivery )?errors|"
        # The same in the other languages notifications are commonly written in.
        r"kon niet worden afgeleverd|niet (?:worden )?afgeleverd|onbestelbaar|nicht zugestellt werden|"
        r"unzustellbar|n'a pas pu être (?:remis|distribué)|impossible de remettre|non (?:è stato )?recapitat|"
        r"no (?:se )?(?:ha )?pud[oe] (?:ser )?entregar|não (?:foi|pôde ser) entregue|não foi possível entregar",
    )
)
DELAY_SUBJECT: Final = re.compile(
    r"delay|warning|still being retried|will retry|not yet (?:been )?delivered|\(delay\)|temporar"
)
DELAY_TEXT: Final = Wording.of(
    (
        r"not yet been delivered|will continue|will be retried|still trying|will retry|still undelivered|"
        r"this is a warning|warning message only|do not need to resend|delay reason|still being retried|"
        r"has been delayed|message delayed|temporary problem delivering|delivery will be retried|"
        r"(?:has|hasn'?t|have) not (?:yet )?been delivered(?: yet)?|not been delivered yet|is delayed to",
    )
)
PERMANENT_TEXT: Final = Wording.of(
    (
        r"permanent(?:ly)? (?:error|fail)|failed permanently|giv(?:en|ing) up|undeliverable|"
        r"could not be delivered to one or more|will not be retried",
    )
)
AUTO_REPLY_SUBJECT: Final = re.compile(
    r"out of (?:the )?office|auto(?:matic)?[- ]?(?:reply|response|antwort)|vacation|abwesenheit|away from|"
    r"^auto:|on leave|autoreply|automatische antwort|r[ée]ponse automatique",
)
CHALLENGE_TEXT: Final = Wording.of(
    (
        r"requires? confirmation|whitelist\.|pre-?approved|guest list|challenge[- ]response|"
        r"verify (?:that )?you are (?:a )?(?:human|real person)|boxbe|spam ?arrest|sender verification request|"
        r"confirm (?:that )?you (?:are|sent)|please (?:click|visit) .{0,60}(?:confirm|verify)",
    )
)
# A wrapper saying the message it attaches is a bounce (Mailman's "Uncaught bounce notification",
# a helpdesk or list passing a notification on).
WRAPPED_BOUNCE: Final = Wording.of(
    (
        r"received as a bounce|bounce (?:message|notification)s?|non-?delivery (?:report|notification)|"
        r"delivery (?:status )?(?:notification|failure|report)|could not be delivered|undeliverable",
    )
)
FAILED_SUBJECT: Final = re.compile(r"fail|undeliver|return")
AUTO_HEADERS: Final = ("x-autoreply", "x-autorespond", "x-vacation")


def is_other_report(notice: Notice) -> bool:
    """A feedback report (ARF) or a read receipt (MDN): reports, but never bounces."""
    if notice.report_type in NOT_BOUNCE_REPORTS:
        return True
    return notice.first(*NOT_BOUNCE_PARTS) is not None


def is_other_automatic_mail(notice: Notice) -> bool:
    """A vacation auto-reply or a challenge-response message (neither is a bounce)."""
    body = notice.lower_body
    # The challenge phrases have no anchors or look-arounds: one in the first 3000 characters is one
    # in the body, so a body without any needs no second look at its start.
    challenge = CHALLENGE_TEXT.found_in(body)
    if challenge and not notice.from_daemon:
        return True
    if challenge and CHALLENGE_TEXT.found_in(body[:3000]) and not FAILURE_TEXT.found_in(body):
        return True
    if notice.from_daemon:
        return False
    fields = notice.root.fields
    auto_headers = any(notice.root.get(name) for name in AUTO_HEADERS if name in fields)  # absent reads as ''
    precedence = notice.root.get("precedence").strip().lower()
    return auto_headers or precedence == "auto_reply" or bool(AUTO_REPLY_SUBJECT.search(notice.lower_subject))


def score(notice: Notice, *, placed: bool) -> int:
    """How strongly the message looks like a bounce (`placed`: recipients found in a bounce format)."""
    points = 0
    points += 2 if notice.from_daemon else 0
    points += 1 if notice.null_sender else 0
    points += 2 if BOUNCE_SUBJECT.search(notice.lower_subject) else 0
    points += 2 if FAILURE_TEXT.found_in(notice.lower_body) else 0
    points += 1 if notice.first(*ORIGINAL_TYPES) is not None else 0
    points += 1 if placed else 0
    return points


def scores_at_least(notice: Notice, threshold: int, *, placed: bool) -> bool:
    """`score(notice, placed=placed) >= threshold`, without reading the body's failure wording (the
    dearest of the signs, a search of the whole body) when the other signs settle it either way."""
    points = 2 if notice.from_daemon else 0
    points += 1 if notice.null_sender else 0
    points += 2 if BOUNCE_SUBJECT.search(notice.lower_subject) else 0
    points += 1 if notice.first(*ORIGINAL_TYPES) is not None else 0
    points += 1 if placed else 0
    if points >= threshold or points + 2 < threshold:
        return points >= threshold
    return points + 2 >= threshold if FAILURE_TEXT.found_in(notice.lower_body) else points >= threshold


def is_delay_notice(notice: Notice) -> bool:
    """A warning that delivery is late but still being tried (no report says which recipients)."""
    subject, body = notice.lower_subject, notice.lower_body
    delayed = bool(DELAY_SUBJECT.search(subject)) and not FAILED_SUBJECT.search(subject)
    delayed = delayed or bool(DELAY_TEXT.found_in(body))
    return delayed and not PERMANENT_TEXT.found_in(body)
