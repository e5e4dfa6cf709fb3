"""Bounce (DSN) detection, parsing and classification: `parse_bounce(raw) -> Bounce | None`."""

from domain.bounces.classify import Verdict, classify
from domain.bounces.model import Bounce, BouncedRecipient, Permanence, Scope
from domain.bounces.parse import parse_bounce

__all__ = ["Bounce", "BouncedRecipient", "Permanence", "Scope", "Verdict", "classify", "parse_bounce"]
