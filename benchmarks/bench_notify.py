"""Benchmark: how fast runbook tells 200 people through a chat webhook.

Goal: 200 notifications through :class:`~runbook.effects.notify.webhook.ChatWebhook` against a
receiver that takes 50 ms per post finish in under 1 s (one after the other they would take
10 s). The receiver is a ``ThreadingHTTPServer`` on 127.0.0.1 (one thread per request, a
listen backlog big enough for the burst), so the figures measure runbook's fan-out, not a
single-threaded test server.

Run: ``.venv/bin/python benchmarks/bench_notify.py`` (prints figures, asserts nothing).
"""

from __future__ import annotations

import statistics
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from runbook.effects import Message
from runbook.effects.notify.fanout import deliver_all
from runbook.effects.notify.webhook import ChatWebhook
from runbook.model.contacts import WebhookChannel

RECIPIENTS = 200
SERVICE_TIME = 0.050
CONCURRENCY = (16, 32, 64)


class Receiver:
    """A chat webhook stand-in that takes ``SERVICE_TIME`` per post and counts overlap."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.in_flight += 1
                    receiver.most = max(receiver.most, receiver.in_flight)
                time.sleep(SERVICE_TIME)
                with receiver.lock:
                    receiver.in_flight -= 1
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 512

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/bench"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()


def main() -> None:
    receiver = Receiver()
    config = WebhookChannel(kind="webhook", url_env="HOOK", timeout=timedelta(seconds=10))
    chat = ChatWebhook("chat", config, environ={"HOOK": receiver.url})
    messages = [
        Message(
            person=f"p{i}",
            name=f"Person {i}",
            address=f"@p{i}",
            channel="chat",
            subject="SEV1 Hacked brand account [INC-1]",
            body="A SEV1 incident is open.\nAcknowledge: runbook ack INC-1 --as <your id>\n",
            roles=("comms_on_call",),
        )
        for i in range(RECIPIENTS)
    ]

    chat.send(messages[0], "warm-up")
    singles = []
    for i in range(5):
        started = time.perf_counter()
        chat.send(messages[0], f"single-{i}")
        singles.append(time.perf_counter() - started)
    single = statistics.median(singles)

    service_ms = SERVICE_TIME * 1000
    print(
        f"notify {RECIPIENTS} recipients via ChatWebhook; receiver takes {service_ms:.0f} ms/post"
    )
    print(f"single delivery latency (median of 5): {single * 1000:.1f} ms")
    print(f"sequential estimate: {RECIPIENTS * single:.2f} s")
    print(f"{'concurrency':>11}  {'total':>8}  {'x single':>8}  {'peak in flight':>14}  ok")
    for concurrency in CONCURRENCY:
        receiver.most = 0
        deliveries = [(m, f"bench-{concurrency}:{m.person}") for m in messages]
        started = time.perf_counter()
        results = deliver_all(deliveries, {"chat": chat}, concurrency=concurrency)
        total = time.perf_counter() - started
        ok = sum(r["ok"] for r in results)
        print(
            f"{concurrency:>11}  {total:>7.3f}s  {total / single:>8.1f}  {receiver.most:>14}"
            f"  {ok}/{RECIPIENTS}"
        )
    print(f"goal: {RECIPIENTS} recipients in < 1 s (default concurrency is 16)")
    receiver.server.shutdown()


if __name__ == "__main__":
    main()
