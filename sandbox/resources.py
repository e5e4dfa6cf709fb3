"""Gmail's JSON shapes for messages and threads (gmail-api.md §2.1), built from stored raw mail."""

from __future__ import annotations

import email.message
from typing import Any

from sandbox.store import Mailbox, StoredMessage, b64url, snippet


def _headers(part: email.message.Message, only: set[str] | None = None) -> list[dict[str, str]]:
    return [{"name": name, "value": str(value)} for name, value in part.items() if only is None or name.lower() in only]


def _payload(part: email.message.Message, message_id: str, part_id: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "partId": part_id,
        "mimeType": part.get_content_type(),
        "filename": part.get_filename() or "",
        "headers": _headers(part),
    }
    if part.is_multipart():
        children = part.get_payload()
        assert isinstance(children, list)
        data["body"] = {"size": 0}
        data["parts"] = [
            _payload(child, message_id, f"{part_id}.{i}" if part_id else str(i)) for i, child in enumerate(children)
        ]
        return data
    content = part.get_payload(decode=True)
    content = content if isinstance(content, bytes) else b""
    if part.get_filename():
        data["body"] = {"size": len(content), "attachmentId": attachment_id(message_id, part_id)}
    else:
        data["body"] = {"size": len(content), "data": b64url(content)} if content else {"size": 0}
    return data


def attachment_id(message_id: str, part_id: str) -> str:
    return f"ANGjdJ{message_id}_{part_id.replace('.', '-') or 'root'}"


def find_attachment(message: StoredMessage, attachment: str) -> bytes | None:
    prefix = f"ANGjdJ{message.id}_"
    if not attachment.startswith(prefix):
        return None
    wanted = attachment[len(prefix) :].replace("-", ".")
    wanted = "" if wanted == "root" else wanted

    def walk(part: email.message.Message, part_id: str) -> bytes | None:
        if part.is_multipart():
            for i, child in enumerate(part.get_payload()):
                found = walk(child, f"{part_id}.{i}" if part_id else str(i))
                if found is not None:
                    return found
            return None
        if part_id == wanted:
            content = part.get_payload(decode=True)
            return content if isinstance(content, bytes) else b""
        return None

    return walk(message.parsed, "")


def message_resource(
    message: StoredMessage, fmt: str = "full", metadata_headers: list[str] | None = None
) -> dict[str, Any]:
    parsed = message.parsed
    base: dict[str, Any] = {
        "id": message.id,
        "threadId": message.thread_id,
        "labelIds": list(message.label_ids),
        "snippet": snippet(parsed),
        "historyId": str(message.history_id),
        "internalDate": str(message.internal_date_ms),
        "sizeEstimate": len(message.raw),
    }
    if fmt == "minimal":
        return base
    if fmt == "raw":
        return {**base, "raw": b64url(message.raw)}
    if fmt == "metadata":
        only = {h.lower() for h in metadata_headers} if metadata_headers else None
        return {**base, "payload": {"mimeType": parsed.get_content_type(), "headers": _headers(parsed, only)}}
    return {**base, "payload": _payload(parsed, message.id, "")}


def thread_resource(
    box: Mailbox, messages: list[StoredMessage], fmt: str, metadata_headers: list[str] | None
) -> dict[str, Any]:
    return {
        "id": messages[0].thread_id,
        "historyId": str(max(m.history_id for m in messages)),
        "messages": [message_resource(m, fmt, metadata_headers) for m in messages],
    }
