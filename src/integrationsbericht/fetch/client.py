"""A small client for the GENESIS web service 2020 (REST) of the statistical offices.

Used for the Regionaldatenbank Deutschland (``www.regionalstatistik.de/genesisws/rest/2020/``) and
GENESIS-Online (``www-genesis.destatis.de/genesisWS/rest/2020/``); both run the same software.

* Every call is a POST with a form-encoded body; credentials travel in the ``username`` and
  ``password`` request headers (a token as user name with an empty password), never in the body
  or the URL, so they cannot reach a log, a manifest or a message.
* Errors come back as HTTP 200 with a JSON body whose ``Status.Code`` is not 0. They become
  German :class:`TableError` (this table failed, others go on) or :class:`FetchError` (the whole
  fetch stops: credentials, TLS, proxy, service unreachable).
* Tables above the direct-download limit (status 98) are fetched as a background job
  (``job=true``): the client polls ``catalogue/results`` until the result exists, within a bound,
  then downloads it from ``data/resultfile``.
* Downloads are streamed into a temporary file next to the target; a zip is checked completely
  (central directory and CRC of every member) before the caller moves it into place.
* Connection problems, time-outs, HTTP 5xx/429 and broken downloads are retried a bounded number
  of times with exponential backoff.
* ``HTTPS_PROXY``/``NO_PROXY`` are honoured (requests' environment handling), and TLS trusts the
  operating system's certificate store (``truststore``) as well as certifi's bundle, so a
  TLS-inspecting proxy whose root certificate the city installed is accepted.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import ssl
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlencode, urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter

from ..errors import ReportError
from .credentials import Credentials, redact

DATABASE_LABEL = {
    "regionalstatistik": "Regionaldatenbank Deutschland",
    "genesis-online": "GENESIS-Online",
}

# Status codes of the service (documentation "GENESIS-Webservice 2020", 2.1.2, and recordings)
STATUS_OK = 0
STATUS_ADJUSTED = 22  # successful with adjusted parameters (warning)
STATUS_NO_TABLE = 90  # the requested table does not exist
STATUS_TOO_LARGE = 98  # too large for a direct download: use job=true
STATUS_JOB_CREATED = 99  # background job created; the result name is in the text
STATUS_NO_OBJECTS = 104  # no objects for the selection (unknown table; job not ready yet)

_JOB_NAME = re.compile(r"(\S+_\d+)\s*\.?\s*$")
_CREDENTIAL_WORDS = ("passwort", "kennwort", "benutzer", "nutzername", "anmeld", "login", "token",
                     "password", "username", "berechtigung", "nicht berechtigt", "authent")
_CHUNK = 1 << 16


class FetchError(ReportError):
    """The whole fetch stops (credentials, TLS, proxy, service down or timing out)."""


class TableError(ReportError):
    """One table could not be fetched; the fetch goes on with the others."""


class _Retryable(Exception):
    """A transient problem: retried, then turned into a German error.

    ``kind``: ``"timeout"``, ``"connection"`` (refused, dropped, HTTP 5xx), ``"zip"`` (broken
    or truncated zip), ``"response"`` (neither a file nor a status message).
    """

    def __init__(self, message: str, kind: str = "connection"):
        super().__init__(message)
        self.message = message
        self.kind = kind


@dataclass(frozen=True)
class TableInfo:
    code: str
    title: str
    stand: str  # ISO 8601, e.g. 2025-03-31T11:18:07 ("" if the service gave none)
    time_from: str = ""
    time_to: str = ""


@dataclass
class Download:
    """A downloaded file, still in its temporary place (``path``) until the caller moves it."""

    path: Path
    kind: str  # "zip" | "csv"
    sha256: str
    size: int
    params: dict[str, str] = field(default_factory=dict)
    job: str | None = None


def german_stand(text: str | None) -> str:
    """``"31.03.2025 11:18:07h"`` / ``"26.02.2026 / 15:28:28"`` → ``"2025-03-31T11:18:07"``."""
    if not text:
        return ""
    m = re.search(r"(\d{2})\.(\d{2})\.(\d{4})\D+(\d{2}):(\d{2})(?::(\d{2}))?", text)
    if m:
        d, mo, y, h, mi, s = m.groups()
        return f"{y}-{mo}-{d}T{h}:{mi}:{s or '00'}"
    m = re.search(r"(\d{2})\.(\d{2})\.(\d{4})", text)
    if m:
        d, mo, y = m.groups()
        return f"{y}-{mo}-{d}T00:00:00"
    m = re.search(r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})", text)
    if m:
        return "{}-{}-{}T{}:{}:{}".format(*m.groups())
    return ""


def nologin_url(base_url: str, code: str) -> str:
    """The service's open download of a table's default selection (no login), derived from the
    REST base URL: ``…/genesisws/rest/2020/`` → ``…/genesisws/downloader/00/tables/<code>_00.csv``."""
    return urljoin(base_url, f"../../downloader/00/tables/{code}_00.csv")


class _TruststoreAdapter(HTTPAdapter):
    """HTTPS with the operating system's certificate store (also through a proxy)."""

    def __init__(self, *args, **kwargs):
        self._ctx = _system_ssl_context()
        super().__init__(*args, **kwargs)

    def init_poolmanager(self, *args, **kwargs):
        if self._ctx is not None:
            kwargs.setdefault("ssl_context", self._ctx)
        return super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        if self._ctx is not None:
            proxy_kwargs.setdefault("ssl_context", self._ctx)
        return super().proxy_manager_for(proxy, **proxy_kwargs)


def _system_ssl_context():
    try:
        import truststore
    except ImportError:  # pragma: no cover - declared dependency; certifi alone then
        return None
    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def make_session() -> requests.Session:
    from .. import __version__

    s = requests.Session()
    s.trust_env = True  # HTTPS_PROXY / HTTP_PROXY / NO_PROXY, REQUESTS_CA_BUNDLE
    s.mount("https://", _TruststoreAdapter())
    s.headers["User-Agent"] = f"integrationsbericht/{__version__}"
    return s


PollCallback = Callable[[str, str, float, int, bool], None]  # code, job, elapsed s, polls, finished


class GenesisClient:
    """One database (Regionaldatenbank or GENESIS-Online) at one base URL."""

    def __init__(
        self,
        database: str,
        base_url: str,
        credentials: Credentials | None,
        *,
        timeout: float = 120.0,
        retries: int = 3,
        backoff: float = 2.0,
        poll_interval: float = 5.0,
        max_wait: float = 1800.0,
        on_poll: PollCallback | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        language: str = "de",
    ) -> None:
        self.database = database
        self.label = DATABASE_LABEL.get(database, database)
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.credentials = credentials
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.poll_interval = poll_interval
        self.max_wait = max_wait
        self.on_poll = on_poll
        self.session = session or make_session()
        self.sleep = sleep
        self.language = language
        self.requests_sent: list[tuple[str, dict[str, str]]] = []  # (method, params), no secrets

    # -- messages ---------------------------------------------------------------------------
    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc

    def _secrets(self) -> list[str]:
        return self.credentials.secrets if self.credentials else []

    def _clean(self, text: str) -> str:
        return redact(str(text), self._secrets())

    # -- requests ---------------------------------------------------------------------------
    def table_params(self, code: str, *, job: bool = False) -> dict[str, str]:
        """Form parameters of a table download: all Kreise, every period, flat CSV in a zip."""
        return {
            "name": code,
            "area": "all",
            "compress": "false",
            "format": "ffcsv",
            "language": self.language,
            "quality": "off",
            "job": "true" if job else "false",
        }

    def metadata(self, code: str) -> TableInfo:
        """``metadata/table``: title, time range and the table's ``Stand`` (last update)."""
        params = {"name": code, "area": "all", "language": self.language}
        body = self._call_json("metadata/table", params, code)
        status = body.get("Status") or {}
        sc = _status_code(status)
        if sc in (STATUS_OK, STATUS_ADJUSTED) and isinstance(body.get("Object"), dict):
            obj = body["Object"]
            t = obj.get("Time") or {}
            return TableInfo(
                code=code,
                title=" ".join(str(obj.get("Content") or "").split()),
                stand=german_stand(obj.get("Updated")),
                time_from=str(t.get("From") or ""),
                time_to=str(t.get("To") or ""),
            )
        raise self._status_error(status, code, "Metadaten")

    def tablefile(self, code: str, target_dir: Path) -> Download:
        """Download a table (``data/tablefile``); a table too large for that goes through a
        background job. The result stays a temporary file in ``target_dir``."""
        params = self.table_params(code)
        dl = self._call_download("data/tablefile", params, code, target_dir)
        if isinstance(dl, Download):
            dl.params = params
            return dl
        status = dl.get("Status") or {}
        if _status_code(status) != STATUS_TOO_LARGE:
            raise self._status_error(status, code, "Download")
        return self._job(code, target_dir)

    def nologin(self, code: str, target_dir: Path) -> Download | None:
        """The open download of the table's default selection (classic CSV, no login), or
        ``None`` if the service has none for this table."""
        url = nologin_url(self.base_url, code)
        path = urlsplit(url).path
        self.requests_sent.append(("downloader", {"datei": path.rsplit("/", 1)[-1]}))
        resp_or_none = self._with_retries(lambda: self._get_to_file(url, code, target_dir), code)
        if resp_or_none is None:
            return None
        tmp, sha, size, head = resp_or_none
        first = head.split(b"\n", 1)[0].lstrip(b"\xef\xbb\xbf").strip()
        if not re.match(rb"^(GENESIS-)?Tabelle:\s*", first):
            tmp.unlink(missing_ok=True)
            raise TableError(
                f"Tabelle {code}: Der Download ohne Anmeldung ({self.label}) lieferte keine "
                "GENESIS-Tabelle (erste Zeile ohne „Tabelle:“), sondern vermutlich eine Hinweis- "
                "oder Anmeldeseite. Mit Zugangsdaten abrufen (siehe README, Abschnitt „Jährlicher "
                "Datenabruf“)."
            )
        return Download(tmp, "csv", sha, size, {"quelle": "ohne-anmeldung", "datei": f"{code}_00.csv"})

    # -- background jobs --------------------------------------------------------------------
    def _job(self, code: str, target_dir: Path) -> Download:
        params = self.table_params(code, job=True)
        body = self._call_json("data/tablefile", params, code)
        status = body.get("Status") or {}
        sc = _status_code(status)
        content = str(status.get("Content") or "")
        m = _JOB_NAME.search(content)
        if sc != STATUS_JOB_CREATED or not m:
            err = self._status_error(status, code, "Hintergrundauftrag")
            if self.credentials is not None and self.credentials.kind == "token":
                err.hint = (
                    "Große Tabellen ruft der Dienst nur als Hintergrundauftrag ab, und den darf "
                    "nur starten, wer sich mit Benutzername und Passwort anmeldet; ein API-Token "
                    "reicht dafür nicht (Hinweis des Statistischen Bundesamtes)."
                )
            raise err
        job = m.group(1)
        start = time.monotonic()
        polls = 0
        while True:
            elapsed = time.monotonic() - start
            if self.on_poll:
                self.on_poll(code, job, elapsed, polls, False)
            if elapsed > self.max_wait:
                raise TableError(
                    f"Tabelle {code}: Der Hintergrundauftrag {job} bei {self.label} war nach "
                    f"{_duration(self.max_wait)} noch nicht fertig ({polls} Abfragen). Bitte später "
                    "erneut „integrationsbericht fetch“ aufrufen oder die Wartezeit erhöhen "
                    "(--max-wait)."
                )
            polls += 1
            res = self._call_json(
                "catalogue/results", {"selection": job, "area": "user", "pagelength": "1"}, code
            )
            rs = res.get("Status") or {}
            rc = _status_code(rs)
            ready = rc == STATUS_OK and any(
                isinstance(item, dict) and item.get("Code") == job for item in (res.get("List") or [])
            )
            if ready:
                break
            if rc not in (STATUS_OK, STATUS_NO_OBJECTS):
                raise self._status_error(rs, code, "Hintergrundauftrag")
            self.sleep(self.poll_interval)
        if self.on_poll:
            self.on_poll(code, job, time.monotonic() - start, polls, True)
        rparams = dict(self.table_params(job), name=job)
        dl = self._call_download("data/resultfile", rparams, code, target_dir)
        if not isinstance(dl, Download):
            raise self._status_error(dl.get("Status") or {}, code, "Ergebnis des Hintergrundauftrags")
        dl.params = params  # the table request that started the job
        dl.job = job
        return dl

    # -- transport --------------------------------------------------------------------------
    def _headers(self) -> dict:
        h = {"Content-Type": "application/x-www-form-urlencoded"}
        if self.credentials is not None:
            h.update(self.credentials.headers())
        return h

    def _call_json(self, method: str, params: dict[str, str], code: str) -> dict:
        result = self._call(method, params, code, None)
        if isinstance(result, Download):  # a file where a status was expected
            result.path.unlink(missing_ok=True)
            raise TableError(
                f"Tabelle {code}: {self.label} antwortete auf „{method}“ mit einer Datei statt "
                "einer Statusmeldung."
            )
        return result

    def _call_download(self, method, params, code, target_dir) -> Download | dict:
        return self._call(method, params, code, target_dir)

    def _call(self, method: str, params: dict[str, str], code: str, target_dir: Path | None):
        url = self.base_url + method
        self.requests_sent.append((method, dict(params)))
        return self._with_retries(lambda: self._post(url, method, params, code, target_dir), code)

    def _with_retries(self, attempt, code: str):
        tries = 0
        while True:
            try:
                return attempt()
            except _Retryable as exc:
                if tries >= self.retries:
                    raise self._give_up(exc, code, tries + 1) from None
                self.sleep(self.backoff * (2**tries))
                tries += 1

    def _give_up(self, exc: _Retryable, code: str, attempts: int) -> ReportError:
        what = f"{attempts} Versuch" + ("e" if attempts != 1 else "")
        if exc.kind == "zip":
            return TableError(
                f"Tabelle {code}: Die von {self.label} gelieferte ZIP-Datei ist unvollständig oder "
                f"beschädigt ({self._clean(exc.message)}; {what}). Sie wurde nicht gespeichert; eine "
                "bisherige Datei der Tabelle bleibt unverändert.",
                hint="Später erneut „integrationsbericht fetch“ aufrufen. Tritt das im Stadtnetz "
                "immer wieder auf, kürzt vermutlich ein Proxy große Downloads (IT-Abteilung fragen).",
            )
        if exc.kind == "response":
            return TableError(
                f"Tabelle {code}: Die Antwort von {self.label} ist unbrauchbar: "
                f"{self._clean(exc.message)} ({what}). Nichts wurde gespeichert."
            )
        if exc.kind == "timeout":
            return FetchError(
                f"{self.label} ({self.host}) antwortet nicht innerhalb von {_duration(self.timeout)} "
                f"(Tabelle {code}, {what}). Der Dienst ist vermutlich überlastet oder gestört.",
                hint="Später erneut versuchen; bereits geladene Dateien bleiben erhalten, ein "
                "neuer Aufruf lädt nur, was noch fehlt. Bei sehr großen Tabellen hilft "
                "fetch.timeout in der Ausgabe-Konfiguration.",
            )
        return FetchError(
            f"{self.label} ({self.host}) ist nicht erreichbar oder bricht die Übertragung ab "
            f"(Tabelle {code}, {what}): {self._clean(exc.message)}",
            hint="Netzwerkverbindung prüfen (im Stadtnetz ggf. HTTPS_PROXY setzen) und später "
            "erneut versuchen; bereits geladene Dateien bleiben erhalten.",
        )

    def _post(self, url: str, method: str, params: dict, code: str, target_dir: Path | None):
        try:
            resp = self.session.post(
                url, data=params, headers=self._headers(), timeout=(min(30.0, self.timeout), self.timeout),
                stream=True, allow_redirects=False,
            )
        except requests.exceptions.RequestException as exc:
            self._transport_error(exc)
        with resp:
            self._check_http(resp, method, code)
            return self._read_body(resp, code, target_dir)

    def _get_to_file(self, url: str, code: str, target_dir: Path):
        try:
            resp = self.session.get(
                url, timeout=(min(30.0, self.timeout), self.timeout), stream=True, allow_redirects=True
            )
        except requests.exceptions.RequestException as exc:
            self._transport_error(exc)
        with resp:
            if resp.status_code == 404:
                return None
            self._check_http(resp, "downloader", code)
            tmp, sha, size, head = self._stream(resp, target_dir, code)
            return tmp, sha, size, head

    def _transport_error(self, exc: Exception) -> NoReturn:
        """Map a requests exception to a German error (TLS, proxy) or a retryable problem."""
        text = self._clean(_exc_text(exc))
        if isinstance(exc, requests.exceptions.SSLError):
            raise FetchError(
                f"Die verschlüsselte Verbindung (TLS) zu {self.host} ist gescheitert: {text}",
                hint="Im Stadtnetz prüft meist ein Proxy den verschlüsselten Verkehr und stellt ein "
                "eigenes Zertifikat aus. Dann muss dessen Stammzertifikat im Zertifikatspeicher des "
                "Betriebssystems liegen (die IT-Abteilung kennt es; fetch nutzt diesen Speicher) "
                "oder als Datei in REQUESTS_CA_BUNDLE angegeben werden, und HTTPS_PROXY muss auf "
                "den Proxy zeigen. Ohne Proxy: Systemuhr und Zertifikatspeicher prüfen.",
            ) from None
        if isinstance(exc, requests.exceptions.ProxyError):
            raise FetchError(
                f"Der Proxy für die Verbindung zu {self.host} hat die Verbindung abgelehnt oder ist "
                f"nicht erreichbar: {text}",
                hint="HTTPS_PROXY prüfen (Adresse, Port, ggf. Anmeldung am Proxy) oder die "
                "IT-Abteilung fragen.",
            ) from None
        if isinstance(exc, requests.exceptions.Timeout):
            raise _Retryable(text, "timeout") from None
        if isinstance(exc, requests.exceptions.InvalidHeader):
            raise FetchError(
                "Die Zugangsdaten enthalten Zeichen, die nicht in einer Anfrage stehen dürfen "
                "(z. B. Leerzeichen am Anfang)."
            ) from None
        if isinstance(exc, requests.exceptions.ConnectionError | requests.exceptions.ChunkedEncodingError
                      | requests.exceptions.ContentDecodingError):
            raise _Retryable(text) from None
        raise FetchError(f"Anfrage an {self.host} gescheitert: {text}") from None

    def _check_http(self, resp: requests.Response, method: str, code: str) -> None:
        sc = resp.status_code
        if sc in (401, 403):
            raise self._credential_error(code)
        if sc == 429 or sc >= 500:
            raise _Retryable(f"HTTP-Status {sc} ({resp.reason or 'Serverfehler'})")
        if 300 <= sc < 400:
            raise FetchError(
                f"{self.label} leitet die Anfrage „{method}“ um (HTTP {sc}); die Basisadresse "
                f"{self.base_url} stimmt vermutlich nicht.",
                hint="fetch.regionalstatistik_url / fetch.genesis_url in der Ausgabe-Konfiguration "
                "bzw. IB_REGIONALSTATISTIK_URL / IB_GENESIS_URL prüfen.",
            )
        if sc == 404:
            raise FetchError(
                f"{self.label}: Die Adresse {self.base_url}{method} gibt es nicht (HTTP 404); die "
                "Basisadresse stimmt vermutlich nicht.",
                hint="fetch.regionalstatistik_url / fetch.genesis_url in der Ausgabe-Konfiguration "
                "bzw. IB_REGIONALSTATISTIK_URL / IB_GENESIS_URL prüfen.",
            )
        if sc != 200:
            raise TableError(f"Tabelle {code}: {self.label} antwortet mit HTTP-Status {sc}.")

    def _read_body(self, resp: requests.Response, code: str, target_dir: Path | None):
        ctype = (resp.headers.get("Content-Type") or "").lower()
        if target_dir is None or "json" in ctype:
            try:
                raw = resp.content
            except requests.exceptions.RequestException as exc:
                self._transport_error(exc)
            return self._json(raw, code)
        tmp, sha, size, head = self._stream(resp, target_dir, code)
        if head.startswith(b"PK\x03\x04"):
            try:
                _check_zip(tmp)
            except _BrokenZip as exc:
                tmp.unlink(missing_ok=True)
                raise _Retryable(f"{_thousands(size)} Bytes, {exc}", "zip") from None
            return Download(tmp, "zip", sha, size, {})
        data = tmp.read_bytes() if size < 10_000_000 else head
        tmp.unlink(missing_ok=True)
        if data.lstrip().startswith(b"{"):
            return self._json(data, code)
        raise _Retryable(
            f"weder eine ZIP-Datei noch eine Statusmeldung ({_thousands(size)} Bytes, Inhaltstyp "
            f"„{self._clean(ctype) or 'unbekannt'}“)",
            "response",
        )

    def _stream(self, resp: requests.Response, target_dir: Path, code: str):
        target_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=target_dir, prefix=f".{code}.", suffix=".tmp")
        tmp = Path(name)
        h = hashlib.sha256()
        size = 0
        head = b""
        try:
            with os.fdopen(fd, "wb") as fh:
                for chunk in resp.iter_content(_CHUNK):
                    if not chunk:
                        continue
                    if len(head) < 4096:
                        head += chunk[: 4096 - len(head)]
                    h.update(chunk)
                    size += len(chunk)
                    fh.write(chunk)
                fh.flush()
                os.fsync(fh.fileno())
            _default_permissions(tmp)
        except requests.exceptions.RequestException as exc:
            tmp.unlink(missing_ok=True)
            self._transport_error(exc)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return tmp, h.hexdigest(), size, head

    def _json(self, raw: bytes, code: str) -> dict:
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise _Retryable("keine gültige Statusmeldung (JSON)", "response") from None
        if not isinstance(body, dict):
            raise _Retryable("keine gültige Statusmeldung (JSON)", "response")
        status = body.get("Status")
        if isinstance(status, dict) and self._looks_like_login_problem(status):
            raise self._credential_error(code)
        return body

    # -- status → German errors --------------------------------------------------------------
    def _looks_like_login_problem(self, status: dict) -> bool:
        if _status_code(status) in (STATUS_OK, STATUS_ADJUSTED, STATUS_TOO_LARGE, STATUS_JOB_CREATED,
                                    STATUS_NO_OBJECTS, STATUS_NO_TABLE):
            return False
        text = str(status.get("Content") or "").lower()
        return any(w in text for w in _CREDENTIAL_WORDS)

    def _credential_error(self, code: str) -> FetchError:
        if self.credentials is None:
            return FetchError(
                f"{self.label} verlangt für Tabelle {code} eine Anmeldung.",
                hint="Zugangsdaten hinterlegen (kostenlose Registrierung, siehe README, Abschnitt "
                "„Jährlicher Datenabruf“).",
            )
        return FetchError(
            f"{self.label} lehnt die Zugangsdaten ab ({self.credentials.description}). "
            "Benutzername/Passwort oder Token sind falsch, abgelaufen oder für diese Datenbank "
            "nicht freigeschaltet.",
            hint="Anmeldung auf der Website der Datenbank prüfen; das Token steht dort im Menü "
            "„Webservice (API)“. Die Zugangsdaten werden nie angezeigt oder gespeichert.",
        )

    def _status_error(self, status: dict, code: str, what: str) -> TableError:
        sc = _status_code(status)
        content = self._clean(" ".join(str(status.get("Content") or "").split()))
        if sc in (STATUS_NO_TABLE, STATUS_NO_OBJECTS) and what in ("Metadaten", "Download"):
            return TableError(
                f"Tabelle {code} gibt es in der Datenbank {self.label} nicht (Meldung des Dienstes: "
                f"„{content}“).",
                hint="Tabellencode im Indikatorenkatalog prüfen, und ob die Tabelle in der anderen "
                "Datenbank liegt (database: regionalstatistik | genesis-online).",
            )
        return TableError(
            f"Tabelle {code}: {self.label} meldet beim {what} den Status {sc if sc is not None else '?'} "
            f"(„{content or 'ohne Text'}“)."
        )


def _default_permissions(path: Path) -> None:
    """Temporary files are private (0600); the kept file gets the usual permissions (umask)."""
    if os.name != "posix":
        return
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)


def _status_code(status: dict) -> int | None:
    try:
        return int(status.get("Code"))
    except (TypeError, ValueError):
        return None


class _BrokenZip(Exception):
    pass


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
            if not members:
                raise _BrokenZip("das Archiv enthält keine Datei")
            bad = zf.testzip()
            if bad is not None:
                raise _BrokenZip(f"die Prüfsumme von {bad} stimmt nicht")
    except zipfile.BadZipFile as exc:
        if "not a zip file" in str(exc):
            raise _BrokenZip("das Inhaltsverzeichnis am Ende des Archivs fehlt") from None
        raise _BrokenZip(f"beschädigtes Archiv (technisch: {exc})") from None
    except (EOFError, OSError, NotImplementedError) as exc:
        raise _BrokenZip(f"beschädigtes Archiv (technisch: {type(exc).__name__})") from None


def _exc_text(exc: Exception) -> str:
    """A short German description of a transport exception, with the technical cause."""
    text = str(exc)
    checks = [
        ("CERTIFICATE_VERIFY_FAILED", "Das Zertifikat des Servers lässt sich keinem vertrauenswürdigen "
                                      "Stammzertifikat zuordnen"),
        ("IncompleteRead", "Die Verbindung wurde während der Übertragung abgebrochen"),
        ("Connection broken", "Die Verbindung wurde während der Übertragung abgebrochen"),
        ("RemoteDisconnected", "Die Gegenstelle hat die Verbindung ohne Antwort geschlossen"),
        ("Connection reset", "Die Verbindung wurde von der Gegenstelle zurückgesetzt"),
        ("Connection refused", "Die Verbindung wurde abgelehnt"),
        ("NameResolutionError", "Der Rechnername lässt sich nicht auflösen (DNS)"),
        ("Name or service not known", "Der Rechnername lässt sich nicht auflösen (DNS)"),
        ("timed out", "Zeitüberschreitung"),
    ]
    german = next((g for key, g in checks if key in text), "")
    m = re.search(r"certificate verify failed: ([^(']+)", text)
    detail = m.group(1).strip() if m else ""
    if not detail:
        m = re.search(r"Caused by (\w+)\(", text) or re.search(r"(\w+(?:Error|Read|Exception))\(", text)
        detail = m.group(1) if m else type(exc).__name__
    return f"{german} (technisch: {detail})" if german else f"{detail}: {text[:200]}"


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:g} s".replace(".", ",")
    return f"{seconds / 60:.0f} min"


def params_text(params: dict[str, str]) -> str:
    """Request parameters for the manifest (sorted, URL-encoded; never credentials)."""
    return urlencode(sorted(params.items()))
