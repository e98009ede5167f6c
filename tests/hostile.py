"""A report project whose data files carry one hostile string everywhere text reaches the report.

The string holds every character that means something in HTML, Typst, pandoc Markdown, Quarto,
CSV or a spreadsheet formula, a ``javascript:`` link and a leading ``=``. It is written, with the
CSV quoting each format needs, as

* the name of the Regierungsbezirk in every GENESIS export (a comparison region of the report)
  and the title of one GENESIS table (listed in the sources),
* the name of a Stadtbezirk in the register extract and the project's ``config/bezirke.yml``,
* the text of a measure in the measures table.

Used by ``tests/test_hostile_text.py`` (one small build for all assertions).
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
RAW = REPO / "data" / "raw"

# no comma: GENESIS region labels are "Name, Art" and the name ends at the first comma
EVIL = (
    "=HYPERLINK(\"javascript:alert(1)\") <script>alert('x')</script> [klick](javascript:alert(1)) "
    "*fett* _k_ `code` @name $x$ #set {{< meta title >}} | a & b ~ ^ % ! + - \\ ; ::: &amp; "
    "<!-- k --> Bürger*innen"
)
# Typst typesets "---", "--" and "..." typographically; EVIL holds none of them.

DISTRICT = "Mitte"  # the Stadtbezirk renamed to EVIL
REGION = "Detmold"  # the Regierungsbezirk renamed to EVIL
TITLE_TABLE = "12411-01-01-4_00.csv"
MEASURE_ROW = 1  # first data row of massnahmen.csv


def _csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def make_project(root: Path) -> tuple[Path, Path]:
    """``(project folder, data folder)`` below ``root``: the demo project with EVIL injected."""
    data = root / "daten"
    shutil.copytree(RAW, data)

    # GENESIS: region label (quoted cell, as a CSV writer would write it) and one table title
    for f in sorted((data / "genesis").glob("*.csv")):
        raw = f.read_bytes()
        try:
            enc, text = "utf-8", raw.decode("utf-8")
        except UnicodeDecodeError:
            enc, text = "latin-1", raw.decode("latin-1")  # some exports are ISO-8859-1
        lines = text.split("\n")
        for i, line in enumerate(lines):
            cells = line.split(";")
            if len(cells) > 1 and cells[0] == "057" and cells[1].strip().startswith(REGION + ","):
                indent = cells[1][: len(cells[1]) - len(cells[1].lstrip())]
                label = indent + EVIL + cells[1].strip()[len(REGION):]
                lines[i] = ";".join([cells[0], _csv_cell(label), *cells[2:]])
        if f.name == TITLE_TABLE:
            first, rest = lines[1].split(";", 1)
            lines[1] = _csv_cell(first + " " + EVIL) + ";" + rest
        f.write_text("\n".join(lines), encoding=enc)

    # register: the district name
    reg = data / "register" / "bezirke.csv"
    rows = list(csv.reader(io.StringIO(reg.read_text(encoding="utf-8")), delimiter=";"))
    col = rows[0].index("bezirk")
    for r in rows[1:]:
        if r and r[col] == DISTRICT:
            r[col] = EVIL
    buf = io.StringIO()
    csv.writer(buf, delimiter=";", lineterminator="\n").writerows(rows)
    reg.write_text(buf.getvalue(), encoding="utf-8")

    # measures: the text of one measure
    mf = data / "massnahmen" / "massnahmen.csv"
    rows = list(csv.reader(io.StringIO(mf.read_text(encoding="utf-8")), delimiter=";"))
    rows[MEASURE_ROW][rows[0].index("massnahme")] = EVIL
    buf = io.StringIO()
    csv.writer(buf, delimiter=";", lineterminator="\n").writerows(rows)
    mf.write_text(buf.getvalue(), encoding="utf-8")

    # the project: the repository's edition with the data above and the renamed district
    proj = root / "projekt"
    (proj / "config").mkdir(parents=True)
    cfg = yaml.safe_load((REPO / "config" / "edition.yml").read_text(encoding="utf-8"))
    cfg["data_dir"] = str(data)
    cfg["branding"]["logo"] = str(REPO / "config" / "branding" / "logo.svg")
    (proj / "config" / "edition.yml").write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    pkg = REPO / "src" / "integrationsbericht" / "defaults" / "config"
    districts = yaml.safe_load((pkg / "bezirke.yml").read_text(encoding="utf-8"))
    for d in districts["05711"]["bezirke"]:
        if d["name"] == DISTRICT:
            d["name"] = EVIL
    (proj / "config" / "bezirke.yml").write_text(yaml.safe_dump(districts, allow_unicode=True),
                                                 encoding="utf-8")
    tiles = yaml.safe_load((pkg / "bezirke_kacheln.yml").read_text(encoding="utf-8"))
    tiles["05711"][EVIL] = tiles["05711"].pop(DISTRICT)
    (proj / "config" / "bezirke_kacheln.yml").write_text(yaml.safe_dump(tiles, allow_unicode=True),
                                                         encoding="utf-8")
    return proj, data
