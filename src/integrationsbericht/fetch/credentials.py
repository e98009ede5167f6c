"""Credentials for the GENESIS web service: from the environment or a user-level file.

Never from the report project: the file lives in the user's own configuration folder
(``~/.config/integrationsbericht/zugang.yml``, ``$XDG_CONFIG_HOME`` if set; on Windows
``%APPDATA%\\integrationsbericht\\zugang.yml``). The values are never written anywhere, never logged
and never part of a message: :class:`Credentials` hides them from ``repr`` and every text the
client builds passes through :func:`redact`.

Environment (wins over the file), per database::

    IB_REGIONALSTATISTIK_TOKEN                       or IB_REGIONALSTATISTIK_USER + …_PASSWORD
    IB_GENESIS_TOKEN                                 or IB_GENESIS_USER + IB_GENESIS_PASSWORD

File::

    regionalstatistik:
      token: 0123abcd…
    genesis-online:
      user: ANMELDENAME
      password: …
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import ConfigError

DATABASES = ("regionalstatistik", "genesis-online")
ENV_PREFIX = {"regionalstatistik": "IB_REGIONALSTATISTIK", "genesis-online": "IB_GENESIS"}


@dataclass(frozen=True)
class Credentials:
    """Login for one database: an API token (sent as user name, empty password) or user + password."""

    database: str
    kind: str  # "token" | "benutzer"
    username: str = field(repr=False)
    password: str = field(repr=False, default="")
    source: str = ""  # where they came from, for messages (never the values)

    def __repr__(self) -> str:  # never show the values, whatever prints this object
        return f"Credentials(database={self.database!r}, kind={self.kind!r}, source={self.source!r})"

    __str__ = __repr__

    @property
    def secrets(self) -> list[str]:
        return [s for s in (self.username, self.password) if s]

    def headers(self) -> dict[str, str | bytes]:
        return {"username": _header_value(self.username), "password": _header_value(self.password)}

    @property
    def description(self) -> str:
        what = "API-Token" if self.kind == "token" else "Benutzername und Passwort"
        return f"{what} aus {self.source}"


def _header_value(value: str) -> str | bytes:
    try:
        value.encode("latin-1")
        return value
    except UnicodeEncodeError:  # HTTP headers are Latin-1; send other characters as UTF-8
        return value.encode("utf-8")


def user_file() -> Path:
    """The user-level credentials file (it need not exist)."""
    if sys.platform == "win32" and os.environ.get("APPDATA"):
        base = Path(os.environ["APPDATA"])
    elif os.environ.get("XDG_CONFIG_HOME"):
        base = Path(os.environ["XDG_CONFIG_HOME"])
    else:
        base = Path.home() / ".config"
    return base / "integrationsbericht" / "zugang.yml"


def _clean(value, what: str, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int):
        raise ConfigError(f"{what} in {where} muss ein Text sein.")
    text = str(value).strip()
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        # the value itself is never shown
        raise ConfigError(f"{what} in {where} enthält Steuerzeichen (z. B. einen Zeilenumbruch).")
    return text


def _from_env(database: str) -> Credentials | None:
    prefix = ENV_PREFIX[database]
    token = _clean(os.environ.get(f"{prefix}_TOKEN"), "Das Token", f"der Umgebungsvariable {prefix}_TOKEN")
    user = _clean(os.environ.get(f"{prefix}_USER"), "Der Benutzername", f"der Umgebungsvariable {prefix}_USER")
    password = _clean(
        os.environ.get(f"{prefix}_PASSWORD"), "Das Passwort", f"der Umgebungsvariable {prefix}_PASSWORD"
    )
    if token:
        return Credentials(database, "token", token, "", f"der Umgebungsvariable {prefix}_TOKEN")
    if user or password:
        if not (user and password):
            missing = f"{prefix}_PASSWORD" if user else f"{prefix}_USER"
            raise ConfigError(
                f"Für die Anmeldung mit Benutzername und Passwort fehlt die Umgebungsvariable {missing} "
                f"(oder stattdessen {prefix}_TOKEN setzen)."
            )
        return Credentials(database, "benutzer", user, password, f"den Umgebungsvariablen {prefix}_USER/_PASSWORD")
    return None


def _inside(path: Path, folder: Path | None) -> bool:
    if folder is None:
        return False
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def _from_file(database: str, path: Path, forbidden: list[Path]) -> tuple[Credentials | None, list[str]]:
    notes: list[str] = []
    if not path.is_file():
        return None, notes
    for folder in forbidden:
        if _inside(path, folder):
            raise ConfigError(
                "Die Zugangsdatei liegt im Berichtsprojekt oder im Datenordner. Zugangsdaten gehören "
                "nicht ins Projekt (sie könnten mit veröffentlicht oder eingecheckt werden); bitte die "
                f"Datei nach {Path.home() / '.config' / 'integrationsbericht' / 'zugang.yml'} verschieben "
                "oder Umgebungsvariablen verwenden.",
                file=path,
            )
    if os.name == "posix":
        mode = path.stat().st_mode
        if mode & (stat.S_IRGRP | stat.S_IROTH):
            notes.append(
                f"Hinweis: Die Zugangsdatei {path} ist für andere Benutzer*innen lesbar; "
                f"empfohlen: chmod 600 {path}"
            )
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        # no excerpt of the file: it holds secrets
        raise ConfigError(
            "Die Zugangsdatei ist kein gültiges YAML.", file=path, line=(mark.line + 1) if mark else None
        ) from None
    except UnicodeDecodeError:
        raise ConfigError("Die Zugangsdatei ist nicht UTF-8-kodiert.", file=path) from None
    if not isinstance(raw, dict):
        raise ConfigError(
            "Die Zugangsdatei muss Abschnitte „regionalstatistik:“ und/oder „genesis-online:“ enthalten.",
            file=path,
        )
    unknown = [str(k) for k in raw if k not in DATABASES]
    if unknown:
        raise ConfigError(
            f"Unbekannter Abschnitt in der Zugangsdatei: {', '.join(unknown)} "
            f"(erlaubt: {', '.join(DATABASES)}).",
            file=path,
        )
    entry = raw.get(database)
    if entry is None:
        return None, notes
    if not isinstance(entry, dict):
        raise ConfigError(
            f"Abschnitt „{database}“ der Zugangsdatei: erwartet „token:“ oder „user:“ und „password:“.",
            file=path,
        )
    bad = [str(k) for k in entry if k not in ("token", "user", "password")]
    if bad:
        raise ConfigError(
            f"Abschnitt „{database}“ der Zugangsdatei: unbekannter Schlüssel {', '.join(bad)} "
            "(erlaubt: token, user, password).",
            file=path,
        )
    where = f"Abschnitt „{database}“ der Zugangsdatei {path}"
    token = _clean(entry.get("token"), "Das Token", where)
    user = _clean(entry.get("user"), "Der Benutzername", where)
    password = _clean(entry.get("password"), "Das Passwort", where)
    if token:
        return Credentials(database, "token", token, "", f"der Zugangsdatei {path}"), notes
    if user and password:
        return Credentials(database, "benutzer", user, password, f"der Zugangsdatei {path}"), notes
    if user or password:
        raise ConfigError(
            f"Abschnitt „{database}“ der Zugangsdatei: Benutzername und Passwort gehören zusammen "
            "(oder nur „token:“ angeben).",
            file=path,
        )
    return None, notes


def load_credentials(
    database: str, *, forbidden: list[Path] | None = None, path: Path | None = None
) -> tuple[Credentials | None, list[str]]:
    """Credentials for ``database`` (environment first, then the user file) and German notes.

    ``forbidden``: folders the credentials file must not lie in (project, data folder).
    Returns ``(None, notes)`` when neither source has any.
    """
    if database not in DATABASES:
        raise ConfigError(f"Unbekannte Datenbank „{database}“ (erlaubt: {', '.join(DATABASES)}).")
    env = _from_env(database)
    if env is not None:
        return env, []
    return _from_file(database, path or user_file(), forbidden or [])


def redact(text: str, secrets: list[str]) -> str:
    """``text`` with every secret replaced by ``***`` (longest first)."""
    for s in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(s, "***")
    return text
