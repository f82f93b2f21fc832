"""Commands about the files people edit: validate, playbooks, schema, lifecycle."""

from __future__ import annotations

from pathlib import Path

import click

from runbook.cli import Settings, cli, emit_json
from runbook.i18n import N_, _


@cli.command(
    help=N_(
        "Check playbooks, policy, contacts and drill scenarios (default ./playbooks, "
        "./playbooks/drills and ./contacts).\n\nEvery problem is listed as file:line:col: "
        "field: message. Exit 1 if any."
    )
)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.pass_obj
def validate(settings: Settings, paths: tuple[Path, ...]) -> None:
    from runbook.errors import ConfigError
    from runbook.loading import kind_of, load_workspace, yaml_files
    from runbook.locations import config_dir, default_paths

    chosen = list(paths) or default_paths(config_dir(settings.config))
    if not paths:
        chosen = [p for p in chosen if p.exists()] or chosen
        drills = config_dir(settings.config) / "playbooks" / "drills"
        if drills.is_dir():
            chosen.append(drills)
    workspace = load_workspace(chosen)
    files = yaml_files([p for p in chosen if p.exists()])
    scenarios = [f for f in files if kind_of(f) == "scenario"]
    if scenarios:
        from runbook.drill.files import load_scenario

        # Scenarios name playbooks and people: check them against the full configuration
        # when only the scenarios were given.
        reference = workspace if workspace.playbooks else settings.workspace()
        problems: list[str] = []
        for path in scenarios:
            try:
                load_scenario(path, reference)
            except ConfigError as exc:
                problems.extend(exc.problems)
        if problems:
            raise ConfigError(problems)
    click.echo(
        _(
            "ok: %(files)s file(s), %(playbooks)s playbook(s), %(scenarios)s drill scenario(s), "
            "%(people)s people",
            files=len(files),
            playbooks=len(workspace.playbooks),
            scenarios=len(scenarios),
            people=len(workspace.contacts.people),
        )
    )


@cli.command(help=N_("List the playbooks: id, title and levels."))
@click.option("--json", "as_json", is_flag=True, help=N_("Print JSON."))
@click.pass_obj
def playbooks(settings: Settings, as_json: bool) -> None:
    workspace = settings.workspace()
    rows = [
        {
            "id": p.id,
            "title": p.title,
            "version": p.version,
            "levels": [lv.id for lv in p.severity.levels],
            "summary": p.summary,
        }
        for p in sorted(workspace.playbooks.values(), key=lambda p: p.id)
    ]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        click.echo(f"{row['id']:28} {row['title']:48} {' '.join(row['levels'])}")


@cli.command(help=N_("Write JSON Schema files for playbooks, policy and contacts (for editors)."))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=Path("schemas"),
    show_default=True,
    help=N_("Folder to write the JSON Schema files into."),
)
def schema(output: Path) -> None:
    import os
    import subprocess
    import sys

    # In a fresh interpreter that reads the fields' docstrings (the schemas' descriptions).
    env = {**os.environ, "RUNBOOK_FIELD_DOCS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "runbook.schema", str(output)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        from runbook.errors import RunbookError

        lines = (result.stderr or result.stdout).strip().splitlines()
        raise RunbookError(
            _(
                "could not write the schemas: %(reason)s",
                reason=lines[-1] if lines else _("failed"),
            )
        )
    click.echo(result.stdout, nl=False)


@cli.command(help=N_("Print the incident lifecycle."))
@click.option("--mermaid", is_flag=True, required=True, help=N_("Print a Mermaid state diagram."))
def lifecycle(mermaid: bool) -> None:
    from runbook.model.lifecycle import mermaid as diagram

    click.echo(diagram(), nl=False)
