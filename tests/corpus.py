"""The hostile and careless input corpus: over a hundred bad files and command lines.

Each :class:`Case` is one mistake a tired or hostile person can make: a configuration file
edited into something runbook must refuse (``validate``), or a command line (``cli``) run
against a store holding one incident (``{INC}``) with a draft. :func:`run_case` runs it as a
person would, in a subprocess, and returns what it printed and the store before and after;
``tests/test_hostile_corpus.py`` checks the outcome. Files are generated here (the encodings,
sizes and bytes are the point), so the corpus is one reviewable list.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PB = "playbooks/account-compromised.yaml"
POLICY = "playbooks/policy.yaml"
TEAM = "contacts/team.yaml"
CHANNELS = "contacts/channels.yaml"
LONG = "x" * 25_000


@dataclass(frozen=True)
class Case:
    """One bad input and what runbook must say about it."""

    id: str
    kind: str
    """``validate`` (a configuration folder with one file changed) or ``cli``."""
    expect: str
    """Words the one clear line on stderr must hold."""
    args: tuple[str, ...] = ()
    """Command line (``cli``); ``{INC}`` is the incident, ``{FILE}`` the written file, ``{DIR}``
    the case's folder."""
    file: str = ""
    """The file changed (``validate``) or written for the command (``cli``)."""
    old: str = ""
    """Text replaced in ``file`` (``validate``); empty: ``new`` is the whole content."""
    new: str | bytes = ""
    located: bool = True
    """``validate``: the problem names the file and its line."""
    code: int = 1


def replace(case_id: str, file: str, old: str, new: str, expect: str) -> Case:
    return Case(case_id, "validate", expect, file=file, old=old, new=new)


def whole(case_id: str, file: str, content: str | bytes, expect: str, located: bool = True) -> Case:
    return Case(case_id, "validate", expect, file=file, new=content, located=located)


def cli(
    case_id: str, expect: str, *args: str, code: int = 1, file: str = "", new: str | bytes = ""
) -> Case:
    return Case(case_id, "cli", expect, args=args, file=file, new=new, code=code)


BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
    f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(8)
)
QUESTION = """    - id: q{n}
      text: Question {n}?
      options:
        - id: a
          label: A
          score: 0
        - id: b
          label: B
          score: 1
"""
OPTION = "        - id: extra{n}\n          label: Extra {n}\n          score: 1\n"
PERSON = "  - id: p{n}\n    name: Person {n}\n    roles: [comms_lead]\n"

VALIDATE: list[Case] = [
    # -- YAML itself --------------------------------------------------------------------
    whole("alias-bomb", POLICY, BOMB, "too many aliases"),
    whole("python-tag", POLICY, "x: !!python/object/apply:os.system ['echo pwned']\n", "tag"),
    whole("custom-tag", PB, "id: !include secrets.yaml\n", "tag"),
    replace("duplicate-key", PB, "version: 2\n", "version: 2\nversion: 3\n", "version"),
    whole("huge-file", PB, "# padding\n" * 120_000, "limit", located=False),
    whole("deep-nesting", PB, "x: " + "[" * 200 + "]" * 200 + "\n", "nesting deeper"),
    whole("latin-1", PB, "id: caf\xe9\ntitle: Caf\xe9\n".encode("latin-1"), "not UTF-8"),
    whole("utf-16", PB, "id: demo\n".encode("utf-16"), "UTF-16", located=False),
    whole("utf-32", PB, "id: demo\n".encode("utf-32"), "UTF-32", located=False),
    whole("binary", PB, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not text"),
    whole("nul-in-text", PB, "id: a\x00b\n", "not text"),
    whole("empty-playbook", PB, "", "empty", located=False),
    whole("list-not-mapping", PB, "- id: x\n- id: y\n", "mapping"),
    whole("tab-indent", PB, "id: x\nseverity:\n\tquestions: []\n", "tab"),
    whole("unclosed-quote", PB, 'id: "unclosed\ntitle: x\n', "invalid YAML"),
    whole("control-chars", PB, "id: x\ntitle: \x1b]0;pwned\x07\n", "not allowed"),
    # -- playbook fields ----------------------------------------------------------------
    replace("unknown-field", PB, "version: 2\n", "version: 2\ncolour: red\n", "colour"),
    replace("missing-title", PB, "title: Brand social account compromised\n", "", "title"),
    replace("wrong-type", PB, "version: 2\n", "version: one\n", "version"),
    replace("version-zero", PB, "version: 2\n", "version: 0\n", "version"),
    replace("bad-id", PB, "id: account-compromised\n", "id: account compromised!\n", "id"),
    replace("duplicate-question", PB, "    - id: content\n", "    - id: control\n", "used twice"),
    replace("score-too-high", PB, "          score: 8\n", "          score: 1000\n", "score"),
    replace(
        "ack-huge", PB, "    ack_within: 10m\n", "    ack_within: 99999999999999999999d\n", "90d"
    ),
    replace("ack-91-days", PB, "    ack_within: 10m\n", "    ack_within: 91d\n", "90d"),
    replace("ack-negative", PB, "    ack_within: 10m\n", "    ack_within: -5m\n", "duration"),
    replace("ack-words", PB, "    ack_within: 10m\n", "    ack_within: soon\n", "duration"),
    replace("ack-zero", PB, "    ack_within: 10m\n", "    ack_within: 0s\n", "longer than zero"),
    replace(
        "unknown-role",
        PB,
        "    roles: [comms_on_call]\n",
        "    roles: [astrologer]\n",
        "astrologer",
    ),
    replace("unknown-channel", PB, "    via: [chat, email]\n", "    via: [pigeon]\n", "pigeon"),
    replace("unknown-level", PB, "  SEV4: none\n", "  SEV4: none\n  SEV9: all\n", "SEV9"),
    replace(
        "unknown-platform",
        PB,
        "    platforms: [x, linkedin, facebook, instagram, threads]\n",
        "    platforms: [myspace]\n",
        "myspace",
    ),
    replace(
        "template-too-long",
        PB,
        "    text: >-\n      Our account",
        f"    text: {LONG}\n    x: >-\n      Our account",
        "characters",
    ),
    replace(
        "too-many-questions",
        PB,
        "  questions:\n",
        "  questions:\n" + "".join(QUESTION.format(n=n) for n in range(50)),
        "entries",
    ),
    replace(
        "too-many-options",
        PB,
        "        - id: recovered\n",
        "".join(OPTION.format(n=n) for n in range(20)) + "        - id: recovered\n",
        "entries",
    ),
    replace(
        "too-many-keywords",
        PB,
        "keywords: [hack,",
        "keywords: [" + "k, " * 201 + "hack,",
        "entries",
    ),
    replace("playbook-summary-empty", PB, "summary: >-\n", "summary: ''\nx: >-\n", "summary"),
    # -- policy -------------------------------------------------------------------------
    replace(
        "lookbehind",
        POLICY,
        "      - '\\bone bad apple\\b'\n",
        "      - '(?<!good )apple'\n",
        "lookaround",
    ),
    replace(
        "backreference",
        POLICY,
        "      - '\\bone bad apple\\b'\n",
        "      - '(apple) \\1'\n",
        "backreferences",
    ),
    replace(
        "bad-regex",
        POLICY,
        "      - '\\bone bad apple\\b'\n",
        "      - '(unclosed'\n",
        "not a valid regular expression",
    ),
    replace(
        "long-pattern",
        POLICY,
        "      - '\\bone bad apple\\b'\n",
        "      - '" + "a" * 1500 + "'\n",
        "at most 1000",
    ),
    replace(
        "unknown-severity", POLICY, "    severity: block\n", "    severity: fatal\n", "severity"
    ),
    replace("limit-zero", POLICY, "    limit: 280\n", "    limit: 0\n", "limit"),
    replace("counting-bytes", POLICY, "    counting: weighted", "    counting: bytes", "counting"),
    replace(
        "alternate-unknown",
        POLICY,
        "  comms_lead: [pr_director]\n",
        "  comms_lead: [wizard]\n",
        "wizard",
    ),
    replace(
        "override-unknown",
        POLICY,
        "    override_role: pr_director\n",
        "    override_role: nobody_at_all\n",
        "nobody_at_all",
    ),
    replace(
        "explanation-long",
        POLICY,
        "    explanation: A phone number",
        f"    explanation: {LONG}\n    x: A phone number",
        "characters",
    ),
    whole("policy-empty", POLICY, "", "empty", located=False),
    replace(
        "lookahead",
        POLICY,
        "      - '\\bone bad apple\\b'\n",
        "      - 'apple(?= pie)'\n",
        "lookaround",
    ),
    replace(
        "named-backreference",
        POLICY,
        "      - '\\bone bad apple\\b'\n",
        "      - '(?P<w>apple) (?P=w)'\n",
        "backreferences",
    ),
    replace(
        "counted-repetition",
        POLICY,
        "      - '\\bone bad apple\\b'\n",
        "      - 'a.{300}b'\n",
        "too large to run quickly",
    ),
    replace(
        "automaton-blowup",
        POLICY,
        "      - '\\bone bad apple\\b'\n",
        "      - '[ab]*a[ab]{20}c'\n",
        "automaton states",
    ),
    replace(
        "automaton-blowup-short",
        POLICY,
        "      - '\\bone bad apple\\b'\n",
        "      - 'a.{20}c'\n",
        "shorten a repetition such as {20}",
    ),
    replace(
        "phrase-too-long",
        POLICY,
        '    phrases: ["rogue employee",',
        '    phrases: ["' + "rogue " * 60 + '", "rogue employee",',
        "a phrase is at most 300",
    ),
    replace(
        "too-many-matchers",
        POLICY,
        '    phrases: ["rogue employee",',
        "    phrases: [" + "".join(f'"w{n}", ' for n in range(150)) + '"rogue employee",',
        "phrases and patterns; at most 200",
    ),
    replace(
        "escape-in-role",
        PB,
        "    roles: [comms_on_call]\n",
        '    roles: ["\\e]0;pwned\\a"]\n',
        "roles",
    ),
    replace(
        "lone-surrogate",
        PB,
        "title: Brand social account compromised\n",
        'title: "Brand \\ud800"\n',
        "title",
    ),
    replace("target-huge", PB, "  resolve: 12h\n", "  resolve: 9999999d\n", "90d"),
    replace("cadence-huge", PB, "executives: 4h}", "executives: 100000h}", "90d"),
    replace("escalate-huge", PB, "  escalate_after: 15m\n", "  escalate_after: 200d\n", "90d"),
    # -- contacts -----------------------------------------------------------------------
    replace("duplicate-person", TEAM, "  - id: elena\n", "  - id: amara\n", "amara"),
    replace(
        "person-unknown-field",
        TEAM,
        "    timezone: Europe/London\n",
        "    timezone: Europe/London\n    salary: 1\n",
        "salary",
    ),
    replace(
        "bad-timezone",
        TEAM,
        "    timezone: Europe/London\n",
        "    timezone: Mars/Olympus\n",
        "Mars/Olympus",
    ),
    replace(
        "bad-ssh-key",
        TEAM,
        '\n    ssh_keys: ["ssh-ed25519 ',
        '\n    ssh_keys: ["garbage ',
        "ssh_keys",
    ),
    whole(
        "too-many-people",
        "contacts/crowd.yaml",
        "people:\n" + "".join(PERSON.format(n=n) for n in range(10_001)),
        "10,000",
    ),
    whole("contacts-not-mapping", "contacts/crowd.yaml", "just words\n", "mapping"),
]

CLI: list[Case] = [
    # -- incidents and ids --------------------------------------------------------------
    cli("unknown-incident", "no incident 'INC-NOPE22'", "status", "INC-NOPE22"),
    cli("escape-in-id", "\\x1b[2J", "status", "INC-\x1b[2J"),
    cli("unknown-playbook", "no playbook", "declare", "moon-landing", "--title", "x"),
    cli("empty-title", "give the incident a title", "declare", "offensive-post", "--title", "   "),
    cli("long-title", "the title is", "declare", "offensive-post", "--title", "t" * 201),
    cli(
        "huge-title",
        "the title is 100,000 characters",
        "declare",
        "offensive-post",
        "--title",
        "t" * 100_000,
    ),
    cli("empty-note", "the note is empty", "note", "{INC}", ""),
    cli("long-note", "the note is 10,001 characters", "note", "{INC}", "n" * 10_001),
    cli("unknown-command", "No such command", "explode", code=2),
    cli("unknown-option", "No such option", "status", "{INC}", "--colour", code=2),
    cli("missing-argument", "Missing argument", "note", code=2),
    cli("unknown-person", "amaraa", "--as", "amaraa", "note", "{INC}", "hi"),
    cli("unknown-check-item", "no checklist item", "check", "{INC}", "launch-rockets"),
    cli("unknown-draft", "no draft 'D9'", "lint", "{INC}", "--draft", "D9", code=2),
    cli("close-too-early", "close", "close", "{INC}"),
    cli("tick-bad-id", "no incident", "tick", "INC-ZZZZZZ"),
    # -- assess -------------------------------------------------------------------------
    cli("unknown-answer", "no option 'purple'", "assess", "{INC}", "--answer=control=purple"),
    cli("unknown-question", "no question 'mood'", "assess", "{INC}", "--answer=mood=bad"),
    cli("answer-without-equals", "QUESTION=OPTION", "assess", "{INC}", "--answer=control", code=2),
    # -- drafts -------------------------------------------------------------------------
    cli(
        "edit-latin-1",
        "not UTF-8",
        "draft",
        "{INC}",
        "--edit",
        "{FILE}",
        file="d.txt",
        new="--- x\ncaf\xe9\n".encode("latin-1"),
    ),
    cli(
        "edit-utf-16",
        "UTF-16",
        "draft",
        "{INC}",
        "--edit",
        "{FILE}",
        file="d.txt",
        new="--- x\nhello\n".encode("utf-16"),
    ),
    cli(
        "edit-binary",
        "not text",
        "draft",
        "{INC}",
        "--edit",
        "{FILE}",
        file="d.txt",
        new=b"\x00\x01\x02\x03" * 10,
    ),
    cli(
        "edit-huge",
        "larger than 1,000,000 bytes",
        "draft",
        "{INC}",
        "--edit",
        "{FILE}",
        file="d.txt",
        new=b"--- x\n" + b"a" * 1_100_000,
    ),
    cli(
        "edit-missing-file",
        "No such file or directory",
        "draft",
        "{INC}",
        "--edit",
        "{DIR}/nope.txt",
        code=2,
    ),
    cli("set-unknown-variant", "no variant 'myspace'", "draft", "{INC}", "--set", "myspace=hello"),
    cli("set-empty", "cannot be empty", "draft", "{INC}", "--set", "x="),
    cli("set-without-equals", "VARIANT=TEXT", "draft", "{INC}", "--set", "hello", code=2),
    cli("set-too-long", "20,000", "draft", "{INC}", "--set", "x=" + "s" * 20_001),
    cli(
        "show-with-set",
        "cannot be used together",
        "draft",
        "{INC}",
        "--show",
        "--set",
        "x=y",
        code=2,
    ),
    cli(
        "text-with-set",
        "cannot be used together",
        "draft",
        "{INC}",
        "--text",
        "a",
        "--set",
        "x=y",
        code=2,
    ),
    cli(
        "template-with-text",
        "cannot be used together",
        "draft",
        "{INC}",
        "--template",
        "holding",
        "--text",
        "a",
        code=2,
    ),
    cli("unknown-template", "no template", "draft", "{INC}", "--template", "sonnet"),
    cli(
        "reject-long-comment",
        "no draft is waiting for approval",
        "reject",
        "{INC}",
        "--comment",
        "c" * 2_001,
    ),
    cli(
        "override-long-reason",
        "the reason is 2,001 characters long",
        "override",
        "{INC}",
        "phone-number",
        "--reason",
        "r" * 2_001,
    ),
    cli(
        "attest-long-how",
        "(--how) is 81 characters long",
        "attest",
        "{INC}",
        "--for",
        "marcus",
        "--how",
        "h" * 81,
    ),
    # -- pause, resolve, publish --------------------------------------------------------
    cli(
        "dry-run-by-hand",
        "cannot be used together",
        "pause",
        "{INC}",
        "--dry-run",
        "--by-hand",
        "Hootsuite",
        code=2,
    ),
    cli(
        "note-without-by-hand",
        "--note goes with --by-hand",
        "pause",
        "{INC}",
        "--note",
        "done",
        code=2,
    ),
    cli(
        "resume-none-publish",
        "--resume none releases no post",
        "resolve",
        "{INC}",
        "--summary",
        "s",
        "--resume",
        "none",
        "--publish-now",
        "p1",
        code=2,
    ),
    cli(
        "resume-none-reschedule",
        "--resume none releases no post",
        "resolve",
        "{INC}",
        "--summary",
        "s",
        "--resume",
        "none",
        "--reschedule",
        "p1=2026-12-02T09:00Z",
        code=2,
    ),
    cli(
        "resume-all-keep",
        "--resume all releases every post",
        "resolve",
        "{INC}",
        "--summary",
        "s",
        "--resume",
        "all",
        "--keep",
        "p1",
        code=2,
    ),
    cli(
        "keep-and-publish",
        "only one of them",
        "resolve",
        "{INC}",
        "--summary",
        "s",
        "--keep",
        "p1",
        "--publish-now",
        "p1",
        code=2,
    ),
    cli(
        "reschedule-twice",
        "given two times",
        "resolve",
        "{INC}",
        "--summary",
        "s",
        "--reschedule",
        "p1=2026-12-02T09:00Z",
        "--reschedule",
        "p1=2026-12-03T09:00Z",
        code=2,
    ),
    cli(
        "reschedule-no-time",
        "POST=TIME",
        "resolve",
        "{INC}",
        "--summary",
        "s",
        "--reschedule",
        "p1",
        code=2,
    ),
    cli(
        "resume-maybe",
        "'maybe' is not one of",
        "resolve",
        "{INC}",
        "--summary",
        "s",
        "--resume",
        "maybe",
        code=2,
    ),
    cli("summary-empty", "write a resolution summary", "resolve", "{INC}", "--summary", " "),
    cli("summary-too-long", "10,000", "resolve", "{INC}", "--summary", "s" * 10_001),
    cli(
        "url-and-by-hand",
        "cannot be used together",
        "publish",
        "{INC}",
        "--url",
        "https://x.com/1",
        "--by-hand",
        "x=https://x.com/1",
        code=2,
    ),
    cli(
        "on-and-by-hand-same",
        "named twice",
        "publish",
        "{INC}",
        "--on",
        "x",
        "--by-hand",
        "x=https://x.com/1",
        code=2,
    ),
    # -- export and verify --------------------------------------------------------------
    cli(
        "format-and-suffix",
        "disagree",
        "export",
        "{INC}",
        "--format",
        "csv",
        "-o",
        "{DIR}/out.json",
        code=2,
    ),
    cli("export-bad-timezone", "--tz", "export", "{INC}", "--tz", "Mars/Olympus", code=2),
    cli("bad-redact", "'bogus' is not 'names'", "export", "{INC}", "--redact", "bogus", code=2),
    cli("bad-format", "'docx' is not one of", "export", "{INC}", "--format", "docx", code=2),
    cli("export-unknown", "no incident", "export", "INC-NOPE22"),
    cli(
        "verify-not-json",
        "not a runbook JSON export",
        "verify",
        "--export",
        "{FILE}",
        file="e.json",
        new="<html></html>",
    ),
    cli(
        "verify-utf-16",
        "not a runbook JSON export",
        "verify",
        "--export",
        "{FILE}",
        file="e.json",
        new="{}".encode("utf-16"),
    ),
    cli(
        "verify-wrong-json",
        "no format_version",
        "verify",
        "--export",
        "{FILE}",
        file="e.json",
        new='{"a": 1}',
    ),
    cli(
        "verify-all-and-export",
        "do not go together",
        "verify",
        "--all",
        "--export",
        "{FILE}",
        file="e.json",
        new="{}",
        code=2,
    ),
    cli("verify-nothing", "give an incident ID", "verify", code=2),
    cli(
        "resend-key-and-all",
        "cannot be used together",
        "resend",
        "{INC}",
        "--delivery",
        "k1",
        "--all-unknown",
        code=2,
    ),
    cli("inbox-log-and-all", "cannot be used together", "inbox", "--log", "--all", code=2),
    cli(
        "inbox-all-dismiss",
        "do not go with `inbox dismiss`",
        "inbox",
        "--all",
        "dismiss",
        "K",
        code=2,
    ),
    cli("watch-nan", "not a number of seconds", "watch", "{INC}", "--timeout", "nan", code=2),
    cli("watch-negative", "not a number of seconds", "watch", "{INC}", "--timeout", "-1", code=2),
    # -- stores and configuration -------------------------------------------------------
    cli("db-foreign-tables", "holds tables runbook did not make", "--db", "{DIR}/crm.db", "list"),
    cli(
        "db-other-application", "belongs to another application", "--db", "{DIR}/photos.db", "list"
    ),
    cli(
        "db-text-file",
        "not a runbook incident store",
        "--db",
        "{FILE}",
        "list",
        file="notes.db",
        new="just some notes, not a database\n" * 50,
    ),
    cli("db-folder", "cannot open the incident store", "--db", "{DIR}", "list"),
    cli("config-missing", "no such file or folder", "--config", "{DIR}/nowhere", "list"),
    cli(
        "command-id-reused",
        "was already used for `runbook note",
        "--command-id",
        "base-1",
        "note",
        "{INC}",
        "something else",
    ),
    cli("serve-bad-port", "70000", "serve", "--port", "70000", code=2),
    cli(
        "command-id-huge",
        "a command id is 1 to 200 characters; this one is 100,000",
        "--command-id",
        "k" * 100_000,
        "note",
        "{INC}",
        "hi",
        code=2,
    ),
    cli(
        "command-id-empty",
        "a command id is 1 to 200",
        "--command-id",
        " ",
        "note",
        "{INC}",
        "hi",
        code=2,
    ),
    cli(
        "command-id-other-command",
        "was already used for `runbook note",
        "--command-id",
        "base-1",
        "check",
        "{INC}",
        "launch-rockets",
    ),
    cli(
        "title-not-utf8",
        "argument 4 is not UTF-8",
        "declare",
        "offensive-post",
        "--title",
        "\udce9t\udce9",
        code=2,
    ),
    cli(
        "note-not-utf8",
        "argument 3 is not UTF-8 text (byte 0x9b)",
        "note",
        "{INC}",
        "x \udc9b[2J",
        code=2,
    ),
    cli("escape-in-note-id", "\\x1b]0;", "note", "INC-\x1b]0;pwned\x07", "hi"),
    cli(
        "verify-bad-encoding",
        "not a runbook JSON export",
        "verify",
        "--export",
        "{FILE}",
        file="e.json",
        new=b"\xff\xfe{\x00}\x00",
    ),
    cli(
        "edit-utf-32",
        "UTF-32",
        "draft",
        "{INC}",
        "--edit",
        "{FILE}",
        file="d.txt",
        new="--- x\nhi\n".encode("utf-32"),
    ),
    cli("drill-missing", "cannot read", "drill", "{DIR}/no-such-scenario.yaml"),
    cli(
        "drill-report-unplayed",
        "apply to a drill that is played",
        "drill",
        str(ROOT / "playbooks/drills/product-recall-stove.yaml"),
        "--min-score",
        "90",
        code=2,
    ),
    cli(
        "drill-tui-min-score",
        "--min-score checks a headless run",
        "drill",
        str(ROOT / "playbooks/drills/product-recall-stove.yaml"),
        "--tui",
        "--min-score",
        "90",
        code=2,
    ),
]

CASES: list[Case] = VALIDATE + CLI


@dataclass
class Outcome:
    """What a case did."""

    code: int
    stdout: str
    stderr: str
    seconds: float
    before: str
    after: str
    """Digests of the store's events before and after (``validate``: empty)."""
    added: list[str]
    """Types of the events the case added."""


def events_digest(db: Path) -> tuple[str, int]:
    connection = sqlite3.connect(db)
    rows = connection.execute(
        "SELECT incident_id, seq, type, data, hash FROM events ORDER BY incident_id, seq"
    ).fetchall()
    connection.close()
    return hashlib.sha256(repr(rows).encode("utf-8")).hexdigest(), len(rows)


def added_types(db: Path, count: int) -> list[str]:
    connection = sqlite3.connect(db)
    rows = connection.execute(
        "SELECT type FROM events ORDER BY incident_id, seq LIMIT -1 OFFSET ?", (count,)
    ).fetchall()
    connection.close()
    return [row[0] for row in rows]


def prepare(
    case: Case, folder: Path, config: Path, base_db: Path
) -> tuple[list[str], dict[str, str]]:
    """The case's folder, files and environment; returns (argv, env)."""
    env = {**os.environ, "RUNBOOK_OPERATOR": "amara", "RUNBOOK_CONFIG": str(config)}
    for name in ("RUNBOOK_SSH_KEY", "SSH_AUTH_SOCK", "RUNBOOK_DB", "RUNBOOK_LANG"):
        env.pop(name, None)
    target = folder / case.file if case.file else None
    if case.kind == "validate":
        shutil.copytree(config, folder / "config")
        assert case.file
        target = folder / "config" / case.file
        if case.old:
            text = target.read_text(encoding="utf-8")
            assert case.old in text, f"{case.id}: {case.old!r} not in {case.file}"
            content: str | bytes = text.replace(case.old, str(case.new), 1)
        else:
            content = case.new
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
        return ["--config", str(folder / "config"), "validate"], env
    db = folder / "cli.db"
    shutil.copy(base_db, db)
    env["RUNBOOK_DB"] = str(db)
    if target is not None:
        if isinstance(case.new, bytes):
            target.write_bytes(case.new)
        else:
            target.write_text(case.new, encoding="utf-8")
    make_foreign(folder)
    return list(case.args), env


def make_foreign(folder: Path) -> None:
    """Another application's SQLite files, for the ``--db`` cases."""
    crm = sqlite3.connect(folder / "crm.db")
    crm.execute("CREATE TABLE IF NOT EXISTS customers (id INTEGER, name TEXT)")
    crm.commit()
    crm.close()
    photos = sqlite3.connect(folder / "photos.db")
    photos.execute("PRAGMA application_id = 1347568460")
    photos.execute("CREATE TABLE IF NOT EXISTS events (x)")
    photos.commit()
    photos.close()


def run_case(case: Case, folder: Path, config: Path, base_db: Path, incident: str) -> Outcome:
    """Run ``case`` in a subprocess as a person would; the store is checked around it."""
    argv, env = prepare(case, folder, config, base_db)
    db = folder / "cli.db"
    before, count = events_digest(db) if db.exists() else ("", 0)
    argv = [
        part.replace("{INC}", incident)
        .replace("{FILE}", str(folder / case.file))
        .replace("{DIR}", str(folder))
        for part in argv
    ]
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "runbook", *argv],
        capture_output=True,
        env=env,
        cwd=folder,
        timeout=60,
    )
    seconds = time.perf_counter() - start
    after = events_digest(db)[0] if db.exists() else ""
    return Outcome(
        code=result.returncode,
        stdout=result.stdout.decode("utf-8", "replace"),
        stderr=result.stderr.decode("utf-8", "replace"),
        seconds=seconds,
        before=before,
        after=after,
        added=added_types(db, count) if db.exists() else [],
    )


def make_base(folder: Path, config: Path) -> tuple[Path, str]:
    """A store holding one assessed incident with a draft and one command under an id."""
    db = folder / "base.db"
    env = {**os.environ, "RUNBOOK_OPERATOR": "amara", "RUNBOOK_CONFIG": str(config)}
    env["RUNBOOK_DB"] = str(db)
    for name in ("RUNBOOK_SSH_KEY", "SSH_AUTH_SOCK", "RUNBOOK_LANG"):
        env.pop(name, None)

    def run(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "runbook", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert result.returncode == 0, (args, result.stderr)
        return result.stdout

    incident = run("declare", "account-compromised", "--title", "Corpus").split()[-1]
    run(
        "assess",
        incident,
        "--answer=control=partial",
        "--answer=content=spam",
        "--answer=reach=low",
        "--answer=data=none",
        "--answer=scope=one",
    )
    run("draft", incident)
    run("--command-id", "base-1", "note", incident, "first note")
    return db, incident
