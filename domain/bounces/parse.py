"""Reading a bounce: `parse_bounce(raw) -> Bounce | None`.

Where the recipients come from, most reliable first:

1. the `message/delivery-status` part of an RFC 3464 report (or its fields pasted into the text,
   or quoted with `>` in a forwarded report), the family's own text filling what it leaves out;
2. the text format of the family that wrote the notification (`domain.bounces.registry`);
3. the generic positions of `domain.bounces.prose`, X-Failed-Recipients, then any other address,
   when the evidence says it is a bounce at all (`domain.bounces.evidence`).

Nothing here raises on any input, and a failure in one field (a date, the original's headers,
one family's reader) costs that field, never the bounce: each is read under `_guarded`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Final, TypeVar

from domain.bounces import evidence, receivers, registry, report
from domain.bounces.addresses import domain_of
from domain.bounces.classify import classify
from domain.bounces.commands import command_in
from domain.bounces.dates import parse_date
from domain.bounces.family import Family
from domain.bounces.findings import Finding, merge, status_of
from domain.bounces.model import Bounce, BouncedRecipient
from domain.bounces.notice import Notice
from domain.bounces.original import first_id, ids, original_headers
from domain.bounces.probes import RETRY
from domain.bounces.prose import diagnostic_near, scan, weak_addresses

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_RECIPIENTS: Final = 500
MAX_NEAR_LOOKUPS: Final = 50
MAX_DIAGNOSTIC: Final = 1000
# Families whose text says which SMTP command was refused when their report's diagnostic does not.
TEXT_COMMANDS: Final = frozenset(
    {"postfix", "sendmail", "courier", "exim", "gmx", "yahoo", "qmail", "gmail", "messagingserver", "aol"}
)
# "-recipient" in any case (no character but an ASCII letter lower-cases onto its letters), found without
# lower-casing what may be the whole raw message, attachments and all.
RECIPIENT_FIELD: Final = re.compile("-recipient", re.IGNORECASE | re.ASCII)
# Matched on the lower-cased diagnostic (case-insensitive matching is several times slower).
# The word boundary is checked after each keyword's first letter (`h(?<!\wh)ost` is `\bhost`), so the
# engine tries only positions holding an h, b, s or f.
REMOTE_HOST: Final = re.compile(
    r"(?:h(?<!\wh)ost|b(?<!\wb)y|s(?<!\ws)erver|f(?<!\wf)rom)\s+([a-z0-9][a-z0-9.-]{2,200}\.[a-z]{2,63})\.?\s*\["
)


def parse_bounce(raw: bytes) -> Bounce | None:
    """The bounce in `raw`, or None when it is not one (ARF reports, receipts, success DSNs, mail)."""
    try:
        notice = Notice.read(raw)
        return _parse(notice) or _guarded(lambda: _wrapped(notice), None)
    except Exception:  # never raise on mail from the wild; fields are guarded one by one below
        log.warning("bounce parser failed on a message", exc_info=True)
        return None


def _guarded(read: Callable[[], T], default: T) -> T:
    try:
        return read()
    except Exception:
        log.warning("bounce parser: one field could not be read", exc_info=True)
        return default


def _parse(notice: Notice) -> Bounce | None:
    if evidence.is_other_report(notice):
        return None
    no_report: tuple[dict[str, str], list[report.Entry]] = ({}, [])
    per_message, entries = _guarded(lambda: _report(notice), no_report)
    failures = [e for e in entries if not report.is_success(e.action, e.status)]
    if entries and not failures:
        return None  # a report of successful deliveries only
    family = _guarded(lambda: registry.identify(notice), registry.GENERIC)
    if _guarded(lambda: family.excludes(notice), False):
        return None
    findings = _findings(notice, family, failures) if failures else []
    if findings and all(evidence.CHALLENGE_TEXT.found_in(f.diagnostic.lower()) for f in findings):
        return None
    if not findings:
        findings = _guarded(lambda: _from_text(notice, family, structured=bool(entries)), [])
    if not findings:
        return None
    recipients = [_recipient(f) for f in merge(findings)[:MAX_RECIPIENTS]]
    return _bounce(notice, per_message, recipients, family)


def _wrapped(notice: Notice) -> Bounce | None:
    """The bounce a notice that is not one carries attached whole (list software passing on a bounce
    it could not read, "Uncaught bounce notification"): read when the attachment is itself a
    notification, from a mail system or a delivery report, one level deep."""
    attached = notice.original
    if attached is None or not evidence.WRAPPED_BOUNCE.found_in(notice.lower_body):
        return None
    inner = Notice(attached)
    if inner.report_type != "delivery-status" and not inner.from_daemon:
        return None
    return _parse(inner)


def _report(notice: Notice) -> tuple[dict[str, str], list[report.Entry]]:
    """The report's per-message fields and per-recipient entries (from its part, else from the text)."""
    per_message: dict[str, str] = {}
    groups: list[dict[str, str]] = []
    for text in notice.status_texts:
        fields, found = report.read_fields(text)
        for name, value in fields.items():
            per_message.setdefault(name, value)
        groups.extend(found)
    if not groups and RECIPIENT_FIELD.search(notice.root.body):
        region = report.dsn_region(notice.full_text)
        if region:
            per_message, groups = report.read_fields(region)
    entries = [report.entry(g) for g in groups]
    return per_message, [e for e in entries if e.address]


def _findings(notice: Notice, family: Family, entries: list[report.Entry]) -> list[Finding]:
    """Recipients of the report; the family's text adds the command, reason and diagnostic it leaves out."""
    text_findings: dict[str, Finding] | None = None
    lookups = 0
    findings = []
    for item in entries:
        assert item.address is not None
        finding = Finding(
            item.address, item.diagnostic, item.status, _action(item), None, None, item.kind, item.remote_mta
        )
        if (
            not finding.diagnostic
            or family.completes_report
            or (family.name in TEXT_COMMANDS and command_in(finding.diagnostic) is None)
        ):
            if text_findings is None:
                nothing: list[Finding] = []
                text_findings = {f.email: f for f in _guarded(lambda: _text_findings(notice, family), nothing)}
            known = text_findings.get(finding.email)
            if known is not None:
                finding = _completed_by(finding, known)
            elif not finding.diagnostic and lookups < MAX_NEAR_LOOKUPS:
                lookups += 1
                finding = finding.with_(diagnostic=diagnostic_near(notice.lower_body, notice.body, finding.email))
        if not finding.status:
            finding = finding.with_(status=status_of(finding.diagnostic))
        findings.append(_guarded(lambda f=finding: family.refine(f), finding))  # type: ignore[misc]
    return findings


def _completed_by(finding: Finding, known: Finding) -> Finding:
    """A report's recipient completed by what the text says about the same address.

    The report's Status stays the status; the text's wording replaces an empty or class-only
    diagnostic when it states the reply more fully (Postfix and Sendmail write it in both places).
    """
    diagnostic = finding.diagnostic or known.diagnostic
    told = status_of(known.diagnostic) or ""
    vague = not finding.status or finding.status.endswith(".0.0")
    same_class = told[:1] == (finding.status or told)[:1]
    if vague and told and same_class and len(known.diagnostic) > len(diagnostic):
        diagnostic = known.diagnostic
    command = known.command or command_in(known.diagnostic)
    return finding.with_(diagnostic=diagnostic, command=command, hint=known.hint)


def _action(item: report.Entry) -> str:
    """failed or delayed: RFC 3464 §2.3.3, with a 4.x.x and no Action read as delayed."""
    if item.action in ("failed", "delayed"):
        return item.action
    if item.action.startswith("delay") or (not item.action and (item.status or "").startswith("4.")):
        return "delayed"
    return "failed"


def _text_findings(notice: Notice, family: Family) -> list[Finding]:
    found = family.read(notice)
    return found if found else scan(notice)


def _from_text(notice: Notice, family: Family, structured: bool) -> list[Finding]:
    """Recipients from the text, when there is no usable report: the family's format, then the prose."""
    if not structured and evidence.is_other_automatic_mail(notice):
        return []
    found = family.read(notice) if family is not registry.GENERIC else []
    if found:
        delayed = evidence.is_delay_notice(notice)
        return [_complete(f, delayed) for f in found]
    strong = scan(notice)
    failed = notice.failed_header
    if not structured and not failed and not evidence.scores_at_least(notice, 4, placed=bool(strong)):
        return []
    delayed = evidence.is_delay_notice(notice)
    if strong:
        listed = [f for f in strong if f.email in failed]
        chosen = listed or strong
    else:
        lowered = notice.lower_body
        candidates = failed or weak_addresses(notice, set())[:20]
        chosen = [Finding(a, diagnostic_near(lowered, notice.body, a)) for a in candidates[:MAX_NEAR_LOOKUPS]]
    return [_complete(refined, delayed) for refined in (family.refine(f) for f in chosen)]


def _complete(finding: Finding, delayed: bool) -> Finding:
    status = finding.status or status_of(finding.diagnostic)
    action = finding.action or ("delayed" if delayed else "failed")
    return finding.with_(status=status, action=action)


def _recipient(finding: Finding) -> BouncedRecipient:
    action = finding.action or "failed"
    status = finding.status
    if status and status.startswith("2."):
        status = None  # a success code never describes a failure
    diagnostic = " ".join(finding.diagnostic.split())[:MAX_DIAGNOSTIC]
    command = finding.command or command_in(diagnostic)
    hint = finding.hint
    if not hint or hint in RETRY:
        remote = finding.remote or _remote_in(diagnostic)
        hint = receivers.reason_from(remote, domain_of(finding.email), diagnostic, status) or hint
    verdict = classify(
        status, diagnostic, action, command=command, hint=hint, kind=finding.kind, default=finding.default
    )
    return BouncedRecipient(
        finding.email, action, status, diagnostic, verdict.reason, verdict.permanence, verdict.scope
    )


def _remote_in(diagnostic: str) -> str:
    """The remote host a diagnostic names ("host mx.example.com[192.0.2.1] said", "by mx. [ip]")."""
    if "[" not in diagnostic:
        return ""  # every form names the host's address in brackets
    match = REMOTE_HOST.search(diagnostic.lower())
    return match.group(1).rstrip(".") if match else ""


def _bounce(notice: Notice, per_message: dict[str, str], recipients: list[BouncedRecipient], family: Family) -> Bounce:
    no_headers: dict[str, str] = {}
    original = _guarded(lambda: original_headers(notice), no_headers)
    in_reply_to = _guarded(lambda: first_id(notice.root.get("in-reply-to")), None)
    no_ids: tuple[str, ...] = ()
    references = _guarded(lambda: tuple(ids(notice.root.get("references"))), no_ids)
    original_id = first_id(per_message.get("x-original-message-id", "")) or original.get("message-id") or in_reply_to
    reported_at = _guarded(lambda: parse_date(per_message.get("arrival-date", "")), None) or _guarded(
        lambda: parse_date(notice.root.get("date")), None
    )
    return Bounce(
        recipients=tuple(recipients),
        original_message_id=original_id,
        detected_at=reported_at or datetime.now(UTC),
        in_reply_to=in_reply_to,
        references=references,
        original_headers_message_id=original.get("message-id"),
        mailtrail_id=original.get("x-mailtrail-id"),
        reporting_mta=report.strip_type(per_message.get("reporting-mta", "")) or None,
        extra={"family": family.name},
        reported_at=reported_at,
    )
