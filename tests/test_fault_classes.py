"""Bad inputs of issue 17 that each ended in "Unerwarteter Fehler", an English message, a wrong
row, a live script link or raw control bytes on the terminal; now a located German error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from integrationsbericht.cli import main
from integrationsbericht.errors import InputError
from integrationsbericht.escaping import check_authored, terminal
from integrationsbericht.findings import read_recommendations
from integrationsbericht.measures import read_measures, load_schema
from integrationsbericht.sources.genesis import read_genesis
from integrationsbericht.sources.survey import _read_csv

REPO = Path(__file__).resolve().parents[1]
RAW = REPO / "data" / "raw"


# -- analysts' Markdown ------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "Mehr dazu <script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[hier](javascript:alert(1))",
    "[hier]( JavaScript:alert(1))",
    "[hier](javascript&#58;alert(1))",
    "[hier](<javascript:alert(1)>)",
    "[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    "[hier](http://unverschluesselt.example)",
    "[hier](data:text/html,x)",
    "[hier](//fremd.example)",
    "`#set page(fill: red)`{=typst}",
    "```{=html}\n<b>x</b>\n```",
    "{{< include /etc/passwd >}}",
])
def test_raw_code_and_unsafe_links_are_refused(text):
    with pytest.raises(InputError) as err:
        check_authored("Erste Zeile.\n\n" + text, "texte/kapitel.md")
    assert err.value.line == 3 and err.value.file == "texte/kapitel.md"


@pytest.mark.parametrize("text", [
    "[Website](https://www.bielefeld.de) und [Mail](mailto:ki@bielefeld.de)",
    "[Anhang](anhang-indikatoren.html#ziele) und [oben](#befunde)",
    "a < b und c > d, `<b>` als Code",
    "```\n<b>im Codeblock</b>\n```",
    "<!-- Kommentar mit <b> -->",
    "{{< meta title >}}",
])
def test_markdown_by_design_stays_allowed(text):
    check_authored(text, "texte/kapitel.md")


def test_recommendations_name_the_line_after_the_front_matter(tmp_path):
    f = tmp_path / "handlungsempfehlungen-2025.md"
    f.write_text("---\nstatus: entwurf\n---\n\n## Sprache\n\nSiehe [hier](javascript:alert(1)).\n",
                 encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_recommendations(f)
    assert err.value.line == 7


# -- malformed CSV ----------------------------------------------------------------------------
def test_stray_quote_in_genesis_file(tmp_path):
    lines = (RAW / "genesis" / "12111-01-01-4_00.csv").read_text(encoding="utf-8").split("\n")
    i = next(n for n, ln in enumerate(lines) if ln.startswith("05711;"))
    lines[i] = lines[i].replace(";", ';"', 1)
    f = tmp_path / "12111-01-01-4_00.csv"
    f.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_genesis(f)
    assert err.value.line == i + 1 and "Anführungszeichen" in err.value.message


def _survey(tmp_path, edit) -> Path:
    lines = (RAW / "befragung" / "befragung.csv").read_text(encoding="utf-8").split("\n")
    edit(lines)
    f = tmp_path / "befragung.csv"
    f.write_text("\n".join(lines), encoding="utf-8")
    return f


def test_unclosed_quote_in_an_open_answer(tmp_path):
    def edit(lines):
        lines[40] = lines[40] + ';"offen'  # the last field opens a quote that never closes
    with pytest.raises(InputError) as err:
        _read_csv(_survey(tmp_path, edit))
    assert err.value.line == 41 and "Anführungszeichen" in err.value.message


def test_one_megabyte_answer(tmp_path):
    def edit(lines):
        head = lines[0].split(";") if lines[0].count(";") >= lines[0].count(",") else lines[0].split(",")
        sep = ";" if lines[0].count(";") >= lines[0].count(",") else ","
        cells = lines[5].split(sep)
        cells[-1] = '"' + "x" * 1_000_000 + '"'
        lines[5] = sep.join(cells)
        assert len(cells) == len(head)
    with pytest.raises(InputError) as err:
        _read_csv(_survey(tmp_path, edit))
    assert err.value.line == 6 and "länger als" in err.value.message


def test_unclosed_quote_in_the_measures_table_names_the_right_row(tmp_path):
    lines = (RAW / "massnahmen" / "massnahmen.csv").read_text(encoding="utf-8").split("\n")
    lines.insert(2, "")  # a blank line: pandas counted rows without it
    lines[6] = lines[6].replace(";", ';"', 1)
    f = tmp_path / "massnahmen.csv"
    f.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_measures(f, load_schema())
    assert err.value.line == 7


def test_measures_row_numbers_count_blank_and_multiline_rows(tmp_path):
    lines = (RAW / "massnahmen" / "massnahmen.csv").read_text(encoding="utf-8").split("\n")
    cells = lines[2].split(";")
    cells[1] = '"zwei\nZeilen"'
    bad = lines[3].split(";")
    bad[3] = "erfunden"
    # header, a row, a blank line, a row whose cell spans two lines, then the bad row: line 6
    f = tmp_path / "massnahmen.csv"
    f.write_text("\n".join([lines[0], lines[1], "", ";".join(cells), ";".join(bad)]) + "\n",
                 encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_measures(f, load_schema())
    assert err.value.line == 6 and err.value.column == "status"


# -- the terminal and upper-case extensions ---------------------------------------------------
def test_terminal_shows_control_bytes_as_text():
    assert terminal("a\x1b[2Jb\x07\u202e\n") == "a\\x1b[2Jb\\x07\\u202e\n"


def test_check_reads_upper_case_csv_and_prints_no_control_bytes(tmp_path, capsys):
    data = tmp_path / "raw"
    shutil.copytree(RAW, data)
    g = data / "genesis" / "12111-01-01-4_00.csv"
    g.rename(g.with_suffix(".CSV"))
    m = data / "massnahmen" / "massnahmen.csv"
    lines = m.read_text(encoding="utf-8").split("\n")
    lines[2] = lines[2].replace("in Umsetzung", "in\x1b[2J\x1b[31m [red]X[/] :smile:").replace(
        "umgesetzt", "in\x1b[2J\x1b[31m [red]X[/] :smile:")
    m.write_text("\n".join(lines), encoding="utf-8")
    assert main(["check", "--data", str(data)]) == 1
    out = capsys.readouterr().out
    n = len(list((RAW / "genesis").iterdir()))
    assert f"GENESIS-Dateien: {n} geprüft" in out
    assert "\x1b" not in out and "\\x1b[2J" in out and "[red]X[/] :smile:" in out
