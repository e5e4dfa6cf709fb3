"""Hand-written notifications, one or more per mail-server family, in our own words (never copied)."""

from __future__ import annotations

import json

from tests.domain.bounces import lhost_a_notices as _a

POSTFIX = b"""From: MAILER-DAEMON@mail.shop.example (Mail Delivery System)
To: orders@shop.example
Subject: Undelivered Mail Returned to Sender

This is the mail system at host mail.shop.example.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

                   The mail system

<pat.lee@clients.example> (expanded from <billing@clients.example>): host
    mx1.clients.example[198.51.100.7] said: 550 5.1.1 <pat.lee@clients.example>:
    Recipient address rejected: User unknown in virtual mailbox table (in reply
    to RCPT TO command)
"""
EXIM = b"""From: Mail Delivery System <Mailer-Daemon@relay.shop.example>
To: orders@shop.example
Subject: Mail delivery failed: returning message to sender
X-Failed-Recipients: sam@storage.example

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  sam@storage.example
    mailbox is full: retry timeout exceeded

------ This is a copy of the message, including all the headers. ------
Message-ID: <order-17@shop.example>
"""
QMAIL = b"""From: MAILER-DAEMON@shop.example
To: orders@shop.example
Subject: failure notice

Hi. This is the qmail-send program at shop.example.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<gone@shop.example>:
Sorry, no mailbox here by that name. (#5.1.1)

--- Below this line is a copy of the message.
"""
SENDMAIL = b"""From: Mail Delivery Subsystem <MAILER-DAEMON@gw.shop.example>
To: orders@shop.example
Subject: Returned mail: see transcript for details
Content-Type: multipart/report; report-type=delivery-status; boundary="S1"

--S1

   ----- The following addresses had permanent fatal errors -----
<ann@filtered.example>
    (reason: 550 Message rejected by recipient's filter)

   ----- Transcript of session follows -----
... while talking to mx.filtered.example.:
>>> DATA
<<< 550 Message rejected by recipient's filter
554 5.0.0 Service unavailable

--S1
Content-Type: message/delivery-status

Reporting-MTA: dns; gw.shop.example

Final-Recipient: RFC822; ann@filtered.example
Action: failed
Status: 5.0.0
Diagnostic-Code: SMTP; 550 Message rejected by recipient's filter
--S1--
"""
EXCHANGE = b"""From: Microsoft Outlook <postmaster@tenant.onmicrosoft.com>
To: orders@shop.example
Subject: Undeliverable: Order 17
X-MS-Exchange-Message-Is-Ndr:
Content-Type: text/plain

Delivery has failed to these recipients or groups:

Robin Doe (robin@tenant.example)
The email address you entered couldn't be found.

Diagnostic information for administrators:

Generating server: DM6PR01MB0001.namprd01.prod.outlook.com

robin@tenant.example
Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'

Original message headers:
"""
EXCHANGE_2003 = b"""From: System Administrator <postmaster@legacy.example>
To: orders@shop.example
Subject: Undeliverable: Order 17
X-MS-Embedded-Report:

Your message

  To:      Robin Doe; Accounts
  Subject: Order 17
  Sent:    Tue, 2 Jan 2024 10:00:00 +0000

did not reach the following recipient(s):

robin@legacy.example on Tue, 2 Jan 2024 10:00:03 +0000
    The recipient name is not recognized
    MSEXCH:IMS:Legacy:HQ:MAIL1 0 (000C05A6) Unknown Recipient
    <mail1.legacy.example #5.1.1>
"""
GMAIL_OLD = b"""From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
To: orders@shop.example
Subject: Delivery Status Notification (Failure)

This is an automatically generated Delivery Status Notification

Delivery to the following recipient failed permanently:

     chris@dataentry.example

Technical details of permanent failure:
Google tried to deliver your message, but it was rejected by the recipient domain.
The error that the other server returned was:
550 550 Unknown user chris@dataentry.example (state 18).
"""
GOOGLE_GROUPS = b"""From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
To: orders@shop.example
Subject: Delivery Status Notification (Failure)
X-Failed-Recipients: announce@googlegroups.com
X-Google-Smtp-Source: AbCdEf

Hello orders@shop.example,

We're writing to let you know that the group you tried to contact (announce) may not exist, or you
may not have permission to post messages to the group.
"""
DOMINO = b"""From: Postmaster <postmaster@notes.example>
To: orders@shop.example
Subject: DELIVERY FAILURE: User kai not listed in Domino Directory

Your message

  Subject: Order 17

was not delivered to:

  kai@notes.example

because:

  User kai (kai@notes.example) not listed in Domino Directory
"""
NOTES = b"""From: Postmaster <postmaster@oldnotes.example>
To: orders@shop.example
Subject: Undeliverable message

------- Failure Reasons --------

User not listed in public Name & Address Book
lee@oldnotes.example

------- Returned Message --------
"""
COURIER = b"""From: Courier mail server at mx.shop.example <@>
To: orders@shop.example
Subject: NOTICE: mail delivery status.

This is a delivery status notification from mx.shop.example,
running the Courier mail server, version 1.1.

Your message to the following recipients cannot be delivered:

<pat@nodomain.example>:
    No such domain.
"""
OPENSMTPD = b"""From: Mailer Daemon <MAILER-DAEMON@mx.shop.example>
To: orders@shop.example
Subject: Delivery status notification: error

Hi!

This is the MAILER-DAEMON, please DO NOT REPLY to this email.

An error has occurred while attempting to deliver a message for
the following list of recipients:

dana@big.example: 552 5.2.2 Mailbox full

Below is a copy of the original message:
"""
DRAGONFLY = b"""From: MAILER-DAEMON
To: orders@shop.example
Subject: Mail delivery failed

This is the DragonFly Mail Agent v0.13 at host.shop.example.

There was an error delivering your mail to <eve@remote.example>.

remote delivery deferred: host mx.remote.example said: 554 5.7.1 Service unavailable; Client host blocked using zen.spamhaus.org

Message headers follow.
"""
MESSAGING_SERVER = b"""From: Internet Mail Delivery <postmaster@mx.shop.example>
To: orders@shop.example
Subject: Delivery Notification: Delivery has failed

This report relates to a message you sent with the following header fields:

  Message-id: <order-17@shop.example>
  To: accounts@lists.shop.example

Your message cannot be delivered to the following recipients:

  Recipient address: fay@corp.example
  Reason: Remote SMTP server has rejected address
  Diagnostic code: smtp;550 5.1.1 <fay@corp.example>... User unknown
"""
IMAIL = b"""From: postmaster@imail.example
To: orders@shop.example
Subject: Undeliverable Mail
X-Mailer: <SMTP32 v8.22>

Body of message generated response:

Unknown user: gil@imail.example
"""
GROUPWISE = b"""From: Mail Delivery System <postmaster@gw.example>
To: orders@shop.example
Subject: Undeliverable mail: Order 17

The message that you sent was undeliverable to the following:
\tmoe (user not found)
\tnell@gw.example (mailbox full)

Possibly truncated original addressee:
\tmoe@gw.example
"""
YAHOO = b"""From: MAILER-DAEMON@yahoo.com
To: orders@shop.example
Subject: Failure Notice

Sorry, we were unable to deliver your message to the following address.

<hal@yahoo.example>:
Remote host said: 554 delivery error: dd This user doesn't have a yahoo.example account [RCPT_TO]

--- Below this line is a copy of the message.
"""
GMX = b"""From: "Mail Delivery System" <mailer-daemon@gmx.net>
To: orders@shop.example
Subject: Mail delivery failed: returning message to sender

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of
its recipients. This is a permanent error. The following address(es)
failed:

"ian@web.example":
SMTP error from remote server after RCPT command:
host: mx.web.example
550 5.1.1 <ian@web.example>... User unknown
"""
SES_BOUNCE = json.dumps(
    {
        "Type": "Notification",
        "Message": json.dumps(
            {
                "notificationType": "Bounce",
                "bounce": {
                    "bounceType": "Permanent",
                    "bouncedRecipients": [
                        {"emailAddress": "joy@ses.example", "action": "failed", "status": "5.1.1",
                         "diagnosticCode": "smtp; 550 5.1.1 user unknown"},
                    ],
                },
            }
        ),
    }
)  # fmt: skip
SES_COMPLAINT = SES_BOUNCE.replace("Bounce", "Complaint")
SES_HEAD = (
    "From: AWS Notifications <no-reply@sns.amazonaws.com>\nTo: orders@shop.example\nSubject: AWS Notification\n\n"
)

VERIZON = b"""From: post_master@vtext.com
To: orders@shop.example
Subject: Re: Order 17
Received: from gw.vtext.com (gw.vtext.com [192.0.2.9]) by mx.shop.example

Error: Invalid user address

Error message below:
550 - Requested action not taken: no such user here

Message details:
  Subject: Order 17
  MAIL FROM: orders@shop.example
  RCPT TO: 5550100@vtext.com
  Size (in bytes): 512
"""
VERIZON_PICTURES = b"""From: <sysadmin@mms.vzwpix.com>
To: orders@shop.example
Subject: Undeliverable

Message could not be delivered to mobile.
Error: No valid recipients for this MM
To: 5550101@vzwpix.com
From: orders@shop.example
Subject: Order 17
"""

EZWEB = b"""From: <Postmaster@ezweb.ne.jp>
To: <orders@shop.example>
Subject: Mail System Error - Returned Mail
Message-Id: <20240102100000.AB12@wsmtp.ezweb.ne.jp>

<kei@ezweb.ne.jp>

The user(s) account is temporarily over quota.
---------------------------------------------------
To: kei@ezweb.ne.jp
Subject: Order 17
"""

FML = b"""From: club-admin@lists.example
To: orders@shop.example
Subject: You orders@shop.example are not member (club ML)
Message-ID: <202401021000.FMLAB12.club@lists.example>
X-MLServer: fml [fml 4.0.3 release (20011202/4.0.3)]

You are not a member of this mailing list <club@lists.example>.

If you know the general guide of this list, please send mail with the mail body "guide".
"""

MESSAGELABS = b"""From: Mail Delivery System <MAILER-DAEMON@messagelabs.com>
To: orders@shop.example
Subject: Mail Delivery Failure
X-Msg-Ref: server-1.tower-2.messagelabs.com!123!456!1
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain

I was unable to deliver your message to the following addresses:

lou@corp.example

Reason: 550 lou@corp.example... No such user

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; server-1.tower-2.messagelabs.com

Final-Recipient: rfc822; lou@corp.example
Action: failed
Status: 5.0.0
Diagnostic-Code: smtp; 550 lou@corp.example... No such user

--b1--
"""

# --- sisimai Lhost formats, part b: Outlook.com, PowerMTA, SES receiving, Zoho ---------------------
OUTLOOK = b"""From: postmaster@hotmail.example
To: orders@shop.example
Subject: Delivery Status Notification (Failure)
X-Message-Delivery: Vj0xLjE7dXM9MDtsPTE7YT0xO0Q9MTtTQ0w9MA==
X-Message-Info: qXa7kOJm1c2R0d9pX4z0AbCdEf
Content-Type: multipart/report; report-type=delivery-status; boundary="O1"

--O1
Content-Type: text/plain

This is an automatically generated Delivery Status Notification.

Delivery to the following recipients failed.

       pia.lund@hotmail.example

--O1
Content-Type: message/delivery-status

Reporting-MTA: dns;omc1.hotmail.example

Final-Recipient: rfc822;pia.lund@hotmail.example
Action: failed
Status: 5.5.0
Diagnostic-Code: smtp;550 Requested action not taken: mailbox unavailable

--O1--
"""
POWERMTA = b"""From: postmaster@pmta.sender.example
To: bounces@sender.example
Subject: Delivery report
Content-Type: multipart/report; report-type=delivery-status; boundary="P1"

--P1
Content-Type: text/plain

Hello, this is the mail server on pmta.sender.example.

We are writing to tell you how delivery of a message you sent went; the recipients it
could not reach are listed below, and the standard report and the original's headers follow.

  <rory@old.example>  delivery failed; will not continue trying

--P1
Content-Type: message/delivery-status

Reporting-MTA: dns;pmta.sender.example

Final-Recipient: rfc822;rory@old.example
Action: failed
Status: 5.0.0 (undefined status)
Remote-MTA: dns;mx.old.example (198.51.100.21)
Diagnostic-Code: smtp;550 sorry, this address no longer takes mail
X-PowerMTA-BounceCategory: inactive-mailbox

--P1--
"""
RECEIVING_SES = b"""From: MAILER-DAEMON@inbound-smtp.us-east-1.amazonaws.com
To: orders@shop.example
Subject: Delivery Status Notification (Failure)
X-SES-Outgoing: 2026.12.01-54.240.8.1
Content-Type: multipart/report; report-type=delivery-status; boundary="R1"

--R1
Content-Type: text/plain

This message could not be delivered.

--R1
Content-Type: message/delivery-status

Reporting-MTA: dns; inbound-smtp.us-east-1.amazonaws.com

Final-Recipient: rfc822; tod@aws-hosted.example
Action: failed
Status: 5.0.0
Diagnostic-Code: smtp; 550 5.3.0 Message too large

--R1--
"""
ZOHO = b"""From: mailer-daemon@mail.zoho.example
To: orders@shop.example
Subject: Undelivered Mail Returned to Sender
X-ZohoMail: Si CHF_MF_NL SS_10 UW48 UB48 FMWL
Content-Type: text/plain

This message was created automatically by mail delivery software.
A message that you sent could not be delivered to one or more of its recipients.

[Status: Error, Address: <kit@far.example>, ResponseCode 421, , Host not reachable.]
"""
CASES_B = [
    ("outlook", OUTLOOK, "pia.lund@hotmail.example", "5.5.0", "userunknown"),
    ("powermta", POWERMTA, "rory@old.example", "5.0.0", "suspend"),
    ("receivingses", RECEIVING_SES, "tod@aws-hosted.example", "5.0.0", "mesgtoobig"),
    ("zoho", ZOHO, "kit@far.example", "4.0.0", "expired"),
]
# --- end of part b ---------------------------------------------------------------------------------

CASES = [
    ("postfix", POSTFIX, "pat.lee@clients.example", "5.1.1", "userunknown"),
    ("exim", EXIM, "sam@storage.example", None, "mailboxfull"),
    ("qmail", QMAIL, "gone@shop.example", "5.1.1", "userunknown"),
    ("sendmail", SENDMAIL, "ann@filtered.example", "5.0.0", "filtered"),
    ("exchange", EXCHANGE, "robin@tenant.example", "5.1.10", "userunknown"),
    ("exchange2003", EXCHANGE_2003, "robin@legacy.example", "5.1.1", "userunknown"),
    ("gmail", GMAIL_OLD, "chris@dataentry.example", "5.0.0", "filtered"),
    ("googlegroups", GOOGLE_GROUPS, "announce@googlegroups.com", None, "rejected"),
    ("domino", DOMINO, "kai@notes.example", None, "userunknown"),
    ("notes", NOTES, "lee@oldnotes.example", None, "userunknown"),
    ("courier", COURIER, "pat@nodomain.example", None, "hostunknown"),
    ("opensmtpd", OPENSMTPD, "dana@big.example", "5.2.2", "mailboxfull"),
    ("dragonfly", DRAGONFLY, "eve@remote.example", "5.7.1", "blocked"),
    ("messagingserver", MESSAGING_SERVER, "fay@corp.example", "5.1.1", "userunknown"),
    ("imailserver", IMAIL, "gil@imail.example", None, "userunknown"),
    ("groupwise", GROUPWISE.replace(b"\tnell@gw.example (mailbox full)\n", b""), "moe@gw.example", None, "userunknown"),
    ("yahoo", YAHOO, "hal@yahoo.example", "5.0.0", "userunknown"),
    ("gmx", GMX, "ian@web.example", "5.1.1", "userunknown"),
    ("amazonses", (SES_HEAD + SES_BOUNCE).encode(), "joy@ses.example", "5.1.1", "userunknown"),
    ("verizon", VERIZON, "5550100@vtext.com", "5.0.0", "userunknown"),
    ("ezweb", EZWEB, "kei@ezweb.ne.jp", None, "mailboxfull"),
    ("fml", FML, "club@lists.example", None, "rejected"),
    ("messagelabs", MESSAGELABS, "lou@corp.example", "5.0.0", "userunknown"),
    *CASES_B,
    # Lhost formats, first half (notices in lhost_a_notices.py)
    ("mailmarshal", _a.MAILMARSHAL.encode(), "yan@remote.example", "5.1.1", "userunknown"),
    ("facebook", _a.FACEBOOK.encode(), "sol@facebook.com", "5.1.1", "filtered"),
    ("amazonworkmail", _a.AMAZON_WORKMAIL.encode(), "mo@remote.example", "5.1.1", "userunknown"),
    ("amavis", _a.AMAVIS.encode(), "lin@remote.example", "5.7.0", "spamdetected"),
    ("interscanmss", _a.INTERSCAN.encode(), "uli@remote.example", "5.1.1", "userunknown"),
    ("mcafee", _a.MCAFEE_NO_SUCH.encode(), "abe@remote.example", "5.0.0", "userunknown"),
    ("apachejames", _a.APACHE_JAMES_NO_LIST.encode(), "nia@remote.example", "5.0.0", "filtered"),
    ("aol", _a.AOL_MALFORMED_MX.encode(), "ned@nowhere.example", "5.4.4", "notaccept"),
]

GMAIL_CURRENT = b"""From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
To: orders@shop.example
Subject: Delivery Status Notification (Failure)

** Message not delivered **

Your message wasn't delivered to lou@gone.example because the address couldn't be found, or is unable to receive mail.

Your message wasn't delivered to max@nomail.example because the remote server refused it.

The response from the remote server was:
556 5.1.10 <max@nomail.example>: Recipient address has null MX
"""
