"""The French workspace shipped in ``examples/fr``: its policy, contacts, playbooks and drill.

``runbook --config examples/fr`` opens it as a whole (policy, playbooks, contacts, drills); the
English workspace at the root stays the default. Every French statement renders without a
single lint finding under the French policy, every French rule finds its French sample, and
the French drill is played to its report on the simulated clock.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from runbook.clock import SimulatedClock
from runbook.drill.files import load_responses, load_scenario
from runbook.drill.render import render
from runbook.drill.runner import run_headless
from runbook.effects.sinks import drill_effects
from runbook.engine import Engine
from runbook.loading import Workspace, kind_of, load_workspace, yaml_files
from runbook.model.intake import suggest
from runbook.model.lint import lint_text, lint_variants
from runbook.model.severity import assess
from runbook.store.sqlite import SqliteStore
from tests.conftest import ROOT, START

FRENCH = ROOT / "examples" / "fr"
PLAYBOOKS = FRENCH / "playbooks"
CONTACTS = FRENCH / "contacts"
DRILLS = PLAYBOOKS / "drills"
NBSP = "\u00a0"


@pytest.fixture(scope="module")
def french() -> Workspace:
    return load_workspace([PLAYBOOKS, CONTACTS])


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RUNBOOK_DB": str(tmp_path / "runbook.db")}
    for name in ("RUNBOOK_OPERATOR", "RUNBOOK_CONFIG", "RUNBOOK_LANG"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "runbook", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


# -- the workspace as a whole -------------------------------------------------------------


def test_the_french_workspace_has_its_own_policy_contacts_and_french_playbooks(
    french: Workspace,
) -> None:
    assert french.policy is not None
    assert french.policy.organisation.name == "Northwind Outfitters France"
    assert len(french.playbooks) >= 3
    assert {p.language for p in french.playbooks.values()} == {"fr"}
    assert {
        "compte-pirate",
        "publication-offensante",
        "fuite-donnees-salarie",
        "rappel-produit",
    } <= set(french.playbooks)
    assert all(path.is_relative_to(PLAYBOOKS) for path in french.sources.values())
    assert len(french.contacts.people) >= 8
    assert {"astreinte_communication", "astreinte_juridique"} <= french.contacts.roles()


def test_the_french_team_reads_its_messages_in_french_except_the_one_who_asked_for_english(
    french: Workspace,
) -> None:
    languages = {person.id: person.language for person in french.contacts.people}
    assert languages.pop("elena") == "en"
    assert set(languages.values()) == {"fr"}


def test_runbook_validate_opens_the_french_workspace_with_config_and_finds_no_problem(
    tmp_path: Path,
) -> None:
    result = cli(tmp_path, "--config", "examples/fr", "validate")
    assert result.returncode == 0, result.stderr
    files = yaml_files([PLAYBOOKS, CONTACTS, DRILLS])
    playbooks = [f for f in files if kind_of(f) == "playbook"]
    scenarios = [f for f in files if kind_of(f) == "scenario"]
    assert len(scenarios) >= 1
    people = len(load_workspace([PLAYBOOKS, CONTACTS]).contacts.people)
    assert result.stdout == (
        f"ok: {len(files)} file(s), {len(playbooks)} playbook(s), "
        f"{len(scenarios)} drill scenario(s), {people} people\n"
    )
    assert result.stderr == ""


def test_the_english_workspace_stays_the_default_and_lists_no_french_playbook(
    tmp_path: Path, french: Workspace
) -> None:
    english = cli(tmp_path, "playbooks")
    assert english.returncode == 0, english.stderr
    ids = {line.split()[0] for line in english.stdout.splitlines()}
    assert "account-compromised" in ids
    assert not ids & set(french.playbooks)
    listed = cli(tmp_path, "--config", "examples/fr", "playbooks")
    assert listed.returncode == 0, listed.stderr
    assert {line.split()[0] for line in listed.stdout.splitlines()} == set(french.playbooks)
    assert "Compte de la marque piraté" in listed.stdout


def french_files() -> list[Path]:
    return yaml_files([PLAYBOOKS, CONTACTS, DRILLS])


@pytest.mark.parametrize("path", french_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_french_file_starts_with_a_schema_modeline_that_resolves(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    assert match, f"{path.name} starts with {first!r}"
    target = (path.parent / match.group(1)).resolve()
    assert target == ROOT / "schemas" / f"{kind_of(path)}.schema.json"


def test_french_warnings_find_the_french_playbook_by_its_keywords(french: Workspace) -> None:
    playbooks = french.playbooks
    assert suggest(playbooks, "Notre compte Instagram a été piraté") == "compte-pirate"
    assert suggest(playbooks, "Gros bad buzz sur notre dernière publication") == (
        "publication-offensante"
    )
    assert suggest(playbooks, "Fuite de données clients sur LinkedIn") == "fuite-donnees-salarie"
    assert suggest(playbooks, "Rappel produit : le réchaud prend feu") == "rappel-produit"


# -- the statements -------------------------------------------------------------------------


def answers_for(workspace: Workspace, playbook_id: str, level: str) -> dict[str, str]:
    playbook = workspace.playbook(playbook_id)
    questions = playbook.severity.questions
    for combo in itertools.product(*[q.options for q in questions]):
        answers = {q.id: o.id for q, o in zip(questions, combo, strict=True)}
        if assess(playbook, answers).level == level:
            return answers
    raise AssertionError(f"no answers reach {level}")


@pytest.fixture
def engine(french: Workspace, tmp_path: Path) -> Iterator[Engine]:
    made = Engine(
        SqliteStore(tmp_path / "fr.db"),
        french,
        operator="camille",
        clock=SimulatedClock(START),
        effects=drill_effects(),
    )
    yield made
    made.store.close()


def test_every_french_statement_renders_without_any_lint_finding(
    engine: Engine, french: Workspace
) -> None:
    assert french.policy is not None
    rendered = 0
    for playbook_id, playbook in sorted(french.playbooks.items()):
        incident = engine.declare(playbook_id, "Compte Instagram détourné")
        engine.assess(incident.id, answers_for(french, playbook_id, "SEV2"))
        templates = [d.id for d in playbook.drafts]
        updates = [t.id for t in playbook.updates.templates] if playbook.updates else []
        for template_id in templates + updates:
            incident = engine.start_draft(incident.id, template_id)
        for draft in incident.drafts.values():
            findings = lint_variants(french.policy, draft.variants, draft.audience)
            if draft.template_id in updates:  # its <fields> are for the lead to fill in
                assert findings, (playbook_id, draft.template_id, "a fill-in field is caught")
                assert {(f.rule_id, f.matched[0], f.matched[-1]) for f in findings} == {
                    ("champ-a-completer", "<", ">")
                }, (playbook_id, draft.template_id)
            else:
                assert [f.describe() for f in findings] == [], (playbook_id, draft.template_id)
            rendered += 1
    assert rendered >= 3 * 5


def test_french_statements_are_dated_in_french(engine: Engine) -> None:
    incident = engine.declare("compte-pirate", "Compte X piraté")
    engine.assess(incident.id, answers_for(engine.workspace, "compte-pirate", "SEV3"))
    incident = engine.start_draft(incident.id, "compte-recupere")
    text = incident.drafts["D1"].variants["x"]
    assert "le 21 novembre 2026 ne venaient pas de nous" in text
    assert "$" not in text


def test_french_statements_follow_french_typography(french: Workspace) -> None:
    for playbook in french.playbooks.values():
        texts = [d.text for d in playbook.drafts]
        texts += [t.text for t in playbook.updates.templates] if playbook.updates else []
        for text in texts:
            assert isinstance(text, str)
            assert "'" not in text, "typographic apostrophes (’) in French statements"
            assert not re.search(r" [:;?!»]", text), "a non-breaking space before : ; ? ! »"
            assert not re.search(r"« ", text)
            assert re.search(rf"{NBSP}[:;?!]", text) or "«" not in text


# -- the French policy ----------------------------------------------------------------------

SAMPLES = [
    ("sans-commentaire", "Notre réponse : sans commentaire.", "sans commentaire"),
    ("gene-occasionnee", "Veuillez nous excuser pour la gêne occasionnée.", "gêne occasionnée"),
    ("cas-isole", "Il s’agit d’un cas isolé.", "cas isolé"),
    ("bouc-emissaire", "C’est la faute du stagiaire.", "faute du stagiaire"),
    ("denigrement", "Ces accusations sont des fake news.", "fake news"),
    (
        "fausses-excuses",
        "Nous sommes désolés si certains ont pu être choqués.",
        "si certains ont pu être choqués",
    ),
    (
        "aveu-de-responsabilite",
        "Nous reconnaissons notre responsabilité dans cet incident.",
        "Nous reconnaissons notre responsabilité",
    ),
    ("champ-a-completer", "Le retrait du [PRODUIT] est en cours.", "[PRODUIT]"),
    ("champ-a-completer", "Point d’étape : <ce qui a changé>.", "<ce qui a changé>"),
    (
        "adresse-email",
        "Écrivez à jeanne.dupont@gmail.com pour en savoir plus.",
        "jeanne.dupont@gmail.com",
    ),
    ("numero-de-telephone", "Appelez le 06 12 34 56 78 dès aujourd’hui.", "06 12 34 56 78"),
    ("numero-de-compte", "La carte 4111 1111 1111 1111 a été utilisée.", "4111 1111 1111 1111"),
    (
        "numero-de-securite-sociale",
        "Son numéro de sécurité sociale : 2 84 12 75 108 042 17.",
        "2 84 12 75 108 042 17",
    ),
    (
        "mention-confidentiel",
        "STRICTEMENT CONFIDENTIEL, projet de texte.",
        "STRICTEMENT CONFIDENTIEL",
    ),
    (
        "mention-usage-interne",
        "À usage interne uniquement : le plan.",
        "À usage interne uniquement",
    ),
    (
        "secret-professionnel",
        "Cet avis est couvert par le secret professionnel.",
        "couvert par le secret professionnel",
    ),
    ("identifiants", "Le mot de passe : hunter2 a été changé.", "mot de passe : hunter2"),
    ("hypothese-sur-la-cause", "C’est probablement un courriel piégé.", "probablement"),
    ("estimation-financiere", "Nous prévoyons une perte de 2 millions d’euros.", "perte de 2"),
    ("minimisation", "Aucun client n’a été touché.", "Aucun client n’a été touché"),
    ("attribution", "Des pirates russes sont derrière cette attaque.", "pirates russes"),
    ("contentieux", "Une action de groupe a été engagée.", "action de groupe"),
    ("autorites", "Nous avons informé la CNIL aujourd’hui.", "CNIL"),
    ("information-financiere", "Le cours de bourse reste stable.", "cours de bourse"),
    ("allegations-sante", "La doublure est hypoallergénique.", "hypoallergénique"),
    ("donnees-personnelles", "Des données personnelles ont été exposées.", "données personnelles"),
]


@pytest.mark.parametrize(("rule_id", "text", "matched"), SAMPLES, ids=[s[0] for s in SAMPLES])
def test_each_french_rule_finds_its_french_sample_with_the_exact_span(
    french: Workspace, rule_id: str, text: str, matched: str
) -> None:
    assert french.policy is not None
    findings = [
        f for f in lint_text(french.policy, text, "public", "linkedin") if f.rule_id == rule_id
    ]
    assert findings, f"{rule_id} did not fire on {text!r}"
    start = text.index(matched)
    assert (findings[0].start, findings[0].end) == (start, start + len(matched))
    assert findings[0].matched == matched
    assert findings[0].explanation


def test_every_french_rule_has_a_sample(french: Workspace) -> None:
    policy = french.policy
    assert policy is not None
    sections = (
        "forbidden_phrases",
        "personal_data",
        "confidential_markers",
        "speculation",
        "legal_review_topics",
    )
    rule_ids = {rule.id for section in sections for rule in getattr(policy, section)}
    assert rule_ids == {sample[0] for sample in SAMPLES}


def test_french_rules_match_typographic_apostrophes_and_spaces(french: Workspace) -> None:
    assert french.policy is not None
    for typed in ("Aucun client n’a été touché.", "Aucun client n'a été touché."):
        assert [f.rule_id for f in lint_text(french.policy, typed, "public", "x")] == [
            "minimisation"
        ]
    password = f"Mot de passe{NBSP}: hunter2"
    assert [f.rule_id for f in lint_text(french.policy, password, "internal", "email")] == [
        "identifiants"
    ]


def test_our_press_mailbox_is_not_personal_data_but_a_colleagues_address_is(
    french: Workspace,
) -> None:
    assert french.policy is not None
    text = "Journalistes : presse@example.com ; ou camille.dubois@example.com"
    found = [f.matched for f in lint_text(french.policy, text, "public", "x")]
    assert found == ["camille.dubois@example.com"]


def test_french_disclaimers_are_required_where_they_are_triggered(french: Workspace) -> None:
    policy = french.policy
    assert policy is not None

    def missing(text: str, platform: str = "linkedin") -> list[str]:
        findings = lint_text(policy, text, "public", platform)
        return [f.rule_id for f in findings if f.category == "missing disclaimer"]

    assert missing("Nous lançons un rappel volontaire du réchaud R2.") == ["cesser-utilisation"]
    assert missing("Cessez d’utiliser le réchaud R2 : nous lançons un rappel volontaire.") == []
    assert missing("Nous vous rappelons que nos magasins ferment à 19 h.") == []
    assert missing("Deux clients signalent des brûlures légères.", "facebook") == ["avis-medical"]
    assert missing("Deux clients signalent des brûlures légères.", "x") == []
    assert missing("Notre chiffre d’affaires annuel progressera.") == ["declarations-prospectives"]


# -- the French drill -----------------------------------------------------------------------

SLOW_MISSES = {
    "niveau-evalue",
    "publications-suspendues",
    "premier-accuse",
    "reevaluation",
    "preuves-et-signalement",
}


@pytest.fixture(scope="module")
def played(french: Workspace, tmp_path_factory: pytest.TempPathFactory):
    """The French scenario played by its expert and its slow team, each on a fresh store."""
    folder = tmp_path_factory.mktemp("fr-drills")
    scenario = load_scenario(DRILLS / "compte-pirate-arnaque.yaml", french)
    results = {}
    stores = []
    for team in ("experte", "lente"):
        responses = load_responses(
            DRILLS / "responses" / f"compte-pirate-arnaque-{team}.yaml", french, scenario
        )
        store = SqliteStore(folder / f"{team}.db")
        stores.append(store)
        results[team] = run_headless(french, scenario, responses, store)
    yield results
    for store in stores:
        store.close()


def test_the_french_expert_team_meets_every_expectation(played) -> None:
    _, report = played["experte"]
    assert [e.id for e in report.expectations if e.status != "met"] == []
    assert (report.score.percent, report.score.grade) == (100, "A")
    assert report.decisions
    assert all(d.chosen_level == d.expected_level for d in report.decisions)
    assert all(d.verdict == "comme attendu" for d in report.decisions), "the playbook is French"
    assert report.checklist_missed == []
    assert [a for a in report.actions if a.values["outcome"] != "done"] == []


def test_the_french_slow_team_misses_exactly_what_it_was_written_to_miss(played) -> None:
    _, report = played["lente"]
    missed = {e.id for e in report.expectations if e.status == "missed"}
    assert missed == SLOW_MISSES
    assert report.score.met == len(report.expectations) - len(SLOW_MISSES)
    assert report.escalations, "unacknowledged notifications escalate on the simulated clock"
    assert [m["item"] for m in report.checklist_missed] == ["signalement-plateforme"]
    refused = [a for a in report.actions if a.values["outcome"] == "refused"]
    assert [a.values["action"] for a in refused] == ["approve"], "nobody approves their own draft"


def test_the_french_drill_report_carries_the_french_scenario_and_statement(played) -> None:
    session, report = played["experte"]
    assert session.events()[0].drill is True
    [published] = session.sink.published
    assert "Nouveau point ici sous 24" in str(published)
    for fmt in ("md", "html", "json"):
        text = render(report, fmt)
        assert "[EXERCICE]" in text
        assert "Compte X piraté, messages privés frauduleux aux abonnés" in text


def test_runbook_drill_plays_the_french_scenario_from_the_command_line(tmp_path: Path) -> None:
    report = tmp_path / "exercice.md"
    result = cli(
        tmp_path,
        "--config",
        "examples/fr",
        "drill",
        "examples/fr/playbooks/drills/compte-pirate-arnaque.yaml",
        "--responses",
        "examples/fr/playbooks/drills/responses/compte-pirate-arnaque-experte.yaml",
        "--report",
        str(report),
    )
    assert result.returncode == 0, result.stderr
    assert "8 attentes tenues sur 8" in result.stdout, (
        "a French playbook's drill is scored in French"
    )
    assert "Le compte X publie des liens suspects" in report.read_text(encoding="utf-8")


# -- the app on the French workspace --------------------------------------------------------


def test_the_app_declares_and_sizes_a_french_incident_and_holds_the_demo_posts(
    tmp_path: Path,
) -> None:
    from runbook.effects.wiring import build_effects
    from runbook.tui.app import RunbookApp
    from tests.test_tui import run, settle, type_keys

    folder = tmp_path / "fr"
    shutil.copytree(PLAYBOOKS, folder / "playbooks")
    shutil.copytree(CONTACTS, folder / "contacts")
    workspace = load_workspace([folder / "playbooks", folder / "contacts"])
    clock = SimulatedClock(START)
    effects = build_effects(workspace, folder / "contacts", clock)
    engine = Engine(
        SqliteStore(tmp_path / "fr.db"), workspace, operator="chloe", clock=clock, effects=effects
    )
    seen: list[str] = []

    async def body() -> None:
        app = RunbookApp(engine, cursor_blink=False, poll_every=0.2, tick_every=None)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("n")
            await settle(pilot)
            await type_keys(pilot, "pirate")
            await pilot.press("enter")
            await settle(pilot)
            await type_keys(pilot, "Arnaque depuis notre compte X")
            await pilot.press("enter")
            await settle(pilot)
            seen.extend(str(w.render()) for w in app.screen.query(".question"))
            await pilot.press("3", "4")  # the attacker is in control; sending scams
            await pilot.press("s")
            await settle(pilot)
            await pilot.press("enter")  # the questions left: not known yet
            await settle(pilot)
            await pilot.press("enter")  # the pause preview: hold the posts
            await settle(pilot)

    try:
        run(body)
        (row,) = engine.incidents()
        incident = engine.incident(row["id"])
        assert incident.playbook is not None
        assert incident.playbook.id == "compte-pirate"
        assert incident.title == "Arnaque depuis notre compte X"
        assert incident.level == "SEV1"
        assert len(incident.paused_posts) == 40, "the demo calendar's posts are held"
        assert "1/5  Qui contrôle le compte en ce moment\u00a0?" in seen
    finally:
        engine.store.close()
