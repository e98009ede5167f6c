"""Ingest step: raw GENESIS exports → per-edition Parquet tables."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from integrationsbericht.errors import ConfigError, InputError
from integrationsbericht.ingest import ingest_genesis

HAND = Path(__file__).parent / "data" / "genesis"
REGIONS = ["05711", "057", "05", "DG"]


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    return {p.name: (_sha(p), p.stat().st_mtime_ns) for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def ingested(shared_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("processed")
    raw_before = _snapshot(shared_data / "genesis")
    manifest = ingest_genesis(shared_data, out, REGIONS)
    return shared_data, out, manifest, raw_before


@pytest.mark.shared
def test_ingest_real_data(ingested):
    shared_data, out, manifest, raw_before = ingested
    raw = sorted((shared_data / "genesis").glob("*.csv"))
    assert len(manifest) == len(raw)
    assert all(m["rewritten"] for m in manifest.values())
    # raw files untouched (content and modification time)
    assert _snapshot(shared_data / "genesis") == raw_before

    m = manifest["12411-03-03-4"]
    assert m["source_file"] == "12411-03-03-4_00.csv"
    assert m["sha256"] == _sha(shared_data / "genesis" / "12411-03-03-4_00.csv")
    assert m["stand"] == "10.10.2017"
    assert m["regions_found"] == sorted(REGIONS) and m["regions_missing"] == []
    assert json.loads((out / "genesis" / "12411-03-03-4.json").read_text("utf-8"))["sha256"] == m["sha256"]

    df = pd.read_parquet(out / "genesis" / "12411-03-03-4.parquet")
    assert set(df["ags"]) == set(REGIONS)
    assert len(df) == m["rows"]
    bi = df[(df.ags == "05711") & (df.period == "31.12.2015") & (df.rowdim == "Insgesamt")]
    assert bi[(bi.h1 == "Ausländer(innen)") & (bi.h2 == "Insgesamt")]["value"].tolist() == [43548.0]
    assert bi[(bi.h1 == "Insgesamt") & (bi.h2 == "Insgesamt")]["value"].tolist() == [333090.0]
    assert str(df["ags"].dtype) in ("str", "string", "object")
    assert df["ags"].iloc[0] in REGIONS  # leading zeros kept

    ai = pd.read_parquet(out / "genesis" / "AI002-1.parquet")
    share = ai[(ai.ags == "05711") & (ai.year == 2015) & ai.h1.str.startswith("Anteil Ausländer")]
    assert share["value"].tolist() == [13.1]
    # the two Latin-1 files keep their encoding in the metadata
    assert manifest["12511-01-01-4"]["encoding"] == "ISO-8859-1"
    assert manifest["21111-02-06-4"]["encoding"] == "ISO-8859-1"


@pytest.mark.shared
def test_rerun_is_cheap_and_byte_stable(ingested):
    shared_data, out, first, _ = ingested
    before = _snapshot(out / "genesis")
    again = ingest_genesis(shared_data, out, list(reversed(REGIONS)))  # order does not matter
    assert not any(m["rewritten"] for m in again.values())
    assert _snapshot(out / "genesis") == before
    assert {c: m["sha256"] for c, m in again.items()} == {c: m["sha256"] for c, m in first.items()}


def _data_dir(tmp_path: Path, *names: str) -> Path:
    d = tmp_path / "data"
    (d / "genesis").mkdir(parents=True)
    for n in names:
        shutil.copyfile(HAND / n, d / "genesis" / n)
    return d


def test_deterministic_parquet_and_region_change(tmp_path):
    data = _data_dir(tmp_path, "valid_mini.csv", "period_line_latin1.csv")
    m1 = ingest_genesis(data, tmp_path / "a", ["05711", "DG"])
    m2 = ingest_genesis(data, tmp_path / "b", ["DG", "05711"])
    for code in ("99999-01-01-4", "99999-02-01-4"):
        a = (tmp_path / "a" / "genesis" / f"{code}.parquet").read_bytes()
        b = (tmp_path / "b" / "genesis" / f"{code}.parquet").read_bytes()
        assert a == b
    assert m1["99999-01-01-4"]["rows"] == 4  # DG and Bielefeld, 2 columns each
    assert m1["99999-02-01-4"]["regions_missing"] == ["DG"]
    assert m2["99999-02-01-4"]["periods"] == ["2015", "2016"]

    # another region set rewrites, and only that region's rows are kept
    m3 = ingest_genesis(data, tmp_path / "a", ["05754"])
    assert all(m["rewritten"] for m in m3.values())
    df = pd.read_parquet(tmp_path / "a" / "genesis" / "99999-01-01-4.parquet")
    assert df["ags"].tolist() == ["05754", "05754"]
    assert df["flag"].tolist() == ["-", "."]
    assert df["value"].iloc[0] == 0.0 and pd.isna(df["value"].iloc[1])


def test_changed_raw_file_is_reingested(tmp_path):
    data = _data_dir(tmp_path, "valid_mini.csv")
    out = tmp_path / "out"
    ingest_genesis(data, out, ["05711"])
    raw = data / "genesis" / "valid_mini.csv"
    raw.write_text(raw.read_text("utf-8").replace(";333090;", ";333091;"), "utf-8")
    m = ingest_genesis(data, out, ["05711"])
    assert m["99999-01-01-4"]["rewritten"]
    df = pd.read_parquet(out / "genesis" / "99999-01-01-4.parquet")
    assert 333091.0 in df["value"].tolist()


def test_removed_raw_file_removes_its_outputs(tmp_path):
    data = _data_dir(tmp_path, "valid_mini.csv", "period_line_latin1.csv")
    out = tmp_path / "out"
    ingest_genesis(data, out, ["05711"])
    (data / "genesis" / "period_line_latin1.csv").unlink()
    m = ingest_genesis(data, out, ["05711"])
    assert list(m) == ["99999-01-01-4"]
    assert sorted(p.name for p in (out / "genesis").iterdir()) == [
        "99999-01-01-4.json",
        "99999-01-01-4.parquet",
    ]


def test_duplicate_table_code_names_both_files(tmp_path):
    """Two exports of one table with the same Stand: identical cells merge, differing ones stop."""
    data = _data_dir(tmp_path, "valid_mini.csv")
    second = data / "genesis" / "zweite_fassung.csv"
    shutil.copyfile(HAND / "valid_mini.csv", second)
    m = ingest_genesis(data, tmp_path / "out", ["05711"])  # same cells: one table
    assert m["99999-01-01-4"]["rows"] == 2 and m["99999-01-01-4"]["changes"] == []
    second.write_text(
        second.read_text("utf-8").replace("Stadt;333090;43548", "Stadt;333091;43548"), "utf-8"
    )
    with pytest.raises(InputError) as info:
        ingest_genesis(data, tmp_path / "out", ["05711"])
    text = str(info.value)
    assert "99999-01-01-4" in text and "valid_mini.csv" in text and "zweite_fassung.csv" in text
    assert "333090" in text and "333091" in text and "neuere" in text


def test_broken_file_stops_ingest_with_its_message(tmp_path):
    data = _data_dir(tmp_path, "valid_mini.csv", "unknown_symbol.csv")
    # same code as valid_mini: give the broken file its own code
    broken = data / "genesis" / "unknown_symbol.csv"
    broken.write_text(broken.read_text("utf-8").replace("99999-01-01-4", "99999-09-09-4", 1), "utf-8")
    with pytest.raises(InputError) as info:
        ingest_genesis(data, tmp_path / "out", ["05711"])
    assert info.value.file == str(broken)
    assert info.value.line == 11
    assert "Unbekanntes Zeichen „*“" in str(info.value)


def test_empty_and_foreign_files(tmp_path):
    data = _data_dir(tmp_path, "empty.csv")
    with pytest.raises(InputError, match="leer"):
        ingest_genesis(data, tmp_path / "out", ["05711"])
    data2 = _data_dir(tmp_path / "x", "not_genesis.csv")
    with pytest.raises(InputError, match="kein GENESIS-Export"):
        ingest_genesis(data2, tmp_path / "out", ["05711"])


def test_bad_arguments(tmp_path):
    data = _data_dir(tmp_path, "valid_mini.csv")
    with pytest.raises(ConfigError, match="„5711“ ist kein Amtlicher Gemeindeschlüssel"):
        ingest_genesis(data, tmp_path / "out", ["5711"])
    with pytest.raises(ConfigError, match="keine Region"):
        ingest_genesis(data, tmp_path / "out", [])
    with pytest.raises(InputError, match="Unterordner „genesis“"):
        ingest_genesis(tmp_path / "nirgends", tmp_path / "out", ["05711"])
    (tmp_path / "leer" / "genesis").mkdir(parents=True)
    with pytest.raises(InputError, match="keine GENESIS-Exporte"):
        ingest_genesis(tmp_path / "leer", tmp_path / "out", ["05711"])
