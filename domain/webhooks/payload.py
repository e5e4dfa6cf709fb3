"""The JSON body of a webhook: the update a subscription would deliver, in the same field names.

`data` has exactly the fields of the GraphQL `OutboundEmailUpdate` and `data.outboundEmail` the
fields of `OutboundEmail` (camelCase, enums by name, ISO 8601 datetimes), so a backend can parse
webhooks and subscription updates with one model. Left out: the bodies and the nested lists
(attachments, events, replies...), which can be large, and `emailContext` (an entity's whole
story, recomputed per event): ask `outboundEmail(id)` and `emailContext` for them.
`tests/domain/webhooks` checks every field against the GraphQL answer for the same email.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from domain.records import MailAccount, OutboundEmail
from domain.updates import Update, UpdateKind

TYPE_PREFIX = "outbound_email."


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _bounce_details(data: dict[str, Any] | None) -> dict[str, Any] | None:
    if not data:
        return None
    return {
        "bouncedRecipients": [
            {
                "email": r.get("email", ""),
                "action": r.get("action"),
                "statusCode": r.get("status_code"),
                "diagnostic": r.get("diagnostic"),
            }
            for r in data.get("bounced_recipients", [])
        ],
        "detectedAt": data.get("detected_at"),
    }


def account_json(account: MailAccount) -> dict[str, Any]:
    return {
        "id": str(account.id),
        "email": account.email,
        "displayName": account.display_name,
        "state": account.state.value,
    }


def email_json(email: OutboundEmail, account: MailAccount | None) -> dict[str, Any]:
    """An email's state under its GraphQL field names."""
    return {
        "id": str(email.id),
        "status": email.status.value,
        "fromEmail": email.from_email,
        "to": list(email.to),
        "cc": list(email.cc),
        "bcc": list(email.bcc),
        "subject": email.subject,
        "contextType": email.context_type,
        "contextId": str(email.context_id) if email.context_id else None,
        "plannedSendAt": _time(email.planned_send_at),
        "providerMessageId": email.provider_message_id,
        "providerThreadId": email.provider_thread_id,
        "messageIdHeader": email.message_id_header,
        "errorMessage": email.error_message,
        "deliveryStatus": email.delivery_status.value if email.delivery_status else None,
        "bounceDetails": _bounce_details(email.bounce_details),
        "idempotencyKey": email.idempotency_key,
        "attemptCount": email.attempt_count,
        "nextAttemptAt": _time(email.next_attempt_at),
        "waitReason": email.wait_reason,
        "createdAt": _time(email.created_at),
        "updatedAt": _time(email.updated_at),
        "sentAt": _time(email.sent_at),
        "account": account_json(account) if account is not None else None,
    }


def recipient_json(data: Mapping[str, Any]) -> dict[str, Any]:
    """A RECIPIENT_UPDATED event's recipient under the GraphQL `Recipient` field names."""

    def name(value: object) -> str | None:  # GraphQL shows these enums by name (HARD, ADDRESS)
        return value.upper() if isinstance(value, str) else None

    return {
        "address": data.get("address"),
        "role": data.get("role"),
        "deliveryState": data.get("delivery_state"),
        "statusCode": data.get("status_code"),
        "action": data.get("action"),
        "diagnostic": data.get("diagnostic"),
        "reason": data.get("reason"),
        "permanence": name(data.get("permanence")),
        "scope": name(data.get("scope")),
        "detectedAt": data.get("detected_at"),
        "reportedAt": data.get("reported_at"),
        "correlation": data.get("correlation"),
    }


def render(update: Update) -> str:
    """The body sent for `update` (compact JSON; the exact text is stored and signed)."""
    data = {
        "kind": update.kind.value,
        "event": update.event,
        "cursor": update.cursor,
        "at": update.at.isoformat(),
        "emailId": str(update.email_id),
        "outboundEmail": email_json(update.email, update.account) if update.email is not None else None,
        "recipient": recipient_json(update.data)
        if update.kind == UpdateKind.RECIPIENT_UPDATED and update.data
        else None,
        "mailAccount": account_json(update.subject_account) if update.subject_account is not None else None,
    }
    body = {"type": TYPE_PREFIX + update.kind.value.lower(), "timestamp": update.at.isoformat(), "data": data}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)
