"""The recipients ledger: per-recipient delivery truth, its precedence, and the email's roll-up.

Pure rules: `precedence` (states and which signal wins), `signals` (what a DSN or a reply says
about each recipient), `details` (the seed's `bounce_details` JSON). Use cases over a Session:
`book` (rows kept in step with the email), `apply` (signals in, rows and roll-up out), `effects`
(suppression and account warnings that follow a bounce), `links` (linkBounce / unlinkBounce).
"""
