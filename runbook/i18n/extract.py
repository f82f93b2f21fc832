"""Keeping the catalogs complete: what the code says, and what each catalog translates.

The message ids are extracted with Babel from the Python sources (``_``, ``N_``,
``ngettext``) and the Jinja templates (``_``) under ``runbook/``. :func:`problems` lists every
id with no French translation, every French entry the code no longer says (stale), every
translation whose ``%(name)s`` placeholders differ from its id's, and an English catalog out of
step; ``scripts/catalogs`` writes the template and the English catalog and adds the missing
ids to the French one for a translator to fill. Used by the test suite and by that script.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from runbook.i18n.catalog import DOMAIN, LOCALE_DIR

PACKAGE = LOCALE_DIR.parent
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdrif]")


def extracted() -> dict[str, str | None]:
    """Every message id the code says -> its plural id (None for a singular message)."""
    from babel.messages.extract import extract_from_dir

    method_map = [("**/locale/**", "ignore"), ("**.py", "python"), ("**.j2", "jinja2")]
    found: dict[str, str | None] = {}
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(PACKAGE),
        method_map=method_map,
        keywords=KEYWORDS,
        options_map={"**.j2": {"extensions": "jinja2.ext.i18n"}},
    ):
        if isinstance(message, tuple):
            singular, plural = message[0], message[1]
            if singular:
                found[singular] = plural
        elif message:
            found.setdefault(message, None)
    return found


def translations(language: str) -> dict[str, str | tuple[str, ...]]:
    """The translated entries of ``language``'s ``.po`` files, merged (fuzzy ones left out)."""
    from babel.messages.pofile import read_po

    merged: dict[str, str | tuple[str, ...]] = {}
    for po in sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            key = message.id[0] if isinstance(message.id, tuple | list) else message.id
            value = message.string
            merged[key] = tuple(value) if isinstance(value, tuple | list) else (value or "")
    return merged


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def problems(languages: Iterable[str] = ("fr",)) -> list[str]:
    """One line per problem: ``fr: missing "..."``, ``fr: stale "..."``, placeholders."""
    said = extracted()
    lines: list[str] = []
    for language in languages:
        have = translations(language)
        for msgid, plural in sorted(said.items()):
            value = have.get(msgid)
            forms = value if isinstance(value, tuple) else (value,)
            if value is None or not all(forms):
                lines.append(f"{language}: missing {msgid!r}")
                continue
            expected = _placeholders(msgid) | (_placeholders(plural) if plural else set())
            for form in forms:
                assert form is not None
                extra = _placeholders(form) - expected - {"n"}
                if extra:
                    lines.append(f"{language}: {msgid!r} uses unknown {sorted(extra)}")
        for msgid in sorted(set(have) - set(said)):
            lines.append(f"{language}: stale {msgid!r}")
    english = translations("en")
    if set(english) != set(said):
        lines.append(
            f"en: the English catalog is out of step ({len(set(said) - set(english))} missing, "
            f"{len(set(english) - set(said))} stale): run scripts/catalogs"
        )
    return lines


def write_template(target: Path | None = None) -> Path:
    """Write ``runbook/locale/runbook.pot`` and the English catalog (msgstr = msgid)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    said = extracted()
    target = target or LOCALE_DIR / f"{DOMAIN}.pot"
    template = Catalog(domain=DOMAIN, project="runbook", fuzzy=False)
    english = Catalog(locale="en", domain=DOMAIN, project="runbook", fuzzy=False)
    for msgid, plural in sorted(said.items()):
        if plural:
            template.add((msgid, plural), ("", ""))
            english.add((msgid, plural), (msgid, plural))
        else:
            template.add(msgid, "")
            english.add(msgid, msgid)
    with target.open("wb") as handle:
        write_po(handle, template, omit_header=False, sort_output=True, width=100)
    en = LOCALE_DIR / "en" / "LC_MESSAGES" / f"{DOMAIN}.po"
    en.parent.mkdir(parents=True, exist_ok=True)
    with en.open("wb") as handle:
        write_po(handle, english, omit_header=False, sort_output=True, width=100)
    return target
