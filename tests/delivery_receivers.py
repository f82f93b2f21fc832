"""Real receivers for the delivery tests: an aiosmtpd mail server and an HTTP webhook on
127.0.0.1 that count every message by its delivery key (the email's ``X-Runbook-Key``, the
post's ``Idempotency-Key``), and can misbehave the ways a real one does: take the message and
then close or hang, or answer 429/500 echoing what it was sent."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from tests.test_notify_channels import free_port


class Mail:
    """An SMTP server counting emails by key; ``mode``: ``ok``, ``close`` (takes the whole
    message, then drops the connection without answering) or ``hang`` (takes it, never
    answers)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.mode = "ok"
        self.received: Counter[str] = Counter()
        self.message_ids: dict[str, set[str]] = {}
        self.lock = threading.Lock()
        self.port = free_port()
        outer = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                parsed = email.message_from_bytes(
                    envelope.original_content, policy=email.policy.default
                )
                key = str(parsed["X-Runbook-Key"])
                with outer.lock:
                    outer.received[key] += 1
                    outer.message_ids.setdefault(key, set()).add(str(parsed["Message-ID"]))
                if outer.delay:
                    await asyncio.sleep(outer.delay)
                if outer.mode == "close":
                    server.transport.close()
                    return "250 never heard"
                if outer.mode == "hang":
                    await asyncio.sleep(30)
                return "250 Message accepted for delivery"

        self.controller = Controller(
            Handler(),
            hostname="127.0.0.1",
            port=self.port,
            auth_require_tls=False,
            authenticator=lambda *args: _accepted(),
        )
        self.controller.start()

    def close(self) -> None:
        self.controller.stop()


def _accepted() -> Any:
    from aiosmtpd.smtp import AuthResult

    return AuthResult(success=True)


class Hook:
    """A webhook counting posts by Idempotency-Key once their whole body is read; ``mode``:
    ``ok``, ``close`` (reads it, drops the connection), ``hang`` (reads it, answers after
    ``hang`` seconds), or ``(status, body)`` answered every time."""

    def __init__(self, delay: float = 0.0, secret: str = "T0KEN-SECRET") -> None:
        self.delay = delay
        self.mode: Any = "ok"
        self.hang = 3.0
        self.received: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.release = threading.Event()
        self.hold = False
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                if len(body) < length:
                    return  # the sender went away mid-body: nothing was posted
                key = str(self.headers.get("Idempotency-Key"))
                with outer.lock:
                    outer.received[key] += 1
                if outer.delay:
                    time.sleep(outer.delay)
                if outer.hold:
                    outer.release.wait(60)
                mode = outer.mode
                try:
                    if mode == "close":
                        self.close_connection = True
                        self.connection.close()
                        return
                    if mode == "hang":
                        time.sleep(outer.hang)
                    status, answer = mode if isinstance(mode, tuple) else (200, "ok")
                    data = answer.encode()
                    self.send_response(status)
                    if status == 429:
                        self.send_header("Retry-After", "0")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the sender gave up waiting

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the request line holds the secret path

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 128

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/{secret}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
