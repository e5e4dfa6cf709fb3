"""DragonFly Mail Agent (dma): "This is the DragonFly Mail Agent ... There was an error delivering your
mail to <rcpt>." then the error, then "Message headers follow."."""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.addresses import ANY_ADDRESS, clean
from domain.bounces.family import Family
from domain.bounces.findings import Finding
from domain.bounces.notice import Notice

ERROR: Final = re.compile(r"error delivering your mail to <?(" + ANY_ADDRESS + r")>?\.?")
END: Final = re.compile(r"message headers follow")


def sniff(notice: Notice) -> bool:
    """dma's introduction."""
    return "this is the dragonfly mail agent" in notice.intro


def read(notice: Notice) -> list[Finding]:
    """The address in the error sentence and the paragraph after it."""
    body = notice.unquoted_body.lower()
    found = []
    matches = list(ERROR.finditer(body))
    for index, match in enumerate(matches):
        address = clean(match.group(1))
        if not address:
            continue
        stop = matches[index + 1].start() if index + 1 < len(matches) else len(body)
        rest = body[match.end() : stop]
        end = END.search(rest)
        diagnostic = " ".join(rest[: end.start() if end else 1000].split())
        found.append(Finding(address, diagnostic))
    return found


FAMILY: Family = Family("dragonfly", sniff, read)
