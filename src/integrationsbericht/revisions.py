"""What changed since the previous edition: revised values, new and discontinued indicators.

The previous edition's ``downloads/indikatoren.csv`` is compared with this edition's indicator
table. A value for the same indicator, region, period and group that differs beyond the
published precision is *revised*: it is listed, and marked ``r`` (Destatis: "berichtigte
Zahl") in this edition's table and downloads.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .errors import InputError

KEY = ["indicator", "ags", "period", "group"]
REQUIRED = KEY + ["value"]
REVISED_FLAG = "r"


def read_previous(path: Path) -> pd.DataFrame:
    """Read a previous ``indikatoren.csv`` (the published download) and check its columns."""
    from .sources.csvfile import read_text_csv

    df = read_text_csv(
        path,
        expected="die unveränderte indikatoren.csv einer früheren Ausgabe",
        missing="Die Indikatorentabelle der letzten Ausgabe fehlt.",
    )
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise InputError(
            "Spalten fehlen: " + ", ".join(missing) + " (erwartet: die Datei downloads/indikatoren.csv "
            "einer früheren Ausgabe).",
            file=path,
            line=1,
        )
    values = pd.to_numeric(df["value"].replace("", None), errors="coerce")
    bad = df["value"].ne("") & values.isna()
    if bad.any():
        row = int(bad.idxmax())
        raise InputError(
            f"Kein Zahlenwert: {df.loc[row, 'value']!r} (erwartet: Zahl mit Dezimalpunkt oder leer).",
            file=path,
            line=row + 2,
            column="value",
        )
    df["value"] = values
    return df


def compare(previous: pd.DataFrame, current: pd.DataFrame, decimals: dict[str, int]) -> pd.DataFrame:
    """Rows ``kind`` ∈ {revidiert, neu, eingestellt}; revisions are per value, the others per
    indicator. ``decimals`` (per indicator) sets the published precision for the comparison."""
    cur = current.copy()
    cur["value"] = pd.to_numeric(cur["value"], errors="coerce")
    prev_ids, cur_ids = set(previous["indicator"]), set(cur["indicator"])
    rows = []
    for ind in sorted(cur_ids - prev_ids):
        rows.append({"kind": "neu", "indicator": ind})
    for ind in sorted(prev_ids - cur_ids):
        rows.append({"kind": "eingestellt", "indicator": ind})
    both = previous[previous["indicator"].isin(cur_ids)]
    merged = both[KEY + ["value"]].merge(
        cur[KEY + ["value"] + [c for c in ("label", "region") if c in cur.columns]],
        on=KEY,
        suffixes=("_old", "_new"),
        how="inner",
    )
    if not merged.empty:
        tol = merged["indicator"].map(lambda i: 0.5 * 10 ** (-decimals.get(i, 1)))
        old, new = merged["value_old"], merged["value_new"]
        changed = (old.isna() != new.isna()) | ((old - new).abs() > tol)
        for rec in merged[changed].to_dict("records"):
            rows.append(
                {
                    "kind": "revidiert",
                    "indicator": rec["indicator"],
                    "label": rec.get("label"),
                    "ags": rec["ags"],
                    "region": rec.get("region"),
                    "period": rec["period"],
                    "group": rec["group"],
                    "old": rec["value_old"],
                    "new": rec["value_new"],
                }
            )
    cols = ["kind", "indicator", "label", "ags", "region", "period", "group", "old", "new"]
    out = pd.DataFrame(rows, columns=cols)
    order = {"revidiert": 0, "neu": 1, "eingestellt": 2}
    out["_o"] = out["kind"].map(order)
    return out.sort_values(["_o", "indicator", "ags", "group", "period"]).drop(columns="_o").reset_index(drop=True)


def mark_revised(table: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    """Set flag ``r`` on revised values (where no other symbol is set)."""
    rev = changes[changes["kind"] == "revidiert"]
    if rev.empty:
        return table
    keys = set(map(tuple, rev[KEY].astype(str).itertuples(index=False, name=None)))
    out = table.copy()
    hit = [tuple(map(str, t)) in keys for t in out[KEY].itertuples(index=False, name=None)]
    empty = out["flag"].isna() | (out["flag"].astype(str) == "")
    out.loc[pd.Series(hit, index=out.index) & empty, "flag"] = REVISED_FLAG
    return out
