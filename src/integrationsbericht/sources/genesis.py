"""Reader for GENESIS / Regionaldatenbank CSV exports (``GENESIS-Tabelle: …`` / ``Tabelle: …``).

``read_genesis(path)`` turns one export into a tidy table with one row per data cell (see
``docs/DEVELOPMENT.md``, "GENESIS reader output"). The layout is detected from the file's
content, never from its name:

* title block (first line ``GENESIS-Tabelle: <code>`` or ``Tabelle: <code>``, title lines,
  source statistic, an optional ``<variable> (<unit>)`` line),
* one to four header rows (a row of units is the ``unit``, a row of periods is the ``period``),
* data rows ``[period;]AGS;region;[row dimension;]values…`` – or the newer layout with a
  quality column after every value,
* periods either in a leading column, in a header row, or on a line of their own above a block,
* a footer after ``__________`` with notes, copyright and ``Stand: dd.mm.yyyy / hh:mm:ss``.

Every problem a user can cause raises :class:`~integrationsbericht.errors.InputError` with a
German message naming file, line and column. Nothing unknown is turned into a number.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import yaml

from ..errors import InputError
from ..project import DEFAULTS
from .csvfile import records as csv_records
from .encoding import decode_text

__all__ = [
    "GENESIS_SCHEMA",
    "SYMBOLS",
    "validate_genesis",
    "read_genesis",
    "read_genesis_meta",
    "scan_regions",
    "short_region_name",
    "region_level",
]

# Zeichenerklärung: symbol → value. "-" means exactly zero; the others are "no number".
SYMBOLS: dict[str, float] = {"-": 0.0, ".": np.nan, "x": np.nan, "/": np.nan, "...": np.nan}

_CODE_RE = re.compile(r"^\s*(?:GENESIS-)?Tabelle:\s*(\S+)\s*$")
_PERIOD_RE = re.compile(r"^(?:\d{2}\.\d{2}\.\d{4}|\d{4})$")
_AGS_RE = re.compile(r"^(?:DG|\d{2}|\d{3}|\d{5}|\d{8}|\d{12})$")
_NUMBER_PAT = r"-?\d+(?:,\d+)?"
_QUALITY_PAT = r"[a-z]?"  # one lower-case letter (e, p, r, s, v …) or empty
_UNIT_RE = re.compile(
    r"^(?:Anzahl|Prozent|%|Promille|‰|Jahre|Monate|Tage|Stunden|Tonnen|t|kg|ha|qkm|km|km²|m²|"
    r"(?:Tsd\.|1000|Mill\.|Mio\.|Mrd\.)\s*(?:EUR|Euro)|EUR|Euro|Tsd\.|1000)$"
)
_UNIT_IN_TITLE_RE = re.compile(r"\(([^()]+)\)\s*$")
_STAND_RE = re.compile(r"^\s*Stand:\s*(\d{2}\.\d{2}\.\d{4})(?:\s*/\s*(\d{2}:\d{2}(?::\d{2})?))?")
_FOOTER_SEP = "__________"

_HINT_EXPORT = (
    "Bitte die Tabelle auf regionalstatistik.de bzw. GENESIS-Online als CSV exportieren und "
    "unverändert speichern (siehe docs/genesis.md)."
)


@dataclass
class _Row:
    line: int
    cells: list[str]


def _err(path: Path, message: str, line: int | None = None, column=None, hint=None) -> InputError:
    return InputError(message, file=path, line=line, column=column, hint=hint)


# --------------------------------------------------------------------------- decoding


_ZIP_MEMBER_RE = re.compile(r"^(?P<code>[0-9A-Za-z][0-9A-Za-z-]*)_(?P<ms>\d{10,16})_(?P<lang>[a-z]{2})_flat\.csv$", re.I)


def _read_raw(path: Path) -> tuple[bytes, dict]:
    """Bytes of an export; a zip (as the GENESIS REST API returns it) is read in place.

    Returns ``(bytes, info)``; ``info`` holds ``member``, ``code``, ``export_ms``, ``language``
    taken from the zip member's name (``<table>_<epoch-ms>_<lang>_flat.csv``).
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise _err(path, "Die Datei wurde nicht gefunden.") from None
    except IsADirectoryError:
        raise _err(path, "Erwartet wird eine CSV-Datei, gefunden wurde ein Ordner.") from None
    except OSError as exc:
        raise _err(path, f"Die Datei kann nicht gelesen werden ({exc.strerror}).") from None
    info: dict = {"member": None, "code": None, "export_ms": None, "language": None}
    if raw[:4] != b"PK\x03\x04":
        return raw, info
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            members = [m for m in zf.infolist() if not m.is_dir()]
            if len(members) != 1 or not members[0].filename.lower().endswith(".csv"):
                names = ", ".join(m.filename for m in members) or "keine"
                raise _err(
                    path,
                    "Das ZIP-Archiv muss genau eine CSV-Datei enthalten (so liefert es der "
                    f"GENESIS-Webservice); gefunden: {names}.",
                    hint=_HINT_EXPORT,
                )
            member = members[0]
            data = zf.read(member)
    except zipfile.BadZipFile:
        raise _err(
            path,
            "Die Datei beginnt wie ein ZIP-Archiv, ist aber beschädigt oder unvollständig.",
            hint="Die Tabelle bitte erneut vollständig herunterladen.",
        ) from None
    info["member"] = member.filename
    m = _ZIP_MEMBER_RE.match(Path(member.filename).name)
    if m:
        info.update(code=m.group("code"), export_ms=int(m.group("ms")), language=m.group("lang").lower())
    return data, info


def _decode_bytes(path: Path, raw: bytes) -> tuple[str, str]:
    if not raw.strip():
        raise _err(path, "Die Datei ist leer.", hint=_HINT_EXPORT)
    text, encoding = decode_text(raw, path)  # strict rule: UTF-8, pure Latin-1, or a located error
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding


def _decode(path: Path) -> tuple[str, str]:
    raw, _info = _read_raw(path)
    return _decode_bytes(path, raw)


# --------------------------------------------------------------------------- structure


def _split_file(path: Path, lines: list[str]) -> tuple[str, int]:
    """Check the first line and find the footer separator. Returns (code, separator index)."""
    first = lines[0].split(";")[0]
    m = _CODE_RE.match(first)
    if not m:
        shown = first.strip()[:60]
        raise _err(
            path,
            "Die Datei ist kein GENESIS-Export: Die erste Zeile muss „GENESIS-Tabelle: <Code>“ "
            "oder „Tabelle: <Code>“ lauten (CSV-Tabelle) oder die Spaltenköpfe eines Flat-Files "
            f"(„Statistik_Code;…“ bzw. „statistics_code;…“) enthalten; gefunden wurde „{shown}“.",
            line=1,
            hint=_HINT_EXPORT,
        )
    for i, text in enumerate(lines):
        if text.startswith(_FOOTER_SEP):
            return m.group(1), i
    raise _err(
        path,
        "Die Datei endet ohne Fußzeile (Trennlinie „__________“, Quellenangabe und „Stand:“). "
        "Vermutlich ist der Download oder das Kopieren abgebrochen.",
        line=len(lines),
        hint="Die Tabelle bitte erneut vollständig herunterladen.",
    )


def _records(lines: list[str], start: int, path=None) -> list[_Row]:
    """CSV records of ``lines`` with 1-based line numbers (``start`` = number of lines[0])."""
    return [_Row(n, cells) for n, cells in csv_records(lines, delimiter=";", path=path, first_line=start, multiline=False)]


def _parse_footer(path: Path, lines: list[str], sep: int) -> dict:
    footer = lines[sep + 1 :]
    stand_idx = None
    for i, text in enumerate(footer):
        if _STAND_RE.match(text):
            stand_idx = i
            break
    if stand_idx is None:
        raise _err(
            path,
            "Die Fußzeile ist unvollständig: Die Zeile „Stand: TT.MM.JJJJ / hh:mm:ss“ fehlt. "
            "Vermutlich ist die Datei abgeschnitten.",
            line=len(lines),
            hint="Die Tabelle bitte erneut vollständig herunterladen.",
        )
    m = _STAND_RE.match(footer[stand_idx])
    notes: list[str] = []
    copyright_parts: list[str] = []
    block = "\n".join(footer[:stand_idx])
    try:
        items = list(csv.reader(io.StringIO(block), delimiter=";", strict=True))
    except csv.Error:
        raise _err(
            path,
            "Die Fußnoten sind nicht lesbar (Anführungszeichen nicht geschlossen).",
            line=sep + 2,
        ) from None
    for item in items:
        text = ";".join(c for c in item if c is not None).strip()
        text = "\n".join(part.rstrip() for part in text.split("\n")).strip()
        if not text:
            continue
        if text.startswith("©"):
            copyright_parts.append(" ".join(text.split()))
        else:
            notes.append(text)
    return {
        "stand": m.group(1),
        "stand_time": m.group(2),
        "footnotes": notes,
        "copyright": " ".join(copyright_parts) or None,
    }


def _parse_title(title_lines: list[str]) -> dict:
    """Title, source statistic, variable and unit from the title block."""
    lines = [t.strip() for t in title_lines if t.strip()]
    variable = unit = None
    if lines:
        m = _UNIT_IN_TITLE_RE.search(lines[-1])
        if m and _UNIT_RE.match(m.group(1).strip()):
            variable, unit = lines[-1], m.group(1).strip()
            lines = lines[:-1]
    source = lines[-1] if len(lines) >= 2 else None
    title_part = lines[:-1] if source else lines
    title = " ".join(title_part)
    return {"title": title or None, "source": source, "variable": variable, "unit": unit}


def _is_unit_row(values: list[str]) -> bool:
    nonempty = [v.strip() for v in values if v.strip()]
    return bool(nonempty) and all(_UNIT_RE.match(v) for v in nonempty)


def _is_period_row(values: list[str]) -> bool:
    nonempty = [v.strip() for v in values if v.strip()]
    return bool(nonempty) and all(_PERIOD_RE.match(v) for v in nonempty)


def _col_label(header: list[list[str]], j: int) -> str:
    parts = [h[j] for h in header if h[j]]
    return " | ".join(parts)


# --------------------------------------------------------------------------- output schema

_NAN_SYMBOLS = [k for k, v in SYMBOLS.items() if v != v]

GENESIS_SCHEMA = pa.DataFrameSchema(
    {
        "ags": pa.Column(str, pa.Check.str_matches(_AGS_RE.pattern)),
        "region": pa.Column(str, pa.Check.str_length(min_value=1)),
        "period": pa.Column(str, pa.Check.str_matches(_PERIOD_RE.pattern)),
        "year": pa.Column("int64", pa.Check.in_range(1800, 2200)),
        "value": pa.Column("float64", nullable=True),
        "flag": pa.Column(str, pa.Check.isin(list(SYMBOLS)), nullable=True),
        r"^h\d+$": pa.Column(str, regex=True),
        r"^rowdim\d*$": pa.Column(str, regex=True, required=False),
        "unit": pa.Column(str, nullable=True),
        "column": pa.Column(str),
        "quality": pa.Column(str, pa.Check.str_matches(r"^(?:[a-z]|\(\))$"), nullable=True),
        "measure": pa.Column(str, nullable=True, required=False),
        # one column per variable code (GES, NAT …) with its canonical attribute
        r"^[A-Z][A-Z0-9]*(?:[-_][A-Z0-9]+)*$": pa.Column(
            str, regex=True, nullable=True, required=False
        ),
        "line": pa.Column("int64", pa.Check.ge(1)),
    },
    checks=[
        # "-" is exactly zero; ".", "x", "/", "..." are no number; a plain number has no flag
        pa.Check(
            lambda d: (d["flag"] != "-") | (d["value"] == 0.0),
            error="Zeichen „-“ muss den Wert 0 haben",
        ),
        pa.Check(
            lambda d: d["value"].isna() == d["flag"].isin(_NAN_SYMBOLS),
            error="Wert fehlt genau dann, wenn ein Zeichen . x / ... gesetzt ist",
        ),
    ],
    strict=False,
    coerce=False,
)


def validate_genesis(df: pd.DataFrame, file: str | Path | None = None) -> pd.DataFrame:
    """Check a table against the reader's output contract (pandera); German error on failure."""
    try:
        return GENESIS_SCHEMA.validate(df, lazy=False)
    except pa.errors.SchemaError as exc:
        line = None
        cases = getattr(exc, "failure_cases", None)
        idx = cases["index"].dropna() if isinstance(cases, pd.DataFrame) and "index" in cases else []
        if len(idx) and "line" in df.columns:
            try:
                line = int(df.loc[idx.iloc[0], "line"])
            except (KeyError, TypeError, ValueError):
                line = None
        column = getattr(getattr(exc, "schema", None), "name", None)
        check = getattr(exc, "check", None)
        check_name = check if isinstance(check, str) else getattr(check, "name", None)
        if check_name == "column_in_dataframe":
            what = f"Pflichtspalte „{cases if isinstance(cases, str) else column}“ fehlt"
            cases = None
        elif check is not None and getattr(check, "error", None):
            what = f"Prüfung „{check.error}“ nicht erfüllt"
        elif check is not None:
            what = f"Prüfung „{getattr(check, 'name', check)}“ nicht erfüllt"
        elif column is not None and column not in df.columns:
            what = "Spalte fehlt"
        else:
            what = "falscher Datentyp oder fehlende Werte"
        example = ""
        if column is not None or check_name == "column_in_dataframe":
            pass
        else:
            cases = None  # a table-wide check: the line number says where
        if isinstance(cases, pd.DataFrame) and "failure_case" in cases and len(cases):
            example = f" (z. B. Wert „{cases['failure_case'].iloc[0]}“)"
        raise InputError(
            f"Die gelesene Tabelle verletzt das Ausgabeformat des GENESIS-Lesers: {what}{example}.",
            file=file,
            line=line,
            column=column if isinstance(column, str) else None,
        ) from None


# --------------------------------------------------------------------------- main reader


def _read_classic(path: Path, text: str, encoding: str) -> pd.DataFrame:
    """Read one classic GENESIS CSV export (``GENESIS-Tabelle:`` / ``Tabelle:``).

    Columns: ``ags, region, period, year, value, flag, h1…hN, [rowdim, [rowdim2, rowdim3]], unit,
    column, quality, line``; ``df.attrs["meta"]`` holds ``code, title, unit, source, stand, footnotes, encoding,
    path`` (plus ``stand_time, variable, copyright, period_source, quality_columns``).
    Raises :class:`InputError` (German message with file/line/column) for anything it does not
    understand.
    """
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    code, sep = _split_file(path, lines)
    footer = _parse_footer(path, lines, sep)

    # ---- classify body lines: title, period lines, header rows, data rows
    title_lines: list[str] = []
    header_rows: list[_Row] = []
    data_rows: list[_Row] = []
    row_ctx: list[tuple[str, int] | None] = []  # period from a line of its own, per data row
    period_lines: list[int] = []
    ctx: tuple[str, int] | None = None
    state = "title"
    for rec in _records(lines[1:sep], start=2, path=path):
        cells = rec.cells
        if not cells:  # empty line
            continue
        first = cells[0].strip()
        rest = "".join(cells[1:]).strip()  # any content after the first field?
        if not first and not rest:
            continue
        if not rest:
            if _PERIOD_RE.match(first):
                ctx = (first, rec.line)
                period_lines.append(rec.line)
                continue
            if state == "title":
                title_lines.append(first)
                continue
            raise _err(
                path,
                f"Unerwartete Textzeile „{first[:60]}“ zwischen Tabellenkopf und Daten bzw. in den "
                "Daten. Erwartet wird eine Datenzeile „[Zeitraum;]AGS;Region;…;Werte“ oder ein "
                "Zeitraum (TT.MM.JJJJ oder JJJJ).",
                line=rec.line,
                column=1,
            )
        if first == "":
            if state == "data":
                raise _err(
                    path,
                    "Kopfzeile (erste Spalte leer) mitten in den Datenzeilen. Erwartet wird eine "
                    "Datenzeile mit AGS in der ersten oder zweiten Spalte.",
                    line=rec.line,
                    column=1,
                )
            state = "header"
            header_rows.append(rec)
            continue
        if not header_rows:
            raise _err(
                path,
                "Die Datei ist kein GENESIS-Export im erwarteten Format: Vor der ersten Datenzeile "
                "fehlt der Tabellenkopf (Zeilen, deren erste Spalte leer ist).",
                line=rec.line,
                hint=_HINT_EXPORT,
            )
        state = "data"
        data_rows.append(rec)
        row_ctx.append(ctx)

    if not header_rows:
        raise _err(
            path,
            "Kein Tabellenkopf gefunden: Die Datei enthält keine Zeilen mit Spaltenüberschriften.",
            line=sep,
            hint=_HINT_EXPORT,
        )
    if not data_rows:
        raise _err(path, "Die Tabelle enthält keine Datenzeilen.", line=sep, hint=_HINT_EXPORT)

    # ---- header analysis
    width = len(header_rows[0].cells)
    for h in header_rows[1:]:
        if len(h.cells) != width:
            raise _err(
                path,
                f"Die Kopfzeile hat {len(h.cells)} Felder, die erste Kopfzeile "
                f"(Zeile {header_rows[0].line}) aber {width}.",
                line=h.line,
            )
    n_lead = min(next(i for i, c in enumerate(h.cells) if c.strip()) for h in header_rows)
    if n_lead < 2:
        raise _err(
            path,
            "Der Tabellenkopf ist nicht lesbar: Vor den Spaltenüberschriften müssen mindestens "
            "zwei leere Felder (AGS, Region) stehen.",
            line=header_rows[0].line,
        )

    # width check of data rows
    for r in data_rows:
        if len(r.cells) != width:
            raise _err(
                path,
                f"Die Zeile hat {len(r.cells)} Felder, der Tabellenkopf (Zeile "
                f"{header_rows[0].line}) aber {width}. Ist ein Semikolon zu viel oder zu wenig?",
                line=r.line,
            )

    # leading columns: [period;] AGS; region; [rowdim]
    c0 = data_rows[0].cells[0].strip()
    c1 = data_rows[0].cells[1].strip()
    if _AGS_RE.match(c0):
        ags_col = 0
    elif _AGS_RE.match(c1) and _PERIOD_RE.match(c0):
        ags_col = 1
    else:
        raise _err(
            path,
            f"Erwartet wird in Spalte 1 ein Amtlicher Gemeindeschlüssel (AGS, z. B. „05711“ oder "
            f"„DG“) oder ein Zeitraum (TT.MM.JJJJ oder JJJJ) gefolgt vom AGS; gefunden „{c0}“, "
            f"„{c1}“.",
            line=data_rows[0].line,
            column=1,
        )
    n_rowdim = n_lead - ags_col - 2
    if not 0 <= n_rowdim <= 3:
        raise _err(
            path,
            f"Der Tabellenkopf hat {n_lead} führende leere Felder; zu den Datenzeilen passen "
            f"{ags_col + 2} bis {ags_col + 5} (Zeitraum, AGS, Region, bis zu drei Zeilenmerkmale).",
            line=header_rows[0].line,
        )

    raw_header = [[c.strip() for c in h.cells[n_lead:]] for h in header_rows]

    # newer layout: each value followed by a quality column with identical header labels
    n_raw = width - n_lead
    quality_layout = False
    if n_raw >= 2 and n_raw % 2 == 0 and all(h[0::2] == h[1::2] for h in raw_header):
        # identical labels in pairs; it is the quality layout if no second cell holds a value
        not_quality = re.compile(rf"{_NUMBER_PAT}|-|\.|/|\.\.\.")
        quality_layout = not any(
            not_quality.fullmatch(c.strip()) for r in data_rows for c in r.cells[n_lead + 1 :: 2]
        )
    value_idx = list(range(n_lead, width, 2 if quality_layout else 1))
    header = [h[0::2] if quality_layout else h for h in raw_header]
    header_lines = [h.line for h in header_rows]

    unit_row = None
    if len(header) >= 1 and _is_unit_row(header[-1]):
        unit_row = header[-1]
        header, header_lines = header[:-1], header_lines[:-1]
    period_row = None
    for k, h in enumerate(header):
        if _is_period_row(h):
            if period_row is not None:
                raise _err(path, "Zwei Kopfzeilen mit Zeiträumen.", line=header_lines[k])
            if not all(h):
                j = h.index("")
                raise _err(
                    path,
                    "Die Kopfzeile mit den Zeiträumen hat eine leere Zelle.",
                    line=header_lines[k],
                    column=value_idx[j] + 1,
                )
            period_row = h
            del header[k], header_lines[k]
            break
    n_cols = len(value_idx)

    # ---- period source (exactly one)
    sources = []
    if ags_col == 1:
        sources.append("column")
    if period_row is not None:
        sources.append("header")
    if period_lines:
        sources.append("line")
    if len(sources) != 1:
        if not sources:
            raise _err(
                path,
                "Kein Berichtszeitraum gefunden: weder eine Zeitraum-Spalte noch eine Kopfzeile "
                "mit Zeiträumen noch eine Zeile mit Zeitraum (TT.MM.JJJJ oder JJJJ) über den Daten.",
                line=data_rows[0].line,
            )
        raise _err(
            path,
            "Der Berichtszeitraum ist mehrdeutig: Er steht sowohl "
            + " als auch ".join(
                {"column": "in einer Spalte", "header": "im Tabellenkopf", "line": "in einer eigenen Zeile"}[s]
                for s in sources
            )
            + ".",
            line=period_lines[0] if period_lines else data_rows[0].line,
        )
    period_source = sources[0]
    if period_source == "line" and row_ctx[0] is None:
        raise _err(
            path,
            "Die erste Datenzeile steht vor jeder Zeile mit Zeitraum (TT.MM.JJJJ oder JJJJ).",
            line=data_rows[0].line,
        )

    # ---- row-level table
    n_rows = len(data_rows)
    lines_arr = np.fromiter((r.line for r in data_rows), dtype=np.int64, count=n_rows)
    ags = [r.cells[ags_col].strip() for r in data_rows]
    region = [r.cells[ags_col + 1].strip() for r in data_rows]
    rowdims = [[r.cells[ags_col + 2 + k].strip() for r in data_rows] for k in range(n_rowdim)]
    for r, a in zip(data_rows, ags):
        if not _AGS_RE.match(a):
            raise _err(
                path,
                f"„{a}“ ist kein Amtlicher Gemeindeschlüssel (erwartet „DG“ oder 2, 3, 5 oder 8 "
                "Ziffern).",
                line=r.line,
                column=ags_col + 1,
            )
    for r, name in zip(data_rows, region):
        if not name:
            raise _err(path, "Der Regionsname fehlt.", line=r.line, column=ags_col + 2)
    if period_source == "column":
        row_period = [r.cells[0].strip() for r in data_rows]
        for r, p in zip(data_rows, row_period):
            if not _PERIOD_RE.match(p):
                raise _err(
                    path,
                    f"„{p}“ ist kein Zeitraum (erwartet TT.MM.JJJJ oder JJJJ).",
                    line=r.line,
                    column=1,
                )
    elif period_source == "line":
        row_period = [c[0] for c in row_ctx]  # type: ignore[index]
    else:
        row_period = None

    # duplicates: same AGS, period and row label
    key = pd.DataFrame(
        {
            "ags": ags,
            "period": row_period if row_period is not None else "",
            "rowdim": [" | ".join(t) for t in zip(*rowdims)] if rowdims else "",
            "line": lines_arr,
        }
    )
    dup = key.duplicated(["ags", "period", "rowdim"], keep=False)
    if dup.any():
        d = key[dup]
        first = d.iloc[0]
        same = d[(d.ags == first.ags) & (d.period == first.period) & (d.rowdim == first.rowdim)]
        l1, l2 = int(same.line.iloc[0]), int(same.line.iloc[1])
        what = f"Region {first.ags}"
        if first.period:
            what += f", Zeitraum {first.period}"
        if first.rowdim:
            what += f", „{first.rowdim}“"
        raise _err(
            path,
            f"Doppelte Datenzeile ({what}): steht in Zeile {l1} und in Zeile {l2}.",
            line=l2,
        )

    # ---- cells (vectorised)
    vals = np.array([[r.cells[j] for j in value_idx] for r in data_rows], dtype=object)
    s = pd.Series(vals.ravel(), dtype="str").str.strip()
    is_num = s.str.fullmatch(_NUMBER_PAT)
    is_sym = s.isin(list(SYMBOLS))
    bad = ~(is_num | is_sym)
    if bad.any():
        pos = int(np.flatnonzero(bad.to_numpy())[0])
        i, j = divmod(pos, n_cols)
        cell = s.iloc[pos]
        label = _col_label(header, j)
        column = f"{value_idx[j] + 1}" + (f" („{label}“)" if label else "")
        if cell == "":
            why = "Die Zelle ist leer; erwartet wird eine Zahl oder ein Zeichen ( -  .  x  /  ... )."
        elif re.fullmatch(r"-?\d{1,3}(?:\.\d{3})+(?:,\d+)?", cell):
            why = (
                f"„{cell}“ ist nicht eindeutig: Punkt als Tausendertrennzeichen oder als "
                "Dezimaltrennzeichen? GENESIS-Exporte enthalten Zahlen ohne Tausendertrennzeichen "
                "und mit Dezimalkomma."
            )
        elif re.fullmatch(r"-?\d*\.\d+", cell):
            why = (
                f"„{cell}“ ist nicht eindeutig: Dezimalpunkt statt Dezimalkomma. GENESIS-Exporte "
                "verwenden das Dezimalkomma."
            )
        else:
            why = (
                f"Unbekanntes Zeichen „{cell}“. Erlaubt sind Zahlen mit Dezimalkomma und die "
                "Zeichen - (nichts vorhanden), . (unbekannt oder geheim), x (nicht sinnvoll), "
                "/ (nicht sicher genug) und ... (noch nicht vorhanden)."
            )
        raise _err(path, why, line=int(lines_arr[i]), column=column)
    num = s.where(is_num, "nan").str.replace(",", ".", regex=False).astype("float64")
    value = np.where(is_num.to_numpy(), num.to_numpy(), s.map(SYMBOLS).to_numpy(dtype=float))
    flag = s.where(is_sym)

    if quality_layout:
        q = np.array([[r.cells[j + 1].strip() for j in value_idx] for r in data_rows], dtype=object)
        qpat = re.compile(_QUALITY_PAT)
        for i, r in enumerate(data_rows):
            for k, j in enumerate(value_idx):
                if not qpat.fullmatch(q[i, k]):
                    raise _err(
                        path,
                        f"Unbekanntes Qualitätskennzeichen „{q[i, k]}“ nach dem Wert „"
                        f"{r.cells[j].strip()}“. Erwartet wird ein einzelner Kleinbuchstabe "
                        "(z. B. e = endgültig) oder ein leeres Feld.",
                        line=r.line,
                        column=f"{j + 2} („{_col_label(header, k)}“, Qualität)",
                    )
        quality = pd.Series(q.ravel(), dtype="str")
        quality = quality.where(quality != "")
    else:
        quality = pd.Series(np.full(n_rows * n_cols, np.nan, dtype=object), dtype="str")

    # ---- long table
    title_info = _parse_title(title_lines)
    table_unit = title_info["unit"]
    col_units = [
        (u if u else table_unit) if unit_row is not None else table_unit
        for u in (unit_row if unit_row is not None else [None] * n_cols)
    ]
    labels_col = [_col_label(header, j) for j in range(n_cols)]

    rep = np.repeat(np.arange(n_rows), n_cols)  # row index of every cell
    til = np.tile(np.arange(n_cols), n_rows)  # column index of every cell

    def by_row(labels: list[str]) -> pd.Series:
        return pd.Series(pd.array(labels, dtype="str").take(rep))

    def by_col(labels: list) -> pd.Series:
        return pd.Series(pd.array(labels, dtype="str").take(til))

    out: dict[str, object] = {"ags": by_row(ags), "region": by_row(region)}
    period_s = by_col(period_row) if period_row is not None else by_row(row_period)
    out["period"] = period_s
    out["year"] = period_s.str[-4:].astype("int64").to_numpy()
    out["value"] = value.astype("float64")
    out["flag"] = flag.reset_index(drop=True)
    for k, h in enumerate(header, start=1):
        out[f"h{k}"] = by_col(h)
    for k, labels in enumerate(rowdims):
        out["rowdim" if k == 0 else f"rowdim{k + 1}"] = by_row(labels)
    out["unit"] = by_col(col_units)
    out["column"] = by_col(labels_col)
    out["quality"] = quality.reset_index(drop=True)
    out["line"] = lines_arr[rep]
    df = pd.DataFrame(out)

    df.attrs["meta"] = {
        "code": code,
        "title": title_info["title"],
        "unit": table_unit
        if table_unit
        else (col_units[0] if col_units and len(set(col_units)) == 1 else None),
        "source": title_info["source"],
        "variable": title_info["variable"],
        "stand": footer["stand"],
        "stand_time": footer["stand_time"],
        "footnotes": footer["footnotes"],
        "copyright": footer["copyright"],
        "encoding": encoding,
        "path": str(path),
        "period_source": period_source,
        "quality_columns": quality_layout,
        "layout": "classic",
        "language": "de",
        "generation": 0,
        "export_ms": None,
    }
    return df


# --------------------------------------------------------------------------- variables and attributes
#
# Flat files carry variable codes and attribute codes (``GES``/``GESM``); classic CSVs carry only
# labels, which differ between layouts and years ("Ausländer(innen)", "Ausländer/-innen",
# "ausländisch"). ``config/genesis_merkmale.yml`` maps both onto one meaning: one output column
# per variable code (``GES``, ``NAT`` …) holding a canonical attribute (``männlich``,
# ``ausländisch``, ``insgesamt``), and the column ``measure`` with the value variable's code.

# the packaged mapping; a report project may replace it with its own file of the same path
# (``integrationsbericht anpassen config/genesis_merkmale.yml``)
MAPPING_REL = "config/genesis_merkmale.yml"
MAPPING_FILE = DEFAULTS / MAPPING_REL
_VAR_COL_RE = re.compile(r"^[A-Z][A-Z0-9]*(?:[-_][A-Z0-9]+)*$")
_TOTAL_LABELS = {"insgesamt", "total"}
_mapping_cache: dict[tuple[str, float], dict] = {}


def _fold(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def load_mapping(path: str | Path | None = None) -> dict:
    """The label → (variable, attribute) mapping (``config/genesis_merkmale.yml``), checked.

    Returns ``{"merkmale": {VAR: {alias_folded: canonical}}, "tabellen": {code: spec}}``.
    """
    path = Path(path) if path else MAPPING_FILE
    try:
        key = (str(path), path.stat().st_mtime)
    except OSError:
        raise _err(path, "Die Zuordnungsdatei der GENESIS-Merkmale fehlt.") from None
    if key in _mapping_cache:
        return _mapping_cache[key]
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise _err(
            path,
            "Die Zuordnungsdatei der GENESIS-Merkmale ist kein gültiges YAML.",
            line=mark.line + 1 if mark else None,
        ) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("merkmale", {}), dict):
        raise _err(path, "Erwartet wird eine Zuordnung mit den Schlüsseln „merkmale“ und „tabellen“.")
    merkmale: dict[str, dict[str, str]] = {}
    for var, attrs in (raw.get("merkmale") or {}).items():
        if not _VAR_COL_RE.match(str(var)) or not isinstance(attrs, dict):
            raise _err(
                path,
                f"Merkmal „{var}“: erwartet wird ein Merkmalscode in Großbuchstaben mit einer "
                "Zuordnung „Ausprägung: [Codes und Beschriftungen]“.",
            )
        aliases: dict[str, str] = {}
        for canon, names in attrs.items():
            for name in [canon, *(names or [])]:
                f = _fold(name if name is not None else "")
                if f in aliases and aliases[f] != canon:
                    raise _err(
                        path,
                        f"Merkmal „{var}“: „{name}“ ist zwei Ausprägungen zugeordnet "
                        f"(„{aliases[f]}“ und „{canon}“).",
                    )
                aliases[f] = str(canon)
        merkmale[str(var)] = aliases
    tabellen = raw.get("tabellen") or {}
    if not isinstance(tabellen, dict):
        raise _err(path, "„tabellen“ muss eine Zuordnung Tabellencode → Beschreibung sein.")
    for code, spec in tabellen.items():
        if not isinstance(spec, dict):
            raise _err(path, f"Tabelle {code}: erwartet wird eine Zuordnung.")
        for var in spec.get("merkmale") or []:
            if not _VAR_COL_RE.match(str(var)):
                raise _err(path, f"Tabelle {code}: „{var}“ ist kein Merkmalscode.")
    out = {"merkmale": merkmale, "tabellen": {str(k): v for k, v in tabellen.items()}}
    _mapping_cache[key] = out
    return out


def canonical_attribute(mapping: dict, var: str, code: str, label: str) -> str:
    """Canonical attribute of a flat-file cell (by attribute code, then label)."""
    aliases = mapping["merkmale"].get(var, {})
    if code and _fold(code) in aliases:
        return aliases[_fold(code)]
    if _fold(label) in aliases:
        return aliases[_fold(label)]
    if _fold(label) in _TOTAL_LABELS:  # "Insgesamt"/"Total", code empty or e.g. "LB-INS"
        return "insgesamt"
    return " ".join(str(label).split())


class _Passthrough(dict):
    """Row spec ``{merkmal: X}``: every label is an attribute of ``X`` as it stands."""

    def __init__(self, var: str):
        super().__init__()
        self.var = var



def _classic_row_spec(mapping: dict, spec) -> dict[str, dict[str, str]] | None:
    """Row spec → {folded label: {var or "measure": attribute}}."""
    if isinstance(spec, str):  # a variable code: labels from the shared list
        aliases = mapping["merkmale"].get(spec, {})
        return {alias: {spec: canon} for alias, canon in aliases.items()}
    if isinstance(spec, dict) and "wert" in spec:  # labels of the value variable (measure)
        return {
            _fold(label): {"measure": str(mcode)}
            for mcode, labels in (spec["wert"] or {}).items()
            for label in (labels or [])
        }
    if isinstance(spec, dict) and set(spec) == {"merkmal"}:  # attribute = the label itself
        return _Passthrough(str(spec["merkmal"]))
    if isinstance(spec, dict) and "zuordnung" in spec:  # mixed rows: label → {VAR: attr}
        out = {}
        for label, pairs in (spec["zuordnung"] or {}).items():
            out[_fold(label if label is not None else "")] = {str(k): str(v) for k, v in (pairs or {}).items()}
        return out
    return None


def _add_classic_dims(df: pd.DataFrame, code: str, mapping: dict) -> None:
    spec = mapping["tabellen"].get(code) or {}
    klass = spec.get("klassisch")
    if not klass:
        return
    variables = [str(v) for v in spec.get("merkmale") or []]
    # "-": a header row that only names a variable ("Nationalität") and carries no attribute
    ignored = {k for k, v in klass.items() if v == "-"}
    rows = {k: _classic_row_spec(mapping, v) for k, v in klass.items() if k != "wert" and v != "-"}
    rows = {k: v for k, v in rows.items() if v is not None and k in df.columns}
    fixed_measure = klass.get("wert") if isinstance(klass.get("wert"), str) else None
    label_cols = [c for c in df.columns if re.fullmatch(r"h\d+|rowdim\d*", c)]
    if any(c not in rows and c not in ignored for c in label_cols):
        # a header level the mapping does not describe: the cell's meaning is not fully known,
        # so it gets no value variable (cells are then matched by their labels, never merged
        # across different row labels)
        fixed_measure = None
        complete = False
    else:
        complete = True
    cols = list(rows)
    combos = df[cols].drop_duplicates() if cols else df.head(1)[[]]
    results = []
    for combo in combos.itertuples(index=False):
        dims: dict[str, str | None] = {v: "insgesamt" for v in variables}
        dims["measure"] = fixed_measure
        ok = True
        for col, label in zip(cols, combo):
            spec_row = rows[col]
            if isinstance(spec_row, _Passthrough):
                pairs = {spec_row.var: " ".join(str(label).split())}
            else:
                pairs = spec_row.get(_fold(label))
            if pairs is None:
                ok = False
                break
            dims.update(pairs)
        if not ok:
            dims = {v: None for v in variables} | {"measure": None}
        if not complete:
            dims["measure"] = None
        results.append(dims)
    if not cols:
        for v in variables:
            df[v] = pd.Series(["insgesamt"] * len(df), dtype="str")
        df["measure"] = pd.Series([fixed_measure] * len(df), dtype="str")
        return
    lut = pd.DataFrame(results)
    lut[cols] = combos.reset_index(drop=True)
    merged = df[cols].merge(lut, on=cols, how="left")
    for v in [*variables, "measure"]:
        df[v] = pd.Series(merged[v].to_numpy(dtype=object), dtype="str")


# --------------------------------------------------------------------------- flat files (ffcsv)

_REGION_VARS = {"DINSG", "DLAND", "REGBEZ", "KREISE", "GEMEIN", "GEMEINDE", "STAG"} - {"STAG"}
_FLAT_NUMBER_RE = re.compile(r"^-?\d+(?:[.,]\d+)?$")
_FLAT_QUALITY_RE = re.compile(r"^(?:[a-z]|\(\))?$")
_ISO_DATE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def _flat_period(value: str) -> str | None:
    m = _ISO_DATE_RE.match(value)
    if m:
        return f"{m.group(3)}.{m.group(2)}.{m.group(1)}"
    return value if _PERIOD_RE.match(value) else None


def _flat_table_code(path: Path, mapping: dict, stat: str, variables: list[str], measures: list[str]):
    hits = []
    for code, spec in mapping["tabellen"].items():
        if str(spec.get("statistik", "")) != stat:
            continue
        if sorted(str(v) for v in spec.get("merkmale") or []) != sorted(variables):
            continue
        werte = {str(w) for w in spec.get("werte") or []}
        if werte and not set(measures) <= werte:
            continue
        hits.append(code)
    if len(hits) == 1:
        return hits[0]
    raise _err(
        path,
        f"Der Tabellencode dieses Flat-Files ist nicht eindeutig erkennbar (Statistik {stat}, "
        f"Merkmale {', '.join(variables) or 'keine'}, Werte {', '.join(measures)}"
        + (f"; passend: {', '.join(hits)}" if hits else "")
        + "). Ein Flat-File nennt nur die Statistik, nicht die Tabelle.",
        line=1,
        hint="Die Datei als ZIP-Archiv des Webservice belassen (der Name der enthaltenen Datei "
        "nennt die Tabelle), mit „integrationsbericht fetch“ laden (Abrufprotokoll "
        "genesis/abruf-manifest.csv) oder die Tabelle in der Zuordnungsdatei des Projekts "
        "beschreiben (mit „integrationsbericht anpassen config/genesis_merkmale.yml“ ins Projekt "
        "holen).",
    )


def _read_flat(path: Path, text: str, encoding: str, info: dict, code: str | None, mapping: dict):
    lines = text.split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    records = _records(lines, start=1, path=path)
    header = [c.strip() for c in records[0].cells]
    width = len(header)
    new = header[0] == "statistics_code" and "value" in header and "value_variable_code" in header
    layout = "ffcsv-new" if new else "ffcsv-old"
    if new:
        vidx = header.index("value")
        tail = header[vidx:]
        expected = ["value", "value_unit", "value_variable_code", "value_variable_label"]
        if tail[:4] != expected or tail[4:] not in ([], ["value_q"]) or (vidx - 5) % 4:
            raise _err(
                path,
                "Der Kopf des Flat-Files ist unvollständig: Nach den Merkmalsspalten werden "
                "„value;value_unit;value_variable_code;value_variable_label[;value_q]“ erwartet.",
                line=1,
            )
        n_var = (vidx - 5) // 4
        measure_cols: list[tuple[int, str, str, str]] = []
        has_q = tail[4:] == ["value_q"]
    else:
        first_m = next((j for j in range(5, width) if "__" in header[j]), None)
        if first_m is None or (first_m - 5) % 4:
            raise _err(
                path,
                "Der Kopf des Flat-Files ist nicht lesbar: Erwartet werden nach „Zeit“ je Merkmal "
                "vier Spalten (Code, Label, Ausprägung Code, Ausprägung Label) und dann je Wert "
                "eine Spalte „<CODE>__<Bezeichnung>__<Einheit>“.",
                line=1,
                column=(first_m or width) + 1,
            )
        n_var = (first_m - 5) // 4
        measure_cols = []
        for j in range(first_m, width):
            parts = header[j].split("__")
            if len(parts) < 3 or not parts[0]:
                raise _err(
                    path,
                    f"Spalte „{header[j]}“: erwartet wird „<CODE>__<Bezeichnung>__<Einheit>“.",
                    line=1,
                    column=j + 1,
                )
            measure_cols.append((j, parts[0], "__".join(parts[1:-1]).replace("_", " "), parts[-1]))
        has_q = False
    data = records[1:]
    if not data:
        raise _err(path, "Die Tabelle enthält keine Datenzeilen.", line=1, hint=_HINT_EXPORT)
    for r in data:
        if len(r.cells) != width:
            raise _err(
                path,
                f"Die Zeile hat {len(r.cells)} Felder, der Kopf (Zeile 1) aber {width}. Ist ein "
                "Semikolon zu viel oder zu wenig?",
                line=r.line,
            )
    frame = pd.DataFrame([r.cells for r in data], dtype="str")
    line_no = np.fromiter((r.line for r in data), dtype=np.int64, count=len(data))
    var_codes = [frame[5 + 4 * k].str.strip() for k in range(n_var)]
    region_pos = None
    for k in range(n_var):
        in_set = var_codes[k].isin(_REGION_VARS)
        if in_set.all():
            region_pos = k
            break
    if region_pos is None:
        raise _err(
            path,
            "Das Flat-File hat kein Regionalmerkmal (KREISE, DLAND, REGBEZ, DINSG) in einer "
            "gemeinsamen Spalte aller Zeilen.",
            line=2,
        )
    dim_pos = [k for k in range(n_var) if k != region_pos]
    variables = []
    for k in dim_pos:
        codes = var_codes[k].unique()
        if len(codes) != 1:
            i = int(np.flatnonzero((var_codes[k] != var_codes[k].iloc[0]).to_numpy())[0])
            raise _err(
                path,
                f"Merkmal Nr. {k + 1} wechselt zwischen den Zeilen ({var_codes[k].iloc[0]} und "
                f"{var_codes[k].iloc[i]}).",
                line=int(line_no[i]),
                column=5 + 4 * k + 1,
            )
        variables.append(str(codes[0]))
    rb = 5 + 4 * region_pos
    ags = frame[rb + 2].str.strip()
    region = frame[rb + 3].str.strip()
    bad = ~ags.str.fullmatch(_AGS_RE.pattern)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise _err(
            path,
            f"„{ags.iloc[i]}“ ist kein Amtlicher Gemeindeschlüssel (erwartet „DG“ oder 2, 3, 5 "
            "oder 8 Ziffern).",
            line=int(line_no[i]),
            column=rb + 3,
        )
    if (region == "").any():
        i = int(np.flatnonzero((region == "").to_numpy())[0])
        raise _err(path, "Der Regionsname fehlt.", line=int(line_no[i]), column=rb + 4)
    times = frame[4].str.strip()
    period_of = {t: _flat_period(t) for t in times.unique()}
    for t, p in period_of.items():
        if p is None:
            i = int(np.flatnonzero((times == t).to_numpy())[0])
            raise _err(
                path,
                f"„{t}“ ist kein Zeitraum (erwartet TT.MM.JJJJ, JJJJ-MM-TT oder JJJJ).",
                line=int(line_no[i]),
                column=5,
            )
    period = times.map(period_of)
    attr_code = {v: frame[5 + 4 * k + 2].str.strip() for v, k in zip(variables, dim_pos)}
    attr_label = {v: frame[5 + 4 * k + 3].str.strip() for v, k in zip(variables, dim_pos)}

    # one part per measure (old: one column per measure; new: one value per row)
    parts = []
    if new:
        parts.append(
            {
                "raw": frame[vidx].str.strip(),
                "unit": frame[vidx + 1].str.strip(),
                "measure": frame[vidx + 2].str.strip(),
                "mlabel": frame[vidx + 3].str.strip(),
                "quality": frame[vidx + 4].str.strip() if has_q else None,
                "col": vidx,
            }
        )
    else:
        n = len(frame)
        for j, mcode, mlabel, unit in measure_cols:
            parts.append(
                {
                    "raw": frame[j].str.strip(),
                    "unit": pd.Series([unit] * n, dtype="str"),
                    "measure": pd.Series([mcode] * n, dtype="str"),
                    "mlabel": pd.Series([mlabel] * n, dtype="str"),
                    "quality": None,
                    "col": j,
                }
            )
    frames = []
    for part in parts:
        s = part["raw"]
        is_num = s.str.match(_FLAT_NUMBER_RE.pattern)
        is_sym = s.isin(list(SYMBOLS))
        bad = ~(is_num | is_sym)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            cell = s.iloc[i]
            why = (
                "Die Zelle ist leer; erwartet wird eine Zahl oder ein Zeichen ( -  .  x  /  ... )."
                if cell == ""
                else f"Unbekanntes Zeichen „{cell}“. Erlaubt sind Zahlen und die Zeichen - . x / ..."
            )
            raise _err(path, why, line=int(line_no[i]), column=part["col"] + 1)
        num = s.where(is_num, "nan").str.replace(",", ".", regex=False).astype("float64")
        value = np.where(is_num.to_numpy(), num.to_numpy(), s.map(SYMBOLS).to_numpy(dtype=float))
        if part["quality"] is not None:
            q = part["quality"]
            badq = ~q.str.match(_FLAT_QUALITY_RE.pattern)
            if badq.any():
                i = int(np.flatnonzero(badq.to_numpy())[0])
                raise _err(
                    path,
                    f"Unbekanntes Qualitätskennzeichen „{q.iloc[i]}“. Erwartet wird ein einzelner "
                    "Kleinbuchstabe (z. B. e = endgültig), „()“ oder ein leeres Feld.",
                    line=int(line_no[i]),
                    column=part["col"] + 5,
                )
            quality = q.where(q != "")
        else:
            quality = pd.Series([None] * len(s), dtype="str")
        out = {
            "ags": ags,
            "region": region,
            "period": period,
            "year": period.str[-4:].astype("int64"),
            "value": value.astype("float64"),
            "flag": s.where(is_sym),
        }
        labels = [part["mlabel"]] + [attr_label[v] for v in variables]
        for k, lab in enumerate(labels, start=1):
            out[f"h{k}"] = lab
        out["unit"] = part["unit"].where(part["unit"] != "")
        col = labels[0]
        for lab in labels[1:]:
            col = col + " | " + lab
        out["column"] = col
        out["quality"] = quality
        out["line"] = line_no
        out["measure"] = part["measure"]
        for v in variables:
            pairs = pd.DataFrame({"c": attr_code[v], "l": attr_label[v]})
            uniq = pairs.drop_duplicates()
            lut = {
                (c, l): canonical_attribute(mapping, v, c, l)
                for c, l in zip(uniq["c"], uniq["l"])
            }
            out[v] = pd.Series([lut[(c, l)] for c, l in zip(pairs["c"], pairs["l"])], dtype="str")
        frames.append(pd.DataFrame(out))
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    for c in ["ags", "region", "period", "flag", "unit", "column", "quality", "measure"]:
        df[c] = df[c].astype("str")
    for k in range(1, n_var + 1):
        if f"h{k}" in df:
            df[f"h{k}"] = df[f"h{k}"].astype("str")

    # a cell given twice
    key_cols = ["ags", "period", "measure", *variables]
    dup = df.duplicated(key_cols, keep=False)
    if dup.any():
        d = df[dup].sort_values("line", kind="stable")
        first = d.iloc[0]
        same = d[(d[key_cols] == first[key_cols]).all(axis=1)]
        l1, l2 = int(same["line"].iloc[0]), int(same["line"].iloc[1])
        raise _err(
            path,
            f"Doppelter Wert (Region {first['ags']}, Zeitraum {first['period']}, "
            + ", ".join(f"{v} {first[v]}" for v in variables)
            + f"): steht in Zeile {l1} und in Zeile {l2}.",
            line=l2,
        )

    stat = str(frame[0].iloc[0]).strip()
    measures = sorted(set(df["measure"]))
    table_code = info.get("code") or code or _flat_table_code(path, mapping, stat, variables, measures)
    language = info.get("language")
    if language is None:
        if header[0] == "Statistik_Code":
            language = "de"
        else:
            totals = [attr_label[v][attr_code[v] == ""] for v in variables]
            labels_total = set().union(*(set(t.unique()) for t in totals)) if totals else set()
            language = "en" if "Total" in labels_total or not new else "de"
    units = sorted(set(df["unit"].dropna()))
    stat_label = str(frame[1].iloc[0]).strip()
    df.attrs["meta"] = {
        "code": table_code,
        "title": stat_label or None,
        "unit": units[0] if len(units) == 1 else None,
        "source": stat_label or None,
        "variable": None,
        "stand": None,
        "stand_time": None,
        "footnotes": [],
        "copyright": None,
        "encoding": encoding,
        "path": str(path),
        "period_source": "column",
        "quality_columns": has_q,
        "layout": layout,
        "language": language,
        "generation": 1 if new else 0,
        "export_ms": info.get("export_ms"),
        "statistic": stat,
        "variables": variables,
        "zip_member": info.get("member"),
    }
    return df


# --------------------------------------------------------------------------- dispatcher


def read_genesis(path: str | Path, *, code: str | None = None, mapping: str | Path | None = None) -> pd.DataFrame:
    """Read one GENESIS export, whatever its layout, into a tidy table (one row per data cell).

    Layouts (detected from the content, never from the file name): the classic CSV
    (``GENESIS-Tabelle:`` / ``Tabelle:``, also with quality columns), the flat file ("ffcsv")
    in its old German layout (one column per measure) and its new English-header layout (one
    value per row, optional ``value_q``), German and English, and the zip the REST API returns
    (read in place).

    Columns: ``ags, region, period, year, value, flag, h1…hN, [rowdim, [rowdim2, rowdim3]], unit,
    column, quality, line``, plus ``measure`` (code of the value variable) and one column per
    variable code (``GES``, ``NAT`` …) holding its canonical attribute (``männlich``,
    ``ausländisch``, ``insgesamt``) — straight from a flat file, via
    ``config/genesis_merkmale.yml`` for classic headers. ``df.attrs["meta"]`` holds ``code,
    title, unit, source, stand, footnotes, encoding, path, layout, language, generation,
    export_ms`` (plus ``stand_time, variable, copyright, period_source, quality_columns``).
    ``code`` names the table where a plain flat file cannot (e.g. from the fetch manifest).
    Raises :class:`InputError` (German message with file/line/column) for anything it does not
    understand.
    """
    path = Path(path)
    raw, info = _read_raw(path)
    text, encoding = _decode_bytes(path, raw)
    first = text.split("\n", 1)[0].split(";", 1)[0].strip()
    maps = load_mapping(mapping)
    if first in ("Statistik_Code", "statistics_code"):
        df = _read_flat(path, text, encoding, info, code, maps)
    else:
        df = _read_classic(path, text, encoding)
        meta = df.attrs["meta"]
        meta["zip_member"] = info.get("member")
        if info.get("export_ms"):
            meta["export_ms"] = info["export_ms"]
        _add_classic_dims(df, meta["code"], maps)
        df.attrs["meta"] = meta
    # column order: contract columns, labels, dimensions, then unit, column, quality, line
    tail = ["unit", "column", "quality", "line"]
    dims = ["measure", *sorted(c for c in df.columns if _VAR_COL_RE.match(c))]
    dims = [c for c in dims if c in df.columns]
    head = [c for c in df.columns if c not in tail and c not in dims]
    meta = df.attrs["meta"]
    df = df[head + dims + tail]
    df.attrs["meta"] = meta
    validate_genesis(df, path)
    return df


def read_genesis_meta(path: str | Path) -> dict:
    """Only the table metadata of an export (same dict as ``read_genesis(path).attrs["meta"]``)."""
    return read_genesis(path).attrs["meta"]


# --------------------------------------------------------------------------- regions

_KINDS = {
    "kreisfreie stadt": "Kreisfreie Stadt",
    "krfr. stadt": "Kreisfreie Stadt",
    "krsfr. stadt": "Kreisfreie Stadt",
    "landkreis": "Landkreis",
    "kreis": "Kreis",
    "stadtkreis": "Stadtkreis",
    "regionalverband": "Regionalverband",
    "stadt": "Stadt",
}
_KIND_PREFIXES = {"Kreisfreie Stadt ": "Kreisfreie Stadt"}


def _split_region(region: str) -> tuple[str, str | None]:
    """``"Kiel, Landeshauptstadt, Kreisfreie Stadt"`` → ``("Kiel", "Kreisfreie Stadt")``."""
    parts = [p.strip() for p in region.split(",")]
    kind = _KINDS.get(parts[-1].lower()) if len(parts) > 1 else None
    name = parts[0]
    for prefix, prefix_kind in _KIND_PREFIXES.items():
        if name.startswith(prefix):
            name, kind = name[len(prefix) :].strip(), kind or prefix_kind
    if name.startswith("Landkreis ") and kind is None:
        kind = "Landkreis"  # "Landkreis Rostock" keeps its name (the city is "Rostock")
    return name, kind


def short_region_name(region: str) -> str:
    """``"Bielefeld, Kreisfreie Stadt"`` → ``"Bielefeld"``; ``"Region Hannover"`` stays."""
    return _split_region(region.strip())[0]


def region_level(ags: str) -> str:
    """``bund`` (DG), ``land`` (2 digits), ``regierungsbezirk`` (3), ``kreis`` (5), ``gemeinde``."""
    if ags == "DG":
        return "bund"
    return {2: "land", 3: "regierungsbezirk", 5: "kreis"}.get(len(ags), "gemeinde")


def _quick_regions(path: Path) -> tuple[dict[str, str], str | None]:
    """Regions (AGS → name) and ``Stand`` of an export by a light line scan.

    Gives the same regions as ``read_genesis`` for a well-formed file; anything unusual (no
    GENESIS first line, no footer, no ``Stand:``) falls back to the full reader so that the user
    gets its precise error message.
    """
    text, _enc = _decode(path)
    lines = text.split("\n")
    if lines[0].split(";", 1)[0].strip() in ("Statistik_Code", "statistics_code"):
        flat: dict[str, str] = {}
        for line in lines[1:]:
            cells = line.split(";", 9)
            if len(cells) > 8 and cells[5] in _REGION_VARS and _AGS_RE.match(cells[7]):
                flat.setdefault(cells[7], cells[8].strip())
        if not flat:
            read_genesis(path)  # raises the precise error
        return flat, None
    if not _CODE_RE.match(lines[0].split(";")[0]):
        read_genesis(path)  # raises the precise error
    regions: dict[str, str] = {}
    stand = None
    in_footer = False
    for line in lines[1:]:
        if in_footer:
            m = _STAND_RE.match(line)
            if m:
                stand = m.group(1)
                break
            continue
        if line.startswith(_FOOTER_SEP):
            in_footer = True
            continue
        cells = line.split(";", 3)
        if len(cells) >= 2 and _AGS_RE.match(cells[0]):
            regions.setdefault(cells[0], cells[1].strip())
        elif len(cells) >= 3 and _AGS_RE.match(cells[1]) and _PERIOD_RE.match(cells[0]):
            regions.setdefault(cells[1], cells[2].strip())
    if stand is None or not regions:
        read_genesis(path)  # raises the precise error (truncated file, no data …)
        raise _err(path, "Die Datei enthält keine Regionen.")  # pragma: no cover
    return regions, stand


def scan_regions(paths: Iterable[str | Path], *, validate: bool = False) -> pd.DataFrame:
    """One row per region (AGS) found in the given GENESIS files.

    Columns ``ags, region, name, level, kind``. Where spellings differ between files, the one
    from the file with the newest ``Stand:`` wins. By default the files are only scanned
    (fast); ``validate=True`` reads each one completely with :func:`read_genesis`.
    """
    frames = []
    for p in paths:
        p = Path(p)
        if validate:
            df = read_genesis(p)
            regs = df[["ags", "region"]].drop_duplicates()
            stand_text = df.attrs["meta"]["stand"]
        else:
            found, stand_text = _quick_regions(p)
            regs = pd.DataFrame({"ags": list(found), "region": list(found.values())})
        stand = pd.to_datetime(stand_text, format="%d.%m.%Y") if stand_text else pd.NaT
        frames.append(regs.assign(_stand=stand))
    if not frames:
        return pd.DataFrame(
            {c: pd.Series(dtype="str") for c in ("ags", "region", "name", "level", "kind")}
        )
    allr = pd.concat(frames, ignore_index=True)
    allr = allr.sort_values(["ags", "_stand", "region"], kind="stable", na_position="first")
    allr = allr.drop_duplicates("ags", keep="last").sort_values("ags").reset_index(drop=True)
    split = allr["region"].map(_split_region)
    result = pd.DataFrame(
        {
            "ags": allr["ags"].astype("str"),
            "region": allr["region"].astype("str"),
            "name": split.map(lambda t: t[0]).astype("str"),
            "level": allr["ags"].map(region_level).astype("str"),
            "kind": split.map(lambda t: t[1]).astype("str"),
        }
    )
    return result
