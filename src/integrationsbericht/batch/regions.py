"""Which regions a batch builds: ``--ags a,b``, ``--ags-file`` and ``--land``.

``--land 05`` takes every Kreis and kreisfreie Stadt of that Land *from the data*: the regions
of the GENESIS files whose population is current for the report year (a Kreis dissolved in a
reform, such as the old Kreis Aachen, still appears in long series but has no current
population and is left out, with a note).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError, ReportError

_AGS = re.compile(r"^\d{5}$")
_LAND = re.compile(r"^\d{2}$")


@dataclass(frozen=True)
class Region:
    ags: str
    name: str = ""  # as in the data ("Minden-Lübbecke"); empty where the data lack the code
    kind: str = ""  # "Kreisfreie Stadt", "Kreis", or "" where the data do not say


def data_folder(config_path: Path, data_dir: Path | None, project_root: Path) -> Path:
    """The raw-data folder of the batch: ``--data``, else the one the configuration names."""
    from ..config import load_config, resolve as resolve_path

    if data_dir:
        return Path(data_dir).resolve()
    return resolve_path(load_config(config_path).data_dir, project_root)


def _regions_in_data(ddir: Path):
    """The regions of the GENESIS files (indexed by code), ``None`` if the folder has none:
    each region's build then reports the missing data itself."""
    from ..ingest import genesis_files
    from ..sources.genesis import scan_regions

    try:
        return scan_regions(genesis_files(ddir)).set_index("ags")
    except ReportError:
        return None


def read_ags_file(path: Path) -> list[str]:
    """One code per line; ``#`` starts a comment; blank lines are skipped."""
    from ..sources.encoding import read_text

    try:
        text, _encoding = read_text(path, fallback=None, what="Die Liste der Regionalschlüssel")
    except OSError:
        raise ReportError("Die Liste der Regionalschlüssel kann nicht gelesen werden.", file=path) from None
    codes = []
    for number, line in enumerate(text.splitlines(), start=1):
        code = line.split("#", 1)[0].strip()
        if not code:
            continue
        if not _AGS.match(code):
            raise ConfigError(
                f"„{code}“ ist kein Regionalschlüssel eines Kreises oder einer kreisfreien Stadt "
                "(erwartet: fünf Ziffern, z. B. 05711).",
                file=path, line=number,
            )
        codes.append(code)
    return codes


def split_codes(text: str) -> list[str]:
    codes = [c.strip() for c in text.split(",") if c.strip()]
    for code in codes:
        if not _AGS.match(code) and len(codes) > 1:
            raise ConfigError(
                f"--ags: „{code}“ ist kein Regionalschlüssel eines Kreises oder einer kreisfreien "
                "Stadt (erwartet: fünf Ziffern, z. B. 05711)."
            )
    return codes


def land_regions(land: str, *, config_path: Path, data_dir: Path | None, year: int | None,
                 project_root: Path, log=None) -> list[Region]:
    """Every Kreis and kreisfreie Stadt of Land ``land`` with current population data."""
    from ..config import load_config
    from ..edition import current_kreise

    if not _LAND.match(land or ""):
        raise ConfigError(f"--land: „{land}“ ist kein Länderschlüssel (erwartet: zwei Ziffern, z. B. 05 für Nordrhein-Westfalen).")
    ddir = data_folder(config_path, data_dir, project_root)
    year = year or load_config(config_path).year
    found, stale = current_kreise(config_path, ddir, year, project_root, prefix=land)
    if log and not stale.empty:
        log(
            "Ohne aktuelle Bevölkerungszahl, daher nicht gebaut: "
            + ", ".join(f"{n} ({a})" for a, n in stale[["ags", "name"]].itertuples(index=False))
        )
    if found.empty:
        raise ConfigError(
            f"In den GENESIS-Dateien in {ddir / 'genesis'} gibt es keine Kreise und kreisfreien "
            f"Städte des Landes {land} mit aktuellen Bevölkerungsdaten."
        )
    return [Region(a, n, k) for a, n, k in found[["ags", "name", "kind"]].itertuples(index=False)]


def describe_regions(codes: list[str], *, config_path: Path, data_dir: Path | None,
                     project_root: Path) -> list[Region]:
    """Name and kind of each code from the data (a code the data lack keeps empty fields; its
    build reports that)."""
    known = _regions_in_data(data_folder(config_path, data_dir, project_root))
    out = []
    for code in codes:
        if known is not None and code in known.index:
            kind = known.loc[code, "kind"]
            out.append(Region(code, str(known.loc[code, "name"]), kind if isinstance(kind, str) and kind != "nan" else ""))
        else:
            out.append(Region(code))
    return out


def land_name(codes: list[str], *, config_path: Path, data_dir: Path | None, project_root: Path) -> str | None:
    """The Land's name when every region lies in one Land (from the data), else ``None``."""
    lands = {c[:2] for c in codes}
    if len(lands) != 1:
        return None
    known = _regions_in_data(data_folder(config_path, data_dir, project_root))
    land = lands.pop()
    return str(known.loc[land, "name"]) if known is not None and land in known.index else None
