"""A small pool of pre-started Jupyter kernels for the chapter notebooks.

Starting a kernel and importing pandas and matplotlib takes a few seconds per
notebook. The pool starts kernels in the background while the data are being prepared and
while other chapters run, and imports those libraries into ``sys.modules`` only: no name is
bound in the notebook's namespace, so a notebook that forgets an import still fails as it
would on its own. Every notebook gets a fresh kernel, which is shut down afterwards: no state
is shared between chapters.
"""

from __future__ import annotations

import queue
import subprocess
import threading
from pathlib import Path

from jupyter_client.manager import KernelManager

KERNEL_NAME = "python3"
KERNEL_ARGS = ["--IPKernelApp.log_level=CRITICAL"]
PRELOAD = (
    "numpy",
    "pandas",
    "pyarrow.parquet",
    "matplotlib",
    "matplotlib.pyplot",
    "IPython.display",
    "integrationsbericht.report",
    "integrationsbericht.indicators",
)
_WARM_CODE = (
    "import importlib as _ib_il, matplotlib as _ib_mpl\n"
    "_ib_mpl.use('Agg')\n"
    f"for _ib_m in {PRELOAD!r}:\n"
    "    try:\n"
    "        _ib_il.import_module(_ib_m)\n"
    "    except ImportError:\n"
    "        pass\n"
    "del _ib_il, _ib_mpl, _ib_m\n"
)


def _run(km: KernelManager, code: str, timeout: float = 300) -> None:
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=timeout)
        msg_id = kc.execute(code, store_history=False, silent=True)
        while True:
            reply = kc.get_shell_msg(timeout=timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
    finally:
        kc.stop_channels()


def start_warm_kernel(attempts: int = 2) -> KernelManager:
    """Start a kernel and preload the libraries; a kernel that dies on start-up (it happens
    on a busy machine) is replaced once."""
    for attempt in range(attempts):
        km = KernelManager(kernel_name=KERNEL_NAME)
        try:
            # The kernel's own stderr (start-up chatter, messages on shutdown) is not for the
            # analyst's terminal; errors in a chapter arrive through papermill.
            km.start_kernel(extra_arguments=KERNEL_ARGS, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
            _run(km, _WARM_CODE)
            return km
        except Exception:
            _shutdown(km)
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


class KernelPool:
    """``size`` warm kernels kept ready; ``take()`` hands one out and starts a replacement.

    ``persistent=True``: the pool serves many builds (a batch worker, one region after the
    other); it ignores :meth:`set_total` and stays full until :meth:`close`. A kernel is still
    handed out once and shut down after its notebook: never reused."""

    def __init__(self, size: int, persistent: bool = False):
        self.size = max(1, size)
        self.persistent = persistent
        self._ready: queue.Queue = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._closed = False
        self._lock = threading.Lock()
        self._wanted = 0
        self._budget: int | None = None
        self._out: set[KernelManager] = set()  # handed out, still running a notebook
        self._aborted = False
        for _ in range(self.size):
            self._spawn()

    @property
    def closed(self) -> bool:
        return self._closed

    def set_total(self, n: int) -> None:
        """The number of notebooks this build will run: no kernel is started beyond it."""
        if self.persistent:
            return
        with self._lock:
            self._budget = n

    def _spawn(self) -> None:
        with self._lock:
            if self._closed or (self._budget is not None and self._wanted >= self._budget):
                return
            self._wanted += 1
        t = threading.Thread(target=self._start_one, daemon=True)
        t.start()
        self._threads.append(t)

    def _start_one(self) -> None:
        try:
            km = start_warm_kernel()
        except Exception as exc:  # surfaced by take()
            self._ready.put(exc)
            return
        with self._lock:
            closed = self._closed
        if closed:
            _shutdown(km)
        else:
            self._ready.put(km)

    def take(self, cwd: Path | None = None, timeout: float = 300) -> KernelManager:
        item = self._ready.get(timeout=timeout)
        self._spawn()  # keep the pool full while this kernel works
        if isinstance(item, BaseException):
            raise item
        with self._lock:
            if self._aborted:
                _shutdown(item)
                raise KeyboardInterrupt
            self._out.add(item)
        if cwd is not None:
            _run(item, f"import os as _ib_os\n_ib_os.chdir({str(cwd)!r})\ndel _ib_os\n")
        return item

    def release(self, km: KernelManager) -> None:
        """Shut down a kernel handed out by :meth:`take` once its notebook is done."""
        with self._lock:
            self._out.discard(km)
        _shutdown(km)

    def abort(self) -> None:
        """Ctrl-C: kill every kernel now, the ones running notebooks included, so that the
        build stops within seconds instead of waiting for the chapters to finish."""
        with self._lock:
            self._closed = self._aborted = True
            running, self._out = list(self._out), set()
        for km in running:
            _kill(km)
        self._drain()
        for _ in range(self.size + len(self._threads) + len(running)):
            self._ready.put(KeyboardInterrupt())  # wakes every take() still waiting

    def close(self) -> None:
        with self._lock:
            self._closed = True
            aborted = self._aborted
        for t in self._threads:
            # after an abort, a kernel still starting shuts itself down when it is up
            t.join(timeout=2 if aborted else 60)
        self._drain()

    def _drain(self) -> None:
        while True:
            try:
                item = self._ready.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, KernelManager):
                _shutdown(item)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _kill(km: KernelManager) -> None:
    """Kill the kernel process at once (from any thread): papermill, waiting for its output,
    sees a dead kernel within a second."""
    import os
    import signal

    pid = getattr(getattr(km, "provisioner", None), "pid", None)
    if pid:
        try:
            os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))
        except OSError:  # already gone
            pass
    _shutdown(km)


def _shutdown(km: KernelManager) -> None:
    try:
        km.shutdown_kernel(now=True)
    except Exception:  # already gone
        pass
