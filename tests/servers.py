"""Real servers on 127.0.0.1 for the tests that send: an SMTP server (plain, STARTTLS, implicit TLS) with a test
certificate authority made in the test, an HTTP server standing in for the Telegram Bot API, and webhook
receivers (one that fails for a while and then recovers)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SMTP_USER, SMTP_PASSWORD = "diemtin", "mat-khau-thu"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ---------------------------------------------------------------------------------------------- certificates
@dataclass(frozen=True)
class TestCertificates:
    ca_file: Path  # what the client trusts (smtp.ca_certs)
    cert_file: Path  # the server's certificate for 127.0.0.1 and localhost
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def make_certificates(folder: Path) -> TestCertificates:
    """A throw-away certificate authority and a server certificate it signed, for 127.0.0.1."""
    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Diem tin test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
          .not_valid_after(now + dt.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = TestCertificates(folder / "ca.pem", folder / "server.pem", folder / "server-key.pem")
    paths.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()))
    return paths


# ---------------------------------------------------------------------------------------------- SMTP
def _encrypted(server: Any) -> bool:
    """Whether the session runs over TLS (implicit or after STARTTLS), as the server's transport says."""
    return server.transport.get_extra_info("sslcontext") is not None


class Mailbox:
    """An aiosmtpd handler that keeps what it receives, who logged in, and whether the session was encrypted."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []
        self.logins: list[tuple[bytes, bytes, bool]] = []
        self.encrypted: list[bool] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.envelopes.append(envelope)
        self.encrypted.append(_encrypted(server))
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        self.logins.append((auth_data.login, auth_data.password, _encrypted(server)))
        return AuthResult(success=auth_data.login == SMTP_USER.encode() and auth_data.password == SMTP_PASSWORD.encode())


@dataclass
class SmtpServer:
    mode: str  # none | starttls | ssl
    port: int
    mailbox: Mailbox
    ca_file: Path | None = None

    def settings(self, **extra: Any) -> dict[str, Any]:
        """The home's "smtp" settings that reach this server."""
        values: dict[str, Any] = {"host": "127.0.0.1", "port": self.port, "tls": self.mode, "timeout": 10,
                                  "sender": "canhbao@sovhttdl.thainguyen.gov.vn"}
        if self.ca_file:
            values["ca_certs"] = str(self.ca_file)
        if self.mode != "none":
            values.update(user=SMTP_USER, password=SMTP_PASSWORD)
        return {**values, **extra}


@contextmanager
def smtp_server(mode: str, certificates: TestCertificates | None = None, *,
                offer_starttls: bool = True) -> Iterator[SmtpServer]:
    """``none``: plain SMTP, AUTH allowed in clear (what a careless relay does); ``starttls``: plain then
    upgraded, AUTH only once encrypted; ``ssl``: TLS from the first byte. ``offer_starttls=False`` makes a
    server that never offers STARTTLS."""
    mailbox = Mailbox()
    port = free_port()
    kwargs: dict[str, Any] = {"authenticator": mailbox.authenticate}
    if mode == "ssl":
        assert certificates
        # The whole session is encrypted; aiosmtpd's auth_require_tls only knows STARTTLS, so it stays off here.
        kwargs.update(ssl_context=certificates.server_context(), auth_require_tls=False)
    elif mode == "starttls" and offer_starttls:
        assert certificates
        kwargs.update(tls_context=certificates.server_context(), require_starttls=True, auth_require_tls=True)
    else:
        kwargs.update(auth_require_tls=False)
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield SmtpServer(mode, port, mailbox, certificates.ca_file if certificates else None)
    finally:
        controller.stop()


# ---------------------------------------------------------------------------------------------- HTTP
@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class HttpStandIn:
    """A local HTTP server; ``answer(request_number, recorded) -> (status, json body)`` decides each answer."""

    answer: Callable[[int, Recorded], tuple[int, Any]]
    requests: list[Recorded] = field(default_factory=list)
    port: int = 0
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> HttpStandIn:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's hook name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                recorded = Recorded(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                stand_in.requests.append(recorded)
                status, payload = stand_in.answer(len(stand_in.requests), recorded)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()


def telegram_answer(number: int, request: Recorded) -> tuple[int, Any]:
    """What the Bot API answers to sendMessage: the message back, with an id."""
    if not request.path.endswith("/sendMessage"):
        return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
    if "/botTEST-TOKEN/" not in request.path:
        return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
    body = request.json()
    if not str(body.get("chat_id", "")).lstrip("-").isdigit():
        return 400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
    return 200, {"ok": True, "result": {"message_id": number, "chat": {"id": int(body["chat_id"])},
                                        "text": body["text"]}}


def failing_then_ok(failures: int, status: int = 503) -> Callable[[int, Recorded], tuple[int, Any]]:
    """A receiver that is down for its first ``failures`` requests and then recovers."""
    def answer(number: int, request: Recorded) -> tuple[int, Any]:
        if number <= failures:
            return status, {"error": "service unavailable"}
        return 200, {"received": True}
    return answer


@contextmanager
def http_stand_in(answer: Callable[[int, Recorded], tuple[int, Any]]) -> Iterator[HttpStandIn]:
    server = HttpStandIn(answer).start()
    try:
        yield server
    finally:
        server.stop()
