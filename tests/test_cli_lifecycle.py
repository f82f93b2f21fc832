"""The whole lifecycle of every shipped playbook, driven through the command line."""

from __future__ import annotations

import json

import pytest

from runbook.model.severity import assess
from tests.conftest import approvers_for

PLAYBOOKS = [
    "account-compromised",
    "conduct-viral",
    "data-leak-employee-post",
    "offensive-post",
    "product-recall",
    "regulated-disclosure",
]


def sev1_answers(playbook) -> dict[str, str]:
    """The most severe option of every question."""
    answers = {q.id: q.options[-1].id for q in playbook.severity.questions}
    assert assess(playbook, answers).level == playbook.severity.levels[-1].id
    return answers


def test_every_shipped_playbook_is_run_end_to_end_on_the_command_line(run_cli, workspace):
    assert sorted(workspace.playbooks) == PLAYBOOKS
    for playbook_id in PLAYBOOKS:
        playbook = workspace.playbook(playbook_id)
        author = "tom"  # social media manager writes the statements
        declared = run_cli(
            "declare",
            playbook_id,
            "--title",
            f"Drill of {playbook.title}",
            operator=author,
            check=True,
        )
        incident_id = declared.stdout.strip()
        assert incident_id.startswith("INC-"), declared.stdout

        answers = [f"--answer={q}={o}" for q, o in sev1_answers(playbook).items()]
        out = run_cli("assess", incident_id, *answers, operator=author, check=True)
        assert "level SEV1" in out.stdout

        run_cli("pause", incident_id, operator=author, check=True)
        notified = run_cli("notify", incident_id, "--json", operator=author, check=True)
        assert json.loads(notified.stdout)["state"] == "notified"

        status = json.loads(
            run_cli("status", incident_id, "--json", operator=author, check=True).stdout
        )
        people = [r["person"] for r in status["recipients"]]
        assert people, f"{playbook_id}: somebody is notified at SEV1"
        run_cli("ack", incident_id, operator=people[0], check=True)

        run_cli("draft", incident_id, operator=author, check=True)
        run_cli("submit", incident_id, operator=author, check=True)
        rule = playbook.approval["SEV1"]
        for approver in approvers_for(workspace, rule.roles, exclude={author}):
            run_cli("approve", incident_id, "--sign", operator=approver, check=True)
        approved = json.loads(run_cli("status", incident_id, "--json", check=True).stdout)
        assert approved["state"] == "approved", (playbook_id, approved["drafts"])
        draft = approved["drafts"][0]
        shown = json.loads(run_cli("draft", incident_id, "--show", "--json").stdout)
        on = [arg for key in shown["variants"] for arg in ("--on", key)]
        run_cli("publish", incident_id, *on, operator="amara", check=True)
        published = json.loads(run_cli("status", incident_id, "--json", check=True).stdout)
        assert published["drafts"][0]["published"], (playbook_id, draft)

        item = next(iter(playbook.checklist.values()))[0].id
        run_cli("check", incident_id, item, check=True)
        run_cli(
            "note", incident_id, "Journalist from the Gazette called; routed to PR.", check=True
        )
        run_cli(
            "resolve",
            incident_id,
            "--summary",
            "Contained; statement published.",
            "--resume",
            "all",
            check=True,
        )
        closing = run_cli("close", incident_id, "--review", "Review held; actions logged.")
        assert closing.returncode == 1
        assert "checklist item(s) are not ticked" in closing.stderr
        assert "--leave-open" in closing.stderr
        run_cli(
            "close",
            incident_id,
            "--review",
            "Review held; actions logged.",
            "--leave-open",
            check=True,
        )

        final = json.loads(run_cli("status", incident_id, "--json", check=True).stdout)
        assert final["state"] == "closed"
        assert final["playbook"] == playbook_id
        assert final["drafts"][0]["published"] is True
        assert item in final["checked"]
        verified = run_cli("verify", incident_id, check=True)
        assert f"ok, {final['events']} events" in verified.stdout


def test_status_and_list_print_json_objects_with_the_required_fields(run_cli):
    incident_id = run_cli("declare", "offensive-post", "--title", "Typo", check=True).stdout.strip()
    status = json.loads(run_cli("status", incident_id, "--json", check=True).stdout)
    for field in ("id", "playbook", "title", "level", "state", "drill", "opened_at"):
        assert field in status
    assert status["id"] == incident_id
    assert status["state"] == "declared"
    listed = json.loads(run_cli("list", "--json", check=True).stdout)
    assert [row["id"] for row in listed] == [incident_id]
    assert listed[0]["title"] == "Typo"
    assert listed[0]["drill"] is False


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("pause",), "cannot pause scheduled posts while incident .* is declared"),
        (("approve",), "cannot approve a draft while incident .* is declared"),
        (("close",), "cannot close after review while incident .* is declared"),
        (("ack",), "was not notified"),
        (("check", "nope"), "no checklist item 'nope'"),
        (("assess", "--answer", "reach=everywhere"), "reach: no option 'everywhere'"),
        (("reject", "--comment", "no"), "cannot reject a draft while incident"),
    ],
)
def test_an_illegal_action_exits_1_with_a_one_line_reason(run_cli, args, reason):
    import re

    incident_id = run_cli(
        "declare", "account-compromised", "--title", "Hacked", check=True
    ).stdout.strip()
    result = run_cli(args[0], incident_id, *args[1:])
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("runbook: ")
    assert re.search(reason, lines[0]), lines[0]
    assert "Traceback" not in result.stderr


def test_usage_errors_exit_2(run_cli):
    assert run_cli("declare", "offensive-post").returncode == 2  # --title missing
    assert run_cli("no-such-command").returncode == 2


def test_a_missing_operator_is_a_clear_error(run_cli):
    result = run_cli("declare", "offensive-post", "--title", "x", operator=None)
    assert result.returncode == 1
    assert "pass --as PERSON or set RUNBOOK_OPERATOR" in result.stderr


def test_reassess_up_and_down_on_the_command_line(run_cli, workspace):
    playbook = workspace.playbook("offensive-post")
    incident_id = run_cli(
        "declare", "offensive-post", "--title", "Bad joke", check=True
    ).stdout.strip()
    mild = [f"--answer={q.id}={q.options[0].id}" for q in playbook.severity.questions]
    assert "level SEV4" in run_cli("assess", incident_id, *mild, check=True).stdout
    severe = [f"--answer={q}={o}" for q, o in sev1_answers(playbook).items()]
    assert "level SEV1" in run_cli("assess", incident_id, *severe, check=True).stdout
    assert "level SEV4" in run_cli("assess", incident_id, *mild, check=True).stdout
    same = run_cli("assess", incident_id, *mild)
    assert same.returncode == 1
    assert "do not change anything" in same.stderr


def test_the_lifecycle_prints_as_mermaid(run_cli):
    result = run_cli("lifecycle", "--mermaid", check=True)
    assert result.stdout.startswith("stateDiagram-v2")
    assert "declared --> assessed: assess" in result.stdout


def test_messages_lists_what_was_sent_with_its_text(run_cli):
    incident_id = run_cli(
        "declare", "account-compromised", "--title", "Hacked \x1b]0;owned\x07", check=True
    ).stdout.strip()
    answers = ["--answer=control=attacker", "--answer=content=scam", "--answer=reach=viral"]
    answers += ["--answer=data=unknown", "--answer=scope=unknown"]
    run_cli("assess", incident_id, *answers, check=True)
    run_cli("notify", incident_id, check=True)
    listed = run_cli("messages", incident_id, check=True).stdout
    assert "notification" in listed
    assert "\x1b" not in listed, "control characters are shown inert"
    assert "\\x1b]0;owned\\x07" in listed
    full = json.loads(run_cli("messages", incident_id, "--json", check=True).stdout)
    assert full
    assert all(m["purpose"] == "notification" and m["text"] for m in full)
    assert all(m["person"] != "amara" for m in full), "amara declared it: not messaged"


def test_unanswered_questions_are_refused_unless_said_unknown(run_cli):
    incident_id = run_cli(
        "declare", "account-compromised", "--title", "Hacked", check=True
    ).stdout.strip()
    partial = run_cli("assess", incident_id, "--answer=control=attacker")
    assert partial.returncode == 1
    assert "unanswered question(s): content, reach, data, scope" in partial.stderr
    assert "content=unknown" in partial.stderr
    answers = [f"--answer={q}=unknown" for q in ("content", "reach", "data", "scope")]
    done = run_cli("assess", incident_id, "--answer=control=attacker", *answers, "--json")
    assert done.returncode == 0, done.stderr
    status = json.loads(run_cli("status", incident_id, "--json", check=True).stdout)
    assert status["answers"] == {
        "control": "attacker",
        "content": "unknown",
        "reach": "unknown",
        "data": "unknown",
        "scope": "unknown",
    }


def test_the_operator_chosen_in_the_app_is_remembered_per_configuration(tmp_path, monkeypatch):
    from runbook.locations import remember_operator, remembered_operator

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    config = tmp_path / "config"
    config.mkdir()
    other = tmp_path / "other"
    other.mkdir()
    assert remembered_operator(config) is None
    remember_operator(config, "amara")
    remember_operator(other, "elena")
    assert remembered_operator(config) == "amara"
    assert remembered_operator(other) == "elena"
