"""A generator of realistic bounces: every mail-server family x reason x shape, with the answer known.

Written for Mailtrail's tests from the formats' specifications and documented behaviour (RFC 3464,
RFC 3463, RFC 6533, each MTA's bounce templates as their manuals describe them); no message here is
copied from any corpus. Shapes:

- `dsn`: a multipart/report whose text part says little: the delivery-status part carries it all;
- `prose`: the family's plain-text notification only (no report);
- `multipart`: the family's text, the delivery-status part and the returned headers together;
- `forwarded`: the family's text notification forwarded by list software, every line quoted `> `.

Recipients vary: several per bounce, a mailing list and a Cc'd colleague that did *not* bounce in the
original's headers, quoted local parts, non-ASCII local parts and IDN domains.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from tests.domain.bounces import writers
from tests.domain.bounces.family_texts import powermta_category
from tests.domain.bounces.replies import REASONS

SHAPES = ("dsn", "prose", "multipart", "forwarded")
SENDER = "alice@sender.example"
# Local parts and domains of generated recipients: plain, dotted, plus-tagged, quoted, non-ASCII, IDN.
LOCALS = ("bob", "carol.smith", "dave+invoices", "erin_o", '"frank lee"', "jos\u00e9", "m\u00fcller", "o'neil")
DOMAINS = ("example.com", "mail.example.net", "example.org", "b\u00fccher.example", "xn--bcher-kva.example")


@dataclass(frozen=True)
class Recipient:
    """One recipient of a generated bounce and what the parser must say about it."""

    address: str
    reason: str

    @property
    def domain(self) -> str:
        """The domain part."""
        return self.address.rpartition("@")[2]

    @property
    def reply(self) -> str:
        """The remote server's reply for this recipient: code, enhanced status and message."""
        code, status, message, _ = REASONS[self.reason]
        return f"{code} {status} {message.format(rcpt=self.address, domain=self.domain)}"

    @property
    def status(self) -> str:
        """The enhanced status code."""
        return REASONS[self.reason][1]

    @property
    def command(self) -> str:
        """The SMTP command the remote server refused."""
        return REASONS[self.reason][3]

    @property
    def action(self) -> str:
        """delayed for a temporary reason in a delay notice, failed otherwise."""
        return "delayed" if self.status.startswith("4.") else "failed"


@dataclass(frozen=True)
class Case:
    """One generated bounce: its family, shape, recipients, the raw message and bystanders."""

    family: str
    shape: str
    recipients: tuple[Recipient, ...]
    raw: bytes = field(repr=False)
    bystanders: tuple[str, ...] = ()  # addresses in the message that did not bounce

    @property
    def reason(self) -> str:
        """The first recipient's reason (all recipients of a case share the family and shape)."""
        return self.recipients[0].reason


def recipients(rng: random.Random, reasons: list[str], count: int) -> tuple[Recipient, ...]:
    """`count` distinct recipients with reasons drawn from `reasons`."""
    chosen: dict[str, Recipient] = {}
    while len(chosen) < count:
        local, suffix = rng.choice(LOCALS), str(len(chosen) or "")
        local = f'{local[:-1]}{suffix}"' if local.startswith('"') else f"{local}{suffix}"
        address = f"{local}@{rng.choice(DOMAINS)}"
        chosen.setdefault(address, Recipient(address, rng.choice(reasons)))
    return tuple(chosen.values())


def make(family: str, reason: str, shape: str, rng: random.Random, count: int = 1) -> Case:
    """A bounce from `family` in `shape` for `count` recipients, the first one failing for `reason`."""
    count = 1 if family in writers.ONE_REPLY else count
    temporary = REASONS[reason][1].startswith("4.")
    same_kind = [r for r, spec in REASONS.items() if spec[1].startswith("4.") == temporary]
    first = recipients(rng, [reason], 1)
    others = [p for p in recipients(rng, same_kind, count - 1) if p.address != first[0].address]
    people = first + tuple(others[: count - 1])
    bystanders = ("team@lists.sender.example", "colleague@sender.example")
    raw = writers.write(family, shape, people, bystanders, rng)
    return Case(family, shape, people, raw, bystanders)


def corpus(seed: int = 17, per_combination: int = 1) -> list[Case]:
    """Every family x reason x shape the family supports, `per_combination` times, deterministically."""
    rng = random.Random(seed)
    cases = []
    for family in writers.FAMILIES:
        for reason in writers.reasons_of(family):
            for shape in writers.shapes_of(family):
                for _ in range(per_combination):
                    cases.append(make(family, reason, shape, rng, count=rng.choice((1, 1, 2, 3))))
    return cases


# What each family's own documented semantics make of a reply (the facts its readers encode):
# qmail says "sender was rejected" for any refusal at MAIL, and Exchange Online's NDR codes name
# their own reasons (Microsoft's "Email non-delivery reports in Exchange Online").
EXCHANGE_CODES = {"5.7.1": "rejected", "5.1.10": "userunknown"}
# PowerMTA's bounce category, not the reply, names the reason (sisimai's PowerMTA module lists what
# each category means; "inactive-mailbox" is sisimai's "disabled", Mailtrail's suspend).
POWERMTA_REASONS = {
    "bad-domain": "hostunknown",
    "bad-mailbox": "userunknown",
    "inactive-mailbox": "suspend",
    "quota-issues": "mailboxfull",
    "spam-related": "spamdetected",
    "policy-related": "policyviolation",
}


def expected_reason(family: str, recipient: Recipient) -> str:
    """The reason the parser must give `recipient` in a bounce written by `family`."""
    if family == "qmail" and recipient.command == "MAIL":
        return "rejected"
    if family == "exchange" and recipient.status in EXCHANGE_CODES:
        return EXCHANGE_CODES[recipient.status]
    if family == "powermta":
        return POWERMTA_REASONS.get(powermta_category(recipient.reason), recipient.reason)
    return recipient.reason
