"""``runbook serve``: the approval server and the intake of warnings (see
:mod:`runbook.serve`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from runbook.cli import Settings, cli
from runbook.i18n import N_, _

if TYPE_CHECKING:
    from runbook.engine import Engine

LOOPBACK = ("127.0.0.1", "::1", "localhost")


@cli.command(
    help=N_(
        "Serve the personal approval links for people away from a terminal, and take "
        "warnings in: PagerDuty Events v2 (/v2/enqueue), listening-tool webhooks "
        "(/intake/NAME) and staff reports (/report)."
    )
)
@click.option("--host", default="127.0.0.1", show_default=True, help=N_("Address to listen on."))
@click.option(
    "--port",
    default=8750,
    show_default=True,
    type=click.IntRange(1, 65535),
    help=N_("Port to listen on."),
)
@click.option(
    "--proxy",
    is_flag=True,
    help=N_("Behind an HTTPS reverse proxy on this machine: trust its X-Forwarded-For/-Proto."),
)
@click.option(
    "--reads-per-minute",
    default=60,
    show_default=True,
    type=click.IntRange(1, 10_000_000),
    help=N_("Pages one client may open per minute."),
)
@click.option(
    "--decisions-per-minute",
    default=10,
    show_default=True,
    type=click.IntRange(1, 10_000_000),
    help=N_("Decisions one client may send per minute."),
)
@click.option(
    "--posts-per-minute",
    default=600,
    show_default=True,
    type=click.IntRange(1, 10_000_000),
    help=N_("Warnings one client (a paging or listening tool) may post per minute."),
)
@click.pass_obj
def serve(
    settings: Settings,
    host: str,
    port: int,
    proxy: bool,
    reads_per_minute: int,
    decisions_per_minute: int,
    posts_per_minute: int,
) -> None:
    import uvicorn

    from runbook.serve.app import ServeSettings, build_app

    engine = settings.engine()
    engine.link_keys()  # fail now, in one line, if the link secret cannot be read
    limits = ServeSettings(
        trust_proxy=proxy,
        reads_per_minute=reads_per_minute,
        decisions_per_minute=decisions_per_minute,
        posts_per_minute=posts_per_minute,
    )
    app = build_app(engine, limits)
    address = f"http://{host}:{port}/"
    click.echo(
        _(
            "runbook serve: approval links and the intake of warnings on %(url)s (Ctrl-C stops)",
            url=address,
        ),
        err=True,
    )
    _say_intake_sources(engine)
    if host not in LOOPBACK:
        click.echo(
            _(
                "runbook serve: listening beyond this machine; put an HTTPS reverse proxy in "
                "front (see the README) so links never travel in clear text"
            ),
            err=True,
        )
    # No access log: a link is a secret in the URL and must not be written anywhere.
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        server_header=False,
        proxy_headers=False,
    )


def _say_intake_sources(engine: Engine) -> None:
    """One line per intake source whose token variable is not set (it refuses every post):
    the variable's name only, never a token."""
    import os

    for name, source in sorted(engine.workspace.contacts.intake_settings().sources.items()):
        if not os.environ.get(source.token_env):
            click.echo(
                _(
                    "runbook serve: intake source %(source)s refuses every post until "
                    "%(variable)s is set",
                    source=name,
                    variable=source.token_env,
                ),
                err=True,
            )
