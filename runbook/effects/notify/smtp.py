"""Email through an SMTP server: one notification to one person per call.

This module owns talking SMTP (stdlib :mod:`smtplib` and :class:`email.message.EmailMessage`)
and turning everything that can go wrong into an :class:`~runbook.errors.EffectError` a comms
person can act on, marked ``transient`` when trying again may help (connection refused,
timeouts, 4xx replies, a dropped connection) and permanent otherwise (5xx replies, a refused
address, a refused login, a server without STARTTLS). A server that took the whole message
(DATA and its final dot) and then closed or fell silent gives
:class:`~runbook.effects.notify.MaybeDelivered`: it may have been delivered, so it is never
retried by itself.

Why it looks the way it does:

* One connection per message. A fan-out sends a handful to a few dozen emails; a fresh
  connection per message keeps failures independent (one refused address or one dropped
  connection never poisons the others) and retries simple. ``max_connections`` bounds how
  many connections one channel opens at once, because mail providers cap concurrent
  connections per account and answer the excess with 4xx.
* The Message-ID is derived from the idempotency key (``<sha256(key)[:32]@runbook>``) and the
  key travels in ``X-Runbook-Key``, so a retried delivery is recognisably the same email.
* Secrets (user name and password) are read from the environment variables named in contacts
  at send time, never stored on the object, never put in an error, a log line or a repr:
  ``smtplib``'s debug output stays off and server replies are scrubbed of the password and
  its base64 forms before they are quoted.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import logging
import os
import smtplib
import socket
import ssl
import threading
from collections.abc import Mapping
from email import policy as email_policy
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Any

from runbook.effects import Message
from runbook.effects.notify import MaybeDelivered
from runbook.errors import EffectError
from runbook.i18n import _
from runbook.model.contacts import SmtpChannel
from runbook.model.secrets import forms as secret_forms

log = logging.getLogger(__name__)

__all__ = ["SmtpEmail", "email_message_id"]


def email_message_id(key: str) -> str:
    """The Message-ID header value for the email sent with idempotency key ``key``."""
    return f"<{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}@runbook>"


@functools.cache
def _local_hostname() -> str:
    # smtplib calls socket.getfqdn() on every connection; on a badly configured resolver that
    # can take seconds. Once per process is enough.
    return socket.getfqdn() or "localhost"


class SmtpEmail:
    """A :class:`~runbook.effects.notify.Channel` sending email through one SMTP server."""

    def __init__(
        self,
        name: str,
        config: SmtpChannel,
        *,
        environ: Mapping[str, str] = os.environ,
        ssl_context: ssl.SSLContext | None = None,
        max_connections: int = 4,
    ) -> None:
        """``ssl_context`` overrides the default (system trust store) for STARTTLS and SSL,
        e.g. for a relay with a private certificate authority."""
        self.name = name
        self.config = config
        self._environ = environ
        self._ssl_context = ssl_context
        self._slots = threading.BoundedSemaphore(max(1, max_connections))

    def __repr__(self) -> str:
        return (
            f"SmtpEmail(name={self.name!r}, server={self.server!r}, "
            f"security={self.config.security!r})"
        )

    @property
    def server(self) -> str:
        """``host:port`` of the mail server, as named in messages."""
        return f"{self.config.host}:{self.config.port}"

    # -- sending ------------------------------------------------------------------------
    def send(self, message: Message, key: str) -> str:
        """Email ``message`` to ``message.address``; return the Message-ID used."""
        address = message.address.strip()
        if not address:
            raise EffectError(
                _("no email address for %(name)s", name=message.name), transient=False
            )
        if "@" not in address or any(ch.isspace() for ch in address):
            raise EffectError(
                _(
                    "the email address for %(name)s (%(address)s) is not valid",
                    name=message.name,
                    address=address,
                ),
                transient=False,
            )
        credentials = self._credentials()
        email = self._compose(message, address, key)
        secrets = _secret_forms(credentials)
        handed = _Handed()
        with self._slots:
            try:
                self._deliver(email, address, credentials, handed)
            except EffectError:
                raise
            except Exception as exc:  # every failure becomes an EffectError
                if handed.over and not isinstance(exc, smtplib.SMTPResponseException):
                    # The server has the whole message and never said whether it took it.
                    raise MaybeDelivered(
                        f"mail server {self.server} took the email to {message.name} and then "
                        f"{_silence(exc, self.config.timeout.total_seconds())}: it may have "
                        "been sent"
                    ) from None
                raise self._translate(exc, message, address, secrets) from None
        log.debug("emailed %s via %s (%s)", message.person, self.name, self.server)
        return str(email["Message-ID"])

    def _credentials(self) -> tuple[str, str] | None:
        config = self.config
        if not config.username_env:
            return None
        user = self._env(config.username_env)
        password = self._env(config.password_env) if config.password_env else ""
        return user, password

    def _env(self, variable: str) -> str:
        value = self._environ.get(variable)
        if not value:
            raise EffectError(
                _(
                    "email channel %(name)s needs the environment variable %(variable)s, which "
                    "is not set on this machine",
                    name=repr(self.name),
                    variable=variable,
                ),
                transient=False,
            )
        return value

    def _compose(self, message: Message, address: str, key: str) -> EmailMessage:
        # Lines up to 120 characters: with the default 78, Python folds a subject that starts
        # with a bracketed word ("[DRILL] ...") onto its own line, and readers show a leading
        # space.
        email = EmailMessage(policy=email_policy.default.clone(max_line_length=120))
        try:
            email["From"] = formataddr(("runbook", self.config.sender))
            email["To"] = formataddr((_one_line(message.name), address))
            email["Subject"] = _one_line(message.subject)
            email["Date"] = formatdate(usegmt=True)
            email["Message-ID"] = email_message_id(key)
            email["X-Runbook-Key"] = _one_line(key)
            email["Auto-Submitted"] = "auto-generated"
            email.set_content(message.body)
        except (ValueError, TypeError) as exc:
            raise EffectError(
                _(
                    "cannot write an email to %(name)s <%(address)s>: %(exc)s",
                    name=message.name,
                    address=address,
                    exc=exc,
                ),
                transient=False,
            ) from None
        return email

    def _deliver(
        self,
        email: EmailMessage,
        address: str,
        credentials: tuple[str, str] | None,
        handed: _Handed,
    ) -> None:
        config = self.config
        timeout = max(config.timeout.total_seconds(), 0.05)  # 0 would mean non-blocking
        local = _local_hostname()
        if config.security == "ssl":
            smtp: smtplib.SMTP = _TrackedSSL(
                handed,
                config.host,
                config.port,
                local_hostname=local,
                timeout=timeout,
                context=self._context(),
            )
        else:
            smtp = _Tracked(handed, config.host, config.port, local_hostname=local, timeout=timeout)
        smtp.set_debuglevel(0)  # debug output would print the AUTH exchange
        try:
            if config.security == "starttls":
                smtp.ehlo()
                smtp.starttls(context=self._context())
                smtp.ehlo()
            if credentials is not None:
                if config.security == "none":
                    log.warning(
                        "email channel %r sends its login to %s without encryption "
                        "(security: none)",
                        self.name,
                        self.server,
                    )
                user, password = credentials
                smtp.login(user, password)
            smtp.send_message(email, from_addr=config.sender, to_addrs=[address])
        finally:
            _close_quietly(smtp)

    def _context(self) -> ssl.SSLContext:
        return self._ssl_context or ssl.create_default_context()

    # -- errors -------------------------------------------------------------------------
    def _translate(
        self, exc: BaseException, message: Message, address: str, secrets: list[str]
    ) -> EffectError:
        server = f"mail server {self.server}"
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            code, reply = _first_reply(exc.recipients)
            return _by_code(
                code, f"{server} refused the address {address} ({_reply(code, reply, secrets)})"
            )
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            login = " and ".join(
                v for v in (self.config.username_env, self.config.password_env) if v
            )
            return _by_code(
                exc.smtp_code,
                f"{server} refused the login ({_reply(exc.smtp_code, exc.smtp_error, secrets)});"
                f" check {login}",
            )
        if isinstance(exc, smtplib.SMTPSenderRefused):
            return _by_code(
                exc.smtp_code,
                f"{server} refused the sender {self.config.sender} "
                f"({_reply(exc.smtp_code, exc.smtp_error, secrets)})",
            )
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            if "STARTTLS" in str(exc):
                advice = "does not offer STARTTLS; check port and security in contacts"
            elif "AUTH" in str(exc):
                advice = "does not accept a login here; check port, security and username_env"
            else:
                advice = f"does not support what runbook needs ({_scrub(str(exc), secrets)})"
            return EffectError(f"{server} {advice}", transient=False)
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            return EffectError(
                _("%(server)s closed the connection unexpectedly", server=server), transient=True
            )
        if isinstance(exc, smtplib.SMTPResponseException):
            return _by_code(
                exc.smtp_code,
                f"{server} did not accept the email to {message.name} "
                f"({_reply(exc.smtp_code, exc.smtp_error, secrets)})",
            )
        if isinstance(exc, smtplib.SMTPException):
            return EffectError(f"{server}: {_scrub(str(exc), secrets)}", transient=False)
        if isinstance(exc, ssl.SSLCertVerificationError):
            return EffectError(
                _(
                    "%(server)s presented a certificate runbook cannot trust (%(reason)s)",
                    server=server,
                    reason=exc.verify_message or "verification failed",
                ),
                transient=False,
            )
        if isinstance(exc, ssl.SSLError):
            return EffectError(
                _(
                    "could not set up a secure connection to %(server)s (%(reason)s); check port "
                    "and security in contacts",
                    server=server,
                    reason=exc.reason or exc,
                ),
                transient=False,
            )
        if isinstance(exc, TimeoutError):
            return EffectError(
                _(
                    "%(server)s did not answer within %(seconds)ss",
                    server=server,
                    seconds=format(self.config.timeout.total_seconds(), "g"),
                ),
                transient=True,
            )
        if isinstance(exc, ConnectionRefusedError):
            return EffectError(
                _("could not reach %(server)s (connection refused); is it running?", server=server),
                transient=True,
            )
        if isinstance(exc, socket.gaierror):
            return EffectError(
                _(
                    "cannot find %(server)s (name lookup failed); check the host in contacts and "
                    "the network",
                    server=server,
                ),
                transient=True,
            )
        if isinstance(exc, OSError):
            reason = exc.strerror or type(exc).__name__
            return EffectError(
                _("could not talk to %(server)s (%(reason)s)", server=server, reason=reason),
                transient=True,
            )
        return EffectError(
            _(
                "unexpected problem emailing %(name)s via %(server)s (%(kind)s)",
                name=message.name,
                server=server,
                kind=type(exc).__name__,
            ),
            transient=False,
        )


class _Handed:
    """Whether the whole message (DATA and its final dot) reached the server: from then on,
    a silence or a dropped connection may hide a delivery."""

    over = False


class _Tracked(smtplib.SMTP):
    """Marks :class:`_Handed` once the message's content has been written after DATA."""

    def __init__(self, handed: _Handed, *args: Any, **kwargs: Any) -> None:
        self._handed = handed
        self._in_data = 0
        super().__init__(*args, **kwargs)

    def data(self, msg: Any) -> Any:
        self._in_data = 1
        try:
            return super().data(msg)
        finally:
            self._in_data = 0

    def send(self, s: Any) -> None:
        super().send(s)
        if self._in_data:
            self._in_data += 1
            if self._in_data > 2:  # the first send is the DATA command, the next the content
                self._handed.over = True


class _TrackedSSL(_Tracked, smtplib.SMTP_SSL):
    """:class:`_Tracked` over SSL from the first byte."""


def _silence(exc: BaseException, timeout: float) -> str:
    """What the server did after taking the message, in words."""
    if isinstance(exc, TimeoutError):
        return f"did not answer within {timeout:g}s"
    return "closed the connection without answering"


def _by_code(code: int | None, text: str) -> EffectError:
    """4xx replies are temporary by definition; anything else is not worth retrying."""
    return EffectError(text, transient=code is not None and 400 <= code < 500)


def _first_reply(recipients: dict[str, tuple[int, bytes]]) -> tuple[int | None, bytes | str]:
    for code, reply in recipients.values():
        return code, reply
    return None, b""


def _reply(code: int | None, reply: bytes | str, secrets: list[str]) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    text = _scrub(" ".join(text.split()), secrets)[:300]
    return f"{code} {text}".strip() if code is not None else text


def _secret_forms(credentials: tuple[str, str] | None) -> list[str]:
    """The password and every encoding of it an SMTP exchange may carry."""
    if credentials is None:
        return []
    user, password = credentials
    if not password:
        return []
    forms = {password, *secret_forms(password)}
    for raw in (password, f"\0{user}\0{password}", f"{user}\0{password}"):
        forms.add(base64.b64encode(raw.encode("utf-8")).decode("ascii"))
    return sorted(forms, key=len, reverse=True)


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "[redacted]")
    return text


def _one_line(text: str) -> str:
    """Header values must not carry line breaks (header injection, and EmailMessage refuses)."""
    return " ".join(text.split())


def _close_quietly(smtp: smtplib.SMTP) -> None:
    """QUIT and close; a failure here must not turn a delivered email into an error."""
    try:
        if smtp.sock is not None:
            smtp.quit()
    except (smtplib.SMTPException, OSError):
        pass
    finally:
        smtp.close()
