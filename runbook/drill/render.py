"""Writing a drill's score report as Markdown, HTML or JSON (like the timeline export).

Markdown for a pull request or a chat, JSON (with ``format_version``) for tools, HTML for a
debrief on screen or paper: one self-contained page (inline styles, no scripts, fonts or
images; a Content-Security-Policy of ``default-src 'none'``) rendered with Jinja2 and
autoescaping, so nothing typed in a scenario or a note can inject markup. Every format carries
the ``[DRILL]`` mark. Same report in, same bytes out.
"""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cache
from typing import Any

from runbook.drill.report import DrillReport, to_data
from runbook.drill.scenario import format_offset
from runbook.model.base import format_duration

FORMATS = ("md", "html", "json")
"""Report formats, as ``--format`` names them."""
SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".json": "json"}
"""File suffixes that imply a format."""


def render(report: DrillReport, fmt: str) -> str:
    """``report`` in format ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "md":
        return render_md(report)
    if fmt == "json":
        return json.dumps(to_data(report), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if fmt == "html":
        return render_html(report)
    raise ValueError(f"unknown report format {fmt!r}; formats: {', '.join(FORMATS)}")


def headline(report: DrillReport) -> str:
    """One line: ``[DRILL] scenario: 5/7 expectations met (71%, grade C)``."""
    s = report.score
    return (
        f"{report.marking} {report.scenario['id']}: {s.met}/{s.total} expectations met "
        f"({s.percent}%, grade {s.grade})"
    )


def _cell(text: object) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines + [""]


def _span(delta: timedelta | None) -> str:
    if delta is None:
        return "-"
    return format_duration(delta) if delta else "0m"


def render_md(report: DrillReport) -> str:
    """The report in Markdown."""
    info = report.incident
    s = report.score
    out = [
        f"# {report.marking} Drill report: {report.scenario['title']}",
        "",
        f"**Score: {s.percent}% ({s.met} of {s.total} expectations met), grade {s.grade}**",
        "",
        f"- Scenario: `{report.scenario['id']}`. {report.scenario['summary']}",
        f"- Incident: {info['id']} {report.marking}, \u201c{info['title']}\u201d",
        f"- Playbook: `{info['playbook']}` v{info['playbook_version']} ({info['playbook_title']})",
        f"- Final level: {info['level']}; state: {info['state']}",
        f"- Simulated time: {report.start:%Y-%m-%d %H:%M} UTC, ran {_span(report.duration)}",
        "- Notifications: "
        + (
            "real channels (marked [DRILL])"
            if report.real_channels
            else "kept in the drill sink (nothing sent)"
        )
        + f"; {report.messages['deliveries']} delivery record(s),"
        f" {report.messages['published']} statement(s) published to the drill sink",
        "",
        "## Expectations",
        "",
    ]
    out += _table(
        ["", "Expectation", "From", "Target", "Done at", "Took", "Result"],
        [
            [
                {"met": "\u2705", "missed": "\u274c"}.get(e.status, "\u23f3"),
                f"{e.id}: {e.description}",
                e.anchor,
                _span(e.target) if e.target is not None else "end of drill",
                report.t(e.done_at),
                _span(e.taken),
                f"{e.status} ({e.detail})" if e.detail else e.status,
            ]
            for e in report.expectations
        ],
    )
    out += ["## Decisions", ""]
    if report.decisions:
        out += _table(
            ["Moment", "Expected", "Chosen", "At", "Verdict", "Answers (expected -> chosen)"],
            [
                [
                    d.moment,
                    d.expected_level,
                    d.chosen_level or "-",
                    report.t(d.at),
                    d.verdict,
                    "; ".join(f"{q}: {o} -> {c or '-'}" for q, o, c in d.answers) or "-",
                ]
                for d in report.decisions
            ],
        )
    else:
        out += ["The scenario expects no particular level.", ""]
    out += ["## Checklist", ""]
    if report.checklist_missed:
        out += ["Items the scenario expected that were not ticked:", ""]
        out += [
            f"- `{m['item']}` ({m['stage']}, {m['expectation']}): {m['text']}"
            for m in report.checklist_missed
        ]
    else:
        out.append("Every checklist item the scenario expected was ticked.")
    if report.checklist_not_ticked:
        out += ["", "Other playbook items not ticked (not scored):", ""]
        out += [f"- `{m['item']}` ({m['stage']}): {m['text']}" for m in report.checklist_not_ticked]
    out += ["", "## Playbook targets", ""]
    out += _table(
        ["Target", "Goal", "Reached", "Verdict"],
        [[t["target"], t["goal"], t["reached"], t["verdict"]] for t in report.targets],
    )
    out += ["## Injects", ""]
    out += _table(
        ["At", "Inject", "Kind", "What happened"],
        [
            [format_offset(r.t_plus), r.values["id"], r.values["kind"], r.values["summary"]]
            for r in report.injects
            if r.values["released"] == "yes"
        ],
    )
    out += ["## Actions", ""]
    out += _table(
        ["At", "Who", "Action", "Outcome"],
        [
            [
                format_offset(r.t_plus),
                f"{r.values['name']} ({r.values['person']})",
                r.values["action"],
                r.values["outcome"] + (f": {r.values['reason']}" if r.values["reason"] else ""),
            ]
            for r in report.actions
        ],
    )
    out += ["## Escalations", ""]
    if report.escalations:
        out += _table(
            ["At", "Rule", "Round", "To", "After"],
            [
                [
                    format_offset(r.t_plus),
                    r.values["rule"],
                    r.values["round"],
                    r.values["to"],
                    r.values["waited"],
                ]
                for r in report.escalations
            ],
        )
    else:
        out += ["None: every notification was acknowledged in time.", ""]
    out += ["## Cast", ""]
    out += _table(
        ["Role", "Played by", "Stand-in"],
        [[c["role"], c["people"], c["stand_in"]] for c in report.cast],
    )
    return "\n".join(out).rstrip("\n") + "\n"


_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ r.marking }} Drill report: {{ r.scenario.title }}</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 70rem;
       padding: 0 1rem; color: #1d232b; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2rem; border-bottom: 1px solid #ccd; }
.mark { background: #b3261e; color: #fff; padding: .1rem .4rem; border-radius: .2rem; }
.score { font-size: 1.3rem; font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
th, td { border: 1px solid #ccd; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #eef0f4; }
.met { color: #136c2e; font-weight: 600; } .missed { color: #b3261e; font-weight: 600; }
.pending { color: #8a5a00; font-weight: 600; }
@media print { .mark::after { content: " tabletop drill"; } h2 { break-after: avoid; } }
</style>
</head>
<body>
<h1><span class="mark">{{ r.marking }}</span> Drill report: {{ r.scenario.title }}</h1>
<p class="score">Score: {{ r.score.percent }}% ({{ r.score.met }} of {{ r.score.total }}
expectations met), grade {{ r.score.grade }}</p>
<ul>
<li>Scenario: <code>{{ r.scenario.id }}</code>. {{ r.scenario.summary }}</li>
<li>Incident: {{ r.incident.id }} {{ r.marking }}, &ldquo;{{ r.incident.title }}&rdquo;</li>
<li>Playbook: <code>{{ r.incident.playbook }}</code> v{{ r.incident.playbook_version }}
({{ r.incident.playbook_title }})</li>
<li>Final level: {{ r.incident.level }}; state: {{ r.incident.state }}</li>
<li>Simulated time: {{ start }} UTC, ran {{ duration }}</li>
<li>Notifications: {{ channels }}; {{ r.messages.deliveries }} delivery record(s),
{{ r.messages.published }} statement(s) published to the drill sink</li>
</ul>
<h2>Expectations</h2>
<table><tr><th>Expectation</th><th>From</th><th>Target</th><th>Done at</th><th>Took</th>
<th>Result</th></tr>
{% for e in expectations %}<tr><td>{{ e.id }}: {{ e.description }}</td><td>{{ e.anchor }}</td>
<td>{{ e.target }}</td><td>{{ e.done_at }}</td><td>{{ e.taken }}</td>
<td class="{{ e.status }}">{{ e.status }}{% if e.detail %} ({{ e.detail }}){% endif %}</td></tr>
{% endfor %}</table>
<h2>Decisions</h2>
{% if decisions %}<table><tr><th>Moment</th><th>Expected</th><th>Chosen</th><th>At</th>
<th>Verdict</th><th>Answers (expected &rarr; chosen)</th></tr>
{% for d in decisions %}<tr><td>{{ d.moment }}</td><td>{{ d.expected }}</td>
<td>{{ d.chosen }}</td><td>{{ d.at }}</td><td>{{ d.verdict }}</td><td>{{ d.answers }}</td></tr>
{% endfor %}</table>{% else %}<p>The scenario expects no particular level.</p>{% endif %}
<h2>Checklist</h2>
{% if r.checklist_missed %}<p>Items the scenario expected that were not ticked:</p><ul>
{% for m in r.checklist_missed %}<li><code>{{ m.item }}</code> ({{ m.stage }},
{{ m.expectation }}): {{ m.text }}</li>
{% endfor %}</ul>{% else %}<p>Every checklist item the scenario expected was ticked.</p>
{% endif %}{% if r.checklist_not_ticked %}<p>Other playbook items not ticked (not scored):</p>
<ul>{% for m in r.checklist_not_ticked %}<li><code>{{ m.item }}</code> ({{ m.stage }}):
{{ m.text }}</li>{% endfor %}</ul>{% endif %}
<h2>Playbook targets</h2>
<table><tr><th>Target</th><th>Goal</th><th>Reached</th><th>Verdict</th></tr>
{% for t in r.targets %}<tr><td>{{ t.target }}</td><td>{{ t.goal }}</td><td>{{ t.reached }}</td>
<td>{{ t.verdict }}</td></tr>
{% endfor %}</table>
{% for section in sections %}<h2>{{ section.title }}</h2>
{% if section.rows %}<table><tr>{% for h in section.header %}<th>{{ h }}</th>{% endfor %}</tr>
{% for row in section.rows %}<tr>{% for c in row %}<td>{{ c }}</td>{% endfor %}</tr>
{% endfor %}</table>{% else %}<p>{{ section.empty }}</p>{% endif %}
{% endfor %}</body>
</html>
"""


@cache
def _template() -> Any:
    import jinja2

    environment = jinja2.Environment(
        autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True
    )
    return environment.from_string(_TEMPLATE)


def render_html(report: DrillReport) -> str:
    """The report as one self-contained HTML page."""
    expectations = [
        {
            "id": e.id,
            "description": e.description,
            "anchor": e.anchor,
            "target": _span(e.target) if e.target is not None else "end of drill",
            "done_at": report.t(e.done_at),
            "taken": _span(e.taken),
            "status": e.status,
            "detail": e.detail,
        }
        for e in report.expectations
    ]
    decisions = [
        {
            "moment": d.moment,
            "expected": d.expected_level,
            "chosen": d.chosen_level or "-",
            "at": report.t(d.at),
            "verdict": d.verdict,
            "answers": "; ".join(f"{q}: {o} \u2192 {c or '-'}" for q, o, c in d.answers) or "-",
        }
        for d in report.decisions
    ]
    sections = [
        {
            "title": "Injects",
            "header": ["At", "Inject", "Kind", "What happened"],
            "rows": [
                [format_offset(r.t_plus), r.values["id"], r.values["kind"], r.values["summary"]]
                for r in report.injects
                if r.values["released"] == "yes"
            ],
            "empty": "No inject was released.",
        },
        {
            "title": "Actions",
            "header": ["At", "Who", "Action", "Outcome"],
            "rows": [
                [
                    format_offset(r.t_plus),
                    f"{r.values['name']} ({r.values['person']})",
                    r.values["action"],
                    r.values["outcome"] + (f": {r.values['reason']}" if r.values["reason"] else ""),
                ]
                for r in report.actions
            ],
            "empty": "No participant action was recorded.",
        },
        {
            "title": "Escalations",
            "header": ["At", "Rule", "Round", "To", "After"],
            "rows": [
                [format_offset(r.t_plus), *(r.values[k] for k in ("rule", "round", "to", "waited"))]
                for r in report.escalations
            ],
            "empty": "None: every notification was acknowledged in time.",
        },
        {
            "title": "Cast",
            "header": ["Role", "Played by", "Stand-in"],
            "rows": [[c["role"], c["people"], c["stand_in"]] for c in report.cast],
            "empty": "",
        },
    ]
    channels = (
        "real channels (marked [DRILL])"
        if report.real_channels
        else "kept in the drill sink (nothing sent)"
    )
    return _template().render(
        r=report,
        start=f"{report.start:%Y-%m-%d %H:%M}",
        duration=_span(report.duration),
        channels=channels,
        expectations=expectations,
        decisions=decisions,
        sections=sections,
    )
