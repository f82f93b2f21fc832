"""The post-incident export: report content, redaction, every format, golden files, schema."""

from __future__ import annotations

import csv
import difflib
import io
import json
import os
import re
from pathlib import Path

import pytest

from runbook.export import FORMATS, build_report, render
from runbook.export.model import FORMAT_VERSION, Report
from runbook.export.records import DATA_ONLY, KNOWN_TYPES, read_rows
from runbook.export.redact import Redactor, leaks, secret_values
from runbook.export.schema import export_schema
from runbook.store.chain import canonical, row_hash
from tests import export_fixture as fx

GOLDEN = Path(__file__).resolve().parent / "golden"
SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schemas" / "export.schema.json"
UPDATE = os.environ.get("RUNBOOK_UPDATE_GOLDEN") == "1"
SUFFIX = {"md": "md", "json": "json", "csv": "csv", "html": "html"}


def report(**options: object) -> Report:
    drill = bool(options.pop("drill", False))
    playbook_language = str(options.pop("playbook_language", "en"))
    options.setdefault("tz", fx.TIMEZONE)
    options.setdefault("generated_at", fx.GENERATED_AT)
    rows = fx.rows(drill=drill, language=playbook_language)
    return build_report(rows, fx.CONTACTS, **options)  # type: ignore[arg-type]


def all_formats(built: Report) -> dict[str, str]:
    return {fmt: render(built, fmt) for fmt in FORMATS}


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert path.exists(), f"{path} is missing; run with RUNBOOK_UPDATE_GOLDEN=1 to create it"
    expected = path.read_bytes().decode("utf-8")
    if text != expected:
        diff = "".join(
            list(
                difflib.unified_diff(
                    expected.splitlines(keepends=True),
                    text.splitlines(keepends=True),
                    f"golden/{name}",
                    "export",
                )
            )[:40]
        )
        pytest.fail(
            f"export differs from golden/{name} (RUNBOOK_UPDATE_GOLDEN=1 rewrites it if the "
            f"change is intended):\n{diff}"
        )


# -- golden files -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_matches_its_golden_file(fmt):
    check_golden(f"export.{SUFFIX[fmt]}", render(report(secrets=[fx.SECRET]), fmt))


def test_the_names_redacted_markdown_matches_its_golden_file():
    check_golden("export-names.md", render(report(redact_names=True, drill=True), "md"))


@pytest.mark.parametrize("fmt", ["md", "html", "csv"])
def test_a_french_playbooks_incident_is_exported_in_french(fmt):
    check_golden(f"export.fr.{fmt}", render(report(playbook_language="fr"), fmt))


def test_a_french_drill_export_is_marked_as_an_exercise_in_french():
    check_golden(
        "export-names.fr.md",
        render(report(redact_names=True, drill=True, playbook_language="fr"), "md"),
    )


def test_the_language_asked_for_overrides_the_playbooks():
    english = render(report(playbook_language="fr", language="en"), "md")
    assert "## Stage times" in english
    assert "Délais" not in english
    assert "| Declared | 2026-11-21 14:00:00 UTC (2026-11-21 15:00:00 CET) by Amara Okafor |" in (
        english
    )
    french = render(report(language="fr"), "md")
    assert "## Délais par étape" in french
    assert "| Déclaré | 21 novembre 2026 à 14:00:00 UTC (21 novembre 2026 à 15:00:00 CET) par " in (
        french
    )
    assert json.loads(render(report(language="fr"), "json"))["language"] == "fr"
    assert json.loads(render(report(playbook_language="fr"), "json"))["language"] == "fr"
    assert json.loads(render(report(), "json"))["language"] == "en"


def test_a_french_json_export_keeps_its_keys_ids_and_statuses_in_english():
    document = json.loads(render(report(playbook_language="fr"), "json"))
    english = json.loads(render(report(), "json"))
    assert document.keys() == english.keys()
    assert [s["status"] for s in document["stages"]] == [s["status"] for s in english["stages"]]
    assert [e["type"] for e in document["timeline"]] == [e["type"] for e in english["timeline"]]
    assert [p["status"] for p in document["posts"]] == [p["status"] for p in english["posts"]]
    assert document["stages"][0]["label"] == "Délai d’évaluation"
    assert document["stages"][3]["verdict"] == "manqué de 4 min"
    assert document["timeline"][3]["event"] == "Publications suspendues"


def test_the_golden_incident_is_made_of_events_the_current_model_accepts():
    records = read_rows(fx.rows())
    untyped = [(r.seq, r.type) for r in records if r.event is None and r.type not in DATA_ONLY]
    assert untyped == [(31, "SentimentSampled")], "only the deliberately unknown type is untyped"
    assert "SentimentSampled" not in KNOWN_TYPES


# -- what the report says ---------------------------------------------------------------------


def test_stage_times_are_measured_from_declaration_against_the_playbook_targets():
    stages = {m.stage: m for m in report().stages}
    assert [m.stage for m in stages.values()] == [
        "assess",
        "pause",
        "notify",
        "acknowledge",
        "first_statement",
        "resolve",
    ]
    assert (stages["assess"].elapsed, stages["assess"].status) == ("3m", "met")
    assert stages["assess"].verdict == "met (7m to spare)"
    # The first pause partly failed: the stage is reached when the retry held everything.
    assert stages["pause"].t_plus == "T+00:06:00"
    assert stages["acknowledge"].status == "missed"
    assert stages["acknowledge"].verdict == "missed by 4m"
    assert stages["acknowledge"].margin_seconds == 240
    assert stages["first_statement"].reached_at == "2026-11-21T14:41:00Z"
    assert stages["first_statement"].reached_at_local == "2026-11-21T15:41:00+01:00"
    assert stages["resolve"].verdict == "met (9h50m to spare)"


def test_a_stage_skipped_by_the_playbook_is_reported_as_skipped_and_an_unreached_one_as_such():
    rows = fx.rows()[:3]
    skip = {
        "incident_id": fx.INCIDENT_ID,
        "seq": 4,
        "type": "StageSkipped",
        "at": rows[-1]["at"],
        "actor": "amara",
        "state": "paused",
        "command_id": "cmd-assess",
        "data": canonical({"stage": "pause", "level": "SEV3", "reason": "nothing to pause"}),
        "prev_hash": rows[-1]["hash"],
    }
    skip["hash"] = row_hash(skip, skip["prev_hash"])
    stages = {m.stage: m for m in build_report([*rows[:2], skip], fx.CONTACTS).stages}
    assert stages["pause"].status == "skipped"
    assert stages["pause"].verdict == "skipped: nothing to pause"
    assert stages["notify"].status == "not_reached"
    assert stages["notify"].verdict == "not reached (target 15m)"


def test_people_are_listed_with_roles_and_what_they_did():
    people = {p.label: p for p in report().people}
    assert list(people)[:3] == ["Amara Okafor", "Priya Nair", "Tom Fletcher"]
    tom = people["Tom Fletcher"]
    assert (tom.notified_t_plus, tom.acknowledged_t_plus) == ("T+00:07:00", "T+00:09:00")
    assert "acknowledged" in tom.actions
    assert "was refused: approve" in tom.actions
    assert people["Chloé Martin"].actions[:2] == ["notified via chat", "NOT reached via email"]
    assert people["Sophie Laurent"].roles == ["legal"]
    assert "runbook" not in people


def test_posts_paused_resumed_kept_and_missed_are_listed():
    posts = {p.post_id: p for p in report().posts}
    assert posts["p-101"].status == "kept_held"
    assert posts["p-101"].missed_slot, "its 14:30 slot passed while it was held"
    assert (posts["p-102"].status, posts["p-102"].missed_slot) == ("resumed", False)
    assert posts["p-103"].paused_t_plus == "T+00:06:00", "held on the retry"
    assert posts["p-104"].missed_slot, "held 14:12-16:10, scheduled 16:00"


def test_drafts_show_every_version_and_the_approval_history():
    (draft,) = report().drafts
    assert (draft.draft_id, draft.version, draft.status) == ("D1", 3, "published")
    steps = [(s.action, s.version, s.by) for s in draft.history]
    assert steps[:4] == [
        ("started", 1, "Tom Fletcher"),
        ("edited", 2, "Tom Fletcher"),
        ("submitted", 2, "Tom Fletcher"),
        ("rejected", 2, "Marcus Bell"),
    ]
    assert [s.by for s in draft.history if s.action == "approved"] == [
        "Amara Okafor",
        "Priya Nair",
        "Marcus Bell",
        "Sophie Laurent",
    ]
    assert draft.history[-1].action == "published"
    assert draft.approved_by == ["Amara Okafor", "Priya Nair", "Marcus Bell", "Sophie Laurent"]
    assert draft.variants["x"].startswith("Posts from our X account since 13:40")


def test_reassessments_record_the_old_and_new_level():
    assessments = report().assessments
    assert [(a.previous_level, a.level, a.direction) for a in assessments] == [
        (None, "SEV2", "initial"),
        ("SEV2", "SEV1", "up"),
    ]
    assert assessments[1].overrides == ["The attacker still controls the account."]


def test_lint_overrides_are_listed_with_their_reasons_in_every_format():
    built = report()
    (override,) = built.lint_overrides
    assert override.by == "Sophie Laurent"
    assert override.reason == "The time is confirmed by security; it is not speculation."
    assert override.details["rule_id"] == "speculation"
    for fmt, text in all_formats(built).items():
        assert "it is not speculation" in text, fmt


def test_an_unknown_event_type_is_rendered_generically_in_every_format():
    built = report()
    entry = next(e for e in built.timeline if e.type == "SentimentSampled")
    assert entry.event == "Sentiment sampled"
    assert entry.details == "negative_share: 0.62; note: Mentions falling; source: listening-tool"
    assert entry.category == "other"
    for fmt, text in all_formats(built).items():
        assert "Sentiment sampled" in text, fmt
        assert "Mentions falling" in text, fmt


def test_every_timeline_row_has_utc_and_local_dates_and_a_t_plus_offset():
    built = report(tz="America/New_York")
    last = built.timeline[-1]
    assert (last.at, last.at_local) == ("2026-11-22T14:00:00Z", "2026-11-22T09:00:00-05:00")
    assert last.t_plus == "T+1d 00:00:00"
    md = render(built, "md")
    assert "| 2026-11-22 14:00:00 UTC | 2026-11-22 09:00:00 EST | T+1d 00:00:00 |" in md
    rows = list(csv.reader(io.StringIO(render(built, "csv").lstrip("\ufeff"))))
    assert rows[0][3:6] == ["time (UTC)", "time (America/New_York)", "T+"]
    assert rows[-1][3:6] == ["2026-11-22 14:00:00", "2026-11-22 09:00:00", "T+1d 00:00:00"]


@pytest.mark.parametrize("zone", ["UTC", "Etc/UTC"])
def test_a_report_in_utc_shows_each_time_once_not_the_same_time_twice(zone):
    built = report(tz=zone)
    md = render(built, "md")
    assert "Time (UTC) | T+ |" in md and "Time (UTC) | Time (" not in md
    assert "| 2026-11-22 14:00:00 UTC | T+1d 00:00:00 |" in md
    assert "times in UTC and" not in md and "times in UTC" in md
    html = render(built, "html")
    assert html.count("<th>Time (UTC)</th>") == 1 and "<th>Time (Etc/UTC)</th>" not in html
    assert html.count("<th>Reached (") == 1
    header = next(csv.reader(io.StringIO(render(built, "csv").lstrip("\ufeff"))))
    assert header[3:6] == ["time (UTC)", f"time ({zone})", "T+"], "csv columns stay fixed"


def test_the_chain_head_and_count_are_in_every_format():
    built = report()
    head = fx.rows()[-1]["hash"]
    assert (built.chain.count, built.chain.head_hash, built.chain.verified) == (37, head, True)
    for fmt, text in all_formats(built).items():
        assert head in text, fmt


def test_a_damaged_log_is_exported_with_the_problem_shown():
    rows = fx.rows()
    rows[9] = {**rows[9], "data": rows[9]["data"].replace("Spoke", "Never spoke")}
    built = build_report(rows, fx.CONTACTS)
    assert not built.chain.verified
    assert built.chain.first_bad_seq == 10
    assert "event #10 (NoteAdded) was changed after it was written" in render(built, "md")
    assert "did not verify when this export was made" in render(built, "html")


# -- redaction --------------------------------------------------------------------------------


def contact_details() -> list[str]:
    found = []
    for person in fx.CONTACTS.people:
        found += [person.email or "", person.phone or "", re.sub(r"\D", "", person.phone or "")]
    return [f for f in found if f]


def test_contact_details_and_secrets_never_appear_in_any_format():
    rows = fx.rows()
    note = json.loads(rows[9]["data"])
    note["text"] += f" SMTP password is {fx.SECRET}; mail ELENA.ROSSI@example.com or +33639981204"
    rows[9] = {**rows[9], "data": canonical(note)}
    built = build_report(rows, fx.CONTACTS, secrets=[fx.SECRET])
    for fmt, text in all_formats(built).items():
        lowered = text.lower()
        for detail in [*contact_details(), fx.SECRET, "jane.doe@news.example", "020 7946 0958"]:
            assert detail.lower() not in lowered, (fmt, detail)
        assert "[phone redacted]" in text, fmt
        assert "[email redacted]" in text, fmt
        assert "[secret redacted]" in text, fmt
        assert leaks(text, fx.CONTACTS, [fx.SECRET]) == [], fmt


def test_secret_values_come_from_the_variables_the_channels_name():
    environ = {
        "RUNBOOK_TEST_SMTP_PASSWORD": fx.SECRET,
        "RUNBOOK_TEST_CHAT_WEBHOOK_URL": "https://hooks.example/T000/B000/XXXX",
        "RUNBOOK_DEPLOY_TOKEN": "tok-123456789",
        "RUNBOOK_DB": "/tmp/incidents.db",
        "HOME": "/root",
    }
    assert secret_values(fx.CONTACTS, environ) == sorted(
        [fx.SECRET, "https://hooks.example/T000/B000/XXXX", "tok-123456789"]
    )


def test_a_phone_number_is_found_however_it_is_spaced():
    redactor = Redactor(fx.CONTACTS)
    for spelling in ("+44 7700 900318", "+447700900318", "07700 900318", "(0)7700-900-318"):
        assert redactor.text(f"call {spelling} now", free=False) == "call [phone redacted] now"
    assert redactor.text("seq 2026-11-21 14:05, ticket 12345678", free=True) == (
        "seq 2026-11-21 14:05, ticket 12345678"
    ), "dates and plain numbers are not phone numbers"


def test_the_organisations_own_press_address_is_kept():
    redactor = Redactor(fx.CONTACTS, allow=["press@example.com"])
    text = "Write to press@example.com, not to amara.okafor@example.com or a@b.example"
    assert redactor.text(text) == (
        "Write to press@example.com, not to [email redacted] or [email redacted]"
    )


def test_names_redaction_shows_people_by_role_in_every_format():
    built = report(redact_names=True)
    labels = [p.label for p in built.people]
    assert labels == [
        "comms_lead (1)",
        "security_lead (1)",
        "social_media_manager (1)",
        "social_media_manager (2)",
        "pr_director (1)",
        "legal (1)",
    ]
    assert all(p.person is None for p in built.people)
    note = next(e for e in built.timeline if e.type == "NoteAdded")
    assert note.details.startswith("Spoke to pr_director (1) on [phone redacted]")
    assert built.timeline[0].record.actor == "comms_lead (1)"
    for fmt, text in all_formats(built).items():
        for person in fx.CONTACTS.people:
            for word in [person.name, *person.name.split(), f'"{person.id}"']:
                if len(word) >= 3:
                    assert word not in text, (fmt, word)
        assert "legal (1)" in text, fmt


def test_a_drill_is_marked_in_every_format():
    built = report(drill=True)
    assert built.incident.marking == "[DRILL]"
    texts = all_formats(built)
    assert texts["md"].startswith("# [DRILL] INC-7KQ4PX")
    assert texts["md"].rstrip().endswith("**[DRILL]** End of drill export.")
    assert "<title>[DRILL] INC-7KQ4PX" in texts["html"]
    assert 'class="watermark">[DRILL]' in texts["html"]
    document = json.loads(texts["json"])
    assert (document["incident"]["drill"], document["incident"]["marking"]) == (True, "[DRILL]")
    rows = list(csv.reader(io.StringIO(texts["csv"].lstrip("\ufeff"))))
    assert all(row[0] == "[DRILL]" for row in rows[1:]), "every CSV row carries the mark"
    assert "[DRILL]" not in render(report(), "md"), "a real incident is not marked"


# -- formats ----------------------------------------------------------------------------------


def test_the_json_export_validates_against_the_published_schema():
    import jsonschema

    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    for built in (report(), report(redact_names=True, drill=True)):
        document = json.loads(render(built, "json"))
        errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(document)]
        assert errors == []
        assert document["format_version"] == FORMAT_VERSION
    broken = json.loads(render(report(), "json"))
    broken["timeline"][0]["seq"] = "one"
    del broken["chain"]
    assert len(list(validator.iter_errors(broken))) == 2, "the schema does check the export"


def _schema_with_descriptions() -> str:
    """The export schema as ``runbook schema`` writes it: in an interpreter that reads the
    models' field docstrings (the descriptions)."""
    import os
    import subprocess
    import sys

    code = "from runbook.export.schema import schema_text; print(schema_text(), end='')"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "RUNBOOK_FIELD_DOCS": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_the_committed_json_schema_is_current_and_uses_draft_07_keywords():
    fresh = _schema_with_descriptions()
    if UPDATE:
        SCHEMA_FILE.write_text(fresh, encoding="utf-8")
    assert '"description"' in fresh
    assert SCHEMA_FILE.read_text(encoding="utf-8") == fresh, (
        "schemas/export.schema.json is out of date: RUNBOOK_UPDATE_GOLDEN=1 rewrites it "
        "(or runbook schema -o schemas)"
    )
    text = json.dumps(export_schema())
    assert export_schema()["$schema"] == "http://json-schema.org/draft-07/schema#"
    for newer in ("$defs", "prefixItems", "unevaluatedProperties", "dependentRequired"):
        assert f'"{newer}"' not in text, newer


def test_csv_opens_in_a_spreadsheet_one_event_per_row_with_formulas_defused():
    text = render(report(), "csv")
    assert text.startswith("\ufeffmarking,incident,seq,")
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 1 + 37
    assert [int(row[2]) for row in rows[1:]] == list(range(1, 38))
    from runbook.export.render_csv import cell

    for dangerous in ("=1+1", "+44", "-2", "@SUM(A1)", "\tx"):
        assert cell(dangerous) == "'" + dangerous
    assert cell("\rx") == "'\\x0dx"  # defused, and the carriage return shown inert
    assert cell("T+00:05:00") == "T+00:05:00"


def test_a_cell_that_would_run_as_a_formula_is_escaped_in_the_csv():
    rows = fx.rows()
    note = json.loads(rows[9]["data"])
    note["text"] = '=HYPERLINK("http://evil.example","click")'
    rows[9] = {**rows[9], "data": canonical(note)}
    text = render(build_report(rows, fx.CONTACTS), "csv")
    cells = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[10]
    assert cells[12] == '\'=HYPERLINK("http://evil.example","click")'


def test_markdown_table_cells_cannot_be_broken_by_event_text():
    md = render(report(), "md")
    line = next(line for line in md.splitlines() if "| Note |" in line)
    cells = re.split(r"(?<!\\)\|", line)[1:-1]
    assert len(cells) == 9, "the note's | is escaped: the row keeps its 9 cells"
    assert "\\<b>Do not\\</b> \\| reply" in line
    rejection = next(line for line in md.splitlines() if "| Draft rejected |" in line)
    assert "say since when \\| and" in rejection


def test_html_is_self_contained_escaped_and_print_friendly():
    html = render(report(), "html")
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), "nothing fetched"
    assert "@import" not in html
    assert "url(" not in html
    assert "default-src 'none'" in html
    assert "@media print" in html
    assert "&lt;b&gt;Do not&lt;/b&gt;" in html, "event text is escaped"
    assert html.count("<svg ") == 2, "the incident closed a day later: a first-hour chart too"
    for element in ('class="band"', 'class="mark"', 'class="target"'):
        assert element in html


def test_a_long_incident_gets_a_first_hour_chart_too():
    from runbook.export.chart import charts

    built = report()
    built.timeline[-1].t_plus_seconds = 5 * 3600
    titles = [c.title for c in charts(built)]
    assert titles == ["Whole incident", "First hour"]


def test_exports_are_reproducible():
    assert render(report(), "json") == render(report(), "json")
