"""Several exports of one GENESIS table side by side: order, merge, drop unpublished periods.

A data folder may hold last decade's downloads next to today's (classic CSV, flat files, the API
zip). ``merge_exports`` forms one table per code: where two files give the same cell (same
region, period and meaning: value variable + attributes, else the same labels), the newer export
wins. Exports are ordered by their own evidence only, never by file name or file time:

1. the ``Stand`` of a classic footer or of the fetch manifest (``genesis/abruf-manifest.csv``),
2. the epoch milliseconds in an API zip member's name,
3. the layout generation: ffcsv-new (2025 on) is newer than ffcsv-old and the classic CSV.

Two files that disagree on a cell and cannot be ordered raise a German error naming both.
Values a newer export changed are returned as a list (build log, annex change list).
"""

from __future__ import annotations

import csv
import io
import math
import re
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError
from .genesis import region_level

__all__ = ["MANIFEST_NAME", "read_manifest", "evidence", "drop_unpublished", "merge_exports"]

MANIFEST_NAME = "abruf-manifest.csv"
_MANIFEST_COLS = ["datei", "tabelle", "datenbank", "parameter", "abgerufen", "stand", "sha256"]


def read_manifest(gdir: Path) -> dict[str, dict]:
    """``genesis/abruf-manifest.csv`` (written by ``integrationsbericht fetch``): file → entry."""
    path = Path(gdir) / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            "Das Abrufprotokoll ist nicht UTF-8-kodiert.", file=path, hint=f"Byte {exc.start}"
        ) from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("datei", "tabelle", "stand") if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(
            f"Dem Abrufprotokoll fehlen die Spalten {', '.join(missing)} (erwartet: "
            f"{','.join(_MANIFEST_COLS)}).",
            file=path,
            line=1,
        )
    out: dict[str, dict] = {}
    for i, row in enumerate(reader, start=2):
        name = (row.get("datei") or "").strip()
        if not name:
            continue
        stand = (row.get("stand") or "").strip()
        parsed = None
        if stand:
            try:
                parsed = datetime.fromisoformat(stand)
            except ValueError:
                raise InputError(
                    f"„{stand}“ ist kein Zeitpunkt nach ISO 8601 (erwartet z. B. "
                    "„2025-11-27T10:31:05“).",
                    file=path,
                    line=i,
                    column="stand",
                ) from None
        out[name] = {"tabelle": (row.get("tabelle") or "").strip() or None, "stand": parsed}
    return out


def evidence(meta: dict, manifest_entry: dict | None = None) -> dict:
    """What says how new an export is: Stand (footer or manifest), zip epoch ms, generation."""
    stand = None
    if meta.get("stand"):
        time = meta.get("stand_time") or "00:00:00"
        if len(time) == 5:
            time += ":00"
        try:
            stand = datetime.strptime(f"{meta['stand']} {time}", "%d.%m.%Y %H:%M:%S")
        except ValueError:
            stand = None
    if stand is None and manifest_entry and manifest_entry.get("stand"):
        stand = manifest_entry["stand"]
    return {
        "stand": stand,
        "export_ms": meta.get("export_ms"),
        "generation": int(meta.get("generation") or 0),
    }


def _newer(a: dict, b: dict) -> int:
    """1 if ``a`` is the newer export, -1 if ``b`` is, 0 if the evidence cannot tell."""
    for k in ("stand", "export_ms", "generation"):
        x, y = a.get(k), b.get(k)
        if x is not None and y is not None and x != y:
            return 1 if x > y else -1
    return 0


def drop_unpublished(df: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Drop periods not yet published: every Kreis cell ``-``/``.`` while Land or Bund have numbers.

    The reader turns ``-`` into 0 (its contract); a period in which no Kreis has a single number
    but the Länder or the Bund do is a placeholder of the portal, not a zero.
    """
    if df.empty:
        return df, []
    level = df["ags"].map(region_level)
    dropped = []
    for period, idx in df.groupby("period", sort=False).groups.items():
        sub = df.loc[idx]
        lev = level.loc[idx]
        kreis = sub[lev == "kreis"]
        upper = sub[lev.isin(["land", "bund"])]
        if kreis["ags"].nunique() < 2 or upper.empty:
            continue
        if kreis["flag"].isin(["-", "."]).all() and upper["flag"].isna().any():
            dropped.append(str(period))
    if not dropped:
        return df, []
    return df[~df["period"].isin(dropped)].reset_index(drop=True), dropped


def _joined(df: pd.DataFrame, columns: list[str]) -> pd.Series:
    """The cells of ``columns`` joined with " | " per row (missing = empty), column by column:
    a row-wise ``agg`` costs minutes on the million cells of a Kreis-level download."""
    parts = [df[c].astype(object).fillna("").astype(str) for c in columns]
    out = parts[0]
    for p in parts[1:]:
        out = out + " | " + p
    return out


def _cell_keys(df: pd.DataFrame) -> pd.Series:
    """Meaning of a cell: value variable + attributes where known, else its labels."""
    var_cols = sorted(c for c in df.columns if c.isupper())
    label_cols = ["column"] + sorted(c for c in df.columns if c.startswith("rowdim"))
    labels = _joined(df, label_cols)
    if "measure" in df.columns and var_cols:
        dims = df[["measure", *var_cols]].astype(object)
        known = dims.notna().all(axis=1)
        dkey = _joined(df, ["measure", *var_cols])
        key = np.where(known, "D:" + dkey, "L:" + labels)
    else:
        key = "L:" + labels
    return df["ags"].astype(str) + "\x1f" + df["period"].astype(str) + "\x1f" + pd.Series(key, index=df.index)


def _same(v1: float, f1, v2: float, f2) -> bool:
    if math.isnan(v1) or math.isnan(v2):
        return math.isnan(v1) and math.isnan(v2) and (f1 or None) == (f2 or None)
    return v1 == v2


def merge_exports(items: list[tuple[Path, pd.DataFrame, dict]]) -> tuple[pd.DataFrame, list[dict]]:
    """One table from several exports of it: ``items`` = ``[(path, frame, evidence)]``.

    Returns ``(merged frame, changes)``; ``changes`` lists every cell whose value a newer
    export replaced (``ags, period, cell, old, new, old_file, new_file``).
    """
    if len(items) == 1:
        return items[0][1], []
    frames = []
    for i, (_p, df, _e) in enumerate(items):
        d = df.copy()
        d.attrs = {}
        d["_f"] = i
        frames.append(d)
    allf = pd.concat(frames, ignore_index=True)
    # label levels a layout does not have (a classic header with one level next to a flat
    # file with two) are empty labels, as in a classic header
    for c in allf.columns:
        if re.fullmatch(r"h\d+|rowdim\d*", c):
            allf[c] = allf[c].fillna("").astype("str")
    allf["_key"] = _cell_keys(allf)
    dup = allf["_key"].duplicated(keep=False)
    if not dup.any():
        return allf.drop(columns=["_f", "_key"]), []
    order = {
        (i, j): _newer(items[i][2], items[j][2]) for i in range(len(items)) for j in range(len(items))
    }
    drop_idx: list[int] = []
    changes: list[dict] = []
    d = allf[dup]
    for key, g in d.groupby("_key", sort=False):
        fs = g["_f"].tolist()
        if len(set(fs)) < len(fs):
            continue  # a file holding a cell twice was already refused by the reader
        winners = [i for i in fs if all(order[(i, j)] > 0 for j in fs if j != i)]
        vals = list(zip(g["_f"], g["value"], g["flag"], g.index))
        if winners:
            w = winners[0]
        else:
            v0 = vals[0]
            if all(_same(v0[1], v0[2], v[1], v[2]) for v in vals[1:]):
                w = max(fs, key=lambda i: (items[i][2]["generation"], items[i][2]["export_ms"] or 0))
            else:
                a, b = next(
                    (x, y)
                    for x in vals
                    for y in vals
                    if x[0] != y[0] and order[(x[0], y[0])] == 0 and not _same(x[1], x[2], y[1], y[2])
                )
                row = allf.loc[a[3]]
                raise InputError(
                    f"Zwei Exporte der Tabelle {items[a[0]][1].attrs['meta'].get('code')} geben für "
                    f"Region {row['ags']}, Zeitraum {row['period']} („{row['column']}“) "
                    f"verschiedene Werte ({_fmt(a[1], a[2])} in „{items[a[0]][0].name}“, "
                    f"{_fmt(b[1], b[2])} in „{items[b[0]][0].name}“), und keiner lässt sich als "
                    "der neuere erkennen (kein „Stand“, kein Zeitstempel des Webservice, gleiche "
                    "Layout-Generation).",
                    file=items[b[0]][0],
                    hint="Eine der beiden Dateien entfernen oder die Tabelle mit "
                    "„integrationsbericht fetch“ neu laden (das Abrufprotokoll hält den Stand fest).",
                )
        win = next(v for v in vals if v[0] == w)
        seen_old: set[str] = set()
        for v in vals:
            if v[0] == w:
                continue
            drop_idx.append(v[3])
            if not _same(v[1], v[2], win[1], win[2]) and _fmt(v[1], v[2]) not in seen_old:
                seen_old.add(_fmt(v[1], v[2]))  # the same old value in a de and an en export: once
                row = allf.loc[win[3]]
                changes.append(
                    {
                        "ags": str(row["ags"]),
                        "period": str(row["period"]),
                        "cell": str(row["column"]),
                        "old": _fmt(v[1], v[2]),
                        "new": _fmt(win[1], win[2]),
                        "old_file": items[v[0]][0].name,
                        "new_file": items[w][0].name,
                    }
                )
    merged = allf.drop(index=drop_idx).sort_values(["_f", "line"], kind="stable")
    merged = merged.drop(columns=["_f", "_key"]).reset_index(drop=True)
    changes.sort(key=lambda c: (c["ags"], c["period"][-4:], c["period"], c["cell"]))
    return merged, changes


def _fmt(v: float, flag) -> str:
    if math.isnan(v):
        return str(flag or ".")
    return f"{v:.10g}"
