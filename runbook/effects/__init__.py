"""The outside world behind small protocols: schedulers, notifiers, publishers.

The engine only talks to these ports. Each effect is performed with an idempotency key (the
outbox intent's ``effect_id``) and returns an outcome the engine records as an event. Adapters
translate their own failures into :class:`~runbook.errors.EffectError` with a message a comms
person can act on. :mod:`runbook.effects.sinks` holds the console sink (trying runbook out)
and the drill sink (tabletop drills: nothing leaves the building).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from runbook.i18n import _

REPORTED_WAIT = 1.0
"""Waits before trying again this long or longer are reported as they start (seconds)."""


@dataclass(frozen=True)
class Wait:
    """A wait before trying something again (a server's Retry-After, or backoff), reported
    as it starts so the operator knows who is waiting and until when."""

    what: str
    """What will be tried again: ``chat message to Maya Chen``, ``scheduler postiz``."""
    seconds: float
    until: datetime
    reason: str
    """Why: ``chat answered 429 and asked to wait 8 s``."""
    attempt: int
    """The attempt that comes after the wait."""
    attempts: int
    """How many attempts there will be at most."""

    def words(self) -> str:
        """One line for the terminal or the app."""
        return _(
            "waiting %(seconds)s s to try the %(what)s again (%(reason)s); attempt %(attempt)s of "
            "%(attempts)s at %(until)s UTC",
            seconds=format(self.seconds, ".0f"),
            what=self.what,
            reason=self.reason,
            attempt=self.attempt,
            attempts=self.attempts,
            until=format(self.until, "%H:%M:%S"),
        )


@dataclass(frozen=True)
class Post:
    """A scheduled post as a scheduler reports it."""

    id: str
    channel: str
    scheduled_at: str
    excerpt: str
    status: str = "scheduled"
    scheduler: str = ""
    hold: str = ""
    """How the scheduler holds it: ``draft`` (set aside in the tool), ``delete-and-recreate``
    (recorded whole in the event log, deleted, recreated on release); empty: marked held."""
    record: dict[str, Any] | None = None
    """For ``delete-and-recreate``: everything needed to recreate the post (text, profiles,
    media references, time), recorded in the event log before the delete."""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form for events."""
        data: dict[str, Any] = {
            "id": self.id,
            "channel": self.channel,
            "scheduled_at": self.scheduled_at,
            "excerpt": self.excerpt,
            "status": self.status,
            "scheduler": self.scheduler,
        }
        if self.hold:
            data["hold"] = self.hold
        if self.record is not None:
            data["record"] = self.record
        return data


@dataclass
class Outcome:
    """What an effect did: items done and items that failed (with reasons)."""

    done: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""


@dataclass(frozen=True)
class Message:
    """One message to one person over one channel."""

    person: str
    name: str
    address: str
    """Email address, chat handle or empty for the console."""
    channel: str
    """Channel name as configured in contacts (``email``, ``chat``)."""
    subject: str
    body: str
    roles: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    recorded: str = ""
    """The text as the record keeps it when it must differ from ``body`` (a personal approval
    link left out: it is a secret); empty: the body itself."""


class Publisher(Protocol):
    """Publishes approved statements (or records that they were posted by hand)."""

    def publish(self, statement: dict[str, Any], key: str) -> Outcome:
        """Publish every variant of ``statement``; ``done`` lists ``{"platform"}`` entries."""
        ...


@dataclass
class Effects:
    """The adapters an engine uses, for real incidents and for drills.

    ``scheduler`` is a :class:`~runbook.effects.scheduler.SchedulerAdapter` (several
    configured schedulers are joined into one); ``channels`` maps channel names from contacts
    (``email``, ``chat``) to :class:`~runbook.effects.notify.Channel` objects, and
    ``fallback`` reaches people on a channel that is not configured (the console when trying
    runbook out; None in production, where an unconfigured channel is a reported failure).
    """

    scheduler: Any
    channels: dict[str, Any]
    publisher: Publisher
    fallback: Any = None
    drill: Effects | None = None
    """What drills use instead (the drill sink unless a facilitator chose otherwise)."""
    on_wait: Callable[[Wait], None] | None = None
    """Told about every long wait before trying again (see :meth:`report_waits`)."""

    def report_waits(self, callback: Callable[[Wait], None]) -> None:
        """Have every adapter tell ``callback`` when it waits before trying again: the
        notification fan-out and the schedulers that retry (drills' adapters never wait)."""
        self.on_wait = callback
        schedulers = getattr(self.scheduler, "adapters", {"": self.scheduler})
        for adapter in [*schedulers.values(), self.publisher]:
            if hasattr(adapter, "on_wait"):
                adapter.on_wait = callback

    def for_incident(self, drill: bool) -> Effects:
        """The adapters for a real incident or a drill."""
        if drill:
            if self.drill is None:
                from runbook.effects.sinks import drill_effects

                self.drill = drill_effects()
            return self.drill
        return self

    def channel_map(self, names: list[str]) -> dict[str, Any]:
        """Channels for ``names``: configured ones, else the fallback where there is one."""
        found = {}
        for name in names:
            channel = self.channels.get(name, self.fallback)
            if channel is not None:
                found[name] = channel
        return found
