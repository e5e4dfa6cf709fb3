"""What the parser reads in a notice, as the format tests compare it."""

from __future__ import annotations

from domain.bounces import parse_bounce

Answer = list[tuple[str, str | None, str]]
"""(email, status code, reason) per bounced recipient, in the parser's order."""


def recipients(raw: str | bytes) -> Answer:
    """The bounced recipients the parser reads in `raw`, which must be a bounce."""
    bounce = parse_bounce(raw.encode() if isinstance(raw, str) else raw)
    assert bounce is not None
    return [(r.email, r.status_code, r.reason) for r in bounce.recipients]
