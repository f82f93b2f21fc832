"""The HTML export: one self-contained, print-friendly page.

Rendered from ``templates/report.html.j2`` with Jinja2 autoescaping (every value from the event
log is escaped). No scripts, fonts, images or styles are fetched: a Content-Security-Policy of
``default-src 'none'`` makes sure of it. The visual timeline is an inline SVG
(:mod:`runbook.export.chart`); ``@media print`` keeps tables and the chart readable on paper and
repeats the ``[DRILL]`` mark on every printed page.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup, escape

from runbook.export import chart as geometry
from runbook.export.model import Report
from runbook.export.render_md import held_how
from runbook.export.times import readable, readable_local
from runbook.i18n import _

TEMPLATES = Path(__file__).with_name("templates")


@cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment (autoescape on, templates from the package)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def render_html(report: Report) -> str:
    """The report as one HTML document."""
    info = report.incident
    tz = ZoneInfo(report.timezone)
    facts = [
        ("Incident", f"{info.marking} {info.id}".strip()),
        ("Title", info.title),
        ("Playbook", f"{info.playbook_id} v{info.playbook_version}: {info.playbook_title}"),
        ("Level", f"{info.level} ({info.level_name})" if info.level else "not assessed"),
        ("State", info.state),
        (
            "Declared",
            f"{readable(info.opened_at)} ({readable(info.opened_at, tz)}) by {info.declared_by}",
        ),
        ("Resolved", readable(info.resolved_at) if info.resolved_at else "not resolved"),
        ("Closed", readable(info.closed_at) if info.closed_at else "not closed"),
        ("Duration", info.duration or "-"),
        ("Summary", info.summary or "-"),
        ("Review", info.review or "-"),
        (
            "Exported",
            (f"{readable(report.generated_at)}; " if report.generated_at else "")
            + f"times in UTC and {report.timezone}"
            + ("; people shown by role" if report.redaction.names else ""),
        ),
    ]
    stages = [
        {
            "label": m.label,
            "utc": readable(m.reached_at) if m.reached_at else "-",
            "local": readable(m.reached_at, tz) if m.reached_at else "-",
            "t_plus": m.t_plus or "-",
            "elapsed": m.elapsed or "-",
            "target": m.target or "-",
            "status": m.status,
            "verdict": m.verdict,
        }
        for m in report.stages
    ]
    memo: dict[str, str] = {}

    def repeated(value: str) -> str:
        found = memo.get(value)
        if found is None:
            found = memo[value] = str(escape(value))
        return found

    # The timeline can hold 100,000 rows: written here (escaped) rather than by a template loop.
    timeline = Markup(
        "".join(
            f'<tr class="{e.category}"><td class="num">{e.seq}</td>'
            f'<td class="time">{escape(readable(e.at))}</td>'
            f'<td class="time">{escape(readable_local(e.at_local, tz))}</td>'
            f'<td class="num">{e.t_plus}</td><td>{repeated(e.actor_name)}</td>'
            f"<td>{repeated(e.actor_role)}</td><td>{repeated(e.proof or '-')}</td>"
            f"<td>{repeated(e.event)}</td>"
            f"<td>{escape(e.details)}</td></tr>\n"
            for e in report.timeline
        )
    )
    posts = report.posts
    post_counts = (
        f"{sum(p.paused_t_plus is not None for p in posts)} paused, "
        f"{sum(p.status == 'resumed' for p in posts)} resumed, "
        f"{sum(p.status == 'kept_held' for p in posts)} kept held, "
        f"{sum(p.status == 'still_held' for p in posts)} still held, "
        f"{sum(p.status == 'pause_failed' for p in posts)} pause failed, "
        f"{sum(p.missed_slot for p in posts)} missed their slot."
    )
    template = environment().get_template("report.html.j2")
    return template.render(
        report=report,
        held_how=held_how,
        info=info,
        mark=f"{info.marking} " if info.marking else "",
        facts=facts,
        stages=stages,
        charts=geometry.charts(report),
        timeline=timeline,
        post_counts=post_counts,
        witnessed_head=_(
            "Witnessed head: %(head)s; keep it apart from the database: runbook verify "
            "%(id)s --head %(head)s shows the database still holds this record",
            head=report.chain.head,
            id=info.id,
        ),
        category_colours=list(geometry.CATEGORY_COLOURS.items()),
        width=geometry.WIDTH,
        left=geometry.LEFT,
        band_y=geometry.BAND_Y,
        band_h=geometry.BAND_H,
        reached_y=geometry.REACHED_Y,
    )
