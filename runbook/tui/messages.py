"""Messages the terminal UI sends upwards: store changes, loaded data, finished commands,
the drill timer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.message import Message


class StoreChanged(Message):
    """Someone (this app, another terminal, the CLI) wrote to the incident store."""


class OperatorChanged(Message):
    """The person operating the app changed (what they may do changes with it)."""


class Loaded(Message):
    """A live screen's data, read in a worker thread."""

    def __init__(
        self, data: Any, *, final: bool = True, error: str | None = None, mark: int = 0
    ) -> None:
        super().__init__()
        self.data = data
        self.mark = mark
        """The screen's staleness mark when the load started."""
        self.final = final
        """False for an early partial result (more follows)."""
        self.error = error


class CommandDone(Message):
    """An engine command run in a worker finished (or was refused, or failed)."""

    def __init__(
        self,
        label: str,
        result: Any,
        error: str | None,
        refused: bool,
        then: Callable[[Any], object] | None,
    ) -> None:
        super().__init__()
        self.label = label
        self.result = result
        self.error = error
        self.refused = refused
        """True when the lifecycle or a guard refused (as opposed to something failing)."""
        self.then = then


class DrillTicked(Message):
    """The drill timer ran ``DrillSession.update()`` (the facilitator's view reads again)."""
