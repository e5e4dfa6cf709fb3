"""The send guard: the worker's last look at an email's context before the Gmail call.

A reminder scheduled on Monday for an invoice paid on Tuesday must not go out on Wednesday. For
an email composed with content options, the guard re-reads the entity (its pushed snapshot, or
the provider without the cache) and refuses the send when the send condition no longer holds,
when a known `{token}` is still in the text (an edit after rendering), or, for text a model
drafted, when a fact in it no longer matches the data. Emails composed without content options
cost one primary-key look-up.
"""

from __future__ import annotations

from sqlmodel import Session

from domain.content.condition import parse_condition, unmet_reason
from domain.content.prepare import context_grounds, fact_issues, html_text
from domain.content.render import tokens_in
from domain.content.resolve import load_source, resolve
from domain.context_provider import ContextProvider
from domain.errors import DomainError, ErrorCode
from domain.records import OutboundEmail, OutboundEmailContent


class ContextUnavailable(Exception):
    """The app's provider could not be asked right now: try the send again later, never send blind."""


def send_blocked_reason(session: Session, email: OutboundEmail, provider: ContextProvider | None = None) -> str | None:
    """Why `email` must not be sent now (a sentence for its errorMessage), or None to send it.

    Raises ContextUnavailable when the provider fails: the email waits and is tried again (until
    its deadline) rather than failing for an outage that is not its fault.
    """
    content = session.get(OutboundEmailContent, email.id)
    if content is None:
        return None
    name = content.context_type
    try:
        source = load_source(session, email.organization_id, name, content.context_id)
    except DomainError:
        return f"not sent: the context type {name} no longer exists"
    spec = source.spec
    texts = (email.subject, email.body_text, email.body_html)
    leftover = sorted({"{" + t + "}" for text in texts for t in tokens_in(text) if t in spec.known_tokens})
    if leftover:
        return f"not sent: the text still holds unresolved tokens {', '.join(leftover)}"
    if not content.send_condition and not content.fact_check:
        return None
    try:
        context = resolve(source, provider, fresh=True)
    except DomainError as error:
        if error.code == ErrorCode.CONTEXT_PROVIDER_FAILED:
            raise ContextUnavailable(f"the {name} {content.context_id} could not be read: {error.message}") from None
        return f"not sent: the {name} {content.context_id} could not be read again: {error.message}"
    try:
        clauses = parse_condition(spec.fields, content.send_condition or ())
    except DomainError as error:
        return f"not sent: the send condition no longer fits context type {name}: {error.message}"
    reason = unmet_reason(clauses, context.typed_values(), name)
    if reason is not None:
        return reason
    if content.fact_check:
        known = context_grounds(context, content.prompt_hint)
        issues = fact_issues(context, known, email.subject, email.body_text, html_text(email.body_html))
        if issues:
            return "not sent: facts no longer match the " + name + ": " + ", ".join(repr(i.token) for i in issues)
    return None
