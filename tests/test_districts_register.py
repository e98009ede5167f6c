"""Register extract: reading, and the promised errors on broken extracts (hand-made files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from integrationsbericht.districts import check_city_total
from integrationsbericht.errors import InputError
from integrationsbericht.sources.register import read_register

DATA = Path(__file__).parent / "data" / "register"
DISTRICTS = ["Nord", "Süd"]


def test_valid_extract_reads_district_rows_only():
    df = read_register(DATA / "gueltig.csv", DISTRICTS)
    assert len(df) == 6
    assert set(df["bezirk"]) == {"Nord", "Süd"}
    assert df["anzahl"].sum() == 692
    assert df["jahr"].unique().tolist() == [2025]
    assert df.attrs["city_rows"] == 3
    assert df.loc[df["bezirk"] == "Süd", "line"].tolist() == [5, 6, 7]


@pytest.mark.parametrize(
    ("name", "line", "column", "words"),
    [
        ("unbekannter_bezirk.csv", 5, "bezirk", ["Unbekannter Stadtbezirk 'Westend'", "'Nord'"]),
        ("negative_anzahl.csv", 6, "anzahl", ["Negative Anzahl '-4'", "ganze Zahl ab 0"]),
        ("keine_ganzzahl.csv", 4, "anzahl", ["'300,5' ist keine ganze Zahl"]),
        ("unbekannte_kategorie.csv", 3, "geschlecht", ["Unbekannte Kategorie 'w'", "'weiblich'"]),
        ("fehlende_spalte.csv", 1, "migrationshintergrund", ["fehlt in der Kopfzeile"]),
        ("doppelte_zelle.csv", 5, "anzahl", ["doppelt", "Zeile 2"]),
        ("summe_falsch.csv", 8, "anzahl", ["Summe der Stadtbezirke (200)", "Gesamtstadt (210)"]),
    ],
)
def test_broken_extract_gives_german_error_with_location(name, line, column, words):
    with pytest.raises(InputError) as info:
        read_register(DATA / name, DISTRICTS)
    err = info.value
    assert err.line == line
    assert err.column == column
    assert err.file.endswith(name)
    text = str(err)
    assert f"Zeile {line}" in text and f"Spalte {column}" in text and name in text
    for w in words:
        assert w in text


def test_missing_district_for_a_date(tmp_path):
    src = (DATA / "gueltig.csv").read_text(encoding="utf-8")
    path = tmp_path / "bezirke.csv"
    path.write_text(src, encoding="utf-8")
    with pytest.raises(InputError, match="fehlen die Stadtbezirke 'Ost'"):
        read_register(path, [*DISTRICTS, "Ost"])


def test_not_utf8(tmp_path):
    path = tmp_path / "bezirke.csv"
    path.write_bytes((DATA / "gueltig.csv").read_text(encoding="utf-8").encode("latin-1"))
    with pytest.raises(InputError, match="nicht UTF-8") as info:
        read_register(path, DISTRICTS)
    assert info.value.line == 3  # first line with an umlaut (ausländisch)


def test_city_total_against_official_population():
    df = read_register(DATA / "gueltig.csv", DISTRICTS)
    assert check_city_total(df, 692)["differenz"] == 0
    with pytest.raises(InputError) as info:
        check_city_total(df, 700)
    text = str(info.value)
    assert "692" in text and "700" in text and "Abweichung −8" in text
    assert info.value.file.endswith("gueltig.csv")
    # a tolerance of 2 % admits the difference of 8 persons (1.1 %)
    assert check_city_total(df, 700, tolerance=0.02)["differenz"] == -8


def test_quoted_district_name_with_semicolon_and_quotes_is_read_literally(tmp_path):
    """A CSV writer quotes a cell holding ';' or '"'; the register reader honours that (issue 17)."""
    import csv as _csv
    import io as _io

    from integrationsbericht.sources.register import _read_raw

    src = Path(__file__).resolve().parents[1] / "data" / "raw" / "register" / "bezirke.csv"
    rows = list(_csv.reader(_io.StringIO(src.read_text(encoding="utf-8")), delimiter=";"))[:3]
    name = 'a;b "c" <x>'
    rows[1][1] = name
    buf = _io.StringIO()
    _csv.writer(buf, delimiter=";", lineterminator="\n").writerows(rows)
    f = tmp_path / "bezirke.csv"
    f.write_text(buf.getvalue(), encoding="utf-8")
    df = _read_raw(f)
    assert df["bezirk"].tolist()[0] == name and df["line"].tolist() == [2, 3]
