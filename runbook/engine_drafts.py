"""Statement commands of the engine: start, edit, submit, approve, reject, override, publish.

A mixin of :class:`runbook.engine.Engine` (it uses the engine's command runner): the rules
themselves live in the lifecycle guards, :mod:`runbook.model.approvals` and
:mod:`runbook.model.lint`; here each command builds the events it records.
"""

from __future__ import annotations

import hashlib
import unicodedata
from typing import TYPE_CHECKING

from runbook.errors import ActionRefused
from runbook.model import events as ev
from runbook.model import lifecycle, messages
from runbook.model.incident import Draft, Incident
from runbook.model.lifecycle import Context
from runbook.model.templates import render
from runbook.store.chain import canonical

if TYPE_CHECKING:
    from runbook.engine import Engine as _Base
else:
    _Base = object


def content_hash(variants: dict[str, str]) -> str:
    """The hash approvals bind to: any change to any variant changes it."""
    return hashlib.sha256(canonical(variants).encode("utf-8")).hexdigest()[:16]


def _clean(text: str) -> str:
    """Statement text as stored: NFC-normalised (so counts and spans agree), trimmed."""
    return unicodedata.normalize("NFC", text).strip()


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
                        f"every template has a draft; name one with --template ({names})"
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
        """Submit a draft for approval."""

        def build(incident: Incident, ctx: Context) -> list[ev.Event]:
            candidates = [d for d in incident.drafts.values() if not d.submitted]
            draft = self._draft_for(incident, ctx, candidates, "waiting to be submitted")
            return [
                self._event(
                    ev.DraftSubmitted,
                    incident,
                    draft_id=draft.draft_id,
                    version=draft.version,
                    content_hash=draft.content_hash,
                )
            ]

        return self._run(incident_id, "submit", build, command_id=command_id, draft_id=draft_id)

    def approve(
        self, incident_id: str, draft_id: str | None = None, *, command_id: str | None = None
    ) -> Incident:
        """Approve the draft waiting for approval (four-eyes rule, roles of the level)."""
        from runbook.model.approvals import requirement

        def build(incident: Incident, ctx: Context) -> list[ev.Event]:
            chosen = self._draft_for(
                incident, ctx, incident.draft_awaiting(), "waiting for approval"
            )
            roles = sorted(set(ctx.roles) & set(requirement(incident, chosen).roles))
            return [
                self._event(
                    ev.DraftApproved,
                    incident,
                    draft_id=chosen.draft_id,
                    version=chosen.version,
                    content_hash=chosen.content_hash,
                    roles=roles,
                )
            ]

        return self._run(incident_id, "approve", build, command_id=command_id, draft_id=draft_id)

    def reject(
        self,
        incident_id: str,
        comment: str,
        draft_id: str | None = None,
        *,
        command_id: str | None = None,
    ) -> Incident:
        """Reject the draft under review with a comment; it returns to drafting."""
        comment = comment.strip()

        def build(incident: Incident, ctx: Context) -> list[ev.Event]:
            if not comment:
                raise ActionRefused("say why the draft is rejected (--comment)")
            draft = self._draft_for(
                incident, ctx, incident.draft_awaiting(), "waiting for approval"
            )
            return [
                self._event(
                    ev.DraftRejected,
                    incident,
                    draft_id=draft.draft_id,
                    version=draft.version,
                    comment=comment,
                )
            ]

        return self._run(incident_id, "reject", build, command_id=command_id, draft_id=draft_id)

    def override(
        self,
        incident_id: str,
        rule_id: str,
        reason: str,
        *,
        draft_id: str | None = None,
        variant: str | None = None,
        command_id: str | None = None,
    ) -> Incident:
        """Let a blocking policy finding stand, as a person holding the rule's override role,
        with a recorded reason (binds to the current content: an edit needs a new override)."""
        reason = reason.strip()

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
            return [
                self._event(
                    ev.LintOverridden,
                    incident,
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
        )

    def publish(
        self,
        incident_id: str,
        draft_id: str | None = None,
        *,
        url: str = "",
        command_id: str | None = None,
    ) -> Incident:
        """Publish an approved statement through the publisher, or mark it published at
        ``url`` when it was posted by hand."""

        def build(incident: Incident, ctx: Context) -> list[ev.Event]:
            ready = [d for d in incident.drafts_approved() if d.published_hash != d.content_hash]
            draft = self._draft_for(incident, ctx, ready, "approved and not yet published")
            payload = {
                "draft_id": draft.draft_id,
                "version": draft.version,
                "content_hash": draft.content_hash,
                "audience": draft.audience,
                "variants": dict(draft.variants),
                "url": url.strip(),
            }
            return [self._intent(incident, "publish", payload)]

        return self._run(incident_id, "publish", build, command_id=command_id, draft_id=draft_id)
