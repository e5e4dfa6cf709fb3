"""A receiving provider: which hosts and domains are its, and how to read its documented replies."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass


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
