"""Resolution, post-ledger and escalation commands of the engine.

A mixin of :class:`runbook.engine.Engine`: ``resolve`` (release the posts this incident held as
the operator chose, stand everyone down), the pause preview and the post ledger (missed slots
flagged), and ``tick`` (escalate notify rules nobody acknowledged in time, on the engine clock).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from runbook.errors import ActionRefused, ConcurrencyConflict, StoreError
from runbook.model import events as ev
from runbook.model.base import format_duration
from runbook.model.incident import Incident
from runbook.model.lifecycle import Context
from runbook.outbox import NO_SCHEDULER, parse_slot

if TYPE_CHECKING:
    from runbook.engine import Engine as _Base
else:
    _Base = object


class PostCommands(_Base):
    """The engine's resolution, ledger and escalation commands."""

    def resolve(
        self,
        incident_id: str,
        summary: str,
        *,
        resume: str | None = None,
        keep: list[str] | None = None,
        new_times: dict[str, str] | None = None,
        command_id: str | None = None,
    ) -> Incident:
        """Stand down: release the posts this incident held as the operator chose, tell
        everyone who was notified, and record the summary.

        When the incident holds posts the operator must decide: ``resume="all"`` or
        ``"none"``, or name posts to ``keep`` held and give ``new_times`` (ISO 8601) to posts
        whose slot passed during the pause ("missed slot": a new time, or now to publish now).
        """
        summary = summary.strip()
        keep = list(keep or [])
        new_times = dict(new_times or {})

        def build(incident: Incident, ctx: Context) -> list[ev.Event]:
            if not summary:
                raise ActionRefused("write a resolution summary", cli="--summary")
            held = incident.paused_posts
            for post_id in [*keep, *new_times]:
                if post_id not in held:
                    raise ActionRefused(f"post {post_id!r} is not held by this incident")
            if held and resume is None and not keep and not new_times:
                raise ActionRefused(
                    f"review the {len(held)} post(s) this incident holds first, then choose "
                    "what happens to each",
                    cli=f"runbook posts {incident.id}; then --resume all, --resume none, or "
                    "--keep / --reschedule / --publish-now",
                    app="the resolve dialog lists them",
                )
            if resume not in (None, "all", "none"):
                raise ActionRefused("--resume takes all or none")
            release = [] if resume == "none" else [p for pid, p in held.items() if pid not in keep]
            kept = [pid for pid in held if pid not in {p["id"] for p in release}]
            now = self.clock.now()
            for post in release:
                slot = parse_slot(post.get("scheduled_at", ""))
                if slot is not None and slot <= now and post["id"] not in new_times:
                    raise ActionRefused(
                        f"post {post['id']} missed its slot ({post['scheduled_at']}) while held: "
                        "give it a new time, publish it now or keep it held",
                        cli=f"--reschedule {post['id']}=TIME, --publish-now {post['id']} or "
                        f"--keep {post['id']}",
                        app="t new time, n publish now, space keep held",
                    )
            for post_id, moment in new_times.items():
                when = parse_slot(moment)
                if when is None:
                    raise ActionRefused(f"{moment!r} is not a time (use 2026-11-22T09:00Z)")
                if when < now - timedelta(minutes=1):
                    raise ActionRefused(f"the new time for {post_id} is in the past")
            events: list[ev.Event] = []
            if held:
                events.append(
                    self._intent(
                        incident,
                        "resume",
                        {"posts": release, "kept": kept, "new_times": new_times},
                    )
                )
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
                events.append(
                    self._intent(
                        incident, "stand_down", {"summary": summary, "recipients": recipients}
                    )
                )
            events.append(self._event(ev.IncidentResolved, incident, summary=summary))
            return events

        return self._run(incident_id, "resolve", build, command_id=command_id)

    def pause_preview(self, incident_id: str) -> dict[str, Any]:
        """What ``pause`` would hold now: scope, total, counts per channel, next 10 posts."""
        incident = self.incident(incident_id)
        rule = incident.pause_rule()
        if rule is None:
            raise ActionRefused("assess the level first")
        scope = incident.paused_scope.union(rule)
        posts = self.outbox.targets(incident, scope)
        per_channel: dict[str, int] = {}
        for post in posts:
            per_channel[post["channel"]] = per_channel.get(post["channel"], 0) + 1
        scheduler = self.effects.for_incident(incident.drill).scheduler
        configured = getattr(scheduler, "configured", True)
        return {
            "level": incident.level,
            "scope": scope.describe(),
            "scheduler_configured": configured,
            "note": "" if configured else NO_SCHEDULER,
            "total": len(posts),
            "per_channel": dict(sorted(per_channel.items())),
            "next": posts[:10],
        }

    def posts(self, incident_id: str) -> list[dict[str, Any]]:
        """The incident's ledger of posts: held, resumed or kept, with missed slots flagged."""
        incident = self.incident(incident_id)
        now = self.clock.now()
        elsewhere = self.held_elsewhere(incident.id)
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
                    }
                )
        return rows

    def tick(self, incident_id: str) -> list[ev.Escalated]:
        """Escalate every notify rule whose acknowledgement time ran out (engine clock)."""
        from runbook.model.escalation import due

        for _ in range(self.max_attempts):
            incident = self.incident(incident_id)
            rounds = due(incident, self.clock.now())
            if not rounds:
                return []
            events: list[ev.Event] = []
            escalations = []
            for item in rounds:
                intent = self._escalation_intent(incident, item.rule, item.round)
                escalated = self._system(
                    ev.Escalated,
                    incident,
                    rule_id=item.rule.id,
                    to_roles=list(item.rule.escalate_to),
                    waited=format_duration(item.rule.ack_within * item.round),
                    round=item.round,
                    effect_id=intent.effect_id,
                )
                events += [escalated, intent]
                escalations.append(escalated)
            try:
                recorded = self._commit(
                    incident, Context(actor="runbook"), events, incident.state, None
                )
            except ConcurrencyConflict:
                continue
            self._perform_all(incident.id, recorded)
            return escalations
        raise StoreError(f"incident {incident_id} is changing too fast to escalate; retry")

    def _escalation_intent(self, incident: Incident, rule: Any, round_: int) -> ev.EffectRequested:
        at = self.clock.now()
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
            for person in self.workspace.contacts.holders(role, at):
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
        intent: ev.EffectRequested = self._system(
            ev.EffectRequested,
            incident,
            effect_id=f"{incident.id}-escalate-{uuid.uuid4().hex[:10]}",
            kind="notify",
            payload=payload,
        )
        return intent
