"""The mail-server families, in the order the parser tries them (the most specific first).

A new family is a new module in `domain.bounces.families` and one line here, plus its own
hand-written notifications in `tests/domain/bounces/`.
"""

from __future__ import annotations

from typing import Final

from domain.bounces.families import (
    amavis,
    amazonses,
    amazonworkmail,
    aol,
    apachejames,
    courier,
    domino,
    dragonfly,
    exchange,
    exchange2003,
    exim,
    ezweb,
    facebook,
    fml,
    gmail,
    gmx,
    googlegroups,
    groupwise,
    imailserver,
    interscanmss,
    mailmarshal,
    mcafee,
    messagelabs,
    messagingserver,
    notes,
    opensmtpd,
    outlook,
    postfix,
    powermta,
    qmail,
    receivingses,
    sendmail,
    verizon,
    yahoo,
    zoho,
)
from domain.bounces.family import Family
from domain.bounces.notice import Notice

GENERIC: Final = Family("generic", sniff=lambda notice: True)
# Not Final (unlike the other module constants): compiled code then reads it from the module, so a
# test that replaces it (tests/domain/bounces/test_family.py) replaces it for `identify` too.
FAMILIES: tuple[Family, ...] = (
    # Formats known by a header field of their own and a marker line (sisimai's Lhost list, part b).
    outlook.FAMILY,
    powermta.FAMILY,
    receivingses.FAMILY,
    zoho.FAMILY,
    # The families known before.
    amazonses.FAMILY,
    messagelabs.FAMILY,
    # Lhost formats, first half
    mailmarshal.FAMILY,
    facebook.FAMILY,
    amazonworkmail.FAMILY,
    amavis.FAMILY,
    interscanmss.FAMILY,
    mcafee.FAMILY,
    aol.FAMILY,
    googlegroups.FAMILY,
    gmail.FAMILY,
    gmx.FAMILY,
    dragonfly.FAMILY,
    opensmtpd.FAMILY,
    courier.FAMILY,
    messagingserver.FAMILY,
    domino.FAMILY,
    notes.FAMILY,
    imailserver.FAMILY,
    groupwise.FAMILY,
    yahoo.FAMILY,
    verizon.FAMILY,
    apachejames.FAMILY,  # after Verizon's gateways, which run James too
    ezweb.FAMILY,
    fml.FAMILY,
    exchange2003.FAMILY,
    exchange.FAMILY,
    qmail.FAMILY,
    exim.FAMILY,
    sendmail.FAMILY,
    postfix.FAMILY,
)


def identify(notice: Notice) -> Family:
    """The family that wrote the notice, or GENERIC when none recognises it."""
    for family in FAMILIES:
        try:
            if family.sniff(notice):
                return family
        except Exception:  # one family's sniffing failing costs that family only
            continue
    return GENERIC
