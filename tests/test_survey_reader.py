"""Survey reader: valid CSV/SAV, and every broken file gives the promised German error."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

from integrationsbericht.project import DEFAULTS
from integrationsbericht.errors import ConfigError, InputError
from integrationsbericht.sources.survey import read_survey
from integrationsbericht.survey.codebook import load_codebook

DATA = Path(__file__).parent / "data" / "survey"
CODEBOOK = DEFAULTS / "config" / "befragung_codebuch.yml"


@pytest.fixture(scope="module")
def codebook():
    return load_codebook(CODEBOOK)


def test_codebook_covers_blocks_and_types(codebook):
    assert {it.block for it in codebook.items} == set(range(1, 12))
    types = {it.type for it in codebook.items}
    assert {"likert", "frequency", "yesno", "multiple", "open", "sociodemographic"} <= types
    for it in codebook.items_of("likert", "frequency", "yesno"):
        assert codebook.value_labels(it), it.name
    assert codebook.by_name["f05_diskr"].text.startswith("Wie häufig haben Sie sich")
    labels = codebook.value_labels(codebook.by_name["f05_diskr"])
    assert list(labels.values()) == ["nie", "einmal", "mehrmals", "regelmäßig"]


def test_codebook_errors_are_german(tmp_path):
    bad = tmp_path / "cb.yml"
    bad.write_text(CODEBOOK.read_text(encoding="utf-8").replace("scale: wohl5", "scale: wohl7", 1),
                   encoding="utf-8")
    with pytest.raises(ConfigError, match="unbekannte Skala 'wohl7'"):
        load_codebook(bad)


def test_valid_csv(codebook):
    df = read_survey(DATA / "gueltig.csv", codebook)
    assert len(df) == 12
    assert str(df["f01_wohl"].dtype) == "Int64"
    assert set(df["altersgruppe"].dropna()) <= {"18 bis unter 30", "30 bis unter 45", "45 bis unter 65", "65 und älter"}
    assert set(df["einwanderungsgeschichte"].dropna()) <= {"mit Einwanderungsgeschichte", "ohne Einwanderungsgeschichte"}
    # missing codes (-9, -2, -1) become <NA>, never a valid answer
    assert not df["f08_verst_arbeit"].isin([-1, -2, -9]).any()


def test_sav_roundtrip_keeps_labels(codebook, tmp_path):
    csv_df = read_survey(DATA / "gueltig.csv", codebook)
    raw = pd.read_csv(DATA / "gueltig.csv", sep=";", dtype=str, keep_default_na=False)
    sav = raw.copy()
    for c in sav.columns:
        item = codebook.columns[c]
        if item.type not in ("id", "open"):
            sav[c] = pd.to_numeric(sav[c].replace("", None))
    labels = {"f05_diskr": {1: "nie", 2: "einmal", 3: "mehrmals", 4: "regelmäßig"}}
    path = tmp_path / "befragung.sav"
    pyreadstat.write_sav(sav, str(path), variable_value_labels=labels)
    sav_df = read_survey(path, codebook)
    assert sav_df.attrs["survey"]["format"] == "SPSS"
    assert sav_df.attrs["survey"]["value_labels"]["f05_diskr"][4] == "regelmäßig"
    pd.testing.assert_series_equal(sav_df["f05_diskr"], csv_df["f05_diskr"])
    pd.testing.assert_series_equal(sav_df["f04_besser"], csv_df["f04_besser"])


def test_sav_with_contradicting_labels(codebook, tmp_path):
    raw = pd.read_csv(DATA / "gueltig.csv", sep=";", dtype=str, keep_default_na=False)
    for c in raw.columns:
        if codebook.columns[c].type not in ("id", "open"):
            raw[c] = pd.to_numeric(raw[c].replace("", None))
    path = tmp_path / "vertauscht.sav"
    pyreadstat.write_sav(raw, str(path), variable_value_labels={"f05_diskr": {1: "regelmäßig", 4: "nie"}})
    with pytest.raises(InputError, match="f05_diskr.*vertauscht"):
        read_survey(path, codebook)


def test_sav_out_of_range_names_case(codebook, tmp_path):
    raw = pd.read_csv(DATA / "gueltig.csv", sep=";", dtype=str, keep_default_na=False)
    for c in raw.columns:
        if codebook.columns[c].type not in ("id", "open"):
            raw[c] = pd.to_numeric(raw[c].replace("", None))
    raw.loc[2, "f01_zugehoerig"] = 9
    path = tmp_path / "falsch.sav"
    pyreadstat.write_sav(raw, str(path))
    with pytest.raises(InputError) as exc:
        read_survey(path, codebook)
    msg = str(exc.value)
    assert "f01_zugehoerig" in msg and "DEMO-00003" in msg and "Fall 3" in msg


@pytest.mark.parametrize(
    "name, variable, line, fragments",
    [
        ("code_ausserhalb.csv", "f01_wohl", 6, ["Ungültiger Code 7", "DEMO-00005", "1 = sehr wohl"]),
        ("kein_code.csv", "f05_diskr", 4, ["„oft“ ist keine Zahl", "DEMO-00003"]),
        ("alter_ausserhalb.csv", "alter", 5, ["außerhalb des erlaubten Bereichs", "18 bis 110", "DEMO-00004"]),
        ("doppelte_nummer.csv", "lfd_nr", 7, ["DEMO-00002 kommt mehrfach vor"]),
        ("unbekannte_variable.csv", "f01_vielfallt", 1, ["Unbekannte Variable „f01_vielfallt“", "Codebuch"]),
        ("pflichtvariable_fehlt.csv", "bezirk", 1, ["Pflichtvariable „bezirk“ fehlt"]),
        ("latin1.csv", None, 2, ["nicht UTF-8-kodiert", "0xDF"]),
    ],
)
def test_broken_files(codebook, name, variable, line, fragments):
    with pytest.raises(InputError) as exc:
        read_survey(DATA / name, codebook)
    err = exc.value
    assert err.file and err.file.endswith(name)
    assert err.line == line
    if variable:
        assert err.column == variable
    text = str(err)
    for frag in fragments:
        assert frag in text, text


def test_unknown_format(codebook, tmp_path):
    p = tmp_path / "befragung.xlsx"
    p.write_bytes(b"x")
    with pytest.raises(InputError, match="Unbekanntes Dateiformat"):
        read_survey(p, codebook)


def test_every_summarised_item_of_the_shipped_codebook_has_a_statement_for_findings():
    cb = load_codebook(CODEBOOK)
    summarised = [i for i in cb.items if i.type in ("likert", "frequency", "yesno")]
    assert summarised and all(i.statement and i.statement[0].islower() and not i.statement.endswith(".")
                              for i in summarised), [i.name for i in summarised if not i.statement]
