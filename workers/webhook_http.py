"""The webhook ports on the real network: DNS through getaddrinfo, POSTs through httpx.

The request goes to the address that was checked (the URL's host is replaced by it, the Host
header and the TLS server name keep the original name, so certificates are verified as usual),
never to a second lookup that could answer differently. Redirects are not followed (a redirect
could lead anywhere) and proxies from the environment are ignored for the same reason.
"""

from __future__ import annotations

import socket
import ssl
import time

import httpx
from opentelemetry import trace

from domain.webhooks.ports import OutgoingRequest, TransportResult

ANSWER_SNIPPET = 300
tracer = trace.get_tracer("mailtrail.webhooks")


class DnsResolver:
    def resolve(self, host: str, port: int) -> list[str]:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            return []
        return list(dict.fromkeys(str(info[4][0]) for info in infos))


class HttpTransport:
    """One pooled httpx client for the process (it is safe to share between threads)."""

    def __init__(self, verify: bool | ssl.SSLContext = True) -> None:
        self._client = httpx.Client(
            follow_redirects=False,
            trust_env=False,
            verify=verify,
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        )

    def post(self, request: OutgoingRequest) -> TransportResult:
        target = request.target
        address = request.addresses[0]
        host = f"[{address}]" if ":" in address else address
        url = f"{target.scheme}://{host}:{target.port}{target.path}"
        name = f"[{target.host}]" if ":" in target.host else target.host
        default_port = 443 if target.scheme == "https" else 80
        headers = {**request.headers, "host": name if target.port == default_port else f"{name}:{target.port}"}
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        started = time.perf_counter()
        with tracer.start_as_current_span("webhook.post", kind=trace.SpanKind.CLIENT) as span:
            span.set_attribute("server.address", target.host)
            answer = self._post(url, request, headers, extensions, started)
            if answer.status_code is not None:
                span.set_attribute("http.response.status_code", answer.status_code)
            return answer

    def _post(
        self, url: str, request: OutgoingRequest, headers: dict[str, str], extensions: dict[str, str], started: float
    ) -> TransportResult:
        try:
            with self._client.stream(
                "POST", url, content=request.body, headers=headers, timeout=request.timeout, extensions=extensions
            ) as response:
                snippet = b""
                for chunk in response.iter_bytes():
                    snippet += chunk
                    if len(snippet) >= ANSWER_SNIPPET:
                        break
        except httpx.TimeoutException:
            return TransportResult(None, _ms(started), f"timed out after {request.timeout:g}s")
        except httpx.HTTPError as error:
            return TransportResult(None, _ms(started), f"{type(error).__name__}: {error}"[:500])
        latency = _ms(started)
        if 200 <= response.status_code < 300:
            return TransportResult(response.status_code, latency)
        text = snippet[:ANSWER_SNIPPET].decode("utf-8", "replace").strip()
        return TransportResult(response.status_code, latency, f"HTTP {response.status_code}: {text}".strip())

    def close(self) -> None:
        self._client.close()


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
