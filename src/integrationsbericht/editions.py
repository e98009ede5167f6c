"""``integrationsbericht new-edition YEAR``: start next year's edition from the current one.

1. The current edition config is archived (``config/ausgaben/edition-<Jahr>.yml``) and
   ``config/edition.yml`` is moved on to the new year, comments kept.
2. The last published ``downloads/indikatoren.csv`` is kept as the comparison basis
   (``previous_indicators``), so the new report lists revised, new and discontinued indicators.
3. The recommendations file for the new year is started with the computed findings as prompts.
4. A checklist says which input files the new edition expects, where to get each one, and which
   are already there.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from .config import load_config, resolve as resolve_path
from .errors import ConfigError

REGIONALSTATISTIK = (
    "regionalstatistik.de (Regionaldatenbank Deutschland): Tabelle {code} suchen → "
    "„Kreise und krfr. Städte“ → Werteabruf → Download als CSV"
)
GENESIS_ONLINE = (
    "www-genesis.destatis.de (GENESIS-Online): Tabelle {code} → Werteabruf → Download als CSV"
)


@dataclass
class ChecklistItem:
    what: str
    code: str | None
    status: str  # "vorhanden" | "veraltet" | "fehlt" | "historisch"
    detail: str
    where: str

    def line(self) -> str:
        mark = {"vorhanden": "[x]", "veraltet": "[~]", "fehlt": "[ ]", "historisch": "[-]"}[self.status]
        code = f"{self.code}  " if self.code else ""
        return f"  {mark} {code}{self.what} – {self.detail}\n        Bezug: {self.where}"


def _set_yaml_key(text: str, key: str, value: str) -> str:
    """Replace (or append) a top-level ``key: value`` line, keeping comments and layout."""
    pattern = re.compile(rf"^{re.escape(key)}:.*$", re.MULTILINE)
    line = f"{key}: {value}"
    if pattern.search(text):
        return pattern.sub(line, text, count=1)
    return text.rstrip("\n") + f"\n{line}\n"


def checklist(config_path: Path, project_root: Path, year: int) -> list[ChecklistItem]:
    """Expected inputs of an edition for ``year`` and whether the data folder has them."""
    from . import indicators
    from .cache import read_genesis_cached
    from .ingest import genesis_files

    cfg = load_config(config_path)
    data_dir = resolve_path(cfg.data_dir, project_root)
    catalogue = indicators.load_catalogue(resolve_path(cfg.indicators, project_root))
    needed = indicators.all_tables(catalogue)
    present: dict[str, tuple[str, int | None]] = {}
    if (data_dir / "genesis").is_dir():
        from .ingest import read_tables

        try:  # all exports of a table together (old and new downloads side by side)
            from .sources.genesis import MAPPING_REL

            frames = [t["frame"] for t in read_tables(data_dir, mapping=resolve_path(MAPPING_REL, project_root)).values()]
        except Exception:  # a broken file is reported by "check", not here
            frames = []
            for f in genesis_files(data_dir):
                try:
                    frames.append(read_genesis_cached(f, None))
                except Exception:
                    continue
        for df in frames:
            meta = df.attrs.get("meta", {})
            years = df["year"].dropna()
            present[str(meta.get("code"))] = (str(meta.get("title", "")), int(years.max()) if len(years) else None)
    # last year each table is used for (None: open-ended series that needs the new year)
    until: dict[str, int | None] = {}
    for ind in catalogue.indicators:
        sources = list(ind.numerator) + list(ind.denominator or [])
        for g in ind.groups.values():
            sources += list(g.numerator or []) + list(g.denominator or [])
        for src in sources:
            hi = src.years[1]
            prev = until.get(src.table, -1)
            until[src.table] = None if (hi is None or prev is None) else max(hi, prev)
    items = []
    for code in needed:
        where = (GENESIS_ONLINE if re.fullmatch(r"\d{5}-\d{4}", code) else REGIONALSTATISTIK).format(code=code)
        users = [i.display_label for i in catalogue.indicators if code in i.tables()]
        what = "GENESIS-Tabelle für " + ", ".join(users[:3]) + (" …" if len(users) > 3 else "")
        last_used = until.get(code)
        if last_used is not None and last_used < year:
            state = "vorhanden" if code in present else "nicht im Datenordner"
            items.append(
                ChecklistItem(
                    what, code, "historisch",
                    f"nur für die Zeitreihe bis {last_used}, keine neue Fassung nötig ({state})", where,
                )
            )
            continue
        if code not in present:
            items.append(ChecklistItem(what, code, "fehlt", "nicht im Datenordner", where))
            continue
        title, newest = present[code]
        title = title.split(" - ")[0].strip()
        if newest is not None and newest >= year:
            items.append(ChecklistItem(what, code, "vorhanden", f"{title} (Daten bis {newest})", where))
        else:
            items.append(
                ChecklistItem(what, code, "veraltet", f"{title}: Daten nur bis {newest}, neue Fassung herunterladen", where)
            )
    others = [
        ("Befragungsdaten", cfg.survey.file, "Befragungsinstitut bzw. Universität (SPSS .sav oder CSV, siehe docs/befragung.md)"),
        ("Melderegister-Auszug nach Stadtbezirken", cfg.districts.file, "Statistikstelle der Stadt (Aufbau: docs/bezirke.md)"),
        ("Umsetzungsstand der Maßnahmen", "massnahmen/massnahmen.csv", "Kommunales Integrationszentrum (Tabelle pflegen, siehe docs/befunde.md)"),
    ]
    for what, rel, where in others:
        path = resolve_path(rel, data_dir)
        status = "vorhanden" if path.exists() else "fehlt"
        items.append(ChecklistItem(what, None, status, str(path), where))
    return items


def new_edition(
    year: int,
    *,
    config_path: Path,
    project_root: Path,
    published: Path | None = None,
) -> tuple[Path, list[str], list[ChecklistItem]]:
    """Move the edition config to ``year``; returns (config path, messages, checklist)."""
    cfg = load_config(config_path)
    if year <= cfg.year:
        raise ConfigError(
            f"Die neue Ausgabe muss nach der aktuellen liegen (aktuell: {cfg.year}, angegeben: {year}).",
            file=config_path,
        )
    messages = []
    rec = project_root / "report" / f"handlungsempfehlungen-{year}.md"
    skeleton = None if rec.exists() else _recommendations_skeleton(project_root, cfg, year)
    archive = project_root / "config" / "ausgaben"
    archive.mkdir(parents=True, exist_ok=True)
    archived = archive / f"edition-{cfg.year}.yml"
    if not archived.exists():
        shutil.copyfile(config_path, archived)
        messages.append(f"Bisherige Konfiguration gesichert: {archived.relative_to(project_root)}")

    text = config_path.read_text(encoding="utf-8")
    text = _set_yaml_key(text, "year", str(year))
    published = published or project_root / "_book"
    prev_csv = published / "downloads" / "indikatoren.csv"
    if prev_csv.exists():
        kept = archive / f"indikatoren-{cfg.year}.csv"
        shutil.copyfile(prev_csv, kept)
        rel = kept.relative_to(project_root)
        text = _set_yaml_key(text, "previous_indicators", str(rel))
        messages.append(
            f"Indikatoren der Ausgabe {cfg.year} als Vergleichsbasis übernommen: {rel} "
            "(berichtigte Werte werden mit „r“ gekennzeichnet)."
        )
    else:
        messages.append(
            f"Keine veröffentlichte Ausgabe gefunden ({prev_csv}); ohne Vergleichsbasis entfällt "
            "der Anhang „Änderungen gegenüber der letzten Ausgabe“."
        )
    config_path.write_text(text, encoding="utf-8")
    load_config(config_path)  # the edited file must still be valid
    messages.append(f"Konfiguration auf das Berichtsjahr {year} umgestellt: {config_path.relative_to(project_root) if config_path.is_relative_to(project_root) else config_path}")

    messages += _start_texts(project_root, cfg, year)
    if skeleton:
        rec.write_text(skeleton, encoding="utf-8")
        messages.append(
            f"Gerüst für die Handlungsempfehlungen angelegt: {rec.relative_to(project_root)} "
            "(mit den Befunden der letzten Ausgabe als Anregung; von der Verwaltung auszufüllen)."
        )
    return config_path, messages, checklist(config_path, project_root, year)


def _recommendations_skeleton(project_root: Path, cfg, year: int) -> str | None:
    """Findings of the last build as prompts, if a build exists; else ``None``."""
    stage = project_root / "build" / f"{cfg.ags}-{cfg.year}" / "_edition_config.yml"
    if not stage.exists():
        return None
    from . import findings
    from .edition import load

    return findings.recommendations_skeleton(load(stage), year)


def _start_texts(project_root: Path, cfg, year: int) -> list[str]:
    """Foreword and one text per chapter for the new edition (``report/texte/``), each with the
    chapter's findings of the last build as comments."""

    from . import texts

    from .project import Project

    # the effective table of contents: the tool's, merged with the project's changes
    book = Project(Path(project_root)).quarto().get("book") or {}
    names = [Path(str(c)).stem for c in book.get("chapters") or [] if isinstance(c, str)]
    titles = {"index": "Das Wichtigste in Kürze", "befunde-empfehlungen": "Befunde und Handlungsempfehlungen",
              "massnahmen": "Umsetzungsstand der Maßnahmen"}
    by_chapter: dict[str, list[str]] = {}
    stage = project_root / "build" / f"{cfg.ags}-{cfg.year}" / "_edition_config.yml"
    if stage.exists():
        from . import findings
        from .edition import load

        res = findings.compute(load(stage))
        titles = {**res.titles, **titles}
        for f in res.items:
            by_chapter.setdefault(f.chapter or f.topic, []).append(f.text)
        rules = res.rules.summary
        by_chapter["index"] = [f.text for f in findings.top(
            res.items, rules.max_findings, rules.per_indicator, rules.per_rule,
            rules.min_positive, rules.min_negative, rules.per_chapter)]
    chapters = {n: titles.get(n, n) for n in names}
    return texts.start_files(project_root, chapters, year, cfg.year, by_chapter)
