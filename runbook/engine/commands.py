"""The engine's commands and queries: what the CLI, the app and the approval server call.

Each command is a verb; it names the lifecycle action, hands the runner
(:meth:`~runbook.engine.runner.Runner.run`) the decision that builds its events (from
:mod:`~runbook.engine.incidents`, :mod:`~runbook.engine.statements`,
:mod:`~runbook.engine.sign_off`, :mod:`~runbook.engine.resolution` or
:mod:`~runbook.engine.approval_links`) and returns the incident as it is afterwards. Nothing
here decides anything or touches the store or an adapter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any

from runbook.effects import Wait
from runbook.effects.ssh import Signer
from runbook.engine import (
    approval_links,
    cadence,
    incidents,
    pinning,
    proofs,
    resolution,
    sign_off,
    statements,
    witnessing,
)
from runbook.engine.approval_links import LinkView
from runbook.engine.configuration import ConfigurationCommands
from runbook.engine.deliveries import DeliveryCommands
from runbook.engine.inbox import InboxCommands
from runbook.errors import ActionRefused, NotFound
from runbook.i18n import _
from runbook.model import events as ev
from runbook.model import lifecycle
from runbook.model.incident import Effect, Incident
from runbook.model.limits import MAX_HOW, MAX_REASON, check_text
from runbook.model.messages import SentMessage, sent_messages
from runbook.model.updates import UpdateDue
from runbook.store.chain import Verification
from runbook.store.listing import LISTED, disagreements
from runbook.store.witness import Heads


class Engine(InboxCommands, DeliveryCommands, ConfigurationCommands):
    """Runs commands on incidents for one operator, and answers what the record says."""

    # -- reading the record ------------------------------------------------------------------
    def incidents(self) -> list[dict[str, Any]]:
        """Every incident in the log, newest first, summarised. The store's incident list is
        a cache: a row is used only when it agrees with its log's newest event (count, state,
        time); an incident whose row is missing or disagrees is summarised from its events
        (``listed`` says so), so no row can hide an incident from the board or ``tick``."""
        listed = {row["id"]: row for row in self.store.incidents()}
        found = []
        for incident_id, head in self.store.heads().items():
            row = listed.get(incident_id)
            if (
                row is None
                or row["events"] != head["seq"]
                or row["updated_at"] != head["at"]
                or (head["state"] and row["state"] != head["state"])
            ):
                status = self.incident(incident_id).status()
                row = {name: status[name] for name in LISTED}
                row["listed"] = "from its events: the incident list disagrees"
            found.append(row)
        found.sort(key=lambda row: row["id"])
        found.sort(key=lambda row: row.get("opened_at") or "", reverse=True)
        return found

    def listing_problems(self, incident_id: str) -> list[str]:
        """Where the store's incident list disagrees with the incident's events (empty: it
        agrees); ``runbook db rebuild`` restores the list from the logs."""
        incident_id = incident_id.strip().upper()
        status = self.incident(incident_id).status()
        row = next((r for r in self.store.incidents() if r["id"] == incident_id), None)
        if row is None:
            return ["the incident list has no row for it"]
        return disagreements(row, status)

    def unlisted_problems(self) -> dict[str, str]:
        """Rows of the incident list with no events behind them (added outside runbook)."""
        heads = self.store.heads()
        return {
            row["id"]: "it is in the incident list but has no events"
            for row in self.store.incidents()
            if row["id"] not in heads
        }

    def rebuild_incidents(self) -> list[str]:
        """Rewrite the store's incident list from the logs; the ids corrected."""
        return self.store.rebuild_incidents()

    def failures_performed(self) -> list[tuple[str, Effect]]:
        """Effects this engine performed (since this was last asked) whose
        result is a failure, for everyone or for some, as recorded now."""
        found = []
        for incident_id, effect_id in dict.fromkeys(self.performed):
            effect = self.incident(incident_id).effects.get(effect_id)
            if effect is not None and effect.result in ("failed", "partial", "unknown"):
                found.append((incident_id, effect))
        self.performed.clear()
        return found

    def report_waits(self, callback: Callable[[Wait], None]) -> None:
        """Have the adapters tell ``callback`` when they wait before trying again (a
        server's Retry-After, backoff), as each wait starts."""
        self.effects.report_waits(callback)

    def report_store_notices(self, callback: Callable[[str], None]) -> None:
        """Have the store tell ``callback`` when it loses its connection and tries again."""
        self.store.notice = callback

    def store_warning(self) -> str:
        """One line when the store's login can rewrite history (empty otherwise)."""
        access = getattr(self.store, "access", None)
        return str(access().warning) if access is not None else ""

    def timeline(self, incident_id: str) -> list[ev.Event]:
        """Every event of the incident in order."""
        self.incident(incident_id)
        return self.store.load(incident_id.strip().upper())

    def verify(self, incident_id: str, heads: Heads | None = None) -> Verification:
        """Check the incident's hash chain, that no event was cut off its end, every stored
        proof (:func:`runbook.engine.proofs.verify_stored`) and every head witnessed outside
        the database, the store's and ``heads`` (:mod:`runbook.engine.witnessing`)."""
        incident_id = incident_id.strip().upper()
        rows = self.store.rows(incident_id)
        if not rows:
            raise NotFound(
                _(
                    "no incident %(incident_id)s; `runbook list` shows them",
                    incident_id=repr(incident_id),
                )
            )
        recorded = next((r["events"] for r in self.store.incidents() if r["id"] == incident_id), 0)
        result = proofs.verify_stored(
            incident_id, rows, recorded, self.workspace.contacts, self.verifying_keys()
        )
        result = witnessing.compare(result, rows, *witnessing.known_heads(self.store, heads))
        if not result.ok:
            return result
        return replace(result, listing=tuple(self.listing_problems(incident_id)))

    def removed_incidents(self, heads: Heads | None = None) -> dict[str, str]:
        """Incidents witnessed outside the database that it no longer holds."""
        known, _ = witnessing.known_heads(self.store, heads)
        return witnessing.removed_incidents(known, set(self.store.heads()))

    def messages(self, incident_id: str) -> list[SentMessage]:
        """Every message runbook sent about the incident (or tried to), oldest first."""
        return sent_messages(self.timeline(incident_id))

    def events_after(self, incident_id: str, seq: int) -> list[ev.Event]:
        """The incident's events after ``seq`` (a screen adds only what is new)."""
        return self.store.load(incident_id.strip().upper(), after_seq=seq)

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

    # -- the incident ----------------------------------------------------------------------
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
        declared = incidents.declaration(self, playbook_id, title, drill, incident_id)
        return self.open_incident(declared, command_id=command_id, incident_id=incident_id)

    def assess(
        self, incident_id: str, answers: dict[str, str], *, command_id: str | None = None
    ) -> Incident:
        """Set the level from answers (first time), or reassess (answers merged over the old)."""
        action = "assess" if self.incident(incident_id).level is None else "reassess"
        build = partial(incidents.assess, self, answers)
        return self.run(incident_id, action, build, command_id=command_id)

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
        build = partial(incidents.pause, self, by_hand, note)
        return self.run(incident_id, "pause", build, command_id=command_id)

    def notify(self, incident_id: str, *, command_id: str | None = None) -> Incident:
        """Tell the people the playbook names for the level (once each)."""
        build = partial(incidents.notify, self)
        return self.run(incident_id, "notify", build, command_id=command_id)

    def notify_preview(self, incident_id: str) -> list[dict[str, Any]]:
        """Who ``notify`` would tell now (person, roles, rules, channels); records nothing."""
        incident = self.incident(incident_id)
        if incident.level is None:
            raise ActionRefused(_("assess the level first"))
        return list(incidents.notify_intent(self, incident).payload["recipients"])

    def ack(self, incident_id: str, *, command_id: str | None = None) -> Incident:
        """The operator acknowledges being notified."""
        return self.run(incident_id, "ack", partial(incidents.ack, self), command_id=command_id)

    def check(self, incident_id: str, item_id: str, *, command_id: str | None = None) -> Incident:
        """Tick a checklist item."""
        build = partial(incidents.check, self, item_id)
        return self.run(incident_id, "check", build, command_id=command_id)

    def note(self, incident_id: str, text: str, *, command_id: str | None = None) -> Incident:
        """Add a note to the timeline."""
        build = partial(incidents.note, self, text.strip())
        return self.run(incident_id, "note", build, command_id=command_id, record_refusal=False)

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
        build = partial(incidents.close, self, review, leave_open)
        return self.run(incident_id, "close", build, command_id=command_id)

    def retry_all(self, incident_id: str, *, command_id: str | None = None) -> tuple[int, Incident]:
        """What the operator's "retry" means: re-run steps an interrupted run left without a
        result, then try again whatever still failed. Returns (steps re-run, incident)."""
        recovered = self.recover(incident_id)
        incident = self.incident(incident_id)
        if recovered and not incident.failed_effects():
            return recovered, incident
        return recovered, self.retry(incident_id, command_id=command_id)

    def retry(self, incident_id: str, *, command_id: str | None = None) -> Incident:
        """Try again every effect that failed (same idempotency key, next attempt)."""
        build = partial(incidents.retry, self)
        return self.run(incident_id, "retry", build, command_id=command_id)

    # -- statements ------------------------------------------------------------------------
    def start_draft(
        self, incident_id: str, template_id: str | None = None, *, command_id: str | None = None
    ) -> Incident:
        """Start a draft from a template (default: the first template with no draft yet)."""
        build = partial(statements.start_draft, self, template_id)
        return self.run(incident_id, "start_draft", build, command_id=command_id)

    def edit_draft(
        self,
        incident_id: str,
        draft_id: str | None,
        changes: dict[str, str],
        *,
        command_id: str | None = None,
    ) -> Incident:
        """Save a new version of a draft with ``changes`` (variant -> text)."""
        build = partial(statements.edit_draft, self, changes)
        return self.run(incident_id, "edit_draft", build, command_id=command_id, draft_id=draft_id)

    def submit(
        self, incident_id: str, draft_id: str | None = None, *, command_id: str | None = None
    ) -> Incident:
        """Submit a draft for approval; the people who may approve it are asked to, each with
        a personal approval link on a private channel."""
        build = partial(statements.submit, self)
        return self.run(incident_id, "submit", build, command_id=command_id, draft_id=draft_id)

    def approve(
        self,
        incident_id: str,
        draft_id: str | None = None,
        *,
        command_id: str | None = None,
        signer: Signer | None = None,
        expect: str | None = None,
    ) -> Incident:
        """Approve the draft waiting for approval (four-eyes rule, roles of the level).

        ``signer`` signs the approval with the operator's SSH key (proof ``ssh-signature``);
        ``expect`` is the content hash (or version ``v3``) the approver read: when the text
        changed since, the approval is refused naming the difference.
        """
        signing = sign_off.signature(signer or self.signing())
        return self.run(
            incident_id,
            "approve",
            partial(sign_off.approve, self, expect, signing),
            command_id=command_id,
            draft_id=draft_id,
            proof=sign_off.pending(self, signing),
        )

    def attest(
        self,
        incident_id: str,
        person: str,
        how: str,
        note: str = "",
        draft_id: str | None = None,
        *,
        command_id: str | None = None,
    ) -> Incident:
        """Record that ``person`` approved the draft elsewhere (``how``: by phone, in person).

        An attestation by the operator, shown as such: it counts as ``person``'s approval only
        at the levels the policy lists in ``proofs.attested_approvals`` (and in drills).
        """
        how = " ".join(how.split())
        note = note.strip()
        check_text("how it was approved (--how)", how, MAX_HOW)
        check_text("the note", note, MAX_REASON)
        roles_now = sorted(self.workspace.contacts.roles_of(person, self.clock.now()))
        signing = sign_off.signature(self.signing())
        return self.run(
            incident_id,
            "attest",
            partial(sign_off.attest, self, person, how, note, roles_now, signing),
            command_id=command_id,
            draft_id=draft_id,
            extra={"person": person, "how": how, "person_roles": roles_now},
            proof=sign_off.pending(self, signing),
        )

    def reject(
        self,
        incident_id: str,
        comment: str,
        draft_id: str | None = None,
        *,
        command_id: str | None = None,
        signer: Signer | None = None,
        expect: str | None = None,
    ) -> Incident:
        """Reject the draft under review with a comment; it returns to drafting."""
        signing = sign_off.signature(signer or self.signing())
        return self.run(
            incident_id,
            "reject",
            partial(sign_off.reject, self, comment.strip(), expect, signing),
            command_id=command_id,
            draft_id=draft_id,
            proof=sign_off.pending(self, signing),
        )

    def override(
        self,
        incident_id: str,
        rule_id: str,
        reason: str,
        *,
        draft_id: str | None = None,
        variant: str | None = None,
        command_id: str | None = None,
        signer: Signer | None = None,
    ) -> Incident:
        """Let a blocking policy finding stand, as a person holding the rule's override role,
        with a recorded reason (binds to the current content: an edit needs a new override).
        ``signer`` signs it with the operator's SSH key."""
        reason = reason.strip()
        check_text("the reason", reason, MAX_REASON)
        signing = sign_off.signature(signer or self.signing())
        return self.run(
            incident_id,
            "override",
            partial(sign_off.override, self, rule_id, reason, variant, signing),
            command_id=command_id,
            draft_id=draft_id,
            extra={"rule_id": rule_id, "variant": variant, "reason": reason},
            proof=sign_off.pending(self, signing),
        )

    def publish(
        self,
        incident_id: str,
        draft_id: str | None = None,
        *,
        on: list[str] | None = None,
        by_hand: dict[str, str] | None = None,
        command_id: str | None = None,
    ) -> Incident:
        """Publish an approved statement where the operator chose: ``on`` lists the variants
        (``x``, ``linkedin:fr``) to send through the publisher, ``by_hand`` the variants the
        operator already posted by hand, with the post's URL. A variant posted by hand is only
        recorded, never sent again; a variant named in neither is left out (a compromised
        account, say) and can be published later."""
        chosen = list(dict.fromkeys(on or []))
        posted = {key.strip(): url.strip() for key, url in (by_hand or {}).items()}
        build = partial(statements.publish, self, chosen, posted)
        return self.run(incident_id, "publish", build, command_id=command_id, draft_id=draft_id)

    # -- resolution, posts and escalation --------------------------------------------------
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
        build = partial(
            resolution.resolve,
            self,
            summary.strip(),
            resume,
            list(keep or []),
            dict(new_times or {}),
        )
        return self.run(incident_id, "resolve", build, command_id=command_id)

    def pause_preview(self, incident_id: str) -> dict[str, Any]:
        """What ``pause`` would hold now: scope, total, counts per channel, next 10 posts."""
        return resolution.pause_preview(self, self.incident(incident_id))

    def check_schedulers(self) -> list[dict[str, Any]]:
        """Each configured scheduler's credentials, reachability and the posts it would see
        (``{"scheduler", "product", "hold", "ok", "posts", "scheduled", "error"}``); changes
        nothing and records nothing. Empty when no scheduler is configured."""
        check = getattr(self.effects.for_incident(False).scheduler, "check", None)
        return list(check()) if check is not None else []

    def posts(self, incident_id: str) -> list[dict[str, Any]]:
        """The incident's ledger of posts: held, resumed or kept, with missed slots flagged."""
        return resolution.post_ledger(self, self.incident(incident_id))

    def tick(self, incident_id: str) -> list[ev.Escalated]:
        """Escalate every notify rule whose acknowledgement time ran out (engine clock), and
        remind or escalate updates that fell due (see :meth:`tick_all`); the escalations."""
        return [e for e in self.tick_all(incident_id) if isinstance(e, ev.Escalated)]

    def tick_all(self, incident_id: str) -> list[ev.Event]:
        """What the clock calls for now: escalations of unacknowledged notifications, and the
        updates that fell due (the lead reminded) or stayed overdue (escalated)."""

        pinning.refuse_if_changed(self, self.incident(incident_id))

        def steps(incident: Incident) -> list[ev.Event]:
            return resolution.escalations(self, incident) + cadence.reminders(self, incident)

        incident, recorded = self.record_steps(incident_id, steps)
        self.perform_all(incident.id, recorded)
        return [e for e in recorded if not isinstance(e, ev.EffectRequested)]

    def recover(self, incident_id: str) -> int:
        """Perform intents whose performer is gone (see :class:`Performing`), under the
        configuration the incident pinned only."""
        pinning.refuse_if_changed(self, self.incident(incident_id))
        return super().recover(incident_id)

    def update_schedule(self, incident_id: str) -> list[UpdateDue]:
        """When each audience's next update is due (the board and incident screen count down)."""
        return self.incident(incident_id).update_schedule()

    def perform(self, incident_id: str, effect_id: str) -> bool:
        """Perform one intent and record its result; an update that went out is recorded as
        sent to its audience (``UpdateSent``), once."""
        performed = super().perform(incident_id, effect_id)
        sent = partial(cadence.went_out, self, effect_id)
        self.record_steps(incident_id, sent, marker=f"update-sent:{effect_id}")
        return performed

    # -- approval links --------------------------------------------------------------------
    def link_view(self, token: str) -> LinkView:
        """What the page of an approval link shows; records nothing."""
        return approval_links.link_view(self, token)

    def decide_by_link(
        self,
        token: str,
        decision: str,
        *,
        comment: str = "",
        shown_hash: str = "",
        client: str = "",
    ) -> Incident:
        """Approve or reject through an approval link (see :mod:`.approval_links`)."""
        return approval_links.decide_by_link(
            self, token, decision, comment=comment, shown_hash=shown_hash, client=client
        )

    def refuse_link(self, token: str, reason: str, client: str = "") -> None:
        """Record a refused use of an approval link on the incident it names."""
        approval_links.refuse_link(self, token, reason, client)
