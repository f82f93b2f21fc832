"""Sinks: effects that go nowhere dangerous.

The console sink prints what would be sent (for trying runbook out with no scheduler or mail
server configured). The drill sink keeps everything in memory, so a tabletop drill never sends
a real message or touches a real scheduled post; the events still record what happened, and a
drill scenario can seed the sink's calendar with simulated posts.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, TextIO

from runbook.effects import Effects, Message, Outcome, Post
from runbook.effects.scheduler import HELD, SCHEDULED
from runbook.model.text import inert


@dataclass
class ConsoleSink:
    """Prints messages and statements; knows no scheduled posts."""

    stream: TextIO | None = None
    name: str = "console"
    configured: bool = False
    """Not a real scheduler: pausing must be done by hand in the scheduling tool."""

    def _out(self) -> TextIO:
        return self.stream or sys.stderr

    # scheduler: nothing configured, nothing to hold
    def list_posts(self) -> list[Post]:
        """No scheduler is configured: no posts are known."""
        return []

    def hold(self, post_ids: list[str], key: str) -> Outcome:
        """Nothing to hold."""
        return Outcome(note="no scheduler is configured; hold posts in your scheduling tool")

    def release(self, post_ids: list[str], key: str, new_times: dict[str, str]) -> Outcome:
        """Nothing was held by runbook, so nothing to release."""
        return Outcome(done=[{"id": post_id, "status": SCHEDULED} for post_id in post_ids])

    def status(self, post_ids: list[str]) -> dict[str, str]:
        """Unknown posts."""
        return dict.fromkeys(post_ids, "missing")

    # channel
    def send(self, message: Message, key: str) -> str:
        """Print the message."""
        print(
            inert(
                f"[{self.name}] to {message.name} ({', '.join(message.roles) or 'notified'})"
                f" via {message.channel}: {message.subject}"
            ),
            file=self._out(),
        )
        return key

    # publisher
    def publish(self, statement: dict[str, Any], key: str) -> Outcome:
        """Print each variant of the statement."""
        outcome = Outcome()
        for variant, text in statement.get("variants", {}).items():
            print(inert(f"[{self.name}] publish on {variant}: {text}"), file=self._out())
            outcome.done.append({"platform": variant})
        return outcome


@dataclass
class DrillSink:
    """Keeps every message, hold and publication in memory; sends nothing real."""

    name: str = "drill"
    sent: list[Message] = field(default_factory=list)
    published: list[dict[str, Any]] = field(default_factory=list)
    posts: dict[str, Post] = field(default_factory=dict)
    """A simulated calendar (seeded by drill scenarios)."""

    def list_posts(self) -> list[Post]:
        """The simulated calendar."""
        return list(self.posts.values())

    def hold(self, post_ids: list[str], key: str) -> Outcome:
        """Mark simulated posts held."""
        return self._set(post_ids, HELD, {})

    def release(self, post_ids: list[str], key: str, new_times: dict[str, str]) -> Outcome:
        """Mark simulated posts scheduled again."""
        return self._set(post_ids, SCHEDULED, new_times)

    def _set(self, post_ids: list[str], status: str, new_times: dict[str, str]) -> Outcome:
        outcome = Outcome()
        for post_id in post_ids:
            post = self.posts.get(post_id)
            if post is None:
                outcome.failures.append({"id": post_id, "error": "no such post in the drill"})
                continue
            when = new_times.get(post_id, post.scheduled_at)
            self.posts[post_id] = Post(post.id, post.channel, when, post.excerpt, status, self.name)
            outcome.done.append({"id": post_id, "status": status})
        return outcome

    def status(self, post_ids: list[str]) -> dict[str, str]:
        """Statuses in the simulated calendar."""
        return {pid: self.posts[pid].status if pid in self.posts else "missing" for pid in post_ids}

    def send(self, message: Message, key: str) -> str:
        """Record the message."""
        self.sent.append(message)
        return key

    def publish(self, statement: dict[str, Any], key: str) -> Outcome:
        """Record the statement."""
        self.published.append(statement)
        return Outcome(done=[{"platform": v} for v in statement.get("variants", {})])


def console_effects(stream: TextIO | None = None) -> Effects:
    """Effects that print to the console (no real systems configured)."""
    sink = ConsoleSink(stream)
    return Effects(scheduler=sink, channels={}, publisher=sink, fallback=sink)


def drill_effects() -> Effects:
    """Effects for a drill: everything stays in memory."""
    sink = DrillSink()
    return Effects(scheduler=sink, channels={}, publisher=sink, fallback=sink)
