"""Receiving providers whose own documented error messages settle the reason (sisimai's "Rhost").

A provider is recognised by the remote MTA that refused the message or by the recipient's domain;
its table maps the replies it documents to reasons. `reason_from(remote, domain, diagnostic)` is
'' when no provider applies or its table says nothing about this reply.
"""

from __future__ import annotations

import re
from typing import Final

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


def _top_level(pattern: str) -> str:
    """The pattern with its bracketed groups and character classes removed (to see a top-level `|`)."""
    depth, kept, index = 0, [], 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            kept.append(pattern[index : index + 2] if depth == 0 else "")
            index += 2
            continue
        if char == "[":
            end = pattern.find("]", index + 2)
            index = end + 1 if end >= 0 else len(pattern)
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and char != ")":
            kept.append(char)
        index += 1
    return "".join(kept)


PROVIDERS: Final = (
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
ANY_HOST: Final = re.compile("|".join(f"(?:{p.hosts.pattern})" for p in PROVIDERS))
ANY_DOMAIN: Final = re.compile("|".join(f"(?:{p.domains.pattern})" for p in PROVIDERS))
# Text every ANY_HOST match holds (each provider's hosts are named under its own domains): a host
# holding none of it is no provider's, found without the pattern, which tries each of its
# alternatives at every position (tests/domain/bounces/test_receivers.py checks the list).
HOST_WORDS: Final = (
    "google.com",
    "orange.fr",
    "wanadoo.fr",
    "laposte.net",
    "charter.net",
    "spectrum.net",
    "secureserver.net",
    "cox.net",
    "ezweb.ne.jp",
    "au.com",
    "docomo.ne.jp",
    "qq.com",
    "outlook.com",
    "hotmail.com",
    "email.ua",
    "mimecast.com",
    "icloud.com",
    "apple.com",
    "me.com",
    "yahoodns.net",
)
# Every provider's domains are whole names (`^...$`, or `(?!)` for none), so a match can only start
# at the beginning: `match` gives `search`'s answer without trying every later position (5x cheaper).
DOMAINS_ANCHORED: Final = all(
    p.domains.pattern == "(?!)" or (p.domains.pattern.startswith("^") and "|" not in _top_level(p.domains.pattern))
    for p in PROVIDERS
)


def _host_is_a_provider(remote: str) -> bool:
    return any(word in remote for word in HOST_WORDS) and ANY_HOST.search(remote) is not None


def _domain_is_a_provider(domain: str) -> bool:
    found = ANY_DOMAIN.match(domain) if DOMAINS_ANCHORED else ANY_DOMAIN.search(domain)
    return found is not None


def reason_from(remote: str, domain: str, diagnostic: str, status: str | None) -> str:
    """The reason the receiving provider's own table gives this reply, or ''."""
    remote, domain = remote.lower(), domain.lower()
    if not (remote and _host_is_a_provider(remote)) and not (domain and _domain_is_a_provider(domain)):
        return ""
    for provider in PROVIDERS:
        if provider.serves(remote, domain):
            return provider.reason(diagnostic.lower(), status or "")
    return ""
