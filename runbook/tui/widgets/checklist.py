"""The checklist of one stage: enter (or a click) ticks an item through the engine.

Shows who ticked what and when; ticking again is the engine's to refuse. ``[`` and ``]`` on
the incident screen browse the other stages' lists.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from runbook.i18n import _
from runbook.model.incident import Incident
from runbook.tui.widgets.level_badge import tone_styles
from runbook.tui.wording import STAGE_WORDS, word


class Checklist(Vertical):
    """One stage's checklist (see module docstring)."""

    DEFAULT_CSS = """
    Checklist { height: 1fr; }
    Checklist > #checklist-title { height: 1; padding: 0 1; text-style: bold; }
    Checklist > OptionList { height: 1fr; border: none; }
    """

    class Tick(Message):
        """The operator asked to tick an item."""

        def __init__(self, item_id: str) -> None:
            super().__init__()
            self.item_id = item_id

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._signature: tuple[object, ...] = ()

    def forget(self) -> None:
        """Draw again at the next :meth:`show` (the theme changed)."""
        self._signature = ()

    def compose(self) -> ComposeResult:
        """Title over the items."""
        yield Static(_("Checklist"), id="checklist-title")
        yield OptionList(id="checklist-items")

    def show(self, incident: Incident, stage: str, current: str, names: dict[str, str]) -> None:
        """Show ``stage``'s items with their ticks (``current``: the incident's stage)."""
        playbook = incident.playbook
        items = playbook.checklist.get(stage, []) if playbook else []  # type: ignore[call-overload]
        ticks = {item.id: incident.checked.get(item.id) for item in items}
        signature = (stage, current, tuple(ticks.items()), incident.finished)
        if signature == self._signature:
            return
        self._signature = signature
        done = sum(1 for tick in ticks.values() if tick)
        where = "" if stage == current else "  " + _("(another stage)")
        self.query_one("#checklist-title", Static).update(
            _("Checklist · %(stage)s", stage=word(STAGE_WORDS, stage))
            + f"  {done}/{len(items)}{where}"
        )
        styles = tone_styles(self.app)
        listing = self.query_one(OptionList)
        highlighted = listing.highlighted
        listing.clear_options()
        if not items:
            listing.add_option(
                Option(Text(_("Nothing to tick at this stage."), style="dim"), disabled=True)
            )
            return
        for item in items:
            tick = ticks[item.id]
            if tick:
                at, who = tick
                prompt = Text("☑ ", style=styles["good"])
                prompt.append(item.text, style="dim")
                prompt.append(
                    "\n  "
                    + _(
                        "ticked by %(who)s %(time)s",
                        who=names.get(who, who),
                        time=at.strftime("%H:%M"),
                    ),
                    style=styles["muted"],
                )
            else:
                prompt = Text("☐ ")
                prompt.append(item.text)
            listing.add_option(Option(prompt, id=item.id))
        if highlighted is not None and highlighted < len(items):
            listing.highlighted = highlighted
        else:
            listing.highlighted = next((i for i, item in enumerate(items) if not ticks[item.id]), 0)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter or a click on an item: ask to tick it."""
        event.stop()
        if event.option.id:
            self.post_message(self.Tick(event.option.id))
