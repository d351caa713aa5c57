"""A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives.

Addresses in ``refuse`` get an SMTP error for RCPT TO (a 4xx code: try later; 5xx: never);
``credentials`` turns on AUTH LOGIN/PLAIN with that one username and password.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def body(self) -> str:
        """The text body with the wire's CRLF line ends read back as newlines."""
        return str(self.message.get_content()).replace("\r\n", "\n")


@dataclass
class SmtpRecorder:
    """The aiosmtpd handler: answers per ``refuse`` and records each delivered message."""

    refuse: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address.lower() in self.refuse:
            return self.refuse[address.lower()]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [r.message for r in self.received if address in r.rcpt_tos]


@dataclass
class SmtpServer:
    host: str
    port: int
    recorder: SmtpRecorder

    @property
    def received(self) -> list[Received]:
        return self.recorder.received


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(refuse: dict[str, str] | None = None,
                credentials: tuple[str, str] | None = None) -> Iterator[SmtpServer]:
    recorder = SmtpRecorder(refuse={k.lower(): v for k, v in (refuse or {}).items()})
    options: dict[str, Any] = {}
    if credentials is not None:

        def authenticate(server: Any, session: Any, envelope: Any, mechanism: str,
                         auth_data: Any) -> AuthResult:
            ok = isinstance(auth_data, LoginPassword) and (
                auth_data.login.decode(), auth_data.password.decode()) == credentials
            return AuthResult(success=ok, handled=False)

        # Plain-text AUTH is fine on 127.0.0.1 in a test.
        options = {"authenticator": authenticate, "auth_require_tls": False,
                   "auth_required": True}
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, recorder)
    finally:
        controller.stop()
