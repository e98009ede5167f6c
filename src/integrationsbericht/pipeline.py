"""The build: raw data → processed tables → executed chapters → rendered site and PDF.

Stages
1. resolve the edition (config, data folder, region, year, comparison regions);
2. ingest and validate the raw inputs into ``data/processed/<ags>/``;
3. compute indicators, survey estimates and district tables;
4. stage a Quarto book project under ``build/<ags>-<year>/`` and execute the chapter
   notebooks listed in ``_quarto.yml`` with papermill, in parallel, cached on their inputs;
5. render (Quarto or pandoc + Typst) into a temporary folder and swap it in atomically.

A failed or interrupted build never touches the last published output.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import yaml

from . import __version__, legal
from .cache import sha256_file
from .chapter_title import chapter_heading
from .config import resolve as resolve_path
from .edition import Edition, describe, resolve
from .errors import BuildError, ConfigError, ReportError
from .preflight import preflight
from .project import DEFAULTS, Project, toc_entries
from .publishing import OutputFolder, os_error

SRC = Path(__file__).resolve().parent


Log = Callable[[str], None]


# -- small helpers ------------------------------------------------------------------------
def sha256_tree(paths: Iterable[Path], base: Path | None = None, exclude: Iterable[Path] = ()) -> str:
    """Hash of file names and contents below ``paths`` (order-independent, deterministic)."""
    h = hashlib.sha256()
    files: list[Path] = []
    exclude = tuple(exclude)
    for p in paths:
        if p.is_file():
            files.append(p)
        elif p.is_dir():
            files.extend(
                f
                for f in p.rglob("*")
                if f.is_file()
                and "__pycache__" not in f.parts
                and not any(part.startswith(".") for part in f.relative_to(p).parts)
                and not any(f.is_relative_to(x) for x in exclude)
            )
    for f in sorted(set(files)):
        rel = f.relative_to(base) if base and f.is_relative_to(base) else f
        h.update(str(rel).encode())
        h.update(sha256_file(f).encode())
    return h.hexdigest()


def code_fingerprint() -> str:
    """Package version plus a hash of its source: a code change re-executes the chapters.
    The packaged defaults (notebooks, catalogues, templates) are not code: they enter the
    cache keys as project files, so a changed chapter re-executes only that chapter."""
    return __version__ + ":" + sha256_tree([SRC], SRC, exclude=[DEFAULTS])[:16]


def sha256_files(files: dict[str, Path]) -> str:
    """Hash of named files (relative name → file), e.g. :meth:`Project.files`."""
    h = hashlib.sha256()
    for rel, f in sorted(files.items()):
        h.update(rel.encode())
        h.update(sha256_file(f).encode())
    return h.hexdigest()


# -- the table of contents ------------------------------------------------------------------
@dataclass(frozen=True)
class ChapterEntry:
    path: str  # as in _quarto.yml, e.g. "report/bevoelkerung.ipynb"
    part: str  # "chapters" | "appendices"
    project: Project | None = None

    @property
    def name(self) -> str:
        return Path(self.path).stem

    @property
    def is_notebook(self) -> bool:
        return self.path.endswith(".ipynb")

    @property
    def source(self) -> Path:
        """The chapter's notebook or page: the project's own, else the packaged one."""
        return (self.project or Project.locate()).chapter_source(self.path)


def read_toc(project: Project | None = None) -> list[ChapterEntry]:
    """The chapters of the effective table of contents (packaged, merged with the project's)."""
    project = project or Project.locate()
    entries = [ChapterEntry(path, part, project) for path, part in toc_entries(project.quarto())]
    if not entries:
        raise ConfigError(
            "In _quarto.yml sind unter book.chapters keine Kapitel eingetragen.", file=project.own("_quarto.yml")
        )
    return entries


def _chapter_catalogue(project: Project | None) -> dict:
    path = (project or Project.locate()).chapters_file
    if not path.exists():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def read_requirements(project: Project | None = None) -> dict[str, list[str]]:
    """Chapter → input kinds it needs (``requires`` in config/kapitel.yml)."""
    return {k: list((v or {}).get("requires") or []) for k, v in _chapter_catalogue(project).items()}


def read_optional_inputs(project: Project | None = None) -> dict[str, list[str]]:
    """Chapter → input kinds it reads when present (``uses`` in config/kapitel.yml)."""
    return {k: list((v or {}).get("uses") or []) for k, v in _chapter_catalogue(project).items()}


def chapter_files(project: Project, name: str, year: int) -> list[Path]:
    """Project files a chapter reads besides the processed data (``files`` in kapitel.yml,
    ``{year}`` replaced), e.g. the recommendations written for this edition."""
    from .texts import text_path

    spec = (_chapter_catalogue(project).get(name) or {}).get("files") or []
    # the text people write for the chapter (report/texte/<kapitel>.md) is read by every chapter
    return [project.resolve(str(f).replace("{year}", str(year))) for f in spec] + [text_path(project.root, name)]


# -- stages ---------------------------------------------------------------------------------
@dataclass
class Inputs:
    """What the processed stage produced; keys are the requirement names of kapitel.yml."""

    available: dict[str, list[Path]] = field(default_factory=dict)
    # processed GENESIS tables per indicator field (= chapter name): a changed raw table
    # re-executes only the chapters whose indicators use it
    field_inputs: dict[str, list[Path]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    stand: str | None = None
    sources: list[dict] = field(default_factory=list)
    # indicator chapters (= catalogue fields) none of whose indicators is current for the report
    # year: they are left out like a chapter without inputs
    stale_fields: set[str] = field(default_factory=set)
    # where select_chapters records the chapters it leaves out (read by the annex)
    processed: Path | None = None


def prepare_inputs(ed: Edition, stage: Path, log: Log) -> Inputs:
    """Ingest raw data and compute the processed tables the chapters read."""
    from . import indicators
    from .ingest import ingest_genesis

    inputs = Inputs()
    proc = ed.processed_dir
    proc.mkdir(parents=True, exist_ok=True)
    # Results of an earlier build (another data folder or year) must never reach this one:
    # optional inputs are removed here and written again only if this edition has them.
    for stale in ("survey", "districts", "measures"):
        shutil.rmtree(proc / stale, ignore_errors=True)
    (proc / "revisions.parquet").unlink(missing_ok=True)
    downloads = stage / "downloads"
    shutil.rmtree(downloads, ignore_errors=True)
    downloads.mkdir(parents=True)
    log("Amtliche Statistik einlesen und prüfen …")
    manifest = ingest_genesis(
        ed.data_dir, proc, ed.region_ags, cache_dir=proc.parent / ".cache" / "genesis", log=log,
        mapping=ed.genesis_mapping,
    )
    ed.regions.to_parquet(proc / "regions.parquet", index=False)
    inputs.sources = sorted(
        (
            {"code": code, "title": m.get("title", ""), "stand": m.get("stand", "")}
            for code, m in manifest.items()
        ),
        key=lambda s: s["code"],
    )
    inputs.stand = _latest_stand([s["stand"] for s in inputs.sources])

    log("Indikatoren berechnen …")
    table = indicators.prepare(ed)
    if ed.config.previous_indicators:
        table = _apply_revisions(ed, table, inputs, log)
    indicators.export(indicators.with_later_periods(ed, table), downloads, indicators.catalogue_for(ed))
    inputs.processed = proc
    inputs.available["genesis"] = [proc / "indicators.parquet", proc / "genesis", proc / DROPPED_FILE]
    catalogue = indicators.catalogue_for(ed)
    current = {c["indicator"] for c in indicators.load_status(ed).get("currency", []) if c["current"]}
    inputs.stale_fields = {
        f for f in catalogue.fields if not any(i.id in current for i in catalogue.by_field(f))
    }
    for field_name in catalogue.fields:
        codes = sorted({c for ind in catalogue.by_field(field_name) for c in ind.tables()})
        inputs.field_inputs[field_name] = [proc / "regions.parquet"] + [
            proc / "genesis" / f"{code}.parquet" for code in codes
        ]

    survey_file = resolve_path(ed.config.survey.file, ed.data_dir)
    if survey_file.exists():
        from . import survey

        log("Befragung gewichten und auswerten …")
        survey.prepare(ed, proc)
        survey.export(proc, downloads)
        inputs.available["survey"] = [proc / "survey"]
    else:
        inputs.notes.append(
            f"Keine Befragungsdaten ({survey_file}): die Befragungskapitel entfallen in dieser Ausgabe."
        )

    from . import districts

    if districts.has_input(ed):
        log("Daten nach Stadtbezirken aufbereiten …")
        districts.prepare(ed, proc)
        inputs.available["districts"] = [proc / "districts"]
    else:
        inputs.notes.append("Keine Daten nach Stadtbezirken: das Kapitel Stadtbezirke entfällt.")

    from . import measures

    if measures.has_input(ed):
        log("Umsetzungsstand der Maßnahmen prüfen …")
        measures.prepare(ed, proc)
        inputs.available["measures"] = [proc / "measures"]
    else:
        inputs.notes.append(
            "Keine Tabelle zum Umsetzungsstand der Maßnahmen: die Kapitel dazu entfallen."
        )

    # Findings (rules on the prepared data) or the administration's recommendations: without
    # either, the chapter "Befunde" would be a heading and an introduction only.
    from . import findings

    if findings.compute(ed).items or findings.shown_recommendations(ed) is not None:
        inputs.available["findings"] = []
    else:
        inputs.notes.append("Keine Befunde aus aktuellen Daten und keine Handlungsempfehlungen: "
                            "das Kapitel Befunde entfällt.")
    return inputs


def _apply_revisions(ed: Edition, table, inputs: Inputs, log: Log):
    """Compare with the previous edition's indicator table; mark revised values ``r``."""
    from . import indicators, revisions

    prev_path = ed.path(ed.config.previous_indicators)
    log(f"Vergleich mit der letzten Ausgabe ({prev_path.name}) …")
    previous = revisions.read_previous(prev_path)
    catalogue = indicators.catalogue_for(ed)
    decimals = {i.id: i.decimals for i in catalogue.indicators}
    changes = revisions.compare(previous, table, decimals)
    table = revisions.mark_revised(table, changes)
    table.to_parquet(ed.processed_dir / "indicators.parquet", index=False)
    changes.to_parquet(ed.processed_dir / "revisions.parquet", index=False)
    n_rev = int((changes["kind"] == "revidiert").sum())
    log(f"{n_rev} revidierte Werte, {int((changes['kind'] == 'neu').sum())} neue und "
        f"{int((changes['kind'] == 'eingestellt').sum())} eingestellte Indikatoren.")
    inputs.available["previous"] = [ed.processed_dir / "revisions.parquet", prev_path]
    return table


def _latest_stand(values: list[str]) -> str | None:
    import datetime as dt

    best = None
    for v in values:
        try:
            d = dt.datetime.strptime(str(v).strip()[:10], "%d.%m.%Y").date()
        except ValueError:
            continue
        best = d if best is None or d > best else best
    return best.strftime("%d.%m.%Y") if best else None


def select_chapters(
    toc: list[ChapterEntry], inputs: Inputs, log: Log, project: Project | None = None
) -> list[ChapterEntry]:
    reqs = read_requirements(project)
    chosen = []
    dropped: list[dict] = []
    # a chapter whose title depends on the data names it in kapitel.yml ("title")
    titles = {k: (v or {}).get("title") for k, v in _chapter_catalogue(project).items()}
    for entry in toc:
        if entry.is_notebook and not entry.source.exists():
            raise ConfigError(
                f"Das Kapitel '{entry.path}' steht in _quarto.yml, aber das Notebook fehlt.",
                file=entry.source,
            )
        if not entry.is_notebook and not entry.source.exists():
            raise ConfigError(f"Die Seite '{entry.path}' aus _quarto.yml fehlt.", file=entry.source)
        missing = [r for r in reqs.get(entry.name, []) if r not in inputs.available]
        if missing:
            log(f"Kapitel '{entry.name}' entfällt: es fehlen Eingaben ({', '.join(missing)}).")
            dropped.append({"chapter": entry.name, "part": entry.part, "missing": missing,
                            "title": titles.get(entry.name) or chapter_heading(entry.source)})
            continue
        if entry.name in inputs.stale_fields:
            log(f"Kapitel '{entry.name}' entfällt: keiner seiner Indikatoren ist für das "
                "Berichtsjahr aktuell (siehe Anhang „Datengrundlage“).")
            dropped.append({"chapter": entry.name, "part": entry.part, "missing": [], "stale": True,
                            "title": titles.get(entry.name) or chapter_heading(entry.source)})
            continue
        chosen.append(entry)
    if inputs.processed is not None:
        _write_dropped(inputs.processed / DROPPED_FILE, dropped)
    return chosen


# The chapters an edition leaves out, for the annex "Datengrundlage" (one line each).
DROPPED_FILE = "dropped_chapters.json"


def _write_dropped(path: Path, dropped: list[dict]) -> None:
    import json

    text = json.dumps(dropped, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def stage_project(
    ed: Edition, stage: Path, chapters: list[ChapterEntry], inputs: Inputs, project: Project | None = None
) -> Path:
    """Write the staging Quarto project (without the executed notebooks)."""
    project = project or Project.locate()
    stage.mkdir(parents=True, exist_ok=True)
    (stage / "report").mkdir(exist_ok=True)
    _remove_unselected(stage, chapters, project)
    # _quarto.yml with this edition's chapters
    data = project.quarto()
    keep = {c.path for c in chapters}
    book = data.setdefault("book", {})
    for part in ("chapters", "appendices"):
        items = []
        for item in book.get(part) or []:
            if isinstance(item, dict):
                subs = [s for s in item.get("chapters") or [] if s in keep]
                if subs:
                    items.append({**item, "chapters": subs})
            elif item in keep:
                items.append(item)
        if items:
            book[part] = items
        else:
            book.pop(part, None)
    # The book's title and subtitle are Quarto's (site title, PDF title page) and the pandoc
    # renderer's; the edition's own values go under `edition:` in _edition.yml (see below).
    book["title"] = f"{ed.config.title} {ed.year}"
    if ed.config.subtitle:
        book["subtitle"] = ed.config.subtitle
    else:
        book.pop("subtitle", None)
    book["output-file"] = Path(ed.pdf_name).stem
    _write_if_changed(stage / "_quarto.yml", yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    # templates and static pages
    project.copy_tree("templates", stage / "templates")
    for c in chapters:
        if not c.is_notebook:
            dst = stage / c.path
            dst.parent.mkdir(parents=True, exist_ok=True)
            _copy_if_changed(c.source, dst)
    # logo
    logo_rel = None
    if ed.config.branding.logo:
        logo = resolve_path(ed.config.branding.logo, project.root)
        if not logo.exists():
            raise ConfigError("Die Logo-Datei aus branding.logo fehlt.", file=logo)
    else:
        logo = project.resolve("templates/logo.svg")  # the neutral default logo
    if logo.is_file():
        logo_rel = f"assets/logo{logo.suffix.lower()}"
        (stage / "assets").mkdir(exist_ok=True)
        _copy_if_changed(logo, stage / logo_rel)
    # render metadata. Quarto merges _edition.yml into every chapter's metadata, so every
    # value sits under the one key `edition`, which Quarto does not know: no key that Quarto
    # reserves (title, subtitle, logo, lang, …) is used for the edition's own purposes.
    b = ed.config.branding
    meta = {
        "title": ed.config.title,
        "city": ed.city,
        "year": ed.year,
        "ags": ed.ags,
        "stand": inputs.stand or "",
        "publisher": ed.config.publisher or ed.city,
        "demo": ed.demo,
        "pdf_name": ed.pdf_name,
        "logo": logo_rel,
        "primary_color": b.primary_color,
        "accent_color": b.accent_color,
        "text_color": b.text_color,
        "font": b.font,
        "sources": inputs.sources,
        **legal.meta(ed.config.model_copy(update={"city": ed.city}), inputs.stand or "",
                     str(ed.config_path) if ed.config_path else None),
    }
    _write_if_changed(stage / "_edition.yml",
                      yaml.safe_dump({"edition": meta}, allow_unicode=True, sort_keys=True))
    ed.write(stage / "_edition_config.yml")
    return stage


def _remove_unselected(stage: Path, chapters: list[ChapterEntry], project: Project) -> None:
    """Drop executed notebooks and figure files of chapters this edition does not have (an
    earlier build of the same stage may have had them): nothing stale gets published."""
    keep = {c.path for c in chapters}
    for entry in read_toc(project):
        if entry.path in keep:
            continue
        target = stage / entry.path
        target.unlink(missing_ok=True)
        shutil.rmtree(target.parent / "files" / entry.name, ignore_errors=True)
        (stage / ".cache" / f"{entry.name}.key").unlink(missing_ok=True)


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def _copy_if_changed(src: Path, dst: Path) -> None:
    if not dst.exists() or sha256_file(src) != sha256_file(dst):
        shutil.copyfile(src, dst)


# -- notebook execution --------------------------------------------------------------------
def _chapter_key(
    entry: ChapterEntry, stage: Path, inputs: Inputs, reqs: dict[str, list[str]], code: str, project: Project
) -> str:
    h = hashlib.sha256()
    h.update(code.encode())
    h.update(sha256_file(entry.source).encode())
    h.update(sha256_file(stage / "_edition_config.yml").encode())
    h.update(sha256_files(project.files("config")).encode())
    year = yaml.safe_load((stage / "_edition_config.yml").read_text(encoding="utf-8"))["year"]
    for extra in chapter_files(project, entry.name, year):
        h.update((extra.relative_to(project.root) if extra.is_relative_to(project.root)
                  else extra.relative_to(DEFAULTS) if extra.is_relative_to(DEFAULTS) else extra).as_posix().encode())
        h.update(sha256_file(extra).encode() if extra.is_file() else b"absent")
    optional = read_optional_inputs(project).get(entry.name, [])
    for req in sorted(set(reqs.get(entry.name, [])) | set(optional)):
        h.update(req.encode())
        paths = inputs.available.get(req, [])
        if req == "genesis" and entry.name in inputs.field_inputs:
            paths = inputs.field_inputs[entry.name]
        h.update(sha256_tree(paths).encode())
    return h.hexdigest()


def execute_chapter(entry: ChapterEntry, stage: Path, pool=None) -> None:
    """Execute one chapter notebook with papermill (in a fresh kernel from ``pool`` if given)."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from .chapter_title import title_into_markdown_cell
    from .kernels import KERNEL_ARGS

    out = stage / entry.path
    out.parent.mkdir(parents=True, exist_ok=True)
    files = out.parent / "files" / entry.name
    if files.exists():
        shutil.rmtree(files)
    params = {
        "config_path": str(stage / "_edition_config.yml"),
        "workdir": str(stage),
        "chapter": entry.name,
    }
    tmp = out.with_name(f".running-{out.name}")
    km = None
    try:
        if pool is not None:
            km = pool.take(cwd=out.parent)
        pm.execute_notebook(
            str(entry.source),
            str(tmp),
            parameters=params,
            kernel_name="python3",
            km=km,
            cwd=None if km is not None else str(out.parent),
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            # the kernel's own start-up chatter is not for the analyst's terminal
            extra_arguments=KERNEL_ARGS,
        )
    except PapermillExecutionError as exc:
        first = str(exc.evalue).strip().splitlines()
        detail = "\n".join(first[:12]) if first else exc.ename
        raise BuildError(
            f"Kapitel '{entry.name}' ist fehlgeschlagen (Zelle {exc.exec_count or exc.cell_index}): "
            f"{exc.ename}: {detail}",
            file=entry.source,
        ) from None
    except Exception as exc:  # kernel died, invalid notebook JSON, …
        raise BuildError(
            f"Kapitel '{entry.name}' konnte nicht ausgeführt werden: {type(exc).__name__}: {exc}",
            file=entry.source,
        ) from None
    finally:
        if km is not None:
            pool.release(km)
    # a title displayed by a code cell goes into a Markdown cell, where Quarto reads titles
    title_into_markdown_cell(tmp)
    os.replace(tmp, out)


def execute_chapters(
    chapters: list[ChapterEntry],
    stage: Path,
    inputs: Inputs,
    *,
    jobs: int,
    force: bool,
    progress=None,
    log: Log,
    project: Project | None = None,
    pool=None,
) -> list[str]:
    """Run the chapter notebooks (cached, in parallel). Returns the names re-executed."""
    reqs = read_requirements(project)
    code = code_fingerprint()
    cache_dir = stage / ".cache"
    cache_dir.mkdir(exist_ok=True)
    todo: list[tuple[ChapterEntry, str]] = []
    for c in chapters:
        if not c.is_notebook:
            continue
        key = _chapter_key(c, stage, inputs, reqs, code, project)
        key_file = cache_dir / f"{c.name}.key"
        if not force and key_file.exists() and key_file.read_text() == key and (stage / c.path).exists():
            log(f"Kapitel '{c.name}': unverändert, aus dem Zwischenspeicher.")
            continue
        todo.append((c, key))
    if pool is not None:
        pool.set_total(len(todo))
    if not todo:
        return []
    for c, _ in todo:
        (cache_dir / f"{c.name}.key").unlink(missing_ok=True)

    failures: list[BuildError] = []
    done: list[str] = []
    tasks = {}
    workers = cf.ThreadPoolExecutor(max_workers=max(1, jobs))
    try:
        futures = {}
        for c, key in todo:
            if progress is not None:
                tasks[c.name] = progress.add_task(c.name, total=1, start=False)
            futures[workers.submit(_timed, execute_chapter, c, stage, pool, progress, tasks.get(c.name))] = (c, key)
        for fut in cf.as_completed(futures):
            c, key = futures[fut]
            try:
                seconds = fut.result()
            except BuildError as err:
                failures.append(err)
                log(f"FEHLER im Kapitel '{c.name}': {err}")
                continue
            (cache_dir / f"{c.name}.key").write_text(key)
            done.append(c.name)
            log(f"Kapitel '{c.name}' ausgeführt ({seconds:.1f} s).")
    except BaseException:  # Ctrl-C: stop the kernels now instead of waiting for the chapters
        if pool is not None:
            pool.abort()
        workers.shutdown(wait=False, cancel_futures=True)
        raise
    workers.shutdown(wait=True)
    if failures:
        if len(failures) == 1:
            raise failures[0]
        raise BuildError(
            f"{len(failures)} Kapitel sind fehlgeschlagen:\n" + "\n".join(f"  - {f}" for f in failures)
        )
    return sorted(done)


def _timed(fn, entry, stage, pool, progress, task) -> float:
    t0 = time.monotonic()
    if progress is not None and task is not None:
        progress.start_task(task)
    try:
        fn(entry, stage, pool)
    finally:
        if progress is not None and task is not None:
            progress.update(task, completed=1)
    return time.monotonic() - t0


# -- the build --------------------------------------------------------------------------------
@dataclass
class BuildResult:
    out: Path
    edition: Edition
    chapters: list[str]
    executed: list[str]
    rendered: bool
    seconds: float
    # wall-clock seconds per stage: "daten" (resolve, read, prepare), "kapitel", "rendern"
    timings: dict[str, float] = field(default_factory=dict)


def build(
    config_path: str | Path | None = None,
    *,
    data_dir: str | Path | None = None,
    ags: str | None = None,
    year: int | None = None,
    renderer: str = "auto",
    formats: Iterable[str] = ("html", "pdf"),
    jobs: int | None = None,
    force: bool = False,
    out: str | Path | None = None,
    build_root: Path | None = None,
    processed_root: Path | None = None,
    log: Log | None = None,
    progress=None,
    project: str | Path | None = None,
    kernel_pool=None,
) -> BuildResult:
    """Build one edition into ``out``.

    ``kernel_pool``: a :class:`~.kernels.KernelPool` that outlives this build (a batch worker
    keeps one warm across regions); by default the build starts and closes its own."""
    from .render import which_renderer

    t0 = time.monotonic()
    log = log or (lambda _msg: None)
    formats = set(formats)
    bad = formats - {"html", "pdf"}
    if bad or not formats:
        raise ConfigError(f"Unbekanntes Format: {', '.join(sorted(bad)) or '(leer)'}; erlaubt sind html und pdf.")
    proj = Project.locate(project, config_path)
    if config_path is None:
        config_path = proj.config_file
    out = Path(out).resolve() if out else (proj.root / "_book")
    jobs = jobs or os.cpu_count() or 1
    renderer_name = which_renderer(renderer)

    protected = [proj.root, Path(config_path)] + ([Path(data_dir)] if data_dir else [])
    try:
        return _build(
            proj, config_path, out, protected, data_dir=data_dir, ags=ags, year=year,
            renderer_name=renderer_name, formats=formats, jobs=jobs, force=force,
            build_root=build_root, processed_root=processed_root, log=log, progress=progress, t0=t0,
            kernel_pool=kernel_pool,
        )
    except OSError as exc:
        err = os_error(exc)
        if err is None:
            raise
        raise err from None


def _build(
    proj, config_path, out, protected, *, data_dir, ags, year, renderer_name, formats, jobs, force,
    build_root, processed_root, log, progress, t0, kernel_pool=None,
) -> BuildResult:
    from .render import render

    timings: dict[str, float] = {}
    with OutputFolder(out, protected=protected, log=log) as output, contextlib.ExitStack() as stack:
        state_file = output.state_file
        input_key = _input_key(
            proj, config_path, data_dir, ags, year, renderer_name, formats, build_root, processed_root
        )
        if not force:
            cached = _unchanged(state_file, input_key, output)
            if cached is not None:
                log("Keine Änderung an Daten, Kapiteln oder Vorlage: die Ausgabe ist aktuell.")
                ed_cached, chapter_names = cached
                return BuildResult(
                    out=out,
                    edition=ed_cached,
                    chapters=chapter_names,
                    executed=[],
                    rendered=False,
                    seconds=time.monotonic() - t0,
                )
        state_file.unlink(missing_ok=True)
        ed = resolve(
            config_path,
            data_dir=data_dir,
            ags=ags,
            year=year,
            processed_root=processed_root or proj.root / "data" / "processed",
            project_root=proj.root,
        )
        log("Ausgabe: " + describe(ed))
        output.lock_edition(ed.processed_dir)
        preflight(ed, proj, log)  # colours, logo, texts: before any expensive work
        if kernel_pool is None:
            from .kernels import KernelPool

            # Kernels warm up (start, import pandas/matplotlib) while the data are prepared.
            kernel_pool = KernelPool(jobs)
            stack.callback(kernel_pool.close)
            own_pool = True
        else:
            own_pool = False
        stage = (build_root or proj.root / "build") / output.stage_name(f"{ed.ags}-{ed.year}")
        stage.mkdir(parents=True, exist_ok=True)
        inputs = prepare_inputs(ed, stage, log)
        for note in inputs.notes:
            log(note)
        chapters = select_chapters(read_toc(proj), inputs, log, proj)
        stage_project(ed, stage, chapters, inputs, proj)
        timings["daten"] = time.monotonic() - t0
        executed = execute_chapters(
            chapters, stage, inputs, jobs=jobs, force=force, progress=progress, log=log,
            project=proj, pool=kernel_pool,
        )
        if own_pool:
            kernel_pool.close()
        timings["kapitel"] = time.monotonic() - t0 - timings["daten"]

        render_key = hashlib.sha256(
            (
                renderer_name
                + ",".join(sorted(formats))
                + code_fingerprint()
                + sha256_tree([stage], stage)
            ).encode()
        ).hexdigest()
        key_file = stage / ".cache" / "render.key"
        if (
            not force
            and key_file.exists()
            and key_file.read_text() == render_key
            and output.render_key() == render_key
        ):
            log("Website und PDF sind aktuell; nichts neu zu erzeugen.")
            rendered = False
        else:
            key_file.unlink(missing_ok=True)

            def render_into(tmp: Path) -> None:
                log(f"Rendern mit {renderer_name} …")
                render(stage, tmp, renderer=renderer_name, formats=formats, log=log)

            t_render = time.monotonic()
            output.publish(render_into, render_key)
            timings["rendern"] = time.monotonic() - t_render
            key_file.write_text(render_key)
            rendered = True
        state_file.write_text(
            json.dumps(
                {
                    "input_key": input_key,
                    "render_key": render_key,
                    "edition_config": str(stage / "_edition_config.yml"),
                    "chapters": [c.name for c in chapters],
                },
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )
    return BuildResult(
        out=out,
        edition=ed,
        chapters=[c.name for c in chapters],
        executed=executed,
        rendered=rendered,
        seconds=time.monotonic() - t0,
        timings=timings,
    )


def _input_key(proj, config_path, data_dir, ags, year, renderer, formats, build_root, processed_root) -> str:
    """Everything a build depends on: code, project files, config, raw data and options."""
    from .config import load_config

    cfg = load_config(config_path)
    ddir = Path(data_dir).resolve() if data_dir else resolve_path(cfg.data_dir, proj.root)
    parts = [
        code_fingerprint(),
        sha256_files(
            {f"{sub}/{rel}": f for sub in ("notebooks", "config", "templates", "report")
             for rel, f in proj.files(sub).items()}
            | {f"_quarto.yml:{i}": f for i, f in enumerate(proj.quarto_sources())}
        ),
        sha256_file(Path(config_path)),
        sha256_tree([ddir], ddir) if ddir.is_dir() else "no-data",
        json.dumps(
            [str(ddir), ags, year, renderer, sorted(formats), str(build_root), str(processed_root)]
        ),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _unchanged(state_file: Path, input_key: str, output: OutputFolder):
    """(edition, chapter names) of the last build if nothing changed since, else ``None``."""
    from .edition import load as load_edition

    try:
        state = json.loads(state_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    marker = output.render_key()
    if state.get("input_key") != input_key or marker is None or marker != state.get("render_key"):
        return None
    try:
        return load_edition(state["edition_config"]), list(state["chapters"])
    except (ReportError, OSError, KeyError):
        return None


def is_current(
    config_path: str | Path | None = None,
    *,
    data_dir: str | Path | None = None,
    ags: str | None = None,
    year: int | None = None,
    renderer: str = "auto",
    formats: Iterable[str] = ("html", "pdf"),
    out: str | Path,
    project: str | Path | None = None,
    build_root: Path | None = None,
    processed_root: Path | None = None,
) -> Edition | None:
    """The published edition in ``out`` if a build with these arguments would change nothing
    (the same test :func:`build` makes first), else ``None``. Takes no lock, writes nothing."""
    from .render import which_renderer

    proj = Project.locate(project, config_path)
    if config_path is None:
        config_path = proj.config_file
    output = OutputFolder(Path(out).resolve())
    key = _input_key(proj, config_path, data_dir, ags, year, which_renderer(renderer), set(formats),
                     build_root, processed_root)
    cached = _unchanged(output.state_file, key, output)
    return None if cached is None else cached[0]


def check(
    config_path: str | Path | None = None,
    *,
    data_dir: str | Path | None = None,
    ags: str | None = None,
    year: int | None = None,
    log: Log | None = None,
    project: str | Path | None = None,
) -> Edition:
    """Validate config, catalogues and every raw input without building; raises on the first
    problem (a German :class:`ReportError` naming file, line and column)."""
    from . import districts, findings, indicators, measures, summary, targets
    from .survey.codebook import load_codebook
    from .survey.open_answers import load_codeframe

    log = log or (lambda _m: None)
    proj = Project.locate(project, config_path)
    if config_path is None:
        config_path = proj.config_file
    ed = resolve(config_path, data_dir=data_dir, ags=ags, year=year, project_root=proj.root)
    log("Konfiguration: in Ordnung. " + describe(ed))

    catalogue = indicators.catalogue_for(ed)
    targets.targets_for(ed)
    summary.load_config(ed.path("config/kennzahlen.yml"))
    findings.load_rules(ed.path("config/befunde.yml"))
    load_codebook(ed.path(ed.config.survey.codebook))
    load_codeframe(ed.path(ed.config.survey.codeframe))
    log(f"Kataloge: {len(catalogue.indicators)} Indikatoren, Ziele, Kennzahlen, Befunde, "
        "Codebuch und Codierschema in Ordnung.")

    from .ingest import genesis_files, read_tables

    files = genesis_files(ed.data_dir)  # the same files build reads (".CSV", ".zip" too)
    # every file read and the exports of each table merged, as build does
    tables = {code: t["frame"] for code, t in read_tables(ed.data_dir, mapping=ed.genesis_mapping).items()}
    log(f"GENESIS-Dateien: {len(files)} geprüft, in Ordnung.")
    status = indicators.availability(catalogue, tables)
    missing = status[~status["available"]] if "available" in status.columns else status.iloc[0:0]
    for rec in missing.to_dict("records"):
        log(f"Hinweis: {rec.get('message') or rec.get('indicator')}")
    survey_file = resolve_path(ed.config.survey.file, ed.data_dir)
    if survey_file.exists():
        from .sources.survey import read_survey_file

        read_survey_file(ed, survey_file)
        log(f"Befragung: {survey_file.name} geprüft, in Ordnung.")
    if districts.has_input(ed):
        districts.check(ed)
        log("Daten nach Stadtbezirken: geprüft, in Ordnung.")
    if measures.has_input(ed):
        measures.check(ed)
        log("Umsetzungsstand der Maßnahmen: geprüft, in Ordnung.")
    if ed.config.previous_indicators:
        from . import revisions

        revisions.read_previous(ed.path(ed.config.previous_indicators))
        log("Indikatoren der letzten Ausgabe: geprüft, in Ordnung.")
    preflight(ed, proj, log)
    # The data stage of build itself, into a temporary folder: whatever build would reject
    # before its expensive work (duplicate tables, a survey without respondents, …), check
    # rejects too.
    import tempfile

    with tempfile.TemporaryDirectory(prefix="integrationsbericht-check-") as tmp:
        staged = resolve(config_path, data_dir=data_dir, ags=ags, year=year,
                         processed_root=Path(tmp) / "processed", project_root=proj.root)
        stage = Path(tmp) / "stage"
        inputs = prepare_inputs(staged, stage, lambda _m: None)
        chapters = select_chapters(read_toc(proj), inputs, log, proj)
        stage_project(staged, stage, chapters, inputs, proj)
    log(f"Aufbereitung wie beim Build: in Ordnung ({len(chapters)} Kapitel).")
    from .project import status_lines

    for line in status_lines(proj):
        log(line)
    return ed


__all__ = ["build", "check", "is_current", "BuildResult", "read_toc", "ReportError"]
