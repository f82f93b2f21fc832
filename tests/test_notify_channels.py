"""Notification channels against real servers: an aiosmtpd mail server and an HTTP webhook
receiver, both on 127.0.0.1, started by these tests. No timing assertions: concurrency is
shown by the receiver seeing requests overlap, retries by counting attempts and waits."""

from __future__ import annotations

import base64
import email
import email.policy
import json
import logging
import socket
import ssl
import subprocess
import threading
import time
import urllib.parse
from collections import deque
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from runbook.effects import Message, Wait
from runbook.effects.notify import MaybeDelivered
from runbook.effects.notify.console import ConsoleChannel
from runbook.effects.notify.fanout import MAX_RETRY_AFTER, MAX_WAIT, build_channels, deliver_all
from runbook.effects.notify.smtp import SmtpEmail, email_message_id
from runbook.effects.notify.webhook import ChatWebhook
from runbook.errors import EffectError
from runbook.model import contacts as spec

PASSWORD = "s3cr3t-P@ss"
USER = "crisis-bot"
SECRET_PATH = "/hooks/T0KEN-SECRET"
ENV = {"RUNBOOK_SMTP_USER": USER, "RUNBOOK_SMTP_PASSWORD": PASSWORD}


def message(person: str = "amara", *, channel: str = "email", address: str = "") -> Message:
    """A notification like the engine composes (see runbook.model.messages.notification)."""
    default = f"{person}@example.com" if channel == "email" else f"@{person}"
    return Message(
        person=person,
        name=f"{person.title()} Okafor",
        address=address if address or channel == "console" else default,
        channel=channel,
        subject="SEV1 Hacked brand account [INC-7]",
        body=(
            "A SEV1 (Critical) incident is open: Hacked brand account\n\n"
            "What is asked of you:\n- Join the crisis room\n\n"
            "Acknowledge within 15m: runbook ack INC-7 --as <your id>, or press 'k'.\n"
        ),
        roles=("comms_lead", "legal"),
        rules=("sev1-leads",),
    )


def no_sleep(waits: list[float]) -> Any:
    """A sleep that records the waits asked for instead of waiting."""
    return waits.append


# -- a real SMTP server -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MailHandler:
    """Collects delivered envelopes; RCPT TO an address in ``refuse`` gets its reply."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []
        self.refuse: dict[str, list[str]] = {}
        self.logins: list[str] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        replies = self.refuse.get(address)
        if replies:
            return replies[0]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == USER.encode()
            and auth_data.password == PASSWORD.encode()
        )
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok, handled=False)

    def parsed(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(e.original_content, policy=email.policy.default)
            for e in self.envelopes
        ]


class MailServer:
    """An aiosmtpd server on 127.0.0.1 that can be stopped and started on the same port."""

    def __init__(self, **options: Any) -> None:
        self.handler = MailHandler()
        self.port = free_port()
        self.options = options
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            authenticator=self.handler.authenticate,
            auth_require_tls=False,
            **self.options,
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def channel(self, **settings: Any) -> spec.SmtpChannel:
        fields = {
            "kind": "smtp",
            "host": "127.0.0.1",
            "port": self.port,
            "security": "none",
            "sender": "crisis@example.com",
            "timeout": timedelta(seconds=5),
        }
        return spec.SmtpChannel(**(fields | settings))


@pytest.fixture
def mail() -> MailServer:
    server = MailServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (skips the TLS tests without openssl)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    command = [
        "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
    ]  # fmt: skip
    try:
        subprocess.run(command, check=True, capture_output=True, timeout=30)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot make a test certificate with openssl: {exc}")
    return cert, key


def server_tls(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


# -- email ----------------------------------------------------------------------------------


def test_an_email_carries_subject_body_and_a_message_id_derived_from_the_key(mail):
    channel = SmtpEmail("email", mail.channel(), environ={})

    message_id = channel.send(message(), "notify-1:amara:email")

    [envelope] = mail.handler.envelopes
    assert envelope.mail_from == "crisis@example.com"
    assert envelope.rcpt_tos == ["amara@example.com"]
    [sent] = mail.handler.parsed()
    assert sent["Subject"] == "SEV1 Hacked brand account [INC-7]"
    assert sent["To"].addresses[0].addr_spec == "amara@example.com"
    assert sent["To"].addresses[0].display_name == "Amara Okafor"
    assert sent["From"].addresses[0].addr_spec == "crisis@example.com"
    assert sent["Message-ID"] == email_message_id("notify-1:amara:email") == message_id
    assert message_id.endswith("@runbook>")
    assert sent["X-Runbook-Key"] == "notify-1:amara:email"
    assert sent["Date"]
    body = sent.get_content()
    assert "runbook ack INC-7 --as <your id>" in body
    assert "What is asked of you:" in body


def test_the_same_key_always_gives_the_same_message_id_and_different_keys_differ():
    assert email_message_id("k1") == email_message_id("k1") != email_message_id("k2")
    assert len(email_message_id("k1")) == len("<@runbook>") + 32


def test_a_login_uses_the_user_and_password_named_in_contacts(mail):
    config = mail.channel(username_env="RUNBOOK_SMTP_USER", password_env="RUNBOOK_SMTP_PASSWORD")
    SmtpEmail("email", config, environ=ENV).send(message(), "k")

    assert mail.handler.logins == [USER]
    assert len(mail.handler.envelopes) == 1


def test_no_login_is_attempted_when_no_user_variable_is_named(mail):
    SmtpEmail("email", mail.channel(), environ=ENV).send(message(), "k")

    assert mail.handler.logins == []
    assert len(mail.handler.envelopes) == 1


def test_a_missing_password_variable_is_a_permanent_error_naming_it(mail):
    config = mail.channel(username_env="RUNBOOK_SMTP_USER", password_env="RUNBOOK_SMTP_PASSWORD")
    channel = SmtpEmail("email", config, environ={"RUNBOOK_SMTP_USER": USER})

    with pytest.raises(EffectError, match="RUNBOOK_SMTP_PASSWORD") as caught:
        channel.send(message(), "k")

    assert caught.value.transient is False
    assert "not set" in str(caught.value)
    assert mail.handler.envelopes == []


def test_a_refused_login_is_permanent_and_points_at_the_variables(mail):
    config = mail.channel(username_env="RUNBOOK_SMTP_USER", password_env="RUNBOOK_SMTP_PASSWORD")
    channel = SmtpEmail("email", config, environ=ENV | {"RUNBOOK_SMTP_PASSWORD": "wrong"})

    with pytest.raises(EffectError, match="refused the login") as caught:
        channel.send(message(), "k")

    assert caught.value.transient is False
    assert f"mail server 127.0.0.1:{mail.port}" in str(caught.value)
    assert "RUNBOOK_SMTP_PASSWORD" in str(caught.value)


def test_a_person_without_an_email_address_is_a_clear_permanent_error(mail):
    channel = SmtpEmail("email", mail.channel(), environ={})
    nobody = Message("kim", "Kim Lee", "", "email", "s", "b")

    with pytest.raises(EffectError, match="no email address for Kim Lee") as caught:
        channel.send(nobody, "k")

    assert caught.value.transient is False


def test_a_mail_server_that_is_down_is_a_transient_error():
    server = MailServer()  # never started
    channel = SmtpEmail("email", server.channel(), environ={})

    with pytest.raises(EffectError, match="could not reach mail server") as caught:
        channel.send(message(), "k")

    assert caught.value.transient is True


def test_the_fanout_retries_a_down_mail_server_until_it_is_back():
    server = MailServer()
    channels = {"email": SmtpEmail("email", server.channel(), environ={})}
    waits: list[float] = []

    def wait_while_the_server_restarts(seconds: float) -> None:
        waits.append(seconds)
        if server.controller is None:
            server.start()

    try:
        [result] = deliver_all([(message(), "k1")], channels, sleep=wait_while_the_server_restarts)
    finally:
        server.stop()

    assert result["ok"] is True, result["error"]
    assert result["attempts"] == 2
    assert len(waits) == 1
    assert len(server.handler.envelopes) == 1


def test_a_permanently_refused_recipient_is_not_retried(mail):
    mail.handler.refuse["ghost@example.com"] = ["550 5.1.1 No such user here"]
    channels = {"email": SmtpEmail("email", mail.channel(), environ={})}
    waits: list[float] = []

    [result] = deliver_all(
        [(message(address="ghost@example.com"), "k")], channels, sleep=no_sleep(waits)
    )

    assert result["ok"] is False
    assert result["attempts"] == 1
    assert waits == []
    assert "refused the address ghost@example.com" in result["error"]
    assert "550" in result["error"]
    assert mail.handler.envelopes == []


def test_a_temporarily_refused_recipient_is_retried_and_delivered(mail):
    mail.handler.refuse["busy@example.com"] = ["451 4.3.0 Mailbox busy, try later"]
    channels = {"email": SmtpEmail("email", mail.channel(), environ={})}

    def recover(seconds: float) -> None:
        mail.handler.refuse.clear()

    [result] = deliver_all([(message(address="busy@example.com"), "k")], channels, sleep=recover)

    assert result["ok"] is True
    assert result["attempts"] == 2
    assert len(mail.handler.envelopes) == 1


def test_each_person_gets_their_own_email(mail):
    people = ["amara", "ben", "chloe", "dev", "eli"]
    channels = {"email": SmtpEmail("email", mail.channel(), environ={})}

    results = deliver_all([(message(p), f"n1:{p}:email") for p in people], channels)

    assert all(r["ok"] for r in results)
    recipients = sorted(tuple(e.rcpt_tos) for e in mail.handler.envelopes)
    assert recipients == [(f"{p}@example.com",) for p in people]
    ids = {m["Message-ID"] for m in mail.handler.parsed()}
    assert ids == {email_message_id(f"n1:{p}:email") for p in people}


def test_starttls_protects_the_login_when_the_server_offers_it(certificate):
    server = MailServer(tls_context=server_tls(certificate), require_starttls=True)
    server.start()
    try:
        config = server.channel(
            security="starttls",
            username_env="RUNBOOK_SMTP_USER",
            password_env="RUNBOOK_SMTP_PASSWORD",
        )
        trust = ssl.create_default_context(cafile=str(certificate[0]))
        SmtpEmail("email", config, environ=ENV, ssl_context=trust).send(message(), "k")
    finally:
        server.stop()

    assert server.handler.logins == [USER]
    assert len(server.handler.envelopes) == 1


def test_starttls_against_a_server_without_it_is_a_permanent_error(mail):
    channel = SmtpEmail("email", mail.channel(security="starttls"), environ={})

    with pytest.raises(EffectError, match="does not offer STARTTLS") as caught:
        channel.send(message(), "k")

    assert caught.value.transient is False


def test_an_untrusted_certificate_is_a_permanent_error(certificate):
    server = MailServer(tls_context=server_tls(certificate))
    server.start()
    try:
        channel = SmtpEmail("email", server.channel(security="starttls"), environ={})
        with pytest.raises(EffectError, match="certificate runbook cannot trust") as caught:
            channel.send(message(), "k")
    finally:
        server.stop()

    assert caught.value.transient is False


def test_ssl_connects_with_tls_from_the_first_byte(certificate):
    server = MailServer(ssl_context=server_tls(certificate))
    server.start()
    try:
        trust = ssl.create_default_context(cafile=str(certificate[0]))
        channel = SmtpEmail("email", server.channel(security="ssl"), environ={}, ssl_context=trust)
        channel.send(message(), "k")
    finally:
        server.stop()

    assert len(server.handler.envelopes) == 1


# -- a real webhook receiver ----------------------------------------------------------------


class Receiver:
    """Records every POST; ``faults`` are served (status, headers, body) before successes."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.faults: deque[tuple[int, dict[str, str], str]] = deque()
        self.delay = 0.0
        self.in_flight = 0
        self.most_in_flight = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.in_flight += 1
                    receiver.most_in_flight = max(receiver.most_in_flight, receiver.in_flight)
                    receiver.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "json": json.loads(raw)}
                    )
                    fault = receiver.faults.popleft() if receiver.faults else None
                try:
                    if receiver.delay:
                        time.sleep(receiver.delay)
                    status, headers, body = fault or (200, {}, "ok")
                    data = body.encode()
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (timeout tests)
                finally:
                    with receiver.lock:
                        receiver.in_flight -= 1

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the request line holds the secret path; keep stderr clean

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 128

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{SECRET_PATH}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)

    def fail(self, status: int, times: int = 1, body: str = "", **headers: str) -> None:
        self.faults.extend([(status, headers, body)] * times)


@pytest.fixture
def receiver() -> Receiver:
    hook = Receiver()
    hook.thread.start()
    yield hook
    hook.server.shutdown()
    hook.server.server_close()


def chat(receiver: Receiver, format: str = "slack", timeout: float = 5) -> ChatWebhook:
    config = spec.WebhookChannel(
        kind="webhook",
        url_env="RUNBOOK_CHAT_WEBHOOK_URL",
        format=format,
        timeout=timedelta(seconds=timeout),
    )
    return ChatWebhook("chat", config, environ={"RUNBOOK_CHAT_WEBHOOK_URL": receiver.url})


# -- chat -----------------------------------------------------------------------------------


def test_a_slack_post_mentions_the_person_and_bolds_the_subject(receiver):
    message_id = chat(receiver).send(message(channel="chat"), "notify-1:amara:chat")

    [request] = receiver.requests
    assert request["path"] == SECRET_PATH
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert request["headers"]["Idempotency-Key"] == "notify-1:amara:chat"
    text = request["json"]["text"]
    assert text.startswith("@amara *SEV1 Hacked brand account [INC-7]*\n")
    assert "What is asked of you:" in text
    assert "--as &lt;your id&gt;" in text  # Slack would read <your id> as a link
    assert message_id.startswith("chat:")


def test_a_slack_member_id_becomes_a_real_mention(receiver):
    chat(receiver).send(message(channel="chat", address="U024BE7LH"), "k")

    assert receiver.requests[0]["json"]["text"].startswith("<@U024BE7LH> *")


def test_a_mattermost_post_names_runbook_as_the_sender(receiver):
    chat(receiver, "mattermost").send(message(channel="chat"), "k")

    payload = receiver.requests[0]["json"]
    assert payload["username"] == "runbook"
    assert payload["text"].startswith("@amara **SEV1 Hacked brand account [INC-7]**\n")
    assert "--as <your id>" in payload["text"]


def test_a_teams_post_is_a_message_card(receiver):
    chat(receiver, "teams").send(message(channel="chat"), "k")

    card = receiver.requests[0]["json"]
    assert card["@type"] == "MessageCard"
    assert card["@context"] == "https://schema.org/extensions"
    assert card["title"] == card["summary"] == "SEV1 Hacked brand account [INC-7]"
    assert card["text"].startswith("**@amara**")
    assert "Join the crisis room" in card["text"]


def test_a_missing_webhook_variable_is_a_permanent_error_naming_it():
    config = spec.WebhookChannel(kind="webhook", url_env="RUNBOOK_CHAT_WEBHOOK_URL")
    channel = ChatWebhook("chat", config, environ={})

    with pytest.raises(EffectError, match="RUNBOOK_CHAT_WEBHOOK_URL") as caught:
        channel.send(message(channel="chat"), "k")

    assert caught.value.transient is False


def test_a_webhook_variable_that_is_not_a_url_is_refused_without_quoting_it():
    config = spec.WebhookChannel(kind="webhook", url_env="RUNBOOK_CHAT_WEBHOOK_URL")
    channel = ChatWebhook("chat", config, environ={"RUNBOOK_CHAT_WEBHOOK_URL": "file:///etc/x"})

    with pytest.raises(EffectError, match="does not hold an http") as caught:
        channel.send(message(channel="chat"), "k")

    assert "/etc/x" not in str(caught.value)


def test_a_400_answer_is_not_retried_and_names_the_status(receiver):
    receiver.fail(400, body="invalid_payload")
    waits: list[float] = []

    [result] = deliver_all(
        [(message(channel="chat"), "k")], {"chat": chat(receiver)}, sleep=no_sleep(waits)
    )

    assert result["ok"] is False
    assert result["attempts"] == 1
    assert len(receiver.requests) == 1
    assert waits == []
    assert "HTTP 400: invalid_payload" in result["error"]
    assert "the chat webhook (RUNBOOK_CHAT_WEBHOOK_URL)" in result["error"]


def test_server_errors_are_retried_until_the_post_goes_through(receiver):
    receiver.fail(500, times=2)
    waits: list[float] = []

    [result] = deliver_all(
        [(message(channel="chat"), "k")], {"chat": chat(receiver)}, sleep=no_sleep(waits)
    )

    assert result["ok"] is True
    assert result["attempts"] == 3
    assert len(waits) == 2
    assert waits[1] > waits[0] * 0.6  # backoff grows (jitter is at most +-50%)
    assert {r["headers"]["Idempotency-Key"] for r in receiver.requests} == {"k"}


def test_server_errors_give_up_after_the_last_attempt(receiver):
    receiver.fail(503, times=10)

    [result] = deliver_all(
        [(message(channel="chat"), "k")], {"chat": chat(receiver)}, max_attempts=3, sleep=[].append
    )

    assert result["ok"] is False
    assert result["attempts"] == 3
    assert len(receiver.requests) == 3
    assert "server error (HTTP 503" in result["error"]


def test_a_429_is_retried_after_the_time_the_server_asks_for(receiver):
    receiver.fail(429, **{"Retry-After": "2"})
    waits: list[float] = []

    [result] = deliver_all(
        [(message(channel="chat"), "k")],
        {"chat": chat(receiver)},
        backoff=0.001,
        sleep=no_sleep(waits),
    )

    assert result["ok"] is True
    assert result["attempts"] == 2
    assert waits == [2.0]


def test_every_long_wait_is_reported_as_it_starts_with_who_and_until_when(receiver):
    receiver.fail(429, times=3, **{"Retry-After": "2"})
    waits: list[float] = []
    told: list[Wait] = []

    [result] = deliver_all(
        [(message(channel="chat"), "k")],
        {"chat": chat(receiver)},
        backoff=0.001,
        sleep=no_sleep(waits),
        on_wait=told.append,
    )

    assert result["ok"] is True
    assert waits == [2.0, 2.0, 2.0]
    assert [(w.attempt, w.attempts, w.seconds) for w in told] == [
        (2, 4, 2.0),
        (3, 4, 2.0),
        (4, 4, 2.0),
    ]
    assert told[0].what == "chat message to Amara Okafor"
    assert "chat asked to wait 2 s" in told[0].words()
    assert "attempt 2 of 4 at" in told[0].words()


def test_a_retry_after_beyond_the_documented_maximum_fails_at_once(receiver):
    receiver.fail(429, times=5, **{"Retry-After": str(int(MAX_RETRY_AFTER) + 45)})
    waits: list[float] = []

    [result] = deliver_all(
        [(message(channel="chat"), "k")], {"chat": chat(receiver)}, sleep=no_sleep(waits)
    )

    assert result["ok"] is False
    assert waits == []
    assert result["attempts"] == 1
    assert f"asks to wait {int(MAX_RETRY_AFTER) + 45} s" in result["error"]


def test_the_waits_for_one_message_stop_at_the_documented_total(receiver):
    receiver.fail(429, times=5, **{"Retry-After": str(int(MAX_RETRY_AFTER))})
    waits: list[float] = []

    [result] = deliver_all(
        [(message(channel="chat"), "k")], {"chat": chat(receiver)}, sleep=no_sleep(waits)
    )

    assert result["ok"] is False
    assert sum(waits) <= MAX_WAIT
    assert waits == [MAX_RETRY_AFTER, MAX_RETRY_AFTER]
    assert f"gave up after waiting {int(2 * MAX_RETRY_AFTER)} s in all" in result["error"]


def test_a_429_error_carries_the_retry_after_seconds(receiver):
    receiver.fail(429, **{"Retry-After": "7"})

    with pytest.raises(EffectError, match="rate limiting") as caught:
        chat(receiver).send(message(channel="chat"), "k")

    assert caught.value.transient is True
    assert caught.value.retry_after == 7.0


def test_a_webhook_that_reads_the_post_and_hangs_past_the_timeout_may_have_posted_it(receiver):
    receiver.delay = 1.0

    with pytest.raises(MaybeDelivered, match="did not answer within 0.2s") as caught:
        chat(receiver, timeout=0.2).send(message(channel="chat"), "k")

    assert "it may have been posted" in str(caught.value)
    assert caught.value.transient is False, "never retried by itself: it may have arrived"


def test_a_redirect_is_not_followed(receiver):
    receiver.fail(302, Location="http://127.0.0.1:9/elsewhere")

    with pytest.raises(EffectError, match="redirect") as caught:
        chat(receiver).send(message(channel="chat"), "k")

    assert caught.value.transient is False
    assert len(receiver.requests) == 1


def test_an_unreachable_webhook_is_a_transient_error():
    config = spec.WebhookChannel(kind="webhook", url_env="HOOK")
    channel = ChatWebhook("chat", config, environ={"HOOK": f"http://127.0.0.1:{free_port()}/x"})

    with pytest.raises(EffectError, match="could not reach the chat webhook") as caught:
        channel.send(message(channel="chat"), "k")

    assert caught.value.transient is True


# -- fan-out --------------------------------------------------------------------------------


def test_the_fanout_sends_concurrently_and_reports_each_delivery_once(receiver):
    receiver.delay = 0.1
    deliveries = [(message(f"p{i}", channel="chat"), f"n1:p{i}:chat") for i in range(40)]
    reported: list[dict[str, Any]] = []
    caller = threading.get_ident()
    threads: set[int] = set()

    def record(result: dict[str, Any]) -> None:
        threads.add(threading.get_ident())
        reported.append(result)

    results = deliver_all(deliveries, {"chat": chat(receiver)}, on_result=record)

    assert receiver.most_in_flight > 1
    assert len(receiver.requests) == 40
    assert [r["key"] for r in results] == [key for _, key in deliveries]  # input order
    assert sorted(r["key"] for r in reported) == sorted(key for _, key in deliveries)
    assert threads == {caller}
    assert all(r["ok"] and r["attempts"] == 1 for r in results)


def test_a_result_describes_the_delivery(receiver):
    [result] = deliver_all([(message(channel="chat"), "n1:amara:chat")], {"chat": chat(receiver)})

    assert result == {
        "person": "amara",
        "roles": ["comms_lead", "legal"],
        "rules": ["sev1-leads"],
        "channel": "chat",
        "ok": True,
        "outcome": "delivered",
        "error": "",
        "message_id": result["message_id"],
        "attempts": 1,
        "key": "n1:amara:chat",
        "subject": message().subject,
        "text": message().body,
    }
    assert result["message_id"]


def test_a_message_for_an_unconfigured_channel_fails_without_stopping_the_rest(receiver):
    reported: list[dict[str, Any]] = []
    deliveries = [(message("amara", channel="pager"), "k1"), (message("ben", channel="chat"), "k2")]

    results = deliver_all(deliveries, {"chat": chat(receiver)}, on_result=reported.append)

    assert results[0]["ok"] is False
    assert results[0]["error"] == "channel pager is not configured in contacts"
    assert results[0]["attempts"] == 0
    assert results[1]["ok"] is True
    assert len(reported) == 2


def test_a_failing_recorder_stops_deliveries_that_have_not_started(receiver):
    deliveries = [(message(f"p{i}", channel="chat"), f"k{i}") for i in range(20)]

    def broken(result: dict[str, Any]) -> None:
        raise RuntimeError("event store is gone")

    with pytest.raises(RuntimeError, match="event store is gone"):
        deliver_all(deliveries, {"chat": chat(receiver)}, concurrency=2, on_result=broken)

    assert len(receiver.requests) < 20


def test_build_channels_makes_a_sender_for_every_configured_channel():
    contacts = spec.Contacts.model_validate(
        {
            "channels": {
                "email": {"kind": "smtp", "host": "smtp.example.com", "sender": "c@example.com"},
                "chat": {"kind": "webhook", "url_env": "RUNBOOK_CHAT_WEBHOOK_URL"},
                "console": {"kind": "console"},
            }
        }
    )

    channels = build_channels(contacts.channels, environ={})

    assert isinstance(channels["email"], SmtpEmail)
    assert isinstance(channels["chat"], ChatWebhook)
    assert isinstance(channels["console"], ConsoleChannel)
    assert {name: c.name for name, c in channels.items()} == {n: n for n in channels}


def test_the_console_channel_prints_who_is_told_what_on_stderr(capsys):
    [result] = deliver_all(
        [(message(channel="console"), "k")], {"console": ConsoleChannel("console")}
    )

    captured = capsys.readouterr()
    assert result["ok"] is True
    assert captured.out == ""
    assert "to Amara Okafor (comms_lead, legal) via console: SEV1 Hacked brand account" in (
        captured.err
    )
    assert "What is asked of you:" in captured.err


# -- secrets --------------------------------------------------------------------------------


def secret_forms(secret: str) -> set[str]:
    """Every spelling of ``secret`` that could leak: raw, base64, URL- and JSON-encoded."""
    forms = {secret, urllib.parse.quote(secret, safe=""), json.dumps(secret)[1:-1]}
    for raw in (secret, f"\0{USER}\0{secret}", f"{USER}\0{secret}"):
        forms.add(base64.b64encode(raw.encode()).decode())
    return forms


def test_no_secret_appears_in_errors_results_logs_or_output(mail, receiver, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    logins = {"username_env": "RUNBOOK_SMTP_USER", "password_env": "RUNBOOK_SMTP_PASSWORD"}
    env = ENV | {"RUNBOOK_CHAT_WEBHOOK_URL": receiver.url}
    hook = spec.WebhookChannel(kind="webhook", url_env="RUNBOOK_CHAT_WEBHOOK_URL")
    channels = {
        "email": SmtpEmail("email", mail.channel(**logins), environ=env),
        "chat": ChatWebhook("chat", hook, environ=env),
    }
    # the receiver echoes the path back, as some servers do in error pages
    receiver.fail(500, body=f"no hook at {SECRET_PATH} ({receiver.url})")
    receiver.fail(404, body=json.dumps({"error": f"unknown {receiver.url}"}))
    mail.handler.refuse["ghost@example.com"] = ["550 5.1.1 No such user"]
    deliveries = [
        (message("amara", channel="chat"), "k1"),
        (message("ben", channel="chat"), "k2"),
        (message("chloe"), "k3"),
        (message("dev", address="ghost@example.com"), "k4"),
    ]
    texts: list[str] = []

    results = deliver_all(deliveries, channels, sleep=[].append)
    texts.append(json.dumps(results))
    bad = SmtpEmail(
        "email", mail.channel(**logins), environ=ENV | {"RUNBOOK_SMTP_PASSWORD": "x" + PASSWORD}
    )
    receiver.fail(400, body=receiver.url)
    for channel, item in [(bad, message()), (channels["chat"], message(channel="chat"))]:
        with pytest.raises(EffectError) as caught:
            channel.send(item, "k5")
        texts += [str(caught.value), repr(caught.value), repr(caught.value.__context__)]
    texts += [repr(c) for c in (*channels.values(), bad)]
    out = capsys.readouterr()
    runbook_logs = [r for r in caplog.records if not r.name.startswith("mail.")]  # test server
    texts += [out.out, out.err, *(r.getMessage() for r in runbook_logs)]
    texts += [str(r.args) for r in runbook_logs]

    assert not all(r["ok"] for r in results)  # the failures above did happen
    everything = "\n".join(texts)
    leaks = secret_forms(PASSWORD) | secret_forms("x" + PASSWORD) | secret_forms(receiver.url)
    leaks |= secret_forms(SECRET_PATH) | {"T0KEN-SECRET"}
    assert [leak for leak in leaks if leak in everything] == []


def test_a_wait_is_told_in_the_language_in_force_from_the_sending_thread(receiver):
    from runbook.i18n import using

    receiver.fail(429, times=1, **{"Retry-After": "2"})
    told: list[Wait] = []
    with using("fr"):
        [result] = deliver_all(
            [(message(channel="chat"), "k")],
            {"chat": chat(receiver)},
            sleep=no_sleep([]),
            on_wait=told.append,
        )
        words = told[0].words()
    assert result["ok"] is True
    assert words.startswith("attente de 2 s avant de réessayer : message chat pour Amara Okafor")
    assert "(chat a demandé d’attendre 2 s) ; essai 2 sur 4 à " in words
