"""The districts file drawn as an inline SVG map: no tiles, no script, nothing from the internet.

Longitude and latitude are projected equirectangularly with longitude scaled by the cosine of
the middle latitude, which keeps a city's shapes true to within a fraction of a percent. Colour
is never the only carrier of a number: each district is labelled with its count, has a <title>,
and the page repeats the numbers in a table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.geo.districts import DistrictMap, Ring

VIEW_WIDTH = 640.0
PADDING = 8.0
# ColorBrewer "Blues" (colour-blind safe, prints in grey): none, then four classes up to the max.
EMPTY_COLOUR = "#f7fbff"
CLASS_COLOURS = ("#c6dbef", "#6baed6", "#2171b5", "#08306b")
DARK_FROM_CLASS = 2  # labels on the two darkest classes are written in white


@dataclass(frozen=True)
class Shape:
    code: str
    name: str
    count: int
    path: str
    fill: str
    label_x: float
    label_y: float
    light_text: bool


@dataclass(frozen=True)
class LegendEntry:
    colour: str
    low: int
    high: int


@dataclass(frozen=True)
class MapView:
    width: float
    height: float
    shapes: tuple[Shape, ...]
    legend: tuple[LegendEntry, ...]


def class_limits(highest: int) -> list[int]:
    """Upper bounds of the colour classes for counts 1..highest (fewer classes for small maxima)."""
    limits = sorted({math.ceil(highest * step / len(CLASS_COLOURS)) for step in (1, 2, 3, 4)})
    return [limit for limit in limits if limit > 0]


def _colour(count: int, limits: list[int]) -> tuple[str, int]:
    if count <= 0:
        return EMPTY_COLOUR, -1
    index = next(position for position, limit in enumerate(limits) if count <= limit)
    # Spread fewer classes over the whole scale, so the highest is always the darkest.
    shade = index + len(CLASS_COLOURS) - len(limits)
    return CLASS_COLOURS[shade], shade


def draw_districts(districts: DistrictMap, counts: dict[str, int]) -> MapView | None:
    """The map with each district filled by its count; None when there are no districts."""
    if not len(districts):
        return None
    min_lon = min(d.bbox[0] for d in districts.districts)
    min_lat = min(d.bbox[1] for d in districts.districts)
    max_lon = max(d.bbox[2] for d in districts.districts)
    max_lat = max(d.bbox[3] for d in districts.districts)
    squeeze = math.cos(math.radians((min_lat + max_lat) / 2))
    span = max((max_lon - min_lon) * squeeze, max_lat - min_lat, 1e-9)
    scale = (VIEW_WIDTH - 2 * PADDING) / span
    # The longer side fills VIEW_WIDTH; the other follows the city's proportions.
    width = (max_lon - min_lon) * squeeze * scale + 2 * PADDING
    height = (max_lat - min_lat) * scale + 2 * PADDING

    def point(lon: float, lat: float) -> tuple[float, float]:
        return (
            round(PADDING + (lon - min_lon) * squeeze * scale, 1),
            round(PADDING + (max_lat - lat) * scale, 1),
        )

    def ring_path(ring: Ring) -> str:
        points = [point(lon, lat) for lon, lat in ring]
        return "M" + " L".join(f"{x},{y}" for x, y in points) + " Z"

    limits = class_limits(max(counts.values(), default=0))
    shapes = []
    for district in districts.districts:
        count = counts.get(district.code, 0)
        fill, shade = _colour(count, limits)
        rings = [ring for polygon in district.polygons for ring in (polygon.outer, *polygon.holes)]
        lat, lon = district.centre
        x, y = point(lon, lat)
        shapes.append(
            Shape(
                code=district.code,
                name=district.name,
                count=count,
                path=" ".join(ring_path(ring) for ring in rings),
                fill=fill,
                label_x=x,
                label_y=y,
                light_text=shade >= DARK_FROM_CLASS,
            )
        )
    legend = [LegendEntry(EMPTY_COLOUR, 0, 0)]
    low = 1
    for limit in limits:
        legend.append(LegendEntry(_colour(limit, limits)[0], low, limit))
        low = limit + 1
    return MapView(round(width, 1), round(height, 1), tuple(shapes), tuple(legend))
