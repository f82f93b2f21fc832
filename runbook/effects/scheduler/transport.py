"""One JSON-over-HTTP exchange with a scheduler, and its retries (stdlib HTTP only).

This module owns what the generic scheduler adapter (:mod:`runbook.effects.scheduler.http`)
and the scheduling products' client (:mod:`runbook.effects.scheduler.api`) do the same way:
building a request (credential in an unredirected header, JSON accepted), sending it without
following redirects, reading a bounded answer and parsing its JSON, turning connection errors,
time-outs and broken connections into one-line errors (transient or not), reading a
``Retry-After`` header, and waiting before a retry (exponential backoff with a little jitter,
or the wait the scheduler asked for; long waits are reported). It is separate so that both
callers share one request and retry machinery; each keeps its own wording of HTTP error
answers, its own error class and its own log lines.
"""

from __future__ import annotations

import json
import logging
import random
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http.client import HTTPException
from typing import Any, TypeVar

from runbook.effects import REPORTED_WAIT, Wait
from runbook.errors import EffectError
from runbook.i18n import _

MAX_RETRY_AFTER = 30.0
"""Longest ``Retry-After`` runbook waits (seconds); a scheduler asking for more is reported as
failed at once (hold the posts by hand, or ``runbook retry`` later)."""
MAX_BODY = 16 * 1024 * 1024
"""Largest answer read from the scheduler."""

T = TypeVar("T")


class TransportError(EffectError):
    """One failed exchange: ``status`` the HTTP status (0: no answer), ``retry_after`` the
    seconds the scheduler asked to wait before trying again, if it said."""

    def __init__(
        self, message: str, *, transient: bool, status: int = 0, retry_after: float | None = None
    ) -> None:
        super().__init__(message, transient=transient)
        self.status = status
        self.retry_after = retry_after


E = TypeVar("E", bound=TransportError)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Never follow a redirect (it could carry the token elsewhere); report it instead."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def opener() -> urllib.request.OpenerDirector:
    """An opener that never follows a redirect."""
    return urllib.request.build_opener(NoRedirect)


def request(
    method: str,
    url: str,
    *,
    authorization: str,
    data: bytes | None = None,
    content_type: str = "",
    key: str | None = None,
) -> urllib.request.Request:
    """A request carrying ``authorization`` (never passed on to a redirect), asking for JSON,
    with ``Idempotency-Key: key`` when given."""
    built = urllib.request.Request(url, data=data, method=method)
    built.add_unredirected_header("Authorization", authorization)
    built.add_header("Accept", "application/json")
    built.add_header("User-Agent", "runbook")
    if content_type:
        built.add_header("Content-Type", content_type)
    if key is not None:
        built.add_header("Idempotency-Key", key)
    return built


def exchange(
    opener: urllib.request.OpenerDirector,
    sent: urllib.request.Request,
    where: str,
    *,
    timeout: float,
    failed: type[E],
    http_failure: Callable[[urllib.error.HTTPError], E],
    certificate: str,
) -> Any:
    """Send ``sent``; the parsed JSON answer (None when empty), or ``failed``: an error answer
    as ``http_failure`` words it, no answer as a one-line error naming ``where``.
    ``certificate`` names whose certificate could not be verified."""
    try:
        with opener.open(sent, timeout=timeout) as response:
            raw = response.read(MAX_BODY + 1)
    except urllib.error.HTTPError as exc:
        raise http_failure(exc) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise timed_out(failed, where, timeout) from None
        if isinstance(reason, ssl.SSLError):
            raise failed(
                f"{where}: {certificate} could not be verified ({reason})", transient=False
            ) from None
        text = getattr(reason, "strerror", None) or str(reason)
        raise failed(f"{where}: cannot connect ({text})", transient=True) from None
    except TimeoutError:
        raise timed_out(failed, where, timeout) from None
    except (HTTPException, OSError) as exc:
        detail = type(exc).__name__ if not str(exc) else str(exc)
        raise failed(f"{where}: the connection broke ({detail})", transient=True) from None
    if len(raw) > MAX_BODY:
        raise failed(f"{where}: the answer is larger than {MAX_BODY:,} bytes", transient=False)
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise failed(f"{where}: the answer is not JSON", transient=False) from None


def timed_out(failed: type[E], where: str, timeout: float) -> E:
    """The error for a request that got no answer within ``timeout`` seconds."""
    return failed(f"{where}: no answer within {timeout:g} s", transient=True)


def retrying(
    attempt_once: Callable[[int], T],
    *,
    failed: type[E],
    max_retries: int,
    wait: Callable[[int, E], None],
    final: Callable[[E], bool] = lambda exc: False,
    failure: Callable[[str, E], str] | None = None,
) -> T:
    """``attempt_once(retries so far)``, tried again after ``wait(attempt, error)`` while it
    fails with a transient ``failed`` error (and ``final`` does not say it is the last word),
    up to ``max_retries`` more times. The last error is raised, or in its place an EffectError
    worded by ``failure(" after N tries" or "", error)``."""
    attempt = 0
    while True:
        try:
            return attempt_once(attempt)
        except failed as exc:
            attempt += 1
            if not exc.transient or attempt > max_retries or final(exc):
                if failure is None:
                    raise
                tries = _(" after %(n)s tries", n=attempt) if attempt > 1 else ""
                raise EffectError(failure(tries, exc), transient=exc.transient) from None
            wait(attempt, exc)


def wait_to_retry(
    exc: TransportError,
    attempt: int,
    *,
    said: str,
    name: str,
    backoff: float,
    max_retries: int,
    on_wait: Callable[[Wait], None] | None,
    sleep: Callable[[float], None],
    log: logging.Logger,
) -> None:
    """Wait before retry ``attempt`` after ``exc``: ``backoff`` doubled each time, or the
    ``Retry-After`` asked, plus up to a tenth of it at random. Logged to ``log`` (``said``:
    the failure as it may be logged), and reported to ``on_wait`` when long."""
    delay = backoff * 2 ** (attempt - 1)
    if exc.retry_after is not None:
        delay = exc.retry_after
    delay += random.uniform(0, 0.1 * delay)
    log.info("%s; retry %d of %d in %.2f s", said, attempt, max_retries, delay)
    if on_wait is not None and delay >= REPORTED_WAIT:
        reason = (
            _("it asked to wait %(seconds)s s", seconds=format(exc.retry_after, ".0f"))
            if exc.retry_after is not None
            else f"HTTP {exc.status}"
            if exc.status
            else _("no answer")
        )
        on_wait(
            Wait(
                what=_("scheduler %(name)s", name=name),
                seconds=delay,
                until=datetime.now(UTC) + timedelta(seconds=delay),
                reason=reason,
                attempt=attempt + 1,
                attempts=max_retries + 1,
            )
        )
    sleep(delay)


def status_hint(exc: urllib.error.HTTPError, who: str, otherwise: str) -> str:
    """What an error answer means: ``who`` redirects (base_url is wrong) or had an internal
    error; any other refusal is ``otherwise``, the caller's wording for its status."""
    code = exc.code
    if 300 <= code < 400:
        target = exc.headers.get("Location", "?") if exc.headers else "?"
        return f"{who} redirects to {target}; correct base_url"
    if code >= 500:
        return f"{who} had an internal error"
    return otherwise


def retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - datetime.now(moment.tzinfo)).total_seconds())
