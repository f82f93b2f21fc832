"""Sinks: effects that go nowhere dangerous.

The console sink prints what would be sent (for trying runbook out with no scheduler or mail
server configured). The drill sink keeps everything in memory, so a tabletop drill never sends
a real message; the events still record what would have happened.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, TextIO

from runbook.effects import Effects, Message, Outcome


@dataclass
class ConsoleSink:
    """Prints messages and statements; holds no scheduled posts."""

    stream: TextIO | None = None
    label: str = "console"

    def _out(self) -> TextIO:
        return self.stream or sys.stderr

    def pause(self, scope: dict[str, Any], key: str) -> Outcome:
        """No scheduler is configured: nothing can be held automatically."""
        return Outcome(
            note=f"{self.label}: no scheduler is configured; hold posts in your scheduling tool "
            "by hand"
        )

    def resume(self, posts: list[dict[str, Any]], key: str) -> Outcome:
        """Nothing was held by runbook, so nothing to release."""
        return Outcome(done=[dict(post) for post in posts])

    def deliver(self, messages: list[Message], key: str) -> Outcome:
        """Print each message."""
        outcome = Outcome()
        for message in messages:
            print(
                f"[{self.label}] to {message.name} ({', '.join(message.roles) or 'notified'})"
                f" via {message.channel}: {message.subject}",
                file=self._out(),
            )
            outcome.done.append(_delivered(message, self.label))
        return outcome

    def publish(self, statement: dict[str, Any], key: str) -> Outcome:
        """Print each variant of the statement."""
        outcome = Outcome()
        for variant, text in statement.get("variants", {}).items():
            print(f"[{self.label}] publish on {variant}: {text}", file=self._out())
            outcome.done.append({"platform": variant})
        return outcome


@dataclass
class DrillSink:
    """Keeps every message, pause and publication in memory; sends nothing."""

    sent: list[Message] = field(default_factory=list)
    published: list[dict[str, Any]] = field(default_factory=list)
    paused_scopes: list[dict[str, Any]] = field(default_factory=list)

    def pause(self, scope: dict[str, Any], key: str) -> Outcome:
        """Record the pause (drill: no real scheduler is touched)."""
        self.paused_scopes.append(scope)
        return Outcome(note="drill: no real scheduled post was touched")

    def resume(self, posts: list[dict[str, Any]], key: str) -> Outcome:
        """Record the resume."""
        return Outcome(done=[dict(post) for post in posts])

    def deliver(self, messages: list[Message], key: str) -> Outcome:
        """Record the messages."""
        self.sent.extend(messages)
        return Outcome(done=[_delivered(m, "drill") for m in messages])

    def publish(self, statement: dict[str, Any], key: str) -> Outcome:
        """Record the statement."""
        self.published.append(statement)
        return Outcome(done=[{"platform": v} for v in statement.get("variants", {})])


def _delivered(message: Message, via: str) -> dict[str, Any]:
    return {
        "person": message.person,
        "roles": list(message.roles),
        "rules": list(message.rules),
        "channel": message.channel,
        "ok": True,
        "via": via,
    }


def console_effects(stream: TextIO | None = None) -> Effects:
    """Effects that print to the console (no real systems configured)."""
    sink = ConsoleSink(stream)
    return Effects(scheduler=sink, notifier=sink, publisher=sink)


def drill_effects() -> Effects:
    """Effects for a drill: everything stays in memory."""
    sink = DrillSink()
    return Effects(scheduler=sink, notifier=sink, publisher=sink)
