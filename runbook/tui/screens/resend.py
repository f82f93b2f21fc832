"""Send again messages that may have been sent: choose which, knowing people may get two.

A message whose receiver took it without answering, or whose sender stopped mid-way, may
have arrived or not; runbook never sends it again by itself. This dialog lists each one (who,
by which channel, when, what it was, why it is not known) with a box ticked by default; the
ticked ones are sent again through the engine (``runbook resend ID --delivery KEY``), recorded
as possible repeats. Returns the chosen delivery keys, or None when cancelled.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Static

from runbook.i18n import N_, _, formats
from runbook.tui.screens.modal import Modal

KIND_WORDS = {
    "notify": N_("alert"),
    "stand_down": N_("stand-down"),
    "approval_request": N_("approval request"),
    "update": N_("update"),
    "update_reminder": N_("update reminder"),
    "escalation": N_("escalation"),
}
"""What each kind of message was, as the operator reads it."""


def message_line(message: Any, names: dict[str, str]) -> str:
    """One message that may have been sent: who, by which channel, when, what, why unsure."""
    what = KIND_WORDS.get(message.kind)
    return _(
        "%(person)s by %(channel)s · %(when)s · %(what)s · %(why)s",
        person=names.get(message.person, message.person),
        channel=message.channel,
        when=formats.date_time(message.at),
        what=_(what) if what else message.kind,
        why=message.why or _("may have been sent"),
    )


class ResendScreen(Modal[list[str]]):
    """Which messages to send again (see module docstring)."""

    BINDINGS = [
        Binding("escape", "cancel", N_("cancel")),
        Binding("ctrl+s", "send", N_("send again")),
    ]

    def __init__(self, waiting: list[Any], names: dict[str, str]) -> None:
        super().__init__()
        self.waiting = waiting
        """The messages that may have been sent (:class:`runbook.engine.deliveries.MaybeSent`)."""
        self.names = names

    def compose(self) -> ComposeResult:
        """The warning, one box per message, buttons."""
        with Vertical(classes="dialog wide", id="resend"):
            yield Static(_("Send again?"), classes="dialog-title")
            yield Static(
                _(
                    "These messages may have arrived already; sending them again may give "
                    "people a copy twice. Untick the ones not to send again:"
                ),
                classes="dialog-body",
            )
            with VerticalScroll(id="resend-rows", classes="confirm-scroll"):
                for index, message in enumerate(self.waiting):
                    yield Checkbox(
                        Text(message_line(message, self.names)), value=True, id=f"m-{index}"
                    )
            yield Static(
                _("space ticks or unticks · ctrl+s sends the ticked ones again · esc cancels"),
                id="resend-hint",
                classes="hint",
            )
            with Horizontal(classes="buttons"):
                yield Button(_("Send again"), variant="primary", id="resend-go")
                yield Button(_("Cancel"), id="resend-cancel")

    def on_mount(self) -> None:
        """Start on the first message's box."""
        super().on_mount()
        if self.waiting:
            self.query_one("#m-0", Checkbox).focus()

    def chosen(self) -> list[str]:
        """The keys of the ticked messages."""
        return [
            message.key
            for index, message in enumerate(self.waiting)
            if self.query_one(f"#m-{index}", Checkbox).value
        ]

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Send the ticked ones, or cancel."""
        event.stop()
        if event.button.id == "resend-go":
            self.action_send()
        else:
            self.dismiss(None)

    def action_send(self) -> None:
        """Return the ticked messages (at least one)."""
        keys = self.chosen()
        if not keys:
            self.query_one("#resend-hint", Static).update(
                _("Tick at least one message to send again, or cancel.")
            )
            return
        self.dismiss(keys)
