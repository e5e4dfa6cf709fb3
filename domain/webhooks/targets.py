"""Where webhooks may be sent: the URL rules and the SSRF guard.

In production a target must be HTTPS and must not be private, loopback, link-local or any other
non-global address, so a tenant cannot make Mailtrail call into its own network. The check runs
when the endpoint is saved and again before every attempt, on the addresses DNS returns then
(a name can be re-pointed after it was accepted), and the request goes to the address that was
checked, not to a second lookup.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from domain.errors import DomainError, ErrorCode

MAX_URL_LENGTH = 2000
LOCAL_NAMES = ("localhost", "localhost.localdomain")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class TargetPolicy:
    require_https: bool
    allow_private: bool


@dataclass(frozen=True)
class Target:
    """A checked URL, split into what a connection needs."""

    url: str
    scheme: str
    host: str
    port: int
    path: str
    """Path and query, as sent in the request line."""


class TargetRefused(Exception):
    """An address DNS gave for a target is not allowed (checked at delivery time)."""


def parse_target(url: str, policy: TargetPolicy) -> Target:
    """The target of `url`, or DomainError(URL_NOT_ALLOWED / INVALID_INPUT) saying why not."""
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH or any(ch in url for ch in "\r\n\t \x00"):
        raise DomainError(ErrorCode.INVALID_INPUT, "url must be an absolute http(s) URL without spaces", "url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise DomainError(ErrorCode.INVALID_INPUT, "url is not a valid URL", "url") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise DomainError(ErrorCode.INVALID_INPUT, "url must be an absolute http(s) URL", "url")
    if parts.username is not None or parts.password is not None:
        raise DomainError(ErrorCode.INVALID_INPUT, "url must not carry credentials", "url")
    if parts.fragment:
        raise DomainError(ErrorCode.INVALID_INPUT, "url must not have a fragment", "url")
    if policy.require_https and scheme != "https":
        raise DomainError(ErrorCode.URL_NOT_ALLOWED, "webhook URLs must use https", "url")
    host = parts.hostname.lower().rstrip(".")
    if not policy.allow_private:
        literal = ip_literal(host)
        if (literal is not None and not is_public(literal)) or host in LOCAL_NAMES or host.endswith(".localhost"):
            raise DomainError(ErrorCode.URL_NOT_ALLOWED, "webhook URLs must not point to a private address", "url")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(url=url, scheme=scheme, host=host, port=port or (443 if scheme == "https" else 80), path=path)


def ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def is_public(address: IPAddress) -> bool:
    """A globally routable unicast address (IPv4 inside IPv6 is judged as the IPv4 it carries)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return is_public(embedded)
    return address.is_global and not address.is_multicast


def allowed_addresses(host: str, addresses: list[str], policy: TargetPolicy) -> list[str]:
    """The resolved addresses a request may go to; TargetRefused if any of them is private."""
    if not addresses:
        raise TargetRefused(f"{host} did not resolve to any address")
    if policy.allow_private:
        return addresses
    refused = [a for a in addresses if not is_public(ipaddress.ip_address(a))]
    if refused:
        raise TargetRefused(f"{host} resolves to a non-public address ({', '.join(refused)}); refused")
    return addresses
