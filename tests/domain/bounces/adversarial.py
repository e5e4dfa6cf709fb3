"""Messages a stranger could send to make a bounce parser slow, at any size (issue 12).

Each shape builds a message of about `size` bytes out of one pathological pattern: a long word
without `@`, runs of dots, `@` and quotes, deep MIME nesting, thousands of parts or recipients,
huge header fields. `repeated(unit, place, size)` makes the same from any unit string, for the
property test.
"""

from __future__ import annotations

from collections.abc import Callable

HEAD = (
    "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\n"
    "To: alice@sender.example\n"
    "Subject: Undelivered Mail Returned to Sender\n"
    "Date: Tue, 02 Jan 2024 10:00:00 +0000\n"
    "MIME-Version: 1.0\n"
)
LEAD = "This is the mail system at host mx.example.net.\n\n<bob@example.com>: host said: 550 5.1.1 unknown\n\n"


def _text(body: str, head: str = HEAD) -> bytes:
    return (head + "Content-Type: text/plain; charset=utf-8\n\n" + LEAD + body + "\n").encode("utf-8")


def _fill(unit: str, size: int) -> str:
    return (unit * (size // max(len(unit), 1) + 1))[:size]


def long_word(size: int) -> bytes:
    """One word of letters and no `@` (the address pattern was quadratic on it)."""
    return _text(_fill("x", size))


def many_dots(size: int) -> bytes:
    """Dotted runs, which address and status-code patterns both look into."""
    return _text(_fill("a.", size))


def dotted_domain(size: int) -> bytes:
    """An address whose domain never ends."""
    return _text("user@" + _fill("a.", size))


def many_ats(size: int) -> bytes:
    """`a@a@a@...`: every `@` a possible address."""
    return _text(_fill("a@", size))


def many_quotes(size: int) -> bytes:
    """Quoted local parts that never close."""
    return _text(_fill('"a b"@', size))


def angle_brackets(size: int) -> bytes:
    """`<<<<...`, which HTML and bracketed-address patterns look into."""
    return _text(_fill("<", size))


def status_digits(size: int) -> bytes:
    """`5.1.5.1.5...`: a never-ending status code."""
    return _text(_fill("5.1.", size))


def deep_nesting(size: int) -> bytes:
    """multipart inside multipart, as deep as the size allows."""
    depth = max(1, size // 80)
    parts = [f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n' for i in range(depth)]
    return (HEAD + "".join(parts) + "Content-Type: text/plain\n\n" + LEAD).encode()


def many_parts(size: int) -> bytes:
    """One multipart with thousands of parts."""
    count = max(1, size // 40)
    parts = "".join("--x\nContent-Type: text/plain\n\nhello\n" for _ in range(count))
    return (HEAD + 'Content-Type: multipart/mixed; boundary="x"\n\n' + parts + "--x--\n").encode()


def many_report_recipients(size: int) -> bytes:
    """A delivery-status report naming thousands of recipients (10,000 at about 1.3 MB)."""
    count = max(1, size // 130)
    blocks = "".join(
        f"Final-Recipient: rfc822; user{i}@example.com\nAction: failed\nStatus: 5.1.1\n"
        f"Diagnostic-Code: smtp; 550 5.1.1 unknown\n\n"
        for i in range(count)
    )
    report = f"--r\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.net\n\n{blocks}--r--\n"
    head = HEAD + 'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\n\n'
    return (head + report).encode()


def many_header_recipients(size: int) -> bytes:
    """A To: header listing thousands of addresses."""
    count = max(1, size // 20)
    to = ", ".join(f"user{i}@example.com" for i in range(count))
    return _text("", HEAD.replace("To: alice@sender.example", f"To: {to}"))


def many_prose_recipients(size: int) -> bytes:
    """A plain-text bounce listing thousands of failed recipients."""
    count = max(1, size // 50)
    return _text("".join(f"<user{i}@example.com>: 550 5.1.1 unknown\n" for i in range(count)))


def encoded_words(size: int) -> bytes:
    """A Subject made of broken RFC 2047 encoded words."""
    return _text("", HEAD.replace("Subject: Undelivered Mail Returned to Sender", "Subject: " + _fill("=?x?q?", size)))


def long_header(size: int) -> bytes:
    """One header field folded over thousands of lines."""
    return _text("", HEAD + "X-Long: " + _fill("a\n b ", size) + "\n")


def huge_date(size: int) -> bytes:
    """A Date with an enormous number in it (it raised OverflowError)."""
    date = "Date: Tue, 02 Jan " + _fill("9", size) + " 10:00:00 +0000"
    return _text("", HEAD.replace("Date: Tue, 02 Jan 2024 10:00:00 +0000", date))


SHAPES: dict[str, Callable[[int], bytes]] = {
    "long word": long_word,
    "many dots": many_dots,
    "dotted domain": dotted_domain,
    "many @": many_ats,
    "many quotes": many_quotes,
    "angle brackets": angle_brackets,
    "status digits": status_digits,
    "deep MIME nesting": deep_nesting,
    "many parts": many_parts,
    "many report recipients": many_report_recipients,
    "many header recipients": many_header_recipients,
    "many prose recipients": many_prose_recipients,
    "encoded words": encoded_words,
    "long header": long_header,
    "huge date": huge_date,
}
PLACES = ("body", "subject", "report", "html", "quoted")


def repeated(unit: str, place: str, size: int) -> bytes:
    """A bounce with `unit` repeated to `size` characters in `place`."""
    filler = _fill(unit, size)
    if place == "subject":
        return _text("", HEAD.replace("Undelivered Mail Returned to Sender", filler.replace("\n", " ")))
    if place == "report":
        head = HEAD + 'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\n\n'
        report = (
            f"--r\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; {filler}\nAction: failed\n--r--\n"
        )
        return (head + report).encode("utf-8")
    if place == "html":
        return (HEAD + "Content-Type: text/html\n\n<html><body>" + filler + "</body></html>\n").encode("utf-8")
    if place == "quoted":
        return _text("\n".join("> " + line for line in filler.split("\n")))
    return _text(filler)
