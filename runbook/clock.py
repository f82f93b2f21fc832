"""Clocks: the real one, and a simulated one for drills and tests.

Everything time-dependent (targets, acknowledgement timers, escalation, drill injects) asks a
:class:`Clock`, never :func:`datetime.now` directly, so a drill or a test can run an hour of
incident in a second and get the same result every time.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the time (timezone-aware, UTC)."""

    def now(self) -> datetime:
        """The current time in UTC."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        """The current time in UTC."""
        return datetime.now(UTC)


class SimulatedClock:
    """A clock that moves only when told to, or at a chosen speed while running.

    ``speed`` multiplies real elapsed time while the clock runs (×1, ×5, ×10 in drills);
    :meth:`advance` jumps forward. Thread-safe: a TUI timer and a worker may both read it.
    """

    def __init__(self, start: datetime, *, speed: float = 0.0) -> None:
        if start.tzinfo is None:
            raise ValueError("the simulated clock needs a timezone-aware start time")
        self._lock = threading.Lock()
        self._base = start.astimezone(UTC)
        self._speed = speed
        self._anchor = datetime.now(UTC)

    def now(self) -> datetime:
        """The simulated time."""
        with self._lock:
            return self._now_locked()

    def _now_locked(self) -> datetime:
        if self._speed:
            return self._base + (datetime.now(UTC) - self._anchor) * self._speed
        return self._base

    @property
    def speed(self) -> float:
        """0 when paused, else how many simulated seconds pass per real second."""
        return self._speed

    def set_speed(self, speed: float) -> None:
        """Run at ``speed`` (0 pauses the clock)."""
        with self._lock:
            self._base = self._now_locked()
            self._anchor = datetime.now(UTC)
            self._speed = speed

    def advance(self, delta: timedelta) -> datetime:
        """Jump forward by ``delta``; return the new time."""
        if delta < timedelta(0):
            raise ValueError("a clock never goes backwards")
        with self._lock:
            self._base = self._now_locked() + delta
            self._anchor = datetime.now(UTC)
            return self._base

    def set(self, moment: datetime) -> None:
        """Jump to ``moment`` (not earlier than now)."""
        with self._lock:
            current = self._now_locked()
            if moment < current:
                raise ValueError("a clock never goes backwards")
            self._base = moment.astimezone(UTC)
            self._anchor = datetime.now(UTC)
