"""The command line in French: chosen by --lang, RUNBOOK_LANG or the system locale, for its
messages, its help, click's own words and the refusals the core raises; English unchanged."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from runbook.i18n import current_language
from runbook.model.severity import assess
from tests.conftest import ROOT, approvers_for

LOCALE_VARIABLES = ("RUNBOOK_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def runbook(tmp_path: Path, config_dir: Path, keyring: dict[str, Path]) -> Run:
    """``python -m runbook`` on a fresh SQLite file, with exactly the locale given."""
    db = tmp_path / "french.db"

    def run(
        *args: str, operator: str | None = "amara", **locale: str
    ) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARIABLES}
        env.update(RUNBOOK_DB=str(db), RUNBOOK_CONFIG=str(config_dir), **locale)
        for name in ("RUNBOOK_OPERATOR", "RUNBOOK_SSH_KEY", "SSH_AUTH_SOCK"):
            env.pop(name, None)
        if operator:
            env["RUNBOOK_OPERATOR"] = operator
            if operator in keyring:
                env["RUNBOOK_SSH_KEY"] = str(keyring[operator])
        return subprocess.run(
            [sys.executable, "-m", "runbook", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=120,
        )

    return run


@pytest.mark.parametrize(
    "locale",
    [{"RUNBOOK_LANG": "fr"}, {"LANG": "fr_FR.UTF-8"}, {"LC_ALL": "fr_FR.UTF-8", "LANG": "C"}],
)
def test_runbook_lang_or_the_system_locale_refuse_an_unknown_incident_in_french(runbook, locale):
    refused = runbook("status", "INC-NOPE00", **locale)
    assert refused.returncode == 1
    assert refused.stderr == "runbook: pas d’incident 'INC-NOPE00' ; `runbook list` les affiche\n"


def test_english_is_unchanged_by_default_and_when_the_locale_is_c(runbook):
    for locale in ({}, {"LANG": "C.UTF-8"}):
        refused = runbook("status", "INC-NOPE00", **locale)
        assert refused.stderr == "runbook: no incident 'INC-NOPE00'; `runbook list` shows them\n"
    helped = runbook("--help")
    assert "Show this message and exit." in helped.stdout
    assert "Approve the draft waiting for approval" in helped.stdout


def test_lang_en_overrides_runbook_lang_and_lang_fr_overrides_the_system(runbook):
    english = runbook("--lang", "en", "status", "INC-NOPE00", RUNBOOK_LANG="fr")
    assert "no incident 'INC-NOPE00'" in english.stderr
    french = runbook("--lang=fr", "status", "INC-NOPE00", LANG="en_GB.UTF-8")
    assert "pas d’incident 'INC-NOPE00'" in french.stderr


def test_a_language_runbook_does_not_speak_is_a_usage_error(runbook):
    refused = runbook("--lang", "de", "list")
    assert refused.returncode == 2
    assert "de is not a language runbook speaks (en, fr)" in refused.stderr


def test_the_help_of_runbook_and_of_a_command_is_in_french(runbook):
    top = runbook("--lang", "fr", "--help")
    assert top.returncode == 0
    assert top.stdout.startswith("Utilisation : runbook [OPTIONS] [COMMAND] [ARGS]...")
    assert "piloter une crise de communication en suivant la procédure" in top.stdout
    assert "Afficher ce message et quitter." in top.stdout
    assert "Commandes" in top.stdout
    # Command names and options stay as they are; their descriptions are French.
    assert re.search(r"^  approve +Approuver le brouillon", top.stdout, re.M)
    assert "--as TEXT" in top.stdout
    assert "Qui vous êtes" in top.stdout

    approve = runbook("approve", "--help", RUNBOOK_LANG="fr")
    assert approve.stdout.startswith("Utilisation : runbook approve [OPTIONS] ID")
    assert "Approuver le brouillon en attente d’approbation" in approve.stdout
    assert "Signer avec votre clé SSH" in approve.stdout
    assert "--read HASH|vN" in approve.stdout
    # --lang after --help still counts: the language is read before click parses.
    late = runbook("--help", "--lang", "fr")
    assert "Gérer la base des incidents" in late.stdout


def test_clicks_own_usage_errors_are_in_french(runbook):
    missing = runbook("--lang", "fr", "approve")
    assert missing.returncode == 2
    assert missing.stderr == "runbook: Argument manquant 'ID'. (`runbook approve --help`)\n"
    unknown = runbook("--lang", "fr", "list", "--nope")
    assert unknown.returncode == 2
    assert "Option inconnue : '--nope'." in unknown.stderr
    choice = runbook("--lang", "fr", "export", "INC-NOPE00", "--format", "pdf")
    assert "Valeur invalide pour '--format'" in choice.stderr


def test_a_playbook_error_names_file_line_and_field_in_french(runbook, tmp_path):
    playbook = tmp_path / "broken.yaml"
    playbook.write_text("id: broken\ntitle: Broken\nsevrity: 3\n", encoding="utf-8")
    checked = runbook("--lang", "fr", "validate", str(playbook))
    assert checked.returncode == 1
    lines = checked.stderr.splitlines()
    assert f"{playbook}:3:1: sevrity: champ inconnu 'sevrity' (vouliez-vous dire 'severity' ?)" in (
        lines
    )
    assert f"{playbook}:1:1: severity: champ obligatoire manquant 'severity'" in lines
    assert lines[-1] == f"runbook: {len(lines) - 1} problèmes trouvés"


def test_approving_ones_own_draft_is_refused_in_french(runbook, workspace):
    fr = {"RUNBOOK_LANG": "fr"}
    playbook = workspace.playbook("offensive-post")
    declared = runbook("declare", "offensive-post", "--title", "Publication", operator="tom", **fr)
    incident = declared.stdout.strip()
    answers = {q.id: q.options[-1].id for q in playbook.severity.questions}
    level = assess(playbook, answers).level
    assessed = runbook(
        "assess", incident, *[f"--answer={q}={o}" for q, o in answers.items()], operator="tom", **fr
    )
    assert f"{incident} : niveau {level}" in assessed.stdout
    assert "(désormais évalué" in assessed.stdout
    for step in ("pause", "notify", "draft", "submit"):
        assert runbook(step, incident, operator="tom", **fr).returncode == 0, step

    own = runbook("approve", incident, "--sign", operator="tom", **fr)
    assert own.returncode == 1
    assert own.stderr == (
        "runbook: action impossible (approuver un brouillon) : tom a rédigé le brouillon D1 ; "
        "l’auteur ne peut pas l’approuver (règle des quatre yeux)\n"
    )

    approver = approvers_for(workspace, playbook.approval[level].roles, exclude={"tom"})[0]
    assert runbook("approve", incident, "--sign", operator=approver, **fr).returncode == 0
    again = runbook("approve", incident, "--sign", operator=approver, **fr)
    assert f"{approver} a déjà approuvé le brouillon D1 v1" in again.stderr

    status = runbook("status", incident, **fr).stdout
    assert "état relecture" in status
    assert re.search(
        rf"approuvé par {approver} \(.*\) le \d+(er)? \w+ 20\d\d à \d\d:\d\d UTC, signature SSH",
        status,
    ), status
    english = runbook("status", incident).stdout
    assert re.search(rf"approved by {approver} \(.*\) 20\d\d-\d\d-\d\d \d\d:\d\d UTC", english)


def test_the_inbox_writes_dates_as_a_french_reader_expects(runbook):
    assert runbook("report", "Un client menace de porter plainte").returncode == 0
    listed = runbook("inbox", RUNBOOK_LANG="fr").stdout
    assert re.search(r"^\d+(er)? \w+ 20\d\d à \d\d:\d\d UTC  ", listed, re.M), listed
    english = runbook("inbox").stdout
    assert re.search(r"^20\d\d-\d\d-\d\d \d\d:\d\d UTC  ", english, re.M), english


def test_a_french_command_in_process_gives_the_caller_its_language_back(tmp_path):
    import runbook.cli.incidents  # noqa: F401 - registers the commands
    from runbook.cli import cli

    runner = CliRunner()
    before = current_language()
    result = runner.invoke(
        cli,
        ["--lang", "fr", "--db", str(tmp_path / "x.db"), "status", "INC-NOPE00"],
        env={"RUNBOOK_CONFIG": str(ROOT), **dict.fromkeys(LOCALE_VARIABLES)},
    )
    assert "pas d’incident 'INC-NOPE00'" in result.output
    assert current_language() == before
    english = runner.invoke(cli, ["--help"], env=dict.fromkeys(LOCALE_VARIABLES))
    assert "Show this message and exit." in english.output


def test_sizes_in_a_refusal_are_grouped_as_a_french_reader_expects(runbook, tmp_path):
    huge = tmp_path / "huge.yaml"
    huge.write_bytes(b"# " + b"x" * (1024 * 1024) + b"\n")
    french = runbook("--lang", "fr", "validate", str(huge))
    assert french.returncode == 1
    assert (
        f"{huge} : le fichier fait 1\u202f048\u202f579 octets ; la limite est de "
        "1\u202f048\u202f576 octets"
    ) in french.stderr
    english = runbook("validate", str(huge))
    assert f"{huge}: file is 1,048,579 bytes; the limit is 1,048,576 bytes" in english.stderr


def test_worker_threads_speak_the_language_chosen_at_start():
    """The app runs engine commands in thread workers (a fresh context each): a refusal raised
    there is in the language the command line chose."""
    import asyncio

    from runbook.i18n import set_language, using

    before = current_language()
    try:
        set_language("fr")

        async def in_a_thread() -> str:
            return await asyncio.get_running_loop().run_in_executor(None, current_language)

        assert asyncio.run(in_a_thread()) == "fr"
        with using("en"):  # one block may still speak another language
            assert current_language() == "en"
        assert current_language() == "fr"
    finally:
        set_language(before)
