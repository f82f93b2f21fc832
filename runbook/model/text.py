"""Text shown on a terminal, made inert: control characters become visible escapes.

Titles, notes, statements, names and anything received from outside may carry terminal control
sequences (clear the screen, set the window title, write the clipboard with OSC 52) or
bidirectional overrides that reorder what is read. Everything runbook prints to a terminal goes
through :func:`inert`: such characters are shown as ``\\x1b`` or ``\\u202e``; new lines and tabs
stay (:func:`one_line` folds those too). Lone surrogates (what Python makes of bytes that are not
UTF-8 in a command line or a file name) are shown the same way, so printing never fails. The
event log keeps the exact text.
"""

from __future__ import annotations

import re

from runbook.i18n import _

_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufff9-\ufffb"
    "\ud800-\udfff]"
)
_LINE_BREAKS = re.compile("[\r\n\t\u2028\u2029\x85]+")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inert(text: str) -> str:
    """``text`` with every control character (but new line and tab) shown as an escape."""
    return _CONTROL.sub(_escape, text)


def one_line(text: str) -> str:
    """:func:`inert`, on one line (line breaks and tabs folded into spaces)."""
    return inert(_LINE_BREAKS.sub(" ", text))


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode control pictures: ␛ for ESC, ␇ for BEL
    return "\u2421" if code == 0x7F else "\ufffd"


def pictured(text: str) -> str:
    """``text`` with every control character (new lines and tabs included) replaced by one
    visible sign of the same width (``␛`` for ESC, ``�`` for a direction override): for places
    that must keep a line's width, such as the app's screen lines."""
    return _CONTROL_ALL.sub(_picture, text)


_CONTROL_ALL = re.compile(_CONTROL.pattern[:-1] + "\t\n\r]")


def json_safe(dumped: str) -> str:
    """JSON text (from ``json.dumps(..., ensure_ascii=False)``) with the control characters
    JSON leaves raw (DEL, C1, direction overrides) written as ``\\uXXXX`` escapes: the same
    data once parsed, inert on a terminal."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group(0)):04x}", dumped)


def has_control(text: str) -> bool:
    """True when ``text`` holds a character :func:`inert` would escape."""
    return _CONTROL.search(text) is not None


_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def decode_utf8(raw: bytes, name: str) -> str:
    """``raw`` as UTF-8 text (a UTF-8 byte order mark is dropped), or ``ValueError`` with one
    line naming ``name``, the line and column, and what the bytes look like instead (UTF-16
    or UTF-32 by their byte order mark, binary by its NUL bytes, Latin-1 or Windows-1252 by a
    lone accented byte), with the fix: save it as UTF-8."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        for bom, encoding in _BOMS:
            if raw.startswith(bom):
                raise ValueError(
                    _(
                        "%(name)s: the file is %(encoding)s text (it starts with a %(encoding)s "
                        "byte order mark); save it as UTF-8",
                        name=name,
                        encoding=encoding,
                    )
                ) from None
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        if b"\x00" in raw[:4096]:
            raise ValueError(
                _(
                    "%(name)s:%(line)s:%(column)s: the file is not text (it holds NUL bytes); "
                    "give a UTF-8 text file",
                    name=name,
                    line=line,
                    column=column,
                )
            ) from None
        byte = raw[exc.start]
        guess = " (Latin-1 or Windows-1252 text?)" if byte >= 0x80 else ""
        raise ValueError(
            _(
                "%(name)s:%(line)s:%(column)s: byte %(byte)s is not UTF-8%(guess)s; save the "
                "file as UTF-8",
                name=name,
                line=line,
                column=column,
                byte=format(byte, "#04x"),
                guess=guess,
            )
        ) from None
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        column = nul - (text.rfind("\n", 0, nul) + 1) + 1
        raise ValueError(
            _(
                "%(name)s:%(line)s:%(column)s: the file is not text (it holds NUL bytes); give a "
                "UTF-8 text file",
                name=name,
                line=line,
                column=column,
            )
        )
    return text
