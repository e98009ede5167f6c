"""Chapter helpers: the Markdown chapters emit, and the files behind every figure and table."""

from __future__ import annotations

import hashlib
import re

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from integrationsbericht import fmt
from integrationsbericht.report import Chapter, escape_gender_star, markdown_table


def test_german_formats():
    assert fmt.number(333090) == "333.090"
    assert fmt.percent(13.0727) == "13,1 %"
    assert fmt.pp(-2.345) == "−2,3 Pp."
    assert fmt.pp(1.25, long=True) == "+1,3 Prozentpunkte"  # commercial rounding
    assert fmt.percent(13.05) == "13,1 %"
    assert fmt.signed(-0.04) == "±0,0"
    assert fmt.date("2015-12-31") == "31.12.2015"
    assert fmt.number(-0.04, 1) == "0,0"  # no "-0,0"
    assert fmt.number(float("nan")) == "."


def test_gender_star_is_escaped_but_not_emphasis():
    assert escape_gender_star("Bielefelder*innen und Ausländer*innen") == (
        "Bielefelder\\*innen und Ausländer\\*innen"
    )
    assert escape_gender_star("**fett** und *kursiv*") == "**fett** und *kursiv*"


def test_markdown_table_german_numbers_and_years():
    df = pd.DataFrame({"Jahr": [2014, 2015], "Anteil": [12.34, 13.07], "Anzahl": [9410, 333090]})
    text = markdown_table(df, {"Anteil": 1})
    lines = text.splitlines()
    assert lines[0] == "| Jahr | Anteil | Anzahl |"
    assert re.fullmatch(r"\|-{3,}:\|-{3,}:\|-{3,}:\|", lines[1])
    assert lines[3] == "| 2015 | 13,1 | 333.090 |"


def test_formatted_number_columns_are_right_aligned():
    df = pd.DataFrame({"Bezirk": ["Mitte", "Senne"], "Anteil unter 18 Jahren": ["13,1 %", "/"],
                       "Einwohner": ["81.500", "(20)"]})
    assert re.fullmatch(r"\|:-{3,}\|-{3,}:\|-{3,}:\|", markdown_table(df).splitlines()[1])


def test_missing_values_get_a_symbol_not_a_blank():
    df = pd.DataFrame({"Region": ["A", "B"], "Wert": [1.5, float("nan")]})
    assert markdown_table(df).splitlines()[-1] == "| B | . |"


def _figure(ch: Chapter):
    fig, ax = plt.subplots()
    ax.plot([2014, 2015], [12.3, 13.1], marker="o")
    data = pd.DataFrame({"Jahr": [2014, 2015], "Ausländeranteil": [12.3, 13.1]})
    return ch.figure(
        fig, "anteil", caption="Ausländeranteil", alt="Linie von 12,3 % (2014) auf 13,1 % (2015)",
        data=data, source="Statistische Ämter",
    )


def test_figure_files_markdown_and_determinism(tmp_path):
    ch = Chapter.open(None, tmp_path, "bevoelkerung")
    md = _figure(ch)
    base = tmp_path / "report" / "files" / "bevoelkerung"
    for name in ("anteil.png", "anteil.svg", "anteil-mobil.png", "anteil.csv", "anteil.xlsx"):
        assert (base / name).is_file(), name
    # the SVG is the figure (vector in the PDF); the website takes the PNG and the phone PNG
    assert md.startswith("![Ausländeranteil. Quelle: Statistische Ämter](files/bevoelkerung/anteil.svg)")
    assert ('{#fig-anteil fig-alt="Linie von 12,3 % (2014) auf 13,1 % (2015)" '
            'ib-png="files/bevoelkerung/anteil.png" ib-mobile="files/bevoelkerung/anteil-mobil.png"}') in md
    assert "::: {.ib-data}" in md and "| 2015 | 13,1 |" in md
    digests = {ext: hashlib.sha256((base / f"anteil.{ext}").read_bytes()).hexdigest() for ext in ("png", "svg", "xlsx")}
    _figure(ch)
    again = {ext: hashlib.sha256((base / f"anteil.{ext}").read_bytes()).hexdigest() for ext in ("png", "svg", "xlsx")}
    assert digests == again


def test_figure_needs_alt_text_and_data(tmp_path):
    ch = Chapter.open(None, tmp_path, "x")
    fig, _ = plt.subplots()
    with pytest.raises(ValueError):
        ch.figure(fig, "a", caption="c", alt=" ", data=pd.DataFrame({"a": [1]}))
    with pytest.raises(ValueError):
        ch.figure(fig, "a", caption="c", alt="Beschreibung", data=pd.DataFrame())
    with pytest.raises(ValueError, match="source"):  # every figure names its source
        ch.figure(fig, "a", caption="c", alt="Beschreibung", data=pd.DataFrame({"a": [1]}))
    plt.close(fig)


def test_table_caption_and_downloads(tmp_path):
    ch = Chapter.open(None, tmp_path, "index")
    md = ch.table(pd.DataFrame({"Kennzahl": ["Einwohner*innen"], "Wert": [333090]}), "kennzahlen",
                  caption="Kennzahlen")
    assert "| Einwohner\\*innen | 333.090 |" in md
    assert ": Kennzahlen {#tbl-kennzahlen}" in md
    # one convention for every figure/table CSV: German Excel (";", decimal comma, BOM)
    assert (tmp_path / "files" / "index" / "kennzahlen.csv").read_text(encoding="utf-8-sig").startswith(
        "Kennzahl;Wert\nEinwohner*innen;333090\n")


def test_links_to_site_files_depend_on_the_page(tmp_path):
    assert Chapter.open(None, tmp_path, "index").site_href("downloads/a.csv") == "downloads/a.csv"
    assert Chapter.open(None, tmp_path, "quellen").site_href("downloads/a.csv") == "../downloads/a.csv"


def test_a_title_displayed_by_code_moves_into_a_markdown_cell(tmp_path):
    """Quarto reads a chapter's title only from Markdown cells (see chapter_title)."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    from integrationsbericht.chapter_title import title_into_markdown_cell

    def md(text):
        return new_output("display_data", data={"text/markdown": text})

    path = tmp_path / "befunde.ipynb"
    nb = new_notebook(cells=[
        new_code_cell("x = 1"),
        new_code_cell('ch.md("# Befunde")\nch.md("Text")', outputs=[md("# Befunde"), md("Text.")]),
        new_markdown_cell("## Mehr"),
    ])
    nbformat.write(nb, path)
    assert title_into_markdown_cell(path)
    nb = nbformat.read(path, as_version=4)
    assert [c.cell_type for c in nb.cells] == ["code", "markdown", "code", "markdown"]
    assert nb.cells[1].source == "# Befunde"
    assert [o["data"]["text/markdown"] for o in nb.cells[2].outputs] == ["Text."]
    assert not title_into_markdown_cell(path)  # already in place: unchanged
    # a notebook whose title is a Markdown cell is left alone
    other = tmp_path / "other.ipynb"
    nbformat.write(new_notebook(cells=[new_markdown_cell("# Titel"),
                                       new_code_cell("", outputs=[md("# Zweiter")])]), other)
    assert not title_into_markdown_cell(other)
