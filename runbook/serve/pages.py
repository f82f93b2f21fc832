"""The approval server's pages: a link's page from the engine's :class:`LinkView`, in English or
French. Presentation only: what a page says comes from the engine; every string is said in the
page's language (each page is rendered inside :func:`runbook.i18n.using`, and the templates'
``_`` looks words up in that language's catalog); Jinja2 escapes everything (statement text
included), so no text from a draft, a name or a link can become markup or script.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from runbook.describe import PROOF_WORDS
from runbook.engine.approval_links import LinkView
from runbook.i18n import _, current_language, formats, translator, using

LANGUAGE_NAMES = (("en", "English"), ("fr", "Français"))


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("runbook.serve", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def gettext(message: str) -> str:
    """``message`` in the language in force, unformatted (the templates fill placeholders with
    Jinja's ``format`` filter, escaping the values)."""
    return translator(current_language()).gettext(message)


_PROOF_METHODS = {words: method for method, words in PROOF_WORDS.items()}
"""Proof words as the engine gives them (English) -> their method."""


def stylesheet() -> str:
    """The page's CSS."""
    loader = _environment().loader
    assert loader is not None
    source, _, _ = loader.get_source(_environment(), "serve.css")
    return source


def render_page(
    view: LinkView,
    *,
    lang: str,
    names: dict[str, str],
    csrf: str = "",
    outcome: dict[str, str] | None = None,
    problem: str | None = None,
) -> str:
    """The HTML of a link's page (``outcome``: what a decision did, shown on top), in ``lang``."""
    with using(lang):
        return _render_page(view, lang, names, csrf, outcome, problem)


def _render_page(
    view: LinkView,
    lang: str,
    names: dict[str, str],
    csrf: str,
    outcome: dict[str, str] | None,
    problem: str | None,
) -> str:
    incident = view.incident
    draft = view.draft
    context: dict[str, Any] = {
        "_": gettext,
        "lang": lang,
        "languages": LANGUAGE_NAMES,
        "title": _("Approve a statement") + " · runbook",
        "incident": incident,
        "drill": bool(incident and incident.drill),
        "draft": draft,
        "problem": problem if problem is not None else view.problem,
        "outcome": outcome,
        "newer_link": view.newer_link,
        "changed": view.changed,
        "link_version": view.claim.version if view.claim else "",
        "roles": view.roles,
        "csrf": csrf,
        "can_decide": bool(draft and not view.problem and not view.changed and not outcome),
    }
    if incident is not None and draft is not None:
        context.update(_draft_context(view, names))
    return _environment().get_template("approve.html.j2").render(context)


def _draft_context(view: LinkView, names: dict[str, str]) -> dict[str, Any]:
    from runbook.model.approvals import requirement
    from runbook.model.counting import variant_count

    incident = view.incident
    draft = view.draft
    assert incident is not None
    assert draft is not None
    playbook = incident.playbook
    level = ""
    if playbook is not None and incident.level:
        level = f"{incident.level} ({playbook.level(incident.level).name})"
    variants = []
    for key, text in draft.variants.items():
        measured = variant_count(incident.policy, key, text)
        variants.append(
            {
                "name": measured.platform + (f" ({key.partition(':')[2]})" if ":" in key else ""),
                "text": text,
                "length": measured.length,
                "limit": measured.limit,
                "fits": measured.fits,
            }
        )
    overrides = {(o[0], o[1]): o for o in draft.overrides if o[2] == draft.content_hash}
    findings = []
    for finding in view.findings:
        override = overrides.get((finding.rule_id, finding.variant))
        findings.append(
            {
                "rule": finding.rule_id,
                "variant": finding.variant,
                "matched": finding.matched,
                "explanation": finding.explanation,
                "tone": "bad" if finding.blocking and override is None else "warn",
                "overridden": override is not None,
                "overridden_by": names.get(override[3], override[3]) if override else "",
                "reason": override[4] if override else "",
            }
        )
    approvals = [
        {
            "name": name,
            "roles": ", ".join(roles) or "-",
            "proof": _proof(proof_words),
            "at": formats.date_time(at),
            "counts": counts,
        }
        for name, roles, proof_words, at, counts in view.approvals
    ]
    needs = requirement(incident, draft).describe() if incident.level else ""
    return {
        "level": level,
        "audience": _("public") if draft.audience == "public" else _("internal"),
        "author": names.get(draft.author, draft.author),
        "variants": variants,
        "findings": findings,
        "approvals": approvals,
        "needs": needs,
    }


def render_message(lang: str, title: str, text: str, *, tone: str = "bad") -> str:
    """A page that only says something (a refused request, a page not found)."""
    view = LinkView(claim=None)
    return render_page(
        view,
        lang=lang,
        names={},
        outcome={"title": title, "text": text, "tone": tone},
        problem="",
    )


def render_report(
    lang: str,
    csrf: str,
    outcome: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
) -> str:
    """The staff report form (``outcome``: the report was received or refused, shown on top;
    ``typed``: what the person had typed, given back after a refusal), in ``lang``."""
    with using(lang):
        return (
            _environment()
            .get_template("report.html.j2")
            .render(
                _=gettext,
                lang=lang,
                languages=LANGUAGE_NAMES,
                csrf=csrf,
                outcome=outcome,
                typed=typed or {},
            )
        )


def _proof(words: str) -> str:
    """How an approver was proven, in the page's language: ``approval link`` -> ``lien
    d'approbation``; ``login amara`` -> ``session amara`` (the account stays as recorded)."""
    method = _PROOF_METHODS.get(words)
    if method is not None:
        return _(PROOF_WORDS[method])
    for english, method in _PROOF_METHODS.items():
        if words.startswith(english + " "):
            return _(PROOF_WORDS[method]) + words[len(english) :]
    return words
