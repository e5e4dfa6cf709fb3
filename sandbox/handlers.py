"""The emulator's Gmail resource handlers and the reply they make: one method per route of `Router`,
called with the store lock held, on a mailbox the router has authorized."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sandbox.errors import bad_request, not_found
from sandbox.gmail import Gmail
from sandbox.resources import find_attachment, message_resource, thread_resource
from sandbox.store import Mailbox, b64url
from sandbox.web import not_found_page


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    after: str | None = None  # "reset": drop the connection after processing; "slow:N": wait before answering

    @classmethod
    def json(cls, status: int, data: Any, headers: dict[str, str] | None = None) -> Reply:
        return cls(
            status, json.dumps(data).encode(), {"Content-Type": "application/json; charset=UTF-8", **(headers or {})}
        )

    @classmethod
    def no_such_path(cls, path: str) -> Reply:
        """Google's HTML 404 for a path no API serves (never Gmail's `notFound` JSON)."""
        return cls(404, not_found_page(path), {"Content-Type": "text/html; charset=UTF-8"})


class GmailHandlers:
    """users.getProfile, messages.*, threads.get, history.list, watch/stop and drafts: `Router` routes to them."""

    emulator: Any
    gmail: Gmail

    def profile(self, box: Mailbox, params: dict[str, str], query: Mapping[str, list[str]], body: bytes) -> Reply:
        return Reply.json(
            200,
            {
                "emailAddress": box.address,
                "messagesTotal": len(box.messages),
                "threadsTotal": len({m.thread_id for m in box.messages.values()}),
                "historyId": str(box.history_id),
            },
        )

    def send(self, box: Mailbox, params: dict[str, str], query: Mapping[str, list[str]], body: bytes) -> Reply:
        changed: set[str] = set()
        sent = self.gmail.send(box, _json(body), changed)
        self.emulator.after_change(changed)
        return Reply.json(200, {"id": sent.id, "threadId": sent.thread_id, "labelIds": list(sent.label_ids)})

    def list_messages(self, box: Mailbox, params: dict[str, str], query: Mapping[str, list[str]], body: bytes) -> Reply:
        return Reply.json(
            200,
            self.gmail.list_messages(
                box,
                _one(query, "q"),
                query.get("labelIds", []),
                _one(query, "includeSpamTrash") == "true",
                int(_one(query, "maxResults") or 100),
                _one(query, "pageToken"),
            ),
        )

    def get(self, box: Mailbox, params: dict[str, str], query: Mapping[str, list[str]], body: bytes) -> Reply:
        fmt = _one(query, "format") or "full"
        if fmt not in ("minimal", "full", "raw", "metadata"):
            raise bad_request(f"Invalid value at 'format' ({fmt})")
        message = self.gmail.message(box, params["id"])
        return Reply.json(200, message_resource(message, fmt, query.get("metadataHeaders")))

    def attachment(self, box: Mailbox, params: dict[str, str], query: Mapping[str, list[str]], body: bytes) -> Reply:
        content = find_attachment(self.gmail.message(box, params["id"]), params["aid"])
        if content is None:
            raise not_found()
        return Reply.json(200, {"attachmentId": params["aid"], "size": len(content), "data": b64url(content)})

    def thread(self, box: Mailbox, params: dict[str, str], query: Mapping[str, list[str]], body: bytes) -> Reply:
        messages = self.emulator.store.thread_messages(box, params["id"])
        if not messages:
            raise not_found()
        return Reply.json(
            200, thread_resource(box, messages, _one(query, "format") or "full", query.get("metadataHeaders"))
        )

    def history(self, box: Mailbox, params: dict[str, str], query: Mapping[str, list[str]], body: bytes) -> Reply:
        return Reply.json(
            200,
            self.gmail.history(
                box,
                _one(query, "startHistoryId"),
                query.get("historyTypes", []),
                _one(query, "labelId"),
                int(_one(query, "maxResults") or 100),
                _one(query, "pageToken"),
            ),
        )

    def watch(self, box: Mailbox, params: dict[str, str], query: Mapping[str, list[str]], body: bytes) -> Reply:
        request = _json(body)
        if not request.get("topicName"):
            raise bad_request("Invalid topicName does not match projects/SOME_PROJECT/topics/SOME_TOPIC")
        expiration = int((time.time() + 7 * 86400) * 1000)
        box.watch = {**request, "expiration": expiration}
        return Reply.json(200, {"historyId": str(box.history_id), "expiration": str(expiration)})

    def stop(self, box: Mailbox, params: dict[str, str], query: Mapping[str, list[str]], body: bytes) -> Reply:
        box.watch = None
        return Reply(204)

    def draft_create(self, box: Mailbox, params: dict[str, str], query: Mapping[str, list[str]], body: bytes) -> Reply:
        message = _json(body).get("message") or {}
        if not message.get("raw"):
            raise bad_request("Missing draft message")
        from sandbox.store import b64url_decode, new_id

        stored = self.emulator.store.add_message(box, b64url_decode(message["raw"]), ["DRAFT"], message.get("threadId"))
        draft_id = "r" + new_id(self.emulator.store.rng)[:15]
        box.drafts[draft_id] = stored.id
        self.emulator.after_change({box.address})
        return Reply.json(
            200, {"id": draft_id, "message": {"id": stored.id, "threadId": stored.thread_id, "labelIds": ["DRAFT"]}}
        )

    def draft_send(self, box: Mailbox, params: dict[str, str], query: Mapping[str, list[str]], body: bytes) -> Reply:
        draft_id = _json(body).get("id")
        message_id = box.drafts.pop(draft_id or "", None)
        if message_id is None:
            raise not_found()
        draft = box.messages.pop(message_id)
        changed: set[str] = set()
        sent = self.gmail.send(box, {"raw": b64url(draft.raw), "threadId": None}, changed)
        self.emulator.after_change(changed)
        return Reply.json(200, {"id": sent.id, "threadId": sent.thread_id, "labelIds": list(sent.label_ids)})


def _one(query: Mapping[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _json(body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    try:
        data = json.loads(body)
    except ValueError:
        raise bad_request("Invalid JSON payload received.") from None
    if not isinstance(data, dict):
        raise bad_request("Invalid JSON payload received.")
    return data
