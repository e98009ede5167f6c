"""Quarto renderer: ``quarto render`` on the staging book project (HTML book site + Typst PDF)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import yaml

from ..errors import BuildError
from .book import EDITION_KEY, Book
from .pandoc import DOWNLOAD_LABELS, edition_colors, logo_path, source_date_epoch, write_favicons

QUARTO_FORMATS = {"html": "html", "pdf": "typst"}

# Quarto versions this project is written against. 1.9.18 made the orange-book Typst book
# format the default for books (quarto-cli src/command/render/render-contexts.ts); from 1.9.20
# its template partials and book filter are the ones the templates here are checked against
# (tests/test_quarto_contract.py), up to the 1.10 series.
QUARTO_MIN_VERSION = (1, 9, 20)
QUARTO_SUPPORTED_UP_TO = "1.10"


def _version_text(version: tuple[int, ...]) -> str:
    return ".".join(str(v) for v in version)


def parse_quarto_version(text: str) -> tuple[int, int, int] | None:
    """``quarto --version`` output ("1.9.38", "1.10.18\n", "99.9.9" for dev builds) → tuple."""
    m = re.search(r"(\d+)\.(\d+)\.(\d+)", text or "")
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def check_quarto_version(quarto: str) -> tuple[int, int, int]:
    """The installed Quarto's version; older than 1.9.20 is a German ``BuildError``."""
    try:
        proc = subprocess.run([quarto, "--version"], capture_output=True, check=False, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise BuildError(f"Quarto konnte nicht gestartet werden ({quarto} --version): {err}") from None
    found = proc.stdout.decode("utf-8", "replace").strip()
    version = parse_quarto_version(found)
    if proc.returncode != 0 or version is None:
        raise BuildError(
            f"Die Version von Quarto ließ sich nicht feststellen ({quarto} --version meldet "
            f"„{found or proc.stderr.decode('utf-8', 'replace').strip()}“)."
        )
    if version < QUARTO_MIN_VERSION:
        raise BuildError(
            f"Quarto {_version_text(version)} ist zu alt: benötigt wird Quarto "
            f"{_version_text(QUARTO_MIN_VERSION)} oder neuer (unterstützt: {_version_text(QUARTO_MIN_VERSION)} bis {QUARTO_SUPPORTED_UP_TO}.x).",
            hint="Quarto aktualisieren (siehe docs/render.md) oder --renderer pandoc verwenden.",
        )
    return version


def quarto_command(quarto: str, stage: Path, out: Path, formats: set[str]) -> list[str]:
    """The ``quarto render`` command line for a staging project.

    One call renders all requested formats of the book (``--to html`` / ``--to typst`` only
    when a single format is wanted), so Quarto never cleans away the other format's output.
    """
    cmd = [quarto, "render", str(stage), "--output-dir", str(out)]
    wanted = sorted(QUARTO_FORMATS[f] for f in formats)
    if len(wanted) == 1:
        cmd += ["--to", wanted[0]]
    return cmd


EDITION_CSS = "_ib-edition.css"


def _rgb(hex_color: str) -> str:
    return ", ".join(str(int(hex_color[i:i + 2], 16)) for i in (1, 3, 5))


def edition_css(meta: dict) -> str:
    """CSS custom properties with the edition's colours and font for the Quarto site.

    ``templates/quarto.scss`` uses ``var(--ib-primary, …)`` etc., so a city's colours from
    ``_edition.yml`` reach the Quarto website without changing the theme file.
    """
    c = edition_colors(meta)  # validated #rrggbb, contrast checked
    font = str(meta.get("font") or "").replace('"', "").replace(";", "").strip()
    family = (f'"{font}", ' if font else "") + '"Liberation Sans", Arial, "Helvetica Neue", sans-serif'
    return (
        "/* Generated from _edition.yml by the Quarto renderer: the edition's colours. */\n"
        ":root {\n"
        f"  --ib-primary: {c['primary_color']};\n"
        f"  --ib-accent: {c['accent_color']};\n"
        f"  --ib-text: {c['text_color']};\n"
        f"  --ib-font: {family};\n"
        f"  --bs-primary: {c['primary_color']};\n"
        f"  --bs-primary-rgb: {_rgb(c['primary_color'])};\n"
        f"  --bs-link-color: {c['primary_color']};\n"
        f"  --bs-link-color-rgb: {_rgb(c['primary_color'])};\n"
        f"  --bs-link-hover-color: {c['primary_color']};\n"
        f"  --bs-link-hover-color-rgb: {_rgb(c['primary_color'])};\n"
        f"  --bs-body-color: {c['text_color']};\n"
        f"  --bs-body-color-rgb: {_rgb(c['text_color'])};\n"
        f"  --bs-body-font-family: var(--ib-font);\n"
        "}\n"
    )


def prepare_stage(project: Book) -> None:
    """Put the edition's branding into the staged Quarto project before ``quarto render``.

    * ``_ib-edition.css`` (colours and font from ``_edition.yml``) is added to the HTML format,
    * the edition's logo becomes the book's sidebar logo (Quarto sizes it by its aspect ratio),
    * the website gets a German footer line (publisher, Stand, Demodaten).
    Only files in the staging folder change; the repository's ``_quarto.yml`` stays as it is.
    """
    from ..escaping import md

    stage, meta = project.stage, project.meta
    (stage / EDITION_CSS).write_text(edition_css(meta), encoding="utf-8")
    config = yaml.safe_load((stage / "_quarto.yml").read_text(encoding="utf-8")) or {}
    html = config.setdefault("format", {}).setdefault("html", {})
    css = html.get("css") or []
    css = [css] if isinstance(css, str) else list(css)
    if EDITION_CSS not in css:
        css.append(EDITION_CSS)
    html["css"] = css
    book = config.setdefault("book", {})
    # Quarto names the book's PDF after book.output-file (else after the title)
    book.setdefault("output-file", Path(project.pdf_name).stem)
    logo = logo_path(project)
    try:
        logo_rel = logo.resolve().relative_to(stage.resolve()).as_posix()
    except ValueError:
        target = stage / "assets" / ("ib-logo" + logo.suffix.lower())
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(logo, target)
        logo_rel = target.relative_to(stage).as_posix()
    if meta.get("logo") != logo_rel:
        # the PDF's title page (typst-show.typ reads edition.logo) gets the same logo
        meta["logo"] = logo_rel
        (stage / "_edition.yml").write_text(
            yaml.safe_dump({**project.raw_meta, EDITION_KEY: meta}, allow_unicode=True, sort_keys=True),
            encoding="utf-8")
    write_favicons(meta, stage / "assets")
    book.setdefault("favicon", "assets/favicon.svg")
    sidebar = book.setdefault("sidebar", {}) if isinstance(book.get("sidebar", {}), dict) else {}
    sidebar.setdefault("logo", logo_rel)
    sidebar.setdefault("logo-alt", f"Logo {meta['city']}")
    book["sidebar"] = sidebar
    footer = " · ".join(str(x) for x in (
        meta.get("publisher") and f"Herausgeber: {md(meta['publisher'])}",  # Markdown in Quarto
        meta.get("stand") and f"Stand der Daten: {meta['stand']}",
        "Demodaten" if meta.get("demo") else None,
    ) if x)
    footer_conf = book.get("page-footer") or {}
    if not isinstance(footer_conf, dict):  # a project's own footer text stays on the left
        footer_conf = {"left": str(footer_conf)}
    book["page-footer"] = footer_conf
    if footer:
        footer_conf.setdefault("left", footer)
    # the same downloads as the pandoc renderer's sidebar: the PDF and downloads/*
    links = [{"text": "Bericht als PDF", "href": project.pdf_name}]
    dl_dir = stage / "downloads"
    if dl_dir.is_dir():
        links += [{"text": DOWNLOAD_LABELS.get(f.name, f.name), "href": f"downloads/{f.name}"}
                  for f in sorted(dl_dir.iterdir()) if f.is_file()]
    footer_conf.setdefault("right", links)
    (stage / "_quarto.yml").write_text(
        yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _tail(text: str, lines: int = 20) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def collect_pdf(out: Path, pdf_name: str) -> Path:
    """Leave exactly one PDF, named ``pdf_name``, at the top of ``out``."""
    pdfs = sorted(p for p in out.rglob("*.pdf") if "downloads" not in p.relative_to(out).parts)
    if not pdfs:
        raise BuildError("Quarto hat kein PDF erzeugt (Format typst).")
    if len(pdfs) > 1:
        names = ", ".join(str(p.relative_to(out)) for p in pdfs)
        raise BuildError(f"Quarto hat mehrere PDF-Dateien erzeugt ({names}); erwartet wird genau eine.")
    target = out / pdf_name
    if pdfs[0] != target:
        shutil.move(pdfs[0], target)
    return target


def render_quarto(project: Book, out: Path, formats: set[str], log=None) -> None:
    quarto = shutil.which("quarto")
    if quarto is None:
        raise BuildError(
            "Quarto ist nicht installiert.",
            hint="Quarto von https://quarto.org/docs/download/ installieren oder --renderer pandoc verwenden.",
        )
    check_quarto_version(quarto)
    prepare_stage(project)
    cmd = quarto_command(quarto, project.stage, out, formats)
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(source_date_epoch(project.meta))}
    if log:
        log("Quarto rendert den Bericht …")
    try:
        proc = subprocess.run(cmd, cwd=project.stage, capture_output=True, env=env, check=False)
    except OSError as err:
        raise BuildError(f"Quarto konnte nicht gestartet werden: {err}") from None
    if proc.returncode != 0:
        raise BuildError(
            "Quarto ist fehlgeschlagen:\n" + _tail(proc.stderr.decode("utf-8", "replace"))
        )
    if "pdf" in formats:
        collect_pdf(out, project.pdf_name)
    if "html" in formats and not (out / "index.html").is_file():
        raise BuildError("Quarto hat keine Startseite index.html erzeugt.")
