"""The key footer: the keys that matter now fit, and it is rebuilt only when they change.

At 80 columns a screen has more keys than fit. A screen with a ``footer_rank(action)`` method
says which come first (the incident screen: the key of the next step, then moving around); the
footer keeps keys in that order while they fit and shows them in their own order (every key
stays in the help screen, ``?``, and the command palette).

Textual's footer rebuilds all its keys whenever a screen's bindings are refreshed, which
happens each time a dialog closes, even when the same keys come back. Rebuilding a dozen keys
took about half of the frame that shows a dialog's result (the note form: ~115 ms -> ~60 ms
from enter to the note drawn, ``benchmarks/bench_tui.py``). This footer compares what it would
show (key, description, enabled, tooltip of every shown binding) with what it shows, and skips
the rebuild when nothing changed.

Binding descriptions are English ids (``N_("save")``, defined when the class is): the footer
shows each one in the language in force, so the app can speak another language without
redefining any binding, and the keys stay the same in every language.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer as TextualFooter
from textual.widgets._footer import FooterKey

from runbook.i18n import N_, _

PALETTE_WIDTH = 14
"""Columns the command palette's key takes at the footer's right end."""
PALETTE = N_("palette"), N_("Open the command palette")
"""Textual's own words for the command palette's key (translated like the others)."""


def described(description: str) -> str:
    """A binding's description in the language in force."""
    return _(description) if description else ""


class Footer(TextualFooter):
    """Textual's footer that skips rebuilds which would show the same keys."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple[tuple[str, str, bool, str], ...] | None = None

    def _shown_bindings(self) -> list[tuple[Any, bool, str]]:
        """(binding, enabled, tooltip) of the keys to show: all that fit, by the screen's rank."""
        found = [
            (binding, enabled, tooltip)
            for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show
        ]
        rank = getattr(self.screen, "footer_rank", None)
        if rank is None:
            return found
        room = (self.size.width or self.app.size.width) - PALETTE_WIDTH
        kept: set[int] = set()
        used = 0
        order = sorted(range(len(found)), key=lambda i: (rank(found[i][0].action), i))
        for index in order:
            binding = found[index][0]
            width = len(self.app.get_key_display(binding)) + len(described(binding.description)) + 3
            if used + width <= room:
                kept.add(index)
                used += width
        return [item for index, item in enumerate(found) if index in kept]

    def _keys(self) -> tuple[tuple[str, str, bool, str], ...]:
        """What the footer would show now."""
        return tuple(
            (binding.key, described(binding.description), enabled, tooltip)
            for binding, enabled, tooltip in self._shown_bindings()
        )

    def bindings_changed(self, screen: Screen) -> None:
        """Rebuild (as Textual does) unless the same keys are shown already."""
        if self._shown is not None and screen is self.screen and self._keys() == self._shown:
            return
        super().bindings_changed(screen)

    def compose(self) -> ComposeResult:
        """The keys that fit (see module docstring); remember which."""
        if not self._bindings_ready:
            return
        shown = self._shown_bindings()
        self._shown = tuple((b.key, described(b.description), e, t) for b, e, t in shown)
        self.styles.grid_size_columns = len(shown)
        for binding, enabled, tooltip in shown:
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                described(binding.description),
                binding.action,
                disabled=not enabled,
                tooltip=tooltip,
            ).data_bind(compact=TextualFooter.compact)
        if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
            found = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
            if found is not None:
                _key, binding, enabled, tooltip = found
                yield FooterKey(
                    binding.key,
                    self.app.get_key_display(binding),
                    described(binding.description),
                    binding.action,
                    classes="-command-palette",
                    disabled=not enabled,
                    tooltip=_(binding.tooltip)
                    if binding.tooltip
                    else described(binding.description),
                )

    def on_resize(self) -> None:
        """Another width may fit other keys."""
        if self._shown is not None and self._keys() != self._shown:
            self.refresh(recompose=True)
