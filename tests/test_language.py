"""Choosing the language and writing dates, numbers and durations in it."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from runbook.i18n import (
    _,
    choose_language,
    current_language,
    formats,
    ngettext,
    set_language,
    using,
)

ROOT = Path(__file__).resolve().parents[1]
MARCH = datetime(2026, 3, 12, 14, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("explicit", "environ", "expected"),
    [
        ("fr", {"RUNBOOK_LANG": "en", "LANG": "en_GB.UTF-8"}, "fr"),
        (None, {"RUNBOOK_LANG": "fr_CA", "LANG": "en_GB.UTF-8"}, "fr"),
        (None, {"LANG": "fr_FR.UTF-8"}, "fr"),
        (None, {"LC_ALL": "C", "LANG": "fr_FR.UTF-8"}, "en"),
        (None, {"LC_MESSAGES": "fr_BE", "LANG": "en_US"}, "fr"),
        ("de", {"RUNBOOK_LANG": "fr"}, "fr"),
        ("de", {}, "en"),
        (None, {}, "en"),
    ],
)
def test_the_language_comes_from_the_option_then_runbook_lang_then_the_system(
    explicit, environ, expected
):
    assert choose_language(explicit, environ) == expected


def test_a_translated_message_fills_its_placeholders_after_translation():
    with using("fr"):
        assert _("Approve this statement?") == "Approuver cette déclaration ?"
    assert _("Approve this statement?") == "Approve this statement?"


def test_a_hostile_value_is_never_read_as_a_format():
    with using("fr"):
        text = _("written by") + " " + "%(x)s"
    assert text.endswith("%(x)s")
    assert ngettext("%(n)s post", "%(n)s posts", 3) == "3 posts"
    assert ngettext("%(n)s post", "%(n)s posts", 1) == "1 post"


def test_using_restores_the_language_in_force():
    before = current_language()
    set_language("fr")
    try:
        with using("en"):
            assert current_language() == "en"
        assert current_language() == "fr"
        with using(None):
            assert current_language() == "fr"
    finally:
        set_language(before)


def test_dates_read_as_each_language_writes_them():
    assert formats.date_time(MARCH, "fr") == "12 mars 2026 à 14:05 UTC"
    assert formats.date_time(MARCH, "en") == "2026-03-12 14:05 UTC"
    assert formats.long_date(MARCH.replace(day=1), "fr") == "1er mars 2026"
    assert formats.long_date(MARCH, "en") == "12 March 2026"


def test_numbers_and_durations_use_the_language_s_separators_and_words():
    assert formats.number(3.5, "fr") == "3,5"
    assert formats.number(1234.5, "en") == "1,234.5"
    assert formats.ago(MARCH - timedelta(minutes=5), MARCH, "fr") == "il y a 5\xa0min"
    assert formats.ago(MARCH + timedelta(minutes=5), MARCH, "fr") == "dans 5\xa0min"
    assert formats.span(timedelta(days=3), "fr") == "3\u202fj"


def test_a_built_package_ships_compiled_catalogs_that_say_what_the_po_files_say(tmp_path):
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation"]
        + ["--disable-pip-version-check", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    [wheel] = tmp_path.glob("runbook-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        assert "runbook/locale/fr/LC_MESSAGES/runbook.mo" in names
        compiled = archive.read("runbook/locale/fr/LC_MESSAGES/runbook.mo")
    import gettext
    import io

    catalog = gettext.GNUTranslations(io.BytesIO(compiled))
    from runbook.i18n.extract import translations

    for msgid, msgstr in translations("fr").items():
        if isinstance(msgstr, str):
            assert catalog.gettext(msgid) == msgstr, msgid
