"""Reading buildings, grids and previous micro-grids; writing results atomically.

Every input problem is an :class:`InputError` that names the feature (1-based position
in the file, and its id when it has one) and the property at fault.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import numpy as np
import pyogrio
import pyogrio.errors
import shapely
from shapely import Polygon, STRtree

from finegrid.divide.geometry import FOOTPRINT_TYPES, repair_footprint
from finegrid.divide.model import Building, MicroGrid, Part

REPAIR_HINT = " (--repair-geometry repairs it)"
GRID_MEMBERSHIP_TOLERANCE_DEG = 2e-4
"""A building may stick out of its grid by about 20 m (digitizing noise) and still belong."""


class InputError(ValueError):
    """A problem with an input file, naming the feature and the property."""


def _feature(index: int, identifier: object = None) -> str:
    label = f"feature #{index + 1}"
    return f"{label} (id {identifier!r})" if identifier not in (None, "") else label


def _read_layer(path: str | Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    try:
        meta, _fids, geometries, columns = pyogrio.raw.read(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as error:
        raise InputError(f"{path}: cannot read: {error}") from error
    crs = meta.get("crs")
    if crs not in (None, "EPSG:4326", "OGC:CRS84"):
        raise InputError(f"{path}: coordinates must be WGS-84 longitude/latitude, not {crs}")
    if geometries is None:
        raise InputError(f"{path}: has no geometry column (is it a GeoJSON or GeoPackage layer?)")
    shapes = shapely.from_wkb(geometries, on_invalid="ignore")
    return shapes, dict(zip(meta["fields"], columns, strict=True))


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value == ""


def _whole(value: object, where: str, name: str, *, minimum: int, default: int | None) -> int:
    if _missing(value):
        if default is None:
            raise InputError(f"{where}: property {name!r} is missing")
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not number.is_integer():
        shown = value.item() if isinstance(value, np.generic) else value
        raise InputError(f"{where}: property {name!r} must be a whole number, got {shown!r}")
    if number < minimum:
        raise InputError(f"{where}: property {name!r} must be ≥ {minimum}, got {int(number)}")
    return int(number)


def _flag(value: object, where: str, name: str) -> bool | None:
    if _missing(value):
        return None
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "1", "yes"):
            return True
        if lowered in ("false", "0", "no"):
            return False
        raise InputError(f"{where}: property {name!r} must be true or false, got {value!r}")
    return bool(value)


def _text(value: object) -> str | None:
    if _missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _checked_shape(shape, where: str, allowed: tuple[str, ...], *, hint: str = ""):
    if shape is None or shape.is_empty:
        raise InputError(f"{where}: property 'geometry' is missing or empty")
    if shape.geom_type not in allowed:
        raise InputError(
            f"{where}: property 'geometry' must be a {' or '.join(allowed)}, got {shape.geom_type}"
        )
    if not shape.is_valid:
        raise InputError(
            f"{where}: property 'geometry' is invalid: {shapely.is_valid_reason(shape)}{hint}"
        )
    _check_lon_lat(shape, where)
    return shape


def _check_lon_lat(shape, where: str) -> None:
    xmin, ymin, xmax, ymax = shape.bounds
    if not (-180 <= xmin <= xmax <= 180 and -90 <= ymin <= ymax <= 90):
        raise InputError(f"{where}: property 'geometry' is not longitude/latitude")


def _footprint(shape, where: str, repaired: list[dict] | None, identifier: str):
    """A building's geometry, repaired (and listed in ``repaired``) when that list is
    given, else refused when invalid."""
    if repaired is None or shape is None or shape.is_empty or shape.is_valid:
        return _checked_shape(shape, where, FOOTPRINT_TYPES, hint=REPAIR_HINT)
    if shape.geom_type not in FOOTPRINT_TYPES:
        _checked_shape(shape, where, FOOTPRINT_TYPES)
    _check_lon_lat(shape, where)
    fixed, reason = repair_footprint(shape)
    repaired.append({"id": identifier, "reason": reason})
    return fixed


def read_buildings(path: str | Path, repaired: list[dict] | None = None) -> list[Building]:
    """Buildings from GeoJSON or GeoPackage; unknown properties are ignored. Footprints
    are Points, Polygons or MultiPolygons; when a ``repaired`` list is given, invalid
    ones are repaired (:func:`~finegrid.divide.geometry.repair_footprint`) and each is
    listed there as ``{id, reason}``, else they are refused."""
    shapes, columns = _read_layer(path)
    count = len(shapes)

    def column(name: str) -> np.ndarray | list:
        return columns[name] if name in columns else [None] * count

    ids, households, floors = column("id"), column("households"), column("floors")
    entrances, elevators = column("entrances"), column("elevator")
    compounds, grids = column("compound"), column("general_grid")
    buildings = []
    seen: dict[str, int] = {}
    for index in range(count):
        identifier = _text(ids[index])
        where = _feature(index, identifier)
        if identifier is None:
            raise InputError(f"{path}: {where}: property 'id' is missing")
        if identifier in seen:
            raise InputError(
                f"{path}: {where}: property 'id' repeats feature #{seen[identifier] + 1}"
            )
        seen[identifier] = index
        try:
            buildings.append(
                Building(
                    id=identifier,
                    households=_whole(
                        households[index], where, "households", minimum=0, default=None
                    ),
                    geometry=_footprint(shapes[index], where, repaired, identifier),
                    floors=_whole(floors[index], where, "floors", minimum=1, default=1),
                    entrances=_whole(entrances[index], where, "entrances", minimum=1, default=1),
                    elevator=_flag(elevators[index], where, "elevator"),
                    compound=_text(compounds[index]),
                    general_grid=_text(grids[index]),
                )
            )
        except InputError as error:
            raise InputError(f"{path}: {error}") from None
    return buildings


def read_grids(path: str | Path) -> dict[str, Polygon]:
    """Grid polygons by their ``code`` property."""
    shapes, columns = _read_layer(path)
    codes = columns.get("code", [None] * len(shapes))
    grids: dict[str, Polygon] = {}
    for index, shape in enumerate(shapes):
        code = _text(codes[index])
        where = f"{path}: {_feature(index, code)}"
        if code is None:
            raise InputError(f"{where}: property 'code' is missing")
        if code in grids:
            raise InputError(f"{where}: property 'code' repeats an earlier grid")
        grids[code] = _checked_shape(shape, where, ("Polygon", "MultiPolygon"))
    return grids


def group_buildings(
    buildings: list[Building],
    grids: dict[str, Polygon] | None,
    *,
    community_level: bool,
    default_code: str,
) -> dict[str, list[Building]]:
    """Buildings by the grid they are divided in.

    A building names its general grid in ``general_grid``; at the community level the
    community code is that code's part before the first ``-``. A building that names no
    grid belongs to the given grid containing it, or to ``default_code`` without grids.
    """
    groups: dict[str, list[Building]] = {}
    codes = list(grids) if grids else []
    tree = STRtree([grids[code] for code in codes]) if grids else None
    for index, building in enumerate(buildings):
        named = building.general_grid
        if named is not None and community_level:
            named = named.split("-")[0]
        where = _feature(index, building.id)
        if grids is None:
            code = named or default_code
        elif named is not None:
            if named not in grids:
                raise InputError(f"{where}: property 'general_grid' names no grid: {named!r}")
            if not grids[named].dwithin(building.geometry, GRID_MEMBERSHIP_TOLERANCE_DEG):
                raise InputError(
                    f"{where}: property 'geometry' lies outside its grid "
                    f"{named!r} (property 'general_grid')"
                )
            code = named
        else:
            point = building.geometry.representative_point()
            hits = tree.query(point, predicate="intersects")
            if len(hits) == 0:
                hits = tree.query(
                    point, predicate="dwithin", distance=GRID_MEMBERSHIP_TOLERANCE_DEG
                )
            if len(hits) == 0:
                raise InputError(f"{where}: property 'geometry' lies outside every given grid")
            code = codes[int(min(hits))]
        groups.setdefault(code, []).append(building)
    return groups


def read_previous(path: str | Path) -> dict[str, list[MicroGrid]]:
    """Micro-grids written by an earlier run, by general grid code."""
    try:
        with open(path, encoding="utf-8") as source:
            features = json.load(source)["features"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise InputError(f"{path}: not a micro-grid GeoJSON file: {error}") from error
    previous: dict[str, list[MicroGrid]] = {}
    for index, feature in enumerate(features):
        properties = feature.get("properties") or {}
        code = properties.get("code")
        where = f"{path}: {_feature(index, code)}"
        try:
            number = int(str(code).rsplit("-", 1)[1])
        except (IndexError, ValueError):
            raise InputError(f"{where}: property 'code' is not a micro-grid code") from None
        if "general_grid" not in properties:
            raise InputError(f"{where}: property 'general_grid' is missing")
        general_grid = str(properties["general_grid"])
        try:
            parts = [
                Part(
                    building=str(part["building"]),
                    entrance=int(part["entrance"]),
                    floors=(int(part["floors"][0]), int(part["floors"][1])),
                    households=int(part["households"]),
                )
                for part in properties["parts"]
            ]
        except (KeyError, IndexError, TypeError, ValueError):
            raise InputError(
                f"{where}: property 'parts' must list {{building, entrance, floors: [lo, hi], "
                "households}} entries"
            ) from None
        previous.setdefault(general_grid, []).append(
            MicroGrid(
                code=str(code),
                number=number,
                general_grid=general_grid,
                households=sum(part.households for part in parts),
                minutes=float(properties.get("minutes") or 0.0),
                parts=parts,
                polygon=shapely.geometry.shape(feature["geometry"])
                if feature.get("geometry")
                else None,
            )
        )
    return previous


@contextmanager
def atomic_output(path: str | Path) -> Iterator[IO[str]]:
    """Write to a temporary file beside ``path`` and rename it into place on success,
    so a failure never leaves a partial file."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            yield out
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes it private; files are shared
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def micro_grid_feature(grid: MicroGrid) -> str:
    """One GeoJSON feature, as text."""
    properties = {
        "code": grid.code,
        "general_grid": grid.general_grid,
        "households": grid.households,
        "minutes": grid.minutes,
        "parts": [part.as_json() for part in grid.parts],
        "buildings": grid.buildings,
    }
    geometry = shapely.to_geojson(grid.polygon) if grid.polygon is not None else "null"
    return (
        f'{{"type":"Feature","geometry":{geometry},'
        f'"properties":{json.dumps(properties, ensure_ascii=False)}}}'
    )


def write_features(out: IO[str], features: Iterable[str]) -> None:
    """A GeoJSON FeatureCollection streamed feature by feature."""
    out.write('{"type":"FeatureCollection","features":[\n')
    for index, feature in enumerate(features):
        if index:
            out.write(",\n")
        out.write(feature)
    out.write("\n]}\n")
