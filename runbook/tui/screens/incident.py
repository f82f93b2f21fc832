"""The incident screen: where the incident is, what to do now, what happened.

Top: the level badge, title, state, time open, the next target, the countdown to each
audience's next update (red when overdue) and the next escalation. Then the stage
stepper, the current stage's checklist (enter ticks), and tabs: the live timeline, the people
notified, the pause ledger and the drafts with their approvals. Every action has a key; the
footer lists those the lifecycle allows now for the operator (and the highlighted draft), the
command palette lists all of them. A key pressed when its action is not allowed explains why
(the lifecycle's words, the same the engine refuses with); the direct ones (acknowledge,
submit, approve, retry) go to the engine, which also records the refusal on the timeline.
Forms (level, pause, notify, drafts, publish, resolve...) open first; the engine call runs in
a worker. ``X`` exports the timeline to a file (any time, whatever the state). Under another
configuration than the incident pinned, ``C`` (offered only then) shows what differs and
records the change with its reason; every other action is refused until then.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Header, Static, TabbedContent, TabPane

from runbook.i18n import N_, _
from runbook.model.lifecycle import ACTIONS
from runbook.model.playbook import STAGES
from runbook.tui.data import IncidentView, load_incident, next_step
from runbook.tui.screens.incident_actions import IncidentActions
from runbook.tui.widgets.checklist import Checklist
from runbook.tui.widgets.drafts_panel import DraftsPanel
from runbook.tui.widgets.footer import Footer
from runbook.tui.widgets.incident_summary import summary
from runbook.tui.widgets.level_badge import tone_styles
from runbook.tui.widgets.messages import MessagesPanel
from runbook.tui.widgets.people import PeoplePanel
from runbook.tui.widgets.posts import PostsPanel
from runbook.tui.widgets.stepper import Stepper
from runbook.tui.widgets.timeline import Timeline
from runbook.tui.widgets.work_status import WorkStatus
from runbook.tui.wording import KEYS, moment
from runbook.tui.work import LiveScreen

DIRECT = {"ack", "submit", "approve", "retry"}
"""Actions without a form: a refused key goes to the engine (which records the refusal)."""

ASKED_FIRST = {"override", "attest"}
"""Actions whose refusal depends on what their form asks (which finding, who approved): a
refused key explains the refusal the form's answer would meet; nothing is recorded, as the
command line records only a command given in full."""

TABS = ("timeline", "people", "posts", "drafts", "messages")


def signature(panel: str, view: IncidentView) -> object:
    """What a panel shows depends on (a panel is drawn again only when this changes)."""
    incident = view.incident
    minute = view.now.replace(second=0, microsecond=0)
    if panel == "people":
        return (
            minute,
            view.next_escalation,
            "notify" in view.allowed,
            len(incident.escalations),
            tuple(
                (r.person, r.acked_at, tuple(r.delivered), tuple(r.failed.items()))
                for r in incident.recipients.values()
            ),
        )
    if panel == "posts":
        return (
            incident.level,
            incident.paused_scope.describe(),
            incident.pause_unconfirmed(),
            len(incident.held_by_hand),
            len(incident.paused_posts),
            len(incident.kept_posts),
            len(incident.resumed_posts),
            tuple((p["id"], p["ledger"], p["missed_slot"]) for p in view.posts or []),
        )
    return (
        view.draft_id,
        incident.level,
        view.operator,
        "start_draft" in view.allowed,
        tuple(
            (
                d.draft_id,
                d.content_hash,
                d.submitted_hash,
                d.published_hash,
                len(d.approvals),
                len(d.rejections),
                len(d.overrides),
            )
            for d in incident.drafts.values()
        ),
    )


class IncidentScreen(IncidentActions, LiveScreen):
    """One incident (see module docstring)."""

    BINDINGS = [
        *[Binding(key, f"act('{name}')", words) for key, name, words in KEYS],
        *[Binding(key, f"refused('{name}')", show=False) for key, name, _ in KEYS],
        Binding("escape", "back", N_("board")),
        Binding("X", "export", N_("export")),
        Binding(
            "left_square_bracket", "browse(-1)", N_("checklist ◀"), key_display="[", show=False
        ),
        Binding(
            "right_square_bracket", "browse(1)", N_("checklist ▶"), key_display="]", show=False
        ),
        *[Binding(str(n), f"tab('{name}')", show=False) for n, name in enumerate(TABS, 1)],
    ]

    def __init__(self, incident_id: str, *, start: str | None = None) -> None:
        super().__init__()
        self.incident_id = incident_id.strip().upper()
        self.view: IncidentView | None = None
        self.draft_id: str | None = None
        self.browsing: str | None = None
        self._last_seq = 0
        self._start = start
        self._offer: tuple[list[str], int] | None = None
        self._drawn: dict[str, object] = {}
        self.next_actions: list[str] = []
        """The actions the next-step line names (their keys come first in the footer)."""

    def compose(self) -> ComposeResult:
        """Summary, stepper, checklist beside the tabs, work status, footer."""
        yield Header()
        yield Static(id="incident-summary")
        yield Stepper(id="stepper")
        yield Static(id="next-step")
        with Horizontal(id="body"):
            yield Checklist(id="checklist")
            with TabbedContent(id="tabs"):
                with TabPane(_("Timeline"), id="tab-timeline"):
                    yield Timeline(id="timeline")
                    yield Static(id="timeline-detail")
                with TabPane(_("People"), id="tab-people"):
                    yield PeoplePanel(id="people")
                with TabPane(_("Posts"), id="tab-posts"):
                    yield PostsPanel(id="posts")
                with TabPane(_("Drafts"), id="tab-drafts"):
                    yield DraftsPanel(id="drafts")
                with TabPane(_("Messages"), id="tab-messages"):
                    yield MessagesPanel(id="messages")
        yield WorkStatus(id="work")
        yield Footer()

    def on_mount(self) -> None:
        """The checklist has the focus: enter ticks."""
        self.query_one("#checklist-items").focus()
        self.set_interval(1.0, self.tick_clock)

    def restyle(self) -> None:
        """The theme changed: every panel is drawn again in its colours."""
        self._drawn.clear()
        self.query_one(Checklist).forget()
        self.reload()

    # -- data ---------------------------------------------------------------------------
    def load(self, publish: Any) -> IncidentView:
        """The incident, what may be done, and the timeline since what is shown."""
        return load_incident(
            self.runbook.engine, self.incident_id, after_seq=self._last_seq, draft_id=self.draft_id
        )

    def show(self, view: IncidentView, final: bool) -> None:
        """Hand the view down to the widgets."""
        first = self.view is None
        self.view = view
        self.draft_id = view.draft_id
        incident = view.incident
        timeline = self.query_one(Timeline)
        timeline.opened_at = incident.opened_at
        if view.after_seq == self._last_seq:
            timeline.append(view.lines)
            self.query_one(MessagesPanel).append(view.messages, view.names)
            self._last_seq = view.last_seq
            if not first:
                self.alarm(view)
        self.show_summary()
        stage = self.browsing or view.current_stage
        if self.changed("stepper", (tuple(view.stages.items()), view.current_stage, stage)):
            self.query_one(Stepper).show(view.stages, view.current_stage, stage)
        self.query_one(Checklist).show(incident, stage, view.current_stage, view.names)
        words, self.next_actions = next_step(view)
        if self.changed("next-step", words):
            self.query_one("#next-step", Static).update(Text(words, style="bold"))
        panels: tuple[tuple[str, type[PeoplePanel | PostsPanel | DraftsPanel]], ...] = (
            ("people", PeoplePanel),
            ("posts", PostsPanel),
            ("drafts", DraftsPanel),
        )
        for name, panel in panels:
            if self.changed(name, signature(name, view)):
                self.query_one(panel).show(view)
        self.query_one(WorkStatus).effects = view.progress
        self.label_tabs(view)
        if self.changed("allowed", (tuple(view.allowed), view.draft_id, tuple(self.next_actions))):
            self.refresh_bindings()
        self.continue_flow(view)

    def changed(self, part: str, key: object) -> bool:
        """True (and remembered) when ``part`` must be drawn again for ``key``."""
        if self._drawn.get(part) == key:
            return False
        self._drawn[part] = key
        return True

    def alarm(self, view: IncidentView) -> None:
        """Failures arriving on the timeline are told at once."""
        for line in view.lines:
            if line.tone == "bad":
                self.runbook.tell(
                    _("%(failure)s (t retries)", failure=line.text),
                    title=_("Something failed"),
                    severity="error",
                )

    def show_summary(self) -> None:
        """The two lines at the top."""
        view = self.view
        if view is None:
            return
        first = summary(view, tone_styles(self.app))
        if self.changed("summary", first):
            self.query_one("#incident-summary", Static).update(first)

    def label_tabs(self, view: IncidentView) -> None:
        """Counts on the tabs."""
        incident = view.incident
        sent = len(self.query_one(MessagesPanel).sent)
        counts = (len(incident.recipients), len(incident.paused_posts), len(incident.drafts), sent)
        if not self.changed("tabs", counts):
            return
        tabs = self.query_one(TabbedContent)
        tabs.get_tab("tab-people").label = _("People %(n)s", n=counts[0])
        tabs.get_tab("tab-posts").label = _("Posts %(n)s", n=counts[1])
        tabs.get_tab("tab-drafts").label = _("Drafts %(n)s", n=counts[2])
        tabs.get_tab("tab-messages").label = _("Messages %(n)s", n=counts[3])

    def tick_clock(self) -> None:
        """Countdowns move with the clock between loads."""
        if self.view is not None:
            self.view.now = self.runbook.engine.clock.now()
            self.show_summary()

    # -- which actions --------------------------------------------------------------------
    def lifecycle_action(self, name: str) -> str:
        """The lifecycle's action behind a key (``level`` is assess, then reassess)."""
        if name == "level":
            level = self.view.incident.level if self.view else None
            return "assess" if level is None else "reassess"
        return name

    def is_allowed(self, name: str) -> bool:
        """Does the lifecycle allow ``name`` now (for the operator and the draft)?"""
        return self.view is not None and self.lifecycle_action(name) in self.view.allowed

    def reason(self, name: str) -> str:
        """Why ``name`` is not allowed now."""
        if self.view is None:
            return _("still reading the incident; try again in a moment")
        return self.view.refusals.get(self.lifecycle_action(name), _("not now"))

    def footer_rank(self, action: str) -> int:
        """Which keys the footer keeps when it cannot show them all: the next step's first,
        then moving around, then the rest in their order."""
        if action.startswith("act("):
            name = action[5:-2]
            return 0 if self.lifecycle_action(name) in self.next_actions else 2
        return 1 if action in ("back", "app.help", "help") else 3

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Footer shows (and the key runs) an action only when it is allowed now."""
        if action == "act":
            return self.is_allowed(str(parameters[0]))
        return True

    def action_act(self, name: str) -> None:
        """Run the action bound to a key."""
        getattr(self, f"do_{name}")()

    def action_refused(self, name: str) -> None:
        """A key whose action is not allowed now: the engine says why and records the
        refusal, as the command line's would be (the form opens if it is allowed after all)."""
        if name == "config_change" and (self.view is None or not self.view.config_changes):
            self.do_config_change()  # nothing differs: nothing to record, nothing refused
            return
        if self.view is None or name in ASKED_FIRST:
            self.runbook.tell(self.reason(name), title=_("Not now"), severity="warning")
            return
        if name in DIRECT:
            getattr(self, f"do_{name}")()
            return
        engine, action, draft_id = self.runbook.engine, self.lifecycle_action(name), self.draft_id
        self.run_command(
            _(ACTIONS[action]),
            lambda: engine.refuse_if_not_allowed(self.incident_id, action, draft_id=draft_id),
            lambda _result: getattr(self, f"do_{name}")(),
        )

    def run_key(self, name: str) -> None:
        """What pressing the key of ``name`` does."""
        if self.is_allowed(name):
            self.action_act(name)
        else:
            self.action_refused(name)

    def continue_flow(self, view: IncidentView) -> None:
        """After declaring, the level; after the level, the pause (or notify); after the pause,
        notify: the next priority is offered when the lifecycle allows it."""
        if self._start is not None and self.view is not None:
            start, self._start = self._start, None
            self.run_key(start)
            return
        if self._offer is None or view.incident.seq < self._offer[1]:
            return
        choices, self._offer = self._offer[0], None
        if self.app.screen is not self:
            return
        for name in choices:
            if self.is_allowed(name):
                self.action_act(name)
                return

    def shown_keys(self) -> list[tuple[str, str, str]]:
        """The keys the palette and help list: every action's, the change of configuration's
        only while one is pending."""
        pending = self.view is not None and bool(self.view.config_changes)
        return [k for k in KEYS if k[1] != "config_change" or pending]

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        """Every action, allowed ones first, with its key and (if refused) the reason."""
        allowed, refused = [], []
        for key, name, _label in self.shown_keys():
            words = ACTIONS[self.lifecycle_action(name)]
            if self.is_allowed(name):
                allowed.append(
                    (words, _("key %(key)s · allowed now", key=key), partial(self.run_key, name))
                )
            else:
                refused.append(
                    (
                        words,
                        _("key %(key)s · %(reason)s", key=key, reason=self.reason(name)),
                        partial(self.run_key, name),
                    )
                )
        return [
            *allowed,
            *refused,
            (
                N_("export the timeline"),
                _("key X · md, html, json or csv to a file"),
                self.action_export,
            ),
            (N_("back to the board"), "escape", self.action_back),
            (N_("tick a checklist item"), _("enter on the checklist"), self.focus_checklist),
        ]

    def help_lines(self) -> list[tuple[str, str]]:
        """Keys for the help screen."""
        rows = []
        for key, name, _label in self.shown_keys():
            words = _(ACTIONS[self.lifecycle_action(name)])
            if not self.is_allowed(name):
                words += _("  (not now: %(reason)s)", reason=self.reason(name))
            rows.append((key, words))
        rows += [
            ("X", _("export the timeline to a file (md, html, json or csv)")),
            ("enter", _("tick the highlighted checklist item / read a timeline entry")),
            ("[ ]", _("checklist of the previous / next stage")),
            ("1-5", _("timeline, people, posts, drafts, messages sent")),
        ]
        return rows

    # -- navigation -----------------------------------------------------------------------
    def action_back(self) -> None:
        """Back to the board."""
        self.app.pop_screen()

    def action_browse(self, step: int) -> None:
        """Show another stage's checklist."""
        if self.view is None:
            return
        current = STAGES.index(self.browsing or self.view.current_stage)
        stage = STAGES[(current + step) % len(STAGES)]
        self.browsing = None if stage == self.view.current_stage else stage
        shown = self.browsing or self.view.current_stage
        self.query_one(Stepper).show(self.view.stages, self.view.current_stage, shown)
        self.query_one(Checklist).show(
            self.view.incident, shown, self.view.current_stage, self.view.names
        )

    def action_tab(self, name: str) -> None:
        """Switch tab."""
        self.query_one(TabbedContent).active = f"tab-{name}"

    def focus_checklist(self) -> None:
        """Put the focus on the checklist."""
        self.query_one("#checklist-items").focus()

    def on_checklist_tick(self, message: Checklist.Tick) -> None:
        """Tick an item through the engine."""
        engine = self.runbook.engine
        self.run_command(
            _("tick the item"), lambda: engine.check(self.incident_id, message.item_id)
        )

    def on_drafts_panel_chosen(self, message: DraftsPanel.Chosen) -> None:
        """Actions now concern this draft."""
        if message.draft_id != self.draft_id:
            self.draft_id = message.draft_id
            self.reload()

    def on_timeline_selected(self, message: Timeline.Selected) -> None:
        """The highlighted entry in full under the timeline (it wraps: nothing is cut)."""
        detail = self.query_one("#timeline-detail", Static)
        line = message.line
        if line is None:
            detail.display = False
            return
        proven = f" ({line.how})" if line.how else ""
        text = Text(f"{line.numbers} {line.at:%H:%M:%S} {line.actor}{proven}: ", style="bold")
        text.append(line.text)
        detail.update(text)
        detail.display = True

    def on_timeline_opened(self, message: Timeline.Opened) -> None:
        """Read a timeline entry in full."""
        from runbook.tui.screens.help import InfoScreen

        line = message.line
        proven = f" ({line.how})" if line.how else ""
        self.app.push_screen(
            InfoScreen(
                f"{line.numbers} {line.type} · {moment(line.at)} · {line.actor}{proven}",
                line.text,
            )
        )
