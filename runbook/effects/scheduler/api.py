"""One JSON-over-HTTP client for the scheduling products' APIs (Postiz, Hootsuite, Buffer, Meta).

This module owns the exchange itself, the same for every product: the credential read from its
environment variable at call time (sent in the header the product wants, never in an address,
an error, a log line or an event), retries of what may succeed later (time-outs, connection
errors, 429 and 5xx, and the errors a product flags as transient) with ``Retry-After`` honoured
up to :data:`~runbook.effects.scheduler.transport.MAX_RETRY_AFTER`, the product's documented
request pace (per second, per hour), bounded answers, no redirects, and one-line errors a comms
person can read. It counts the requests it sends (for ``schedulers check`` and the benchmark).
The request, its retries and waits are the shared machinery of
:mod:`runbook.effects.scheduler.transport`; this module adds what differs per product.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import urllib.error
import urllib.parse
from collections import deque
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from runbook.effects import Wait
from runbook.effects.scheduler import transport
from runbook.effects.scheduler.transport import MAX_RETRY_AFTER, TransportError
from runbook.errors import EffectError
from runbook.i18n import _
from runbook.model.secrets import forms, scrub

log = logging.getLogger(__name__)

HINTS = {
    400: "{product} did not accept the request",
    401: "{product} did not accept the credentials; check {env}",
    403: "the credentials in {env} are not allowed to do this at {product}",
    404: "{product} does not have it (deleted, or already published?)",
    409: "{product} refused the change (the post may already be publishing)",
    422: "{product} refused the change",
    429: "{product} is rate-limiting runbook",
}


class ApiError(TransportError):
    """One failed exchange: ``status`` (0: no answer), ``retry_after`` seconds if given, and
    ``code`` (the product's own error code, when it sent one)."""

    def __init__(
        self,
        message: str,
        *,
        transient: bool,
        status: int = 0,
        retry_after: float | None = None,
        code: Any = None,
    ) -> None:
        super().__init__(message, transient=transient, status=status, retry_after=retry_after)
        self.code = code


class ApiClient:
    """Requests to one product's API for one configured scheduler (see the module docstring).

    ``auth``: ``bearer`` (``Authorization: Bearer <token>``) or ``raw`` (``Authorization:
    <token>``, as Postiz wants). ``per_second`` spaces request starts; ``budget`` (requests,
    seconds) is a rolling quota: once spent, a request fails at once (transient: ``runbook
    retry`` later) instead of waiting for the window to roll. ``transient_codes``: the
    product's own error codes that mean "try again later". ``wait_header``: reads the wait a
    product asks for in its own header when it sends no ``Retry-After`` (Meta's usage header).
    """

    def __init__(
        self,
        product: str,
        base_url: str,
        *,
        token_env: str,
        auth: str = "bearer",
        timeout: float = 10.0,
        max_retries: int = 4,
        backoff: float = 0.5,
        per_second: float | None = None,
        budget: tuple[int, int] | None = None,
        transient_codes: frozenset[Any] = frozenset(),
        wait_header: Callable[[Any], float | None] | None = None,
        environ: Mapping[str, str] = os.environ,
    ) -> None:
        self.product = product
        self.base_url = base_url.rstrip("/")
        self.token_env = token_env
        self.auth = auth
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.transient_codes = transient_codes
        self.wait_header = wait_header
        self._environ = environ
        self._opener = transport.opener()
        self._lock = threading.Lock()
        self._gap = 1.0 / per_second if per_second else 0.0
        self._next_start = 0.0
        self._budget = budget
        self._spent: deque[float] = deque()
        self.requests = 0
        """Requests sent so far (every attempt counts)."""
        self.sleep: Callable[[float], None] = time.sleep
        self.on_wait: Callable[[Wait], None] | None = None
        """Told about every long wait before trying again (see Effects.report_waits)."""

    def __repr__(self) -> str:
        return f"ApiClient({self.product!r}, {self.base_url!r}, token_env={self.token_env!r})"

    def token(self) -> str:
        """The credential, read now from its environment variable (EffectError if unset)."""
        token = self._environ.get(self.token_env, "").strip()
        if not token:
            raise EffectError(
                _(
                    "%(product)s: the environment variable %(token_env)s is not set; it must "
                    "hold the API credentials for %(base_url)s",
                    product=self.product,
                    token_env=self.token_env,
                    base_url=self.base_url,
                )
            )
        return token

    def call(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
        form: Mapping[str, Any] | None = None,
    ) -> Any:
        """One request with its retries; the parsed JSON answer (None when empty)."""
        token = self.token()
        return transport.retrying(
            lambda _retries: self.once(method, path, token, query=query, body=body, form=form),
            failed=ApiError,
            max_retries=self.max_retries,
            wait=self._wait,
            final=lambda exc: exc.status == -1,  # the request budget is spent: no use waiting
        )

    def once(
        self,
        method: str,
        path: str,
        token: str,
        *,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
        form: Mapping[str, Any] | None = None,
    ) -> Any:
        """One request, no retry; the parsed JSON answer, or :class:`ApiError`."""
        url = f"{self.base_url}/{path.lstrip('/')}"
        if query:
            url += "?" + urllib.parse.urlencode(query, doseq=True)
        where = f"{self.product}: {method} /{path.lstrip('/')}"
        data = None
        request_type = ""
        if body is not None:
            data, request_type = json.dumps(body).encode("utf-8"), "application/json"
        elif form is not None:
            data = urllib.parse.urlencode(form).encode("utf-8")
            request_type = "application/x-www-form-urlencoded"
        scheme = "Bearer " if self.auth == "bearer" else ""
        request = transport.request(
            method,
            url,
            authorization=f"{scheme}{token}",
            data=data,
            content_type=request_type,
        )
        self._pace(where)
        return transport.exchange(
            self._opener,
            request,
            where,
            timeout=self.timeout,
            failed=ApiError,
            http_failure=lambda exc: self._http_failure(exc, where, token),
            certificate="the certificate",
        )

    def scrub(self, text: str) -> str:
        """``text`` without the credential in it (if it is set)."""
        token = self._environ.get(self.token_env, "").strip()
        return scrub(text, forms(token), "[token]") if token else text

    # -- pacing and waiting -------------------------------------------------------------
    def _pace(self, where: str) -> None:
        with self._lock:
            now = time.monotonic()
            if self._budget is not None:
                count, window = self._budget
                while self._spent and now - self._spent[0] >= window:
                    self._spent.popleft()
                if len(self._spent) >= count:
                    free = datetime.now(UTC) + timedelta(seconds=window - (now - self._spent[0]))
                    every = "an hour" if window == 3600 else f"every {window // 60} minutes"
                    raise ApiError(
                        f"{where}: not sent: {self.product} allows {count} requests {every} and "
                        f"they are used up; runbook retry after {free:%H:%M} UTC",
                        transient=True,
                        status=-1,
                    )
                self._spent.append(now)
            start = max(now, self._next_start)
            self._next_start = start + self._gap
            self.requests += 1
        if start > now:
            self.sleep(start - now)

    def _wait(self, attempt: int, exc: ApiError) -> None:
        transport.wait_to_retry(
            exc,
            attempt,
            said=str(exc),
            name=self.product,
            backoff=self.backoff,
            max_retries=self.max_retries,
            on_wait=self.on_wait,
            sleep=self.sleep,
            log=log,
        )

    def _http_failure(self, exc: urllib.error.HTTPError, where: str, token: str) -> ApiError:
        code = exc.code
        try:
            detail, product_code, asked = error_detail(exc.read(8192))
        except Exception:  # the body is only a nicety
            detail, product_code, asked = "", None, None
        refused = HINTS.get(code, "{product} refused the request").format(
            product=self.product, env=self.token_env
        )
        hint = transport.status_hint(exc, self.product, refused)
        message = f"{where}: HTTP {code}: {hint}" + (f" ({detail})" if detail else "")
        transient = code >= 500 or code in (408, 429) or product_code in self.transient_codes
        retry_after = None
        if transient:
            header = exc.headers.get("Retry-After") if exc.headers else None
            retry_after = transport.retry_after(header) if header else asked
            if retry_after is None and self.wait_header is not None and exc.headers:
                retry_after = self.wait_header(exc.headers)
            if retry_after is not None and retry_after > MAX_RETRY_AFTER:
                transient = False
                message += f"; it asks to wait {retry_after:.0f} s, so runbook retry later"
        return ApiError(
            message.replace(token, "[token]"),
            transient=transient,
            status=code,
            retry_after=retry_after,
            code=product_code,
        )


def error_detail(raw: bytes) -> tuple[str, Any, float | None]:
    """A short reason, the product's error code and the wait it asks for (GraphQL's
    ``extensions.retryAfter``, Buffer's way) from an error answer, whatever its shape:
    ``{"error": {"message", "code"}}`` (Meta), ``{"errors": [{"message", "code"}]}``
    (Hootsuite, GraphQL), ``{"message"}`` (Postiz), or short text."""
    text = raw.decode("utf-8", "replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        error = data.get("error")
        errors = data.get("errors")
        if isinstance(error, dict):
            return str(error.get("message") or "")[:200], error.get("code"), None
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            first = errors[0]
            extensions = first.get("extensions")
            code = first.get("code")
            asked = None
            if isinstance(extensions, dict):
                code = extensions.get("code") if code is None else code
                wait = extensions.get("retryAfter")
                asked = float(wait) if isinstance(wait, int | float) and wait >= 0 else None
            return str(first.get("message") or "")[:200], code, asked
        for field in ("message", "error", "detail"):
            value = data.get(field)
            if isinstance(value, str):
                return value[:200], None, None
            if isinstance(value, list) and value:
                return "; ".join(map(str, value))[:200], None, None
        return "", None, None
    if text.startswith("<"):
        return "", None, None  # an HTML error page says nothing useful
    return " ".join(text.split())[:200], None, None
