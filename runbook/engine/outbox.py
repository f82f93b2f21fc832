"""The outbox: performing recorded intents against the outside world, and reporting results.

An effect is recorded as an intent (:class:`EffectRequested`) by a command; the engine then
hands it here, and it is performed through the incident's adapters with the intent's
``effect_id`` as idempotency key. :meth:`Outbox.perform` returns the result to record; what
must be recorded *during* an effect (the posts a pause targets, before holding them; each
message as it starts and as it ends) goes to the :class:`Ledger` the engine passes in, its
public recording interface, so the outbox never reaches into the engine:

* **pause**: list the posts in scope, record them (:class:`PauseTargeted`) *before* holding, hold
  them, read their status back, record :class:`PostsPaused`. A pause interrupted after the
  targets were recorded is retried on exactly those posts; holding a held post is a no-op.
* **resume**: release the posts the operator chose, except those another open incident still
  holds (a post paused by two incidents stays paused until both release it). A post held by
  deleting it (``hold: delete-and-recreate``: Hootsuite, a Facebook Page) was targeted with its
  complete record, appended before the delete; it is recreated from that record, and the new
  post's id is recorded (``recreated_as``).
* **notify / stand_down**: fan out one message per person and channel concurrently; each
  delivery is recorded, one by one, as started (:class:`DeliveryStarted`) just before it
  leaves and with its result (:class:`NotificationsSent`) as it completes. A restart sends
  only what was never started or failed for sure; a message started by a process that
  stopped before its answer is recorded as :class:`DeliveryInterrupted` ("may have been
  sent") and goes again only when the operator chooses (``runbook resend``), as a repeat.
* **publish**: hand the approved statement to the publisher.

A failed effect never blocks the incident: it is recorded (EffectFailed or failures in the
result), shown, and can be retried.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Protocol

from runbook.clock import Clock
from runbook.effects import Effects, Message, Outcome
from runbook.engine.link_keys import LinkClaim, LinkKeys
from runbook.engine.recording import GroupCommit
from runbook.errors import RunbookError
from runbook.i18n import N_, _, using
from runbook.model import events as ev
from runbook.model import messages
from runbook.model.contacts import Contacts, is_private
from runbook.model.effect_state import Effect
from runbook.model.incident import Incident
from runbook.model.playbook import PauseRule
from runbook.model.proof import Proof

DELETE_AND_RECREATE = "delete-and-recreate"
"""A post held by deleting it (its full record in the log) and recreated on release."""
POST_FIELDS = ("id", "channel", "scheduled_at", "excerpt", "status", "scheduler", "hold", "record")
"""What a targeted post carries into the record."""
NO_SCHEDULER = N_(
    "no scheduler is configured: hold the brand's scheduled posts by hand in your scheduling "
    "tool (or configure one in contacts/)"
)


UPDATE_KINDS = ("update", "update_reminder")
"""Notifications of the update cadence: an update to its audience, a reminder it is due."""


class Ledger(Protocol):
    """What the outbox needs from the engine: where results go, and what other incidents
    hold (the engine's public interface; see :class:`runbook.engine.core.EngineCore`)."""

    def record(self, incident_id: str, events: list[ev.Event], marker: str) -> None:
        """Append runbook's own ``events`` once (``marker``: their idempotency key)."""
        ...

    def held_elsewhere(self, incident_id: str) -> dict[str, list[str]]:
        """Post id -> the other open incidents that hold it."""
        ...

    def held_posts_elsewhere(self, incident_id: str) -> dict[str, dict[str, Any]]:
        """Post id -> the post as another open incident holds it (with its record)."""
        ...

    def statement_posts(self) -> set[str]:
        """Posts runbook scheduled for statements (never held by a pause)."""
        ...

    def system_proof(self) -> Proof:
        """The proof stamped on runbook's own steps."""
        ...

    def link_keys(self) -> LinkKeys:
        """The team's approval-link secret."""
        ...


class Outbox:
    """Performs one incident's intents through its adapters (see module docstring)."""

    def __init__(self, ledger: Ledger, adapters: Effects, contacts: Contacts, clock: Clock):
        self.ledger = ledger
        self.adapters = adapters
        """The incident's adapters (a drill's are simulated: nothing real is sent)."""
        self.contacts = contacts
        self.clock = clock

    def perform(self, incident: Incident, effect: Effect) -> ev.Event | None:
        """Perform ``effect`` and return the result to record (None: recorded as it went, a
        fan-out's deliveries). Never raises for an adapter's failure: that is the result."""
        try:
            if effect.kind == "pause":
                return self._pause(incident, effect)
            if effect.kind == "resume":
                return self._resume(incident, effect)
            if effect.kind in ("notify", "stand_down", "approval_request", *UPDATE_KINDS):
                self._notify(incident, effect)
                return None
            if effect.kind == "publish":
                return self._publish(incident, effect)
            raise RunbookError(_("unknown effect kind %(kind)s", kind=repr(effect.kind)))
        except RunbookError as exc:
            return self._failed(incident, effect, str(exc))
        except Exception as exc:  # an adapter bug must not lose the incident's record
            return self._failed(incident, effect, f"{type(exc).__name__}: {exc}")

    def _base(self, incident: Incident) -> dict[str, Any]:
        return {
            "incident_id": incident.id,
            "at": self.clock.now(),
            "actor": "runbook",
            "proof": self.ledger.system_proof(),
        }

    def _failed(self, incident: Incident, effect: Effect, error: str) -> ev.Event:
        return ev.EffectFailed(
            **self._base(incident), effect_id=effect.effect_id, kind=effect.kind, error=error
        )

    # -- pause and resume ----------------------------------------------------------------
    def targets(self, incident: Incident, scope: PauseRule) -> list[dict[str, Any]]:
        """Posts a pause at ``scope`` would hold now: scheduled posts in scope, and posts in
        scope another incident holds (so they stay held until this one releases them too)."""
        scheduler = self.adapters.scheduler
        elsewhere = self.ledger.held_elsewhere(incident.id)
        statements = self.ledger.statement_posts()
        chosen = []
        listed = set()
        for post in scheduler.list_posts():
            listed.add(post.id)
            if not scope.covers(post.channel) or post.id in incident.paused_posts:
                continue
            if post.id in statements:
                continue  # a crisis statement runbook scheduled: never hold it
            if post.status == "scheduled" or (post.status == "held" and post.id in elsewhere):
                chosen.append(post.as_dict())
        if elsewhere:
            # A post another incident deleted to hold is no longer listed: hold it here too
            # (from that incident's record), so it is recreated only once both release it.
            for post_id, post in self.ledger.held_posts_elsewhere(incident.id).items():
                if post.get("hold") != DELETE_AND_RECREATE or post_id in listed:
                    continue
                if post_id in incident.paused_posts or not scope.covers(post.get("channel", "")):
                    continue
                chosen.append({k: v for k, v in post.items() if k in POST_FIELDS})
        return sorted(chosen, key=lambda p: (p["scheduled_at"], p["id"]))

    def _pause(self, incident: Incident, effect: Effect) -> ev.Event:
        scheduler = self.adapters.scheduler
        scope = PauseRule.model_validate(effect.payload["scope"])
        targets = effect.targets
        unread: list[dict[str, Any]] = []
        if targets is None or effect.attempt > 1:
            # First attempt, or a retry: (re)list, so a scheduler unreadable last time is
            # covered now; posts already targeted stay targeted.
            known = {p["id"] for p in targets or []}
            listed = self.targets(incident, scope)
            unread = list(getattr(scheduler, "problems", []))
            targets = [*(targets or []), *[p for p in listed if p["id"] not in known]]
            marker = f"targets:{effect.effect_id}:{effect.attempt}"
            self.ledger.record(
                incident.id,
                [
                    ev.PauseTargeted(
                        **self._base(incident), effect_id=effect.effect_id, posts=targets
                    )
                ],
                marker,
            )
        # Never delete a post whose complete record is not in the log (it was recorded above,
        # in PauseTargeted, or by the attempt that first targeted it).
        unrecorded = [
            {"id": p["id"], "error": "its full content is not in the record, so it was not deleted"}
            for p in targets
            if p.get("hold") == DELETE_AND_RECREATE and not isinstance(p.get("record"), dict)
        ]
        # A retry does not send again what an earlier attempt already held (Postiz counts
        # every request against its hourly budget); the read-back below still checks them.
        skip = {f["id"] for f in unrecorded} | set(incident.paused_posts)
        ids = [p["id"] for p in targets if p["id"] not in skip]
        outcome = scheduler.hold(ids, effect.effect_id) if ids else None
        failures = [*unread, *unrecorded, *(outcome.failures if outcome else [])]
        failed = {f["id"] for f in failures}
        held = [p for p in targets if p["id"] not in failed]
        if held:
            readback = scheduler.status([p["id"] for p in held])
            for post in list(held):
                status = readback.get(post["id"], "missing")
                if status != "held":
                    held.remove(post)
                    failures.append(
                        {"id": post["id"], "error": f"did not stay held (status {status})"}
                    )
        note = outcome.note if outcome else ""
        if not getattr(scheduler, "configured", True):
            note = NO_SCHEDULER
        elif not targets and not note:
            note = "no scheduled post in scope"
        return ev.PostsPaused(
            **self._base(incident),
            effect_id=effect.effect_id,
            scope=scope.describe(),
            posts=[{**p, "status": "held"} for p in held],
            failures=failures,
            note=note,
        )

    def _resume(self, incident: Incident, effect: Effect) -> ev.Event:
        scheduler = self.adapters.scheduler
        payload = effect.payload
        elsewhere = self.ledger.held_elsewhere(incident.id)
        posts = payload.get("posts", [])
        release = [p["id"] for p in posts if p["id"] not in elsewhere]
        still = {p["id"]: elsewhere[p["id"]] for p in posts if p["id"] in elsewhere}
        new_times = dict(payload.get("new_times", {}))
        times = {k: v for k, v in new_times.items() if k in release}
        by_id = {p["id"]: p for p in posts}
        recreate = [by_id[i] for i in release if by_id[i].get("hold") == DELETE_AND_RECREATE]
        others = [i for i in release if by_id[i].get("hold") != DELETE_AND_RECREATE]
        failures: list[dict[str, Any]] = []
        done: dict[str, dict[str, Any]] = {}
        for part in (
            scheduler.release(others, effect.effect_id, times) if others else None,
            self._recreate(recreate, effect.effect_id, times) if recreate else None,
        ):
            if part is not None:
                failures += part.failures
                done |= {d["id"]: d for d in part.done}
        failed = {f["id"] for f in failures}
        resumed = []
        for post in posts:
            if post["id"] in failed:
                continue
            made = done.get(post["id"], {})
            if made.get("recreated_as"):
                post = {**post, "recreated_as": made["recreated_as"]}
            resumed.append(post)
        return ev.PostsResumed(
            **self._base(incident),
            effect_id=effect.effect_id,
            posts=resumed,
            failures=failures,
            kept=list(payload.get("kept", [])),
            still_held=still,
            new_times={k: v for k, v in new_times.items() if k not in failed},
        )

    def _recreate(
        self, posts: list[dict[str, Any]], key: str, new_times: dict[str, str]
    ) -> Outcome:
        """Make deleted posts again from their records (each scheduler looks for a copy an
        interrupted attempt made first, so nothing is posted twice)."""
        recreate = getattr(self.adapters.scheduler, "recreate", None)
        if recreate is None:
            return Outcome(
                failures=[
                    {"id": p["id"], "error": "no configured scheduler can recreate it"}
                    for p in posts
                ]
            )
        outcome: Outcome = recreate(posts, key, new_times)
        return outcome

    # -- notifications -------------------------------------------------------------------
    def messages_for(self, incident: Incident, effect: Effect) -> list[tuple[Message, str]]:
        """The (message, delivery key) pairs this attempt still has to send."""
        assert incident.playbook is not None
        contacts = self.contacts
        wanted = set(effect.to_send())
        result = []
        escalation = effect.payload.get("escalation")
        for recipient in effect.payload.get("recipients", []):
            person = contacts.person(recipient["person"])
            name = person.name if person else recipient["person"]
            if effect.kind == "stand_down":
                subject, body = messages.stand_down(
                    incident, effect.payload.get("summary", ""), to=person
                )
            elif effect.kind == "update":
                subject, body = messages.update(incident, effect.payload["update"], to=person)
            elif effect.kind == "update_reminder":
                subject, body = messages.update_reminder(
                    incident, effect.payload["reminder"], to=person
                )
            elif effect.kind != "approval_request":
                rules = [r for r in incident.playbook.notify if r.id in recipient.get("rules", [])]
                subject, body = messages.notification(
                    incident, rules, recipient["roles"], escalation=bool(escalation), to=person
                )
            for channel in recipient.get("channels", []):
                key = f"{effect.effect_id}/{recipient['person']}/{channel}"
                if key not in wanted:
                    continue
                recorded = ""
                if effect.kind == "approval_request":
                    subject, body, recorded = self._approval_message(
                        incident, effect, recipient, channel
                    )
                address = ""
                if person is not None:
                    address = (person.email if channel == "email" else person.chat) or ""
                message = Message(
                    person=recipient["person"],
                    name=name,
                    address=address,
                    channel=channel,
                    subject=subject,
                    body=body + messages.record_footer(incident),
                    roles=tuple(recipient.get("roles", [])),
                    rules=tuple(recipient.get("rules", [])),
                    recorded=recorded and recorded + messages.record_footer(incident),
                )
                result.append((message, key))
        return result

    def _approval_message(
        self, incident: Incident, effect: Effect, recipient: dict[str, Any], channel: str
    ) -> tuple[str, str, str]:
        """The approval request for one person on one channel: (subject, body, the body as
        recorded). Their personal link goes only on a private channel (email), never in a
        drill (switching person is how drills approve), and is never recorded."""
        contacts = self.contacts
        settings = contacts.links()
        payload = effect.payload
        spec = contacts.channels.get(channel)
        link = None
        why = ""
        person = contacts.person(recipient["person"])
        with using(messages.language_for(incident, person)):
            if incident.drill:
                why = _("This is a drill: approve in the drill (switching person is allowed).")
            elif spec is None or not is_private(spec):
                why = _(
                    "Personal approval links go only by email sent through a mail server; the "
                    "%(channel)s channel here is not private, so none is included here.",
                    channel=channel,
                )
        if not why:
            claim = LinkClaim(
                incident_id=incident.id,
                draft_id=str(payload["draft_id"]),
                version=int(payload["version"]),
                content_hash=str(payload["content_hash"]),
                person=recipient["person"],
                link_id=recipient["link_id"],
                expires=datetime.fromisoformat(recipient["expires"]),
            )
            token = self.ledger.link_keys().make(claim)
            link = f"{settings.base_url.rstrip('/')}/approve/{token}"
        subject, body = messages.approval_request(
            incident,
            payload,
            list(recipient.get("roles", [])),
            link=link,
            expires=recipient.get("expires", ""),
            why_no_link=why,
            to=person,
        )
        with using(messages.language_for(incident, person)):
            stand_in = _("[personal approval link, sent only to them]")
        recorded = body.replace(link, stand_in) if link else ""
        return subject, body, recorded

    def _notify(self, incident: Incident, effect: Effect) -> None:
        from runbook.effects.notify.fanout import deliver_all
        from runbook.effects.sinks import DrillSink

        adapters = self.adapters
        deliveries = self.messages_for(incident, effect)
        channels = adapters.channel_map(sorted({m.channel for m, _ in deliveries}))
        escalation = effect.payload.get("escalation") or {}
        if effect.kind == "stand_down":
            purpose, rule_id = "stand_down", "stand-down"
        elif effect.kind == "approval_request":
            purpose = "approval_request"
            rule_id = f"approval:{effect.payload.get('draft_id')}"
        elif effect.kind == "update":
            purpose = "update"
            rule_id = f"update:{effect.payload['update'].get('audience', '')}"
        elif effect.kind == "update_reminder":
            purpose = "update_reminder"
            rule_id = f"update:{effect.payload['reminder'].get('audience', '')}"
        elif escalation:
            purpose, rule_id = "escalation", str(escalation.get("rule_id", ""))
        else:
            purpose, rule_id = "notify", ",".join(effect.payload.get("rules", []))
        # Each event is in the log before its caller goes on (a message leaves only once its
        # start is recorded); events from threads sending at once share a commit.
        commit = GroupCommit(
            lambda events, marker: self.ledger.record(incident.id, events, marker),
            f"deliveries:{effect.effect_id}:{effect.attempt}:{uuid.uuid4().hex[:8]}",
        )

        def result_event(deliveries: list[dict[str, Any]]) -> ev.Event:
            return ev.NotificationsSent(
                **self._base(incident),
                effect_id=effect.effect_id,
                rule_id=rule_id,
                purpose=purpose,
                deliveries=deliveries,
            )

        # A message started by a process that stopped before its answer may have been sent:
        # say so (the operator may send it again), never send it again here.
        for key in sorted(effect.in_flight):
            person, channel = key.rsplit("/", 2)[-2:]
            commit.record(
                ev.DeliveryInterrupted(
                    **self._base(incident),
                    effect_id=effect.effect_id,
                    key=key,
                    person=person,
                    channel=channel,
                )
            )

        def on_start(message: Message, key: str) -> None:
            started = ev.DeliveryStarted(
                **self._base(incident),
                effect_id=effect.effect_id,
                key=key,
                person=message.person,
                channel=message.channel,
                repeat=key in effect.resend,
            )
            commit.record(started)

        def on_end(result: dict[str, Any]) -> None:
            if result["key"] in effect.resend:
                result = {**result, "repeat": True}
            commit.record(result_event([result]))

        # Simulated channels (a drill's) answer at once: one at a time keeps the record in
        # the order the messages are listed, the same on every run.
        simulated = all(isinstance(c, DrillSink) for c in channels.values())
        if deliveries:
            deliver_all(
                deliveries,
                channels,
                concurrency=1 if simulated else 16,
                on_start=on_start,
                on_end=on_end,
                on_wait=adapters.on_wait,
            )
        if not effect.to_do and not effect.in_flight:
            # Nothing to send (everyone already reached): close the intent explicitly.
            commit.record(result_event([]))

    # -- publishing ----------------------------------------------------------------------
    def _publish(self, incident: Incident, effect: Effect) -> ev.Event:
        payload = effect.payload
        outcome = self.adapters.publisher.publish(payload, effect.effect_id)
        return ev.StatementPublished(
            **self._base(incident),
            effect_id=effect.effect_id,
            draft_id=payload["draft_id"],
            version=payload["version"],
            content_hash=payload["content_hash"],
            platforms=[d.get("platform", "") for d in outcome.done],
            failures=outcome.failures,
            posts=[
                {k: d[k] for k in ("id", "channel", "scheduled_at", "scheduler") if k in d}
                for d in outcome.done
                if d.get("id")
            ],
        )


def parse_slot(value: str) -> datetime | None:
    """A post's scheduled time as an aware datetime (None when unreadable)."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
