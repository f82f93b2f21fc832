"""Notification preview and confirm: who ``notify`` would tell now, how, and why.

Read with ``Engine.notify_preview`` (records nothing) in a worker; enter sends.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Button, Static

from runbook.i18n import N_, _, ngettext
from runbook.tui.screens.preview import Preview


class NotifyPreview(Preview):
    """Returns True to notify, False/None to cancel."""

    TITLE = N_("Notify people")
    LOADING = N_("Working out who the playbook names…")
    CONFIRM = N_("Notify")
    VARIANT = "primary"

    def read(self) -> Any:
        """The engine's preview (runs in a worker)."""
        return self.engine.notify_preview(self.incident_id)

    def show_preview(self, recipients: list[dict[str, Any]] | None, error: str | None) -> None:
        """Show who will be told."""
        target = self.query_one("#preview", Static)
        if error is not None or recipients is None:
            target.update(Text(_("Cannot notify now: %(error)s", error=error), style="bold"))
            self.query_one("#yes", Button).disabled = True
            self.query_one("#no", Button).focus()
            return
        contacts = self.engine.workspace.contacts
        messages = sum(len(r["channels"]) for r in recipients)
        messaged = [r for r in recipients if not r.get("running")]
        head = Text(
            ngettext("%(n)s people", "%(n)s people", len(messaged))
            + ", "
            + ngettext("%(n)s message(s):", "%(n)s message(s):", messages),
            style="bold",
        )
        table = Table(box=None, expand=True, header_style="bold", pad_edge=False)
        table.add_column(_("who"), no_wrap=True)
        table.add_column(_("as"), ratio=2)
        table.add_column(_("via"), no_wrap=True)
        table.add_column(_("rule"), ratio=2, no_wrap=True, overflow="ellipsis")
        for r in recipients:
            person = contacts.person(r["person"])
            table.add_row(
                person.name if person else r["person"],
                ", ".join(r["roles"]),
                ", ".join(r["channels"])
                if not r.get("running")
                else Text(_("not messaged: running it"), style="dim"),
                ", ".join(r["rules"]),
            )
        target.update(Group(head, table))
