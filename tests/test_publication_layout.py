"""How the built editions look: the demo and two real editions (Bielefeld, Dortmund 2015).

The layout of every figure is measured while the editions are built (strict mode, see
``tests/conftest.py``): a build with overlapping texts, legends or data fails. Here: what every
edition must contain afterwards (renditions, symbols, downloads for German Excel, legal pages).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook


@pytest.fixture(scope="module", params=["demo_book", "shared_book", "dortmund_book"])
def book(request) -> Path:
    return Path(request.getfixturevalue(request.param).out)


def _figure_bases(out: Path) -> list[Path]:
    return sorted(p.with_suffix("") for p in out.rglob("files/*/*.svg"))


def test_every_figure_has_vector_screen_and_phone_renditions(book):
    bases = _figure_bases(book)
    assert bases, "no figures"
    for base in bases:
        assert base.with_suffix(".png").is_file(), base
        assert base.with_name(base.name + "-mobil.png").is_file(), base
    html = "".join(p.read_text(encoding="utf-8") for p in book.rglob("*.html"))
    assert html.count("<picture>") == len(bases)
    assert 'media="(max-width: 40em)"' in html


def test_figure_data_tables_use_symbols_as_the_legend_defines_them(book):
    for csv in book.rglob("files/*/*.csv"):
        raw = csv.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), csv  # one convention: German Excel CSV
        df = pd.read_csv(csv, sep=";", decimal=",", encoding="utf-8-sig", dtype=str, keep_default_na=False)
        if "Zeichen" not in df.columns:
            continue
        value_cols = [c for c in df.columns if c in ("Wert", "Anteil in %", "Nennungen")]
        for col in value_cols:
            present = df[col].str.strip() != ""
            # a value that is there never carries "." (unknown or secret)
            assert not (present & (df["Zeichen"].str.strip() == ".")).any(), csv
    legend = (book / "report/zeichenerklaerung.html").read_text(encoding="utf-8")
    assert "Reihenbruch" in legend and re.search(r"<td[^>]*>\s*\|\s*</td>", legend)


def test_downloads_for_german_excel(book):
    wb = load_workbook(book / "downloads" / "indikatoren.xlsx")
    assert "Erläuterungen" in wb.sheetnames
    ws = wb["Daten"]
    header = [c.value for c in ws[1]]
    assert "Wert" in header and "Indikator" in header and "value" not in header
    col = header.index("Wert") + 1
    values = [ws.cell(row=r, column=col).value for r in range(2, min(ws.max_row, 400) + 1)]
    assert any(isinstance(v, (int, float)) for v in values)
    assert not any(isinstance(v, str) and re.fullmatch(r"-?\d+(\.\d+)?", v) for v in values)
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    contract = (book / "downloads" / "indikatoren.csv").read_text(encoding="utf-8").splitlines()[0]
    assert contract.startswith("indicator,label,ags,")  # the contract stays as specified
    de = (book / "downloads" / "indikatoren_de.csv").read_bytes()
    assert de.startswith(b"\xef\xbb\xbfIndikator;")


def test_impressum_accessibility_statement_and_favicon(book):
    bitv = (book / "report/barrierefreiheit.html").read_text(encoding="utf-8")
    assert "Erklärung zur Barrierefreiheit" in bitv and "BITV 2.0" in bitv
    assert "Schlichtungsstelle" in bitv and 'href="https://ki-bielefeld.de"' in bitv
    impressum = (book / "report/impressum.html").read_text(encoding="utf-8")
    assert "Herausgegeben von" in impressum and 'href="barrierefreiheit.html"' in impressum
    assert (book / "_assets/favicon.svg").is_file()
    assert 'rel="icon"' in (book / "index.html").read_text(encoding="utf-8")


def _orphan_table_captions(pdf: Path) -> list[tuple[int, str]]:
    """Table captions (above their table) with nothing of the table below them on their page."""
    import subprocess
    import xml.etree.ElementTree as ET

    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    root = ET.fromstring(re.sub(r"<!DOCTYPE[^>]*>", "", xml))
    x = "{http://www.w3.org/1999/xhtml}"
    out = []
    for no, page in enumerate(root.iter(f"{x}page"), 1):
        blocks = [(float(b.get("yMin")), float(b.get("yMax")), " ".join(w.text or "" for w in b.iter(f"{x}word")))
                  for b in page.iter(f"{x}block")]
        body = [b for b in blocks if b[0] < float(page.get("height")) * 0.9]  # without the footer
        for _y0, y1, text in body:
            if re.match(r"Tabelle \d+:", text) and not any(b[0] >= y1 - 1 for b in body if b[2] != text):
                out.append((no, text[:70]))
    return out


def test_no_table_caption_is_left_alone_at_the_bottom_of_a_page(book):
    pdf = next(book.glob("*.pdf"))
    assert _orphan_table_captions(pdf) == []
