"""Publishing an approved statement by handing it to the configured scheduler.

This module owns turning a statement (the outbox's publish payload: ``audience`` and
``variants`` keyed ``platform`` or ``platform:lang``) into scheduler posts, and the scheduler's
answer back into per-variant results. A ``public`` statement becomes one post per variant, on
the variant's platform, scheduled for now (each language is its own post); the scheduling tool
or the team then sends it out. An ``internal`` statement (the employee advisory) is never put
on a social channel: it is reported done with a note to share it by email or on the intranet.
A statement posted by hand never reaches the publisher: the engine records it
(``StatementPostedByHand``) and hands the publisher only the variants the operator chose.

The outbox's ``effect_id`` is the idempotency key: the scheduler knows each post by the key and
its position, so a publish retried after a failure or a crash creates only what is missing.
Without a configured scheduler :mod:`runbook.effects.wiring` keeps the console sink instead.
"""

from __future__ import annotations

from typing import Any

from runbook.clock import Clock
from runbook.effects import Outcome
from runbook.effects.scheduler import scheduled_time
from runbook.errors import EffectError

INTERNAL_NOTE = "internal: share by email/intranet"
"""Recorded for each variant of an internal statement (not scheduled)."""
NOW = "now"
"""The time asked for when no clock is given: the scheduler's own clock decides."""


class SchedulerPublisher:
    """A :class:`~runbook.effects.Publisher` that schedules each variant through ``scheduler``
    (a :class:`~runbook.effects.scheduler.SchedulerAdapter` with ``create``).

    ``clock``, when given, fixes the time the posts are scheduled for; without it the posts
    are scheduled ``now`` by the scheduler's clock.
    """

    def __init__(self, scheduler: Any, clock: Clock | None = None) -> None:
        self.scheduler = scheduler
        self.clock = clock

    def __repr__(self) -> str:
        return f"SchedulerPublisher({self.scheduler!r})"

    def publish(self, statement: dict[str, Any], key: str) -> Outcome:
        """Schedule each variant of a public statement (see the module docstring). ``done``:
        ``{"platform", "id", "channel", ...}`` per post; ``failures``: ``{"platform",
        "error", "transient"}``."""
        variants: dict[str, str] = dict(statement.get("variants") or {})
        if statement.get("audience") == "internal":
            return Outcome(
                done=[{"platform": platform, "note": INTERNAL_NOTE} for platform in variants],
                note="an internal statement is not scheduled; share it by email or intranet",
            )
        if not variants:
            return Outcome(note="the statement has no text for any platform; nothing scheduled")
        platforms = list(variants)
        when = NOW if self.clock is None else scheduled_time(NOW, self.clock)
        posts = [
            {
                "channel": platform.partition(":")[0],
                "text": variants[platform],
                "scheduled_at": when,
            }
            for platform in platforms
        ]
        try:
            created = self.scheduler.create(posts, key)
        except EffectError as exc:  # the whole scheduler failed: every variant failed
            return Outcome(
                failures=[
                    {"platform": platform, "error": str(exc), "transient": exc.transient}
                    for platform in platforms
                ]
            )
        outcome = Outcome(note=created.note)
        answered: set[int] = set()
        for done in created.done:
            index = done["index"]
            answered.add(index)
            entry = {name: value for name, value in done.items() if name != "index"}
            outcome.done.append({"platform": platforms[index], **entry})
        for failure in created.failures:
            index = failure["index"]
            answered.add(index)
            outcome.failures.append(
                {
                    "platform": platforms[index],
                    "error": failure.get("error", "the scheduler did not create the post"),
                    "transient": bool(failure.get("transient", False)),
                }
            )
        for index, platform in enumerate(platforms):
            if index not in answered:
                outcome.failures.append(
                    {
                        "platform": platform,
                        "error": "the scheduler did not confirm this post; check it there",
                        "transient": True,
                    }
                )
        return outcome
