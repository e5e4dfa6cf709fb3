"""Why a recipient bounced, in sisimai's vocabulary, from the RFC 3463 status and the diagnostic text.

The decision follows sisimai's order: reasons a status code or a distinctive message decides
first (mailbox full, suspended, user unknown at RCPT, ...), then the wording of the diagnostic,
then what the status code alone says, and finally `onhold` (there is a diagnostic but it says
nothing specific) or `undefined`.

Hard means the address itself is bad (user or host unknown): sending to it again cannot work.
Everything else (full mailbox, spam filter, policy, delay) may succeed later.
"""

from __future__ import annotations

import re

HARD_REASONS = frozenset({"userunknown", "hostunknown", "hasmoved", "notaccept"})


def _rx(*patterns: str) -> re.Pattern[str]:
    """One pattern for lower-cased text (matching without IGNORECASE is markedly faster)."""
    return re.compile("|".join(patterns))


# The enhanced status code alone (RFC 3463 and its registry), as sisimai names them.
STATUS_REASONS = {
    "4.1.6": "hasmoved",
    "4.1.7": "rejected",
    "4.1.8": "rejected",
    "4.1.9": "systemerror",
    "4.2.1": "blocked",
    "4.2.2": "mailboxfull",
    "4.2.3": "exceedlimit",
    "4.2.4": "filtered",
    "4.3.1": "systemfull",
    "4.3.2": "notaccept",
    "4.3.3": "systemerror",
    "4.3.5": "systemerror",
    "4.4.1": "expired",
    "4.4.2": "networkerror",
    "4.4.3": "systemerror",
    "4.4.4": "networkerror",
    "4.4.5": "systemfull",
    "4.4.6": "networkerror",
    "4.4.7": "expired",
    "4.4.8": "networkerror",
    "4.5.3": "systemerror",
    "4.5.5": "systemerror",
    "4.6.0": "contenterror",
    "4.6.2": "contenterror",
    "4.6.5": "contenterror",
    "4.7.1": "blocked",
    "4.7.2": "blocked",
    "4.7.5": "securityerror",
    "4.7.6": "securityerror",
    "4.7.7": "securityerror",
    "4.7.12": "securityerror",
    "4.7.15": "securityerror",
    "4.7.16": "mesgtoobig",
    "4.7.24": "authfailure",
    "4.7.25": "requireptr",
    "4.7.26": "authfailure",
    "5.1.0": "userunknown",
    "5.1.1": "userunknown",
    "5.1.2": "hostunknown",
    "5.1.3": "userunknown",
    "5.1.4": "filtered",
    "5.1.6": "hasmoved",
    "5.1.7": "rejected",
    "5.1.8": "rejected",
    "5.1.9": "systemerror",
    "5.1.10": "userunknown",
    "5.2.0": "filtered",
    "5.2.1": "filtered",
    "5.2.2": "mailboxfull",
    "5.2.3": "exceedlimit",
    "5.2.4": "filtered",
    "5.3.0": "systemerror",
    "5.3.1": "systemfull",
    "5.3.2": "notaccept",
    "5.3.3": "systemerror",
    "5.3.4": "mesgtoobig",
    "5.3.5": "systemerror",
    "5.4.0": "networkerror",
    "5.4.3": "systemerror",
    "5.4.4": "hostunknown",
    "5.5.2": "syntaxerror",
    "5.5.3": "toomanyconn",
    "5.5.4": "systemerror",
    "5.5.5": "systemerror",
    "5.5.6": "syntaxerror",
    "5.6.0": "contenterror",
    "5.6.1": "contenterror",
    "5.6.2": "contenterror",
    "5.6.3": "contenterror",
    "5.6.5": "contenterror",
    "5.6.6": "contenterror",
    "5.6.7": "contenterror",
    "5.6.8": "contenterror",
    "5.6.9": "contenterror",
    "5.7.0": "securityerror",
    "5.7.1": "securityerror",
    "5.7.2": "securityerror",
    "5.7.3": "securityerror",
    "5.7.4": "securityerror",
    "5.7.5": "securityerror",
    "5.7.6": "securityerror",
    "5.7.7": "securityerror",
    "5.7.8": "securityerror",
    "5.7.9": "securityerror",
    "5.7.10": "securityerror",
    "5.7.11": "securityerror",
    "5.7.13": "suspend",
    "5.7.14": "securityerror",
    "5.7.15": "securityerror",
    "5.7.16": "mesgtoobig",
    "5.7.17": "hasmoved",
    "5.7.18": "hasmoved",
    "5.7.19": "securityerror",
    "5.7.20": "authfailure",
    "5.7.21": "authfailure",
    "5.7.22": "authfailure",
    "5.7.23": "authfailure",
    "5.7.24": "authfailure",
    "5.7.25": "requireptr",
    "5.7.26": "authfailure",
    "5.7.27": "notaccept",
    "5.7.28": "spamdetected",
    "5.7.29": "authfailure",
    "5.7.30": "securityerror",
}
# Reasons a status code gives that the diagnostic text may still refine (sisimai's "should be retried").
VAGUE = frozenset({"", "undefined", "onhold", "systemerror", "securityerror", "expired", "networkerror"})

TEXT = {
    "mailboxfull": _rx(
        r"mailbox (is |was )?full|full mailbox|mailbox size limit|over ?quota|quota (was |is |has been )?exceeded",
        r"exceeded (the )?(storage|quota)|disk quota|452 insufficient disk space|mailfolder is full",
        r"mailbox .{0,40}exceeded .{0,40}limit|number of messages in recipient'?s mailbox exceeded",
        r"not (enough|sufficient) (disk )?space|no space left|quota violation|too much mail data",
        r"user has exceeded quota|mailbox .{0,30}quota|boite du destinataire pleine|space has been used up",
    ),
    "mesgtoobig": _rx(
        r"message (is |was )?too (big|large)|message size exceeds|size (limit )?exceeded|exceeds (the )?(maximum|max)"
        r" (message )?size|message length exceeds .{0,20}(system|size)|mail size limit",
    ),
    "exceedlimit": _rx(r"message length exceeds administrative limit|exceeds? .{0,20}administrative limit"),
    "suspend": _rx(
        r"suspend|mailbox (is )?(frozen|inactive|disabled)|account (has been |is )?(disabled|deactivated|inactive|"
        r"expired|locked|frozen)|disabled or discontinued|not active|temporarily (disabled|inactive)",
        r"is deactivated|has been disabled|account expired",
    ),
    "hasmoved": _rx(r"has been replaced by|address has moved|no longer (at|with) this"),
    "norelaying": _rx(
        r"relay(ing)? (access )?(denied|not permitted|not allowed|prohibited)|not permitted to relay|unable to relay|"
        r"we do not relay|not (a )?local (host|domain)|relay not permitted|no relaying|relaying denied",
    ),
    "authfailure": _rx(
        r"\bspf\b|dkim|dmarc|sender policy framework|domainkeys|authentication (results|check)",
    ),
    "userunknown": _rx(
        r"user ?(name )?unknown|unknown (user|recipient|mailbox|address|local.?part|e-?mail address)",
        r"no such (user|mailbox|recipient|address|account|person)|(user|mailbox|recipient|address|account) "
        r"(does not|doesn'?t|did not|not) exist|invalid (recipient|mailbox|address|user)|not (a )?valid "
        r"(recipient|mailbox|user)|mailbox (not found|unavailable|is unavailable|invalid|not present)",
        r"addressee unknown|no mailbox|user not found|recipient not found|not listed in|unknown or illegal alias",
        r"does not have an account|address (is )?invalid|bad destination mailbox|not our customer",
        r"doesn'?t have a .{1,30} account|email account that you tried to reach does not exist|"
        r"recipient (is )?not (local|accepted)|recipientnotfound|is not a known user|there is no one at this address",
        r"no account by that name|mailbox does not exist|address (does not|doesn'?t) exist|invalid user address|"
        r"recipient (address )?rejected: (invalid|unknown|user ?unknown|access denied)|"
        r"user .{1,60} (does not exist|was not found)|#?5\.1\.0 address rejected",
    ),
    "filtered": _rx(
        r"message filtered|user reject|refuses? to receive|not accepting any mail|rejected due to user rules|"
        r"blocked by the recipient|only accepting mail from|recipient preferences",
    ),
    "requireptr": _rx(
        r"reverse dns|\bptr\b|ip name lookup failed|no ptr|reverse (lookup|hostname)|"
        r"cannot find your hostname|client host .{0,40}(unknown|lookup)|hostname .{0,20}(not|doesn'?t) resolve",
    ),
    "notcompliantrfc": _rx(
        r"multiple .{0,30}addresses in from:? header|not (rfc|rfc ?5322|rfc ?2822)[- ]compliant|"
        r"duplicate (header|message-id)|header .{0,20}(missing|malformed)",
    ),
    "badreputation": _rx(r"reputation|unexpected volume or user complaints|sender score"),
    "contenterror": _rx(r"headers? too (large|long)|(invalid|illegal|malformed) (header|content|mime)"),
    "rejected": _rx(
        r"sender (address |email address |domain )?(rejected|was rejected|is blacklisted|verify failed)",
        r"domain of sender address|unroutable sender|invalid sender|bogus mail from|is not a registered gateway user",
        r"not a member of|not allowed to post|sender is (in my black list|spammer)|null sender is not allowed",
        r"empty envelope senders?|sender not pre-approved|mail from not owned|administrative prohibition",
        r"returned mail not accepted|this server does not accept mail from|address has been blacklisted",
    ),
    "hostunknown": _rx(
        r"host (or domain name )?not found|unknown host|host unknown|domain (does )?not exist|no such domain",
        r"unrouteable (mail )?domain|unroutable (mail )?domain|name or service not known|domain not found|"
        r"domain name not found|nxdomain|no mx|mx .{0,20}not found|recipient domain .{0,20}(invalid|not exist)|"
        r"domain .{1,60} (is not|isn'?t) (valid|registered)|\b\d{3}\s+[a-z0-9-]+(\.[a-z0-9-]+)+\s+does not exist",
    ),
    "spamdetected": _rx(
        r"spam (detected|content|message|score|filter|rejected)|probable spam|likely spam|classified as spam",
        r"considered (as )?(spam|unsolicited)|looks like (spam|unsolicited)|junk mail|message content rejected",
        r"content .{0,20}spam|identified as spam|detected as spam|bulk mail|unsolicited|rejete|scored as spam|"
        r"reject.{0,20}\bspam\b",
    ),
    "speeding": _rx(r"rate limit|too fast|sending rate|throttl|exceeded .{0,20}(rate|messages per)"),
    "toomanyconn": _rx(r"too many (connections|concurrent|recipients|sessions)|connection (limit|rate)"),
    "blocked": _rx(
        r"blacklist|blocklist|block(ed)? (using|by|for)|listed (at|in|on)|\brbl\b|dnsbl|spamhaus|spamcop|"
        r"client host .{0,60}(blocked|rejected|refused)|\bip\b.{0,40}(blocked|bloquee|refused)|"
        r"connection refused|access denied|service refuse|name was rejected|invalid domain name|not authorized to send",
        r"your (ip|host|server) .{0,40}(blocked|banned|not allowed)|host .{0,40}blocked|poor reputation",
    ),
    "virusdetected": _rx(r"virus|malware|infected|trojan"),
    "policyviolation": _rx(r"policy violation|local policy|header error|violates? .{0,20}policy|policy reasons"),
    "systemerror": _rx(
        r"system error|internal (system |server )?error|server error|local error|service (currently )?unavailable",
        r"transaction failed|unable to contact ldap|configuration error|directory server",
    ),
    "networkerror": _rx(
        r"network error|connection (reset|lost)|lookup fail|name server|no relevant answers|host name lookup|"
        r"loop(s)? (back|detected)|too many hops|mail loop|routing loop",
    ),
    "systemfull": _rx(r"mail system full|system (is )?full|disk (is )?full|out of (disk|storage)"),
    "notaccept": _rx(r"does not accept (e-?)?mail|doesn'?t receive email|null mx|not accepting (e-?)?mail"),
    "expired": _rx(
        r"delivery time expired|retry time(out)? exceeded|message expired|too old|in the queue too long|"
        r"could not be delivered (for|within)|giving up|timed? ?out|did not accept our requests to connect",
        r"has not (yet )?been delivered|deferred|will retry|still trying",
    ),
    "securityerror": _rx(
        r"authentication (required|failed)|tls required|starttls|unauthenticated|encryption required|"
        r"certificate|must (authenticate|use tls)",
    ),
    "mailererror": _rx(r"mailer error|pipe to \||x-unix|command (died|failed)|exit (code|status)|local delivery"),
}

# Reasons a status code or a distinctive message settles first, in sisimai's order.
FIRST = (
    "mailboxfull",
    "mesgtoobig",
    "exceedlimit",
    "suspend",
    "hasmoved",
    "norelaying",
    "authfailure",
    "userunknown",
    "filtered",
    "requireptr",
    "notcompliantrfc",
    "badreputation",
    "contenterror",
    "rejected",
    "hostunknown",
    "spamdetected",
    "speeding",
    "toomanyconn",
    "blocked",
)
# When the status code says little: the wording of the diagnostic, in this order.
SECOND = (
    "mailboxfull",
    "authfailure",
    "badreputation",
    "speeding",
    "spamdetected",
    "virusdetected",
    "policyviolation",
    "norelaying",
    "systemerror",
    "networkerror",
    "suspend",
    "contenterror",
    "systemfull",
    "notaccept",
    "expired",
    "securityerror",
    "mailererror",
)

COMMAND = re.compile(
    r"(?:after|in reply to|>>>|while (?:sending|talking)[^:]*:)\s*(?:end of )?"
    r"(rcpt|mail from|mail|data|helo|ehlo|initial connection|connect|starttls|auth)|\[(rcpt)_to\]|rcpt to:",
    re.IGNORECASE,
)
ENHANCED = re.compile(r"(?<![\d.])([245])\.\d{1,3}\.\d{1,3}(?![\d.])")


def _command(text: str) -> str:
    """The SMTP command the remote server rejected, from the diagnostic's wording."""
    match = COMMAND.search(text)
    if match is None:
        return ""
    word = (match.group(1) or match.group(2) or "rcpt").lower()
    if word.startswith("mail"):
        return "MAIL"
    if word in ("initial connection", "connect"):
        return "CONN"
    return word.upper()


def _probe(reason: str, name: str, hits: frozenset[str], command: str, temporary: bool) -> bool:
    """sisimai's first pass: does the status code or a distinctive message settle on `reason`?"""
    if reason == "userunknown":
        if name == "userunknown":
            others = ("mailboxfull", "suspend", "hasmoved", "rejected", "blocked", "requireptr", "authfailure")
            return not any(other in hits for other in others)
        return command in ("RCPT", "") and "userunknown" in hits
    if reason == "filtered":
        wording = "filtered" in hits or "userunknown" in hits
        return wording and ((name == "filtered" and command != "RCPT") or command == "DATA")
    if reason == "rejected":
        if name == "rejected":
            return True
        if command == "MAIL" or (command == "DATA" and name != "userunknown") or name in VAGUE:
            return "rejected" in hits
        return False
    if reason == "hostunknown":
        return name == "hostunknown" or ("hostunknown" in hits and not temporary)
    return name == reason or reason in hits


def classify(status: str | None, diagnostic: str, action: str) -> tuple[str, bool]:
    """(reason, hard) for one recipient, from its status code, diagnostic text and action."""
    code = status or ""
    if code.startswith("2."):
        return "delivered", False
    text = diagnostic or ""
    specific = ENHANCED.search(text)
    if specific and (not code or code.endswith(".0.0")) and specific.group(1) == (code[:1] or specific.group(1)):
        code = specific.group(0)
    name = STATUS_REASONS.get(code, "")
    temporary = code.startswith("4.") or action == "delayed"
    command = _command(text)
    lowered = text.lower()
    hits = frozenset(r for r, pattern in TEXT.items() if pattern.search(lowered)) if text else frozenset()
    reason = next((r for r in FIRST if _probe(r, name, hits, command, temporary)), "")
    if not reason:
        reason = _another(name, hits, code, command, action, text)
    if reason == "hostunknown" and temporary:
        reason = "networkerror"
    hard = reason in HARD_REASONS and action == "failed" and not temporary
    return reason, hard


def _another(name: str, hits: frozenset[str], code: str, command: str, action: str, text: str) -> str:
    """sisimai's fall-back: the wording, then the status code, then what little is left."""
    if name in VAGUE:
        for reason in SECOND:
            if reason in hits:
                return reason
        if name:
            return name
        if code[:3] in ("5.6", "4.6"):
            return "contenterror"
        if code[:3] in ("5.7", "4.7"):
            return "securityerror"
        if action == "delayed":
            return "expired"
        if command in ("HELO", "EHLO", "CONN"):
            return "blocked"
        if code.startswith("5.1."):
            return "userunknown"
        return "onhold" if text.strip() else "undefined"
    return name
