"""GENESIS reader on today's layouts: flat files (old/new, de/en), the API zip, `Tabelle:` CSVs.

Every file of ../shared/data/genesis-aktuell/ and genesis-2018-weitere/ is read cell for cell;
the Bielefeld cells are compared with the raw rows by an independent line scan.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from integrationsbericht.errors import InputError
from integrationsbericht.sources.genesis import read_genesis

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
AKTUELL = sorted(
    f"genesis-aktuell/{p.name}"
    for p in (SHARED / "genesis-aktuell").glob("*")
    if p.suffix.lower() in (".csv", ".zip")
)
WEITERE = sorted(f"genesis-2018-weitere/{p.name}" for p in (SHARED / "genesis-2018-weitere").glob("*.csv"))
SYMBOLS = {"-", ".", "x", "/", "..."}


def _raw_text(path: Path) -> str:
    raw = path.read_bytes()
    if raw[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            raw = zf.read(zf.namelist()[0])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _raw_bielefeld(path: Path) -> tuple[Counter, Counter]:
    """Numbers and symbols of every Bielefeld cell, by a plain line scan of the raw file."""
    text = _raw_text(path)
    lines = text.splitlines()
    numbers: Counter = Counter()
    symbols: Counter = Counter()

    def take(cell: str) -> None:
        if re.fullmatch(r"-?\d+([,.]\d+)?", cell):
            numbers[float(cell.replace(",", "."))] += 1
        elif cell in SYMBOLS:
            symbols[cell] += 1
            if cell == "-":
                numbers[0.0] += 1

    head = lines[0].split(";")
    if head[0] in ("Statistik_Code", "statistics_code"):
        if "value" in head:  # ffcsv-new: one value per row
            vi = head.index("value")
            cols = [vi]
        else:  # ffcsv-old: one column per measure
            cols = [j for j, h in enumerate(head) if "__" in h]
        for line in lines[1:]:
            f = line.split(";")
            if len(f) > 8 and f[7] == "05711":
                for j in cols:
                    take(f[j])
        return numbers, symbols
    for line in lines:
        f = line.split(";")
        if "05711" not in f[:2]:
            continue
        for cell in f[f.index("05711") + 2 :]:
            take(cell)
    return numbers, symbols


@pytest.fixture(scope="module")
def read(shared_data):
    cache: dict[str, pd.DataFrame] = {}

    def get(rel: str) -> pd.DataFrame:
        if rel not in cache:
            cache[rel] = read_genesis(shared_data / rel)
        return cache[rel]

    return get


@pytest.mark.shared
@pytest.mark.parametrize("rel", AKTUELL + WEITERE)
def test_every_file_read_cell_for_cell(rel, shared_data, read):
    df = read(rel)
    meta = df.attrs["meta"]
    assert list(df.columns[:6]) == ["ags", "region", "period", "year", "value", "flag"]
    assert list(df.columns[-4:]) == ["unit", "column", "quality", "line"]
    assert df["period"].str.fullmatch(r"\d{2}\.\d{2}\.\d{4}|\d{4}").all()
    assert not df["region"].str.startswith(" ").any()
    assert (df.loc[df.flag == "-", "value"] == 0.0).all()
    assert df.loc[df.flag.isna(), "value"].notna().all()
    # the table code comes from the content: first line, zip member, or the flat file's variables
    assert meta["code"] == Path(rel).stem.split("_")[0]
    assert meta["layout"] in {"classic", "ffcsv-old", "ffcsv-new"}
    numbers, symbols = _raw_bielefeld(shared_data / rel)
    bi = df[df.ags == "05711"]
    assert len(bi) > 0
    assert Counter(float(v) for v in bi["value"].dropna()) == numbers
    assert Counter(bi["flag"].dropna()) == symbols
    # every data row of the raw file is one cell or one row of cells
    if meta["layout"] == "ffcsv-new":
        n_rows = len(_raw_text(shared_data / rel).strip().splitlines()) - 1
        assert len(df) == n_rows


@pytest.mark.shared
def test_layouts_detected_and_bielefeld_values(read):
    def bi(rel, **sel):
        d = read(rel)
        d = d[d.ags == "05711"]
        for k, v in sel.items():
            d = d[d[k] == v]
        return d["value"].tolist()

    zip_rel = "genesis-aktuell/12411-01-01-4_2024_regio-api_ffcsv-new_de.zip"
    z = read(zip_rel)
    assert z.attrs["meta"]["layout"] == "ffcsv-new"
    assert z.attrs["meta"]["export_ms"] == 1773175772751
    assert bi(zip_rel, GES="insgesamt") == [331605.0]
    en = "genesis-aktuell/12411-01-01-4_2024_regio-api_ffcsv-new_en.csv"
    assert read(en).attrs["meta"]["language"] == "en"
    assert bi(en, GES="insgesamt") == [331605.0] and bi(en, GES="weiblich") == [170594.0]
    z22 = "genesis-aktuell/12411-01-01-4_2023_regio-api_ffcsv-new_de_zensus2022basis.csv"
    assert bi(z22, GES="insgesamt", period="31.12.2023") == [331519.0]
    assert bi(z22, GES="männlich") == [160961.0]
    for rel in (
        "genesis-aktuell/12411-01-01-4_2023_regio-api_ffcsv-old_de_zensus2011basis.csv",
        "genesis-aktuell/12411-01-01-4_2023_regio-api_ffcsv-old_en.csv",
    ):
        assert read(rel).attrs["meta"]["layout"] == "ffcsv-old"
        assert bi(rel, GES="insgesamt", period="31.12.2023") == [338410.0]
        assert bi(rel, GES="männlich", measure="BEVSTD") == [163288.0]
    b13 = "genesis-aktuell/13111-01-03-4_2024_regio-api_ffcsv-new_de.csv"
    assert bi(b13, NAT="ausländisch", GES="insgesamt") == [22694.0]
    assert bi(b13, NAT="ausländisch", GES="weiblich") == [9398.0]
    assert bi("genesis-aktuell/13111-01-03-4_2023_regio-api_ffcsv-old_de.csv", NAT="insgesamt", GES="männlich") == [88450.0]
    mz = read("genesis-aktuell/12211-Z-11_2019_regio-api_ffcsv-new_de_value-q.csv")
    assert set(mz["quality"].dropna()) == {"e", "()"}
    assert mz[(mz.ags == "05711") & (mz.LBFORM01 == "insgesamt")]["value"].tolist() == [173.0]
    # classic CSV of 2026 (first line "Tabelle:") with the label "ausländisch"
    alq = "genesis-aktuell/13211-02-05-4_2025_regio-web_classic-Tabelle_latin1.csv"
    assert read(alq).attrs["meta"]["stand"] == "26.02.2026"
    q = read(alq)
    q = q[(q.ags == "05711") & (q.h1 == "Arbeitslosenquote bez. auf alle zivile Erwerbsp.")]
    assert q[q.NAT == "ausländisch"]["value"].tolist() == [21.4]
    assert q[(q.NAT == "insgesamt") & (q.GES == "insgesamt") & (q.PERSGR == "insgesamt") & (q.ALTER == "insgesamt")]["value"].tolist() == [9.1]


@pytest.mark.shared
def test_two_layouts_same_date_give_identical_cells(read):
    """Zensus 2011 by nationality: classic CSV (2017) and ffcsv-old (2024) hold the same cells."""
    a = read("genesis/12111-01-01-4_00.csv")
    b = read("genesis-aktuell/12111-01-01-4_2011_regio-api_ffcsv-old_de.csv")
    key = ["ags", "period", "measure", "NAT", "GES"]
    cols = key + ["value", "flag", "unit"]
    # the flat file also lists the 12 Berlin Bezirke (8-digit keys); the classic file does not
    b = b[b["ags"].isin(set(a["ags"]))]
    a = a[cols].sort_values(key).reset_index(drop=True)
    b = b[cols].sort_values(key).reset_index(drop=True)
    assert len(a) == 4734
    pd.testing.assert_frame_equal(a, b)
    bi = a[a.ags == "05711"].set_index(["NAT", "GES"])["value"]
    assert bi[("insgesamt", "insgesamt")] == 326870 and bi[("ausländisch", "insgesamt")] == 36668


@pytest.mark.shared
def test_zip_read_in_place(shared_data, tmp_path):
    src = shared_data / "genesis-aktuell/12411-01-01-4_2024_regio-api_ffcsv-new_de.zip"
    before = hashlib.sha256(src.read_bytes()).hexdigest()
    read_genesis(src)
    assert hashlib.sha256(src.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in src.parent.iterdir()) == sorted(p.name for p in src.parent.iterdir())
    # a zip with two members is refused in German
    two = tmp_path / "zwei.zip"
    with zipfile.ZipFile(two, "w") as zf:
        zf.writestr("a.csv", "x")
        zf.writestr("b.csv", "y")
    with pytest.raises(InputError, match="genau eine CSV-Datei"):
        read_genesis(two)


def test_flat_file_without_known_table_is_refused(tmp_path):
    f = tmp_path / "flat.csv"
    f.write_text(
        "\ufeffstatistics_code;statistics_label;time_code;time_label;time;1_variable_code;"
        "1_variable_label;1_variable_attribute_code;1_variable_attribute_label;value;value_unit;"
        "value_variable_code;value_variable_label\n"
        "99999;Test;JAHR;Jahr;2024;KREISE;Kreise;05711;Bielefeld;7;Anzahl;XYZ;Test\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="Tabellencode dieses Flat-Files") as exc:
        read_genesis(f)
    assert "abruf-manifest.csv" in str(exc.value)
    # with the code given (as the fetch manifest does) it reads
    df = read_genesis(f, code="99999-01-01-4")
    assert df.attrs["meta"]["code"] == "99999-01-01-4"
    assert df["value"].tolist() == [7.0] and df["period"].tolist() == ["2024"]


def test_project_mapping_replaces_packaged_one(shared_data, tmp_path):
    """A city whose download spells a label the packaged mapping does not know adds it in its
    own config/genesis_merkmale.yml (integrationsbericht anpassen): the reader, its cache and
    the edition use the project's file."""
    from integrationsbericht.edition import Edition
    from integrationsbericht.ingest import read_tables
    from integrationsbericht.sources.genesis import MAPPING_FILE, MAPPING_REL

    raw = (shared_data / "genesis" / "12111-01-01-4_00.csv").read_bytes().decode("utf-8")
    assert "Ausländer(innen)" in raw
    # the same table with a label spelling of a later year ("Ausländer*innen")
    data = tmp_path / "daten"
    (data / "genesis").mkdir(parents=True)
    (data / "genesis" / "12111-01-01-4.csv").write_bytes(
        raw.replace("Ausländer(innen)", "Ausländer*innen").encode("utf-8")
    )
    cache = tmp_path / "cache"

    def foreign_bielefeld(tables):
        df = tables["12111-01-01-4"]["frame"]
        return df[(df["ags"] == "05711") & (df["NAT"] == "ausländisch") & (df["GES"] == "insgesamt")]

    assert foreign_bielefeld(read_tables(data, cache)).empty  # unknown label: not selected

    project = tmp_path / "projekt"
    (project / "config").mkdir(parents=True)
    own = project / MAPPING_REL
    own.write_text(
        MAPPING_FILE.read_text(encoding="utf-8").replace(
            'Ausländerinnen und Ausländer, foreign]', 'Ausländerinnen und Ausländer, foreign, "Ausländer*innen"]'
        ),
        encoding="utf-8",
    )
    ed = Edition.__new__(Edition)
    ed.project_root = project
    assert ed.genesis_mapping == own
    rows = foreign_bielefeld(read_tables(data, cache, mapping=ed.genesis_mapping))
    # Bielefeld, Zensus 2011: 36.668 foreigners (raw row of the file)
    line = next(l for l in raw.splitlines() if l.startswith("05711;"))
    assert rows["value"].tolist() == [float(line.split(";")[8])]
    # the cache keeps both readings apart: the packaged mapping still gives no match
    assert foreign_bielefeld(read_tables(data, cache)).empty
