"""Build step: compile the gettext catalogs (``.po`` -> ``.mo``) into the built package.

Everything else about the package is declared in pyproject.toml; this only adds the catalog
compilation to ``build_py`` so a wheel ships compiled catalogs (a source checkout reads the
``.po`` files directly, see runbook/i18n/catalog.py).
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogs(build_py):
    """``build_py`` that also writes ``runbook.mo`` for each language's ``.po`` files."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        from babel.messages.catalog import Catalog
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for folder in sorted(Path("runbook/locale").glob("*/LC_MESSAGES")):
            sources = sorted(folder.glob("*.po"))
            if not sources:
                continue
            language = folder.parent.name
            merged = Catalog(locale=language, domain="runbook")
            for po in sources:
                with po.open("rb") as handle:
                    part = read_po(handle, locale=language)
                for message in part:
                    if message.id and message.string and not message.fuzzy:
                        merged[message.id] = message
            target = Path(self.build_lib) / folder / "runbook.mo"
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as handle:
                write_mo(handle, merged)


setup(cmdclass={"build_py": BuildWithCatalogs})
