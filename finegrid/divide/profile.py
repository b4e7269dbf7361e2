"""The workload profile: the figures behind the 3-hour door-to-door standard.

A micro-grid is sized so that one resident worker (微网格员) can visit every household
in it within one window. The estimated time of a visit is

    contact minutes × households
  + entry minutes × entrances entered
  + floor minutes × (top floor reached − 1) for each entrance (elevator or stairs)
  + walking minutes between consecutive entrances along the visiting order
    (straight-line metres × detour factor ÷ walking speed).

The defaults are the figures of the issue; a JSON or TOML profile file overrides any
of them by field name. The last five fields say how a real round varies around that
estimate (see :mod:`finegrid.divide.uncertainty`; figures and sources in docs/divide.md).
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path


class ProfileError(ValueError):
    """A profile file that cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class Profile:
    """Door-to-door workload figures; every field can be overridden by a profile file."""

    window_minutes: float = 180.0
    """The time one worker has for the whole micro-grid (3 hours)."""
    contact_minutes: float = 2.0
    """Talking to one household at its door."""
    entry_minutes: float = 2.0
    """Getting into one entrance (单元门): door, intercom, waiting."""
    elevator_floor_minutes: float = 0.5
    """Per floor of height reached in an entrance with an elevator."""
    stairs_floor_minutes: float = 0.3
    """Per floor of height reached by the stairs."""
    walking_speed_m_per_s: float = 1.2
    detour_factor: float = 1.3
    """Walking distance over straight-line distance between entrances."""
    contact_cv: float = 0.5
    """Spread of the time at a door where someone is home (coefficient of variation)."""
    away_share: float = 0.2
    """Share of households not at home: the worker leaves a notice instead."""
    away_minutes: float = 0.5
    """Minutes at a door nobody opens (knock, wait, leave a notice)."""
    start_delay_minutes: float = 5.0
    """Mean lateness of a round's start (exponentially distributed)."""
    walking_speed_cv: float = 0.15
    """Spread of a worker's walking speed from round to round (coefficient of variation)."""

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise ProfileError(f"{field.name} must be a number, got {value!r}")
            if math.isnan(value) or value < 0:
                raise ProfileError(f"{field.name} must be ≥ 0, got {value!r}")
        for name in ("window_minutes", "contact_minutes", "walking_speed_m_per_s"):
            if getattr(self, name) <= 0:
                raise ProfileError(f"{name} must be > 0, got {getattr(self, name)!r}")
        if self.detour_factor < 1:
            raise ProfileError(f"detour_factor must be ≥ 1, got {self.detour_factor!r}")
        if self.away_share >= 1:
            raise ProfileError(f"away_share must be < 1, got {self.away_share!r}")
        if self.walking_speed_cv >= 0.5:
            raise ProfileError(f"walking_speed_cv must be < 0.5, got {self.walking_speed_cv!r}")
        if self.away_share and self.away_minutes > self.contact_minutes:
            raise ProfileError(
                f"away_minutes must be ≤ contact_minutes ({self.contact_minutes!r}), "
                f"got {self.away_minutes!r}"
            )

    @property
    def walking_minutes_per_m(self) -> float:
        """Minutes per straight-line metre between two entrances."""
        return self.detour_factor / self.walking_speed_m_per_s / 60.0

    def floor_minutes(self, elevator: bool) -> float:
        return self.elevator_floor_minutes if elevator else self.stairs_floor_minutes

    @classmethod
    def load(cls, path: str | Path) -> Profile:
        """Read a JSON or TOML file whose keys are field names; unknown keys are refused."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
            data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
        except (OSError, ValueError) as error:
            raise ProfileError(f"{path}: cannot read profile: {error}") from error
        if not isinstance(data, dict):
            raise ProfileError(f"{path}: a profile is a table of field names and numbers")
        known = {field.name for field in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ProfileError(
                f"{path}: unknown profile field {unknown[0]!r} (known: {', '.join(sorted(known))})"
            )
        try:
            return replace(cls(), **data)
        except ProfileError as error:
            raise ProfileError(f"{path}: {error}") from error


def households_measure(max_households: int) -> Profile:
    """A profile whose "minutes" count households: used to cut general grids (一般网格),
    whose ceiling is a number of households rather than a walking time."""
    return Profile(
        window_minutes=float(max_households),
        contact_minutes=1.0,
        entry_minutes=0.0,
        elevator_floor_minutes=0.0,
        stairs_floor_minutes=0.0,
        walking_speed_m_per_s=math.inf,
        detour_factor=1.0,
        contact_cv=0.0,
        away_share=0.0,
        away_minutes=0.0,
        start_delay_minutes=0.0,
        walking_speed_cv=0.0,
    )
