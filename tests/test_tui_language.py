"""The terminal app in French and in English, in one process: the words change, the keys do not.

Each test runs the real app (Textual ``run_test()`` / Pilot) on a SQLite store: a French app
shows French column titles, states and key descriptions; the command palette finds an action
typed in French or in English; the keys of every screen are the same in both languages; work
done in thread workers speaks the app's language too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Static

from runbook.clock import SimulatedClock
from runbook.i18n import current_language, using
from runbook.loading import Workspace
from runbook.tui.app import RunbookApp
from runbook.tui.screens.inbox import InboxScreen
from runbook.tui.screens.new_incident import NewIncidentScreen
from runbook.tui.widgets.footer import Footer
from tests.test_tui import make_app, make_engine, run, settle, type_keys


def footer_keys(app: RunbookApp) -> list[tuple[str, str]]:
    """(key, description) of every key the footer of the screen in front shows."""
    from textual.widgets._footer import FooterKey

    return [(key.key, key.description) for key in app.screen.query_one(Footer).query(FooterKey)]


def bindings(app: RunbookApp) -> list[tuple[str, str]]:
    """(key, action) of every binding active on the screen in front."""
    return sorted(
        (key, active.binding.action) for key, active in app.screen.active_bindings.items()
    )


def prompt_text(prompt: Any) -> str:
    """The plain text of a palette option (its name and help)."""
    from rich.console import Console

    console = Console(width=200, record=True, color_system=None)
    console.print(prompt)
    return console.export_text()


def column_titles(app: RunbookApp) -> list[str]:
    """The board's column titles as shown."""
    table = app.screen.query_one("#board", DataTable)
    return [str(column.label) for column in table.columns.values()]


async def palette_search(pilot: Any, typed: str) -> None:
    """Open the command palette and type ``typed`` (the matches listed, nothing chosen)."""
    await pilot.press("ctrl+p")
    await settle(pilot)
    await type_keys(pilot, typed)
    await pilot.pause(0.3)


async def palette_run(pilot: Any, typed: str) -> None:
    """Find ``typed`` in the command palette and run the first match."""
    await palette_search(pilot, typed)
    await pilot.press("enter")
    await settle(pilot)


def test_a_french_board_shows_french_words_and_an_english_one_english_words(
    tmp_path: Path, workspace: Workspace, clock: SimulatedClock
) -> None:
    engine = make_engine(tmp_path / "tui.db", workspace, clock)
    engine.declare("offensive-post", "Tone-deaf post about the floods")
    seen: dict[str, dict[str, Any]] = {}

    async def body(language: str) -> None:
        app = make_app(engine, language=language)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            table = app.screen.query_one("#board", DataTable)
            seen[language] = {
                "columns": column_titles(app),
                "state": str(table.get_row_at(0)[1]),
                "head": str(app.screen.query_one("#board-head", Static).render()),
                "footer": footer_keys(app),
            }

    run(lambda: body("fr"))
    run(lambda: body("en"))
    french, english = seen["fr"], seen["en"]
    assert french["columns"][:3] == ["niveau", "état", "incident"]
    assert "prochain objectif" in french["columns"]
    assert english["columns"][:3] == ["level", "state", "incident"]
    assert french["state"] == "déclaré"
    assert english["state"] == "declared"
    assert "1 incident ouvert" in french["head"]
    assert "1 open incident(s)" in english["head"]
    assert ("n", "déclarer") in french["footer"]
    assert ("n", "new incident") in english["footer"]
    assert current_language() == "en"  # the French app left the tests' language alone


def test_the_keys_are_the_same_in_both_languages(
    tmp_path: Path, workspace: Workspace, clock: SimulatedClock
) -> None:
    engine = make_engine(tmp_path / "tui.db", workspace, clock)
    incident = engine.declare("offensive-post", "Tone-deaf post about the floods")
    seen: dict[str, dict[str, Any]] = {}

    async def body(language: str) -> None:
        app = make_app(engine, language=language, open_incident=incident.id)
        async with app.run_test(size=(120, 30)) as pilot:
            await settle(pilot)
            shown: dict[str, Any] = {"incident": bindings(app), "footer": footer_keys(app)}
            await pilot.press("a")  # the questionnaire: the same key in both languages
            await settle(pilot)
            shown["questionnaire"] = bindings(app)
            await pilot.press("escape")
            await pilot.press("escape")  # back to the board
            await settle(pilot)
            shown["board"] = bindings(app)
            await pilot.press("question_mark")
            await settle(pilot)
            shown["help"] = str(app.screen.query(Static)[1].render())
            seen[language] = shown

    run(lambda: body("fr"))
    run(lambda: body("en"))
    french, english = seen["fr"], seen["en"]
    for screen in ("incident", "questionnaire", "board"):
        assert french[screen] == english[screen], screen
    assert [key for key, _ in french["footer"]] == [key for key, _ in english["footer"]]
    assert french["footer"] != english["footer"]  # the same keys, in other words
    assert ("a", "niveau") in french["footer"]
    assert ("a", "level") in english["footer"]
    help_keys = [line.split()[0] for line in french["help"].splitlines() if line.strip()]
    assert help_keys == [line.split()[0] for line in english["help"].splitlines() if line.strip()]
    assert "déclarer" in french["help"]
    assert "new incident" in english["help"]


def test_the_palette_finds_a_command_typed_in_french_or_in_english(
    tmp_path: Path, workspace: Workspace, clock: SimulatedClock
) -> None:
    engine = make_engine(tmp_path / "tui.db", workspace, clock)

    async def body() -> None:
        app = make_app(engine, language="fr")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            for typed in ("ouvrir les alertes", "open the inbox"):
                await palette_run(pilot, typed)
                assert isinstance(app.screen, InboxScreen), typed
                await pilot.press("escape")
                await settle(pilot)
            await palette_run(pilot, "declarer")  # no accent typed: still found
            assert isinstance(app.screen, NewIncidentScreen)

    run(body)


def test_the_palette_shows_the_french_name_of_a_command_found_by_its_english_name(
    tmp_path: Path, workspace: Workspace, clock: SimulatedClock
) -> None:
    from textual.command import CommandPalette
    from textual.widgets import OptionList

    engine = make_engine(tmp_path / "tui.db", workspace, clock)

    async def body() -> None:
        app = make_app(engine, language="fr")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await palette_search(pilot, "open the inbox")
            palette = app.screen
            assert isinstance(palette, CommandPalette)
            listing = palette.query_one(OptionList)
            shown = [
                prompt_text(listing.get_option_at_index(i).prompt)
                for i in range(listing.option_count)
            ]
            assert any("ouvrir les alertes" in prompt for prompt in shown), shown
            assert not any("open the inbox" in prompt for prompt in shown), shown
            await pilot.press(*["backspace"] * len("open the inbox"))
            await type_keys(pilot, "theme")  # Textual's own commands are in French too
            await pilot.pause(0.3)
            first = prompt_text(listing.get_option_at_index(0).prompt)
            assert "Thème" in first, first
            assert "Changer le thème" in first, first

    run(body)


def test_work_in_a_thread_speaks_the_apps_language(
    tmp_path: Path, workspace: Workspace, clock: SimulatedClock, monkeypatch: Any
) -> None:
    from runbook.tui.screens import board

    engine = make_engine(tmp_path / "tui.db", workspace, clock)
    heard: list[str] = []
    loads: list[str] = []
    summaries = board.board_summaries

    def listening(*args: Any) -> Any:
        loads.append(current_language())
        return summaries(*args)

    monkeypatch.setattr(board, "board_summaries", listening)

    async def body() -> None:
        app = make_app(engine, language="fr")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            worker = app.run_worker(app.speaking(current_language), thread=True)
            await worker.wait()
            heard.append(worker.result)
            bare = app.run_worker(current_language, thread=True)
            await bare.wait()
            heard.append(bare.result)

    with using("en"):
        run(body)
    assert heard[0] == "fr"  # the app's language, carried into the thread
    assert heard[1] == "en"  # a thread on its own would not have it
    assert loads
    assert set(loads) == {"fr"}


def test_an_app_made_in_a_french_context_speaks_french(
    tmp_path: Path, workspace: Workspace, clock: SimulatedClock
) -> None:
    engine = make_engine(tmp_path / "tui.db", workspace, clock)
    with using("fr"):
        app = make_app(engine)  # as the CLI does: set_language, then the app
    assert app.language == "fr"

    async def body() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert "niveau" in column_titles(app)

    run(body)
    assert current_language() == "en"


def test_the_lifecycle_s_action_words_read_in_french() -> None:
    from runbook.model.lifecycle import ACTIONS

    with using("fr"):
        from runbook.i18n import _

        assert _(ACTIONS["submit"]) == "soumettre un brouillon à approbation"


def test_the_palette_runs_an_incident_action_typed_in_french_or_in_english(
    tmp_path: Path, workspace: Workspace, clock: SimulatedClock
) -> None:
    from runbook.tui.screens.questionnaire import Questionnaire

    engine = make_engine(tmp_path / "tui.db", workspace, clock)
    incident = engine.declare("offensive-post", "Tone-deaf post about the floods")

    async def body() -> None:
        app = make_app(engine, language="fr", open_incident=incident.id)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            for typed in ("fixer le niveau", "set the level"):
                await palette_run(pilot, typed)
                assert isinstance(app.screen, Questionnaire), typed
                await pilot.press("escape")
                await settle(pilot)

    run(body)


def test_the_french_help_screen_says_textuals_own_keys_in_french(
    tmp_path: Path, workspace: Workspace, clock: SimulatedClock
) -> None:
    from runbook.tui.screens.help import HelpScreen

    engine = make_engine(tmp_path / "tui.db", workspace, clock)
    engine.declare("offensive-post", "Tone-deaf post about the floods")
    seen: dict[str, str] = {}
    english: list[str] = []

    async def body() -> None:
        app = make_app(engine, language="fr")
        async with app.run_test(size=(120, 50)) as pilot:
            await settle(pilot)
            english.extend(
                active.binding.description
                for active in app.screen.active_bindings.values()
                if active.binding.description
            )
            await pilot.press("question_mark")
            await settle(pilot)
            assert isinstance(app.screen, HelpScreen)
            seen["help"] = "\n".join(str(s.render()) for s in app.screen.query(Static))

    run(body)
    help_text = seen["help"]
    assert "Curseur vers le haut" in help_text  # the table's own key, in French
    assert "Quitter" in help_text
    shown = [line.split(None, 1)[1] for line in help_text.splitlines() if " " in line.strip()]
    same_in_french = {"palette"}
    left = sorted(words for words in shown if words in english and words not in same_in_french)
    assert left == [], f"English left in the French help: {left}"


def test_every_description_of_textuals_own_keys_has_a_french_translation() -> None:
    from runbook.tui.textual_words import TEXTUAL_DESCRIPTIONS

    with using("fr"):
        from runbook.i18n import _

        untranslated = sorted(d for d in TEXTUAL_DESCRIPTIONS if _(d) == d)
    assert untranslated == []
