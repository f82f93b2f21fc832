"""The engine: the one place commands happen.

Every command follows the same steps: load the incident (fold its events), ask the lifecycle
whether the action is allowed now, build the events it produces, let the engine's own steps
settle (a skipped stage is passed, approval re-opened after a stricter reassessment), append
with the expected seq, and on a conflict start again on fresh state while the command is still
valid. Side effects go through the outbox: the intent is appended first, then performed with
its ``effect_id`` as idempotency key, then its result is appended. The CLI and the TUI call
this module; neither touches the store or an adapter directly.
"""

from __future__ import annotations

import gc
import hashlib
import random
import re
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from typing import Any

from runbook.clock import Clock, SystemClock
from runbook.effects import Effects
from runbook.effects.ssh import Signer
from runbook.engine_drafts import DraftCommands
from runbook.engine_links import LinkCommands
from runbook.engine_posts import PostCommands
from runbook.errors import ActionRefused, ConcurrencyConflict, NotFound, RunbookError, StoreError
from runbook.identity import Identity, os_account, resolve
from runbook.links import LinkKeys
from runbook.loading import Workspace
from runbook.model import events as ev
from runbook.model import lifecycle, severity
from runbook.model.incident import Incident, apply, fold
from runbook.model.lifecycle import Context
from runbook.model.messages import SentMessage, sent_messages
from runbook.model.proof import Proof, ProofRules
from runbook.model.proof import refusal as proof_refusal
from runbook.outbox import RECOVERY_LEASE, Outbox
from runbook.proofcheck import check_rows, optional_keys
from runbook.store import EventStore
from runbook.store.chain import Verification, verify_rows

MAX_ATTEMPTS = 200
"""How often a command is retried on fresh state after losing a race (with a growing,
jittered pause so busy writers take turns instead of colliding again)."""
SIGNED = frozenset({"approve", "reject", "override", "attest"})
"""Actions the operator's SSH key signs when the engine has a signer."""
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_ID_RE = re.compile(f"INC-[{_ALPHABET}]{{6}}")

Build = Callable[[Incident, Context], list[ev.Event]]


class Engine(DraftCommands, PostCommands, LinkCommands):
    """Runs commands on incidents for one operator (see module docstring)."""

    max_attempts = MAX_ATTEMPTS
    """Tries for one command before giving up (see MAX_ATTEMPTS)."""

    def __init__(
        self,
        store: EventStore,
        workspace: Workspace,
        *,
        operator: str | None = None,
        clock: Clock | None = None,
        effects: Effects | None = None,
        account: str | None = None,
        link_keys: LinkKeys | None = None,
    ) -> None:
        from runbook.effects.sinks import console_effects

        self.store = store
        self.workspace = workspace
        self.clock = clock or SystemClock()
        self.effects = effects or console_effects()
        self.account = os_account() if account is None else account
        """The operating-system account of this process (the ``login`` proof)."""
        self._link_keys = link_keys
        self.signer: Signer | None = None
        """Signs approvals and rejections with the operator's SSH key when set (the app sets
        it when the operator's key is available; ``--sign`` does for one command)."""
        self._db: tuple[str, str | None] | None = None
        self._identity: tuple[str | None, Identity] | None = None
        self.operator = operator
        """Who the operator asked to be (``--as``); None: whoever the login or database role
        proves (filled in when it proves someone)."""
        if operator is None:
            try:
                self.operator = self.identity().person
            except RunbookError:
                pass  # nobody proven: the first command says how to say who you are
        self.outbox = Outbox(self)
        self._cache: dict[str, Incident] = {}

    # -- who is acting -------------------------------------------------------------------
    def identity(self) -> Identity:
        """Who is operating and how it is proven (see :mod:`runbook.identity`)."""
        if self._identity is None or self._identity[0] != self.operator:
            if self._db is None:
                mapping = getattr(self.store, "db_identity", None)
                self._db = mapping() if mapping is not None else ("", None)
            role, person = self._db
            found = resolve(
                self.workspace.contacts,
                self.operator,
                account=self.account,
                db_role=role,
                db_person=person,
            )
            self._identity = (self.operator, found)
        return self._identity[1]

    def actor(self) -> str:
        """The operator's person id; refuse when unset or unknown."""
        return self.identity().person

    def signing(self) -> Signer | None:
        """The signer for the operator's actions: the engine's, unless it is someone else's
        key (the operator switched person)."""
        signer = self.signer
        if signer is None or signer.person not in ("", self.operator):
            return None
        return signer

    def link_keys(self) -> LinkKeys:
        """The team's approval-link secret (environment, else the key file)."""
        if self._link_keys is None:
            self._link_keys = LinkKeys.load(self.workspace.contacts.links())
        return self._link_keys

    def context(
        self, incident: Incident, draft_id: str | None = None, *, proof: Proof | None = None
    ) -> Context:
        """The guard context for the operator on ``incident`` now."""
        identity = self.identity()
        actor = identity.person
        roles = frozenset(self.workspace.contacts.roles_of(actor, self.clock.now()))
        return Context(
            actor=actor,
            roles=roles,
            draft_id=draft_id,
            proof=proof or identity.proof(),
            signed=SIGNED if self.signing() is not None else frozenset(),
        )

    # -- queries -------------------------------------------------------------------------
    def incident(self, incident_id: str) -> Incident:
        """The incident folded from its events (incrementally from a cached fold)."""
        incident_id = incident_id.strip().upper()
        cached = self._cache.get(incident_id)
        if cached is not None:
            fresh = self.store.load(incident_id, after_seq=cached.seq, with_hashes=False)
            if not fresh:
                return _copy(cached)
            incident = fold(incident_id, fresh, into=_copy(cached))
        else:
            with _quiet_collector():
                loaded = self.store.load(incident_id, with_hashes=False)
                if not loaded:
                    raise NotFound(f"no incident {incident_id!r}; `runbook list` shows them")
                incident = fold(incident_id, loaded)
        self._cache[incident_id] = incident
        return _copy(incident)

    def incidents(self) -> list[dict[str, Any]]:
        """Every incident's summary, newest first."""
        return self.store.incidents()

    def timeline(self, incident_id: str) -> list[ev.Event]:
        """Every event of the incident in order."""
        self.incident(incident_id)
        return self.store.load(incident_id.strip().upper())

    def verify(self, incident_id: str) -> Verification:
        """Check the incident's hash chain."""
        incident_id = incident_id.strip().upper()
        rows = self.store.rows(incident_id)
        if not rows:
            raise NotFound(f"no incident {incident_id!r}; `runbook list` shows them")
        result = verify_rows(incident_id, rows)
        recorded = next((r["events"] for r in self.store.incidents() if r["id"] == incident_id), 0)
        if result.ok and recorded > result.count:
            return Verification(
                incident_id,
                result.count,
                result.head_hash,
                result.count + 1,
                f"the incident list records {recorded} events but only {result.count} are in "
                f"the log: the newest {recorded - result.count} were removed",
            )
        if not result.ok:
            return result
        proofs = check_rows(rows, self.workspace.contacts, self._verifying_keys())
        return replace(
            result,
            first_bad_seq=proofs.first_bad_seq,
            problem=proofs.problem,
            signatures=proofs.signatures,
            links=proofs.links,
            links_unchecked=proofs.links_unchecked,
        )

    def _verifying_keys(self) -> Callable[[], LinkKeys | None]:
        """The link secret for checking receipts, if this machine has it (never made here)."""
        if self._link_keys is not None:
            keys = self._link_keys
            return lambda: keys
        settings = self.workspace.contacts.links()
        return optional_keys(lambda: LinkKeys.load(settings, create=False))

    def messages(self, incident_id: str) -> list[SentMessage]:
        """Every message runbook sent about the incident (or tried to), oldest first."""
        return sent_messages(self.timeline(incident_id))

    def events_after(self, incident_id: str, seq: int) -> list[ev.Event]:
        """The incident's events after ``seq`` (a screen adds only what is new)."""
        return self.store.load(incident_id.strip().upper(), after_seq=seq)

    def stored_rows(self, incident_id: str) -> list[dict[str, Any]]:
        """The incident's events exactly as stored, hashes included (exports, verify)."""
        return self.store.rows(incident_id.strip().upper())

    def change_token(self) -> int:
        """A number that changes whenever anyone writes to the store."""
        return self.store.change_token()

    def wait_for_change(self, token: int, timeout: float) -> int:
        """Block until the store changes after ``token`` or ``timeout`` seconds pass."""
        return self.store.wait_for_change(token, timeout)

    def allowed(self, incident_id: str) -> list[str]:
        """Actions the operator may take now (what the UI offers)."""
        incident = self.incident(incident_id)
        return lifecycle.allowed(incident, self.context(incident))

    # -- the command runner --------------------------------------------------------------
    def _run(
        self,
        incident_id: str,
        action: str,
        build: Build,
        *,
        command_id: str | None = None,
        draft_id: str | None = None,
        record_refusal: bool = True,
        extra: dict[str, Any] | None = None,
        proof: Proof | None = None,
        actor: str | None = None,
    ) -> Incident:
        command_id = command_id or uuid.uuid4().hex
        args = (
            incident_id,
            action,
            build,
            command_id,
            draft_id,
            record_refusal,
            extra,
            proof,
            actor,
        )
        exclusive = getattr(self.store, "exclusive", None)
        if exclusive is not None:  # team store: operators on one incident take turns
            with exclusive(incident_id.strip().upper()):
                incident, recorded = self._attempts(*args)
        else:
            incident, recorded = self._attempts(*args)
        if recorded:  # effects run outside the lock: a slow mail server blocks nobody
            self._perform_all(incident.id, recorded)
            return self.incident(incident.id)
        return incident

    def _attempts(
        self,
        incident_id: str,
        action: str,
        build: Build,
        command_id: str,
        draft_id: str | None,
        record_refusal: bool,
        extra: dict[str, Any] | None,
        proof: Proof | None,
        actor: str | None,
    ) -> tuple[Incident, list[ev.Event]]:
        for attempt in range(MAX_ATTEMPTS):
            incident = self.incident(incident_id)
            if command_id in incident.command_ids:
                return incident, []
            if actor is not None:  # a decision made through a link: the link's person acts
                roles = self.workspace.contacts.roles_of(actor, self.clock.now())
                ctx = Context(actor=actor, roles=frozenset(roles), draft_id=draft_id, proof=proof)
            else:
                ctx = self.context(incident, draft_id, proof=proof)
            ctx.extra.update(extra or {})
            try:
                state = lifecycle.next_state(incident, action, ctx)
                built = build(incident, ctx)
            except ActionRefused as refusal:
                if record_refusal and not incident.finished:
                    self._record_refusal(incident, action, refusal.reason, ctx)
                raise
            try:
                recorded = self._commit(incident, ctx, built, state, command_id)
            except ConcurrencyConflict:
                _back_off(attempt)
                continue
            return incident, recorded
        raise StoreError(f"incident {incident_id} is changing too fast to record {action}; retry")

    def _commit(
        self,
        incident: Incident,
        ctx: Context,
        built: list[ev.Event],
        state: str,
        command_id: str | None,
    ) -> list[ev.Event]:
        """Apply ``built`` to a scratch fold, settle, stamp state and append."""
        expected = incident.seq
        incident.state = state
        for event in built:
            apply(incident, event)
        final = lifecycle.settle(incident, ctx)
        stamped = [e.model_copy(update={"state": final, "command_id": command_id}) for e in built]
        summary = incident.status()
        summary["events"] = expected + len(stamped)
        return self.store.append(incident.id, expected, stamped, summary)

    def _record_refusal(
        self, incident: Incident, action: str, reason: str, ctx: Context | None = None
    ) -> None:
        ctx = ctx or self.context(incident)
        event = ev.ActionRefused(
            incident_id=incident.id,
            at=self.clock.now(),
            actor=ctx.actor,
            proof=self._refusal_proof(ctx.proof),
            action=action,
            reason=reason,
        )
        try:
            self._commit(_copy(incident), ctx, [event], incident.state, None)
        except ConcurrencyConflict:
            pass  # the refusal stands; losing its record to a race is harmless

    def _refusal_proof(self, proof: Proof | None) -> Proof:
        """How the author of a refused action is recorded: a signature that was refused proves
        nothing, so the operator's own identity is kept; a link keeps only its id."""
        if proof is not None and proof.method == "link":
            return Proof(method="link", account=proof.account, link=proof.link)
        if proof is None or proof.method == "ssh-signature":
            return self.identity().proof()
        return proof

    def _event(self, cls: type[ev.Event], incident: Incident, **data: Any) -> Any:
        """An event by the operator, stamped with how the operator is proven."""
        if "proof" not in data:
            data["proof"] = self.identity().proof()
        if "actor" not in data:
            data["actor"] = self.actor()
        if "at" not in data:
            data["at"] = self.clock.now()
        return cls(incident_id=incident.id, **data)

    def _system(self, cls: type[ev.Event], incident: Incident, **data: Any) -> Any:
        """One of runbook's own steps (a result, an escalation), recorded by this process."""
        return cls(
            incident_id=incident.id,
            at=self.clock.now(),
            actor="runbook",
            proof=self.system_proof(),
            **data,
        )

    def system_proof(self) -> Proof:
        """The proof of runbook's own steps: recorded by this process, for its operator."""
        try:
            return self.identity().system_proof()
        except RunbookError:
            return Proof(method="system", account=self.account)

    # -- commands ------------------------------------------------------------------------
    def declare(
        self,
        playbook_id: str,
        title: str,
        *,
        drill: bool = False,
        command_id: str | None = None,
        incident_id: str | None = None,
    ) -> Incident:
        """Open an incident on a playbook; the playbook and policy are pinned in the event.

        ``incident_id`` chooses the id (``INC-`` and six letters or digits of the id alphabet;
        drills use it for reproducible reports); by default a random free id is drawn.
        """
        actor = self.actor()
        title = " ".join(title.split())
        if not title:
            raise ActionRefused("give the incident a title (what is happening, in a few words)")
        if len(title) > 200:
            raise ActionRefused("keep the title under 200 characters")
        if incident_id is not None and not _ID_RE.fullmatch(incident_id):
            raise ActionRefused(
                f"incident id {incident_id!r} must be INC- and 6 of {_ALPHABET} (e.g. INC-7KQ4PX)"
            )
        playbook = self.workspace.playbook(playbook_id)
        policy = self.workspace.policy
        rules = policy.proofs if policy is not None else ProofRules()
        refused = proof_refusal(rules, "declare", actor, self.identity().proof(), drill=drill)
        if refused:
            raise ActionRefused(f"cannot declare an incident: {refused}")
        for attempt in range(MAX_ATTEMPTS):
            chosen = incident_id or _new_id(command_id, attempt)
            event = ev.IncidentDeclared(
                incident_id=chosen,
                at=self.clock.now(),
                actor=actor,
                proof=self.identity().proof(),
                state="declared",
                command_id=command_id,
                title=title,
                playbook_id=playbook.id,
                playbook_version=playbook.version,
                playbook=playbook.model_dump(mode="json"),
                policy=policy.model_dump(mode="json") if policy else None,
                drill=drill,
            )
            scratch = Incident(chosen)
            apply(scratch, event)
            try:
                self.store.append(chosen, 0, [event], scratch.status())
            except ConcurrencyConflict:
                first = self.store.load(chosen)[:1]
                if command_id and first and first[0].command_id == command_id:
                    return self.incident(chosen)  # the same declaration, repeated
                if incident_id is not None:
                    raise ActionRefused(f"incident {incident_id} already exists") from None
                continue
            return self.incident(chosen)
        raise StoreError("could not find a free incident id; try again")

    def assess(
        self, incident_id: str, answers: dict[str, str], *, command_id: str | None = None
    ) -> Incident:
        """Set the level from answers (first time), or reassess (answers merged over the old)."""
        incident = self.incident(incident_id)
        action = "assess" if incident.level is None else "reassess"

        def build(incident: Incident, ctx: Context) -> list[ev.Event]:
            assert incident.playbook is not None
            merged = {**incident.answers, **answers}
            severity.check_answers(incident.playbook, answers, partial=True)
            result = severity.assess(incident.playbook, merged)
            if incident.level is not None and result.answers == incident.answers:
                raise ActionRefused("these answers do not change anything")
            events: list[ev.Event] = [
                self._event(
                    ev.SeverityAssessed,
                    incident,
                    answers=result.answers,
                    score=result.score,
                    level=result.level,
                    previous_level=incident.level,
                    overrides=result.overrides,
                )
            ]
            scratch = _copy(incident)
            apply(scratch, events[0])
            events += self._level_follow_up(incident, scratch)
            return events

        return self._run(incident_id, action, build, command_id=command_id)

    def _level_follow_up(self, before: Incident, after: Incident) -> list[ev.Event]:
        """Skips for empty stages; on escalation, widen the pause and notify new roles."""
        assert after.playbook is not None
        assert after.level is not None
        events: list[ev.Event] = []
        rule = after.pause_rule()
        if rule is not None and rule.is_empty and after.skipped.get("pause") != after.level:
            events.append(
                self._event(
                    ev.StageSkipped,
                    after,
                    stage="pause",
                    level=after.level,
                    reason=f"the playbook pauses nothing at {after.level}",
                )
            )
        if (
            not after.playbook.notify_rules_for(after.level)
            and after.skipped.get("notify") != after.level
        ):
            events.append(
                self._event(
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
                and self.has_scheduler(after)
            ):  # without a scheduler, the wider pause is the operator's to confirm by hand
                events.append(self._pause_intent(after))
            if before.sent_rules and after.rules_due():
                events.append(self._notify_intent(after))
        return events

    def _pause_intent(self, incident: Incident) -> ev.EffectRequested:
        rule = incident.pause_rule()
        assert rule is not None
        scope = incident.paused_scope.union(rule)
        return self._intent(incident, "pause", {"scope": scope.model_dump(mode="json")})

    def _notify_intent(self, incident: Incident) -> ev.EffectRequested:
        assert incident.playbook is not None
        assert incident.level is not None
        due = [
            r
            for r in incident.playbook.notify_rules_for(incident.level)
            if r.id in incident.rules_due()
        ]
        at = self.clock.now()
        contacts = self.workspace.contacts
        people: dict[str, dict[str, Any]] = {}
        for rule in due:
            for role in rule.roles:
                holders = contacts.holders(role, at)
                if not holders:
                    raise ActionRefused(f"nobody in contacts holds role {role!r} (rule {rule.id})")
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
            running.add(self.actor())
        except RunbookError:
            pass  # runbook's own step: only the declarer is known to be running it
        for entry in people.values():
            if entry["person"] in running:  # never paged about their own incident
                entry["channels"] = []
                entry["running"] = True
        payload = {"rules": [r.id for r in due], "recipients": list(people.values())}
        return self._intent(incident, "notify", payload)

    def _intent(self, incident: Incident, kind: str, payload: dict[str, Any]) -> ev.EffectRequested:
        effect_id = f"{incident.id}-{kind}-{uuid.uuid4().hex[:10]}"
        return self._event(
            ev.EffectRequested, incident, effect_id=effect_id, kind=kind, payload=payload
        )

    def has_scheduler(self, incident: Incident) -> bool:
        """True when runbook can reach a scheduler holding the brand's posts (drills: their
        simulated calendar)."""
        scheduler = self.effects.for_incident(incident.drill).scheduler
        return bool(getattr(scheduler, "configured", True))

    def pause(
        self,
        incident_id: str,
        *,
        by_hand: str | None = None,
        note: str = "",
        command_id: str | None = None,
    ) -> Incident:
        """Hold the brand's scheduled posts at the scope the playbook sets for the level.

        Without a scheduler runbook can reach, the operator holds them by hand in their tool
        and confirms it here (``by_hand``: the tool's name); that is recorded as their
        confirmation, not as a pause runbook made."""
        tool = " ".join((by_hand or "").split())[:100]

        def build(incident: Incident, ctx: Context) -> list[ev.Event]:
            scheduler = self.has_scheduler(incident)
            if by_hand is None:
                if not scheduler:
                    raise ActionRefused(
                        "no scheduler is configured: hold the brand's scheduled posts by hand in "
                        "your scheduling tool, then confirm it",
                        cli=f"runbook pause {incident.id} --by-hand TOOL",
                        app="p, then name the tool",
                    )
                return [self._pause_intent(incident)]
            if scheduler:
                raise ActionRefused(
                    "runbook holds the posts in the configured scheduler itself: pause "
                    "without confirming by hand"
                )
            if not tool:
                raise ActionRefused("name the tool where you held the posts (e.g. Hootsuite)")
            rule = incident.pause_rule()
            assert rule is not None
            scope = incident.paused_scope.union(rule)
            return [
                self._event(
                    ev.PostsHeldByHand,
                    incident,
                    tool=tool,
                    scope=scope.model_dump(mode="json"),
                    note=note.strip()[:2000],
                )
            ]

        return self._run(incident_id, "pause", build, command_id=command_id)

    def notify(self, incident_id: str, *, command_id: str | None = None) -> Incident:
        """Tell the people the playbook names for the level (once each)."""
        return self._run(
            incident_id,
            "notify",
            lambda incident, ctx: [self._notify_intent(incident)],
            command_id=command_id,
        )

    def notify_preview(self, incident_id: str) -> list[dict[str, Any]]:
        """Who ``notify`` would tell now (person, roles, rules, channels); records nothing."""
        incident = self.incident(incident_id)
        if incident.level is None:
            raise ActionRefused("assess the level first")
        return list(self._notify_intent(incident).payload["recipients"])

    def ack(self, incident_id: str, *, command_id: str | None = None) -> Incident:
        """The operator acknowledges being notified."""

        def build(incident: Incident, ctx: Context) -> list[ev.Event]:
            rules = sorted(incident.recipients[ctx.actor].rules)
            return [self._event(ev.Acknowledged, incident, person=ctx.actor, rules=rules)]

        return self._run(incident_id, "ack", build, command_id=command_id)

    def check(self, incident_id: str, item_id: str, *, command_id: str | None = None) -> Incident:
        """Tick a checklist item."""

        def build(incident: Incident, ctx: Context) -> list[ev.Event]:
            assert incident.playbook is not None
            found = incident.playbook.checklist_item(item_id)
            if found is None:
                items = [i.id for items in incident.playbook.checklist.values() for i in items]
                raise ActionRefused(f"no checklist item {item_id!r} (items: {', '.join(items)})")
            if item_id in incident.checked:
                at, who = incident.checked[item_id]
                raise ActionRefused(f"{item_id} was already ticked by {who} at {at:%H:%M} UTC")
            stage, item = found
            return [
                self._event(
                    ev.ChecklistItemChecked, incident, item_id=item.id, stage=stage, text=item.text
                )
            ]

        return self._run(incident_id, "check", build, command_id=command_id)

    def note(self, incident_id: str, text: str, *, command_id: str | None = None) -> Incident:
        """Add a note to the timeline."""
        text = text.strip()

        def build(incident: Incident, ctx: Context) -> list[ev.Event]:
            if not text:
                raise ActionRefused("the note is empty")
            if len(text) > 10_000:
                raise ActionRefused("keep a note under 10,000 characters")
            return [self._event(ev.NoteAdded, incident, text=text)]

        return self._run(incident_id, "note", build, command_id=command_id, record_refusal=False)

    def close(
        self,
        incident_id: str,
        review: str = "",
        *,
        leave_open: bool = False,
        command_id: str | None = None,
    ) -> Incident:
        """Mark the post-incident review done; nothing more can happen after this.

        Checklist items still unticked are named and the close refused, unless the operator
        confirms leaving them open (``leave_open``): the record then lists them."""

        def build(incident: Incident, ctx: Context) -> list[ev.Event]:
            unticked = incident.unticked()
            if unticked and not leave_open:
                names = ", ".join(item for _, item, _ in unticked[:8])
                more = f" and {len(unticked) - 8} more" if len(unticked) > 8 else ""
                raise ActionRefused(
                    f"{len(unticked)} checklist item(s) are not ticked: {names}{more}; tick "
                    "them, or close leaving them open",
                    cli="--leave-open",
                    app="confirm in the dialog",
                )
            return [
                self._event(
                    ev.IncidentClosed,
                    incident,
                    review=review.strip()[:10_000],
                    open_items=[
                        {"id": item, "stage": stage, "text": text} for stage, item, text in unticked
                    ],
                )
            ]

        return self._run(incident_id, "close", build, command_id=command_id)

    def retry_all(self, incident_id: str, *, command_id: str | None = None) -> tuple[int, Incident]:
        """What the operator's "retry" means: re-run steps an interrupted run left without a
        result, then try again whatever still failed. Returns (steps re-run, incident)."""
        recovered = self.recover(incident_id, older_than=timedelta(0))
        incident = self.incident(incident_id)
        if recovered and not incident.failed_effects():
            return recovered, incident
        return recovered, self.retry(incident_id, command_id=command_id)

    def retry(self, incident_id: str, *, command_id: str | None = None) -> Incident:
        """Try again every effect that failed (same idempotency key, next attempt)."""

        def build(incident: Incident, ctx: Context) -> list[ev.Event]:
            return [
                self._event(
                    ev.EffectRequested,
                    incident,
                    effect_id=effect.effect_id,
                    kind=effect.kind,
                    payload=effect.payload,
                    attempt=effect.attempt + 1,
                )
                for effect in incident.failed_effects()
            ]

        return self._run(incident_id, "retry", build, command_id=command_id)

    # -- effects -------------------------------------------------------------------------
    def recover(self, incident_id: str, *, older_than: timedelta = RECOVERY_LEASE) -> int:
        """Perform intents left without a result by an interrupted run (see Outbox)."""
        return self.outbox.recover(incident_id, older_than=older_than)

    def _perform_all(self, incident_id: str, recorded: list[ev.Event]) -> None:
        self.outbox.perform_all(incident_id, recorded)

    def statement_posts(self) -> set[str]:
        """Scheduler posts runbook created for statements (of any incident, closed ones too:
        a crisis statement is never the brand's routine post): a pause never holds them."""
        found: set[str] = set()
        for row in self.store.incidents():
            found |= self.incident(row["id"]).statement_posts
        return found

    def held_elsewhere(self, incident_id: str) -> dict[str, list[str]]:
        """Post id -> other incidents (not closed) that hold it: paused and not released,
        or kept held at their resolution."""
        holders: dict[str, list[str]] = {}
        for row in self.store.incidents():
            if row["id"] == incident_id or row["state"] == "closed":
                continue
            other = self.incident(row["id"])
            for post_id in [*other.paused_posts, *other.kept_posts]:
                holders.setdefault(post_id, []).append(other.id)
        return holders


def _back_off(attempt: int) -> None:
    """Pause a little after losing a race: nothing at first, then up to 20 ms, jittered."""
    if attempt >= 2:
        time.sleep(random.uniform(0, min(0.02, 0.001 * attempt)))


def _new_id(command_id: str | None, attempt: int) -> str:
    """A fresh incident id: random, or derived from the command id so that a repeated
    declaration finds the incident it already opened."""
    if command_id is None:
        return "INC-" + "".join(secrets.choice(_ALPHABET) for _ in range(6))
    digest = hashlib.sha256(f"{command_id}/{attempt}".encode()).digest()
    return "INC-" + "".join(_ALPHABET[b % len(_ALPHABET)] for b in digest[:6])


@contextmanager
def _quiet_collector() -> Iterator[None]:
    """Pause the cyclic garbage collector while a long incident is read: replaying 100,000
    events allocates many objects and no cycles, and collections would cost ~20% of it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _copy(incident: Incident) -> Incident:
    """A shallow-enough copy for a scratch fold (containers copied, specs shared)."""
    import copy

    memo: dict[int, object] = {
        id(incident.playbook): incident.playbook,  # frozen specs are shared, not copied
        id(incident.policy): incident.policy,
        id(incident.command_ids): set(incident.command_ids),  # flat set of strings: fast copy
    }
    return copy.deepcopy(incident, memo=memo)
