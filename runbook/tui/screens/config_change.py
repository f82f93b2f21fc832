"""Record a change of configuration: what differs from what the incident pinned, and why.

An incident runs under the playbook, policy and contacts it was declared with; under another
one every command is refused until a proven person records the change. This dialog shows each
file that differs as ``runbook config-change`` prints it (old and new hash, what changed:
``tom +legal``), asks for the reason (required, as long as the record allows) and records it
through the engine, which decides who may (a claim is refused and the refusal recorded, as
from the command line). Returns True once recorded, None when cancelled.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Static

from runbook.i18n import N_, _
from runbook.model.config_pins import Change
from runbook.model.limits import MAX_REASON
from runbook.tui.screens.modal import Modal


def change_lines(changes: list[Change]) -> str:
    """Each file that differs, one a line, as the command line prints it."""
    return "\n".join(f"{change.line()}: {'; '.join(change.summary)}" for change in changes)


class ConfigChangeScreen(Modal[bool]):
    """What differs, and why (see module docstring)."""

    BINDINGS = [
        Binding("escape", "cancel", N_("cancel")),
        Binding("ctrl+s", "record", N_("record")),
    ]

    def __init__(self, incident_id: str, changes: list[Change]) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.changes = changes

    def compose(self) -> ComposeResult:
        """What differs, the reason, buttons."""
        with Vertical(classes="dialog wide", id="config-change"):
            yield Static(
                _("The configuration changed since %(id)s was declared", id=self.incident_id),
                classes="dialog-title",
                markup=False,
            )
            with VerticalScroll(classes="confirm-scroll"):
                yield Static(change_lines(self.changes), id="config-differs", markup=False)
            yield Static(
                _(
                    "Recording it makes the incident run under this configuration from now on. "
                    "Why did it change? (recorded on the timeline)"
                ),
                classes="label",
            )
            yield Input(
                placeholder=_("e.g. legal joined the crisis cell"),
                max_length=MAX_REASON,
                id="config-why",
            )
            yield Static("", id="config-problem", classes="hint", markup=False)
            with Horizontal(classes="buttons"):
                yield Button(_("Record the change"), variant="primary", id="config-record")
                yield Button(_("Cancel"), id="config-cancel")

    def on_mount(self) -> None:
        """Start in the reason."""
        super().on_mount()
        self.query_one("#config-why", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the reason records."""
        event.stop()
        self.action_record()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Record, or cancel."""
        event.stop()
        if event.button.id == "config-record":
            self.action_record()
        else:
            self.dismiss(None)

    def action_record(self) -> None:
        """Record the change and its reason through the engine (a reason is required)."""
        why = " ".join(self.query_one("#config-why", Input).value.split())
        if not why:
            self.query_one("#config-problem", Static).update(
                _("Say why the configuration changed: the timeline records it.")
            )
            self.query_one("#config-why", Input).focus()
            return
        engine = self.engine
        self.run_command(
            _("record the configuration change"),
            lambda: engine.config_change(self.incident_id, why),
            then=lambda _incident: self.dismiss(True),
        )
