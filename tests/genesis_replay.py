"""A loopback HTTP server that replays recorded GENESIS web service dialogues (VCR cassettes).

The cassettes in ``../shared/data/genesis-api/`` are real recordings of both services
(Regionaldatenbank and GENESIS-Online). The server answers a request with the recorded response
of the same service, method, table (``name``/``selection``), language and ``job`` flag; several
recordings of one request are played in order, the last one repeats (so the ~400 polls of the
12531-0043 background job come back exactly as recorded).

Only what the recordings cannot show is made up here, each modelled on the recorded format:
a table the recordings do not have (status 104, like the recorded ``catalogue/results``
answer), wrong credentials, and the injected faults (slow answer, dropped connection, truncated
zip, error status). It binds to 127.0.0.1 only.
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import yaml

PREFIX = {"regionalstatistik": "/regio/genesisws/", "genesis-online": "/destatis/genesisWS/"}
HOSTS = {"www.regionalstatistik.de": "regionalstatistik", "www-genesis.destatis.de": "genesis-online"}


@functools.lru_cache(maxsize=None)
def load_cassette(path: str) -> tuple:
    """``((service, method, params, status, headers, body bytes), …)`` of one cassette."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path, encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=loader)
    out = []
    for it in data["interactions"]:
        req, resp = it["request"], it["response"]
        url = urlsplit(req["uri"])
        service = HOSTS[url.netloc]
        method = url.path.split("/rest/2020/", 1)[1]
        params = dict(parse_qsl(req.get("body") or "", keep_blank_values=True))
        body = resp["body"]["string"]
        if isinstance(body, str):
            body = body.encode("utf-8")
        headers = {k: v[0] for k, v in resp["headers"].items()}
        out.append((service, method, params, int(resp["status"]["code"]), headers, body))
    return tuple(out)


def _key(service: str, method: str, params: dict) -> tuple:
    return (service, method, params.get("name") or params.get("selection") or "",
            params.get("language", ""), params.get("job", "false") if method == "data/tablefile" else "")


@dataclass
class Fault:
    """``kind``: ``slow`` (wait ``seconds`` before answering), ``drop`` (send half the body, then
    close), ``broken-zip`` (a truncated zip with a matching length), ``status`` (HTTP 200 with an
    error status in the JSON body), ``http`` (HTTP ``code``). ``times``: how often (None: always)."""

    kind: str
    method: str  # e.g. "data/tablefile"
    times: int | None = None
    seconds: float = 1.0
    code: int = 503


@dataclass
class Received:
    service: str
    method: str
    params: dict
    username: str | None
    password: str | None


@dataclass
class Replay:
    cassettes: list[Path]
    token: str | None = None  # credentials the server accepts (None: any)
    user: str | None = None
    password: str | None = None
    credential_error: str = "http"  # how wrong credentials are answered: "http" (401) or "status"
    downloads: dict[str, Path] = field(default_factory=dict)  # open downloader: code → file
    faults: list[Fault] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    ssl_context: object = None  # ssl.SSLContext: serve HTTPS (TLS tests)

    def __post_init__(self):
        self._queues: dict[tuple, deque] = defaultdict(deque)
        for c in self.cassettes:
            for service, method, params, status, headers, body in load_cassette(str(c)):
                self._queues[_key(service, method, params)].append((status, headers, body))
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- server lifecycle ---------------------------------------------------------------
    def __enter__(self) -> Replay:
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                replay._handle(self, "POST")

            def do_GET(self):
                replay._handle(self, "GET")

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):  # failed TLS handshakes: expected
                pass

        self._server = Server(("127.0.0.1", 0), Handler)
        if self.ssl_context is not None:
            self._server.socket = self.ssl_context.wrap_socket(self._server.socket, server_side=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, service: str) -> str:
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}{PREFIX[service]}rest/2020/"

    def env(self) -> dict[str, str]:
        return {"IB_REGIONALSTATISTIK_URL": self.url("regionalstatistik"),
                "IB_GENESIS_URL": self.url("genesis-online")}

    def count(self, method: str | None = None, service: str | None = None) -> int:
        return sum(1 for r in self.received
                   if (method is None or r.method == method) and (service is None or r.service == service))

    # -- request handling ---------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler, verb: str) -> None:
        path = urlsplit(h.path).path
        service = next((s for s, p in PREFIX.items() if path.startswith(p)), None)
        if service is None:
            return self._send(h, 404, {"Content-Type": "text/plain"}, b"not found")
        tail = path[len(PREFIX[service]):]
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length).decode("utf-8") if length else ""
        params = dict(parse_qsl(raw, keep_blank_values=True))
        if tail.startswith("downloader/"):
            method = "downloader"
            params = {"datei": tail.rsplit("/", 1)[-1]}
        else:
            method = tail.removeprefix("rest/2020/")
        with self._lock:
            self.received.append(Received(service, method, params, h.headers.get("username"),
                                          h.headers.get("password")))
            fault = self._take_fault(method)
        if method == "downloader":
            code = params["datei"].removesuffix("_00.csv")
            f = self.downloads.get(code)
            if f is None:
                return self._send(h, 404, {"Content-Type": "text/html"}, b"<html>Not Found</html>")
            return self._send(h, 200, {"Content-Type": "text/csv"}, f.read_bytes(), fault)
        if not self._credentials_ok(h):
            if self.credential_error == "http":
                return self._send(h, 401, {"Content-Type": "text/html"}, b"<html>401 Unauthorized</html>")
            return self._json(h, method, 15, "Fehler bei der Anmeldung. Bitte überprüfen Sie "
                              "Benutzername und Passwort bzw. Token.", "Fehler")
        with self._lock:
            q = self._queues.get(_key(service, method, params))
            rec = (q.popleft() if len(q) > 1 else q[0]) if q else None
        if fault is not None and fault.kind == "status":
            return self._json(h, method, 12, "Bei der Verarbeitung ist ein Fehler aufgetreten. "
                              "Bitte versuchen Sie es später erneut.", "Fehler")
        if rec is None:
            return self._json(h, method, 104, "Es gibt keine Objekte zum angegebenen Selektionskriterium",
                              "Information")
        status, headers, body = rec
        keep = {k: v for k, v in headers.items() if k in ("Content-Type", "Content-Disposition")}
        self._send(h, status, keep, body, fault)

    def _take_fault(self, method: str) -> Fault | None:
        for f in self.faults:
            if f.method == method and (f.times is None or f.times > 0):
                if f.times is not None:
                    f.times -= 1
                return f
        return None

    def _credentials_ok(self, h) -> bool:
        user, pw = h.headers.get("username") or "", h.headers.get("password") or ""
        if self.token is not None:
            return user == self.token and pw == ""
        if self.user is not None:
            return user == self.user and pw == self.password
        return True

    def _json(self, h, method: str, code: int, content: str, kind: str) -> None:
        service, meth = (method.split("/", 1) + [""])[:2]
        body = {"Ident": {"Service": service, "Method": meth},
                "Status": {"Code": code, "Content": content, "Type": kind},
                "Parameter": {"username": "********************", "password": "********************"},
                "Object": None, "Copyright": "© Statistisches Bundesamt (Destatis), 2026"}
        self._send(h, 200, {"Content-Type": "application/json;charset=UTF-8"},
                   json.dumps(body, ensure_ascii=False).encode("utf-8"))

    def _send(self, h, status: int, headers: dict, body: bytes, fault: Fault | None = None) -> None:
        if fault is not None and fault.kind == "slow":
            time.sleep(fault.seconds)
        if fault is not None and fault.kind == "http":
            status, headers, body = fault.code, {"Content-Type": "text/html"}, b"<html>Service Unavailable</html>"
        if fault is not None and fault.kind == "broken-zip":
            body = body[: len(body) * 2 // 3]
        try:
            h.send_response(status)
            for k, v in headers.items():
                h.send_header(k, v)
            h.send_header("Content-Length", str(len(body)))
            h.send_header("Connection", "close")
            h.end_headers()
            if fault is not None and fault.kind == "drop":
                h.wfile.write(body[: len(body) // 2])
                h.wfile.flush()
                h.close_connection = True
                h.connection.shutdown(2)
                return
            h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (time-out tests)
            pass
