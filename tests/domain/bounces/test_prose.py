"""Recipients in the prose of a notification: each bounce-format position, its diagnostic, the rest."""

from __future__ import annotations

import pytest

from domain.bounces.notice import Notice
from domain.bounces.prose import block_after, diagnostic_near, has_code, resolve_local, scan, weak_addresses

HEAD = "From: Mail Delivery System <mailer-daemon@mx.sender.example>\nTo: ann@sender.example\nSubject: failed\n\n"


def notice(body: str, head: str = HEAD) -> Notice:
    return Notice.read((head + body).encode())


@pytest.mark.parametrize(
    ("line", "email", "diagnostic"),
    [("<bob@x.example>: host mx.x.example said: 550 5.1.1 unknown", "bob@x.example",
      "host mx.x.example said: 550 5.1.1 unknown"),
     ("bob@x.example", "bob@x.example", "550 5.1.1 no such user"),
     ("  1. <bob@x.example> (Bob Example)", "bob@x.example", "550 5.1.1 no such user"),
     ("bob@x.example... User unknown", "bob@x.example", "bob@x.example... User unknown"),
     ("550 5.1.1 bob@x.example... User unknown", "bob@x.example", "550 5.1.1 bob@x.example... User unknown"),
     ("bob@x.example: 550 mailbox unavailable", "bob@x.example", "550 mailbox unavailable"),
     ("bob@x.example --> 550 mailbox unavailable", "bob@x.example", "550 mailbox unavailable"),
     ("RCPT TO:<bob@x.example> 550 unknown", "bob@x.example", "RCPT TO:<bob@x.example> 550 unknown"),
     ("550 Requested action not taken: mailbox bob@x.example unavailable", "bob@x.example",
      "550 Requested action not taken: mailbox bob@x.example unavailable")],
)  # fmt: skip
def test_each_recipient_position_and_the_diagnostic_after_it(line: str, email: str, diagnostic: str) -> None:
    found = scan(notice(f"The following addresses failed:\n\n{line}\n    550 5.1.1 no such user\n\n-- \n"))
    assert [f.email for f in found] == [email]
    assert found[0].diagnostic.startswith(diagnostic)


def test_an_address_after_a_list_introduction_is_a_recipient_however_it_is_written() -> None:
    found = scan(notice("Could not deliver to these recipients:\n  bob@x.example was not delivered\n"))
    assert [(f.email, f.diagnostic) for f in found] == [("bob@x.example", "was not delivered")]
    assert scan(notice("Thank you.\n  bob@x.example was not delivered\n")) == []


def test_the_sender_and_list_addresses_are_never_recipients_the_owner_only_in_a_recipient_position() -> None:
    body = "<mailer-daemon@mx.sender.example>: nothing\n\n<list@lists.example>: x\n\n"
    body += "550 5.1.1 <ann@sender.example>... sender unknown\n\nann@sender.example\n"
    head = HEAD.replace("\n\n", "\nList-Post: <mailto:list@lists.example>\n\n")
    assert [f.email for f in scan(notice(body, head))] == ["ann@sender.example"]
    assert scan(notice(body.rpartition("\n\n")[0] + "\n", head)) == []


def test_a_bare_local_part_under_an_introduction_is_completed_from_the_failed_header() -> None:
    head = HEAD.replace("\n\n", "\nX-Failed-Recipients: bob@x.example\n\n")
    found = scan(notice("The following recipients were unknown:\n    bob\n", head))
    assert [f.email for f in found] == ["bob@x.example"]


def test_a_richer_diagnostic_replaces_one_without_a_code() -> None:
    body = "bob@x.example\n    is unknown\n\ncarol@y.example\n    550 no\n\nbob@x.example: 550 5.1.1 unknown user\n"
    assert [(f.email, f.diagnostic) for f in scan(notice(body))] == [
        ("bob@x.example", "550 5.1.1 unknown user"),
        ("carol@y.example", "550 no"),
    ]


def test_indented_lines_under_a_recipient_are_its_diagnostic_not_recipients() -> None:
    body = "<bob@x.example>:\n    550 rejected, write to admin@x.example instead\n"
    assert [f.email for f in scan(notice(body))] == ["bob@x.example"]


def test_block_after_takes_paragraphs_until_one_with_a_code_and_stops_at_the_next_recipient() -> None:
    lines = ["bob@x.example", "Technical details:", "", "=====", "550 5.1.1 unknown", "", "more", ""]
    assert block_after(lines, 0, "") == "Technical details: 550 5.1.1 unknown"
    lines = ["<bob@x.example>: 550 no", "<carol@y.example>: 550 no"]
    assert block_after(lines, 0, "550 no") == "550 no"
    lines = ["<bob@x.example>: see below", "", "first", "", "second", "", "third"]
    assert block_after(lines, 0, "see below") == "see below"
    lines = ["<bob@x.example>: said", "550 5.7.1 <bob@x.example>... denied"]
    assert block_after(lines, 0, "said") == "said 550 5.7.1 <bob@x.example>... denied"


def test_a_line_naming_an_address_outside_a_recipient_position_stays_in_the_diagnostic() -> None:
    lines = ["<bob@x.example>: refused", "please write to help@x.example for details", "550 5.7.1 denied"]
    assert block_after(lines, 0, "refused") == ("refused please write to help@x.example for details 550 5.7.1 denied")


def test_has_code() -> None:
    assert has_code("550 no") and has_code("status 5.1.1") and not has_code("no code 12345")


def test_diagnostic_near_takes_the_line_of_the_first_mention_and_the_lines_after() -> None:
    text = "Hello.\nUser's mailbox is full: <Bob@x.example>\nUnable to deliver mail.\n\nBye"
    assert diagnostic_near(text.lower(), text, "bob@x.example") == (
        "User's mailbox is full: <Bob@x.example> Unable to deliver mail. Bye"
    )
    long_line = "x" * 300 + " bob@x.example tail"
    assert diagnostic_near(long_line, long_line, "bob@x.example") == "x" * 199 + " bob@x.example tail"
    assert diagnostic_near("nothing", "nothing", "bob@x.example") == ""


def test_weak_addresses_leave_out_daemons_postmasters_lists_and_the_owner() -> None:
    body = "write to postmaster@x.example, mailer-daemon@y.example, ann@sender.example or bob@x.example, bob@x.example"
    assert weak_addresses(notice(body), set()) == ["bob@x.example"]
    assert weak_addresses(notice(body), {"bob@x.example"}) == []


def test_weak_addresses_leave_out_a_list_s_own_address_from_its_list_fields() -> None:
    head = HEAD.replace("Subject:", "List-Post: <mailto:team@lists.x.example>\nSubject:")
    body = "sent to team@lists.x.example, failed for carol@x.example"
    assert weak_addresses(notice(body, head), set()) == ["carol@x.example"]
    assert weak_addresses(notice(body), set()) == ["team@lists.x.example", "carol@x.example"]


def test_resolve_local_prefers_a_full_address_in_the_text_then_the_sender_s_domain() -> None:
    assert resolve_local(notice("bob was not found (bob@x.example)"), "Bob") == "bob@x.example"
    assert resolve_local(notice("bob was not found"), "bob") == "bob@mx.sender.example"
    assert resolve_local(notice("bob", head="Subject: x\n\n"), "bob") is None


def test_diagnostic_near_starts_at_the_line_of_the_first_mention_only() -> None:
    text = "one\ntwo\nUser's mailbox is full: <bob@x.example>\nlater bob@x.example again"
    assert diagnostic_near(text.lower(), text, "bob@x.example") == (
        "User's mailbox is full: <bob@x.example> later bob@x.example again"
    )
    assert diagnostic_near("bob@x.example is unknown", "bob@x.example is unknown", "bob@x.example") == (
        "bob@x.example is unknown"
    )


def test_diagnostic_near_reads_at_most_six_lines_and_600_characters() -> None:
    text = "bob@x.example\n" + "\n".join(f"line {n}" for n in range(1, 10))
    assert diagnostic_near(text, text, "bob@x.example") == "bob@x.example line 1 line 2 line 3 line 4 line 5"
    text = "bob@x.example " + "y" * 1000
    assert len(diagnostic_near(text, text, "bob@x.example")) == 600


def test_resolve_local_wants_the_same_local_part_and_the_sender_s_last_domain() -> None:
    assert resolve_local(notice("kim@y.example wrote; bob was not found (bob@x.example)"), "bob") == "bob@x.example"
    odd = HEAD.replace("<mailer-daemon@mx.sender.example>", '<"odd@x"@mx.sender.example>')
    assert resolve_local(notice("bob was not found", head=odd), "bob") == "bob@mx.sender.example"


# What scan finds in each body, as (address, diagnostic) pairs: the line state it keeps (the indent
# of the last recipient, the line before, how many bare local parts it completed) decides each.
SCAN_CASES = [
    ("an indented first recipient", "  <bob@x.example>: 550 5.1.1 unknown\n", [("bob@x.example", "550 5.1.1 unknown")]),
    ("indented lines after a blank one are still its diagnostic",
     "<bob@x.example>:\n    550 5.1.1 unknown\n\n    <carol@x.example>: see above\n",
     [("bob@x.example", "550 5.1.1 unknown")]),
    ("a line back at the margin ends the diagnostic",
     "<bob@x.example>:\n    550 5.1.1 unknown\nOther text\n  <carol@y.example>: 550 5.1.1 unknown\n",
     [("bob@x.example", "550 5.1.1 unknown Other text <carol@y.example>: 550 5.1.1 unknown"),
      ("carol@y.example", "550 5.1.1 unknown")]),
    ("a recipient line then prose", "<bob@x.example>: 550 5.1.1 unknown\nSorry.\n",
     [("bob@x.example", "550 5.1.1 unknown Sorry.")]),
    ("an address outside any position does not stop the scan",
     "Contact help@x.example for help\n<bob@x.example>: 550 5.1.1 unknown\n", [("bob@x.example", "550 5.1.1 unknown")]),
    ("the first diagnostic with a code stays", "<bob@x.example>: 550 first\n<bob@x.example>: 550 second\n",
     [("bob@x.example", "550 first <bob@x.example>: 550 second")]),
    ("the owner's address at a line's start", "<ann@sender.example>: 550 5.1.1 unknown\n",
     [("ann@sender.example", "550 5.1.1 unknown")]),
    ("the owner's address before a colon", "ann@sender.example: 550 5.1.1 unknown\n",
     [("ann@sender.example", "550 5.1.1 unknown")]),
    ("the owner's address under a list introduction",
     "The following recipients failed:\n ann@sender.example  mailbox unavailable\n",
     [("ann@sender.example", "mailbox unavailable")]),
    ("the owner's address after a keyword is not a recipient", "Your message to ann@sender.example was delayed\n", []),
    ("a bare local part with one space before it", "The following recipients were unknown:\n bob\n",
     [("bob@mx.sender.example", "")]),
    ("an introduction with spaces after its colon", "The following recipients were unknown:   \n    bob\n",
     [("bob@mx.sender.example", "")]),
    ("a bare local part under a line that is not a list introduction", "Details:\n    bob\n", []),
    ("a bare local part starting with a digit", "The following recipients were unknown:\n    9lives\n", []),
    ("two words under an introduction", "The following recipients were unknown:\n    not one\n", []),
    ("a bare local part and its diagnostic", "The following recipients were unknown:\n    bob\n    550 unknown\n",
     [("bob@mx.sender.example", "550 unknown")]),
]  # fmt: skip


@pytest.mark.parametrize(("body", "expected"), [case[1:] for case in SCAN_CASES], ids=[c[0] for c in SCAN_CASES])
def test_what_scan_finds_in_each_body(body: str, expected: list[tuple[str, str]]) -> None:
    assert [(f.email, f.diagnostic) for f in scan(notice(body))] == expected


def test_at_most_twenty_bare_local_parts_are_completed() -> None:
    locals_ = [f"user{n:02d}" for n in range(25)]
    body = "".join(f"The following recipients were unknown:\n    {local}\n\n" for local in locals_)
    assert [f.email for f in scan(notice(body))] == [f"{local}@mx.sender.example" for local in locals_[:20]]


BLOCKS = [
    ("the same address again continues the block", ["<bob@x.example>: said", "<bob@x.example>: 550 5.1.1 unknown"],
     "said", "said <bob@x.example>: 550 5.1.1 unknown"),
    ("another address indented deeper continues it", ["<bob@x.example>: said", "    <carol@y.example>: 550 no"],
     "said", "said <carol@y.example>: 550 no"),
    ("a line starting with a dash is no rule", ["bob@x.example", "- 550 5.1.1 unknown"], "", "- 550 5.1.1 unknown"),
    ("at most three paragraphs", ["bob@x.example", "a", "", "b", "", "c", "", "d 550"], "", "a"),
    ("a third paragraph is read when the second has no code", ["bob@x.example", "a", "", "b", "", "c 550"], "",
     "a b c 550"),
    ("a later paragraph's lines joined by spaces", ["bob@x.example", "a", "", "b", "c 550"], "", "a b c 550"),
    ("no code anywhere: the first paragraph, its lines joined", ["bob@x.example", "a", "a2", "", "b"], "", "a a2"),
    ("no code in two paragraphs: the first", ["bob@x.example", "a", "", "b"], "", "a"),
    ("one paragraph without a code", ["bob@x.example", "a", "a2"], "", "a a2"),
]  # fmt: skip


@pytest.mark.parametrize(("lines", "first", "expected"), [b[1:] for b in BLOCKS], ids=[b[0] for b in BLOCKS])
def test_the_block_after_a_recipient_line(lines: list[str], first: str, expected: str) -> None:
    assert block_after(lines, 0, first) == expected


def test_scan_reads_the_lines_it_is_given_instead_of_the_notice_s() -> None:
    found = scan(notice("nothing here\n"), ["<bob@x.example>: 550 5.1.1 unknown"])
    assert [(f.email, f.diagnostic) for f in found] == [("bob@x.example", "550 5.1.1 unknown")]
