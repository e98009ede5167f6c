"""District maps: a choropleth from any GeoJSON of districts, or a tile map without geometry.

Both use the same binned, colour-blind-safe sequential palette (cividis, light = low,
dark = high), print each district's name and value on the map (no meaning by colour alone),
a legend in German number format and a hatched grey for suppressed values. The data behind a
map is :func:`map_table`; :func:`alt_text` describes it in German.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import geopandas as gpd  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import yaml  # noqa: E402
from matplotlib import patheffects  # noqa: E402
from matplotlib.colors import BoundaryNorm, ListedColormap  # noqa: E402
from matplotlib.patches import Patch, Rectangle  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from . import fmt  # noqa: E402
from .districts import District, normalize_name  # noqa: E402
from .errors import ConfigError, InputError  # noqa: E402

PROJECTED_CRS = "EPSG:25832"  # ETRS89 / UTM 32N: metres, true shapes for Germany
SUPPRESSED_COLOR = "#D9D9D9"
EDGE_COLOR = "#FFFFFF"
TEXT_COLOR = "#1A1A1A"
N_CLASSES = 5
_HALO = [patheffects.withStroke(linewidth=2.5, foreground="white")]


# --------------------------------------------------------------------------- geometry


def _pick_field(columns: list[str], given: str | None, hints: tuple[str, ...], path: Path,
                what: str) -> str | None:
    if given:
        if given not in columns:
            raise InputError(
                f"Die Eigenschaft '{given}' ({what}) fehlt in der Geometriedatei; vorhanden: "
                f"{', '.join(columns)}.", file=path, column=given)
        return given
    for hint in hints:
        for col in columns:
            if hint in col.upper():
                return col
    return None


def read_geometry(path: str | Path, districts: list[District], *, number: str | None = None,
                  name: str | None = None) -> gpd.GeoDataFrame:
    """Read a GeoJSON (or any OGR file) of districts and match it to the district list.

    Features are matched by district number (property ``number``, auto-detected: a property
    whose name contains ``NR``/``NUMMER``) and checked by name (property ``name``,
    auto-detected: ``NAME``/``BEZ``), or by name alone where there is no number. Unmatched or
    missing districts raise :class:`InputError`. Returns ``bezirk``, ``bezirk_nr``,
    ``geometry`` in ETRS89/UTM 32N, ordered by number; parts of one district are merged.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("Geometriedatei der Stadtbezirke nicht gefunden.", file=path)
    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises its own types for unreadable files
        raise InputError(f"Die Geometriedatei ist nicht lesbar ({type(exc).__name__}); "
                         "erwartet wird GeoJSON.", file=path) from None
    if gdf.empty:
        raise InputError("Die Geometriedatei enthält keine Flächen.", file=path)
    kinds = set(gdf.geometry.geom_type.dropna())
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise InputError(f"Erwartet werden Flächen (Polygon), gefunden: {', '.join(sorted(kinds))}.",
                         file=path)
    cols = [c for c in gdf.columns if c != "geometry"]
    nr_col = _pick_field(cols, number, ("STB_NR", "NUMMER", "_NR", "NR"), path, "Bezirksnummer")
    name_col = _pick_field(cols, name, ("STB_NAME", "NAME", "BEZ"), path, "Bezirksname")
    if nr_col is None and name_col is None:
        raise InputError(
            "Die Geometriedatei hat keine Eigenschaft mit Bezirksnummer oder -name; bitte "
            "'districts.geometry_number' oder 'districts.geometry_name' angeben. Vorhanden: "
            + ", ".join(cols), file=path)
    by_nr = {d.nr: d for d in districts}
    by_name = {normalize_name(d.name): d for d in districts}
    matched = []
    for i, row in gdf.iterrows():
        feature = f"Objekt {i + 1}"
        d = None
        if nr_col is not None:
            try:
                nr = int(float(str(row[nr_col]).strip()))
            except ValueError:
                raise InputError(f"{feature}: Bezirksnummer '{row[nr_col]}' ist keine Zahl.",
                                 file=path, column=nr_col) from None
            d = by_nr.get(nr)
            if d is None:
                raise InputError(
                    f"{feature}: Bezirksnummer {nr} steht nicht in config/bezirke.yml "
                    f"(erwartet: {', '.join(str(k) for k in by_nr)}).", file=path, column=nr_col)
        if name_col is not None:
            label = str(row[name_col])
            if d is None:
                d = by_name.get(normalize_name(label))
                if d is None:
                    raise InputError(
                        f"{feature}: Bezirk '{label}' steht nicht in config/bezirke.yml "
                        f"(erwartet: {', '.join(x.name for x in districts)}).",
                        file=path, column=name_col)
            elif normalize_name(label) != normalize_name(d.name):
                raise InputError(
                    f"{feature}: Bezirksnummer {d.nr} heißt hier '{label}', in "
                    f"config/bezirke.yml aber '{d.name}'.", file=path, column=name_col)
        matched.append((d.name, d.nr))
    gdf = gdf.assign(bezirk=[m[0] for m in matched], bezirk_nr=[m[1] for m in matched])
    absent = [d.name for d in districts if d.name not in set(gdf["bezirk"])]
    if absent:
        raise InputError("In der Geometriedatei fehlen die Stadtbezirke " + ", ".join(absent) + ".",
                         file=path)
    if gdf.crs is None:
        minx, miny, maxx, maxy = gdf.total_bounds
        if -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90:
            gdf = gdf.set_crs("OGC:CRS84")
        else:
            raise InputError("Die Geometriedatei hat kein Koordinatensystem; erwartet wird "
                             "WGS84 (GeoJSON-Standard).", file=path)
    gdf = gdf[["bezirk", "bezirk_nr", "geometry"]].dissolve(by=["bezirk_nr", "bezirk"],
                                                             as_index=False)
    gdf = gdf.to_crs(PROJECTED_CRS).sort_values("bezirk_nr").reset_index(drop=True)
    # 5 m is far below what a printed map shows; keeps SVG/PDF small and drawing fast
    gdf["geometry"] = gdf.geometry.simplify(5.0, preserve_topology=True)
    return gdf[["bezirk", "bezirk_nr", "geometry"]]


def load_tiles(path: str | Path, ags: str, districts: list[District]) -> dict[str, tuple[int, int]]:
    """Tile-map grid of a city from ``config/bezirke_kacheln.yml``: {district: (row, col)}."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError("Raster der Kachelkarte nicht gefunden.", file=path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    grid = raw.get(str(ags))
    if not isinstance(grid, dict):
        raise ConfigError(f"Für den Regionalschlüssel {ags} gibt es kein Kachelraster; erwartet "
                          f"wird ein Block '\"{ags}\": {{Bezirk: [zeile, spalte], …}}'.", file=path)
    names = {d.name for d in districts}
    out: dict[str, tuple[int, int]] = {}
    for key, pos in grid.items():
        if key not in names:
            raise ConfigError(f"Kachelraster {ags}: '{key}' ist kein Stadtbezirk aus "
                              "config/bezirke.yml.", file=path)
        if (not isinstance(pos, list) or len(pos) != 2
                or not all(isinstance(v, int) and v >= 0 for v in pos)):
            raise ConfigError(f"Kachelraster {ags}, '{key}': erwartet wird [zeile, spalte] mit "
                              f"ganzen Zahlen ab 0, gefunden {pos!r}.", file=path)
        out[key] = (pos[0], pos[1])
    absent = [n for n in (d.name for d in districts) if n not in out]
    if absent:
        raise ConfigError(f"Kachelraster {ags}: es fehlen " + ", ".join(absent) + ".", file=path)
    cells = list(out.values())
    clash = sorted({c for c in cells if cells.count(c) > 1})
    if clash:
        who = [k for k, v in out.items() if v == clash[0]]
        raise ConfigError(f"Kachelraster {ags}: {' und '.join(who)} liegen auf derselben Kachel "
                          f"{list(clash[0])}.", file=path)
    return out


# --------------------------------------------------------------------------- classes, text


def _fmt_value(v: float, unit: str, decimals: int) -> str:
    return fmt.value(v, unit, decimals)


def classes(values: pd.Series, n: int = N_CLASSES) -> np.ndarray:
    """Nice class bounds (about ``n`` equal intervals) covering all non-missing values."""
    v = values.dropna().astype(float)
    lo, hi = float(v.min()), float(v.max())
    if math.isclose(lo, hi):
        lo, hi = lo - 0.5, hi + 0.5
    bounds = MaxNLocator(nbins=n + 1, steps=[1, 2, 2.5, 5, 10]).tick_values(lo, hi)
    bounds = bounds[(bounds <= lo).sum() - 1:]
    while bounds[-1] < hi:
        bounds = np.append(bounds, bounds[-1] + (bounds[1] - bounds[0]))
    keep = len(bounds) - int((bounds[:-1] >= hi).sum())
    return bounds[:keep]


def _palette(k: int) -> ListedColormap:
    cmap = plt.get_cmap("cividis_r")
    return ListedColormap([cmap(x) for x in np.linspace(0.08, 0.92, k)])


def map_table(values: pd.DataFrame, unit: str, decimals: int) -> pd.DataFrame:
    """The data table of a map: Bezirk, Wert (NaN if suppressed), Anzeige as printed, and
    Zeichen (the official symbol) only where some value has one (no blank cells)."""
    out = pd.DataFrame({
        "Bezirk": values["bezirk"].astype(str).to_numpy(),
        "Wert": values["value"].round(decimals).to_numpy(),
        "Zeichen": values["flag"].astype("string").fillna("").to_numpy(),
        "Anzeige": [_fmt_value(v, unit, decimals) for v in values["value"]],
    })
    if (out["Zeichen"] == "").all():
        out = out.drop(columns="Zeichen")
    return out


def alt_text(values: pd.DataFrame, label: str, unit: str, decimals: int, period: str,
             city: str, *, tiles: bool = False) -> str:
    """German alt text naming the map type, range and the highest and lowest district."""
    shown = values.dropna(subset=["value"]).sort_values(["value", "bezirk_nr"])
    kind = "Kachelkarte (ein Quadrat je Stadtbezirk)" if tiles else "Karte"
    text = f"{kind} der {len(values)} Stadtbezirke von {city}: {label}, {period}."
    if len(shown):
        lo, hi = shown.iloc[0], shown.iloc[-1]
        text += (f" Höchster Wert in {hi['bezirk']} ({_fmt_value(hi['value'], unit, decimals)}),"
                 f" niedrigster in {lo['bezirk']} ({_fmt_value(lo['value'], unit, decimals)}).")
    hidden = len(values) - len(shown)
    if hidden:
        text += f" {hidden} Wert(e) wegen kleiner Fallzahlen unterdrückt."
    return text + " Alle Werte stehen in der Datentabelle zur Abbildung."


# --------------------------------------------------------------------------- drawing


def _prepare_values(values: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    v = values.set_index("bezirk")
    missing = [n for n in names if n not in v.index]
    if missing:
        raise InputError("Für die Karte fehlen Werte der Stadtbezirke " + ", ".join(missing) + ".")
    extra = [n for n in v.index if n not in names]
    if extra:
        raise InputError("Werte für unbekannte Stadtbezirke: " + ", ".join(map(str, extra)) + ".")
    return v.loc[names]


def _legend(fig, ax, bounds, cmap, unit, decimals, any_suppressed, legend_title):
    handles = []
    for i in range(len(bounds) - 1):
        lo = _fmt_value(bounds[i], unit, decimals)
        hi = _fmt_value(bounds[i + 1], unit, decimals)
        handles.append(Patch(facecolor=cmap(i), edgecolor="#595959", linewidth=0.5,
                             label=f"{lo} bis unter {hi}"))
    handles = handles[::-1]  # highest class on top
    if any_suppressed:
        handles.append(Patch(facecolor=SUPPRESSED_COLOR, hatch="///", edgecolor="#595959",
                             linewidth=0.5, label=". = unterdrückt (kleine Fallzahl)"))
    # below the map: the map keeps the full width, also in the narrower phone rendition
    fig.legend(handles=handles, title=legend_title, loc="outside lower center", frameon=False,
               fontsize=8.5, title_fontsize=9, alignment="left", ncol=2)


def _label(ax, x, y, name, value, unit, decimals, fontsize):
    shown = "." if pd.isna(value) else _fmt_value(value, unit, decimals)
    ax.text(x, y, f"{name}\n{shown}", ha="center", va="center", fontsize=fontsize,
            color=TEXT_COLOR, path_effects=_HALO, linespacing=1.15)


def choropleth(geometry: gpd.GeoDataFrame, values: pd.DataFrame, *, unit: str = "%",
               decimals: int = 1, legend_title: str = "", title: str | None = None,
               bounds: np.ndarray | None = None, fontsize: float = 8.0):
    """Choropleth of ``values`` (columns ``bezirk``, ``value``, ``flag``) on ``geometry``
    (from :func:`read_geometry`). Returns the matplotlib figure."""
    v = _prepare_values(values, geometry["bezirk"].tolist())
    gdf = geometry.assign(value=v["value"].to_numpy(dtype=float))
    bounds = classes(gdf["value"]) if bounds is None else bounds
    cmap = _palette(len(bounds) - 1)
    norm = BoundaryNorm(bounds, cmap.N)
    minx, miny, maxx, maxy = gdf.total_bounds
    height = 4.6
    width = min(7.0, max(4.5, height * (maxx - minx) / (maxy - miny) + 0.4))
    fig, ax = plt.subplots(figsize=(width, height), layout="constrained")
    suppressed = gdf["value"].isna()
    for row in gdf.itertuples(index=False):
        if pd.isna(row.value):
            continue
        gpd.GeoSeries([row.geometry]).plot(ax=ax, color=cmap(norm(row.value)),
                                           edgecolor=EDGE_COLOR, linewidth=1.0)
    if suppressed.any():
        gdf[suppressed].plot(ax=ax, color=SUPPRESSED_COLOR, edgecolor=EDGE_COLOR, hatch="///",
                             linewidth=1.0)
    for row in gdf.itertuples(index=False):
        p = row.geometry.representative_point()
        _label(ax, p.x, p.y, row.bezirk, row.value, unit, decimals, fontsize)
    ax.set_aspect("equal")
    ax.set_axis_off()
    if title:
        ax.set_title(title, loc="left")
    _legend(fig, ax, bounds, cmap, unit, decimals, bool(suppressed.any()), legend_title)
    return fig


def tile_map(tiles: dict[str, tuple[int, int]], values: pd.DataFrame, *, unit: str = "%",
             decimals: int = 1, legend_title: str = "", title: str | None = None,
             bounds: np.ndarray | None = None, fontsize: float = 8.0):
    """Tile map: one square per district at its grid cell ``(row, col)``."""
    names = list(tiles)
    v = _prepare_values(values, names)
    vals = v["value"].astype(float)
    bounds = classes(vals) if bounds is None else bounds
    cmap = _palette(len(bounds) - 1)
    norm = BoundaryNorm(bounds, cmap.N)
    rows = max(r for r, _ in tiles.values()) + 1
    cols = max(c for _, c in tiles.values()) + 1
    height = max(3.2, 1.05 * rows + 1.6)
    fig, ax = plt.subplots(figsize=(min(7.0, 1.35 * cols + 0.6), height), layout="constrained")
    gap = 0.06
    for name in names:
        r, c = tiles[name]
        value = vals[name]
        missing = pd.isna(value)
        ax.add_patch(Rectangle((c + gap / 2, -r - 1 + gap / 2), 1 - gap, 1 - gap,
                               facecolor=SUPPRESSED_COLOR if missing else cmap(norm(value)),
                               hatch="///" if missing else None, edgecolor=EDGE_COLOR,
                               linewidth=1.0))
        _label(ax, c + 0.5, -r - 0.5, name, value, unit, decimals, fontsize)
    ax.set_xlim(0, cols)
    ax.set_ylim(-rows, 0)
    ax.set_aspect("equal")
    ax.set_axis_off()
    if title:
        ax.set_title(title, loc="left")
    _legend(fig, ax, bounds, cmap, unit, decimals, bool(vals.isna().any()), legend_title)
    return fig


def save_deterministic(fig, base: Path) -> dict[str, Path]:
    """Save ``fig`` as PNG and SVG without timestamps (same input → same bytes); close it."""
    base = Path(base)
    base.parent.mkdir(parents=True, exist_ok=True)
    with plt.rc_context({"svg.hashsalt": "integrationsbericht", "svg.fonttype": "none"}):
        fig.savefig(base.with_suffix(".png"), format="png", dpi=150,
                    metadata={"Software": None})
        fig.savefig(base.with_suffix(".svg"), format="svg",
                    metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return {"png": base.with_suffix(".png"), "svg": base.with_suffix(".svg")}
