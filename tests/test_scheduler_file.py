"""The content calendar file adapter, on real CSV and YAML files on disk."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import TypeAdapter, ValidationError

from runbook.clock import SimulatedClock
from runbook.effects.scheduler import file_calendar
from runbook.effects.scheduler.factory import build_scheduler
from runbook.effects.scheduler.file_calendar import FileCalendar
from runbook.errors import EffectError
from runbook.model.schedulers import FileCalendarConfig, SchedulerConfig

NOW = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)

CSV = (
    "id,channel,scheduled_at,text,status,owner,notes\n"
    "p1,x,2026-11-21T15:00:00Z,Black Friday teaser: 40% off everything!,scheduled,amara,\n"
    'p2,instagram,2026-11-21T18:00:00Z,"Our new jacket, in ""storm"" grey\nSwipe →",'
    "scheduled,tom,needs alt text\n"
    "p3,x,2026-11-22T09:00:00Z,Weekend reading,draft,elena,\n"
    "p4,linkedin,2026-11-20T09:00:00Z,Last week's hiring post,published,amara,\n"
    "p5,x,2026-11-23T09:00:00Z,Held for legal,held,tom,\n"
)

YAML = """\
# Northwind content calendar: edit freely, runbook only touches `status` and `scheduled_at`.
- id: p1
  channel: x
  scheduled_at: "2026-11-21T15:00:00Z"   # launch time agreed with sales
  text: "Black Friday teaser: 40% off everything!"
  status: scheduled
  owner: amara
- id: p2
  channel: instagram
  scheduled_at: 2026-11-21T18:00:00Z
  text: >-
    Our new jacket, in storm grey
  status: scheduled # Tom checks the image
- {id: p3, channel: x, scheduled_at: '2026-11-22T09:00:00Z', text: Weekend, status: draft}
"""


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(NOW)


def write(path: Path, text: str, newline: str = "\n") -> Path:
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if "runbook-tmp" in p.name)


# -- listing ------------------------------------------------------------------------------


def test_a_csv_calendar_lists_its_upcoming_posts_with_excerpts(tmp_path, clock):
    calendar = FileCalendar("calendar", write(tmp_path / "calendar.csv", CSV), clock=clock)
    posts = {post.id: post for post in calendar.list_posts()}
    assert sorted(posts) == ["p1", "p2", "p3", "p5"]  # p4 went out the day before
    assert posts["p1"].status == "scheduled"
    assert posts["p1"].channel == "x"
    assert posts["p1"].scheduler == "calendar"
    assert posts["p2"].excerpt == 'Our new jacket, in "storm" grey Swipe →'
    assert posts["p5"].status == "held"


def test_an_excerpt_is_the_first_80_characters(tmp_path, clock):
    text = "word " * 40
    header = "id,channel,scheduled_at,text,status\n"
    path = write(tmp_path / "c.csv", f"{header}a,x,2026-12-01,{text},scheduled\n")
    (post,) = FileCalendar("c", path, clock=clock).list_posts()
    assert len(post.excerpt) == 80
    assert text.startswith(post.excerpt)


def test_posts_long_past_are_not_listed_but_held_and_recently_due_ones_are(tmp_path, clock):
    path = write(
        tmp_path / "c.csv",
        "id,channel,scheduled_at,text,status\n"
        "old,x,2026-10-01T09:00:00Z,Last month,scheduled\n"
        "overdue,x,2026-11-21T13:30:00Z,Due half an hour ago,scheduled\n"
        "stuck,x,2026-10-01T09:00:00Z,Held long ago,held\n"
        "undated,x,,Idea,draft\n",
    )
    listed = [post.id for post in FileCalendar("c", path, clock=clock).list_posts()]
    assert listed == ["overdue", "stuck", "undated"]


def test_a_yaml_calendar_lists_its_posts(tmp_path, clock):
    calendar = FileCalendar("cal", write(tmp_path / "calendar.yaml", YAML), clock=clock)
    posts = {post.id: post for post in calendar.list_posts()}
    assert sorted(posts) == ["p1", "p2", "p3"]
    assert posts["p2"].scheduled_at == "2026-11-21T18:00:00Z"
    assert posts["p2"].excerpt == "Our new jacket, in storm grey"
    assert posts["p3"].status == "draft"


# -- holding and releasing ------------------------------------------------------------------


def test_holding_and_releasing_a_csv_calendar_changes_only_the_status_cells(tmp_path, clock):
    path = write(tmp_path / "calendar.csv", CSV)
    calendar = FileCalendar("calendar", path, clock=clock)

    held = calendar.hold(["p1", "p2"], "INC-1:pause")
    assert [d["id"] for d in held.done] == ["p1", "p2"]
    assert {d["status"] for d in held.done} == {"held"}
    assert held.done[0]["excerpt"].startswith("Black Friday")
    assert held.failures == []
    assert calendar.status(["p1", "p2", "p3"]) == {"p1": "held", "p2": "held", "p3": "draft"}
    assert path.read_text() == CSV.replace("!,scheduled", "!,held").replace(
        '→",scheduled', '→",held'
    )

    released = calendar.release(["p1", "p2"], "INC-1:resume", {})
    assert [d["status"] for d in released.done] == ["scheduled", "scheduled"]
    assert path.read_text() == CSV


def test_releasing_at_a_new_time_rewrites_scheduled_at(tmp_path, clock):
    path = write(tmp_path / "calendar.csv", CSV)
    calendar = FileCalendar("calendar", path, clock=clock)
    calendar.hold(["p1"], "k1")
    outcome = calendar.release(["p1"], "k2", {"p1": "2026-11-24T10:00:00+00:00"})
    assert outcome.done[0]["scheduled_at"] == "2026-11-24T10:00:00+00:00"
    assert "p1,x,2026-11-24T10:00:00+00:00,Black Friday" in path.read_text()
    assert calendar.status(["p1"]) == {"p1": "scheduled"}


def test_holding_twice_and_releasing_a_scheduled_post_are_both_success(tmp_path, clock):
    path = write(tmp_path / "calendar.csv", CSV)
    calendar = FileCalendar("calendar", path, clock=clock)
    assert [d["id"] for d in calendar.hold(["p5"], "k").done] == ["p5"]  # already held
    assert [d["id"] for d in calendar.release(["p1"], "k", {}).done] == ["p1"]  # scheduled
    assert path.read_text() == CSV  # nothing needed writing


def test_unknown_published_and_draft_posts_are_failures_that_name_the_post(tmp_path, clock):
    path = write(tmp_path / "calendar.csv", CSV)
    outcome = FileCalendar("calendar", path, clock=clock).hold(["p1", "p3", "p4", "gone"], "k")
    assert [d["id"] for d in outcome.done] == ["p1"]
    errors = {f["id"]: f["error"] for f in outcome.failures}
    assert "post p3" in errors["p3"]
    assert "'draft'" in errors["p3"]
    assert "'published'" in errors["p4"]
    assert "calendar.csv line 6" in errors["p4"]  # p2's text spans two lines
    assert "post gone is not in" in errors["gone"]
    assert "calendar.csv" in errors["gone"]
    assert all(f["transient"] is False for f in outcome.failures)


def test_a_release_at_an_unreadable_time_fails_for_that_post_only(tmp_path, clock):
    path = write(tmp_path / "calendar.csv", CSV)
    calendar = FileCalendar("calendar", path, clock=clock)
    calendar.hold(["p1", "p2"], "k")
    outcome = calendar.release(["p1", "p2"], "k", {"p1": "tomorrow morning"})
    assert [d["id"] for d in outcome.done] == ["p2"]
    assert "'tomorrow morning' is not a date and time" in outcome.failures[0]["error"]
    assert calendar.status(["p1", "p2"]) == {"p1": "held", "p2": "scheduled"}


def test_missing_posts_read_back_as_missing(tmp_path, clock):
    calendar = FileCalendar("calendar", write(tmp_path / "calendar.csv", CSV), clock=clock)
    assert calendar.status(["p1", "nope"]) == {"p1": "scheduled", "nope": "missing"}


def test_holding_and_releasing_a_yaml_calendar_keeps_its_comments(tmp_path, clock):
    path = write(tmp_path / "calendar.yaml", YAML)
    calendar = FileCalendar("cal", path, clock=clock)
    outcome = calendar.hold(["p1", "p2"], "k")
    assert [d["status"] for d in outcome.done] == ["held", "held"]
    text = path.read_text()
    assert "  status: held\n  owner: amara" in text
    assert "  status: held # Tom checks the image" in text
    assert "# launch time agreed with sales" in text
    assert calendar.status(["p1", "p2", "p3"]) == {"p1": "held", "p2": "held", "p3": "draft"}

    calendar.release(["p1", "p2"], "k", {"p2": "2026-11-22T18:00:00Z"})
    assert path.read_text() == YAML.replace("2026-11-21T18:00:00Z", "2026-11-22T18:00:00Z")


def test_a_yaml_post_in_flow_style_or_with_a_numeric_id_is_changed_in_place(tmp_path, clock):
    path = write(
        tmp_path / "calendar.yml",
        "- {id: a, channel: x, scheduled_at: '2026-12-01T09:00:00Z', status: scheduled}\n"
        "- id: 7\n  channel: x\n  scheduled_at: '2026-12-01T10:00:00Z'\n  status: scheduled\n",
    )
    calendar = FileCalendar("cal", path, clock=clock)
    assert [d["id"] for d in calendar.hold(["a", "7"], "k").done] == ["a", "7"]
    assert calendar.status(["a", "7"]) == {"a": "held", "7": "held"}
    text = path.read_text()
    assert "{id: a, channel: x, scheduled_at: '2026-12-01T09:00:00Z', status: held}" in text
    calendar.release(["7"], "k", {"7": "2026-12-02 10:00:00+01:00"})
    assert "  scheduled_at: '2026-12-02 10:00:00+01:00'\n  status: scheduled\n" in path.read_text()


def test_a_yaml_post_lacking_a_key_runbook_must_set_is_rewritten_whole_and_stays_valid(
    tmp_path, clock
):
    path = write(
        tmp_path / "calendar.yaml",
        "# comments are lost in a full rewrite\n- id: a\n  channel: x\n  status: held\n"
        "  tags: [launch, q4]\n",
    )
    calendar = FileCalendar("cal", path, clock=clock)
    outcome = calendar.release(["a"], "k", {"a": "2026-12-02T10:00:00Z"})
    assert outcome.done[0]["scheduled_at"] == "2026-12-02T10:00:00Z"
    (post,) = calendar.list_posts()
    assert (post.status, post.scheduled_at) == ("scheduled", "2026-12-02T10:00:00Z")
    assert "tags:\n  - launch\n  - q4\n" in path.read_text()


# -- keeping the file as the team wrote it -----------------------------------------------------


def test_extra_columns_order_delimiter_quoting_line_endings_and_bom_are_kept(tmp_path, clock):
    original = (
        '\ufeff"owner";"status";"id";"notes";"channel";"scheduled_at";"text"\r\n'
        '"amara";"scheduled";"p1";"keep ""this""";"x";"2026-11-21T15:00:00Z";"Hello; world"\r\n'
        '"tom";"scheduled";"p2";"";"x";"2026-11-21T16:00:00Z";"Second"\r\n'
        '"elena";"draft";"p3";"";"x";"";"Idea"'
    )
    path = tmp_path / "calendar.csv"
    path.write_bytes(original.encode("utf-8"))
    calendar = FileCalendar("calendar", path, clock=clock)
    calendar.hold(["p1"], "k")
    written = path.read_bytes().decode("utf-8")
    assert written == original.replace('"amara";"scheduled"', '"amara";"held"')
    calendar.release(["p1"], "k", {})
    assert path.read_bytes().decode("utf-8") == original


def test_a_changed_row_keeps_the_quoting_of_its_other_cells(tmp_path, clock):
    original = (
        "id,channel,scheduled_at,text,status,owner\n"
        'p1,"x","2026-11-21T15:00:00Z","Plain text, quoted anyway",scheduled,"amara"\n'
        'p2,x,2026-11-21T16:00:00Z,Our 5" screen protector,"scheduled",tom\n'
    )
    path = write(tmp_path / "calendar.csv", original)
    calendar = FileCalendar("calendar", path, clock=clock)
    calendar.hold(["p1", "p2"], "k")
    lines = path.read_text().splitlines()
    assert lines[1] == 'p1,"x","2026-11-21T15:00:00Z","Plain text, quoted anyway",held,"amara"'
    # a stray quote inside an unquoted cell: that row is written whole by the csv module
    assert lines[2] == 'p2,x,2026-11-21T16:00:00Z,"Our 5"" screen protector",held,tom'
    assert calendar.status(["p1", "p2"]) == {"p1": "held", "p2": "held"}
    assert [p.excerpt for p in calendar.list_posts()][1] == 'Our 5" screen protector'


def test_what_a_hold_reports_matches_what_listing_shows(tmp_path, clock):
    calendar = FileCalendar("calendar", write(tmp_path / "calendar.csv", CSV), clock=clock)
    held = calendar.hold(["p1", "p2"], "k")
    listed = {post.id: post.as_dict() for post in calendar.list_posts()}
    assert held.done == [listed["p1"], listed["p2"]]


def test_a_yaml_calendar_with_windows_line_endings_is_edited_in_place(tmp_path, clock):
    path = write(tmp_path / "calendar.yaml", YAML, newline="\r\n")
    calendar = FileCalendar("cal", path, clock=clock)
    calendar.hold(["p2"], "k")
    assert (
        path.read_bytes()
        == YAML.replace("status: scheduled # Tom", "status: held # Tom")
        .replace("\n", "\r\n")
        .encode()
    )


def test_a_change_to_the_last_row_without_a_final_newline_adds_none(tmp_path, clock):
    path = tmp_path / "c.csv"
    path.write_text("id,channel,scheduled_at,text,status\np1,x,2026-12-01,Hi,scheduled")
    FileCalendar("c", path, clock=clock).hold(["p1"], "k")
    assert path.read_text() == "id,channel,scheduled_at,text,status\np1,x,2026-12-01,Hi,held"


def test_the_calendar_keeps_its_permissions_and_a_symlink_keeps_pointing_at_it(tmp_path, clock):
    (tmp_path / "shared").mkdir()
    target = write(tmp_path / "shared" / "calendar.csv", CSV)
    target.chmod(0o664)
    link = tmp_path / "calendar.csv"
    link.symlink_to(target)
    FileCalendar("calendar", link, clock=clock).hold(["p1"], "k")
    assert link.is_symlink()
    assert "!,held" in target.read_text()
    assert target.stat().st_mode & 0o777 == 0o664


# -- never a half-written calendar, never someone else's edit lost -------------------------------


def test_a_crash_while_saving_leaves_the_original_file_and_no_temporary_file(
    tmp_path, clock, monkeypatch
):
    path = write(tmp_path / "calendar.csv", CSV)

    def crash(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(file_calendar.os, "replace", crash)
    with pytest.raises(EffectError, match="could not save .*calendar.csv.*No space left") as info:
        FileCalendar("calendar", path, clock=clock).hold(["p1"], "k")
    assert info.value.transient
    assert path.read_text() == CSV
    assert leftovers(tmp_path) == []


def test_a_calendar_edited_by_someone_else_mid_pause_is_not_overwritten(
    tmp_path, clock, monkeypatch
):
    path = write(tmp_path / "calendar.csv", CSV)
    their_version = CSV.replace("Weekend reading", "Weekend reading (edited by Tom)")
    real_fsync = os.fsync
    edited = []

    def someone_saves_meanwhile(fd):
        if not edited:  # while runbook is writing its copy, Tom saves his edit
            path.write_text(their_version)
            edited.append(True)
        real_fsync(fd)

    monkeypatch.setattr(file_calendar.os, "fsync", someone_saves_meanwhile)
    with pytest.raises(EffectError, match="changed by someone else") as info:
        FileCalendar("calendar", path, clock=clock).hold(["p1", "p2"], "k")
    assert "calendar.csv" in str(info.value)
    assert "nothing was written" in str(info.value)
    assert info.value.transient
    assert path.read_text() == their_version
    assert leftovers(tmp_path) == []


def test_a_same_size_edit_within_the_same_instant_is_still_detected(tmp_path, clock, monkeypatch):
    path = write(tmp_path / "calendar.csv", CSV)
    stat = path.stat()
    real_fsync = os.fsync

    def same_size_same_mtime_edit(fd):
        path.write_text(CSV.replace("Weekend reading", "Weekend READING"))
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        real_fsync(fd)

    monkeypatch.setattr(file_calendar.os, "fsync", same_size_same_mtime_edit)
    with pytest.raises(EffectError, match="changed by someone else"):
        FileCalendar("calendar", path, clock=clock).hold(["p1"], "k")
    assert "Weekend READING" in path.read_text()


def test_several_runbooks_holding_at_once_queue_and_all_succeed(tmp_path, clock):
    rows = "".join(f"p{i},x,2026-12-01T09:00:00Z,Post {i},scheduled\n" for i in range(12))
    path = write(tmp_path / "calendar.csv", "id,channel,scheduled_at,text,status\n" + rows)
    results = []

    def hold(pid):
        results.append(FileCalendar("calendar", path, clock=clock).hold([pid], pid))

    threads = [threading.Thread(target=hold, args=(f"p{i}",)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(not r.failures and len(r.done) == 1 for r in results)
    statuses = FileCalendar("calendar", path, clock=clock).status([f"p{i}" for i in range(12)])
    assert set(statuses.values()) == {"held"}


# -- clear errors -----------------------------------------------------------------------------


def test_a_missing_calendar_is_named_in_the_error(tmp_path, clock):
    calendar = FileCalendar("calendar", tmp_path / "nowhere.csv", clock=clock)
    with pytest.raises(EffectError, match=r"nowhere.csv does not exist.*'calendar'"):
        calendar.hold(["p1"], "k")
    assert leftovers(tmp_path) == []


def test_a_header_without_the_documented_columns_is_refused_with_the_line(tmp_path, clock):
    path = write(tmp_path / "c.csv", "post,when,words\np1,2026-12-01,hi\n")
    with pytest.raises(EffectError, match=r"c.csv line 1: the header must name the columns id"):
        FileCalendar("c", path, clock=clock).list_posts()


def test_an_unreadable_date_stops_listing_with_the_line_but_not_holding(tmp_path, clock):
    path = write(tmp_path / "c.csv", CSV.replace("2026-11-22T09:00:00Z", "next Tuesday"))
    calendar = FileCalendar("c", path, clock=clock)
    with pytest.raises(EffectError, match=r"c.csv line 5: post p3 has scheduled_at 'next Tues"):
        calendar.list_posts()
    assert [d["id"] for d in calendar.hold(["p1"], "k").done] == ["p1"]


def test_duplicate_ids_rows_without_id_and_non_utf8_files_name_the_line(tmp_path, clock):
    header = "id,channel,scheduled_at,text,status\n"
    cases = {
        "dup.csv": (
            header + "a,x,2026-12-01,1,scheduled\na,x,2026-12-02,2,scheduled\n",
            r"dup.csv line 3: post id 'a' is used twice \(first on line 2\)",
        ),
        "noid.csv": (header + ",x,2026-12-01,1,scheduled\n", r"noid.csv line 2: .* has no id"),
        "empty.csv": ("", r"empty.csv line 1: the calendar is empty"),
    }
    for name, (text, message) in cases.items():
        with pytest.raises(EffectError, match=message):
            FileCalendar("c", write(tmp_path / name, text), clock=clock).list_posts()
    latin = tmp_path / "latin.csv"
    latin.write_bytes((header + "a,x,2026-12-01,Caf\xe9,scheduled\n").encode("latin-1"))
    with pytest.raises(EffectError, match=r'latin.csv:2:\d+: .*not UTF-8.*"CSV UTF-8"'):
        FileCalendar("c", latin, clock=clock).list_posts()


def test_broken_yaml_is_reported_with_file_line_and_column(tmp_path, clock):
    path = write(tmp_path / "c.yaml", "- id: a\n  status: [scheduled\n")
    with pytest.raises(EffectError, match=r"c.yaml:\d+:\d+: invalid YAML"):
        FileCalendar("c", path, clock=clock).list_posts()
    path = write(tmp_path / "d.yaml", "posts:\n  - id: a\n")
    with pytest.raises(EffectError, match=r"d.yaml line 1: a YAML calendar is a list of posts"):
        FileCalendar("c", path, clock=clock).list_posts()
    path = write(
        tmp_path / "e.yaml", "- id: a\n  channel: x\n  scheduled_at: soon\n  status: held\n"
    )
    with pytest.raises(EffectError, match=r"e.yaml line 1: post a has scheduled_at 'soon'"):
        FileCalendar("c", path, clock=clock).list_posts()


# -- a big calendar ---------------------------------------------------------------------------


def test_a_10000_post_calendar_is_held_and_released_in_one_read_and_one_write_each(
    tmp_path, clock, monkeypatch
):
    channels = ("x", "instagram", "linkedin", "tiktok")
    statuses = ("scheduled", "scheduled", "scheduled", "draft", "published")
    start = NOW + timedelta(hours=1)
    rows = [
        f"p{i},{channels[i % 4]},{(start + timedelta(minutes=i)).isoformat()},"
        f"Post number {i} about our products,{statuses[i % 5]},owner{i % 7}\n"
        for i in range(10_000)
    ]
    original = "id,channel,scheduled_at,text,status,owner\n" + "".join(rows)
    path = write(tmp_path / "big.csv", original)
    calendar = FileCalendar("big", path, clock=clock)
    replaces = []
    real_replace = os.replace
    monkeypatch.setattr(
        file_calendar.os, "replace", lambda a, b: (replaces.append(b), real_replace(a, b))
    )

    in_scope = [
        post.id
        for post in calendar.list_posts()
        if post.status == "scheduled" and post.channel in ("x", "tiktok")
    ]
    assert len(in_scope) == 3_000
    held = calendar.hold(in_scope, "INC-9:pause")
    assert len(held.done) == 3_000
    assert held.failures == []
    assert len(replaces) == 1
    after = calendar.list_posts()
    assert sum(p.status == "held" for p in after) == 3_000
    assert sum(p.status == "scheduled" for p in after) == 3_000
    assert sum(p.status == "draft" for p in after) == 2_000

    released = calendar.release(in_scope, "INC-9:resume", {})
    assert len(released.done) == 3_000
    assert released.failures == []
    assert len(replaces) == 2
    assert path.read_text() == original


# -- configuration ----------------------------------------------------------------------------


def test_a_file_scheduler_config_resolves_relative_paths_against_the_contacts_folder(tmp_path):
    config = TypeAdapter(SchedulerConfig).validate_python({"kind": "file", "path": "cal.yml"})
    assert isinstance(config, FileCalendarConfig)
    adapter = build_scheduler("calendar", config, tmp_path / "contacts")
    assert isinstance(adapter, FileCalendar)
    assert adapter.path == tmp_path / "contacts" / "cal.yml"
    assert adapter.format == "yaml"


def test_a_file_scheduler_config_needs_a_known_format_and_no_unknown_fields():
    adapter = TypeAdapter(SchedulerConfig)
    with pytest.raises(ValidationError, match="add format: csv or format: yaml"):
        adapter.validate_python({"kind": "file", "path": "calendar.xlsx"})
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        adapter.validate_python({"kind": "file", "path": "c.csv", "sheet": 1})
    assert adapter.validate_python({"kind": "file", "path": "c.dat", "format": "csv"}).format
