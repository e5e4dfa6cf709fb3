"""The Workspace domain comes from the ID token's `hd` claim, when Google returns an ID token."""

from __future__ import annotations

import base64
import json

import pytest

from workers.oauth import hosted_domain


def token(claims: object) -> str:
    def part(value: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256'})}.{part(claims)}.signature"


@pytest.mark.parametrize(
    ("id_token", "expected"),
    [
        (token({"email": "pat@acme.example", "hd": "acme.example"}), "acme.example"),
        (token({"email": "pat@gmail.com"}), None),
        (token({"hd": ""}), None),
        (token({"hd": 42}), None),
        (token(["not", "an", "object"]), None),
        ("not.a-jwt", None),
        ("a.!!!.c", None),
        (None, None),
        (12, None),
    ],
)
def test_the_hosted_domain_is_read_from_the_id_token(id_token: object, expected: str | None) -> None:
    assert hosted_domain(id_token) == expected
