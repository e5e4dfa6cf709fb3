"""Content for createDraft / sendEmail: render from a template or inline tokens, check, stamp.

`render_for_draft` is the one call the compose path makes: given what the caller asked for and
the resolved context, it returns the subject and bodies to store, or raises UNRESOLVED_TOKENS
(a literal `{amount_due}` must never reach a customer) or UNGROUNDED_FACTS (text a model drafted
states something the context does not). `stamp` then records, with the email, how its content
was made: template and version, the hash of the data, the send condition the worker re-checks.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from sqlmodel import Session

from domain.content.condition import parse_condition
from domain.content.context import ContextTypeSpec, Formatting, ResolvedContext
from domain.content.formatting import check_locale
from domain.content.prepare import context_grounds, fact_issues, html_text
from domain.content.render import ContentIssue, render_email, tokens_in
from domain.errors import DomainError, ErrorCode
from domain.records import EmailTemplate, OutboundEmail, OutboundEmailContent, utcnow

MAX_HINT_CHARS = 2000


@dataclass(frozen=True)
class ContentOptions:
    """What a caller may ask of the compose path besides plain text."""

    template_id: uuid.UUID | None = None
    render_from_context: bool = False
    locale: str | None = None
    send_condition: Sequence[Mapping[str, Any]] | None = None
    fact_check: bool = False
    prompt_hint: str | None = None

    @property
    def requested(self) -> bool:
        return bool(
            self.template_id or self.render_from_context or self.send_condition or self.fact_check or self.locale
        )  # a lone locale is asked for too, so that it is refused rather than ignored

    @property
    def renders(self) -> bool:
        """True when the context's data is needed (to render or to check facts)."""
        return bool(self.template_id or self.render_from_context or self.fact_check)


@dataclass(frozen=True)
class ContentStamp:
    context_type: str
    context_id: uuid.UUID
    locale: str
    template_id: uuid.UUID | None = None
    template_version: int | None = None
    data_hash: str | None = None
    data_source: str | None = None
    send_condition: list[dict[str, Any]] | None = None
    fact_check: bool = False
    prompt_hint: str | None = None


@dataclass(frozen=True)
class RenderedDraft:
    subject: str | None
    body_text: str | None
    body_html: str | None
    stamp: ContentStamp


def check_options(
    options: ContentOptions,
    context_type: str | None,
    context_id: uuid.UUID | None,
    has_inline_content: bool,
) -> None:
    """Refuse contradictory or incomplete requests before anything is read."""
    if options.template_id and has_inline_content:
        raise DomainError(
            ErrorCode.INVALID_INPUT, "templateId cannot be combined with subject, bodyText or bodyHtml", "templateId"
        )
    if options.template_id and options.render_from_context:
        raise DomainError(ErrorCode.INVALID_INPUT, "give templateId or renderFromContext, not both", "templateId")
    if not context_type and not options.template_id:
        raise DomainError(ErrorCode.INVALID_INPUT, "contextType is required to render from a context", "contextType")
    if context_id is None:
        raise DomainError(ErrorCode.INVALID_INPUT, "contextId is required to render from a context", "contextId")
    if options.prompt_hint is not None and len(options.prompt_hint) > MAX_HINT_CHARS:
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"promptHint is longer than {MAX_HINT_CHARS} characters", "promptHint"
        )
    if options.locale is not None:
        check_locale(options.locale)


def _refuse(code: ErrorCode, what: str, issues: Sequence[ContentIssue], field: str) -> DomainError:
    listed = "; ".join(issue.message for issue in issues)
    return DomainError(code, f"{what}: {listed}", field)


def render_for_draft(
    options: ContentOptions,
    spec: ContextTypeSpec,
    context_id: uuid.UUID,
    defaults: Formatting,
    subject: str | None,
    body_text: str | None,
    body_html: str | None,
    template: EmailTemplate | None = None,
    context: ResolvedContext | None = None,
) -> RenderedDraft:
    """The subject and bodies to store, and the stamp recording how they were made."""
    formatting = defaults.with_locale(
        check_locale(options.locale) if options.locale else None, template.locale if template else None
    )
    clauses = parse_condition(spec.fields, options.send_condition or ())
    stamp = ContentStamp(
        context_type=spec.name,
        context_id=context_id,
        locale=formatting.locale,
        template_id=template.id if template else None,
        template_version=template.version if template else None,
        send_condition=[c.to_json() for c in clauses] or None,
        fact_check=options.fact_check,
        prompt_hint=options.prompt_hint,
    )
    if template is not None:
        subject, body_text, body_html = template.subject, template.body_text, template.body_html
    elif not options.render_from_context:
        literal = sorted(
            {"{" + t + "}" for x in (subject, body_text, body_html) for t in tokens_in(x)}
            & {"{" + k + "}" for k in spec.known_tokens}
        )
        if literal:
            raise DomainError(
                ErrorCode.UNRESOLVED_TOKENS,
                f"{', '.join(literal)} would be sent as written; set renderFromContext: true to fill it",
                "subject",
            )
    if not options.renders:
        return RenderedDraft(subject, body_text, body_html, stamp)
    if context is None:  # pragma: no cover - the caller resolves the context whenever options.renders
        raise ValueError("a resolved context is needed to render")
    context = replace(context, formatting=formatting)
    if template is not None or options.render_from_context:
        rendered = render_email(subject, body_text, body_html, context.values(), spec.known_tokens, spec.name)
        if rendered.issues:
            raise _refuse(ErrorCode.UNRESOLVED_TOKENS, "unresolved tokens", rendered.issues, "subject")
        subject, body_text, body_html = rendered.subject, rendered.body_text, rendered.body_html
    if options.fact_check:
        known = context_grounds(context, options.prompt_hint)
        issues = fact_issues(context, known, subject, body_text, html_text(body_html))
        if issues:
            raise _refuse(ErrorCode.UNGROUNDED_FACTS, "facts not found in the context", issues, "bodyText")
    stamp = replace(stamp, data_hash=context.data_hash, data_source=context.source)
    return RenderedDraft(subject, body_text, body_html, stamp)


def stamp(session: Session, email: OutboundEmail, content: ContentStamp | None) -> OutboundEmail:
    """Record with the email how its content was made (once: a replayed request changes nothing)."""
    if content is None or session.get(OutboundEmailContent, email.id) is not None:
        return email
    session.add(
        OutboundEmailContent(
            email_id=email.id, organization_id=email.organization_id, created_at=utcnow(), **asdict(content)
        )
    )
    return email
