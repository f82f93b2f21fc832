"""Drafts and approvals: each draft's state, who still must approve, stale approvals, findings.

The highlighted draft is the one ``e``dit, ``s``ubmit, approve (``y``), reject (``x``),
override (``o``) and publish (``P``) act on; choosing another posts :class:`DraftsPanel.Chosen`.
"""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from runbook.i18n import _
from runbook.model.approvals import stand_in_words
from runbook.model.incident import Draft
from runbook.tui.data import DraftFacts, IncidentView, variant_count
from runbook.tui.widgets.level_badge import tone_styles


def draft_state(view: IncidentView, draft: Draft) -> str:
    """The draft's state in words."""
    facts = view.drafts.get(draft.draft_id)
    if draft.published_hash == draft.content_hash:
        return _("published")
    if draft.submitted and facts and facts.requirement and facts.requirement.complete:
        return _("approved")
    if draft.submitted:
        return _("waiting for approval")
    if draft.rejections and draft.rejections[-1][1] == draft.version:
        return _("rejected")
    return _("drafting")


class DraftsPanel(Vertical):
    """The drafts list over the highlighted draft's details (see module docstring)."""

    DEFAULT_CSS = """
    DraftsPanel { height: 1fr; }
    DraftsPanel > OptionList { height: auto; max-height: 6; border: none; }
    DraftsPanel > VerticalScroll { height: 1fr; }
    """

    class Chosen(Message):
        """The operator highlighted another draft."""

        def __init__(self, draft_id: str) -> None:
            super().__init__()
            self.draft_id = draft_id

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._ids: list[str] = []
        self._showing = False

    def compose(self) -> ComposeResult:
        """Drafts list and details."""
        yield OptionList(id="draft-list")
        with VerticalScroll():
            yield Static(id="draft-detail")

    def show(self, view: IncidentView) -> None:
        """Show ``view``'s drafts; the selected one (``view.draft_id``) highlighted."""
        incident = view.incident
        listing = self.query_one(OptionList)
        self._showing = True
        try:
            listing.clear_options()
            self._ids = list(incident.drafts)
            for listed in incident.drafts.values():
                label = Text(f"{listed.draft_id} v{listed.version} {listed.title}", no_wrap=True)
                label.append(f"  {draft_state(view, listed)}", style="dim")
                listing.add_option(Option(label, id=listed.draft_id))
            if view.draft_id in self._ids:
                listing.highlighted = self._ids.index(view.draft_id)
        finally:
            self._showing = False
        detail = self.query_one("#draft-detail", Static)
        draft = incident.drafts.get(view.draft_id or "")
        if draft is None:
            hint = _("No draft yet.") + (
                "  " + _("Press d to start one from a template.")
                if "start_draft" in view.allowed
                else ""
            )
            detail.update(Text(hint, style="dim"))
            return
        detail.update(self._detail(view, draft, view.drafts[draft.draft_id]))

    def _detail(self, view: IncidentView, draft: Draft, facts: DraftFacts) -> Group:
        styles = tone_styles(self.app)
        names = view.names
        lines: list[Text] = []
        head = Text(
            f"{draft.draft_id} v{draft.version} · {draft.title} · {draft.audience} · ", style="bold"
        )
        head.append(draft_state(view, draft), style=styles["accent"])
        lines.append(head)
        lines.append(
            Text(
                _(
                    "written by %(author)s; last edited by %(editor)s",
                    author=names.get(draft.author, draft.author),
                    editor=names.get(draft.last_editor, draft.last_editor),
                ),
                style="dim",
            )
        )
        need = facts.requirement
        if need is not None:
            summary = Text(_("Approval: "), style="bold")
            if need.complete:
                summary.append(_("complete"), style=styles["good"])
            else:
                summary.append(need.describe(), style=styles["warn"])
                if not draft.submitted:
                    summary.append(_(" (once submitted)"), style="dim")
            lines.append(summary)
            for words in stand_in_words(draft):
                lines.append(Text(f"  ! {words}", style=styles["warn"]))
            for role, people in facts.holders.items():
                holders = ", ".join(people) or _("nobody holds it now")
                lines.append(Text(f"  {role}: {holders}", style="dim"))
            not_counted = dict((id(a), why) for a, why in need.not_counted)
            for approval in draft.current_approvals():
                who = names.get(approval.person, approval.person)
                roles = ", ".join(approval.roles) or "-"
                line = "  " + _(
                    "approved by %(who)s (%(roles)s) %(time)s · %(how)s",
                    who=who,
                    roles=roles,
                    time=approval.at.strftime("%H:%M"),
                    how=approval.words(),
                )
                why = not_counted.get(id(approval))
                if why is None:
                    lines.append(Text(line, style=styles["good"]))
                else:
                    lines.append(
                        Text(line + _(" · does not count: %(why)s", why=why), style=styles["warn"])
                    )
        stale = draft.stale_approvals()
        if stale:
            who = ", ".join(f"{names.get(a.person, a.person)} (v{a.version})" for a in stale)
            lines.append(
                Text(
                    _("Stale approvals (given to an earlier version): %(who)s", who=who),
                    style=styles["warn"],
                )
            )
        for person, version, comment in draft.rejections[-2:]:
            lines.append(
                Text(
                    _(
                        "Rejected v%(version)s by %(who)s: %(comment)s",
                        version=version,
                        who=names.get(person, person),
                        comment=comment,
                    ),
                    style=styles["warn"],
                )
            )
        if facts.findings:
            others = len(facts.findings) - len(facts.blocking)
            lines.append(
                Text(
                    _(
                        "Policy: %(blocking)s blocking, %(others)s other",
                        blocking=len(facts.blocking),
                        others=others,
                    ),
                    "bold",
                )
            )
            for finding in facts.findings[:6]:
                style = styles["bad"] if finding in facts.blocking else styles["warn"]
                overridden = finding.blocking and finding not in facts.blocking
                note = _(" (overridden)") if overridden else ""
                lines.append(Text(f"  {finding.describe()}{note}", style=style))
            if len(facts.findings) > 6:
                lines.append(
                    Text(
                        "  "
                        + _(
                            "... %(n)s more (e to see them in the editor)",
                            n=len(facts.findings) - 6,
                        ),
                        style="dim",
                    )
                )
        else:
            lines.append(Text(_("Policy: no findings"), style=styles["good"]))
        counts = Text(_("Length: "), style="bold")
        for index, (variant, text) in enumerate(draft.variants.items()):
            measured = variant_count(view.incident.policy, variant, text)
            if index:
                counts.append(" · ")
            limit = f"/{measured.limit}" if measured.limit else ""
            counts.append(
                f"{variant} {measured.length}{limit}",
                style=styles["good"] if measured.fits else styles["bad"],
            )
        lines.append(counts)
        if draft.published_hash:
            words = (
                _("Published at %(url)s", url=draft.published_url)
                if draft.published_url
                else _("Published")
            )
            if draft.published_hash != draft.content_hash:
                words += _(" (an earlier version)")
            lines.append(Text(words, style=styles["good"]))
        first = next(iter(draft.variants.items()), None)
        if first:
            lines.append(Text(f"\n{first[0]}:", style="bold"))
            lines.append(Text(first[1]))
        return Group(*lines)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        """Another draft highlighted: the screen acts on it from now on."""
        event.stop()
        if not self._showing and event.option.id:
            self.post_message(self.Chosen(event.option.id))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter on a draft: same as highlighting it."""
        event.stop()
        if event.option.id:
            self.post_message(self.Chosen(event.option.id))
