"""Gmail behaviours a client must survive (issue 12): batch concurrency, 404 kinds, search lag,
client authentication at the token endpoint, and history ids above 2**63."""

from __future__ import annotations

import base64
import json
from typing import Any

import google.auth.exceptions
import httpx
import pytest
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest

from sandbox import Emulator, Limits
from sandbox.auth import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from tests.conftest import wait_for
from tests.sandbox.conftest import client_for
from tests.sandbox.mail import raw

REFUSED = "Too many concurrent requests for user."


def send_many(service: Any, count: int) -> list[str]:
    return [
        service.users().messages().send(userId="me", body={"raw": raw(subject=f"#{i}")}).execute()["id"]
        for i in range(count)
    ]


def batch_get(emulator: Emulator, service: Any, ids: list[str]) -> dict[str, Any]:
    """messages.get for each id in one batch request: id -> response or HttpError."""
    results: dict[str, Any] = {}
    batch = BatchHttpRequest(
        callback=lambda rid, resp, exc: results.__setitem__(rid, exc or resp),
        batch_uri=emulator.base_url + "/batch/gmail/v1",
    )
    for message_id in ids:
        batch.add(service.users().messages().get(userId="me", id=message_id, format="minimal"), request_id=message_id)
    batch.execute()
    return results


# -- batch concurrency -------------------------------------------------------------------------


def test_a_batch_over_the_users_concurrency_gets_inner_429s_on_random_parts() -> None:
    with Emulator(mailboxes=["ana@example.com"], limits=Limits(batch_concurrency=3), seed=7) as emulator:
        service, _ = client_for(emulator, "ana@example.com")
        ids = send_many(service, 10)
        results = batch_get(emulator, service, ids)
        served = [i for i in ids if isinstance(results[i], dict)]
        refused = [results[i] for i in ids if isinstance(results[i], HttpError)]
        assert len(served) == 3 and len(refused) == 7
        assert served != ids[:3]  # concurrent parts: which ones lose is arbitrary, not the tail
        for error in refused:
            assert error.status_code == 429
            assert error.reason == REFUSED
            body = json.loads(error.content)["error"]
            assert body["errors"][0]["reason"] == "rateLimitExceeded" and body["status"] == "RESOURCE_EXHAUSTED"
        again = batch_get(emulator, service, [i for i in ids if i not in served])
        assert sum(isinstance(r, dict) for r in again.values()) == 3  # a retry of the rest is served in part


def test_by_default_25_parts_are_served_and_the_26th_is_refused(emulator, gmail_for) -> None:
    service = gmail_for()
    ids = send_many(service, 26)
    assert all(isinstance(r, dict) for r in batch_get(emulator, service, ids[:25]).values())
    results = batch_get(emulator, service, ids)
    assert sum(isinstance(r, HttpError) and r.status_code == 429 for r in results.values()) == 1


def test_batch_concurrency_is_switched_off_or_changed_through_the_control_api(emulator, gmail_for) -> None:
    service = gmail_for()
    ids = send_many(service, 30)
    control = emulator.base_url + "/_control/limits"
    assert httpx.post(control, json={"batch_concurrency": None}).json()["batch_concurrency"] is None
    assert all(isinstance(r, dict) for r in batch_get(emulator, service, ids).values())
    assert httpx.post(control, json={"batch_concurrency": 5}).status_code == 200
    assert sum(isinstance(r, dict) for r in batch_get(emulator, service, ids).values()) == 5
    for bad in ({"batch_concurrency": 0}, {"batch_concurrency": "many"}, {"no_such_switch": 1}):
        refused = httpx.post(control, json=bad)
        assert refused.status_code == 400, bad
    assert emulator.gmail.limits.batch_concurrency == 5  # a refused change changes nothing


# -- the two kinds of 404 ----------------------------------------------------------------------


def test_a_stale_start_history_id_is_gmails_not_found_json(emulator, gmail_for) -> None:
    service = gmail_for()
    start = service.users().getProfile(userId="me").execute()["historyId"]
    service.users().messages().send(userId="me", body={"raw": raw()}).execute()
    emulator.expire_history("ana@example.com")
    with pytest.raises(HttpError, match="404") as caught:
        service.users().history().list(userId="me", startHistoryId=start).execute()
    assert caught.value.resp["content-type"].startswith("application/json")
    assert json.loads(caught.value.content)["error"]["errors"][0]["reason"] == "notFound"


@pytest.mark.parametrize("prefix", ["/wrong", "/gmail"])
def test_a_wrong_base_url_gets_a_plain_html_404_page_not_gmails_json(emulator, prefix: str) -> None:
    access, refresh = emulator.issue_token("ana@example.com")
    credentials = Credentials(  # type: ignore[no-untyped-call]
        access,
        refresh_token=refresh,
        token_uri=emulator.token_uri,
        client_id=SANDBOX_CLIENT_ID,
        client_secret=SANDBOX_CLIENT_SECRET,
    )
    service = build(
        "gmail",
        "v1",
        credentials=credentials,
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": emulator.base_url + prefix},
    )
    with pytest.raises(HttpError, match="404") as caught:
        service.users().history().list(userId="me", startHistoryId="1").execute()
    assert caught.value.status_code == 404
    assert caught.value.resp["content-type"].startswith("text/html")
    assert "was not found on this server" in caught.value.content.decode()
    with pytest.raises(ValueError, match="Expecting value"):
        json.loads(caught.value.content)


def test_an_unknown_method_under_the_gmail_prefix_is_the_html_page_too(emulator) -> None:
    access, _ = emulator.issue_token("ana@example.com")
    response = httpx.get(
        emulator.base_url + "/gmail/v1/users/me/histories", headers={"Authorization": f"Bearer {access}"}
    )
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")
    assert "/gmail/v1/users/me/histories" in response.text


# -- search indexing lag -----------------------------------------------------------------------


def test_with_a_search_lag_a_just_sent_message_is_read_and_in_history_but_not_yet_searchable(
    emulator, gmail_for
) -> None:
    service = gmail_for()
    start = service.users().getProfile(userId="me").execute()["historyId"]
    emulator.set_limits(search_lag_seconds=600)
    sent = service.users().messages().send(userId="me", body={"raw": raw(X_Mailtrail_Id="e-1")}).execute()
    searched = service.users().messages().list(userId="me", q="in:sent").execute()
    assert "messages" not in searched and searched["resultSizeEstimate"] == 0
    listed = service.users().messages().list(userId="me", labelIds=["SENT"]).execute()
    assert [m["id"] for m in listed["messages"]] == [sent["id"]]  # no `q`: no search index involved
    assert service.users().messages().get(userId="me", id=sent["id"]).execute()["id"] == sent["id"]
    history = (
        service.users()
        .history()
        .list(userId="me", startHistoryId=start, historyTypes=["messageAdded"], labelId="SENT")
        .execute()
    )
    assert [h["messagesAdded"][0]["message"]["id"] for h in history["history"]] == [sent["id"]]
    emulator.set_limits(search_lag_seconds=0)
    found = service.users().messages().list(userId="me", q="in:sent").execute()
    assert [m["id"] for m in found["messages"]] == [sent["id"]]


def test_a_message_becomes_searchable_once_the_lag_has_passed(emulator, gmail_for) -> None:
    service = gmail_for()
    response = httpx.post(emulator.base_url + "/_control/limits", json={"search_lag_seconds": 0.5})
    assert response.json()["search_lag_seconds"] == 0.5
    sent = service.users().messages().send(userId="me", body={"raw": raw(subject="Lagging")}).execute()
    assert "messages" not in service.users().messages().list(userId="me", q="subject:Lagging").execute()
    found = wait_for(
        lambda: service.users().messages().list(userId="me", q="subject:Lagging").execute().get("messages")
    )
    assert [m["id"] for m in found] == [sent["id"]]


# -- client authentication at the token endpoint -----------------------------------------------


def refresh_form(emulator: Emulator) -> dict[str, str]:
    _access, refresh = emulator.issue_token("ana@example.com")
    return {"grant_type": "refresh_token", "refresh_token": refresh}


def test_the_token_endpoint_accepts_the_registered_client_as_basic_or_in_the_form(emulator) -> None:
    form = refresh_form(emulator)
    basic = httpx.post(emulator.token_uri, data=form, auth=(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET))
    assert basic.status_code == 200 and basic.json()["access_token"].startswith("ya29.")
    posted = httpx.post(
        emulator.token_uri, data={**form, "client_id": SANDBOX_CLIENT_ID, "client_secret": SANDBOX_CLIENT_SECRET}
    )
    assert posted.status_code == 200 and posted.json()["token_type"] == "Bearer"


@pytest.mark.parametrize(
    ("client", "status", "error", "description"),
    [
        ((SANDBOX_CLIENT_ID, "wrong"), 401, "invalid_client", "Unauthorized"),
        (("someone-else.apps.googleusercontent.com", "x"), 401, "invalid_client", "The OAuth client was not found."),
        ((SANDBOX_CLIENT_ID, ""), 401, "invalid_client", "Unauthorized"),
    ],
)
@pytest.mark.parametrize("how", ["basic", "form"])
def test_the_token_endpoint_refuses_a_wrong_client_id_or_secret(
    emulator, client: tuple[str, str], status: int, error: str, description: str, how: str
) -> None:
    form = refresh_form(emulator)
    if how == "basic":
        response = httpx.post(emulator.token_uri, data=form, auth=client)
    else:
        response = httpx.post(emulator.token_uri, data={**form, "client_id": client[0], "client_secret": client[1]})
    assert response.status_code == status
    assert response.json() == {"error": error, "error_description": description}


def test_a_request_naming_no_client_is_invalid_request(emulator) -> None:
    response = httpx.post(emulator.token_uri, data=refresh_form(emulator))
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_basic_and_form_naming_different_clients_is_refused(emulator) -> None:
    form = {**refresh_form(emulator), "client_id": "other.apps.googleusercontent.com"}
    response = httpx.post(emulator.token_uri, data=form, auth=(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET))
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


def test_google_auth_with_a_wrong_secret_fails_refresh_with_invalid_client(emulator) -> None:
    access, refresh = emulator.issue_token("ana@example.com")
    emulator.expire_access_token(access)
    credentials = Credentials(  # type: ignore[no-untyped-call]
        access, refresh_token=refresh, token_uri=emulator.token_uri, client_id=SANDBOX_CLIENT_ID, client_secret="nope"
    )
    service = build(
        "gmail",
        "v1",
        credentials=credentials,
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": emulator.base_url},
    )
    with pytest.raises(google.auth.exceptions.RefreshError, match="invalid_client"):
        service.users().getProfile(userId="me").execute()


def test_a_client_registered_through_the_control_api_is_accepted_and_the_consent_page_knows_it(emulator) -> None:
    form = refresh_form(emulator)
    other = ("app.apps.googleusercontent.com", "app-secret")
    assert httpx.post(emulator.token_uri, data=form, auth=other).status_code == 401
    consent = {"client_id": other[0], "redirect_uri": "http://app.example/cb", "response_type": "code", "scope": "x"}
    assert httpx.get(emulator.auth_uri, params=consent).status_code == 401
    registered = httpx.post(
        emulator.base_url + "/_control/clients", json={"client_id": other[0], "client_secret": other[1]}
    )
    assert registered.status_code == 200
    assert httpx.post(emulator.token_uri, data=form, auth=other).status_code == 200
    assert httpx.get(emulator.auth_uri, params=consent).status_code == 302


# -- history ids above 2**63 -------------------------------------------------------------------


def test_history_ids_can_start_above_two_to_the_63(emulator) -> None:
    base = 2**63 + 12345
    emulator.create_mailbox("big@example.com", history_id_base=base)
    service, _ = client_for(emulator, "big@example.com")
    start = service.users().getProfile(userId="me").execute()["historyId"]
    assert base < int(start) < 2**64
    sent = service.users().messages().send(userId="me", body={"raw": raw(sender="big@example.com")}).execute()
    page = service.users().history().list(userId="me", startHistoryId=start).execute()
    assert [h["messagesAdded"][0]["message"]["id"] for h in page["history"]] == [sent["id"]]
    assert int(page["historyId"]) > int(start)
    message = service.users().messages().get(userId="me", id=sent["id"], format="minimal").execute()
    assert int(message["historyId"]) == int(page["historyId"])


def test_the_emulator_wide_history_id_base_applies_to_new_mailboxes_and_push_carries_the_number() -> None:
    base = 2**64 - 2**40
    with Emulator(mailboxes=["ana@example.com"], limits=Limits(history_id_base=base)) as emulator:
        box = emulator.store.mailbox("ana@example.com")
        assert box is not None and base < box.history_id
        envelope = emulator.pusher.envelope("ana@example.com", box.history_id)
        data = json.loads(base64.b64decode(envelope["message"]["data"]))
        assert data["historyId"] == box.history_id and isinstance(data["historyId"], int)


@pytest.mark.parametrize("base", [-1, 2**64, 2**64 - 2**40 + 1])
def test_a_history_id_base_outside_uint64_is_refused(emulator, base: int) -> None:
    with pytest.raises(ValueError, match="history_id_base"):
        Limits(history_id_base=base)
    response = httpx.post(
        emulator.base_url + "/_control/mailboxes", json={"address": "x@e.com", "history_id_base": base}
    )
    assert response.status_code == 400
    assert emulator.store.mailbox("x@e.com") is None
