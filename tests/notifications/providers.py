"""Real providers for the notification tests: an SMTP server, an HTTP SMS gateway and
the file SMS outbox, each on 127.0.0.1 and torn down after the test.

Each is a context manager that also points the settings at the provider; a test module
wraps the ones it needs in fixtures.
"""

import contextlib
import email
import email.policy
import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class ReceivedMail:
    sender: str
    recipients: list[str]
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        # Python folds a long encoded subject after "Subject:", which decodes with a
        # leading space; mail clients drop it, and so does this.
        return " ".join(str(self.message["Subject"]).split())


@dataclass
class SmtpServer:
    port: int
    mails: list[ReceivedMail] = field(default_factory=list)

    def to(self, address: str) -> list[ReceivedMail]:
        return [mail for mail in self.mails if address in mail.recipients]

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        message = email.message_from_bytes(
            envelope.content, policy=email.policy.default
        )
        self.mails.append(
            ReceivedMail(envelope.mail_from, list(envelope.rcpt_tos), message)
        )
        return "250 Message accepted for delivery"


@contextlib.contextmanager
def running_smtp_server(settings):
    """aiosmtpd listening on a free port; Django's SMTP backend pointed at it."""
    server = SmtpServer(port=free_port())
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    try:
        yield server
    finally:
        controller.stop()


@dataclass
class GatewayRequest:
    path: str
    headers: dict[str, str]
    json: dict


@dataclass
class SmsGateway:
    """Records every POST; answers with ``failures`` first, then ``status``."""

    url: str = ""
    token: str = "gateway-token-for-tests"
    status: int = 202
    failures: list[int] = field(default_factory=list)
    requests: list[GatewayRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, request: GatewayRequest) -> int:
        with self.lock:
            self.requests.append(request)
            return self.failures.pop(0) if self.failures else self.status

    def references(self) -> list[str]:
        return [request.json["reference"] for request in self.requests]


def _handler_for(gateway: SmsGateway):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server API
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            status = gateway.answer(
                GatewayRequest(
                    path=self.path,
                    headers=dict(self.headers.items()),
                    json=json.loads(body.decode("utf-8")),
                )
            )
            answer = json.dumps({"accepted": 200 <= status < 300}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, format, *args):  # noqa: A002 - keep test output quiet
            pass

    return Handler


@contextlib.contextmanager
def running_sms_gateway(settings):
    """An HTTP SMS gateway on a free port; the project's ``http`` backend aimed at it."""
    gateway = SmsGateway()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(gateway))
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}/v1/messages"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL = gateway.url
    settings.SMS_GATEWAY_TOKEN = gateway.token
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class SmsOutbox:
    folder: Path
    start: int = 0  # bytes of the outbox written before the test

    @property
    def path(self) -> Path:
        return self.folder / "outbox.jsonl"

    def messages(self) -> list[dict]:
        if not self.path.exists():
            return []
        with open(self.path, "rb") as outbox:
            outbox.seek(self.start)
            data = outbox.read().decode("utf-8")
        return [json.loads(line) for line in data.splitlines() if line.strip()]

    def references(self) -> list[str]:
        return [message["reference"] for message in self.messages()]


def sms_outbox_in(settings, folder: Path) -> SmsOutbox:
    """The project's file SMS backend writing into ``folder``."""
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(folder)
    return SmsOutbox(folder=folder)
