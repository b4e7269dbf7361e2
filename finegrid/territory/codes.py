"""Grid codes (DESIGN §2) and the materialized paths derived from them.

    community grid   510116001005           (the community's 12-digit NBS code)
    general grid     510116001005-003
    micro-grid       510116001005-003-07
    dedicated grid   510116001005-Z04

The path of a grid is its community's area path followed by the code's segments:
``51/5101/510116/510116001/510116001005/003/07``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CODE = re.compile(
    r"^(?P<community>\d{12})"
    r"(?:-(?P<general>\d{3})(?:-(?P<micro>\d{2}))?|-(?P<dedicated>Z\d{2}))?$"
)


@dataclass(frozen=True, slots=True)
class GridCode:
    community: str
    kind: str  # community / general / micro / dedicated
    segments: tuple[str, ...]  # the parts after the community code: ("003", "07"), ("Z04",)

    @property
    def code(self) -> str:
        return "-".join((self.community, *self.segments))

    @property
    def parent_code(self) -> str | None:
        if self.kind == "community":
            return None
        return "-".join((self.community, *self.segments[:-1]))

    @property
    def number(self) -> str:
        return self.segments[-1] if self.segments else ""


def parse(code: str) -> GridCode:
    """Parse a grid code; ValueError says what a well-formed code looks like."""
    match = _CODE.match(code or "")
    if not match or _zero_number(match):
        raise ValueError(
            f"{code!r} is not a grid code: expected 12 digits of the community, then "
            "-NNN for a general grid (001–999), -NNN-NN for a micro-grid (01–99) "
            "or -ZNN for a dedicated grid (Z01–Z99)"
        )
    parts = match.groupdict()
    if parts["dedicated"]:
        return GridCode(parts["community"], "dedicated", (parts["dedicated"],))
    if parts["micro"]:
        return GridCode(parts["community"], "micro", (parts["general"], parts["micro"]))
    if parts["general"]:
        return GridCode(parts["community"], "general", (parts["general"],))
    return GridCode(parts["community"], "community", ())


def _zero_number(match: re.Match) -> bool:
    return any(
        segment is not None and int(segment.lstrip("Z")) == 0
        for segment in (match["general"], match["micro"], match["dedicated"])
    )


def grid_path(community_path: str, grid_code: GridCode) -> str:
    return "/".join((community_path, *grid_code.segments))
