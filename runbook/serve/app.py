"""The approval server's routes: HTTP in, engine calls, pages out.

* ``GET /approve/{token}`` shows a link's page and changes nothing (mail scanners open links):
  it sets the browser's anti-forgery cookie and puts the matching form token in the page.
* ``POST /approve/{token}`` decides (approve, or reject with a comment): the form token must
  match the cookie and the link, the request must come from this site, the body is small and
  url-encoded; the engine checks the link itself and the rules, and records the decision (or the
  refusal).
* ``GET /static/serve.css`` and ``GET /healthz``.
* The intake of warnings (PagerDuty Events v2, listening-tool webhooks, the staff report form):
  :mod:`runbook.serve.intake`.

Every response carries a strict content security policy, ``no-store`` and a ``same-origin``
referrer policy (the link is a secret in the URL: it must never leak to another site through a
Referer header).
Requests are rate-limited per client. Engine calls run one at a time in Starlette's thread pool.
Every page is in the request's language (``?lang=``, else the browser's ``Accept-Language``):
the words are said with :func:`runbook.i18n._` inside :func:`runbook.i18n.using`; words defined
ahead (titles, the engine's refusals of a link) are marked with ``N_`` for the catalog.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from runbook.engine import Engine
from runbook.errors import ActionRefused, RunbookError
from runbook.i18n import N_, _, choose, using
from runbook.serve.intake import IntakeRoutes
from runbook.serve.pages import render_message, render_page, stylesheet
from runbook.serve.ratelimit import RateLimit

LINK_PROBLEMS = (
    N_("this is not a runbook approval link (it may be cut short)"),
    N_("this link was altered: its signature does not match"),
    N_("this link cannot be read"),
    N_("this link's incident does not exist here"),
    N_("this incident never sent this link"),
    N_("this link's draft does not exist"),
)
"""The engine's fixed reasons a link cannot be used, marked so the page can say them in the
reader's language (reasons carrying a time or a version stay as the engine words them)."""
CROSS_SITE = N_("the decision did not come from this page (another site sent it)")
BAD_TOKEN = N_("the page's anti-forgery token is missing or wrong; open the link again")

COOKIE = "rb_csrf"
MAX_FORM = 16_384
"""Bytes a decision's form may have (a comment is at most 2,000 characters)."""
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass
class ServeSettings:
    """How the server is reached."""

    trust_proxy: bool = False
    """Behind a reverse proxy on this machine: take the client's address and scheme from
    ``X-Forwarded-For`` / ``X-Forwarded-Proto`` when the request comes from loopback."""
    reads_per_minute: int = 60
    decisions_per_minute: int = 10
    posts_per_minute: int = 600
    """Warnings one client may post per minute (paging tools send bursts)."""


class Approvals:
    """The approval routes over one engine (see module docstring)."""

    def __init__(self, engine: Engine, settings: ServeSettings | None = None) -> None:
        self.engine = engine
        self.settings = settings or ServeSettings()
        self.lock = threading.Lock()
        """One engine call at a time (the engine keeps a per-process cache)."""
        self.reads = RateLimit(self.settings.reads_per_minute, 60.0)
        self.decisions = RateLimit(self.settings.decisions_per_minute, 60.0)

    # -- helpers ------------------------------------------------------------------------
    def client(self, request: Request) -> str:
        """The client's address (the proxy's forwarded one when trusted)."""
        host = request.client.host if request.client else "?"
        if self.settings.trust_proxy and host in ("127.0.0.1", "::1"):
            forwarded = request.headers.get("x-forwarded-for", "")
            if forwarded:
                return forwarded.split(",")[0].strip()[:64] or host
        return host

    def secure(self, request: Request) -> bool:
        """True when the browser reached us over HTTPS (directly or through the proxy)."""
        if request.url.scheme == "https":
            return True
        return self.settings.trust_proxy and request.headers.get("x-forwarded-proto") == "https"

    def language(self, request: Request) -> str:
        """``?lang=``, else the browser's languages."""
        return choose(request.query_params.get("lang"), request.headers.get("accept-language", ""))

    def page(self, html: str, status: int = 200) -> HTMLResponse:
        """An HTML response with the security headers."""
        return HTMLResponse(html, status_code=status, headers=HEADERS)

    def message(
        self, request: Request, status: int, title: str, text: str = "", tone: str = "bad"
    ) -> HTMLResponse:
        """A page that only says something, in the request's language: ``title`` and ``text``
        are English (marked with ``N_``, or the engine's words) and said in that language."""
        lang = self.language(request)
        with using(lang):
            said = _(text) if text else ""
            return self.page(render_message(lang, _(title), said, tone=tone), status)

    def limited(self, request: Request, limit: RateLimit) -> Response | None:
        """A 429 page when the client asked too often."""
        wait = limit.allow(self.client(request))
        if not wait:
            return None
        response = self.message(
            request,
            429,
            N_("Too many requests"),
            N_("Please wait a minute and try again."),
        )
        response.headers["Retry-After"] = str(int(wait) + 1)
        return response

    def names(self) -> dict[str, str]:
        """Person id -> name."""
        return self.engine.workspace.contacts.names()

    # -- routes ---------------------------------------------------------------------------
    def show(self, request: Request) -> Response:
        """GET a link's page: read-only."""
        refused = self.limited(request, self.reads)
        if refused is not None:
            return refused
        token = request.path_params["token"]
        with self.lock:
            view = self.engine.link_view(token)
        lang = self.language(request)
        cookie = request.cookies.get(COOKIE) or secrets.token_urlsafe(32)
        csrf = ""
        if view.claim is not None and not view.problem:
            with self.lock:
                csrf = self.engine.link_keys().csrf(cookie, view.claim.link_id)
        status = 200 if not view.problem else (404 if view.claim is None else 410)
        response = self.page(
            render_page(view, lang=lang, names=self.names(), csrf=csrf, problem=_words(view, lang)),
            status,
        )
        response.set_cookie(
            COOKIE,
            cookie,
            httponly=True,
            samesite="strict",
            secure=self.secure(request),
            path="/approve",
            max_age=86400,
        )
        return response

    async def decide(self, request: Request) -> Response:
        """POST a decision from a link's page."""
        refused = self.limited(request, self.decisions)
        if refused is not None:
            return refused
        token = request.path_params["token"]
        lang = self.language(request)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_FORM:
                return self.message(request, 413, N_("Too large"), N_("The form is too large."))
        if not request.headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            return self.message(request, 415, N_("Not a form"), N_("Send the page's form."))
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items() if v}
        client = self.client(request)
        return await _in_thread(lambda: self._decide(request, token, form, client, lang))

    def _decide(
        self, request: Request, token: str, form: dict[str, str], client: str, lang: str
    ) -> Response:
        with using(lang):
            return self._decided(request, token, form, client, lang)

    def _decided(
        self, request: Request, token: str, form: dict[str, str], client: str, lang: str
    ) -> Response:
        forged = self._forgery(request, token, form)
        if forged:
            with self.lock:
                self.engine.refuse_link(token, forged, client)
            return self.message(request, 403, N_("Refused"), forged)
        decision = form.get("decision", "")
        try:
            with self.lock:
                incident = self.engine.decide_by_link(
                    token,
                    decision,
                    comment=form.get("comment", "")[:2000],
                    shown_hash=form.get("shown", ""),
                    client=client,
                )
                view = self.engine.link_view(token)
        except ActionRefused as exc:
            with self.lock:
                view = self.engine.link_view(token)
            outcome = {"title": _("Not recorded"), "text": str(exc), "tone": "bad"}
            return self.page(
                render_page(view, lang=lang, names=self.names(), outcome=outcome, problem=""), 409
            )
        except RunbookError as exc:
            return self.message(request, 503, N_("Not recorded"), str(exc))
        done = _("Approved") if decision == "approve" else _("Rejected")
        text = _(
            "Recorded on incident %(incident)s as %(name)s, proven by this approval link.",
            incident=incident.id,
            name=self.names().get(_person(view), _person(view)),
        )
        outcome = {"title": done, "text": text, "tone": "good"}
        return self.page(render_page(view, lang=lang, names=self.names(), outcome=outcome))

    def _forgery(self, request: Request, token: str, form: dict[str, str]) -> str:
        """Why the POST may not come from the link's own page ("" when it does)."""
        origin = request.headers.get("origin") or request.headers.get("referer") or ""
        if origin and origin != "null":
            theirs = urlsplit(origin)
            if (theirs.scheme, theirs.netloc) != (request.url.scheme, request.url.netloc) and (
                not self.settings.trust_proxy or theirs.netloc != request.headers.get("host")
            ):
                return CROSS_SITE
        if request.headers.get("sec-fetch-site") not in (None, "same-origin", "none"):
            return CROSS_SITE
        cookie = request.cookies.get(COOKIE, "")
        given = form.get("csrf", "")
        with self.lock:
            view = self.engine.link_view(token)
            expected = (
                self.engine.link_keys().csrf(cookie, view.claim.link_id)
                if view.claim is not None and cookie
                else ""
            )
        if not cookie or not given or not expected or not secrets.compare_digest(given, expected):
            return BAD_TOKEN
        return ""


def _person(view: Any) -> str:
    return view.claim.person if view.claim is not None else ""


def _words(view: Any, lang: str) -> str:
    """The view's problem in the page's language (see :data:`LINK_PROBLEMS`; other engine
    refusals stay as they are)."""
    if not view.problem:
        return ""
    with using(lang):
        return _(view.problem)


async def _in_thread(work: Callable[[], Response]) -> Response:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(work)


def build_app(engine: Engine, settings: ServeSettings | None = None) -> Starlette:
    """The ASGI application ``runbook serve`` runs."""
    approvals = Approvals(engine, settings)
    intake = IntakeRoutes(
        engine,
        approvals.lock,
        approvals.client,
        HEADERS,
        approvals.language,
        approvals.settings.posts_per_minute,
        approvals.secure,
    )

    def css(request: Request) -> Response:
        return Response(
            stylesheet(),
            media_type="text/css",
            headers={**HEADERS, "Cache-Control": "public, max-age=3600"},
        )

    def health(request: Request) -> Response:
        return PlainTextResponse("ok", headers=HEADERS)

    def home(request: Request) -> Response:
        return approvals.message(
            request,
            200,
            "runbook",
            N_("Open the personal approval link you were sent."),
            tone="good",
        )

    async def not_found(request: Request, exc: Exception) -> Response:
        return approvals.message(request, 404, N_("Not found"))

    return Starlette(
        routes=[
            Route("/", home, methods=["GET"]),
            Route("/healthz", health, methods=["GET"]),
            Route("/static/serve.css", css, methods=["GET"]),
            Route("/approve/{token}", approvals.show, methods=["GET"]),
            Route("/approve/{token}", approvals.decide, methods=["POST"]),
            Route("/v2/enqueue", intake.enqueue, methods=["POST"]),
            Route("/intake/{source}", intake.hook, methods=["POST"]),
            Route("/report", intake.form, methods=["GET"]),
            Route("/report", intake.submit, methods=["POST"]),
        ],
        exception_handlers={404: not_found},
    )
