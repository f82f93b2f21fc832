"""The key footer, rebuilt only when the keys it shows change.

Textual's footer rebuilds all its keys whenever a screen's bindings are refreshed, which
happens each time a dialog closes, even when the same keys come back. Rebuilding a dozen keys
took about half of the frame that shows a dialog's result (the note form: ~115 ms -> ~60 ms
from enter to the note drawn, ``benchmarks/bench_tui.py``). This footer compares what it would
show (key, description, enabled, tooltip of every shown binding) with what it shows, and skips
the rebuild when nothing changed.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    """Textual's footer that skips rebuilds which would show the same keys."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple[tuple[str, str, bool, str], ...] | None = None

    def _keys(self) -> tuple[tuple[str, str, bool, str], ...]:
        """What the footer would show now."""
        return tuple(
            (binding.key, binding.description, enabled, tooltip)
            for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show
        )

    def bindings_changed(self, screen: Screen) -> None:
        """Rebuild (as Textual does) unless the same keys are shown already."""
        if self._shown is not None and screen is self.screen and self._keys() == self._shown:
            return
        super().bindings_changed(screen)

    def compose(self) -> ComposeResult:
        """Textual's keys; remember which."""
        self._shown = self._keys() if self._bindings_ready else None
        yield from super().compose()
