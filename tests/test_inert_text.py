"""Text carrying terminal control sequences is shown inert everywhere runbook prints it (the
command line, the console channel, the md and csv exports, the app's screen), while the event
log and the JSON export keep the exact characters."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from runbook.clock import SimulatedClock
from runbook.loading import Workspace
from runbook.model.text import inert, json_safe, pictured
from runbook.store.sqlite import SqliteStore
from tests.test_tui import make_app, make_engine, run, settle

HOSTILE = "Leak \x1b]52;c;cm0gLXJmIH4=\x07 \x1b[2J\x1b]0;pwned\x07 \u202eevil\x9b"
RAW = ("\x1b", "\x07", "\u202e", "\x9b")


def raw_in(text: str) -> list[str]:
    return [char for char in RAW if char in text]


def test_inert_shows_each_control_character_as_a_visible_escape() -> None:
    assert inert("a\x1b[2Jb\u202ec\nd\te") == "a\\x1b[2Jb\\u202ec\nd\te"
    assert pictured("a\x1b[2J\u202eb") == "a␛[2J�b"
    assert json.loads(json_safe(json.dumps("x\x7f\u202e", ensure_ascii=False))) == "x\x7f\u202e"


def test_the_command_line_prints_hostile_titles_and_notes_inert_and_records_them_exactly(
    run_cli: Any, tmp_path: Path
) -> None:
    made = run_cli("declare", "account-compromised", "--title", HOSTILE, check=True)
    incident = made.stdout.strip().splitlines()[-1]
    assert not raw_in(made.stdout + made.stderr)
    run_cli("note", incident, "call back \x1b[31mred\x1b[0m \u202e", check=True)
    for args in (("list",), ("status", incident), ("watch", incident, "--timeout", "0.2")):
        shown = run_cli(*args)
        assert not raw_in(shown.stdout + shown.stderr), args
    status = run_cli("status", incident).stdout
    assert "\\x1b]52;c;" in status
    as_json = run_cli("status", incident, "--json")
    assert not raw_in(as_json.stdout)
    assert json.loads(as_json.stdout)["title"] == HOSTILE

    refused = run_cli("status", "nosuch\x1b[2J")
    assert refused.returncode == 1
    assert not raw_in(refused.stderr)
    assert "NOSUCH\\x1b[2J" in refused.stderr


def test_md_and_csv_exports_are_inert_and_the_json_export_is_exact(
    run_cli: Any, tmp_path: Path
) -> None:
    incident = run_cli("declare", "offensive-post", "--title", HOSTILE, check=True)
    incident_id = incident.stdout.strip().splitlines()[-1]
    run_cli("note", incident_id, HOSTILE, check=True)
    md = run_cli("export", incident_id, "--format", "md", check=True).stdout
    assert not raw_in(md)
    assert "\\x1b]0;pwned\\x07" in md
    csv_out = tmp_path / "timeline.csv"
    run_cli("export", incident_id, "--format", "csv", "--output", str(csv_out), check=True)
    text = csv_out.read_text(encoding="utf-8-sig")
    assert not raw_in(text)
    assert any("\\x1b[2J" in cell for row in csv.reader(io.StringIO(text)) for cell in row)
    exported = tmp_path / "timeline.json"
    run_cli("export", incident_id, "--format", "json", "--output", str(exported), check=True)
    data = json.loads(exported.read_text(encoding="utf-8"))
    assert data["incident"]["title"] == HOSTILE


def test_the_console_channel_prints_a_hostile_subject_inert() -> None:
    from runbook.effects import Message
    from runbook.effects.notify.console import ConsoleChannel

    out = io.StringIO()
    message = Message(
        person="p",
        name="Eve\x1b]0;x\x07",
        address="",
        channel="console",
        subject=HOSTILE,
        body="line \x1b[2J",
        roles=(),
    )
    ConsoleChannel("console", stream=out).send(message, "k")
    assert not raw_in(out.getvalue())
    assert "\\x1b[2J" in out.getvalue()


def test_the_app_shows_a_hostile_title_as_visible_signs_never_raw(
    tmp_path: Path, workspace: Workspace, clock: SimulatedClock
) -> None:
    db = tmp_path / "app.db"
    engine = make_engine(db, workspace, clock)
    incident = engine.declare("account-compromised", HOSTILE)
    engine.note(incident.id, "note \x1b]52;c;aGk=\x07")

    async def body() -> None:
        app = make_app(engine)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            screen = app.export_screenshot()
            assert "␛]52;c;cm0gLXJmIH4=" in screen
            assert not raw_in(screen)
            app.open(incident.id)
            await settle(pilot)
            assert not raw_in(app.export_screenshot())

    run(body)
    store = SqliteStore(db)
    recorded = store.load(incident.id)
    store.close()
    assert recorded[0].data()["title"] == HOSTILE


def test_json_and_html_exports_printed_to_the_terminal_are_inert_and_the_json_still_exact(
    run_cli: Any,
) -> None:
    incident = run_cli("declare", "offensive-post", "--title", HOSTILE, check=True)
    incident_id = incident.stdout.strip().splitlines()[-1]
    as_json = run_cli("export", incident_id, "--format", "json", check=True).stdout
    assert not raw_in(as_json)
    assert json.loads(as_json)["incident"]["title"] == HOSTILE
    html = run_cli("export", incident_id, "--format", "html", check=True).stdout
    assert not raw_in(html)
    assert "\\x1b]52;c;" in html


def bytes_cli(tmp_path: Path, config_dir: Path, *args: bytes, **env: bytes) -> Any:
    import os
    import subprocess
    import sys

    environ = {
        **{key.encode(): value.encode() for key, value in os.environ.items()},
        b"RUNBOOK_DB": str(tmp_path / "bytes.db").encode(),
        b"RUNBOOK_CONFIG": str(config_dir).encode(),
        b"RUNBOOK_OPERATOR": b"amara",
        **{key.encode(): value for key, value in env.items()},
    }
    return subprocess.run(
        [sys.executable.encode(), b"-m", b"runbook", *args],
        capture_output=True,
        env=environ,
        timeout=60,
    )


def test_bytes_that_are_not_utf8_in_an_argument_or_variable_are_refused_in_one_line(
    tmp_path: Path, config_dir: Path
) -> None:
    for args, env, named in (
        ((b"declare", b"offensive-post", b"--title", b"caf\xe9 \x9b"), {}, "argument 4"),
        ((b"--lang", b"fr", b"list"), {"RUNBOOK_OPERATOR": b"am\xffara"}, "RUNBOOK_OPERATOR"),
        ((b"note", b"INC-\xff"), {}, "argument 2"),
    ):
        result = bytes_cli(tmp_path, config_dir, *args, **env)
        err = result.stderr.decode("utf-8")
        assert result.returncode == 2, err
        assert b"Traceback" not in result.stderr
        assert len(err.strip().splitlines()) == 1, err
        assert named in err
    if (tmp_path / "bytes.db").exists():
        store = SqliteStore(tmp_path / "bytes.db")
        assert store.incidents() == []
        store.close()


def test_text_that_is_not_unicode_never_reaches_the_log_and_printing_it_never_fails(
    tmp_path: Path, workspace: Workspace, clock: SimulatedClock
) -> None:
    import pytest

    from runbook.errors import ActionRefused

    engine = make_engine(tmp_path / "s.db", workspace, clock)
    incident = engine.declare("account-compromised", "Fine")
    with pytest.raises(ActionRefused, match="not a Unicode character"):
        engine.note(incident.id, "lone \udc9b surrogate")
    assert engine.verify(incident.id).ok
    assert inert("a\udc9bb") == "a\\udc9bb"
    assert json.loads(json_safe(json.dumps("a\udc9b", ensure_ascii=False))) == "a\udc9b"
