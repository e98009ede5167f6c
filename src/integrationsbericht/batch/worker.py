"""What runs on a Dask worker: one region's build.

A worker process builds one region after the other. What does not depend on the region is
kept for the worker's lifetime:

* a :class:`~integrationsbericht.kernels.KernelPool` of warm kernels (started, pandas and
  matplotlib imported). Each kernel still runs exactly one chapter and is shut down after it:
  a chapter never sees another chapter's state;
* the parsed and merged GENESIS tables (:func:`integrationsbericht.ingest.read_tables` keeps
  them per process, keyed on the files' content), on top of the content-keyed Parquet cache
  on disk that all workers share;
* imported modules, catalogues and templates (read through the same process).

Dask runs worker processes as daemons: nothing here uses :mod:`multiprocessing`; chapters run
in threads, kernels and pandoc as plain subprocesses.
"""

from __future__ import annotations

import atexit
import datetime as dt
import io
import logging
import threading
import time
import traceback
from pathlib import Path

_POOL = None
_POOL_LOCK = threading.Lock()


def _kernel_pool(size: int):
    """The worker's pool of warm kernels, started on its first region."""
    global _POOL
    from ..kernels import KernelPool

    with _POOL_LOCK:
        if _POOL is None or _POOL.closed or _POOL.size != size:
            if _POOL is not None:
                _POOL.close()
            _POOL = KernelPool(size, persistent=True)
            atexit.register(_POOL.close)
        return _POOL


class _LogHandler(logging.Handler):
    def __init__(self, log):
        super().__init__(logging.INFO)
        self._log = log

    def emit(self, record: logging.LogRecord) -> None:
        self._log(record.getMessage())


def warm_up(size: int) -> bool:
    """Start the worker's kernels before its first region arrives."""
    _kernel_pool(size)
    return True


def optional_path(value) -> Path | None:
    """A path option of the task spec (sent as text), ``None`` where it is not set."""
    return Path(value) if value else None


def build_region(spec: dict) -> dict:
    """Build one region; never raises. Returns the region's line of the batch summary.

    ``spec``: ``ags``, ``out`` (the region's output folder), ``config``, ``data``, ``year``,
    ``renderer``, ``formats``, ``jobs``, ``force``, ``project``, ``attempt``; optionally
    ``build_root`` and ``processed_root`` (staging and processed data elsewhere than in the
    project)."""
    from ..errors import ReportError
    from ..escaping import terminal
    from ..pipeline import build

    t0 = time.monotonic()
    out = Path(spec["out"])
    log_path = out.parent / f"{out.name}.log"
    try:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        logf = open(log_path, "a", encoding="utf-8")
    except OSError:  # the build reports an unwritable place itself
        logf = io.StringIO()
    logf.write(f"\n=== Build {dt.datetime.now().isoformat(timespec='seconds')}"
               f" (Stapel, Versuch {spec.get('attempt', 1)}) ===\n")

    def log(msg: str) -> None:
        try:
            logf.write(terminal(msg) + "\n")
            logf.flush()
        except OSError:
            pass

    row = {"ags": spec["ags"], "out": str(out), "log": str(log_path), "attempt": spec.get("attempt", 1)}
    # the package's warnings belong to this region's log, not to the batch's terminal
    pkg_logger = logging.getLogger("integrationsbericht")
    handler = _LogHandler(log)
    pkg_logger.addHandler(handler)
    pkg_logger.propagate = False
    try:
        result = build(
            spec.get("config"),
            data_dir=spec.get("data"),
            ags=spec["ags"],
            year=spec.get("year"),
            renderer=spec.get("renderer", "auto"),
            formats=spec.get("formats", ("html", "pdf")),
            jobs=spec.get("jobs", 1),
            force=spec.get("force", False),
            out=out,
            log=log,
            project=spec.get("project"),
            build_root=optional_path(spec.get("build_root")),
            processed_root=optional_path(spec.get("processed_root")),
            kernel_pool=_kernel_pool(spec.get("jobs", 1)),
        )
    except ReportError as err:
        log(f"Fehler: {err}")
        row.update(status="fehlgeschlagen", error=str(err))
    except Exception:  # unexpected: details to the region's log
        logf.write(traceback.format_exc())
        row.update(status="fehlgeschlagen",
                   error=f"Unerwarteter Fehler im Programm (kein Eingabefehler); Details im Protokoll {log_path}")
    else:
        ed = result.edition
        row.update(
            status="erzeugt" if (result.executed or result.rendered) else "unverändert",
            region=ed.city,
            year=ed.year,
            pdf=ed.pdf_name if (out / ed.pdf_name).exists() else None,
            chapters=len(result.chapters),
            executed=len(result.executed),
            timings={k: round(v, 2) for k, v in result.timings.items()},
        )
    finally:
        pkg_logger.removeHandler(handler)
        pkg_logger.propagate = True
        logf.close()
    row["seconds"] = round(time.monotonic() - t0, 2)
    return row
