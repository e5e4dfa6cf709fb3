"""MIME building: golden files with a fixed clock and id, and properties that hold for any content.

Regenerate the golden files after an intended change with `MAILTRAIL_UPDATE_GOLDEN=1 pytest tests/domain/test_mime.py`
and read the diff.
"""

from __future__ import annotations

import email
import email.policy
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.mime import MimeAttachment, OutgoingMessage, build_mime, html_to_text, reply_subject, to_gmail_raw

GOLDEN = Path(__file__).parent / "golden"
NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
MESSAGE_ID = "<mt.0f0e0d0c-1111-2222-3333-444455556666@mailtrail.test>"
MAILTRAIL_ID = "0f0e0d0c-1111-2222-3333-444455556666"


def message(**overrides: object) -> OutgoingMessage:
    fields: dict[str, object] = {
        "from_address": "billing@acme.example",
        "from_name": "Acme Billing",
        "to": ("client@example.com",),
        "cc": (),
        "bcc": (),
        "subject": "Invoice INV-7",
        "body_text": "Hello,\n\nyour invoice is attached.\n",
        "body_html": None,
        "mailtrail_id": MAILTRAIL_ID,
    }
    fields.update(overrides)
    return OutgoingMessage(**fields)  # type: ignore[arg-type]


CASES = {
    "text_only": message(),
    "text_and_html": message(body_html="<p>Hello,</p><p>your <b>invoice</b> is attached.</p>"),
    "html_only": message(body_text=None, body_html="<h1>Invoice</h1><ul><li>One</li><li>Two</li></ul>"),
    "non_ascii": message(
        from_name="Zoë Müller",
        subject="Rechnung Nr. 7 – fällig am 1. Dezember 😀",
        body_text="Grüße aus Köln.\nПривет.\n",
        cc=("jürgen@example.com",),
        bcc=("audit@acme.example",),
    ),
    "attachments": message(
        attachments=(
            MimeAttachment("invoice-7.pdf", "application/pdf", b"%PDF-1.4\n%mailtrail\n"),
            MimeAttachment("Übersicht März.csv", "text/csv", b"a;b\n1;2\n"),
        )
    ),
    "reply": message(
        subject=reply_subject("Question about INV-7"),
        in_reply_to="<CAabc@mail.gmail.com>",
        references=("<CAroot@mail.gmail.com>", "<CAabc@mail.gmail.com>"),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_message_matches_its_golden_file(name: str) -> None:
    built = build_mime(CASES[name], message_id=MESSAGE_ID, now=NOW)
    path = GOLDEN / f"{name}.eml"
    if os.environ.get("MAILTRAIL_UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(built)
    assert built == path.read_bytes()
    assert b"\r\n" in built and b"\n" not in built.replace(b"\r\n", b"")  # CRLF throughout
    assert all(len(line) <= 998 for line in built.split(b"\r\n"))
    assert built.isascii()  # 7-bit clean: RFC 2047/2231 and transfer encodings did their work


def parsed(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def plain(msg: email.message.EmailMessage) -> str:
    """The text part as a reader sees it (the wire form's CRLF line ends made LF)."""
    return str(msg.get_body(("plain",)).get_content()).replace("\r\n", "\n")  # type: ignore[union-attr]


def test_headers_are_encoded_and_read_back() -> None:
    msg = parsed(build_mime(CASES["non_ascii"], message_id=MESSAGE_ID, now=NOW))
    assert msg["Subject"] == "Rechnung Nr. 7 – fällig am 1. Dezember 😀"
    assert msg["From"].addresses[0].display_name == "Zoë Müller"
    assert msg["Date"] == "Tue, 24 Nov 2026 09:30:00 +0000"
    assert msg["Message-ID"] == MESSAGE_ID and msg["X-Mailtrail-Id"] == MAILTRAIL_ID
    assert msg["Bcc"] == "audit@acme.example"  # Gmail reads Bcc from the raw message, then strips it
    assert plain(msg) == "Grüße aus Köln.\nПривет.\n"


def test_attachments_keep_their_names_types_and_bytes() -> None:
    msg = parsed(build_mime(CASES["attachments"], message_id=MESSAGE_ID, now=NOW))
    assert msg.get_content_type() == "multipart/mixed"
    files = [(p.get_filename(), p.get_content_type(), p.get_content()) for p in msg.iter_attachments()]
    assert files == [
        ("invoice-7.pdf", "application/pdf", b"%PDF-1.4\n%mailtrail\n"),
        ("Übersicht März.csv", "text/csv", "a;b\n1;2\n"),
    ]
    raw = build_mime(CASES["attachments"], message_id=MESSAGE_ID, now=NOW)
    assert b"filename*=utf-8''%C3%9Cbersicht%20M%C3%A4rz.csv" in raw  # RFC 2231


def test_html_gets_a_derived_text_alternative() -> None:
    msg = parsed(build_mime(CASES["html_only"], message_id=MESSAGE_ID, now=NOW))
    assert msg.get_content_type() == "multipart/alternative"
    assert plain(msg) == "Invoice\n\n- One\n\n- Two\n"
    assert "<h1>Invoice</h1>" in msg.get_body(("html",)).get_content()  # type: ignore[union-attr]


def test_html_to_text_keeps_links_and_drops_scripts() -> None:
    html = '<style>p{}</style><p>Pay <a href="https://pay.example/7">here</a> &amp; thanks</p><script>x()</script>'
    assert html_to_text(html) == "Pay here (https://pay.example/7) & thanks\n"


def test_reply_headers_thread_the_message() -> None:
    msg = parsed(build_mime(CASES["reply"], message_id=MESSAGE_ID, now=NOW))
    assert msg["Subject"] == "Re: Question about INV-7"
    assert msg["In-Reply-To"] == "<CAabc@mail.gmail.com>"
    assert msg["References"] == "<CAroot@mail.gmail.com> <CAabc@mail.gmail.com>"


@pytest.mark.parametrize("subject", ["Re: x", "RE:x", "AW: x", "Sv: x"])
def test_reply_prefixes_are_not_doubled(subject: str) -> None:
    assert reply_subject(subject) == subject.strip()


@pytest.mark.parametrize(
    "overrides",
    [
        {"subject": "Hi\r\nBcc: victim@example.com"},
        {"from_name": "Eve\nX-Evil: 1"},
        {"in_reply_to": "<a@b>\r\nX-Evil: 1"},
        {"attachments": (MimeAttachment("a\r\n.pdf", "application/pdf", b""),)},
    ],
)
def test_header_injection_is_refused(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="CR or LF"):
        build_mime(message(**overrides), message_id=MESSAGE_ID, now=NOW)


def test_a_naive_clock_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        build_mime(message(), message_id=MESSAGE_ID, now=datetime(2026, 1, 1))


header_text = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=80).filter(
    lambda s: s.strip() == s and s.strip()
)
body_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x0b\x0c\x1c\x1d\x1e\x85"), max_size=400
)


@settings(max_examples=150, deadline=None)
@given(subject=header_text, body=body_text, name=header_text, filename=header_text, content=st.binary(max_size=300))
def test_any_content_survives_the_round_trip(subject: str, body: str, name: str, filename: str, content: bytes) -> None:
    outgoing = message(
        subject=subject,
        body_text=body,
        from_name=name,
        attachments=(MimeAttachment(filename, "application/octet-stream", content),),
    )
    built = build_mime(outgoing, message_id=MESSAGE_ID, now=NOW)
    assert built.isascii()
    assert build_mime(outgoing, message_id=MESSAGE_ID, now=NOW) == built  # deterministic
    msg = parsed(built)
    assert msg["Subject"] == subject
    # A display name is an RFC 5322 phrase, where white space is not significant; and CPython's
    # header parser adds a space between adjacent encoded-words, which RFC 2047 6.2 says to drop
    # (email.header.decode_header, the reference decoder, reads our output exactly).
    assert msg["From"].addresses[0].display_name.replace(" ", "") == name.replace(" ", "")
    assert plain(msg).rstrip("\n") == body.rstrip("\n")
    (attachment,) = msg.iter_attachments()
    assert attachment.get_filename() == filename
    assert attachment.get_content() == content
    assert to_gmail_raw(built).isascii()
