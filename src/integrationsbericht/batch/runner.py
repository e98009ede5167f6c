"""Many regions in one run, as tasks on Dask (``dask.distributed``).

* One task per region (:func:`.worker.build_region`), on a local cluster sized to the machine
  or on an existing cluster (``--scheduler tcp://host:8786`` or the environment variable
  ``INTEGRATIONSBERICHT_SCHEDULER``; under Slurm with ``dask-jobqueue``, see the README).
* A region whose build fails does not stop the others; it is tried once more, then reported
  with its German error.
* A region whose inputs did not change is not sent to the cluster at all (the same test a
  single build makes first); a re-run without changes starts no cluster.
* ``batch.json`` and ``batch.csv`` are rewritten after every finished region, so a killed run
  leaves a true summary; every finished region is published (atomically, by its own build),
  every unfinished one keeps its last good state.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .. import fmt
from ..errors import BuildError
from .regions import Region

SCHEDULER_ENV = "INTEGRATIONSBERICHT_SCHEDULER"
STATUS_OK = ("erzeugt", "unverändert")

Log = Callable[[str], None]


@dataclass
class BatchResult:
    out: Path
    rows: list[dict]
    seconds: float
    workers: int
    scheduler: str
    overview: Path | None = None
    failed: list[str] = field(default_factory=list)
    setup_seconds: float = 0.0  # starting the cluster and warming its workers


def _spec(region: Region, base: Path, options: dict, attempt: int = 1) -> dict:
    return {**options, "ags": region.ags, "out": str(base / region.ags), "attempt": attempt}


def _current_row(region: Region, base: Path, options: dict) -> dict | None:
    """The summary line of a region whose published report is current, else ``None``."""
    from ..pipeline import is_current
    from .worker import optional_path

    try:
        ed = is_current(
            options["config"], data_dir=options["data"], ags=region.ags, year=options["year"],
            renderer=options["renderer"], formats=options["formats"], out=base / region.ags,
            project=options["project"], build_root=optional_path(options.get("build_root")),
            processed_root=optional_path(options.get("processed_root")),
        )
    except Exception:  # anything unusual: the build itself decides and reports
        return None
    if ed is None:
        return None
    out = base / region.ags
    return {"ags": region.ags, "out": str(out), "log": str(base / f"{region.ags}.log"), "attempt": 0,
            "status": "unverändert", "region": ed.city, "year": ed.year,
            "pdf": ed.pdf_name if (out / ed.pdf_name).exists() else None, "seconds": 0.0}


def _client(scheduler: str | None, workers: int):
    """A Dask client: to ``scheduler`` if given, else to a new local cluster of ``workers``
    single-threaded worker processes (one region at a time each)."""
    from dask.distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout="20s"), None
        except (OSError, TimeoutError) as exc:
            raise BuildError(f"Der Dask-Scheduler {scheduler} ist nicht erreichbar ({exc}).") from None
    import warnings

    with warnings.catch_warnings():
        # Dask's status page on a free port (":0"): never "Port 8787 is already in use" on
        # the analyst's terminal when another cluster runs on the machine
        warnings.simplefilter("ignore", UserWarning)
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
            silence_logs=logging.CRITICAL,
        )
    return Client(cluster), cluster


def run_batch(
    regions: list[Region],
    *,
    out: Path,
    options: dict,
    protected: list[Path],
    workers: int | None = None,
    scheduler: str | None = None,
    land: str | None = None,
    log: Log | None = None,
) -> BatchResult:
    """Build every region into ``out/<AGS>/``; write ``batch.json``, ``batch.csv`` and the
    overview ``index.html``. ``options``: the build arguments shared by all regions
    (``config, data, year, renderer, formats, force, project``)."""
    from ..publishing import BatchFolder
    from . import overview

    log = log or (lambda _m: None)
    t0 = time.monotonic()
    started = dt.datetime.now().isoformat(timespec="seconds")
    scheduler = scheduler or os.environ.get(SCHEDULER_ENV) or None
    with BatchFolder(out, protected=protected) as folder:
        rows: dict[str, dict] = {}
        todo: list[Region] = []
        for region in regions:
            row = None if options.get("force") else _current_row(region, folder.out, options)
            if row is None:
                todo.append(region)
            else:
                rows[region.ags] = row
        if rows:
            log(f"{len(rows)} von {len(regions)} Regionen sind aktuell (keine Änderung an den Eingaben).")
        n_workers = 0
        setup = 0.0
        where = "keiner (nichts zu tun)"

        def summary() -> None:
            _write_summary(folder, regions, rows, started=started, seconds=time.monotonic() - t0,
                           workers=n_workers, scheduler=where, year=options.get("year"))

        if todo:
            cpus = os.cpu_count() or 1
            n_workers = max(1, min(workers or cpus, len(todo)))
            # chapters of one region in parallel only where cores are left over
            options = {**options, "jobs": max(1, cpus // n_workers) if not scheduler else 1}
            from .worker import warm_up

            client, cluster = _client(scheduler, n_workers)
            where = scheduler or f"lokal ({n_workers} Prozesse)"
            if scheduler:
                n_workers = len(client.scheduler_info().get("workers", {})) or n_workers
            log(f"{len(todo)} Regionen werden erzeugt; Dask: {where}.")
            try:
                client.run(warm_up, options["jobs"])  # every worker starts its kernels now
                setup = time.monotonic() - t0
                _run(client, todo, folder.out, options, rows, summary, log)
            finally:
                client.close()
                if cluster is not None:
                    cluster.close()
        summary()
        result = BatchResult(out=folder.out, rows=[rows[r.ags] for r in regions],
                             seconds=time.monotonic() - t0, workers=n_workers, scheduler=where,
                             setup_seconds=setup)
        result.failed = [r["ags"] for r in result.rows if r["status"] not in STATUS_OK]
        result.overview = overview.write(folder, regions, result.rows, options=options, land=land)
    return result


def _run(client, todo: list[Region], base: Path, options: dict, rows: dict, summary, log: Log) -> None:
    from dask.distributed import as_completed

    from .worker import build_region

    by_key = {}
    futures = []
    for region in todo:
        fut = client.submit(build_region, _spec(region, base, options), key=f"region-{region.ags}-1", pure=False)
        by_key[fut.key] = (region, 1)
        futures.append(fut)
    queue = as_completed(futures)
    for fut in queue:
        region, attempt = by_key[fut.key]
        try:
            row = fut.result()
        except Exception as exc:  # the worker process died (memory, killed): the region failed
            row = {"ags": region.ags, "out": str(base / region.ags), "attempt": attempt,
                   "status": "fehlgeschlagen",
                   "error": f"Der Arbeitsprozess ist ausgefallen ({type(exc).__name__}).", "seconds": 0.0}
        if row["status"] not in STATUS_OK and attempt == 1:
            log(f"{region.ags}: fehlgeschlagen, zweiter Versuch …")
            retry = client.submit(build_region, _spec(region, base, options, attempt=2),
                                  key=f"region-{region.ags}-2", pure=False)
            by_key[retry.key] = (region, 2)
            queue.add(retry)
            continue
        rows[region.ags] = row
        _log_row(row, log)
        summary()


def _log_row(row: dict, log: Log) -> None:
    name = row.get("region") or ""
    head = f"{row['ags']} {name}".strip()
    if row["status"] in STATUS_OK:
        log(f"{head}: {row['status']} in {fmt.number(row['seconds'], 1)} s")
    else:
        log(f"{head}: FEHLER nach {row.get('attempt', 1)} Versuchen: {row.get('error')}")


# -- batch.json and batch.csv -------------------------------------------------------------------
CSV_COLUMNS = {
    "ags": "AGS", "region": "Region", "status": "Status", "attempt": "Versuche",
    "seconds": "Dauer (s)", "daten": "Daten (s)", "kapitel": "Kapitel (s)", "rendern": "Rendern (s)",
    "out": "Ausgabeordner", "pdf": "PDF", "error": "Fehler",
}


def _write_summary(folder, regions: list[Region], rows: dict, *, started: str, seconds: float,
                   workers: int, scheduler: str, year) -> None:
    import pandas as pd

    from ..exports import write_csv

    lines = []
    for r in regions:
        row = rows.get(r.ags) or {"ags": r.ags, "status": "offen", "out": str(folder.out / r.ags)}
        lines.append({"region": row.get("region") or r.name, **{k: v for k, v in row.items() if k != "region"}})
    data = {
        "werkzeug": "integrationsbericht",
        "berichtsjahr": year,
        "gestartet": started,
        "dauer_s": round(seconds, 1),
        "arbeitsprozesse": workers,
        "dask": scheduler,
        "regionen": lines,
    }
    folder.write("batch.json", (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    table = pd.DataFrame(
        [{**{k: line.get(k) for k in ("ags", "region", "status", "attempt", "seconds", "out", "pdf", "error")},
          **{k: (line.get("timings") or {}).get(k) for k in ("daten", "kapitel", "rendern")}}
         for line in lines]
    )[list(CSV_COLUMNS)].rename(columns=CSV_COLUMNS)
    import tempfile

    with tempfile.TemporaryDirectory(prefix="integrationsbericht-batch-") as tmp:
        write_csv(table, Path(tmp) / "batch.csv")
        folder.write("batch.csv", (Path(tmp) / "batch.csv").read_bytes())
