"""What the incident's own commands decide: declaring, the level, the pause, notifications,
checklist, notes, closing, retrying.

Each function takes the engine's view (:class:`~runbook.engine.core.EngineCore`: who acts, the
workspace, the clock), the incident as folded now and the guard context, and returns the events
the command records (facts and outbox intents). Nothing here reads or writes the store or
touches an adapter: :mod:`runbook.engine.commands` runs these through the engine's runner.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from runbook.engine.core import EngineCore
from runbook.engine.declaring import ID_ALPHABET, ID_PATTERN
from runbook.errors import ActionRefused, RunbookError
from runbook.i18n import _
from runbook.loading.pins import current
from runbook.model import events as ev
from runbook.model import severity
from runbook.model.fold import apply
from runbook.model.incident import Incident
from runbook.model.lifecycle import Context
from runbook.model.limits import MAX_HOW, MAX_NOTE, MAX_REASON, MAX_TITLE, check_text
from runbook.model.proof import ProofRules
from runbook.model.proof import refusal as proof_refusal


def declaration(
    engine: EngineCore, playbook_id: str, title: str, drill: bool, incident_id: str | None
) -> Callable[[str], ev.IncidentDeclared]:
    """The declaration of an incident on a playbook (given the id it gets), with the playbook
    and policy pinned in the event; refused for an empty or long title, an unknown playbook,
    or an operator the policy's proofs do not allow to declare."""
    actor = engine.actor()
    title = " ".join(title.split())
    if not title:
        raise ActionRefused(_("give the incident a title (what is happening, in a few words)"))
    check_text("the title", title, MAX_TITLE)
    if incident_id is not None and not ID_PATTERN.fullmatch(incident_id):
        raise ActionRefused(
            _(
                "incident id %(incident_id)s must be INC- and 6 of %(id_alphabet)s (e.g. "
                "INC-7KQ4PX)",
                incident_id=repr(incident_id),
                id_alphabet=ID_ALPHABET,
            )
        )
    playbook = engine.workspace.playbook(playbook_id)
    policy = engine.workspace.policy
    rules = policy.proofs if policy is not None else ProofRules()
    proof = engine.identity().proof()
    refused = proof_refusal(rules, "declare", actor, proof, drill=drill)
    if refused:
        raise ActionRefused(_("cannot declare an incident: %(refused)s", refused=refused))

    now = current(engine.workspace, playbook.id)

    def declared(chosen: str) -> ev.IncidentDeclared:
        return ev.IncidentDeclared(
            incident_id=chosen,
            at=engine.clock.now(),
            actor=actor,
            proof=proof,
            state="declared",
            title=title,
            playbook_id=playbook.id,
            playbook_version=playbook.version,
            playbook=playbook.model_dump(mode="json"),
            policy=policy.model_dump(mode="json") if policy else None,
            drill=drill,
            pins=now.hashes,
            access=now.access,
        )

    return declared


def assess(
    engine: EngineCore, answers: dict[str, str], incident: Incident, ctx: Context
) -> list[ev.Event]:
    """The level from the answers given (merged over earlier ones when reassessing), and what
    a level change brings (stages skipped, a wider pause, the newly required roles told)."""
    assert incident.playbook is not None
    merged = {**incident.answers, **answers}
    severity.check_answers(incident.playbook, answers, partial=True)
    result = severity.assess(incident.playbook, merged)
    if incident.level is not None and result.answers == incident.answers:
        raise ActionRefused(_("these answers do not change anything"))
    assessed = engine.event(
        ev.SeverityAssessed,
        incident,
        answers=result.answers,
        score=result.score,
        level=result.level,
        previous_level=incident.level,
        overrides=result.overrides,
    )
    after = engine.scratch(incident)
    apply(after, assessed)
    return [assessed, *level_follow_up(engine, incident, after)]


def level_follow_up(engine: EngineCore, before: Incident, after: Incident) -> list[ev.Event]:
    """Skips for empty stages; on escalation, widen the pause and notify new roles."""
    assert after.playbook is not None
    assert after.level is not None
    events: list[ev.Event] = []
    rule = after.pause_rule()
    if rule is not None and rule.is_empty and after.skipped.get("pause") != after.level:
        events.append(
            engine.event(
                ev.StageSkipped,
                after,
                stage="pause",
                level=after.level,
                reason=f"the playbook pauses nothing at {after.level}",
            )
        )
    if not after.playbook.notify_rules_for(after.level) and after.skipped.get("notify") != (
        after.level
    ):
        events.append(
            engine.event(
                ev.StageSkipped,
                after,
                stage="notify",
                level=after.level,
                reason=f"the playbook notifies nobody at {after.level}",
            )
        )
    escalated = before.level is not None and after.playbook.level_rank(
        after.level
    ) > after.playbook.level_rank(before.level)
    if escalated:
        paused_before = before.paused_scope.scope != "none" or before.pending_effects("pause")
        if (
            paused_before
            and not after.pause_satisfied()
            and rule is not None
            and engine.has_scheduler(after)
        ):  # without a scheduler, the wider pause is the operator's to confirm by hand
            events.append(pause_intent(engine, after))
        if before.sent_rules and after.rules_due():
            events.append(notify_intent(engine, after))
    return events


def pause_intent(engine: EngineCore, incident: Incident) -> ev.EffectRequested:
    """The intent to hold the posts at the level's scope (widened, never narrowed)."""
    rule = incident.pause_rule()
    assert rule is not None
    scope = incident.paused_scope.union(rule)
    return engine.intent(incident, "pause", {"scope": scope.model_dump(mode="json")})


def notify_intent(engine: EngineCore, incident: Incident) -> ev.EffectRequested:
    """The intent to tell the people the level's rules name, once each (never the people
    running the incident: they are recorded as reached, not messaged)."""
    assert incident.playbook is not None
    assert incident.level is not None
    due = [
        r
        for r in incident.playbook.notify_rules_for(incident.level)
        if r.id in incident.rules_due()
    ]
    at = engine.clock.now()
    contacts = engine.workspace.contacts
    people: dict[str, dict[str, Any]] = {}
    for rule in due:
        for role in rule.roles:
            holders = contacts.holders(role, at)
            if not holders:
                raise ActionRefused(
                    _(
                        "nobody in contacts holds role %(role)s (rule %(id)s)",
                        role=repr(role),
                        id=rule.id,
                    )
                )
            for person in holders:
                if person in incident.recipients:
                    continue  # already told about this incident: no re-send
                entry = people.setdefault(
                    person, {"person": person, "roles": [], "rules": [], "channels": []}
                )
                if role not in entry["roles"]:
                    entry["roles"].append(role)
                if rule.id not in entry["rules"]:
                    entry["rules"].append(rule.id)
                for channel in rule.via:
                    if channel not in entry["channels"]:
                        entry["channels"].append(channel)
    running = incident.running_people()
    try:
        running.add(engine.actor())
    except RunbookError:
        pass  # runbook's own step: only the declarer is known to be running it
    for entry in people.values():
        if entry["person"] in running:  # never paged about their own incident
            entry["channels"] = []
            entry["running"] = True
    payload = {"rules": [r.id for r in due], "recipients": list(people.values())}
    return engine.intent(incident, "notify", payload)


def pause(
    engine: EngineCore, by_hand: str | None, note: str, incident: Incident, ctx: Context
) -> list[ev.Event]:
    """Hold the posts through the scheduler; or, with no scheduler runbook can reach, record
    the operator's confirmation that they held them by hand in ``by_hand`` (a tool's name)."""
    scheduler = engine.has_scheduler(incident)
    if by_hand is None:
        if not scheduler:
            raise ActionRefused(
                _(
                    "no scheduler is configured: hold the brand's scheduled posts by hand in "
                    "your scheduling tool, then confirm it"
                ),
                cli=_("runbook pause %(id)s --by-hand TOOL", id=incident.id),
                app=_("p, then name the tool"),
            )
        return [pause_intent(engine, incident)]
    if scheduler:
        raise ActionRefused(
            _(
                "runbook holds the posts in the configured scheduler itself: pause without "
                "confirming by hand"
            )
        )
    tool = " ".join(by_hand.split())
    if not tool:
        raise ActionRefused(_("name the tool where you held the posts (e.g. Hootsuite)"))
    check_text("the tool's name", tool, MAX_HOW)
    check_text("the note", note.strip(), MAX_REASON)
    rule = incident.pause_rule()
    assert rule is not None
    scope = incident.paused_scope.union(rule)
    return [
        engine.event(
            ev.PostsHeldByHand,
            incident,
            tool=tool,
            scope=scope.model_dump(mode="json"),
            note=note.strip(),
        )
    ]


def notify(engine: EngineCore, incident: Incident, ctx: Context) -> list[ev.Event]:
    """Tell the people the playbook names for the level."""
    return [notify_intent(engine, incident)]


def ack(engine: EngineCore, incident: Incident, ctx: Context) -> list[ev.Event]:
    """The operator acknowledges being notified (for every rule that reached them)."""
    rules = sorted(incident.recipients[ctx.actor].rules)
    return [engine.event(ev.Acknowledged, incident, person=ctx.actor, rules=rules)]


def check(engine: EngineCore, item_id: str, incident: Incident, ctx: Context) -> list[ev.Event]:
    """Tick a checklist item of the playbook, once."""
    assert incident.playbook is not None
    found = incident.playbook.checklist_item(item_id)
    if found is None:
        items = [i.id for items in incident.playbook.checklist.values() for i in items]
        raise ActionRefused(
            _(
                "no checklist item %(item_id)s (items: %(items)s)",
                item_id=repr(item_id),
                items=", ".join(items),
            )
        )
    if item_id in incident.checked:
        at, who = incident.checked[item_id]
        raise ActionRefused(
            _(
                "%(item_id)s was already ticked by %(who)s at %(at)s UTC",
                item_id=item_id,
                who=who,
                at=format(at, "%H:%M"),
            )
        )
    stage, item = found
    return [
        engine.event(
            ev.ChecklistItemChecked, incident, item_id=item.id, stage=stage, text=item.text
        )
    ]


def note(engine: EngineCore, text: str, incident: Incident, ctx: Context) -> list[ev.Event]:
    """A note on the timeline (not empty, at most 10,000 characters)."""
    if not text:
        raise ActionRefused(_("the note is empty"))
    check_text("the note", text, MAX_NOTE)
    return [engine.event(ev.NoteAdded, incident, text=text)]


def close(
    engine: EngineCore, review: str, leave_open: bool, incident: Incident, ctx: Context
) -> list[ev.Event]:
    """The review is done: closed, naming the checklist items the operator leaves unticked
    (refused until they confirm leaving them open)."""
    unticked = incident.unticked()
    if unticked and not leave_open:
        names = ", ".join(item for _, item, _ in unticked[:8])
        more = _(" and %(n)s more", n=len(unticked) - 8) if len(unticked) > 8 else ""
        raise ActionRefused(
            _(
                "%(n)s checklist item(s) are not ticked: %(names)s%(more)s; tick them, or close "
                "leaving them open",
                n=len(unticked),
                names=names,
                more=more,
            ),
            cli="--leave-open",
            app=_("confirm in the dialog"),
        )
    return [
        engine.event(
            ev.IncidentClosed,
            incident,
            review=review.strip()[:10_000],
            open_items=[
                {"id": item, "stage": stage, "text": text} for stage, item, text in unticked
            ],
        )
    ]


def retry(engine: EngineCore, incident: Incident, ctx: Context) -> list[ev.Event]:
    """Every effect that failed, requested again (same idempotency key, next attempt)."""
    return [
        engine.event(
            ev.EffectRequested,
            incident,
            effect_id=effect.effect_id,
            kind=effect.kind,
            payload=effect.payload,
            attempt=effect.attempt + 1,
        )
        for effect in incident.failed_effects()
    ]
