"""Small delivery status notifications (and non-bounces) written for the bounce parser's tests.

Every sample is made up for these tests; the addresses use reserved example domains.
"""

from __future__ import annotations

RFC3464_MIXED = b"""\
Return-Path: <>
From: Mail Delivery Subsystem <MAILER-DAEMON@mx.sender.example>
To: alice@sender.example
Subject: Returned mail: see transcript for details
Date: Tue, 02 Jan 2024 10:00:00 +0000
Message-ID: <dsn-1@mx.sender.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="XYZ"

--XYZ
Content-Type: text/plain; charset=us-ascii

The original message was received at Tue, 02 Jan 2024 09:59:58 +0000.
Two recipients could not be reached; one was delivered.

--XYZ
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.sender.example
Arrival-Date: Tue, 02 Jan 2024 09:59:58 +0000

Final-Recipient: rfc822; <Bob@Example.COM>
Action: failed
Status: 5.1.1
Remote-MTA: dns; mx.example.com
Diagnostic-Code: smtp; 550 5.1.1 <bob@example.com>... User unknown

Original-Recipient: rfc822;carol@nowhere.example
Final-Recipient: rfc822;carol@nowhere.example
Action: failed
Status: 5.1.2
Diagnostic-Code: X-Postfix; Host or domain name not found. Name service error
    for name=nowhere.example type=MX: Host not found

Final-Recipient: rfc822;dave@example.org
Action: delivered
Status: 2.0.0

--XYZ
Content-Type: text/rfc822-headers

From: alice@sender.example
To: bob@example.com, carol@nowhere.example, dave@example.org
Subject: Hello
Message-ID: <original-1@sender.example>
X-Mailtrail-Id: 0b6c3a52-3f0e-4c36-9d7e-2a8f0c6f1e11

--XYZ--
"""

DELAY_NOTICE = b"""\
Return-Path: <>
From: MAILER-DAEMON@relay.sender.example (Mail Delivery System)
To: alice@sender.example
Subject: Delayed Mail (still being retried)
Date: Wed, 03 Jan 2024 12:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="D1"

--D1
Content-Type: text/plain

This is the mail system at host relay.sender.example.
Your message could not be delivered for more than 4 hours. It will be retried until it is 5 days old.

--D1
Content-Type: message/delivery-status

Reporting-MTA: dns; relay.sender.example

Final-Recipient: rfc822; erin@slow.example
Action: delayed
Status: 4.4.1
Diagnostic-Code: X-Postfix; connect to mx.slow.example[192.0.2.7]:25: Connection timed out
Will-Retry-Until: Mon, 08 Jan 2024 12:00:00 +0000

--D1
Content-Type: message/rfc822

From: alice@sender.example
To: erin@slow.example
Subject: Report
Message-ID: <original-2@sender.example>

Body.

--D1--
"""

POSTFIX_TEXT = b"""\
Return-Path: <>
From: MAILER-DAEMON@mail.sender.example (Mail Delivery System)
To: alice@sender.example
Subject: Undelivered Mail Returned to Sender
Date: Thu, 04 Jan 2024 08:00:00 +0000
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mail.sender.example.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients. It's attached below.

For further assistance, please send mail to <postmaster@sender.example>

                   The mail system

<frank@example.net>: host mx.example.net[192.0.2.10] said: 550 5.1.1
    <frank@example.net>: Recipient address rejected: User unknown in local
    recipient table (in reply to RCPT TO command)

--- The original message follows ---
From: alice@sender.example
To: frank@example.net
Subject: Quarterly numbers
Message-ID: <original-3@sender.example>

Hi Frank.
"""

EXIM_TEXT = b"""\
Return-path: <>
From: Mail Delivery System <Mailer-Daemon@smtp.sender.example>
To: alice@sender.example
Subject: Mail delivery failed: returning message to sender
Date: Fri, 05 Jan 2024 09:00:00 +0000
X-Failed-Recipients: grace@example.org
Auto-Submitted: auto-replied

This message was created automatically by mail delivery software.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  grace@example.org
    host mx.example.org [192.0.2.20]
    SMTP error from remote mail server after RCPT TO:<grace@example.org>:
    550 5.1.1 No such user here

------ This is a copy of the message, including all the headers. ------

From: alice@sender.example
To: grace@example.org
Subject: Lunch
Message-ID: <original-4@sender.example>

See you at noon.
"""

QMAIL_TEXT = b"""\
Return-Path: <>
From: MAILER-DAEMON@qmail.sender.example
To: alice@sender.example
Subject: failure notice
Date: Sat, 06 Jan 2024 10:00:00 +0000

Hi. This is the qmail-send program at qmail.sender.example.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<heidi@example.com>:
192.0.2.30 does not like recipient.
Remote host said: 550 Sorry, no mailbox here by that name. (#5.1.1)
Giving up on 192.0.2.30.

--- Below this line is a copy of the message.

From: alice@sender.example
To: heidi@example.com
Subject: Invoice
Message-ID: <original-5@sender.example>

Attached.
"""

EXCHANGE_NDR = b"""\
From: Microsoft Outlook <postmaster@contoso.example>
To: alice@sender.example
Subject: Undeliverable: Project plan
Date: Sun, 07 Jan 2024 11:00:00 +0000
In-Reply-To: <original-6@sender.example>
Content-Type: text/plain; charset=utf-8

Delivery has failed to these recipients or groups:

ivan@contoso.example
The email address you entered couldn't be found. Please check the recipient's email address and try to resend
the message.

Diagnostic information for administrators:

Generating server: EX01.contoso.example

ivan@contoso.example
Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'
"""

GMAIL_FAILURE = b"""\
From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>
To: alice@sender.example
Subject: Delivery Status Notification (Failure)
Date: Mon, 08 Jan 2024 12:00:00 +0000
Content-Type: text/plain; charset=UTF-8

** Address not found **

Your message wasn't delivered to judy@example.com because the address couldn't be found, or is unable to receive
mail.

The response from the remote server was:
550 5.1.1 The email account that you tried to reach does not exist.
"""

SES_NOTIFICATION = b"""\
From: AWS Notifications <no-reply@sns.amazonaws.com>
To: alerts@sender.example
Subject: AWS Notification Message
Date: Tue, 09 Jan 2024 13:00:00 +0000
Content-Type: text/plain; charset=UTF-8

{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bounceSubType":"General",\
"bouncedRecipients":[{"emailAddress":"kim@example.net","action":"failed","status":"5.1.1",\
"diagnosticCode":"smtp; 550 5.1.1 user unknown"}],"timestamp":"2024-01-09T13:00:00.000Z",\
"reportingMTA":"dsn; a1-2.smtp-out.example.amazonses.com"},"mail":{"source":"alice@sender.example",\
"destination":["kim@example.net"]}}
"""

MAILBOX_FULL = b"""\
Return-Path: <>
From: MAILER-DAEMON@mx.sender.example
To: alice@sender.example
Subject: Undelivered Mail Returned to Sender
Date: Wed, 10 Jan 2024 14:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="F1"

--F1
Content-Type: text/plain

Your message could not be delivered.

--F1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.sender.example

Final-Recipient: rfc822; leo@example.com
Action: failed
Status: 5.2.2
Diagnostic-Code: smtp; 552 5.2.2 Mailbox full: leo@example.com is over quota

--F1--
"""

X_FAILED_ONLY = b"""\
Return-Path: <>
From: Mail Delivery System <mailer-daemon@gw.sender.example>
To: alice@sender.example
Subject: Mail delivery failed
Date: Thu, 11 Jan 2024 15:00:00 +0000
X-Failed-Recipients: mia@example.org

A message that you sent could not be delivered to one or more of its recipients.
"""

ARF_REPORT = b"""\
From: abuse@isp.example
To: abuse@sender.example
Subject: Abuse report
Date: Fri, 12 Jan 2024 16:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="A1"

--A1
Content-Type: text/plain

This is an email abuse report for an email message received from IP 192.0.2.40.

--A1
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: ExampleFBL/1.0
Version: 1
Original-Rcpt-To: nick@isp.example

--A1
Content-Type: text/rfc822-headers

From: alice@sender.example
To: nick@isp.example
Message-ID: <original-7@sender.example>

--A1--
"""

VACATION_REPLY = b"""\
From: Olivia <olivia@example.com>
To: alice@sender.example
Subject: Out of office: Project plan
Date: Sat, 13 Jan 2024 17:00:00 +0000
Auto-Submitted: auto-replied
In-Reply-To: <original-8@sender.example>

I am out of the office until Monday and will reply when I am back.
"""

CHALLENGE_RESPONSE = b"""\
From: Verification Robot <verify@antispam.example>
To: alice@sender.example
Subject: Please confirm your message to paul@example.net
Date: Sun, 14 Jan 2024 18:00:00 +0000
Auto-Submitted: auto-replied

Hello, I use a challenge-response spam filter. Your message to paul@example.net is being held.
Please click the link below to confirm that you sent it:
https://antispam.example/confirm?id=12345
"""

DELIVERED_DSN = b"""\
From: Mail Delivery Subsystem <MAILER-DAEMON@mx.sender.example>
To: alice@sender.example
Subject: Successful Mail Delivery Report
Date: Mon, 15 Jan 2024 19:00:00 +0000
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="S1"

--S1
Content-Type: text/plain

Your message was successfully delivered to the destination(s) listed below.

--S1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.sender.example

Final-Recipient: rfc822; quinn@example.com
Action: delivered
Status: 2.0.0
Diagnostic-Code: smtp; 250 2.0.0 OK queued

--S1--
"""

NORMAL_MESSAGE = b"""\
From: Rita <rita@example.com>
To: alice@sender.example
Subject: Re: Project plan
Date: Tue, 16 Jan 2024 20:00:00 +0000
In-Reply-To: <original-9@sender.example>

Thanks, the plan looks good. Could not agree more; please send it to sam@example.com too.
"""
