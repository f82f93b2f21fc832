"""The Markdown export: ready to paste into a post-mortem document.

GitHub-flavoured Markdown tables; every cell is escaped (``|``, emphasis and link characters,
HTML brackets) so free text can never break a table or inject markup. Drills carry ``[DRILL]``
in the title, a banner under it and the closing line.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from runbook.export.model import PostEntry, Report
from runbook.export.times import readable, readable_local
from runbook.i18n import _
from runbook.model.text import inert

_NEEDS_ESCAPE = re.compile(r"[\\|*`<_(\r\n]")
_SPECIAL = re.compile(r"([\\|*`<]|(?<!\w)_|_(?!\w)|(?<=\])\()")
_POST_STATUS = {
    "resumed": "resumed",
    "kept_held": "kept held",
    "still_held": "still held",
    "pause_failed": "**pause failed**",
}


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
    """The report as Markdown text, inert on a terminal (control characters escaped)."""
    info = report.incident
    tz = ZoneInfo(report.timezone)
    mark = f"{info.marking} " if info.marking else ""
    out: list[str] = [f"# {mark}{esc(info.id)}: {esc(info.title)}", ""]
    if info.drill:
        out += ["> **[DRILL]** This was a tabletop drill: nothing real was sent.", ""]
    level = f"{info.level} ({info.level_name})" if info.level else "not assessed"
    facts: list[list[object]] = [
        ["Incident", f"{mark}{info.id}"],
        ["Playbook", f"{info.playbook_id} v{info.playbook_version}: {info.playbook_title}"],
        ["Level", level],
        ["State", info.state],
        [
            "Declared",
            f"{readable(info.opened_at)} ({readable(info.opened_at, tz)}) by {info.declared_by}",
        ],
        ["Resolved", readable(info.resolved_at) if info.resolved_at else "not resolved"],
        ["Closed", readable(info.closed_at) if info.closed_at else "not closed"],
        ["Duration", info.duration or "-"],
        ["Summary", info.summary or "-"],
        ["Review", info.review or "-"],
    ]
    exported = f"times in UTC and {report.timezone}"
    if report.generated_at:
        exported = f"{readable(report.generated_at)}; " + exported
    if report.redaction.names:
        exported += "; people shown by role"
    facts.append(["Exported", exported])
    out += _table(["", ""], facts) + [""]

    out += [
        "## Stage times",
        "",
        "Measured from the declaration, against the playbook's targets.",
        "",
    ]
    out += _table(
        ["Measure", "Reached", "T+", "Took", "Target", "Result"],
        [
            [
                m.label,
                readable(m.reached_at) if m.reached_at else "-",
                m.t_plus or "-",
                m.elapsed or "-",
                m.target or "-",
                Raw(f"**{esc(m.verdict)}**") if m.status == "missed" else m.verdict,
            ]
            for m in report.stages
        ],
    )
    out += ["", "## People involved", ""]
    out += (
        _table(
            ["Person", "Roles", "First involved", "Notified", "Acknowledged", "What they did"],
            [
                [
                    p.label,
                    ", ".join(p.roles) or "-",
                    p.first_t_plus,
                    p.notified_t_plus or "-",
                    p.acknowledged_t_plus or "-",
                    "; ".join(p.actions) or "-",
                ]
                for p in report.people
            ],
        )
        if report.people
        else ["Nobody besides runbook."]
    )

    out += ["", "## Scheduled posts", ""]
    if report.posts:
        counts = {
            "paused": sum(p.paused_t_plus is not None for p in report.posts),
            "resumed": sum(p.status == "resumed" for p in report.posts),
            "kept held": sum(p.status == "kept_held" for p in report.posts),
            "still held": sum(p.status == "still_held" for p in report.posts),
            "pause failed": sum(p.status == "pause_failed" for p in report.posts),
            "missed their slot": sum(p.missed_slot for p in report.posts),
        }
        out += [", ".join(f"{n} {what}" for what, n in counts.items()) + ".", ""]
        out += _table(
            [
                "Post",
                "Channel",
                "Scheduled",
                "Paused",
                "Resumed",
                "Outcome",
                "Missed slot",
                "Excerpt",
            ],
            [
                [
                    p.post_id,
                    p.channel,
                    p.scheduled_at,
                    p.paused_t_plus or "-",
                    p.resumed_t_plus or "-",
                    _POST_STATUS[p.status] + (f" ({p.error})" if p.error else "") + held_how(p),
                    "yes" if p.missed_slot else "no",
                    p.excerpt,
                ]
                for p in report.posts
            ],
        )
    else:
        out.append("No scheduled post was paused.")

    out += ["", "## Statements", ""]
    if not report.drafts:
        out += ["No statement was drafted.", ""]
    for draft in report.drafts:
        out += [
            f"### {esc(draft.draft_id)}: {esc(draft.title)}",
            "",
            f"{esc(draft.audience)} statement from template {esc(draft.template_id)}; "
            f"**{esc(draft.status)}**, version {draft.version} (content `{draft.content_hash}`).",
            f"Approved by: {esc(', '.join(draft.approved_by) or 'nobody yet')}."
            + (
                f" Approvals of earlier versions: {esc(', '.join(draft.stale_approvals))}."
                if draft.stale_approvals
                else ""
            ),
            "",
        ]
        if draft.approvals:
            out += _table(
                ["T+", "Approver", "Roles", "Proven by", "Counts"],
                [
                    [
                        a.t_plus,
                        a.by,
                        ", ".join(a.roles) or "-",
                        a.proof,
                        "yes" if a.counts else f"no: {a.why_not}",
                    ]
                    for a in draft.approvals
                ],
            )
            out.append("")
        out += _table(
            ["T+", "Step", "By", "Version", "Detail"],
            [[s.t_plus, s.action, s.by, s.version or "-", s.detail or "-"] for s in draft.history],
        )
        out += ["", "Text of the latest version:", ""]
        out += [f"- **{esc(key)}**: {esc(text)}" for key, text in draft.variants.items()]
        out.append("")

    out += ["## Severity assessments", ""]
    out += (
        _table(
            ["T+", "By", "Level", "Change", "Score", "Overrides"],
            [
                [
                    a.t_plus,
                    a.by,
                    f"{a.previous_level} -> {a.level}" if a.previous_level else a.level,
                    a.direction,
                    a.score if a.score is not None else "-",
                    "; ".join(a.overrides) or "-",
                ]
                for a in report.assessments
            ],
        )
        if report.assessments
        else ["The incident was never assessed."]
    )

    out += ["", "## Policy lint overrides", ""]
    out += (
        _table(
            ["T+", "By", "What", "Reason"],
            [
                [o.t_plus, o.by, ", ".join(f"{k}: {v}" for k, v in o.details.items()), o.reason]
                for o in report.lint_overrides
            ],
        )
        if report.lint_overrides
        else ["No policy finding was overridden."]
    )

    out += ["", "## Timeline", ""]
    out += _table(
        [
            "#",
            "Time (UTC)",
            f"Time ({report.timezone})",
            "T+",
            "Who",
            "Role",
            "Proven by",
            "Event",
            "Details",
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
        f"| {e.seq} | {readable(e.at)} | {readable_local(e.at_local, tz)} | {esc(e.t_plus)} "
        f"| {repeated(e.actor_name)} | {repeated(e.actor_role)} | {repeated(e.proof or '-')} "
        f"| {repeated(e.event)} "
        f"| {esc(e.details)} |"
        for e in report.timeline
    ]
    chain = report.chain
    verified = "yes" if chain.verified else f"**NO**: {esc(chain.problem)}"
    out += [
        "",
        "## Integrity",
        "",
        f"- Events: {chain.count}; head of the hash chain: `{chain.head_hash}`",
        f"- Chain verified when exported: {verified}",
        f"- Check it: `runbook verify {esc(info.id)}` must report the same head and count; "
        "a JSON export is checked with `runbook verify --export FILE`.",
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
            f"- {chain.redacted_events} event(s) were redacted in this export; their hashes "
            "can only be checked against the database."
        )
    if info.drill:
        out += ["", "**[DRILL]** End of drill export."]
    return inert("\n".join(out) + "\n")


def held_how(post: PostEntry) -> str:
    """``; deleted, will be recreated`` (or ``; recreated as 123``) where a post was not just
    marked held; empty otherwise."""
    from runbook.describe import HOW_HELD

    if post.recreated_as:
        return f"; deleted and recreated as {post.recreated_as}"
    how = HOW_HELD.get(post.hold, "")
    return f"; {how}" if how else ""
