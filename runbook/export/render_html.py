"""The HTML export: one self-contained, print-friendly page.

Rendered from ``templates/report.html.j2`` with Jinja2 autoescaping (every value from the event
log is escaped). No scripts, fonts, images or styles are fetched: a Content-Security-Policy of
``default-src 'none'`` makes sure of it. The visual timeline is an inline SVG
(:mod:`runbook.export.chart`); ``@media print`` keeps tables and the chart readable on paper and
repeats the ``[DRILL]`` mark on every printed page. The template says its words with
``{{ _("...") }}`` (in the report's language, extracted by Babel like the Python sources).
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup, escape

from runbook.describe.common import semicolon
from runbook.export import chart as geometry
from runbook.export.model import Report
from runbook.export.render_md import facts_of, post_counts, post_outcome, titled
from runbook.export.times import is_utc, readable, readable_local
from runbook.export.words import (
    CATEGORIES,
    DIRECTIONS,
    DRAFT_STATUS,
    DRAFT_STEPS,
    STATEMENT_KINDS,
    STATES,
    word,
    yes_no,
)
from runbook.i18n import _
from runbook.i18n.templates import html_environment

TEMPLATES = Path(__file__).with_name("templates")


def environment() -> jinja2.Environment:
    """The Jinja2 environment of the export's templates (:mod:`runbook.i18n.templates`)."""
    return html_environment(TEMPLATES)


def render_html(report: Report) -> str:
    """The report as one HTML document, in the language in force."""
    info = report.incident
    tz = ZoneInfo(report.timezone)
    facts = facts_of(report, tz)
    facts.insert(1, (_("Title"), info.title))
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

    utc_only = is_utc(report.timezone)
    # The timeline can hold 100,000 rows: written here (escaped) rather than by a template loop.
    timeline = Markup(
        "".join(
            f'<tr class="{e.category}"><td class="num">{e.seq}</td>'
            f'<td class="time">{escape(readable(e.at))}</td>'
            + (
                ""
                if utc_only
                else f'<td class="time">{escape(readable_local(e.at_local, tz))}</td>'
            )
            + f'<td class="num">{e.t_plus}</td><td>{repeated(e.actor_name)}</td>'
            f"<td>{repeated(e.actor_role)}</td><td>{repeated(e.proof or '-')}</td>"
            f"<td>{repeated(e.event)}</td>"
            f"<td>{escape(e.details)}</td></tr>\n"
            for e in report.timeline
        )
    )
    template = environment().get_template("report.html.j2")
    return template.render(
        report=report,
        utc_only=utc_only,
        post_outcome=post_outcome,
        info=info,
        heading=titled(info.id, info.title),
        titled=titled,
        state=word(STATES, info.state),
        mark=f"{info.marking} " if info.marking else "",
        facts=facts,
        stages=stages,
        charts=geometry.charts(report),
        timeline=timeline,
        post_counts=post_counts(report),
        words=_template_words(),
        category_colours=[(word(CATEGORIES, k), v) for k, v in geometry.CATEGORY_COLOURS.items()],
        width=geometry.WIDTH,
        left=geometry.LEFT,
        band_y=geometry.BAND_Y,
        band_h=geometry.BAND_H,
        reached_y=geometry.REACHED_Y,
    )


def _template_words() -> dict[str, object]:
    """The word tables the template shows statuses with (see :mod:`runbook.export.words`)."""
    return {
        "kind": lambda value: word(STATEMENT_KINDS, value),
        "draft": lambda value: word(DRAFT_STATUS, value),
        "step": lambda value: word(DRAFT_STEPS, value),
        "direction": lambda value: word(DIRECTIONS, value),
        "yes_no": yes_no,
        "sep": semicolon(),
    }
