"""Statement commands of the engine: start, edit, submit, approve, reject, override, publish.

A mixin of :class:`runbook.engine.Engine` (it uses the engine's command runner): the rules
themselves live in the lifecycle guards, :mod:`runbook.model.approvals` and
:mod:`runbook.model.lint`; here each command builds the events it records.
"""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from typing import TYPE_CHECKING, Any

from runbook.errors import ActionRefused
from runbook.model import events as ev
from runbook.model import lifecycle, messages
from runbook.model.incident import Draft, Incident
from runbook.model.lifecycle import Context
from runbook.model.proof import Proof, attest_detail, override_detail, statement
from runbook.model.templates import render
from runbook.store.chain import canonical

if TYPE_CHECKING:
    from runbook.effects.ssh import Signer
    from runbook.engine import Engine as _Base
else:
    _Base = object


def content_hash(variants: dict[str, str]) -> str:
    """The hash approvals bind to: any change to any variant changes it."""
    return hashlib.sha256(canonical(variants).encode("utf-8")).hexdigest()[:16]


def _clean(text: str) -> str:
    """Statement text as stored: NFC-normalised (so counts and spans agree), trimmed."""
    return unicodedata.normalize("NFC", text).strip()


def _pending_signature(account: str) -> Proof:
    """What the guards see before the signature is made (the method is what they check)."""
    return Proof(method="ssh-signature", account=account)


def _check_read(draft: Draft, expect: str | None) -> None:
    """Refuse when the text changed since the person read it (``expect``: the content hash
    they read, a prefix of it, or the version as ``v3``)."""
    if not expect:
        return
    wanted = expect.strip()
    if wanted.lower().startswith("v") and wanted[1:].isdigit():
        if int(wanted[1:]) == draft.version:
            return
        read = f"version {wanted[1:]}"
    elif len(wanted) >= 6 and draft.content_hash.startswith(wanted):
        return
    else:
        read = f"the text {wanted[:16]}"
    raise ActionRefused(
        f"draft {draft.draft_id} changed since you read it: you read {read}, it is now "
        f"v{draft.version} ({draft.content_hash}); read it again before deciding"
    )


class DraftCommands(_Base):
    """The engine's statement commands."""

    def start_draft(
        self,
        incident_id: str,
        template_id: str | None = None,
        *,
        command_id: str | None = None,
    ) -> Incident:
        """Start a draft from a template (default: the first template with no draft yet)."""

        def build(incident: Incident, ctx: Context) -> list[ev.Event]:
            assert incident.playbook is not None
            templates = incident.playbook.drafts
            if template_id is None:
                used = {d.template_id for d in incident.drafts.values()}
                fresh = [t for t in templates if t.id not in used]
                if not fresh:
                    names = ", ".join(t.id for t in templates)
                    raise ActionRefused(
                        f"every template has a draft ({names})",
                        cli="name one with --template",
                        app="choose the template in the list",
                    )
                template = fresh[0]
            else:
                found = incident.playbook.draft_template(template_id)
                if found is None:
                    names = ", ".join(t.id for t in templates)
                    raise ActionRefused(f"no template {template_id!r} (templates: {names})")
                template = found
            values = messages.template_values(incident)
            variants = {}
            for platform in template.platforms:
                for language, text in template.languages.items():
                    key = platform if language == "default" else f"{platform}:{language}"
                    variants[key] = _clean(render(text, values))
            draft_id = f"D{len(incident.drafts) + 1}"
            return [
                self._event(
                    ev.DraftStarted,
                    incident,
                    draft_id=draft_id,
                    template_id=template.id,
                    title=template.title,
                    audience=template.audience,
                    variants=variants,
                    content_hash=content_hash(variants),
                )
            ]

        return self._run(incident_id, "start_draft", build, command_id=command_id)

    def edit_draft(
        self,
        incident_id: str,
        draft_id: str | None,
        changes: dict[str, str],
        *,
        command_id: str | None = None,
    ) -> Incident:
        """Save a new version of a draft with ``changes`` (variant -> text)."""

        def build(incident: Incident, ctx: Context) -> list[ev.Event]:
            draft = lifecycle.select_draft(
                incident, ctx, list(incident.drafts.values()), "there to edit"
            )
            unknown = [key for key in changes if key not in draft.variants]
            if unknown:
                raise ActionRefused(
                    f"draft {draft.draft_id} has no variant {unknown[0]!r} "
                    f"(variants: {', '.join(draft.variants)})"
                )
            variants = {**draft.variants, **{k: _clean(v) for k, v in changes.items()}}
            if any(not text for text in variants.values()):
                raise ActionRefused("a variant cannot be empty")
            new_hash = content_hash(variants)
            if new_hash == draft.content_hash:
                raise ActionRefused(f"draft {draft.draft_id} is unchanged")
            return [
                self._event(
                    ev.DraftEdited,
                    incident,
                    draft_id=draft.draft_id,
                    variants=variants,
                    content_hash=new_hash,
                    version=draft.version + 1,
                )
            ]

        return self._run(incident_id, "edit_draft", build, command_id=command_id, draft_id=draft_id)

    def _draft_for(
        self, incident: Incident, ctx: Context, candidates: list[Draft], what: str
    ) -> Draft:
        return lifecycle.select_draft(incident, ctx, candidates, what)

    def submit(
        self, incident_id: str, draft_id: str | None = None, *, command_id: str | None = None
    ) -> Incident:
        """Submit a draft for approval; the people who may approve it are asked to, each with
        a personal approval link on a private channel (see :mod:`runbook.links`)."""

        def build(incident: Incident, ctx: Context) -> list[ev.Event]:
            candidates = [d for d in incident.drafts.values() if not d.submitted]
            draft = self._draft_for(incident, ctx, candidates, "waiting to be submitted")
            submitted = self._event(
                ev.DraftSubmitted,
                incident,
                draft_id=draft.draft_id,
                version=draft.version,
                content_hash=draft.content_hash,
            )
            events: list[ev.Event] = [submitted]
            request = self._approval_request(incident, draft)
            if request is not None:
                events.append(request)
            return events

        return self._run(incident_id, "submit", build, command_id=command_id, draft_id=draft_id)

    def _approval_request(self, incident: Incident, draft: Draft) -> ev.EffectRequested | None:
        """The intent asking everyone who may approve ``draft`` to do so (None: nobody)."""
        from runbook.links import link_id
        from runbook.model.approvals import eligible, rule_for

        contacts = self.workspace.contacts
        settings = contacts.links()
        now = self.clock.now()
        channels = [name for name in settings.via if name in contacts.channels] or list(
            settings.via
        )
        effect_id = f"{incident.id}-approval-{uuid.uuid4().hex[:10]}"
        people: dict[str, dict[str, Any]] = {}
        for role in rule_for(incident, draft).roles:
            for person in contacts.holders(role, now):
                roles = eligible(incident, draft, person, contacts.roles_of(person, now))
                if role not in roles:
                    continue
                entry = people.setdefault(
                    person,
                    {
                        "person": person,
                        "roles": [],
                        "rules": [],
                        "channels": channels,
                        "link_id": link_id(effect_id, person),
                        "expires": (now + settings.valid_for).isoformat(),
                    },
                )
                if role not in entry["roles"]:
                    entry["roles"].append(role)
        if not people:
            return None
        payload = {
            "draft_id": draft.draft_id,
            "version": draft.version,
            "content_hash": draft.content_hash,
            "recipients": list(people.values()),
        }
        intent: ev.EffectRequested = self._event(
            ev.EffectRequested,
            incident,
            effect_id=effect_id,
            kind="approval_request",
            payload=payload,
        )
        return intent

    def _signed(
        self,
        incident: Incident,
        ctx: Context,
        action: str,
        draft: Draft,
        signer: Signer,
        cache: dict[str, Proof],
        detail: str = "",
    ) -> Proof:
        """``ctx.actor``'s signature of ``action`` on ``draft`` as it is now, checked against
        their keys in contacts (signed once per text: a retry after a race reuses it)."""
        from runbook.effects import ssh

        key = f"{draft.draft_id}/{draft.version}/{draft.content_hash}/{detail}"
        if key in cache:
            return cache[key]
        signed_at = self.clock.now().isoformat(timespec="seconds")
        text = statement(
            incident_id=incident.id,
            action=action,
            person=ctx.actor,
            signed_at=signed_at,
            draft_id=draft.draft_id,
            version=draft.version,
            content_hash=draft.content_hash,
            detail=detail,
        )
        person = self.workspace.contacts.person(ctx.actor)
        keys = list(person.ssh_keys) if person is not None else []
        if not keys:
            raise ActionRefused(
                f"{ctx.actor} has no SSH key in contacts (ssh_keys), so cannot sign; add the "
                "public key (~/.ssh/id_ed25519.pub) to their entry"
            )
        signature = signer.sign(text)
        fingerprint = ssh.verify(text, signature, ctx.actor, keys)
        cache[key] = Proof(
            method="ssh-signature",
            account=self.account,
            key=fingerprint,
            signature=signature,
            signed_at=signed_at,
        )
        return cache[key]

    def _check_proofs(self, incident: Incident) -> None:
        """Refuse to go on when a stored proof does not check (a signature, a link receipt,
        an approval with a proof runbook never records): the approvals that unlock publishing
        must be the ones people gave."""
        from runbook.proofcheck import check_rows

        checked = check_rows(
            self.stored_rows(incident.id), self.workspace.contacts, self._verifying_keys()
        )
        if not checked.ok:
            raise ActionRefused(
                f"a proof in the record does not check ({checked.problem}); nothing is "
                "published until it is resolved",
                cli=f"runbook verify {incident.id}",
            )

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
        from runbook.model.approvals import requirement

        cache: dict[str, Proof] = {}
        signer = signer or self.signing()

        def build(incident: Incident, ctx: Context) -> list[ev.Event]:
            chosen = self._draft_for(
                incident, ctx, incident.draft_awaiting(), "waiting for approval"
            )
            _check_read(chosen, expect)
            roles = sorted(set(ctx.roles) & set(requirement(incident, chosen).roles))
            proof = ctx.proof
            if signer is not None:
                proof = self._signed(incident, ctx, "approve", chosen, signer, cache)
            return [
                self._event(
                    ev.DraftApproved,
                    incident,
                    actor=ctx.actor,
                    proof=proof,
                    draft_id=chosen.draft_id,
                    version=chosen.version,
                    content_hash=chosen.content_hash,
                    roles=roles,
                )
            ]

        return self._run(
            incident_id,
            "approve",
            build,
            command_id=command_id,
            draft_id=draft_id,
            proof=_pending_signature(self.account) if signer is not None else None,
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
        from runbook.model.approvals import requirement

        how = " ".join(how.split())[:80]
        note = note.strip()[:2000]
        roles_now = sorted(self.workspace.contacts.roles_of(person, self.clock.now()))
        cache: dict[str, Proof] = {}
        signer = self.signing()

        def build(incident: Incident, ctx: Context) -> list[ev.Event]:
            if self.workspace.contacts.person(person) is None:
                raise ActionRefused(f"{person!r} is not a person in contacts")
            chosen = self._draft_for(
                incident, ctx, incident.draft_awaiting(), "waiting for approval"
            )
            roles = sorted(set(roles_now) & set(requirement(incident, chosen).roles))
            proof = ctx.proof
            if signer is not None:
                detail = attest_detail(person, how, note)
                proof = self._signed(incident, ctx, "attest", chosen, signer, cache, detail)
            return [
                self._event(
                    ev.ApprovalAttested,
                    incident,
                    actor=ctx.actor,
                    proof=proof,
                    draft_id=chosen.draft_id,
                    version=chosen.version,
                    content_hash=chosen.content_hash,
                    person=person,
                    roles=roles,
                    how=how,
                    note=note,
                )
            ]

        return self._run(
            incident_id,
            "attest",
            build,
            command_id=command_id,
            draft_id=draft_id,
            extra={"person": person, "how": how, "person_roles": roles_now},
            proof=_pending_signature(self.account) if signer is not None else None,
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
        comment = comment.strip()
        cache: dict[str, Proof] = {}
        signer = signer or self.signing()

        def build(incident: Incident, ctx: Context) -> list[ev.Event]:
            if not comment:
                raise ActionRefused("say why the draft is rejected", cli="--comment")
            draft = self._draft_for(
                incident, ctx, incident.draft_awaiting(), "waiting for approval"
            )
            _check_read(draft, expect)
            proof = ctx.proof
            if signer is not None:
                proof = self._signed(incident, ctx, "reject", draft, signer, cache, comment)
            return [
                self._event(
                    ev.DraftRejected,
                    incident,
                    actor=ctx.actor,
                    proof=proof,
                    draft_id=draft.draft_id,
                    version=draft.version,
                    content_hash=draft.content_hash,
                    comment=comment,
                )
            ]

        return self._run(
            incident_id,
            "reject",
            build,
            command_id=command_id,
            draft_id=draft_id,
            proof=_pending_signature(self.account) if signer is not None else None,
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
        cache: dict[str, Proof] = {}
        signer = signer or self.signing()

        def build(incident: Incident, ctx: Context) -> list[ev.Event]:
            draft = self._draft_for(
                incident,
                ctx,
                [d for d in incident.drafts.values() if incident.blocking(d)],
                "with blocking findings",
            )
            variants = sorted(
                {
                    f.variant
                    for f in incident.blocking(draft)
                    if f.rule_id == rule_id and variant in (None, f.variant)
                }
            )
            proof = ctx.proof
            if signer is not None:
                detail = override_detail(rule_id, reason)
                proof = self._signed(incident, ctx, "override", draft, signer, cache, detail)
            return [
                self._event(
                    ev.LintOverridden,
                    incident,
                    actor=ctx.actor,
                    proof=proof,
                    draft_id=draft.draft_id,
                    version=draft.version,
                    content_hash=draft.content_hash,
                    rule_id=rule_id,
                    variant=key,
                    reason=reason,
                )
                for key in variants
            ]

        return self._run(
            incident_id,
            "override",
            build,
            command_id=command_id,
            draft_id=draft_id,
            extra={"rule_id": rule_id, "variant": variant, "reason": reason},
            proof=_pending_signature(self.account) if signer is not None else None,
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
        on = list(dict.fromkeys(on or []))
        posted = {key.strip(): url.strip() for key, url in (by_hand or {}).items()}

        def build(incident: Incident, ctx: Context) -> list[ev.Event]:
            ready = [d for d in incident.drafts_approved() if d.unpublished()]
            draft = self._draft_for(
                incident, ctx, ready, "approved and not yet published everywhere"
            )
            left = draft.unpublished()
            if not on and not posted:
                raise ActionRefused(
                    f"choose where draft {draft.draft_id} goes ({', '.join(left)})",
                    cli="--on VARIANT to publish through the scheduler, --by-hand VARIANT=URL "
                    "for a post made by hand",
                    app="tick the platforms in the publish dialog",
                )
            both = sorted(set(on) & set(posted))
            if both:
                raise ActionRefused(
                    f"{both[0]} cannot be both published and posted by hand: choose one"
                )
            for key in [*on, *posted]:
                if key not in draft.variants:
                    raise ActionRefused(
                        f"draft {draft.draft_id} has no variant {key!r} "
                        f"(variants: {', '.join(draft.variants)})"
                    )
                if key not in left:
                    raise ActionRefused(f"draft {draft.draft_id} is already published on {key}")
            for key, address in posted.items():
                if not _is_url(address):
                    raise ActionRefused(
                        f"give the address of the post on {key} (https://...), not {address!r}"
                    )
            self._check_proofs(incident)
            events: list[ev.Event] = [
                self._event(
                    ev.StatementPostedByHand,
                    incident,
                    draft_id=draft.draft_id,
                    version=draft.version,
                    content_hash=draft.content_hash,
                    variant=key,
                    url=address,
                )
                for key, address in posted.items()
            ]
            if on:
                payload = {
                    "draft_id": draft.draft_id,
                    "version": draft.version,
                    "content_hash": draft.content_hash,
                    "audience": draft.audience,
                    "variants": {key: draft.variants[key] for key in on},
                }
                events.append(self._intent(incident, "publish", payload))
            return events

        return self._run(incident_id, "publish", build, command_id=command_id, draft_id=draft_id)


def _is_url(text: str) -> bool:
    """True for an http(s) address of reasonable length with no spaces."""
    return (
        text.startswith(("https://", "http://"))
        and len(text) <= 2000
        and not any(c.isspace() for c in text)
        and len(text) > len("https://x")
    )
