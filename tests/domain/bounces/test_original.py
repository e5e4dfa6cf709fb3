"""Which message a bounce is about: the returned original's Message-ID and X-Mailtrail-Id."""

from __future__ import annotations

import pytest

from domain.bounces.notice import Notice
from domain.bounces.original import MAX_INLINE, first_id, ids, original_headers


@pytest.mark.parametrize(
    ("value", "expected"),
    [("<a@x.example> <b@x.example>", ["<a@x.example>", "<b@x.example>"]), ("no ids", []), ("", []),
     ("<with space@x> <ok@x>", ["<ok@x>"]), ("<" + "i" * 500 + ">", ["<" + "i" * 500 + ">"]),
     ("<" + "i" * 501 + ">", []), (" " * 8180 + "<a@x.example>", []), (" " * 8170 + "<a@x.example>", ["<a@x.example>"])],
)  # fmt: skip
def test_message_ids_are_the_bracketed_tokens_in_the_first_8192_characters(value: str, expected: list[str]) -> None:
    assert ids(value) == expected
    assert first_id(value) == (expected[0] if expected else None)


def _notice(headers: str, body: str) -> Notice:
    return Notice.read(f"{headers}\n\n{body}".encode())


MIXED = 'Content-Type: multipart/mixed; boundary="b"'


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        # attached: only its own header block counts
        (MIXED, "--b\n\nfailed\n--b\nContent-Type: message/rfc822\n\nMessage-ID: <m1@x.example>\n"
         "X-Mailtrail-Id:  abc  \n\nMessage-ID: <in-body@x.example>\n--b--\n",
         {"message-id": "<m1@x.example>", "x-mailtrail-id": "abc"}),
        # an attached original without either header: the text's pasted copy is read instead
        (MIXED, "--b\n\nfailed\n------ This is a copy of the message, including all the headers. ------\n"
         "Message-ID: <m2@x.example>\n--b\nContent-Type: message/rfc822\n\nSubject: no ids\n\n--b--\n",
         {"message-id": "<m2@x.example>"}),
        # pasted with its header lines indented
        ("Subject: failure", "Sorry.\n\nOriginal message headers:\n\n   Message-ID: <m3@x.example>\n"
         "   X-Mailtrail-Id: t-3\n", {"message-id": "<m3@x.example>", "x-mailtrail-id": "t-3"}),
        # the marker must be a line of its own
        ("Subject: failure", "We quote: this is a copy of the message\nMessage-ID: <m4@x.example>\n", {}),
        # a part that is not text is not searched for a pasted copy
        ("Content-Type: application/octet-stream", "x\nOriginal message follows\nMessage-ID: <m5@x.example>\n", {}),
        ("Subject: failure", "Nothing returned.", {}),
        # a line of spaces between the marker and the copy is a blank line too
        ("Subject: failure", "Sorry.\nOriginal message follows\n   \nMessage-ID: <m6@x.example>\n",
         {"message-id": "<m6@x.example>"}),
        # the copy may be pasted into a later text part than the first
        (MIXED, "--b\n\nSorry.\n--b\n\nOriginal message follows\nMessage-ID: <m7@x.example>\n--b--\n",
         {"message-id": "<m7@x.example>"}),
        # a text whose lower-casing changes its length is not searched (offsets would not line up)
        ("Subject: failure", "\u0130\nOriginal message follows\nMessage-ID: <m8@x.example>\n", {}),
    ],
)  # fmt: skip
def test_the_original_s_identity_comes_from_its_header_block(headers: str, body: str, expected: dict[str, str]) -> None:
    assert original_headers(_notice(headers, body)) == expected


def test_a_mailtrail_id_is_cut_at_200_characters() -> None:
    notice = _notice(
        "Subject: failure", "Sorry.\n\n--- Below this line is a copy of the message.\n\nX-Mailtrail-Id: " + "t" * 300
    )
    assert original_headers(notice) == {"x-mailtrail-id": "t" * 200}


def test_a_pasted_copy_further_than_max_inline_past_its_marker_is_not_read() -> None:
    filler = "X-Filler: f\n" * (MAX_INLINE // 12 + 10)
    body = f"Sorry.\n\nOriginal message follows\n{filler}Message-ID: <far@x.example>\n"
    assert original_headers(_notice("Subject: failure", body)) == {}
