"""SVG snapshots of the terminal UI (pytest-textual-snapshot) at 80x24 and 120x40.

The board, the incident screen, the severity questionnaire and the draft editor, on a store
prepared here with fixed incident ids and a simulated clock, so every run draws the same
frame; and the drill facilitator's view (120x40) on a shipped scenario whose clock moves only
by ``n`` (jump to the next inject). Update the baselines with
``pytest tests/test_tui_snapshots.py --snapshot-update`` after checking the new frames
(``--snapshot-report`` writes an HTML page to compare them).
"""

from __future__ import annotations

import dataclasses
import itertools
import uuid
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from runbook.clock import SimulatedClock
from runbook.effects.notify import fanout
from runbook.engine import Engine
from runbook.loading import Workspace
from runbook.model.severity import assess
from runbook.tui.app import RunbookApp
from tests.test_tui import START, make_app, make_engine, settle

SIZES = [(80, 24), (120, 40)]
MAIN = "INC-SNAPA2"


def answers_for(engine: Engine, playbook_id: str, level: str) -> dict[str, str]:
    """The first answers (mildest options first) that land on ``level``."""
    playbook = engine.workspace.playbook(playbook_id)
    questions = playbook.severity.questions
    for combo in itertools.product(*[q.options for q in questions]):
        answers = {q.id: o.id for q, o in zip(questions, combo, strict=True)}
        if assess(playbook, answers).level == level:
            return answers
    raise AssertionError(f"no answers reach {level}")


def one_at_a_time(
    deliver_all: Callable[..., list[dict[str, Any]]],
    deliveries: list[Any],
    channels: Any,
    **options: Any,
) -> list[dict[str, Any]]:
    """The real fan-out, one delivery after the other (results always in the same order)."""
    results = []
    for item in deliveries:
        results += deliver_all([item], channels, **options)
    return results


def prepared(tmp_path: Path, workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """Four incidents at 14:21 UTC: a SEV1 under way with a draft, a drill, one just declared
    (its first target overdue) and one resolved waiting for its review. Notifications are
    delivered one at a time so the timeline's delivery lines come in the same order."""
    monkeypatch.setattr(fanout, "deliver_all", partial(one_at_a_time, fanout.deliver_all))
    # Every message ends with the record's head (a hash of the events, the pinned contacts
    # among them): the same ids, account and contacts (not this session's test SSH keys) on
    # every run and machine make it, and so the frames, the same.
    ids = itertools.count(1)
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=next(ids)))
    people = [p.model_copy(update={"ssh_keys": []}) for p in workspace.contacts.people]
    workspace = dataclasses.replace(
        workspace, contacts=workspace.contacts.model_copy(update={"people": people})
    )
    clock = SimulatedClock(START)
    engine = make_engine(tmp_path / "snap.db", workspace, clock)
    engine.account = "snapshots"
    main = engine.declare(
        "account-compromised", "X account posting crypto scams", incident_id=MAIN
    ).id
    clock.advance(timedelta(minutes=2))
    engine.assess(main, answers_for(engine, "account-compromised", "SEV1"))
    clock.advance(timedelta(minutes=1))
    engine.pause(main)
    clock.advance(timedelta(minutes=2))
    engine.notify(main)
    engine.check(main, "screenshot-evidence")
    engine.operator = "tom"
    clock.advance(timedelta(minutes=1))
    engine.ack(main)
    engine.operator = "amara"
    clock.advance(timedelta(minutes=3))
    engine.start_draft(main)
    engine.note(main, "Journalist from the Courier called the press office")

    recall = engine.declare(
        "product-recall", "Kids' jacket zip recall", incident_id="INC-RCALL3"
    ).id
    engine.assess(recall, answers_for(engine, "product-recall", "SEV4"))
    drill = engine.declare(
        "offensive-post", "Tabletop: tone-deaf flood post", drill=True, incident_id="INC-DR2LL3"
    ).id
    clock.advance(timedelta(minutes=1))
    engine.assess(drill, answers_for(engine, "offensive-post", "SEV3"))
    engine.resolve(recall, "Checked: no post mentioned the jacket", resume="all")
    clock.advance(timedelta(minutes=1))
    engine.declare(
        "data-leak-employee-post", "Employee posted a client list", incident_id="INC-LEAK22"
    )
    clock.advance(timedelta(minutes=11))
    return engine


def app_for(
    tmp_path: Path, workspace: Workspace, monkeypatch: pytest.MonkeyPatch, **options: Any
) -> RunbookApp:
    """The app on the prepared store, with no timers that could change a frame."""
    return make_app(prepared(tmp_path, workspace, monkeypatch), poll_every=None, **options)


def settled(*keys: str) -> Callable[[Any], Any]:
    """A ``run_before`` that waits for the data, presses ``keys`` and waits again."""

    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        if keys:
            await pilot.press(*keys)
            await settle(pilot)

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_board(
    snap_compare: Any,
    tmp_path: Path,
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
    size: tuple[int, int],
):
    app = app_for(tmp_path, workspace, monkeypatch)
    assert snap_compare(app, terminal_size=size, run_before=settled())


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_incident_screen(
    snap_compare: Any,
    tmp_path: Path,
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
    size: tuple[int, int],
):
    app = app_for(tmp_path, workspace, monkeypatch, open_incident=MAIN)
    assert snap_compare(app, terminal_size=size, run_before=settled())


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_questionnaire(
    snap_compare: Any,
    tmp_path: Path,
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
    size: tuple[int, int],
):
    app = app_for(tmp_path, workspace, monkeypatch, open_incident="INC-LEAK22")
    assert snap_compare(app, terminal_size=size, run_before=settled("a", "down", "enter"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_draft_editor(
    snap_compare: Any,
    tmp_path: Path,
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
    size: tuple[int, int],
):
    app = app_for(tmp_path, workspace, monkeypatch, open_incident=MAIN)
    typed = [("space" if c == " " else c) for c in "Fake news? An isolated incident. "]
    assert snap_compare(app, terminal_size=size, run_before=settled("e", *typed))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_messages_view(
    snap_compare: Any,
    tmp_path: Path,
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
    size: tuple[int, int],
):
    app = app_for(tmp_path, workspace, monkeypatch, open_incident=MAIN)
    assert snap_compare(app, terminal_size=size, run_before=settled("5"))


def test_facilitator(
    snap_compare: Any, tmp_path: Path, workspace: Workspace, request: pytest.FixtureRequest
):
    """The drill facilitator at T+8m: one expectation met after the level was set at T+3m."""
    from tests.test_tui_more import facilitated

    app = facilitated(tmp_path, workspace, poll_every=None, drill_every=None)
    request.addfinalizer(app.drill.store.close)

    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        for keys in (["n"], ["enter"], ["a"], ["3", "s"], ["enter"], ["escape"], ["f"], ["n"]):
            await pilot.press(*keys)
            await settle(pilot)
        app.clear_notifications()
        await settle(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


# -- in French (80x24): the same frames, the app speaking French -------------------------


@pytest.mark.parametrize(
    ("screen", "open_incident", "keys"),
    [
        ("board", None, ()),
        ("incident_screen", MAIN, ()),
        ("questionnaire", "INC-LEAK22", ("a", "down", "enter")),
        (
            "draft_editor",
            MAIN,
            ("e", *[("space" if c == " " else c) for c in "Fake news? An isolated incident. "]),
        ),
    ],
    ids=["board", "incident_screen", "questionnaire", "draft_editor"],
)
def test_in_french(
    snap_compare: Any,
    tmp_path: Path,
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
    screen: str,
    open_incident: str | None,
    keys: tuple[str, ...],
):
    """The board, the incident screen, the questionnaire and the draft editor at 80x24 with
    the app speaking French (playbook content stays as the playbook wrote it)."""
    app = app_for(tmp_path, workspace, monkeypatch, open_incident=open_incident, language="fr")
    assert snap_compare(app, terminal_size=(80, 24), run_before=settled(*keys))


SNAPSHOTS = Path(__file__).parent / "__snapshots__" / "test_tui_snapshots"
MUST_SHOW = {
    "test_board": ["INC-SNAPA2", "SEV1", "DRILL", "overdue", "statement", "new incident"],
    "test_incident_screen": ["Critical", "Checklist", "Timeline", "Posts paused: 6 post(s) held"],
    "test_questionnaire": ["Size the crisis", "Level:", "unanswered", "Not known yet", "set the"],
    "test_draft_editor": ["Fake news", "BLOCK dismissive-labels", "not saved", "save"],
    "test_messages_view": ["Messages", "notification", "Subject:", "✔"],
}


def frame_text(svg: str) -> str:
    """The characters drawn in an SVG frame, row after row."""
    import html
    import re

    runs = re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)
    return html.unescape("".join(re.sub(r"<[^>]+>", "", run) for run in runs)).replace("\xa0", " ")


@pytest.mark.parametrize("name", sorted(MUST_SHOW))
def test_baselines_show_what_matters(name: str) -> None:
    for width, height in SIZES:
        text = frame_text((SNAPSHOTS / f"{name}[{width}x{height}].svg").read_text())
        for words in MUST_SHOW[name]:
            assert words in text, (name, width, words)


def test_the_facilitator_baseline_shows_what_matters() -> None:
    text = frame_text((SNAPSHOTS / "test_facilitator.svg").read_text())
    for words in (
        "DRILL",
        "Hacked X account sends scam DMs",
        "T+08:00",
        "×10",
        "paused",
        "INC-GTUKT9",
        "Injects",
        "T+8m",
        "inquiry",
        "(upcoming)",
        "Expectations",
        "MET",
        "took 3m",
        "PENDING",
        "next inject",
    ):
        assert words in text, words


FRENCH_MUST_SHOW = {
    "board": ["niveau", "état", "prochain objectif", "EXERCICE", "retard", "n déclarer"],
    "incident_screen": ["rédaction", "Journal", "Prévenus", "Envois", "Ensuite", "relance"],
    "questionnaire": ["Évaluer la crise", "Niveau :", "sans réponse", "Pas encore connu"],
    "draft_editor": ["Brouillon D1", "non enregistré", "graphèmes", "enregistrer"],
}


@pytest.mark.parametrize("name", sorted(FRENCH_MUST_SHOW))
def test_french_baselines_show_french_words_and_keep_their_keys(name: str) -> None:
    text = frame_text((SNAPSHOTS / f"test_in_french[{name}].svg").read_text())
    for words in FRENCH_MUST_SHOW[name]:
        assert words in text, (name, words)
    assert "^p palette" in text  # the footer keeps its last key: nothing pushed off the edge
