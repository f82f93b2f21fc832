"""Chat through an incoming webhook (Slack, Mattermost or Microsoft Teams): one post per call.

This module owns the payload each chat tool expects, the HTTP POST (stdlib :mod:`urllib`) and
turning every answer into either a message id or an :class:`~runbook.errors.EffectError`:
429, 5xx, timeouts and connection errors are ``transient`` (with the server's ``Retry-After``
kept on the error as ``retry_after`` seconds, for the fan-out to honour); any other 4xx or a
redirect is permanent and names the HTTP status.

The webhook URL is a secret (whoever has it can post in the crisis room), so it is read from
the environment variable named in contacts at send time and is never stored, logged, put in
a repr or quoted in an error: the endpoint is described as "the chat webhook (VARIABLE)", and
anything the server answers is scrubbed of the URL and its parts before it is quoted.
Redirects are not followed (urllib would silently turn the POST into a GET). A receiver that
read the whole post and then closed or fell silent past the timeout gives
:class:`~runbook.effects.notify.MaybeDelivered`: it may have been posted, so it is never
retried by itself.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import os
import re
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from runbook.effects import Message
from runbook.effects.notify import MaybeDelivered
from runbook.errors import EffectError
from runbook.i18n import _
from runbook.model.contacts import WebhookChannel
from runbook.model.secrets import all_forms

log = logging.getLogger(__name__)

__all__ = ["ChatWebhook", "chat_payload"]

USER_AGENT = "runbook (crisis notifications)"
_SLACK_ID = re.compile(r"^[UW][A-Z0-9]{6,}$")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx surfaces as an HTTPError and is reported as a permanent problem


class ChatWebhook:
    """A :class:`~runbook.effects.notify.Channel` posting to a chat room's incoming webhook."""

    def __init__(
        self,
        name: str,
        config: WebhookChannel,
        *,
        environ: Mapping[str, str] = os.environ,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.name = name
        self.config = config
        self._environ = environ
        self._handlers: list[Any] = [_NoRedirect()]
        self._ssl_context = ssl_context

    def __repr__(self) -> str:
        return (
            f"ChatWebhook(name={self.name!r}, format={self.config.format!r}, "
            f"url_env={self.config.url_env!r})"
        )

    @property
    def endpoint(self) -> str:
        """How errors name the endpoint without revealing it."""
        return f"the chat webhook ({self.config.url_env})"

    def send(self, message: Message, key: str) -> str:
        """Post ``message`` (mentioning ``message.address``); return an id derived from ``key``."""
        url = self._url()
        secrets = _secret_forms(url)
        payload = chat_payload(self.config.format, message)
        request = urllib.request.Request(
            url,
            data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Idempotency-Key": _header_safe(key),
                "User-Agent": USER_AGENT,
            },
        )
        timeout = max(self.config.timeout.total_seconds(), 0.05)  # 0 would mean non-blocking
        handed = _Handed()
        opener = urllib.request.build_opener(*self._handlers, *_tracking_handlers(handed, self))
        try:
            with opener.open(request, timeout=timeout) as response:
                response.read(65536)
        except urllib.error.HTTPError as exc:
            raise self._http_error(exc, secrets) from None
        except Exception as exc:  # every failure becomes an EffectError without the URL
            if handed.over:
                # The receiver has the whole post and never said whether it took it.
                raise MaybeDelivered(
                    f"{self.endpoint} read the message for {message.name} and then "
                    f"{_silence(self._transport_error(exc), timeout)}: it may have been posted"
                ) from None
            raise self._transport_error(exc) from None
        log.debug("posted to %s for %s via %s", self.endpoint, message.person, self.name)
        return f"{self.name}:{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}"

    def _url(self) -> str:
        variable = self.config.url_env
        url = (self._environ.get(variable) or "").strip()
        if not url:
            raise EffectError(
                _(
                    "chat channel %(name)s needs the environment variable %(variable)s (the "
                    "webhook URL), which is not set on this machine",
                    name=repr(self.name),
                    variable=variable,
                ),
                transient=False,
            )
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise EffectError(
                _(
                    "%(variable)s does not hold an http(s) webhook URL; check its value",
                    variable=variable,
                ),
                transient=False,
            )
        return url

    # -- errors -------------------------------------------------------------------------
    def _http_error(self, exc: urllib.error.HTTPError, secrets: list[str]) -> EffectError:
        status = exc.code
        try:
            detail = exc.read(2048).decode("utf-8", "replace")
        except Exception:  # the body is only a hint
            detail = ""
        finally:
            exc.close()
        detail = _scrub(" ".join(detail.split()), secrets)[:200]
        answer = f"HTTP {status}" + (f": {detail}" if detail else "")
        if status == 429:
            error = EffectError(
                _(
                    "%(endpoint)s is rate limiting runbook (%(answer)s)",
                    endpoint=self.endpoint,
                    answer=answer,
                ),
                transient=True,
            )
        elif status >= 500:
            error = EffectError(
                _(
                    "%(endpoint)s had a server error (%(answer)s)",
                    endpoint=self.endpoint,
                    answer=answer,
                ),
                transient=True,
            )
        elif 300 <= status < 400:
            error = EffectError(
                _(
                    "%(endpoint)s answered with a redirect (%(answer)s); check the URL in "
                    "%(url_env)s",
                    endpoint=self.endpoint,
                    answer=answer,
                    url_env=self.config.url_env,
                ),
                transient=False,
            )
        elif status in (401, 403, 404, 410):
            error = EffectError(
                _(
                    "%(endpoint)s refused the message (%(answer)s); the webhook may have been "
                    "removed or its URL in %(url_env)s is wrong",
                    endpoint=self.endpoint,
                    answer=answer,
                    url_env=self.config.url_env,
                ),
                transient=False,
            )
        else:
            error = EffectError(
                _(
                    "%(endpoint)s refused the message (%(answer)s)",
                    endpoint=self.endpoint,
                    answer=answer,
                ),
                transient=False,
            )
        retry_after = _retry_after(exc.headers.get("Retry-After") if exc.headers else None)
        error.retry_after = retry_after  # type: ignore[attr-defined]
        return error

    def _transport_error(self, exc: BaseException) -> EffectError:
        reason: BaseException | str = exc
        if isinstance(exc, urllib.error.URLError):
            reason = exc.reason
        timeout = self.config.timeout.total_seconds()
        if isinstance(reason, TimeoutError) or (isinstance(reason, str) and "timed out" in reason):
            return EffectError(
                _(
                    "%(endpoint)s did not answer within %(timeout)ss",
                    endpoint=self.endpoint,
                    timeout=format(timeout, "g"),
                ),
                transient=True,
            )
        if isinstance(reason, ssl.SSLCertVerificationError):
            return EffectError(
                _(
                    "%(endpoint)s presented a certificate runbook cannot trust (%(reason)s)",
                    endpoint=self.endpoint,
                    reason=reason.verify_message or "verification failed",
                ),
                transient=False,
            )
        if isinstance(reason, ConnectionRefusedError):
            return EffectError(
                _("could not reach %(endpoint)s (connection refused)", endpoint=self.endpoint),
                transient=True,
            )
        if isinstance(reason, OSError | http.client.HTTPException):
            # gaierror, resets, dropped connections, garbled answers: the network or the
            # service is having a bad moment
            kind = getattr(reason, "strerror", None) or type(reason).__name__
            return EffectError(
                _("could not reach %(endpoint)s (%(kind)s)", endpoint=self.endpoint, kind=kind),
                transient=True,
            )
        if isinstance(reason, ValueError):
            return EffectError(
                _(
                    "%(url_env)s does not hold a usable webhook URL; check its value",
                    url_env=self.config.url_env,
                ),
                transient=False,
            )
        return EffectError(
            _(
                "unexpected problem posting to %(endpoint)s (%(name)s)",
                endpoint=self.endpoint,
                name=type(reason).__name__,
            ),
            transient=False,
        )


class _Handed:
    """Whether the whole request (headers and body) was written to the receiver: from then
    on, a silence or a dropped connection may hide a post."""

    over = False


def _tracking_handlers(handed: _Handed, channel: ChatWebhook) -> list[Any]:
    """HTTP and HTTPS handlers whose connections mark ``handed`` once the request is sent
    (just before waiting for the answer)."""

    def tracked(base: type[http.client.HTTPConnection]) -> type[http.client.HTTPConnection]:
        class Tracked(base):  # type: ignore[valid-type,misc]
            def getresponse(self) -> http.client.HTTPResponse:
                handed.over = True  # request() returned: the body is written
                return super().getresponse()

        return Tracked

    plain = tracked(http.client.HTTPConnection)
    secure = tracked(http.client.HTTPSConnection)
    context = channel._ssl_context

    class Http(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(plain, req)

    class Https(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(secure, req, context=context)

    return [Http(), Https()]


def _silence(error: EffectError, timeout: float) -> str:
    """What the receiver did after reading the post, in words."""
    if "did not answer" in str(error):
        return f"did not answer within {timeout:g}s"
    return "closed the connection without answering"


def chat_payload(format: str, message: Message) -> dict[str, Any]:
    """The JSON body for ``message`` in the chat tool's ``format`` (slack, mattermost, teams).

    The post starts by mentioning the person (their chat handle, e.g. ``@amara``; a Slack
    member id like ``U024BE7LH`` becomes ``<@U024BE7LH>`` so Slack really notifies them).
    Without a handle the person's name is used: the room still sees who is asked.
    """
    handle = message.address.strip()
    if format == "teams":
        mention = _teams_escape(handle or message.name)
        text = "\n\n".join(_teams_escape(line) for line in message.body.splitlines() if line)
        return {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": message.subject,
            "title": message.subject,
            "themeColor": "D13438",
            "text": f"**{mention}**\n\n{text}",
        }
    if format == "mattermost":
        mention = handle or f"**{message.name}**"
        return {
            "text": f"{mention} **{message.subject}**\n{message.body}",
            "username": "runbook",
        }
    if _SLACK_ID.match(handle):
        mention = f"<@{handle}>"
    elif handle.startswith("<@") and handle.endswith(">"):
        mention = handle
    else:
        mention = _slack_escape(handle or message.name)
    return {
        "text": f"{mention} *{_slack_escape(message.subject)}*\n{_slack_escape(message.body)}",
    }


def _slack_escape(text: str) -> str:
    # Slack reads <...> as links and mentions ("--as <your id>" would vanish); escape them.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _teams_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _header_safe(key: str) -> str:
    if key.isascii() and key.isprintable():
        return key
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _secret_forms(url: str) -> list[str]:
    """The URL and the parts of it a server might echo back (path, tokens), in every
    spelling an answer might use (raw, URL-encoded, JSON-escaped)."""
    parts = urllib.parse.urlsplit(url)
    pieces = {url, parts.path + (f"?{parts.query}" if parts.query else "")}
    pieces |= {segment for segment in parts.path.split("/") if len(segment) >= 8}
    pieces |= {value for _, value in urllib.parse.parse_qsl(parts.query) if len(value) >= 8}
    forms: set[str] = set()
    for piece in pieces:
        if len(piece) > 1:
            forms |= {
                piece,
                urllib.parse.quote(piece, safe=""),
                urllib.parse.quote(piece),
                json.dumps(piece)[1:-1],
            }
    forms |= set(all_forms(piece for piece in pieces if len(piece) >= 8))
    return sorted(forms, key=len, reverse=True)


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "[redacted]")
    return text
