"""Preview and prepare: render a subject and body from a resolved context, or have a model draft them.

Neither saves anything. In INFERENCE mode the model's draft is rendered like a template (a
`{token}` it wrote is filled, not sent literally) and then fact-checked; when the model is not
configured, unreachable, or answers nothing readable, the caller's subject and body are rendered
as a template instead and `mode` says TEMPLATE.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from html import unescape

from domain.content.context import Formatting, ResolvedContext
from domain.content.grounding import Grounds, grounds, ungrounded_facts
from domain.content.prompt import PromptInput, ThreadMessage, UnreadableAnswer, build_messages, parse_answer
from domain.content.render import ContentIssue, IssueKind, Rendered, render_email, text_to_html, unique
from domain.language_model import LanguageModel, LanguageModelError

log = logging.getLogger("mailtrail.content")
TAG = re.compile(r"<[^>]*>")


class PrepareMode(StrEnum):
    TEMPLATE = "TEMPLATE"
    INFERENCE = "INFERENCE"


@dataclass(frozen=True)
class PrepareRequest:
    mode: PrepareMode
    subject: str | None = None
    body_text: str | None = None
    prompt_hint: str | None = None
    sender_name: str | None = None
    sender_email: str | None = None
    thread: Sequence[ThreadMessage] = ()


@dataclass(frozen=True)
class Prepared:
    subject: str
    body_text: str
    body_html: str
    mode: PrepareMode
    issues: tuple[ContentIssue, ...]
    model: str | None = None
    fallback_reason: str | None = None


def render(
    context: ResolvedContext, subject: str | None, body_text: str | None, body_html: str | None = None
) -> Rendered:
    """Fill the tokens of a subject and bodies from the context's formatted values."""
    return render_email(subject, body_text, body_html, context.values(), context.spec.known_tokens, context.spec.name)


def html_text(body_html: str | None) -> str:
    """The visible text of an HTML body, plus its link targets (both are facts a reader meets)."""
    if not body_html:
        return ""
    links = " ".join(re.findall(r"""href\s*=\s*["']([^"']+)["']""", body_html, re.IGNORECASE))
    return unescape(TAG.sub(" ", body_html)) + " " + unescape(links)


def context_grounds(context: ResolvedContext, hint: str | None, sender: Sequence[str | None] = ()) -> Grounds:
    """What a generated text may state about this context."""
    fmt = context.formatting
    texts = [*context.values().values(), *(s for s in sender if s), hint or ""]
    return grounds(context.typed_values(), texts, fmt.locale, fmt.timezone)


def fact_issues(context: ResolvedContext, known: Grounds, *texts: str | None) -> list[ContentIssue]:
    issues: list[ContentIssue] = []
    for text in texts:
        issues += ungrounded_facts(text, known, context.formatting.locale, context.spec.name)
    return issues


def _template(context: ResolvedContext, request: PrepareRequest, reason: str | None, model: str | None) -> Prepared:
    if reason is not None and not (request.subject or request.body_text):
        issue = ContentIssue(
            "", f"no draft: {reason}, and no subject or bodyText was given to fall back on", IssueKind.MODEL_UNAVAILABLE
        )
        return Prepared("", "", "", PrepareMode.TEMPLATE, (issue,), model, reason)
    rendered = render(context, request.subject, request.body_text)
    text = rendered.body_text or ""
    return Prepared(rendered.subject, text, text_to_html(text), PrepareMode.TEMPLATE, rendered.issues, model, reason)


def prepare(request: PrepareRequest, context: ResolvedContext, model: LanguageModel | None) -> Prepared:
    """Render (TEMPLATE) or draft and fact-check (INFERENCE) one email from `context`."""
    if request.mode is PrepareMode.TEMPLATE:
        return _template(context, request, None, None)
    if model is None:
        return _template(context, request, "no language model is configured", None)
    fmt: Formatting = context.formatting
    messages = build_messages(
        PromptInput(
            context_type=context.spec.name,
            values=context.labelled_values(),
            locale=fmt.locale,
            today=context.values()["current_date"],
            sender_name=request.sender_name,
            sender_email=request.sender_email,
            hint=request.prompt_hint,
            thread=request.thread,
        )
    )
    try:
        completion = model.complete(messages)
        subject, body = parse_answer(completion.text)
    except LanguageModelError as error:
        log.warning("language model failed, falling back to the template: %s", error.message)
        return _template(context, request, f"the language model failed: {error.message}", None)
    except UnreadableAnswer as error:
        return _template(context, request, f"the language model's answer was unreadable: {error}", None)
    rendered = render(context, subject, body)
    text = rendered.body_text or ""
    known = context_grounds(context, request.prompt_hint, (request.sender_name, request.sender_email))
    issues = unique([*rendered.issues, *fact_issues(context, known, rendered.subject, text)])
    return Prepared(rendered.subject, text, text_to_html(text), PrepareMode.INFERENCE, issues, completion.model)
