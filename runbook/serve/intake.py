"""The intake routes of ``runbook serve``: warnings in, into the store's intake log.

* ``POST /v2/enqueue``: PagerDuty Events API v2 alert events (trigger, acknowledge, resolve;
  ``dedup_key`` groups repeats); the event's ``routing_key`` is the sending source's token.
  Answers as PagerDuty does: 202 ``{"status": "success", "message": "Event processed",
  "dedup_key": ...}``, 400 ``{"status": "invalid event", "message": ..., "errors": [...]}``.
* ``POST /intake/{source}``: a listening tool's JSON alert, ``Authorization: Bearer <token>``.
* ``GET /report`` and ``POST /report``: the staff form (the reporting rule: tell the comms
  team, do not answer), protected against cross-site forgery like the approval pages; a
  refused report gets the form back, saying why in the person's language, what they typed kept.

Bodies are bounded (:data:`~runbook.model.intake.MAX_BODY`), tokens come only from the
environment variables the contacts name and are compared in constant time, never printed or
stored. Every refused post (too large, malformed, not authenticated) gets a clear status and
body and is recorded in the intake log with the sender's address; posts are rate-limited per
client (``--posts-per-minute``), which also bounds the refusals one client can log. Nothing
is decided here: a warning waits on the inbox for the on-call person.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from runbook.engine import Engine
from runbook.errors import RunbookError
from runbook.i18n import _, using
from runbook.model.contacts import IntakeSource
from runbook.model.intake import MAX_BODY, MAX_TEXT, IntakeRecord
from runbook.model.intake_formats import Malformed, pagerduty, refused, report, routing_key, webhook
from runbook.serve.pages import render_report
from runbook.serve.ratelimit import RateLimit

COOKIE = "rb_report"
REPORT_FORM = "report"
"""What the report form's anti-forgery token is bound to (with the browser's cookie)."""


class TooLarge(Exception):
    """The body is over the limit."""


class IntakeRoutes:
    """The intake routes over one engine (see module docstring)."""

    def __init__(
        self,
        engine: Engine,
        lock: threading.Lock,
        client: Callable[[Request], str],
        headers: dict[str, str],
        language: Callable[[Request], str],
        posts_per_minute: int = 600,
        secure: Callable[[Request], bool] = lambda request: False,
    ) -> None:
        self.engine = engine
        self.lock = lock
        self.client = client
        self.headers = headers
        self.language = language
        self.secure = secure
        """True when the browser reached us over HTTPS (the form's cookie is then Secure)."""
        self.posts = RateLimit(posts_per_minute, 60.0)
        self.settings = engine.workspace.contacts.intake_settings()

    # -- helpers ------------------------------------------------------------------------
    def tokens(self, kind: str) -> list[tuple[str, IntakeSource, str]]:
        """(name, source, token) of every source of ``kind`` whose token is set."""
        found = []
        for name, source in self.settings.sources.items():
            token = os.environ.get(source.token_env, "")
            if source.kind == kind and token:
                found.append((name, source, token))
        return found

    def json(self, status: int, body: dict[str, Any]) -> JSONResponse:
        """A JSON answer with the server's headers."""
        return JSONResponse(body, status_code=status, headers=self.headers)

    def log_refusal(self, request: Request, source: str, status: int, reason: str) -> None:
        """Record a refused post in the intake log, with the sender's address."""
        record = refused(
            source, status, reason, at=self.engine.clock.now(), client=self.client(request)
        )
        with self.lock:
            try:
                self.engine.receive(record)
            except RunbookError:
                pass  # the refusal stands even if it cannot be logged

    def refuse(
        self, request: Request, source: str, status: int, message: str, errors: list[str]
    ) -> JSONResponse:
        """Record a refused post in the intake log and answer it (PagerDuty's error shape)."""
        self.log_refusal(
            request, source, status, message + (": " + "; ".join(errors) if errors else "")
        )
        word = {401: "unauthorized", 413: "too large", 429: "throttled"}.get(status)
        return self.json(
            status,
            {"status": word or "invalid event", "message": message, "errors": errors},
        )

    async def body(self, request: Request) -> bytes:
        """The body, refused past :data:`MAX_BODY` bytes (declared or streamed)."""
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY:
            raise TooLarge
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                raise TooLarge
        return body

    async def parsed(self, request: Request, source: str) -> Any:
        """The JSON body, or a refusal response (too large, not JSON)."""
        try:
            raw = await self.body(request)
        except TooLarge:
            return self.refuse(
                request, source, 413, "Request too large", [f"the limit is {MAX_BODY} bytes"]
            )
        try:
            return json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return self.refuse(request, source, 400, "Event object is invalid", ["not JSON"])

    def accept(self, record: IntakeRecord) -> IntakeRecord:
        """Append a received warning (one engine call at a time)."""
        with self.lock:
            return self.engine.receive(record)

    def throttled(self, request: Request, source: str) -> Response | None:
        """429 when one client posts too often (not logged: the limit also bounds how many
        refusals one client can write to the intake log)."""
        wait = self.posts.allow(self.client(request))
        if not wait:
            return None
        body = {"status": "throttled", "message": "Too many events", "errors": ["slow down"]}
        response = self.json(429, body)
        response.headers["Retry-After"] = str(int(wait) + 1)
        return response

    # -- PagerDuty Events API v2 --------------------------------------------------------
    async def enqueue(self, request: Request) -> Response:
        """``POST /v2/enqueue``."""
        limited = self.throttled(request, "pagerduty")
        if limited is not None:
            return limited
        body = await self.parsed(request, "pagerduty")
        if isinstance(body, Response):
            return body
        given = routing_key(body)
        if not given:
            return self.refuse(
                request, "pagerduty", 400, "Event object is invalid", ["'routing_key' is missing"]
            )
        name = _match(given, [(n, t) for n, _, t in self.tokens("pagerduty")])
        if name is None:
            return self.refuse(
                request, "pagerduty", 401, "Unknown routing key", ["'routing_key' is not valid"]
            )
        try:
            record = pagerduty(body, name, self.engine.clock.now(), self.client(request))
        except Malformed as exc:
            return self.refuse(request, name, 400, "Event object is invalid", exc.errors)
        await _in_thread(lambda: self.accept(record))
        dedup = record.key.split(":", 1)[1]
        return self.json(
            202, {"status": "success", "message": "Event processed", "dedup_key": dedup}
        )

    # -- a listening tool's webhook -----------------------------------------------------
    async def hook(self, request: Request) -> Response:
        """``POST /intake/{source}``."""
        name = str(request.path_params["source"])[:40]
        limited = self.throttled(request, f"webhook:{name}")
        if limited is not None:
            return limited
        source = self.settings.sources.get(name)
        token = os.environ.get(source.token_env, "") if source else ""
        given = request.headers.get("authorization", "")
        given = given[7:].strip() if given.lower().startswith("bearer ") else ""
        if (
            source is None
            or source.kind != "webhook"
            or _match(given, [(name, token)] if token else []) is None
        ):
            return self.refuse(
                request,
                f"webhook:{name}",
                401,
                "Not authenticated",
                ["send this source's token as 'Authorization: Bearer <token>'"],
            )
        body = await self.parsed(request, f"webhook:{name}")
        if isinstance(body, Response):
            return body
        fields = (source.summary_field, source.link_field, source.key_field)
        try:
            record = webhook(body, name, fields, self.engine.clock.now(), self.client(request))
        except Malformed as exc:
            return self.refuse(request, f"webhook:{name}", 400, "Alert is invalid", exc.errors)
        stored = await _in_thread(lambda: self.accept(record))
        return self.json(202, {"status": "success", "message": "Alert received", "key": stored.key})

    # -- the staff report form ----------------------------------------------------------
    def form(self, request: Request) -> Response:
        """``GET /report``: the form (changes nothing)."""
        if not self.settings.reports:
            return self.json(404, {"status": "not found", "message": "Reports are off"})
        cookie = request.cookies.get(COOKIE) or secrets.token_urlsafe(32)
        with self.lock:
            csrf = self.engine.link_keys().csrf(cookie, REPORT_FORM)
        response = self.page(request, csrf)
        self.set_cookie(request, response, cookie)
        return response

    async def submit(self, request: Request) -> Response:
        """``POST /report``: a staff report from the form. A refused one (too long, forged or
        from an expired page, empty, a bad link, too many from one place) is logged and
        answered with the form again, saying why in the person's language, what they typed
        kept (the status says the refusal: 400, 403, 413, 429)."""
        if not self.settings.reports:
            return self.json(404, {"status": "not found", "message": "Reports are off"})
        lang = self.language(request)
        wait = self.posts.allow(self.client(request))
        if wait:
            with using(lang):
                said = _("Too many reports from this address; wait a minute and send it again.")
            answer = self.refused_form(request, 429, said, {}, log=False)
            answer.headers["Retry-After"] = str(int(wait) + 1)
            return answer
        try:
            raw = await self.body(request)
        except TooLarge:
            with using(lang):
                said = _(
                    "The report is too long (at most %(limit)s bytes); shorten it.",
                    limit=MAX_BODY,
                )
            return self.refused_form(request, 413, said, {})
        form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items() if v}
        typed = {name: form.get(name, "")[:MAX_TEXT] for name in ("name", "text", "link")}
        cookie = request.cookies.get(COOKIE, "")
        with self.lock:
            expected = self.engine.link_keys().csrf(cookie, REPORT_FORM) if cookie else ""
        site = request.headers.get("sec-fetch-site")
        if (
            not expected
            or not hmac.compare_digest(form.get("csrf", ""), expected)
            or site not in (None, "same-origin", "none")
        ):
            with using(lang):
                said = _(
                    "This form was not sent from the report page, or the page had expired. "
                    "Nothing was recorded: check it and send it again."
                )
            return self.refused_form(request, 403, said, typed)
        name = " ".join(form.get("name", "").split())[:120] or "anonymous"
        try:
            with using(lang):
                record = report(
                    form.get("text", ""),
                    form.get("link", "").strip(),
                    actor=name,
                    proof="claimed",
                    at=self.engine.clock.now(),
                    client=self.client(request),
                )
        except Malformed as exc:
            return self.refused_form(request, 400, "; ".join(exc.errors), typed)
        await _in_thread(lambda: self.accept(record))
        with using(lang):
            outcome = {
                "title": _("Thank you"),
                "text": _("The comms team has your report on their board."),
                "tone": "good",
            }
        return self.page(request, expected, outcome)

    def refused_form(
        self, request: Request, status: int, said: str, typed: dict[str, str], *, log: bool = True
    ) -> HTMLResponse:
        """The form again after a refused report: why (``said``, in the person's language),
        what they typed, and a fresh anti-forgery token; the refusal logged (``log``)."""
        if log:
            self.log_refusal(request, "report", status, said)
        cookie = request.cookies.get(COOKIE) or secrets.token_urlsafe(32)
        with self.lock:
            csrf = self.engine.link_keys().csrf(cookie, REPORT_FORM)
        with using(self.language(request)):
            outcome = {"title": _("Not sent"), "text": said, "tone": "bad"}
        html = render_report(self.language(request), csrf, outcome, typed)
        response = HTMLResponse(html, status_code=status, headers=self.headers)
        self.set_cookie(request, response, cookie)
        return response

    def set_cookie(self, request: Request, response: Response, cookie: str) -> None:
        """The browser's anti-forgery cookie for the form (a day, this path only)."""
        response.set_cookie(
            COOKIE,
            cookie,
            httponly=True,
            samesite="strict",
            secure=self.secure(request),
            path="/report",
            max_age=86400,
        )

    def page(
        self, request: Request, csrf: str, outcome: dict[str, str] | None = None
    ) -> HTMLResponse:
        """The form page."""
        html = render_report(self.language(request), csrf, outcome)
        return HTMLResponse(html, headers=self.headers)


def _match(given: str, known: list[tuple[str, str]]) -> str | None:
    """The name whose token equals ``given`` (each compared in constant time), or None."""
    found = None
    for name, token in known:
        if hmac.compare_digest(given.encode(), token.encode()):
            found = name
    return found


async def _in_thread(work: Callable[[], Any]) -> Any:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(work)
