"""Recording many small facts from many threads, each durable before its caller goes on.

A fan-out records every message as it starts (before it leaves) and as it ends, from up to
sixteen sending threads at once. Each record must be in the log before its caller continues
(a message never leaves before its start is recorded), but one commit per record would make
the disk's flush the bottleneck. :class:`GroupCommit` is the classic database answer: a
caller that finds an append under way queues its event and waits; the next append writes
every queued event, in order, in one transaction (one flush), then wakes them all. Nothing is
held back waiting for company: an event is appended as soon as the previous append ends.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from runbook.model import events as ev

Append = Callable[[list[ev.Event], str], None]
"""Appends events under one idempotency marker (the outbox's :class:`Ledger.record`)."""


class GroupCommit:
    """Appends events from many threads, each durable when :meth:`record` returns."""

    def __init__(self, append: Append, marker: str) -> None:
        self._append = append
        self._marker = marker
        self._cond = threading.Condition()
        self._queue: list[tuple[int, ev.Event]] = []
        self._next = 0
        self._done = 0
        """Every ticket below this is in the log."""
        self._failed: dict[int, BaseException] = {}
        self._writing = False
        self._groups = 0

    def record(self, event: ev.Event) -> None:
        """Append ``event``; return once it is in the log (raise if the append failed)."""
        with self._cond:
            ticket = self._next
            self._next += 1
            self._queue.append((ticket, event))
            while ticket >= self._done:
                if self._writing:
                    self._cond.wait()
                    continue
                self._writing = True
                group, self._queue = self._queue, []
                self._groups += 1
                number = self._groups
                self._cond.release()
                error: BaseException | None = None
                try:
                    self._append([e for _, e in group], f"{self._marker}:{number}")
                except BaseException as exc:  # every caller in the group hears of it
                    error = exc
                finally:
                    self._cond.acquire()
                    self._writing = False
                    if error is not None:
                        for queued, _ in group:
                            self._failed[queued] = error
                    self._done = group[-1][0] + 1
                    self._cond.notify_all()
            failure = self._failed.pop(ticket, None)
        if failure is not None:
            raise failure

    @property
    def stats(self) -> dict[str, Any]:
        """How many events went out in how many appends (benchmarks)."""
        return {"events": self._next, "appends": self._groups}
