"""The command line: a thin layer over :mod:`runbook.engine`.

Start-up stays fast (``runbook --help`` imports neither Textual nor pydantic): commands import
what they need when they run. Exit codes: 0 success, 1 a refused or invalid action (one-line
reason on stderr; every problem for invalid files) or an effect that failed for everyone (a
notification nobody received, a pause that held nothing: one line each), 2 a usage error.
Long waits before trying again, and lost connections to the team store, are one line each on
stderr as they happen.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from runbook.cli.language import TranslatedGroup, lang_option, language_in, speak
from runbook.i18n import N_, _, current_language, ngettext, set_language


class RunbookGroup(TranslatedGroup):
    """A click group that speaks the language chosen (``--lang``, ``RUNBOOK_LANG``, the
    system locale) from its first word, turns RunbookError into a clear message and exit
    code 1, and shows what it prints inert (:mod:`runbook.cli.output`)."""

    group_class: type[click.Group] | type[type] | None = TranslatedGroup

    def main(self, *args: Any, **kwargs: Any) -> Any:
        from runbook.cli.output import inert_output

        arguments = kwargs.get("args", args[0] if args else None)
        given = list(sys.argv[1:] if arguments is None else arguments)
        previous = current_language()
        set_language(language_in(given))
        speak()
        try:
            with inert_output():
                undecodable = not_text(given)
                if undecodable:  # bytes that are not UTF-8 can be neither recorded nor shown
                    if not kwargs.get("standalone_mode", True):
                        raise click.UsageError(undecodable)
                    click.echo(f"runbook: {undecodable}", err=True)
                    sys.exit(2)
                return self._main(*args, **kwargs)
        finally:
            set_language(previous)  # in-process callers (tests) get their language back

    def _main(self, *args: Any, **kwargs: Any) -> Any:
        standalone = kwargs.pop("standalone_mode", True)
        if not standalone:
            return super().main(*args, standalone_mode=False, **kwargs)  # type: ignore[call-overload]
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)  # type: ignore[call-overload]
        except click.UsageError as exc:  # one line, naming the command's help
            if exc.ctx is not None:
                where = _(" (`%(command)s --help`)", command=exc.ctx.command_path)
            else:
                where = ""
            click.echo(f"runbook: {exc.format_message()}{where}", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"runbook: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo(_("runbook: aborted"), err=True)
            sys.exit(1)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        sys.exit(code if isinstance(code, int) else 0)  # ctx.exit(n) returns n here

    def invoke(self, ctx: click.Context) -> Any:
        from runbook.errors import ConfigError, RunbookError

        try:
            result = super().invoke(ctx)
            if _report_failures(ctx.obj):
                ctx.exit(1)
            return result
        except ConfigError as exc:
            for problem in exc.problems:
                click.echo(problem, err=True)
            count = len(exc.problems)
            click.echo(
                ngettext("runbook: %(n)s problem found", "runbook: %(n)s problems found", count),
                err=True,
            )
            ctx.exit(1)
        except RunbookError as exc:
            click.echo(f"runbook: {exc}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo(_("runbook: interrupted"), err=True)
            ctx.exit(130)


def not_text(arguments: list[str]) -> str:
    """What is wrong when an argument or a ``RUNBOOK_*`` variable holds bytes that are not
    UTF-8 (Python keeps them as lone surrogates, which can be neither recorded nor printed):
    one line naming it and the first bad byte; empty when all are text."""
    named = [(_("argument %(n)s", n=n), text) for n, text in enumerate(arguments, 1)]
    named += [(name, value) for name, value in os.environ.items() if name.startswith("RUNBOOK_")]
    for name, text in named:
        for char in text:
            if "\ud800" <= char <= "\udfff":
                code = ord(char)
                byte = code - 0xDC00 if 0xDC80 <= code <= 0xDCFF else code
                return _(
                    "%(name)s is not UTF-8 text (byte %(byte)s); give it as UTF-8",
                    name=name,
                    byte=format(byte, "#04x"),
                )
    return ""


def _report_failures(settings: Any) -> bool:
    """Say, one line each, which effects of the command failed (stderr); True when one failed
    for everyone (nobody notified, no post held, one channel that reached nobody), or the
    command itself asked to exit 1 (:attr:`Settings.failed`)."""
    engine = getattr(settings, "_engine", None)
    failed = bool(getattr(settings, "failed", False))
    if engine is None:
        return failed
    for incident_id, effect in engine.failures_performed():
        for whole, words in effect.what_failed():
            failed = failed or whole
            again = "resend" if effect.result == "unknown" else "retry"
            if whole:
                line = _(
                    "runbook: %(id)s: %(words)s; `runbook %(again)s %(id)s` tries again",
                    id=incident_id,
                    words=words,
                    again=again,
                )
            else:
                line = _(
                    "runbook: warning: %(id)s: %(words)s; `runbook %(again)s %(id)s` tries again",
                    id=incident_id,
                    words=words,
                    again=again,
                )
            click.echo(line, err=True)
    return failed


class Settings:
    """Global options, resolved lazily so cheap commands stay cheap."""

    def __init__(
        self, db: str | None, operator: str | None, config: str | None, command_id: str | None
    ) -> None:
        self.db = db
        self.operator = operator
        self.config = config
        self.command_id = command_id
        self._workspace: Any = None
        self._engine: Any = None
        self.failed = False
        """Set by a command that ends with exit code 1 after reporting what failed."""
        self.warn_owner = True
        """Warn when the store's login can rewrite history (off for the owner's own
        commands: ``db migrate``, ``db grant``, ``db rebuild``)."""

    def workspace(self) -> Any:
        """The validated playbooks, policy and contacts."""
        if self._workspace is None:
            from runbook.loading import load_workspace
            from runbook.locations import config_dir, default_paths

            self._workspace = load_workspace(default_paths(config_dir(self.config)))
        return self._workspace

    def engine(self) -> Any:
        """An engine on the chosen store, acting as the operator."""
        if self._engine is None:
            from runbook.effects.wiring import build_effects
            from runbook.engine import Engine
            from runbook.locations import config_dir, default_db
            from runbook.store import open_store

            store = open_store(self.db or default_db())
            store.notice = lambda line: click.echo(f"runbook: {line}", err=True)
            workspace = self.workspace()
            effects = build_effects(workspace, config_dir(self.config) / "contacts")
            effects.report_waits(lambda wait: click.echo(f"runbook: {wait.words()}", err=True))
            self._engine = Engine(store, workspace, operator=self.operator, effects=effects)
            if self.command_id:
                self._engine.request = request_of(click.get_current_context(), self.operator)
            if self.warn_owner:
                warning = self._engine.store_warning()
                if warning:
                    click.echo(_("runbook: WARNING: %(warning)s", warning=warning), err=True)
        return self._engine


@click.group(
    cls=RunbookGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    help=N_(
        "runbook: run a communications crisis by the playbook.\n\nWith no command, opens "
        "the terminal UI."
    ),
)
@click.option(
    "--lang",
    metavar="LANG",
    is_eager=True,
    expose_value=False,
    callback=lang_option,
    help=N_("Language: en or fr (default: RUNBOOK_LANG, else the system locale)."),
)
@click.option(
    "--db", envvar="RUNBOOK_DB", help=N_("Incident store: a file path or a postgresql:// URL.")
)
@click.option(
    "--as", "operator", envvar="RUNBOOK_OPERATOR", help=N_("Who you are (a person id in contacts).")
)
@click.option(
    "--config", envvar="RUNBOOK_CONFIG", help=N_("Folder holding playbooks/ and contacts/.")
)
@click.option(
    "--command-id",
    callback=lambda _ctx, _param, value: _command_id(value),
    help=N_("Idempotency key: repeating a command with it never records it twice."),
)
@click.version_option(package_name="runbook")
@click.pass_context
def cli(
    ctx: click.Context,
    db: str | None,
    operator: str | None,
    config: str | None,
    command_id: str | None,
) -> None:
    ctx.obj = Settings(db, operator, config, command_id)
    if ctx.invoked_subcommand is None:
        from runbook.cli.app import open_app

        open_app(ctx.obj)


MAX_COMMAND_ID = 200
"""Longest ``--command-id`` (characters): it is stored with every event the command records."""


def _command_id(value: str | None) -> str | None:
    """``--command-id`` as given, refused when empty or longer than :data:`MAX_COMMAND_ID`."""
    if value is not None and not (0 < len(value.strip()) and len(value) <= MAX_COMMAND_ID):
        raise click.BadParameter(
            _(
                "a command id is 1 to %(limit)s characters; this one is %(n)s",
                limit=MAX_COMMAND_ID,
                n=format(len(value), ","),
            )
        )
    return value


def main() -> None:
    """Console-script entry point."""
    # Importing the command modules registers their commands.
    from runbook.cli import (  # noqa: F401
        configuration,
        db,
        deliveries,
        drafts,
        drill,
        export,
        files,
        incidents,
        intake,
        posts,
        schedulers,
        serve,
        sign_off,
        verify,
    )

    cli(prog_name="runbook")


def request_of(ctx: click.Context, operator: str | None) -> str:
    """The command being run, as an operator's ``--command-id`` is tied to it: its name and a
    short hash of its arguments (and who runs it), e.g. ``runbook note 3f9a1c2be0d4``."""
    import hashlib
    import json

    arguments = json.dumps(
        {"params": ctx.params, "as": operator}, sort_keys=True, default=str, ensure_ascii=False
    )
    return f"{ctx.command_path} {hashlib.sha256(arguments.encode('utf-8')).hexdigest()[:12]}"


def refuse_together(**options: Any) -> None:
    """Refuse options given together that cannot all be honoured (never drop one silently):
    each keyword is an option's name (``dry_run`` for ``--dry-run``) and whether it was given;
    raises a usage error naming them when more than one was."""
    given = [f"--{name.replace('_', '-')}" for name, value in options.items() if value]
    if len(given) > 1:
        raise click.UsageError(
            _(
                "%(options)s cannot be used together: choose one",
                options=_(" and ").join(given),
            )
        )


def emit_json(data: Any) -> None:
    """Print ``data`` as JSON on stdout."""
    import json

    from runbook.model.text import json_safe

    click.echo(json_safe(json.dumps(data, indent=2, ensure_ascii=False, default=str)))


def is_tty() -> bool:
    """True when stdout is a terminal."""
    return sys.stdout.isatty() and os.environ.get("TERM") != "dumb"
