"""Override a blocking policy finding: pick the finding, give the reason, the engine decides.

Only someone holding the rule's override role may; the engine says so if not. An override
binds to the current text: editing the draft needs a new one.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from runbook.i18n import _
from runbook.tui.screens.modal import Modal


class OverrideScreen(Modal[bool]):
    """Returns True once the override is recorded (None when cancelled)."""

    def __init__(self, incident_id: str, draft_id: str, findings: list[Any]) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.draft_id = draft_id
        self.findings = findings

    def compose(self) -> ComposeResult:
        """Findings, reason."""
        with Vertical(classes="dialog wide"):
            yield Static(
                _("Override a finding in draft %(draft)s", draft=self.draft_id),
                classes="dialog-title",
                markup=False,
            )
            yield OptionList(
                *[
                    Option(
                        Text(
                            _(
                                "%(rule)s in %(variant)s: %(matched)s: %(explanation)s",
                                rule=f.rule_id,
                                variant=f.variant,
                                matched=repr(f.matched),
                                explanation=f.explanation,
                            )
                        ),
                        id=str(i),
                    )
                    for i, f in enumerate(self.findings)
                ],
                id="findings",
            )
            yield Static(_("Why may it stand? (recorded on the timeline)"), classes="label")
            yield Input(placeholder=_("e.g. Legal confirmed the wording"), id="reason")
            yield Static(
                _("↑↓ choose · tab · type the reason · enter records · esc cancels"),
                classes="hint",
            )

    def on_mount(self) -> None:
        """Start on the findings."""
        listing = self.query_one("#findings", OptionList)
        if self.findings:
            listing.highlighted = 0
        listing.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Finding chosen: on to the reason."""
        event.stop()
        self.query_one("#reason", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Record the override through the engine."""
        event.stop()
        index = self.query_one("#findings", OptionList).highlighted
        if index is None or not self.findings:
            return
        finding = self.findings[index]
        engine = self.engine
        reason = event.value
        self.run_command(
            _("override the finding"),
            lambda: engine.override(
                self.incident_id,
                finding.rule_id,
                reason,
                draft_id=self.draft_id,
                variant=finding.variant,
            ),
            then=lambda incident: self.dismiss(True),
        )
