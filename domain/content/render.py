"""`{token}` placeholders filled from formatted context values.

A token is a name in braces, spaces around it allowed: `{amount_due}`, `{ due_date }`. `{{` and
`}}` write a literal brace. Braces around anything that is not a name (CSS rules, JSON) are left
alone. A token that is not a field of the context type, or whose value is absent, is reported
and left in the output as written, so a preview shows where it is; sending refuses it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum

TOKEN = re.compile(r"\{\{|\}\}|\{\s*([A-Za-z0-9_.\-]{1,100})\s*\}")
LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")


class IssueKind(StrEnum):
    UNKNOWN_TOKEN = "UNKNOWN_TOKEN"
    MISSING_VALUE = "MISSING_VALUE"
    UNGROUNDED_FACT = "UNGROUNDED_FACT"
    MODEL_UNAVAILABLE = "MODEL_UNAVAILABLE"


@dataclass(frozen=True)
class ContentIssue:
    """One problem in rendered or generated text: the token (or fact) as written, and why."""

    token: str
    message: str
    kind: IssueKind


@dataclass(frozen=True)
class Rendered:
    subject: str
    body_text: str | None
    body_html: str | None
    issues: tuple[ContentIssue, ...]


def tokens_in(text: str | None) -> list[str]:
    """The token names written in `text`, in order (escaped braces are not tokens)."""
    return [m.group(1) for m in TOKEN.finditer(text or "") if m.group(1)]


def fill(
    text: str,
    values: Mapping[str, str],
    known: Collection[str],
    context_type: str,
    escape: Callable[[str], str] = str,
) -> tuple[str, list[ContentIssue]]:
    """`text` with its tokens replaced by `values` (through `escape`), and the tokens that could not be."""
    issues: list[ContentIssue] = []

    def replace(match: re.Match[str]) -> str:
        whole, name = match.group(0), match.group(1)
        if name is None:
            return whole[0]
        if name not in known:
            issues.append(
                ContentIssue(
                    "{" + name + "}",
                    f"{{{name}}} is not available for context type {context_type}",
                    IssueKind.UNKNOWN_TOKEN,
                )
            )
            return whole
        if name not in values:
            issues.append(
                ContentIssue(
                    "{" + name + "}", f"{{{name}}} has no value for this {context_type}", IssueKind.MISSING_VALUE
                )
            )
            return whole
        return escape(values[name])

    return TOKEN.sub(replace, text), issues


def render_email(
    subject: str | None,
    body_text: str | None,
    body_html: str | None,
    values: Mapping[str, str],
    known: Collection[str],
    context_type: str,
) -> Rendered:
    """Fill subject (kept on one line), text body and HTML body (values HTML-escaped)."""
    issues: list[ContentIssue] = []
    one_line = {key: LINE_BREAKS.sub(" ", value) for key, value in values.items()}
    rendered_subject, found = fill(subject or "", one_line, known, context_type)
    issues += found
    text = html_body = None
    if body_text is not None:
        text, found = fill(body_text, values, known, context_type)
        issues += found
    if body_html is not None:
        html_body, found = fill(body_html, values, known, context_type, escape=html.escape)
        issues += found
    return Rendered(LINE_BREAKS.sub(" ", rendered_subject), text, html_body, unique(issues))


def unique(issues: list[ContentIssue]) -> tuple[ContentIssue, ...]:
    """Each token's issue once, in first-seen order."""
    seen: dict[tuple[str, IssueKind], ContentIssue] = {}
    for issue in issues:
        seen.setdefault((issue.token, issue.kind), issue)
    return tuple(seen.values())


def text_to_html(text: str) -> str:
    """A plain-text body as simple HTML: escaped, paragraphs on blank lines, line breaks kept."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()) if p.strip()]
    inner = "".join("<p>" + html.escape(p).replace("\n", "<br>\n") + "</p>\n" for p in paragraphs)
    return f"<html><body>\n{inner}</body></html>"
