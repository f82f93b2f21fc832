"""The REST scheduler adapter, against a real HTTP server on 127.0.0.1 with switchable faults."""

from __future__ import annotations

import base64
import json
import logging
import socket
import threading
import time
import urllib.parse
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from pydantic import TypeAdapter, ValidationError

from runbook.effects.scheduler.factory import build_scheduler
from runbook.effects.scheduler.http import HttpScheduler
from runbook.errors import EffectError
from runbook.model.schedulers import HttpSchedulerConfig, SchedulerConfig

TOKEN = "tok-8f2a61c9d0e34b7e"
ENV = "RUNBOOK_TEST_SCHEDULER_TOKEN"


@dataclass
class Seen:
    """One request the fake scheduler received."""

    method: str
    target: str
    """The post id, or ``list``."""
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any


class FakeScheduler:
    """In-memory posts behind the documented API, with faults planned per (method, target).

    Planned actions are used up one per request: ``500``, ``apply+500`` (apply, then lose the
    answer), ``429:<seconds>``, ``hang:<seconds>``, ``echo:<status>`` (answer with the
    Authorization header in the body), ``redirect``. ``refuse`` answers a status every time.
    """

    def __init__(self, posts: list[dict[str, Any]]) -> None:
        self.posts = {post["id"]: dict(post) for post in posts}
        self.lock = threading.Lock()
        self.requests: list[Seen] = []
        self.plans: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.refuse: dict[tuple[str, str], int] = {}
        self.stop = threading.Event()
        self.delay = 0.0
        self.in_flight = 0
        self.max_in_flight = 0
        self.base_url = ""

    def plan(self, method: str, target: str, *actions: str) -> None:
        self.plans[(method, target)].extend(actions)

    def seen(self, method: str | None = None, target: str | None = None) -> list[Seen]:
        return [
            r
            for r in self.requests
            if (method is None or r.method == method) and (target is None or r.target == target)
        ]

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        url = urlsplit(request.path)
        path = url.path.removeprefix("/api")
        target = "list" if path == "/posts" else unquote(path.removeprefix("/posts/"))
        length = int(request.headers.get("Content-Length") or 0)
        body = json.loads(request.rfile.read(length)) if length else None
        with self.lock:
            self.requests.append(
                Seen(request.command, target, parse_qs(url.query), dict(request.headers), body)
            )
            plan = self.plans.get((request.command, target))
            action = plan.pop(0) if plan else ""
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                time.sleep(self.delay)
        finally:
            # No longer in flight once the answer starts: the client may send its next request
            # the moment it reads this one, before this thread gets to run again.
            with self.lock:
                self.in_flight -= 1
        self._answer(request, target, body, action)

    def _answer(self, request: Any, target: str, body: Any, action: str) -> None:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return send(request, 401, {"error": "unauthorized"})
        if action.startswith("hang:"):
            self.stop.wait(float(action.split(":")[1]))
            return send(request, 503, {"error": "too late"})
        if action == "500":
            return send(request, 500, {"error": "database unavailable"})
        if action.startswith("429:"):
            return send(request, 429, {"error": "slow down"}, {"Retry-After": action[4:]})
        if action.startswith("echo:"):
            auth = request.headers.get("Authorization")
            return send(request, int(action[5:]), {"error": f"request had {auth}"})
        if action.startswith("encoded:"):  # the token quoted back in every encoding
            token = (request.headers.get("Authorization") or "").removeprefix("Bearer ")
            raw = token.encode("utf-8")
            words = (
                f"b64={base64.b64encode(raw).decode()} "
                f"basic={base64.b64encode(b'svc:' + raw).decode()} "
                f"url={urllib.parse.quote(token, safe='')} hex={raw.hex()} "
                f"json={json.dumps(token)}"
            )
            return send(request, int(action[8:]), {"error": words})
        if action == "redirect":
            return send(request, 302, {}, {"Location": "http://elsewhere.example/steal"})
        code = self.refuse.get((request.command, target))
        if code:
            return send(request, code, {"message": f"not allowed for {target}"})
        if target == "list":
            return self._list(request)
        with self.lock:
            post = self.posts.get(target)
            if post is None:
                return send(request, 404, {"error": "no such post"})
            if request.command == "PATCH":
                post.update(body)
            answer = dict(post)
        if action == "apply+500":
            return send(request, 500, {"error": "gateway lost the answer"})
        send(request, 200, answer)

    def _list(self, request: Any) -> None:
        query = parse_qs(urlsplit(request.path).query)
        page, per_page = int(query["page"][0]), int(query["per_page"][0])
        with self.lock:
            posts = list(self.posts.values())
        chunk = posts[(page - 1) * per_page : page * per_page]
        more = page * per_page < len(posts)
        send(request, 200, {"posts": chunk, "next_page": page + 1 if more else None})


def send(request: Any, code: int, data: Any, headers: dict[str, str] | None = None) -> None:
    raw = json.dumps(data).encode()
    try:
        request.send_response(code)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(raw)))
        for name, value in (headers or {}).items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(raw)
    except OSError:
        pass  # the client gave up (timeout test)


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.server.fake.handle(self)

    def do_PATCH(self) -> None:
        self.server.fake.handle(self)

    def log_message(self, *args: Any) -> None:
        pass


def make_posts(count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"p{i}",
            "channel": ("x", "instagram")[i % 2],
            "scheduled_at": f"2026-11-2{1 + i % 5}T15:00:00Z",
            "text": f"Post {i}: Black Friday deals",
            "status": "scheduled",
        }
        for i in range(1, count + 1)
    ]


@contextmanager
def serving(fake: FakeScheduler, handler: type[Handler] = Handler) -> Iterator[FakeScheduler]:
    """``fake`` served over HTTP on 127.0.0.1 (its ``base_url`` set) until the block ends."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.fake = fake
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}/api"
    try:
        yield fake
    finally:
        fake.stop.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def api():
    with serving(FakeScheduler(make_posts(5))) as fake:
        yield fake


def client(api: FakeScheduler, **options: Any) -> HttpScheduler:
    settings = {"timeout": 1.0, "backoff": 0.01, "max_retries": 3, "environ": {ENV: TOKEN}}
    return HttpScheduler("postiz", api.base_url, token_env=ENV, **(settings | options))


# -- listing --------------------------------------------------------------------------------


def test_listing_follows_every_page_and_sends_the_bearer_token(api):
    posts = client(api, page_size=2).list_posts()
    assert [p.id for p in posts] == ["p1", "p2", "p3", "p4", "p5"]
    assert posts[0].excerpt == "Post 1: Black Friday deals"
    assert posts[0].scheduler == "postiz"
    pages = api.seen("GET", "list")
    assert [(r.query["page"], r.query["per_page"]) for r in pages] == [
        (["1"], ["2"]),
        (["2"], ["2"]),
        (["3"], ["2"]),
    ]
    assert {r.headers["Authorization"] for r in pages} == {f"Bearer {TOKEN}"}


def test_a_failing_page_is_retried_and_listing_completes(api):
    api.plan("GET", "list", "500", "429:0")
    assert len(client(api).list_posts()) == 5
    assert len(api.seen("GET", "list")) == 3


def test_an_answer_that_is_not_a_post_list_is_a_clear_error(api):
    api.posts.clear()
    api.refuse[("GET", "list")] = 200  # answers {"message": ...} with 200
    with pytest.raises(EffectError, match=r"/api/posts\?page=1.* did not answer with a list"):
        client(api).list_posts()


# -- holding and releasing ------------------------------------------------------------------


def test_holding_and_releasing_round_trip_with_a_new_time(api):
    scheduler = client(api)
    held = scheduler.hold(["p1", "p2"], "INC-7:pause")
    assert [(d["id"], d["status"], d["channel"]) for d in held.done] == [
        ("p1", "held", "instagram"),
        ("p2", "held", "x"),
    ]
    assert held.failures == []
    assert api.posts["p1"]["status"] == "held"
    assert scheduler.status(["p1", "p2", "p3"]) == {"p1": "held", "p2": "held", "p3": "scheduled"}
    patches = api.seen("PATCH")
    assert sorted(r.headers["Idempotency-Key"] for r in patches) == [
        "INC-7:pause:p1",
        "INC-7:pause:p2",
    ]
    assert {json.dumps(r.body) for r in patches} == {'{"status": "held"}'}

    released = scheduler.release(["p1", "p2"], "INC-7:resume", {"p2": "2026-11-30T10:00:00Z"})
    assert [d["status"] for d in released.done] == ["scheduled", "scheduled"]
    assert api.posts["p2"]["scheduled_at"] == "2026-11-30T10:00:00Z"
    assert api.posts["p1"]["scheduled_at"] == "2026-11-22T15:00:00Z"  # kept its own time
    assert scheduler.status(["p1", "p2"]) == {"p1": "scheduled", "p2": "scheduled"}


def test_a_server_error_is_retried_until_the_hold_succeeds(api):
    api.plan("PATCH", "p1", "500", "500")
    outcome = client(api).hold(["p1"], "k")
    assert [d["id"] for d in outcome.done] == ["p1"]
    assert [r.method for r in api.seen(target="p1")] == ["PATCH", "GET", "PATCH", "GET", "PATCH"]


def test_a_rate_limit_waits_as_long_as_retry_after_says(api):
    api.plan("PATCH", "p1", "429:0.4")
    started = time.monotonic()
    outcome = client(api, backoff=0.001).hold(["p1"], "k")
    assert time.monotonic() - started >= 0.4
    assert [d["id"] for d in outcome.done] == ["p1"]


def test_a_rate_limit_asking_for_minutes_is_reported_instead_of_waited_out(api):
    api.plan("PATCH", "p1", "429:600")
    outcome = client(api).hold(["p1"], "k")
    assert "HTTP 429" in outcome.failures[0]["error"]
    assert "wait 600 s" in outcome.failures[0]["error"]


def test_a_hanging_scheduler_times_out_is_retried_and_reported_as_transient(api):
    api.plan("PATCH", "p1", "hang:5", "hang:5")
    outcome = client(api, timeout=1.0, max_retries=1).hold(["p1", "p2"], "k")
    # Without the timeout the hanging PATCH would have succeeded after 5 s.
    assert [d["id"] for d in outcome.done] == ["p2"]
    (failure,) = outcome.failures
    assert failure["id"] == "p1"
    assert failure["transient"] is True
    assert "could not hold post p1" in failure["error"]
    assert "no answer within 1 s" in failure["error"]
    assert len(api.seen("PATCH", "p1")) == 2


def test_a_refusal_is_not_retried_and_does_not_stop_the_other_posts(api):
    api.refuse[("PATCH", "p2")] = 403
    outcome = client(api).hold(["p1", "p2", "p3"], "k")
    assert [d["id"] for d in outcome.done] == ["p1", "p3"]
    (failure,) = outcome.failures
    assert failure["id"] == "p2"
    assert failure["transient"] is False
    assert "could not hold post p2" in failure["error"]
    assert "HTTP 403" in failure["error"]
    assert "/api/posts/p2" in failure["error"]
    assert len(api.seen("PATCH", "p2")) == 1
    assert api.seen("GET", "p2") == []


def test_a_post_the_scheduler_no_longer_has_is_a_failure_and_reads_back_missing(api):
    scheduler = client(api)
    outcome = scheduler.hold(["ghost"], "k")
    assert "could not hold post ghost" in outcome.failures[0]["error"]
    assert "HTTP 404" in outcome.failures[0]["error"]
    assert len(api.seen("PATCH", "ghost")) == 1
    assert scheduler.status(["p1", "ghost"]) == {"p1": "scheduled", "ghost": "missing"}


def test_a_hold_whose_answer_was_lost_is_read_back_not_sent_twice(api):
    api.plan("PATCH", "p1", "apply+500")
    outcome = client(api).hold(["p1"], "k")
    assert [d["status"] for d in outcome.done] == ["held"]
    assert [r.method for r in api.seen(target="p1")] == ["PATCH", "GET"]


def test_a_release_whose_answer_was_lost_is_read_back_not_sent_twice(api):
    api.posts["p1"]["status"] = "held"
    api.plan("PATCH", "p1", "apply+500")
    outcome = client(api).release(["p1"], "k", {"p1": "2026-12-01T09:00:00+00:00"})
    assert [d["scheduled_at"] for d in outcome.done] == ["2026-12-01T09:00:00+00:00"]
    assert [r.method for r in api.seen(target="p1")] == ["PATCH", "GET"]


def test_holding_a_held_post_and_releasing_a_scheduled_one_are_success(api):
    api.posts["p1"]["status"] = "held"
    scheduler = client(api)
    assert [d["id"] for d in scheduler.hold(["p1"], "k").done] == ["p1"]
    assert [d["id"] for d in scheduler.release(["p2"], "k", {}).done] == ["p2"]


def test_posts_are_held_concurrently_but_never_more_than_the_limit(api):
    api.posts = {post["id"]: post for post in make_posts(24)}
    api.delay = 0.05
    outcome = client(api, concurrency=4).hold(list(api.posts), "k")
    assert len(outcome.done) == 24
    assert 2 <= api.max_in_flight <= 4


def test_a_redirect_is_not_followed(api):
    api.plan("PATCH", "p1", "redirect")
    outcome = client(api).hold(["p1"], "k")
    assert "HTTP 302" in outcome.failures[0]["error"]
    assert "correct base_url" in outcome.failures[0]["error"]
    assert len(api.requests) == 1


def test_an_unreachable_scheduler_is_a_transient_failure(api):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    scheduler = HttpScheduler(
        "postiz",
        f"http://127.0.0.1:{port}",
        token_env=ENV,
        backoff=0.01,
        max_retries=1,
        environ={ENV: TOKEN},
    )
    outcome = scheduler.hold(["p1"], "k")
    assert outcome.failures[0]["transient"] is True
    assert "cannot connect" in outcome.failures[0]["error"]
    with pytest.raises(EffectError, match="cannot connect") as info:
        scheduler.list_posts()
    assert info.value.transient


# -- the token stays secret ---------------------------------------------------------------------


def test_a_missing_token_variable_is_named_without_any_request(api):
    for environ in ({}, {ENV: "  "}):
        scheduler = client(api, environ=environ)
        for call in (
            scheduler.list_posts,
            lambda s=scheduler: s.hold(["p1"], "k"),
            lambda s=scheduler: s.release(["p1"], "k", {}),
            lambda s=scheduler: s.status(["p1"]),
        ):
            with pytest.raises(EffectError, match=f"environment variable {ENV} is not set"):
                call()
    assert api.requests == []


def test_the_token_never_appears_in_an_error_a_log_line_or_a_repr(api, caplog):
    caplog.set_level(logging.DEBUG)
    scheduler = client(api, max_retries=1, timeout=0.2)
    messages: list[str] = []
    api.plan("PATCH", "p1", "echo:403")
    api.plan("PATCH", "p2", "echo:500", "echo:500")
    api.plan("PATCH", "p3", "echo:429", "echo:429")
    api.plan("PATCH", "p4", "hang:3", "hang:3")
    outcome = scheduler.hold(["p1", "p2", "p3", "p4", "ghost"], "k")
    assert len(outcome.failures) == 5
    messages += [failure["error"] for failure in outcome.failures]
    assert "[token]" in outcome.failures[0]["error"]  # the echo was scrubbed, not dropped

    api.plan("GET", "list", "echo:500", "echo:500")
    api.plan("GET", "p5", "echo:401", "echo:401")
    for call in (scheduler.list_posts, lambda: scheduler.status(["p5"])):
        with pytest.raises(EffectError) as info:
            call()
        messages.append(str(info.value))
    api.refuse[("PATCH", "p5")] = 401
    messages.append(scheduler.release(["p5"], "k", {}).failures[0]["error"])

    assert all(message for message in messages)
    for message in [*messages, repr(scheduler), caplog.text]:
        assert TOKEN not in message


def test_a_token_echoed_in_any_encoding_is_scrubbed_from_every_error(api):
    scheduler = client(api, max_retries=0, timeout=0.5)
    api.plan("PATCH", "p1", "encoded:403")
    error = scheduler.hold(["p1"], "k").failures[0]["error"]
    raw = TOKEN.encode("utf-8")
    assert "b64=" in error  # the answer is quoted, its secrets are not
    assert "hex=" in error
    for form in (
        TOKEN,
        base64.b64encode(raw).decode(),
        base64.b64encode(raw).decode().rstrip("="),
        urllib.parse.quote(TOKEN, safe=""),
        raw.hex(),
        json.dumps(TOKEN)[1:-1],
    ):
        assert form not in error, form
    assert TOKEN[3:-3].encode().hex() not in error
    core = base64.b64encode(b"svc:" + raw).decode()[8:-8]
    assert core not in error, "the token inside a longer base64 text"


# -- configuration ----------------------------------------------------------------------------


def test_an_http_scheduler_config_builds_an_adapter_with_its_settings(tmp_path):
    config = TypeAdapter(SchedulerConfig).validate_python(
        {
            "kind": "http",
            "base_url": "https://schedule.example.com/api/v1/",
            "token_env": "RUNBOOK_POSTIZ_TOKEN",
            "timeout": "5s",
            "concurrency": 3,
        }
    )
    assert isinstance(config, HttpSchedulerConfig)
    adapter = build_scheduler("postiz", config, tmp_path)
    assert isinstance(adapter, HttpScheduler)
    assert (adapter.base_url, adapter.timeout, adapter.concurrency) == (
        "https://schedule.example.com/api/v1",
        5.0,
        3,
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"base_url": "ftp://files.example.com"}, "is not a web address"),
        ({"base_url": "https://me:pw@x.example.com"}, "must not hold a user name or password"),
        ({"token_env": "my-token"}, "String should match pattern"),
        ({"token": "abc"}, "Extra inputs are not permitted"),
        ({"concurrency": 0}, "greater than or equal to 1"),
    ],
)
def test_an_http_scheduler_config_refuses_unsafe_or_unknown_settings(changes, message):
    settings = {"kind": "http", "base_url": "https://x.example.com", "token_env": "TOKEN"}
    with pytest.raises(ValidationError, match=message):
        TypeAdapter(SchedulerConfig).validate_python(settings | changes)
