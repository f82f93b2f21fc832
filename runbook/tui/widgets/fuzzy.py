"""A fuzzy picker: type a few letters, arrows to move, enter to pick.

Used to pick a playbook when declaring, a person when switching operator, and a template when
starting a draft. Up and down move the highlight while typing; the best match is highlighted.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.fuzzy import Matcher
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from runbook.i18n import _

Item = tuple[str, str, str]
"""(value, label, detail)."""


class FuzzyPicker(Vertical):
    """An input filtering a list (see module docstring)."""

    DEFAULT_CSS = """
    FuzzyPicker { height: auto; }
    FuzzyPicker > OptionList { height: auto; max-height: 10; }
    """
    BINDINGS = [
        Binding("down", "cursor(1)", show=False),
        Binding("up", "cursor(-1)", show=False),
    ]

    class Picked(Message):
        """An item was picked (enter, or a click)."""

        def __init__(self, picker: FuzzyPicker, value: str) -> None:
            super().__init__()
            self.picker = picker
            self.value = value

    def __init__(
        self,
        items: list[Item],
        *,
        placeholder: str | None = None,
        highlight: str | None = None,
        id: str | None = None,
        words: dict[str, str] | None = None,
    ) -> None:
        super().__init__(id=id)
        self.items = items
        self.placeholder = placeholder if placeholder is not None else _("type to search")
        self._shown: list[Item] = list(items)
        self._initial = highlight
        self._words = {value: _words(text) for value, text in (words or {}).items()}
        """Value -> the words it is also found by (a playbook's title, summary, keywords)."""

    def compose(self) -> ComposeResult:
        """The search input over the list."""
        yield Input(placeholder=self.placeholder)
        yield OptionList(*self._options(self.items))

    def on_mount(self) -> None:
        """Highlight the preferred item (or the first)."""
        self.query_one(Input).cursor_blink = getattr(self.app, "cursor_blink", True)
        values = [item[0] for item in self._shown]
        listing = self.query_one(OptionList)
        if self._shown:
            listing.highlighted = values.index(self._initial) if self._initial in values else 0

    @staticmethod
    def _options(items: list[Item]) -> list[Option]:
        options = []
        for value, label, detail in items:
            prompt = Text(label)
            if detail:
                prompt.append(f"  {detail}", style="dim")
            options.append(Option(prompt, id=value))
        return options

    @property
    def value(self) -> str | None:
        """The highlighted item's value."""
        listing = self.query_one(OptionList)
        if listing.highlighted is None or not self._shown:
            return None
        return self._shown[listing.highlighted][0]

    def on_input_changed(self, event: Input.Changed) -> None:
        """Filter and rank the items by how well they match."""
        event.stop()
        query = event.value.strip()
        if query:
            matcher = Matcher(query)
            scored = []
            folded = _fold(query)
            tokens = _words(query)
            for position, item in enumerate(self.items):
                score = max(matcher.match(item[1]), matcher.match(item[0]))
                if _fold(item[0]).startswith(folded):
                    score += 1.0  # typing the start of an id picks it
                words = self._words.get(item[0], set()) | _words(item[1])
                hits = sum(1 for t in tokens if any(w.startswith(t) for w in words))
                if tokens and hits == len(tokens):
                    score += 2.0  # every word typed starts a word it is known by
                if score > 0:
                    scored.append((-score, position, item))
            self._shown = [item for _, _, item in sorted(scored)]
        else:
            self._shown = list(self.items)
        listing = self.query_one(OptionList)
        listing.clear_options()
        listing.add_options(self._options(self._shown))
        if self._shown:
            listing.highlighted = 0

    def action_cursor(self, step: int) -> None:
        """Move the highlight while typing."""
        listing = self.query_one(OptionList)
        if not self._shown:
            return
        current = listing.highlighted if listing.highlighted is not None else 0
        listing.highlighted = max(0, min(len(self._shown) - 1, current + step))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter picks the highlighted item."""
        event.stop()
        if self.value is not None:
            self.post_message(self.Picked(self, self.value))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """A click (or enter on the list) picks that item."""
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Picked(self, event.option.id))


def _fold(text: str) -> str:
    """Case and accents folded (``Fuité`` -> ``fuite``), typographic apostrophes plain."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _words(text: str) -> set[str]:
    """The folded words of ``text``."""
    import re

    return set(re.findall(r"[^\W_]+", _fold(text)))
