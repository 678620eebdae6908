"""Alert zones: GeoJSON polygons and ZIP codes, point-in-zone through shapely's STRtree."""

from __future__ import annotations

import json
import time

import pytest
from rtcc.alerts.zones import ZoneError, ZoneMap, zip_zone_id


def _square(west, south, size=0.01):
    e, n = west + size, south + size
    return {"type": "Polygon", "coordinates": [[[west, south], [e, south], [e, n], [west, n], [west, south]]]}


def _feature(fid, geometry, name="Somewhere", kind="neighborhood", id_in_properties=False):
    props = {"name": name, "kind": kind}
    feature = {"type": "Feature", "properties": props, "geometry": geometry}
    if id_in_properties:
        props["id"] = fid
    else:
        feature["id"] = fid
    return feature


def _fc(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def test_polygons_multipolygons_and_zips_load_and_answer_points():
    multi = {
        "type": "MultiPolygon",
        "coordinates": [_square(-72.62, 42.15)["coordinates"], _square(-72.58, 42.15)["coordinates"]],
    }
    zones = ZoneMap.from_geojson(
        _fc(
            _feature("north", _square(-72.62, 42.16), "North End"),
            _feature(7, multi, "Ward 7", kind="Ward", id_in_properties=True),
        ),
        zip_codes=["01013", "zip:01020", "01013"],
    )
    assert [z.zone_id for z in zones.zones_at(42.155, -72.615)] == ["7"]  # the MultiPolygon's first part
    assert [z.zone_id for z in zones.zones_at(42.155, -72.575)] == ["7"]  # ... and its second
    assert zones.zones_at(42.155, -72.60) == ()  # between the two parts
    assert zones.zone("7").kind == "ward"
    assert zones.zone("zip:01013").geometry is None and "zip:01020" in zones
    assert [z.zone_id for z in zones.list()] == ["north", "7", "zip:01013", "zip:01020"]
    with pytest.raises(ZoneError, match="unknown zone 'nowhere'"):
        zones.zone("nowhere")


def test_a_pin_on_a_shared_border_is_in_both_zones():
    zones = ZoneMap.from_geojson(_fc(_feature("a", _square(0, 0)), _feature("b", _square(0.01, 0))))
    assert {z.zone_id for z in zones.zones_at(0.005, 0.01)} == {"a", "b"}


def test_a_zip_feature_gives_the_zip_its_shape():
    zones = ZoneMap.from_geojson(_fc(_feature("zip:01013", _square(0, 0), "Chicopee", kind="")), ["01013"])
    assert [z.zone_id for z in zones.zones_at(0.005, 0.005)] == ["zip:01013"]
    assert zones.zone("zip:01013").kind == "zip" and len(zones) == 1


@pytest.mark.parametrize(
    ("feature", "message"),
    [
        (
            _feature("bow", {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}),
            r"feature 'bow': invalid polygon: Self-intersection",
        ),
        (_feature("pt", {"type": "Point", "coordinates": [0, 0]}), "'pt': geometry must be a Polygon"),
        (_feature("far", _square(1_000_000, 800_000, size=500)), "'far': coordinates are not longitude"),
        (_feature("bad", {"type": "Polygon", "coordinates": [[[0, 0], [1]]]}), "'bad': malformed"),
        (_feature("empty", {"type": "Polygon", "coordinates": []}), "'empty': the geometry is empty"),
        (_feature("noname", _square(0, 0), name=" "), "'noname': `properties.name` is required"),
        (_feature("a b", _square(0, 0)), "'a b': an id is"),
        (_feature("zip:1013", _square(0, 0)), "not a five-digit ZIP"),
        ({"type": "Feature", "properties": {"name": "x"}, "geometry": _square(0, 0)}, "feature #0: no id"),
    ],
)
def test_invalid_features_are_refused_naming_the_feature(feature, message):
    with pytest.raises(ZoneError, match=message):
        ZoneMap.from_geojson(_fc(feature))


def test_duplicates_bad_zips_and_non_collections_are_refused(tmp_path):
    with pytest.raises(ZoneError, match="'a' appears twice"):
        ZoneMap.from_geojson(_fc(_feature("a", _square(0, 0)), _feature("a", _square(1, 1))))
    with pytest.raises(ZoneError, match="five-digit"):
        zip_zone_id("0101")
    with pytest.raises(ZoneError, match="FeatureCollection"):
        ZoneMap.from_geojson({"type": "Feature"})
    (tmp_path / "z.geojson").write_text("{not json")
    with pytest.raises(ZoneError, match="is not JSON"):
        ZoneMap.from_file(tmp_path / "z.geojson")
    with pytest.raises(ZoneError, match="does not exist"):
        ZoneMap.from_file(tmp_path / "missing.geojson")
    with pytest.raises(ZoneError, match="latitude, longitude"):
        ZoneMap.from_geojson(_fc()).zones_at(122.3, 47.6)


def test_the_demo_city_surrounds_the_example_map_center_and_cameras():
    import tomllib
    from pathlib import Path

    example = tomllib.loads((Path(__file__).parents[3] / "infra" / "city.example.toml").read_text())
    zones = ZoneMap.demo()
    kinds = [z.kind for z in zones.list()]
    assert 4 <= kinds.count("neighborhood") <= 6 and kinds.count("ward") == 2
    center = example["map_center"]
    assert {z.kind for z in zones.zones_at(center["lat"], center["lon"])} >= {"neighborhood", "ward"}
    for camera in example["cameras"]:
        assert zones.zones_at(camera["lat"], camera["lon"]), camera["id"]


def test_lookup_uses_the_index_not_a_scan():
    # 2,500 small squares: with the STRtree a lookup touches a handful; a linear scan over
    # every polygon would take ~100x longer than the budget below.
    grid = [_feature(f"z{i}-{j}", _square(i * 0.01, j * 0.01)) for i in range(50) for j in range(50)]
    zones = ZoneMap.from_geojson(_fc(*grid))
    start = time.perf_counter()
    for k in range(2000):
        assert zones.zones_at(0.2505 + (k % 7) * 0.01, 0.1005)
    assert (time.perf_counter() - start) / 2000 < 0.0005


def test_file_round_trip(tmp_path):
    path = tmp_path / "city.geojson"
    path.write_text(json.dumps(_fc(_feature("a", _square(0, 0)))))
    assert ZoneMap.from_file(path, ["01013"]).zone("a").name == "Somewhere"
