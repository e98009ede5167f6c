"""The one rule for the character encoding of text inputs.

* A file is UTF-8 if it decodes strictly as UTF-8 (a byte-order mark is dropped).
* It is ISO-8859-1 (or another 8-bit fallback) only if it contains *no* valid UTF-8 multi-byte
  sequence: a UTF-8 file with one stray Latin-1 byte fits ISO-8859-1 byte for byte, so "try
  UTF-8, else Latin-1" would silently turn every "ö" into "Ã¶".
* Anything else is an error naming the file, line and column of the first byte that is not
  UTF-8.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import InputError

# a well-formed UTF-8 sequence of two to four bytes (RFC 3629, no surrogates, no overlongs)
_UTF8_MULTIBYTE = re.compile(
    rb"[\xC2-\xDF][\x80-\xBF]"
    rb"|\xE0[\xA0-\xBF][\x80-\xBF]|[\xE1-\xEC\xEE\xEF][\x80-\xBF]{2}|\xED[\x80-\x9F][\x80-\xBF]"
    rb"|\xF0[\x90-\xBF][\x80-\xBF]{2}|[\xF1-\xF3][\x80-\xBF]{3}|\xF4[\x80-\x8F][\x80-\xBF]{2}"
)

_HINT = (
    "Bitte die Datei einheitlich als UTF-8 speichern (in Excel: „CSV UTF-8 (durch Trennzeichen "
    "getrennt)“) oder den Export neu herunterladen."
)


def locate(raw: bytes, pos: int) -> tuple[int, int]:
    """(line, column), both from 1, of byte offset ``pos``; the column counts characters."""
    line = raw.count(b"\n", 0, pos) + 1
    start = raw.rfind(b"\n", 0, pos) + 1
    column = len(raw[start:pos].decode("utf-8", errors="replace")) + 1
    return line, column


def decode_text(
    raw: bytes, path: str | Path, *, fallback: str | None = "iso-8859-1", what: str = "Die Datei"
) -> tuple[str, str]:
    """``(text, encoding name)`` of ``raw`` by the rule above; ``fallback=None``: UTF-8 only.

    Raises :class:`InputError` with file, line and column otherwise."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    nul = raw.find(b"\x00")
    if nul >= 0:  # UTF-16/32 or binary data: no text table has NUL bytes
        n_line, n_col = locate(raw, nul)
        raise InputError(
            f"{what} enthält Null-Bytes: Sie ist keine Textdatei in UTF-8 oder ISO-8859-1 "
            "(vielleicht UTF-16 oder eine Binärdatei).",
            file=path, line=n_line, column=n_col, hint=_HINT,
        )
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    line, column = locate(raw, first_bad)
    byte = f"0x{raw[first_bad]:02X}"
    if fallback is None:
        raise InputError(
            f"{what} ist nicht UTF-8-kodiert (ungültiges Byte {byte}).",
            file=path, line=line, column=column, hint=_HINT,
        )
    mixed = _UTF8_MULTIBYTE.search(raw)
    if mixed is not None:
        m_line, m_col = locate(raw, mixed.start())
        raise InputError(
            f"{what} mischt zwei Zeichenkodierungen: Sie enthält UTF-8-Zeichen (z. B. Zeile "
            f"{m_line}, Spalte {m_col}), aber hier das Byte {byte}, das kein UTF-8 ist. So "
            "würden Umlaute still falsch gelesen. Vermutlich wurde eine UTF-8-Datei mit einem "
            "Programm bearbeitet, das ISO-8859-1 (Latin-1) schreibt.",
            file=path, line=line, column=column, hint=_HINT,
        )
    try:
        return raw.decode(fallback), fallback.upper()
    except UnicodeDecodeError as exc:  # cp1252 leaves a few bytes undefined
        b_line, b_col = locate(raw, exc.start)
        raise InputError(
            f"{what} ist weder UTF-8 noch {fallback.upper()} (Byte 0x{raw[exc.start]:02X}).",
            file=path, line=b_line, column=b_col, hint=_HINT,
        ) from None


def read_text(path: str | Path, *, fallback: str | None = "iso-8859-1", what: str = "Die Datei") -> tuple[str, str]:
    """Read ``path`` and decode it by the rule above."""
    return decode_text(Path(path).read_bytes(), path, fallback=fallback, what=what)


__all__ = ["decode_text", "read_text", "locate"]
