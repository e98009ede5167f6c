"""One edition of the report: the edition config plus what follows from the data.

``resolve()`` is the pipeline's first stage: it checks the data folder, the region and the year,
and picks the comparison regions. It returns an :class:`Edition` that can be written as a
*resolved* config file; notebooks read that file back with ``load()`` without touching raw data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from . import fmt
from .config import (
    EditionConfig,
    RegionRef,
    Resolved,
    load_config,
    resolve as resolve_path,
)
from . import german
from .errors import ConfigError, InputError

from .demo import MARKER as DEMO_MARKER  # noqa: E402


@dataclass
class Edition:
    config: EditionConfig
    config_path: Path | None
    data_dir: Path
    processed_dir: Path
    demo: bool
    region_name: str
    regions: pd.DataFrame  # ags, name, role
    project_root: Path | None = None

    def path(self, rel: str | Path) -> Path:
        """A path from the config (catalogues, logo …): the report project's file, else the
        packaged default."""
        return resolve_path(rel, self.project_root)

    @property
    def genesis_mapping(self) -> Path:
        """The label → (variable, attribute) mapping of the GENESIS reader: the project's
        ``config/genesis_merkmale.yml``, else the packaged one."""
        from .sources.genesis import MAPPING_REL

        return self.path(MAPPING_REL)

    @property
    def ags(self) -> str:
        return self.config.ags

    @property
    def year(self) -> int:
        return self.config.year

    @property
    def place(self) -> "german.Place":
        """The region as a noun phrase for sentences: ``ed.place.at`` → "in Bielefeld",
        "im Kreis Gütersloh" (see :func:`integrationsbericht.german.place`)."""
        return german.place(self.config.city or self.region_name)

    @property
    def city(self) -> str:
        """The display name for titles and captions: "Bielefeld", "Kreis Gütersloh"."""
        return self.place.name

    @property
    def comparison_ags(self) -> list[str]:
        return self.regions.loc[self.regions["role"] != "kreis", "ags"].tolist()

    @property
    def region_ags(self) -> list[str]:
        return self.regions["ags"].tolist()

    def role(self, role: str) -> pd.DataFrame:
        return self.regions[self.regions["role"] == role]

    @property
    def pdf_name(self) -> str:
        return f"Integrationsbericht_{file_safe(self.city)}_{self.year}.pdf"

    def to_config(self) -> EditionConfig:
        cfg = self.config.model_copy(deep=True)
        cfg.data_dir = str(self.data_dir)
        cfg.demo = self.demo
        cfg.city = self.city
        cfg.resolved = Resolved(
            region_name=self.region_name,
            processed_dir=str(self.processed_dir),
            project_root=str(self.project_root),
            regions=[RegionRef(**r) for r in self.regions[["ags", "name", "role"]].to_dict("records")],
        )
        return cfg

    def write(self, path: Path) -> Path:
        """Write the resolved config (YAML) for the notebooks of this build."""
        path.parent.mkdir(parents=True, exist_ok=True)
        data = self.to_config().model_dump(mode="json")
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=True), encoding="utf-8")
        return path


def file_safe(name: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})
    out = name.translate(table)
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in out).strip("_")


def load(config_path: str | Path) -> Edition:
    """Load a resolved edition config written by the pipeline (used by notebooks)."""
    cfg = load_config(config_path)
    if cfg.resolved is None:
        raise ConfigError(
            "Diese Konfiguration ist nicht aufgelöst; Kapitel werden über "
            "'integrationsbericht build' ausgeführt.",
            file=config_path,
        )
    regions = pd.DataFrame([r.model_dump() for r in cfg.resolved.regions])
    return Edition(
        config=cfg,
        config_path=Path(config_path),
        data_dir=Path(cfg.data_dir),
        processed_dir=Path(cfg.resolved.processed_dir),
        demo=cfg.demo,
        region_name=cfg.resolved.region_name,
        regions=regions,
        project_root=Path(cfg.resolved.project_root),
    )


# ---------------------------------------------------------------------------------------
def _genesis_files(data_dir: Path) -> list[Path]:
    gdir = data_dir / "genesis"
    if not data_dir.is_dir():
        raise InputError(
            "Der Datenordner existiert nicht.",
            file=data_dir,
            hint="Mit --data einen Ordner angeben, der wie data/raw/ aufgebaut ist "
            "(Unterordner genesis/ mit den GENESIS-CSV-Dateien).",
        )
    if not gdir.is_dir():
        raise InputError(
            "Im Datenordner fehlt der Unterordner 'genesis' mit den GENESIS-Exporten.",
            file=data_dir,
        )
    from .ingest import genesis_files

    files = genesis_files(data_dir)  # the same list the ingest reads (".CSV" too)
    if not files:
        raise InputError("Im Ordner liegen keine GENESIS-Exporte (CSV oder ZIP).", file=gdir)
    return files


def _population(
    files: list[Path], cfg: EditionConfig, cache_dir: Path | None, mapping: Path | None = None
) -> pd.DataFrame:
    """Population per region and year from the configured population table (all its exports)."""
    from .ingest import read_tables

    code = cfg.comparison.population_table
    tables = read_tables(files[0].parent.parent, cache_dir, mapping=mapping)
    if code in tables:
        df = tables[code]["frame"]
        for col, val in cfg.comparison.population_where.items():
            if col in df.columns:
                df = df[df[col] == val]
        return df[["ags", "region", "year", "value"]].dropna(subset=["value"])
    raise InputError(
        f"Die Bevölkerungstabelle {code} fehlt im Datenordner; sie wird für die Wahl der "
        "Vergleichsregionen und die Prüfung des Berichtsjahres gebraucht.",
        file=files[0].parent,
    )


def resolve(
    config_path: str | Path | None = None,
    *,
    data_dir: str | Path | None = None,
    ags: str | None = None,
    year: int | None = None,
    processed_root: Path | None = None,
    project_root: Path | None = None,
) -> Edition:
    """Validate config + data for one edition and choose its comparison regions."""
    from .project import Project

    project = Project.locate(project_root, config_path)
    config_path = Path(config_path) if config_path else project.config_file
    project_root = project.root
    cfg = load_config(config_path)
    other_region = ags is not None and ags != cfg.ags
    updates: dict = {}
    if ags is not None:
        updates["ags"] = ags
    if year is not None:
        updates["year"] = year
    if updates:
        try:
            cfg = EditionConfig.model_validate({**cfg.model_dump(), **updates})
        except Exception as exc:  # pydantic ValidationError
            from .config import _german_validation_message

            raise ConfigError(
                "Ungültige Angabe auf der Kommandozeile:\n" + _german_validation_message(exc)
            ) from None
    if other_region:
        # Another Kreis than the configured one: its name comes from the data and the city's
        # logo does not apply. The publisher stays the configured office that makes the
        # report (never the Kreis's name: the Kreis is the subject, not the editor).
        cfg.city = None
        cfg.branding.logo = None
        if cfg.comparison.cities != "auto":
            cfg.comparison.cities = "auto"
    if data_dir is not None:
        ddir = Path(data_dir).resolve()
    else:
        ddir = resolve_path(cfg.data_dir, project_root)
    files = _genesis_files(ddir)
    demo = (ddir / DEMO_MARKER).exists()

    processed = Path(processed_root or (project_root / "data" / "processed"))
    cache_dir = processed / ".cache" / "genesis"
    from .sources.genesis import scan_regions

    regions_all = scan_regions(files)
    known = regions_all.set_index("ags")
    if cfg.ags not in known.index:
        kreise = regions_all[regions_all["level"] == "kreis"]
        sample = ", ".join(f"{a} ({n})" for a, n in kreise[["ags", "name"]].head(5).itertuples(index=False))
        raise ConfigError(
            f"Der Regionalschlüssel {cfg.ags} kommt in den GENESIS-Dateien in {ddir / 'genesis'} "
            f"nicht vor. Vorhanden sind {len(kreise)} Kreise und kreisfreie Städte, z. B. {sample}."
        )
    region_name = str(known.loc[cfg.ags, "region"])

    from .sources.genesis import MAPPING_REL

    pop = _population(files, cfg, cache_dir, resolve_path(MAPPING_REL, project_root))
    # "-" (0) since a Kreis was dissolved: no population, as for a year without data
    own = pop[(pop["ags"] == cfg.ags) & (pop["value"] > 0)]
    years = sorted(own["year"].dropna().astype(int).unique())
    # The report year need not be in the data: every indicator shows its latest period up to
    # that year. Refused are a year before all population data and a year for which even the
    # population is not current (latest period older than report year − max_age of the
    # catalogue): such a report would have no chapter content.
    max_age = _max_age(cfg, project_root)
    upto = [y for y in years if y <= cfg.year]
    if not upto or upto[-1] < cfg.year - max_age:
        avail = f"{years[0]}–{years[-1]}" if years else "keine"
        raise ConfigError(
            f"Für das Berichtsjahr {cfg.year} liegen {german.place(region_name).prep('für')} keine aktuellen "
            f"Bevölkerungsdaten vor (Tabelle {cfg.comparison.population_table}; vorhandene Jahre: "
            f"{avail}; gebraucht wird mindestens {cfg.year - max_age}). Bitte --year anpassen oder "
            "aktuelle Daten ablegen (siehe docs/genesis.md)."
        )

    rows = [{"ags": cfg.ags, "name": german.place(cfg.city or region_name).name, "role": "kreis"}]

    def add(code: str, role: str) -> None:
        if code in known.index and code not in {r["ags"] for r in rows}:
            rows.append({"ags": code, "name": str(known.loc[code, "name"]), "role": role})

    if len(cfg.ags) == 5:
        rb = cfg.ags[:3] if cfg.comparison.regierungsbezirk == "auto" else cfg.comparison.regierungsbezirk
        land = cfg.ags[:2] if cfg.comparison.land == "auto" else cfg.comparison.land
        add(rb, "regierungsbezirk")
        add(land, "land")
    add(cfg.comparison.bund, "bund")
    for code in _comparison_cities(cfg, regions_all, pop):
        add(code, "vergleich")

    return Edition(
        config=cfg,
        config_path=config_path,
        data_dir=ddir,
        processed_dir=(processed / cfg.ags).resolve(),
        demo=demo,
        region_name=region_name,
        regions=pd.DataFrame(rows),
        project_root=project_root,
    )


def _max_age(cfg: EditionConfig, project_root: Path) -> int:
    """How many years old the population may be (the catalogue's ``max_age``; 2 while the
    catalogue is broken: its own check reports that)."""
    try:
        from .indicators import load_catalogue

        return load_catalogue(resolve_path(cfg.indicators, project_root)).max_age
    except Exception:
        return 2


def current_kreise(config_path: Path, data_dir: Path, year: int, project_root: Path, *, prefix: str = ""):
    """(current, stale): the Kreise and kreisfreie Städte in the data whose code starts with
    ``prefix``, split by whether their population is current for ``year`` (the same rule as
    :func:`resolve`: a value no older than the catalogue's ``max_age``). Columns ``ags, name,
    kind``."""
    from .sources.genesis import MAPPING_REL, scan_regions

    cfg = load_config(config_path)
    files = _genesis_files(Path(data_dir))
    regions_all = scan_regions(files)
    kreise = regions_all[(regions_all["level"] == "kreis") & regions_all["ags"].str.startswith(prefix)]
    cache_dir = project_root / "data" / "processed" / ".cache" / "genesis"
    pop = _population(files, cfg, cache_dir, resolve_path(MAPPING_REL, project_root))
    max_age = _max_age(cfg, project_root)
    # a dissolved Kreis keeps its code in long series, with "-" (0) since its dissolution
    latest = pop[(pop["year"] <= year) & (pop["value"] > 0)].groupby("ags")["year"].max()
    ok = kreise["ags"].map(latest).fillna(0) >= year - max_age
    cols = ["ags", "name", "kind"]
    current = kreise[ok][cols].reset_index(drop=True)
    current["kind"] = current["kind"].where(current["kind"] != "nan", "")
    return current, kreise[~ok][cols].reset_index(drop=True)


def _comparison_cities(cfg: EditionConfig, regions_all: pd.DataFrame, pop: pd.DataFrame) -> list[str]:
    comp = cfg.comparison
    if comp.cities != "auto":
        missing = [c for c in comp.cities if c not in set(regions_all["ags"])]
        if missing:
            raise ConfigError(
                "Vergleichsregionen kommen in den Daten nicht vor: " + ", ".join(missing)
            )
        return list(comp.cities)
    if len(cfg.ags) != 5 or comp.cities_max == 0:
        return []
    latest = pop[pop["year"] <= cfg.year].sort_values("year").groupby("ags")["value"].last()
    if cfg.ags not in latest.index:
        return []
    own_pop = float(latest[cfg.ags])
    own_kind = regions_all.set_index("ags").loc[cfg.ags, "kind"]
    cand = regions_all[(regions_all["level"] == "kreis") & (regions_all["ags"] != cfg.ags)].copy()
    if isinstance(own_kind, str) and own_kind:
        same = cand[cand["kind"] == own_kind]
        cand = same if not same.empty else cand
    cand["pop"] = cand["ags"].map(latest)
    cand = cand.dropna(subset=["pop"])
    lo, hi = comp.cities_size_band
    cand = cand[(cand["pop"] >= own_pop * lo) & (cand["pop"] <= own_pop * hi)]
    # Prefer the same Land, then the closest size.
    cand["other_land"] = (cand["ags"].str[:2] != cfg.ags[:2]).astype(int)
    cand["dist"] = (cand["pop"] / own_pop).map(lambda r: abs(math.log(r)))
    cand = cand.sort_values(["other_land", "dist", "ags"])
    return cand["ags"].head(comp.cities_max).tolist()


def describe(ed: Edition) -> str:
    """One German line for the build log."""
    comp = ", ".join(ed.regions.loc[ed.regions["role"] == "vergleich", "name"]) or "keine"
    return (
        f"{ed.city} ({ed.ags}), Berichtsjahr {ed.year}; Daten: {ed.data_dir}"
        f"{' (Demodaten)' if ed.demo else ''}; Vergleichsstädte: {comp}"
    )


__all__ = ["Edition", "load", "resolve", "describe", "file_safe", "fmt"]
