"""Text from data files reaches every output literally: HTML, Typst/PDF, Markdown, CSV, XLSX.

Before issue 17 a measures cell ``[x](javascript:…)`` became a live link on the website and in
the PDF, ``*…*`` and backticks became formatting, ``@name`` broke the PDF build and ``=…``
became a live formula in the Excel download."""

from __future__ import annotations

import csv
import html as htmllib
import re

import openpyxl
import pandas as pd
import pypandoc
import pytest

from integrationsbericht import escaping
from integrationsbericht.exports import write_csv, write_xlsx
from integrationsbericht.report import markdown_table

# every character that means something in HTML, Typst, pandoc Markdown, Quarto, CSV or a
# spreadsheet formula, with the attacks seen in the measures table
EVIL = (
    "=HYPERLINK(\"javascript:alert(1)\";\"x\") <script>alert('x')</script> "
    "[klick](javascript:alert(1)) <https://böse.example> *fett* **sehr** _k_ `code` @name "
    "$x^2$ #set text(red) = Titel - Liste + x ~ ^ \\ / {{< meta title >}} ::: {.x} | a & b; "
    "c, d % 100 ! ? 1. 13.1 <!-- k --> &amp; &#x41; 'q' \"qq\" -- ... Bürger*innen"
)


def _text_of_html(fragment: str) -> str:
    return htmllib.unescape(re.sub(r"<[^>]+>", "", fragment))


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_markdown_escaping_is_literal_in_html():
    out = pypandoc.convert_text(escaping.md(EVIL), "html", format="markdown")
    assert "<a " not in out and "<script" not in out and "<em>" not in out and "<code>" not in out
    assert _squash(_text_of_html(out)) == _squash(EVIL)


def test_markdown_escaping_is_literal_in_the_pdf(tmp_path):
    typst = pytest.importorskip("typst")
    from pypdf import PdfReader

    body = pypandoc.convert_text(escaping.md(EVIL), "typst", format="markdown", extra_args=["--wrap=none"])
    direct = escaping.typst(EVIL)
    src = tmp_path / "t.typ"
    src.write_text('#set page(width: 60cm, height: auto)\n#set text(font: "Liberation Sans")\n'
                   + body + "\n\n" + direct + "\n", encoding="utf-8")
    pdf = tmp_path / "t.pdf"
    pdf.write_bytes(typst.compile(str(src)))
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "javascript" in text and "/URI" not in pdf.read_bytes().decode("latin-1")
    flat = re.sub(r"\s+", "", text)
    # Typst sets "..." as an ellipsis (typography, not markup): the only difference allowed
    assert flat.count(re.sub(r"\s+", "", EVIL).replace("...", "…")) == 2, text


def test_html_escaping_is_literal():
    assert htmllib.unescape(escaping.html(EVIL)) == EVIL
    assert "<" not in escaping.html(EVIL)


def test_table_cells_from_data_are_literal_and_code_links_stay_links():
    df = pd.DataFrame({"Maßnahme": [EVIL], "Bezirk": ["[Mitte](#mitte)"]})
    df.attrs["markdown_columns"] = ["Bezirk"]
    out = pypandoc.convert_text(markdown_table(df), "html", format="markdown")
    assert out.count("<a ") == 1 and 'href="#mitte"' in out
    assert "javascript" not in re.findall(r'href="([^"]*)"', out)[0]
    cell = re.search(r"<td[^>]*>(.*?)</td>", out, re.S).group(1)
    assert _squash(_text_of_html(cell)) == _squash(EVIL)


def test_csv_and_xlsx_never_hold_a_live_formula(tmp_path):
    df = pd.DataFrame({
        "text": [EVIL, "+49 521 51-0", "-2+3", "@SUMME(A1)", "-", "Mitte"],
        "zahl": [1.5, -2.0, 3.0, 4.0, 5.0, 6.0],
    })
    with open(write_csv(df, tmp_path / "x.csv"), encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))  # the German Excel convention
    assert [r["text"] for r in rows] == ["'" + EVIL, "'+49 521 51-0", "'-2+3", "'@SUMME(A1)", "-", "Mitte"]
    assert rows[1]["zahl"] == "-2"
    write_xlsx(df, tmp_path / "x.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "x.xlsx").active
    cells = [ws.cell(row=i, column=1) for i in range(2, 8)]
    assert all(c.data_type == "s" for c in cells)
    assert [c.value for c in cells] == list(df["text"])
    assert ws.cell(row=3, column=2).value == -2


@pytest.mark.parametrize("value, expected", [
    ("-1,5", "-1,5"), ("+3", "+3"), ("=1+1", "'=1+1"), ("\tx", "'\tx"), ("–", "–"), (7, 7),
])
def test_csv_cell(value, expected):
    assert escaping.csv_cell(value) == expected
