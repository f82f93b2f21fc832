"""The ``export`` command: the post-incident timeline as Markdown, JSON, CSV or HTML.

A thin layer over :mod:`runbook.export` (imported when the command runs, so ``runbook --help``
stays fast). Writing ``-o FILE`` is atomic: the file is complete or untouched.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from runbook.cli import Settings, cli
from runbook.i18n import N_, _

FORMATS = ("md", "json", "csv", "html")
"""Same as :data:`runbook.export.FORMATS` (kept here so start-up imports nothing heavy)."""


@cli.command(
    name="export",
    help=N_(
        "Export an incident's timeline, stage times against targets, people, posts and drafts."
    ),
)
@click.argument("incident_id", metavar="ID")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help=N_("md, json, csv or html (default: from the -o file's suffix, else md)."),
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help=N_("Write to FILE (atomically) instead of standard output."),
)
@click.option(
    "--tz",
    default="UTC",
    show_default=True,
    help=N_("Time zone of the local-time column (Europe/Paris, America/New_York, ...)."),
)
@click.option(
    "--redact",
    type=click.Choice(["names"]),
    multiple=True,
    help=N_(
        "names: show people by role, e.g. 'legal (2)', for sharing outside the team. "
        "Contact details and secrets are always removed."
    ),
)
@click.option(
    "--lang",
    "language",
    type=click.Choice(["en", "fr"]),
    help="Language of the export (default: the playbook's language).",
)
@click.pass_context
def export_command(
    ctx: click.Context,
    incident_id: str,
    fmt: str | None,
    output: Path | None,
    tz: str,
    redact: tuple[str, ...],
    language: str | None,
) -> None:
    from runbook.errors import RunbookError
    from runbook.export import SUFFIXES, export_incident
    from runbook.export.files import write_atomic
    from runbook.export.times import zone

    settings: Settings = ctx.obj
    try:
        zone(tz)
    except RunbookError as exc:
        click.echo(_("runbook: --tz: %(error)s", error=exc), err=True)
        ctx.exit(2)
    suffix = SUFFIXES.get(output.suffix.lower()) if output else None
    if fmt is not None and suffix is not None and suffix != fmt:
        raise click.UsageError(
            _(
                "--format %(format)s and the file name %(name)s (%(suffix)s) disagree: choose one",
                format=fmt,
                name=output.name if output else "",
                suffix=suffix,
            )
        )
    if fmt is None:
        fmt = suffix or "md"
    engine = settings.engine()
    text = export_incident(
        engine,
        incident_id,
        fmt,
        tz=tz,
        redact_names="names" in redact,
        environ=os.environ,
        now=datetime.now(UTC),
        language=language,
    )
    if output is None:  # to the terminal: md and csv are inert as made, JSON and HTML here
        from runbook.model.text import inert, json_safe

        if fmt == "json":
            text = json_safe(text)
        elif fmt == "html":
            text = inert(text)
        data = text.encode("utf-8")
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    write_atomic(output, text.encode("utf-8"))
    click.echo(
        _(
            "%(id)s: %(format)s export written to %(file)s",
            id=incident_id.strip().upper(),
            format=fmt,
            file=output,
        ),
        err=True,
    )
