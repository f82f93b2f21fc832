"""Benchmark: how fast runbook holds a brand's scheduled posts.

(a) Holding 10,000 posts in a CSV content calendar with
    :class:`~runbook.effects.scheduler.file_calendar.FileCalendar` (lock, one read, hash,
    temporary file, fsync, change check, ``os.replace``), as a ratio to a plain read-modify-write
    of the same file with the ``csv`` module (no lock, no fsync, no check). Goal: < 3x.
(b) Holding 1,000 posts through :class:`~runbook.effects.scheduler.http.HttpScheduler` against
    a ``ThreadingHTTPServer`` on 127.0.0.1 that takes 20 ms per request; one after the other
    that would be at least 20 s.

Run: ``.venv/bin/python benchmarks/bench_scheduler.py`` (prints figures, asserts nothing).
"""

from __future__ import annotations

import csv
import json
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from runbook.effects.scheduler.file_calendar import FileCalendar
from runbook.effects.scheduler.http import HttpScheduler

FILE_POSTS = 10_000
HTTP_POSTS = 1_000
SERVICE_TIME = 0.020
CONCURRENCY = (8, 16, 32)
REPEATS = 7
TOKEN_ENV = "BENCH_SCHEDULER_TOKEN"


def calendar_text() -> str:
    rows = [
        f"p{i},{('x', 'instagram', 'linkedin')[i % 3]},2030-01-{1 + i % 28:02d}T09:00:00Z,"
        f'"Post {i}: our autumn range, now in store — don\'t miss it",scheduled,owner{i % 9},'
        "campaign-q4\n"
        for i in range(FILE_POSTS)
    ]
    return "id,channel,scheduled_at,text,status,owner,campaign\n" + "".join(rows)


def plain_csv_hold(path: Path) -> None:
    """The baseline: read every row, set status, write every row back."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    status = rows[0].index("status")
    for row in rows[1:]:
        row[status] = "held"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def timed(setup: Callable[[], Any], runs: dict[str, Callable[[Any], Any]]) -> dict[str, list]:
    """Time each run ``REPEATS`` times, interleaved so machine noise hits them alike."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(REPEATS):
        for name, run in runs.items():
            state = setup()
            started = time.perf_counter()
            run(state)
            times[name].append(time.perf_counter() - started)
    return times


def bench_file() -> None:
    text = calendar_text()
    ids = [f"p{i}" for i in range(FILE_POSTS)]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "calendar.csv"

        def fresh() -> FileCalendar:
            path.write_text(text, encoding="utf-8")
            return FileCalendar("calendar", path)

        times = timed(
            fresh,
            {
                "hold": lambda calendar: calendar.hold(ids, "bench"),
                "plain": lambda calendar: plain_csv_hold(path),
                "list": lambda calendar: calendar.list_posts(),
            },
        )
        fresh().hold(ids, "bench")
        held = sum(status == "held" for status in FileCalendar("c", path).status(ids).values())
    size = len(text.encode()) / 1e6
    hold, plain = times["hold"], times["plain"]
    print(f"(a) file calendar: {FILE_POSTS:,} posts, {size:.1f} MB CSV, {REPEATS} runs each")
    print(
        f"    FileCalendar.hold (all posts)   best {min(hold) * 1e3:6.1f} ms   "
        f"median {statistics.median(hold) * 1e3:6.1f} ms"
    )
    print(
        f"    plain csv read-modify-write     best {min(plain) * 1e3:6.1f} ms   "
        f"median {statistics.median(plain) * 1e3:6.1f} ms"
    )
    print(
        f"    ratio                           best {min(hold) / min(plain):6.2f}x    "
        f"median {statistics.median(hold) / statistics.median(plain):6.2f}x   (goal < 3x)"
    )
    listing = times["list"]
    print(f"    FileCalendar.list_posts         {min(listing) * 1e3:7.1f} ms")
    print(f"    posts held afterwards           {held:,}")


class Scheduler:
    """A REST scheduler stand-in taking ``SERVICE_TIME`` per request, counting overlap."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.posts = {f"p{i}": "scheduled" for i in range(HTTP_POSTS)}
        self.in_flight = 0
        self.most = 0
        scheduler = self

        class Handler(BaseHTTPRequestHandler):
            def do_PATCH(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                pid = self.path.rsplit("/", 1)[-1]
                with scheduler.lock:
                    scheduler.in_flight += 1
                    scheduler.most = max(scheduler.most, scheduler.in_flight)
                time.sleep(SERVICE_TIME)
                with scheduler.lock:
                    scheduler.in_flight -= 1
                    scheduler.posts[pid] = body["status"]
                raw = json.dumps({"id": pid, "status": body["status"]}).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 512

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def bench_http() -> None:
    scheduler = Scheduler()
    ids = list(scheduler.posts)
    print(f"(b) HTTP scheduler: {HTTP_POSTS:,} posts, {SERVICE_TIME * 1e3:.0f} ms per request")
    for concurrency in CONCURRENCY:
        for pid in ids:
            scheduler.posts[pid] = "scheduled"
        scheduler.most = 0
        adapter = HttpScheduler(
            "bench",
            scheduler.url,
            token_env=TOKEN_ENV,
            concurrency=concurrency,
            environ={TOKEN_ENV: "bench-token"},
        )
        started = time.perf_counter()
        outcome = adapter.hold(ids, "bench")
        elapsed = time.perf_counter() - started
        floor = HTTP_POSTS * SERVICE_TIME / concurrency
        default = " (default)" if concurrency == 8 else ""
        print(
            f"    concurrency {concurrency:2d}{default:10s} {elapsed:6.2f} s  "
            f"{HTTP_POSTS / elapsed:6.0f} posts/s  held {len(outcome.done):,}, "
            f"failed {len(outcome.failures)}, most in flight {scheduler.most} "
            f"(ideal {floor:.2f} s)"
        )
    scheduler.server.shutdown()


if __name__ == "__main__":
    bench_file()
    bench_http()
