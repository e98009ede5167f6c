"""The fetch manifest ``<data>/genesis/abruf-manifest.csv``.

One row per downloaded file: UTF-8, comma-separated, header
``datei,tabelle,datenbank,parameter,abgerufen,stand,sha256``. ``datei`` is relative to
``genesis/``; ``abgerufen`` and ``stand`` are ISO 8601 (``2025-11-27T10:31:05``), ``stand`` as the
service reported it. The request parameters never contain credentials (they travel in headers).
The ingest step reads ``stand`` to order exports and skips this file.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from ..errors import InputError

MANIFEST_NAME = "abruf-manifest.csv"
HEADER = ["datei", "tabelle", "datenbank", "parameter", "abgerufen", "stand", "sha256"]


@dataclass(frozen=True)
class Entry:
    datei: str
    tabelle: str
    datenbank: str
    parameter: str
    abgerufen: str
    stand: str
    sha256: str


assert [f.name for f in fields(Entry)] == HEADER


def read_manifest(path: Path) -> dict[str, Entry]:
    """``{file name: entry}``; an empty dict when the file does not exist.

    A table can have two files: the web service's zip (``<code>.zip``) and the open download
    without login (``<code>_00.csv``); both stay, the reader orders them by their ``Stand``.
    """
    if not path.exists():
        return {}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("Das Abruf-Protokoll ist nicht UTF-8-kodiert.", file=path) from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return {}
    if rows[0] != HEADER:
        raise InputError(
            "Das Abruf-Protokoll hat nicht die erwarteten Spalten "
            f"({','.join(HEADER)}). Es wird nur von „integrationsbericht fetch“ geschrieben; bitte "
            "nicht von Hand ändern (im Zweifel löschen: dann lädt fetch alle Tabellen neu).",
            file=path,
            line=1,
        )
    out: dict[str, Entry] = {}
    for no, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != len(HEADER):
            raise InputError(
                f"Erwartet werden {len(HEADER)} Felder, gefunden {len(row)}.", file=path, line=no
            )
        entry = Entry(*row)
        if not entry.tabelle or not entry.datei or "/" in entry.datei or "\\" in entry.datei:
            raise InputError("Tabelle oder Dateiname fehlt oder ist ungültig.", file=path, line=no)
        if entry.datei in out:
            raise InputError(
                f"Die Datei {entry.datei} steht zweimal im Abruf-Protokoll.", file=path, line=no
            )
        out[entry.datei] = entry
    return out


def write_manifest(path: Path, entries: dict[str, Entry]) -> None:
    """Write the manifest atomically (sorted by file name: same entries → same bytes)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    for e in sorted(entries.values(), key=lambda e: (e.datei, e.tabelle)):
        d = asdict(e)
        w.writerow([d[h] for h in HEADER])
    atomic_write_bytes(path, buf.getvalue().encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if os.name == "posix":
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
