"""Fan-out: delivering many notifications at once, retrying what may still succeed.

This module owns *how* a batch of messages leaves: concurrently (a bounded thread pool, so
forty people are told in about the time it takes to tell one), each retried on transient
failures with exponential backoff and jitter (honouring a server's ``retry_after`` up to
:data:`MAX_RETRY_AFTER`, and never waiting more than :data:`MAX_WAIT` in all for one message;
each long wait reported through ``on_wait`` as it starts), never retried on permanent ones,
and each reported through ``on_result`` the moment it finishes,
from the calling thread, so the engine can record it in the event log at once (a crash
half-way never loses what was already delivered, and a restart never re-sends it). A message
the receiver took and then did not answer for is reported ``unknown`` and never retried: it
may have arrived.

It also builds the configured channels (``contacts.channels``) into senders. Sending itself
lives in :mod:`.smtp`, :mod:`.webhook` and :mod:`.console`.
"""

from __future__ import annotations

import contextvars
import logging
import os
import random
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime, timedelta
from typing import Any

from runbook.effects import REPORTED_WAIT, Message, Wait
from runbook.effects.notify import Channel, MaybeDelivered
from runbook.effects.notify.console import ConsoleChannel
from runbook.effects.notify.smtp import SmtpEmail
from runbook.effects.notify.webhook import ChatWebhook
from runbook.errors import EffectError
from runbook.i18n import _
from runbook.model import contacts as spec

log = logging.getLogger(__name__)

__all__ = ["build_channels", "deliver_all"]

MAX_RETRY_AFTER = 15.0
"""Longest ``Retry-After`` honoured (seconds): a channel asking to wait longer is reported as
failed at once, so the operator can use another way in time (``runbook retry`` later)."""
MAX_WAIT = 30.0
"""Longest total wait between attempts for one message (seconds): a crisis cannot wait."""


def build_channels(
    contacts_channels: Mapping[str, spec.SmtpChannel | spec.WebhookChannel | spec.ConsoleChannel],
    environ: Mapping[str, str] = os.environ,
) -> dict[str, Channel]:
    """A sender for every channel in contacts. Secrets are read from ``environ`` at send
    time, so building never fails for a missing variable; sending reports it."""
    built: dict[str, Channel] = {}
    for name, config in contacts_channels.items():
        if isinstance(config, spec.SmtpChannel):
            built[name] = SmtpEmail(name, config, environ=environ)
        elif isinstance(config, spec.WebhookChannel):
            built[name] = ChatWebhook(name, config, environ=environ)
        elif isinstance(config, spec.ConsoleChannel):
            built[name] = ConsoleChannel(name)
        else:  # pragma: no cover - the contacts model admits only the kinds above
            raise TypeError(f"channel {name!r}: unknown kind {type(config).__name__}")
    return built


def deliver_all(
    deliveries: list[tuple[Message, str]],
    channels: Mapping[str, Channel],
    *,
    concurrency: int = 16,
    max_attempts: int = 4,
    backoff: float = 0.2,
    on_result: Callable[[dict[str, Any]], None] | None = None,
    on_wait: Callable[[Wait], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    on_start: Callable[[Message, str], None] | None = None,
    on_end: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Send every ``(message, key)`` through ``channels[message.channel]``; results in input
    order.

    Each result is ``{"person", "roles", "rules", "channel", "ok", "error", "message_id",
    "attempts", "key"}``. ``on_result`` is called once per delivery, as it finishes, on the
    calling thread. If it raises, deliveries not yet started are cancelled, the ones under
    way finish, and the exception propagates (unrecorded sends must not pile up).

    ``on_start(message, key)`` is called on the sending thread just before a message's first
    try leaves (the engine records it, so a crash mid-send shows it as "may have been sent");
    if it raises, that message is not sent. ``on_end(result)`` is called on the sending thread
    as each message's result is known, before ``on_result`` (so results of messages finishing
    together can be recorded together). Each result's ``outcome`` is ``delivered``,
    ``failed`` or ``unknown`` (:class:`~runbook.effects.notify.MaybeDelivered`: the receiver
    took it and did not answer), and an unknown one is never tried again here.
    """
    results: list[dict[str, Any] | None] = [None] * len(deliveries)
    pending: dict[Future[dict[str, Any]], int] = {}

    def report(index: int, result: dict[str, Any]) -> None:
        results[index] = result
        if on_result is not None:
            on_result(result)

    workers = max(1, min(concurrency, len(deliveries)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="runbook-notify") as pool:
        try:
            for index, (message, key) in enumerate(deliveries):
                channel = channels.get(message.channel)
                if channel is None:
                    error = f"channel {message.channel} is not configured in contacts"
                    result = _result(message, key, error=error, attempts=0)
                    if on_end is not None:  # never sent: no start, only the result
                        on_end(result)
                    report(index, result)
                    continue
                future = pool.submit(
                    contextvars.copy_context().run,  # the language in force, in the thread
                    _deliver_one,
                    channel,
                    message,
                    key,
                    max_attempts,
                    backoff,
                    sleep,
                    on_wait,
                    on_start,
                    on_end,
                )
                pending[future] = index
            while pending:
                done, _waiting = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    report(pending.pop(future), future.result())
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    return [result for result in results if result is not None]


def _deliver_one(
    channel: Channel,
    message: Message,
    key: str,
    max_attempts: int,
    backoff: float,
    sleep: Callable[[float], None],
    on_wait: Callable[[Wait], None] | None = None,
    on_start: Callable[[Message, str], None] | None = None,
    on_end: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    if on_start is not None:
        on_start(message, key)
    result = _attempt(channel, message, key, max_attempts, backoff, sleep, on_wait)
    if on_end is not None:
        on_end(result)
    return result


def _attempt(
    channel: Channel,
    message: Message,
    key: str,
    max_attempts: int,
    backoff: float,
    sleep: Callable[[float], None],
    on_wait: Callable[[Wait], None] | None,
) -> dict[str, Any]:
    attempt = 0
    waited = 0.0
    attempts = max(1, max_attempts)
    while True:
        attempt += 1
        try:
            message_id = channel.send(message, key)
        except MaybeDelivered as exc:  # taken, then no answer: never tried again by itself
            log.info(
                "delivery to %s via %s may have arrived: %s", message.person, message.channel, exc
            )
            return _result(message, key, error=str(exc), attempts=attempt, unknown=True)
        except EffectError as exc:
            error = str(exc) or f"sending via {message.channel} failed"
            asked = getattr(exc, "retry_after", None)
            gave_up = ""
            if exc.transient and attempt < attempts:
                delay = _delay(attempt, backoff, asked)
                if asked is not None and asked > MAX_RETRY_AFTER:
                    gave_up = "; " + _(
                        "%(channel)s asks to wait %(asked)s s, longer than runbook waits in a "
                        "crisis (%(most)s s): try again later",
                        channel=message.channel,
                        asked=format(asked, ".0f"),
                        most=format(MAX_RETRY_AFTER, ".0f"),
                    )
                elif waited + delay > MAX_WAIT:
                    gave_up = "; " + _(
                        "gave up after waiting %(seconds)s s in all", seconds=format(waited, ".0f")
                    )
                else:
                    log.debug(
                        "delivery to %s via %s: %s; retrying in %.2fs",
                        message.person,
                        message.channel,
                        exc,
                        delay,
                    )
                    if on_wait is not None and delay >= REPORTED_WAIT:
                        reason = (
                            _(
                                "%(channel)s asked to wait %(seconds)s s",
                                channel=message.channel,
                                seconds=format(asked, ".0f"),
                            )
                            if asked is not None
                            else _(
                                "%(channel)s failed: %(error)s",
                                channel=message.channel,
                                error=error,
                            )
                        )
                        on_wait(
                            Wait(
                                what=_(
                                    "%(channel)s message to %(name)s",
                                    channel=message.channel,
                                    name=message.name,
                                ),
                                seconds=delay,
                                until=datetime.now(UTC) + timedelta(seconds=delay),
                                reason=reason,
                                attempt=attempt + 1,
                                attempts=attempts,
                            )
                        )
                    sleep(delay)
                    waited += delay
                    continue
            log.info(
                "delivery to %s via %s failed after %d attempt(s): %s",
                message.person,
                message.channel,
                attempt,
                exc,
            )
            return _result(message, key, error=error + gave_up, attempts=attempt)
        except Exception as exc:  # a bug in a channel: report it, never retry it
            # only the type: an unexpected exception's text could carry anything
            log.error(
                "delivery to %s via %s failed unexpectedly (%s)",
                message.person,
                message.channel,
                type(exc).__name__,
            )
            error = f"unexpected problem sending via {message.channel} ({type(exc).__name__})"
            return _result(message, key, error=error, attempts=attempt)
        else:
            return _result(message, key, message_id=message_id, attempts=attempt)


MAX_RECORDED = 4000
"""Characters of a message's text kept in the record of its delivery."""


def _delay(attempt: int, backoff: float, retry_after: float | None) -> float:
    """Exponential backoff with jitter (so retries from many threads do not arrive in step);
    never shorter than the server's ``Retry-After``."""
    delay = backoff * (2 ** (attempt - 1)) * random.uniform(0.5, 1.5)
    if retry_after is not None:
        delay = max(delay, float(retry_after))
    return delay


def _result(
    message: Message,
    key: str,
    *,
    error: str = "",
    message_id: str = "",
    attempts: int,
    unknown: bool = False,
) -> dict[str, Any]:
    outcome = "unknown" if unknown else ("failed" if error else "delivered")
    return {
        "person": message.person,
        "roles": list(message.roles),
        "rules": list(message.rules),
        "channel": message.channel,
        "ok": outcome == "delivered",
        "outcome": outcome,
        "error": error,
        "message_id": message_id,
        "attempts": attempts,
        "key": key,
        "subject": message.subject[:300],
        "text": (message.recorded or message.body)[:MAX_RECORDED],
    }
