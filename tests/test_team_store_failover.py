"""A team database that goes away and comes back (a failover, a restart), on a real PostgreSQL
behind a real TCP relay on 127.0.0.1 that the test cuts and restores: the store tries again,
says so in runbook's own lines, and when the database stays away the command's outcome is one
line saying nothing was saved. The owner's login is warned in the app's header too, and the
warning and ``db check`` speak French."""

from __future__ import annotations

import asyncio
import socket
import threading
import urllib.parse
from collections.abc import Iterator

import pytest

from runbook.engine import Engine
from runbook.errors import StoreError
from runbook.store import open_store
from tests.helpers_store import PG_SKIP, pg_url
from tests.test_team_store_access import Team, runbook, team  # noqa: F401 - the fixture

pytestmark = pytest.mark.skipif(pg_url() is None, reason=PG_SKIP)


class Relay:
    """Forwards TCP connections from a local port to the PostgreSQL server; :meth:`cut` drops
    every connection and refuses new ones (the server went away), :meth:`restore` listens on
    the same port again (it is back)."""

    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self.port = 0
        self.live: list[socket.socket] = []
        self.lock = threading.Lock()
        self.listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self.lock:
            listener, self.listener = self.listener, None
            if listener is not None:
                try:
                    listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
                except OSError:
                    pass
                listener.close()
            for sock in self.live:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self.live.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _address = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            with self.lock:
                self.live += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


@pytest.fixture
def relay(team: Team) -> Iterator[Relay]:  # noqa: F811 - the imported fixture
    parts = urllib.parse.urlsplit(team.url("tom"))
    assert parts.hostname is not None
    assert parts.port is not None
    relay = Relay(parts.hostname, parts.port)
    yield relay
    relay.cut()


def through(url: str, relay: Relay) -> str:
    """``url`` connecting through the relay."""
    parts = urllib.parse.urlsplit(url)
    user = parts.netloc.split("@")[0]
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{user}@127.0.0.1:{relay.port}"))


def test_a_database_back_after_a_failover_takes_the_note_and_says_so(team, relay):  # noqa: F811
    engine = Engine(open_store(through(team.url("tom"), relay)), team.workspace, account="x")
    incident_id = engine.declare("account-compromised", "Hacked").id
    said: list[str] = []

    def notice(line: str) -> None:
        said.append(line)
        if len(said) == 2:
            relay.restore()  # back on the third try

    engine.report_store_notices(notice)
    relay.cut()  # the connection drops and the server refuses new ones for a while
    engine.note(incident_id, "Statement drafted")

    assert said[0].startswith("lost the connection to the team database (")
    assert said[0].endswith("trying again (2 of 5)")
    assert said[1].endswith("trying again (3 of 5)")
    assert said[2:] == ["reconnected to the team database; done"]
    assert all("<" not in line and "psycopg" not in line for line in said)
    assert [e.type for e in engine.timeline(incident_id)][-1] == "NoteAdded"
    assert engine.verify(incident_id).ok
    engine.store.close()


def test_a_database_that_stays_away_is_one_line_saying_nothing_was_saved(team, relay):  # noqa: F811
    engine = Engine(open_store(through(team.url("tom"), relay)), team.workspace, account="x")
    incident_id = engine.declare("account-compromised", "Hacked").id
    said: list[str] = []
    engine.report_store_notices(said.append)
    relay.cut()
    with pytest.raises(StoreError) as refused:
        engine.note(incident_id, "Statement drafted")
    words = str(refused.value)
    assert words.startswith("lost the connection to the team database at 127.0.0.1:")
    assert "after 5 tries (the database server did not answer)" in words
    assert words.endswith("nothing was saved; run the command again")
    assert "\n" not in words
    assert "<" not in words
    assert "psycopg" not in words
    assert len(said) == 4
    assert all(line.startswith("lost the connection") for line in said)
    with pytest.raises(StoreError) as again:  # the next command, the server still away
        engine.note(incident_id, "Second try")
    assert str(again.value).endswith("nothing was saved; run the command again")
    engine.store.close()

    relay.restore()
    reader = Engine(open_store(team.url("amara")), team.workspace, account="x")
    assert [e.type for e in reader.timeline(incident_id)] == ["IncidentDeclared"]
    reader.store.close()


def test_a_database_never_reached_is_one_line_and_exit_1(team, relay):  # noqa: F811
    url = through(team.url("tom"), relay)
    relay.cut()
    done = runbook(team, url, "list")
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert line.startswith("runbook: cannot reach the team incident store at 127.0.0.1:")
    assert "Traceback" not in done.stderr
    assert "<" not in done.stderr


def test_the_apps_header_warns_an_owner_login_and_not_an_operator(team):  # noqa: F811
    from tests.test_tui import make_app, settle

    async def header(url: str) -> str:
        engine = Engine(open_store(url), team.workspace, operator="amara")
        app = make_app(engine)
        async with app.run_test(size=(120, 30)) as pilot:
            await settle(pilot)
            shown = str(app.sub_title)
        engine.store.close()
        return shown

    owner = asyncio.run(header(team.owner_url))
    assert owner.startswith("⚠ OWNER LOGIN: CAN REWRITE HISTORY · operator: ")
    operator = asyncio.run(header(team.url("tom")))
    assert "OWNER LOGIN" not in operator


def test_the_owner_warning_and_db_check_speak_french(team):  # noqa: F811
    listed = runbook(team, team.owner_url, "--lang", "fr", "--as", "amara", "list")
    (warning,) = [line for line in listed.stderr.splitlines() if "ATTENTION" in line]
    assert "une connexion qui peut modifier le schéma et réécrire l’historique" in warning
    checked = runbook(team, team.owner_url, "--lang", "fr", "db", "check")
    assert "elle possède les tables (ALTER, DISABLE TRIGGER)" in checked.stderr
    assert "UPDATE, DELETE, TRUNCATE, TRIGGER sur events" in checked.stderr
    assert " on " not in checked.stderr
    assert "  modif. du schéma oui (propriétaire)" in checked.stdout
