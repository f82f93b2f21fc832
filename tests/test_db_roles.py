"""Proof by database role on the team store (a real PostgreSQL): each person connects with a
role of their own, mapped to them; the database itself refuses an event that names anyone else
as its actor, or that claims a database-role proof it did not give."""

from __future__ import annotations

import dataclasses
import json
import urllib.parse
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from runbook.engine import Engine
from runbook.engine.approval_links import decide_by_link
from runbook.engine.link_keys import LinkClaim, LinkKeys
from runbook.errors import RunbookError, StoreError
from runbook.loading import Workspace
from runbook.model import events as ev
from runbook.model.proof import APPROVAL_SERVER
from runbook.store import open_store
from runbook.store.chain import row_hash
from tests.helpers_store import PG_SKIP, pg_url, with_search_path

pytestmark = pytest.mark.skipif(pg_url() is None, reason=PG_SKIP)

SEV4 = {"control": "recovered", "content": "spam", "reach": "low", "data": "none", "scope": "one"}


@pytest.fixture
def team(workspace: Workspace) -> Iterator[tuple[str, dict[str, str], Workspace]]:
    """A fresh schema, its owner's URL, a database role for tom and one for amara, and the
    workspace mapping them (contacts ``db_roles``)."""
    url = pg_url()
    assert url is not None
    schema = "t_" + uuid.uuid4().hex[:12]
    suffix = uuid.uuid4().hex[:6]
    roles = {"tom": f"rb_tom_{suffix}", "amara": f"rb_amara_{suffix}"}
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    owner_url = with_search_path(url, schema)
    people = [
        p.model_copy(update={"db_roles": [roles[p.id]]}) if p.id in roles else p
        for p in workspace.contacts.people
    ]
    mapped = dataclasses.replace(
        workspace, contacts=workspace.contacts.model_copy(update={"people": people})
    )
    owner = open_store(owner_url)
    for person, role in roles.items():
        owner.grant_operator(person, role)
    owner.close()
    yield owner_url, roles, mapped
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
        for role in roles.values():
            connection.execute(f'DROP OWNED BY "{role}"')
            connection.execute(f'DROP ROLE "{role}"')


def as_role(owner_url: str, role: str) -> str:
    """The team store's URL, connecting as ``role``."""
    parts = urllib.parse.urlsplit(owner_url)
    netloc = f"{role}@{parts.hostname}:{parts.port}"
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def test_a_mapped_role_acts_as_its_person_with_proof_db_role(team):
    owner_url, roles, workspace = team
    engine = Engine(open_store(as_role(owner_url, roles["tom"])), workspace, account="anyone")
    assert engine.operator == "tom", "the database says who this is; no --as needed"
    incident = engine.declare("account-compromised", "Hacked")
    declared = engine.timeline(incident.id)[0]
    assert declared.actor == "tom"
    assert declared.proof is not None
    assert (declared.proof.method, declared.proof.db_role) == ("db-role", roles["tom"])
    engine.store.close()


def test_a_mapped_role_cannot_act_under_another_name(team):
    owner_url, roles, workspace = team
    store = open_store(as_role(owner_url, roles["tom"]))
    engine = Engine(store, workspace, operator="elena", account="anyone")
    with pytest.raises(RunbookError, match="you can only act as tom"):
        engine.declare("account-compromised", "Hacked")
    store.close()


def _insert(url: str, row: dict[str, object]) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(
            "INSERT INTO events (incident_id, seq, type, at, actor, state, command_id, data, "
            "prev_hash, hash) VALUES (%(incident_id)s, %(seq)s, %(type)s, %(at)s, %(actor)s, "
            "%(state)s, %(command_id)s, %(data)s, %(prev_hash)s, %(hash)s)",
            row,
        )


def _next_row(engine: Engine, incident_id: str, actor: str, proof: dict[str, str]) -> dict:
    rows = engine.stored_rows(incident_id)
    last = rows[-1]
    row = {
        **last,
        "seq": last["seq"] + 1,
        "type": "DraftApproved",
        "actor": actor,
        "command_id": "forged",
        "data": json.dumps(
            {
                "draft_id": "D1",
                "version": 1,
                "content_hash": "x",
                "roles": ["comms_lead"],
                "proof": proof,
            }
        ),
        "prev_hash": last["hash"],
    }
    row["hash"] = row_hash(row, last["hash"])
    return row


def test_the_database_refuses_another_persons_actor_by_direct_sql(team):
    owner_url, roles, workspace = team
    tom_url = as_role(owner_url, roles["tom"])
    engine = Engine(open_store(tom_url), workspace, account="anyone")
    incident_id = engine.declare("account-compromised", "Hacked").id
    forged = _next_row(engine, incident_id, "elena", {"method": "link"})
    with pytest.raises(psycopg.errors.RaiseException, match="cannot record an event as elena"):
        _insert(tom_url, forged)
    own_but_claimed = _next_row(engine, incident_id, "tom", {"method": "claimed"})
    with pytest.raises(psycopg.errors.RaiseException, match="with proof db-role only"):
        _insert(tom_url, own_but_claimed)
    system_approval = _next_row(engine, incident_id, "runbook", {"method": "system"})
    with pytest.raises(psycopg.errors.RaiseException, match="cannot record an event as runbook"):
        _insert(tom_url, system_approval)
    # The owner (unmapped) may not hand out database-role proofs it did not give.
    borrowed = _next_row(engine, incident_id, "amara", {"method": "db-role", "db_role": "x"})
    with pytest.raises(psycopg.errors.RaiseException, match="only a database role mapped"):
        _insert(owner_url, borrowed)
    assert [e.seq for e in engine.timeline(incident_id)] == [1]
    engine.store.close()


def test_an_approval_through_ones_own_database_role_counts(team, keyring):
    owner_url, roles, workspace = team
    tom = Engine(open_store(as_role(owner_url, roles["tom"])), workspace, account="tom-laptop")
    incident_id = tom.declare("account-compromised", "Spam from our account").id
    tom.assess(incident_id, SEV4)
    for action in ("pause", "notify"):
        if action in tom.allowed(incident_id):
            getattr(tom, action)(incident_id)
    tom.start_draft(incident_id)
    tom.submit(incident_id)
    amara = Engine(
        open_store(as_role(owner_url, roles["amara"])), workspace, account="amara-laptop"
    )
    incident = amara.approve(incident_id)
    (approval,) = incident.drafts["D1"].approvals
    assert approval.proof is not None
    assert approval.proof.method == "db-role"
    assert incident.state == "approved"
    assert amara.verify(incident_id).ok
    events = amara.timeline(incident_id)
    assert all(e.actor in ("tom", "amara", "runbook") for e in events)
    assert any(isinstance(e, ev.DraftApproved) and e.actor == "amara" for e in events)
    tom.store.close()
    amara.store.close()


def test_an_unmapped_role_cannot_grant_roles(team):
    owner_url, roles, workspace = team
    store = open_store(as_role(owner_url, roles["tom"]))
    with pytest.raises(StoreError, match="refused|permission"):
        store.grant_operator("tom", "rb_evil_" + uuid.uuid4().hex[:6])
    store.close()


def test_the_approval_server_records_decisions_by_link_under_its_own_role_and_nothing_else(team):
    """`runbook serve` on the team store: its own role (runbook db grant-server), neither a
    person's (the database would refuse elena's decision from tom's role) nor the owner's."""
    owner_url, roles, workspace = team
    roles["serve"] = "rb_serve_" + uuid.uuid4().hex[:6]  # dropped with the others
    owner = open_store(owner_url)
    owner.grant_operator(APPROVAL_SERVER, roles["serve"])
    owner.close()
    keys = LinkKeys(b"the-team-link-secret-for-this-test")
    tom = Engine(
        open_store(as_role(owner_url, roles["tom"])), workspace, account="tom", link_keys=keys
    )
    incident_id = tom.declare("account-compromised", "Spam from our account").id
    tom.assess(incident_id, SEV4)
    for action in ("pause", "notify"):
        if action in tom.allowed(incident_id):
            getattr(tom, action)(incident_id)
    tom.start_draft(incident_id)
    tom.submit(incident_id)
    (issued,) = [i for i in tom.incident(incident_id).links.values() if i.person == "amara"]
    token = keys.make(
        LinkClaim(
            incident_id,
            issued.draft_id,
            issued.version,
            issued.content_hash,
            "amara",
            issued.link_id,
            datetime.now(UTC) + timedelta(hours=1),
        )
    )
    server = Engine(
        open_store(as_role(owner_url, roles["serve"])), workspace, account="www", link_keys=keys
    )
    with pytest.raises(RunbookError, match="the approval server's"):
        server.note(incident_id, "the server's role is nobody: it cannot work on incidents")
    incident = decide_by_link(server, token, "approve", shown_hash=issued.content_hash)
    (approval,) = incident.drafts["D1"].approvals
    assert approval.person == "amara"
    assert approval.proof is not None
    assert approval.proof.method == "link"
    assert incident.state == "approved"
    assert server.verify(incident_id).links == 1
    serve_url = as_role(owner_url, roles["serve"])
    with pytest.raises(psycopg.errors.RaiseException, match="serves approval links"):
        _insert(serve_url, _next_row(server, incident_id, "elena", {"method": "login"}))
    note = _next_row(server, incident_id, "elena", {"method": "link"})
    note["type"] = "NoteAdded"
    note["hash"] = row_hash(note, note["prev_hash"])
    with pytest.raises(psycopg.errors.RaiseException, match="serves approval links"):
        _insert(serve_url, note)
    tom.store.close()
    server.store.close()


def test_db_grant_server_on_the_command_line_makes_a_role_that_is_nobody(team, config_dir):
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    owner_url, roles, _workspace = team
    roles["serve"] = "rb_serve_" + uuid.uuid4().hex[:6]  # dropped with the others

    def runbook(url: str, *args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k != "RUNBOOK_OPERATOR"}
        env.update(RUNBOOK_DB=url, RUNBOOK_CONFIG=str(config_dir))
        return subprocess.run(
            [sys.executable, "-m", "runbook", *args],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )

    granted = runbook(owner_url, "db", "grant-server", roles["serve"])
    assert granted.returncode == 0, granted.stderr
    assert f"created database role {roles['serve']} for runbook serve" in granted.stdout
    serve_url = as_role(owner_url, roles["serve"])
    checked = runbook(serve_url, "db", "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "(the approval server, runbook serve)" in checked.stdout
    working = runbook(serve_url, "--as", "amara", "declare", "offensive-post", "--title", "x")
    assert working.returncode == 1
    assert "the approval server's (runbook serve)" in working.stderr
    assert "Traceback" not in working.stderr
    assert len(working.stderr.strip().splitlines()) == 1
