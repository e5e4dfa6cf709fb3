"""Bounce (DSN) detection, parsing and classification: `parse_bounce(raw) -> Bounce | None`."""

from domain.bounces import native

BUILD = native.choose()  # before any other module of the package is imported: see domain.bounces.native

from domain.bounces.classify import Verdict, classify  # noqa: E402
from domain.bounces.model import Bounce, BouncedRecipient, Permanence, Scope  # noqa: E402
from domain.bounces.parse import parse_bounce  # noqa: E402

__all__ = ["Bounce", "BouncedRecipient", "Permanence", "Scope", "Verdict", "classify", "parse_bounce"]
