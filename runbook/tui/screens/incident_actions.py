"""What each incident key does: open its form, then call the engine in a worker.

A mixin of :class:`~runbook.tui.screens.incident.IncidentScreen`: ``do_<action>`` for every
key. Nothing is decided here; the engine refuses what the lifecycle does not allow, and the
refusal is shown as a notification.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from runbook.i18n import _, ngettext
from runbook.model.incident import Incident
from runbook.model.updates import audience_name
from runbook.tui.wording import STAGE_WORDS, word

if TYPE_CHECKING:
    from runbook.tui.data import IncidentView


class IncidentActions:
    """The incident screen's actions (see module docstring)."""

    incident_id: str
    draft_id: str | None
    view: IncidentView | None
    _offer: tuple[list[str], int] | None
    app: Any
    runbook: Any

    if TYPE_CHECKING:

        def run_command(self, label: str, call: Any, then: Any = None) -> None: ...

    @property
    def engine(self) -> Any:
        """The app's engine."""
        return self.app.engine

    def _offer_next(self, *names: str) -> Any:
        def then(incident: Incident) -> None:
            self._offer = (list(names), incident.seq)

        return then

    # -- level, pause, notify -------------------------------------------------------------
    def do_level(self) -> None:
        """Size (or resize) the crisis; then offer the pause."""
        from runbook.tui.screens.questionnaire import Questionnaire

        if self.view is None:
            return
        incident = self.view.incident
        playbook = incident.playbook
        if playbook is None:
            return
        engine = self.engine

        def answered(answers: dict[str, str] | None) -> None:
            if answers:
                self.run_command(
                    _("set the level"),
                    lambda: engine.assess(self.incident_id, answers),
                    then=self._offer_next("pause", "notify"),
                )

        self.app.push_screen(Questionnaire(playbook, incident.answers or None), answered)

    def do_pause(self) -> None:
        """Preview, confirm, pause; then offer notify."""
        from runbook.tui.screens.pause_preview import PausePreview

        engine = self.engine
        preview = PausePreview(self.incident_id)

        def confirmed(yes: bool | None) -> None:
            if yes:
                tool = preview.by_hand  # no scheduler: held by hand in this tool
                self.run_command(
                    _("pause scheduled posts"),
                    lambda: engine.pause(self.incident_id, by_hand=tool),
                    then=self._offer_next("notify"),
                )

        self.app.push_screen(preview, confirmed)

    def do_notify(self) -> None:
        """Preview who, confirm, notify."""
        from runbook.tui.screens.notify_preview import NotifyPreview

        engine = self.engine

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.run_command(_("notify people"), lambda: engine.notify(self.incident_id))

        self.app.push_screen(NotifyPreview(self.incident_id), confirmed)

    def do_ack(self) -> None:
        """Acknowledge being notified (as the operator)."""
        engine = self.engine
        self.run_command(_("acknowledge"), lambda: engine.ack(self.incident_id))

    def do_retry(self) -> None:
        """Re-run interrupted steps first (as ``runbook retry``), then try failed ones again."""
        engine = self.engine
        incident_id = self.incident_id

        def retry() -> tuple[int, Incident]:
            return engine.retry_all(incident_id)

        def done(result: tuple[int, Incident]) -> None:
            recovered, incident = result
            if recovered:
                left = len(incident.failed_effects())
                self.runbook.tell(
                    ngettext(
                        "Re-ran %(n)s interrupted step(s)",
                        "Re-ran %(n)s interrupted step(s)",
                        recovered,
                    )
                    + (_("; still failing: %(n)s", n=left) if left else "."),
                    title=_("Retried"),
                    severity="warning" if left else "information",
                )

        self.run_command(_("retry the failed steps"), retry, then=done)

    def do_resend(self) -> None:
        """List the messages that may have been sent, each ticked; send again the ones still
        ticked, as ``runbook resend --delivery KEY`` (recorded as possible repeats)."""
        from runbook.tui.screens.resend import ResendScreen

        engine = self.engine
        incident_id = self.incident_id
        waiting = engine.maybe_sent(incident_id)
        if not waiting:
            self.runbook.tell(
                _("No message may have been sent without an answer."), title=_("Nothing to send")
            )
            return

        def chosen(keys: list[str] | None) -> None:
            if keys:
                self.run_command(_("send again"), lambda: engine.resend(incident_id, keys))

        names = engine.workspace.contacts.names()
        self.app.push_screen(ResendScreen(waiting, names), chosen)

    def do_config_change(self) -> None:
        """Show what differs from the configuration the incident pinned; record the change
        and why (the dialog calls the engine)."""
        from runbook.tui.screens.config_change import ConfigChangeScreen

        if self.view is None or not self.view.config_changes:
            self.runbook.tell(
                _("%(id)s: runs under this configuration; nothing to record", id=self.incident_id)
            )
            return
        self.app.push_screen(ConfigChangeScreen(self.incident_id, self.view.config_changes))

    # -- drafts ---------------------------------------------------------------------------
    def do_start_draft(self) -> None:
        """Pick a template; start the draft and open the editor."""
        from runbook.tui.screens.pick import PickScreen

        if self.view is None:
            return
        incident = self.view.incident
        playbook = incident.playbook
        if playbook is None:
            return
        used = {d.template_id: d.draft_id for d in incident.drafts.values()}
        items = [
            (
                t.id,
                t.title,
                f"{t.audience} · {', '.join(t.platforms)}"
                + (_(" · already %(draft)s", draft=used[t.id]) if t.id in used else ""),
            )
            for t in playbook.drafts
        ]
        fresh = next((t.id for t in playbook.drafts if t.id not in used), None)
        updates = playbook.updates.templates if playbook.updates is not None else []
        items += [
            (
                u.id,
                u.title,
                _(
                    "update for %(audience)s · %(platforms)s",
                    audience=audience_name(u.audience),
                    platforms=", ".join(u.platforms),
                ),
            )
            for u in updates
        ]
        schedule = incident.update_schedule()  # the soonest (or most overdue) first
        if schedule and playbook.updates is not None:  # updates are owed: offer the first due
            wanted = playbook.updates.for_audience(schedule[0].audience)
            fresh = wanted.id if wanted is not None else fresh
        engine = self.engine

        def started(incident: Incident) -> None:
            newest = list(incident.drafts)[-1]
            self.draft_id = newest
            self.open_editor(incident, newest)

        def picked(template: str | None) -> None:
            if template:
                self.run_command(
                    _("start a draft"),
                    lambda: engine.start_draft(self.incident_id, template),
                    then=started,
                )

        self.app.push_screen(
            PickScreen(_("Start a draft from a template"), items, highlight=fresh), picked
        )

    def open_editor(self, incident: Incident, draft_id: str) -> None:
        """Edit ``draft_id``."""
        from runbook.tui.screens.draft_editor import DraftEditor

        self.app.push_screen(DraftEditor(incident, draft_id))

    def do_edit_draft(self) -> None:
        """Edit the highlighted draft."""
        if self.view is None or self.draft_id not in self.view.incident.drafts:
            self.runbook.tell(_("There is no draft yet; d starts one."), severity="warning")
            return
        self.open_editor(self.view.incident, self.draft_id)

    def do_submit(self) -> None:
        """Submit the highlighted draft for approval."""
        engine = self.engine
        draft = self.draft_id
        self.run_command(_("submit the draft"), lambda: engine.submit(self.incident_id, draft))

    def do_approve(self) -> None:
        """Approve the highlighted draft as the operator, bound to the text shown (signed
        with the operator's SSH key when the app has it)."""
        engine = self.engine
        draft = self.draft_id
        shown = None
        if self.view is not None and draft in self.view.incident.drafts:
            shown = self.view.incident.drafts[draft].content_hash
        self.run_command(
            _("approve the draft"),
            lambda: engine.approve(self.incident_id, draft, expect=shown),
        )

    def do_attest(self) -> None:
        """Record that someone approved elsewhere (by phone...): who, then how."""
        from runbook.model.approvals import eligible, requirement
        from runbook.tui.screens.note import TextEntry
        from runbook.tui.screens.pick import PickScreen

        if self.view is None or self.draft_id not in self.view.incident.drafts:
            return
        incident = self.view.incident
        draft = incident.drafts[self.draft_id]
        engine = self.engine
        contacts = engine.workspace.contacts
        now = engine.clock.now()
        missing = requirement(incident, draft).missing_roles if incident.level else []
        items = []
        for person in contacts.people:
            roles = eligible(incident, draft, person.id, contacts.roles_of(person.id, now))
            if person.id != engine.operator and set(roles) & set(missing or roles):
                items.append((person.id, f"{person.name} ({person.id})", ", ".join(roles)))
        draft_id = draft.draft_id

        def how(person: str | None) -> None:
            if not person:
                return

            def given(words: str | None) -> None:
                if words is not None:
                    self.run_command(
                        _("record the attestation"),
                        lambda: engine.attest(self.incident_id, person, words, "", draft_id),
                    )

            self.app.push_screen(
                TextEntry(
                    _("How did %(person)s approve %(draft)s?", person=person, draft=draft_id),
                    _(
                        "Recorded as your attestation, not their approval: it counts only where "
                        "the policy allows attested approvals."
                    ),
                    value=_("by phone"),
                ),
                given,
            )

        self.app.push_screen(
            PickScreen(_("Who approved %(draft)s elsewhere?", draft=draft_id), items), how
        )

    def do_reject(self) -> None:
        """Reject with a comment."""
        from runbook.tui.screens.note import TextEntry

        engine = self.engine
        draft = self.draft_id

        def comment(text: str | None) -> None:
            if text is not None:
                self.run_command(
                    _("reject the draft"), lambda: engine.reject(self.incident_id, text, draft)
                )

        self.app.push_screen(
            TextEntry(
                _("Reject draft %(draft)s", draft=draft),
                _("Why? The author reads this on the timeline."),
            ),
            comment,
        )

    def do_override(self) -> None:
        """Let a blocking finding stand, with a reason."""
        from runbook.tui.screens.override import OverrideScreen

        if self.view is None or self.draft_id not in self.view.drafts:
            return
        findings = self.view.drafts[self.draft_id].blocking
        self.app.push_screen(OverrideScreen(self.incident_id, self.draft_id, findings))

    def do_publish(self) -> None:
        """Choose where it goes (and where it was posted by hand), then publish."""
        from runbook.model.counting import variant_count
        from runbook.tui.screens.publish import PublishScreen

        if self.view is None or self.draft_id not in self.view.incident.drafts:
            return
        incident = self.view.incident
        draft = incident.drafts[self.draft_id]
        engine = self.engine
        draft_id = draft.draft_id
        template = (
            incident.playbook.draft_template(draft.template_id) if incident.playbook else None
        )
        order = list(template.platforms) if template is not None else []

        def place(key: str) -> tuple[int, str]:
            platform = key.partition(":")[0]
            return (order.index(platform) if platform in order else len(order), key)

        variants = [
            (key, variant_count(incident.policy, key, draft.variants[key]).platform)
            for key in sorted(draft.unpublished(), key=place)  # as the playbook lists them
        ]

        def chosen(choice: tuple[list[str], dict[str, str]] | None) -> None:
            if choice is None:
                return
            on, by_hand = choice
            self.run_command(
                _("publish"),
                lambda: engine.publish(self.incident_id, draft_id, on=on, by_hand=by_hand),
            )

        self.app.push_screen(
            PublishScreen(
                _("Publish draft %(draft)s v%(version)s?", draft=draft_id, version=draft.version),
                f"{draft.title}\n\n" + next(iter(draft.variants.values()), ""),
                variants,
            ),
            chosen,
        )

    # -- export ---------------------------------------------------------------------------
    def action_export(self) -> None:
        """Export the timeline to a file (format, time zone, names, path in a form)."""
        from runbook.tui.screens.export import ExportScreen

        engine = self.engine
        person = engine.workspace.contacts.person(engine.operator or "")
        timezone = person.timezone if person is not None and person.timezone else "UTC"
        self.app.push_screen(ExportScreen(self.incident_id, timezone=timezone))

    # -- notes, resolve, close ------------------------------------------------------------
    def do_note(self) -> None:
        """Add a note to the timeline."""
        from runbook.tui.screens.note import TextEntry

        engine = self.engine

        def noted(text: str | None) -> None:
            if text is not None:
                self.run_command(_("add the note"), lambda: engine.note(self.incident_id, text))

        self.app.push_screen(
            TextEntry(
                _("Note"),
                _("What should the timeline say?"),
                placeholder=_("e.g. journalist called"),
            ),
            noted,
        )

    def do_resolve(self) -> None:
        """Stand down: summary and the review of held posts (the dialog calls the engine)."""
        from runbook.tui.screens.resolve import ResolveScreen

        self.app.push_screen(ResolveScreen(self.incident_id))

    def do_close(self) -> None:
        """Close after the review."""
        from runbook.tui.screens.note import TextEntry

        engine = self.engine

        def reviewed(text: str | None) -> None:
            if text is None:
                return
            unticked = self.view.incident.unticked() if self.view is not None else []
            if not unticked:
                self.run_command(
                    _("close the incident"), lambda: engine.close(self.incident_id, text)
                )
                return
            from runbook.tui.screens.confirm import ConfirmScreen

            def decided(yes: bool | None) -> None:
                if yes:
                    self.run_command(
                        _("close the incident"),
                        lambda: engine.close(self.incident_id, text, leave_open=True),
                    )

            listed = "\n".join(
                f"· [{word(STAGE_WORDS, stage)}] {words}" for stage, _id, words in unticked[:12]
            )
            more = _("\n· and %(n)s more", n=len(unticked) - 12) if len(unticked) > 12 else ""
            self.app.push_screen(
                ConfirmScreen(
                    ngettext(
                        "%(n)s checklist item(s) not ticked",
                        "%(n)s checklist item(s) not ticked",
                        len(unticked),
                    ),
                    listed + more + "\n\n" + _("Close anyway? The record lists them as left open."),
                    yes=_("close, leave them open"),
                    no=_("go back"),
                    default_yes=False,
                ),
                decided,
            )

        self.app.push_screen(
            TextEntry(
                _("Close after review"),
                _(
                    "Outcome of the post-incident review (optional). Nothing more can be done "
                    "after."
                ),
            ),
            reviewed,
        )
