"""Approval links and ``runbook serve``: a real server on 127.0.0.1 (a subprocess), links that
arrive by email through a real SMTP server (aiosmtpd), approvals pressed in a real headless
Chromium, and every attack on a link refused and recorded.
"""

from __future__ import annotations

import html
import http.cookiejar
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from runbook.effects.ssh import Signer
from runbook.effects.wiring import build_effects
from runbook.engine import Engine
from runbook.engine.link_keys import LinkClaim, LinkKeys
from runbook.loading import load_workspace
from runbook.model import events as ev
from runbook.store.sqlite import SqliteStore
from tests.browser import Browser
from tests.conftest import ROOT
from tests.signing import approve_as, with_keys
from tests.test_engine import SEV1_ACCOUNT
from tests.test_notify_channels import (
    PASSWORD,
    SECRET_PATH,
    USER,
    MailServer,
    Receiver,
    free_port,
)

SECRET = "canary-link-secret-Qm7Zt2Lw9Xc4"
"""The server's link secret (a canary: it must appear nowhere)."""


@dataclass
class Site:
    """A running approval server and what the test needs around it."""

    url: str
    config: Path
    db: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    mail: MailServer
    engine: Engine
    keyring: dict[str, Path]

    def cli(self, *args: str, operator: str = "tom") -> subprocess.CompletedProcess[str]:
        env = {**self.env, "RUNBOOK_OPERATOR": operator}
        return subprocess.run(
            [sys.executable, "-m", "runbook", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=120,
        )

    def links(self) -> dict[str, str]:
        """Approval link per recipient address, from the emails received (newest wins)."""
        found = {}
        for message in self.mail.handler.parsed():
            if "Approval needed" not in str(message["Subject"]):
                continue
            match = re.search(r"http://\S+/approve/\S+", message.get_content())
            if match:
                found[message["To"].addresses[0].addr_spec] = match.group(0)
        return found

    def link(self, person: str) -> str:
        address = self.engine.workspace.contacts.person(person).email
        return self.links()[address]


def _config(folder: Path, base: Path, mail: MailServer, port: int) -> Path:
    shutil.copytree(base, folder)
    (folder / "contacts" / "channels.yaml").write_text(
        "channels:\n"
        f"  email: {{kind: smtp, host: 127.0.0.1, port: {mail.port}, security: none,\n"
        "          sender: crisis@example.com, username_env: RUNBOOK_SMTP_USER,\n"
        "          password_env: RUNBOOK_SMTP_PASSWORD, timeout: 5s}\n"
        "  chat: {kind: webhook, url_env: RUNBOOK_CHAT_WEBHOOK_URL}\n"
        "  console: {kind: console}\n"
        "approval_links:\n"
        f"  base_url: http://127.0.0.1:{port}\n"
        "  valid_for: 2h\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def site(tmp_path: Path, config_dir: Path, keyring, monkeypatch) -> Iterator[Site]:
    mail = MailServer()
    mail.start()
    hook = Receiver()
    hook.thread.start()
    port = free_port()
    config = _config(tmp_path / "config", config_dir, mail, port)
    db = tmp_path / "serve.db"
    env = {
        **os.environ,
        "RUNBOOK_DB": str(db),
        "RUNBOOK_CONFIG": str(config),
        "RUNBOOK_LINK_SECRET": SECRET,
        "RUNBOOK_SMTP_USER": USER,
        "RUNBOOK_SMTP_PASSWORD": PASSWORD,
        "RUNBOOK_CHAT_WEBHOOK_URL": hook.url,
    }
    env.pop("RUNBOOK_OPERATOR", None)
    for name in (
        "RUNBOOK_SMTP_USER",
        "RUNBOOK_SMTP_PASSWORD",
        "RUNBOOK_LINK_SECRET",
        "RUNBOOK_CHAT_WEBHOOK_URL",
    ):
        monkeypatch.setenv(name, env[name])
    workspace = load_workspace([config / "playbooks", config / "contacts"])
    engine = Engine(
        SqliteStore(db),
        workspace,
        operator="tom",
        effects=build_effects(workspace, config / "contacts"),
        link_keys=LinkKeys(SECRET.encode()),
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "runbook", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(process.stderr.read().decode()) from None
            time.sleep(0.1)
    yield Site(url, config, db, env, process, mail, engine, keyring)
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    mail.stop()
    hook.server.shutdown()
    hook.server.server_close()
    engine.store.close()


def submitted(site: Site) -> str:
    """A SEV1 incident by tom with the holding statement D1 submitted (links emailed)."""
    engine = site.engine
    incident_id = engine.declare("account-compromised", "Scam DMs from our account").id
    engine.assess(incident_id, SEV1_ACCOUNT)
    engine.pause(incident_id)
    engine.notify(incident_id)
    engine.start_draft(incident_id)
    engine.submit(incident_id)
    return incident_id


class Client:
    """An HTTP client with a cookie jar (a browser without JavaScript)."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, url: str, **headers: str) -> tuple[int, str]:
        request = urllib.request.Request(url, headers=headers)
        return self._send(request)

    def post(self, url: str, form: dict[str, str], **headers: str) -> tuple[int, str]:
        body = urllib.parse.urlencode(form).encode()
        request = urllib.request.Request(
            url,
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
        )
        return self._send(request)

    def _send(self, request: urllib.request.Request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=30) as answer:
                return answer.status, answer.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8")

    def form(self, page: str) -> dict[str, str]:
        """The hidden fields of the decision form on ``page``."""
        fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))
        assert {"csrf", "shown"} <= set(fields), "the page has a decision form"
        return fields


def refusals(site: Site, incident_id: str) -> list[Any]:
    return [
        e
        for e in site.engine.timeline(incident_id)
        if isinstance(e, ev.LinkRefused | ev.ActionRefused)
    ]


# -- the happy path, in a real browser on a phone ---------------------------------------------


def test_an_approver_opens_the_link_on_a_phone_and_approves_in_a_real_browser(site: Site):
    incident_id = submitted(site)
    link = site.link("elena")
    assert SECRET not in link
    browser = Browser()
    try:
        browser.phone()
        browser.open(link)
        text = browser.text()
        assert "Approve this statement?" in text
        assert "What approving means" in text
        assert "Scam DMs from our account" in text
        draft = site.engine.incident(incident_id).drafts["D1"]
        assert next(iter(draft.variants.values()))[:40] in text
        assert browser.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert not site.engine.incident(incident_id).drafts["D1"].approvals, "GET changed nothing"
        browser.click("#approve")
        assert "Approved" in browser.text()
    finally:
        browser.close()
    status = site.cli("status", incident_id, "--json")
    assert status.returncode == 0, status.stderr
    (draft,) = json.loads(status.stdout)["drafts"]
    (approval,) = draft["approvals"]
    assert (approval["person"], approval["proof"], approval["counts"]) == ("elena", "link", True)
    text = site.cli("status", incident_id).stdout
    assert "approved by elena (comms_lead)" in text
    assert "approval link" in text
    assert site.engine.verify(incident_id).links == 1


def test_the_page_speaks_french_to_a_french_browser(site: Site):
    submitted(site)
    status, page = Client().get(site.link("elena"), **{"Accept-Language": "fr-FR,fr;q=0.9"})
    assert status == 200
    assert "Approuver cette déclaration ?" in page
    assert "Ce que signifie approuver" in page
    status, page = Client().get(site.link("elena") + "?lang=en")
    assert "Approve this statement?" in page


def test_an_approver_decides_in_french_and_every_answer_is_in_french(site: Site):
    incident_id = submitted(site)
    link = site.link("elena") + "?lang=fr"
    client = Client()
    status, page = client.get(link)
    assert status == 200
    assert '<html lang="fr">' in page
    assert "Approuver une déclaration" in page
    forged, refused = client.post(link, {"decision": "approve"})
    assert forged == 403
    assert "Refusé" in refused
    assert "le jeton anti-falsification de la page manque ou est faux" in refused
    status, page = client.get(link)
    status, done = client.post(link, {**client.form(page), "decision": "approve"})
    assert status == 200
    assert "Approuvé" in done
    assert f"Inscrit sur l’incident {incident_id} au nom de" in done
    assert "lien d’approbation" in done, "how the approval was proven, in French"
    assert re.search(r"\d{1,2}(er)? \w+ 20\d\d à \d\d:\d\d UTC", done), "a French date"
    status, missing = Client().get(site.url + "/nowhere?lang=fr")
    assert status == 404
    assert "Introuvable" in missing
    status, altered = Client().get(site.link("elena")[:-3] + "abc?lang=fr")
    assert status in (404, 410)
    assert "ce lien a été modifié" in altered or "ce lien ne peut pas être lu" in altered


def test_the_page_shows_the_findings_their_overrides_and_who_else_approved_and_how(site: Site):
    engine = _signed(site)
    incident_id = engine.declare("account-compromised", "Scam DMs from our account").id
    engine.assess(incident_id, SEV1_ACCOUNT)
    engine.pause(incident_id)
    engine.notify(incident_id)
    engine.start_draft(incident_id)
    engine.edit_draft(incident_id, "D1", {"x": "Fake news. Our account was hacked; we are on it."})
    engine.operator, engine.signer = "marcus", Signer(site.keyring["marcus"], interactive=False)
    engine.override(incident_id, "dismissive-labels", "We name the scam as fake, on purpose")
    engine.operator, engine.signer = "tom", None
    engine.submit(incident_id)
    approve_as(engine, "priya", site.keyring, incident_id)
    status, page = Client().get(site.link("elena"))
    assert status == 200
    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    assert "dismissive-labels" in text
    assert "overridden by Marcus Bell: We name the scam as fake, on purpose" in text
    assert "Approvals so far" in text
    assert "Priya Nair" in text
    assert "SSH signature SHA256:" in text, "how each approval was proven"
    assert "Fake news. Our account was hacked; we are on it." in text


# -- what a link page never does -----------------------------------------------------------------


def test_a_get_never_approves_and_records_nothing(site: Site):
    incident_id = submitted(site)
    before = len(site.engine.timeline(incident_id))
    client = Client()
    for _ in range(3):  # a mail scanner opening the link again and again
        status, page = client.get(site.link("elena"))
        assert status == 200
    assert len(site.engine.timeline(incident_id)) == before
    assert not site.engine.incident(incident_id).drafts["D1"].approvals


def test_a_post_without_the_anti_forgery_token_is_refused_and_recorded(site: Site):
    incident_id = submitted(site)
    link = site.link("elena")
    client = Client()
    _, page = client.get(link)
    form = client.form(page)
    status, page = client.post(link, {"decision": "approve", "shown": form["shown"]})
    assert status == 403
    assert "anti-forgery token is missing or wrong" in page
    status, _ = Client().post(link, {**form, "decision": "approve"})  # token without cookie
    assert status == 403
    assert not site.engine.incident(incident_id).drafts["D1"].approvals
    refused = [e for e in refusals(site, incident_id) if isinstance(e, ev.LinkRefused)]
    assert len(refused) == 2
    assert all(e.person == "elena" and "anti-forgery" in e.reason for e in refused)


def test_a_post_from_another_site_is_refused(site: Site):
    incident_id = submitted(site)
    link = site.link("elena")
    client = Client()
    _, page = client.get(link)
    status, _ = client.post(
        link, {**client.form(page), "decision": "approve"}, Origin="https://evil.example"
    )
    assert status == 403
    assert not site.engine.incident(incident_id).drafts["D1"].approvals


def test_a_replayed_link_is_refused_and_recorded(site: Site):
    incident_id = submitted(site)
    link = site.link("elena")
    client = Client()
    _, page = client.get(link)
    form = client.form(page)
    status, page = client.post(link, {**form, "decision": "approve"})
    assert status == 200
    assert "Approved" in page
    status, page = client.post(link, {**form, "decision": "approve"})
    assert status == 409
    assert "this link was already used" in page
    status, page = client.get(link)
    assert status == 410
    assert "this link was already used" in page
    incident = site.engine.incident(incident_id)
    assert len(incident.drafts["D1"].approvals) == 1
    assert any("already used" in e.reason for e in refusals(site, incident_id))


def test_a_link_with_one_byte_changed_is_refused_and_recorded(site: Site):
    incident_id = submitted(site)
    link = site.link("elena")
    client = Client()
    _, page = client.get(link)
    form = client.form(page)
    payload, mac = link.rsplit("/", 1)[1].split(".")
    flipped = mac[:-2] + ("A" if mac[-2] != "A" else "B") + mac[-1]
    tampered = link.rsplit("/", 1)[0] + f"/{payload}.{flipped}"
    status, page = client.get(tampered)
    assert status in (404, 410)
    assert "this link was altered" in page
    status, page = client.post(tampered, {**form, "decision": "approve"})
    assert status in (403, 409)
    assert not site.engine.incident(incident_id).drafts["D1"].approvals
    assert any("altered" in e.reason for e in refusals(site, incident_id))


def test_someone_elses_link_cannot_be_turned_into_yours(site: Site):
    """Tom (the author) takes elena's link and puts his own name in it: the signature no
    longer matches. Elena's link stays elena's: it never approves as tom."""
    import base64

    incident_id = submitted(site)
    link = site.link("elena")
    payload, mac = link.rsplit("/", 1)[1].split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["p"] = "tom"
    forged = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    url = link.rsplit("/", 1)[0] + f"/{forged}.{mac}"
    client = Client()
    status, page = client.get(url)
    assert "this link was altered" in page
    _, real = client.get(link)
    status, page = client.post(url, {**client.form(real), "decision": "approve"})
    assert status in (403, 409)
    assert "tom" not in site.links(), "the author is never sent a link"
    assert not site.engine.incident(incident_id).drafts["D1"].approvals
    (refused,) = [e for e in refusals(site, incident_id) if isinstance(e, ev.LinkRefused)]
    assert "altered" in refused.reason


def test_an_expired_link_is_refused_with_a_page_that_says_so(site: Site):
    incident_id = submitted(site)
    incident = site.engine.incident(incident_id)
    (issued,) = [link for link in incident.links.values() if link.person == "elena"]
    claim = LinkClaim(
        incident_id,
        "D1",
        issued.version,
        issued.content_hash,
        "elena",
        issued.link_id,
        datetime.now(UTC) - timedelta(minutes=1),
    )
    url = f"{site.url}/approve/{LinkKeys(SECRET.encode()).make(claim)}"
    client = Client()
    status, page = client.get(url)
    assert status == 410
    assert "this link expired at" in page
    status, page = client.post(url, {"decision": "approve", "csrf": "x", "shown": "y"})
    assert status == 403
    assert any(isinstance(e, ev.LinkRefused) for e in refusals(site, incident_id))
    assert not site.engine.incident(incident_id).drafts["D1"].approvals


def test_a_link_for_an_older_version_shows_the_new_text_and_cannot_approve_it(site: Site):
    incident_id = submitted(site)
    old = site.link("elena")
    client = Client()
    _, page = client.get(old)
    form = client.form(page)
    site.engine.edit_draft(incident_id, "D1", {"x": "We know our account sent scam DMs."})
    status, page = client.get(old)
    assert status == 410
    assert "The statement changed since this link was sent" in page
    assert "We know our account sent scam DMs." in page, "the new text is shown for reading"
    assert 'id="approve"' not in page
    status, page = client.post(old, {**form, "decision": "approve"})
    assert status == 409
    assert "the statement changed since this link was sent" in page
    assert any(
        isinstance(e, ev.LinkRefused) and "statement changed" in e.reason
        for e in refusals(site, incident_id)
    ), "the refused use is recorded"
    site.engine.submit(incident_id)  # resubmitted: a fresh link for the new text
    fresh = site.link("elena")
    assert fresh != old
    _, page = client.get(old)
    assert "A newer personal link" in page
    _, page = client.get(fresh)
    status, page = client.post(fresh, {**client.form(page), "decision": "approve"})
    assert status == 200
    draft = site.engine.incident(incident_id).drafts["D1"]
    assert [a.person for a in draft.current_approvals()] == ["elena"]


def test_a_rejection_through_a_link_needs_a_comment_and_is_recorded_as_the_approver(
    site: Site,
):
    incident_id = submitted(site)
    link = site.link("marcus")
    client = Client()
    _, page = client.get(link)
    form = client.form(page)
    status, page = client.post(link, {**form, "decision": "reject"})
    assert status == 409
    assert "say why you reject" in page
    status, page = client.post(link, {**form, "decision": "reject", "comment": "Too defensive"})
    assert status == 200
    assert "Rejected" in page
    rejected = [e for e in site.engine.timeline(incident_id) if isinstance(e, ev.DraftRejected)]
    assert rejected[-1].actor == "marcus"
    assert rejected[-1].proof is not None
    assert rejected[-1].proof.method == "link"


def test_too_many_decisions_from_one_client_are_slowed_down(site: Site):
    submitted(site)
    link = site.link("elena")
    codes = [Client().post(link, {"decision": "approve"})[0] for _ in range(12)]
    assert codes[:10] == [403] * 10
    assert codes[10:] == [429, 429]


def test_secrets_appear_in_no_event_export_page_or_log(site: Site):
    incident_id = submitted(site)
    client = Client()
    _, page = client.get(site.link("elena"))
    client.post(site.link("elena"), {**client.form(page), "decision": "approve"})
    for person in ("priya", "marcus", "daniel"):
        approve_as(
            _signed(site), person, site.keyring, incident_id
        )  # the others sign in a terminal
    rows = site.engine.stored_rows(incident_id)
    exports = [
        site.cli("export", incident_id, "--format", f).stdout for f in ("md", "json", "csv", "html")
    ]
    assert all(incident_id in text for text in exports)
    site.process.terminate()
    _, log = site.process.communicate(timeout=10)
    token = site.link("elena").rsplit("/", 1)[1]
    for text in [json.dumps(rows), *exports, page, log.decode()]:
        assert SECRET not in text
        assert PASSWORD not in text
        assert SECRET_PATH not in text, "the chat webhook's URL is a secret"
        assert token not in text, "a link is a secret too: only its id is recorded"


def _signed(site: Site) -> Engine:
    """An engine on the site's store whose workspace lists the test keys."""
    engine = site.engine
    engine.workspace = with_keys(engine.workspace, site.keyring)
    return engine


def test_the_record_of_an_approval_request_keeps_a_stand_in_never_the_link(site: Site):
    incident_id = submitted(site)
    links = site.links()
    assert links, "personal links were emailed"
    asked = [m for m in site.engine.messages(incident_id) if m.purpose == "approval request"]
    emailed = [m for m in asked if m.channel == "email"]
    assert emailed
    for message in emailed:
        assert "[personal approval link, sent only to them]" in message.text
        assert all(link not in message.text for link in links.values())
