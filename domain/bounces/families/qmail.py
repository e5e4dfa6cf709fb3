"""qmail: "Hi. This is the qmail-send program at ...", then `<rcpt>:` and what the remote host said
(qmail-send.c, qmail-remote.c; the qmail-ldap patch adds its own messages)."""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.commands import CONN, DATA, EHLO, MAIL, RCPT, command_in
from domain.bounces.family import Family, phrase_table
from domain.bounces.findings import Finding
from domain.bounces.notice import RECEIVED_READ, Notice
from domain.bounces.prose import scan

MARKER: Final = re.compile(r"^hi\. this is the qmail|\(qmail \d+ invoked for bounce\)", re.M)
# qmail-remote.c: which SMTP step a "Connected to ... but ..." sentence reports.
COMMANDS: Final = (
    (" but greeting failed.", CONN),
    (" but my name was rejected.", EHLO),
    (" but sender was rejected.", MAIL),
    (" does not like recipient.", RCPT),
    (" failed on DATA command", DATA),
    (" failed after I sent the message", DATA),
)
EXPIRED: Final = "this message has been in the queue too long."
MESSAGES: Final = phrase_table(
    {
        "userunknown": ("no mailbox here by that name", "does not like recipient."),
        "mailboxfull": ("disk quota exceeded",),
        "mesgtoobig": ("message size exceeds fixed maximum message size:",),
        "hostunknown": ("sorry, i couldn't find any host ",),
        "systemfull": ("requested action not taken: mailbox unavailable (not enough free space)",),
        "systemerror": ("bad interpreter: no such file or directory", "system error", "unable to"),
        "networkerror": (
            "sorry, i wasn't able to establish an smtp connection",
            "sorry, i couldn't find a mail exchanger or ip address",
            "sorry. although i'm listed as a best-preference mx or a for that host",
        ),
        # qmail-ldap
        "suspend": ("mailaddress is administrativley disabled", "mailaddress is administratively disabled"),
        "exceedlimit": ("the message exeeded the maximum size the user accepts",),
    }
)
LDAP_ERRORS: Final = re.compile(
    r"automatic homedir creator crashed|illegal value in ldap attribute|ldap attribute is not given but mandatory|"
    r"timeout while performing search on ldap server|too many results returned but needs to be unique|"
    r"(?:permanent|temporary) error while executing qmail-forward|temporary error in automatic homedir creation|"
    r"temporary failure in ldap lookup|unable to contact ldap server|unable to login into ldap server"
)


def sniff(notice: Notice) -> bool:
    """qmail's greeting, its Received line, or its "failure notice" subject."""
    if notice.subject.strip().lower() == "failure notice":
        return True
    if "qmail" in notice.intro and MARKER.search(notice.intro):
        return True
    fields = notice.root.fields
    # `notice.received` is these fields cut, their white space collapsed, lower-cased: a word without
    # white space is in it only if it is in them lower-cased, which is cheaper to test than to make it.
    if "qmail" not in " ".join(fields.get("received", ()))[:RECEIVED_READ].lower():
        return False
    received = notice.received
    return "qmail" in received and bool(MARKER.search(received))


def refine(finding: Finding) -> Finding:
    """The command and reason qmail's own sentences settle.

    A refused sender ("but sender was rejected") names only the command, as in sisimai 5 (4.x took
    it for `rejected` outright): the remote server's reply decides why.
    """
    diagnostic = finding.diagnostic
    command = next((c for phrase, c in COMMANDS if phrase in diagnostic), None) or command_in(diagnostic)
    if command in (EHLO, "HELO"):
        return finding.with_(command=command, hint="blocked")
    lowered = diagnostic.lower()
    if " does not like recipient." in lowered and EXPIRED in lowered:
        return finding.with_(command=command, hint="onhold")
    if " does not like recipient." in lowered and "no mailbox here by that name" not in lowered:
        # The remote server refused the recipient: its own reply decides, an unknown user otherwise.
        return finding.with_(command=command, default="userunknown")
    hint = MESSAGES(diagnostic)
    if hint is None and "ldap" in lowered and LDAP_ERRORS.search(lowered):
        hint = "systemerror"
    if hint is None and EXPIRED in lowered:
        hint = "expired"
    return finding.with_(command=command, hint=hint)


def read(notice: Notice) -> list[Finding]:
    """`<recipient>:` paragraphs."""
    return [refine(f) for f in scan(notice)]


FAMILY: Family = Family("qmail", sniff, read, refine)
