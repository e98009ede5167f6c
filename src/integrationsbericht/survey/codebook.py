"""The survey codebook (``config/befragung_codebuch.yml``): variables, types, labels, missing codes.

All survey analysis is driven by this file. :func:`load_codebook` validates it with pydantic and
raises :class:`ConfigError` with a German message.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..config import _german_validation_message
from ..errors import ConfigError

ItemType = Literal["id", "likert", "frequency", "yesno", "multiple", "open", "sociodemographic", "numeric"]
CATEGORICAL = ("likert", "frequency", "yesno", "sociodemographic")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Summary(_Strict):
    label: str
    codes: list[int]


class Scale(_Strict):
    labels: dict[int, str]
    summary: Summary | None = None


class Filter(_Strict):
    variable: str
    codes: list[int]


class Option(_Strict):
    name: str
    label: str


class Item(_Strict):
    name: str
    type: ItemType
    block: int = Field(ge=1, le=11)
    text: str
    # the summary answer as a plural predicate, for sentences like "58 % der Befragten mit
    # Einwanderungsgeschichte <statement>": "haben sich … mindestens einmal diskriminiert gefühlt"
    statement: str | None = None
    scale: str | None = None
    labels: dict[int, str] | None = None
    options: list[Option] | None = None
    filter: Filter | None = None
    range: tuple[float, float] | None = None
    required: bool = True

    @model_validator(mode="after")
    def _check(self) -> "Item":
        if self.type in ("likert", "frequency", "yesno") and not self.scale:
            raise ValueError(f"Item {self.name}: Typ {self.type} braucht eine Skala (scale)")
        if self.type == "sociodemographic" and not (self.labels or self.scale):
            raise ValueError(f"Item {self.name}: soziodemografische Variable braucht labels")
        if self.type == "multiple" and not self.options:
            raise ValueError(f"Item {self.name}: Mehrfachantwort braucht options")
        if self.type == "numeric" and self.range is None:
            raise ValueError(f"Item {self.name}: numerische Variable braucht range")
        return self


class Bin(_Strict):
    min: float
    max: float
    label: str


class Derived(_Strict):
    source: str = Field(alias="from")
    bins: list[Bin] | None = None
    map: dict[int, str] | None = None

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Comparison(_Strict):
    variable: str
    label: str


class Weighting(_Strict):
    margins: list[list[str]]
    variables: dict[str, str]


class Codebook(_Strict):
    title: str
    id_variable: str
    missing_codes: dict[int, str]
    blocks: dict[int, str]
    scales: dict[str, Scale]
    comparisons: list[Comparison]
    derived: dict[str, Derived] = {}
    weighting: Weighting
    items: list[Item]

    @model_validator(mode="after")
    def _cross_check(self) -> "Codebook":
        names = [v for it in self.items for v in self.item_columns(it)]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"Variablen mehrfach definiert: {', '.join(dup)}")
        known = set(names) | set(self.derived)
        for it in self.items:
            if it.scale and it.scale not in self.scales:
                raise ValueError(f"Item {it.name}: unbekannte Skala '{it.scale}'")
            if it.filter and it.filter.variable not in known:
                raise ValueError(f"Item {it.name}: Filtervariable '{it.filter.variable}' fehlt im Codebuch")
        for name, d in self.derived.items():
            if d.source not in known:
                raise ValueError(f"Abgeleitetes Merkmal {name}: Quelle '{d.source}' fehlt im Codebuch")
            if (d.bins is None) == (d.map is None):
                raise ValueError(f"Abgeleitetes Merkmal {name}: genau eines von bins/map angeben")
        for c in self.comparisons:
            if c.variable not in known:
                raise ValueError(f"Vergleichsgruppe '{c.variable}' fehlt im Codebuch")
        for reg, var in self.weighting.variables.items():
            if var not in known:
                raise ValueError(f"Gewichtungsmerkmal '{var}' (für {reg}) fehlt im Codebuch")
        for margin in self.weighting.margins:
            for reg in margin:
                if reg not in self.weighting.variables:
                    raise ValueError(f"Randverteilung nennt '{reg}', aber weighting.variables nicht")
        if self.id_variable not in names:
            raise ValueError(f"Identifikationsvariable '{self.id_variable}' fehlt unter items")
        return self

    # -- helpers -------------------------------------------------------------------------
    @staticmethod
    def item_columns(item: Item) -> list[str]:
        """File columns that belong to an item (one per option for multiple response)."""
        if item.type == "multiple":
            return [o.name for o in item.options or []]
        return [item.name]

    @cached_property
    def by_name(self) -> dict[str, Item]:
        return {it.name: it for it in self.items}

    @cached_property
    def columns(self) -> dict[str, Item]:
        """File column → item (for multiple response the column is an option)."""
        return {col: it for it in self.items for col in self.item_columns(it)}

    def value_labels(self, item: Item) -> dict[int, str]:
        """Valid codes and labels of a categorical item or multiple-response option."""
        if item.type == "multiple":
            return {0: "nicht genannt", 1: "genannt"}
        if item.labels is not None:
            return dict(item.labels)
        if item.scale:
            return dict(self.scales[item.scale].labels)
        return {}

    def summary(self, item: Item) -> Summary | None:
        if item.scale and self.scales[item.scale].summary:
            return self.scales[item.scale].summary
        return None

    def items_of(self, *types: str) -> list[Item]:
        return [it for it in self.items if it.type in types]

    def label_of(self, variable: str) -> str:
        for c in self.comparisons:
            if c.variable == variable:
                return c.label
        return variable


def load_codebook(path: str | Path) -> Codebook:
    """Read and validate the codebook YAML."""
    path = Path(path)
    if not path.exists():
        raise ConfigError("Codebuch der Befragung nicht gefunden.", file=path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError("Das Codebuch ist kein gültiges YAML.", file=path,
                          line=(mark.line + 1) if mark else None) from None
    except UnicodeDecodeError:
        raise ConfigError("Das Codebuch ist nicht UTF-8-kodiert.", file=path) from None
    if not isinstance(raw, dict):
        raise ConfigError("Das Codebuch muss eine Zuordnung (Schlüssel: Wert) sein.", file=path)
    try:
        return Codebook.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError("Das Codebuch ist ungültig:\n" + _german_validation_message(exc), file=path) from None
