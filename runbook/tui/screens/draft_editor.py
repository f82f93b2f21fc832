"""The draft editor: one text box per variant, counted and linted as you type.

Each variant (``x``, ``linkedin``, ``email``, ``linkedin:fr``...) has its own tab with a text
box; its length is counted the way its platform counts (X weights emoji and links) against the
platform's limit, and the organisation's policy findings are listed and highlighted in the
text (blocking in red, warnings in yellow). ctrl+s saves a new version through the engine
(any approvals of the earlier version become stale, as the banner says); escape goes back.
"""

from __future__ import annotations

from typing import Any

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Header, Static, TabbedContent, TabPane, TextArea

from runbook.i18n import N_, _, ngettext
from runbook.model.incident import Draft, Incident
from runbook.tui.data import lint_variant, variant_count
from runbook.tui.screens.confirm import ConfirmScreen
from runbook.tui.widgets.footer import Footer
from runbook.tui.widgets.level_badge import tone_styles
from runbook.tui.wording import word
from runbook.tui.work import CommandRunner

COUNTING_WORDS = {
    "characters": N_("characters"),
    "weighted": N_("weighted"),
    "graphemes": N_("graphemes"),
}
"""How a platform counts a text's length (policy ``counting``), in words."""

LINT_STYLES = {
    "lint.block": Style(color="#ffffff", bgcolor="#b3261e", bold=True),
    "lint.warn": Style(color="#000000", bgcolor="#f2c744"),
}


class LintTextArea(TextArea):
    """A text box that highlights policy findings (character spans of the current text)."""

    def __init__(self, text: str, *, id: str | None = None) -> None:
        super().__init__(text, id=id, soft_wrap=True, show_line_numbers=False, tab_behavior="focus")
        self.findings: list[Any] = []

    def set_findings(self, findings: list[Any]) -> None:
        """Highlight ``findings`` from now on."""
        self.findings = findings
        self._build_highlight_map()
        self.refresh()

    def _build_highlight_map(self) -> None:
        super()._build_highlight_map()
        findings = getattr(self, "findings", None)
        theme = getattr(self, "_theme", None)
        if not findings or theme is None:
            return
        if "lint.block" not in theme.syntax_styles:
            theme.syntax_styles = {**theme.syntax_styles, **LINT_STYLES}
        lines = self.text.split("\n")
        starts = []
        position = 0
        for line in lines:
            starts.append(position)
            position += len(line) + 1
        for finding in findings:
            name = "lint.block" if finding.blocking else "lint.warn"
            for row, line in enumerate(lines):
                first, last = starts[row], starts[row] + len(line)
                begin, end = max(finding.start, first), min(finding.end, last)
                if begin >= end and not (finding.start == finding.end == begin and begin <= last):
                    continue
                start_byte = len(line[: begin - first].encode("utf-8"))
                end_byte = len(line[: max(end, begin + 1) - first].encode("utf-8"))
                self._highlights[row].append((start_byte, end_byte, name))


class DraftEditor(CommandRunner, Screen[None]):
    """Edit every variant of one draft (see module docstring)."""

    BINDINGS = [
        Binding("ctrl+s", "save", N_("save")),
        Binding("escape", "close", N_("back")),
        Binding("ctrl+n", "variant(1)", N_("next variant")),
        Binding("ctrl+b", "variant(-1)", N_("previous variant")),
        Binding("ctrl+a", "select_all", N_("select all"), show=False, priority=True),
    ]

    def __init__(self, incident: Incident, draft_id: str) -> None:
        super().__init__()
        self.incident = incident
        self.draft: Draft = incident.drafts[draft_id]
        self.variants = list(self.draft.variants)
        self.saved = dict(self.draft.variants)

    def compose(self) -> ComposeResult:
        """Title, banner, one tab per variant."""
        yield Header()
        yield Static(id="editor-title")
        yield Static(id="editor-banner")
        with TabbedContent(id="variants"):
            for index, variant in enumerate(self.variants):
                with TabPane(variant, id=f"v{index}"):
                    yield LintTextArea(self.draft.variants[variant], id=f"text-{index}")
                    yield Static(id=f"count-{index}", classes="count")
                    yield Static(id=f"findings-{index}", classes="findings")
        yield Footer()

    def on_mount(self) -> None:
        """Count and lint every variant; open on the first that needs attention (over its
        platform's limit, or with a blocking finding), else the first."""
        blink = getattr(self.app, "cursor_blink", True)
        attention = []
        for index in range(len(self.variants)):
            area = self.query_one(f"#text-{index}", LintTextArea)
            area.cursor_blink = blink
            if self.check(index):
                attention.append(index)
        self.show_title()
        first = attention[0] if attention else 0
        self.query_one(TabbedContent).active = f"v{first}"
        self.query_one(f"#text-{first}", LintTextArea).focus()

    def show_title(self) -> None:
        """Which draft, which version, what saving does."""
        draft = self.draft
        self.query_one("#editor-title", Static).update(
            Text(
                _(
                    "Draft %(draft)s v%(version)s · %(title)s · %(audience)s",
                    draft=draft.draft_id,
                    version=draft.version,
                    title=draft.title,
                    audience=draft.audience,
                ),
                style="bold",
            )
        )
        approvals = draft.current_approvals()
        banner = self.query_one("#editor-banner", Static)
        if approvals:
            banner.update(
                ngettext(
                    "Saving makes %(n)s approval(s) of v%(version)s stale: they will be needed "
                    "again.",
                    "Saving makes %(n)s approval(s) of v%(version)s stale: they will be needed "
                    "again.",
                    len(approvals),
                    version=draft.version,
                )
            )
            banner.display = True
        else:
            banner.display = False

    def check(self, index: int) -> bool:
        """Count and lint one variant as it stands; True when it needs attention."""
        variant = self.variants[index]
        area = self.query_one(f"#text-{index}", LintTextArea)
        text = area.text
        policy = self.incident.policy
        measured = variant_count(policy, variant, text)
        findings = lint_variant(policy, self.draft.audience, variant, text)
        area.set_findings(findings)
        styles = tone_styles(self.app)
        limit = f" / {measured.limit}" if measured.limit else ""
        count = Text(f"{measured.platform}: {measured.length}{limit}", style="bold")
        count.append(f" ({word(COUNTING_WORDS, measured.counting)})", style="dim")
        if not measured.fits:
            count.append(
                "  " + _("%(n)s over", n=measured.length - (measured.limit or 0)),
                style=styles["bad"],
            )
        if text != self.saved.get(variant):
            count.append("  · " + _("not saved"), style=styles["warn"])
        self.query_one(f"#count-{index}", Static).update(count)
        lines = Text()
        for finding in findings:
            style = styles["bad"] if finding.blocking else styles["warn"]
            if lines:
                lines.append("\n")
            lines.append(finding.describe(), style=style)
        if not findings:
            lines = Text(_("No policy findings."), style=styles["good"])
        self.query_one(f"#findings-{index}", Static).update(lines)
        fine = measured.fits and not any(f.blocking for f in findings)
        tabs = self.query_one(TabbedContent)
        tabs.get_tab(f"v{index}").label = f"{variant} {'✓' if fine else '✗'}"
        return not fine

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        """Typing: count and lint again."""
        identifier = event.text_area.id or ""
        if identifier.startswith("text-"):
            self.check(int(identifier[5:]))

    def changes(self) -> dict[str, str]:
        """Variants whose text differs from what was last saved."""
        changed = {}
        for index, variant in enumerate(self.variants):
            text = self.query_one(f"#text-{index}", LintTextArea).text
            if text != self.saved.get(variant):
                changed[variant] = text
        return changed

    def action_save(self) -> None:
        """Save a new version through the engine."""
        changes = self.changes()
        if not changes:
            self.app.tell(_("Nothing changed since the last save."))
            return
        engine = self.app.engine
        incident_id, draft_id = self.incident.id, self.draft.draft_id

        def saved(incident: Incident) -> None:
            self.incident = incident
            self.draft = incident.drafts[draft_id]
            self.saved.update(changes)
            self.show_title()
            for index in range(len(self.variants)):
                self.check(index)
            self.app.tell(
                _(
                    "Saved draft %(draft)s v%(version)s.",
                    draft=draft_id,
                    version=self.draft.version,
                ),
                title=_("Draft"),
            )

        self.run_command(
            _("save the draft"),
            lambda: engine.edit_draft(incident_id, draft_id, changes),
            then=saved,
        )

    def action_close(self) -> None:
        """Back to the incident (asks first when something is not saved)."""
        if not self.changes():
            self.app.pop_screen()
            return

        def answer(discard: bool | None) -> None:
            if discard:
                self.app.pop_screen()

        self.app.push_screen(
            ConfirmScreen(
                _("Discard your changes?"),
                _("Some variants were edited and not saved (ctrl+s saves)."),
                yes=_("Discard"),
                no=_("Keep editing"),
                default_yes=False,
            ),
            answer,
        )

    def action_select_all(self) -> None:
        """Select the whole text of the variant being edited (typing then replaces it)."""
        focused = self.focused
        if isinstance(focused, TextArea):
            focused.select_all()

    def action_variant(self, step: int) -> None:
        """Next or previous variant."""
        tabs = self.query_one(TabbedContent)
        current = int((tabs.active or "v0")[1:])
        index = (current + step) % len(self.variants)
        tabs.active = f"v{index}"
        self.query_one(f"#text-{index}", LintTextArea).focus()
