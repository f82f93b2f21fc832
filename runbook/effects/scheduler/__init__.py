"""Schedulers: the tools holding the brand's upcoming posts, behind one small protocol.

runbook keeps its own ledger of what each incident held (in the event log), so adapters only
need to list posts, hold a set, release a set (optionally at new times) and read statuses back.
Holding or releasing a post already in that state is success, which makes retries safe.
Adapters: :mod:`.file_calendar` (a CSV or YAML content calendar) and :mod:`.http` (a
scheduler's REST API). :class:`Schedulers` joins several configured schedulers into one.
"""

from __future__ import annotations

from typing import Protocol

from runbook.effects import Outcome, Post

SCHEDULED = "scheduled"
"""Will go out at its time."""
HELD = "held"
"""Held by runbook: will not go out until released."""


class SchedulerAdapter(Protocol):
    """One scheduling tool."""

    name: str
    """The scheduler's name in configuration (``calendar``, ``buffer``)."""

    def list_posts(self) -> list[Post]:
        """Every upcoming post it knows, whatever its status (scheduled, held, ...)."""
        ...

    def hold(self, post_ids: list[str], key: str) -> Outcome:
        """Hold these posts. ``done``: ``{"id", "status": "held"}`` per post held (or already
        held); ``failures``: ``{"id", "error"}``. ``key`` is the idempotency key."""
        ...

    def release(self, post_ids: list[str], key: str, new_times: dict[str, str]) -> Outcome:
        """Put these posts back to ``scheduled``, at ``new_times[id]`` (ISO 8601, UTC) where
        given. Releasing a post that is already scheduled is success."""
        ...

    def status(self, post_ids: list[str]) -> dict[str, str]:
        """Read back the current status of these posts (missing posts: ``missing``)."""
        ...
