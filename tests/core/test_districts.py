import json
from pathlib import Path

import pytest

from core.demo.seed import DEMO_DISTRICTS
from core.errors import ConfigurationError
from core.geo.districts import DistrictMap
from tests.factories import NORTH, SOUTH


def test_demo_map_locates_points() -> None:
    districts = DistrictMap.load(DEMO_DISTRICTS)
    assert districts.locate(*NORTH) == "north"
    assert districts.locate(*SOUTH) == "south"
    assert districts.locate(50.0, 8.0) == "old-town"
    assert districts.locate(10.0, 10.0) is None


def test_polygon_holes_are_outside(tmp_path: Path) -> None:
    ring = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]
    hole = [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]
    path = tmp_path / "d.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"code": "donut"},
                        "geometry": {"type": "MultiPolygon", "coordinates": [[ring, hole]]},
                    }
                ],
            }
        )
    )
    districts = DistrictMap.load(path)
    assert districts.locate(2, 2) == "donut"  # lat, lon
    assert districts.locate(5, 5) is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "cannot read"),
        ('{"type": "Feature"}', "FeatureCollection"),
        ('{"features": [{"properties": {}, "geometry": null}]}', "'code' property"),
        (
            '{"features": [{"properties": {"code": "a"},'
            ' "geometry": {"type": "Point", "coordinates": [1, 2]}}]}',
            "not a Polygon",
        ),
    ],
)
def test_bad_files_are_explained(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.geojson"
    path.write_text(content)
    with pytest.raises(ConfigurationError, match=message):
        DistrictMap.load(path)
