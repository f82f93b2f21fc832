"""The catalogs say everything the code says: every message id translated, nothing stale."""

from __future__ import annotations

from runbook.i18n import _, using
from runbook.i18n.extract import extracted, problems


def test_every_message_the_code_says_has_a_french_translation_and_the_english_catalog_is_current():
    found = problems()
    assert found == [], "\n".join(found[:40]) + "\n(run scripts/catalogs, then translate)"


def test_the_catalogs_cover_the_app_the_cli_the_exports_and_the_notifications():
    said = extracted()
    assert len(said) > 1000, "the extraction found the whole product's words"
    for sample in ("approve a draft", "Incident declared", "Notifications sent", "DRILL"):
        assert sample in said, sample


def test_a_french_translation_is_what_the_code_shows_in_french():
    with using("fr"):
        assert _("approve a draft") != "approve a draft"
        assert _("DRILL") == "EXERCICE"
