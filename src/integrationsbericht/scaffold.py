"""``integrationsbericht init ORDNER``: a new report project the city owns.

The project holds only what belongs to the city: ``config/edition.yml`` for its Kreis, its raw
data, its own texts and the files it changes later (``integrationsbericht anpassen``). Chapters,
templates and catalogues come from the installed package. The texts written here live in
``skeleton/`` (package data).
"""

from __future__ import annotations

import re

import datetime as dt
from pathlib import Path

from .config import AGS_RE
from .errors import ConfigError
from .project import PACKAGE_DIR, Project, Record, find_root

SKELETON = PACKAGE_DIR / "skeleton"
DEMO_AGS = "05711"  # the demo data are shaped like Bielefeld


def _yaml_str(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def init_project(
    folder: str | Path,
    *,
    ags: str | None = None,
    year: int | None = None,
    name: str | None = None,
    data: str | Path | None = None,
    contact: str | None = None,
) -> tuple[Path, list[str]]:
    """Create the project folder; returns (folder, German messages).

    ``contact`` (an e-mail address or an https address) becomes the publisher's contact for the
    Impressum and the accessibility statement, which BITV 2.0 requires; without it the edition
    file says where to enter one, and ``check``/``build`` ask for it.
    """
    root = Path(folder).resolve()
    if root.is_relative_to(PACKAGE_DIR):
        raise ConfigError("Ein Berichtsprojekt gehört nicht in den Ordner des installierten Pakets.", file=root)
    if root.exists() and any(root.iterdir()):
        raise ConfigError(
            "Der Ordner ist nicht leer; ein neues Projekt wird nur in einem leeren oder neuen Ordner "
            "angelegt, damit keine vorhandene Datei überschrieben wird.",
            file=root,
        )
    outer = find_root(root.parent) if root.parent.exists() else None
    if ags is not None and not AGS_RE.fullmatch(ags):
        raise ConfigError(
            f"'{ags}' ist kein Regionalschlüssel: erwartet werden 5 Ziffern für einen Kreis oder "
            "eine kreisfreie Stadt, z. B. 05711 (Bielefeld)."
        )
    demo = ags is None and data is None
    if year is None:
        if demo:
            from .demo.model import LAST_YEAR

            year = LAST_YEAR
        else:
            year = dt.date.today().year
    if not 1990 <= year <= 2100:
        raise ConfigError(f"Das Berichtsjahr {year} liegt außerhalb von 1990–2100.")
    ags = ags or DEMO_AGS
    contact_block = _contact_block(contact, demo)
    if demo:
        data_dir = "data/raw"
    elif data is not None:
        data_path = Path(data).resolve()
        if not data_path.is_dir():
            raise ConfigError("Der Datenordner existiert nicht.", file=data_path)
        data_dir = data_path.as_posix()
    else:
        data_dir = "data/raw"

    root.mkdir(parents=True, exist_ok=True)
    messages = [f"Berichtsprojekt angelegt: {root}"]
    (root / "config").mkdir()
    city = f"city: {_yaml_str(name)}" if name else (
        "# city: Name, wie er im Bericht stehen soll (ohne Angabe: aus den GENESIS-Dateien)"
    )
    edition = (SKELETON / "edition.yml").read_text(encoding="utf-8").format(
        ags=ags, year=year, city=city, data_dir=_yaml_str(data_dir), contact=contact_block
    )
    (root / "config" / "edition.yml").write_text(edition, encoding="utf-8")
    (root / "_quarto.yml").write_text((SKELETON / "_quarto.yml").read_text(encoding="utf-8"), encoding="utf-8")
    (root / ".gitignore").write_text((SKELETON / "gitignore").read_text(encoding="utf-8"), encoding="utf-8")
    (root / "README.md").write_text(
        (SKELETON / "README.md").read_text(encoding="utf-8").replace("{ags}", ags).replace("{year}", str(year)),
        encoding="utf-8",
    )
    (root / "report").mkdir()
    (root / "report" / "LIESMICH.md").write_text(
        (SKELETON / "report-LIESMICH.md").read_text(encoding="utf-8").replace("{year}", str(year)),
        encoding="utf-8",
    )
    raw = root / "data" / "raw"
    raw.mkdir(parents=True)
    if demo:
        from .demo import generate

        files = generate(raw)
        messages.append(f"Demodaten (keine amtlichen Zahlen) geschrieben: {len(files)} Dateien in data/raw/.")
    else:
        for sub in ("genesis", "befragung", "register", "massnahmen"):
            (raw / sub).mkdir()
        (raw / "LIESMICH.md").write_text((SKELETON / "data-LIESMICH.md").read_text(encoding="utf-8"), encoding="utf-8")
        where = "data/raw/" if data is None else data_dir
        messages.append(f"Rohdaten gehören nach {where} (was wohin gehört: data/raw/LIESMICH.md).")
    record = Record(Project(root))
    record.save()
    if outer is not None:
        messages.append(
            f"Hinweis: der Ordner liegt in einem anderen Berichtsprojekt ({outer}); Befehle im neuen "
            "Ordner arbeiten auf dem neuen Projekt."
        )
    if contact is None and not demo:
        messages.append(
            "Vor dem ersten Build: in config/edition.yml unter 'contact:' eine Kontaktmöglichkeit "
            "eintragen (Pflicht für Impressum und Erklärung zur Barrierefreiheit)."
        )
    messages.append(
        "Weiter: 'integrationsbericht check' und 'integrationsbericht build' in diesem Ordner "
        f"(cd {root})."
    )
    return root, messages


# The demo project is the Bielefeld demo edition: its contact is the one of the repository's own
# demo configuration (the Kommunales Integrationszentrum's public website).
DEMO_CONTACT = "https://ki-bielefeld.de"
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _contact_block(contact: str | None, demo: bool) -> str:
    """The ``contact:`` block of the new edition file (commented out when nothing is known)."""
    if contact is None and demo:
        contact = DEMO_CONTACT
    if contact is None:
        return ("# contact:                 # Pflicht: mindestens email, phone oder web\n"
                "#   email: integration@example.org\n"
                "#   web: https://www.example.org/integration")
    contact = contact.strip()
    if _EMAIL_RE.fullmatch(contact):
        return f"contact:\n  email: {_yaml_str(contact)}"
    if contact.startswith("https://") and " " not in contact:
        return f"contact:\n  web: {_yaml_str(contact)}"
    raise ConfigError(
        f"'{contact}' ist keine Kontaktmöglichkeit: erwartet wird eine E-Mail-Adresse "
        "(name@beispiel.de) oder eine Webadresse, die mit https:// beginnt."
    )
