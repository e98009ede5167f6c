"""Deterministic CSV and XLSX writers for downloads (same data → same bytes)."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd

from .escaping import neutralise_formulas

FIXED_TIME = datetime(2000, 1, 1)


def write_csv(df: pd.DataFrame, path: Path) -> Path:
    """UTF-8, comma-separated, plain decimal point, ``\\n`` line ends, no index; text cells a
    spreadsheet would run as formulas are neutralised (:func:`escaping.csv_cell`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    neutralise_formulas(df).to_csv(path, index=False, encoding="utf-8", lineterminator="\n", float_format="%.10g")
    return path


def write_xlsx(sheets: dict[str, pd.DataFrame] | pd.DataFrame, path: Path) -> Path:
    """Write one or more sheets; zip entry times and document properties are fixed. Text that
    starts with ``=`` stays a text cell (openpyxl would store it as a live formula)."""
    if isinstance(sheets, pd.DataFrame):
        sheets = {"Daten": sheets}
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)
            for row in writer.book[name[:31]].iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        cell.data_type = "s"
        props = writer.book.properties
        props.created = FIXED_TIME
        props.modified = FIXED_TIME
        props.creator = "integrationsbericht"
        props.lastModifiedBy = "integrationsbericht"
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


def _fix_core_dates(data: bytes) -> bytes:
    import re

    text = data.decode("utf-8")
    text = re.sub(
        r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
        lambda m: f"{m.group(1)}2000-01-01T00:00:00Z{m.group(3)}",
        text,
    )
    return text.encode("utf-8")
