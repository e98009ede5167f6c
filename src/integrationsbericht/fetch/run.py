"""``integrationsbericht fetch``: download the GENESIS tables an edition needs.

1. The catalogue (and the edition's population table) name the tables and, per table, the
   database (Regionaldatenbank or GENESIS-Online). Tables whose series end before the report
   year's comparison window are not fetched.
2. With credentials, the service is first asked for the metadata of every table; only tables
   whose ``Stand`` changed, or that are not in the data folder yet, are downloaded. Without
   credentials the open download of the table's default selection is used (see README).
3. Every file is kept exactly as delivered under ``<data>/genesis/`` and written atomically; the
   manifest ``genesis/abruf-manifest.csv`` is rewritten (atomically) after each table, so an
   interrupted fetch leaves every earlier file intact and the next run completes it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..config import EditionConfig, load_config, resolve as resolve_path
from ..errors import ConfigError, ReportError
from .client import (
    DATABASE_LABEL,
    Download,
    FetchError,
    GenesisClient,
    TableError,
    TableInfo,
    german_stand,
    params_text,
)
from .credentials import DATABASES, ENV_PREFIX, Credentials, load_credentials, user_file
from .manifest import MANIFEST_NAME, Entry, read_manifest, write_manifest

# The report compares the report year with 1, 5 and 10 years before; lag -1 sources reach one
# year further back.
HISTORY_YEARS = 10
ENV_URL = {"regionalstatistik": "IB_REGIONALSTATISTIK_URL", "genesis-online": "IB_GENESIS_URL"}

Log = Callable[[str], None]


@dataclass
class Outcome:
    code: str
    database: str
    state: str  # "neu" | "geändert" | "unverändert" | "fehler"
    stand: str = ""
    file: str = ""
    message: str = ""


@dataclass
class FetchResult:
    data_dir: Path
    manifest: Path
    outcomes: list[Outcome] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # table → last year it is used for

    @property
    def downloaded(self) -> list[str]:
        return [o.code for o in self.outcomes if o.state in ("neu", "geändert")]

    @property
    def errors(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.state == "fehler"]


# --------------------------------------------------------------------------------- planning
def plan_tables(catalogue, cfg: EditionConfig) -> tuple[dict[str, str], dict[str, int]]:
    """Tables the edition needs: ``({code: database}, {skipped code: last year used})``.

    Per series (an indicator's or group's numerator or denominator): every table whose years
    reach into the comparison window (report year − 11 … report year); a series that ends
    before the window (e.g. the Zensus 2011) keeps its latest table, so the report can still
    show that value. Tables only for later report years or only for older parts of a series
    that goes on in another table are not fetched.
    """
    year = cfg.year
    first = year - HISTORY_YEARS - 1
    databases = catalogue.databases()
    needed: set[str] = set()
    last_used: dict[str, int] = {}
    for ind in catalogue.indicators:
        series = [ind.numerator, ind.denominator or []]
        for g in ind.groups.values():
            series += [g.numerator or [], g.denominator or []]
        for srcs in series:
            current = [s for s in srcs if s.years[0] is None or s.years[0] <= year]
            inside = [s for s in current if s.years[1] is None or s.years[1] >= first]
            if not inside and current:  # the series ended earlier: keep its latest table
                inside = [max(current, key=lambda s: s.years[1])]
            needed.update(s.table for s in inside)
            for s in current:
                if s not in inside:
                    last_used[s.table] = max(s.years[1], last_used.get(s.table, s.years[1]))
    needed.add(cfg.comparison.population_table)
    plan = {c: databases.get(c, "regionalstatistik") for c in sorted(needed)}
    skipped = {c: y for c, y in sorted(last_used.items()) if c not in needed}
    return plan, skipped


def base_url(cfg: EditionConfig, database: str) -> str:
    """The REST base URL: environment variable > edition config > default."""
    env = os.environ.get(ENV_URL[database], "").strip()
    if env:
        if not re.fullmatch(r"https?://\S+", env):
            raise ConfigError(
                f"Die Umgebungsvariable {ENV_URL[database]} ist keine Web-Adresse (http:// oder https://)."
            )
        return env if env.endswith("/") else env + "/"
    return cfg.fetch.regionalstatistik_url if database == "regionalstatistik" else cfg.fetch.genesis_url


# --------------------------------------------------------------------------------- the run
def fetch(
    config_path: str | Path | None = None,
    *,
    project: str | Path | None = None,
    data_dir: str | Path | None = None,
    ags: str | None = None,
    year: int | None = None,
    poll_interval: float | None = None,
    max_wait: float | None = None,
    log: Log | None = None,
    on_poll: Callable[[str, str, float, int, bool], None] | None = None,
    session=None,
) -> FetchResult:
    """Download what the edition needs into ``<data>/genesis/``; see the module docstring.

    Raises :class:`FetchError` (German) when the whole fetch must stop, and at the end when any
    table failed (after every other table was fetched and recorded).
    """
    from ..demo import MARKER as DEMO_MARKER
    from ..indicators import load_catalogue

    log = log or (lambda _m: None)
    proj, config_path = _project(config_path, project)
    root = proj.root
    cfg = _edition_config(config_path, ags, year)
    ddir = Path(data_dir).resolve() if data_dir is not None else resolve_path(cfg.data_dir, root).resolve()
    if cfg.demo or (ddir / DEMO_MARKER).exists():
        raise ConfigError(
            f"Der Datenordner {ddir} enthält Demodaten ({DEMO_MARKER}). „fetch“ lädt echte Tabellen "
            "und schreibt nicht in Demodaten.",
            hint="Einen eigenen Datenordner angeben: --data ORDNER oder data_dir in der "
            "Ausgabe-Konfiguration (z. B. data_dir: daten).",
        )
    if ddir.exists() and not ddir.is_dir():
        raise ConfigError("Der Datenordner ist kein Ordner.", file=ddir)
    fcfg = cfg.fetch
    if poll_interval is not None:
        if poll_interval <= 0:
            raise ConfigError("--poll-interval muss größer als 0 sein.")
        fcfg = fcfg.model_copy(update={"poll_interval": float(poll_interval)})
    if max_wait is not None:
        if max_wait <= 0:
            raise ConfigError("--max-wait muss größer als 0 sein.")
        fcfg = fcfg.model_copy(update={"max_wait": float(max_wait)})

    catalogue = load_catalogue(proj.resolve(cfg.indicators))
    plan, skipped = plan_tables(catalogue, cfg)
    gdir = ddir / "genesis"
    gdir.mkdir(parents=True, exist_ok=True)
    manifest_path = gdir / MANIFEST_NAME
    entries = read_manifest(manifest_path)
    _remove_stale_temp_files(gdir, [MANIFEST_NAME, *plan, *(e.tabelle for e in entries.values())])
    result = FetchResult(data_dir=ddir, manifest=manifest_path, skipped=skipped)

    counts = {db: sum(1 for d in plan.values() if d == db) for db in DATABASES}
    log(
        f"Datenordner: {gdir}\nBerichtsjahr {cfg.year}, Vergleichsjahre ab {cfg.year - HISTORY_YEARS}: "
        f"{_n(len(plan))} ("
        + ", ".join(f"{DATABASE_LABEL[db]} {n}" for db, n in counts.items() if n)
        + ")."
    )
    if skipped:
        log(
            "Nicht abgerufen, weil nur für Jahre vor dem Vergleichszeitraum gebraucht: "
            + ", ".join(f"{c} (bis {y})" for c, y in skipped.items())
            + ". Vorhandene Dateien dieser Tabellen bleiben unverändert."
        )

    clients: dict[str, GenesisClient] = {}
    secrets: list[str] = []
    for db in DATABASES:
        if not counts[db]:
            continue
        creds, notes = load_credentials(db, forbidden=[root, ddir])
        for n in notes:
            log(n)
        if creds is not None:
            secrets += creds.secrets
            log(f"{DATABASE_LABEL[db]}: Anmeldung mit {creds.description}.")
        else:
            log(_no_login_text(db))

        def poll(code, job, elapsed, polls, done, _db=db):
            if polls == 0 and not done:
                log(
                    f"  {code}: zu groß für den direkten Abruf; Hintergrundauftrag {job} gestartet "
                    f"(Abfrage alle {_secs(fcfg.poll_interval)}, höchstens {_secs(fcfg.max_wait)} warten)."
                )
            if done:
                log(f"  {code}: Hintergrundauftrag fertig nach {_secs(elapsed)} ({polls} Abfragen).")
            if on_poll:
                on_poll(code, job, elapsed, polls, done)

        clients[db] = GenesisClient(
            db,
            base_url(cfg, db),
            creds,
            timeout=fcfg.timeout,
            retries=fcfg.retries,
            backoff=fcfg.backoff,
            poll_interval=fcfg.poll_interval,
            max_wait=fcfg.max_wait,
            on_poll=poll,
            session=session,
        )

    try:
        _run(plan, clients, gdir, entries, manifest_path, result, log)
    except ReportError as err:
        _redact_error(err, secrets)
        raise
    return result


def _run(plan, clients, gdir: Path, entries: dict[str, Entry], manifest_path: Path,
         result: FetchResult, log: Log) -> None:
    # 1. ask for the metadata of every table first
    todo: list[tuple[str, str, TableInfo | None, str]] = []  # code, db, info, state
    log("Stand der Tabellen beim Dienst abfragen …")
    for code, db in plan.items():
        client = clients[db]
        old = entries.get(api_name(code))
        if client.credentials is None:
            todo.append((code, db, None, "ohne Anmeldung"))
            continue
        try:
            info = client.metadata(code)
        except TableError as err:
            result.outcomes.append(Outcome(code, db, "fehler", message=str(err)))
            log(f"  {code}: Fehler – {err.message}")
            continue
        state, why = _state(old, info, gdir)
        shown = _stand_text(info.stand)
        if state == "unverändert":
            result.outcomes.append(Outcome(code, db, "unverändert", info.stand, old.datei))
            log(f"  {code}: Stand {shown}, unverändert ({old.datei})")
        else:
            log(f"  {code}: Stand {shown}, {why}")
            todo.append((code, db, info, state))

    # 2. download what is new or changed, one table at a time
    if todo:
        log(f"{_n(len(todo))} herunterladen …")
    for code, db, info, state in todo:
        client = clients[db]
        name = api_name(code) if info is not None else nologin_name(code)
        old = entries.get(name)
        try:
            if info is None:
                dl = client.nologin(code, gdir)
                if dl is None:
                    raise TableError(
                        f"Tabelle {code}: {client.label} bietet sie ohne Anmeldung nicht an (oder "
                        "es gibt sie dort nicht). Mit Zugangsdaten abrufen (siehe README)."
                    )
                stand = german_stand(_classic_stand(dl.path))
            else:
                dl = client.tablefile(code, gdir)
                stand = info.stand
        except TableError as err:
            result.outcomes.append(Outcome(code, db, "fehler", message=str(err)))
            log(f"  {code}: Fehler – {err.message}")
            continue
        if info is None and old is not None and old.sha256 == dl.sha256 and (gdir / old.datei).is_file():
            dl.path.unlink(missing_ok=True)
            result.outcomes.append(Outcome(code, db, "unverändert", old.stand, old.datei))
            log(f"  {code}: unverändert ({old.datei})")
            continue
        _install(dl, gdir / name)
        entries[name] = Entry(
            datei=name,
            tabelle=code,
            datenbank=db,
            parameter=params_text(dl.params),
            abgerufen=dt.datetime.now().replace(microsecond=0).isoformat(),
            stand=stand,
            sha256=dl.sha256,
        )
        write_manifest(manifest_path, entries)
        result.outcomes.append(Outcome(code, db, "neu" if old is None else "geändert", stand, name))
        log(f"  {code}: gespeichert als {name} ({_bytes(dl.size)})")

    errors = result.errors
    done = len(result.downloaded)
    same = sum(1 for o in result.outcomes if o.state == "unverändert")
    log(
        f"{_n(done)} heruntergeladen, {same} unverändert"
        + (f", {len(errors)} mit Fehler" if errors else "")
        + f". Abruf-Protokoll: {manifest_path}"
    )
    if errors:
        lines = "\n".join(f"  - {o.message}" for o in errors)
        raise FetchError(
            f"{len(errors)} von {_n(len(plan))} "
            + ("konnte" if len(errors) == 1 else "konnten") + f" nicht abgerufen werden:\n{lines}",
            hint="Alle anderen Tabellen sind geladen und im Abruf-Protokoll vermerkt; bereits "
            "vorhandene Dateien blieben unverändert. Ein neuer Aufruf lädt nur, was fehlt.",
        )


def _state(old: Entry | None, info: TableInfo, gdir: Path) -> tuple[str, str]:
    if old is None:
        return "neu", "noch nicht im Datenordner"
    path = gdir / old.datei
    if not path.is_file():
        return "neu", f"Datei {old.datei} fehlt"
    from ..cache import sha256_file

    if sha256_file(path) != old.sha256:
        return "geändert", f"Datei {old.datei} wurde verändert, wird neu geladen"
    if not info.stand:
        return "geändert", "Stand beim Dienst unbekannt, wird neu geladen"
    if info.stand != old.stand:
        return "geändert", f"geändert (bisher Stand {_stand_text(old.stand)})"
    return "unverändert", ""


def api_name(code: str) -> str:
    """File name of a table downloaded through the web service (the zip as delivered)."""
    return f"{code}.zip"


def nologin_name(code: str) -> str:
    """File name of a table's open default-selection download (classic CSV)."""
    return f"{code}_00.csv"


def _install(dl: Download, target: Path) -> None:
    """Move the checked temporary file into place (atomic on the same file system)."""
    try:
        os.replace(dl.path, target)
    except OSError:
        dl.path.unlink(missing_ok=True)
        raise


def _remove_stale_temp_files(gdir: Path, stems: list[str]) -> None:
    """Temporary files an interrupted fetch left (``.<table or manifest>.<random>.tmp``)."""
    for p in gdir.glob(".*.tmp"):
        for stem in stems:
            if p.is_file() and re.fullmatch(re.escape(f".{stem}.") + r"[A-Za-z0-9_]{6,}\.tmp", p.name):
                p.unlink(missing_ok=True)
                break


def _classic_stand(path: Path) -> str:
    """``Stand: 26.02.2026 / 15:28:28`` from the footer of a classic CSV (last 4 KB)."""
    with open(path, "rb") as fh:
        fh.seek(0, os.SEEK_END)
        size = fh.tell()
        fh.seek(max(0, size - 4096))
        tail = fh.read().decode("latin-1")
    m = re.findall(r"Stand:\s*([0-9.]+\s*/\s*[0-9:]+)", tail)
    return m[-1] if m else ""


def _redact_error(err: ReportError, secrets: list[str]) -> None:
    from .credentials import redact

    if not secrets:
        return
    err.message = redact(err.message, secrets)
    if err.hint:
        err.hint = redact(err.hint, secrets)
    err.args = (str(err),)


def _project(config_path, project):
    from ..project import Project

    proj = Project.locate(project, config_path)
    return proj, Path(config_path).resolve() if config_path else proj.config_file


def _edition_config(config_path: Path, ags: str | None, year: int | None) -> EditionConfig:
    cfg = load_config(config_path)
    updates = {k: v for k, v in (("ags", ags), ("year", year)) if v is not None}
    if not updates:
        return cfg
    from ..config import _german_validation_message

    try:
        return EditionConfig.model_validate({**cfg.model_dump(), **updates})
    except Exception as exc:  # pydantic ValidationError
        raise ConfigError("Ungültige Angabe auf der Kommandozeile:\n" + _german_validation_message(exc)) from None


def _no_login_text(db: str) -> str:
    p = ENV_PREFIX[db]
    return (
        f"{DATABASE_LABEL[db]}: keine Zugangsdaten gefunden (weder {p}_TOKEN noch {p}_USER und "
        f"{p}_PASSWORD, noch die Datei {user_file()}). Ohne Anmeldung lädt fetch je Tabelle nur die "
        "Standardansicht, die der Dienst frei anbietet: eine klassische CSV-Tabelle, meist nur mit "
        "dem neuesten Zeitraum statt der ganzen Zeitreihe. Frühere Jahre müssen dann aus älteren "
        "Downloads im Datenordner kommen. Den Stand kann fetch ohne Anmeldung nicht vorab erfragen: "
        "jede Tabelle wird neu geladen und nur ersetzt, wenn sie sich geändert hat. Große Tabellen "
        "gibt es ohne Anmeldung nicht. Mit einem kostenlosen Zugang lädt fetch die vollständigen "
        "Zeitreihen (siehe README, „Jährlicher Datenabruf“)."
    )


def _stand_text(iso: str) -> str:
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})", iso or "")
    if not m:
        return "unbekannt"
    y, mo, d, h, mi, s = m.groups()
    return f"{d}.{mo}.{y} {h}:{mi}:{s}"


def _secs(seconds: float) -> str:
    seconds = float(seconds)
    if seconds < 60:
        return f"{seconds:.3g} s".replace(".", ",")
    m, s = divmod(int(round(seconds)), 60)
    return f"{m}:{s:02d} min"


def _n(n: int) -> str:
    return f"{n} Tabelle" if n == 1 else f"{n} Tabellen"


def _bytes(n: int) -> str:
    return f"{n:,} Bytes".replace(",", ".")


__all__ = ["fetch", "plan_tables", "base_url", "FetchResult", "Outcome", "HISTORY_YEARS", "Credentials"]
