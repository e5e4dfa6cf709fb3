"""MIME building: golden files with a fixed clock and id, and properties that hold for any content.

Regenerate the golden files after an intended change with `MAILTRAIL_UPDATE_GOLDEN=1 pytest tests/domain/test_mime.py`
and read the diff.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import os
from datetime import UTC, datetime, tzinfo
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.mime import (
    MimeAttachment,
    OutgoingMessage,
    _build_with_email_package,
    _plain_ascii,
    build_mime,
    html_to_text,
    make_message_id,
    reply_subject,
    to_gmail_raw,
)

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


# CPython's reader (email.utils.unquote) drops the <> around a whole parameter value, so a filename
# like "<x>" reads back as "x" although it is written quoted as RFC 2045 says; it has its own test.
filename_text = header_text.filter(lambda s: not (s.startswith("<") and s.endswith(">")))


@settings(max_examples=150, deadline=None)
@given(subject=header_text, body=body_text, name=header_text, filename=filename_text, content=st.binary(max_size=300))
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


def test_a_supplied_text_part_is_kept_beside_a_different_html_part() -> None:
    outgoing = message(body_text="Plain words, written by hand.\n", body_html="<p>Rich <b>words</b></p>")
    msg = parsed(build_mime(outgoing, message_id=MESSAGE_ID, now=NOW))
    assert msg.get_content_type() == "multipart/alternative"
    assert plain(msg) == "Plain words, written by hand.\n"
    assert msg.get_body(("html",)).get_content().replace("\r\n", "\n") == "<p>Rich <b>words</b></p>\n"  # type: ignore[union-attr]


def test_an_email_without_any_body_has_one_empty_text_part() -> None:
    msg = parsed(build_mime(message(body_text=None, body_html=None), message_id=MESSAGE_ID, now=NOW))
    assert msg.get_content_type() == "text/plain" and not msg.is_multipart()
    assert plain(msg) == "\n"  # the empty body, as email.contentmanager writes it


def transfer_encodings(raw: bytes) -> list[tuple[str, str]]:
    return [
        (p.get_content_type(), str(p["Content-Transfer-Encoding"])) for p in parsed(raw).walk() if not p.is_multipart()
    ]


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("", "7bit"),
        ("Hello,\nplain ASCII.\n", "7bit"),
        ("x" * 998, "7bit"),
        ("x" * 999, "quoted-printable"),  # one line too long for SMTP: ASCII, yet not 7bit
        ("Grüße aus Köln, with mostly ASCII around it.\n", "quoted-printable"),
        ("aaaé", "base64"),  # 1 of 4 characters is not ASCII: base64 is shorter
        ("aaaaé", "quoted-printable"),  # 1 of 5: quoted-printable stays readable
        ("Привет, мир.\n", "base64"),
        ("aaa\x80", "base64"),  # U+0080 is the first character that is not ASCII
        ("\x7f\x7f\x7féabcd", "quoted-printable"),  # DEL is still ASCII: 1 of 8 is not
    ],
)
def test_the_transfer_encoding_is_chosen_by_how_much_is_not_ascii(text: str, encoding: str) -> None:
    raw = build_mime(message(body_text=text), message_id=MESSAGE_ID, now=NOW)
    assert transfer_encodings(raw) == [("text/plain", encoding)]
    assert plain(parsed(raw)).rstrip("\n") == text.rstrip("\n")


def test_the_html_part_gets_its_own_transfer_encoding() -> None:
    outgoing = message(body_text="ASCII only.\n", body_html="<p>Grüße aus Köln, with mostly ASCII around it.</p>")
    raw = build_mime(outgoing, message_id=MESSAGE_ID, now=NOW)
    assert transfer_encodings(raw) == [("text/plain", "7bit"), ("text/html", "quoted-printable")]
    assert b"Gr=C3=BC=C3=9Fe" in raw


def test_headers_that_have_nothing_to_say_are_left_out() -> None:
    outgoing = message(to=(), cc=(), bcc=("audit@acme.example",), mailtrail_id=None, from_name=None)
    msg = parsed(build_mime(outgoing, message_id=MESSAGE_ID, now=NOW))
    for absent in ("To", "Cc", "In-Reply-To", "References", "X-Mailtrail-Id"):
        assert msg[absent] is None, absent
    assert msg["From"] == "billing@acme.example"
    assert msg["Bcc"] == "audit@acme.example"
    assert msg["MIME-Version"] == "1.0"


def test_every_recipient_is_listed_in_its_header() -> None:
    outgoing = message(
        to=("a@example.com", "b@example.com"),
        cc=("c@example.com", "jürgen@example.com"),
        bcc=("d@example.com", "e@example.com"),
    )
    msg = parsed(build_mime(outgoing, message_id=MESSAGE_ID, now=NOW))
    assert [a.addr_spec for a in msg["To"].addresses] == ["a@example.com", "b@example.com"]
    assert [a.addr_spec for a in msg["Cc"].addresses] == ["c@example.com", "jürgen@example.com"]
    assert [a.addr_spec for a in msg["Bcc"].addresses] == ["d@example.com", "e@example.com"]


@pytest.mark.parametrize(
    ("address", "name", "header"),
    [
        ("billing@acme.example", "Acme Billing", "Acme Billing <billing@acme.example>"),
        ("billing@acme.example", 'Acme "Billing", Inc.', '"Acme \\"Billing\\", Inc." <billing@acme.example>'),
        ("billing@acme.example", None, "billing@acme.example"),
        ("billing@acme.example", "", "billing@acme.example"),
        ("zoë@acme.example", "Zoë", "Zoë <zoë@acme.example>"),  # an internationalised address (RFC 6532)
        ("zoë@acme.example", 'Zoë "Z", Müller', '"Zoë \\"Z\\", Müller" <zoë@acme.example>'),
    ],
)
def test_the_sender_is_named_when_a_name_is_given(address: str, name: str | None, header: str) -> None:
    raw = build_mime(message(from_address=address, from_name=name), message_id=MESSAGE_ID, now=NOW)
    assert raw.isascii()
    assert str(parsed(raw)["From"]) == header


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("application/pdf", "application/pdf"),
        ("image/png", "image/png"),
        ("text", "text/octet-stream"),
        ("/x", "application/x"),
        ("", "application/octet-stream"),
    ],
)
def test_an_attachment_type_missing_a_half_gets_a_safe_default(content_type: str, expected: str) -> None:
    outgoing = message(attachments=(MimeAttachment("a.bin", content_type, b"\x00\x01"),))
    raw = build_mime(outgoing, message_id=MESSAGE_ID, now=NOW)
    assert f"Content-Type: {expected}".encode() in raw
    (attachment,) = parsed(raw).iter_attachments()
    assert attachment.get_content_type() == expected
    assert attachment.get_filename() == "a.bin"


def test_every_multipart_boundary_derives_from_the_message_id() -> None:
    outgoing = message(body_html="<p>x</p>", attachments=(MimeAttachment("a.pdf", "application/pdf", b"%PDF"),))
    msg = parsed(build_mime(outgoing, message_id=MESSAGE_ID, now=NOW))
    seed = hashlib.sha256(MESSAGE_ID.encode()).hexdigest()[:24]
    assert [p.get_boundary() for p in msg.walk() if p.is_multipart()] == [
        f"=_mailtrail_{seed}_0",
        f"=_mailtrail_{seed}_1",
    ]
    other = parsed(build_mime(outgoing, message_id="<other@mailtrail.test>", now=NOW))
    assert other.get_boundary() != msg.get_boundary()


@pytest.mark.parametrize(
    ("field", "overrides", "name"),
    [
        ("subject", {"subject": "a\rb"}, "subject"),
        ("in_reply_to", {"in_reply_to": "<a@b>\n"}, "in_reply_to"),
        ("mailtrail_id", {"mailtrail_id": "x\ny"}, "mailtrail_id"),
        ("references", {"references": ("<a@b>", "<c@d>\r\nX: 1")}, "references"),
        ("to", {"to": ("a@example.com\r\nBcc: x@example.com",)}, "address"),
        ("cc", {"cc": ("a@example.com\n",)}, "address"),
        ("bcc", {"bcc": ("a@example.com\r",)}, "address"),
        ("from_address", {"from_address": "a@example.com\n"}, "address"),
        ("from_name", {"from_name": "Eve\r"}, "name"),
        ("filename", {"attachments": (MimeAttachment("a\n.pdf", "application/pdf", b""),)}, "filename"),
    ],
)
def test_header_injection_names_the_field(field: str, overrides: dict[str, object], name: str) -> None:
    with pytest.raises(ValueError, match=rf"^{name} must not contain CR or LF \(header injection\)$"):
        build_mime(message(**overrides), message_id=MESSAGE_ID, now=NOW)


def test_a_message_id_with_a_line_break_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^message_id must not contain CR or LF \(header injection\)$"):
        build_mime(message(), message_id="<a@b>\r\nBcc: x@example.com", now=NOW)


def test_a_clock_whose_zone_has_no_offset_is_refused() -> None:
    class NoOffset(tzinfo):
        def utcoffset(self, dt: datetime | None) -> None:
            return None

    with pytest.raises(ValueError, match=r"^now must be timezone-aware$"):
        build_mime(message(), message_id=MESSAGE_ID, now=datetime(2026, 1, 1, tzinfo=NoOffset()))


def test_a_message_id_and_the_raw_form() -> None:
    assert make_message_id("mt.123", "mailtrail.test") == "<mt.123@mailtrail.test>"
    assert to_gmail_raw(b"\xfb\xff\xbf") == "-_-_"  # URL-safe alphabet: - and _ instead of + and /
    assert to_gmail_raw(b"ab") == "YWI="


@pytest.mark.parametrize(
    ("subject", "reply"),
    [
        ("Question about INV-7", "Re: Question about INV-7"),
        ("  Question  ", "Re: Question"),
        ("", "Re:"),
        ("Re: x", "Re: x"),
        ("RE:x", "RE:x"),
        ("re : x", "re : x"),
        ("  Re: x  ", "Re: x"),
        ("AW: x", "AW: x"),
        ("Sv: x", "Sv: x"),
        ("Antw: x", "Antw: x"),
        ("ODP: x", "ODP: x"),
        ("R: x", "R: x"),
        ("Rif: x", "Rif: x"),
        ("VS: x", "VS: x"),
        ("Regarding: x", "Re: Regarding: x"),
        ("Fwd: x", "Re: Fwd: x"),
        ("x Re: y", "Re: x Re: y"),
    ],
)
def test_a_reply_subject_gets_one_prefix(subject: str, reply: str) -> None:
    assert reply_subject(subject) == reply


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("", ""),
        ("   ", ""),
        ("plain", "plain\n"),
        ("<p>a</p><p>b</p>", "a\n\nb\n"),
        ("<p>a </p><p> b</p>", "a\n\nb\n"),  # each line is trimmed, not only the whole
        ("<div>a<br>b</div>", "a\nb\n"),
        ("<ul><li>one</li><li>two</li></ul>", "- one\n\n- two\n"),
        ("<ol><li>one</li></ol>", "- one\n"),
        ("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "ab\n\nc\n"),
        ("<h1>T</h1><h2>U</h2><h3>V</h3><h4>W</h4><h5>X</h5><h6>Y</h6>", "T\n\nU\n\nV\n\nW\n\nX\n\nY\n"),
        ("<blockquote>quoted</blockquote>after", "quoted\nafter\n"),
        ("a<p></p><p></p><p></p>b", "a\n\nb\n"),  # never more than one empty line in a row
        ("<p>  many   spaces\n\tand\ttabs  </p>", "many spaces and tabs\n"),
        ("<p>5 &lt; 7 &amp; caf&eacute; &#8364;</p>", "5 < 7 & café €\n"),
        ("<span>in</span><em>line</em>", "inline\n"),
    ],
)
def test_html_becomes_readable_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<head><title>Title</title><style>p{}</style></head><body>x</body>", "x\n"),
        ("<script>a()</script>x<script>b()</script>", "x\n"),
        ("<head><title>T</title>meta text</head>shown", "shown\n"),  # nested skips count
        ("</style>still shown", "still shown\n"),  # a stray end tag never goes negative
        ("<title>T</title>x", "x\n"),
    ],
)
def test_scripts_styles_and_the_head_are_dropped(html: str, text: str) -> None:
    assert html_to_text(html) == text


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ('<a href="https://pay.example/7">Pay</a>', "Pay (https://pay.example/7)\n"),
        ('<a href="mailto:a@example.com">write</a>', "write (mailto:a@example.com)\n"),
        ('<a href="#top">top</a>', "top\n"),
        ('<a href="javascript:void(0)">js</a>', "js\n"),
        ("<a>no link</a>", "no link\n"),
        ('<a href="">empty</a>', "empty\n"),
        (
            '<a name="x" href="https://a.example">A</a> and <a href="https://b.example">B</a>',
            "A (https://a.example) and B (https://b.example)\n",
        ),
        ('<a href="https://out.example"><a href="#in">in</a>out</a>', "inout (https://out.example)\n"),
        ("</a>stray", "stray\n"),
    ],
)
def test_links_keep_their_target_after_the_text(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_long_headers_are_folded_at_78_characters() -> None:
    """RFC 5322 2.1.1: lines SHOULD be no more than 78 characters; folding fills them that far."""
    raw = build_mime(message(subject=" ".join(["ab"] * 80)), message_id=MESSAGE_ID, now=NOW)
    header_lines = raw.split(b"\r\n\r\n")[0].split(b"\r\n")
    assert max(len(line) for line in header_lines) == 78
    assert parsed(raw)["Subject"] == " ".join(["ab"] * 80)


@pytest.mark.parametrize("filename", ["<>", "<x>", "a<b>.pdf"])
def test_a_filename_in_angle_brackets_is_written_as_given(filename: str) -> None:
    outgoing = message(attachments=(MimeAttachment(filename, "application/pdf", b"%PDF"),))
    raw = build_mime(outgoing, message_id=MESSAGE_ID, now=NOW)
    assert f'Content-Disposition: attachment; filename="{filename}"'.encode() in raw


PLAIN_TEXT = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=60)
LOCAL_PART = st.from_regex(r"[A-Za-z0-9_%+-]{1,8}(\.[A-Za-z0-9_%+-]{1,5}){0,2}", fullmatch=True)
PLAIN_ADDRESS = st.builds(
    lambda local, host: f"{local}@{host}.example", LOCAL_PART, st.from_regex(r"[a-z0-9-]{1,10}", fullmatch=True)
)
PLAIN_BODY = st.text(alphabet=st.sampled_from(list("ab Z9.,;:!?()<>=\"'\\-_\t\n ")), max_size=300) | st.builds(
    lambda n, tail: "x" * n + tail, st.integers(990, 1005), st.sampled_from(["", "\n", "\nend"])
)


@settings(max_examples=400, deadline=None)
@given(
    subject=PLAIN_TEXT,
    body=st.none() | PLAIN_BODY,
    sender=PLAIN_ADDRESS,
    to=st.lists(PLAIN_ADDRESS, min_size=1, max_size=4),
    cc=st.lists(PLAIN_ADDRESS, max_size=2),
    bcc=st.lists(PLAIN_ADDRESS, max_size=2),
    mailtrail_id=st.none() | PLAIN_TEXT,
    message_id=st.from_regex(r"<[A-Za-z0-9._-]{1,40}@[a-z0-9.-]{1,30}>", fullmatch=True),
    now=st.sampled_from([NOW, datetime(2027, 2, 28, 23, 59, 59, tzinfo=UTC)]),
)
def test_a_plain_ascii_email_is_written_byte_for_byte_as_the_email_package_writes_it(
    subject: str,
    body: str | None,
    sender: str,
    to: list[str],
    cc: list[str],
    bcc: list[str],
    mailtrail_id: str | None,
    message_id: str,
    now: datetime,
) -> None:
    """build_mime writes the commonest emails without the email package (domain/mime.py `_plain_ascii`)."""
    outgoing = message(
        from_address=sender,
        from_name=None,
        to=tuple(to),
        cc=tuple(cc),
        bcc=tuple(bcc),
        subject=subject,
        body_text=body,
        mailtrail_id=mailtrail_id,
    )
    assert build_mime(outgoing, message_id=message_id, now=now) == _build_with_email_package(outgoing, message_id, now)


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"body_text": "Hello,\n\n\tthe invoice (INV-7) is due: 12.50 EUR.\n"},
        {"to": ("a@example.com", "b.c+d@mail.example.org"), "cc": ("e@example.com",), "bcc": ("f@example.com",)},
    ],
)
def test_a_plain_ascii_email_skips_the_email_package(overrides: dict[str, object]) -> None:
    outgoing = message(from_name=None, **overrides)
    fast = _plain_ascii(outgoing, MESSAGE_ID, NOW)
    assert fast is not None
    assert fast == _build_with_email_package(outgoing, MESSAGE_ID, NOW)


@pytest.mark.parametrize(
    "overrides",
    [
        {"from_name": "Acme Billing"},
        {"subject": ""},
        {"subject": "=?utf-8?q?hi?="},
        {"subject": "Rechnung fällig"},
        {"subject": " ".join(["ab"] * 40)},
        {"body_text": "Grüße"},
        {"body_text": "a\rb"},
        {"body_html": "<p>Hi</p>"},
        {"to": ('"Zoë" <z@example.com>',)},
        {"in_reply_to": "<a@b>"},
        {"attachments": (MimeAttachment("a.txt", "text/plain", b"a"),)},
    ],
)
def test_anything_else_goes_through_the_email_package(overrides: dict[str, object]) -> None:
    assert _plain_ascii(message(**{"from_name": None, **overrides}), MESSAGE_ID, NOW) is None
