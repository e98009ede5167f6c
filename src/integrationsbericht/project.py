"""The report project: the folder a city owns, on top of the defaults shipped in the package.

The package ships every chapter, template and catalogue in ``defaults/`` (package data). A
project folder holds ``config/edition.yml`` and whatever the city changed: a file in the
project with the same relative path overrides the packaged one (``Project.resolve``). Files
the city did not touch come from the installed package, so an upgrade of the tool reaches them
without a merge.

The table of contents is the exception: the project's ``_quarto.yml`` holds only the city's
additions, removals and order changes and is merged with the packaged one (``merge_quarto``).

Nothing is ever written below the package folder: processed data, the build folder and caches
belong to the project.
"""

from __future__ import annotations

import copy
import fnmatch
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import ConfigError

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULTS = PACKAGE_DIR / "defaults"
# A folder is a report project if it holds this file (as git finds its repository by .git).
MARKER = Path("config") / "edition.yml"
QUARTO = "_quarto.yml"
# Subfolders whose files the build copies as a whole into the staging project.
TREES = ("templates",)


def find_root(start: str | Path | None = None) -> Path | None:
    """The nearest folder at or above ``start`` (default: the working directory) that holds
    ``config/edition.yml``; ``None`` if there is none."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / MARKER).is_file() and not folder.is_relative_to(PACKAGE_DIR):
            return folder
    return None


def not_found_message(start: Path | None = None) -> str:
    where = Path(start or Path.cwd()).resolve()
    return (
        f"Kein Berichtsprojekt gefunden: weder {where} noch ein übergeordneter Ordner enthält "
        "config/edition.yml. Ein neues Projekt legt 'integrationsbericht init ORDNER' an; "
        "ein vorhandenes wählt --project ORDNER."
    )


@dataclass(frozen=True)
class Project:
    """A report project folder (``root``) over the packaged defaults."""

    root: Path

    # -- finding the project ---------------------------------------------------------------
    @classmethod
    def locate(cls, project: str | Path | None = None, config: str | Path | None = None) -> "Project":
        """``--project`` if given; else the project holding ``--config``; else the working
        directory or its nearest parent with ``config/edition.yml``."""
        if project is not None:
            root = Path(project).resolve()
            if not root.is_dir():
                raise ConfigError("Der Projektordner existiert nicht.", file=root)
            if root.is_relative_to(PACKAGE_DIR):
                raise ConfigError(
                    "Der Projektordner liegt im installierten Paket; Berichtsprojekte gehören in "
                    "einen eigenen Ordner ('integrationsbericht init ORDNER').",
                    file=root,
                )
            return cls(root)
        if config is not None:
            cfg = Path(config).resolve()
            root = find_root(cfg.parent)
            if root is None and cfg.parent.name == "config":
                root = cfg.parent.parent
            if root is not None and not root.is_relative_to(PACKAGE_DIR):
                return cls(root)
        root = find_root()
        if root is None:
            raise ConfigError(not_found_message())
        return cls(root)

    # -- resolving files ---------------------------------------------------------------------
    def own(self, rel: str | Path) -> Path:
        """The project's own copy of ``rel`` (may not exist)."""
        return self.root / rel

    @staticmethod
    def packaged(rel: str | Path) -> Path:
        """The packaged default of ``rel`` (may not exist)."""
        return DEFAULTS / rel

    def resolve(self, rel: str | Path) -> Path:
        """``rel`` from the project if it has it, else the packaged default, else the
        project path (for the error message of whoever reads it)."""
        p = Path(rel)
        if p.is_absolute():
            return p
        own = self.root / p
        if own.exists():
            return own
        packaged = DEFAULTS / p
        if packaged.exists():
            return packaged
        return own

    def files(self, sub: str) -> dict[str, Path]:
        """Every file below ``sub`` (relative POSIX path → effective file), project over package."""
        found: dict[str, Path] = {}
        for base in (DEFAULTS / sub, self.root / sub):
            if not base.is_dir():
                continue
            for f in sorted(base.rglob("*")):
                rel = f.relative_to(base)
                if f.is_file() and not any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
                    found[rel.as_posix()] = f
        return dict(sorted(found.items()))

    def copy_tree(self, sub: str, dst: Path) -> None:
        """Write the effective ``sub`` folder (packaged files, overridden by the project's)."""
        if dst.exists():
            shutil.rmtree(dst)
        for rel, src in self.files(sub).items():
            target = dst / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)

    # -- well-known files --------------------------------------------------------------------
    @property
    def config_file(self) -> Path:
        return self.root / MARKER

    @property
    def config_dir(self) -> Path:
        return self.root / "config"

    @property
    def chapters_file(self) -> Path:
        return self.resolve("config/kapitel.yml")

    def chapter_source(self, toc_path: str) -> Path:
        """Source of a table-of-contents entry: a notebook ``report/x.ipynb`` (or
        ``index.ipynb``) comes from ``notebooks/x.ipynb``; any other page from its own path."""
        p = Path(toc_path)
        if p.suffix == ".ipynb":
            return self.resolve(Path("notebooks") / p.name)
        return self.resolve(p)

    def quarto(self) -> dict:
        """The effective ``_quarto.yml``: the packaged one merged with the project's."""
        packaged = _read_quarto(DEFAULTS / QUARTO)
        own_file = self.root / QUARTO
        if not own_file.is_file():
            return packaged
        return merge_quarto(packaged, _read_quarto(own_file), own_file)

    def quarto_sources(self) -> list[Path]:
        """Files the effective ``_quarto.yml`` depends on."""
        return [p for p in (DEFAULTS / QUARTO, self.root / QUARTO) if p.is_file()]


def _read_quarto(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("Die Datei _quarto.yml (Inhaltsverzeichnis) fehlt.", file=path) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise ConfigError(
            f"Die Datei _quarto.yml ist kein gültiges YAML: {getattr(err, 'problem', None) or err}",
            file=path,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError("Die Datei _quarto.yml enthält keine Zuordnung von Schlüsseln.", file=path)
    return data


PARTS = ("chapters", "appendices")


def _names(items) -> list[str]:
    out: list[str] = []
    for item in items or []:
        if isinstance(item, dict):
            out.extend(str(s) for s in item.get("chapters") or [])
        else:
            out.append(str(item))
    return out


def merge_quarto(packaged: dict, own: dict, own_file: Path | None = None) -> dict:
    """Merge the project's ``_quarto.yml`` into the packaged one.

    - ``book.chapters`` / ``book.appendices`` of the project give its order and its own
      chapters; packaged entries it does not list keep their place after their packaged
      predecessor, so a chapter added by an upgrade of the tool reaches the report;
    - ``book.remove``: packaged entries to leave out (shell patterns such as
      ``report/*`` allowed); entries the project lists itself are never removed;
    - every other key: mappings are merged, any other value replaces the packaged one.
    """
    merged = _deep_merge(packaged, {k: v for k, v in own.items() if k != "book"})
    own_book = own.get("book") or {}
    if not isinstance(own_book, dict):
        raise ConfigError("book in _quarto.yml muss eine Zuordnung sein.", file=own_file)
    book = _deep_merge(packaged.get("book") or {}, {k: v for k, v in own_book.items()
                                                    if k not in (*PARTS, "remove")})
    remove = own_book.get("remove") or []
    if isinstance(remove, str):
        remove = [remove]
    listed = {p: _names(own_book.get(p)) for p in PARTS}
    all_listed = set(listed["chapters"]) | set(listed["appendices"])

    def removed(name: str) -> bool:
        return name not in all_listed and any(fnmatch.fnmatchcase(name, str(pat)) for pat in remove)

    for part in PARTS:
        result = list(own_book.get(part) or []) if part in own_book else []
        pos = 0  # where the next packaged entry goes: after its packaged predecessor
        for name in _names(packaged.get("book", {}).get(part)):
            if name in all_listed:
                for i, item in enumerate(result):
                    if name in _names([item]):
                        pos = i + 1
                        break
                continue
            if removed(name):
                continue
            result.insert(pos, name)
            pos += 1
        if result:
            book[part] = result
        else:
            book.pop(part, None)
    merged["book"] = book
    return merged


def _deep_merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def toc_entries(quarto: dict) -> list[tuple[str, str]]:
    """(path, part) of every chapter in a ``_quarto.yml`` mapping, in order."""
    book = quarto.get("book") or {}
    return [(name, part) for part in PARTS for name in _names(book.get(part))]


__all__ = ["Project", "DEFAULTS", "PACKAGE_DIR", "find_root", "merge_quarto", "toc_entries"]


# -- the city's overrides ------------------------------------------------------------------
# ``anpassen`` records here, per overridden file, the sha256 of the packaged original it was
# copied from; ``init`` records the packaged table of contents, so ``check`` can say which
# chapters a later version of the tool added.
RECORD = "anpassungen.yml"
ADAPTABLE = ("config", "notebooks", "templates", "report")


def sha256_of(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def packaged_toc() -> list[str]:
    return [name for name, _part in toc_entries(_read_quarto(DEFAULTS / QUARTO))]


def _packaged_name(rel: str) -> str | None:
    """The packaged file meant by ``rel``: a path below ``defaults/``, a table-of-contents
    entry (``report/x.ipynb``) or a chapter name (``x``)."""
    rel = rel.replace("\\", "/").strip("/")
    candidates = [rel]
    p = Path(rel)
    if p.suffix == ".ipynb":
        candidates.append(f"notebooks/{p.name}")
    if not p.suffix:
        candidates += [f"notebooks/{p.name}.ipynb", f"report/{p.name}.qmd"]
    for c in candidates:
        if (DEFAULTS / c).is_file():
            return c
    return None


@dataclass(frozen=True)
class Override:
    rel: str  # e.g. "notebooks/bevoelkerung.ipynb"
    recorded: str | None  # sha256 of the packaged original when it was copied (None: unknown)
    current: str  # sha256 of today's packaged original

    @property
    def original_changed(self) -> bool:
        return self.recorded is not None and self.recorded != self.current


class Record:
    """``anpassungen.yml`` of a project."""

    def __init__(self, project: Project):
        self.path = project.root / RECORD
        data = {}
        if self.path.is_file():
            try:
                data = yaml.safe_load(self.path.read_text(encoding="utf-8")) or {}
            except yaml.YAMLError as err:
                mark = getattr(err, "problem_mark", None)
                raise ConfigError(f"{RECORD} ist kein gültiges YAML.", file=self.path,
                                  line=mark.line + 1 if mark else None) from None
            if not isinstance(data, dict):
                raise ConfigError(f"{RECORD} enthält keine Zuordnung von Schlüsseln.", file=self.path)
        self.files: dict = dict(data.get("dateien") or {})
        self.toc: list[str] | None = data.get("inhaltsverzeichnis")
        self.version: str | None = data.get("werkzeug")

    def save(self) -> None:
        from . import __version__

        data = {
            "werkzeug": self.version or __version__,
            "inhaltsverzeichnis": self.toc if self.toc is not None else packaged_toc(),
            "dateien": dict(sorted(self.files.items())),
        }
        head = (
            "# Von 'integrationsbericht init' und 'integrationsbericht anpassen' geführt: je Datei,\n"
            "# die dieses Projekt anstelle der mitgelieferten verwendet, die Prüfsumme (sha256) des\n"
            "# mitgelieferten Originals zum Zeitpunkt der Kopie. 'integrationsbericht check' warnt,\n"
            "# wenn sich das Original seitdem geändert hat. Bitte nicht von Hand ändern.\n"
        )
        self.path.write_text(head + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def overrides(project: Project) -> list[Override]:
    """Files of the project that replace a packaged file (same relative path)."""
    record = Record(project)
    found = []
    for sub in ADAPTABLE:
        base = project.root / sub
        if not base.is_dir():
            continue
        for f in sorted(base.rglob("*")):
            if not f.is_file():
                continue
            rel = f.relative_to(project.root).as_posix()
            packaged = DEFAULTS / rel
            if packaged.is_file():
                entry = record.files.get(rel) or {}
                found.append(Override(rel, entry.get("sha256") if isinstance(entry, dict) else None,
                                      sha256_of(packaged)))
    return found


def adapt(project: Project, rel: str, *, accept: bool = False) -> tuple[Path, str]:
    """Copy a packaged file into the project for editing and record its sha256
    (``integrationsbericht anpassen``). ``accept``: the city has taken over the changes of a
    newer packaged original; record its checksum again. Returns (file, German message)."""
    name = _packaged_name(rel)
    if name is None:
        raise ConfigError(
            f"'{rel}' ist keine mitgelieferte Datei. Anpassbar sind Dateien unter "
            + ", ".join(f"{s}/" for s in ADAPTABLE)
            + " (z. B. notebooks/bevoelkerung.ipynb, config/indikatoren.yml, report/impressum.qmd) "
            "oder ein Kapitelname wie 'bevoelkerung'."
        )
    if name == QUARTO:
        raise ConfigError(
            "_quarto.yml wird nicht kopiert: die _quarto.yml des Projekts enthält nur Änderungen "
            "am mitgelieferten Inhaltsverzeichnis (book.chapters, book.appendices für Reihenfolge "
            "und eigene Seiten, book.remove für Kapitel, die entfallen). Siehe README.",
            file=project.root / QUARTO,
        )
    source = DEFAULTS / name
    target = project.root / name
    record = Record(project)
    digest = sha256_of(source)
    if accept:
        if not target.is_file():
            raise ConfigError("Diese Datei ist im Projekt nicht angepasst.", file=target)
        record.files[name] = {"sha256": digest}
        record.save()
        return target, (f"{name}: die Prüfsumme des aktuellen mitgelieferten Originals ist vermerkt; "
                        "'check' warnt erst wieder, wenn es sich erneut ändert.")
    if target.exists():
        raise ConfigError(
            "Die Datei gibt es im Projekt schon; sie wird nicht überschrieben. Nach dem Übernehmen "
            "von Änderungen des Originals: 'integrationsbericht anpassen --abgleichen " + name + "'.",
            file=target,
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    record.files[name] = {"sha256": digest}
    record.save()
    return target, (f"{name} ins Projekt kopiert: {target}. Diese Fassung gilt jetzt statt der "
                    "mitgelieferten; die Prüfsumme des Originals steht in " + RECORD + ".")


def status_lines(project: Project) -> list[str]:
    """German lines for ``check``: overridden files, changed originals, new packaged chapters."""
    lines: list[str] = []
    found = overrides(project)
    if found:
        lines.append(f"Angepasste Dateien ({len(found)}; sie gelten statt der mitgelieferten):")
        for o in found:
            note = ""
            if o.original_changed:
                note = (" – WARNUNG: das mitgelieferte Original hat sich seit der Anpassung geändert; "
                        "Änderungen prüfen und übernehmen, dann 'integrationsbericht anpassen "
                        f"--abgleichen {o.rel}'")
            elif o.recorded is None:
                note = " (ohne Prüfsumme: nicht mit 'integrationsbericht anpassen' angelegt)"
            lines.append(f"  {o.rel}{note}")
    else:
        lines.append("Angepasste Dateien: keine; alle Kapitel, Vorlagen und Kataloge kommen aus dem Paket.")
    record = Record(project)
    if record.toc is not None:
        effective = {name for name, _ in toc_entries(project.quarto())}
        for name in packaged_toc():
            if name not in record.toc:
                shown = "erscheint im Bericht" if name in effective else "in _quarto.yml entfernt"
                lines.append(f"Neues Kapitel in dieser Version des Werkzeugs: {name} ({shown}).")
    return lines
