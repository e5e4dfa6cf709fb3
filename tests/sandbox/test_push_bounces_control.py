"""Push notifications with verifiable JWTs, the mail that comes back, the control API, the page and the CLI."""

from __future__ import annotations

import base64
import email
import email.policy
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import google.auth.transport.requests
import httpx
import pytest
from google.oauth2 import id_token

from sandbox import Emulator, PushConfig
from sandbox.auth import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from tests.conftest import wait_for
from tests.sandbox.conftest import client_for
from tests.sandbox.mail import raw

ROOT = Path(__file__).resolve().parents[2]


class Receiver:
    """A tiny HTTP endpoint that records pushes and answers with queued statuses (then 204)."""

    def __init__(self) -> None:
        self.received: list[tuple[dict, str]] = []  # type: ignore[type-arg]
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.received.append((body, self.headers.get("Authorization", "")))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/push"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait(self, count: int, timeout: float = 5.0) -> list[tuple[dict, str]]:  # type: ignore[type-arg]
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.received


def pushed_address(body: dict) -> str:  # type: ignore[type-arg]
    return str(json.loads(base64.b64decode(body["message"]["data"]))["emailAddress"])


def pushed_history_id(body: dict) -> int:  # type: ignore[type-arg]
    return int(json.loads(base64.b64decode(body["message"]["data"]))["historyId"])


@pytest.fixture
def receiver():  # type: ignore[no-untyped-def]
    running = Receiver()
    yield running
    running.close()


def watched(emulator: Emulator, address: str = "ana@example.com"):  # type: ignore[no-untyped-def]
    service, _ = client_for(emulator, address)
    service.users().watch(userId="me", body={"topicName": "projects/p/topics/gmail"}).execute()
    return service


def test_every_change_is_pushed_with_a_jwt_google_auth_accepts(emulator, receiver) -> None:
    emulator.configure_push(endpoint=receiver.url, audience="https://mailtrail.example/push")
    service = watched(emulator)
    service.users().messages().send(userId="me", body={"raw": raw()}).execute()
    ((body, authorization),) = receiver.wait(1)
    data = json.loads(base64.b64decode(body["message"]["data"]))
    assert data["emailAddress"] == "ana@example.com"
    assert isinstance(data["historyId"], int)
    assert data["historyId"] == int(service.users().getProfile(userId="me").execute()["historyId"])
    assert body["subscription"] and body["message"]["messageId"] and body["message"]["publishTime"]
    claims = id_token.verify_token(
        authorization.removeprefix("Bearer "),
        google.auth.transport.requests.Request(),
        audience="https://mailtrail.example/push",
        certs_url=emulator.certs_uri,
    )
    assert claims["email"] == emulator.push_config.service_account and claims["email_verified"] is True
    assert claims["iss"] == "https://accounts.google.com"


def test_pushes_are_retried_until_acknowledged(emulator, receiver) -> None:
    emulator.configure_push(endpoint=receiver.url)
    emulator.push_config.backoff = 0.01
    receiver.statuses = [500, 503]
    watched(emulator).users().messages().send(userId="me", body={"raw": raw()}).execute()
    assert len(receiver.wait(3)) == 3
    assert emulator.wait_for_pushes()
    assert emulator.pusher.delivered[-1].attempts == 3 and emulator.pusher.delivered[-1].status == 204


def test_unwatched_mailboxes_are_not_pushed_and_stop_ends_the_watch(emulator, receiver) -> None:
    emulator.configure_push(endpoint=receiver.url)
    bob, _ = client_for(emulator, "bob@example.com")
    bob.users().messages().send(
        userId="me", body={"raw": raw(sender="bob@example.com", to="carol@x.example")}
    ).execute()
    service = watched(emulator)
    service.users().stop(userId="me").execute()
    service.users().messages().send(userId="me", body={"raw": raw()}).execute()
    # Pushes leave one by one in the order of the changes, and a change decides on its push before
    # its request is answered: had either change above been pushed, its push would come first.
    dave = watched(emulator, "dave@example.com")
    dave.users().messages().send(userId="me", body={"raw": raw(sender="dave@example.com", to="x@x.example")}).execute()
    assert [pushed_address(body) for body, _ in receiver.wait(1)] == ["dave@example.com"]
    assert emulator.wait_for_pushes()
    assert [pushed_address(body) for body, _ in receiver.received] == ["dave@example.com"]


def test_coalescing_sends_at_most_one_push_per_second_per_user(emulator, receiver) -> None:
    emulator.configure_push(endpoint=receiver.url, coalesce=True)
    service = watched(emulator)
    for _ in range(5):
        service.users().messages().send(userId="me", body={"raw": raw(to="z@elsewhere.example")}).execute()
    newest = int(service.users().getProfile(userId="me").execute()["historyId"])
    # Whether coalesced or not, the push of the newest change is the last one that can come.
    wait_for(lambda: any(pushed_history_id(body) == newest for body, _ in receiver.received), timeout=5)
    pushes = receiver.received
    assert 1 <= len(pushes) <= 2
    assert pushed_history_id(pushes[-1][0]) == newest


def inbox_dsns(emulator: Emulator) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(m.raw, policy=email.policy.default)  # type: ignore[misc]
        for m in emulator.messages("ana@example.com", "INBOX")
    ]


def test_an_invalid_domain_recipient_bounces_like_gmail(emulator) -> None:
    service, _ = client_for(emulator, "ana@example.com")
    sent = (
        service.users()
        .messages()
        .send(userId="me", body={"raw": raw(to="ok@example.org, gone@nowhere.invalid", X_Mailtrail_Id="id-7")})
        .execute()
    )
    sent_id = next(
        h["value"]
        for h in service.users()
        .messages()
        .get(userId="me", id=sent["id"], format="metadata")
        .execute()["payload"]["headers"]
        if h["name"] == "Message-ID"
    )
    (dsn,) = inbox_dsns(emulator)
    assert dsn["From"].addresses[0].addr_spec == "mailer-daemon@googlemail.com"
    assert dsn["Subject"] == "Delivery Status Notification (Failure)"
    assert dsn.get_content_type() == "multipart/report" and dsn.get_param("report-type") == "delivery-status"
    assert dsn["X-Failed-Recipients"] == "gone@nowhere.invalid"
    assert dsn["In-Reply-To"] == sent_id
    status = next(p for p in dsn.walk() if p.get_content_type() == "message/delivery-status")
    text = status.as_string()
    assert "Final-Recipient: rfc822; gone@nowhere.invalid" in text and "Status: 5.1.1" in text
    assert "ok@example.org" not in text
    original = next(p for p in dsn.walk() if p.get_content_type() == "message/rfc822")
    assert "X-Mailtrail-Id: id-7" in original.as_string()
    stored = emulator.messages("ana@example.com", "INBOX")[0]
    assert stored.thread_id == sent["threadId"]


@pytest.mark.parametrize(
    ("recipient", "subject", "marker"),
    [
        ("full+kim@example.org", "Delivery Status Notification (Failure)", "Status: 5.2.2"),
        ("delay+kim@example.org", "Delivery Status Notification (Delay)", "Action: delayed"),
    ],
)
def test_mailbox_full_and_delay_rules_send_their_notices(emulator, recipient, subject, marker) -> None:
    service, _ = client_for(emulator, "ana@example.com")
    service.users().messages().send(userId="me", body={"raw": raw(to=recipient)}).execute()
    (dsn,) = inbox_dsns(emulator)
    assert dsn["Subject"] == subject and marker in dsn.as_string()


def test_an_out_of_office_recipient_answers_automatically(emulator) -> None:
    service, _ = client_for(emulator, "ana@example.com")
    sent = service.users().messages().send(userId="me", body={"raw": raw(to="ooo+pat@example.org")}).execute()
    (reply,) = inbox_dsns(emulator)
    assert reply["Auto-Submitted"] == "auto-replied" and reply["Subject"] == "Automatic reply: Hello"
    assert emulator.messages("ana@example.com", "INBOX")[0].thread_id == sent["threadId"]


def test_the_control_api_drives_the_emulator_over_http(emulator) -> None:
    control = emulator.base_url + "/_control/"
    assert httpx.post(control + "mailboxes", json={"address": "dee@example.com"}).status_code == 200
    tokens = httpx.post(control + "tokens", json={"address": "dee@example.com"}).json()
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (
        httpx.get(emulator.base_url + "/gmail/v1/users/me/profile", headers=headers).json()["emailAddress"]
        == "dee@example.com"
    )
    injected = httpx.post(
        control + "inject",
        json={"address": "dee@example.com", "from": "x@example.org", "subject": "Ping", "body": "hello"},
    ).json()
    assert injected["id"] == injected["threadId"]
    dsn = b"From: MAILER-DAEMON@mx.example\r\nSubject: failure notice\r\n\r\nSorry.\r\n"
    httpx.post(control + "inject", json={"address": "dee@example.com", "raw_base64": base64.b64encode(dsn).decode()})
    listed = httpx.get(control + "mailboxes/dee@example.com/messages").json()["messages"]
    assert len(listed) == 2 and base64.b64decode(listed[1]["raw_base64"]) == dsn
    httpx.post(control + "faults", json={"method": "users.getProfile", "status": 500, "reason": "backendError"})
    assert httpx.get(emulator.base_url + "/gmail/v1/users/me/profile", headers=headers).status_code == 500
    httpx.post(control + "expire-history", json={"address": "dee@example.com"})
    old = httpx.get(emulator.base_url + "/gmail/v1/users/me/history?startHistoryId=1", headers=headers)
    assert old.status_code == 404
    httpx.post(control + "revoke", json={"address": "dee@example.com"})
    refreshed = httpx.post(
        emulator.token_uri,
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET),
    )
    assert refreshed.json()["error"] == "invalid_grant"
    assert httpx.post(control + "inject", json={"address": "nobody@example.com", "body": "x"}).status_code == 404


def test_the_web_page_lists_mailboxes_threads_and_messages(emulator) -> None:
    service, _ = client_for(emulator, "ana@example.com")
    service.users().messages().send(userId="me", body={"raw": raw(subject="Visible <subject>")}).execute()
    page = httpx.get(emulator.base_url + "/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "ana@example.com" in page.text and "Visible &lt;subject&gt;" in page.text


def test_the_command_line_starts_a_standalone_emulator(tmp_path) -> None:
    from tests.conftest import free_port

    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "api.cli",
            "sandbox",
            "--port",
            str(port),
            "--mailbox",
            "demo@example.com",
            "--token",
            "demo-token",
            "--client-id",
            "cli.apps.example",
            "--client-secret",
            "cli-secret",
            "--history-id-base",
            str(2**63),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = process.stdout.readline()  # type: ignore[union-attr]
        assert f"127.0.0.1:{port}" in line
        profile = httpx.get(
            f"http://127.0.0.1:{port}/gmail/v1/users/me/profile", headers={"Authorization": "Bearer demo-token"}
        )
        assert profile.json()["emailAddress"] == "demo@example.com"
        assert int(profile.json()["historyId"]) > 2**63
        refresh = {"grant_type": "refresh_token", "refresh_token": "refresh-demo-token-demo@example.com"}
        token_uri = f"http://127.0.0.1:{port}/token"
        assert httpx.post(token_uri, data=refresh, auth=("cli.apps.example", "cli-secret")).status_code == 200
        assert httpx.post(token_uri, data=refresh, auth=(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET)).status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_an_emulator_serves_as_soon_as_it_has_started() -> None:
    # How fast it starts is measured by bench/emulator_startup.py, not asserted here.
    with Emulator(mailboxes=["a@example.com"], push=PushConfig()) as running:
        assert httpx.get(running.base_url + "/oauth2/v1/certs").status_code == 200
