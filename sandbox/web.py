"""A read-only page listing each mailbox's threads and messages, for a person to look at."""

from __future__ import annotations

import html
from typing import Any


def render_index(emulator: Any) -> str:
    rows: list[str] = []
    with emulator.store.lock:
        for box in sorted(emulator.store.mailboxes.values(), key=lambda b: b.address):
            threads: dict[str, list[Any]] = {}
            for message in sorted(box.messages.values(), key=lambda m: m.internal_date_ms):
                threads.setdefault(message.thread_id, []).append(message)
            rows.append(
                f"<h2>{html.escape(box.address)} <small>historyId {box.history_id}"
                f"{' · watched' if box.watch else ''}</small></h2>"
            )
            if not threads:
                rows.append("<p><i>empty</i></p>")
            for thread_id, messages in threads.items():
                rows.append(
                    f"<h3>thread {html.escape(thread_id)}</h3><table><tr><th>id</th><th>labels</th>"
                    "<th>from</th><th>to</th><th>subject</th></tr>"
                )
                for m in messages:
                    rows.append(
                        "<tr>"
                        + "".join(
                            f"<td>{html.escape(str(v or ''))}</td>"
                            for v in (
                                m.id,
                                " ".join(m.label_ids),
                                m.header("From"),
                                m.header("To"),
                                m.header("Subject"),
                            )
                        )
                        + "</tr>"
                    )
                rows.append("</table>")
    style = "body{font-family:system-ui;margin:2em}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left}"
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>Gmail sandbox</title><style>{style}</style>"
        f"</head><body><h1>Gmail sandbox</h1>{''.join(rows)}</body></html>"
    )


def not_found_page(path: str) -> bytes:
    """What Google's front end answers for a path no API serves: an HTML page, not Gmail's JSON
    error (a wrong base URL or path gets this; only a known resource gets `notFound` JSON)."""
    return (
        "<!DOCTYPE html>\n<html lang=en><meta charset=utf-8><title>Error 404 (Not Found)!!1</title>"
        f"<p><b>404.</b> <ins>That\u2019s an error.</ins><p>The requested URL <code>{html.escape(path)}</code>"
        " was not found on this server. <ins>That\u2019s all we know.</ins>\n"
    ).encode()
