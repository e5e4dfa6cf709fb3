"""Receiving providers whose own documented error messages settle the reason (sisimai's "Rhost").

A provider is recognised by the remote MTA that refused the message or by the recipient's domain;
its table maps the replies it documents to reasons. `reason_from(remote, domain, diagnostic)` is
'' when no provider applies or its table says nothing about this reply.
"""

from __future__ import annotations

import re

from domain.bounces.receivers import (
    apple,
    cox,
    exchangeonline,
    godaddy,
    google,
    iua,
    kddi,
    mimecast,
    nttdocomo,
    orange,
    spectrum,
    tencentqq,
    yahooinc,
)

PROVIDERS = (
    google.PROVIDER,
    orange.PROVIDER,
    spectrum.PROVIDER,
    godaddy.PROVIDER,
    cox.PROVIDER,
    # sisimai's Rhost tables, part b
    kddi.PROVIDER,
    nttdocomo.PROVIDER,
    tencentqq.PROVIDER,
    # Lhost/Rhost tables, first half
    exchangeonline.PROVIDER,
    iua.PROVIDER,
    mimecast.PROVIDER,
    # sisimai 5's Rhost tables
    apple.PROVIDER,
    yahooinc.PROVIDER,
)

# Every provider's hosts and domains in one pattern each: most recipients are no provider's, and two
# searches rule them out where one per provider and field would take sixteen.
ANY_HOST = re.compile("|".join(f"(?:{p.hosts.pattern})" for p in PROVIDERS))
ANY_DOMAIN = re.compile("|".join(f"(?:{p.domains.pattern})" for p in PROVIDERS))


def reason_from(remote: str, domain: str, diagnostic: str, status: str | None) -> str:
    """The reason the receiving provider's own table gives this reply, or ''."""
    remote, domain = remote.lower(), domain.lower()
    if not (remote and ANY_HOST.search(remote)) and not (domain and ANY_DOMAIN.search(domain)):
        return ""
    for provider in PROVIDERS:
        if provider.serves(remote, domain):
            return provider.reason(diagnostic.lower(), status or "")
    return ""
