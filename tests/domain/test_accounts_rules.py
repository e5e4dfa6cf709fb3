"""OAuth helpers: the PKCE challenge (RFC 7636 vector) and the redirect allow-list."""

from __future__ import annotations

import pytest

from domain.accounts import check_redirect, missing_scopes, pkce_challenge
from domain.errors import DomainError


def test_the_pkce_challenge_matches_rfc_7636_appendix_b() -> None:
    assert (
        pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


@pytest.mark.parametrize("target", [None, "/settings/email", "/a?b=c", "https://app.example.com/done"])
def test_local_paths_and_allowed_origins_are_accepted(target: str | None) -> None:
    check_redirect(target, ["https://app.example.com"])


ELSEWHERE = "redirectAfter must be a path on this service or an allowed origin"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("//evil.example/x", ELSEWHERE),
        ("https://evil.example/", ELSEWHERE),
        ("javascript:alert(1)", ELSEWHERE),
        ("/\\evil", ELSEWHERE),
        ("/x\r\nSet-Cookie: a=b", "redirectAfter must not contain line breaks"),
    ],
)
def test_open_redirects_are_refused(target: str, message: str) -> None:
    with pytest.raises(DomainError, match=f"^{message}$") as caught:
        check_redirect(target, ["https://app.example.com"])
    assert caught.value.field == "redirectAfter"


def test_missing_scopes_lists_what_was_not_granted() -> None:
    send, read = "https://www.googleapis.com/auth/gmail.send", "https://www.googleapis.com/auth/gmail.readonly"
    assert missing_scopes([send], [send, read]) == [read]
    assert missing_scopes([read, send, "openid"], [send, read]) == []
