"""messages.send/get/list, threads, drafts, attachments: what Gmail does, through the real client."""

from __future__ import annotations

import base64
import re

import pytest
from googleapiclient.errors import HttpError

from sandbox import Emulator, Limits
from tests.sandbox.conftest import client_for
from tests.sandbox.mail import raw


def header(message: dict, name: str) -> str | None:  # type: ignore[type-arg]
    for item in message["payload"]["headers"]:
        if item["name"].lower() == name.lower():
            return str(item["value"])
    return None


def test_send_returns_only_the_ids_and_labels_and_starts_a_thread(gmail_for) -> None:
    result = gmail_for().users().messages().send(userId="me", body={"raw": raw()}).execute()
    assert set(result) == {"id", "threadId", "labelIds"}
    assert re.fullmatch(r"[0-9a-f]{16}", result["id"])
    assert result["threadId"] == result["id"]
    assert result["labelIds"] == ["SENT"]


def test_gmail_replaces_the_message_id_but_keeps_custom_headers(gmail_for) -> None:
    service = gmail_for()
    sent = (
        service.users()
        .messages()
        .send(userId="me", body={"raw": raw(Message_ID="<mine@client.example>", X_Mailtrail_Id="abc-123")})
        .execute()
    )
    got = (
        service.users()
        .messages()
        .get(userId="me", id=sent["id"], format="metadata", metadataHeaders=["Message-ID", "X-Mailtrail-Id"])
        .execute()
    )
    assert re.fullmatch(r"<[^@]+@mail\.gmail\.com>", header(got, "Message-ID"))
    assert header(got, "X-Mailtrail-Id") == "abc-123"
    assert {h["name"] for h in got["payload"]["headers"]} == {"Message-ID", "X-Mailtrail-Id"}


def test_the_message_id_rewrite_can_be_turned_off() -> None:
    with Emulator(mailboxes=["ana@example.com"], limits=Limits(rewrite_message_id=False)) as emulator:
        service, _ = client_for(emulator, "ana@example.com")
        sent = service.users().messages().send(userId="me", body={"raw": raw(Message_ID="<mine@x>")}).execute()
        got = service.users().messages().get(userId="me", id=sent["id"], format="metadata").execute()
        assert header(got, "Message-ID") == "<mine@x>"


def test_from_is_rewritten_unless_it_is_an_alias(emulator) -> None:
    emulator.create_mailbox("ana@example.com", aliases=["billing@example.com"])
    service, _ = client_for(emulator, "ana@example.com")
    spoofed = service.users().messages().send(userId="me", body={"raw": raw(sender="ceo@else.example")}).execute()
    alias = service.users().messages().send(userId="me", body={"raw": raw(sender="billing@example.com")}).execute()
    get = service.users().messages().get
    assert "ana@example.com" in header(get(userId="me", id=spoofed["id"], format="metadata").execute(), "From")
    assert header(get(userId="me", id=alias["id"], format="metadata").execute(), "From") == "billing@example.com"


def test_a_message_without_recipients_is_refused(gmail_for) -> None:
    with pytest.raises(
        HttpError, match=r'^<HttpError 400 when requesting .*returned "Recipient address required"'
    ) as caught:
        gmail_for().users().messages().send(userId="me", body={"raw": raw(to="")}).execute()
    assert caught.value.status_code == 400
    assert caught.value.reason == "Recipient address required"


def test_mail_to_another_emulated_mailbox_arrives_in_its_inbox_without_bcc(emulator, gmail_for) -> None:
    gmail_for().users().messages().send(userId="me", body={"raw": raw(Bcc="carol@example.com")}).execute()
    emulator.create_mailbox("carol@example.com")
    bob = gmail_for("bob@example.com")
    listed = bob.users().messages().list(userId="me", labelIds=["INBOX"]).execute()
    (entry,) = listed["messages"]
    message = bob.users().messages().get(userId="me", id=entry["id"], format="full").execute()
    assert message["labelIds"] == ["INBOX", "UNREAD"]
    assert header(message, "Bcc") is None
    assert header(message, "Subject") == "Hello"


def test_bcc_recipients_receive_the_message(emulator) -> None:
    emulator.create_mailbox("carol@example.com")
    ana, _ = client_for(emulator, "ana@example.com")
    ana.users().messages().send(userId="me", body={"raw": raw(Bcc="carol@example.com")}).execute()
    assert len(emulator.messages("carol@example.com", "INBOX")) == 1


def test_get_answers_in_every_format(gmail_for) -> None:
    service = gmail_for()
    mime = (
        "From: ana@example.com\r\nTo: bob@example.com\r\nSubject: Files\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee attached\r\n'
        '--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="a.pdf"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0x\r\n--b--\r\n"
    )
    sent = (
        service.users()
        .messages()
        .send(userId="me", body={"raw": base64.urlsafe_b64encode(mime.encode()).decode()})
        .execute()
    )
    get = service.users().messages().get
    minimal = get(userId="me", id=sent["id"], format="minimal").execute()
    assert "payload" not in minimal and "raw" not in minimal and minimal["historyId"].isdigit()
    full = get(userId="me", id=sent["id"], format="full").execute()
    assert full["payload"]["mimeType"] == "multipart/mixed"
    pdf = full["payload"]["parts"][1]
    assert pdf["filename"] == "a.pdf"
    attachment = (
        service.users()
        .messages()
        .attachments()
        .get(userId="me", messageId=sent["id"], id=pdf["body"]["attachmentId"])
        .execute()
    )
    assert base64.urlsafe_b64decode(attachment["data"] + "==") == b"%PDF-1"
    raw_form = get(userId="me", id=sent["id"], format="raw").execute()
    assert b"Subject: Files" in base64.urlsafe_b64decode(raw_form["raw"] + "==")
    with pytest.raises(HttpError, match=r"^<HttpError 404 when requesting .*'reason': 'notFound'") as caught:
        get(userId="me", id="0123456789abcdef").execute()
    assert caught.value.status_code == 404


def test_list_understands_the_search_operators(emulator, gmail_for) -> None:
    service = gmail_for()
    one = service.users().messages().send(userId="me", body={"raw": raw(subject="Invoice 1")}).execute()
    service.users().messages().send(
        userId="me", body={"raw": raw(to="dan@elsewhere.example", subject="Quote")}
    ).execute()
    message_id = service.users().messages().get(userId="me", id=one["id"], format="metadata").execute()
    rfc_id = header(message_id, "Message-ID")

    def ids(q: str) -> set[str]:
        return {m["id"] for m in service.users().messages().list(userId="me", q=q).execute().get("messages", [])}

    assert ids(f"rfc822msgid:{rfc_id}") == {one["id"]}
    assert ids("subject:invoice") == {one["id"]}
    assert len(ids("to:dan@elsewhere.example")) == 1
    assert len(ids("from:ana@example.com in:sent")) == 2
    assert ids("newer_than:1d") == ids("in:sent") and len(ids("after:2000/01/01")) == 2
    assert ids("before:2000/01/01") == set()
    assert ids("label:INBOX") == set()


def test_list_pages_with_page_tokens(gmail_for) -> None:
    service = gmail_for()
    for i in range(5):
        service.users().messages().send(userId="me", body={"raw": raw(subject=f"#{i}")}).execute()
    seen, token = [], None
    while True:
        page = service.users().messages().list(userId="me", maxResults=2, pageToken=token).execute()
        seen += [m["id"] for m in page["messages"]]
        token = page.get("nextPageToken")
        if not token:
            break
    assert len(seen) == len(set(seen)) == 5


def test_a_very_long_query_goes_as_a_post_with_method_override(gmail_for) -> None:
    service = gmail_for()
    service.users().messages().send(userId="me", body={"raw": raw(subject="needle")}).execute()
    long_query = "subject:needle " + " ".join(f"-subject:nothing{i}" for i in range(200))
    assert len(long_query) > 2048
    found = service.users().messages().list(userId="me", q=long_query).execute()
    assert len(found["messages"]) == 1


def test_a_reply_joins_the_thread_only_with_matching_references_and_subject(gmail_for) -> None:
    service = gmail_for()
    first = service.users().messages().send(userId="me", body={"raw": raw(subject="Invoice")}).execute()
    first_id = header(
        service.users().messages().get(userId="me", id=first["id"], format="metadata").execute(), "Message-ID"
    )
    reply = (
        service.users()
        .messages()
        .send(
            userId="me",
            body={
                "raw": raw(subject="Re: Invoice", In_Reply_To=first_id, References=first_id),
                "threadId": first["threadId"],
            },
        )
        .execute()
    )
    assert reply["threadId"] == first["threadId"]
    other_subject = (
        service.users()
        .messages()
        .send(
            userId="me",
            body={"raw": raw(subject="Something else", In_Reply_To=first_id), "threadId": first["threadId"]},
        )
        .execute()
    )
    assert other_subject["threadId"] != first["threadId"]
    no_refs = (
        service.users()
        .messages()
        .send(userId="me", body={"raw": raw(subject="Re: Invoice"), "threadId": first["threadId"]})
        .execute()
    )
    assert no_refs["threadId"] != first["threadId"]
    thread = service.users().threads().get(userId="me", id=first["threadId"]).execute()
    assert [m["id"] for m in thread["messages"]] == [first["id"], reply["id"]]
    with pytest.raises(HttpError, match=r"^<HttpError 400 when requesting ") as caught:
        service.users().messages().send(userId="me", body={"raw": raw(), "threadId": "ffffffffffffffff"}).execute()
    assert caught.value.status_code == 400


def test_drafts_need_the_compose_scope_and_are_created_then_sent(gmail_for) -> None:
    with pytest.raises(
        HttpError, match=r"^<HttpError 403 when requesting .*'reason': 'insufficientPermissions'"
    ) as caught:
        gmail_for().users().drafts().create(userId="me", body={"message": {"raw": raw()}}).execute()
    assert caught.value.status_code == 403
    service = gmail_for(scopes=["https://www.googleapis.com/auth/gmail.compose"])
    draft = service.users().drafts().create(userId="me", body={"message": {"raw": raw()}}).execute()
    assert draft["message"]["labelIds"] == ["DRAFT"]
    sent = service.users().drafts().send(userId="me", body={"id": draft["id"]}).execute()
    assert sent["labelIds"] == ["SENT"]
    with pytest.raises(HttpError, match=r"^<HttpError 404 when requesting .*'reason': 'notFound'") as caught:
        service.users().drafts().send(userId="me", body={"id": draft["id"]}).execute()
    assert caught.value.status_code == 404
