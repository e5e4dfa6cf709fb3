"""An HTTP body's strings are refused when they cannot be stored, however the JSON spells them.

api.boundary.decode_body walks the decoded body only when its text holds a \\u escape: from
UTF-8 bytes, the escape is the one way a NUL or a lone surrogate gets in. These bodies spell the
bad text every way a client can (escaped, raw, in a key, in a nested list).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from api.boundary import BodyRejected, decode_body

BAD = {"nul": "a\x00b", "lone surrogate": "a\ud800b"}


def bodies(text: str) -> dict[str, bytes]:
    def spelled(value: Any, ascii_only: bool) -> bytes:
        return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")

    return {
        "escaped value": spelled({"query": "{ x }", "variables": {"s": text}}, True),
        "raw value": spelled({"query": "{ x }", "variables": {"s": text}}, False),
        "escaped key": spelled({"query": "{ x }", "variables": {text: 1}}, True),
        "raw key": spelled({"query": "{ x }", "variables": {text: 1}}, False),
        "escaped in a list": spelled({"query": "{ x }", "variables": {"to": ["ok", [text]]}}, True),
    }


@pytest.mark.parametrize("kind", sorted(BAD))
@pytest.mark.parametrize("spelling", sorted(bodies("x")))
def test_a_body_with_text_that_cannot_be_stored_is_refused(kind: str, spelling: str) -> None:
    with pytest.raises(BodyRejected, match=r"NUL|surrogate|UTF-8|JSON") as refused:
        decode_body(bodies(BAD[kind])[spelling])
    assert refused.value.status == 400


@pytest.mark.parametrize("text", ["plain", "caf\u00e9 \u2603", "a\\u0000b as typed", "\U0001f600"])
def test_a_body_of_storable_text_is_decoded_as_json_loads_does(text: str) -> None:
    for ascii_only in (True, False):
        body = json.dumps({"query": "{ x }", "variables": {"s": text, text: [text]}}, ensure_ascii=ascii_only)
        assert decode_body(body.encode()) == json.loads(body)
