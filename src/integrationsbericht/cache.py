"""Content-addressed cache of parsed raw files (keyed on the file's SHA-256).

Parsing all GENESIS exports takes seconds; a re-run with unchanged files reads the parsed
tables back from Parquet instead. A changed file has a new hash and is parsed again, so the
cache can never be stale.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pandas as pd


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _reader_fingerprint() -> str:
    """A changed reader must not return tables parsed by its predecessor."""
    from .ingest import READER_FINGERPRINT

    return READER_FINGERPRINT


def read_genesis_cached(
    path: Path, cache_dir: Path | None, code: str | None = None, mapping: Path | None = None
) -> pd.DataFrame:
    """``read_genesis(path)``, memoised in ``cache_dir`` (no caching when it is ``None``).

    ``code`` names the table of a plain flat file (from the fetch manifest); ``mapping`` is a
    project's own ``config/genesis_merkmale.yml`` (default: the packaged one)."""
    from .sources.genesis import MAPPING_FILE, read_genesis

    path = Path(path)
    if mapping is not None and Path(mapping).resolve() == MAPPING_FILE.resolve():
        mapping = None  # the packaged mapping is part of the reader fingerprint already
    if cache_dir is None:
        return read_genesis(path, code=code, mapping=mapping)
    own_mapping = sha256_file(Path(mapping)) if mapping is not None else ""
    digest = hashlib.sha256(
        (sha256_file(path) + _reader_fingerprint() + (code or "") + own_mapping).encode()
    ).hexdigest()
    data_file = cache_dir / f"{digest}.parquet"
    meta_file = cache_dir / f"{digest}.json"
    if data_file.exists() and meta_file.exists():
        try:
            df = pd.read_parquet(data_file)
            meta = json.loads(meta_file.read_text(encoding="utf-8"))
        except Exception:  # a damaged cache entry is simply rebuilt
            pass
        else:
            meta["path"] = str(path)
            df.attrs = {"meta": meta}
            return df
    df = read_genesis(path, code=code, mapping=mapping)
    cache_dir.mkdir(parents=True, exist_ok=True)
    meta = dict(df.attrs.get("meta", {}))
    frame = df.copy()
    frame.attrs = {}
    tmp = data_file.with_suffix(f".tmp{os.getpid()}")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, data_file)
    tmpm = meta_file.with_suffix(f".tmp{os.getpid()}")
    tmpm.write_text(json.dumps(meta, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmpm, meta_file)
    return df
