"""How each mail-server family words a bounce, written from its documented templates for the generator.

Each writer returns (header fields, notification text) for a list of recipients; `delayed` asks for
the family's delay warning. Replies and refused commands come from `generator.REASONS` via the
recipients. Every text here was written for these tests.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Protocol

HOST = "mx.sender.example"
DATE = "Tue, 02 Jan 2024 10:00:00 +0000"


class Person(Protocol):
    """What a writer needs of a generated recipient."""

    address: str
    reason: str

    @property
    def domain(self) -> str: ...
    @property
    def reply(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def command(self) -> str: ...


Writer = Callable[[Sequence[Person], bool], tuple[dict[str, str], str]]
POSTFIX_IN_REPLY = {"RCPT": "RCPT TO", "DATA": "end of DATA", "MAIL": "MAIL FROM"}


def postfix(people: Sequence[Person], delayed: bool) -> tuple[dict[str, str], str]:
    """Postfix bounce(5) templates."""
    subject = "Delayed Mail (still being retried)" if delayed else "Undelivered Mail Returned to Sender"
    lines = [f"This is the mail system at host {HOST}.", ""]
    if delayed:
        lines += ["#" * 68, "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #", "#" * 68, ""]
        lines += [
            "Your message could not be delivered for more than 4 hour(s).",
            "It will be retried until it is 5 day(s) old.",
            "",
        ]
    else:
        lines += [
            "I'm sorry to have to inform you that your message could not",
            "be delivered to one or more recipients. It's attached below.",
            "",
        ]
    lines += ["For further assistance, please send mail to postmaster.", "", " " * 19 + "The mail system", ""]
    for person in people:
        host = f"mx.{person.domain}[192.0.2.20]"
        if person.command == "CONN":
            lines.append(f"<{person.address}>: host {host} refused to talk to me: {person.reply}")
        else:
            said = f"<{person.address}>: host {host} said: {person.reply}"
            lines.append(f"{said} (in reply to {POSTFIX_IN_REPLY[person.command]} command)")
        lines.append("")
    return {"From": f"MAILER-DAEMON@{HOST} (Mail Delivery System)", "Subject": subject}, "\n".join(lines)


def sendmail(people: Sequence[Person], delayed: bool) -> tuple[dict[str, str], str]:
    """Sendmail's savemail.c layout: failed addresses, then the transcript."""
    lines = []
    if delayed:
        lines += [
            "    " + "*" * 46,
            "    **      THIS IS A WARNING MESSAGE ONLY      **",
            "    **  YOU DO NOT NEED TO RESEND YOUR MESSAGE  **",
            "    " + "*" * 46,
            "",
        ]
    lines += [f"The original message was received at {DATE}", "from localhost [127.0.0.1]", ""]
    if not delayed:
        lines.append("   ----- The following addresses had permanent fatal errors -----")
        for person in people:
            lines += [f"<{person.address}>", f"    (reason: {person.reply})"]
        lines.append("")
    lines.append("   ----- Transcript of session follows -----")
    for person in people:
        if delayed:
            lines += [
                f"<{person.address}>... Deferred: {person.reply}",
                "Warning: message still undelivered after 4 hours",
            ]
            continue
        lines.append(f"... while talking to mx.{person.domain}.:")
        sent = {
            "RCPT": f">>> RCPT To:<{person.address}>",
            "DATA": ">>> DATA",
            "MAIL": ">>> MAIL From:<alice@sender.example> SIZE=1834",
        }
        if person.command in sent:
            lines.append(sent[person.command])
        lines += [
            f"<<< {person.reply}",
            f"{person.reply.split(' ')[0]} {person.status} <{person.address}>... {person.reason}",
        ]
    if delayed:
        lines.append("Will keep trying until message is 5 days old")
    subject = (
        "Warning: could not send message for past 4 hours" if delayed else "Returned mail: see transcript for details"
    )
    return {"From": f"Mail Delivery Subsystem <MAILER-DAEMON@{HOST}>", "Subject": subject}, "\n".join(lines) + "\n"


EXIM_AFTER = {"RCPT": "RCPT TO:<{rcpt}>", "DATA": "end of data", "MAIL": "MAIL FROM:<alice@sender.example> SIZE=1834"}


def exim(people: Sequence[Person], delayed: bool) -> tuple[dict[str, str], str]:
    """Exim's deliver.c messages."""
    lines = ["This message was created automatically by mail delivery software.", ""]
    if delayed:
        lines += [
            "A message that you sent has not yet been delivered to one or more of its",
            f"recipients after more than 24 hours on the queue on {HOST}.",
            "",
            "The address to which the message has not yet been delivered is:",
            "",
        ]
    else:
        lines += [
            "A message that you sent could not be delivered to one or more of its",
            "recipients. This is a permanent error. The following address(es) failed:",
            "",
        ]
    for person in people:
        step = (
            "initial connection" if person.command == "CONN" else EXIM_AFTER[person.command].format(rcpt=person.address)
        )
        prefix = "Delay reason: " if delayed else ""
        lines += [
            f"  {person.address}",
            f"    host mx.{person.domain} [192.0.2.20]",
            f"    {prefix}SMTP error from remote mail server after {step}:",
            f"    {person.reply}",
            "",
        ]
    if delayed:
        lines += [
            "No action is required on your part. Delivery attempts will continue for",
            "some time, and this warning may be repeated at intervals if the message",
            "remains undelivered.",
            "",
        ]
    subject = (
        "Warning: message 1abcDE-000123-Fg delayed 24 hours"
        if delayed
        else "Mail delivery failed: returning message to sender"
    )
    headers = {"From": f"Mail Delivery System <Mailer-Daemon@{HOST}>", "Subject": subject}
    headers["X-Failed-Recipients"] = ", ".join(p.address for p in people)
    return headers, "\n".join(lines)


QMAIL_STEP = {
    "RCPT": "{ip} does not like recipient.",
    "DATA": "{ip} failed after I sent the message.",
    "MAIL": "Connected to {ip} but sender was rejected.",
    "CONN": "Connected to {ip} but greeting failed.",
}


def qmail(people: Sequence[Person], delayed: bool) -> tuple[dict[str, str], str]:
    """qmail-send's failure notice."""
    lines = [
        f"Hi. This is the qmail-send program at {HOST}.",
        "I'm afraid I wasn't able to deliver your message to the following addresses.",
        "This is a permanent error; I've given up. Sorry it didn't work out.",
        "",
    ]
    for person in people:
        lines += [
            f"<{person.address}>:",
            QMAIL_STEP[person.command].format(ip="192.0.2.20"),
            f"Remote host said: {person.reply}",
            "Giving up on 192.0.2.20.",
            "",
        ]
    return {"From": f"MAILER-DAEMON@{HOST}", "Subject": "failure notice"}, "\n".join(lines)


def exchange(people: Sequence[Person], delayed: bool) -> tuple[dict[str, str], str]:
    """Exchange Online / Office 365 NDR text."""
    if delayed:
        lines = ["Delivery is delayed to these recipients or groups:", ""]
        lines += [line for p in people for line in (p.address, "")]
        lines += ["This message hasn't been delivered yet. Delivery will continue to be attempted.", ""]
    elif len(people) == 1:
        lines = [f"Your message to {people[0].address} couldn't be delivered.", "The receiving server refused it.", ""]
    else:
        lines = ["Delivery has failed to these recipients or groups:", ""]
        for person in people:
            lines += [person.address, "Your message couldn't be delivered. The receiving server refused it.", ""]
    lines += [
        "Diagnostic information for administrators:",
        "",
        "Generating server: AM0PR01MB1234.eurprd01.prod.outlook.com",
        "",
    ]
    for person in people:
        lines += [person.address, f"Remote Server returned '{person.reply}'", ""]
    lines += ["Original message headers:", ""]
    headers = {
        "From": "Microsoft Outlook <postmaster@contoso.onmicrosoft.com>",
        "Subject": "Delivery delayed:Invoice INV-7" if delayed else "Undeliverable: Invoice INV-7",
    }
    headers["X-MS-Exchange-Message-Is-Ndr"] = ""
    return headers, "\n".join(lines)


def exchange2003(people: Sequence[Person], delayed: bool) -> tuple[dict[str, str], str]:
    """Exchange 2000/2003: the summary of the original (its To: names bystanders), then the recipients."""
    lines = [
        "Your message",
        "",
        "  To:      team@lists.sender.example; colleague@sender.example",
        "  Subject: Invoice INV-7",
        f"  Sent:    {DATE}",
        "",
        "did not reach the following recipient(s):",
        "",
    ]
    for person in people:
        lines += [
            f"{person.address} on {DATE}",
            f"    {person.reply.split(' ', 2)[2]}",
            f"    <mx.{person.domain} #{person.status}>",
            "",
        ]
    headers = {"From": "System Administrator <postmaster@contoso.example>", "Subject": "Undeliverable: Invoice INV-7"}
    headers["X-MS-Embedded-Report"] = ""
    return headers, "\n".join(lines)


def gmail(people: Sequence[Person], delayed: bool) -> tuple[dict[str, str], str]:
    """Gmail's current notifications."""
    lines = ["** Message delayed **" if delayed else "** Message not delivered **", ""]
    for person in people:
        if delayed:
            lines.append(
                f"There was a temporary problem delivering your message to {person.address}. Gmail will retry for 46 more hours."
            )
        else:
            lines.append(f"Your message wasn't delivered to {person.address} because the remote server refused it.")
        lines += ["", "The response from the remote server was:", person.reply, ""]
    headers = {"From": "Mail Delivery Subsystem <mailer-daemon@googlemail.com>"}
    headers["Subject"] = "Delivery Status Notification (" + ("Delay" if delayed else "Failure") + ")"
    if not delayed:
        headers["X-Failed-Recipients"] = ", ".join(p.address for p in people)
    return headers, "\n".join(lines)


def domino(people: Sequence[Person], delayed: bool) -> tuple[dict[str, str], str]:
    """Lotus/IBM Domino's "was not delivered to ... because:" report."""
    lines = []
    for person in people:
        lines += [
            "Your message",
            "",
            "  Subject: Invoice INV-7",
            "",
            "was not delivered to:",
            "",
            f"  {person.address}",
            "",
            "because:",
            "",
            f"  {person.reply}",
            "",
        ]
    return {"From": "Postmaster <postmaster@domino.example>", "Subject": "DELIVERY FAILURE: Invoice INV-7"}, "\n".join(
        lines
    )


def courier(people: Sequence[Person], delayed: bool) -> tuple[dict[str, str], str]:
    """Courier MTA's delivery status notification text."""
    rule = "-" * 75
    lines = [
        f"This is a delivery status notification from {HOST},",
        "running the Courier mail server, version 1.1.",
        "",
        rule,
        "",
        " " * 27 + ("DELAYED MAIL" if delayed else "UNDELIVERABLE MAIL"),
        "",
        "Your message to the following recipients has not been delivered yet;"
        if delayed
        else "Your message to the following recipients cannot be delivered:",
        "",
    ]
    for person in people:
        lines += [f"<{person.address}>:", f"    mx.{person.domain} [192.0.2.20]:"]
        sent = {
            "RCPT": f">>> RCPT TO:<{person.address}>",
            "DATA": ">>> DATA",
            "MAIL": ">>> MAIL FROM:<alice@sender.example>",
        }
        if person.command in sent:
            lines.append(sent[person.command])
        lines += [f"<<< {person.reply}", ""]
    lines += [rule, ""]
    return {"From": f"Courier mail server at {HOST} <@>", "Subject": "NOTICE: mail delivery status."}, "\n".join(lines)


def opensmtpd(people: Sequence[Person], delayed: bool) -> tuple[dict[str, str], str]:
    """OpenSMTPD's bounce.c messages."""
    lines = ["Hi!", "", "This is the MAILER-DAEMON, please DO NOT REPLY to this email.", ""]
    if delayed:
        lines += [
            "An error has occurred while attempting to deliver a message for",
            "the following list of recipients. Delivery will be retried:",
            "",
        ]
    else:
        lines += [
            "An error has occurred while attempting to deliver a message for",
            "the following list of recipients:",
            "",
        ]
    lines += [f"{person.address}: {person.reply}" for person in people]
    lines += ["", "Below is a copy of the original message:", ""]
    subject = "Delivery status notification: " + ("delay" if delayed else "error")
    return {"From": f"Mailer Daemon <MAILER-DAEMON@{HOST}>", "Subject": subject}, "\n".join(lines)


def dragonfly(people: Sequence[Person], delayed: bool) -> tuple[dict[str, str], str]:
    """The DragonFly Mail Agent (dma)."""
    lines = [f"This is the DragonFly Mail Agent v0.13 at {HOST}.", ""]
    for person in people:
        lines += [f"There was an error delivering your mail to <{person.address}>.", "", person.reply, ""]
    lines += ["Message headers follow.", ""]
    return {"From": f"MAILER-DAEMON@{HOST}", "Subject": "Mail delivery failed"}, "\n".join(lines)


def messagingserver(people: Sequence[Person], delayed: bool) -> tuple[dict[str, str], str]:
    """Oracle Communications Messaging Server: its header summary names bystanders too."""
    lines = [
        "This report relates to a message you sent with the following header fields:",
        "",
        "  Message-id: <original@sender.example>",
        f"  Date: {DATE}",
        "  From: alice@sender.example",
        "  To: team@lists.sender.example",
        "  Subject: Invoice INV-7",
        "",
        "Your message has not yet been delivered to the following recipients:"
        if delayed
        else "Your message cannot be delivered to the following recipients:",
        "",
    ]
    for person in people:
        lines += [
            f"  Recipient address: {person.address}",
            "  Reason: Remote SMTP server has rejected address",
            f"  Diagnostic code: smtp;{person.reply}",
            f"  Remote system: dns;mx.{person.domain} (TCP|192.0.2.1|25|192.0.2.20|25)",
            "",
        ]
    headers = {
        "From": f"Internet Mail Delivery <postmaster@{HOST}>",
        "Subject": "Delivery Notification: Delivery has " + ("been delayed" if delayed else "failed"),
    }
    return headers, "\n".join(lines)


def yahoo(people: Sequence[Person], delayed: bool) -> tuple[dict[str, str], str]:
    """Yahoo's failure notice."""
    steps = {"RCPT": "RCPT_TO", "DATA": "DATA", "MAIL": "MAIL_FROM", "CONN": "CONNECT"}
    lines = ["Sorry, we were unable to deliver your message to the following address.", ""]
    for person in people:
        lines += [f"<{person.address}>:", f"Remote host said: {person.reply} [{steps[person.command]}]", ""]
    lines += ["--- Below this line is a copy of the message.", ""]
    return {"From": "MAILER-DAEMON@yahoo.com", "Subject": "Failure Notice"}, "\n".join(lines)


def gmx(people: Sequence[Person], delayed: bool) -> tuple[dict[str, str], str]:
    """GMX / WEB.DE: Exim's introduction, quoted addresses."""
    lines = [
        "This message was created automatically by mail delivery software.",
        "",
        "A message that you sent could not be delivered to one or more of",
        "its recipients. This is a permanent error. The following address(es)",
        "failed:",
        "",
    ]
    for person in people:
        step = {"CONN": "connect"}.get(person.command, person.command)
        lines += [
            f'"{person.address}":',
            f"SMTP error from remote server after {step} command:",
            f"host: mx.{person.domain}",
            person.reply,
            "",
        ]
    return {
        "From": '"Mail Delivery System" <mailer-daemon@gmx.net>',
        "Subject": "Mail delivery failed: returning message to sender",
    }, "\n".join(lines)


def simple(people: Sequence[Person], delayed: bool) -> tuple[dict[str, str], str]:
    """An unnamed MTA's plain notice (what list software relays as a "simple" bounce)."""
    lines = ["Your message could not be delivered to the following recipients:", ""]
    for person in people:
        lines += [f"    {person.address}", f"        {person.reply}", ""]
    return {"From": "postmaster@mail.example.net", "Subject": "Undeliverable mail"}, "\n".join(lines)


def bracketed(people: Sequence[Person], delayed: bool) -> tuple[dict[str, str], str]:
    """A Windows mail server's notice: `Recipient: [SMTP:address]` and `Reason:` lines, the original's
    headers pasted after "Message headers follow:" (its Message-ID is no recipient)."""
    lines = ["The following recipient(s) could not be reached:", ""]
    for person in people:
        lines += [f"\tRecipient: [SMTP:{person.address}]", f"\tReason: Remote SMTP Server Returned: {person.reply}", ""]
    lines += ["Message headers follow:", "", "From: alice@sender.example", "Message-ID: <inv7@sender.example>"]
    return {"From": "POSTMASTER@winmail.example", "Subject": "Message Delivery Failure"}, "\n".join(lines)


def session_log(people: Sequence[Person], delayed: bool) -> tuple[dict[str, str], str]:
    """A server that signs with its product name and pastes its SMTP session as `-->`/`<--` lines (it
    names a recipient only in its RCPT, so the generator gives it refusals at RCPT and DATA only)."""
    lines = ["The attached message had PERMANENT fatal delivery errors!", ""]
    for person in people:
        lines += [
            "--- Session Transcript ---",
            f" 08:00:00.010: Attempting SMTP connection to [mx.{person.domain} : 25]",
        ]
        lines += [" 08:00:00.020: --> MAIL From:<alice@sender.example>", " 08:00:00.030: <-- 250 2.1.0 Ok"]
        lines.append(f" 08:00:00.040: --> RCPT To:<{person.address}>")
        if person.command == "DATA":
            lines += [" 08:00:00.050: <-- 250 2.1.5 Ok", " 08:00:00.060: --> DATA", " 08:00:00.065: <-- 354 Go ahead"]
        lines += [f" 08:00:00.070: <-- {person.reply}", "--- End Transcript ---", ""]
    return {"From": "MDaemon@relay.example", "Subject": "Permanent Delivery Failure"}, "\n".join(lines)


def amazonses(people: Sequence[Person], delayed: bool) -> tuple[dict[str, str], str]:
    """An Amazon SES bounce notification delivered by SNS email (JSON)."""
    bounced = [
        {"emailAddress": p.address, "action": "failed", "status": p.status, "diagnosticCode": f"smtp; {p.reply}"}
        for p in people
    ]
    message = {
        "notificationType": "Bounce",
        "bounce": {"bounceType": "Permanent", "bounceSubType": "General", "bouncedRecipients": bounced},
        "mail": {"source": "alice@sender.example", "destination": [p.address for p in people]},
    }
    envelope = {
        "Type": "Notification",
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:bounces",
        "Message": json.dumps(message),
    }
    return {
        "From": '"AWS Notifications" <no-reply@sns.amazonaws.com>',
        "Subject": "AWS Notification Message",
    }, json.dumps(envelope, ensure_ascii=False)


def verizon(people: Sequence[Person], delayed: bool) -> tuple[dict[str, str], str]:
    """Verizon Wireless's text gateway: one error block per recipient, its envelope below."""
    lines: list[str] = []
    for person in people:
        lines += ["Error: Invalid user address", "", "Error message below:", person.reply, ""]
        lines += ["Message details:", "  Subject: Invoice INV-7", f"  Sent date: {DATE}"]
        lines += ["  MAIL FROM: alice@sender.example", f"  RCPT TO: {person.address}", "  Size (in bytes): 222", ""]
    return {"From": "post_master@vtext.com", "Subject": "Re: Invoice INV-7"}, "\n".join(lines)


# Lhost formats, first half.
def mailfoundry(people: Sequence[Person], delayed: bool) -> tuple[dict[str, str], str]:
    """MailFoundry: "Unable to deliver message to:" and the server's reply per recipient."""
    lines: list[str] = []
    for person in people:
        lines += [f"Unable to deliver message to: <{person.address}>", "Delivery failed for the following reason:"]
        lines += [f"Server mx.{person.domain}[192.0.2.20] failed with: {person.reply}", ""]
    lines.append("This has been a permanent failure.  No further delivery attempts will be made.")
    return {"From": f"MAILER-DAEMON@{HOST}", "Subject": "Message delivery has failed"}, "\n".join(lines)


def interscanmss(people: Sequence[Person], delayed: bool) -> tuple[dict[str, str], str]:
    """InterScan MSS: the command it sent and the reply it received, per recipient."""
    lines = ["The message could not be delivered to the following recipient(s).", ""]
    for person in people:
        sent = {"MAIL": "MAIL FROM:<alice@sender.example>", "DATA": "DATA"}.get(person.command, "")
        lines.append(f"Sent <<< RCPT TO:<{person.address}>")
        if sent:
            lines.append(f"Sent <<< {sent}")
        lines += [f"Received >>> {person.reply}", ""]
    return {"From": f'"InterScan MSS" <postmaster@{HOST}>', "Subject": "Mail could not be delivered"}, "\n".join(lines)


def mcafee(people: Sequence[Person], delayed: bool) -> tuple[dict[str, str], str]:
    """McAfee Email Gateway: `<rcpt>   (reply)` under its heading (its report follows)."""
    lines = ["   --- The following addresses had delivery problems ---", ""]
    lines += [f"<{person.address}>   ({person.reply})" for person in people]
    headers = {
        "From": f"postmaster@{HOST}",
        "Subject": "Delivery Status",
        "X-NAI-Header": "Modified by McAfee Email Gateway",
    }
    return headers, "\n".join(lines)


# Lhost formats, second half: families whose layout carries the remote server's reply per recipient.
def zoho(people: Sequence[Person], delayed: bool) -> tuple[dict[str, str], str]:
    """Zoho Mail: Exim's opening sentence, then `address [label, ]ERROR_CODE :code, ERROR_CODE :reply`
    per recipient, under its X-ZohoMail header."""
    lines = [
        "This message was created automatically by mail delivery software.",
        "A message that you sent could not be delivered to one or more of its recipients. This is a permanent error.",
        "",
    ]
    for person in people:
        code, rest = person.reply.split(" ", 1)
        # Its "Invalid Address" label goes with an unknown address only: the label itself reads as
        # filtered (for sisimai too), so any other reply is written after the error codes alone.
        label = "Invalid Address, " if person.reason == "userunknown" else ""
        lines.append(f"{person.address} {label}ERROR_CODE :{code}, ERROR_CODE :{rest}")
    headers = {"From": "mailer-daemon@mail.zoho.example", "Subject": "Undelivered Mail Returned to Sender"}
    headers["X-ZohoMail"] = "Si CHF_MF_NL SS_10 UW48 UB48 FMWL"
    return headers, "\n".join(lines) + "\n"


def aol(people: Sequence[Person], delayed: bool) -> tuple[dict[str, str], str]:
    """AOL Mail: Postfix's notification from AOL's outbound relays, marked by X-AOL-IP."""
    headers, text = postfix(people, delayed)
    headers = {**headers, "From": "MAILER-DAEMON@aol.example (Mail Delivery System)", "X-AOL-IP": "192.0.2.135"}
    return headers, text.replace(f"at host {HOST}.", "at host omr-m01.mx.aol.example.")


def apachejames(people: Sequence[Person], delayed: bool) -> tuple[dict[str, str], str]:
    """Apache James's AbstractNotify mailet: the one reply under "Error message below:", then the
    envelope under "Message details:" (so the generator gives it one recipient a bounce)."""
    person = people[0]
    lines = ["Hi. This is the James mail server at mx.sender.example.", "I'm afraid I wasn't able to deliver your"]
    lines += ["message to the following addresses.", "", "Error message below:", person.reply, ""]
    lines += [
        "Message details:",
        "  Subject: Invoice INV-7",
        f"  Sent date: {DATE}",
        "  MAIL FROM: alice@sender.example",
    ]
    lines += [f"  RCPT TO: {p.address}" for p in people]
    lines += ["  Size (in bytes): 1834", ""]
    headers = {"From": f"postmaster@{HOST}", "Subject": "[BOUNCE]"}
    headers["Message-ID"] = f"<1704189600000.42.JavaMail.james@{HOST}>"
    return headers, "\n".join(lines)


def mailmarshal(people: Sequence[Person], delayed: bool) -> tuple[dict[str, str], str]:
    """Trustwave MailMarshal: the reply after "Could not be delivered because of", the recipients it
    concerns indented after "The following recipients were affected:" (one reply a notice, so the
    generator gives it one recipient a bounce)."""
    lines = ["Your message:", "   From:    alice@sender.example", "   Subject: Invoice INV-7", ""]
    lines += ["Could not be delivered because of", "", people[0].reply, ""]
    lines += ["The following recipients were affected:", *(f"    {p.address}" for p in people), ""]
    lines += ["Additional Information", "=" * 22, "Original Sender:    <alice@sender.example>"]
    lines += [f"Reporting-MTA:      <{HOST}>", ""]
    return {"From": f"MailMarshal@{HOST}", "Subject": 'Undeliverable Mail: "Invoice INV-7"'}, "\n".join(lines)


def notes(people: Sequence[Person], delayed: bool) -> tuple[dict[str, str], str]:
    """Lotus Notes: each reason line, then the address it concerns, between its two section markers."""
    lines = ["------- Failure Reasons --------", ""]
    for person in people:
        lines += [person.reply, person.address, ""]
    lines += ["------- Returned Message --------", ""]
    return {"From": "Postmaster <postmaster@notes.example>", "Subject": "Undeliverable message"}, "\n".join(lines)


def messagelabs(people: Sequence[Person], delayed: bool) -> tuple[dict[str, str], str]:
    """Symantec.cloud (MessageLabs): each address and the remote server's reply as its reason, with
    X-Msg-Ref (its report follows)."""
    lines = ["I was unable to deliver your message to the following addresses:", ""]
    for person in people:
        lines += [person.address, "", f"Reason: {person.reply}", ""]
    headers = {"From": "Mail Delivery System <MAILER-DAEMON@messagelabs.com>", "Subject": "Mail Delivery Failure"}
    headers["X-Msg-Ref"] = "server-1.tower-2.messagelabs.com!1704189600!123!1"
    return headers, "\n".join(lines)


def outlook(people: Sequence[Person], delayed: bool) -> tuple[dict[str, str], str]:
    """Outlook.com: the addresses only in its text, the replies in its report."""
    lines = ["This is an automatically generated Delivery Status Notification.", ""]
    lines += ["Delivery to the following recipients failed.", ""]
    lines += [f"       {person.address}" for person in people]
    headers = {"From": "postmaster@hotmail.example", "Subject": "Delivery Status Notification (Failure)"}
    headers["X-Message-Delivery"] = "Vj0xLjE7dXM9MDtsPTE7YT0xO0Q9MTtTQ0w9MA=="
    headers["X-Message-Info"] = "qXa7kOJm1c2R0d9pX4z0AbCdEf"
    return headers, "\n".join(lines) + "\n"


def amazonworkmail(people: Sequence[Person], delayed: bool) -> tuple[dict[str, str], str]:
    """Amazon WorkMail through SES: a short explanation, then its report after "Technical report:"."""
    lines = ["We could not deliver your message to one or more of its recipients.", "", "Technical report:", ""]
    headers = {"From": "MAILER-DAEMON@us-west-2.awsapps.example", "Subject": "Delivery Status Notification (Failure)"}
    headers["X-SES-Outgoing"] = "2024.01.02-192.0.2.44"
    headers["X-Mailer"] = "Amazon WorkMail"
    return headers, "\n".join(lines)


# PowerMTA's bounce category for each reply the generator writes, as its default classification
# files them (a reply it has no category for is "other").
POWERMTA_CATEGORIES = {
    "userunknown": "bad-mailbox",
    "hostunknown": "bad-domain",
    "suspend": "inactive-mailbox",
    "mailboxfull": "quota-issues",
    "spamdetected": "spam-related",
    "blocked": "spam-related",
    "policyviolation": "policy-related",
    "authfailure": "policy-related",
}


def powermta_category(reason: str) -> str:
    """The `X-PowerMTA-BounceCategory` PowerMTA gives the reply for `reason`."""
    return POWERMTA_CATEGORIES.get(reason, "other")


def powermta(people: Sequence[Person], delayed: bool) -> tuple[dict[str, str], str]:
    """PowerMTA: its greeting and a line per recipient saying only that delivery failed (the replies
    and its bounce categories are in its report)."""
    lines = [f"Hello, this is the mail server on {HOST}.", ""]
    lines += ["I am sending you this message to inform you on the delivery status of a", "message you sent."]
    lines += ["", *(f"  <{p.address}>  delivery failed; will not continue trying" for p in people), ""]
    return {"From": f"postmaster@{HOST}", "Subject": "Delivery report"}, "\n".join(lines)


WRITERS: dict[str, Writer] = {
    "postfix": postfix,
    "sendmail": sendmail,
    "exim": exim,
    "qmail": qmail,
    "exchange": exchange,
    "exchange2003": exchange2003,
    "gmail": gmail,
    "domino": domino,
    "courier": courier,
    "opensmtpd": opensmtpd,
    "dragonfly": dragonfly,
    "messagingserver": messagingserver,
    "yahoo": yahoo,
    "gmx": gmx,
    "simple": simple,
    "bracketed": bracketed,
    "session_log": session_log,
    "amazonses": amazonses,
    "verizon": verizon,
    # Lhost formats, first half
    "mailfoundry": mailfoundry,
    "interscanmss": interscanmss,
    "mcafee": mcafee,
    # Lhost formats, second half
    "aol": aol,
    "messagelabs": messagelabs,
    "outlook": outlook,
    "amazonworkmail": amazonworkmail,
    "zoho": zoho,
    "mailmarshal": mailmarshal,
    "apachejames": apachejames,
    "notes": notes,
    "powermta": powermta,
}
