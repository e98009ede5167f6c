"""Measures table: validation with German errors (file, row, column), summaries, demo table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from integrationsbericht import measures
from integrationsbericht.demo.measures import write_measures_demo
from integrationsbericht.errors import InputError

SCHEMA = measures.load_schema()
HEADER = "handlungsfeld;massnahme;zustaendig;status;jahr;bemerkung\n"


def write(tmp_path: Path, body: str, header: str = HEADER) -> Path:
    p = tmp_path / "massnahmen.csv"
    p.write_text(header + body, encoding="utf-8")
    return p


def test_schema_has_19_fields_and_four_statuses():
    assert [f.nr for f in SCHEMA.fields] == list(range(1, 20))
    assert SCHEMA.statuses == ["umgesetzt", "in Umsetzung", "geplant", "zurückgestellt"]


def test_valid_table_by_number_or_name(tmp_path):
    p = write(tmp_path, "5;Anerkennungsberatung;REGE mbH;umgesetzt;2024;\n"
                        "gesundheit;Dolmetschpool;Gesundheitsamt;In Umsetzung;2025;läuft\n")
    t = measures.read_measures(p, SCHEMA)
    assert t[["nr", "handlungsfeld", "status", "jahr"]].values.tolist() == [
        [5, "Arbeit und Beschäftigung", "umgesetzt", 2024],
        [7, "Gesundheit", "in Umsetzung", 2025],
    ]


def test_unknown_status_names_file_row_and_column(tmp_path):
    p = write(tmp_path, "5;A;B;umgesetzt;2024;\n3;C;D;erledigt;2024;\n")
    with pytest.raises(InputError) as err:
        measures.read_measures(p, SCHEMA)
    e = err.value
    assert (e.line, e.column) == (3, "status")
    assert str(p) in str(e) and "Zeile 3" in str(e) and "Spalte status" in str(e)
    assert "„erledigt“" in str(e) and "zurückgestellt" in str(e)


def test_unknown_field_names_row_and_column(tmp_path):
    p = write(tmp_path, "20;A;B;geplant;2024;\n")
    with pytest.raises(InputError) as err:
        measures.read_measures(p, SCHEMA)
    assert (err.value.line, err.value.column) == (2, "handlungsfeld")
    assert "Unbekanntes Handlungsfeld „20“" in str(err.value)


@pytest.mark.parametrize("row, column", [
    ("5;A;B;geplant;24;\n", "jahr"),
    ("5;A;;geplant;2024;\n", "zustaendig"),
    ("5;;B;geplant;2024;\n", "massnahme"),
])
def test_bad_cells(tmp_path, row, column):
    with pytest.raises(InputError) as err:
        measures.read_measures(write(tmp_path, row), SCHEMA)
    assert (err.value.line, err.value.column) == (2, column)


def test_missing_column(tmp_path):
    p = write(tmp_path, "5;A;B;2024\n", header="handlungsfeld;massnahme;zustaendig;jahr\n")
    with pytest.raises(InputError) as err:
        measures.read_measures(p, SCHEMA)
    assert err.value.column == "status" and err.value.line == 1


def test_xlsx_is_read_like_csv(tmp_path):
    df = pd.DataFrame({"handlungsfeld": [11, 12], "massnahme": ["A", "B"], "zustaendig": ["X", "Y"],
                       "status": ["geplant", "unklar"], "jahr": [2024, 2025]})
    p = tmp_path / "massnahmen.xlsx"
    df.to_excel(p, index=False)
    with pytest.raises(InputError) as err:
        measures.read_measures(p, SCHEMA)
    assert (err.value.line, err.value.column) == (3, "status")


def test_summary_counts_every_field(tmp_path):
    p = write(tmp_path, "1;A;X;umgesetzt;2024;\n1;B;X;geplant;2024;\n2;C;X;umgesetzt;2025;\n")
    t = measures.read_measures(p, SCHEMA)
    s = measures.summary_by_field(t, SCHEMA)
    assert len(s) == 19 and s["insgesamt"].sum() == 3
    row1 = s.set_index("nr").loc[1]
    assert (row1["umgesetzt"], row1["geplant"], row1["anteil_umgesetzt"]) == (1, 1, 50.0)
    assert pd.isna(s.set_index("nr").loc[3, "anteil_umgesetzt"])
    text = measures.summary_text(t, SCHEMA)
    assert "3 Maßnahmen in 2 von 19 Handlungsfeldern" in text
    assert "2 umgesetzt (67 %)" in text and "0 zurückgestellt (0 %)" in text


def test_demo_table_is_valid_deterministic_and_labelled(tmp_path):
    a = write_measures_demo(tmp_path / "a", seed=7)[0]
    b = write_measures_demo(tmp_path / "b", seed=7)[0]
    assert a.relative_to(tmp_path / "a") == Path("massnahmen/massnahmen.csv")
    assert a.read_bytes() == b.read_bytes()
    t = measures.read_measures(a, SCHEMA)
    assert (t["bemerkung"].str.contains("Demodaten")).all()
    # the priorities of the integration concept all have measures
    for nr in (1, 2, 4, 5, 7, 11, 12):
        assert (t["nr"] == nr).any()
