"""What every fake scheduling product shares: a real HTTP server on 127.0.0.1 in a thread.

Each product's fake (:mod:`tests.fakes.postiz`, ``hootsuite``, ``buffer``, ``meta``) answers
its routes in :meth:`FakeProduct.route`; this base serves them, logs every request (method,
path, query, headers, body) so tests can count and inspect them, adds a fixed latency per
request (the benchmark's 20 ms), injects faults planned by a test (``plan``: a status with an
optional ``Retry-After``), and
serves media files at ``/media/<name>`` (a missing name is 404: media gone).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Seen:
    """One request as the fake received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


@dataclass
class Answer:
    """What a route answers: status, JSON body (None: empty) and headers."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class FakeProduct:
    """A product's API served over HTTP (subclasses answer :meth:`route`)."""

    def __init__(self, *, now: Callable[[], datetime] | None = None, latency: float = 0.0):
        self.now = now or (lambda: datetime.now(UTC))
        self.latency = latency
        self.lock = threading.RLock()
        self.seen: list[Seen] = []
        self.media: set[str] = set()
        self._plans: list[tuple[str, str, list[str]]] = []
        self._server: ThreadingHTTPServer | None = None
        self.url = ""
        self.before: Callable[[Seen], None] | None = None
        """Called with each request before it is answered (a test's witness)."""

    # -- test controls -------------------------------------------------------------------
    def plan(self, method: str, path_part: str, *actions: str) -> None:
        """The next requests matching ``method`` and containing ``path_part`` get, in turn,
        ``actions``: ``"500"``, ``"429:2"`` (with Retry-After 2)."""
        with self.lock:
            self._plans.append((method, path_part, list(actions)))

    def requests(self, method: str | None = None, part: str = "") -> list[Seen]:
        """Requests received, optionally only ``method`` on paths containing ``part``."""
        with self.lock:
            return [
                s for s in self.seen if (method is None or s.method == method) and part in s.path
            ]

    # -- serving -------------------------------------------------------------------------
    def start(self) -> FakeProduct:
        """Serve on 127.0.0.1 on a free port in a daemon thread; ``url`` is its address."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                fake._handle(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _any

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        self._server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeProduct:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def route(self, seen: Seen) -> Answer:
        """The product's answer to one request (subclasses)."""
        raise NotImplementedError

    # -- one request ---------------------------------------------------------------------
    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        parts = urllib.parse.urlsplit(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        kind = request.headers.get("Content-Type", "")
        body: Any = raw.decode("utf-8", "replace")
        if raw and "json" in kind:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        elif raw and "form" in kind:
            body = dict(urllib.parse.parse_qsl(body))
        seen = Seen(
            request.command,
            parts.path,
            urllib.parse.parse_qs(parts.query),
            {k.lower(): v for k, v in request.headers.items()},
            body,
        )
        with self.lock:
            self.seen.append(seen)
            action = self._planned(seen)
        if self.before is not None:
            self.before(seen)
        if self.latency:
            time.sleep(self.latency)
        if action:
            code, _, wait = action.partition(":")
            headers = {"Retry-After": wait} if wait else {}
            answer = Answer(int(code), self.error_body(int(code), "planned failure"), headers)
        elif parts.path.startswith("/media/"):
            name = parts.path.removeprefix("/media/")
            answer = Answer(200, {"media": name}) if name in self.media else Answer(404, {})
        else:
            with self.lock:
                answer = self.route(seen)
        self._send(request, answer)

    def error_body(self, status: int, message: str) -> Any:
        """The product's error shape (subclasses)."""
        return {"message": message}

    def _planned(self, seen: Seen) -> str:
        for index, (method, part, actions) in enumerate(self._plans):
            if method == seen.method and part in seen.path and actions:
                action = actions.pop(0)
                if not actions:
                    del self._plans[index]
                return action
        return ""

    @staticmethod
    def _send(request: BaseHTTPRequestHandler, answer: Answer) -> None:
        raw = b"" if answer.body is None else json.dumps(answer.body).encode()
        try:
            request.send_response(answer.status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(raw)))
            for name, value in answer.headers.items():
                request.send_header(name, value)
            request.end_headers()
            if request.command != "HEAD":
                request.wfile.write(raw)
        except OSError:
            pass


def parse_time(value: str) -> datetime | None:
    """An ISO 8601 time (``Z`` allowed) as an aware datetime, or None."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso(moment: datetime) -> str:
    """``2026-12-01T09:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
