"""Writing a drill's score report as Markdown, HTML or JSON (like the timeline export).

Markdown for a pull request or a chat, JSON (with ``format_version``) for tools, HTML for a
debrief on screen or paper: one self-contained page (inline styles, no scripts, fonts or
images; a Content-Security-Policy of ``default-src 'none'``) rendered with Jinja2 and
autoescaping, so nothing typed in a scenario or a note can inject markup. Every format carries
the ``[DRILL]`` mark. Same report in, same bytes out. Every fixed word is in the report's
language (:func:`render` speaks it with :func:`runbook.i18n.using`; the HTML template's ``_`` is
extracted by Babel from ``templates/report.html.j2``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from runbook.drill.report import DrillReport, to_data
from runbook.drill.words import (
    ANSWERS,
    INJECT_KINDS,
    OUTCOMES,
    STAGES,
    STATES,
    STATUSES,
    TARGET_VERDICTS,
    offset,
    span,
    word,
)
from runbook.i18n import N_, _, formats, in_context, using
from runbook.i18n.templates import html_environment

TEMPLATES = Path(__file__).with_name("templates")

FORMATS = ("md", "html", "json")
"""Report formats, as ``--format`` names them."""
SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".json": "json"}
"""File suffixes that imply a format."""


def render(report: DrillReport, fmt: str) -> str:
    """``report`` in format ``fmt`` (one of :data:`FORMATS`), in the report's language."""
    with using(report.language):
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
    with using(report.language):
        return _(
            "%(mark)s %(scenario)s: %(met)s/%(total)s expectations met (%(percent)s, grade "
            "%(grade)s)",
            mark=report.marking,
            scenario=report.scenario["id"],
            met=s.met,
            total=s.total,
            percent=_percent(s.percent),
            grade=s.grade,
        )


def _percent(value: int) -> str:
    """``71%`` / ``71 %``."""
    return formats.percent(value / 100)


def _cell(text: object) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _h in header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines + [""]


def _score_line(report: DrillReport) -> str:
    s = report.score
    return _(
        "Score: %(percent)s (%(met)s of %(total)s expectations met), grade %(grade)s",
        percent=_percent(s.percent),
        met=s.met,
        total=s.total,
        grade=s.grade,
    )


def _facts(report: DrillReport, code: bool) -> list[str]:
    """The report's summary lines (``code``: ids in Markdown backticks)."""
    info = report.incident

    def ident(text: str) -> str:
        return f"`{text}`" if code else text

    channels = (
        _("real channels (marked %(mark)s)", mark=report.marking)
        if report.real_channels
        else _("kept in the drill sink (nothing sent)")
    )
    return [
        _(
            "Scenario: %(id)s. %(summary)s",
            id=ident(report.scenario["id"]),
            summary=report.scenario["summary"],
        ),
        _(
            "Incident: %(id)s %(mark)s, “%(title)s”",
            id=info["id"],
            mark=report.marking,
            title=info["title"],
        ),
        _(
            "Playbook: %(id)s v%(version)s (%(title)s)",
            id=ident(info["playbook"]),
            version=info["playbook_version"],
            title=info["playbook_title"],
        ),
        _(
            "Final level: %(level)s; state: %(state)s",
            level=info["level"],
            state=word(STATES, info["state"]),
        ),
        _(
            "Simulated time: %(start)s, ran %(duration)s",
            start=formats.date_time(report.start),
            duration=span(report.duration),
        ),
        _("Notifications: %(channels)s", channels=channels)
        + _("; ")
        + _(
            "%(deliveries)s delivery record(s), %(published)s statement(s) published to the "
            "drill sink",
            deliveries=report.messages["deliveries"],
            published=report.messages["published"],
        ),
    ]


def _expectation_rows(report: DrillReport) -> list[dict[str, str]]:
    return [
        {
            "mark": {"met": "\u2705", "missed": "\u274c"}.get(e.status, "\u23f3"),
            "id": e.id,
            "description": e.description,
            "anchor": e.anchor,
            "target": span(e.target) if e.target is not None else _("end of drill"),
            "done_at": offset(e.done_at - report.start) if e.done_at else "-",
            "taken": span(e.taken),
            "status": e.status,
            "result": (
                _(
                    "%(status)s (%(detail)s)",
                    status=word(STATUSES, e.status),
                    detail=e.detail,
                )
                if e.detail
                else word(STATUSES, e.status)
            ),
        }
        for e in report.expectations
    ]


def _decision_rows(report: DrillReport, arrow: str) -> list[dict[str, str]]:
    return [
        {
            "moment": d.moment,
            "expected": d.expected_level,
            "chosen": d.chosen_level or "-",
            "at": offset(d.at - report.start) if d.at else "-",
            "verdict": d.verdict,
            "answers": _("; ").join(f"{q}: {o} {arrow} {c or '-'}" for q, o, c in d.answers) or "-",
        }
        for d in report.decisions
    ]


def _target_rows(report: DrillReport) -> list[dict[str, str]]:
    return [
        {
            "target": word(STAGES, t["target"]),
            "goal": t["goal"],
            "reached": t["reached"],
            "verdict": word(TARGET_VERDICTS, t["verdict"]),
        }
        for t in report.targets
    ]


def _sections(report: DrillReport) -> list[dict[str, Any]]:
    """Injects, actions, escalations and cast: title, header, rows, what to say when empty."""
    return [
        {
            "title": in_context(N_("drill report|Injects")),
            "header": [_("At"), _("Inject"), _("Kind"), _("What happened")],
            "rows": [
                [
                    offset(r.t_plus),
                    r.values["id"],
                    word(INJECT_KINDS, r.values["kind"]),
                    r.values["summary"],
                ]
                for r in report.injects
                if r.values["released"] == "yes"
            ],
            "empty": _("No inject was released."),
        },
        {
            "title": _("Actions"),
            "header": [_("At"), _("Who"), _("Action"), _("Outcome")],
            "rows": [
                [
                    offset(r.t_plus),
                    f"{r.values['name']} ({r.values['person']})",
                    r.values["action"],
                    _(
                        "%(outcome)s: %(reason)s",
                        outcome=word(OUTCOMES, r.values["outcome"]),
                        reason=r.values["reason"],
                    )
                    if r.values["reason"]
                    else word(OUTCOMES, r.values["outcome"]),
                ]
                for r in report.actions
            ],
            "empty": _("No participant action was recorded."),
        },
        {
            "title": _("Escalations"),
            "header": [_("At"), _("Rule"), _("Round"), _("To"), _("After")],
            "rows": [
                [offset(r.t_plus), *(r.values[k] for k in ("rule", "round", "to", "waited"))]
                for r in report.escalations
            ],
            "empty": _("None: every notification was acknowledged in time."),
        },
        {
            "title": _("Cast"),
            "header": [_("Role"), _("Played by"), _("Stand-in")],
            "rows": [[c["role"], c["people"], word(ANSWERS, c["stand_in"])] for c in report.cast],
            "empty": "",
        },
    ]


def render_md(report: DrillReport) -> str:
    """The report in Markdown, in the language in force."""
    out = [
        f"# {report.marking} " + _("Drill report: %(title)s", title=report.scenario["title"]),
        "",
        f"**{_score_line(report)}**",
        "",
        *(f"- {line}" for line in _facts(report, code=True)),
        "",
        "## " + in_context(N_("drill report|Expectations")),
        "",
    ]
    out += _table(
        ["", _("Expectation"), _("From"), _("Target"), _("Done at"), _("Took"), _("Result")],
        [
            [
                e["mark"],
                f"{e['id']}: {e['description']}",
                e["anchor"],
                e["target"],
                e["done_at"],
                e["taken"],
                e["result"],
            ]
            for e in _expectation_rows(report)
        ],
    )
    out += ["## " + _("Decisions"), ""]
    if report.decisions:
        out += _table(
            [
                _("Moment"),
                _("Expected"),
                _("Chosen"),
                _("At"),
                _("Verdict"),
                _("Answers (expected -> chosen)"),
            ],
            [
                [d["moment"], d["expected"], d["chosen"], d["at"], d["verdict"], d["answers"]]
                for d in _decision_rows(report, "->")
            ],
        )
    else:
        out += [_("The scenario expects no particular level."), ""]
    out += ["## " + in_context(N_("drill report|Checklist")), ""]
    if report.checklist_missed:
        out += [_("Items the scenario expected that were not ticked:"), ""]
        out += [
            f"- `{m['item']}` ({word(STAGES, m['stage'])}, {m['expectation']})"
            + _(": %(text)s", text=m["text"])
            for m in report.checklist_missed
        ]
    else:
        out.append(_("Every checklist item the scenario expected was ticked."))
    if report.checklist_not_ticked:
        out += ["", _("Other playbook items not ticked (not scored):"), ""]
        out += [
            f"- `{m['item']}` ({word(STAGES, m['stage'])})" + _(": %(text)s", text=m["text"])
            for m in report.checklist_not_ticked
        ]
    out += ["", "## " + _("Playbook targets"), ""]
    out += _table(
        [_("Target"), _("Goal"), _("Reached"), _("Verdict")],
        [[t["target"], t["goal"], t["reached"], t["verdict"]] for t in _target_rows(report)],
    )
    for section in _sections(report):
        out += ["## " + section["title"], ""]
        if section["rows"] or not section["empty"]:
            out += _table(section["header"], section["rows"])
        else:
            out += [section["empty"], ""]
    return "\n".join(out).rstrip("\n") + "\n"


def render_html(report: DrillReport) -> str:
    """The report as one self-contained HTML page, in the language in force."""
    return (
        html_environment(TEMPLATES)
        .get_template("report.html.j2")
        .render(
            r=report,
            score=_score_line(report),
            facts=_facts(report, code=False),
            print_mark=_("tabletop drill"),
            expectations=_expectation_rows(report),
            decisions=_decision_rows(report, "\u2192"),
            targets=_target_rows(report),
            sections=_sections(report),
        )
    )
