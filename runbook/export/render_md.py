"""The Markdown export: ready to paste into a post-mortem document.

GitHub-flavoured Markdown tables; every cell is escaped (``|``, emphasis and link characters,
HTML brackets) so free text can never break a table or inject markup. Drills carry ``[DRILL]``
in the title, a banner under it and the closing line. Every fixed word is in the report's
language; statuses are shown through :mod:`runbook.export.words`.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from runbook.describe.common import semicolon
from runbook.export.model import PostEntry, Report
from runbook.export.times import is_utc, readable, readable_local
from runbook.export.words import (
    DIRECTIONS,
    DRAFT_STATUS,
    DRAFT_STEPS,
    POST_STATUS,
    STATEMENT_KINDS,
    STATES,
    word,
    yes_no,
)
from runbook.i18n import N_, _, in_context, ngettext
from runbook.model.text import inert

_NEEDS_ESCAPE = re.compile(r"[\\|*`<_(\r\n]")
_SPECIAL = re.compile(r"([\\|*`<]|(?<!\w)_|_(?!\w)|(?<=\])\()")


class Raw(str):
    """Markdown written by this module: not escaped again."""


def esc(value: object) -> str:
    """Text safe inside a Markdown table cell."""
    if isinstance(value, Raw):
        return value
    text = "" if value is None else str(value)
    if _NEEDS_ESCAPE.search(text) is None:
        return text.strip() or " "
    text = _SPECIAL.sub(r"\\\1", text)
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>").strip() or " "


def _table(headers: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return lines


def render_md(report: Report) -> str:
    """The report as Markdown text, inert on a terminal (control characters escaped), in the
    language in force (:func:`runbook.export.render` sets the report's)."""
    info = report.incident
    tz = ZoneInfo(report.timezone)
    mark = f"{info.marking} " if info.marking else ""
    dash = "-"
    out: list[str] = ["# " + mark + titled(esc(info.id), esc(info.title)), ""]
    if info.drill:
        out += [
            "> **" + info.marking + "** " + _("This was a tabletop drill: nothing real was sent."),
            "",
        ]
    facts: list[list[object]] = [[label, value] for label, value in facts_of(report, tz)]
    out += _table(["", ""], facts) + [""]

    out += [
        "## " + _("Stage times"),
        "",
        _("Measured from the declaration, against the playbook's targets."),
        "",
    ]
    out += _table(
        [_("Measure"), _("Reached"), "T+", _("Took"), _("Target"), _("Result")],
        [
            [
                m.label,
                readable(m.reached_at) if m.reached_at else dash,
                m.t_plus or dash,
                m.elapsed or dash,
                m.target or dash,
                Raw(f"**{esc(m.verdict)}**") if m.status == "missed" else m.verdict,
            ]
            for m in report.stages
        ],
    )
    out += ["", "## " + _("People involved"), ""]
    out += (
        _table(
            [
                _("Person"),
                _("Roles"),
                _("First involved"),
                _("Notified"),
                _("Acknowledged"),
                _("What they did"),
            ],
            [
                [
                    p.label,
                    ", ".join(p.roles) or dash,
                    p.first_t_plus,
                    p.notified_t_plus or dash,
                    p.acknowledged_t_plus or dash,
                    semicolon().join(p.actions) or dash,
                ]
                for p in report.people
            ],
        )
        if report.people
        else [_("Nobody besides runbook.")]
    )

    out += ["", "## " + _("Scheduled posts"), ""]
    if report.posts:
        out += [post_counts(report), ""]
        out += _table(
            [
                _("Post"),
                _("Channel"),
                _("Scheduled"),
                _("Paused"),
                _("Resumed"),
                _("Outcome"),
                _("Missed slot"),
                _("Excerpt"),
            ],
            [
                [
                    p.post_id,
                    p.channel,
                    p.scheduled_at,
                    p.paused_t_plus or dash,
                    p.resumed_t_plus or dash,
                    Raw(_post_outcome(p)),
                    yes_no(p.missed_slot),
                    p.excerpt,
                ]
                for p in report.posts
            ],
        )
    else:
        out.append(_("No scheduled post was paused."))

    out += ["", "## " + _("Statements"), ""]
    if not report.drafts:
        out += [_("No statement was drafted."), ""]
    for draft in report.drafts:
        approved = ", ".join(draft.approved_by) or _("nobody yet")
        line = _("Approved by: %(people)s.", people=esc(approved))
        if draft.stale_approvals:
            line += " " + _(
                "Approvals of earlier versions: %(people)s.",
                people=esc(", ".join(draft.stale_approvals)),
            )
        out += [
            "### " + titled(esc(draft.draft_id), esc(draft.title)),
            "",
            _(
                "%(kind)s from template %(template)s; **%(status)s**, version "
                "%(version)s (content `%(hash)s`).",
                kind=esc(word(STATEMENT_KINDS, draft.audience)),
                template=esc(draft.template_id),
                status=esc(word(DRAFT_STATUS, draft.status)),
                version=draft.version,
                hash=draft.content_hash,
            ),
            line,
            "",
        ]
        if draft.approvals:
            out += _table(
                ["T+", _("Approver"), _("Roles"), _("Proven by"), _("Counts")],
                [
                    [
                        a.t_plus,
                        a.by,
                        ", ".join(a.roles) or dash,
                        a.proof,
                        yes_no(True) if a.counts else _("no: %(why)s", why=a.why_not),
                    ]
                    for a in draft.approvals
                ],
            )
            out.append("")
        out += _table(
            ["T+", _("Step"), _("By"), _("Version"), _("Detail")],
            [
                [s.t_plus, word(DRAFT_STEPS, s.action), s.by, s.version or dash, s.detail or dash]
                for s in draft.history
            ],
        )
        out += ["", _("Text of the latest version:"), ""]
        out += [f"- **{esc(key)}**: {esc(text)}" for key, text in draft.variants.items()]
        out.append("")

    out += ["## " + _("Severity assessments"), ""]
    out += (
        _table(
            ["T+", _("By"), _("Level"), _("Change"), _("Score"), _("Overrides")],
            [
                [
                    a.t_plus,
                    a.by,
                    f"{a.previous_level} -> {a.level}" if a.previous_level else a.level,
                    word(DIRECTIONS, a.direction),
                    a.score if a.score is not None else dash,
                    semicolon().join(a.overrides) or dash,
                ]
                for a in report.assessments
            ],
        )
        if report.assessments
        else [_("The incident was never assessed.")]
    )

    out += ["", "## " + _("Policy lint overrides"), ""]
    out += (
        _table(
            ["T+", _("By"), _("What"), _("Reason")],
            [
                [o.t_plus, o.by, ", ".join(f"{k}: {v}" for k, v in o.details.items()), o.reason]
                for o in report.lint_overrides
            ],
        )
        if report.lint_overrides
        else [_("No policy finding was overridden.")]
    )

    utc_only = is_utc(report.timezone)
    out += ["", "## " + in_context(N_("report|Timeline")), ""]
    out += _table(
        [
            "#",
            _("Time (%(zone)s)", zone="UTC"),
            *([] if utc_only else [_("Time (%(zone)s)", zone=report.timezone)]),
            "T+",
            _("Who"),
            _("Role"),
            _("Proven by"),
            _("Event"),
            _("Details"),
        ],
        [],
    )
    memo: dict[str, str] = {}

    def repeated(value: str) -> str:
        found = memo.get(value)
        if found is None:
            found = memo[value] = esc(value)
        return found

    out += [
        f"| {e.seq} | {readable(e.at)} | "
        + ("" if utc_only else f"{readable_local(e.at_local, tz)} | ")
        + f"{esc(e.t_plus)} "
        f"| {repeated(e.actor_name)} | {repeated(e.actor_role)} | {repeated(e.proof or dash)} "
        f"| {repeated(e.event)} "
        f"| {esc(e.details)} |"
        for e in report.timeline
    ]
    chain = report.chain
    verified = (
        yes_no(True) if chain.verified else _("**NO**: %(problem)s", problem=esc(chain.problem))
    )
    out += [
        "",
        "## " + _("Integrity"),
        "",
        "- "
        + _(
            "Events: %(count)s; head of the hash chain: `%(head)s`",
            count=chain.count,
            head=chain.head_hash,
        ),
        "- " + _("Chain verified when exported: %(verified)s", verified=verified),
        "- "
        + _(
            "Check it: `runbook verify %(id)s` must report the same head and count; a JSON export "
            "is checked with `runbook verify --export FILE`.",
            id=esc(info.id),
        ),
        "- "
        + _(
            "Witnessed head: `%(head)s`; keep it apart from the database: `runbook verify "
            "%(id)s --head %(head)s` shows the database still holds this record",
            head=chain.head,
            id=esc(info.id),
        ),
    ]
    if chain.redacted_events:
        out.append(
            "- "
            + ngettext(
                "%(n)s event(s) were redacted in this export; their hashes can only be checked "
                "against the database.",
                "%(n)s event(s) were redacted in this export; their hashes can only be checked "
                "against the database.",
                chain.redacted_events,
            )
        )
    if info.drill:
        out += ["", "**" + info.marking + "** " + _("End of drill export.")]
    return inert("\n".join(out) + "\n")


def facts_of(report: Report, tz: ZoneInfo) -> list[tuple[str, str]]:
    """The incident's facts table (label, value) in the language in force, for Markdown and
    HTML."""
    info = report.incident
    mark = f"{info.marking} " if info.marking else ""
    level = f"{info.level} ({info.level_name})" if info.level else _("not assessed")
    if is_utc(report.timezone):
        declared = _("%(utc)s by %(person)s", utc=readable(info.opened_at), person=info.declared_by)
        exported = _("times in UTC")
    else:
        declared = _(
            "%(utc)s (%(local)s) by %(person)s",
            utc=readable(info.opened_at),
            local=readable(info.opened_at, tz),
            person=info.declared_by,
        )
        exported = _("times in UTC and %(zone)s", zone=report.timezone)
    if report.generated_at:
        exported = readable(report.generated_at) + semicolon() + exported
    if report.redaction.names:
        exported += semicolon() + _("people shown by role")
    return [
        (_("Incident"), f"{mark}{info.id}"),
        (
            _("Playbook"),
            titled(f"{info.playbook_id} v{info.playbook_version}", info.playbook_title),
        ),
        (_("Level"), level),
        (_("State"), word(STATES, info.state)),
        (_("Declared"), declared),
        (_("Resolved"), readable(info.resolved_at) if info.resolved_at else _("not resolved")),
        (_("Closed"), readable(info.closed_at) if info.closed_at else _("not closed")),
        (_("Duration"), info.duration or "-"),
        (_("Summary"), info.summary or "-"),
        (_("Review"), info.review or "-"),
        (_("Exported"), exported),
    ]


def titled(name: str, title: str) -> str:
    """``INC-7KQ4PX: what happened`` (``INC-7KQ4PX : ...`` in French)."""
    return _("%(name)s: %(title)s", name=name, title=title)


def post_counts(report: Report) -> str:
    """``4 paused, 3 resumed, ... 2 missed their slot.`` in the language in force."""
    posts = report.posts
    return _(
        "%(paused)s paused, %(resumed)s resumed, %(kept)s kept held, %(held)s still held, "
        "%(failed)s pause failed, %(missed)s missed their slot.",
        paused=sum(p.paused_t_plus is not None for p in posts),
        resumed=sum(p.status == "resumed" for p in posts),
        kept=sum(p.status == "kept_held" for p in posts),
        held=sum(p.status == "still_held" for p in posts),
        failed=sum(p.status == "pause_failed" for p in posts),
        missed=sum(p.missed_slot for p in posts),
    )


def post_outcome(post: PostEntry) -> str:
    """What became of a post, in words: ``kept held``, ``resumed; deleted and recreated as
    123``, ``pause failed (rate limit)``."""
    text = word(POST_STATUS, post.status)
    if post.error:
        text += f" ({post.error})"
    return text + held_how(post)


def _post_outcome(post: PostEntry) -> str:
    text = esc(post_outcome(post))
    return f"**{text}**" if post.status == "pause_failed" else text


def held_how(post: PostEntry) -> str:
    """``; deleted, will be recreated`` (or ``; recreated as 123``) where a post was not just
    marked held; empty otherwise."""
    from runbook.describe import held_words

    if post.recreated_as:
        return semicolon() + _("deleted and recreated as %(post)s", post=post.recreated_as)
    how = held_words(post.hold)
    return semicolon() + how if how else ""
