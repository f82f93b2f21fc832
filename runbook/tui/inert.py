"""The app's screen lines are inert: no control character from any text reaches the terminal.

Titles, notes, statements, names and what receivers answer can carry terminal control
sequences (clear the screen, set the window title, write the clipboard with OSC 52) or
direction overrides. Textual passes such characters through to the terminal, so the app adds
one line filter, applied to every line of every widget after rendering: each control character
becomes a visible sign (``␛`` for ESC, ``�`` for a direction override, see
:func:`runbook.model.text.pictured`) and the line keeps its width. The event log keeps the
exact text.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.color import Color
from textual.filter import LineFilter

from runbook.model.text import has_control, pictured


class InertLines(LineFilter):
    """Shows control characters in screen lines as visible signs of the same line width."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        if not any(has_control(segment.text) for segment in segments):
            return segments
        width = Segment.get_line_length(segments)
        shown = [
            Segment(pictured(text), style, control) if has_control(text) else segment
            for segment in segments
            for text, style, control in (segment,)
        ]
        return Segment.adjust_line_length(shown, width)
