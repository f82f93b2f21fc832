"""Export the timeline from the incident screen: format, time zone, names, where to write.

The same export as ``runbook export -o``: :func:`runbook.export.export_incident` builds and
checks it, :func:`runbook.export.files.write_atomic` writes it (the file is complete or
untouched), both in a worker. The time zone starts as the operator's (contacts), the file as
``./INC-7KQ4PX-timeline.<ext>`` in the current folder; choosing another format changes the
suffix. A bad zone or an unwritable folder is told in one line and the form stays open.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, RadioButton, RadioSet, Static

from runbook.i18n import N_, _
from runbook.tui.screens.modal import Modal
from runbook.tui.work import fetch

FORMATS = ("html", "md", "json", "csv")
"""The formats offered, the default first (same names as ``runbook export --format``)."""


def default_path(incident_id: str, fmt: str) -> str:
    """``./INC-7KQ4PX-timeline.html``."""
    return f"./{incident_id}-timeline.{fmt}"


def export_to(
    engine: Any, incident_id: str, fmt: str, tz: str, redact: bool, path: str
) -> tuple[str, Path]:
    """Build the export and write it (worker thread); (format, absolute path written)."""
    from runbook.export import export_incident
    from runbook.export.files import write_atomic
    from runbook.export.times import zone

    zone(tz)
    text = export_incident(
        engine,
        incident_id,
        fmt,
        tz=tz.strip(),
        redact_names=redact,
        environ=os.environ,
        now=datetime.now(UTC),
    )
    target = Path(path).expanduser()
    write_atomic(target, text.encode("utf-8"))
    return fmt, target.resolve()


class ExportScreen(Modal[Path]):
    """The export form (see module docstring); returns the path written, None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", N_("cancel")),
        Binding("ctrl+s", "export", N_("export")),
    ]

    def __init__(self, incident_id: str, *, timezone: str = "UTC") -> None:
        super().__init__()
        self.incident_id = incident_id
        self.timezone = timezone
        self.fmt = FORMATS[0]
        self.running = False

    def compose(self) -> ComposeResult:
        """Format, zone, redaction, path, buttons."""
        with Vertical(classes="dialog", id="export"):
            yield Static(
                _("Export the timeline of %(incident)s", incident=self.incident_id),
                classes="dialog-title",
            )
            yield Static(_("Format"), classes="label")
            with RadioSet(id="export-format"):
                for fmt in FORMATS:
                    yield RadioButton(fmt, value=fmt == self.fmt, id=f"fmt-{fmt}")
            yield Static(_("Time zone of the local-time column"), classes="label")
            yield Input(self.timezone, placeholder="Europe/London, America/New_York, UTC", id="tz")
            yield Checkbox(
                _("Redact names (people by role, to share outside the team)"), id="redact"
            )
            yield Static(_("Write to"), classes="label")
            yield Input(default_path(self.incident_id, self.fmt), id="path")
            yield Static(
                _(
                    "↑↓ enter: format · tab: next field · ctrl+s (or enter in a field) exports · "
                    "escape cancels"
                ),
                classes="hint",
            )
            with Horizontal(classes="buttons"):
                yield Button(_("Export"), variant="primary", id="export-go")
                yield Button(_("Cancel"), id="export-cancel")

    def on_mount(self) -> None:
        """Start on the format."""
        self.query_one("#export-format", RadioSet).focus()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        """Another format: the file's suffix follows (when it was the old format's)."""
        event.stop()
        old, self.fmt = self.fmt, (event.pressed.id or "").removeprefix("fmt-") or self.fmt
        box = self.query_one("#path", Input)
        path = box.value
        if path.endswith(f".{old}"):
            box.value = path[: -len(old)] + self.fmt

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in a field exports."""
        event.stop()
        self.action_export()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Export or cancel."""
        event.stop()
        if event.button.id == "export-go":
            self.action_export()
        else:
            self.action_cancel()

    def action_export(self) -> None:
        """Build and write the export in a worker."""
        if self.running:
            return
        tz = self.query_one("#tz", Input).value.strip() or "UTC"
        path = self.query_one("#path", Input).value.strip()
        if not path:
            self.app.tell(_("Where should the export go? Type a file name."), severity="warning")
            return
        redact = self.query_one("#redact", Checkbox).value
        engine, incident_id, fmt = self.engine, self.incident_id, self.fmt
        self.running = True
        self.query_one("#export-go", Button).disabled = True
        ticket = self.app.work_started(_("export the timeline"))

        def done(result: tuple[str, Path] | None, error: str | None) -> None:
            self.app.work_finished(ticket)
            self.running = False
            if self.is_attached:
                self.query_one("#export-go", Button).disabled = False
            if error is not None or result is None:
                self.app.tell(
                    error or _("nothing was written"), title=_("Could not export"), severity="error"
                )
                return
            written_fmt, target = result
            self.app.tell(
                _(
                    "%(incident)s: %(format)s export written to %(path)s",
                    incident=incident_id,
                    format=written_fmt,
                    path=target,
                ),
                title=_("Exported"),
            )
            if self.is_attached:
                self.dismiss(target)

        fetch(self, lambda: export_to(engine, incident_id, fmt, tz, redact, path), done)
