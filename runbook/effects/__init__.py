"""The outside world behind small protocols: schedulers, notifiers, publishers.

The engine only talks to these ports. Each effect is performed with an idempotency key (the
outbox intent's ``effect_id``) and returns an outcome the engine records as an event. Adapters
translate their own failures into :class:`~runbook.errors.EffectError` with a message a comms
person can act on. :mod:`runbook.effects.sinks` holds the console sink (trying runbook out)
and the drill sink (tabletop drills: nothing leaves the building).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Post:
    """A scheduled post as a scheduler reports it."""

    id: str
    channel: str
    scheduled_at: str
    excerpt: str
    status: str = "scheduled"
    scheduler: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form for events."""
        return {
            "id": self.id,
            "channel": self.channel,
            "scheduled_at": self.scheduled_at,
            "excerpt": self.excerpt,
            "status": self.status,
            "scheduler": self.scheduler,
        }


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


class Scheduler(Protocol):
    """A scheduling tool holding the brand's upcoming posts."""

    def pause(self, scope: dict[str, Any], key: str) -> Outcome:
        """Hold every scheduled post in ``scope``; ``done`` lists posts held."""
        ...

    def resume(self, posts: list[dict[str, Any]], key: str) -> Outcome:
        """Release exactly ``posts`` (ones this incident held)."""
        ...


class Notifier(Protocol):
    """Delivers messages to people."""

    def deliver(self, messages: list[Message], key: str) -> Outcome:
        """Send each message; ``done`` and ``failures`` hold one dict per message."""
        ...


class Publisher(Protocol):
    """Publishes approved statements."""

    def publish(self, statement: dict[str, Any], key: str) -> Outcome:
        """Publish every variant of ``statement``; ``done`` lists platforms."""
        ...


@dataclass
class Effects:
    """The adapters an engine uses, for real incidents and for drills."""

    scheduler: Scheduler
    notifier: Notifier
    publisher: Publisher
    drill: Effects | None = None
    """What drills use instead (the drill sink unless a facilitator chose otherwise)."""

    def for_incident(self, drill: bool) -> Effects:
        """The adapters for a real incident or a drill."""
        if drill:
            if self.drill is None:
                from runbook.effects.sinks import drill_effects

                self.drill = drill_effects()
            return self.drill
        return self
