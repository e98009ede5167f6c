"""GENESIS reader: every real export in ../shared/data, plus hand-made broken files."""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from integrationsbericht.errors import InputError
from integrationsbericht.sources.genesis import read_genesis, scan_regions

EXCERPT_12521 = "bielefeld/12521-0041_auslaender_2025_excerpt.csv"
GENESIS_FILES = sorted(
    p.name for p in (Path(__file__).resolve().parents[2] / "shared" / "data" / "genesis").glob("*.csv")
)
ALL_FILES = [f"genesis/{n}" for n in GENESIS_FILES] + [EXCERPT_12521]
BROKEN = Path(__file__).parent / "data" / "genesis"
SYMBOLS = {"-", ".", "x", "/", "..."}


@pytest.fixture(scope="module")
def tables(shared_data):
    """Read each shared file once per test module."""
    cache: dict[str, pd.DataFrame] = {}

    def get(rel: str) -> pd.DataFrame:
        if rel not in cache:
            cache[rel] = read_genesis(shared_data / rel)
        return cache[rel]

    return get


def _raw_bielefeld_cells(path: Path) -> tuple[Counter, Counter]:
    """Independent line scan: numeric cells and symbols of the rows for AGS 05711.

    Deliberately simple and separate from the reader: decode, keep lines that contain the AGS
    as a whole field, take every field after the region name and classify it by a regex.
    Quality marks (``e``) and text labels fall through both patterns.
    """
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    numbers: Counter = Counter()
    symbols: Counter = Counter()
    for line in text.splitlines():
        fields = line.split(";")
        if "05711" not in fields[:2]:
            continue
        i = fields.index("05711")
        for cell in fields[i + 2 :]:
            if re.fullmatch(r"-?\d+(,\d+)?", cell):
                numbers[float(cell.replace(",", "."))] += 1
            elif cell in SYMBOLS:
                symbols[cell] += 1
                if cell == "-":
                    numbers[0.0] += 1
    return numbers, symbols


@pytest.mark.shared
@pytest.mark.parametrize("rel", ALL_FILES)
def test_every_file_parses_and_matches_raw_cells(rel, shared_data, tables):
    df = tables(rel)
    meta = df.attrs["meta"]
    # contract columns and order
    fixed = ["ags", "region", "period", "year", "value", "flag"]
    assert list(df.columns[:6]) == fixed
    assert list(df.columns[-4:]) == ["unit", "column", "quality", "line"]
    hs = [c for c in df.columns if re.fullmatch(r"h\d+", c)]
    assert hs == [f"h{i}" for i in range(1, len(hs) + 1)]
    assert df["value"].dtype == "float64"
    assert df["year"].dtype == "int64"
    assert not df["region"].str.startswith(" ").any()
    assert df["ags"].str.fullmatch(r"DG|\d{2}|\d{3}|\d{5}|\d{8}").all()
    assert df["period"].str.fullmatch(r"\d{2}\.\d{2}\.\d{4}|\d{4}").all()
    assert (df["year"] == df["period"].str[-4:].astype(int)).all()
    # symbols: "-" is 0, the others NaN; plain numbers have no flag
    assert (df.loc[df.flag == "-", "value"] == 0.0).all()
    assert df.loc[df.flag.isin([".", "x", "/", "..."]), "value"].isna().all()
    assert df.loc[df.flag.isna(), "value"].notna().all()
    # metadata from the file, not the file name
    first_line = (shared_data / rel).read_bytes().split(b"\n", 1)[0].decode("latin-1")
    assert meta["code"] == first_line.split(":", 1)[1].split(";")[0].strip()
    assert re.fullmatch(r"\d{2}\.\d{2}\.\d{4}", meta["stand"])
    assert meta["title"] and meta["source"]
    assert meta["path"].endswith(Path(rel).name)

    numbers, symbols = _raw_bielefeld_cells(shared_data / rel)
    bi = df[df.ags == "05711"]
    assert len(bi) > 0, "Bielefeld fehlt"
    read_numbers = Counter(float(v) for v in bi["value"].dropna())
    assert read_numbers == numbers
    assert Counter(bi["flag"].dropna()) == symbols


@pytest.mark.shared
def test_published_numbers(tables):
    d = tables("genesis/12411-03-03-4_00.csv")
    bi = d[(d.ags == "05711") & (d.period == "31.12.2015") & (d.rowdim == "Insgesamt")]
    total = bi[(bi.h1 == "Insgesamt") & (bi.h2 == "Insgesamt")]["value"]
    foreign = bi[(bi.h1 == "Ausländer(innen)") & (bi.h2 == "Insgesamt")]["value"]
    assert total.tolist() == [333090.0]
    assert foreign.tolist() == [43548.0]
    assert round(100 * foreign.iloc[0] / total.iloc[0], 1) == 13.1

    a = tables("genesis/AI002-1_00.csv")
    share = a[(a.ags == "05711") & (a.year == 2015) & (a.h1 == "Anteil Ausländer an der Gesamtbevölkerung")]
    assert share["value"].tolist() == [13.1]
    assert share["unit"].tolist() == ["Prozent"]
    # negative numbers are numbers, not the "-" symbol
    neg = a[(a.ags == "DG") & (a.period == "1995") & (a.h1.str.startswith("Geburten-/Gestorbenen"))]
    assert neg["value"].tolist() == [-14.6]
    assert neg["flag"].isna().all()


@pytest.mark.shared
def test_period_in_header_row(tables):
    d = tables("genesis/12411-01-01-4_00.csv")
    assert d.attrs["meta"]["period_source"] == "header"
    assert "rowdim" not in d.columns
    assert [c for c in d.columns if c.startswith("h")] == ["h1"]  # the period row is not a level
    bi = d[(d.ags == "05711") & (d.period == "31.12.2015")]
    assert bi.set_index("h1")["value"].to_dict() == {
        "Insgesamt": 333090.0,
        "männlich": 161148.0,
        "weiblich": 171942.0,
    }
    assert set(d["unit"]) == {"Anzahl"}  # from the title line "Bevölkerungsstand (Anzahl)"
    assert d.attrs["meta"]["variable"] == "Bevölkerungsstand (Anzahl)"
    assert d["period"].nunique() == 21  # 1995 … 2015


@pytest.mark.shared
def test_period_on_its_own_line(tables):
    d = tables("genesis/21121-01-05-4_00.csv")
    assert d.attrs["meta"]["period_source"] == "line"
    assert set(d["period"]) == {"2015"}
    bi = d[(d.ags == "05711") & d.rowdim.str.startswith("darunter: Berufsschulen")]
    assert set(bi["rowdim"]) == {"darunter: Berufsschulen (Schüler o. Ausb.vertrag)"}
    x = bi[bi.h1 == "Berufliche Schulen"]
    assert x["flag"].tolist() == ["x"] and x["value"].isna().all()

    z = tables("genesis/12111-01-01-4_00.csv")
    assert set(z["period"]) == {"09.05.2011"}
    assert set(z["year"]) == {2011}
    assert [c for c in z.columns if c.startswith("h")] == ["h1", "h2", "h3"]


@pytest.mark.shared
def test_quality_columns_layout(tables):
    d = tables(EXCERPT_12521)
    meta = d.attrs["meta"]
    assert meta["code"] == "12521-0041"
    assert meta["quality_columns"] is True
    assert meta["stand"] == "25.09.2026"
    assert meta["unit"] == "Anzahl"
    assert meta["source"] == "Ausländerstatistik"
    bi = d[(d.ags == "05711") & (d.rowdim == "Insgesamt")]
    assert bi.set_index("h1")["value"].to_dict() == {
        "männlich": 34900.0,
        "weiblich": 35095.0,
        "Insgesamt": 69995.0,
    }
    assert set(bi["quality"]) == {"e"}
    assert bi["region"].iloc[0] == "Bielefeld, kreisfreie Stadt"
    zero = d[(d.ags == "01004") & (d.h1 == "weiblich")]
    assert zero["value"].tolist() == [0.0] and zero["flag"].tolist() == ["-"]
    assert zero["quality"].isna().all()
    assert any("Saarlouis" in f for f in meta["footnotes"])


@pytest.mark.shared
@pytest.mark.parametrize(
    "rel, code, stand, encoding",
    [
        ("genesis/12511-01-01-4.csv", "12511-01-01-4", "27.02.2018", "ISO-8859-1"),
        ("genesis/21111-02-06-4.csv", "21111-02-06-4", "24.02.2018", "ISO-8859-1"),
        ("genesis/12411-03-03-4_00.csv", "12411-03-03-4", "10.10.2017", "UTF-8"),
    ],
)
def test_metadata(rel, code, stand, encoding, tables):
    d = tables(rel)
    meta = d.attrs["meta"]
    assert (meta["code"], meta["stand"], meta["encoding"]) == (code, stand, encoding)
    assert "Statistische Ämter" in meta["copyright"]
    if encoding == "ISO-8859-1":
        # umlauts decoded correctly, not mojibake
        assert "ä" in meta["title"] or any("ä" in f for f in meta["footnotes"])
        assert not d["region"].str.contains("Ã").any()


@pytest.mark.shared
def test_metadata_title_block(tables):
    meta = tables("genesis/12411-03-03-4_00.csv").attrs["meta"]
    assert meta["title"].startswith("Bevölkerungsstand: Bevölkerung nach Geschlecht, Nationalität")
    assert meta["source"] == "Fortschreibung des Bevölkerungsstandes"
    assert meta["unit"] == "Anzahl"
    assert meta["stand_time"] == "16:36:03"
    assert len(meta["footnotes"]) == 1
    assert meta["footnotes"][0].startswith('zu "gesamte Tabelle":')


@pytest.mark.shared
def test_scan_regions(shared_data):
    regs = scan_regions(
        [shared_data / "genesis" / "AI-Z1-2011_00.csv", shared_data / EXCERPT_12521]
    ).set_index("ags")
    assert regs.loc["05711", "name"] == "Bielefeld"
    assert regs.loc["05711", "level"] == "kreis"
    assert regs.loc["05711", "kind"] == "Kreisfreie Stadt"
    # the newer file (Stand 2026) wins the spelling
    assert regs.loc["05711", "region"] == "Bielefeld, kreisfreie Stadt"
    assert regs.loc["01002", "name"] == "Kiel"
    assert regs.loc["DG", "level"] == "bund"
    assert regs.loc["05", "level"] == "land"
    assert regs.loc["057", "level"] == "regierungsbezirk"
    assert regs.loc["03241", "name"] == "Region Hannover"
    assert regs.loc["03241", "kind"] == "Landkreis"
    assert regs.loc["03241001", "level"] == "gemeinde"
    assert regs.loc["01051", "name"] == "Dithmarschen"
    assert regs.loc["01051", "kind"] == "Landkreis"
    assert regs.loc["13003", "name"] == "Rostock"
    assert regs.loc["13003", "kind"] == "Kreisfreie Stadt"
    assert regs.loc["09162", "name"] == "München"
    assert pd.isna(regs.loc["09162", "kind"])
    assert regs.index.is_unique


def test_scan_regions_empty():
    regs = scan_regions([])
    assert list(regs.columns) == ["ags", "region", "name", "level", "kind"]
    assert len(regs) == 0


def test_symbol_table():
    from integrationsbericht.sources.genesis import SYMBOLS as S

    assert S["-"] == 0.0
    assert all(math.isnan(S[s]) for s in (".", "x", "/", "..."))


# --------------------------------------------------------------------------- hand-made files


def test_valid_mini_hand_computed():
    d = read_genesis(BROKEN / "valid_mini.csv")
    assert len(d) == 8  # 4 regions × 2 columns
    bi = d[d.ags == "05711"].set_index("h1")["value"].to_dict()
    assert bi == {"Insgesamt": 333090.0, "Ausländer(innen)": 43548.0}
    gt = d[d.ags == "05754"].set_index("h1")
    assert gt.loc["Insgesamt", "value"] == 0.0 and gt.loc["Insgesamt", "flag"] == "-"
    assert math.isnan(gt.loc["Ausländer(innen)", "value"]) and gt.loc["Ausländer(innen)", "flag"] == "."
    assert d.loc[d.ags == "05", "region"].iloc[0] == "Nordrhein-Westfalen"
    assert d["line"].tolist() == [7, 7, 8, 8, 9, 9, 10, 10]
    meta = d.attrs["meta"]
    assert meta["code"] == "99999-01-01-4"
    assert meta["unit"] == "Anzahl" and set(d["unit"]) == {"Anzahl"}
    assert meta["footnotes"] == ['zu "gesamte Tabelle":\nhandgemachte Testdatei']
    assert meta["stand"] == "10.10.2017" and meta["stand_time"] == "10:08:56"


def test_period_lines_latin1_units_and_rowdim():
    d = read_genesis(BROKEN / "period_line_latin1.csv")
    meta = d.attrs["meta"]
    assert meta["encoding"] == "ISO-8859-1"
    assert meta["period_source"] == "line"
    assert meta["unit"] is None  # mixed units: per column only
    assert d["period"].tolist() == ["2015"] * 4 + ["2016"] * 4
    assert set(d["rowdim"]) == {"Grundschulen", "darunter: Förderschulen"}
    assert d.set_index(["period", "rowdim", "h2"])["unit"].to_dict()[
        ("2016", "Grundschulen", "Ausländer(innen)")
    ] == "Prozent"
    assert d["value"].tolist()[4:6] == [11100.0, -0.5]
    assert d["flag"].tolist()[2:4] == ["x", "..."]
    assert d["column"].iloc[0] == "Schüler(innen) | Insgesamt"


def test_quality_columns_hand_made():
    d = read_genesis(BROKEN / "quality_columns.csv")
    assert d.attrs["meta"]["quality_columns"] is True
    assert d["value"].tolist() == [34900.0, 35095.0, 0.0, 7.0]
    assert d["quality"].tolist()[:2] == ["e", "e"]
    assert pd.isna(d["quality"].iloc[2]) and d["quality"].iloc[3] == "p"
    assert d["flag"].iloc[2] == "-"


def test_two_row_dimensions():
    d = read_genesis(BROKEN / "two_row_dimensions.csv")
    assert list(d.columns) == [
        "ags", "region", "period", "year", "value", "flag", "h1",
        "rowdim", "rowdim2", "unit", "column", "quality", "line",
    ]  # fmt: skip
    m = d[(d.rowdim == "männlich") & (d.rowdim2 == "18 Jahre und mehr")]
    assert m.set_index("h1")["value"].to_dict() == {"Deutsche": 116681.0, "Ausländer(innen)": 17367.0}
    assert d.attrs["meta"]["copyright"] is None and d.attrs["meta"]["footnotes"] == []


@pytest.mark.parametrize(
    "name, line, column, words",
    [
        ("empty.csv", None, None, ["Die Datei ist leer"]),
        ("not_genesis.csv", 1, None, ["kein GENESIS-Export", "id,name,wert"]),
        ("unknown_symbol.csv", 11, "5 („Ausländer(innen)“)", ["Unbekanntes Zeichen „*“"]),
        ("wrong_width.csv", 8, None, ["6 Felder", "Tabellenkopf (Zeile 6) aber 5"]),
        ("truncated_footer.csv", 14, None, ["Fußzeile ist unvollständig", "Stand:"]),
        ("cut_off.csv", 8, None, ["ohne Fußzeile", "abgebrochen"]),
        ("duplicate_rows.csv", 11, None, ["Doppelte Datenzeile", "05711", "Zeile 9 und in Zeile 11"]),
        ("thousands_separator.csv", 8, "4 („Insgesamt“)", ["„333.090“ ist nicht eindeutig", "Tausender"]),
        ("decimal_point.csv", 8, "5 („Ausländer(innen)“)", ["„13.1“ ist nicht eindeutig", "Dezimalkomma"]),
        ("bad_ags.csv", 8, 2, ["„5711“ ist kein Amtlicher Gemeindeschlüssel"]),
        ("empty_cell.csv", 8, "4 („Insgesamt“)", ["Zelle ist leer"]),
        ("bad_period.csv", 8, 1, ["„31.12.15“ ist kein Zeitraum"]),
        ("no_period.csv", 7, None, ["Kein Berichtszeitraum"]),
        ("header_in_data.csv", 8, 1, ["Kopfzeile", "mitten in den Datenzeilen"]),
        ("bad_quality_mark.csv", 7, "8 („weiblich“, Qualität)", ["Qualitätskennzeichen „ee“"]),
        (
            "duplicate_two_row_dimensions.csv",
            10,
            None,
            ["Doppelte Datenzeile", "„weiblich | unter 18 Jahre“", "Zeile 9 und in Zeile 10"],
        ),
    ],
)
def test_broken_files_give_clear_german_errors(name, line, column, words):
    path = BROKEN / name
    with pytest.raises(InputError) as info:
        read_genesis(path)
    err = info.value
    text = str(err)
    assert err.file == str(path) and f"Datei {path}" in text
    assert err.line == line
    if line is not None:
        assert f"Zeile {line}" in text
    assert err.column == column
    if column is not None:
        assert f"Spalte {column}" in text
    for w in words:
        assert w in text
    assert "Traceback" not in text


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputError, match="nicht gefunden"):
        read_genesis(tmp_path / "fehlt.csv")
    with pytest.raises(InputError, match="Ordner"):
        read_genesis(tmp_path)


def test_schema_rejects_a_wrong_value_for_a_symbol():
    from integrationsbericht.sources.genesis import validate_genesis

    d = read_genesis(BROKEN / "valid_mini.csv")
    bad = d.copy()
    bad.loc[6, "value"] = 5.0  # "-" must stay 0
    with pytest.raises(InputError) as info:
        validate_genesis(bad, "x.csv")
    assert info.value.line == 10
    assert "Zeichen „-“ muss den Wert 0 haben" in str(info.value)


@pytest.mark.parametrize(
    "variant",
    ["crlf", "bom", "blank_line", "latin1"],
)
def test_harmless_variants_read_the_same(tmp_path, variant):
    raw = (BROKEN / "valid_mini.csv").read_bytes()
    if variant == "crlf":
        raw = raw.replace(b"\n", b"\r\n")
    elif variant == "bom":
        raw = b"\xef\xbb\xbf" + raw
    elif variant == "blank_line":
        raw = raw.replace(b"31.12.2015;05;", b"\n31.12.2015;05;", 1)
    else:
        raw = raw.decode("utf-8").encode("iso-8859-1")
    p = tmp_path / "variante.csv"
    p.write_bytes(raw)
    ref = read_genesis(BROKEN / "valid_mini.csv")
    got = read_genesis(p)
    cols = ["ags", "region", "period", "value", "flag", "h1", "unit"]
    pd.testing.assert_frame_equal(got[cols], ref[cols])
    assert got.attrs["meta"]["encoding"] == ("ISO-8859-1" if variant == "latin1" else "UTF-8")
    assert got.attrs["meta"]["title"] == ref.attrs["meta"]["title"]
    if variant == "blank_line":
        assert got["line"].tolist() == [7, 7, 9, 9, 10, 10, 11, 11]


@pytest.mark.shared
def test_quick_region_scan_agrees_with_reader(shared_data, tables):
    from integrationsbericht.sources.genesis import _quick_regions

    for rel in ALL_FILES:
        df = tables(rel)
        found, stand = _quick_regions(shared_data / rel)
        expected = dict(df[["ags", "region"]].drop_duplicates("ags").itertuples(index=False))
        assert found == expected, rel
        assert stand == df.attrs["meta"]["stand"]


def test_scan_regions_reports_broken_files():
    with pytest.raises(InputError, match="Fußzeile ist unvollständig"):
        scan_regions([BROKEN / "truncated_footer.csv"])
    with pytest.raises(InputError, match="kein GENESIS-Export"):
        scan_regions([BROKEN / "not_genesis.csv"])
    both = scan_regions([BROKEN / "valid_mini.csv"], validate=True)
    assert both["ags"].tolist() == ["05", "05711", "05754", "DG"]
    assert both.set_index("ags").loc["05754", "kind"] == "Kreis"
