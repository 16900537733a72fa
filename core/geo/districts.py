"""The city's districts from a GeoJSON file, and point-in-polygon lookup.

Only Polygon and MultiPolygon features are read; each needs a `code` property (and may have a
`name`). Coordinates are GeoJSON order: longitude, latitude.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import ConfigurationError

Ring = tuple[tuple[float, float], ...]  # (longitude, latitude) points, closed or not


def _ring_contains(ring: Ring, lon: float, lat: float) -> bool:
    """Even-odd ray casting."""
    inside = False
    count = len(ring)
    for index in range(count):
        x1, y1 = ring[index]
        x2, y2 = ring[index - 1]
        if (y1 > lat) != (y2 > lat):
            crossing = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lon < crossing:
                inside = not inside
    return inside


@dataclass(frozen=True)
class Polygon:
    outer: Ring
    holes: tuple[Ring, ...] = ()

    def contains(self, lon: float, lat: float) -> bool:
        return _ring_contains(self.outer, lon, lat) and not any(
            _ring_contains(hole, lon, lat) for hole in self.holes
        )


@dataclass(frozen=True)
class District:
    code: str
    name: str
    polygons: tuple[Polygon, ...]
    bbox: tuple[float, float, float, float]  # min lon, min lat, max lon, max lat

    def contains(self, lat: float, lon: float) -> bool:
        min_lon, min_lat, max_lon, max_lat = self.bbox
        if not (min_lon <= lon <= max_lon and min_lat <= lat <= max_lat):
            return False
        return any(polygon.contains(lon, lat) for polygon in self.polygons)

    @property
    def centre(self) -> tuple[float, float]:
        """(lat, lon) of the bounding box centre: enough to place a label on a sketch map."""
        min_lon, min_lat, max_lon, max_lat = self.bbox
        return ((min_lat + max_lat) / 2, (min_lon + max_lon) / 2)


def _ring(raw: Any, where: str) -> Ring:
    if not isinstance(raw, list) or len(raw) < 3:
        raise ConfigurationError(f"{where}: a ring needs at least three points")
    try:
        return tuple((float(point[0]), float(point[1])) for point in raw)
    except (TypeError, ValueError, IndexError) as exc:
        raise ConfigurationError(f"{where}: points must be [longitude, latitude]") from exc


def _polygons(geometry: Any, where: str) -> list[Polygon]:
    if not isinstance(geometry, dict):
        raise ConfigurationError(f"{where}: missing geometry")
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        rings = [_ring(ring, where) for ring in coordinates or []]
        return [Polygon(rings[0], tuple(rings[1:]))] if rings else []
    if kind == "MultiPolygon":
        return [
            polygon
            for part in coordinates or []
            for polygon in _polygons({"type": "Polygon", "coordinates": part}, where)
        ]
    raise ConfigurationError(f"{where}: geometry type {kind!r} is not a Polygon or MultiPolygon")


class DistrictMap:
    def __init__(self, districts: Iterable[District] = ()) -> None:
        self._districts: tuple[District, ...] = tuple(districts)

    def __len__(self) -> int:
        return len(self._districts)

    @property
    def districts(self) -> Sequence[District]:
        return self._districts

    def codes(self) -> list[str]:
        return [district.code for district in self._districts]

    def get(self, code: str) -> District | None:
        return next((district for district in self._districts if district.code == code), None)

    def locate(self, lat: float, lon: float) -> str | None:
        """The code of the district containing the point, or None outside every district."""
        for district in self._districts:
            if district.contains(lat, lon):
                return district.code
        return None

    @classmethod
    def load(cls, path: Path | None) -> DistrictMap:
        if path is None:
            return cls()
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigurationError(f"cannot read districts file {path}: {exc}") from exc
        features = data.get("features") if isinstance(data, dict) else None
        if not isinstance(features, list):
            raise ConfigurationError(f"{path}: expected a GeoJSON FeatureCollection")
        districts = []
        for index, feature in enumerate(features):
            properties = feature.get("properties") or {}
            code = properties.get("code")
            where = f"{path} feature {index + 1}"
            if not isinstance(code, str) or not code:
                raise ConfigurationError(f"{where}: a 'code' property is required")
            polygons = _polygons(feature.get("geometry"), where)
            points = [point for polygon in polygons for point in polygon.outer]
            bbox = (
                min(p[0] for p in points),
                min(p[1] for p in points),
                max(p[0] for p in points),
                max(p[1] for p in points),
            )
            districts.append(
                District(code, str(properties.get("name") or code), tuple(polygons), bbox)
            )
        codes = [district.code for district in districts]
        duplicates = sorted({code for code in codes if codes.count(code) > 1})
        if duplicates:
            raise ConfigurationError(f"{path}: duplicate district codes {duplicates}")
        return cls(districts)
