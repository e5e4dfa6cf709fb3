"""Microsoft Exchange Online (Office 365, Outlook.com, Hotmail): the enhanced codes and replies Microsoft
documents for its NDRs, and the reason each one names.

Source: Microsoft Learn, "Email non-delivery reports and SMTP errors in Exchange Online" and
"Non-delivery reports in Exchange Server" (learn.microsoft.com), as sisimai's ExchangeOnline table
lists them. `CODES` (a code alone) is shared with `domain.bounces.families.exchange`, which reads the
NDRs Exchange writes itself; `REPLIES` (a code with its documented words) decides first, since one
code covers several errors (5.7.1 is a block list, a refused sender or a relay denial by its words).
"""

from __future__ import annotations

import re
from typing import Final

from domain.bounces.codes import status_in
from domain.bounces.receivers.provider import Provider

# Codes whose reason does not depend on the words after them.
CODES: Final = (
    (re.compile(r"4\.4\.7$"), "expired"),
    (re.compile(r"4\.4\.312$"), "networkerror"),
    (re.compile(r"4\.4\.316$"), "expired"),
    (re.compile(r"4\.7\.26$"), "authfailure"),
    (re.compile(r"4\.7\.(?:[56]\d\d|8[5-9]\d)$"), "blocked"),
    (re.compile(r"5\.0\.350$"), "contenterror"),
    (re.compile(r"5\.1\.10$"), "userunknown"),
    (re.compile(r"5\.4\.1$"), "norelaying"),
    (re.compile(r"5\.4\.(?:6|312)$"), "networkerror"),
    (re.compile(r"5\.4\.316$"), "expired"),
    (re.compile(r"5\.6\.11$"), "contenterror"),
    (re.compile(r"5\.7\.(?:1|1[23]|124|13[3-6]|511)$"), "rejected"),
    (re.compile(r"5\.7\.23$"), "authfailure"),  # SPF validation failed (sisimai 5; 4.x: blocked)
    (re.compile(r"5\.7\.25$"), "networkerror"),
    (re.compile(r"5\.7\.50[1-3]$"), "spamdetected"),
    (re.compile(r"5\.7\.50[45]$"), "filtered"),
    (re.compile(r"5\.7\.50[67]$"), "blocked"),
    (re.compile(r"5\.7\.508$"), "toomanyconn"),
    (re.compile(r"5\.7\.509$"), "authfailure"),
    (re.compile(r"5\.7\.510$"), "notaccept"),
    (re.compile(r"5\.7\.512$"), "policyviolation"),
    (re.compile(r"5\.7\.57$"), "securityerror"),
    (re.compile(r"5\.7\.(?:60[6-9]|6[1-4]\d)$"), "blocked"),
    (re.compile(r"5\.7\.7[0-4]\d$"), "toomanyconn"),
)
# (codes, words of the documented reply, reason): the words decide within a code.
REPLIES: tuple[tuple[str, str, str], ...] = (
    (r"4\.4\.2", "connection dropped", "blocked"),
    (r"5\.7\.513", "using customer block list", "blocked"),
    (r"5\.5\.4", "invalid domain name", "blocked"),
    (r"5\.7\.51", "restrictdomainstoipaddresses or restrictdomainstocertificate", "blocked"),
    (r"5\.7\.1", "part of their network is on our block list", "blocked"),
    # sisimai 5 (Sisimai::Rhost::Microsoft) files DANE, DNSSEC and certificate failures, an SPF
    # violation and a DMARC failure under authfailure (4.x: blocked); an IP reputation limit under
    # badreputation; rate limits under speeding (4.x: toomanyconn); and a few code ranges by the
    # words Microsoft documents for them, which here decide before the code alone (`CODES`).
    (r"[45]\.7\.323", "tlsa-invalid: the domain failed dane validation", "authfailure"),
    (r"[45]\.7\.324", "dnssec-invalid: destination domain returned invalid dnssec records", "authfailure"),
    (r"[45]\.7\.325", "certificate-host-mismatch", "authfailure"),
    (r"5\.7\.322", "certificate-expired: destination mail server's certificate is expired", "authfailure"),
    (r"5\.7\.23", "the message was rejected because of sender policy framework violation", "authfailure"),
    (r"4\.7\.26", "must pass either spf or dkim validation", "authfailure"),
    (r"4\.7\.650", "has been temporarily rate limited due to ip reputation", "badreputation"),
    (r"5\.7\.25", "must have a reverse dns record", "blocked"),
    (r"5\.7\.510", "does not accept email over ipv6", "blocked"),
    (r"5\.7\.511", "access denied, banned sender", "blocked"),
    (r"4\.4\.316", "connection refused", "networkerror"),
    (r"5\.0\.350", "x-dg-ref header is too long", "policyviolation"),
    (r"5\.0\.350", "policy violation detected (as345)", "policyviolation"),
    (r"5\.7\.50[1-3]", "access denied, spam abuse detected", "rejected"),
    (r"5\.7\.50[1-3]", "access denied, banned sender", "rejected"),
    (r"5\.7\.512", "message must be rfc 5322 section 3.6.2 compliant", "rejected"),
    (r"[45]\.4\.317", "starttls is required to send mail", "securityerror"),
    (r"4\.3\.2", "storedrv.deliver; recipient thread limit exceeded", "speeding"),
    (r"5\.1\.90", "you've reached your daily limit for message recipients", "speeding"),
    (r"5\.2\.2", "submission quota exceeded", "speeding"),
    (r"5\.2\.121", "message receive limit from specific sender exceeded", "speeding"),
    (r"5\.2\.122", "recipient's per hour message receive limit exceeded", "speeding"),
    (r"5\.7\.508", "has exceeded permitted limits within", "speeding"),
    (r"5\.7\.7[0-4]\d", "access denied, tenant has exceeded threshold", "speeding"),
    (r"5\.7\.7[0-4]\d", "access denied, traffic not accepted from this ip", "speeding"),
    (r"5\.7\.504", "recipient address rejected: access denied", "suspend"),
    (r"5\.7\.505", "access denied, banned recipient", "suspend"),
    (r"[45]\.4\.318", "(suspiciousremoteservererror)", "systemerror"),
    (r"4\.7\.500", "server busy. please try again later from ", "systemerror"),
    (r"5\.3\.0", "too many related errors", "contenterror"),
    (r"5\.4\.11", "agent generated message depth exceeded", "contenterror"),
    (r"5\.5\.6", "invalid message content", "contenterror"),
    (r"5\.2\.3", "resolver.rst.recipsizelimit; message too large for this recipient", "exceedlimit"),
    (r"4\.4\.1", "connection timed out", "expired"),
    (r"4\.4\.7", "message delayed", "expired"),
    (r"4\.4\.7", "message expired", "expired"),
    (r"5\.4\.300", "message expired", "expired"),
    (r"5\.2\.2", "mailbox full", "mailboxfull"),
    (r"5\.3\.4", "message size exceeds fixed maximum message size", "mesgtoobig"),
    (r"5\.3\.4", "message too big for system", "mesgtoobig"),
    (r"5\.4\.4", "smtpsend.dns.nonexistentdomain; nonexistent domain", "networkerror"),
    (r"5\.4\.4", "invalid arguments", "networkerror"),
    (r"5\.4\.6", "hop count exceeded - possible mail loop", "networkerror"),
    (r"5\.4\.(?:6|14)", "routing loop detected", "networkerror"),
    (r"5\.7\.1", "unable to relay", "norelaying"),
    (r"5\.4\.1", "relay access denied", "norelaying"),
    (r"5\.7\.64", "tenantattribution; relay access denied", "norelaying"),
    (r"5\.4\.310", "does not exist", "norelaying"),
    (r"4\.3\.2", "system not accepting network messages", "notaccept"),
    (r"5\.3\.2", "storedrv.deliver: missing or bad storedriver mdb properties", "notaccept"),
    (r"5\.7\.9\d\d", "delivery not authorized, message refused", "policyviolation"),
    (r"5\.1\.7", "invalid address", "rejected"),
    (r"5\.1\.7", "unknown sender address", "rejected"),
    (r"5\.1\.0", "sender denied", "rejected"),
    (r"5\.1\.8", "access denied, bad outbound sender", "rejected"),
    (r"5\.7\.1", "delivery not authorized", "rejected"),
    (r"5\.7\.750", "client blocked from sending from unregistered domains", "rejected"),
    (r"5\.7\.3", "cannot achieve exchange server authentication", "securityerror"),
    (r"5\.7\.3", "not authorized", "securityerror"),
    (r"[45]\.7\.321", "starttls-not-supported: destination mail server must support tls", "securityerror"),
    (r"5\.7\.1", "client was not authenticated", "securityerror"),
    (r"5\.2\.1", "content filter agent quarantined this message", "spamdetected"),
    (r"5\.2\.1", "mailbox cannot be accessed", "suspend"),
    (r"5\.3\.3", "unrecognized command", "syntaxerror"),
    (r"5\.5\.2", "send hello first", "syntaxerror"),
    (r"4\.3\.2", "service not available", "systemerror"),
    (r"4\.3\.2", "service not active", "systemerror"),
    (r"5\.3\.5", "system incorrectly configured", "systemerror"),
    (r"5\.3\.190", "journaling on-premises messages to microsoft 365", "systemerror"),
    (r"5\.0\.0", "helo / ehlo requires domain address", "systemerror"),
    (r"5\.1\.4", "destination mailbox address ambiguous", "systemerror"),
    (r"5\.2\.4", "mailing list expansion problem", "systemerror"),
    (r"5\.2\.14", "misconfigured forwarding address", "systemerror"),
    (r"4\.4\.3", "temporary server error. please try again later attr18", "systemerror"),
    (r"4\.7\.0", "temporary server error. please try again later. prx4 nexthop:", "systemerror"),
    (r"4\.4\.2[458]", "message failed to be replicated", "systemerror"),
    (r"4\.7\.700", "pfa agent busy, please try again.", "systemerror"),
    (r"4\.3\.1", "insufficient system resources", "systemfull"),
    (r"[45]\.5\.3", "too many recipients", "toomanyconn"),
    (r"5\.2\.122", "the recipient has exceeded their limit for", "toomanyconn"),
    (r"5\.1\.1", "resolver.adr.exrecipnotfound; not found", "userunknown"),
    (r"5\.1\.1", "user unknown", "userunknown"),
    (r"5\.1\.1", "bad destination mailbox address", "userunknown"),
    (r"5\.1\.3", "storedrv.submit; invalid recipient address", "userunknown"),
    (r"5\.1\.[45]", "recipient address reserved by rfc 2606", "userunknown"),
    (r"5\.1\.6", "recipient addresses in single label domains not accepted", "userunknown"),
    (r"5\.4\.1", "recipient address rejected: access denied", "userunknown"),
    (r"5\.5\.0", "requested action not taken: mailbox unavailable", "userunknown"),
    (r"5\.1\.2", "invalid x.400 address", "userunknown"),
)
_REPLIES: Final = [(re.compile(codes + "$"), words, name) for codes, words, name in REPLIES]


def reason_of(code: str, diagnostic: str, *, standard_codes: bool = True) -> str:
    """The reason Microsoft's documentation gives a code and its (lower-cased) reply, or ''.

    Without `standard_codes`, a code alone decides only when it is one of Microsoft's own (a last
    number of 10 or more: 5.7.606, 5.1.10); RFC 3463's own (5.7.1, 5.4.1) then need their words."""
    if not code:
        return ""
    for codes, words, name in _REPLIES:
        if words in diagnostic and codes.match(code):
            return name
    if not standard_codes and len(code.rpartition(".")[2]) < 2:
        return ""
    return next((name for codes, name in CODES if codes.match(code)), "")


def reason(diagnostic: str, status: str) -> str:
    """The reason for a reply from Microsoft's servers (reported by another MTA): the code it replied,
    else the report's."""
    return reason_of(status_in(diagnostic) or status, diagnostic, standard_codes=False)


PROVIDER: Provider = Provider(
    "exchangeonline",
    hosts=re.compile(r"\.(?:prod|protection)\.outlook\.com$|(?:^|\.)(?:outlook|hotmail)\.com$"),
    domains=re.compile(r"^(?:outlook|hotmail|live|msn)\.com$"),
    reason=reason,
)
