"""Downloads for German Excel: numbers as numbers, formats, frozen header, filters, German
headers, "Erläuterungen"; the German CSV convention; the contract CSV unchanged; symbols."""

from __future__ import annotations

import pandas as pd
from openpyxl import load_workbook

from integrationsbericht.exports import write_csv, write_xlsx
from integrationsbericht.report import markdown_table


def test_xlsx_holds_numbers_with_formats_frozen_header_filters_and_explanations(tmp_path):
    display = pd.DataFrame({"Kennzahl": ["Bevölkerung", "Ausländeranteil", "Veränderung"],
                            "Bielefeld": ["340.049", "19,9 %", "."],
                            "Stand": [2025, 2025, 2024]})
    raw = pd.DataFrame({"ags": ["05711", "05711"], "year": [2024, 2025], "value": [19.912, 20.5],
                        "flag": ["", "p"]})
    path = write_xlsx({"Tabelle": display, "Rohdaten": raw}, tmp_path / "t.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["Tabelle", "Rohdaten", "Erläuterungen"]
    ws = wb["Tabelle"]
    assert [c.value for c in ws[1]] == ["Kennzahl", "Bielefeld", "Stand"]
    assert ws["B2"].value == 340049 and ws["B2"].number_format == "#,##0"
    assert ws["B3"].value == 19.9 and ws["B3"].number_format == '#,##0.0" %"'
    assert ws["B4"].value == "."  # a symbol stays a symbol
    assert ws["C2"].value == 2025 and ws["C2"].number_format == "0"  # a year, no "2.025"
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:C4"
    raw_ws = wb["Rohdaten"]
    assert [c.value for c in raw_ws[1]] == ["AGS", "Jahr", "Wert", "Zeichen"]  # German headers
    assert isinstance(raw_ws["C2"].value, float) and raw_ws["C2"].number_format == "#,##0.000"
    terms = [r[0].value for r in wb["Erläuterungen"].iter_rows(min_row=2)]
    assert "|" in terms and "x" in terms and "/" in terms


def test_german_csv_convention(tmp_path):
    path = write_csv(pd.DataFrame({"year": [2025], "value": [19.9], "flag": [""]}), tmp_path / "t.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig") == "Jahr;Wert;Zeichen\n2025;19,9;\n"


def test_symbol_column_drives_empty_cells_and_parentheses():
    df = pd.DataFrame({"Antwort": ["ja", "ja", "nein"], "Anteil in %": [41.0, float("nan"), 12.5],
                       "Zeichen": ["", "/", "( )"], "n (ungewichtet)": [200, 7, 25]})
    md = markdown_table(df)
    assert "| ja | 41 |  | 200 |" in md
    assert "| ja | / | / | 7 |" in md
    assert "| nein | (12,5) | \\( \\) | 25 |" in md  # the symbol itself is literal text
