"""Redaction: what an export must never show, and people shown by role when asked.

Three layers, applied to every string of the report (each event's stored record, and the free
text the report repeats: title, summary, review, notes, comments, reasons, post excerpts):

- **secrets**: the values of the environment variables the contacts' channels name (SMTP user
  and password, webhook URLs) and of ``RUNBOOK_*`` variables that look like secrets;
- **contact details** of people in contacts: their email addresses (any case) and phone numbers
  however they are written (``+44 7700 900123``, ``+447700900123``, ``07700 900123``);
- **any** email address, and phone numbers in free text (``+``/``0``-prefixed, 9+ digits), except
  the organisation's own published press and support contacts.

With ``names=True`` people are also shown by a role label (``legal (2)``: the second person
holding ``legal`` met in this incident) wherever their full name, first or last name, id or chat
handle appears.

Events never store contact details or secrets, so normally only free text is touched. Every
check starts with a cheap test (``"@" in text``, a digit count) so 100,000 events scrub fast.
:func:`leaks` is the last check the exporter runs on the rendered output.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from runbook.i18n import N_, _
from runbook.model.contacts import Contacts
from runbook.model.secrets import all_forms

EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
RUN = re.compile(r"\+?\(?\d[\d\s().\-]{4,}\d")
"""Digits with phone-number separators: the candidates a phone number may hide in."""
PHONE = re.compile(r"(?<![\w+])(?:\+|\(?0)\d[\d ().\-]{6,}\d(?!\w)")
"""A phone number in free text: international (``+``) or national (``0``) form."""
PHONE_MIN_DIGITS = 9
CONTACT_PHONE_MIN_DIGITS = 7
SECRET_MIN_LENGTH = 6
"""Shorter values are not scrubbed (they would match ordinary words and numbers)."""
_SECRET_NAME = re.compile(r"^RUNBOOK_\w*(PASSWORD|SECRET|TOKEN|WEBHOOK|API_KEY|APIKEY)\w*$")
_WORD = re.compile(r"@?\w(?:[\w.-]*\w)?")
_NOT_DIGIT = re.compile(r"\D")
_DIGITS = str.maketrans("", "", "0123456789")
_SEVEN_DIGITS = re.compile(r"\d(?:[\s().\-+]*\d){6}")
"""Seven digits, separators allowed: the least a contact's phone key or a phone number has."""

EMAIL_MARK = "[email redacted]"
PHONE_MARK = "[phone redacted]"
SECRET_MARK = "[secret redacted]"


def secret_values(contacts: Contacts, environ: Mapping[str, str]) -> list[str]:
    """Values of the environment variables that hold secrets (pure: pass ``os.environ``)."""
    names: set[str] = set()
    for channel in contacts.channels.values():
        for attr in ("username_env", "password_env", "url_env"):
            name = getattr(channel, attr, None)
            if name:
                names.add(name)
    for scheduler in contacts.schedulers.values():  # API tokens of schedulers and products
        name = getattr(scheduler, "token_env", None)
        if name:
            names.add(name)
    names |= {name for name in environ if _SECRET_NAME.match(name)}
    values = {environ[name].strip() for name in names if environ.get(name)}
    return sorted(v for v in values if len(v) >= SECRET_MIN_LENGTH)


def phone_key(phone: str) -> str:
    """The digits every spelling of ``phone`` contains (country code and trunk 0 dropped)."""
    digits = re.sub(r"\D", "", phone)
    if phone.strip().startswith("+") and len(digits) - 3 >= CONTACT_PHONE_MIN_DIGITS:
        return digits[3:]
    if digits.startswith("0") and len(digits) - 1 >= CONTACT_PHONE_MIN_DIGITS:
        return digits[1:]
    return digits


_PUNCTUATION = str.maketrans({c: " " for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^`{|}~"})


def _tokens(text: str) -> set[str]:
    """The words of ``text``, case-folded (a cheap test before looking for names)."""
    return set(text.casefold().translate(_PUNCTUATION).split())


def _digit_count(text: str) -> int:
    return len(text) - len(text.translate(_DIGITS))


class Redactor:
    """Scrubs strings and values for one export, counting what it replaced."""

    def __init__(
        self,
        contacts: Contacts,
        *,
        names: bool = False,
        secrets: Iterable[str] = (),
        allow: Iterable[str] = (),
    ) -> None:
        self.contacts = contacts
        self.names = names
        self.replacements = 0
        self._allow = {a.lower() for a in allow if a}
        self._secrets = all_forms(
            (s for s in secrets if len(s) >= SECRET_MIN_LENGTH), thorough=False
        )
        """Every secret raw, base64, URL-encoded, JSON-escaped and hex (the thorough forms are
        scrubbed where a receiver's text enters: :mod:`runbook.model.secrets`)."""
        people = contacts.people
        self._emails = {p.email.lower() for p in people if p.email}
        self._phones = [
            key
            for key in (phone_key(p.phone) for p in people if p.phone)
            if len(key) >= CONTACT_PHONE_MIN_DIGITS
        ]
        self._people = {p.id: p for p in people}
        self._labels: dict[str, str] = {}
        self._counts: dict[str, int] = {}
        # Names: whole names first (one regex), then single words looked up in a dict.
        self._full: re.Pattern[str] | None = None
        self._words: dict[str, str] = {}
        self._folded: dict[str, str] = {}
        if names and people:
            by_length = sorted(people, key=lambda p: len(p.name), reverse=True)
            self._full_ids = {p.name.casefold(): p.id for p in people}
            self._full = re.compile(
                r"(?<!\w)(?:" + "|".join(re.escape(p.name) for p in by_length) + r")(?!\w)",
                re.IGNORECASE,
            )
            for person in people:
                for part in re.split(r"[\s\-]+", person.name):
                    if len(part) >= 3:
                        self._words.setdefault(part, person.id)
                self._folded.setdefault(person.id.casefold(), person.id)
                if person.chat:
                    self._folded.setdefault(person.chat.casefold(), person.id)
        self._hints: set[str] = set()
        for word in [*self._words, *self._folded, *(p.name for p in people if names)]:
            self._hints |= _tokens(word)

    # -- people ----------------------------------------------------------------------------
    def role_label(self, person_id: str) -> str:
        """The person as a role (``legal (2)``), numbered in order of first mention."""
        label = self._labels.get(person_id)
        if label is None:
            person = self._people.get(person_id)
            if person is not None and person.roles:
                role = person.roles[0]
            elif person is not None:
                held = [r.role for r in self.contacts.rotations if person_id in r.members]
                role = held[0] if held else _("person")
            else:
                role = _("unknown person")
            self._counts[role] = self._counts.get(role, 0) + 1
            label = f"{role} ({self._counts[role]})"
            self._labels[person_id] = label
        return label

    def label(self, person_id: str) -> str:
        """How the person is shown: name, or role label when names are redacted."""
        if person_id == "runbook":
            return "runbook"
        if self.names:
            return self.role_label(person_id)
        person = self._people.get(person_id)
        return person.name if person is not None else person_id

    # -- scrubbing -------------------------------------------------------------------------
    def might_change(self, json_text: str) -> bool:
        """False when scrubbing the value serialised as ``json_text`` cannot change it.

        Conservative: the same patterns are searched in the JSON text (where a match cannot
        span two strings); a backslash (an escaped character) always means "maybe".
        """
        if "\\" in json_text:
            return True
        if self.names and not _tokens(json_text).isdisjoint(self._hints):
            return True
        if self._secrets and any(secret in json_text for secret in self._secrets):
            return True
        if "@" in json_text:
            for match in EMAIL.finditer(json_text):
                found = match.group(0).lower()
                if found in self._emails or found not in self._allow:
                    return True
        if _SEVEN_DIGITS.search(json_text) is None:
            return False
        if self._phones:
            for match in RUN.finditer(json_text):
                digits = _NOT_DIGIT.sub("", match.group(0))
                if any(key in digits for key in self._phones):
                    return True
        for match in PHONE.finditer(json_text):
            if _digit_count(match.group(0)) >= PHONE_MIN_DIGITS:
                return True
        return False

    def text(self, value: str, *, free: bool = True) -> str:
        """``value`` scrubbed; ``free`` text is also searched for any phone number."""
        if not value:
            return value
        for secret in self._secrets:
            if secret in value:
                self.replacements += value.count(secret)
                value = value.replace(secret, SECRET_MARK)
        if "@" in value:
            value = EMAIL.sub(self._replace_email, value)
        if _SEVEN_DIGITS.search(value) is not None:
            if self._phones:
                value = RUN.sub(self._replace_contact_phone, value)
            if free:
                value = PHONE.sub(self._replace_phone, value)
        if self._full is not None:
            value = self._replace_names(value)
        return value

    def value(self, item: Any, *, generic: bool = True) -> Any:
        """A JSON-like value with every string scrubbed (free-text rules for strings with
        spaces). ``generic=False`` keeps other email addresses and phone numbers (organisation
        configuration, such as the pinned playbook and policy, is not personal data)."""
        if isinstance(item, str):
            if not generic:
                return self._specific(item)
            return self.text(item, free=" " in item)
        if isinstance(item, dict):
            return {key: self.value(sub, generic=generic) for key, sub in item.items()}
        if isinstance(item, list):
            return [self.value(sub, generic=generic) for sub in item]
        return item

    def _specific(self, value: str) -> str:
        """Only secrets, contacts' own details and names."""
        for secret in self._secrets:
            if secret in value:
                self.replacements += value.count(secret)
                value = value.replace(secret, SECRET_MARK)
        if "@" in value:
            lowered = value.lower()
            for email in self._emails:
                if email in lowered:
                    value = re.sub(re.escape(email), self._count(EMAIL_MARK), value, flags=re.I)
                    lowered = value.lower()
        if self._phones and _SEVEN_DIGITS.search(value) is not None:
            value = RUN.sub(self._replace_contact_phone, value)
        if self._full is not None:
            value = self._replace_names(value)
        return value

    def _count(self, mark: str) -> Any:
        def replace(match: re.Match[str]) -> str:
            self.replacements += 1
            return mark

        return replace

    def _replace_email(self, match: re.Match[str]) -> str:
        found = match.group(0).lower()
        if found in self._allow and found not in self._emails:
            return match.group(0)
        self.replacements += 1
        return EMAIL_MARK

    def _replace_contact_phone(self, match: re.Match[str]) -> str:
        text = match.group(0)
        digits = _NOT_DIGIT.sub("", text)
        if any(key in digits for key in self._phones):
            self.replacements += 1
            return PHONE_MARK
        return text

    def _replace_phone(self, match: re.Match[str]) -> str:
        text = match.group(0)
        if _digit_count(text) < PHONE_MIN_DIGITS or text.lower() in self._allow:
            return text
        self.replacements += 1
        return PHONE_MARK

    def _replace_names(self, value: str) -> str:
        if value.isidentifier():  # one word (an id, a channel, a role): a set lookup
            if value.casefold() not in self._hints:
                return value
        elif _tokens(value).isdisjoint(self._hints):
            return value
        assert self._full is not None
        value = self._full.sub(self._replace_full_name, value)
        return _WORD.sub(self._replace_word, value)

    def _replace_full_name(self, match: re.Match[str]) -> str:
        self.replacements += 1
        return self.role_label(self._full_ids[match.group(0).casefold()])

    def _replace_word(self, match: re.Match[str]) -> str:
        word = match.group(0)
        person_id = self._words.get(word) or self._folded.get(word.casefold())
        if person_id is None:
            return word
        self.replacements += 1
        return self.role_label(person_id)


A_SECRET = N_("a secret")
AN_EMAIL = N_("a contact's email address")
A_PHONE = N_("a contact's phone number")
"""What :func:`leaks` can find (English; said with ``_`` where shown)."""


def leaks(text: str, contacts: Contacts, secrets: Iterable[str] = ()) -> list[str]:
    """Kinds of contact detail or secret found in rendered output (there should be none).

    Looks for every secret, every contact email (any case) and every contact phone number
    written in international form (``+44 ...``); other spellings are the scrubber's job.
    """
    found = []
    wanted = (s for s in secrets if len(s) >= SECRET_MIN_LENGTH)
    if any(form in text for form in all_forms(wanted, thorough=False)):
        found.append(A_SECRET)
    emails = {p.email.lower() for p in contacts.people if p.email}
    position = text.find("@")
    while position != -1:
        window = text[max(0, position - 80) : position + 260]
        if any(m.group(0).lower() in emails for m in EMAIL.finditer(window)):
            found.append(AN_EMAIL)
            break
        position = text.find("@", position + 1)
    keys = [phone_key(p.phone) for p in contacts.people if p.phone]
    keys = [key for key in keys if len(key) >= CONTACT_PHONE_MIN_DIGITS]
    for match in re.finditer(r"\+\d[\d\s().\-]{5,}\d", text):
        digits = _NOT_DIGIT.sub("", match.group(0))
        if any(key in digits for key in keys):
            found.append(A_PHONE)
            break
    return found
