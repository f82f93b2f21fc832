"""The console channel: notifications printed on the operator's terminal.

A real :class:`~runbook.effects.notify.Channel` (unlike the console *sink*, which stands in
for every effect at once): it lets a team try runbook, or train with it, before a mail server
or chat webhook is configured, while the rest of the fan-out (keys, results, retries) behaves
exactly as it will in production. Output goes to standard error so ``--json`` output on
standard out stays clean; control characters are shown as escapes; one lock keeps
concurrent deliveries from interleaving.
"""

from __future__ import annotations

import hashlib
import sys
import threading
from typing import TextIO

from runbook.effects import Message
from runbook.model.text import inert

__all__ = ["ConsoleChannel"]

_lock = threading.Lock()


class ConsoleChannel:
    """Prints ``to NAME via CHANNEL: subject`` and the body for each message."""

    def __init__(self, name: str, stream: TextIO | None = None) -> None:
        self.name = name
        self.stream = stream

    def __repr__(self) -> str:
        return f"ConsoleChannel(name={self.name!r})"

    def send(self, message: Message, key: str) -> str:
        """Print ``message``; return an id derived from ``key``."""
        roles = f" ({', '.join(message.roles)})" if message.roles else ""
        body = "".join(f"    {line}\n" for line in message.body.rstrip("\n").splitlines())
        text = inert(f"to {message.name}{roles} via {self.name}: {message.subject}\n{body}")
        stream = self.stream or sys.stderr  # looked up now, so redirection is honoured
        with _lock:
            stream.write(text)
            stream.flush()
        return f"{self.name}:{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}"
