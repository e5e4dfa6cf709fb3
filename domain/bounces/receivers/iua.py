"""i.ua (Ukraine): replies link to an explanation page `http://mail.i.ua/err/N/` whose number names the
error (i.ua's error pages, as sisimai's IUA table lists them)."""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.receivers.provider import Provider

CODE: Final = re.compile(r"\.i\.ua/err/(\d{1,2})\b")
CODES: Final = {
    "1": "norelaying",  # using the service as an SMTP relay is forbidden
    "2": "userunknown",  # no such user
    "3": "suspend",  # the mailbox has not been used for more than 3 months
    "4": "mailboxfull",
    "5": "toomanyconn",  # the sending limit is exceeded
    "6": "norelaying",  # send through your own provider's SMTP server
    "7": "blocked",  # a wrong HELO/EHLO argument
    "8": "rejected",  # the sender address could not be checked
    "9": "blocked",  # the sending IP address is on a block list
    "10": "filtered",  # not on the recipient's list of accepted senders
}


def reason(diagnostic: str, status: str) -> str:
    """The reason i.ua's error number names, or ''."""
    match = CODE.search(diagnostic)
    return CODES.get(match.group(1), "") if match else ""


PROVIDER: Provider = Provider(
    "iua",
    hosts=re.compile(r"\.email\.ua$"),
    domains=re.compile(r"^(?:i\.ua|email\.ua)$"),
    reason=reason,
)
