"""The control API over HTTP (`/_control/...`), mirroring the Emulator's Python methods.

POST /_control/mailboxes            {"address", "display_name"?, "aliases"?, "daily_send_cap"?, "history_id_base"?}
POST /_control/tokens               {"address", "scopes"?, "access_token"?, "refresh_token"?}
POST /_control/revoke               {"address"}
POST /_control/consent              {"mailbox"?, "scopes"?}
POST /_control/faults               {"method", "status"?, "reason"?, "kind"?, "seconds"?}
POST /_control/inject               {"address", "raw_base64" | fields (from,to,subject,body,in_reply_to)}
POST /_control/expire-history       {"address"}
POST /_control/push                 {"endpoint"?, "audience"?, "coalesce"?, "service_account"?}
POST /_control/limits               {"batch_concurrency"?, "search_lag_seconds"?, "history_id_base"?, ...}
POST /_control/clients              {"client_id", "client_secret"}
GET  /_control/mailboxes/ADDRESS/messages
"""

from __future__ import annotations

import base64
import dataclasses
import json
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from sandbox.handlers import Reply


class Control:
    def __init__(self, emulator: Any) -> None:
        self.emulator = emulator

    def handle(self, method: str, path: str, query: dict[str, list[str]], body: bytes) -> Reply:
        try:
            data = json.loads(body) if body else {}
        except ValueError:
            return Reply.json(400, {"error": "invalid JSON"})
        emulator = self.emulator
        try:
            if method == "POST" and path == "mailboxes":
                box = emulator.create_mailbox(
                    data["address"],
                    data.get("display_name"),
                    data.get("aliases"),
                    data.get("daily_send_cap"),
                    data.get("history_id_base"),
                )
                return Reply.json(200, {"address": box.address, "historyId": str(box.history_id)})
            if method == "POST" and path == "tokens":
                access, refresh = emulator.issue_token(
                    data["address"], data.get("scopes"), data.get("access_token"), data.get("refresh_token")
                )
                return Reply.json(200, {"access_token": access, "refresh_token": refresh})
            if method == "POST" and path == "revoke":
                return Reply.json(200, {"revoked": emulator.revoke(data["address"])})
            if method == "POST" and path == "consent":
                emulator.set_consent(data.get("mailbox"), data.get("scopes"))
                return Reply.json(200, {})
            if method == "POST" and path == "faults":
                fault = {k: v for k, v in data.items() if k != "method"}
                emulator.queue_fault(data["method"], **fault)
                return Reply.json(200, {})
            if method == "POST" and path == "inject":
                raw = base64.b64decode(data["raw_base64"]) if "raw_base64" in data else _compose(data)
                stored = emulator.inject(
                    data["address"], raw, data.get("labels"), data.get("thread_id"), data.get("reply_to_id")
                )
                return Reply.json(200, {"id": stored.id, "threadId": stored.thread_id})
            if method == "POST" and path == "expire-history":
                emulator.expire_history(data["address"])
                return Reply.json(200, {})
            if method == "POST" and path == "push":
                emulator.configure_push(
                    data.get("endpoint"), data.get("audience"), data.get("coalesce"), data.get("service_account")
                )
                return Reply.json(200, {})
            if method == "POST" and path == "limits":
                return Reply.json(200, dataclasses.asdict(emulator.set_limits(**data)))
            if method == "POST" and path == "clients":
                emulator.register_client(str(data["client_id"]), str(data["client_secret"]))
                return Reply.json(200, {})
            if method == "GET" and path.startswith("mailboxes/") and path.endswith("/messages"):
                address = path[len("mailboxes/") : -len("/messages")]
                return Reply.json(
                    200,
                    {
                        "messages": [
                            {
                                "id": m.id,
                                "threadId": m.thread_id,
                                "labelIds": m.label_ids,
                                "raw_base64": base64.b64encode(m.raw).decode(),
                            }
                            for m in emulator.messages(address)
                        ]
                    },
                )
        except KeyError as error:
            return Reply.json(404 if "mailbox" in str(error) else 400, {"error": f"missing or unknown: {error}"})
        except (ValueError, TypeError) as error:
            return Reply.json(400, {"error": str(error)})
        return Reply.json(404, {"error": "unknown control route"})


def _compose(data: dict[str, Any]) -> bytes:
    message = EmailMessage()
    message["From"] = data.get("from", "someone@example.com")
    message["To"] = data.get("to", data["address"])
    message["Subject"] = data.get("subject", "(no subject)")
    message["Date"] = formatdate()
    message["Message-ID"] = make_msgid(domain="example.com")
    if data.get("in_reply_to"):
        message["In-Reply-To"] = data["in_reply_to"]
        message["References"] = data.get("references", data["in_reply_to"])
    for name, value in (data.get("headers") or {}).items():
        message[name] = value
    message.set_content(data.get("body", ""))
    return message.as_bytes()
