"""What resolution, the post ledger and escalation decide.

``resolve`` releases the posts this incident held as the operator chose and stands everyone
down; the pause preview and the post ledger (missed slots flagged) say what a pause would hold
and what this incident holds; ``escalations`` are the notify rules nobody acknowledged in time
(on the engine clock), each with the intent that tells the next roles.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from runbook.engine.core import EngineCore
from runbook.engine.outbox import NO_SCHEDULER, parse_slot
from runbook.errors import ActionRefused
from runbook.i18n import _
from runbook.model import events as ev
from runbook.model.base import format_duration
from runbook.model.escalation import due
from runbook.model.incident import Incident
from runbook.model.lifecycle import Context
from runbook.model.limits import MAX_NOTE, MAX_RESCHEDULE, check_text
from runbook.model.outreach import NotifyRule


def resolve(
    engine: EngineCore,
    summary: str,
    resume: str | None,
    keep: list[str],
    new_times: dict[str, str],
    incident: Incident,
    ctx: Context,
) -> list[ev.Event]:
    """The resolution: the held posts released as chosen (``resume`` all or none, ``keep``
    some held, ``new_times`` for missed slots), everyone notified told to stand down, and
    the summary. Refused until every held post has a decision."""
    if not summary:
        raise ActionRefused(_("write a resolution summary"), cli="--summary")
    check_text("the summary", summary, MAX_NOTE)
    held = incident.paused_posts
    for post_id in [*keep, *new_times]:
        if post_id not in held:
            raise ActionRefused(
                _("post %(post_id)s is not held by this incident", post_id=repr(post_id))
            )
    if held and resume is None and not keep and not new_times:
        raise ActionRefused(
            _(
                "review the %(n)s post(s) this incident holds first, then choose what happens to "
                "each",
                n=len(held),
            ),
            cli=_(
                "runbook posts %(id)s; then --resume all, --resume none, or --keep / "
                "--reschedule / --publish-now",
                id=incident.id,
            ),
            app=_("the resolve dialog lists them"),
        )
    if resume not in (None, "all", "none"):
        raise ActionRefused(_("--resume takes all or none"))
    if resume == "none" and new_times:
        raise ActionRefused(_("resume none releases no post: a new time for one cannot be kept"))
    if resume == "all" and keep:
        raise ActionRefused(_("resume all releases every post: none can be kept held"))
    if set(keep) & set(new_times):
        both = ", ".join(sorted(set(keep) & set(new_times)))
        raise ActionRefused(_("%(both)s: kept held and given a new time; choose one", both=both))
    release = [] if resume == "none" else [p for pid, p in held.items() if pid not in keep]
    kept = [pid for pid in held if pid not in {p["id"] for p in release}]
    now = engine.clock.now()
    for post in release:
        slot = parse_slot(post.get("scheduled_at", ""))
        if slot is not None and slot <= now and post["id"] not in new_times:
            raise ActionRefused(
                _(
                    "post %(id)s missed its slot (%(scheduled_at)s) while held: give it a new "
                    "time, publish it now or keep it held",
                    id=post["id"],
                    scheduled_at=post["scheduled_at"],
                ),
                cli=_(
                    "--reschedule %(id)s=TIME, --publish-now %(id)s or --keep %(id)s", id=post["id"]
                ),
                app=_("t new time, n publish now, space keep held"),
            )
    for post_id, moment in new_times.items():
        when = parse_slot(moment)
        if when is None:
            raise ActionRefused(
                _("%(moment)s is not a time (use 2026-11-22T09:00Z)", moment=repr(moment))
            )
        if when < now - timedelta(minutes=1):
            raise ActionRefused(_("the new time for %(post_id)s is in the past", post_id=post_id))
        if when > now + MAX_RESCHEDULE:
            raise ActionRefused(
                _(
                    "the new time for %(post_id)s is more than a year away; choose a time "
                    "within a year or keep it held",
                    post_id=post_id,
                )
            )
    events: list[ev.Event] = []
    if held:
        payload = {"posts": release, "kept": kept, "new_times": new_times}
        events.append(engine.intent(incident, "resume", payload))
    if incident.recipients:
        recipients = [
            {
                "person": r.person,
                "roles": sorted(r.roles),
                "rules": [],
                "channels": list(dict.fromkeys([*r.delivered, *r.failed])),
            }
            for r in incident.recipients.values()
        ]
        payload = {"summary": summary, "recipients": recipients}
        events.append(engine.intent(incident, "stand_down", payload))
    events.append(engine.event(ev.IncidentResolved, incident, summary=summary))
    return events


def pause_preview(engine: EngineCore, incident: Incident) -> dict[str, Any]:
    """What ``pause`` would hold now: scope, total, counts per channel, next 10 posts."""
    rule = incident.pause_rule()
    if rule is None:
        raise ActionRefused(_("assess the level first"))
    scope = incident.paused_scope.union(rule)
    posts = engine.outbox(incident).targets(incident, scope)
    per_channel: dict[str, int] = {}
    methods: dict[str, int] = {}
    for post in posts:
        per_channel[post["channel"]] = per_channel.get(post["channel"], 0) + 1
        method = post.get("hold") or "mark"
        methods[method] = methods.get(method, 0) + 1
    configured = engine.has_scheduler(incident)
    return {
        "level": incident.level,
        "scope": scope.describe(),
        "scheduler_configured": configured,
        "note": "" if configured else _(NO_SCHEDULER),
        "total": len(posts),
        "per_channel": dict(sorted(per_channel.items())),
        "hold_methods": dict(sorted(methods.items())),
        "next": posts[:10],
    }


def release_failures(incident: Incident) -> dict[str, str]:
    """Why each post the incident's releases could not put back (its media gone, its slot too
    near...), the latest release's word for each."""
    reasons: dict[str, str] = {}
    releases = [e for e in incident.effects.values() if e.kind == "resume"]
    for effect in sorted(releases, key=lambda e: e.requested_seq):
        for failure in effect.failures:
            if failure.get("id"):
                reasons[str(failure["id"])] = str(failure.get("error") or "")
    return reasons


def post_ledger(engine: EngineCore, incident: Incident) -> list[dict[str, Any]]:
    """The incident's ledger of posts: held, resumed or kept, with missed slots flagged, the
    other incidents that also hold each, and why a release could not put a held post back
    (``not_released``)."""
    now = engine.clock.now()
    elsewhere = engine.held_elsewhere(incident.id)
    unreleased = release_failures(incident)
    rows = []
    for state, posts in (
        ("held", incident.paused_posts),
        ("kept", incident.kept_posts),
        ("resumed", incident.resumed_posts),
    ):
        for post in posts.values():
            slot = parse_slot(post.get("scheduled_at", ""))
            rows.append(
                {
                    **post,
                    "ledger": state,
                    "missed_slot": bool(state != "resumed" and slot and slot <= now),
                    "also_held_by": elsewhere.get(post["id"], []),
                    **(
                        {"not_released": unreleased[post["id"]]}
                        if state == "held" and post["id"] in unreleased
                        else {}
                    ),
                }
            )
    return rows


def escalations(engine: EngineCore, incident: Incident) -> list[ev.Event]:
    """Every notify rule whose acknowledgement time ran out: the escalation and the intent
    telling the roles it escalates to (and those still silent) again."""
    events: list[ev.Event] = []
    for item in due(incident, engine.clock.now()):
        intent = escalation_intent(engine, incident, item.rule, item.round)
        escalated = engine.system_event(
            ev.Escalated,
            incident,
            rule_id=item.rule.id,
            to_roles=list(item.rule.escalate_to),
            waited=format_duration(item.waited),
            round=item.round,
            effect_id=intent.effect_id,
        )
        events += [escalated, intent]
    return events


def escalation_intent(
    engine: EngineCore, incident: Incident, rule: NotifyRule, round_: int
) -> ev.EffectRequested:
    """The intent to tell ``rule``'s escalation roles and its silent recipients (never the
    people running the incident)."""
    at = engine.clock.now()
    people: dict[str, dict[str, Any]] = {}

    def add(person: str, role: str) -> None:
        entry = people.setdefault(
            person, {"person": person, "roles": [], "rules": [rule.id], "channels": []}
        )
        if role not in entry["roles"]:
            entry["roles"].append(role)
        for channel in rule.via:
            if channel not in entry["channels"]:
                entry["channels"].append(channel)

    running = incident.running_people()  # never paged about their own incident
    for role in rule.escalate_to:
        for person in engine.workspace.contacts.holders(role, at):
            if person not in running:
                add(person, role)
    for recipient in incident.unacknowledged():
        if rule.id in recipient.rules and recipient.person not in running:
            for role in sorted(recipient.roles) or ["notified"]:
                add(recipient.person, role)
    payload = {
        "rules": [],
        "escalation": {"rule_id": rule.id, "round": round_},
        "recipients": list(people.values()),
    }
    return engine.intent(incident, "notify", payload, system=True, label="escalate")
