"""Why a recipient bounced, in sisimai's vocabulary, from the RFC 3463 status and the diagnostic text.

Hard means the address itself is bad (user or host unknown): sending to it again cannot work.
Everything else (full mailbox, spam filter, policy, delay) may succeed later.
"""

from __future__ import annotations

import re

HARD_REASONS = frozenset({"userunknown", "hostunknown", "hasmoved", "notaccept"})

# Order matters: the first pattern that matches the diagnostic wins.
TEXT_RULES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (reason, re.compile(pattern, re.IGNORECASE))
    for reason, pattern in (
        (
            "mailboxfull",
            r"mailbox (is )?full|over ?quota|quota exceeded|exceeded (the )?(storage|quota)|"
            r"insufficient (disk )?(space|storage)|mailbox size limit|too much mail|disk full|user is over|space",
        ),
        (
            "spamdetected",
            r"spam|junk mail|blocked by (content|message) filter|message (content )?rejected|"
            r"looks like unsolicited|bulk mail|suspicious content",
        ),
        ("virusdetected", r"virus|malware|infected"),
        ("mesgtoobig", r"message (is )?too (big|large)|size exceeds|exceeds (the )?(maximum|size)|message size"),
        (
            "hostunknown",
            r"host (or domain name )?not found|unknown host|domain (does )?not exist|no such domain|"
            r"unrouteable (mail )?domain|name or service not known|domain not found|no mx|"
            r"host unknown|nxdomain|unroutable|domain.*(isn'?t|is not|does not) (exist|accept)",
        ),
        (
            "userunknown",
            r"user ?(name )?unknown|unknown (user|recipient|mailbox|address|local.?part)|"
            r"no such (user|mailbox|recipient|address|account)|(user|mailbox|recipient|address|account) "
            r"(does not|doesn'?t|did not) exist|invalid (recipient|mailbox|address|user)|not (a )?valid (recipient|"
            r"mailbox|user)|recipient (address )?rejected|mailbox (not found|unavailable|is disabled|disabled)|"
            r"account (has been )?(disabled|deactivated)|addressee unknown|no mailbox|user not found|"
            r"not listed in|unknown or illegal alias|mailbox not present|no account|does not have an account|"
            r"undeliverable address|address (is )?(invalid|rejected)|could not be found|bad destination mailbox|"
            r"not our customer|unknown address|doesn'?t have a .* account|user doesn'?t|not exist",
        ),
        ("suspend", r"suspend|inactive|disabled|deactivated|locked|expired account"),
        (
            "norelaying",
            r"relay(ing)? (access )?(denied|not permitted|not allowed)|not permitted to relay|"
            r"unable to relay|we do not relay",
        ),
        (
            "blocked",
            r"blacklist|blocklist|block(ed)? (using|by)|listed (at|in|on)|rbl|dnsbl|spamhaus|"
            r"client host .* (blocked|rejected)|ip .* (blocked|reputation)|access denied|connection refused|"
            r"poor reputation|reverse dns|ptr record|not authorized to send",
        ),
        ("securityerror", r"authentication (required|failed)|spf|dkim|dmarc|tls required|starttls"),
        ("policyviolation", r"policy|not allowed|prohibited|content (rejected|violation)"),
        (
            "expired",
            r"delivery time expired|retry time(out)? exceeded|message expired|too old|"
            r"could not be delivered (for|within)|giving up|timed? ?out|delayed|will retry|still trying|"
            r"has not (yet )?been delivered|deferred",
        ),
        (
            "networkerror",
            r"network|connection (timed out|reset|lost)|loop(s)? (back|detected)|too many hops|"
            r"mail loop",
        ),
        ("systemerror", r"system error|internal error|temporary failure|server error|local error"),
        ("rejected", r"rejected|refused|denied|not accept"),
        ("toomanyconn", r"too many (connections|concurrent)"),
        ("exceedlimit", r"limit exceeded|rate limit|sending limit|too many (messages|recipients)"),
    )
)

STATUS_REASONS = {
    "5.1.1": "userunknown",
    "5.1.0": "userunknown",
    "5.1.3": "userunknown",
    "5.1.6": "hasmoved",
    "5.1.2": "hostunknown",
    "5.1.10": "userunknown",
    "4.1.2": "hostunknown",
    "5.4.4": "hostunknown",
    "5.2.2": "mailboxfull",
    "4.2.2": "mailboxfull",
    "5.2.1": "suspend",
    "5.2.3": "mesgtoobig",
    "5.3.4": "mesgtoobig",
    "5.7.1": "rejected",
    "5.7.0": "securityerror",
    "5.4.6": "networkerror",
    "4.4.7": "expired",
    "5.4.7": "expired",
    "4.4.1": "expired",
    "4.4.2": "networkerror",
    "5.4.1": "hostunknown",
    "5.3.0": "systemerror",
    "5.3.5": "systemerror",
    "4.3.0": "systemerror",
    "5.5.0": "userunknown",
    "5.2.0": "mailboxfull",
    "5.4.0": "networkerror",
    "5.7.26": "securityerror",
    "5.7.25": "blocked",
    "5.7.23": "securityerror",
    "5.7.27": "notaccept",
    "5.1.8": "rejected",
    "5.7.509": "securityerror",
}


DEFINITIVE_STATUSES = frozenset({"5.1.1", "5.1.2", "5.1.10", "5.2.2", "4.2.2", "5.1.6", "5.2.1", "5.3.4", "5.2.3"})


def classify(status: str | None, diagnostic: str, action: str) -> tuple[str, bool]:
    """(reason, hard) for one recipient: a specific status code wins, then the diagnostic text."""
    text = diagnostic or ""
    if status in DEFINITIVE_STATUSES:
        definitive = STATUS_REASONS[status]
        return definitive, definitive in HARD_REASONS and action == "failed"
    reason: str | None = None
    for name, pattern in TEXT_RULES:
        if pattern.search(text):
            reason = name
            break
    by_status = STATUS_REASONS.get(status or "")
    if by_status and (reason is None or reason in ("rejected", "systemerror", "policyviolation")):
        reason = by_status
    if reason == "rejected" and by_status is None and status and status.startswith("5.1."):
        reason = "userunknown"
    if reason is None:
        if action == "delayed" or (status or "").startswith("4."):
            reason = "expired"
        elif status and status.startswith("5.1."):
            reason = "userunknown"
        else:
            reason = "undefined"
    hard = reason in HARD_REASONS and action == "failed" and not (status or "").startswith("4.")
    return reason, hard
