"""What the statement commands decide: start a draft, edit it, submit it, publish it.

Each function takes the engine's view (:class:`~runbook.engine.core.EngineCore`), the incident
as folded now and the guard context, and returns the events the command records. The rules
themselves live in the lifecycle guards, :mod:`runbook.model.approvals` and
:mod:`runbook.model.lint`; the decisions on a submitted draft (approve, reject, override,
attest) are in :mod:`runbook.engine.sign_off`.
"""

from __future__ import annotations

import hashlib
import unicodedata
import uuid
from typing import Any

from runbook.engine import cadence
from runbook.engine.core import EngineCore
from runbook.engine.link_keys import link_id
from runbook.engine.proofs import check_rows
from runbook.errors import ActionRefused
from runbook.i18n import _
from runbook.model import events as ev
from runbook.model import guards, messages
from runbook.model.approvals import eligible, rule_for, stranded
from runbook.model.incident import Draft, Incident
from runbook.model.lifecycle import Context
from runbook.model.limits import MAX_STATEMENT, check_text
from runbook.model.lint import lint_variants
from runbook.model.proof import people_behind
from runbook.model.templates import render
from runbook.store.chain import canonical


def content_hash(variants: dict[str, str]) -> str:
    """The hash approvals bind to: any change to any variant changes it."""
    return hashlib.sha256(canonical(variants).encode("utf-8")).hexdigest()[:16]


def clean(text: str) -> str:
    """Statement text as stored: NFC-normalised (so counts and spans agree), trimmed."""
    return unicodedata.normalize("NFC", text).strip()


def start_draft(
    engine: EngineCore, template_id: str | None, incident: Incident, ctx: Context
) -> list[ev.Event]:
    """A draft from a template (default: the first template with no draft yet), its
    placeholders filled from the incident."""
    assert incident.playbook is not None
    templates = incident.playbook.drafts
    if template_id is None:
        used = {d.template_id for d in incident.drafts.values()}
        fresh = [t for t in templates if t.id not in used]
        if not fresh:
            names = ", ".join(t.id for t in templates)
            raise ActionRefused(
                _("every template has a draft (%(names)s)", names=names),
                cli=_("name one with --template"),
                app=_("choose the template in the list"),
            )
        template = fresh[0]
    else:
        found = incident.playbook.draft_template(template_id)
        if found is None:
            names = ", ".join(t.id for t in templates)
            raise ActionRefused(
                _(
                    "no template %(template_id)s (templates: %(names)s)",
                    template_id=repr(template_id),
                    names=names,
                )
            )
        template = found
    update = incident.playbook.update_template(template.id)
    variants = {}
    for platform in template.platforms:
        for language, text in template.languages.items():
            key = platform if language == "default" else f"{platform}:{language}"
            values = messages.template_values(incident, language)
            if update is not None:
                values["next_update_at"] = cadence.next_update_words(
                    incident, update.audience, engine.clock.now()
                )
            variants[key] = clean(render(text, values))
            check_text(f"the {key} text from template {template.id}", variants[key], MAX_STATEMENT)
    writers = people_behind(ctx.actor, ctx.proof)
    return [
        engine.event(
            ev.DraftStarted,
            incident,
            draft_id=f"D{len(incident.drafts) + 1}",
            template_id=template.id,
            title=template.title,
            audience=template.audience,
            variants=variants,
            content_hash=content_hash(variants),
            stand_ins=stand_ins(engine, incident, variants, template.audience, writers),
        )
    ]


def stand_ins(
    engine: EngineCore,
    incident: Incident,
    variants: dict[str, str],
    audience: str,
    writers: set[str],
) -> dict[str, list[str]]:
    """The approving roles of a version with ``variants`` written by ``writers`` that nobody
    eligible holds now, each with the roles the policy lets approve in its place."""
    if incident.playbook is None or incident.level is None:
        return {}
    required = list(incident.playbook.approval[incident.level].roles)
    if incident.policy is not None:
        for finding in lint_variants(incident.policy, variants, audience):
            if finding.review_role and finding.review_role not in required:
                required.append(finding.review_role)
    contacts = engine.workspace.contacts
    now = engine.clock.now()
    holders = {role: set(contacts.holders(role, now)) for role in required}
    alternates = incident.policy.alternate_approvers if incident.policy is not None else {}
    return {role: list(alternates.get(role, [])) for role in stranded(required, writers, holders)}


def edit_draft(
    engine: EngineCore, changes: dict[str, str], incident: Incident, ctx: Context
) -> list[ev.Event]:
    """A new version of the draft with ``changes`` (variant -> text); refused when nothing
    changes, a variant is unknown or would be empty."""
    draft = guards.select_draft(incident, ctx, list(incident.drafts.values()), "there to edit")
    unknown = [key for key in changes if key not in draft.variants]
    if unknown:
        raise ActionRefused(
            _(
                "draft %(draft_id)s has no variant %(variant)s (variants: %(items)s)",
                draft_id=draft.draft_id,
                variant=repr(unknown[0]),
                items=", ".join(draft.variants),
            )
        )
    variants = {**draft.variants, **{k: clean(v) for k, v in changes.items()}}
    if any(not text for text in variants.values()):
        raise ActionRefused(_("a variant cannot be empty"))
    for key in changes:
        check_text(f"the {key} text", variants[key], MAX_STATEMENT)
    new_hash = content_hash(variants)
    if new_hash == draft.content_hash:
        raise ActionRefused(_("draft %(draft_id)s is unchanged", draft_id=draft.draft_id))
    writers = {draft.author} | draft.author_people | people_behind(ctx.actor, ctx.proof)
    return [
        engine.event(
            ev.DraftEdited,
            incident,
            draft_id=draft.draft_id,
            variants=variants,
            content_hash=new_hash,
            version=draft.version + 1,
            stand_ins=stand_ins(engine, incident, variants, draft.audience, writers),
        )
    ]


def submit(engine: EngineCore, incident: Incident, ctx: Context) -> list[ev.Event]:
    """The draft submitted for approval, and the request to everyone who may approve it."""
    candidates = [d for d in incident.drafts.values() if not d.submitted]
    draft = guards.select_draft(incident, ctx, candidates, "waiting to be submitted")
    submitted = engine.event(
        ev.DraftSubmitted,
        incident,
        draft_id=draft.draft_id,
        version=draft.version,
        content_hash=draft.content_hash,
    )
    request = approval_request(engine, incident, draft)
    return [submitted] if request is None else [submitted, request]


def approval_request(
    engine: EngineCore, incident: Incident, draft: Draft
) -> ev.EffectRequested | None:
    """The intent asking everyone who may approve ``draft`` to do so, each with a personal
    approval link (sent on a private channel only; see :mod:`runbook.engine.link_keys`).
    None when nobody may."""
    contacts = engine.workspace.contacts
    settings = contacts.links()
    now = engine.clock.now()
    channels = [name for name in settings.via if name in contacts.channels] or list(settings.via)
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
    return engine.event(
        ev.EffectRequested,
        incident,
        effect_id=effect_id,
        kind="approval_request",
        payload=payload,
    )


def check_proofs(engine: EngineCore, incident: Incident) -> None:
    """Refuse to go on when a stored proof does not check (a signature, a link receipt, an
    approval with a proof runbook never records), or an approval's link receipt cannot be
    checked here (no link secret): the approvals that unlock publishing must be the ones
    people gave."""
    checked = check_rows(
        engine.stored_rows(incident.id), engine.workspace.contacts, engine.verifying_keys()
    )
    if not checked.ok:
        raise ActionRefused(
            _(
                "a proof in the record does not check (%(problem)s); nothing is published until "
                "it is resolved",
                problem=checked.problem,
            ),
            cli=_("runbook verify %(id)s", id=incident.id),
        )
    if checked.unchecked_approvals:
        seqs = ", ".join(f"#{seq}" for seq in checked.unchecked_approvals[:5])
        raise ActionRefused(
            _(
                "the approval-link receipt of event %(seqs)s cannot be checked here: the team's "
                "link secret is not on this machine, and nothing is published on an approval "
                "that cannot be checked",
                seqs=seqs,
            ),
            cli="export RUNBOOK_LINK_SECRET=... (the team's secret), then publish again",
        )


def publish(
    engine: EngineCore,
    on: list[str],
    posted: dict[str, str],
    incident: Incident,
    ctx: Context,
) -> list[ev.Event]:
    """An approved statement published where the operator chose: ``on`` lists the variants
    to send through the publisher (one intent), ``posted`` those already posted by hand, with
    the post's URL (recorded as such, never sent again). Refused until a choice is made, and
    while any stored proof does not check."""
    ready = [d for d in incident.drafts_approved() if d.unpublished()]
    draft = guards.select_draft(incident, ctx, ready, "approved and not yet published everywhere")
    left = draft.unpublished()
    if not on and not posted:
        raise ActionRefused(
            _(
                "choose where draft %(draft_id)s goes (%(items)s)",
                draft_id=draft.draft_id,
                items=", ".join(left),
            ),
            cli=_(
                "--on VARIANT to publish through the scheduler, --by-hand VARIANT=URL for a post "
                "made by hand"
            ),
            app=_("tick the platforms in the publish dialog"),
        )
    both = sorted(set(on) & set(posted))
    if both:
        raise ActionRefused(
            _(
                "%(variant)s cannot be both published and posted by hand: choose one",
                variant=both[0],
            )
        )
    for key in [*on, *posted]:
        if key not in draft.variants:
            raise ActionRefused(
                _(
                    "draft %(draft_id)s has no variant %(key)s (variants: %(items)s)",
                    draft_id=draft.draft_id,
                    key=repr(key),
                    items=", ".join(draft.variants),
                )
            )
        if key not in left:
            raise ActionRefused(
                _(
                    "draft %(draft_id)s is already published on %(key)s",
                    draft_id=draft.draft_id,
                    key=key,
                )
            )
    for key, address in posted.items():
        if not _is_url(address):
            raise ActionRefused(
                _(
                    "give the address of the post on %(key)s (https://...), not %(address)s",
                    key=key,
                    address=repr(address),
                )
            )
    check_proofs(engine, incident)
    update = incident.playbook.update_template(draft.template_id) if incident.playbook else None
    if update is not None and update.send == "notify":
        if posted:
            raise ActionRefused(
                _(
                    "the %(audience)s update is sent through notify, not posted: choose one "
                    "variant to send (%(items)s)",
                    audience=update.audience,
                    items=", ".join(left),
                )
            )
        return [cadence.send_intent(engine, incident, draft, update, on)]
    events: list[ev.Event] = [
        engine.event(
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
    events += cadence.posted_by_hand(engine, incident, draft, posted)
    if on:
        payload = {
            "draft_id": draft.draft_id,
            "version": draft.version,
            "content_hash": draft.content_hash,
            "audience": draft.audience,
            "variants": {key: draft.variants[key] for key in on},
        }
        marker = cadence.publish_marker(incident, draft)
        if marker is not None:
            payload["update"] = marker
        events.append(engine.intent(incident, "publish", payload))
    return events


def _is_url(text: str) -> bool:
    """True for an http(s) address of reasonable length with no spaces."""
    return (
        text.startswith(("https://", "http://"))
        and len(text) <= 2000
        and not any(c.isspace() for c in text)
        and len(text) > len("https://x")
    )
