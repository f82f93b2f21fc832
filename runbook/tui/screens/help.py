"""Help (``?``): every key of the screen in front and what it does; and a read-only text view.

A screen may list its keys itself with ``help_lines()`` (the incident screen says which
actions are allowed now and why the others are not); otherwise its active bindings are shown,
Textual's own widget keys included: their descriptions are marked for translation in
:mod:`runbook.tui.textual_words`, so they read in the app's language too.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from runbook.i18n import N_, _
from runbook.tui.screens.modal import Modal

GENERAL = [
    ("?", N_("this help")),
    ("w", N_("switch person (who is operating)")),
    ("ctrl+p", N_("command palette: every action by name (and the theme: dark or light)")),
    ("escape", N_("back / cancel")),
    ("tab", N_("next panel")),
    ("ctrl+q", N_("quit")),
]
"""Keys every screen has (descriptions translated when shown; keys the same in every
language)."""


class HelpScreen(Modal[None]):
    """The keys of ``screen`` (see module docstring)."""

    def __init__(self, screen: Screen[object]) -> None:
        super().__init__()
        self.target = screen

    def compose(self) -> ComposeResult:
        """A scrolling list of keys."""
        lines = getattr(self.target, "help_lines", None)
        rows: list[tuple[str, str]] = list(lines()) if lines else []
        if not rows:
            for key, active in self.target.active_bindings.items():
                binding = active.binding
                if binding.description:
                    rows.append((binding.key_display or key, _(binding.description)))
        rows += [(key, _(words)) for key, words in GENERAL]
        if getattr(self.app, "drill", None) is not None:
            rows.append(("f", _("back to the drill facilitator's view")))
        width = max(len(key) for key, _ in rows) + 2
        body = "\n".join(f"{key:<{width}}{words}" for key, words in rows)
        with Vertical(classes="dialog wide"):
            yield Static(_("Keys"), classes="dialog-title")
            with VerticalScroll(classes="dialog-scroll"):
                yield Static(body, markup=False)
            yield Static(_("escape closes"), classes="hint")


class InfoScreen(Modal[None]):
    """A read-only text (a timeline entry in full)."""

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        """Title and text."""
        with Vertical(classes="dialog wide"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            with VerticalScroll(classes="dialog-scroll"):
                yield Static(self.text, markup=False)
            yield Static(_("escape closes"), classes="hint")
