"""The mail-server families, in the order the parser tries them (the most specific first).

A new family is a new module in `domain.bounces.families` and one line here, plus its own
hand-written notifications in `tests/domain/bounces/`.
"""

from __future__ import annotations

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

GENERIC = Family("generic", sniff=lambda notice: True)
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


def _index(kind: str) -> dict[str, frozenset[str]]:
    """Each cue of one kind (`fields`, `words`) and the families showing it."""
    found: dict[str, set[str]] = {}
    for family in FAMILIES:
        for cue in getattr(family.cues, kind, ()):
            found.setdefault(cue, set()).add(family.name)
    return {cue: frozenset(names) for cue, names in found.items()}


BY_FIELD = _index("fields")
BY_WORD = _index("words")
IN_SUBJECT = tuple((cue, f.name) for f in FAMILIES if f.cues is not None for cue in f.cues.subject)
IN_SENDER = tuple((cue, f.name) for f in FAMILIES if f.cues is not None for cue in f.cues.sender)
if any(len(word.split()) != 1 or word != word.strip() for word in BY_WORD):
    raise ValueError("a word cue must be one word (it is looked up among the intro's words)")


def cued(notice: Notice) -> frozenset[str] | None:
    """The families whose cues the notice shows (None: every family, when reading the cues failed).

    A handful of set lookups for all thirty-odd families, where asking each sniffer in turn costs a
    call and its own searches of the intro.
    """
    try:
        names: set[str] = set()
        for field in BY_FIELD.keys() & notice.root.fields.keys():
            names |= BY_FIELD[field]
        for word in BY_WORD.keys() & set(notice.intro.split()):
            names |= BY_WORD[word]
        subject, sender = notice.lower_subject, notice.lower_from
        names.update(name for cue, name in IN_SUBJECT if cue in subject)
        names.update(name for cue, name in IN_SENDER if cue in sender)
        return frozenset(names)
    except Exception:  # the cues are only a shortcut: without them every sniffer is asked
        return None


def identify(notice: Notice) -> Family:
    """The family that wrote the notice, or GENERIC when none recognises it (in `FAMILIES` order,
    asking only the families without cues or whose cues the notice shows)."""
    shown = cued(notice)
    for family in FAMILIES:
        if shown is not None and family.cues is not None and family.name not in shown:
            continue  # its sniffer would say no: the notice shows none of what it needs
        try:
            if family.sniff(notice):
                return family
        except Exception:  # one family's sniffing failing costs that family only
            continue
    return GENERIC
