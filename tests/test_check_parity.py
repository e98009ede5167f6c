"""``check`` finds what ``build`` would reject, and ``build`` rejects it before its expensive work.

Before issue 17 ``check`` passed and ``build`` failed only after a minute on a low-contrast
colour, a missing logo, a survey without respondents and two files of one table; an empty
config file silently became Bielefeld 2025. For each bad input here: whenever ``build`` fails,
``check`` fails too, with the same message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from integrationsbericht import pipeline
from integrationsbericht.cli import main
from integrationsbericht.errors import ReportError

REPO = Path(__file__).resolve().parents[1]
CONFIG = REPO / "config" / "edition.yml"


def _config(tmp: Path, replace: dict[str, str] | None = None, text: str | None = None) -> Path:
    body = CONFIG.read_text(encoding="utf-8") if text is None else text
    for old, new in (replace or {}).items():
        assert old in body
        body = body.replace(old, new)
    path = tmp / "edition.yml"
    path.write_text(body, encoding="utf-8")
    return path


def _data(tmp: Path) -> Path:
    data = tmp / "raw"
    shutil.copytree(REPO / "data" / "raw", data)
    return data


def _empty_config(tmp):
    return _config(tmp, text="# nur ein Kommentar\n"), None


def _low_contrast(tmp):
    return _config(tmp, {'primary_color: "#00508C"': 'primary_color: "#DDDDDD"'}), None


def _missing_logo(tmp):
    return _config(tmp, {"logo: config/branding/logo.svg": "logo: config/branding/fehlt.svg"}), None


def _survey_without_respondents(tmp):
    data = _data(tmp)
    f = data / "befragung" / "befragung.csv"
    f.write_text(f.read_text(encoding="utf-8").split("\n", 1)[0] + "\n", encoding="utf-8")
    return None, data


def _two_disagreeing_files_of_one_table(tmp):
    data = _data(tmp)
    src = data / "genesis" / "12111-01-01-4_00.csv"
    lines = src.read_text(encoding="utf-8").split("\n")
    i = next(n for n, ln in enumerate(lines) if ln.startswith("05711;"))
    cells = lines[i].split(";")
    cells[2] = str(int(cells[2]) + 1000)
    lines[i] = ";".join(cells)
    (data / "genesis" / "12111-01-01-4_00-kopie.csv").write_text("\n".join(lines), encoding="utf-8")
    return None, data


def _mixed_encoding(tmp):
    data = _data(tmp)
    f = data / "genesis" / "12111-01-01-4_00.csv"
    f.write_bytes(f.read_bytes().replace("Ausländer".encode(), b"Ausl\xe4nder", 1))
    return None, data


def _unclosed_quote_in_measures(tmp):
    data = _data(tmp)
    f = data / "massnahmen" / "massnahmen.csv"
    lines = f.read_text(encoding="utf-8").split("\n")
    lines[3] = lines[3].replace(";", ';"', 1)
    f.write_text("\n".join(lines), encoding="utf-8")
    return None, data


CASES = [
    _empty_config, _low_contrast, _missing_logo, _survey_without_respondents,
    _two_disagreeing_files_of_one_table, _mixed_encoding, _unclosed_quote_in_measures,
]


@pytest.mark.parametrize("make", CASES, ids=[c.__name__.strip("_") for c in CASES])
def test_check_fails_whenever_build_fails(tmp_path, make, capsys):
    config, data = make(tmp_path)
    args = ["check"] + (["--config", str(config)] if config else []) + (["--data", str(data)] if data else [])
    rc = main(args)
    out = capsys.readouterr().out
    with pytest.raises(ReportError) as err:
        pipeline.build(config, data_dir=data, renderer="pandoc", formats=["html"], jobs=1,
                       out=tmp_path / "_book", build_root=tmp_path / "build",
                       processed_root=tmp_path / "processed")
    assert rc == 1, f"build fails ({err.value}) but check passed:\n{out}"
    assert err.value.message in out
    assert not (tmp_path / "_book").exists()
    # rejected before the chapters ran
    assert not list((tmp_path / "build").rglob("*.ipynb"))
