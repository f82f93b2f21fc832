"""Nobody left who may approve: when an edit leaves no eligible approver for a role (everyone
holding it wrote the text), the version records it with the policy's alternate approvers, the
editor and `status` say so at once and how to proceed, and an alternate's approval counts in
the role's place."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from runbook.clock import SimulatedClock
from runbook.effects.sinks import drill_effects
from runbook.effects.ssh import Signer
from runbook.engine import Engine
from runbook.errors import ActionRefused
from runbook.loading import Workspace
from runbook.model.approvals import requirement, stand_in_words
from runbook.store.sqlite import SqliteStore
from tests.test_engine import answers_for_level


def engines(workspace: Workspace, db: Path, clock: SimulatedClock, keyring: dict[str, Path]):
    effects = drill_effects()

    def make(person: str) -> Engine:
        engine = Engine(SqliteStore(db), workspace, operator=person, clock=clock, effects=effects)
        if person in keyring:
            engine.signer = Signer(keyring[person], interactive=False)
        return engine

    return make


def both_comms_leads_write(make) -> str:
    amara = make("amara")
    incident = amara.declare("offensive-post", "Joke post")
    amara.assess(incident.id, answers_for_level(amara, "offensive-post", "SEV4"))
    if amara.incident(incident.id).rules_due():
        amara.notify(incident.id)
    amara.start_draft(incident.id)
    make("elena").edit_draft(incident.id, "D1", {"x": "We have removed the post and apologise."})
    return incident.id


def test_an_edit_by_the_last_eligible_comms_lead_names_the_policys_alternate(
    workspace: Workspace, db_path: Path, clock: SimulatedClock, keyring: dict[str, Path]
) -> None:
    assert workspace.policy is not None
    policy = workspace.policy.model_copy(
        update={"alternate_approvers": {"comms_lead": ["pr_director"]}}
    )
    make = engines(dataclasses.replace(workspace, policy=policy), db_path, clock, keyring)
    incident_id = both_comms_leads_write(make)
    draft = make("amara").incident(incident_id).drafts["D1"]
    assert draft.stand_ins == {"comms_lead": ["pr_director"]}
    assert stand_in_words(draft) == [
        "nobody left who may approve draft D1 as comms_lead (everyone holding it wrote this "
        "text): the policy lets pr_director approve in its place"
    ]
    make("elena").submit(incident_id)
    with pytest.raises(ActionRefused, match="last edited draft D1"):
        make("elena").approve(incident_id)
    approved = make("marcus").approve(incident_id)
    assert requirement(approved, approved.drafts["D1"]).complete
    assert approved.state == "approved"


def test_without_an_alternate_the_draft_says_how_to_proceed_and_stays_unapprovable(
    workspace: Workspace, db_path: Path, clock: SimulatedClock, keyring: dict[str, Path]
) -> None:
    assert workspace.policy is not None
    policy = workspace.policy.model_copy(update={"alternate_approvers": {}})
    make = engines(dataclasses.replace(workspace, policy=policy), db_path, clock, keyring)
    incident_id = both_comms_leads_write(make)
    draft = make("amara").incident(incident_id).drafts["D1"]
    assert draft.stand_ins == {"comms_lead": []}
    assert (
        "have someone who does not hold comms_lead write the next version"
        in (stand_in_words(draft)[0])
    )
    make("elena").submit(incident_id)
    with pytest.raises(ActionRefused, match="holds none of the roles"):
        make("marcus").approve(incident_id)


def test_the_command_line_warns_the_editor_and_status_shows_it(
    run_cli, workspace: Workspace, db_path: Path, clock: SimulatedClock, keyring: dict[str, Path]
) -> None:
    answers = answers_for_level(
        engines(workspace, db_path, clock, keyring)("amara"), "offensive-post", "SEV4"
    )
    incident = run_cli("declare", "offensive-post", "--title", "Joke", check=True).stdout.split()[
        -1
    ]
    run_cli("assess", incident, *[f"--answer={q}={a}" for q, a in answers.items()], check=True)
    run_cli("draft", incident, check=True)
    edited = run_cli("draft", incident, "--set", "x=We removed the post.", operator="elena")
    assert edited.returncode == 0, edited.stderr
    assert "runbook: warning: nobody left who may approve draft D1 as comms_lead" in edited.stderr
    status = run_cli("status", incident, check=True).stdout
    assert "! nobody left who may approve draft D1 as comms_lead" in status
