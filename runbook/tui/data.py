"""What the screens show, read from the engine: the board's rows and one incident's view.

These functions run in worker threads (they read SQLite and fold events) and return plain
data the screens hand down to their widgets. They decide nothing: what is allowed comes from
the lifecycle (``lifecycle.allowed`` / ``lifecycle.next_state`` for the refusal words, the same
the engine raises), who must approve from :mod:`runbook.model.approvals`, findings from the
policy lint. No Textual here.

The timeline is read incrementally with the event store's ``load(after_seq=...)`` (the same
read-only query :meth:`Engine.incident` uses), so a refresh of a 10,000-event incident reads
only what is new; its lines are made in :mod:`runbook.tui.timeline_data`.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from runbook.engine import Engine, pinning
from runbook.errors import ActionRefused, RunbookError
from runbook.i18n import _, ngettext
from runbook.model import lifecycle
from runbook.model.approvals import Requirement, requirement
from runbook.model.config_pins import Change
from runbook.model.counting import VariantCount, variant_count
from runbook.model.escalation import next_due
from runbook.model.incident import Incident
from runbook.model.lifecycle import ACTIONS, Context
from runbook.model.messages import SentMessage, sent_messages
from runbook.model.playbook import STAGES, Playbook
from runbook.model.targets import TargetCheck, next_target
from runbook.model.updates import UpdateDue
from runbook.tui.timeline_data import Line, timeline_lines
from runbook.tui.wording import refusal_words

__all__ = ["VariantCount", "variant_count"]  # counting lives in the model; screens import here

BANDS = ("critical", "high", "moderate")
"""Colour bands of the most severe levels, most severe first; milder levels are ``low``."""


def band(playbook: Playbook | None, level: str | None) -> str:
    """The colour band of ``level`` within its playbook's levels."""
    if playbook is None or level is None:
        return "none"
    levels = [lv.id for lv in playbook.severity.levels]
    if level not in levels:
        return "none"
    from_top = len(levels) - 1 - levels.index(level)
    return BANDS[from_top] if from_top < len(BANDS) else "low"


def band_rank(name: str) -> int:
    """3 for critical down to 0 for low or unknown."""
    return len(BANDS) - BANDS.index(name) if name in BANDS else 0


# -- the board ------------------------------------------------------------------------------


@dataclass
class BoardRow:
    """One incident on the board."""

    id: str
    title: str
    level: str | None
    state: str
    drill: bool
    opened_at: datetime | None
    band: str = "none"
    level_name: str = ""
    target: TargetCheck | None = None
    update: UpdateDue | None = None
    """The next stakeholder update due (the earliest audience)."""
    playbook: str = ""
    detailed: bool = False
    """False until the incident was folded (band and target known)."""

    @property
    def is_open(self) -> bool:
        """Not resolved or closed."""
        return self.state not in ("resolved", "closed")


def board_summaries(engine: Engine, include_closed: bool) -> list[BoardRow]:
    """Rows from the store's incident list alone (fast: the first frame)."""
    rows = []
    for summary in engine.incidents():
        if summary["state"] == "closed" and not include_closed:
            continue
        opened = summary.get("opened_at")
        rows.append(
            BoardRow(
                id=summary["id"],
                title=summary.get("title") or "",
                level=summary.get("level"),
                state=summary["state"],
                drill=bool(summary.get("drill")),
                opened_at=datetime.fromisoformat(opened) if opened else None,
                playbook=summary.get("playbook") or "",
            )
        )
    return sort_rows(rows)


def board_details(engine: Engine, rows: list[BoardRow]) -> list[BoardRow]:
    """The rows with level colour and next target, from each incident's fold."""
    detailed = []
    for row in rows:
        try:
            incident = engine.incident(row.id)
        except RunbookError:
            detailed.append(row)
            continue
        playbook = incident.playbook
        level_name = ""
        if playbook is not None and incident.level is not None:
            level_name = playbook.level(incident.level).name
        detailed.append(
            BoardRow(
                id=incident.id,
                title=incident.title,
                level=incident.level,
                state=incident.state,
                drill=incident.drill,
                opened_at=incident.opened_at,
                band=band(playbook, incident.level),
                level_name=level_name,
                target=next_target(incident),
                update=next(iter(incident.update_schedule()), None),
                playbook=playbook.title if playbook else row.playbook,
                detailed=True,
            )
        )
    return sort_rows(detailed)


def sort_rows(rows: list[BoardRow]) -> list[BoardRow]:
    """Open incidents first, most severe first, then oldest first."""
    return sorted(
        rows,
        key=lambda r: (
            not r.is_open,
            r.state == "closed",
            -band_rank(r.band),
            r.opened_at.timestamp() if r.opened_at else 0.0,
            r.id,
        ),
    )


# -- one incident ---------------------------------------------------------------------------


@dataclass
class DraftFacts:
    """What the drafts panel shows about one draft."""

    requirement: Requirement | None
    findings: list[Any]
    blocking: list[Any]
    holders: dict[str, list[str]]
    """Missing role -> names of the people holding it now."""


@dataclass
class IncidentView:
    """Everything the incident screen shows, read at one moment."""

    incident: Incident
    now: datetime
    operator: str | None
    allowed: list[str]
    refusals: dict[str, str]
    stages: dict[str, str]
    current_stage: str
    draft_id: str | None
    drafts: dict[str, DraftFacts]
    lines: list[Line]
    after_seq: int
    names: dict[str, str]
    next_escalation: datetime | None
    target: TargetCheck | None
    posts: list[dict[str, Any]] | None
    progress: list[tuple[str, int, int]] = field(default_factory=list)
    """Effects under way: (kind, done, total); total 0 when unknown."""
    messages: list[SentMessage] = field(default_factory=list)
    """Messages recorded as sent since ``after_seq``."""
    config_changes: list[Change] = field(default_factory=list)
    """Each file of the configuration loaded now that differs from what the incident pinned
    (``C`` records the change; every other action is refused until then)."""
    read_to: int = 0
    """The newest event read (the next refresh reads after it): a line may stand for several
    events, and events the timeline leaves out still count as read."""

    @property
    def last_seq(self) -> int:
        """The newest event read, so the next refresh never reads one twice."""
        return max(self.read_to, self.after_seq)


def stage_status(incident: Incident) -> dict[str, str]:
    """Each stage's status in words (shared with the command line's status)."""
    from runbook.cli.render import stage_status as words

    return words(incident)


def current_stage(stages: dict[str, str]) -> str:
    """The first stage not done or skipped (``review`` once everything is)."""
    return next((s for s in STAGES if stages.get(s) not in ("done", "skipped")), STAGES[-1])


def _detached(incident: Incident) -> Incident:
    """A shallow copy never attached to the lifecycle machine (attaching binds trigger methods
    to the instance; attaching the same object twice makes ``transitions`` complain)."""
    clone = copy.copy(incident)
    clone.__dict__ = {k: v for k, v in incident.__dict__.items() if not callable(v)}
    return clone


def actions(
    engine: Engine, incident: Incident, draft_id: str | None
) -> tuple[list[str], dict[str, str]]:
    """(actions allowed now, why each other action is refused), asked of the lifecycle."""
    if not engine.operator:
        return [], dict.fromkeys(ACTIONS, _("choose who you are first (press w)"))
    try:
        ctx = engine.context(incident, draft_id)
    except RunbookError as exc:
        return [], dict.fromkeys(ACTIONS, str(exc))
    pinning.guard(engine, incident, pinning.ACTION, ctx)  # a pending change, for its rule
    allowed = lifecycle.allowed(_detached(incident), ctx)
    held = pinning.refusal(engine, incident, ctx)  # another configuration: only the change
    override_reason = None
    draft = incident.drafts.get(draft_id) if draft_id else None
    if draft is not None and "override" not in allowed:
        for finding in incident.blocking(draft):
            probe = Context(
                actor=ctx.actor,
                roles=ctx.roles,
                draft_id=draft_id,
                extra={"rule_id": finding.rule_id, "variant": finding.variant, "reason": "-"},
            )
            reason = lifecycle.why_not(incident, "override", probe)
            if reason is None and "override" in lifecycle.triggers_from(incident.state):
                allowed.append("override")
                break
            override_reason = override_reason or reason
    refusals: dict[str, str] = {}
    if held is not None:
        refusals = {a: refusal_words(held) for a in ACTIONS if a != pinning.ACTION}
        allowed = [a for a in allowed if a == pinning.ACTION]
    for action in ACTIONS:
        if action in allowed or action in refusals:
            continue
        if action == "override" and override_reason:
            refusals[action] = _(
                "cannot %(action)s: %(reason)s", action=_(ACTIONS[action]), reason=override_reason
            )
            continue
        try:
            lifecycle.next_state(_detached(incident), action, ctx)
        except ActionRefused as refusal:
            refusals[action] = refusal_words(refusal)
        else:
            refusals[action] = _("cannot %(action)s now", action=_(ACTIONS[action]))
    return allowed, refusals


def draft_facts(engine: Engine, incident: Incident, now: datetime) -> dict[str, DraftFacts]:
    """Approval requirement, findings and the people who could still approve, per draft."""
    names = engine.workspace.contacts.names()
    facts = {}
    for draft in incident.drafts.values():
        need = requirement(incident, draft) if incident.level else None
        holders = {}
        if need is not None:
            for role in need.missing_roles:
                people = engine.workspace.contacts.holders(role, now)
                holders[role] = [names.get(p, p) for p in people]
        facts[draft.draft_id] = DraftFacts(
            requirement=need,
            findings=list(incident.lint(draft)),
            blocking=list(incident.blocking(draft)),
            holders=holders,
        )
    return facts


def progress(incident: Incident) -> list[tuple[str, int, int]]:
    """Effects recorded as intended and not finished: (kind, done, total)."""
    found = []
    for effect in incident.pending_effects():
        keys = effect.delivery_keys()
        if keys:
            found.append((effect.kind, sum(1 for k in keys if k in effect.deliveries), len(keys)))
        else:
            found.append((effect.kind, 0, len(effect.targets or [])))
    return found


def load_incident(
    engine: Engine, incident_id: str, *, after_seq: int = 0, draft_id: str | None = None
) -> IncidentView:
    """Read the incident, what the operator may do, and the timeline after ``after_seq``."""
    incident = engine.incident(incident_id)
    now = engine.clock.now()
    if draft_id not in incident.drafts:
        draft_id = next(reversed(incident.drafts), None) if incident.drafts else None
    allowed, refusals = actions(engine, incident, draft_id)
    events = engine.events_after(incident.id, after_seq)
    stages = stage_status(incident)
    held = incident.paused_posts or incident.kept_posts or incident.resumed_posts
    names = engine.workspace.contacts.names()
    return IncidentView(
        incident=incident,
        now=now,
        operator=engine.operator,
        allowed=allowed,
        refusals=refusals,
        stages=stages,
        current_stage=current_stage(stages),
        draft_id=draft_id,
        drafts=draft_facts(engine, incident, now),
        lines=timeline_lines(events, names),
        after_seq=after_seq,
        names=names,
        next_escalation=next_due(incident),
        target=next_target(incident),
        posts=engine.posts(incident.id) if held else [],
        progress=progress(incident),
        messages=sent_messages(events),
        config_changes=[] if incident.finished else pinning.changes(engine, incident),
        read_to=events[-1].seq if events else after_seq,
    )


def lint_variant(policy: Any, audience: str, variant: str, text: str) -> list[Any]:
    """Policy findings for one variant's text as typed (empty without a policy)."""
    if policy is None:
        return []
    from runbook.model.lint import lint_text

    return lint_text(policy, text, audience, variant)


NextStep = tuple[str, list[str]]
"""(what to do next in words with its key, the actions it names)."""


def next_step(view: IncidentView) -> NextStep:
    """The line under the stepper: the one thing to do next, and its key."""
    incident = view.incident
    allowed = set(view.allowed)
    if view.config_changes:
        change = view.config_changes[0].line()
        if "config_change" in allowed:
            return _("%(change)s: C records the change", change=change), ["config_change"]
        return view.refusals.get("note", change), []
    failed = incident.failed_effects()
    if failed:
        return _("Something failed (%(kind)s): t tries it again", kind=failed[0].kind), ["retry"]
    if any(effect.maybe_sent() for effect in incident.effects.values()):
        return _("Some messages may have been sent: S sends them again if needed"), ["resend"]
    if incident.state == "closed":
        return _("Closed: nothing more to do. X exports the timeline"), []
    if incident.state == "resolved":
        return _("Resolved: c closes it once the review is done"), ["close"]
    if incident.level is None:
        return _("Next: size the crisis, press a"), ["assess"]
    if incident.pending_effects():
        return _("Working… (the result appears on the timeline)"), []
    if "pause" in allowed and not incident.pause_satisfied():
        return _("Next: pause the brand's scheduled posts, press p"), ["pause"]
    if "notify" in allowed and incident.rules_due():
        return _("Next: notify the people the playbook names, press n"), ["notify"]
    drafts = list(incident.drafts.values())
    if not drafts and "start_draft" in allowed:
        return _("Next: draft the holding statement, press d"), ["start_draft"]
    draft = incident.drafts.get(view.draft_id or "") if view.draft_id else None
    if draft is not None and not draft.submitted:
        facts = view.drafts.get(draft.draft_id)
        if facts is not None and facts.blocking:
            return (
                _(
                    "Next: %(draft)s has a blocking finding: e edits it, o overrides",
                    draft=draft.draft_id,
                ),
                ["edit_draft", "override"],
            )
        if "submit" in allowed:
            return _("Next: e edits %(draft)s, s submits it for approval", draft=draft.draft_id), [
                "edit_draft",
                "submit",
            ]
    if draft is not None and draft.submitted:
        facts = view.drafts.get(draft.draft_id)
        need = facts.requirement if facts else None
        if need is not None and not need.complete:
            missing = ", ".join(need.missing_roles) or ngettext(
                "%(n)s approvers", "%(n)s approvers", need.min_approvals
            )
            key = _(" · y approves") if "approve" in allowed else ""
            linked = any(  # personal links go out only on a private channel (not a console)
                link.draft_id == draft.draft_id and link.version == draft.version
                for link in view.incident.links.values()
            )
            words = (
                _("Waiting for approval from %(missing)s (links sent)", missing=missing)
                if linked
                else _("Waiting for approval from %(missing)s", missing=missing)
            )
            return words + key, ["approve"]
        if draft.unpublished() and "publish" in allowed:
            return _("Next: %(draft)s is approved: P publishes it", draft=draft.draft_id), [
                "publish"
            ]
    ready = [d for d in drafts if not d.submitted]
    if ready and "submit" in allowed:
        return _("Next: s submits %(draft)s for approval", draft=ready[0].draft_id), ["submit"]
    return _("When it is over: r resolves (release held posts, stand everyone down)"), ["resolve"]
