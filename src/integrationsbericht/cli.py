"""Command line: ``integrationsbericht build | check | fetch | new-edition | init | anpassen | demo-data``.

A thin layer over the package. Every message is German; a user error never shows a
traceback (the full details of an unexpected error go to the log file).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import traceback
from pathlib import Path

from .errors import ConfigError, ReportError

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
PROJECT_HELP = ("Berichtsprojekt (Ordner mit config/edition.yml; Standard: dieser Ordner oder "
                "der nächste übergeordnete mit config/edition.yml)")


class _GermanParser(argparse.ArgumentParser):
    """argparse with German headings, help and error messages."""

    def __init__(self, *args, **kwargs):
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "Angaben"
        self._optionals.title = "Optionen"
        self.add_argument("-h", "--help", action="help", help="diese Hilfe anzeigen und beenden")

    def format_usage(self) -> str:
        return super().format_usage().replace("usage:", "Aufruf:")

    def format_help(self) -> str:
        return super().format_help().replace("usage:", "Aufruf:")

    def error(self, message: str):  # noqa: D401 - argparse API
        message = (
            message.replace("the following arguments are required", "diese Angaben fehlen")
            .replace("unrecognized arguments", "unbekannte Angaben")
            .replace("invalid choice", "ungültige Auswahl")
            .replace("choose from", "erlaubt:")
            .replace("expected one argument", "erwartet einen Wert")
            .replace("invalid int value", "keine ganze Zahl")
        )
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"Fehler: {message}\n")


def _parser() -> argparse.ArgumentParser:
    p = _GermanParser(
        prog="integrationsbericht",
        description="Integrationsbericht: amtliche Statistik und Befragung → Website und PDF.",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {_version()}",
                   help="Versionsnummer anzeigen und beenden")
    p._positionals.title = "Befehle"
    sub = p.add_subparsers(dest="command", metavar="BEFEHL", parser_class=_GermanParser)

    def common(sp):
        sp.add_argument("--config", type=Path, help="Ausgabe-Konfiguration (Standard: config/edition.yml)")
        sp.add_argument("--data", type=Path, help="Rohdatenordner wie data/raw/ (Standard: Demodaten)")
        sp.add_argument("--ags", help="Regionalschlüssel des Kreises / der kreisfreien Stadt, z. B. 05711")
        sp.add_argument("--year", type=int, help="Berichtsjahr, z. B. 2025")

    b = sub.add_parser("build", help="Bericht erzeugen (Website und PDF)")
    common(b)
    b.add_argument("--renderer", choices=["auto", "quarto", "pandoc"], default="auto",
                   help="auto: Quarto, wenn installiert, sonst pandoc")
    b.add_argument("--format", default="html,pdf", help="html, pdf oder html,pdf (Standard)")
    b.add_argument("--jobs", type=int, default=None, help="parallele Kapitel (Standard: Anzahl Kerne)")
    b.add_argument("--force", action="store_true", help="Zwischenspeicher nicht verwenden, alles neu")
    b.add_argument("--out", type=Path, default=None, help="Ausgabeordner (Standard: _book/)")
    b.add_argument("--project", type=Path, default=None,
                   help=PROJECT_HELP)

    b.add_argument("--ags-file", type=Path, default=None,
                   help="Datei mit einem Regionalschlüssel je Zeile: ein Bericht je Region")
    b.add_argument("--land", default=None, metavar="LL",
                   help="alle Kreise und kreisfreien Städte eines Landes aus den Daten, z. B. 05")
    b.add_argument("--workers", type=int, default=None, metavar="N",
                   help="mehrere Regionen: Zahl der Arbeitsprozesse des lokalen Dask-Clusters "
                        "(Standard: Anzahl Kerne)")
    b.add_argument("--scheduler", default=None, metavar="ADRESSE",
                   help="mehrere Regionen: vorhandener Dask-Cluster, z. B. tcp://rechner:8786 "
                        "(auch über INTEGRATIONSBERICHT_SCHEDULER)")

    n = sub.add_parser("new-edition", help="nächste Ausgabe aus der aktuellen anlegen")
    n.add_argument("year", type=int, help="Berichtsjahr der neuen Ausgabe, z. B. 2026")
    n.add_argument("--config", type=Path, help="Ausgabe-Konfiguration (Standard: config/edition.yml)")
    n.add_argument("--published", type=Path, default=None,
                   help="Ordner der zuletzt veröffentlichten Ausgabe (Standard: _book/)")
    n.add_argument("--project", type=Path, default=None, help=PROJECT_HELP)

    c = sub.add_parser("check", help="nur Konfiguration und Eingabedaten prüfen")
    common(c)
    c.add_argument("--project", type=Path, default=None,
                   help=PROJECT_HELP)

    f = sub.add_parser("fetch", help="GENESIS-Tabellen der Ausgabe vom Webservice der Statistikämter laden")
    common(f)
    f.add_argument("--project", type=Path, default=None,
                   help="Berichtsprojekt mit _quarto.yml, notebooks/, config/ (Standard: dieses Repository)")
    f.add_argument("--poll-interval", type=float, default=None, metavar="SEK",
                   help="Sekunden zwischen zwei Abfragen eines Hintergrundauftrags (Standard: 5)")
    f.add_argument("--max-wait", type=float, default=None, metavar="SEK",
                   help="höchstens so lange auf einen Hintergrundauftrag warten (Standard: 1800)")

    i = sub.add_parser("init", help="neues Berichtsprojekt anlegen (eigener Ordner der Verwaltung)")
    i.add_argument("ordner", type=Path, help="Ordner des neuen Projekts (neu oder leer)")
    i.add_argument("--ags", default=None,
                   help="Regionalschlüssel des Kreises / der kreisfreien Stadt (ohne Angabe: Demoprojekt mit Demodaten)")
    i.add_argument("--year", type=int, default=None, help="Berichtsjahr (Standard: laufendes Jahr, Demoprojekt: 2025)")
    i.add_argument("--name", default=None, help="Name im Bericht (Standard: aus den GENESIS-Dateien)")
    i.add_argument("--data", type=Path, default=None,
                   help="vorhandener Rohdatenordner (Standard: data/raw/ im Projekt)")
    i.add_argument("--kontakt", default=None,
                   help="E-Mail- oder https-Adresse des Herausgebers für Impressum und Erklärung zur Barrierefreiheit")

    a = sub.add_parser("anpassen", help="mitgelieferte Datei zum Ändern ins Projekt kopieren")
    a.add_argument("datei", help="z. B. notebooks/bevoelkerung.ipynb, config/indikatoren.yml, report/impressum.qmd")
    a.add_argument("--abgleichen", action="store_true",
                   help="Änderungen des neuen Originals sind übernommen: seine Prüfsumme vermerken")
    a.add_argument("--project", type=Path, default=None, help=PROJECT_HELP)

    d = sub.add_parser("demo-data", help="Demodaten neu erzeugen (deterministisch)")
    d.add_argument("--out", type=Path, default=None, help="Zielordner (Standard: data/raw/)")
    d.add_argument("--seed", type=int, default=2025, help="Startwert des Zufallsgenerators")
    d.add_argument("--project", type=Path, default=None, help=PROJECT_HELP)
    return p


def _version() -> str:
    from . import __version__

    return __version__


def _console():
    from rich.console import Console

    from .escaping import terminal

    class SafeConsole(Console):
        """Messages quote input files: no markup, no emoji codes, no raw control bytes."""

        def print(self, *objects, **kwargs):
            kwargs.setdefault("markup", False)
            kwargs.setdefault("highlight", False)
            kwargs.setdefault("emoji", False)
            return super().print(*(terminal(o) if isinstance(o, str) else o for o in objects), **kwargs)

    return SafeConsole(stderr=False, highlight=False, soft_wrap=True, emoji=False)


def _project(args):
    """The report project the command works on: ``--project``, the project of ``--config``,
    else the working directory or its nearest parent holding ``config/edition.yml``."""
    from .project import Project

    return Project.locate(getattr(args, "project", None), getattr(args, "config", None))


def _log_file(out: Path | None, project: Path) -> Path:
    out = (out or project / "_book").resolve()
    return out.parent / f"{out.name}.log"


def _regions(args, console):
    """The regions of a multi-region build, or ``None`` for a single build."""
    from .batch.regions import describe_regions, land_regions, read_ags_file, split_codes

    if args.ags is not None and not args.ags.strip():
        raise ConfigError("--ags ist leer angegeben (etwa eine leere Variable). Bitte einen "
                          "Regionalschlüssel angeben oder --ags weglassen.")
    codes: list[str] = split_codes(args.ags) if args.ags else []
    if args.ags_file:
        codes += read_ags_file(args.ags_file)
    config = args.config or _project(args).config_file
    if args.land:
        found = land_regions(args.land, config_path=config, data_dir=args.data, year=args.year,
                             project_root=args.project, log=console.print)
        return list({r.ags: r for r in found + describe_regions(
            [c for c in codes if c not in {r.ags for r in found}], config_path=config,
            data_dir=args.data, project_root=args.project)}.values())
    codes = list(dict.fromkeys(codes))
    if len(codes) <= 1 and not args.ags_file:
        args.ags = codes[0] if codes else None
        return None
    return describe_regions(codes, config_path=config, data_dir=args.data, project_root=args.project)


def cmd_build(args, console) -> int:
    args.project = _project(args).root
    regions = _regions(args, console)
    if regions is None:
        return _build_one(args, args.ags, args.out, console)
    return _build_many(args, regions, console)


def _build_many(args, regions, console) -> int:
    from .batch import run_batch

    base = (args.out or args.project / "_book").resolve()
    console.print(f"{len(regions)} Berichte, je Region ein Ordner unter {base}")
    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    options = {"config": str(args.config) if args.config else None,
               "data": str(Path(args.data).resolve()) if args.data else None,
               "year": args.year, "renderer": args.renderer, "formats": formats,
               "force": args.force, "project": str(args.project)}
    protected = [args.project] + ([Path(args.config)] if args.config else []) + ([Path(args.data)] if args.data else [])
    try:
        result = run_batch(regions, out=base, options=options, protected=protected, workers=args.workers,
                           scheduler=args.scheduler, land=args.land, log=console.print)
    except KeyboardInterrupt:
        console.print("Abgebrochen. Fertige Regionen sind veröffentlicht, alle anderen unverändert; "
                      f"Stand in {base / 'batch.json'}.")
        return EXIT_INTERRUPTED
    ok = len(result.rows) - len(result.failed)
    console.print(f"{ok} von {len(result.rows)} Berichten liegen vor ({_duration(result.seconds)}).")
    console.print(f"Übersicht: {result.overview}")
    console.print(f"Zusammenfassung: {result.out / 'batch.json'}, {result.out / 'batch.csv'}")
    if result.failed:
        console.print(f"Fehlgeschlagen: {', '.join(result.failed)} (Fehler in batch.csv und in den Protokollen <AGS>.log).")
        return EXIT_ERROR
    return EXIT_OK


def _duration(seconds: float) -> str:
    from .fmt import number

    if seconds < 120:
        return f"{number(seconds, 1)} s"
    return f"{number(seconds / 60, 1)} min"


def _build_one(args, ags: str | None, out: Path | None, console) -> int:
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    import io

    from .escaping import terminal
    from .pipeline import build

    log_path = _log_file(out, args.project)
    try:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        logf = open(log_path, "a", encoding="utf-8")
    except OSError:  # read-only or missing place: the build itself reports the cause
        logf = io.StringIO()
    logf.write(f"\n=== Build {dt.datetime.now().isoformat(timespec='seconds')} ===\n")

    def log(msg: str) -> None:
        console.print(msg)
        try:
            logf.write(terminal(msg) + "\n")
            logf.flush()
        except OSError:  # e.g. the disk filled up: the terminal still gets the message
            pass

    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    progress = Progress(
        SpinnerColumn(),
        TextColumn("Kapitel [bold]{task.description}"),
        BarColumn(bar_width=20),
        TimeElapsedColumn(),
        console=console,
        transient=False,
        disable=not console.is_terminal,
    )
    try:
        with progress:
            result = build(
                args.config,
                data_dir=args.data,
                ags=ags,
                year=args.year,
                renderer=args.renderer,
                formats=formats,
                jobs=args.jobs,
                force=args.force,
                out=out,
                log=log,
                progress=progress,
                project=args.project,
            )
    except ReportError as err:
        log(f"Fehler: {err}")
        log("Der Build wurde abgebrochen; die bisher veröffentlichte Ausgabe ist unverändert.")
        return EXIT_ERROR
    except KeyboardInterrupt:
        log("Abgebrochen. Die bisher veröffentlichte Ausgabe ist unverändert.")
        return EXIT_INTERRUPTED
    except Exception:  # unexpected: details to the log, a clear line to the user
        logf.write(traceback.format_exc())
        log(
            "Unerwarteter Fehler im Programm (kein Eingabefehler). Die bisher veröffentlichte "
            f"Ausgabe ist unverändert. Details stehen im Protokoll: {log_path}"
        )
        return EXIT_ERROR
    finally:
        logf.close()
    ed = result.edition
    pdf = result.out / ed.pdf_name
    console.print(
        f"Fertig in {result.seconds:.1f} s: {len(result.chapters)} Kapitel, "
        f"{len(result.executed)} neu ausgeführt."
    )
    console.print(f"Website: {result.out / 'index.html'}")
    if pdf.exists():
        console.print(f"PDF:     {pdf}")
    console.print(f"Protokoll: {log_path}")
    return EXIT_OK


def cmd_new_edition(args, console) -> int:
    from .editions import new_edition

    project = _project(args)
    config_path = (args.config or project.config_file).resolve()
    root = project.root
    path, messages, items = new_edition(
        args.year, config_path=config_path, project_root=root, published=args.published
    )
    for m in messages:
        console.print(m)
    console.print(
        f"\nEingabedateien für die Ausgabe {args.year} "
        "([x] vorhanden, [~] veraltet, [ ] fehlt, [-] nur für frühere Jahre):",
        markup=False,
    )
    for item in items:
        console.print(item.line(), markup=False)
    missing = sum(1 for i in items if i.status in ("fehlt", "veraltet"))
    console.print(
        f"\n{missing} von {len(items)} Eingaben fehlen noch oder sind veraltet. Danach: "
        "'integrationsbericht check', dann 'integrationsbericht build'."
    )
    return EXIT_OK


def cmd_check(args, console) -> int:
    from .pipeline import check

    try:
        check(args.config, data_dir=args.data, ags=args.ags, year=args.year, log=console.print,
              project=args.project)
    except ReportError as err:
        console.print(f"Fehler: {err}")
        return EXIT_ERROR
    console.print("Alle Prüfungen bestanden.")
    return EXIT_OK


def cmd_fetch(args, console) -> int:
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from .fetch import fetch

    progress = Progress(
        SpinnerColumn(),
        TextColumn("Hintergrundauftrag {task.description}"),
        BarColumn(bar_width=20),
        TextColumn("{task.fields[polls]} Abfragen"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    tasks: dict[str, int] = {}

    def on_poll(code, job, elapsed, polls, done):
        if code not in tasks:
            tasks[code] = progress.add_task(job, total=None, polls=0)
        progress.update(tasks[code], completed=elapsed, polls=polls)
        if done:
            progress.remove_task(tasks.pop(code))

    def log(msg: str) -> None:
        progress.console.print(msg, markup=False, highlight=False)

    try:
        with progress:
            result = fetch(args.config, project=args.project, data_dir=args.data, ags=args.ags,
                           year=args.year, poll_interval=args.poll_interval, max_wait=args.max_wait,
                           log=log, on_poll=on_poll)
    except ReportError as err:
        console.print(f"Fehler: {err}", markup=False, highlight=False)
        return EXIT_ERROR
    except KeyboardInterrupt:
        console.print("Abgebrochen. Bereits geladene Tabellen bleiben erhalten; ein neuer Aufruf "
                      "von „integrationsbericht fetch“ lädt den Rest.")
        return EXIT_INTERRUPTED
    data = result.data_dir
    console.print(
        f"Nächste Schritte: integrationsbericht check --data {data}\n"
        f"                  integrationsbericht build --data {data}",
        markup=False, highlight=False,
    )
    return EXIT_OK


def cmd_demo_data(args, console) -> int:
    from .demo import generate

    out = (args.out or _project(args).root / "data" / "raw").resolve()
    files = generate(out, seed=args.seed)
    console.print(f"{len(files)} Demodateien geschrieben nach {out}.")
    return EXIT_OK


def cmd_init(args, console) -> int:
    from .scaffold import init_project

    _root, messages = init_project(args.ordner, ags=args.ags, year=args.year, name=args.name, data=args.data,
                                  contact=args.kontakt)
    for m in messages:
        console.print(m, markup=False)
    return EXIT_OK


def cmd_adapt(args, console) -> int:
    from .project import adapt

    _path, message = adapt(_project(args), args.datei, accept=args.abgleichen)
    console.print(message, markup=False)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_USAGE
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    console = _console()
    handler = {
        "build": cmd_build,
        "check": cmd_check,
        "demo-data": cmd_demo_data,
        "fetch": cmd_fetch,
        "new-edition": cmd_new_edition,
        "init": cmd_init,
        "anpassen": cmd_adapt,
    }[args.command]
    try:
        rc = handler(args, console)
        if rc == EXIT_INTERRUPTED and args.command == "build":
            # Ctrl-C: the chapter kernels are killed; do not wait at exit for worker threads
            # that still unwind from them
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(rc)
        return rc
    except ReportError as err:
        console.print(f"Fehler: {err}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        console.print("Abgebrochen.")
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug, not an input error: details to a file, not the screen
        import tempfile

        fd, path = tempfile.mkstemp(prefix="integrationsbericht-fehler-", suffix=".log")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(traceback.format_exc())
        console.print(
            f"Unerwarteter Fehler im Programm ({type(exc).__name__}: {exc}). "
            f"Details stehen in {path}; bitte mit dieser Datei melden."
        )
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
