"""``runbook drill``: check a scenario, play it headless with scripted responses and score it,
or facilitate it live in the terminal UI (``--tui``).

Drills run on a temporary SQLite store unless ``--db`` is given on the command line
(``RUNBOOK_DB`` is ignored here, so a drill never lands on the everyday board), with the
simulated clock, and write the score report (Markdown, HTML or JSON). The same scenario and
responses give the same report, byte for byte. With ``--tui`` the app opens on the
facilitator's view (clock controls, inject feed, live expectation status); its engine is the
drill session's, and the score is printed (and written to ``--report``) when the app closes.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from runbook.cli import Settings, cli
from runbook.i18n import N_, _, formats

if TYPE_CHECKING:
    from runbook.drill.responses import Responses
    from runbook.drill.scenario import Scenario
    from runbook.loading import Workspace


def _format(fmt: str | None, report_file: Path | None) -> str:
    from runbook.drill.render import SUFFIXES

    if fmt:
        return fmt
    if report_file is not None:
        return SUFFIXES.get(report_file.suffix.lower(), "md")
    return "md"


def _write(path: Path, text: str) -> None:
    from runbook.errors import RunbookError

    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:
        raise RunbookError(
            _(
                "cannot write the report to %(path)s: %(reason)s",
                path=path,
                reason=exc.strerror or exc,
            )
        ) from None


@cli.command(
    help=N_(
        "Check a drill SCENARIO, or play it with --responses and write the score "
        "report.\n\nWithout --responses the scenario is checked and its plan printed. With "
        "it, the scripted actions are played on the simulated clock (injects released and "
        "escalations run on time), nothing real is sent unless --real-channels, and the "
        "report goes to --report or stdout. With --tui the facilitator runs it live in the "
        "terminal UI; participants act on the normal incident screen (enter), and the "
        "score is printed when the app closes."
    )
)
@click.argument("scenario", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--responses",
    "responses_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help=N_("Scripted participant actions to play headless (YAML)."),
)
@click.option(
    "--report",
    "report_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help=N_("Write the score report here (format from the suffix unless --format)."),
)
@click.option(
    "--format", "fmt", type=click.Choice(["md", "html", "json"]), help=N_("Report format (md).")
)
@click.option(
    "--real-channels",
    is_flag=True,
    help=N_("Send notifications through the configured channels, marked [DRILL]."),
)
@click.option(
    "--tui",
    is_flag=True,
    help=N_(
        "Facilitate the drill live in the terminal UI: simulated clock, inject feed and "
        "expectation status; participants work on the normal incident screen."
    ),
)
@click.option(
    "--lang",
    "language",
    type=click.Choice(["en", "fr"]),
    help="Language of the score report (default: the playbook's language).",
)
@click.option(
    "--min-score",
    type=click.IntRange(0, 100),
    help=N_("Exit 1 when the score (percent of expectations met) is below this."),
)
@click.pass_context
def drill(
    ctx: click.Context,
    scenario: Path,
    responses_file: Path | None,
    report_file: Path | None,
    fmt: str | None,
    real_channels: bool,
    tui: bool,
    language: str | None,
    min_score: int | None,
) -> None:
    from runbook.drill.files import load_responses, load_scenario

    settings: Settings = ctx.obj
    if tui and responses_file is not None:
        raise click.UsageError(_("--tui runs the drill live; scripted --responses play headless"))
    if tui and min_score is not None:
        raise click.UsageError(_("--min-score checks a headless run: use it with --responses FILE"))
    if not tui and responses_file is None:  # only the plan is printed: nothing is played
        given = [
            name
            for name, value in (
                ("--report", report_file),
                ("--format", fmt),
                ("--real-channels", real_channels or None),
                ("--lang", language),
                ("--min-score", min_score),
            )
            if value is not None
        ]
        if given:
            raise click.UsageError(
                _(
                    "%(options)s apply to a drill that is played: add --responses FILE or --tui",
                    options=", ".join(given),
                )
            )
    workspace = settings.workspace()
    loaded = load_scenario(scenario, workspace)
    explicit_db = (
        ctx.parent is not None
        and ctx.parent.get_parameter_source("db") == click.core.ParameterSource.COMMANDLINE
    )
    if tui:
        with tempfile.TemporaryDirectory(prefix="runbook-drill-") as folder:
            db = settings.db if explicit_db and settings.db else os.path.join(folder, "drill.db")
            played = _facilitate(
                settings, workspace, loaded, db, real_channels, _format(fmt, report_file), language
            )
        if played is None:
            click.echo(_("the drill was not started; nothing to score"))
            return
        text, line, _score = played
        if report_file is not None:
            _write(report_file, text)
            click.echo(_("%(line)s; report written to %(file)s", line=line, file=report_file))
        else:
            click.echo(_("%(line)s (--report FILE writes the full report)", line=line))
        return
    if responses_file is None:
        _print_plan(loaded)
        return
    responses = load_responses(responses_file, workspace, loaded)
    with tempfile.TemporaryDirectory(prefix="runbook-drill-") as folder:
        db = settings.db if explicit_db and settings.db else os.path.join(folder, "drill.db")
        text, line, score = _play(
            settings,
            workspace,
            loaded,
            responses,
            db,
            real_channels,
            _format(fmt, report_file),
            language,
        )
    if report_file is not None:
        _write(report_file, text)
        click.echo(_("%(line)s; report written to %(file)s", line=line, file=report_file))
    else:
        click.echo(text, nl=False)
    if min_score is not None and score < min_score:
        click.echo(
            _(
                "runbook: drill score %(score)s is below --min-score %(min)s",
                score=formats.percent(score / 100),
                min=min_score,
            ),
            err=True,
        )
        raise SystemExit(1)


def _effects(settings: Settings, workspace: Workspace, real_channels: bool) -> Any:
    """The configured adapters when real channels are asked for (else None)."""
    if not real_channels:
        return None
    from runbook.effects.wiring import build_effects
    from runbook.locations import config_dir

    return build_effects(workspace, config_dir(settings.config) / "contacts")


def _facilitate(
    settings: Settings,
    workspace: Workspace,
    scenario: Scenario,
    db: str,
    real_channels: bool,
    fmt: str,
    language: str | None = None,
) -> tuple[str, str, int] | None:
    """Open the terminal UI on a drill session on ``db``; when it closes, finish the drill and
    return (report text, headline, score percent), or None if it never started."""
    from runbook.drill.render import headline, render
    from runbook.drill.report import build_report
    from runbook.drill.session import DrillSession
    from runbook.store import open_store
    from runbook.tui.app import RunbookApp

    effects = _effects(settings, workspace, real_channels)
    store = open_store(db)
    try:
        session = DrillSession.open(
            workspace, scenario, store, effects=effects, real_channels=real_channels
        )
        RunbookApp(session.participant_engine(settings.operator), drill=session).run()
        if not session.declared:
            return None
        session.finish()
        report = build_report(session, language)
    finally:
        store.close()
    return render(report, fmt), headline(report), report.score.percent


def _play(
    settings: Settings,
    workspace: Workspace,
    scenario: Scenario,
    responses: Responses,
    db: str,
    real_channels: bool,
    fmt: str,
    language: str | None = None,
) -> tuple[str, str, int]:
    """Run the drill on ``db``; (report text, headline, score percent)."""
    from runbook.drill.render import headline, render
    from runbook.drill.runner import run_headless
    from runbook.store import open_store

    effects = _effects(settings, workspace, real_channels)
    store = open_store(db)
    try:
        _, report = run_headless(
            workspace,
            scenario,
            responses,
            store,
            effects=effects,
            real_channels=real_channels,
            language=language,
        )
    finally:
        store.close()
    return render(report, fmt), headline(report), report.score.percent


def _print_plan(scenario: Scenario) -> None:
    """What the scenario will do: cast, injects and expectations."""
    from runbook.drill.scenario import format_offset
    from runbook.model.base import format_duration

    click.echo(
        _(
            "ok: drill %(id)s on playbook %(playbook)s: %(title)s",
            id=scenario.id,
            playbook=scenario.playbook,
            title=scenario.title,
        )
    )
    cast, inject_word, expect = _("cast"), _("inject"), _("expect")
    for role in scenario.cast:
        click.echo(f"  {cast:6} {role:24} {', '.join(scenario.players(role))}")
    for offset, inject in scenario.schedule():
        click.echo(f"  {inject_word:6} {format_offset(offset):8} {inject.id}: {inject.summary()}")
    for expectation in scenario.expectations:
        if expectation.within:
            within = format_duration(expectation.within)
        else:
            within = _("playbook target")
        if expectation.after:
            words = _(
                "%(what)s within %(within)s after %(after)s",
                what=expectation.describe(),
                within=within,
                after=expectation.after,
            )
        else:
            words = _("%(what)s within %(within)s", what=expectation.describe(), within=within)
        click.echo(f"  {expect:6} {expectation.id}: {words}")
    click.echo(_("play it headless with --responses FILE, or facilitate it live with --tui"))
