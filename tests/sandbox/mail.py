"""Small raw messages written for the contract tests."""

from __future__ import annotations

import base64


def raw(
    sender: str = "ana@example.com",
    to: str = "bob@example.com",
    subject: str = "Hello",
    body: str = "Hi",
    **headers: str,
) -> str:
    lines = (
        [f"From: {sender}", f"To: {to}", f"Subject: {subject}"] if to else [f"From: {sender}", f"Subject: {subject}"]
    )
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    message = "\r\n".join(lines) + "\r\n\r\n" + body + "\r\n"
    return base64.urlsafe_b64encode(message.encode()).decode()
