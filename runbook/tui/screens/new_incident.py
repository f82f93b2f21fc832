"""Declare an incident in a few keystrokes: type a few letters of the playbook, enter, type the
title, enter. The declaration runs in a worker; a refusal keeps what was typed.

From a warning on the inbox, the playbook its words suggest is highlighted and the title is
the warning's text (both can be changed); the warning goes into the incident's timeline."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Checkbox, Input, Static

from runbook.i18n import _
from runbook.model.intake import Warning
from runbook.model.text import one_line
from runbook.tui.screens.modal import Modal
from runbook.tui.widgets.fuzzy import FuzzyPicker


class NewIncidentScreen(Modal[str]):
    """Returns the new incident's id (None when cancelled)."""

    def __init__(self, warning: Warning | None = None, suggested: str | None = None) -> None:
        super().__init__()
        self.playbook: str | None = None
        self.warning = warning
        """The warning the incident is declared from (None: a fresh declaration)."""
        self.suggested = suggested
        """The playbook the warning's words suggest."""

    def compose(self) -> ComposeResult:
        """Playbook picker, title, drill box."""
        playbooks = sorted(self.engine.workspace.playbooks.values(), key=lambda p: p.title)
        items = [(p.id, p.title, p.id) for p in playbooks]
        words = {p.id: " ".join([p.title, p.summary, *p.keywords]) for p in playbooks}
        warning = self.warning
        with Vertical(classes="dialog wide"):
            yield Static(
                _("New incident") if warning is None else _("Declare an incident from the warning"),
                classes="dialog-title",
            )
            if warning is not None:
                yield Static(one_line(warning.summary[:300]), classes="dialog-body", markup=False)
            label = _("Which playbook?")
            if warning is not None:
                label += _(" (suggested by its words)") if self.suggested else _(" (none matches)")
            yield Static(label, id="playbook-label", classes="label")
            yield FuzzyPicker(
                items,
                placeholder=_("type a word, e.g. hacked, leak, recall"),
                words=words,
                highlight=self.suggested,
            )
            yield Static(_("What is happening, in a few words?"), classes="label")
            title = " ".join(warning.summary.split())[:120] if warning is not None else ""
            yield Input(title, placeholder=_("e.g. X account posting crypto scams"), id="title")
            yield Checkbox(_("Tabletop drill (nothing real is sent)"), id="drill")
            yield Static(
                _(
                    "type · enter picks the playbook · type the title · enter declares · "
                    "esc cancels"
                ),
                classes="hint",
            )

    def on_mount(self) -> None:
        """Start in the playbook search."""
        self.query_one("FuzzyPicker Input").focus()

    def on_fuzzy_picker_picked(self, event: FuzzyPicker.Picked) -> None:
        """Playbook chosen: on to the title."""
        event.stop()
        self.playbook = event.value
        title = self.engine.workspace.playbooks[event.value].title
        self.query_one("#playbook-label", Static).update(_("Playbook: %(title)s ✔", title=title))
        self.query_one("#title", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the title: declare."""
        event.stop()
        if event.input.id != "title":
            return
        playbook = self.playbook or self.query_one(FuzzyPicker).value
        if playbook is None:
            self.app.tell(_("Pick a playbook first (type a few letters)."), severity="warning")
            self.query_one("FuzzyPicker Input").focus()
            return
        title = event.value
        drill = self.query_one("#drill", Checkbox).value
        engine = self.engine
        warning = self.warning
        if warning is not None:
            self.run_command(
                _("declare the incident"),
                lambda: engine.declare_from_warning(warning.key, playbook, title, drill=drill),
                then=lambda incident: self.dismiss(incident.id),
            )
            return
        self.run_command(
            _("declare the incident"),
            lambda: engine.declare(playbook, title, drill=drill),
            then=lambda incident: self.dismiss(incident.id),
        )
