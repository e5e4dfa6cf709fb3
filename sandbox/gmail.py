"""The Gmail API's behaviour over the store: send, read, list, history, watch, drafts, quotas.

Facts followed (gmail-api.md): send returns only {id, threadId, labelIds} (§4.1); Gmail replaces
the Message-ID with `<...@mail.gmail.com>` and rewrites From unless it is a send-as alias; a
message joins a thread only if threadId, In-Reply-To/References and the subject all agree; an
unknown threadId is 400; history older than retention is 404 (§2.3); quota units per method (§7).
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from sandbox import dsn
from sandbox.errors import bad_request, not_found, rate_limited
from sandbox.limits import Limits
from sandbox.query import compile_query, excluded_by_default
from sandbox.store import Mailbox, Store, StoredMessage, b64url_decode

UNITS = {
    "send": 100,
    "get": 5,
    "list": 5,
    "history": 2,
    "profile": 1,
    "watch": 100,
    "stop": 1,
    "attachment": 5,
    "thread": 10,
    "draft_create": 10,
    "draft_send": 100,
    "batch": 0,
}
SUBJECT_PREFIX = re.compile(r"^\s*((re|fwd?|aw|sv)\s*:\s*)+", re.IGNORECASE)


@dataclass
class Delivery:
    """What a send produced besides the sent copy: for pushes and bounce generation."""

    changed: set[str] = field(default_factory=set)


def _normalized_subject(subject: str | None) -> str:
    return SUBJECT_PREFIX.sub("", subject or "").strip().lower()


class Gmail:
    def __init__(self, store: Store, limits: Limits) -> None:
        self.store = store
        self.limits = limits

    # -- quotas ----------------------------------------------------------------------------

    def charge(self, box: Mailbox, method: str) -> None:
        units = UNITS.get(method, 5)
        now = time.time()
        box.unit_times = [(t, u) for t, u in box.unit_times if t > now - 60]
        if sum(u for _, u in box.unit_times) + units > self.limits.units_per_minute:
            raise rate_limited(per_minute=True)
        box.unit_times.append((now, units))

    def check_daily_cap(self, box: Mailbox) -> None:
        now = time.time()
        box.sent_times = [t for t in box.sent_times if t > now - 86400]
        cap = box.daily_send_cap if box.daily_send_cap is not None else self.limits.daily_send_cap
        if len(box.sent_times) >= cap:
            raise rate_limited(per_minute=False)

    # -- sending ---------------------------------------------------------------------------

    def send(self, box: Mailbox, body: dict[str, Any], changed: set[str]) -> StoredMessage:
        raw_text = body.get("raw")
        if not raw_text:
            raise bad_request(
                "'raw' RFC822 payload message string or uploading message via /upload/* URL required", "invalidArgument"
            )
        try:
            raw = b64url_decode(raw_text)
        except ValueError as error:
            raise bad_request(f"Invalid value for ByteString: {error}") from None
        parsed = email.message_from_bytes(raw, policy=email.policy.compat32)
        recipients = self._recipients(parsed)
        if not recipients:
            raise bad_request("Recipient address required")
        self.check_daily_cap(box)
        thread_id = self._thread_for(box, body.get("threadId"), parsed)
        raw = self._rewrite(box, parsed)
        labels = ["SENT"]
        if box.address in {r.lower() for r in recipients}:
            labels += ["INBOX", "UNREAD"]
        sent = self.store.add_message(box, raw, labels, thread_id)
        box.sent_times.append(time.time())
        changed.add(box.address)
        self._deliver(box, sent, recipients, changed)
        return sent

    def _recipients(self, parsed: email.message.Message) -> list[str]:
        fields = [str(v) for name in ("To", "Cc", "Bcc") for v in parsed.get_all(name, [])]
        return [address for _, address in email.utils.getaddresses(fields) if "@" in address]

    def _thread_for(self, box: Mailbox, thread_id: str | None, parsed: email.message.Message) -> str | None:
        if not thread_id:
            return self._implicit_thread(box, parsed)
        thread = self.store.thread_messages(box, thread_id)
        if not thread:
            raise bad_request("Invalid thread_id value")
        ids = set(re.findall(r"<[^>]+>", f"{parsed.get('In-Reply-To', '')} {parsed.get('References', '')}"))
        known = {(m.header("Message-ID") or "").strip() for m in thread}
        same_subject = _normalized_subject(parsed.get("Subject")) == _normalized_subject(thread[0].header("Subject"))
        return thread_id if ids & known and same_subject else None

    def _implicit_thread(self, box: Mailbox, parsed: email.message.Message) -> str | None:
        return None

    def _rewrite(self, box: Mailbox, parsed: email.message.Message) -> bytes:
        """Gmail's own Message-ID, its From, and no Bcc in what it stores and delivers."""
        if self.limits.rewrite_message_id or not parsed.get("Message-ID"):
            del parsed["Message-ID"]
            parsed["Message-ID"] = f"<CA{secrets.token_urlsafe(30)}@mail.gmail.com>"
        name, address = email.utils.parseaddr(str(parsed.get("From", "")))
        if address.lower() not in {box.address, *box.aliases}:
            del parsed["From"]
            parsed["From"] = email.utils.formataddr((name or box.display_name or "", box.address))
        if not parsed.get("Date"):
            parsed["Date"] = email.utils.formatdate(localtime=False)
        return parsed.as_bytes()

    def _deliver(self, box: Mailbox, sent: StoredMessage, recipients: list[str], changed: set[str]) -> None:
        parsed = email.message_from_bytes(sent.raw, policy=email.policy.compat32)
        del parsed["Bcc"]
        delivered = parsed.as_bytes()
        message_id = sent.header("Message-ID") or ""
        notices: list[tuple[str, str]] = []
        for address in dict.fromkeys(a.lower() for a in recipients):
            rule = dsn.rule_for(address)
            if rule in ("unknown", "full", "delay"):
                notices.append((address, rule))
                continue
            if rule == "ooo":
                reply = dsn.out_of_office(address, box.address, message_id, str(parsed.get("Subject", "")))
                self.store.add_message(box, reply, ["INBOX", "UNREAD"], sent.thread_id)
                changed.add(box.address)
            target = self.store.mailbox(address)
            if target is not None and target is not box:
                self.store.add_message(target, delivered, ["INBOX", "UNREAD"])
                changed.add(target.address)
        for group in ([n for n in notices if n[1] != "delay"], [n for n in notices if n[1] == "delay"]):
            if group:
                notice = dsn.failure_notice(
                    box.address, delivered, message_id, parsed.get("References"), str(parsed.get("Subject", "")), group
                )
                self.store.add_message(box, notice, ["INBOX", "UNREAD"], sent.thread_id)
                changed.add(box.address)

    def inject(
        self,
        box: Mailbox,
        raw: bytes,
        labels: list[str] | None = None,
        thread_id: str | None = None,
        reply_to: StoredMessage | None = None,
    ) -> StoredMessage:
        """Deliver raw mail into a mailbox, threaded with `reply_to` (or by In-Reply-To) when given."""
        if thread_id is None:
            if reply_to is not None:
                thread_id = reply_to.thread_id
            else:
                parsed = email.message_from_bytes(raw, policy=email.policy.compat32)
                ids = set(re.findall(r"<[^>]+>", f"{parsed.get('In-Reply-To', '')} {parsed.get('References', '')}"))
                for message in box.messages.values():
                    if (message.header("Message-ID") or "").strip() in ids:
                        thread_id = message.thread_id
                        break
        return self.store.add_message(box, raw, labels or ["INBOX", "UNREAD"], thread_id)

    # -- reading ---------------------------------------------------------------------------

    def message(self, box: Mailbox, message_id: str) -> StoredMessage:
        found = box.messages.get(message_id)
        if found is None:
            raise not_found()
        return found

    def list_messages(
        self,
        box: Mailbox,
        q: str | None,
        label_ids: list[str],
        include_spam_trash: bool,
        max_results: int,
        page_token: str | None,
    ) -> dict[str, Any]:
        try:
            predicate = compile_query(q)
        except ValueError:
            raise bad_request("Invalid query") from None
        excluded = set() if include_spam_trash else excluded_by_default(q)
        indexed_before = time.monotonic() - self.limits.search_lag_seconds if q else None
        matches = [
            m
            for m in sorted(box.messages.values(), key=lambda m: (m.internal_date_ms, m.history_id), reverse=True)
            if all(label in m.label_ids for label in label_ids)
            and not (excluded & set(m.label_ids))
            and (indexed_before is None or m.added_at <= indexed_before)
            and predicate(m)
        ]
        return self._page(matches, max_results, page_token, lambda m: {"id": m.id, "threadId": m.thread_id}, "messages")

    def _page(self, items: list[Any], max_results: int, page_token: str | None, shape: Any, key: str) -> dict[str, Any]:
        start = int(page_token) if page_token and page_token.isdigit() else 0
        size = max(1, min(max_results or 100, 500))
        page = items[start : start + size]
        result: dict[str, Any] = {"resultSizeEstimate": len(items)}
        if page:
            result[key] = [shape(item) for item in page]
        if start + size < len(items):
            result["nextPageToken"] = str(start + size)
        return result

    def history(
        self,
        box: Mailbox,
        start: str | None,
        types: list[str],
        label_id: str | None,
        max_results: int,
        page_token: str | None,
    ) -> dict[str, Any]:
        if not start or not str(start).isdigit():
            raise bad_request("Invalid startHistoryId")
        start_id = int(start)
        if start_id < box.oldest_history_id or start_id > box.history_id:
            raise not_found()
        records = [r for r in box.history if r.id > start_id and (not types or r.kind in types)]
        if label_id:
            records = [
                r
                for r in records
                if label_id in r.label_ids
                or (r.message_id in box.messages and label_id in box.messages[r.message_id].label_ids)
            ]
        size = max(1, min(max_results or 100, 500))
        offset = int(page_token) if page_token and page_token.isdigit() else 0
        page = records[offset : offset + size]
        result: dict[str, Any] = {"historyId": str(box.history_id)}
        if page:
            result["history"] = [self._history_record(box, r) for r in page]
        if offset + size < len(records):
            result["nextPageToken"] = str(offset + size)
        return result

    def _history_record(self, box: Mailbox, record: Any) -> dict[str, Any]:
        message = box.messages.get(record.message_id)
        ref = {"id": record.message_id, "threadId": record.thread_id}
        entry: dict[str, Any] = {"id": str(record.id), "messages": [ref]}
        labels = list(message.label_ids) if message else []
        if record.kind == "messageAdded":
            entry["messagesAdded"] = [{"message": {**ref, "labelIds": labels}}]
        elif record.kind == "labelsAdded":
            entry["labelsAdded"] = [{"message": {**ref, "labelIds": labels}, "labelIds": record.label_ids}]
        elif record.kind == "labelsRemoved":
            entry["labelsRemoved"] = [{"message": {**ref, "labelIds": labels}, "labelIds": record.label_ids}]
        return entry

    def trim_history(self, box: Mailbox) -> None:
        excess = len(box.history) - self.limits.history_retention
        if excess > 0:
            box.history = box.history[excess:]
            box.oldest_history_id = box.history[0].id
