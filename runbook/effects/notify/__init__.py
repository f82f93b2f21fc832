"""Notifiers: reaching people by email, chat webhook, console or (in drills) nowhere.

A :class:`Channel` sends one message to one person and either returns a message id or raises
:class:`~runbook.errors.EffectError` (``transient=True`` when a retry may help: connection
errors, timeouts, 429 and 5xx; ``False`` for 4xx and bad addresses). :mod:`.fanout` sends many
messages concurrently (bounded), retries transient failures with backoff and reports each
delivery as it completes, so the engine can record it and never resend what was delivered.
Secrets (passwords, webhook URLs) are read from environment variables at send time and never
appear in a message, an error, a log line or an event.
"""

from __future__ import annotations

from typing import Protocol

from runbook.effects import Message
from runbook.errors import EffectError


class MaybeDelivered(EffectError):
    """The receiver took the message and then did not answer (an SMTP server that accepted
    the DATA and closed or hung; a webhook that read the body and closed or timed out): it
    may have arrived. Never retried by itself: only the operator sends it again."""

    def __init__(self, message: str) -> None:
        super().__init__(message, transient=False)


class Channel(Protocol):
    """One way of reaching people (an SMTP server, a chat webhook, the console)."""

    name: str
    """The channel's name in contacts (``email``, ``chat``)."""

    def send(self, message: Message, key: str) -> str:
        """Deliver ``message``; return an id for it. ``key`` is its idempotency key (used as
        the email Message-ID / webhook idempotency header). Raise EffectError on failure,
        MaybeDelivered when the receiver took it and then did not answer."""
        ...
