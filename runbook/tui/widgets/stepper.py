"""The stage stepper: where the incident is, what is done, what was skipped.

One line: ``✔ level  ↷ pause  ▶ notify  ○ draft ...``; the stage whose checklist is shown is
underlined. Statuses come from the incident (``stage_status``), never worked out here.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from runbook.model.playbook import STAGES
from runbook.tui.widgets.level_badge import tone_styles
from runbook.tui.wording import STAGE_WORDS, STATUS_WORDS, word

MARKS = {"done": "✔", "skipped": "↷", "unconfirmed": "◐", "to do": "○"}


class Stepper(Static):
    """The stages of the incident on one line."""

    DEFAULT_CSS = """
    Stepper { height: 1; padding: 0 1; }
    """

    def show(self, stages: dict[str, str], current: str, browsing: str) -> None:
        """Show each stage's status; ``current`` is where the incident is, ``browsing`` the
        stage whose checklist is shown."""
        styles = tone_styles(self.app)
        text = Text(no_wrap=True, overflow="ellipsis")
        for index, stage in enumerate(STAGES):
            status = stages.get(stage, "to do")
            if index:
                text.append(" ")
            name = word(STAGE_WORDS, stage)
            if stage == current and status not in ("done", "skipped"):
                mark, style = "▶", styles["warn"] + Style(bold=True)
            elif status == "done":
                mark, style = MARKS["done"], styles["good"]
            elif status == "skipped":
                mark, style = MARKS["skipped"], styles["muted"] + Style(italic=True)
                name += " (" + word(STATUS_WORDS, "skipped") + ")"
            elif status == "unconfirmed":
                mark, style = MARKS["unconfirmed"], styles["bad"]
                name += " (" + word(STATUS_WORDS, "unconfirmed") + ")"
            else:
                mark, style = MARKS["to do"], styles["muted"]
            if stage == browsing:
                style = style + Style(underline=True)
            text.append(f"{mark} {name}", style=style)
        self.update(text)
