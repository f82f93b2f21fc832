"""Tabletop drills: shipped scenarios played headless, drill-mode effects, the simulated clock,
the cast, invalid files and the ``runbook drill`` command."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from runbook.drill.cast import cast_contacts
from runbook.drill.files import load_responses, load_scenario
from runbook.drill.render import headline, render
from runbook.drill.report import build_report
from runbook.drill.runner import run_headless
from runbook.drill.scenario import parse_offset
from runbook.drill.session import DrillSession, drill_incident_id
from runbook.effects import Effects
from runbook.effects.notify.fanout import build_channels
from runbook.effects.sinks import DrillSink
from runbook.errors import ActionRefused, ConfigError
from runbook.i18n import using
from runbook.loading import Workspace
from runbook.model import contacts as spec
from runbook.model import events as ev
from runbook.store.sqlite import SqliteStore
from tests.conftest import ROOT
from tests.test_notify_channels import ENV, MailServer
from tests.test_notify_engine import Receiver

DRILLS = ROOT / "playbooks" / "drills"
SCENARIOS = sorted(p.stem for p in DRILLS.glob("*.yaml"))
SLOW_MISSES = {
    "account-compromised-scam": {
        "sized",
        "paused",
        "first-ack",
        "reassessed",
        "evidence-and-report",
    },
    "data-leak-linkedin-whiteboard": {
        "linkedin-paused",
        "dpo-ack",
        "reassessed",
        "legal-approved",
        "containment",
        "review-booked",
    },
    "product-recall-stove": {
        "sized",
        "paused",
        "care-ack",
        "pr-approved",
        "exec-approved",
        "published",
        "recall-checklist",
    },
}
"""What each shipped "slow" team is designed to miss."""


def play(workspace: Workspace, folder: Path, name: str, team: str, **options):
    """Run a shipped scenario with one of its teams on a fresh store (closed after the test)."""
    scenario = load_scenario(DRILLS / f"{name}.yaml", workspace)
    responses = load_responses(DRILLS / "responses" / f"{name}-{team}.yaml", workspace, scenario)
    store = SqliteStore(folder / f"{name}-{team}-{len(list(folder.iterdir()))}.db")
    OPEN_STORES.append(store)
    return run_headless(workspace, scenario, responses, store, **options)


OPEN_STORES: list[SqliteStore] = []


@pytest.fixture(autouse=True, scope="module")
def _close_stores():
    yield
    while OPEN_STORES:
        OPEN_STORES.pop().close()


@pytest.fixture(scope="module")
def played(workspace: Workspace, tmp_path_factory: pytest.TempPathFactory):
    """Every shipped scenario played once by its expert and its slow team."""
    folder = tmp_path_factory.mktemp("played")
    return {
        (name, team): play(workspace, folder, name, team)
        for name in SCENARIOS
        for team in ("expert", "slow")
    }


# -- the shipped scenarios ----------------------------------------------------------------


def test_at_least_three_scenarios_exercise_different_playbooks(workspace: Workspace) -> None:
    playbooks = {load_scenario(DRILLS / f"{n}.yaml", workspace).playbook for n in SCENARIOS}
    assert len(SCENARIOS) >= 3
    assert len(playbooks) == len(SCENARIOS)
    assert {"account-compromised", "product-recall", "data-leak-employee-post"} <= playbooks


@pytest.mark.parametrize("name", SCENARIOS)
def test_each_scenario_has_a_schema_modeline_and_expert_and_slow_responses(name: str) -> None:
    first = (DRILLS / f"{name}.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../schemas/scenario.schema.json"
    assert (DRILLS / first.split("=", 1)[1]).resolve() == ROOT / "schemas/scenario.schema.json"
    for team in ("expert", "slow"):
        assert (DRILLS / "responses" / f"{name}-{team}.yaml").is_file()


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_expert_team_meets_every_expectation(played, name: str) -> None:
    _, report = played[name, "expert"]
    assert [e.id for e in report.expectations if e.status != "met"] == []
    assert (report.score.percent, report.score.grade) == (100, "A")
    assert all(d.verdict == "as expected" for d in report.decisions)
    assert report.decisions, "the scenario compares level decisions"
    assert report.checklist_missed == []
    assert [a for a in report.actions if a.values["outcome"] != "done"] == []


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_slow_team_misses_exactly_what_it_was_written_to_miss(played, name: str) -> None:
    _, report = played[name, "slow"]
    missed = {e.id for e in report.expectations if e.status == "missed"}
    assert missed == SLOW_MISSES[name]
    assert {e.status for e in report.expectations} == {"met", "missed"}
    met = len(report.expectations) - len(missed)
    assert report.score.met == met
    assert report.score.percent == round(100 * met / len(report.expectations))
    assert report.escalations, "unacknowledged notifications escalate on the simulated clock"


def test_a_late_expectation_is_missed_with_the_time_it_took(played) -> None:
    _, report = played["account-compromised-scam", "slow"]
    paused = next(e for e in report.expectations if e.id == "paused")
    assert (paused.taken, paused.target) == (timedelta(minutes=16), timedelta(minutes=10))
    reassessed = next(e for e in report.expectations if e.id == "reassessed")
    assert reassessed.anchor == "inject scam-dms"
    assert reassessed.taken == timedelta(minutes=12), "counted from the new fact at T+12m"
    first = report.decisions[0]
    assert (first.expected_level, first.chosen_level) == ("SEV2", "SEV3")
    assert first.verdict == "lower than expected"
    assert [m["item"] for m in report.checklist_missed] == ["report-to-platform"]
    refused = [a for a in report.actions if a.values["outcome"] == "refused"]
    assert [a.values["action"] for a in refused] == ["approve"]
    assert "four-eyes" in refused[0].values["reason"]


def test_drill_incidents_are_marked_and_every_message_stays_in_the_drill_sink(played) -> None:
    session, report = played["account-compromised-scam", "expert"]
    assert session.events()[0].drill is True
    assert session.sink.sent, "the team was notified, into the drill sink"
    for message in session.sink.sent:
        assert message.subject.startswith("[DRILL] ")
        assert message.body.startswith("[DRILL] ")
    assert len(session.sink.published) == 1
    assert {p.status for p in session.sink.posts.values()} == {"scheduled"}, "held then released"
    for fmt in ("md", "html", "json"):
        assert "[DRILL]" in render(report, fmt)


# -- determinism and formats --------------------------------------------------------------


def test_the_same_inputs_give_byte_identical_reports(workspace, tmp_path, played) -> None:
    name = "product-recall-stove"
    _, first = played[name, "slow"]
    _, again = play(workspace, tmp_path, name, "slow")
    for fmt in ("md", "html", "json"):
        assert render(first, fmt) == render(again, fmt)


def test_a_drill_report_in_french_matches_its_golden_file(played) -> None:
    session, english = played["data-leak-linkedin-whiteboard", "slow"]
    french = build_report(session, "fr")
    assert french.language == "fr"
    assert english.language == "en", "the shipped playbooks are English"
    golden = ROOT / "tests" / "golden" / "drill.fr.md"
    text = render(french, "md")
    if os.environ.get("RUNBOOK_UPDATE_GOLDEN") == "1":
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")
    html = render(french, "html")
    assert '<html lang="fr">' in html
    assert "Bilan d’exercice" in html
    assert "Score : 33\u00a0%" in html, "a French percentage (no-break space)"
    data = json.loads(render(french, "json"))
    assert data["language"] == "fr"
    assert [e["status"] for e in data["expectations"]] == [
        e["status"] for e in json.loads(render(english, "json"))["expectations"]
    ], "statuses stay the same ids in every language"
    assert headline(french).startswith("[EXERCICE] data-leak-linkedin-whiteboard : 3 attentes")


def test_a_french_playbooks_drill_is_reported_in_french_unless_asked_otherwise(
    workspace: Workspace, tmp_path: Path
) -> None:
    name = "account-compromised-scam"
    scenario = load_scenario(DRILLS / f"{name}.yaml", workspace)
    playbook = workspace.playbooks[scenario.playbook]
    french = dataclasses.replace(
        workspace,
        playbooks={
            **workspace.playbooks,
            scenario.playbook: playbook.model_copy(update={"language": "fr"}),
        },
    )
    _, report = play(french, tmp_path, name, "expert")
    assert report.language == "fr"
    assert "## Attentes" in render(report, "md")
    _, asked = play(french, tmp_path, name, "expert", language="en")
    assert "## Expectations" in render(asked, "md")


def test_the_drill_command_writes_the_report_in_the_language_asked_for(tmp_path) -> None:
    env = {"RUNBOOK_CONFIG": str(ROOT), "RUNBOOK_DB": str(tmp_path / "everyday.db")}
    scenario = "playbooks/drills/data-leak-linkedin-whiteboard.yaml"
    responses = "playbooks/drills/responses/data-leak-linkedin-whiteboard-slow.yaml"
    result = runbook("drill", scenario, "--responses", responses, "--lang", "fr", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# [EXERCICE] Bilan d’exercice : ")
    assert "Temps simulé : 4 mars 2026 à 14:30 UTC, durée 1 h 30 min" in result.stdout


def test_reports_hold_no_effect_ids_and_json_has_a_format_version(played) -> None:
    session, report = played["data-leak-linkedin-whiteboard", "expert"]
    effect_ids = [e.effect_id for e in session.events() if isinstance(e, ev.EffectRequested)]
    assert effect_ids
    data = json.loads(render(report, "json"))
    assert data["format_version"] == 1
    assert data["incident"]["id"] == session.incident_id
    for fmt in ("md", "html", "json"):
        text = render(report, fmt)
        assert not [i for i in effect_ids if i in text]
        assert not re.search(r"[0-9a-f]{10}", text.replace(session.incident_id or "", ""))


def test_the_html_report_is_self_contained_and_escapes_scenario_text(workspace, tmp_path) -> None:
    text = (DRILLS / "account-compromised-scam.yaml").read_text(encoding="utf-8")
    hostile = text.replace("Tom (social media)", "<script>alert('x')</script>")
    (tmp_path / "drills").mkdir()
    path = tmp_path / "drills" / "account-compromised-scam.yaml"
    path.write_text(hostile, encoding="utf-8")
    scenario = load_scenario(path, workspace)
    responses = load_responses(
        DRILLS / "responses/account-compromised-scam-expert.yaml", workspace, scenario
    )
    _, report = run_headless(workspace, scenario, responses, SqliteStore(tmp_path / "x.db"))
    page = render(report, "html")
    assert "<script" not in page
    assert "&lt;script&gt;" in page
    assert "default-src 'none'" in page
    assert not re.search(r"""(src|href)=|@import|url\(""", page)


# -- drill-mode effects against real servers ------------------------------------------------


@pytest.fixture
def servers():
    mail = MailServer()
    mail.start()
    receiver = Receiver()
    yield mail, receiver
    receiver.close()
    mail.stop()


def real_effects(mail: MailServer, receiver: Receiver) -> Effects:
    """The adapters a real incident would use: SMTP and a chat webhook on 127.0.0.1."""
    environ = {**ENV, "RUNBOOK_CHAT_WEBHOOK_URL": receiver.url}
    channels = build_channels(
        {
            "email": mail.channel(
                username_env="RUNBOOK_SMTP_USER", password_env="RUNBOOK_SMTP_PASSWORD"
            ),
            "chat": spec.WebhookChannel(kind="webhook", url_env="RUNBOOK_CHAT_WEBHOOK_URL"),
        },
        environ=environ,
    )
    sink = DrillSink()
    return Effects(scheduler=sink, channels=channels, publisher=sink, fallback=None)


def test_no_real_smtp_or_webhook_delivery_happens_in_a_drill(workspace, tmp_path, servers):
    mail, receiver = servers
    real = real_effects(mail, receiver)
    session, _ = play(workspace, tmp_path, "account-compromised-scam", "slow", effects=real)
    assert len(session.sink.sent) > 10, "escalations and stand-down went to the drill sink"
    assert mail.handler.envelopes == []
    assert receiver.requests == []
    assert real.scheduler.sent == []
    assert real.publisher.published == []


def test_real_channels_when_enabled_carry_the_drill_mark_on_every_message(
    workspace, tmp_path, servers
):
    mail, receiver = servers
    real = real_effects(mail, receiver)
    session, report = play(
        workspace, tmp_path, "account-compromised-scam", "expert", effects=real, real_channels=True
    )
    emails = mail.handler.parsed()
    assert emails
    assert receiver.requests
    for message in emails:
        assert message["Subject"].startswith("[DRILL] ")
        assert message.get_content().startswith("[DRILL] ")
    for request in receiver.requests:
        assert "[DRILL]" in json.dumps(request["body"], ensure_ascii=False)
    assert any("STAND DOWN" in m["Subject"] for m in emails)
    assert session.sink.sent == [], "notifications went through the real channels"
    assert len(session.sink.published) == 1, "publishing stays simulated"
    assert real.publisher.published == []
    assert report.real_channels
    assert report.messages["failed"] == 0


# -- the simulated clock ------------------------------------------------------------------


@pytest.fixture
def session(workspace, tmp_path):
    scenario = load_scenario(DRILLS / "account-compromised-scam.yaml", workspace)
    store = SqliteStore(tmp_path / "session.db")
    yield DrillSession.open(workspace, scenario, store)
    store.close()


def test_the_clock_stands_still_until_started_and_runs_at_the_chosen_speed(session) -> None:
    start = session.clock.now()
    session.set_speed(5)
    assert not session.running
    assert session.clock.now() == start
    session.start()
    assert session.declared
    assert session.running
    assert session.clock.speed == 5
    session.set_speed(10)
    assert session.clock.speed == 10
    session.pause()
    assert not session.running
    with pytest.raises(ActionRefused, match="speed must be one of 1, 5, 10"):
        session.set_speed(3)
    with pytest.raises(ActionRefused, match="never goes backwards"):
        session.advance_to(start - timedelta(minutes=1))


def test_jumping_releases_injects_in_order_at_their_times(session) -> None:
    session.begin()
    t0 = session.t0
    assert [i.inject.id for i in session.feed()] == ["first-report"]
    assert session.due_injects() == []
    released = session.jump_to_next_inject()
    assert [i.inject.id for i in released] == ["follower-post"]
    assert session.clock.now() == t0 + timedelta(minutes=3)
    session.jump_to_next_inject()
    assert session.clock.now() == t0 + timedelta(minutes=8), "after follower-post, offset 5m"
    assert session.feed()[-1].label.startswith("T+8m inquiry: journalist (The Daily Ledger)")
    assert [i.id for _, i in session.upcoming()] == ["scam-dms", "account-recovered"]
    session.advance(timedelta(hours=1))
    assert [i.inject.id for i in session.feed()][-2:] == ["scam-dms", "account-recovered"]
    assert session.jump_to_next_inject() == []


def test_escalation_runs_on_the_simulated_clock_at_the_due_time(session) -> None:
    session.begin()
    t0 = session.t0
    incident_id = session.incident_id
    session.advance(timedelta(minutes=2))
    session.engine_for("tom").assess(
        incident_id,
        {"control": "partial", "content": "spam", "reach": "growing", "data": "unknown"}
        | {"scope": "one"},
    )
    session.engine_for("amara").notify(incident_id)
    session.advance(timedelta(minutes=35))
    escalated = [e for e in session.events() if isinstance(e, ev.Escalated)]
    first = {e.rule_id: e.at - t0 for e in escalated if e.round == 1}
    assert first["security-and-social"] == timedelta(minutes=12), "notified T+2m, ack_within 10m"
    assert first["leadership-and-legal"] == timedelta(minutes=17), "ack_within 15m"
    assert all(e.at - t0 <= timedelta(minutes=37) for e in escalated)
    session.engine_for("priya").ack(incident_id)
    before = len(escalated)
    session.advance(timedelta(minutes=10))
    after = [e for e in session.events() if isinstance(e, ev.Escalated)]
    assert not [e for e in after[before:] if e.rule_id == "security-and-social"]


def test_expectation_status_is_live_pending_then_met_or_missed(session) -> None:
    session.begin()
    assert {s.status for s in session.status()} == {"pending"}
    session.advance(timedelta(minutes=2))
    session.engine_for("tom").assess(
        session.incident_id,
        {"control": "partial", "content": "spam", "reach": "growing", "data": "unknown"}
        | {"scope": "one"},
    )
    status = {s.id: s for s in session.status()}
    assert status["sized"].status == "met"
    assert status["sized"].taken == timedelta(minutes=2)
    assert status["paused"].status == "pending"
    assert status["paused"].detail == "8m left"
    session.advance(timedelta(minutes=9))
    status = {s.id: s for s in session.status()}
    assert status["paused"].status == "missed"
    assert status["reassessed"].status == "pending"
    assert status["reassessed"].detail == "counts from inject scam-dms at T+12m"
    session.finish()
    assert "pending" not in {s.status for s in session.status()}


# -- the cast -----------------------------------------------------------------------------


def test_cast_people_hold_the_cast_roles_only_in_the_drill(workspace) -> None:
    scenario = load_scenario(DRILLS / "product-recall-stove.yaml", workspace)
    drill = cast_contacts(workspace.contacts, scenario)
    at = scenario.start
    assert drill.holders("pr_director", at) == ["amara"], "Amara stands in for Marcus"
    assert drill.holders("comms_on_call", at) == ["tom"], "the cast replaces the rotation"
    assert drill.holders("comms_lead", at) == ["elena"]
    assert "pr_director" not in workspace.contacts.person("amara").roles
    assert workspace.contacts.holders("pr_director", at) == ["marcus"]


def test_a_stand_in_approves_in_the_role_the_cast_gives_them(played) -> None:
    session, report = played["product-recall-stove", "expert"]
    approvals = {e.actor: e.roles for e in session.events() if isinstance(e, ev.DraftApproved)}
    assert approvals["amara"] == ["pr_director"]
    cast = {c["role"]: c for c in report.cast}
    assert cast["pr_director"]["stand_in"] == "yes"
    assert cast["comms_on_call"]["stand_in"] == "no", "Tom is in the on-call rotation"


# -- invalid files ------------------------------------------------------------------------

BASE = """\
id: tiny
title: Tiny drill
summary: A small scenario for tests.
playbook: account-compromised
cast:
  social_media_manager: tom
injects:
  - {id: first, at: T+0, kind: message, text: It starts.}
expectations:
  - {id: sized, kind: level_at_least, level: SEV2, within: 10m}
"""


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "playbook: account-compromised",
            "playbook: acount-compromised",
            "4:11: playbook: unknown playbook 'acount-compromised'; did you mean "
            "'account-compromised'?",
        ),
        ("  social_media_manager: tom", "  social_media_manager: tomas", "6:25: cast."),
        ("  social_media_manager: tom", "  media_boss: tom", "6:3: cast.media_boss: unknown role"),
        ("at: T+0, kind", "after: nope, kind", "8:17: injects[0].after: unknown inject 'nope'"),
        ("at: T+0,", "at: soon,", "8:21: injects[0].at: 'soon' is not a time from the start"),
        ("level: SEV2", "level: SEV5", "10:46: expectations[0].level: unknown level 'SEV5'"),
        ("within: 10m}", "withn: 10m}", "10:52: expectations[0].withn: unknown field 'withn'"),
        (
            "kind: level_at_least, level: SEV2, within: 10m",
            "kind: statement_published",
            "10:17: expectations[0].kind: no target time",
        ),
    ],
)
def test_invalid_scenarios_are_reported_as_file_line_col(
    workspace, tmp_path, old: str, new: str, expected: str
) -> None:
    assert old in BASE
    path = tmp_path / "tiny.yaml"
    path.write_text(BASE.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_scenario(path, workspace)
    assert any(p.startswith(f"{path}:{expected}") for p in caught.value.problems), (
        caught.value.problems
    )


def test_the_base_scenario_of_those_checks_is_valid(workspace, tmp_path) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(BASE, encoding="utf-8")
    assert load_scenario(path, workspace).id == "tiny"


def test_invalid_responses_name_the_entry_and_field(workspace, tmp_path) -> None:
    scenario = load_scenario(DRILLS / "account-compromised-scam.yaml", workspace)
    path = tmp_path / "responses.yaml"
    path.write_text(
        "- {at: T+1m, as: tom, do: assess, args: {answers: {control: owned}}}\n"
        "- {at: T+2m, as: zed, do: pause}\n"
        "- {at: T+3m, as: tom, do: fly}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_responses(path, workspace, scenario)
    assert caught.value.problems == [
        f"{path}:3:3: responses[2]: Input tag 'fly' found using 'do' does not match any of the "
        "expected tags: 'assess', 'pause', 'notify', 'ack', 'draft', 'edit', 'submit', "
        "'approve', 'reject', 'publish', 'check', 'note', 'resolve', 'close'"
    ]
    path.write_text(path.read_text().replace("do: fly", "do: pause"), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_responses(path, workspace, scenario)
    assert [p.split(": ", 2)[:2] for p in caught.value.problems] == [
        [f"{path}:1:61", "responses[0].args.answers.control"],
        [f"{path}:2:18", "responses[1].as"],
    ]


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("T+8m", 8), ("8m", 8), ("T + 1h30m", 90), ("0", 0), ("T+0", 0), (0, 0)],
)
def test_offsets_read_like_t_plus_durations(text: object, minutes: int) -> None:
    assert parse_offset(text) == timedelta(minutes=minutes)


# -- the command line ---------------------------------------------------------------------


def runbook(*args: str, env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "runbook", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=cwd,
        timeout=120,
    )


def test_the_drill_command_writes_the_same_report_twice_and_ignores_runbook_db(tmp_path) -> None:
    env = {"RUNBOOK_CONFIG": str(ROOT), "RUNBOOK_DB": str(tmp_path / "everyday.db")}
    scenario = "playbooks/drills/data-leak-linkedin-whiteboard.yaml"
    responses = "playbooks/drills/responses/data-leak-linkedin-whiteboard-slow.yaml"
    outputs = []
    for run in ("one", "two"):
        report = tmp_path / f"{run}.json"
        result = runbook(
            "drill", scenario, "--responses", responses, "--report", str(report), env=env
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == (
            "[DRILL] data-leak-linkedin-whiteboard: 3/9 expectations met (33%, grade F); "
            f"report written to {report}\n"
        )
        outputs.append(report.read_bytes())
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])["format_version"] == 1
    assert not (tmp_path / "everyday.db").exists(), "headless drills use a temporary store"


def test_the_drill_command_checks_a_scenario_and_fails_in_one_line_on_bad_input(tmp_path):
    env = {"RUNBOOK_CONFIG": str(ROOT)}
    result = runbook("drill", "playbooks/drills/product-recall-stove.yaml", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: drill product-recall-stove on playbook product-recall")
    assert "inject T+35m    journalist-call" in result.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(BASE.replace("level: SEV2", "level: SEV5"), encoding="utf-8")
    result = runbook("drill", str(bad), env=env)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{bad}:10:46: expectations[0].level: unknown level 'SEV5'; did you mean 'SEV4'? "
        "(known: SEV1, SEV2, SEV3, SEV4)",
        "runbook: 1 problem found",
    ]
    result = runbook("drill", str(tmp_path / "missing.yaml"), env=env)
    assert result.returncode == 1
    assert result.stderr.startswith(f"{tmp_path / 'missing.yaml'}: cannot read")
    result = runbook("drill", env=env)
    assert result.returncode == 2


def test_a_bad_scenario_is_refused_in_french_naming_file_line_and_field(tmp_path) -> None:
    bad = tmp_path / "mauvais.yaml"
    bad.write_text(
        BASE.replace("level: SEV2", "level: SEV5").replace(
            "  social_media_manager: tom", "  media_boss: tom"
        ),
        encoding="utf-8",
    )
    result = runbook("--lang", "fr", "drill", str(bad), env={"RUNBOOK_CONFIG": str(ROOT)})
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{bad}:6:3: cast.media_boss: rôle inconnu 'media_boss' (rôles : ")
    assert "social_media_manager" in lines[0]
    assert lines[1:] == [
        f"{bad}:10:46: expectations[0].level: niveau inconnu 'SEV5' ; "
        "vouliez-vous dire 'SEV4' ? (niveaux : SEV1, SEV2, SEV3, SEV4)",
        "runbook: 2 problèmes trouvés",
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("at: T+0, kind", "after: nope, kind", "8:17: injects[0].after: injection inconnue 'nope'"),
        (
            "expectations:\n",
            "  - {id: first, at: T+1m, kind: message, text: Again.}\nexpectations:\n",
            "9:6: injects[1].id: l’identifiant d’injection 'first' est utilisé deux fois",
        ),
        (
            "at: T+0,",
            "at: bientôt,",
            "8:21: injects[0].at: 'bientôt' n’est pas un délai depuis le début de l’exercice",
        ),
        (
            "kind: level_at_least, level: SEV2, within: 10m",
            "kind: statement_published",
            "10:17: expectations[0].kind: pas de délai cible : ajoutez within (par exemple "
            "within: 30m) ; aucun objectif de la procédure ne s’applique",
        ),
        (
            "playbook: account-compromised",
            "playbook: acount-compromised",
            "4:11: playbook: procédure inconnue 'acount-compromised' ; vouliez-vous dire "
            "'account-compromised' ?",
        ),
    ],
)
def test_the_problems_of_a_scenario_read_in_french(
    workspace, tmp_path, old: str, new: str, expected: str
) -> None:
    path = tmp_path / "tiny.yaml"
    path.write_text(BASE.replace(old, new, 1), encoding="utf-8")
    with using("fr"), pytest.raises(ConfigError) as caught:
        load_scenario(path, workspace)
    assert any(p.startswith(f"{path}:{expected}") for p in caught.value.problems), (
        caught.value.problems
    )


def test_responses_for_another_scenario_are_refused_in_french(workspace, tmp_path) -> None:
    scenario = load_scenario(DRILLS / "account-compromised-scam.yaml", workspace)
    path = tmp_path / "reponses.yaml"
    path.write_text(
        "scenario: autre\nresponses:\n  - {at: T+1m, as: zed, do: pause}\n", encoding="utf-8"
    )
    with using("fr"), pytest.raises(ConfigError) as caught:
        load_responses(path, workspace, scenario)
    assert caught.value.problems[0] == (
        f"{path}:1:11: scenario: ces réponses sont prévues pour le scénario 'autre', "
        f"pas pour '{scenario.id}'"
    )
    assert caught.value.problems[1].startswith(
        f"{path}:3:20: responses[0].as: personne inconnue 'zed' (personnes : "
    )


def test_min_score_fails_a_slow_team_and_db_keeps_the_drill_on_the_board(tmp_path) -> None:
    env = {"RUNBOOK_CONFIG": str(ROOT)}
    db = str(tmp_path / "drills.db")
    args = [
        "drill",
        "playbooks/drills/account-compromised-scam.yaml",
        "--responses",
        "playbooks/drills/responses/account-compromised-scam-slow.yaml",
        "--format",
        "md",
        "--min-score",
        "80",
    ]
    result = runbook("--db", db, *args, env=env)
    assert result.returncode == 1
    assert result.stdout.startswith("# [DRILL] Drill report: Hacked X account sends scam DMs")
    assert result.stderr == "runbook: drill score 38% is below --min-score 80\n"
    board = runbook("--db", db, "list", "--all", env=env)
    assert board.returncode == 0, board.stderr
    assert board.stdout.rstrip().endswith("[DRILL]")


def test_the_drill_command_never_uses_the_configured_channels_unless_asked(tmp_path, servers):
    mail, receiver = servers
    shutil.copytree(ROOT / "playbooks", tmp_path / "playbooks")
    shutil.copytree(ROOT / "contacts", tmp_path / "contacts")
    (tmp_path / "contacts" / "channels.yaml").write_text(
        "channels:\n"
        f"  email: {{kind: smtp, host: 127.0.0.1, port: {mail.port}, security: none,\n"
        "          sender: crisis@example.com, username_env: RUNBOOK_SMTP_USER,\n"
        "          password_env: RUNBOOK_SMTP_PASSWORD, timeout: 5s}\n"
        "  chat: {kind: webhook, url_env: RUNBOOK_CHAT_WEBHOOK_URL}\n"
        "  console: {kind: console}\n",
        encoding="utf-8",
    )
    env = {**ENV, "RUNBOOK_CONFIG": str(tmp_path), "RUNBOOK_CHAT_WEBHOOK_URL": receiver.url}
    args = [
        "drill",
        "playbooks/drills/account-compromised-scam.yaml",
        "--responses",
        "playbooks/drills/responses/account-compromised-scam-slow.yaml",
    ]
    result = runbook(*args, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert mail.handler.envelopes == []
    assert receiver.requests == []
    result = runbook(*args, "--real-channels", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    subjects = [m["Subject"] for m in mail.handler.parsed()]
    assert subjects
    assert all(s.startswith("[DRILL] ") for s in subjects)
    assert receiver.requests


# -- the engine and the core ----------------------------------------------------------------


def test_declare_takes_a_chosen_incident_id_once_and_refuses_a_malformed_one(engine_as) -> None:
    engine = engine_as("tom")
    incident = engine.declare("account-compromised", "Drill", drill=True, incident_id="INC-7KQ4PX")
    assert (incident.id, incident.drill) == ("INC-7KQ4PX", True)
    with pytest.raises(ActionRefused, match="INC-7KQ4PX already exists"):
        engine.declare("account-compromised", "Again", incident_id="INC-7KQ4PX")
    for bad in ("INC-7KQ4P", "INC-7KQ4P0", "inc-7kq4px", "7KQ4PX"):
        with pytest.raises(ActionRefused, match="must be INC- and 6 of"):
            engine.declare("account-compromised", "Drill", incident_id=bad)


def test_a_second_run_on_the_same_store_gets_the_next_reproducible_id(workspace, tmp_path):
    first, _ = play(workspace, tmp_path, "account-compromised-scam", "expert")
    scenario = first.scenario
    again = DrillSession.open(workspace, scenario, first.store)
    again.begin()
    assert first.incident_id == drill_incident_id(scenario.id, 0)
    assert again.incident_id == drill_incident_id(scenario.id, 1)


def test_the_drill_package_never_imports_textual() -> None:
    code = (
        "import sys, runbook.drill.session, runbook.drill.render, runbook.drill.runner, "
        "runbook.drill.files, runbook.cli.drill\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
