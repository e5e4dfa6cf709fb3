"""A receiving provider: which hosts and domains are its, and how to read its documented replies."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

Phrases = tuple[tuple[str, tuple[str, ...]], ...]
"""(reason, the lower-case phrases of a provider's documented replies that name it), in order."""


@dataclass(frozen=True)
class Provider:
    """One provider's recognition rules and reply table."""

    name: str
    hosts: re.Pattern[str]  # remote MTA host names (lower case)
    domains: re.Pattern[str]  # recipient domains (lower case)
    reason: Callable[[str, str], str]  # (lower-cased diagnostic, status) -> reason or ''

    def serves(self, remote: str, domain: str) -> bool:
        """Is the remote MTA or the recipient's domain this provider's?"""
        return bool((remote and self.hosts.search(remote)) or (domain and self.domains.search(domain)))


def phrase_reason(messages: Phrases) -> Callable[[str, str], str]:
    """A `Provider.reason` reading a table of phrases: the first reason one of whose phrases the
    lower-cased diagnostic contains, or ''."""

    def reason(diagnostic: str, status: str) -> str:
        return next((name for name, phrases in messages if any(p in diagnostic for p in phrases)), "")

    return reason
