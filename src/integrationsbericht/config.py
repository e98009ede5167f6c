"""Load and validate the edition configuration (``config/edition.yml``).

An *edition* is one report: a region (AGS) and a report year, read from one raw-data folder.
The YAML keys are English; every message a user sees is German.
"""

from __future__ import annotations

import copy
import functools
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import ConfigError

AGS_RE = re.compile(r"^(DG|\d{2}|\d{3}|\d{5})$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Comparison(_Strict):
    """Comparison regions. ``auto`` derives Land and Regierungsbezirk from the AGS."""

    land: str = "auto"
    bund: str = "DG"
    regierungsbezirk: str = "auto"
    # "auto": kreisfreie Städte of similar size from the data; or an explicit list of AGS
    cities: Literal["auto"] | list[str] = "auto"
    cities_max: int = Field(default=5, ge=0, le=20)
    cities_size_band: tuple[float, float] = (0.75, 1.35)
    # table and cells that give each region's population (for the size comparison)
    population_table: str = "12411-01-01-4"
    population_where: dict[str, str] = Field(default_factory=lambda: {"GES": "insgesamt"})


class Branding(_Strict):
    """Visual identity; another city changes these values, not the code."""

    logo: str | None = "config/branding/logo.svg"
    primary_color: str = "#00508C"
    accent_color: str = "#B4004B"
    text_color: str = "#1A1A1A"
    font: str = "DejaVu Sans"

    @field_validator("primary_color", "accent_color", "text_color")
    @classmethod
    def _hex(cls, v: str) -> str:
        if not re.fullmatch(r"#[0-9A-Fa-f]{6}", v):
            raise ValueError(f"Farbe '{v}' ist kein Hex-Farbwert der Form #RRGGBB")
        return v


class SurveyConfig(_Strict):
    file: str = "befragung/befragung.csv"  # relative to the data folder
    codebook: str = "config/befragung_codebuch.yml"  # relative to the project
    codeframe: str = "config/offene_antworten.yml"
    min_n_suppress: int = Field(default=10, ge=1)
    min_n_parentheses: int = Field(default=30, ge=1)
    field_period: str | None = None


class DistrictConfig(_Strict):
    # register: the register extract (docs/DEVELOPMENT.md); koeln_opendata: KoelnAPI long format
    format: Literal["register", "koeln_opendata"] = "register"
    file: str = "register/bezirke.csv"  # relative to the data folder
    districts_file: str = "config/bezirke.yml"  # district names and numbers per AGS (project-relative)
    geometry: str | None = None  # GeoJSON relative to the data folder; None → tile map
    geometry_number: str | None = None  # GeoJSON property with the district number (auto)
    geometry_name: str | None = None  # GeoJSON property with the district name (auto)
    tiles: str = "config/bezirke_kacheln.yml"
    min_count: int = Field(default=3, ge=1)  # counts below this are suppressed
    # allowed relative difference between the districts' sum and the GENESIS population
    # (0 = exact; register and official population update differ in real data)
    city_total_tolerance: float = Field(default=0.0, ge=0.0, le=0.2)
    # key indicators shown as overview maps, in this order
    key_indicators: list[str] = Field(
        default_factory=lambda: ["auslaenderanteil", "migrationshintergrund_anteil", "anteil_unter_18"]
    )


class FetchConfig(_Strict):
    """``integrationsbericht fetch``: the GENESIS web service (REST 2020) of both databases.

    The environment variables ``IB_REGIONALSTATISTIK_URL`` and ``IB_GENESIS_URL`` win over the
    URLs given here. Credentials never go here (environment or the user's own file).
    """

    regionalstatistik_url: str = "https://www.regionalstatistik.de/genesisws/rest/2020/"
    genesis_url: str = "https://www-genesis.destatis.de/genesisWS/rest/2020/"
    timeout: float = Field(default=120.0, gt=0, le=3600)  # seconds to wait for an answer
    retries: int = Field(default=3, ge=0, le=10)  # further attempts after a transient failure
    backoff: float = Field(default=2.0, ge=0, le=300)  # seconds before the 1st retry, doubling
    poll_interval: float = Field(default=5.0, gt=0, le=600)  # seconds between job polls
    max_wait: float = Field(default=1800.0, gt=0, le=86400)  # seconds to wait for a job

    @field_validator("regionalstatistik_url", "genesis_url")
    @classmethod
    def _url(cls, v: str) -> str:
        v = str(v).strip()
        if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", v):
            raise ValueError(f"'{v}' ist keine Web-Adresse (http:// oder https://)")
        return v if v.endswith("/") else v + "/"


class Contact(_Strict):
    """Publisher's contact for the Impressum and the feedback contact of the accessibility
    statement (BITV 2.0). At least one of email, phone, web is needed."""

    address: str | None = None  # postal address in one line, e.g. "Niederwall 23, 33602 Bielefeld"
    email: str | None = None
    phone: str | None = None
    web: str | None = None
    date: str | None = None  # date of publication (TT.MM.JJJJ); default: the data's Stand

    @field_validator("date")
    @classmethod
    def _date(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}", str(v).strip()):
            raise ValueError(f"Datum '{v}' hat nicht die Form TT.MM.JJJJ")
        return None if v is None else str(v).strip()

    @field_validator("email")
    @classmethod
    def _email(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}", v.strip()):
            raise ValueError(f"'{v}' ist keine E-Mail-Adresse")
        return None if v is None else v.strip()

    @field_validator("web")
    @classmethod
    def _web(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"https?://\S+", v.strip()):
            raise ValueError(f"'{v}' ist keine Internetadresse (https://…)")
        return None if v is None else v.strip()


class Accessibility(_Strict):
    """The "Erklärung zur Barrierefreiheit" (BITV 2.0 § 7): status, known barriers and the
    enforcement procedure (Schlichtungsstelle)."""

    status: Literal["vollständig", "teilweise", "nicht"] = "teilweise"
    barriers: list[str] = Field(default_factory=lambda: [
        "Diagramme und Karten sind Bilder. Ihre Aussage steht im Alternativtext, alle Zahlen "
        "stehen in der Datentabelle unter jeder Abbildung und als Download.",
        "Zu diesem Bericht gibt es keine Fassung in Leichter Sprache und keine Erläuterungen in "
        "Deutscher Gebärdensprache.",
    ])
    enforcement_name: str = "Schlichtungsstelle nach § 16 Behindertengleichstellungsgesetz (BGG)"
    enforcement_url: str = "https://www.schlichtungsstelle-bgg.de"

    @field_validator("enforcement_url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", str(v).strip()):
            raise ValueError(f"'{v}' ist keine Internetadresse (https://…)")
        return str(v).strip()


class RegionRef(_Strict):
    ags: str
    name: str
    role: Literal["kreis", "land", "bund", "regierungsbezirk", "vergleich"]


class Resolved(_Strict):
    """Filled in by the pipeline for one build; notebooks read it, users never write it."""

    region_name: str
    processed_dir: str
    project_root: str
    regions: list[RegionRef]
    population: float | None = None


class EditionConfig(_Strict):
    title: str = "Integrationsbericht"
    subtitle: str = "Integrationsmonitoring im Kommunalen Integrationsmanagement"
    city: str | None = None  # name shown in the report; None → from the data
    publisher: str | None = None
    ags: str = "05711"
    year: int = Field(default=2025, ge=1990, le=2100)
    data_dir: str = "data/raw"
    demo: bool = False  # the data folder holds generated demo data
    comparison: Comparison = Comparison()
    branding: Branding = Branding()
    contact: Contact = Contact()
    accessibility: Accessibility = Accessibility()
    survey: SurveyConfig = SurveyConfig()
    districts: DistrictConfig = DistrictConfig()
    targets: str = "config/ziele.yml"
    indicators: str = "config/indikatoren.yml"
    fetch: FetchConfig = FetchConfig()
    # downloads/indikatoren.csv of the previous edition (for revisions, new and discontinued
    # indicators); set by "integrationsbericht new-edition"
    previous_indicators: str | None = None
    resolved: Resolved | None = None

    @field_validator("ags")
    @classmethod
    def _ags(cls, v: str) -> str:
        v = str(v).strip()
        if not AGS_RE.match(v):
            raise ValueError(
                f"'{v}' ist kein gültiger Regionalschlüssel (erwartet: 5 Ziffern wie 05711, "
                "oder 2/3 Ziffern für Land/Regierungsbezirk, oder DG)"
            )
        return v


# German names of the most used keys, shown next to the key in messages
_FIELD_NAMES = {"year": "Berichtsjahr", "ags": "Regionalschlüssel", "data_dir": "Datenordner"}


def _german_validation_message(err: ValidationError) -> str:
    lines = []
    for e in err.errors():
        where = ".".join(str(p) for p in e["loc"]) or "(Wurzel)"
        if where in _FIELD_NAMES:
            where = f"{where} ({_FIELD_NAMES[where]})"
        kind = e["type"]
        if kind == "extra_forbidden":
            msg = "unbekannter Schlüssel (Tippfehler?)"
        elif kind == "missing":
            msg = "Angabe fehlt"
        elif kind.startswith("int_") or kind.startswith("float_"):
            msg = f"Zahl erwartet, gefunden: {e.get('input')!r}"
        elif kind.startswith("string"):
            msg = f"Text erwartet, gefunden: {e.get('input')!r}"
        elif kind in ("greater_than_equal", "less_than_equal"):
            limit = (e.get("ctx") or {}).get("ge", (e.get("ctx") or {}).get("le"))
            msg = f"Wert außerhalb des erlaubten Bereichs: {e.get('input')!r}" + (
                f" (Grenze: {limit})" if limit is not None else ""
            )
        elif kind == "literal_error":
            msg = f"unzulässiger Wert {e.get('input')!r}"
        else:
            msg = str(e.get("msg", "")).removeprefix("Value error, ")
        lines.append(f"  - {where}: {msg}")
    return "\n".join(lines)


class _DuplicateKey(yaml.YAMLError):
    def __init__(self, key, line: int):
        super().__init__(key)
        self.key, self.line = key, line


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """``yaml.safe_load`` that refuses a key given twice in one mapping (PyYAML would silently
    keep the last value: ``year: 2025`` … ``year: 2024`` became the 2024 edition)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # unhashable key: PyYAML reports it itself
                continue
            if duplicate and key != "<<":
                raise _DuplicateKey(key, key_node.start_mark.line + 1)
        return super().construct_mapping(node, deep=deep)


@functools.lru_cache(maxsize=64)
def _parse_yaml(text: str):
    """Parsed YAML of a text (a batch reads the same catalogues for every region)."""
    return yaml.load(text, Loader=_UniqueKeyLoader)


def load_yaml(path: str | Path, what: str = "Die Datei") -> dict:
    """Read a YAML mapping (config or catalogue); :class:`ConfigError` naming file and line.

    ``what`` names the file in messages, e.g. ``"Die Zieldatei"``.
    """
    from .sources.encoding import decode_text

    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{what} wurde nicht gefunden.", file=path)
    if not path.is_file():
        raise ConfigError(f"{what} ist keine Datei, sondern ein Ordner.", file=path)
    # UTF-8 only (a byte-order mark from Notepad is fine); otherwise file, line and column
    text, _enc = decode_text(path.read_bytes(), path, fallback=None, what=what)
    try:
        raw = copy.deepcopy(_parse_yaml(text)) or {}
    except _DuplicateKey as exc:
        raise ConfigError(
            f"{what}: Der Schlüssel „{exc.key}“ steht zweimal in derselben Ebene; es gälte still "
            "nur der letzte Wert. Bitte einen davon löschen.",
            file=path, line=exc.line,
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(
            f"{what} ist kein gültiges YAML.", file=path, line=(mark.line + 1) if mark else None
        ) from None
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{what}: erwartet wird eine Zuordnung (Schlüssel: Wert) auf oberster Ebene.", file=path
        )
    return raw


def validate(model: type[BaseModel], raw: dict, path: str | Path | None, what: str):
    """``model.model_validate(raw)`` with the errors listed in German."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{what} ist ungültig:\n" + _german_validation_message(exc), file=path) from None


def load_model(path: str | Path, model: type[BaseModel], what: str):
    """Read a YAML file and validate it against a pydantic ``model``."""
    return validate(model, load_yaml(path, what), path, what)


def load_config(path: str | Path | None = None) -> EditionConfig:
    """Read and validate the edition config (default: ``config/edition.yml`` of the project
    found from the working directory); raises :class:`ConfigError` with German text."""
    if path is None:
        from .project import Project

        path = Project.locate().config_file
    path = Path(path)
    raw = load_yaml(path, "Die Konfiguration")
    if not raw:  # an empty file must not silently become the default edition
        raise ConfigError(
            "Die Konfiguration ist leer. Erwartet werden mindestens city, ags und year, "
            "z. B. wie in config/edition.yml.",
            file=path, line=1,
        )
    return validate(EditionConfig, raw, path, "Die Konfiguration")


def resolve(path: str | Path, base: Path | None = None) -> Path:
    """Resolve a path from the config relative to the report project ``base`` (default: the
    project found from the working directory). A file the project does not have comes from
    the defaults shipped in the package (see :class:`integrationsbericht.project.Project`)."""
    from .project import DEFAULTS, Project, find_root

    p = Path(path)
    if p.is_absolute():
        return p
    root = Path(base) if base is not None else find_root()
    if root is None:  # outside any project: only the packaged defaults
        return DEFAULTS / p if (DEFAULTS / p).exists() else p.resolve()
    return Project(root).resolve(p)
