"""The strict encoding rule: UTF-8, or pure ISO-8859-1, or a located German error.

Before issue 17 a UTF-8 GENESIS file with one stray Latin-1 byte was read as Latin-1 without a
word: ``check`` and ``build`` passed and the report showed "BevÃ¶lkerung"."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from integrationsbericht.cli import main
from integrationsbericht.errors import InputError
from integrationsbericht.sources.encoding import decode_text
from integrationsbericht.sources.genesis import read_genesis

REPO = Path(__file__).resolve().parents[1]
DEMO_GENESIS = REPO / "data" / "raw" / "genesis" / "12111-01-01-4_00.csv"


def _stray_latin1(raw: bytes) -> tuple[bytes, int, int]:
    """The file with its last "ö" of line 8 written as one Latin-1 byte: (bytes, line, column)."""
    lines = raw.split(b"\n")
    i = 7  # line 8
    text = lines[i].decode("utf-8")
    col = text.index("Ausländer") + len("Ausl") + 1
    lines[i] = text.replace("Ausländer", "Ausl\xe4nder", 1).encode("utf-8").replace(b"\xc3\xa4", b"\xe4", 1)
    return b"\n".join(lines), i + 1, col


def test_utf8_file_with_one_stray_latin1_byte_is_refused_with_line_and_column(tmp_path):
    bad, line, col = _stray_latin1(DEMO_GENESIS.read_bytes())
    path = tmp_path / DEMO_GENESIS.name
    path.write_bytes(bad)
    with pytest.raises(InputError) as err:
        read_genesis(path)
    assert (err.value.line, err.value.column) == (line, col)
    assert "mischt zwei Zeichenkodierungen" in str(err.value) and "0xE4" in str(err.value)


def _as_utf8(latin1: Path, tmp: Path) -> Path:
    out = tmp / "utf8" / latin1.name
    out.parent.mkdir()
    out.write_text(latin1.read_bytes().decode("iso-8859-1"), encoding="utf-8")
    return out


def test_pure_latin1_and_utf8_give_the_same_table(tmp_path):
    latin1 = tmp_path / DEMO_GENESIS.name
    latin1.write_bytes(DEMO_GENESIS.read_text(encoding="utf-8").replace("\u2013", "-").encode("iso-8859-1"))
    utf8 = read_genesis(_as_utf8(latin1, tmp_path))
    df = read_genesis(latin1)
    assert df.attrs["meta"]["encoding"] == "ISO-8859-1"
    assert utf8.attrs["meta"]["encoding"] == "UTF-8"
    assert df.attrs["meta"]["title"] == utf8.attrs["meta"]["title"]
    assert "Bevölkerung" in df.attrs["meta"]["title"]
    assert df.drop(columns=[c for c in ("line",) if c in df]).equals(
        utf8.drop(columns=[c for c in ("line",) if c in utf8])
    )


@pytest.mark.parametrize("raw, expected", [
    (b"\xef\xbb\xbfGr\xc3\xbc\xc3\x9fe", ("Grüße", "UTF-8")),
    (b"Gr\xfc\xdfe", ("Grüße", "ISO-8859-1")),
    (b"a\xa7b", ("a§b", "ISO-8859-1")),
])
def test_rule_on_small_inputs(raw, expected):
    assert decode_text(raw, "x.csv") == expected


def test_utf8_only_readers_name_line_and_column():
    with pytest.raises(InputError) as err:
        decode_text(b"kopf\nzeile;\xff", "b.csv", fallback=None)
    assert (err.value.line, err.value.column) == (2, 7)


def test_check_refuses_the_mixed_file(tmp_path, capsys):
    data = tmp_path / "raw"
    shutil.copytree(REPO / "data" / "raw", data)
    target = data / "genesis" / DEMO_GENESIS.name
    target.write_bytes(_stray_latin1(target.read_bytes())[0])
    assert main(["check", "--data", str(data)]) == 1
    out = capsys.readouterr().out
    assert "Zeile 8" in out and "mischt zwei Zeichenkodierungen" in out


def test_measures_table_with_mixed_encoding_is_refused(tmp_path):
    from integrationsbericht.measures import _read_table

    src = (REPO / "data" / "raw" / "massnahmen" / "massnahmen.csv").read_bytes()
    bad = src.replace("Sprachcafés".encode(), b"Sprachcaf\xe9s", 1)
    path = tmp_path / "massnahmen.csv"
    path.write_bytes(bad)
    with pytest.raises(InputError) as err:
        _read_table(path)
    assert err.value.line == 2


def test_nul_bytes_are_not_text():
    """UTF-16 or binary data: before issue 17 a NUL in a GENESIS label passed check and build."""
    with pytest.raises(InputError) as err:
        decode_text("kopf\nBevölkerung\x00\n".encode(), "g.csv")
    assert (err.value.line, err.value.column) == (2, 12) and "Null-Bytes" in err.value.message
    with pytest.raises(InputError):
        decode_text("Tabelle: 1".encode("utf-16"), "g.csv")
