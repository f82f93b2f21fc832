"""Work under way: commands running in workers and effects not finished yet, with progress.

Hidden when idle, and for commands quicker than :data:`SHOW_AFTER` (they would only flicker).
Commands come from the app (:attr:`RunbookApp.busy`); effects (a pause listing and holding
posts, a notification fan-out delivering message after message) come from the incident view
the screen hands down, so another terminal's work shows here too.
"""

from __future__ import annotations

import time

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import ProgressBar, Static

from runbook.i18n import N_, _
from runbook.tui.wording import word

SHOW_AFTER = 0.3
"""Seconds a command runs before it is shown (quick ones would only flicker)."""

EFFECT_WORDS = {
    "pause": N_("pausing scheduled posts"),
    "resume": N_("releasing held posts"),
    "notify": N_("notifying people"),
    "stand_down": N_("sending the stand-down"),
    "publish": N_("publishing"),
}
"""Effects under way, in words."""


class WorkStatus(Horizontal):
    """A one-line status with a progress bar (see module docstring)."""

    DEFAULT_CSS = """
    WorkStatus { height: 1; dock: bottom; display: none; padding: 0 1; background: $boost; }
    WorkStatus.-busy { display: block; }
    WorkStatus > Static { width: 1fr; color: $text-warning; }
    WorkStatus > ProgressBar { width: 30; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.effects: list[tuple[str, int, int]] = []
        """Effects under way (kind, done, total), set by the screen."""

    def compose(self) -> ComposeResult:
        """Label and bar."""
        yield Static(id="work-label")
        yield ProgressBar(total=None, show_eta=False, show_percentage=True, id="work-bar")

    def on_mount(self) -> None:
        """Check for work four times a second."""
        self.set_interval(0.25, self.update_status)

    def update_status(self) -> None:
        """Show what is under way, or hide."""
        now = time.monotonic()
        busy = [
            (label, started)
            for label, started in list(getattr(self.app, "busy", {}).values())
            if now - started >= SHOW_AFTER
        ]
        if not busy and not self.effects:
            self.set_class(False, "-busy")
            return
        self.set_class(True, "-busy")
        words = [f"{label}… {now - started:.0f}s" for label, started in busy]
        done = total = 0
        for kind, finished, planned in self.effects:
            if kind == "pause":
                words.append(
                    _(EFFECT_WORDS[kind]) + (_(" (%(n)s to hold)", n=planned) if planned else "")
                )
                continue
            words.append(word(EFFECT_WORDS, kind) + (f" {finished}/{planned}" if planned else ""))
            if planned:
                done, total = done + finished, total + planned
        self.query_one("#work-label", Static).update("⟳ " + " · ".join(words))
        bar = self.query_one(ProgressBar)
        if total:
            bar.update(total=total, progress=done)
        else:
            bar.update(total=None)
