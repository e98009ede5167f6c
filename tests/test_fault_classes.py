"""Bad inputs of issue 17 that each ended in "Unerwarteter Fehler", an English message, a wrong
row, a live script link or raw control bytes on the terminal; now a located German error."""

from __future__ import annotations

import re
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


# -- second attack (docs/fehlerklassen.md, "Zweiter Angriff") ---------------------------------
@pytest.mark.parametrize("text, line", [
    ("Mehr dazu [hier](\njavascript:alert(1)).", 4),  # link target on the next line
    ("Siehe [hier][b].\n\n[b]:\n    javascript:alert(1)", 6),  # reference target on the next line
    ("Mehr [Kitaplätze]{onclick=\"alert(1)\"} schaffen.", 3),  # attribute → HTML attribute
    ("## Sprache {style=\"display:none\"}", 3),
    ("[Website](https://www.bielefeld.de){onmouseover=\"alert(1)\"}", 3),
    ("::: {onclick=\"alert(1)\"}\nText\n:::", 3),
    ("Wie die @Integrationsrat betont …", 3),  # citation: Typst stopped the PDF at the end
])
def test_what_the_markdown_reader_makes_of_a_text_is_checked(text, line):
    with pytest.raises(InputError) as err:
        check_authored("Erste Zeile.\n\n" + text, "texte/kapitel.md")
    assert err.value.line == line and err.value.file == "texte/kapitel.md"


@pytest.mark.parametrize("text", [
    "Kontakt: integration@bielefeld.de",
    "## Sprache {#sprache .unnumbered}",
    "Siehe @fig-bevoelkerung.",
    "[Text]{lang=\"en\"}",
])
def test_attributes_mail_addresses_and_cross_references_stay_allowed(text):
    check_authored(text, "texte/kapitel.md")


def _config_file(tmp_path, body: bytes) -> Path:
    f = tmp_path / "config" / "edition.yml"
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_bytes(body)
    return f


def test_a_key_given_twice_in_the_config_is_refused_with_its_line(tmp_path):
    from integrationsbericht.config import load_config
    from integrationsbericht.errors import ConfigError

    f = _config_file(tmp_path, b'city: Bielefeld\nags: "05711"\nyear: 2025\nyear: 2024\n')
    with pytest.raises(ConfigError) as err:  # silently the 2024 edition before
        load_config(f)
    assert err.value.line == 4 and "year" in str(err.value)


def test_config_folder_and_ansi_config_get_located_german_messages(tmp_path):
    from integrationsbericht.config import load_config
    from integrationsbericht.errors import ReportError

    (tmp_path / "ordner").mkdir()
    with pytest.raises(ReportError, match="Ordner"):  # "Unerwarteter Fehler" (IsADirectoryError) before
        load_config(tmp_path / "ordner")
    f = _config_file(tmp_path, "city: Gütersloh\nags: \"05754\"\n".encode("cp1252"))
    with pytest.raises(ReportError) as err:
        load_config(f)
    assert (err.value.line, err.value.column) == (1, 8)
    f = _config_file(tmp_path, b"\xef\xbb\xbfcity: Bielefeld\nags: \"05711\"\nyear: 2025\n")
    assert load_config(f).city == "Bielefeld"  # Notepad's byte-order mark is fine


def test_config_links_cannot_inject_markdown(tmp_path):
    from integrationsbericht import legal
    from integrationsbericht.config import EditionConfig
    from integrationsbericht.errors import ConfigError
    from integrationsbericht.render.pandoc import READER, run_pandoc

    from integrationsbericht.config import load_config

    f = _config_file(tmp_path, b'ags: "05711"\naccessibility:\n  enforcement_url: "javascript:alert(3)"\n')
    with pytest.raises(ConfigError, match="enforcement_url"):  # a live javascript: link before
        load_config(f)
    cfg = EditionConfig.model_validate({
        "city": "Bielefeld", "publisher": "Stadt Bielefeld, @Integrationsamt",
        "contact": {"web": "https://a.de)[Kontakt](javascript:alert(1)",
                    "email": "a@b)[x](javascript:alert(2)//.de"}})
    meta = legal.meta(cfg, "2025")
    html = run_pandoc(["-f", READER, "-t", "html5"], meta["imprint_contact"], "Test")
    # exactly the two links the tool writes, no third one from the values; no citation
    assert len(re.findall(r"<a\s", html)) == 2 and 'href="javascript' not in html
    assert "citation" not in html


def test_measures_as_csv_and_xlsx_at_once_are_refused(tmp_path):
    import pandas as pd

    from integrationsbericht import measures

    folder = tmp_path / "massnahmen"
    shutil.copytree(RAW / "massnahmen", folder)
    pd.read_csv(folder / "massnahmen.csv", sep=";", dtype=str).head(3).to_excel(
        folder / "massnahmen.xlsx", index=False)

    class Ed:
        data_dir = tmp_path

    with pytest.raises(InputError, match="zwei Maßnahmentabellen"):  # the XLSX was ignored before
        measures.input_path(Ed())


def test_a_truncated_or_malformed_logo_is_refused_before_the_build(tmp_path):
    import io

    from PIL import Image

    from integrationsbericht.errors import ConfigError
    from integrationsbericht.render.pandoc import image_size

    buf = io.BytesIO()
    Image.new("RGB", (400, 200), (0, 80, 140)).save(buf, "PNG")
    png = tmp_path / "logo.png"
    png.write_bytes(buf.getvalue()[:60])  # the header is whole: the size alone could be read
    with pytest.raises(ConfigError, match="kein lesbares"):  # Typst failed at the very end before
        image_size(png)
    svg = tmp_path / "logo.svg"
    svg.write_text('<svg width="10" height="5"><rect</svg>', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        image_size(svg)
    assert err.value.line == 1 and "not well-formed" not in str(err.value)


def test_measures_file_name_case_does_not_matter(tmp_path):
    from integrationsbericht import measures

    folder = tmp_path / "massnahmen"
    folder.mkdir()
    shutil.copy(RAW / "massnahmen" / "massnahmen.csv", folder / "Massnahmen.CSV")

    class Ed:
        data_dir = tmp_path

    assert measures.input_path(Ed()) == folder / "Massnahmen.CSV"  # chapter silently dropped before


def test_a_file_where_a_folder_belongs_is_named_in_german():
    import errno

    from integrationsbericht.publishing import os_error

    err = os_error(NotADirectoryError(errno.ENOTDIR, "x", "data/processed/.cache"))
    assert err is not None and "Datei, kein Ordner" in str(err) and "data/processed" in str(err)
