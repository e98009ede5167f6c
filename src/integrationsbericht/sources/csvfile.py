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
