"""Reading a comma-separated text table with German errors (file, line) instead of pandas' own."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..errors import InputError


def read_text_csv(path: Path, *, expected: str, missing: str) -> pd.DataFrame:
    """All cells as text (nothing converted). ``expected`` names what the file should be (for
    the messages), ``missing`` is the message for an absent file."""
    path = Path(path)
    if not path.exists():
        raise InputError(missing, file=path)
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError(f"Die Datei ist nicht UTF-8-kodiert (erwartet: {expected}).", file=path) from None
    except pd.errors.EmptyDataError:
        raise InputError(f"Die Datei ist leer (erwartet: {expected}).", file=path) from None
    except pd.errors.ParserError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise InputError(
            "Die Zeile hat mehr Felder als die Kopfzeile (Komma im Wert oder falsches "
            f"Trennzeichen?); erwartet: {expected}.",
            file=path,
            line=int(line[1]) if line else None,
        ) from None


FIELD_LIMIT = 131072  # characters; Python's csv default, stated in the message


def records(lines, *, delimiter: str, path, first_line: int = 1, strict: bool = True,
            multiline: bool = True):
    """``(line, cells)`` for each CSV record of ``lines`` (an iterable of lines or a text
    stream), ``line`` being where the record starts. Every malformation becomes a German
    :class:`InputError` with file and line: an unclosed or stray quote, a field over
    :data:`FIELD_LIMIT` characters, and — with ``multiline=False``, for files whose cells never
    span lines (GENESIS) — a quoted cell that runs over a line break."""
    import csv

    reader = csv.reader(lines, delimiter=delimiter, strict=strict)
    start = first_line
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            msg = str(exc)
            if "field larger" in msg:
                text = (f"Ein Feld ist länger als {FIELD_LIMIT:,} Zeichen".replace(",", ".")
                        + ". Meist öffnet hier ein Anführungszeichen („\"“) ein Feld, das erst "
                        "viel später oder nie geschlossen wird; sonst ist ein Wert zu lang.")
            elif "unexpected end of data" in msg:
                text = ("Ein Anführungszeichen („\"“) in diesem Datensatz wird bis zum Dateiende "
                        "nicht geschlossen.")
            elif "expected after" in msg:
                text = (f"Nach einem schließenden Anführungszeichen („\"“) folgt kein Trennzeichen "
                        f"(„{delimiter}“). Steht ein einzelnes Anführungszeichen im Text, muss es "
                        "verdoppelt werden („\"\"“).")
                start = first_line + reader.line_num - 1
            elif "NUL" in msg or "null byte" in msg.lower():
                text = "Die Datei enthält Null-Bytes; sie ist keine Textdatei (CSV)."
            else:
                text = "Die Zeile ist kein gültiges CSV."
            raise InputError(text, file=path, line=start) from None
        if not multiline and any("\n" in c or "\r" in c for c in cells):
            raise InputError(
                "Ein Anführungszeichen („\"“) in dieser Zeile wird nicht in derselben Zeile "
                "geschlossen; die folgenden Zeilen würden zu einem Wert zusammengezogen.",
                file=path, line=start,
            )
        yield start, cells
        start = first_line + reader.line_num
