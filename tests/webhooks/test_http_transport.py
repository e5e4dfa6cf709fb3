"""The real transport over TLS: it connects to the checked address and still verifies the name's certificate."""

from __future__ import annotations

import datetime
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from domain.webhooks.ports import OutgoingRequest
from domain.webhooks.targets import TargetPolicy, parse_target
from workers.webhook_http import HttpTransport

NAME = "hooks.mailtrail.test"


def certificate(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, NAME)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(NAME)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@pytest.fixture
def https_receiver(tmp_path: Path) -> Iterator[tuple[int, Path, list[dict[str, Any]]]]:
    cert_path, key_path = certificate(tmp_path)
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            seen.append({"host": self.headers["host"], "path": self.path, "body": body})
            self.send_response(503)
            self.end_headers()
            self.wfile.write(b"try later")

        def log_message(self, *_args: Any) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], cert_path, seen
    server.shutdown()
    server.server_close()


def test_a_post_goes_to_the_checked_address_with_the_names_certificate(https_receiver) -> None:  # type: ignore[no-untyped-def]
    port, cert_path, seen = https_receiver
    target = parse_target(f"https://{NAME}:{port}/in?x=1", TargetPolicy(require_https=True, allow_private=True))
    trusted = HttpTransport(verify=ssl.create_default_context(cafile=str(cert_path)))
    answer = trusted.post(OutgoingRequest(target, ["127.0.0.1"], {"webhook-id": "msg_1"}, b"{}", timeout=5))
    assert (answer.status_code, answer.error) == (503, "HTTP 503: try later")
    assert seen == [{"host": f"{NAME}:{port}", "path": "/in?x=1", "body": b"{}"}]

    untrusted = HttpTransport()  # the system's CAs do not vouch for this certificate
    refused = untrusted.post(OutgoingRequest(target, ["127.0.0.1"], {}, b"{}", timeout=5))
    assert refused.status_code is None and "CERTIFICATE_VERIFY_FAILED" in (refused.error or "")
    assert len(seen) == 1
