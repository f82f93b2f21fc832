"""A scheduling tool's REST API as a scheduler (stdlib HTTP only, no extra dependencies).

This module owns talking to a hosted scheduler: paging through its posts, holding and releasing
them concurrently, creating posts (a statement handed over for publishing), retrying what may
succeed later, and keeping the API token secret.

The API (modelled on Postiz-style schedulers; a small proxy can adapt other tools to it)::

    GET   {base}/posts?page=N&per_page=M
          -> {"posts": [{"id", "channel", "scheduled_at", "text", "status"}, ...],
              "next_page": N+1 | null}
    GET   {base}/posts/{id}   -> one post (same fields); 404 when it no longer exists
    PATCH {base}/posts/{id}   {"status": "held"}                -> the updated post (or 204)
    PATCH {base}/posts/{id}   {"status": "scheduled"[, "scheduled_at": "<ISO 8601>"]}
    POST  {base}/posts   {"channel", "text", "scheduled_at", "status": "scheduled",
                          "external_id": "<key>:<index>"}   -> the created post (with its "id")
    GET   {base}/posts?external_id=<key>:<index>  -> {"posts": [...]}: the posts created with
          that external_id (the API stores ``external_id`` and echoes it on every post)

Every request carries ``Authorization: Bearer <token>``, the token read from the environment
variable named by ``token_env`` at call time (never stored, logged or put in an error; a
response echoing it is scrubbed). Each PATCH carries ``Idempotency-Key: <key>:<post id>``, each
POST ``Idempotency-Key: <key>:<index>`` (the post's position in the create request), the same
value as its ``external_id``.

Failures: connection errors, timeouts, 429 (waiting ``Retry-After`` seconds) and 5xx are
retried up to ``max_retries`` times with exponential backoff and a little jitter; other 4xx
answers and redirects are not retried. Schedulers rarely honour idempotency keys, so before
re-sending a hold or release runbook reads the post back and skips the PATCH when it is already
in the wanted state (a PATCH whose answer was lost is not applied twice). Likewise, before each
POST runbook looks the post up by ``external_id`` and skips the POST when it exists: a POST
whose answer was lost, or a create the outbox tries again after a crash (which looks like a
first try), never creates a post twice. ``hold``/``release``/``create`` work on up to
``concurrency`` posts at a time; one post failing never stops the others.

Sending one request, reading its answer and waiting before a retry are the machinery shared
with the products' client, in :mod:`runbook.effects.scheduler.transport`; this module keeps
the API above and how its failures are worded.
"""

from __future__ import annotations

import json
import logging
import os
import time
import urllib.error
import urllib.parse
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any, TypeVar

from runbook.clock import Clock, SystemClock
from runbook.effects import Outcome, Post, Wait
from runbook.effects.scheduler import HELD, SCHEDULED, scheduled_time, transport
from runbook.effects.scheduler.transport import MAX_RETRY_AFTER, TransportError
from runbook.errors import EffectError
from runbook.i18n import _
from runbook.model.secrets import forms, scrub

log = logging.getLogger(__name__)

MAX_PAGES = 100_000
"""Stop paging after this many pages (a scheduler that never says the last page)."""
EXCERPT_CHARS = 80

T = TypeVar("T")

_HINTS = {
    400: "the scheduler did not accept the request",
    401: "the API token was not accepted; check the token in {env}",
    403: "the API token is not allowed to do this",
    404: "it does not exist at the scheduler (deleted, or already published?)",
    409: "the scheduler refused the change (the post may already be publishing)",
    422: "the scheduler refused the change",
    429: "the scheduler is rate-limiting runbook",
}


class _Failed(TransportError):
    """One failed exchange; ``retry_after`` from a 429 answer, ``status`` the HTTP status."""


class HttpScheduler:
    """A scheduler's REST API (see the module docstring) as a :class:`SchedulerAdapter`."""

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        token_env: str,
        timeout: float = 10.0,
        page_size: int = 100,
        max_retries: int = 4,
        backoff: float = 0.5,
        concurrency: int = 8,
        environ: Mapping[str, str] = os.environ,
        clock: Clock | None = None,
    ) -> None:
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{base_url!r} is not an http:// or https:// address")
        if parts.username or parts.password:
            raise ValueError("put the scheduler's credentials in token_env, not in the address")
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.token_env = token_env
        self.timeout = timeout
        self.page_size = page_size
        self.max_retries = max_retries
        self.backoff = backoff
        self.concurrency = max(1, concurrency)
        self.clock: Clock = clock or SystemClock()
        self._environ = environ
        self._opener = transport.opener()
        self._sleep: Callable[[float], None] = time.sleep
        self.on_wait: Callable[[Wait], None] | None = None
        """Told about every long wait before trying again (see Effects.report_waits)."""

    def __repr__(self) -> str:
        return f"HttpScheduler({self.name!r}, {self.base_url!r}, token_env={self.token_env!r})"

    # -- the protocol ---------------------------------------------------------------
    def list_posts(self) -> list[Post]:
        """Every post the scheduler reports, page by page."""
        token = self._token()
        posts: list[Post] = []
        page: Any = 1
        seen: set[Any] = set()
        while page is not None:
            if page in seen or len(seen) >= MAX_PAGES:
                raise EffectError(
                    _(
                        "scheduler %(name)s at %(base_url)s keeps sending page %(page)s again; "
                        "its post list cannot be read to the end",
                        name=repr(self.name),
                        base_url=self.base_url,
                        page=page,
                    )
                )
            seen.add(page)
            query = urllib.parse.urlencode({"page": page, "per_page": self.page_size})
            url = f"{self.base_url}/posts?{query}"
            answer = self._get(url, token)
            if not isinstance(answer, dict) or not isinstance(answer.get("posts"), list):
                raise EffectError(
                    _('%(url)s did not answer with a list of posts ("posts": [...])', url=url)
                )
            posts.extend(self._post(item, url) for item in answer["posts"])
            page = answer.get("next_page")
        return posts

    def hold(self, post_ids: list[str], key: str) -> Outcome:
        """Hold each post (concurrently); ``done``/``failures`` per post."""
        return self._fan_out(post_ids, key, HELD, {})

    def release(self, post_ids: list[str], key: str, new_times: dict[str, str]) -> Outcome:
        """Put each post back to ``scheduled``, at ``new_times[id]`` where given."""
        return self._fan_out(post_ids, key, SCHEDULED, new_times)

    def status(self, post_ids: list[str]) -> dict[str, str]:
        """Each post's status read back (``missing`` on 404). Raises EffectError if some
        post's status could not be read even after retries."""
        token = self._token()
        ids = list(dict.fromkeys(post_ids))

        def one(pid: str) -> str:
            try:
                answer = self._get(self._url(pid), token)
            except _Failed as exc:
                if exc.status == 404:
                    return "missing"
                raise
            return self._post(answer, self._url(pid)).status

        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(ids) or 1)) as pool:
            futures = {pid: pool.submit(one, pid) for pid in ids}
        errors = [f.exception() for f in futures.values() if f.exception() is not None]
        if errors:
            first = errors[0]
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            raise EffectError(
                self._scrub(f"could not read back post statuses: {first}{more}", token),
                transient=getattr(first, "transient", False),
            )
        return {pid: future.result() for pid, future in futures.items()}

    # -- holding and releasing --------------------------------------------------------
    def _fan_out(
        self, post_ids: list[str], key: str, want: str, new_times: dict[str, str]
    ) -> Outcome:
        token = self._token()
        ids = list(dict.fromkeys(post_ids))
        outcome = Outcome()
        if not ids:
            return outcome
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(ids))) as pool:
            futures = [
                (pid, pool.submit(self._apply, pid, key, want, new_times.get(pid), token))
                for pid in ids
            ]
        for pid, future in futures:
            error = future.exception()
            if error is None:
                outcome.done.append(future.result())
            else:
                outcome.failures.append({"id": pid, **self._failure(error, token)})
        return outcome

    def _failure(self, error: BaseException, token: str) -> dict[str, Any]:
        transient = isinstance(error, EffectError) and error.transient
        message = str(error) if isinstance(error, EffectError) else repr(error)
        return {
            "error": self._scrub(message, token),
            "transient": transient,
            "scheduler": self.name,
        }

    def _apply(self, pid: str, key: str, want: str, new_time: str | None, token: str) -> dict:
        """Bring one post to ``want``: PATCH, and before any retry read it back first."""
        url = self._url(pid)
        body: dict[str, str] = {"status": want}
        if new_time is not None:
            body["scheduled_at"] = new_time
        action = "hold" if want == HELD else "release"

        def attempt_once(retries: int) -> dict:
            if retries:
                current = self._post(self._send("GET", url, token), url, pid)
                if _in_state(current, want, new_time):
                    log.info(
                        "scheduler %s: post %s already %s; not sent again", self.name, pid, want
                    )
                    return current.as_dict()
            answer = self._send("PATCH", url, token, body=body, key=f"{key}:{pid}")
            return self._confirmed(answer, url, pid, want, new_time)

        def failure(tries: str, exc: _Failed) -> str:
            words = {"pid": pid, "tries": tries, "exc": exc}
            if action == "hold":
                return _("could not hold post %(pid)s%(tries)s: %(exc)s", **words)
            return _("could not release post %(pid)s%(tries)s: %(exc)s", **words)

        return self._retrying(attempt_once, token, failure)

    def _confirmed(
        self, answer: Any, url: str, pid: str, want: str, new_time: str | None
    ) -> dict[str, Any]:
        if answer is None:  # 204 No Content: trust the success status
            return Post(pid, "", new_time or "", "", want, self.name).as_dict()
        post = self._post(answer, url, pid)
        if post.status != want:
            raise _Failed(
                f"{url} answered that post {pid} is now {post.status!r}, not {want!r}",
                transient=False,
            )
        return post.as_dict()

    # -- creating ---------------------------------------------------------------------
    def create(self, posts: list[dict[str, Any]], key: str) -> Outcome:
        """Create each post as ``scheduled`` (concurrently); ``done``: the created posts with
        their ``index`` in ``posts``, ``failures``: ``{"index", "channel", "error", ...}``."""
        token = self._token()
        outcome = Outcome()
        if not posts:
            return outcome
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(posts))) as pool:
            futures = [
                pool.submit(self._create_one, post, f"{key}:{index}", token)
                for index, post in enumerate(posts)
            ]
        for index, (post, future) in enumerate(zip(posts, futures, strict=True)):
            error = future.exception()
            if error is None:
                outcome.done.append({**future.result(), "index": index})
            else:
                channel = str(post.get("channel") or "")
                outcome.failures.append(
                    {"index": index, "channel": channel, **self._failure(error, token)}
                )
        return outcome

    def _create_one(self, post: dict[str, Any], external: str, token: str) -> dict[str, Any]:
        """Create one post unless a post with ``external`` as external_id already exists."""
        channel = str(post.get("channel") or "").strip()
        asked = str(post.get("scheduled_at") or "")
        when = scheduled_time(asked, self.clock)
        if not channel:
            raise EffectError(_("a post without a channel was not sent; say where it should go"))
        if when is None:
            raise EffectError(
                _(
                    "the %(channel)s post was not sent: its time %(asked)s is not a date and "
                    "time; write it like 2026-11-21T15:00:00Z, or now",
                    channel=channel,
                    asked=repr(asked),
                )
            )
        body = {
            "channel": channel,
            "text": str(post.get("text") or ""),
            "scheduled_at": when,
            "status": SCHEDULED,
            "external_id": external,
        }
        url = f"{self.base_url}/posts"

        def attempt_once(retries: int) -> dict[str, Any]:
            found = self._find(external, token)
            if found is None:
                answer = self._send("POST", url, token, body=body, key=external)
                found = self._find(external, token) if answer is None else self._post(answer, url)
                if found is None:
                    raise _Failed(
                        f"POST {url}: the answer does not name the new post", transient=False
                    )
            elif retries:
                log.info("scheduler %s: post %s was already created", self.name, external)
            return found.as_dict()

        def failure(tries: str, exc: _Failed) -> str:
            return _(
                "could not schedule the %(channel)s post%(tries)s: %(exc)s",
                channel=channel,
                tries=tries,
                exc=exc,
            )

        return self._retrying(attempt_once, token, failure)

    def _find(self, external: str, token: str) -> Post | None:
        """The post created with ``external`` as its external_id, if the scheduler has one."""
        url = f"{self.base_url}/posts?{urllib.parse.urlencode({'external_id': external})}"
        answer = self._send("GET", url, token)
        if not isinstance(answer, dict) or not isinstance(answer.get("posts"), list):
            raise _Failed(
                f'{url} did not answer with a list of posts ("posts": [...])', transient=False
            )
        for item in answer["posts"]:  # an API ignoring the filter must not fake a match
            if isinstance(item, dict) and str(item.get("external_id")) == external:
                return self._post(item, url)
        return None

    # -- one exchange and its retries -------------------------------------------------
    def _get(self, url: str, token: str) -> Any:
        """GET ``url``, retried like any exchange."""
        return self._retrying(lambda _retries: self._send("GET", url, token), token)

    def _retrying(
        self,
        attempt_once: Callable[[int], T],
        token: str,
        failure: Callable[[str, _Failed], str] | None = None,
    ) -> T:
        return transport.retrying(
            attempt_once,
            failed=_Failed,
            max_retries=self.max_retries,
            wait=lambda attempt, exc: self._wait(attempt, exc, token),
            failure=failure,
        )

    def _wait(self, attempt: int, exc: _Failed, token: str) -> None:
        transport.wait_to_retry(
            exc,
            attempt,
            said=f"scheduler {self.name}: {self._scrub(str(exc), token)}",
            name=self.name,
            backoff=self.backoff,
            max_retries=self.max_retries,
            on_wait=self.on_wait,
            sleep=self._sleep,
            log=log,
        )

    def _send(
        self, method: str, url: str, token: str, *, body: Any = None, key: str | None = None
    ) -> Any:
        """One HTTP request; the parsed JSON answer (None when empty), or :class:`_Failed`."""
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = transport.request(
            method,
            url,
            authorization=f"Bearer {token}",
            data=data,
            content_type="" if data is None else "application/json",
            key=key,
        )
        where = f"{method} {url}"
        return transport.exchange(
            self._opener,
            request,
            where,
            timeout=self.timeout,
            failed=_Failed,
            http_failure=lambda exc: self._http_failure(exc, where, token),
            certificate="the scheduler's certificate",
        )

    def _http_failure(self, exc: urllib.error.HTTPError, where: str, token: str) -> _Failed:
        code = exc.code
        try:
            detail = _detail(exc.read(4096))
        except Exception:  # the body is only a nicety
            detail = ""
        refused = _HINTS.get(code, "the scheduler refused the request").format(env=self.token_env)
        hint = transport.status_hint(exc, "the scheduler", refused)
        message = f"{where}: HTTP {code} {exc.reason}: {hint}" + (f" ({detail})" if detail else "")
        retry_after = None
        transient = code >= 500 or code in (408, 429)
        if code in (429, 503):
            retry_after = transport.retry_after(
                exc.headers.get("Retry-After") if exc.headers else None
            )
            if retry_after is not None and retry_after > MAX_RETRY_AFTER:
                transient = False
                message += f"; it asks to wait {retry_after:.0f} s, so try again later"
        return _Failed(
            self._scrub(message, token), transient=transient, status=code, retry_after=retry_after
        )

    # -- helpers ----------------------------------------------------------------------
    def _token(self) -> str:
        token = self._environ.get(self.token_env, "").strip()
        if not token:
            raise EffectError(
                _(
                    "scheduler %(name)s: the environment variable %(token_env)s is not set; it "
                    "must hold the API token for %(base_url)s",
                    name=repr(self.name),
                    token_env=self.token_env,
                    base_url=self.base_url,
                )
            )
        return token

    def _url(self, pid: str) -> str:
        return f"{self.base_url}/posts/{urllib.parse.quote(pid, safe='')}"

    def _post(self, item: Any, url: str, pid: str | None = None) -> Post:
        if not isinstance(item, dict) or item.get("id") is None:
            raise _Failed(f"{url}: the answer is not a post (no id)", transient=False)
        text = "" if item.get("text") is None else str(item["text"])
        return Post(
            id=str(item["id"]) if pid is None else pid,
            channel=str(item.get("channel") or ""),
            scheduled_at=str(item.get("scheduled_at") or ""),
            excerpt=" ".join(text.split())[:EXCERPT_CHARS],
            status=str(item.get("status") or "").lower(),
            scheduler=self.name,
        )

    @staticmethod
    def _scrub(text: str, token: str) -> str:
        return scrub(text, forms(token), "[token]") if token else text


def _in_state(post: Post, want: str, new_time: str | None) -> bool:
    if post.status != want:
        return False
    if new_time is None:
        return True
    if post.scheduled_at == new_time:
        return True
    try:
        return datetime.fromisoformat(post.scheduled_at) == datetime.fromisoformat(new_time)
    except (TypeError, ValueError):
        return False


def _detail(raw: bytes) -> str:
    """A short reason from an error answer: its JSON ``error``/``message``, or short text."""
    text = raw.decode("utf-8", "replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        for field in ("error", "message", "detail"):
            if isinstance(data.get(field), str):
                return data[field][:200]
        return ""
    if text.startswith("<"):
        return ""  # an HTML error page says nothing useful
    return " ".join(text.split())[:200]
