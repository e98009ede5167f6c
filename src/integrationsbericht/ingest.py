"""Ingest step: raw GENESIS exports → validated, tidy Parquet tables for one edition.

``ingest_genesis(data_dir, out_dir, regions)`` reads every ``*.csv`` in ``data_dir/"genesis"``,
validates it (``read_genesis``), keeps the rows of the edition's regions and writes
``out_dir/genesis/<code>.parquet`` plus ``<code>.json`` (metadata, raw file name and sha256).

* Raw files are only ever opened for reading.
* A table whose raw file (sha256), region set and reader code are unchanged is not rewritten,
  so re-runs are cheap and the outputs stay byte-identical.
* Parquet is written deterministically (same input → same bytes) and atomically.
* Outputs of tables whose raw file is gone are removed, so no stale table is used.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import ConfigError, InputError
from .sources import genesis as _genesis
from .cache import sha256_file
from .sources.genesis import read_genesis, validate_genesis

__all__ = ["ingest_genesis", "genesis_files", "READER_FINGERPRINT"]

_AGS_RE = re.compile(r"^(?:DG|\d{2}|\d{3}|\d{5}|\d{8}|\d{12})$")
_CODE_RE = re.compile(rb"^\s*(?:GENESIS-)?Tabelle:\s*([^;\s]+)")


def _fingerprint() -> str:
    """Hash of the reader and ingest code: a changed reader re-ingests every table."""
    h = hashlib.sha256()
    for mod_file in (_genesis.__file__, __file__, _genesis.MAPPING_FILE):
        h.update(Path(mod_file).read_bytes())
    return h.hexdigest()[:16]


READER_FINGERPRINT = _fingerprint()


def _peek_code(path: Path) -> str | None:
    with open(path, "rb") as fh:
        first = fh.readline(4096)
    if first.startswith(b"\xef\xbb\xbf"):
        first = first[3:]
    m = _CODE_RE.match(first)
    return m.group(1).decode("ascii", "replace") if m else None


def genesis_files(data_dir: str | Path) -> list[Path]:
    """The GENESIS exports of a data folder (``<data>/genesis/*.csv``), sorted by name."""
    gdir = Path(data_dir) / "genesis"
    if not gdir.is_dir():
        raise InputError(
            "Im Datenordner fehlt der Unterordner „genesis“ mit den GENESIS-Exporten (CSV).",
            file=Path(data_dir),
            hint="Die CSV-Exporte von regionalstatistik.de in <Datenordner>/genesis/ ablegen "
            "(siehe docs/genesis.md).",
        )
    return sorted(p for p in gdir.iterdir() if p.is_file() and p.suffix.lower() == ".csv")


def _atomic_write(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    clean = df.reset_index(drop=True).copy()
    clean.attrs = {}  # metadata lives in the JSON file; keeps the Parquet bytes stable
    table = pa.Table.from_pandas(clean, preserve_index=False)
    _atomic_write(
        path,
        lambda tmp: pq.write_table(
            table, tmp, compression="zstd", write_statistics=True, store_schema=True
        ),
    )


def _write_json(meta: dict, path: Path) -> None:
    text = json.dumps(meta, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    _atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _check_regions(regions: Iterable[str]) -> list[str]:
    if isinstance(regions, str):
        regions = [regions]
    out = sorted({str(r).strip() for r in regions})
    if not out:
        raise ConfigError("Für die Aufbereitung der GENESIS-Tabellen wurde keine Region angegeben.")
    for r in out:
        if not _AGS_RE.match(r):
            raise ConfigError(
                f"„{r}“ ist kein Amtlicher Gemeindeschlüssel (erwartet „DG“ oder 2, 3, 5 oder 8 "
                "Ziffern, z. B. „05711“ für Bielefeld).",
                column="regions",
            )
    return out


def ingest_genesis(
    data_dir: str | Path, out_dir: str | Path, regions: Iterable[str], cache_dir: Path | None = None
) -> dict:
    """Validate every GENESIS export of ``data_dir`` and write the edition's tables.

    Returns a manifest ``{code: meta}``; ``meta`` is the content of ``<code>.json`` (``code``,
    ``title``, ``unit``, ``source``, ``stand``, ``footnotes``, ``encoding``, ``source_file``,
    ``sha256``, ``regions``, ``regions_missing``, ``rows`` …) plus ``"rewritten"`` (bool, not
    stored) telling whether the table was written in this run. With ``cache_dir``, parsed raw
    files are shared between editions (many regions read the same exports).
    """
    from .cache import read_genesis_cached

    data_dir = Path(data_dir)
    out = Path(out_dir) / "genesis"
    wanted = _check_regions(regions)
    files = genesis_files(data_dir)
    if not files:
        raise InputError(
            "Im Ordner liegen keine GENESIS-CSV-Dateien.",
            file=data_dir / "genesis",
            hint="Die CSV-Exporte von regionalstatistik.de hier ablegen (siehe docs/genesis.md).",
        )
    out.mkdir(parents=True, exist_ok=True)

    # one raw file per table code (code from the file's first line, never the file name)
    by_code: dict[str, Path] = {}
    for f in files:
        code = _peek_code(f)
        if code is None:
            read_genesis(f)  # raises the reader's precise error (empty, not GENESIS …)
            raise InputError("Die Datei ist kein GENESIS-Export.", file=f, line=1)  # pragma: no cover
        if code in by_code:
            raise InputError(
                f"Die Tabelle {code} liegt doppelt vor: in „{by_code[code].name}“ und in "
                f"„{f.name}“. Bitte nur eine Datei je Tabelle ablegen (ältere Fassung entfernen).",
                file=f,
                line=1,
            )
        by_code[code] = f

    manifest: dict[str, dict] = {}
    for code, f in sorted(by_code.items()):
        sha = sha256_file(f)
        pq_path = out / f"{code}.parquet"
        js_path = out / f"{code}.json"
        old = None
        if pq_path.exists() and js_path.exists():
            try:
                old = json.loads(js_path.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, OSError):
                old = None
        if (
            old is not None
            and old.get("sha256") == sha
            and old.get("regions") == wanted
            and old.get("reader") == READER_FINGERPRINT
            and old.get("parquet_sha256") == sha256_file(pq_path)
        ):
            manifest[code] = {**old, "rewritten": False}
            continue

        df = read_genesis_cached(f, cache_dir)
        meta = dict(df.attrs["meta"])
        sub = df[df["ags"].isin(wanted)].reset_index(drop=True)
        validate_genesis(sub, f)
        found = sorted(set(sub["ags"]))
        _write_parquet(sub, pq_path)
        meta.update(
            {
                "path": str(f.resolve()),
                "source_file": f.name,
                "sha256": sha,
                "regions": wanted,
                "regions_found": found,
                "regions_missing": [r for r in wanted if r not in found],
                "rows": int(len(sub)),
                "periods": sorted(set(sub["period"]), key=lambda p: (p[-4:], p)),
                "reader": READER_FINGERPRINT,
                "parquet_sha256": sha256_file(pq_path),
            }
        )
        _write_json(meta, js_path)
        manifest[code] = {**meta, "rewritten": True}

    # remove outputs of tables whose raw file is gone (only files this step wrote)
    for js in sorted(out.glob("*.json")):
        code = js.stem
        if code in manifest:
            continue
        try:
            old = json.loads(js.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, OSError):
            continue
        if isinstance(old, dict) and "sha256" in old and "reader" in old:
            (out / f"{code}.parquet").unlink(missing_ok=True)
            js.unlink(missing_ok=True)
    return manifest
