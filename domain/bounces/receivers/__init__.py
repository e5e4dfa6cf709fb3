"""Receiving providers whose own documented error messages settle the reason (sisimai's "Rhost").

A provider is recognised by the remote MTA that refused the message or by the recipient's domain;
its table maps the replies it documents to reasons. `reason_from(remote, domain, diagnostic)` is
'' when no provider applies or its table says nothing about this reply.
"""

from __future__ import annotations

from domain.bounces.receivers import cox, godaddy, google, kddi, nttdocomo, orange, spectrum, tencentqq

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
)


def reason_from(remote: str, domain: str, diagnostic: str, status: str | None) -> str:
    """The reason the receiving provider's own table gives this reply, or ''."""
    remote, domain = remote.lower(), domain.lower()
    for provider in PROVIDERS:
        if provider.serves(remote, domain):
            return provider.reason(diagnostic.lower(), status or "")
    return ""
