"""The live timeline: every event of the incident, one line each, newest at the bottom.

Virtualised (Textual's line API): only the visible lines are rendered, so a 10,000-event
incident opens and scrolls as fast as a small one, and a refresh appends only the new events.
The cursor row (up/down, home/end, page keys) follows the newest event while it is on the
last line; enter opens the whole entry.
"""

from __future__ import annotations

from datetime import datetime

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from runbook.i18n import N_
from runbook.tui.timeline_data import Line
from runbook.tui.widgets.level_badge import tone_styles
from runbook.tui.wording import offset


class Timeline(ScrollView, can_focus=True):
    """The incident's events (see module docstring)."""

    DEFAULT_CSS = """
    Timeline {
        background: $surface;
        overflow-x: hidden;
        overflow-y: auto;
        &:focus { background-tint: $foreground 4%; }
    }
    """
    BINDINGS = [
        Binding("up", "move(-1)", N_("earlier"), show=False),
        Binding("down", "move(1)", N_("later"), show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("home", "jump(0)", show=False),
        Binding("end", "jump(-1)", show=False),
        Binding("enter", "open", N_("read entry"), show=False),
    ]

    class Selected(Message):
        """The cursor is on another entry (or left the timeline: ``line`` None)."""

        def __init__(self, line: Line | None) -> None:
            super().__init__()
            self.line = line

    class Opened(Message):
        """The operator asked to read a timeline entry in full."""

        def __init__(self, line: Line) -> None:
            super().__init__()
            self.line = line

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[Line] = []
        self.opened_at: datetime | None = None
        self.cursor = -1
        """Index of the cursor row; -1 follows the newest event."""
        self._cache: LRUCache[tuple[int, int, bool], Strip] = LRUCache(1024)
        self._styles: dict[str, Style] | None = None

    # -- data ---------------------------------------------------------------------------
    def append(self, lines: list[Line]) -> None:
        """Add new events at the bottom (keeps following the newest when it was)."""
        if not lines:
            return
        follow = self.cursor < 0 or self.cursor >= len(self.lines) - 1
        if self.lines and self.lines[-1].joins(lines[0]):
            # more results of the notification on the last line: it shows them all
            self.lines[-1].take(lines[0])
            lines = lines[1:]
            self._cache.clear()
        self.lines.extend(lines)
        self.virtual_size = Size(0, len(self.lines))
        if follow:
            self.cursor = len(self.lines) - 1
            self.scroll_end(animate=False, immediate=True, x_axis=False)
        self.refresh()

    def clear(self) -> None:
        """Forget every line."""
        self.lines.clear()
        self.cursor = -1
        self._cache.clear()
        self.virtual_size = Size(0, 0)
        self.refresh()

    # -- rendering ----------------------------------------------------------------------
    def notify_style_update(self) -> None:
        """The theme changed: colours are recomputed."""
        super().notify_style_update()
        self._cache.clear()
        self._styles = None

    def render_line(self, y: int) -> Strip:
        """One visible line."""
        index = self.scroll_offset.y + y
        width = self.size.width
        if index >= len(self.lines) or width <= 0:
            return Strip.blank(width, self.rich_style)
        selected = index == self.cursor and self.has_focus
        key = (index, width, selected)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        strip = self._render_line(self.lines[index], width, selected)
        self._cache[key] = strip
        return strip

    def _render_line(self, line: Line, width: int, selected: bool) -> Strip:
        if self._styles is None:
            self._styles = tone_styles(self.app)
        styles = self._styles
        parts: list[tuple[str, Style]] = []
        if width >= 90:
            parts.append((f"{line.at:%H:%M:%S} ", styles["muted"]))
            parts.append((f"{offset(line.at, self.opened_at):>9} ", styles["muted"]))
            parts.append((f"{line.actor[:8]:<8} ", styles["accent"]))
        elif width >= 60:
            parts.append((f"{line.at:%H:%M:%S} ", styles["muted"]))
            parts.append((f"{line.actor[:8]:<8} ", styles["accent"]))
        else:
            parts.append((f"{line.at:%H:%M} ", styles["muted"]))
            parts.append((f"{line.actor[:7]:<7} ", styles["accent"]))
        if line.mark:  # before the text, so a long line never hides it
            parts.append((f"({line.mark}) ", styles["muted"]))
        parts.append((line.text, styles.get(line.tone, Style())))
        text = Text.assemble(*parts, no_wrap=True, overflow="ellipsis")
        text.truncate(width, overflow="ellipsis", pad=True)
        base = self.rich_style
        if selected:
            text.stylize(Style(reverse=True))
        segments = list(text.render(self.app.console))
        return Strip(segments).apply_style(base).crop_extend(0, width, base)

    def watch_has_focus(self, focused: bool) -> None:
        """The cursor row shows only while the timeline has focus (its entry in full under
        the timeline)."""
        self._cache.clear()
        self.refresh()
        self._announce()

    def _announce(self) -> None:
        line = self.lines[self._current()] if self.lines and self.has_focus else None
        self.post_message(self.Selected(line))

    # -- keys ---------------------------------------------------------------------------
    def _set_cursor(self, index: int) -> None:
        if not self.lines:
            return
        self.cursor = max(0, min(index, len(self.lines) - 1))
        height = max(1, self.scrollable_content_region.height)
        self.scroll_to_region(Region(0, self.cursor, 1, 1), animate=False, immediate=True)
        if self.cursor >= self.scroll_offset.y + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)
        self._cache.clear()
        self.refresh()
        self._announce()

    def _current(self) -> int:
        return self.cursor if self.cursor >= 0 else len(self.lines) - 1

    def action_move(self, step: int) -> None:
        """Move the cursor by ``step`` rows."""
        self._set_cursor(self._current() + step)

    def action_page(self, direction: int) -> None:
        """Move the cursor by a screenful."""
        self._set_cursor(self._current() + direction * max(1, self.size.height - 1))

    def action_jump(self, index: int) -> None:
        """First (0) or newest (-1) event."""
        self._set_cursor(index if index >= 0 else len(self.lines) - 1)

    def action_open(self) -> None:
        """Read the cursor's entry in full."""
        if self.lines:
            self.post_message(self.Opened(self.lines[self._current()]))
