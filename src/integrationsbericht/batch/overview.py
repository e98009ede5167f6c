"""The overview page of a multi-region build: ``<out>/index.html`` with the key figures of
every built region in one sortable table, links to each region's website and PDF, and the same
table as CSV and Excel download.

Every number comes from what each region *published*: its ``downloads/indikatoren.csv``, read
with the key-figure rules of the start page (``config/kennzahlen.yml``, latest current value up
to the report year). A region whose build failed in this run but has an earlier report keeps
that report in the table; a region without any report is named below the table.

The page uses the site's template (``templates/html/page.html``) and stylesheet; the table
body comes from ``templates/html/uebersicht.html``. All text from the data (region names,
labels) goes through Jinja's autoescaping, the one HTML escaping path of the templates.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pandas as pd

from .. import fmt, german
from .regions import Region

CSV_NAME = "uebersicht.csv"
XLSX_NAME = "uebersicht.xlsx"


def _figures(project, cfg):
    """(key-figure specs, catalogue) of the project."""
    from ..indicators import load_catalogue
    from ..summary import load_spec

    catalogue = load_catalogue(project.resolve(cfg.indicators))
    return load_spec(project.resolve("config/kennzahlen.yml")), catalogue


def _region_table(path: Path) -> pd.DataFrame | None:
    try:
        table = pd.read_csv(path, dtype={"ags": str, "period": str, "group": str, "indicator": str},
                            keep_default_na=False, na_values=[""])
    except (OSError, ValueError):
        return None
    table["year"] = pd.to_numeric(table["year"], errors="coerce")
    table["value"] = pd.to_numeric(table["value"], errors="coerce")
    return table


def _columns(specs, catalogue) -> list[dict]:
    cols = []
    for s in specs:
        if s.indicator not in catalogue:
            continue
        ind = catalogue.get(s.indicator)
        label = ind.title
        if s.group != "insgesamt":
            label = f"{label} ({catalogue.group_label(ind, s.group)})"
        cols.append({"indicator": s.indicator, "group": s.group, "label": label, "unit": ind.unit,
                     "decimals": ind.decimals, "key": f"{s.indicator}:{s.group}"})
    return cols


def _cells(table: pd.DataFrame, ags: str, year: int, cols: list[dict], catalogue) -> dict:
    from ..indicators import current_ids
    from ..summary import _latest

    current = current_ids(table, catalogue, ags, year)
    cells = {}
    for c in cols:
        row = _latest(table, c["indicator"], ags, c["group"], year) if c["indicator"] in current else None
        if row is None:
            cells[c["key"]] = {"value": None, "period": None, "year": None}
        else:
            cells[c["key"]] = {"value": float(row["value"]), "period": str(row["period"]),
                               "year": int(row["year"])}
    return cells


def collect(base: Path, regions: list[Region], rows: list[dict], *, cols, catalogue, year) -> tuple[list[dict], list[dict], dict | None]:
    """(regions with a report, regions without one, the Land's row or ``None``)."""
    by_ags = {r["ags"]: r for r in rows}
    built, missing = [], []
    land_row = None
    one_land = len({r.ags[:2] for r in regions}) == 1  # only then a Land to compare with
    for region in regions:
        row = by_ags.get(region.ags, {})
        out = base / region.ags
        table = _region_table(out / "downloads" / "indikatoren.csv") if (out / "index.html").is_file() else None
        if table is None:
            missing.append({"ags": region.ags, "name": row.get("region") or region.name or region.ags})
            continue
        own = table[table["ags"] == region.ags]
        name = row.get("region") or (str(own["region"].iloc[0]) if len(own) else region.name)
        pdfs = sorted(out.glob("*.pdf"))
        built.append({
            "ags": region.ags, "name": name, "kind": region.kind,
            "href": f"{region.ags}/index.html",
            "pdf": {"href": f"{region.ags}/{pdfs[0].name}", "size": fmt.file_size(pdfs[0])} if pdfs else None,
            "cells": _cells(table, region.ags, year, cols, catalogue),
            "current": row.get("status") in ("erzeugt", "unverändert"),
        })
        if land_row is None and one_land:
            land = table[table["role"] == "land"]
            if len(land):
                land_ags = str(land["ags"].iloc[0])
                land_row = {"ags": land_ags, "name": str(land["region"].iloc[0]),
                            "cells": _cells(table, land_ags, year, cols, catalogue)}
    return built, missing, land_row


def _display(cell: dict, col: dict, year: int) -> dict:
    text = fmt.value(cell["value"], col["unit"], col["decimals"]) if cell["value"] is not None else "."
    older = cell["year"] is not None and cell["year"] != year
    return {"text": text, "note": str(cell["year"]) if older else None,
            "sort": "" if cell["value"] is None else repr(cell["value"])}


def data_frame(built: list[dict], cols: list[dict], land_row: dict | None) -> pd.DataFrame:
    """The overview as a download: plain numbers, one column per key figure and its period."""
    records = []
    for item in built + ([{**land_row, "kind": "Land"}] if land_row else []):
        rec = {"AGS": item["ags"], "Region": item["name"], "Art": item.get("kind") or ""}
        for c in cols:
            cell = item["cells"][c["key"]]
            unit = "" if c["unit"] in ("", "Anzahl", None) else (" in %" if c["unit"] == "%" else f" ({c['unit']})")
            rec[f"{c['label']}{unit}"] = cell["value"]
            rec[f"{c['label']}: Stand"] = cell["period"]
        records.append(rec)
    return pd.DataFrame(records)


def _demo(options: dict, config_path: Path, project) -> bool:
    from ..edition import DEMO_MARKER
    from .regions import data_folder

    return (data_folder(config_path, options.get("data"), project.root) / DEMO_MARKER).exists()


def write(folder, regions: list[Region], rows: list[dict], *, options: dict, land: str | None = None) -> Path:
    """Write ``index.html``, the downloads and the page's assets into the batch folder."""
    import jinja2

    from ..config import load_config
    from ..exports import write_csv, write_xlsx
    from ..project import Project
    from ..render.pandoc import _environment, edition_colors, favicon_svg, logo_box, write_favicons
    from .regions import land_name

    project = Project.locate(options.get("project"), options.get("config"))
    config_path = Path(options.get("config") or project.config_file)
    cfg = load_config(config_path)
    year = int(options.get("year") or cfg.year)
    specs, catalogue = _figures(project, cfg)
    cols = _columns(specs, catalogue)
    built, missing, land_row = collect(folder.out, regions, rows, cols=cols, catalogue=catalogue, year=year)
    codes = [r.ags for r in regions]
    land_title = land_name(codes, config_path=config_path, data_dir=options.get("data"), project_root=project.root)

    # downloads: German CSV and Excel of the same table
    frame = data_frame(built, cols, land_row)
    with tempfile.TemporaryDirectory(prefix="integrationsbericht-overview-") as tmp:
        write_csv(frame, Path(tmp) / CSV_NAME)
        write_xlsx({"Übersicht": frame}, Path(tmp) / XLSX_NAME)
        csv_bytes = (Path(tmp) / CSV_NAME).read_bytes()
        xlsx_bytes = (Path(tmp) / XLSX_NAME).read_bytes()
    folder.write(f"downloads/{CSV_NAME}", csv_bytes)
    folder.write(f"downloads/{XLSX_NAME}", xlsx_bytes)

    # assets of the site template
    tpl = project.resolve("templates")
    meta = {"city": land_title or "Integrationsberichte", "year": year,
            **{k: getattr(cfg.branding, k) for k in ("primary_color", "accent_color", "text_color")}}
    colors = edition_colors(meta)
    for name in ("ib.css", "ib.js"):
        folder.write(f"_assets/{name}", (tpl / "html" / name).read_bytes())
    with tempfile.TemporaryDirectory(prefix="integrationsbericht-overview-") as tmp:
        write_favicons(meta, Path(tmp))
        folder.write("_assets/favicon.png", (Path(tmp) / "favicon.png").read_bytes())
    folder.write("_assets/favicon.svg", favicon_svg(meta).encode("utf-8"))
    logo = tpl / "logo.svg"
    folder.write("_assets/logo.svg", logo.read_bytes())
    entries = [{"t": "Übersicht", "s": b["name"], "u": b["href"], "x": f"Integrationsbericht {b['name']} {b['ags']}"}
               for b in built]
    index = json.dumps(entries, ensure_ascii=False, sort_keys=True, separators=(",", ":")).replace("</", "<\\/")
    folder.write("_assets/search-index.js", f"window.IB_SEARCH_INDEX = {index};\n".encode("utf-8"))

    env = _environment(tpl)
    where = f"in {land_title}" if land_title else ""
    n = len(built)
    body = env.get_template("uebersicht.html").render(
        year=year,
        where=where,
        count=german.number_word(n, gender="m", case="dat"),
        count_word="Kreisen und kreisfreien Städten" if n != 1 else "Kreis oder einer kreisfreien Stadt",
        columns=cols,
        regions=[{**b, "shown": [_display(b["cells"][c["key"]], c, year) for c in cols]} for b in built],
        land=None if land_row is None else {**land_row, "shown": [_display(land_row["cells"][c["key"]], c, year) for c in cols]},
        missing=missing,
        older=any(cell["year"] not in (None, year) for b in built for cell in b["cells"].values()),
    )
    page = env.get_template("page.html").render(
        lang="de", title="Integrationsberichte", subtitle=f"Übersicht, Berichtsjahr {year}",
        city=land_title or "Kreise und kreisfreie Städte", year=str(year), stand=None,
        publisher=cfg.publisher, demo=_demo(options, config_path, project), colors=colors, font=cfg.branding.font,
        root="", logo="_assets/logo.svg", logo_box=logo_box(logo),
        chapter={"title": "Übersicht", "number": None, "is_index": True},
        body=jinja2.filters.Markup(body),
        nav=[], main_nav=[{"title": "Übersicht", "number": None, "href": "index.html", "current": True,
                           "appendix": False}],
        appendix_nav=[], prev=None, next=None, pdf=None,
        downloads=[{"href": f"downloads/{CSV_NAME}", "label": "Übersicht (CSV für deutsches Excel)",
                    "size": fmt.file_size(folder.out / "downloads" / CSV_NAME)},
                   {"href": f"downloads/{XLSX_NAME}", "label": "Übersicht (Excel)",
                    "size": fmt.file_size(folder.out / "downloads" / XLSX_NAME)}],
    )
    return folder.write("index.html", page.encode("utf-8"))


__all__ = ["write", "collect", "data_frame", "CSV_NAME", "XLSX_NAME"]
