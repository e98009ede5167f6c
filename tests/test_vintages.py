"""Several exports of one table: order by own evidence, newer wins, changes listed, errors."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from integrationsbericht.errors import InputError
from integrationsbericht.ingest import genesis_files, ingest_genesis, read_tables
from integrationsbericht.sources.vintages import drop_unpublished

NEW_HEAD = (
    "statistics_code;statistics_label;time_code;time_label;time;1_variable_code;1_variable_label;"
    "1_variable_attribute_code;1_variable_attribute_label;2_variable_code;2_variable_label;"
    "2_variable_attribute_code;2_variable_attribute_label;value;value_unit;value_variable_code;"
    "value_variable_label\n"
)
OLD_HEAD = (
    "Statistik_Code;Statistik_Label;Zeit_Code;Zeit_Label;Zeit;1_Merkmal_Code;1_Merkmal_Label;"
    "1_Auspraegung_Code;1_Auspraegung_Label;2_Merkmal_Code;2_Merkmal_Label;2_Auspraegung_Code;"
    "2_Auspraegung_Label;BEVSTD__Bevoelkerungsstand__Anzahl\n"
)


def _new(total: int, date="2023-12-31") -> str:
    rows = [
        f"12411;Fortschreibung;STAG;Stichtag;{date};KREISE;Kreise;05711;Bielefeld, Kreisfreie Stadt;GES;Geschlecht;;Insgesamt;{total};Anzahl;BEVSTD;Bevölkerungsstand\n",
        f"12411;Fortschreibung;STAG;Stichtag;{date};KREISE;Kreise;05754;Gütersloh, Kreis;GES;Geschlecht;;Insgesamt;370000;Anzahl;BEVSTD;Bevölkerungsstand\n",
    ]
    return "\ufeff" + NEW_HEAD + "".join(rows)


def _old(total: int) -> str:
    return OLD_HEAD + (
        f"12411;Fortschreibung;STAG;Stichtag;31.12.2023;KREISE;Kreise;05711;      Bielefeld, Kreisfreie Stadt;GES;Geschlecht;;Insgesamt;{total}\n"
        "12411;Fortschreibung;STAG;Stichtag;31.12.2023;KREISE;Kreise;05754;      Gütersloh, Kreis;GES;Geschlecht;;Insgesamt;370000\n"
    )


def _folder(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    g = tmp_path / "daten" / "genesis"
    g.mkdir(parents=True)
    for name, content in files.items():
        if isinstance(content, bytes):
            (g / name).write_bytes(content)
        else:
            (g / name).write_text(content, encoding="utf-8")
    return tmp_path / "daten"


def _zip(member: str, text: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(member, text.encode("utf-8"))
    return buf.getvalue()


def test_newer_generation_wins_and_change_is_listed(tmp_path):
    # names chosen so that name order would pick the wrong file
    data = _folder(tmp_path, {"z_alt.csv": _old(338410), "a_neu.CSV": _new(331519)})
    t = read_tables(data)["12411-01-01-4"]
    f = t["frame"]
    assert f[f.ags == "05711"]["value"].tolist() == [331519.0]
    assert t["changes"] == [
        {"ags": "05711", "period": "31.12.2023", "cell": "Bevölkerungsstand | Insgesamt", "old": "338410",
         "new": "331519", "old_file": "z_alt.csv", "new_file": "a_neu.CSV"}
    ]
    m = ingest_genesis(data, tmp_path / "out", ["05711"])
    assert m["12411-01-01-4"]["changes"][0]["new"] == "331519"


def test_zip_time_orders_two_new_exports_and_manifest_is_skipped(tmp_path):
    data = _folder(
        tmp_path,
        {
            "b.zip": _zip("12411-01-01-4_1749623963823_de_flat.csv", _new(331000)),
            "a.zip": _zip("12411-01-01-4_1773175772751_de_flat.csv", _new(331519)),
            "abruf-manifest.csv": "datei,tabelle,datenbank,parameter,abgerufen,stand,sha256\n",
        },
    )
    assert [p.name for p in genesis_files(data)] == ["a.zip", "b.zip"]
    f = read_tables(data)["12411-01-01-4"]["frame"]
    assert f[f.ags == "05711"]["value"].tolist() == [331519.0]


def test_manifest_stand_orders_and_names_the_table(tmp_path):
    manifest = (
        "datei,tabelle,datenbank,parameter,abgerufen,stand,sha256\n"
        "eins.csv,12411-01-01-4,regionalstatistik,,2026-01-01T10:00:00,2025-06-01T08:00:00,x\n"
        "zwei.csv,12411-01-01-4,regionalstatistik,,2026-01-01T10:00:00,2025-11-27T10:31:05,x\n"
    )
    data = _folder(tmp_path, {"eins.csv": _new(1), "zwei.csv": _new(2), "abruf-manifest.csv": manifest})
    f = read_tables(data)["12411-01-01-4"]["frame"]
    assert f[f.ags == "05711"]["value"].tolist() == [2.0]


def test_unorderable_disagreement_names_both_files(tmp_path):
    data = _folder(tmp_path, {"eins.csv": _new(1), "zwei.csv": _new(2)})
    with pytest.raises(InputError) as exc:
        read_tables(data)
    text = str(exc.value)
    assert "eins.csv" in text and "zwei.csv" in text and "05711" in text and "neuere" in text


@pytest.mark.shared
def test_unpublished_period_dropped_berlin_keys_not_kreise(shared_data):
    from integrationsbericht.sources.genesis import read_genesis, region_level

    df = read_genesis(shared_data / "genesis-aktuell/13111-01-03-4_2025_regio-api_ffcsv-new_de_kreise-all-dash.csv")
    assert region_level("11001001") == "gemeinde"  # Berlin-Mitte is no Kreis
    kept, dropped = drop_unpublished(df)
    assert dropped == ["30.06.2025"] and kept.empty
    # a real period with numbers is kept
    df24 = read_genesis(shared_data / "genesis-aktuell/13111-01-03-4_2024_regio-api_ffcsv-new_de.csv")
    kept, dropped = drop_unpublished(df24)
    assert dropped == [] and len(kept) == len(df24)
