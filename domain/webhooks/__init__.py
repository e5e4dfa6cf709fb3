"""Outbound webhooks: the app's backend hears what subscriptions tell its frontend.

- endpoints.py   endpoints of an organization, their secrets (rotation), disabling with a notice
- fanout.py      audit events -> messages and deliveries (why it reads the trail: its docstring)
- messages.py    rendering a message once, one delivery per event and endpoint, per-email order
- attempt.py     one signed attempt: claim, SSRF re-check, POST, record, retry or give up
- redeliver.py   replay from a cursor with the same webhook-ids
- maintenance.py lost messages re-enqueued, retention
- pure rules     signing.py (Standard Webhooks), targets.py (URL and address rules),
                 policy.py (backoff, disabling), payload.py (the JSON body)
- ports.py       DNS and HTTP, implemented in workers/webhook_http.py
"""
