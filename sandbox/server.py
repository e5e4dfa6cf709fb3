"""The emulator's HTTP transport: a threaded HTTP/1.1 server, batch requests, OAuth and control routes."""

from __future__ import annotations

import email.message
import email.parser
import email.policy
import json
import socket
import struct
import time
import urllib.parse
from typing import Any

from sandbox.api import Fault
from sandbox.handlers import Reply
from sandbox.http import QuietHandler, ThreadedServer
from sandbox.web import render_index


class Server(ThreadedServer):
    def __init__(self, address: tuple[str, int], emulator: Any) -> None:
        self.emulator = emulator
        super().__init__(address, Handler)


class Handler(QuietHandler):
    server: Server

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        emulator = self.server.emulator
        parsed = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        body = self.read_body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        path = parsed.path
        try:
            if path.startswith("/gmail/v1/"):
                reply = emulator.router.dispatch(method, path, query, headers, body)
            elif path == "/batch/gmail/v1" and method == "POST":
                reply = self._batch(headers, body)
            elif path == "/token" and method == "POST":
                status, data = emulator.authority.token_endpoint(_form(body), headers.get("authorization"))
                reply = Reply.json(status, data)
            elif path == "/revoke" and method == "POST":
                token = _form(body).get("token") or (query.get("token") or [""])[0]
                revoked = emulator.authority.revoke(token)
                reply = Reply.json(200 if revoked else 400, {} if revoked else {"error": "invalid_token"})
            elif path == "/o/oauth2/auth" and method == "GET":
                reply = self._consent(query)
            elif path == "/oauth2/v1/certs":
                reply = Reply.json(200, emulator.signer.certs())
            elif path.startswith("/_control/"):
                reply = emulator.control.handle(method, path[len("/_control/") :], query, body)
            elif path == "/" and method == "GET":
                reply = Reply(200, render_index(emulator).encode(), {"Content-Type": "text/html; charset=utf-8"})
            else:
                reply = Reply.no_such_path(path)
        except Fault as fault:
            self._fault(fault)
            return
        if reply.after == "reset":
            self._reset()
            return
        if reply.after and reply.after.startswith("slow:"):
            time.sleep(float(reply.after.split(":", 1)[1]))
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        self.send_bytes(reply.status, reply.body, reply.headers)

    def _reset(self) -> None:
        """Abort the connection with a TCP RST, like a dropped link (the client sees a reset)."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def _fault(self, fault: Fault) -> None:
        if fault.kind == "hang":
            time.sleep(fault.seconds)
            self.close_connection = True
            return
        self._reset()

    def _consent(self, query: dict[str, list[str]]) -> Reply:
        """Google's consent page, which consents at once and redirects with a code."""

        def one(name: str) -> str | None:
            values = query.get(name)
            return values[0] if values else None

        redirect = one("redirect_uri")
        if not redirect or one("response_type") != "code" or not one("client_id"):
            return Reply(400, b"Error 400: invalid_request", {"Content-Type": "text/plain"})
        if not self.server.emulator.authority.knows_client(one("client_id")):
            message = b"Error 401: invalid_client. The OAuth client was not found."
            return Reply(401, message, {"Content-Type": "text/plain"})
        code = self.server.emulator.authority.start_consent(
            one("client_id") or "",
            redirect,
            one("scope") or "",
            one("login_hint"),
            one("code_challenge"),
            one("code_challenge_method"),
        )
        params = {"code": code, "scope": one("scope") or ""}
        if one("state") is not None:
            params["state"] = one("state") or ""
        separator = "&" if "?" in redirect else "?"
        return Reply(302, b"", {"Location": redirect + separator + urllib.parse.urlencode(params)})

    def _batch(self, headers: dict[str, str], body: bytes) -> Reply:
        """multipart/mixed of application/http parts in, the same out (gmail-api.md §1.4)."""
        content_type = headers.get("content-type", "")
        parser = email.parser.BytesParser(policy=email.policy.compat32)
        envelope = parser.parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
        if not envelope.is_multipart():
            return Reply.json(
                400, {"error": {"code": 400, "message": "Invalid multipart request", "status": "INVALID_ARGUMENT"}}
            )
        parts = envelope.get_payload()
        assert isinstance(parts, list)
        if len(parts) > 100:
            return Reply.json(
                400, {"error": {"code": 400, "message": "Too many requests in batch.", "status": "INVALID_ARGUMENT"}}
            )
        boundary = "batch_mailtrail_sandbox"
        admission = self.server.emulator.router.batch_admission(len(parts))
        chunks: list[bytes] = []
        for part in parts:
            if not isinstance(part, email.message.Message):
                continue
            inner = part.get_payload(decode=False)
            raw = inner.encode() if isinstance(inner, str) else b""
            request_line, _, rest = raw.replace(b"\r\n", b"\n").partition(b"\n")
            method, target, _ = [*request_line.decode().split(" ", 2), "", ""][:3]
            head, _, inner_body = rest.partition(b"\n\n")
            inner_headers = {k.lower(): v for k, v in parser.parsebytes(head + b"\n\n", headersonly=True).items()}
            inner_headers.setdefault("authorization", headers.get("authorization", ""))
            parsed = urllib.parse.urlsplit(target)
            reply = self.server.emulator.router.dispatch(
                method,
                parsed.path,
                urllib.parse.parse_qs(parsed.query, keep_blank_values=True),
                inner_headers,
                inner_body.strip(b"\n"),
                admission,
            )
            content_id = str(part.get("Content-ID", "")).strip("<>")
            status_text = "OK" if reply.status < 400 else "Error"
            lines = [
                f"HTTP/1.1 {reply.status} {status_text}",
                *(f"{k}: {v}" for k, v in reply.headers.items()),
                f"Content-Length: {len(reply.body)}",
            ]
            chunks.append(
                (
                    f"--{boundary}\r\nContent-Type: application/http\r\nContent-ID: <response-{content_id}>\r\n\r\n"
                    + "\r\n".join(lines)
                    + "\r\n\r\n"
                ).encode()
                + reply.body
                + b"\r\n"
            )
        payload = b"".join(chunks) + f"--{boundary}--\r\n".encode()
        return Reply(200, payload, {"Content-Type": f"multipart/mixed; boundary={boundary}"})


def _form(body: bytes) -> dict[str, str]:
    try:
        text = body.decode()
    except UnicodeDecodeError:
        return {}
    if text.startswith("{"):
        try:
            return {k: str(v) for k, v in json.loads(text).items()}
        except ValueError:
            return {}
    return {k: v[0] for k, v in urllib.parse.parse_qs(text).items()}
