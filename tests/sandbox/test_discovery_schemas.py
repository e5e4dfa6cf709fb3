"""Every JSON body the emulator returns validates against the schemas of the discovery document
that ships with google-api-python-client: no unknown field, every type as Gmail encodes it
(uint64 and int64 as strings, bytes as URL-safe base64)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import googleapiclient
import pytest

from sandbox import Emulator
from tests.sandbox.mail import raw

DOCUMENT = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / "gmail.v1.json"
SCHEMAS: dict[str, Any] = json.loads(DOCUMENT.read_text())["schemas"]


def violations(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """The ways `value` breaks a discovery schema (a strict reading: unknown properties are errors)."""
    if "$ref" in schema:
        return violations(value, SCHEMAS[schema["$ref"]], path)
    kind = schema.get("type")
    fmt = schema.get("format")
    if kind == "object":
        if not isinstance(value, dict):
            return [f"{path}: expected an object, got {type(value).__name__}"]
        problems: list[str] = []
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in properties:
                problems += violations(item, properties[key], f"{path}.{key}")
            elif extra is not None:
                problems += violations(item, extra, f"{path}.{key}")
            else:
                problems.append(f"{path}: unknown property {key!r}")
        return problems
    if kind == "array":
        if not isinstance(value, list):
            return [f"{path}: expected an array"]
        return [
            problem for i, item in enumerate(value) for problem in violations(item, schema["items"], f"{path}[{i}]")
        ]
    if kind == "string":
        if not isinstance(value, str):
            return [f"{path}: expected a string ({fmt or 'plain'}), got {value!r}"]
        if fmt in {"int64", "uint64"} and not value.isdigit():
            return [f"{path}: {fmt} must be a decimal string, got {value!r}"]
        if fmt == "byte":
            try:
                base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
            except ValueError:
                return [f"{path}: not base64: {value[:20]!r}"]
        if "enum" in schema and value not in schema["enum"]:
            return [f"{path}: {value!r} is not one of {schema['enum']}"]
        return []
    if kind == "integer":
        return [] if isinstance(value, int) and not isinstance(value, bool) else [f"{path}: expected an integer"]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{path}: expected a boolean"]
    if kind == "number":
        return [] if isinstance(value, int | float) and not isinstance(value, bool) else [f"{path}: expected a number"]
    if kind == "any" or kind is None:
        return []
    return [f"{path}: unhandled schema type {kind}"]


def test_the_validator_itself_rejects_what_gmail_would_never_send() -> None:
    assert violations({"id": "1", "historyId": 12}, {"$ref": "Message"}) == [
        "$.historyId: expected a string (uint64), got 12"
    ]
    assert violations({"id": "1", "surprise": True}, {"$ref": "Message"}) == ["$: unknown property 'surprise'"]
    assert violations({"messages": [{"id": 3}]}, {"$ref": "ListMessagesResponse"}) == [
        "$.messages[0].id: expected a string (plain), got 3"
    ]


@pytest.fixture
def responses(emulator: Emulator, gmail_for: Callable[..., Any]) -> list[tuple[str, str, Any]]:
    """One real response of every method the emulator serves, with the schema it must follow."""
    compose = ["https://www.googleapis.com/auth/gmail.compose", "https://www.googleapis.com/auth/gmail.readonly"]
    ana, bob = gmail_for("ana@example.com", compose), gmail_for("bob@example.com")
    attachment = base64.b64encode(b"%PDF-1.4 tiny").decode()
    mime = (
        "From: ana@example.com\r\nTo: bob@example.com\r\nSubject: Invoice\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee attached\r\n'
        '--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="a.pdf"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{attachment}\r\n--b--\r\n"
    )
    sent = ana.users().messages().send(userId="me", body={"raw": base64.urlsafe_b64encode(mime.encode()).decode()})
    sent = sent.execute()
    out: list[tuple[str, str, Any]] = [("messages.send", "Message", sent)]
    for fmt in ("minimal", "full", "raw", "metadata"):
        got = ana.users().messages().get(userId="me", id=sent["id"], format=fmt, metadataHeaders=["Subject"]).execute()
        out.append((f"messages.get/{fmt}", "Message", got))
    full = out[2][2]
    part = next(p for p in full["payload"]["parts"] if p.get("filename"))
    out.append(
        (
            "messages.attachments.get",
            "MessagePartBody",
            ana.users()
            .messages()
            .attachments()
            .get(userId="me", messageId=sent["id"], id=part["body"]["attachmentId"])
            .execute(),
        )
    )
    out.append(
        ("messages.list", "ListMessagesResponse", ana.users().messages().list(userId="me", maxResults=1).execute())
    )
    out.append(
        (
            "messages.list/empty",
            "ListMessagesResponse",
            ana.users().messages().list(userId="me", q="subject:nothing-like-this").execute(),
        )
    )
    out.append(("threads.get", "Thread", ana.users().threads().get(userId="me", id=sent["threadId"]).execute()))
    profile = bob.users().getProfile(userId="me").execute()
    out.append(("getProfile", "Profile", profile))
    out.append(
        (
            "watch",
            "WatchResponse",
            bob.users().watch(userId="me", body={"topicName": "projects/p/topics/t", "labelIds": []}).execute(),
        )
    )
    ana.users().messages().send(userId="me", body={"raw": raw(to="bob@example.com", subject="Second")}).execute()
    out.append(
        (
            "history.list",
            "ListHistoryResponse",
            bob.users().history().list(userId="me", startHistoryId=profile["historyId"]).execute(),
        )
    )
    draft = ana.users().drafts().create(userId="me", body={"message": {"raw": raw(subject="Draft")}}).execute()
    out.append(("drafts.create", "Draft", draft))
    out.append(("drafts.send", "Message", ana.users().drafts().send(userId="me", body={"id": draft["id"]}).execute()))
    return out


def test_every_response_validates_against_the_shipped_discovery_document(responses: list[tuple[str, str, Any]]) -> None:
    assert len(responses) == 14
    problems = {name: violations(body, {"$ref": schema}) for name, schema, body in responses}
    assert {name: found for name, found in problems.items() if found} == {}
    history = next(body for name, _, body in responses if name == "history.list")
    assert history["history"], "history.list must have returned the new message"
