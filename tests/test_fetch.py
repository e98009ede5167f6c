"""``integrationsbericht fetch`` against a loopback server replaying real recorded dialogues.

The recordings (``../shared/data/genesis-api/``, VCR cassettes of both services) are replayed by
``genesis_replay.Replay`` on 127.0.0.1; the real client runs against it through the command line.
Faults (slow server, dropped connection, truncated zip, error status, wrong credentials, TLS) are
injected by the server. A planted credential is searched for in every file the tool writes and
in everything it prints.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import zipfile
from pathlib import Path

import pytest

from genesis_replay import Fault, Replay, load_cassette
from integrationsbericht.cli import main

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
API = SHARED / "genesis-api"
CATALOGUE = Path(__file__).resolve().parent / "data" / "fetch" / "indikatoren.yml"
TOKEN = "GEHEIM-Token-4711-xyz"  # planted credential: must never appear in any output

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def cassettes() -> list[Path]:
    files = sorted(API.glob("*.yaml"))
    if len(files) < 6:
        pytest.skip(f"Aufzeichnungen des GENESIS-Webservice fehlen: {API} (in CI immer vorhanden).")
    return files


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    """No credentials, URLs or proxies from the developer's environment; no real user file."""
    for k in list(os.environ):
        if k.startswith("IB_") or k.lower() in ("https_proxy", "http_proxy", "all_proxy",
                                                  "requests_ca_bundle", "curl_ca_bundle"):
            monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "benutzer-konfiguration"))


def edition(tmp_path: Path, catalogue: str | None = None, **fetch) -> Path:
    """An edition config outside the repository, data folder ``<tmp>/daten``."""
    cat = CATALOGUE
    if catalogue is not None:
        cat = tmp_path / "indikatoren.yml"
        cat.write_text(catalogue, encoding="utf-8")
    settings = {"timeout": 5, "retries": 1, "backoff": 0.01, **fetch}
    lines = "\n".join(f"  {k}: {v}" for k, v in settings.items())
    cfg = tmp_path / "ausgabe.yml"
    cfg.write_text(
        f'ags: "05711"\nyear: 2024\ndata_dir: {tmp_path / "daten"}\nindicators: {cat}\nfetch:\n{lines}\n',
        encoding="utf-8",
    )
    return cfg


def one_table(code: str, database: str = "regionalstatistik", extra: str = "") -> str:
    return (
        "version: 1\nfields: {bevoelkerung: Bevölkerung}\nindicators:\n"
        f"  - {{id: t, title: T, field: bevoelkerung, unit: Anzahl, definition: D, numerator: "
        f"[{{table: {code}, database: {database}, where: {{h1: Insgesamt}}}}]}}\n" + extra
    )


def run(cfg: Path, capsys, *extra: str) -> tuple[int, str]:
    rc = main(["fetch", "--config", str(cfg), "--poll-interval", "0.001", "--max-wait", "60", *extra])
    out = capsys.readouterr()
    return rc, out.out + out.err


def manifest(tmp_path: Path) -> list[dict]:
    with open(tmp_path / "daten" / "genesis" / "abruf-manifest.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def recorded_file(cassette: Path, method: str) -> bytes:
    return next(body for _s, m, _p, _st, _h, body in load_cassette(str(cassette))
                if m == method and body.startswith(b"PK"))


def written_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def assert_no_secret(root: Path, output: str, secret: str = TOKEN) -> None:
    assert secret not in output
    for p in written_files(root):
        assert secret.encode() not in p.read_bytes(), p


def with_token(monkeypatch, token: str = TOKEN) -> None:
    monkeypatch.setenv("IB_REGIONALSTATISTIK_TOKEN", token)
    monkeypatch.setenv("IB_GENESIS_TOKEN", token)


# ------------------------------------------------------------------------------ main path
def test_fetch_replayed_service_then_rerun_downloads_nothing(cassettes, tmp_path, monkeypatch, capsys):
    cfg = edition(tmp_path)
    with_token(monkeypatch)
    with Replay(cassettes, token=TOKEN) as server:
        monkeypatch.setenv("IB_REGIONALSTATISTIK_URL", server.url("regionalstatistik"))
        monkeypatch.setenv("IB_GENESIS_URL", server.url("genesis-online"))
        rc, out1 = run(cfg, capsys)
        assert rc == 0, out1
        gdir = tmp_path / "daten" / "genesis"
        codes = ["11111-02-01-4", "12211-0001", "12211-Z-11", "12411-01-01-4", "12531-0043", "13111-01-03-4"]
        assert sorted(p.name for p in gdir.iterdir()) == sorted([f"{c}.zip" for c in codes] + ["abruf-manifest.csv"])
        # the series that ends before the comparison window is not fetched, and the log says so
        assert "12411-03-02-4 (bis 2010)" in out1

        # kept exactly as delivered: byte-identical to the recorded response
        for c in codes:
            method = "data/resultfile" if c == "12531-0043" else "data/tablefile"
            assert (gdir / f"{c}.zip").read_bytes() == recorded_file(API / f"{c}.yaml", method), c
        with zipfile.ZipFile(gdir / "12531-0043.zip") as zf:
            assert zf.namelist() == ["12531-0043_175879554_flat.csv"]

        # the background job dialogue went as recorded: 406 polls, then the result file
        assert server.count("catalogue/results") == 406
        assert server.count("data/resultfile") == 1
        assert "Hintergrundauftrag 12531-0043_175879554 gestartet" in out1
        assert "fertig nach" in out1 and "406 Abfragen" in out1
        # credentials only in the headers (token as user name, empty password)
        assert all(r.username == TOKEN and r.password == "" for r in server.received)
        assert all(TOKEN not in str(r.params) for r in server.received)

        rows = manifest(tmp_path)
        with open(gdir / "abruf-manifest.csv", encoding="utf-8") as fh:
            assert fh.readline() == "datei,tabelle,datenbank,parameter,abgerufen,stand,sha256\n"
        by_code = {r["tabelle"]: r for r in rows}
        assert sorted(by_code) == codes
        for r in rows:
            assert r["sha256"] == hashlib.sha256((gdir / r["datei"]).read_bytes()).hexdigest()
            assert len(r["abgerufen"]) == 19 and r["abgerufen"][10] == "T"
        assert by_code["12411-01-01-4"]["stand"] == "2025-03-31T11:18:07"  # "31.03.2025 11:18:07h"
        assert by_code["13111-01-03-4"]["stand"] == "2025-09-08T09:08:56"
        assert by_code["12531-0043"]["datenbank"] == "genesis-online"
        assert by_code["12411-01-01-4"]["datenbank"] == "regionalstatistik"
        assert "job=true" in by_code["12531-0043"]["parameter"]
        assert "name=12411-01-01-4" in by_code["12411-01-01-4"]["parameter"]
        assert "format=ffcsv" in by_code["12411-01-01-4"]["parameter"]

        # second run: metadata for every table, not a single download, nothing rewritten
        before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in gdir.iterdir()}
        data_calls = server.count("data/tablefile") + server.count("data/resultfile")
        meta_calls = server.count("metadata/table")
        rc, out2 = run(cfg, capsys)
        assert rc == 0, out2
        assert server.count("data/tablefile") + server.count("data/resultfile") == data_calls
        assert server.count("metadata/table") == meta_calls + 6
        assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in gdir.iterdir()} == before
        assert "0 Tabellen heruntergeladen, 6 unverändert" in out2

        # a changed Stand and a missing file: exactly those two tables are downloaded again
        text = (gdir / "abruf-manifest.csv").read_text(encoding="utf-8")
        (gdir / "abruf-manifest.csv").write_text(
            text.replace("2025-03-31T11:18:07", "2024-03-28T10:00:00"), encoding="utf-8")
        (gdir / "11111-02-01-4.zip").unlink()
        calls = len(server.received)
        rc, out3 = run(cfg, capsys)
        assert rc == 0, out3
        names = sorted(r.params.get("name") for r in server.received[calls:] if r.method == "data/tablefile")
        assert names == ["11111-02-01-4", "12411-01-01-4"]
        assert "bisher Stand 28.03.2024 10:00:00" in out3
        assert {r["tabelle"]: r["stand"] for r in manifest(tmp_path)}["12411-01-01-4"] == "2025-03-31T11:18:07"
    assert not list(gdir.glob(".*"))  # no temporary files left
    assert_no_secret(tmp_path, out1 + out2 + out3)


def test_fetch_refuses_demo_data_folder(tmp_path, capsys):
    rc = main(["fetch"])  # the repository's edition points at the demo data
    out = capsys.readouterr().out
    assert rc == 1
    assert "Demodaten" in out and "--data" in out


# ------------------------------------------------------------------------------ faults
FAULTS = {
    "langsam": (Fault("slow", "data/tablefile", seconds=1.5), "antwortet nicht innerhalb von 0,3 s"),
    "abgebrochen": (Fault("drop", "data/tablefile"), "während der Übertragung abgebrochen"),
    "zip-kaputt": (Fault("broken-zip", "data/tablefile"), "ZIP-Datei ist unvollständig oder beschädigt"),
    "status": (Fault("status", "data/tablefile"), "meldet beim Download den Status 12"),
    "http-503": (Fault("http", "data/tablefile", code=503), "nicht erreichbar oder bricht die Übertragung ab"),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_fetch_fault_gives_german_message_and_keeps_earlier_files(cassettes, tmp_path, monkeypatch, capsys, fault):
    cfg = edition(tmp_path, one_table("12411-01-01-4"), timeout=0.3)
    with_token(monkeypatch)
    gdir = tmp_path / "daten" / "genesis"
    with Replay(cassettes, token=TOKEN) as server:
        monkeypatch.setenv("IB_REGIONALSTATISTIK_URL", server.url("regionalstatistik"))
        rc, _ = run(cfg, capsys)
        assert rc == 0
        # pretend the service has a newer Stand than the file we have: a re-download is due
        m = gdir / "abruf-manifest.csv"
        m.write_text(m.read_text(encoding="utf-8").replace("2025-03-31", "2024-03-31"), encoding="utf-8")
        before = {p.name: p.read_bytes() for p in gdir.iterdir()}
        spec, expected = FAULTS[fault]
        server.faults.append(spec)
        calls = server.count("data/tablefile")
        rc, out = run(cfg, capsys)
    assert rc == 1
    assert expected in out, out
    assert "Traceback" not in out
    assert {p.name: p.read_bytes() for p in gdir.iterdir()} == before  # earlier files untouched
    if fault != "status":  # transient faults are retried (retries: 1 → 2 attempts)
        assert server.count("data/tablefile") - calls == 2
    assert_no_secret(tmp_path, out)


def test_fetch_retries_a_dropped_connection(cassettes, tmp_path, monkeypatch, capsys):
    cfg = edition(tmp_path, one_table("12411-01-01-4"))
    with_token(monkeypatch)
    with Replay(cassettes, token=TOKEN, faults=[Fault("drop", "data/tablefile", times=1)]) as server:
        monkeypatch.setenv("IB_REGIONALSTATISTIK_URL", server.url("regionalstatistik"))
        rc, out = run(cfg, capsys)
    assert rc == 0, out
    assert server.count("data/tablefile") == 2
    zipped = (tmp_path / "daten" / "genesis" / "12411-01-01-4.zip").read_bytes()
    assert zipped == recorded_file(API / "12411-01-01-4.yaml", "data/tablefile")


def test_fetch_unknown_table_is_reported_and_the_others_are_fetched(cassettes, tmp_path, monkeypatch, capsys):
    cfg = edition(tmp_path, one_table("99999-99-99-4"))
    with_token(monkeypatch)
    with Replay(cassettes, token=TOKEN) as server:
        monkeypatch.setenv("IB_REGIONALSTATISTIK_URL", server.url("regionalstatistik"))
        rc, out = run(cfg, capsys)
    assert rc == 1
    assert "Tabelle 99999-99-99-4 gibt es in der Datenbank Regionaldatenbank Deutschland nicht" in out
    assert "1 von 2 Tabellen konnte nicht abgerufen werden" in out
    # the population table (always needed) was fetched and recorded
    assert [r["tabelle"] for r in manifest(tmp_path)] == ["12411-01-01-4"]


def test_fetch_job_that_does_not_finish_in_time(cassettes, tmp_path, monkeypatch, capsys):
    cfg = edition(tmp_path, one_table("12531-0043", "genesis-online"))
    with_token(monkeypatch)
    with Replay(cassettes, token=TOKEN) as server:
        monkeypatch.setenv("IB_REGIONALSTATISTIK_URL", server.url("regionalstatistik"))
        monkeypatch.setenv("IB_GENESIS_URL", server.url("genesis-online"))
        rc = main(["fetch", "--config", str(cfg), "--poll-interval", "0.02", "--max-wait", "0.1"])
        out = capsys.readouterr().out
    assert rc == 1
    assert "Hintergrundauftrag 12531-0043_175879554" in out and "noch nicht fertig" in out
    assert "--max-wait" in out
    assert 1 <= server.count("catalogue/results") < 50
    assert not (tmp_path / "daten" / "genesis" / "12531-0043.zip").exists()


@pytest.mark.parametrize("answer", ["http", "status"])
def test_fetch_wrong_credentials(cassettes, tmp_path, monkeypatch, capsys, answer):
    cfg = edition(tmp_path, one_table("12411-01-01-4"))
    with_token(monkeypatch)  # the planted token is wrong for this server
    with Replay(cassettes, token="ein-anderes-token", credential_error=answer) as server:
        monkeypatch.setenv("IB_REGIONALSTATISTIK_URL", server.url("regionalstatistik"))
        rc, out = run(cfg, capsys)
    assert rc == 1
    assert "lehnt die Zugangsdaten ab" in out
    assert "Umgebungsvariable IB_REGIONALSTATISTIK_TOKEN" in out
    assert server.count("data/tablefile") == 0  # stops at the first refusal
    assert_no_secret(tmp_path, out)


def test_fetch_credentials_from_the_user_file_never_from_the_project(cassettes, tmp_path, monkeypatch, capsys):
    cfg = edition(tmp_path, one_table("12411-01-01-4"))
    user, password = "stadt-bielefeld", "Pass wört-§4711"
    zugang = tmp_path / "benutzer-konfiguration" / "integrationsbericht" / "zugang.yml"
    zugang.parent.mkdir(parents=True)
    zugang.write_text(f'regionalstatistik:\n  user: {user}\n  password: "{password}"\n', encoding="utf-8")
    zugang.chmod(0o600)
    with Replay(cassettes, user=user, password=password) as server:
        monkeypatch.setenv("IB_REGIONALSTATISTIK_URL", server.url("regionalstatistik"))
        rc, out = run(cfg, capsys)
        assert rc == 0, out
        assert {(r.username, r.password) for r in server.received} == {(user, password)}
        assert f"Benutzername und Passwort aus der Zugangsdatei {zugang}" in out
        assert_no_secret(tmp_path / "daten", out, password)
        assert_no_secret(tmp_path / "daten", out, user)

        # a credentials file inside the data folder (or project) is refused
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "daten" / "konfig"))
        inside = tmp_path / "daten" / "konfig" / "integrationsbericht" / "zugang.yml"
        inside.parent.mkdir(parents=True)
        inside.write_text(zugang.read_text(encoding="utf-8"), encoding="utf-8")
        rc, out = run(cfg, capsys)
    assert rc == 1
    assert "Zugangsdaten gehören nicht ins Projekt" in out
    assert password not in out


def test_fetch_without_credentials_uses_the_open_download(cassettes, tmp_path, monkeypatch, capsys):
    """No login: the service's open download of the default selection (classic CSV)."""
    aktuell = SHARED / "genesis-aktuell" / "13211-02-05-4_2025_regio-web_classic-Tabelle_latin1.csv"
    population = SHARED / "genesis" / "12411-01-01-4_00.csv"
    cfg = edition(tmp_path, one_table("13211-02-05-4"))
    downloads = {"13211-02-05-4": aktuell, "12411-01-01-4": population}
    with Replay(cassettes, downloads=downloads) as server:
        monkeypatch.setenv("IB_REGIONALSTATISTIK_URL", server.url("regionalstatistik"))
        rc, out = run(cfg, capsys)
        assert rc == 0, out
        assert "keine Zugangsdaten gefunden" in out
        assert "meist nur mit dem neuesten Zeitraum" in out
        gdir = tmp_path / "daten" / "genesis"
        assert (gdir / "13211-02-05-4_00.csv").read_bytes() == aktuell.read_bytes()
        row = {r["tabelle"]: r for r in manifest(tmp_path)}["13211-02-05-4"]
        assert row["stand"] == "2026-02-26T15:28:28"  # "Stand: 26.02.2026 / 15:28:28" of the footer
        assert row["parameter"] == "datei=13211-02-05-4_00.csv&quelle=ohne-anmeldung"
        assert {r.method for r in server.received} == {"downloader"}
        assert all(r.username is None for r in server.received)
        # no metadata without login: downloaded again, but an unchanged file is left as it is
        mtime = (gdir / "13211-02-05-4_00.csv").stat().st_mtime_ns
        rc, out = run(cfg, capsys)
    assert rc == 0
    assert "0 Tabellen heruntergeladen, 2 unverändert" in out
    assert (gdir / "13211-02-05-4_00.csv").stat().st_mtime_ns == mtime


# ------------------------------------------------------------------------------ TLS
def test_fetch_tls_error_names_proxy_and_certificate(cassettes, tmp_path, monkeypatch, capsys):
    trustme = pytest.importorskip("trustme", reason="trustme (Testabhängigkeit) fehlt")
    ca = trustme.CA()
    ctx = __import__("ssl").create_default_context(__import__("ssl").Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(ctx)
    cfg = edition(tmp_path, one_table("12411-01-01-4"))
    with_token(monkeypatch)
    with Replay(cassettes, token=TOKEN, ssl_context=ctx) as server:
        monkeypatch.setenv("IB_REGIONALSTATISTIK_URL", server.url("regionalstatistik"))
        rc, out = run(cfg, capsys)
        assert rc == 1
        assert "verschlüsselte Verbindung (TLS)" in out
        assert "Proxy" in out and "Stammzertifikat" in out and "HTTPS_PROXY" in out
        assert server.count() == 0
        # the same server is accepted once its CA is trusted (here as a file, like a city's proxy CA)
        with ca.cert_pem.tempfile() as pem:
            monkeypatch.setenv("REQUESTS_CA_BUNDLE", pem)
            rc, out = run(cfg, capsys)
    assert rc == 0, out
    assert (tmp_path / "daten" / "genesis" / "12411-01-01-4.zip").is_file()


# ------------------------------------------------------------------------------ planning, settings
def test_plan_follows_catalogue_and_report_year(project_root, monkeypatch):
    from integrationsbericht.config import EditionConfig
    from integrationsbericht.errors import ConfigError
    from integrationsbericht.fetch.run import base_url, plan_tables
    from integrationsbericht.indicators import catalogue_from_dict, load_catalogue

    from integrationsbericht.project import DEFAULTS

    cat = load_catalogue(DEFAULTS / "config" / "indikatoren.yml")
    plan, skipped = plan_tables(cat, EditionConfig(year=2025))
    assert "12411-03-03-4" in plan and "13211-02-05-4" in plan
    assert "12111-07-01-4" in plan  # Zensus 2011: a series that ended, its latest table stays
    assert "12411-03-02-4" in skipped and "12411-03-02-4" not in plan  # goes on in 12411-03-03-4
    assert all(db == cat.databases().get(c, "regionalstatistik") for c, db in plan.items())
    # every skipped table ends before the comparison window and its series goes on elsewhere
    for ind in cat.indicators:
        series = [ind.numerator, ind.denominator or []]
        for g in ind.groups.values():
            series += [g.numerator or [], g.denominator or []]
        for srcs in series:
            for s in srcs:
                if s.table in skipped:
                    assert s.years[1] is not None and s.years[1] < 2025 - 11
                    assert any(o.table in plan for o in srcs)
    # an earlier report year still needs the older tables
    assert "12411-03-02-4" in plan_tables(cat, EditionConfig(year=2015))[0]

    test_cat = load_catalogue(CATALOGUE)
    assert test_cat.databases()["12531-0043"] == "genesis-online"
    assert test_cat.databases()["12411-01-01-4"] == "regionalstatistik"
    src = {"table": "12521-0041", "where": {"h1": "x"}}
    raw = {"indicators": [
        {"id": "a", "title": "A", "field": "f", "unit": "Anzahl", "definition": "d",
         "numerator": [{**src, "database": "genesis-online"}, {**src, "database": "regionalstatistik"}]}]}
    with pytest.raises(ConfigError, match="unterschiedliche Datenbanken"):
        catalogue_from_dict(raw)

    cfg = EditionConfig.model_validate({"fetch": {"genesis_url": "https://example.invalid/genesisWS/rest/2020"}})
    assert base_url(cfg, "genesis-online") == "https://example.invalid/genesisWS/rest/2020/"
    assert base_url(cfg, "regionalstatistik") == "https://www.regionalstatistik.de/genesisws/rest/2020/"
    monkeypatch.setenv("IB_GENESIS_URL", "http://127.0.0.1:9/x/rest/2020/")
    assert base_url(cfg, "genesis-online") == "http://127.0.0.1:9/x/rest/2020/"


def test_credentials_are_never_shown(monkeypatch, tmp_path):
    from integrationsbericht.errors import ConfigError
    from integrationsbericht.fetch.client import nologin_url
    from integrationsbericht.fetch.credentials import load_credentials, redact

    monkeypatch.setenv("IB_GENESIS_USER", "anna")
    with pytest.raises(ConfigError, match="IB_GENESIS_PASSWORD") as err:
        load_credentials("genesis-online")
    assert "anna" not in str(err.value)
    monkeypatch.setenv("IB_GENESIS_PASSWORD", "geheim\nzeile")
    with pytest.raises(ConfigError, match="Steuerzeichen") as err:
        load_credentials("genesis-online")
    assert "geheim" not in str(err.value)
    monkeypatch.setenv("IB_GENESIS_PASSWORD", "s3cret")
    creds, _ = load_credentials("genesis-online")
    assert creds.headers() == {"username": "anna", "password": "s3cret"}
    assert "s3cret" not in repr(creds) and "anna" not in str(creds)
    assert redact("user anna, pw s3cret", creds.secrets) == "user ***, pw ***"
    # the no-login download derives from the same base URL
    assert nologin_url("https://www.regionalstatistik.de/genesisws/rest/2020/", "13211-02-05-4") == (
        "https://www.regionalstatistik.de/genesisws/downloader/00/tables/13211-02-05-4_00.csv")


def test_interrupted_fetch_keeps_finished_files_and_the_next_run_completes(cassettes, tmp_path, monkeypatch):
    import requests

    from integrationsbericht.fetch import fetch
    from integrationsbericht.fetch.client import make_session

    cfg = edition(tmp_path)
    with_token(monkeypatch)
    gdir = tmp_path / "daten" / "genesis"

    class Interrupting(requests.Session):
        """Ctrl+C in the middle of the third table's download."""
        downloads = 0

        def post(self, url, *args, **kwargs):
            resp = super().post(url, *args, **kwargs)
            if url.endswith("data/tablefile"):
                Interrupting.downloads += 1
                if Interrupting.downloads == 3:
                    chunks = resp.iter_content

                    def broken(size):
                        yield next(chunks(size))
                        raise KeyboardInterrupt

                    resp.iter_content = broken
            return resp

    session = make_session()
    session.__class__ = Interrupting
    with Replay(cassettes, token=TOKEN) as server:
        monkeypatch.setenv("IB_REGIONALSTATISTIK_URL", server.url("regionalstatistik"))
        monkeypatch.setenv("IB_GENESIS_URL", server.url("genesis-online"))
        with pytest.raises(KeyboardInterrupt):
            fetch(cfg, session=session, poll_interval=0.001)
        done = {r["tabelle"]: r for r in manifest(tmp_path)}
        assert sorted(done) == ["11111-02-01-4", "12211-0001"]  # written before the interruption
        assert sorted(p.name for p in gdir.iterdir()) == ["11111-02-01-4.zip", "12211-0001.zip",
                                                           "abruf-manifest.csv"]  # no partial file
        kept = {n: (gdir / n).read_bytes() for n in ("11111-02-01-4.zip", "12211-0001.zip")}
        calls = len(server.received)
        result = fetch(cfg, poll_interval=0.001)
        fetched = sorted(r.params.get("name") for r in server.received[calls:] if r.method == "data/tablefile")
    assert fetched == ["12211-Z-11", "12411-01-01-4", "12531-0043", "12531-0043", "13111-01-03-4"]
    assert sorted(result.downloaded) == ["12211-Z-11", "12411-01-01-4", "12531-0043", "13111-01-03-4"]
    assert {n: (gdir / n).read_bytes() for n in kept} == kept
    assert len(manifest(tmp_path)) == 6


def test_fetch_uses_https_proxy_from_the_environment(cassettes, tmp_path, monkeypatch, capsys):
    """HTTPS_PROXY is honoured: a proxy that does not answer gives the German proxy message."""
    import socket

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    cfg = edition(tmp_path, one_table("12411-01-01-4"))
    with_token(monkeypatch)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{dead}")
    monkeypatch.setenv("IB_REGIONALSTATISTIK_URL", "https://www.regionalstatistik.de.invalid/genesisws/rest/2020/")
    rc, out = run(cfg, capsys)
    assert rc == 1
    assert "Der Proxy für die Verbindung zu www.regionalstatistik.de.invalid" in out
    assert "HTTPS_PROXY prüfen" in out
    assert_no_secret(tmp_path, out)


def test_fetch_without_login_keeps_the_full_series_from_an_earlier_login(cassettes, tmp_path, monkeypatch, capsys):
    cfg = edition(tmp_path, one_table("12411-01-01-4"))
    gdir = tmp_path / "daten" / "genesis"
    population = SHARED / "genesis" / "12411-01-01-4_00.csv"
    with Replay(cassettes, downloads={"12411-01-01-4": population}) as server:
        monkeypatch.setenv("IB_REGIONALSTATISTIK_URL", server.url("regionalstatistik"))
        monkeypatch.setenv("IB_REGIONALSTATISTIK_TOKEN", TOKEN)
        assert run(cfg, capsys)[0] == 0
        zipped = (gdir / "12411-01-01-4.zip").read_bytes()
        monkeypatch.delenv("IB_REGIONALSTATISTIK_TOKEN")
        rc, out = run(cfg, capsys)
    assert rc == 0, out
    assert (gdir / "12411-01-01-4.zip").read_bytes() == zipped  # the full series stays
    assert (gdir / "12411-01-01-4_00.csv").read_bytes() == population.read_bytes()
    assert sorted(r["datei"] for r in manifest(tmp_path)) == ["12411-01-01-4.zip", "12411-01-01-4_00.csv"]


def test_fetch_in_a_project_uses_the_packaged_catalogue(cassettes, tmp_path, monkeypatch, capsys):
    """A city's project without its own catalogue: the packaged one names the tables."""
    from integrationsbericht.fetch.run import plan_tables
    from integrationsbericht.config import EditionConfig
    from integrationsbericht.indicators import load_catalogue
    from integrationsbericht.project import DEFAULTS

    proj = tmp_path / "projekt"
    (proj / "config").mkdir(parents=True)
    (proj / "config" / "edition.yml").write_text('ags: "05711"\nyear: 2024\ndata_dir: daten\n', encoding="utf-8")
    planned = plan_tables(load_catalogue(DEFAULTS / "config" / "indikatoren.yml"), EditionConfig(year=2024))[0]
    with_token(monkeypatch)
    with Replay(cassettes, token=TOKEN) as server:
        monkeypatch.setenv("IB_REGIONALSTATISTIK_URL", server.url("regionalstatistik"))
        monkeypatch.setenv("IB_GENESIS_URL", server.url("genesis-online"))
        monkeypatch.chdir(proj)
        rc, out = run(proj / "config" / "edition.yml", capsys)
    assert f"{len(planned)} Tabellen" in out
    asked = sorted(r.params["name"] for r in server.received if r.method == "metadata/table")
    assert asked == sorted(planned)
    # only the population table is among the recordings; the others are reported as unknown
    assert (proj / "daten" / "genesis" / "12411-01-01-4.zip").is_file()
    assert rc == 1 and "gibt es in der Datenbank" in out


# ------------------------------------------------------------------------------ fetch → build
def flat_cells(path: Path) -> list[dict]:
    """Cells of an API zip (ffcsv), read here independently of the package's reader:
    ``{"time", "value", <variable code>: <attribute label>, <code>_code: <attribute code>}``."""
    with zipfile.ZipFile(path) as zf:
        text = zf.read(zf.namelist()[0]).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    out = []
    for r in rows:
        cell = {"time": r["time"], "value": r["value"]}
        n = 1
        while f"{n}_variable_code" in r:
            code = r[f"{n}_variable_code"]
            cell[code] = r[f"{n}_variable_attribute_label"]
            cell[f"{code}_code"] = r[f"{n}_variable_attribute_code"]
            n += 1
        out.append(cell)
    return out


@pytest.mark.e2e
def test_fetch_then_build_produces_an_edition_from_the_fetched_files(cassettes, tmp_path, monkeypatch, capsys):
    """The yearly workflow against the replayed service: fetch, check, then build from what came."""
    proj = tmp_path / "projekt"
    (proj / "config").mkdir(parents=True)
    (proj / "config" / "edition.yml").write_text(
        'city: Bielefeld\nags: "05711"\nyear: 2024\ndata_dir: daten\nbranding: {logo: null}\n'
        "contact: {web: 'https://ki-bielefeld.de'}\n"
        "fetch: {timeout: 10, retries: 1, backoff: 0.01}\n", encoding="utf-8")
    (proj / "config" / "indikatoren.yml").write_bytes(CATALOGUE.read_bytes())
    (proj / "config" / "kennzahlen.yml").write_text(
        "key_figures:\n  - {indicator: bevoelkerung}\n  - {indicator: schutzsuchende_offen}\n", encoding="utf-8")
    (proj / "config" / "ziele.yml").write_text("example: false\nstatus_text: ''\ntargets: []\n", encoding="utf-8")
    # the field chapters are written for the full catalogue's indicators: not part of this edition
    (proj / "_quarto.yml").write_text(
        "book:\n  remove: [report/bevoelkerung.ipynb, report/rechtliche-integration.ipynb, "
        "report/fruehkindliche-bildung.ipynb, report/schule-ausbildung.ipynb, "
        "report/arbeit-lebensunterhalt.ipynb]\n", encoding="utf-8")
    with_token(monkeypatch)
    monkeypatch.chdir(proj)
    with Replay(cassettes, token=TOKEN) as server:
        monkeypatch.setenv("IB_REGIONALSTATISTIK_URL", server.url("regionalstatistik"))
        monkeypatch.setenv("IB_GENESIS_URL", server.url("genesis-online"))
        rc = main(["fetch", "--poll-interval", "0.001"])
        fetched = capsys.readouterr()
        assert rc == 0, fetched.out
    rc = main(["check"])
    checked = capsys.readouterr()
    assert rc == 0, checked.out
    rc = main(["build", "--renderer", "pandoc", "--format", "html", "--jobs", "2"])
    built = capsys.readouterr()
    assert rc == 0, built.out

    gdir = proj / "daten" / "genesis"
    table = {(r["indicator"], r["ags"], r["group"], r["period"]): r
             for r in csv.DictReader(open(proj / "_book" / "downloads" / "indikatoren.csv", encoding="utf-8"))}
    # population on 31.12.2024 from the Regionaldatenbank zip, by sex
    pop = [c for c in flat_cells(gdir / "12411-01-01-4.zip") if c["KREISE_code"] == "05711"]
    for group, label in (("insgesamt", "Insgesamt"), ("maennlich", "männlich"), ("weiblich", "weiblich")):
        expected = sum(float(c["value"]) for c in pop if c["GES"] == label)
        assert float(table[("bevoelkerung", "05711", group, "31.12.2024")]["value"]) == expected
    assert float(table[("bevoelkerung", "05711", "insgesamt", "31.12.2024")]["value"]) == 331605
    # protection seekers from the GENESIS-Online table that came through the background job
    cells = [c for c in flat_cells(gdir / "12531-0043.zip")
             if c["KREISE_code"] == "05711" and c["SCHST2"] == "Offener Schutzstatus"]
    expected = sum(float(c["value"]) for c in cells)
    assert expected > 0
    assert float(table[("schutzsuchende_offen", "05711", "insgesamt", "31.12.2024")]["value"]) == expected
    row = table[("schutzsuchende_offen", "05711", "insgesamt", "31.12.2024")]
    assert row["source"] == "12531-0043"
    index = (proj / "_book" / "index.html").read_text(encoding="utf-8")
    assert "331.605" in index and "Schutzsuchende mit offenem Schutzstatus" in index
    # no credential in anything fetch or build wrote, or printed
    assert_no_secret(tmp_path, fetched.out + fetched.err + checked.out + checked.err + built.out + built.err)
