"""Publishing: the output folder is the user's; only a finished build replaces it.

One entry point, :class:`OutputFolder`, used as a context manager around a build:

* on entry it checks the folder *before any work starts* (it must be empty or made by this
  tool, never the project folder, never a mount point, and writable), takes the lock of that
  output folder and repairs a publish that was interrupted between its two renames;
* :meth:`OutputFolder.lock_edition` additionally locks what builds of one edition share
  (the processed data folder) — a second build of the edition into another folder waits;
* :meth:`OutputFolder.publish` renders into a hidden sibling folder and swaps it in
  atomically, so a failed or interrupted build leaves the published output unchanged.

A folder made by this tool carries the marker file ``.integrationsbericht`` (JSON: the render
key and the list of files the tool wrote). A folder holding any file that is not in that list
is refused, so no file of the user's is ever deleted.

Locks use :mod:`filelock` (``fcntl``/``msvcrt``): the operating system releases them when the
holder dies, so a crashed build or a recycled process id cannot jam later builds.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
from pathlib import Path
from typing import Callable, Iterable

from .errors import BuildError

MARKER = ".integrationsbericht"
TOOL = "integrationsbericht"

Log = Callable[[str], None]


# -- operating-system errors in German ------------------------------------------------------
_CAUSES = {
    errno.ENOSPC: "Der Datenträger ist voll. Bitte Platz schaffen und den Build wiederholen.",
    errno.EDQUOT: "Das Speicherkontingent (Quota) ist erschöpft. Bitte Platz schaffen und den "
    "Build wiederholen.",
    errno.EROFS: "Der Datenträger ist schreibgeschützt eingehängt.",
    errno.EACCES: "Keine Schreibrechte.",
    errno.EPERM: "Keine Berechtigung für diese Dateioperation.",
    errno.EBUSY: "Der Ordner ist in Benutzung oder ein Einhängepunkt (mount point).",
    errno.EXDEV: "Ausgabeordner und Zwischenordner liegen auf verschiedenen Datenträgern.",
    errno.ENAMETOOLONG: "Der Pfad ist zu lang.",
    errno.EMFILE: "Zu viele geöffnete Dateien.",
    errno.EIO: "Ein-/Ausgabefehler des Datenträgers.",
    errno.ENOTDIR: "Ein Teil des Pfades ist eine Datei, kein Ordner.",
    errno.EEXIST: "An dieser Stelle liegt schon eine Datei oder ein Ordner gleichen Namens.",
}


def os_error(exc: OSError, path: str | Path | None = None) -> BuildError | None:
    """A German :class:`BuildError` for an operating-system error with a known cause, else ``None``."""
    cause = _CAUSES.get(exc.errno or 0)
    if cause is None:
        return None
    where = path or exc.filename
    return BuildError(f"Schreiben nicht möglich: {cause}", file=where)


# -- the checks -----------------------------------------------------------------------------
def _marker_info(out: Path) -> dict | None:
    """The marker's content, ``{}`` for an old plain-text marker, ``None`` if there is none."""
    marker = out / MARKER
    if not marker.is_file():
        return None
    try:
        text = marker.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    try:
        data = json.loads(text)
    except ValueError:
        # marker of an earlier version: only the render key (64 hex digits), written right
        # after the output; any other text (an empty file, a note) is no marker of this tool
        key = text.strip()
        if not re.fullmatch(r"[0-9a-f]{64}", key):
            return None
        return {"render_key": key, "geschrieben": marker.stat().st_mtime}
    if not isinstance(data, dict) or data.get("werkzeug") != TOOL:
        return None
    return data


def _files_below(folder: Path) -> list[str]:
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() or p.is_symlink()
    )


def _listing(files: list[str]) -> str:
    """ "3: a, b, c" – the count and the first five names, for a message."""
    return f"{len(files)}: " + ", ".join(files[:5]) + (" …" if len(files) > 5 else "")


def _check_protected(out: Path, protected: Iterable[Path]) -> None:
    for p in protected:
        p = Path(p).resolve()
        if p == out or p.is_relative_to(out):
            what = "ist selbst" if p == out else "enthält"
            raise BuildError(
                f"Der Ausgabeordner {out} {what} {p} (Berichtsprojekt, Daten oder Konfiguration). "
                "Er würde beim Veröffentlichen ersetzt; bitte einen eigenen Ordner für die "
                "Ausgabe angeben, z. B. _book/ im Projekt.",
                file=out,
            )


def check_output(out: Path, *, protected: Iterable[Path] = ()) -> None:
    """Refuse, before any work, an output folder the build must not replace.

    ``protected``: folders and files that must survive the build (the project folder, the data
    folder, the configuration file); the output folder may not be one of them or contain one.
    """
    out = Path(out)
    where = f"Der Ausgabeordner {out}"
    _check_protected(out, protected)
    if out.parent == out:
        raise BuildError(f"{where} ist das Wurzelverzeichnis; bitte einen Unterordner angeben.", file=out)
    if out.exists() or out.is_symlink():
        if not out.is_dir():
            raise BuildError(f"{where} ist eine Datei, kein Ordner; sie wird nicht ersetzt.", file=out)
        if os.path.ismount(out):
            raise BuildError(
                f"{where} ist ein Einhängepunkt (mount point). Er kann nicht ausgetauscht werden; "
                "bitte einen Unterordner darin als Ausgabeordner angeben.",
                file=out,
            )
        try:
            entries = list(out.iterdir())
        except OSError as exc:
            raise (os_error(exc, out) or BuildError(f"{where} kann nicht gelesen werden.", file=out)) from None
        if entries:
            info = _marker_info(out)
            if info is None:
                raise BuildError(
                    f"{where} ist nicht leer und wurde nicht von integrationsbericht angelegt "
                    f"(die Kennzeichnungsdatei {MARKER} fehlt). Damit keine eigenen Dateien "
                    "verloren gehen, wird er nicht ersetzt. Bitte einen leeren oder neuen Ordner "
                    "angeben.",
                    file=out,
                )
            known = info.get("dateien")
            if known is None:
                # an earlier version's marker lists no files: every file it wrote is older than
                # the marker; a file added or changed later is the user's
                written = info.get("geschrieben", float("-inf"))
                known = [f for f in _files_below(out) if (out / f).lstat().st_mtime <= written]
            foreign = sorted(set(_files_below(out)) - set(known) - {MARKER})
            if foreign:
                raise BuildError(
                    f"Im Ausgabeordner liegen Dateien, die nicht von integrationsbericht "
                    f"stammen ({_listing(foreign)}). Sie würden beim Veröffentlichen "
                    "gelöscht; bitte an einen anderen Ort verschieben.",
                    file=out,
                )
        if not os.access(out, os.W_OK | os.X_OK):
            raise BuildError(f"{where} ist schreibgeschützt (keine Schreibrechte).", file=out)
    parent = out.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise (
            os_error(exc, parent)
            or BuildError(f"Der übergeordnete Ordner {parent} kann nicht angelegt werden.", file=parent)
        ) from None
    if not os.access(parent, os.W_OK | os.X_OK):
        raise BuildError(
            f"Der übergeordnete Ordner {parent} ist schreibgeschützt; dort entsteht die neue "
            "Ausgabe, bevor sie die alte ersetzt.",
            file=parent,
        )
    # a real probe: os.access cannot see every cause (read-only mounts for root, ACLs, full disk)
    probe = parent / f".{out.name}.probe-{os.getpid()}"
    try:
        probe.mkdir()
        (probe / "x").write_bytes(b"x")
    except OSError as exc:
        raise (
            os_error(exc, parent)
            or BuildError(f"Im Ordner {parent} kann nicht geschrieben werden "
                          f"(Systemfehler {errno.errorcode.get(exc.errno or 0, exc.errno)}).", file=parent)
        ) from None
    finally:
        with contextlib.suppress(OSError):
            (probe / "x").unlink()
        with contextlib.suppress(OSError):
            probe.rmdir()


# -- the output folder --------------------------------------------------------------------------
def _lock(path: Path):
    from filelock import FileLock

    return FileLock(str(path))


def _remove_ours(folder: Path) -> None:
    """Delete a hidden work folder of this tool (it carries the marker); anything else stays."""
    if folder.is_dir() and not folder.is_symlink() and (folder / MARKER).is_file():
        shutil.rmtree(folder, ignore_errors=True)


class OutputFolder:
    """The output folder of one build: checked, locked, and replaced only when finished."""

    def __init__(self, out: str | Path, *, protected: Iterable[Path] = (), log: Log | None = None):
        self.out = Path(out).resolve()
        self.protected = [Path(p) for p in protected]
        self.log = log or (lambda _m: None)
        self._stack = contextlib.ExitStack()

    # hidden siblings of the output folder
    def _sibling(self, suffix: str) -> Path:
        return self.out.parent / f".{self.out.name}.{suffix}"

    @property
    def lock_file(self) -> Path:
        return self._sibling("lock")

    @property
    def state_file(self) -> Path:
        return self._sibling("state.json")

    def stage_name(self, edition: str) -> str:
        """Staging folder name: one per edition *and* output folder, so two builds of one
        edition into different folders never share their staging files."""
        tag = hashlib.sha256(str(self.out).encode()).hexdigest()[:10]
        return f"{edition}-{tag}"

    def __enter__(self) -> "OutputFolder":
        from filelock import Timeout

        check_output(self.out, protected=self.protected)
        lock = _lock(self.lock_file)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise BuildError(
                "Für diesen Ausgabeordner läuft bereits ein Build. Bitte warten, bis er fertig ist. "
                "(Die Sperre gibt das Betriebssystem frei, sobald jener Build endet.)",
                file=self.lock_file,
            ) from None
        except OSError as exc:
            raise (os_error(exc, self.lock_file) or BuildError(
                "Die Sperrdatei kann nicht angelegt werden.", file=self.lock_file)) from None
        self._stack.callback(lock.release)
        try:
            self._recover()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def lock_edition(self, shared: Path) -> None:
        """Lock what all builds of one edition share (its processed data folder); waits."""
        from filelock import Timeout

        shared = Path(shared).resolve()
        shared.parent.mkdir(parents=True, exist_ok=True)
        path = shared.parent / f".{shared.name}.lock"
        lock = _lock(path)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            self.log(f"Ein anderer Build derselben Ausgabe läuft (Sperre {path}); warte, bis er fertig ist …")
            lock.acquire()
        self._stack.callback(lock.release)

    def _recover(self) -> None:
        """Undo a publish interrupted between its two renames; remove our stale work folders."""
        olds = sorted(self.out.parent.glob(f".{self.out.name}.old-*"), key=lambda p: p.stat().st_mtime)
        olds = [p for p in olds if (p / MARKER).is_file()]
        if not self.out.exists() and olds:
            os.replace(olds.pop(), self.out)
        for old in olds:
            _remove_ours(old)
        for tmp in self.out.parent.glob(f".{self.out.name}.tmp-*"):
            _remove_ours(tmp)

    # -- state of the published output
    def render_key(self) -> str | None:
        info = _marker_info(self.out) if self.out.is_dir() else None
        return (info or {}).get("render_key")

    def publish(self, render: Callable[[Path], None], render_key: str) -> None:
        """``render(tmp)`` writes the new output into a hidden folder; then it replaces the old."""
        tmp = self._sibling(f"tmp-{os.getpid()}")
        _remove_ours(tmp)
        if tmp.exists():
            raise BuildError("Ein fremder Ordner liegt im Weg der Zwischenausgabe.", file=tmp)
        tmp.mkdir(parents=True)
        (tmp / MARKER).write_text(json.dumps({"werkzeug": TOOL, "unfertig": True}), encoding="utf-8")
        try:
            render(tmp)
            files = [f for f in _files_below(tmp) if f != MARKER]
            marker = {"werkzeug": TOOL, "render_key": render_key, "dateien": files}
            (tmp / MARKER).write_text(json.dumps(marker, ensure_ascii=False, indent=0), encoding="utf-8")
            self._swap(tmp)
        except BaseException:
            _remove_ours(tmp)
            raise

    def _swap(self, tmp: Path) -> None:
        out = self.out
        # checked again right before the swap: the user may have put files in meanwhile
        check_output(out, protected=self.protected)
        old = None
        if out.exists():
            if _marker_info(out) is None:
                out.rmdir()  # an empty folder (checked above); fails safely if no longer empty
            else:
                old = self._sibling(f"old-{os.getpid()}")
                os.replace(out, old)
        os.replace(tmp, out)
        if old is not None:
            _remove_ours(old)


# -- the folder of a multi-region build ---------------------------------------------------------
BATCH_MARKER = ".integrationsbericht-stapel"
_REGION_ENTRY = re.compile(r"^\.?(\d{5})(?:$|\.)")
_OUR_TMP = re.compile(r"^\..+\.tmp-\d+$")  # a write of BatchFolder.write interrupted


class BatchFolder:
    """The output folder of a multi-region build: ``<out>/<AGS>/`` per region (each an
    :class:`OutputFolder`), plus the overview files this class writes.

    Accepted are an empty or new folder, or one made by a batch (marker file
    :data:`BATCH_MARKER` listing the overview files). Besides those, only region folders,
    their logs and their hidden work files may be in it; anything else is refused before any
    work, so no file of the user's is ever replaced. The batch holds a lock on the folder."""

    def __init__(self, out: str | Path, *, protected: Iterable[Path] = ()):
        self.out = Path(out).resolve()
        self.protected = [Path(p) for p in protected]
        self._stack = contextlib.ExitStack()

    def _known(self) -> set[str]:
        marker = self.out / BATCH_MARKER
        if not marker.is_file():
            return set()
        try:
            data = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError, UnicodeDecodeError):
            raise BuildError(f"Die Kennzeichnungsdatei {BATCH_MARKER} ist beschädigt; der Ordner "
                             "wird nicht verwendet.", file=marker) from None
        if not isinstance(data, dict) or data.get("werkzeug") != TOOL:
            raise BuildError(f"Die Kennzeichnungsdatei {BATCH_MARKER} stammt nicht von "
                             "integrationsbericht.", file=marker)
        return set(data.get("dateien") or [])

    def check(self) -> None:
        out = self.out
        _check_protected(out, self.protected)
        if not out.exists():
            check_output(out, protected=self.protected)  # parent writable, disk not full
            return
        if not out.is_dir():
            raise BuildError(f"Der Ausgabeordner {out} ist eine Datei, kein Ordner.", file=out)
        known = self._known()
        if not known and _marker_info(out) is not None:
            raise BuildError(
                f"Der Ausgabeordner {out} enthält den Bericht einer einzelnen Region. Für mehrere "
                "Regionen bitte einen eigenen Ordner angeben (--out), z. B. _berichte/.",
                file=out,
            )
        foreign = []
        for entry in sorted(out.iterdir()):
            rel = entry.name
            if rel == BATCH_MARKER or rel in known or any(k.startswith(rel + "/") for k in known):
                if rel in ("downloads", "_assets"):
                    foreign += [f"{rel}/{f}" for f in _files_below(entry)
                                if f"{rel}/{f}" not in known and not _OUR_TMP.match(Path(f).name)]
                continue
            if _OUR_TMP.match(rel):
                continue
            m = _REGION_ENTRY.match(rel)
            if m and (rel.startswith(".") or rel.endswith(".log") or (entry.is_dir() and (
                    not any(entry.iterdir()) or _marker_info(entry) is not None))):
                continue
            foreign.append(rel)
        if foreign:
            raise BuildError(
                f"Der Ausgabeordner {out} enthält Dateien, die nicht von integrationsbericht "
                f"stammen ({_listing(foreign)}). Damit nichts Eigenes verloren geht, wird er "
                "nicht verwendet; bitte einen leeren oder neuen Ordner angeben.",
                file=out,
            )

    def __enter__(self) -> "BatchFolder":
        from filelock import Timeout

        self.check()
        self.out.parent.mkdir(parents=True, exist_ok=True)
        lock = _lock(self.out.parent / f".{self.out.name}.lock")
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise BuildError("In diesen Ausgabeordner schreibt bereits ein anderer Lauf für mehrere "
                             "Regionen. Bitte warten, bis er fertig ist.", file=self.out) from None
        self._stack.callback(lock.release)
        self.out.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def write(self, rel: str, data: bytes) -> Path:
        """Write ``<out>/<rel>`` atomically (unchanged bytes are not rewritten) and record it."""
        target = self.out / rel
        self._record(rel)
        if target.is_file() and target.read_bytes() == data:
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.parent / f".{target.name}.tmp-{os.getpid()}"
        tmp.write_bytes(data)
        os.replace(tmp, target)
        return target

    def _record(self, rel: str) -> None:
        known = self._known()
        if rel in known:
            return
        marker = {"werkzeug": TOOL, "dateien": sorted(known | {rel})}
        tmp = self.out / f"{BATCH_MARKER}.tmp-{os.getpid()}"
        tmp.write_text(json.dumps(marker, ensure_ascii=False, indent=0), encoding="utf-8")
        os.replace(tmp, self.out / BATCH_MARKER)


__all__ = ["OutputFolder", "BatchFolder", "check_output", "os_error", "MARKER", "BATCH_MARKER"]
