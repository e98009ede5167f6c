"""Error types whose messages are shown to users (in German), never as a traceback."""

from __future__ import annotations

from pathlib import Path


class ReportError(Exception):
    """Base class: an error with a German, user-facing message.

    ``file``, ``line`` and ``column`` locate the problem in an input file where known;
    ``str(err)`` gives the full message including that location.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        column: str | int | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.column = column
        self.hint = hint
        super().__init__(self.__str__())

    def location(self) -> str:
        parts = []
        if self.file:
            parts.append(f"Datei {self.file}")
        if self.line is not None:
            parts.append(f"Zeile {self.line}")
        if self.column is not None:
            parts.append(f"Spalte {self.column}")
        return ", ".join(parts)

    def __str__(self) -> str:
        loc = self.location()
        text = f"{loc}: {self.message}" if loc else self.message
        if self.hint:
            text += f"\n  Hinweis: {self.hint}"
        return text


class ConfigError(ReportError):
    """The edition configuration or a catalogue is invalid."""


class InputError(ReportError):
    """A raw input file (GENESIS export, register extract, survey file …) is invalid."""


class BuildError(ReportError):
    """A build stage (notebook execution, rendering) failed."""
