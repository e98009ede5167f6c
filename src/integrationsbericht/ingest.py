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
from .sources.genesis import validate_genesis

__all__ = ["ingest_genesis", "genesis_files", "READER_FINGERPRINT"]

_AGS_RE = re.compile(r"^(?:DG|\d{2}|\d{3}|\d{5}|\d{8}|\d{12})$")


def _fingerprint() -> str:
    """Hash of the reader and ingest code: a changed reader re-ingests every table."""
    h = hashlib.sha256()
    from .sources import vintages as _vintages

    for mod_file in (_genesis.__file__, _vintages.__file__, __file__, _genesis.MAPPING_FILE):
        h.update(Path(mod_file).read_bytes())
    return h.hexdigest()[:16]


READER_FINGERPRINT = _fingerprint()


def genesis_files(data_dir: str | Path) -> list[Path]:
    """The GENESIS exports of a data folder, sorted by name.

    Every ``*.csv`` (any case, e.g. ``.CSV``) and ``*.zip`` in ``<data>/genesis/`` except the
    fetch manifest ``abruf-manifest.csv``; what a file holds is decided by its content.
    """
    from .sources.vintages import MANIFEST_NAME

    gdir = Path(data_dir) / "genesis"
    if not gdir.is_dir():
        raise InputError(
            "Im Datenordner fehlt der Unterordner „genesis“ mit den GENESIS-Exporten (CSV).",
            file=Path(data_dir),
            hint="Die CSV-Exporte von regionalstatistik.de in <Datenordner>/genesis/ ablegen "
            "(siehe docs/genesis.md).",
        )
    return sorted(
        p
        for p in gdir.iterdir()
        if p.is_file()
        and p.suffix.lower() in (".csv", ".zip")
        and p.name.lower() != MANIFEST_NAME
        and not p.name.startswith(".")
    )


# Parsed and merged tables of the data folders this process has read, keyed on every file's
# name and content hash (and the mapping): resolving an edition, preparing its
# inputs and a batch worker's next region all read the same folder. A changed, added or
# removed file changes the key; entries are handed out as copies (pandas copy-on-write).
_MEMO: dict[tuple, tuple[dict, list[str]]] = {}
_MEMO_SIZE = 4


def _memo_key(data_dir: Path, files: list[Path], mapping: Path | None) -> tuple:
    from .sources.vintages import MANIFEST_NAME

    manifest = [p for p in (data_dir / "genesis").iterdir() if p.name.lower() == MANIFEST_NAME]
    stats = [(f.name, sha256_file(f)) for f in [*files, *manifest]]
    own = ()
    if mapping is not None and Path(mapping).is_file():
        own = (str(Path(mapping).resolve()), sha256_file(Path(mapping)))
    return (str(data_dir.resolve()), READER_FINGERPRINT, tuple(stats), own)


def _copy_tables(tables: dict[str, dict]) -> dict[str, dict]:
    import copy

    out = {}
    for code, t in tables.items():
        frame = t["frame"].copy(deep=False)
        frame.attrs = copy.deepcopy(t["frame"].attrs)
        out[code] = {**t, "frame": frame, "files": list(t["files"]), "changes": list(t["changes"]),
                     "dropped": list(t["dropped"]), "meta": copy.deepcopy(t["meta"])}
    return out


def read_tables(
    data_dir: str | Path, cache_dir: Path | None = None, log=None, mapping: Path | None = None
) -> dict[str, dict]:
    """Every GENESIS table of a data folder, one merged frame per table code.

    Returns ``{code: {"frame", "files", "changes", "dropped", "meta"}}``: the exports of one
    table (any layout, any vintage) merged by :func:`~.sources.vintages.merge_exports`, periods
    not yet published dropped (:func:`~.sources.vintages.drop_unpublished`). Within one process
    a folder whose files are unchanged is read once (see ``_MEMO``); the messages of that read
    are given to ``log`` again.
    """
    data_dir = Path(data_dir)
    files = genesis_files(data_dir)
    key = _memo_key(data_dir, files, mapping)
    hit = _MEMO.get(key)
    if hit is None:
        messages: list[str] = []
        tables = _read_tables(data_dir, files, cache_dir, messages.append, mapping)
        while len(_MEMO) >= _MEMO_SIZE:
            _MEMO.pop(next(iter(_MEMO)))
        _MEMO[key] = hit = (tables, messages)
    tables, messages = hit
    if log:
        for m in messages:
            log(m)
    return _copy_tables(tables)


def _read_tables(data_dir: Path, files: list[Path], cache_dir: Path | None, log, mapping: Path | None) -> dict[str, dict]:
    from .cache import read_genesis_cached
    from .sources.vintages import drop_unpublished, evidence, merge_exports, read_manifest

    manifest = read_manifest(data_dir / "genesis")
    by_code: dict[str, list] = {}
    dropped_all: dict[str, list] = {}
    for f in files:
        entry = manifest.get(f.name)
        df = read_genesis_cached(f, cache_dir, code=(entry or {}).get("tabelle"), mapping=mapping)
        meta = dict(df.attrs["meta"])
        df, dropped = drop_unpublished(df)
        df.attrs["meta"] = meta
        code = str(meta["code"])
        if dropped:
            dropped_all.setdefault(code, []).append({"file": f.name, "periods": dropped})
            if log:
                log(
                    f"{f.name}: Zeitraum {', '.join(dropped)} noch nicht veröffentlicht (alle "
                    "Kreise ohne Zahl, Länder/Bund mit Zahlen) – nicht verwendet."
                )
        by_code.setdefault(code, []).append((f, df, evidence(meta, entry)))
    out: dict[str, dict] = {}
    for code, items in sorted(by_code.items()):
        merged, changes = merge_exports(items)
        newest = max(
            items,
            key=lambda it: (
                it[2]["generation"],
                it[2]["export_ms"] or 0,
                it[2]["stand"] or __import__("datetime").datetime.min,
            ),
        )
        meta = dict(newest[1].attrs["meta"])
        stands = [it[1].attrs["meta"].get("stand") for it in items if it[1].attrs["meta"].get("stand")]
        if stands:
            meta["stand"] = max(stands, key=lambda t: (t[-4:], t[3:5], t[:2]))
        meta["files"] = [
            {
                "file": it[0].name,
                "layout": it[1].attrs["meta"].get("layout"),
                "stand": it[1].attrs["meta"].get("stand"),
                "export_ms": it[1].attrs["meta"].get("export_ms"),
            }
            for it in items
        ]
        merged.attrs["meta"] = meta
        validate_genesis(merged, items[-1][0])
        if log:
            if changes:
                log(f"Tabelle {code}: {len(changes)} Werte durch einen neueren Export geändert, z. B.:")
            for c in changes[:3]:
                log(
                    f"Tabelle {code}, Region {c['ags']}, {c['period']}, „{c['cell']}“: {c['old']} → "
                    f"{c['new']} (neuerer Export „{c['new_file']}“ ersetzt „{c['old_file']}“)"
                )

        out[code] = {
            "frame": merged,
            "files": [it[0] for it in items],
            "changes": changes,
            "dropped": dropped_all.get(code, []),
            "meta": meta,
        }
    return out


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
    data_dir: str | Path,
    out_dir: str | Path,
    regions: Iterable[str],
    cache_dir: Path | None = None,
    log=None,
    mapping: Path | None = None,
) -> dict:
    """Validate every GENESIS export of ``data_dir`` and write the edition's tables.

    Several exports of one table (old and new downloads, any layout) are merged into one
    table (newer export wins, see :mod:`.sources.vintages`); the values a newer export changed
    are in ``meta["changes"]`` and, with ``log``, in the build log.

    Returns a manifest ``{code: meta}``; ``meta`` is the content of ``<code>.json`` (``code``,
    ``title``, ``unit``, ``source``, ``stand``, ``footnotes``, ``encoding``, ``source_file``,
    ``sha256``, ``regions``, ``regions_missing``, ``rows`` …) plus ``"rewritten"`` (bool, not
    stored) telling whether the table was written in this run. With ``cache_dir``, parsed raw
    files are shared between editions (many regions read the same exports).
    """
    data_dir = Path(data_dir)
    out = Path(out_dir) / "genesis"
    wanted = _check_regions(regions)
    files = genesis_files(data_dir)
    if not files:
        raise InputError(
            "Im Ordner liegen keine GENESIS-Exporte (CSV oder ZIP).",
            file=data_dir / "genesis",
            hint="Die Exporte von regionalstatistik.de hier ablegen (siehe docs/genesis.md).",
        )
    out.mkdir(parents=True, exist_ok=True)
    tables = read_tables(data_dir, cache_dir, log=log, mapping=mapping)
    # a project's own label mapping (config/genesis_merkmale.yml) is part of the reader
    reader = READER_FINGERPRINT
    if mapping is not None and Path(mapping).resolve() != _genesis.MAPPING_FILE.resolve():
        reader = f"{READER_FINGERPRINT}+{sha256_file(Path(mapping))[:16]}"

    manifest: dict[str, dict] = {}
    for code, info in tables.items():
        h = hashlib.sha256()
        for f in info["files"]:
            h.update(f.name.encode() + b"\0" + sha256_file(f).encode())
        mf = data_dir / "genesis" / "abruf-manifest.csv"
        if mf.is_file():
            h.update(sha256_file(mf).encode())
        # one raw file: its own SHA-256; several exports (or a manifest): a hash over all of them
        sha = h.hexdigest()
        if len(info["files"]) == 1 and not mf.is_file():
            sha = sha256_file(info["files"][0])
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
            and old.get("reader") == reader
            and old.get("parquet_sha256") == sha256_file(pq_path)
        ):
            manifest[code] = {**old, "rewritten": False}
            continue

        df = info["frame"]
        meta = dict(df.attrs["meta"])
        # the merged table was validated when it was read (read_tables); a subset of its
        # rows stays valid
        sub = df[df["ags"].isin(wanted)].reset_index(drop=True)
        found = sorted(set(sub["ags"]))
        _write_parquet(sub, pq_path)
        meta.update(
            {
                "path": str(info["files"][-1].resolve()),
                "source_file": ", ".join(f.name for f in info["files"]),
                "sha256": sha,
                "regions": wanted,
                "regions_found": found,
                "regions_missing": [r for r in wanted if r not in found],
                "rows": int(len(sub)),
                "periods": sorted(set(sub["period"]), key=lambda p: (p[-4:], p)),
                "changes": [c for c in info["changes"] if c["ags"] in wanted],
                "dropped_periods": info["dropped"],
                "reader": reader,
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
