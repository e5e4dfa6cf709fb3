"""`{token}` rendering: values filled, HTML escaped, unknown or empty tokens reported, never dropped."""

from __future__ import annotations

import pytest

from domain.content.render import IssueKind, render_email, text_to_html, tokens_in

VALUES = {"invoice_number": "INV-1", "amount_due": "$1,500.00", "client_name": "Tom & Jerry <Ltd>"}
KNOWN = {"invoice_number", "amount_due", "client_name", "paid_date"}


def render(subject: str | None = None, text: str | None = None, html: str | None = None):  # type: ignore[no-untyped-def]
    return render_email(subject, text, html, VALUES, KNOWN, "invoice")


def test_tokens_are_filled_in_subject_and_body() -> None:
    out = render("Invoice {invoice_number}: {amount_due}", "Dear { client_name },\nPay {amount_due}.")
    assert out.subject == "Invoice INV-1: $1,500.00"
    assert out.body_text == "Dear Tom & Jerry <Ltd>,\nPay $1,500.00."
    assert out.issues == ()


def test_values_in_html_bodies_are_escaped() -> None:
    out = render(html="<p>Hello {client_name}</p>")
    assert out.body_html == "<p>Hello Tom &amp; Jerry &lt;Ltd&gt;</p>"


def test_an_unknown_token_is_reported_and_left_as_written() -> None:
    out = render("Ship to {shipping_address}", "{shipping_address} and {shipping_address}")
    assert out.subject == "Ship to {shipping_address}"
    assert [(i.token, i.kind) for i in out.issues] == [("{shipping_address}", IssueKind.UNKNOWN_TOKEN)]
    assert "not available for context type invoice" in out.issues[0].message


def test_a_field_without_a_value_is_reported() -> None:
    out = render(text="Paid on {paid_date}")
    assert out.body_text == "Paid on {paid_date}"
    assert out.issues[0].kind is IssueKind.MISSING_VALUE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{invoice_number}}", "{invoice_number}"),
        ("p { color: red; }", "p { color: red; }"),
        ('{"json": true}', '{"json": true}'),
    ],
)
def test_escaped_braces_and_non_tokens_are_kept(text: str, expected: str) -> None:
    out = render(text=text)
    assert out.body_text == expected
    assert out.issues == ()


def test_a_value_with_a_line_break_stays_on_the_subject_line() -> None:
    out = render_email("Re {x}", None, None, {"x": "a\r\nb"}, {"x"}, "t")
    assert out.subject == "Re a b"


def test_tokens_in_lists_names_in_order() -> None:
    assert tokens_in("{a} {{b}} { c }") == ["a", "c"]


def test_text_becomes_simple_html() -> None:
    assert text_to_html("Hi <you>,\n\nline 1\nline 2") == (
        "<html><body>\n<p>Hi &lt;you&gt;,</p>\n<p>line 1<br>\nline 2</p>\n</body></html>"
    )
