"""Deterministic downloads for people who open them in German Excel (same data → same bytes).

* :func:`write_xlsx`: numbers stored as numbers with number formats (``#,##0``, ``0.0" %"``),
  German column headers, a frozen header row, filters on every column and a sheet
  "Erläuterungen" (columns and the symbols of official statistics).
* :func:`write_csv`: the one convention of every figure/table CSV and of the German variants
  of the contract files: semicolon, decimal comma, UTF-8 with BOM, German column headers;
  text cells a spreadsheet would run as formulas are neutralised.

The contract file ``indikatoren.csv`` (comma, decimal point, English headers) is written by
:mod:`integrationsbericht.indicators` and stays as specified.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd

from .escaping import neutralise_formulas

FIXED_TIME = datetime(2000, 1, 1)

# English column names of internal tables → German headers in every download for people.
GERMAN_HEADERS = {
    "indicator": "Indikator", "label": "Bezeichnung", "field": "Handlungsfeld", "ags": "AGS",
    "region": "Region", "role": "Rolle", "period": "Stichtag", "year": "Jahr", "group": "Gruppe",
    "group_label": "Gruppe (Bezeichnung)", "value": "Wert", "unit": "Einheit",
    "decimals": "Nachkommastellen", "flag": "Zeichen", "numerator": "Zähler",
    "denominator": "Nenner", "change_1y": "Veränderung zum Vorjahr",
    "change_5y": "Veränderung in 5 Jahren", "change_10y": "Veränderung in 10 Jahren",
    "break": "Reihenbruch", "note": "Hinweis", "source": "Quelle", "nr": "Nr.",
    "handlungsfeld": "Handlungsfeld", "insgesamt": "Insgesamt", "title": "Titel",
    "item": "Frage (Kennung)", "item_text": "Frage", "category": "Antwort", "share": "Anteil in %",
    "ci_low": "95-%-KI von", "ci_high": "95-%-KI bis", "n": "n (ungewichtet)",
    "group_var": "Gliederung", "group_value": "Gruppe", "kind": "Art", "p_value": "p-Wert",
    "bezirk": "Bezirk", "count": "Anzahl", "answers": "Antworten insgesamt",
    "land": "Land", "land_period": "Stichtag (Land)", "bund": "Deutschland",
    "bund_period": "Stichtag (Deutschland)",
}

SYMBOLS = [
    ("–", "nichts vorhanden (genau null)"),
    ("0", "weniger als die Hälfte von 1 in der letzten besetzten Stelle, jedoch mehr als nichts"),
    (".", "Zahlenwert unbekannt oder geheim zu halten"),
    ("…", "Angabe fällt später an"),
    ("x", "Tabellenfach gesperrt, weil Aussage nicht sinnvoll"),
    ("/", "keine Angabe, da Zahlenwert nicht sicher genug"),
    ("( )", "Aussagewert eingeschränkt, da der Zahlenwert statistisch relativ unsicher ist"),
    ("|", "grundsätzliche Änderung innerhalb einer Reihe, die den zeitlichen Vergleich beeinträchtigt (Reihenbruch)"),
    ("p", "vorläufige Zahl"),
    ("r", "berichtigte Zahl"),
    ("s", "geschätzte Zahl"),
]

_YEAR_COL = re.compile(r"^(jahr|year|stand|stichtag|periode|period|zeitraum|schuljahr|berichtsjahr|nr\.?)\b",
                       re.IGNORECASE)
# German-formatted numbers as the report prints them: "340.049", "19,9 %", "+1,52 Pp.", "−766"
_GERMAN_NUMBER = re.compile(r"^([+−\-]?)(\d{1,3}(?:\.\d{3})*|\d+)(?:,(\d+))?(?: ?(%|Pp\.))?$")


def german_columns(df: pd.DataFrame) -> pd.DataFrame:
    """Rename known internal (English) column names to their German headers (never onto a
    name the table already has)."""
    taken = {str(c) for c in df.columns}
    mapping = {}
    for c in df.columns:
        new = GERMAN_HEADERS.get(c)
        if new and new not in taken:
            mapping[c] = new
            taken.add(new)
    return df.rename(columns=mapping)


def _parse_german(text: str):
    """``"19,9 %"`` → (19.9, 1, "%"); None if the text is no German-formatted number."""
    m = _GERMAN_NUMBER.match(text.strip())
    if not m:
        return None
    sign, whole, frac, unit = m.groups()
    v = float(whole.replace(".", "") + ("." + frac if frac else ""))
    if sign in ("−", "-"):
        v = -v
    return v, len(frac or ""), unit or ""


def _decimals(values) -> int:
    d = 0
    for v in values:
        if isinstance(v, float) and math.isfinite(v):
            for k in range(0, 4):
                if abs(round(v, k) - v) < 1e-9:
                    d = max(d, k)
                    break
            else:
                d = max(d, 3)
    return d


def _number_format(decimals: int, unit: str = "", signed: bool = False, year: bool = False) -> str:
    if year:
        return "0"
    base = "#,##0" + ("." + "0" * decimals if decimals else "")
    suffix = {"%": '" %"', "Pp.": '" Pp."'}.get(unit, "")
    if signed:
        return f"+{base}{suffix};-{base}{suffix};{base}{suffix}"
    return base + suffix


def _typed_columns(df: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, list[str | None]]]:
    """Numbers as numbers: numeric columns stay, columns of German-formatted number texts
    ("340.049", "19,9 %", "+1,5 Pp.") become numbers (symbols such as "." or "/" stay text);
    plus the number format of every cell (by column, one entry per row)."""
    out = df.copy()
    formats: dict[str, list[str | None]] = {}
    symbols = {sym for sym, _ in SYMBOLS}
    for col in out.columns:
        s = out[col]
        year = _YEAR_COL.search(str(col)) is not None
        if pd.api.types.is_bool_dtype(s):
            out[col] = s.map({True: "ja", False: ""})
            continue
        if pd.api.types.is_numeric_dtype(s):
            formats[col] = [_number_format(_decimals(s.tolist()), year=year)] * len(s)
            continue
        values = s.tolist()
        texts = [v.strip() for v in values if isinstance(v, str) and v.strip() and v.strip() not in symbols]
        if not texts or any(_parse_german(t) is None for t in texts):
            continue
        converted, cell_formats = [], []
        for v in values:
            p = _parse_german(v) if isinstance(v, str) and v.strip() not in symbols else None
            if p is None:
                converted.append(v)
                cell_formats.append(None)
                continue
            value, dec, unit = p
            converted.append(value)
            signed = v.strip()[:1] in "+−-"
            cell_formats.append(_number_format(dec, unit, signed, year=year and dec == 0 and not unit))
        out[col] = pd.Series(converted, index=s.index, dtype=object)
        formats[col] = cell_formats
    return out, formats


def explanations_for(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Default sheet "Erläuterungen": what the sheets hold and the symbols used."""
    rows = [{"Begriff": "Zahlen", "Erläuterung": "Zahlen sind als Zahlen gespeichert; die Anzeige "
             "(Tausenderpunkt, Nachkommastellen, %, Pp.) ist ein Zahlenformat. Pp. = Prozentpunkte."}]
    for name, frame in frames.items():
        rows.append({"Begriff": f"Blatt „{name}“",
                     "Erläuterung": "Spalten: " + ", ".join(str(c) for c in frame.columns)})
    rows.append({"Begriff": "Zeichen", "Erläuterung": "Zeichen der amtlichen Statistik "
                 "(Spalte „Zeichen“ oder anstelle eines Wertes):"})
    rows += [{"Begriff": sym, "Erläuterung": text} for sym, text in SYMBOLS]
    return pd.DataFrame(rows)


def write_xlsx(sheets: dict[str, pd.DataFrame] | pd.DataFrame, path: Path,
               explanations: pd.DataFrame | None = None) -> Path:
    """Write one or more sheets for German Excel plus "Erläuterungen"; fixed zip times."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    if isinstance(sheets, pd.DataFrame):
        sheets = {"Daten": sheets}
    sheets = {name: german_columns(frame) for name, frame in sheets.items()}
    if "Erläuterungen" not in sheets:
        sheets["Erläuterungen"] = explanations if explanations is not None else explanations_for(sheets)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    wb.remove(wb.active)
    for name, frame in sheets.items():
        ws = wb.create_sheet(title=name[:31])
        typed, formats = _typed_columns(frame)
        ws.append([str(c) for c in typed.columns])
        for row in typed.itertuples(index=False):
            cells = []
            for v in row:
                if hasattr(v, "item") and not isinstance(v, str):
                    v = v.item()
                if v is None or v is pd.NA or (isinstance(v, float) and not math.isfinite(v)):
                    v = None
                cells.append(v)
            ws.append(cells)
        # text from data files that starts with "=" stays a text cell, never a live formula
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
        for j, col in enumerate(typed.columns, start=1):
            letter = get_column_letter(j)
            ws.cell(row=1, column=j).font = Font(bold=True)
            ws.cell(row=1, column=j).alignment = Alignment(wrap_text=True, vertical="top")
            for r, fmt in enumerate(formats.get(col) or [], start=2):
                if fmt:
                    ws.cell(row=r, column=j).number_format = fmt
            longest = max([len(str(col))] + [len(str(v)) for v in typed[col].tolist()[:500]])
            ws.column_dimensions[letter].width = min(60, max(8, longest + 2))
        ws.freeze_panes = "A2"
        if len(typed.columns) and name != "Erläuterungen":
            ws.auto_filter.ref = f"A1:{get_column_letter(len(typed.columns))}{max(1, len(typed)) + 1}"
    props = wb.properties
    props.created = FIXED_TIME
    props.modified = FIXED_TIME
    props.creator = "integrationsbericht"
    props.lastModifiedBy = "integrationsbericht"
    buf = io.BytesIO()
    wb.save(buf)
    # Re-pack with fixed entry timestamps so that the bytes do not depend on the clock.
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in sorted(src.infolist(), key=lambda i: i.filename):
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _fix_core_dates(data)
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, data)
    path.write_bytes(out.getvalue())
    return path


def write_csv(df: pd.DataFrame, path: Path) -> Path:
    """German CSV for Excel: ``;``-separated, decimal comma, UTF-8 with BOM, German headers,
    ``\\n`` line ends, no index. Numbers keep full precision (no thousands separator)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = german_columns(df).copy()
    for col in frame.columns:
        if pd.api.types.is_bool_dtype(frame[col]):
            frame[col] = frame[col].map({True: "ja", False: ""})
    # text cells a spreadsheet would run as formulas are neutralised (escaping.csv_cell)
    neutralise_formulas(frame).to_csv(path, index=False, sep=";", decimal=",", encoding="utf-8-sig",
                                      lineterminator="\n", float_format="%.10g")
    return path


def _fix_core_dates(data: bytes) -> bytes:
    text = data.decode("utf-8")
    text = re.sub(
        r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
        lambda m: f"{m.group(1)}2000-01-01T00:00:00Z{m.group(3)}",
        text,
    )
    return text.encode("utf-8")
