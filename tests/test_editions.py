"""Yearly re-run helpers: revisions against the last edition and `new-edition`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from integrationsbericht import revisions
from integrationsbericht.errors import InputError

PROJECT = Path(__file__).resolve().parents[1]


def _table(rows):
    return pd.DataFrame(rows, columns=["indicator", "ags", "period", "group", "value", "flag", "label", "region"])


def test_compare_finds_revised_new_and_discontinued():
    previous = pd.DataFrame(
        {
            "indicator": ["auslaenderanteil", "auslaenderanteil", "alt"],
            "ags": ["05711", "05711", "05711"],
            "period": ["31.12.2014", "31.12.2015", "2015"],
            "group": ["insgesamt"] * 3,
            "value": [12.04, 13.07, 5.0],
        }
    )
    current = _table(
        [
            ["auslaenderanteil", "05711", "31.12.2014", "insgesamt", 12.06, None, "Ausländeranteil", "Bielefeld"],  # within rounding
            ["auslaenderanteil", "05711", "31.12.2015", "insgesamt", 13.30, None, "Ausländeranteil", "Bielefeld"],  # revised
            ["neu_ind", "05711", "2015", "insgesamt", 1.0, None, "Neu", "Bielefeld"],
        ]
    )
    changes = revisions.compare(previous, current, {"auslaenderanteil": 1})
    kinds = changes.groupby("kind")["indicator"].apply(list).to_dict()
    assert kinds == {"revidiert": ["auslaenderanteil"], "neu": ["neu_ind"], "eingestellt": ["alt"]}
    rev = changes[changes["kind"] == "revidiert"].iloc[0]
    assert (rev["period"], rev["old"], rev["new"]) == ("31.12.2015", 13.07, 13.30)
    marked = revisions.mark_revised(current, changes)
    assert marked["flag"].tolist()[:2] == [None, "r"]


def test_read_previous_names_line_and_column(tmp_path):
    bad = tmp_path / "indikatoren.csv"
    bad.write_text("indicator,ags,period,group,value\nx,05711,2015,insgesamt,13.1\nx,05711,2016,insgesamt,13,2\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        revisions.read_previous(bad)
    text = str(err.value)
    # "13,2" splits into an extra column: the row is named
    assert "indikatoren.csv" in text and "Zeile 3" in text and "mehr Felder" in text
    empty = tmp_path / "leer.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="Die Datei ist leer"):
        revisions.read_previous(empty)
    bad.write_text("indicator,ags,period,group,value\nx,05711,2015,insgesamt,13.1\nx,05711,2016,insgesamt,viel\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        revisions.read_previous(bad)
    assert "Zeile 3" in str(err.value) and "Spalte value" in str(err.value)
    missing = tmp_path / "alt.csv"
    missing.write_text("indicator,value\nx,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="Spalten fehlen: ags, period, group"):
        revisions.read_previous(missing)


def _project_copy(tmp_path: Path) -> Path:
    root = tmp_path / "projekt"
    root.mkdir()
    for name in ("config", "report"):
        shutil.copytree(PROJECT / name, root / name)
    shutil.copytree(PROJECT / "data" / "raw", root / "data" / "raw")
    return root


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "integrationsbericht", *args], capture_output=True, text=True, timeout=300)


def test_new_edition_moves_config_on_and_prints_checklist(tmp_path):
    root = _project_copy(tmp_path)
    published = root / "_book" / "downloads"
    published.mkdir(parents=True)
    (published / "indikatoren.csv").write_text(
        "indicator,ags,period,group,value\nauslaenderanteil,05711,31.12.2025,insgesamt,19.9\n", encoding="utf-8"
    )
    config = root / "config" / "edition.yml"
    before = config.read_text(encoding="utf-8")
    res = _cli("new-edition", "2026", "--config", str(config))
    assert res.returncode == 0, res.stdout + res.stderr
    after = config.read_text(encoding="utf-8")
    assert "year: 2026" in after and "year: 2025" not in after
    assert "previous_indicators: config/ausgaben/indikatoren-2025.csv" in after
    # comments survive
    assert before.splitlines()[0] == after.splitlines()[0]
    assert (root / "config" / "ausgaben" / "edition-2025.yml").read_text(encoding="utf-8") == before
    assert (root / "config" / "ausgaben" / "indikatoren-2025.csv").exists()
    out = res.stdout
    assert "Eingabedateien für die Ausgabe 2026" in out
    assert "[~] 12411-03-03-4" in out  # demo data end in 2025: a new export is needed
    assert "[-] 13211-02-02-4" in out  # historical part of the unemployment series
    assert "regionalstatistik.de" in out
    assert "[x] Befragungsdaten" in out
    # a foreword and a text per chapter, holding only comments: nothing printed until written
    from integrationsbericht import texts

    for name in ("vorwort", "bevoelkerung", "arbeit-lebensunterhalt"):
        started = root / "report" / "texte" / f"{name}.md"
        assert started.read_text(encoding="utf-8").startswith("<!--"), name
        assert texts.read(started) is None


def test_new_edition_refuses_an_older_year(tmp_path):
    root = _project_copy(tmp_path)
    config = root / "config" / "edition.yml"
    before = config.read_text(encoding="utf-8")
    res = _cli("new-edition", "2020", "--config", str(config))
    assert res.returncode == 1
    assert "muss nach der aktuellen liegen" in res.stdout
    assert "Traceback" not in res.stdout + res.stderr
    assert config.read_text(encoding="utf-8") == before
