"""Status codes and refused SMTP commands read out of diagnostics."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.bounces.codes import is_temporary, reply_in, status_field, status_from_reply, status_in
from domain.bounces.commands import SAID, command_in


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("550 5.1.1 <a@b.example>... User unknown", "5.1.1"),
        ("550-5.7.26 unauthenticated", "5.7.26"),
        ("(#5.1.10)", "5.1.10"),
        ("status 5.2.2.", "5.2.2"),
        ("250 2.0.0 ok then 550 5.1.1 no", "5.1.1"),
        ("host 192.0.2.5.1.1 said", None),
        ("version 15.1.1 of x5.1.1", None),
        ("4.4.7", "4.4.7"),
        ("", None),
        ("no code here", None),
    ],
)
def test_status_in_finds_the_first_failure_code(text: str, expected: str | None) -> None:
    assert status_in(text) == expected


def test_status_in_reports_a_success_code_only_when_asked() -> None:
    assert status_in("250 2.1.5 ok") is None
    assert status_in("250 2.1.5 ok", success=True) == "2.1.5"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("550 5.1.1 no", "550"),
        ("smtp;550 no", "550"),
        ("250 ok, 451 later", "451"),
        ("id 12550 x", None),
        ("5501 no", None),
        ("550.1 no", None),
        ("421-mx busy", "421"),
        ("", None),
    ],
)
def test_reply_in_finds_the_first_failure_reply_code(text: str, expected: str | None) -> None:
    assert reply_in(text) == expected


@pytest.mark.parametrize(
    ("reply", "expected"),
    [("550", "5.0.0"), ("421", "4.0.0"), ("250", None), (None, None), ("", None), ("X50", None), ("350", None)],
)
def test_a_bare_reply_code_implies_a_class_only_status(reply: str | None, expected: str | None) -> None:
    assert status_from_reply(reply) == expected


def test_temporary_is_class_4_and_a_status_field_is_its_code() -> None:
    assert is_temporary("4.4.7") and not is_temporary("5.4.7") and not is_temporary(None)
    assert status_field("5.1.1 (user unknown)") == "5.1.1"
    assert status_field("") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("550 5.1.1 unknown (in reply to RCPT TO command)", "RCPT"),
        ("554 rejected (in reply to end of DATA command)", "DATA"),
        ("553 bad sender (in reply to MAIL FROM command)", "MAIL"),
        ("SMTP error from remote mail server after RCPT TO:<a@b.example>: 550 no", "RCPT"),
        ("SMTP error from remote mail server after end of data: 550 spam", "DATA"),
        ("SMTP error from remote mail server after initial connection: 554 go away", "CONN"),
        (">>> DATA\n<<< 554 rejected", "DATA"),
        (">>> MAIL From:<x@y.example>\n<<< 553 no\n>>> RCPT To:<a@b.example>\n<<< 550 no", "RCPT"),
        ("192.0.2.1 does not like recipient. Remote host said: 550 no", "RCPT"),
        ("Connected to 192.0.2.1 but sender was rejected.", "MAIL"),
        ("192.0.2.1 failed after I sent the message.", "DATA"),
        ("Connected to 192.0.2.1 but my name was rejected.", "EHLO"),
        ("Connected to 192.0.2.1 but greeting failed.", "CONN"),
        ("host mx.example.com refused to talk to me: 554 go away", "CONN"),
        ("SMTP:RCPT host 192.0.2.8: 553 no such user", "RCPT"),
        ("rejected after DATA by the filter", "DATA"),
        ("HELO rejected: bad name", "HELO"),
        ("EHLO rejected: bad name", "EHLO"),
        ("STARTTLS is required", "STARTTLS"),
        ("AUTH failed", "AUTH"),
        ("MAIL FROM refused", "MAIL"),
        ("MAIL refused", None),
        ("RCPT refused", "RCPT"),
        ("DATA refused", "DATA"),
        ("MAIL FROM and then DATA refused", "DATA"),
        ("HELO, then RCPT refused", "RCPT"),
        ("EHLO, AUTH and MAIL FROM refused", "MAIL"),
        ("STARTTLS then AUTH refused", "AUTH"),
        ("HELO then STARTTLS failed", "STARTTLS"),
        ("after HELO the STARTTLS failed", "HELO"),
        ("EMAIL.EXAMPLE.COM and DATABASE@X.EXAMPLE", None),
        ("550 no such user", None),
        ("the database was down", None),
        ("", None),
    ],
)
def test_command_in_names_the_refused_command(text: str, expected: str | None) -> None:
    assert command_in(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("sender rejected, then the host does not like recipient", "RCPT"),
     ("does not like recipient, then sender rejected", "MAIL"),
     ("in reply to rcpt to:<a@b.example>", "RCPT"),
     ("after data: connection refused", "CONN"),
     ("connection refused after data", "DATA"),
     ("after mail from:<a@b.example> and after rcpt to:<c@d.example>", "RCPT"),
     ("in reply to message", "DATA"), ("after bdat", "DATA"), ("after lhlo", "EHLO"),
     ("after the end of data", "DATA"), ("after connecting", "CONN"), ("after the banner", "CONN")],
)  # fmt: skip
def test_the_last_phrasing_in_the_text_names_the_command(text: str, expected: str) -> None:
    assert command_in(text) == expected
    assert command_in(text.upper()) == expected


@settings(max_examples=40, deadline=None)
@given(data=st.data(), index=st.sampled_from(range(len(SAID))))
def test_every_phrasing_holds_one_of_its_cues(data: st.DataObject, index: int) -> None:
    cues, pattern, _ = SAID[index]
    text = data.draw(st.from_regex(pattern, fullmatch=True, alphabet=st.characters(codec="ascii")))
    assert any(cue in text for cue in cues), (text, cues)
