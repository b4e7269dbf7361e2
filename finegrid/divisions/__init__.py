"""China's administrative divisions (行政区划) as shipped with finegrid, without Django.

The rows come from the 2023 NBS statistical division codes (统计用区划代码, via the npm
package ``china-division`` 2.7.0; ``scripts/extract_divisions.py`` regenerates them).
Codes are the 12-digit NBS form; each level also has a natural short code (2, 4, 6, 9
or 12 digits) that the materialized paths use.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

LEVELS = ("province", "city", "district", "street", "community")
SHORT_LENGTH = {"province": 2, "city": 4, "district": 6, "street": 9, "community": 12}

# Suffixes of the official committee names; stripping them gives the everyday name.
_COMMITTEE_SUFFIXES = ("村民委员会", "居民委员会", "村委会", "居委会")
_VILLAGE_MARKERS = ("村民委员会", "村委会")


class UnknownDivision(LookupError):
    """A code that is not in the shipped division data."""


@dataclass(frozen=True, slots=True)
class Division:
    code: str  # 12-digit NBS code
    level: str
    name: str  # official name, e.g. 棠湖社区居委会
    parent: str | None

    @property
    def short_code(self) -> str:
        return self.code[: SHORT_LENGTH[self.level]]

    @property
    def short_name(self) -> str:
        """Everyday name: 棠湖社区居委会 → 棠湖社区, 团结村村民委员会 → 团结村."""
        for suffix in _COMMITTEE_SUFFIXES:
            if self.name.endswith(suffix) and len(self.name) > len(suffix):
                return self.name[: -len(suffix)]
        return self.name

    @property
    def is_village(self) -> bool:
        """A rural village (村) rather than an urban community (社区)."""
        return self.level == "community" and self.name.endswith(_VILLAGE_MARKERS)


def normalize_code(code: str) -> str:
    """Accept a short (2/4/6/9-digit) or full 12-digit code; return the 12-digit form."""
    code = code.strip()
    if not code.isdigit() or len(code) not in SHORT_LENGTH.values():
        raise UnknownDivision(
            f"{code!r} is not an administrative division code (2, 4, 6, 9 or 12 digits)"
        )
    return code.ljust(12, "0")


def _read_file(path: Path) -> Iterator[Division]:
    with path.open(encoding="utf-8", newline="") as source:
        for row in csv.DictReader(source):
            yield Division(row["code"], row["level"], row["name"], row["parent"] or None)


@functools.cache
def _province_index(province: str) -> dict[str, Division]:
    path = DATA_DIR / f"divisions-{province}.csv"
    if not path.exists():
        shipped = DATA_DIR.glob("divisions-*.csv")
        available = ", ".join(sorted(p.stem.split("-")[1] for p in shipped))
        raise UnknownDivision(
            f"no division data for province {province} (shipped: {available}); "
            "see scripts/extract_divisions.py"
        )
    return {division.code: division for division in _read_file(path)}


def get(code: str) -> Division:
    full = normalize_code(code)
    index = _province_index(full[:2])
    try:
        return index[full]
    except KeyError:
        raise UnknownDivision(f"no administrative division with code {code}") from None


def subtree(code: str) -> list[Division]:
    """The division with this code, its ancestors and everything under it, parents first."""
    root = get(code)
    prefix = root.short_code
    index = _province_index(root.code[:2])
    ancestors = []
    node = root
    while node.parent:
        node = index[node.parent]
        ancestors.append(node)
    below = [d for d in index.values() if d.code.startswith(prefix) and d.code != root.code]
    below.sort(key=lambda d: (LEVELS.index(d.level), d.code))
    return [*reversed(ancestors), root, *below]


def path_of(division: Division) -> str:
    """Materialized path of short codes from the province down: 51/5101/510116/…"""
    codes = [division.code[:n] for n in SHORT_LENGTH.values() if n <= len(division.short_code)]
    return "/".join(codes)
