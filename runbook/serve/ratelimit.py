"""A small per-client rate limit for the approval server (sliding window, in memory).

An approval link is a secret in a URL; the limit keeps anyone from trying many links or many
form tokens quickly, and keeps a misbehaving client from filling an incident's timeline with
refusals. One process, so memory is enough; old entries are dropped as the window slides.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

MAX_CLIENTS = 10_000
"""Clients remembered at once (the oldest are forgotten first)."""


class RateLimit:
    """At most ``limit`` requests per ``window`` seconds per client."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, client: str) -> float:
        """0 when ``client`` may go on (and count it); else the seconds until it may."""
        now = self._clock()
        with self._lock:
            stamps = self._seen.get(client)
            if stamps is None:
                if len(self._seen) >= MAX_CLIENTS:
                    self._seen.pop(next(iter(self._seen)))
                stamps = self._seen[client] = deque()
            while stamps and now - stamps[0] >= self.window:
                stamps.popleft()
            if len(stamps) >= self.limit:
                return max(0.1, self.window - (now - stamps[0]))
            stamps.append(now)
            return 0.0
