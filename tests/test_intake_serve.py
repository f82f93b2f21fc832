"""The intake inbox through a real ``runbook serve`` on 127.0.0.1 (a subprocess), driven by an
HTTP client: PagerDuty Events API v2 events, a listening tool's webhook, the staff report form,
``runbook report`` from the command line, and every bad post refused and logged.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from runbook.engine import Engine
from runbook.loading import load_workspace
from runbook.store.sqlite import SqliteStore
from tests.conftest import ROOT
from tests.test_notify_channels import free_port

PD_KEY = "canary-routing-key-Hq3Zt8Lm2Vx6Pw1"
LISTENING = "canary-listening-token-Rt5Kb7Nc"
SECRET = "canary-link-secret-Intake-Qm7Zt2"


@dataclass
class Server:
    url: str
    db: Path
    env: dict[str, str]
    engine: Engine

    def post(
        self,
        path: str,
        body: bytes | Any,
        *,
        content_type: str = "application/json",
        **headers: str,
    ) -> tuple[int, dict[str, Any]]:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path, data=data, headers={"Content-Type": content_type, **headers}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def cli(self, *args: str, operator: str | None = "tom") -> subprocess.CompletedProcess[str]:
        env = dict(self.env)
        if operator:
            env["RUNBOOK_OPERATOR"] = operator
        return subprocess.run(
            [sys.executable, "-m", "runbook", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=120,
        )

    def warning(self, key: str) -> Any:
        return self.engine.warning(key)


def start_server(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """``runbook serve`` on 127.0.0.1:``port``, answering its health check."""
    process = subprocess.Popen(
        [sys.executable, "-m", "runbook", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(process.stderr.read().decode()) from None
            time.sleep(0.1)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, config_dir: Path) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("intake")
    db = folder / "intake.db"
    port = free_port()
    env = {
        **os.environ,
        "RUNBOOK_DB": str(db),
        "RUNBOOK_CONFIG": str(config_dir),
        "RUNBOOK_LINK_SECRET": SECRET,
        "RUNBOOK_INTAKE_PAGERDUTY_KEY": PD_KEY,
        "RUNBOOK_INTAKE_LISTENING_TOKEN": LISTENING,
    }
    env.pop("RUNBOOK_OPERATOR", None)
    process = start_server(env, port)
    url = f"http://127.0.0.1:{port}"
    workspace = load_workspace([config_dir / "playbooks", config_dir / "contacts"])
    engine = Engine(SqliteStore(db), workspace, operator="tom")
    yield Server(url, db, env, engine)
    process.terminate()
    try:
        _, stderr = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        _, stderr = process.communicate()
    engine.store.close()
    for secret in (PD_KEY, LISTENING, SECRET):
        assert secret.encode() not in stderr, "no token is ever printed"
        assert secret.encode() not in db.read_bytes(), "no token is ever stored"


def trigger(dedup: str | None, summary: str, **extra: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "routing_key": PD_KEY,
        "event_action": "trigger",
        "payload": {"summary": summary, "source": "brand-monitor", "severity": "critical"},
        "links": [{"href": "https://x.com/brand/status/1", "text": "the post"}],
        **extra,
    }
    if dedup:
        event["dedup_key"] = dedup
    return event


# -- PagerDuty Events API v2 -----------------------------------------------------------------


def test_a_pagerduty_trigger_repeat_and_resolve_are_one_warning_on_the_inbox(server: Server):
    status, body = server.post("/v2/enqueue", trigger("scam-dm-1", "Scam DMs sent from @brand"))
    assert (status, body) == (
        202,
        {"status": "success", "message": "Event processed", "dedup_key": "scam-dm-1"},
    )
    assert server.post("/v2/enqueue", trigger("scam-dm-1", "Scam DMs, still going"))[0] == 202

    warning = server.warning("pagerduty:scam-dm-1")
    assert warning.count == 2, "a repeat with the same dedup_key is grouped with a count"
    assert warning.summary == "Scam DMs, still going"
    assert warning.link == "https://x.com/brand/status/1"
    assert warning.received_by == "pagerduty (token:pagerduty)"
    assert warning.status == "new"
    assert not server.engine.incidents(), "a warning never becomes an incident on its own"

    acknowledge = {"routing_key": PD_KEY, "event_action": "acknowledge", "dedup_key": "scam-dm-1"}
    assert server.post("/v2/enqueue", acknowledge)[0] == 202
    assert server.warning("pagerduty:scam-dm-1").status == "acknowledged"
    assert "pagerduty:scam-dm-1 ×2 [acknowledged]" in server.cli("inbox").stdout
    resolve = {"routing_key": PD_KEY, "event_action": "resolve", "dedup_key": "scam-dm-1"}
    assert server.post("/v2/enqueue", resolve) == (
        202,
        {"status": "success", "message": "Event processed", "dedup_key": "scam-dm-1"},
    )
    assert server.warning("pagerduty:scam-dm-1").status == "resolved"

    assert server.post("/v2/enqueue", trigger("scam-dm-1", "Scam DMs are back"))[0] == 202
    again = server.warning("pagerduty:scam-dm-1")
    assert (again.status, again.count) == ("new", 3), "triggered again after resolve: waiting"


def test_a_trigger_without_dedup_key_gets_one_back(server: Server):
    status, body = server.post("/v2/enqueue", trigger(None, "Hashtag trending against us"))
    assert status == 202
    assert re.fullmatch(r"[0-9a-f]{32}", body["dedup_key"])
    assert server.warning(f"pagerduty:{body['dedup_key']}").summary == "Hashtag trending against us"


def test_bad_pagerduty_events_are_refused_with_errors_and_logged(server: Server):
    wrong_key = {**trigger("x", "hello"), "routing_key": "not-the-key"}
    status, body = server.post("/v2/enqueue", wrong_key)
    assert status == 401
    assert body["errors"] == ["'routing_key' is not valid"]

    missing = trigger("x", "")
    missing["payload"].pop("severity")
    status, body = server.post("/v2/enqueue", missing)
    assert status == 400
    assert body["status"] == "invalid event"
    assert "'payload.summary' is required" in body["errors"]
    assert any("payload.severity" in error for error in body["errors"])

    status, body = server.post("/v2/enqueue", b"{not json")
    assert (status, body["errors"]) == (400, ["not JSON"])

    huge = trigger("x", "y" * 100_000)
    status, body = server.post("/v2/enqueue", huge)
    assert status == 413
    assert body["message"] == "Request too large"

    refused = [r for r in server.engine.intake_log() if r.type == "IntakeRefused"]
    assert {r.status for r in refused} >= {400, 401, 413}
    assert all(r.client == "127.0.0.1" and r.proof == "none" for r in refused)
    assert "x" not in {w.key.split(":")[-1] for w in server.engine.inbox()}, "nothing refused lands"
    log = server.cli("inbox", "--log").stdout
    assert "IntakeRefused  pagerduty  by pagerduty (none) from 127.0.0.1" in log
    assert "401 Unknown routing key: 'routing_key' is not valid" in log


# -- a listening tool ------------------------------------------------------------------------


def test_a_listening_tool_posts_with_its_own_token(server: Server):
    alert = {
        "id": "mention-77",
        "text": "Video of our CEO shouting goes viral",
        "url": "https://tiktok.com/@x/1",
    }
    status, body = server.post("/intake/listening", alert, Authorization=f"Bearer {LISTENING}")
    assert (status, body["key"]) == (202, "webhook:listening:mention-77")
    warning = server.warning("webhook:listening:mention-77")
    assert warning.summary == "Video of our CEO shouting goes viral"
    assert warning.link == "https://tiktok.com/@x/1"
    assert warning.received_by == "listening (token:listening)"
    assert server.engine.suggest_playbook(warning.key) == "conduct-viral"

    status, body = server.post("/intake/listening", alert, Authorization=f"Bearer {PD_KEY}")
    assert status == 401, "another source's token does not open this one"
    assert server.post("/intake/listening", alert)[0] == 401
    assert server.post("/intake/nobody", alert, Authorization=f"Bearer {LISTENING}")[0] == 401
    assert server.warning("webhook:listening:mention-77").count == 1

    repeat = {**alert, "text": "Video of our CEO shouting: 2M views"}
    assert server.post("/intake/listening", repeat, Authorization=f"Bearer {LISTENING}")[0] == 202
    grouped = server.warning("webhook:listening:mention-77")
    assert (grouped.count, grouped.summary) == (2, "Video of our CEO shouting: 2M views")

    bearer = {"Authorization": f"Bearer {LISTENING}"}
    assert server.post("/intake/listening", b"[1, 2", **bearer) == (
        400,
        {"status": "invalid event", "message": "Event object is invalid", "errors": ["not JSON"]},
    )
    status, body = server.post("/intake/listening", {"id": "m-2", "url": "https://x"}, **bearer)
    assert (status, body["errors"]) == (400, ["'text' is missing or empty (the alert's text)"])
    huge = {**alert, "text": "y" * 70_000}
    assert server.post("/intake/listening", huge, **bearer)[0] == 413
    refused = [r for r in server.engine.intake_log() if r.source == "webhook:listening"]
    assert {r.status for r in refused if r.type == "IntakeRefused"} == {400, 401, 413}


def test_a_source_whose_token_is_not_set_is_named_at_start_and_refuses_every_post(
    server: Server,
):
    env = {**server.env, "RUNBOOK_DB": str(server.db.with_name("untokened.db"))}
    env.pop("RUNBOOK_INTAKE_LISTENING_TOKEN")
    port = free_port()
    process = start_server(env, port)
    try:
        alert = {"id": "m-1", "text": "hello", "url": "https://x.com/1"}
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/intake/listening",
            data=json.dumps(alert).encode(),
            headers={"Content-Type": "application/json", "Authorization": "Bearer "},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 401
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    said = stderr.decode()
    assert (
        "intake source listening refuses every post until RUNBOOK_INTAKE_LISTENING_TOKEN is set"
        in said
    )
    assert "pagerduty refuses" not in said, "a source whose token is set is not named"
    assert PD_KEY not in said


# -- staff reports ---------------------------------------------------------------------------


def test_an_employee_reports_from_the_command_line_and_the_on_call_person_sees_it(
    server: Server,
):
    done = server.cli(
        "report", "A customer says our app leaked their data", "--link", "https://x.com/c/9"
    )
    assert done.returncode == 0, done.stderr
    key = re.search(r"warning (report:\w+)", done.stdout).group(1)
    warning = server.warning(key)
    assert warning.summary == "A customer says our app leaked their data"
    assert warning.received_by == "tom (claimed)"

    shown = server.cli("inbox")
    assert key in shown.stdout
    assert "leaked their data" in shown.stdout

    empty = server.cli("report", "   ")
    assert empty.returncode == 1
    assert empty.stderr.strip() == "runbook: say what you saw (the report's text is empty)"
    in_french = server.cli("--lang", "fr", "report", "vu ceci", "--link", "x.com/1")
    assert in_french.returncode == 1
    assert in_french.stderr.strip() == ("runbook: le lien doit commencer par http:// ou https://")


def browser(*headers: tuple[str, str]) -> urllib.request.OpenerDirector:
    """A client that keeps cookies, as a browser does (the form's anti-forgery cookie)."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    opener.addheaders = list(headers)
    return opener


def csrf_in(page: str) -> str:
    """The anti-forgery token of the form on ``page``."""
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None, "the page has a form with its anti-forgery token"
    return found.group(1)


def form_post(url: str, form: dict[str, str]) -> urllib.request.Request:
    """A POST of ``form`` to ``url``, encoded as a browser sends it."""
    return urllib.request.Request(url, data=urllib.parse.urlencode(form).encode())


def test_the_report_form_takes_a_report_and_refuses_a_forged_one(server: Server):
    opener = browser()
    with opener.open(server.url + "/report", timeout=30) as answer:
        page = answer.read().decode()
    csrf = csrf_in(page)
    form = {"csrf": csrf, "name": "Noor", "text": "<script>alert(1)</script> odd post", "link": ""}
    request = form_post(server.url + "/report", form)
    with opener.open(request, timeout=30) as answer:
        assert answer.status == 200
        assert "Thank you" in answer.read().decode()
    found = [w for w in server.engine.inbox() if w.summary.endswith("odd post")]
    assert [w.received_by for w in found] == ["Noor (claimed)"]

    forged = form_post(server.url + "/report", {**form, "csrf": "x"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(forged, timeout=30)
    assert refused.value.code == 403


def test_a_refused_report_gets_the_form_back_saying_why_with_what_was_typed(server: Server):
    opener = browser()
    with opener.open(server.url + "/report", timeout=30) as answer:
        csrf = csrf_in(answer.read().decode())
    before = len(server.engine.intake_log())
    form = {"csrf": csrf, "name": "Noor", "text": "   ", "link": "https://x.com/q/1"}
    blank = form_post(server.url + "/report", form)
    with pytest.raises(urllib.error.HTTPError) as refused:
        opener.open(blank, timeout=30)
    assert refused.value.code == 400
    page = refused.value.read().decode()
    assert "say what you saw (the report&#39;s text is empty)" in page, "why, in words"
    assert 'value="Noor"' in page, "nothing typed is lost"
    assert 'value="https://x.com/q/1"' in page
    assert '<form method="post"' in page, "the form, ready to send again"
    logged = server.engine.intake_log()[before:]
    assert [(r.type, r.source, r.status, r.client) for r in logged] == [
        ("IntakeRefused", "report", 400, "127.0.0.1")
    ]

    typed = {"csrf": "stale", "name": "Noor", "text": "<b>A post</b> about us", "link": ""}
    stale = form_post(server.url + "/report", typed)
    with pytest.raises(urllib.error.HTTPError) as forged:
        opener.open(stale, timeout=30)
    assert forged.value.code == 403
    page = forged.value.read().decode()
    assert "Nothing was recorded" in page
    assert "&lt;b&gt;A post&lt;/b&gt; about us</textarea>" in page, "given back, escaped"
    fresh = csrf_in(page)
    again = form_post(server.url + "/report", {**typed, "csrf": fresh})
    with opener.open(again, timeout=30) as answer:
        assert "Thank you" in answer.read().decode(), "the form it gave back works"


def test_the_report_form_speaks_french_to_a_french_browser(server: Server):
    opener = browser(("Accept-Language", "fr-FR,fr;q=0.9,en;q=0.5"))
    with opener.open(server.url + "/report", timeout=30) as answer:
        page = answer.read().decode()
    assert '<html lang="fr">' in page
    assert "Votre nom" in page
    csrf = csrf_in(page)
    form = {"csrf": csrf, "name": "Noor", "text": "publication bizarre", "link": ""}
    request = form_post(server.url + "/report", form)
    with opener.open(request, timeout=30) as answer:
        thanked = answer.read().decode()
    assert "Merci" in thanked
    assert "votre signalement" in thanked

    csrf = csrf_in(thanked)
    bad = {"csrf": csrf, "name": "Noor", "text": "publication bizarre", "link": "ftp://x/1"}
    request = form_post(server.url + "/report", bad)
    with pytest.raises(urllib.error.HTTPError) as refused:
        opener.open(request, timeout=30)
    assert refused.value.code == 400
    page = refused.value.read().decode()
    assert "Non envoyé" in page
    assert "le lien doit commencer par http:// ou https://" in page


def test_the_on_call_person_declares_from_a_warning_and_dismisses_another_from_the_cli(
    server: Server,
):
    server.post("/v2/enqueue", trigger("recall-7", "Customers report our heater caught fire"))
    server.post("/v2/enqueue", trigger("troll-1", "Parody account mocks our ad"))
    listed = server.cli("inbox").stdout
    assert "pagerduty:recall-7  suggests product-recall" in listed, "the suggestion, before"
    suggested = {w["key"]: w["suggested"] for w in json.loads(server.cli("inbox", "--json").stdout)}
    assert suggested["pagerduty:recall-7"] == "product-recall"
    declared = server.cli("inbox", "declare", "pagerduty:recall-7")
    assert declared.returncode == 0, declared.stderr
    incident_id = declared.stdout.strip()
    incident = server.engine.incident(incident_id)
    assert incident.playbook.id == "product-recall", "suggested by the playbook's keywords"
    assert incident.title == "Customers report our heater caught fire"
    linked = [e for e in server.engine.timeline(incident_id) if e.type == "WarningLinked"]
    assert (linked[0].source, linked[0].link) == ("pagerduty", "https://x.com/brand/status/1")

    again = server.cli("inbox", "declare", "pagerduty:recall-7")
    assert again.returncode == 1
    assert f"incident {incident_id} was already declared from it" in again.stderr

    dismissed = server.cli("inbox", "dismiss", "pagerduty:troll-1", "--reason", "known parody")
    assert dismissed.returncode == 0, dismissed.stderr
    waiting = server.cli("inbox").stdout
    assert "recall-7" not in waiting
    assert "troll-1" not in waiting
    everything = server.cli("inbox", "--all").stdout
    assert f"[declared] {incident_id}" in everything
    assert "[dismissed]" in everything


def test_a_warning_with_a_lone_surrogate_or_escapes_is_refused_or_shown_inert(server: Server):
    lone = json.dumps(trigger("surrogate", "fire \ud800 here")).encode()  # JSON's own \ud800
    status, body = server.post("/v2/enqueue", lone)
    assert status == 400, body
    status, _body = server.post("/v2/enqueue", trigger("escapes", "Clear \x1b[2J\x1b]0;t\x07"))
    assert status == 202
    assert server.warning("pagerduty:escapes").summary == "Clear \x1b[2J\x1b]0;t\x07"
    shown = server.cli("inbox")
    assert "\x1b" not in shown.stdout + shown.stderr
    assert "\\x1b[2J" in shown.stdout
    healthy = urllib.request.urlopen(f"{server.url}/healthz", timeout=5)
    assert healthy.status == 200
