"""History, batch, quotas, OAuth and faults: the behaviours a Gmail client depends on."""

from __future__ import annotations

import base64
import hashlib
import itertools
import socket
from urllib.parse import parse_qs, urlencode, urlsplit

import google.auth.exceptions
import httplib2
import httpx
import pytest
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest

from sandbox import Emulator, Limits
from sandbox.auth import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from tests.sandbox.conftest import READ, SEND, client_for
from tests.sandbox.mail import raw


def test_history_ids_rise_with_gaps_and_list_what_was_added(emulator, gmail_for) -> None:
    service = gmail_for()
    start = service.users().getProfile(userId="me").execute()["historyId"]
    assert isinstance(start, str)
    empty = service.users().history().list(userId="me", startHistoryId=start).execute()
    assert "history" not in empty and empty["historyId"] == start
    first = service.users().messages().send(userId="me", body={"raw": raw()}).execute()
    second = service.users().messages().send(userId="me", body={"raw": raw()}).execute()
    page = service.users().history().list(userId="me", startHistoryId=start, historyTypes=["messageAdded"]).execute()
    ids = [int(h["id"]) for h in page["history"]]
    assert ids == sorted(ids) and all(b > a for a, b in itertools.pairwise(ids))
    added = [h["messagesAdded"][0]["message"]["id"] for h in page["history"]]
    assert added == [first["id"], second["id"]]
    assert int(page["historyId"]) >= ids[-1]


def test_history_pages_and_filters_by_label(gmail_for) -> None:
    service = gmail_for()
    start = service.users().getProfile(userId="me").execute()["historyId"]
    for _ in range(3):
        service.users().messages().send(userId="me", body={"raw": raw(to="x@nowhere.invalid")}).execute()
    seen, token = [], None
    while True:
        page = (
            service.users().history().list(userId="me", startHistoryId=start, maxResults=2, pageToken=token).execute()
        )
        seen += page.get("history", [])
        token = page.get("nextPageToken")
        if not token:
            break
    assert len(seen) == 6  # three sends and three bounces
    inbox = service.users().history().list(userId="me", startHistoryId=start, labelId="INBOX").execute()
    assert len(inbox["history"]) == 3


def test_history_older_than_retention_is_not_found(emulator, gmail_for) -> None:
    service = gmail_for()
    start = service.users().getProfile(userId="me").execute()["historyId"]
    service.users().messages().send(userId="me", body={"raw": raw()}).execute()
    emulator.expire_history("ana@example.com")
    with pytest.raises(HttpError, match=r"^<HttpError 404 when requesting .*'reason': 'notFound'") as caught:
        service.users().history().list(userId="me", startHistoryId=start).execute()
    assert caught.value.status_code == 404
    assert caught.value.error_details[0]["reason"] == "notFound"


def test_batch_gets_many_messages_and_reports_each_failure(emulator, gmail_for) -> None:
    service = gmail_for()
    ids = [
        service.users().messages().send(userId="me", body={"raw": raw(subject=f"#{i}")}).execute()["id"]
        for i in range(3)
    ]
    results: dict[str, object] = {}
    batch = BatchHttpRequest(
        callback=lambda rid, resp, exc: results.__setitem__(rid, exc or resp),
        batch_uri=emulator.base_url + "/batch/gmail/v1",
    )
    for message_id in [*ids, "0000000000000000"]:
        batch.add(service.users().messages().get(userId="me", id=message_id, format="minimal"), request_id=message_id)
    batch.execute()
    assert [results[i]["id"] for i in ids] == ids  # type: ignore[index]
    assert isinstance(results["0000000000000000"], HttpError)
    assert results["0000000000000000"].status_code == 404  # type: ignore[union-attr]


def test_the_per_minute_quota_answers_429_rate_limit_exceeded() -> None:
    with Emulator(mailboxes=["ana@example.com"], limits=Limits(units_per_minute=250)) as emulator:
        service, _ = client_for(emulator, "ana@example.com")
        service.users().messages().send(userId="me", body={"raw": raw()}).execute()
        service.users().messages().send(userId="me", body={"raw": raw()}).execute()
        with pytest.raises(
            HttpError, match=r"^<HttpError 429 when requesting .*'reason': 'rateLimitExceeded'"
        ) as caught:
            service.users().messages().send(userId="me", body={"raw": raw()}).execute()
        assert caught.value.status_code == 429
        assert caught.value.error_details[0]["reason"] == "rateLimitExceeded"
        assert caught.value.resp.get("retry-after") == "1"


def test_the_daily_send_cap_answers_403_daily_limit_exceeded() -> None:
    with Emulator(mailboxes=["ana@example.com"], limits=Limits(daily_send_cap=1)) as emulator:
        service, _ = client_for(emulator, "ana@example.com")
        service.users().messages().send(userId="me", body={"raw": raw()}).execute()
        with pytest.raises(
            HttpError, match=r"^<HttpError 403 when requesting .*'reason': 'dailyLimitExceeded'"
        ) as caught:
            service.users().messages().send(userId="me", body={"raw": raw()}).execute()
        assert caught.value.status_code == 403
        assert caught.value.error_details[0]["reason"] == "dailyLimitExceeded"


def test_an_expired_access_token_is_refreshed_against_the_token_endpoint(emulator) -> None:
    service, credentials = client_for(emulator, "ana@example.com")
    old = credentials.token
    emulator.expire_access_token(old)
    assert service.users().getProfile(userId="me").execute()["emailAddress"] == "ana@example.com"
    assert credentials.token != old


def test_a_revoked_grant_fails_refresh_with_invalid_grant(emulator) -> None:
    service, _credentials = client_for(emulator, "ana@example.com")
    emulator.revoke("ana@example.com")
    with pytest.raises(google.auth.exceptions.RefreshError, match="invalid_grant"):
        service.users().getProfile(userId="me").execute()


def test_unknown_tokens_get_401_in_googles_envelope(emulator) -> None:
    response = httpx.get(emulator.base_url + "/gmail/v1/users/me/profile", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == 401 and error["status"] == "UNAUTHENTICATED" and error["errors"][0]["reason"] == "authError"


def test_a_token_without_the_scope_gets_403_insufficient_permissions(gmail_for) -> None:
    send_only = gmail_for(scopes=[SEND])
    send_only.users().messages().send(userId="me", body={"raw": raw()}).execute()
    with pytest.raises(
        HttpError, match=r"^<HttpError 403 when requesting .*'reason': 'insufficientPermissions'"
    ) as caught:
        send_only.users().messages().list(userId="me").execute()
    assert caught.value.status_code == 403
    assert caught.value.error_details[0]["reason"] == "insufficientPermissions"
    read_only = gmail_for(scopes=[READ])
    with pytest.raises(HttpError, match=r"^<HttpError 403 when requesting .*'reason': 'insufficientPermissions'"):
        read_only.users().messages().send(userId="me", body={"raw": raw()}).execute()


def test_queued_faults_come_back_in_order_then_calls_succeed(emulator, gmail_for) -> None:
    service = gmail_for()
    emulator.queue_fault("users.getProfile", status=503, reason="backendError", message="Backend Error")
    emulator.queue_fault("users.getProfile", status=500, reason="backendError", message="Internal")
    for status in (503, 500):
        with pytest.raises(
            HttpError, match=rf"^<HttpError {status} when requesting .*'reason': 'backendError'"
        ) as caught:
            service.users().getProfile(userId="me").execute()
        assert caught.value.status_code == status
    assert service.users().getProfile(userId="me").execute()["emailAddress"] == "ana@example.com"


def test_a_reset_fault_drops_the_connection(emulator) -> None:
    service, _credentials = client_for(emulator, "ana@example.com")
    emulator.queue_fault("users.getProfile", kind="reset")
    with pytest.raises((ConnectionError, httplib2.HttpLib2Error, OSError), match="Connection reset by peer"):
        service.users().getProfile(userId="me").execute()


def test_a_timeout_fault_hangs_past_the_clients_timeout(emulator) -> None:
    service, _credentials = client_for(emulator, "ana@example.com", timeout=0.5)
    emulator.queue_fault("users.getProfile", kind="timeout", seconds=2)
    with pytest.raises((TimeoutError, socket.timeout), match=r"^timed out$"):
        service.users().getProfile(userId="me").execute()


def test_the_authorization_code_flow_checks_pkce(emulator) -> None:
    verifier = "v" * 64
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    params = {
        "client_id": SANDBOX_CLIENT_ID,
        "redirect_uri": "http://app.example/cb",
        "response_type": "code",
        "state": "s1",
        "scope": f"{SEND} {READ}",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "login_hint": "bob@example.com",
    }
    response = httpx.get(emulator.auth_uri + "?" + urlencode(params))
    assert response.status_code == 302
    back = parse_qs(urlsplit(response.headers["location"]).query)
    assert back["state"] == ["s1"]
    form = {
        "grant_type": "authorization_code",
        "code": back["code"][0],
        "redirect_uri": "http://app.example/cb",
        "client_id": SANDBOX_CLIENT_ID,
        "client_secret": SANDBOX_CLIENT_SECRET,
    }
    wrong = httpx.post(emulator.token_uri, data={**form, "code_verifier": "w" * 64})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    response = httpx.get(emulator.auth_uri + "?" + urlencode(params))
    code = parse_qs(urlsplit(response.headers["location"]).query)["code"][0]
    token = httpx.post(emulator.token_uri, data={**form, "code": code, "code_verifier": verifier}).json()
    assert set(token["scope"].split()) == {SEND, READ} and token["refresh_token"]
    profile = httpx.get(
        emulator.base_url + "/gmail/v1/users/me/profile", headers={"Authorization": f"Bearer {token['access_token']}"}
    ).json()
    assert profile["emailAddress"] == "bob@example.com"
    revoked = httpx.post(emulator.revoke_uri, data={"token": token["refresh_token"]})
    assert revoked.status_code == 200
    refreshed = httpx.post(
        emulator.token_uri,
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET),
    )
    assert refreshed.json()["error"] == "invalid_grant"
