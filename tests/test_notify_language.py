"""Messages to people in each recipient's language, written from templates the organisation
may replace: a French contact reads French, an English one English, through a real SMTP
server; the record keeps exactly what each was sent; nobody is told about a role their
organisation does not have; a template with an unknown placeholder is refused at its line."""

from __future__ import annotations

import shutil
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path

import pytest

from runbook.clock import SimulatedClock
from runbook.effects import Effects
from runbook.effects.notify.fanout import build_channels
from runbook.effects.sinks import DrillSink
from runbook.engine import Engine
from runbook.errors import ConfigError
from runbook.loading import Workspace, load_workspace
from runbook.loading.problems import validate_model
from runbook.loading.safe_yaml import parse_yaml
from runbook.model import events as ev
from runbook.model import messages
from runbook.model.notification_defaults import DEFAULTS
from runbook.model.notification_templates import (
    FRAGMENTS,
    KINDS,
    LANGUAGES,
    Notifications,
    placeholders,
)
from runbook.model.policy import Policy
from runbook.model.templates import template_problems
from runbook.store.sqlite import SqliteStore
from tests.conftest import ROOT, START
from tests.signing import with_keys
from tests.test_engine import SEV1_ACCOUNT
from tests.test_notify_channels import MailServer

OWN_ROLES = """
notifications:
  media_role: press_office
  role_names:
    press_office: {en: Press office, fr: Service de presse}
    social_media_manager: {en: Social team, fr: Équipe réseaux sociaux}
"""

FRENCH_TEMPLATE = """
notifications:
  templates:
    fr:
      notification:
        subject: "${drill}Alerte $level : $incident_title"
        body: |
          Bonjour $person_name,
          $titre est ouvert.
"""


def configured(
    folder: Path,
    keyring: dict[str, Path],
    *,
    french: tuple[str, ...] = ("chloe",),
    policy_extra: str = "",
    rename: tuple[str, str] | None = None,
) -> Workspace:
    """A copy of the shipped configuration where ``french`` people read French, the policy
    ends with ``policy_extra`` and a role may be ``rename``d everywhere."""
    shutil.copytree(ROOT / "playbooks", folder / "playbooks")
    shutil.copytree(ROOT / "contacts", folder / "contacts")
    if rename is not None:
        for path in [*folder.glob("playbooks/**/*.yaml"), *folder.glob("contacts/*.yaml")]:
            original = path.read_text(encoding="utf-8")
            path.write_text(original.replace(*rename), encoding="utf-8")
    team = folder / "contacts" / "team.yaml"
    text = team.read_text(encoding="utf-8")
    for person in french:
        marker = f"  - id: {person}\n"
        assert marker in text
        text = text.replace(marker, f"{marker}    language: fr\n")
    team.write_text(text, encoding="utf-8")
    policy = folder / "playbooks" / "policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8") + policy_extra, encoding="utf-8")
    return with_keys(load_workspace([folder / "playbooks", folder / "contacts"]), keyring)


@pytest.fixture
def mail():
    server = MailServer()
    server.start()
    yield server
    server.stop()


def engine_on(workspace: Workspace, db: Path, mail: MailServer) -> Engine:
    sink = DrillSink()
    channels = build_channels({"email": mail.channel(), "chat": mail.channel()})
    effects = Effects(scheduler=sink, channels=channels, publisher=sink)
    return Engine(
        SqliteStore(db), workspace, operator="amara", clock=SimulatedClock(START), effects=effects
    )


def emails_to(mail: MailServer, workspace: Workspace, person: str) -> list:
    address = workspace.contacts.person(person).email
    return [m for m in mail.handler.parsed() if parseaddr(m["To"])[1] == address]


def content(message) -> str:  # noqa: ANN001
    """The text of an email as runbook wrote it (lines ended by \\n, not SMTP's \\r\\n)."""
    return message.get_content().replace("\r\n", "\n")


def declared_and_notified(engine: Engine) -> str:
    incident = engine.declare("account-compromised", "Hacked X account posting scams")
    engine.assess(incident.id, SEV1_ACCOUNT)
    engine.pause(incident.id)
    engine.notify(incident.id)
    return incident.id


def test_a_french_contact_reads_french_while_an_english_one_reads_english(tmp_path, keyring, mail):
    workspace = configured(tmp_path, keyring)
    engine = engine_on(workspace, tmp_path / "incidents.db", mail)
    try:
        incident_id = declared_and_notified(engine)
        (chloe,) = [m for m in emails_to(mail, workspace, "chloe") if "--as chloe" in str(m)]
        (tom,) = [m for m in emails_to(mail, workspace, "tom") if "--as tom" in str(m)]
        french, english = content(chloe), content(tom)
        assert "Un incident de niveau SEV1 (Critical) est ouvert : Hacked X account" in french
        assert "Procédure : Brand social account compromised" in french
        assert "Déclaré le 21 novembre 2026 à 14:00 UTC" in french
        assert (
            f"Accusez réception sous 10\u00a0min : runbook ack {incident_id} --as chloe" in french
        )
        assert "Ce que l’on attend de vous :" in french
        assert "Aucun commentaire public. Questions des médias : press@example.com." in french
        assert "incident is open" not in french
        assert "Acknowledge" not in french
        assert "A SEV1 (Critical) incident is open: Hacked X account posting scams" in english
        assert "Declared: 2026-11-21 14:00 UTC" in english
        assert f"Acknowledge within 10 min: runbook ack {incident_id} --as tom" in english
        assert "What is asked of you:" in english
        assert "Déclaré" not in english
        assert (
            tom["Subject"]
            == chloe["Subject"]
            == (f"SEV1 Hacked X account posting scams [{incident_id}]")
        )
    finally:
        engine.store.close()


def test_the_record_keeps_exactly_the_text_each_person_was_sent(tmp_path, keyring, mail):
    workspace = configured(tmp_path, keyring)
    engine = engine_on(workspace, tmp_path / "incidents.db", mail)
    try:
        incident_id = declared_and_notified(engine)
        sent = {
            (d["person"], d["channel"]): d
            for event in engine.timeline(incident_id)
            if isinstance(event, ev.NotificationsSent)
            for d in event.deliveries
        }
        for person in ("chloe", "tom"):
            for message in emails_to(mail, workspace, person):
                channel = "chat" if "/chat" in message["X-Runbook-Key"] else "email"
                recorded = sent[(person, channel)]
                assert recorded["subject"] == message["Subject"]
                assert recorded["text"] == content(message)
        assert "Accusez réception" in sent[("chloe", "email")]["text"]
        assert "Acknowledge within" in sent[("tom", "email")]["text"]
    finally:
        engine.store.close()


def test_an_organisation_naming_its_own_roles_is_never_told_of_a_pr_director(
    tmp_path, keyring, mail
):
    # this organisation has a press office where the shipped files have a PR director
    workspace = configured(
        tmp_path,
        keyring,
        policy_extra=OWN_ROLES,
        rename=("pr_director", "press_office"),
        french=("chloe", "marcus"),
    )
    engine = engine_on(workspace, tmp_path / "incidents.db", mail)
    try:
        declared_and_notified(engine)
        emails = mail.handler.parsed()
        assert emails
        for message in emails:
            text = f"{message['Subject']}\n{message.get_content()}".lower()
            assert "pr director" not in text
            assert "pr_director" not in text
        (tom,) = [content(m) for m in emails_to(mail, workspace, "tom") if "tom" in str(m)]
        assert "You are notified as: Social team" in tom
        assert "Media questions: Press office." in tom
        (chloe,) = [content(m) for m in emails_to(mail, workspace, "chloe")][:1]
        assert "Vous êtes prévenu(e) en tant que : Équipe réseaux sociaux" in chloe
        assert "Questions des médias : Service de presse." in chloe
    finally:
        engine.store.close()


def test_a_template_with_an_unknown_placeholder_is_refused_naming_its_line(tmp_path):
    text = (ROOT / "playbooks" / "policy.yaml").read_text(encoding="utf-8") + FRENCH_TEMPLATE
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        validate_model(parse_yaml(path), Policy)
    (problem,) = caught.value.problems
    line = text.count("\n", 0, text.rindex("        body: |")) + 1
    assert problem.startswith(
        f"{path}:{line}:9: notifications.templates.fr.notification.body: "
        "unknown placeholder $titre; known placeholders: $drill,"
    )
    assert "\n" not in problem


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (
            "      acknowledge:\n        subject: Ack\n        body: Ack with $ack_command\n",
            "notifications.templates.en.acknowledge.subject: acknowledge is part of another "
            "message and has no subject",
        ),
        ("      reminder:\n        body: hello\n", "notifications.templates.en.reminder"),
        (
            "      stand_down:\n        subject: Done $ack_command\n        body: ok\n",
            "notifications.templates.en.stand_down.subject: unknown placeholder $ack_command",
        ),
    ],
)
def test_a_fragment_with_a_subject_an_unknown_kind_or_a_foreign_placeholder_is_refused(
    tmp_path, written, expected
):
    text = (ROOT / "playbooks" / "policy.yaml").read_text(encoding="utf-8") + (
        "notifications:\n  templates:\n    en:\n" + written
    )
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        validate_model(parse_yaml(path), Policy)
    (problem,) = caught.value.problems
    assert f"{path}:" in problem
    assert expected in problem


def test_the_commented_example_in_the_shipped_policy_is_valid(tmp_path):
    text = (ROOT / "playbooks" / "policy.yaml").read_text(encoding="utf-8")
    example = text[text.index("# notifications:") :]
    uncommented = "\n".join(line[2:] for line in example.splitlines())
    path = tmp_path / "policy.yaml"
    path.write_text(text + "\n" + uncommented + "\n", encoding="utf-8")
    policy = validate_model(parse_yaml(path), Policy)
    assert policy.wording().role_name("pr_director", "fr") == "directeur des relations presse"
    assert policy.wording().template("stand_down", "fr") is not None


def test_the_readme_example_is_a_valid_notifications_section(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("```yaml\nnotifications:") + len("```yaml\n")
    example = readme[start : readme.index("```", start)]
    path = tmp_path / "policy.yaml"
    text = (ROOT / "playbooks" / "policy.yaml").read_text(encoding="utf-8") + example
    path.write_text(text, encoding="utf-8")
    wording = validate_model(parse_yaml(path), Policy).wording()
    assert wording.role_name("press_office", "fr") == "Service de presse"
    assert "$summary" in wording.template("stand_down", "fr").body


@pytest.mark.parametrize("language", LANGUAGES)
def test_runbook_ships_a_template_for_every_kind_of_message_in_each_language(language):
    shipped = DEFAULTS[language]
    assert sorted(shipped) == sorted(KINDS)
    for kind in KINDS:
        template = shipped[kind]
        assert bool(template.subject) == (kind not in FRAGMENTS), kind
        for text in (template.subject, template.body):
            assert template_problems(text, placeholders(kind)) == [], (kind, text)
    # the shipped templates are exactly what the policy would accept as its own
    Notifications.model_validate(
        {"templates": {language: {k: t.model_dump() for k, t in shipped.items()}}}
    )


def test_every_kind_of_message_reads_in_the_recipients_language(engine_as, workspace):
    engine = engine_as("amara")
    incident = engine.declare("account-compromised", "Compte piraté")
    engine.assess(incident.id, SEV1_ACCOUNT)
    incident = engine.incident(incident.id)
    rules = incident.playbook.notify_rules_for("SEV1")
    expires = (START + timedelta(hours=2)).isoformat()
    draft = {"draft_id": "D1", "version": 2}
    reminder = {"audience": "staff", "due_at": START.isoformat(), "every": "30m"}
    rendered = {
        "notification": messages.notification(incident, rules, ["legal"], language="fr"),
        "escalation": messages.notification(incident, rules, ["legal"], True, language="fr"),
        "approval_link": messages.approval_request(
            incident, draft, ["legal"], link="https://x/approve/T", expires=expires, language="fr"
        ),
        "approval_no_link": messages.approval_request(
            incident, draft, ["legal"], link=None, expires=expires, language="fr"
        ),
        "stand_down": messages.stand_down(incident, "Compte récupéré.", language="fr"),
        "update": messages.update(
            incident, {"title": "Point", "text": "A\n\n\n\nB"}, language="fr"
        ),
        "update_reminder": messages.update_reminder(incident, reminder, language="fr"),
        "update_overdue": messages.update_reminder(
            incident, {**reminder, "escalation": True}, language="fr"
        ),
    }
    assert rendered["escalation"][0].startswith("RELANCE : SEV1")
    assert "jusqu’au 21 novembre 2026 à 16:00 UTC" in rendered["approval_link"][1]
    assert f"runbook approve {incident.id} --draft D1 --sign" in rendered["approval_no_link"][1]
    assert rendered["stand_down"][0].startswith("LEVÉE DU DISPOSITIF")
    assert rendered["update"][1] == "A\n\n\n\nB\n", "an approved update goes out as approved"
    assert "toutes les 30\u00a0min" in rendered["update_reminder"][1]
    assert "pour les collaborateurs" in rendered["update_reminder"][1], "the audience, in French"
    assert "était attendu le 21 novembre 2026 à 14:00 UTC" in rendered["update_overdue"][1]
    for kind, (subject, body) in rendered.items():
        assert "$" not in subject + body, kind
        assert "\n\n\n" not in body.replace("A\n\n\n\nB", ""), kind
        for english in ("incident is open", "Acknowledge", "Approval needed", "STAND DOWN"):
            assert english not in subject + body, (kind, english)


def test_a_drill_message_is_marked_in_the_recipients_language(engine_as):
    engine = engine_as("amara")
    incident = engine.declare("account-compromised", "Exercise", drill=True)
    incident = engine.incident(incident.id)
    subject_fr, body_fr = messages.stand_down(incident, "ok", language="fr")
    subject_en, _ = messages.stand_down(incident, "ok", language="en")
    assert subject_fr.startswith("[EXERCICE] LEVÉE DU DISPOSITIF")
    assert body_fr.startswith("[EXERCICE] ")
    assert subject_en.startswith("[DRILL] STAND DOWN")


def test_a_notify_rule_may_ask_in_each_language(tmp_path, keyring):
    text = (ROOT / "playbooks" / "account-compromised.yaml").read_text(encoding="utf-8")
    old = (
        "    message: >-\n"
        '      You are running "$incident_title" ($level). Join the crisis channel now and start'
        " the\n      holding statement and staff advisory.\n"
    )
    assert old in text
    configured(tmp_path, keyring)
    rule = (
        "    message:\n"
        "      en: Join the crisis channel now ($level).\n"
        "      fr: Rejoignez tout de suite le canal de crise ($level).\n"
    )
    path = tmp_path / "playbooks" / "account-compromised.yaml"
    path.write_text(text.replace(old, rule), encoding="utf-8")
    workspace = load_workspace([tmp_path / "playbooks", tmp_path / "contacts"])
    engine = Engine(
        SqliteStore(tmp_path / "i.db"), workspace, operator="amara", clock=SimulatedClock(START)
    )
    try:
        incident = engine.declare("account-compromised", "Compte piraté")
        engine.assess(incident.id, SEV1_ACCOUNT)
        incident = engine.incident(incident.id)
        rules = [r for r in incident.playbook.notify if r.id == "comms-on-call"]
        _, french = messages.notification(incident, rules, ["comms_on_call"], language="fr")
        _, english = messages.notification(incident, rules, ["comms_on_call"], language="en")
    finally:
        engine.store.close()
    assert "Ce que l’on attend de vous :\n- Rejoignez tout de suite le canal de crise (SEV1)." in (
        french
    )
    assert "What is asked of you:\n- Join the crisis channel now (SEV1)." in english


def test_approval_requests_and_the_stand_down_reach_each_person_in_their_language(
    tmp_path, keyring, mail
):
    workspace = configured(tmp_path, keyring, french=("chloe", "elena"))
    engine = engine_on(workspace, tmp_path / "incidents.db", mail)
    try:
        incident_id = declared_and_notified(engine)
        engine.start_draft(incident_id)
        before = len(mail.handler.envelopes)
        engine.submit(incident_id)
        asked = mail.handler.parsed()[before:]
        (elena,) = [m for m in asked if "elena" in m["To"]]
        (daniel,) = [m for m in asked if "daniel" in m["To"]]
        assert elena["Subject"].startswith("Approbation requise : D1 v1 pour Hacked X account")
        assert "attend votre approbation" in content(elena)
        assert "n’est pas un canal privé" in content(elena)
        assert f"Depuis un terminal : runbook draft {incident_id} --draft D1" in content(elena)
        assert daniel["Subject"].startswith("Approval needed: D1 v1")
        assert "is not private, so none is included here" in content(daniel)
        before = len(mail.handler.envelopes)
        engine.resolve(incident_id, "Compte récupéré / account recovered.")
        stood_down = mail.handler.parsed()[before:]
        (chloe,) = [m for m in stood_down if "chloe" in m["To"]]
        (tom,) = [m for m in stood_down if "tom" in m["To"]]
        assert (
            chloe["Subject"]
            == f"LEVÉE DU DISPOSITIF : Hacked X account posting scams [{incident_id}]"
        )
        assert "Résumé : Compte récupéré / account recovered." in content(chloe)
        assert tom["Subject"].startswith("STAND DOWN: Hacked X account")
        assert "Summary: Compte récupéré / account recovered." in content(tom)
    finally:
        engine.store.close()


def test_a_media_role_or_role_name_nobody_holds_is_refused_at_its_line(tmp_path, keyring):
    extra = "\nnotifications:\n  media_role: press_ofice\n  role_names:\n    legall: Legal\n"
    with pytest.raises(ConfigError) as caught:
        configured(tmp_path, keyring, policy_extra=extra)
    found = caught.value.problems
    assert any(
        "notifications.media_role: nobody in contacts holds role 'press_ofice'" in p for p in found
    )
    assert any("notifications.role_names.legall:" in p for p in found)
    assert all("policy.yaml:" in p for p in found)
