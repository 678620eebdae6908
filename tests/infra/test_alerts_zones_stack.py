"""A deploy config's `[alerts] zones_geojson` reaches the functions that read zones: CDK
ships the file as a layer of its own, those functions (and no other) get the layer and
RTCC_ALERTS_ZONES_FILE pointing into it, and rtcc.alerts.zone_config loads that file
when deployed. Without a zones file, no function gets either."""

from __future__ import annotations

import json
from pathlib import Path

from tests.infra.conftest import DEMO_CITY, Synth

VARIABLE = "RTCC_ALERTS_ZONES_FILE"


def _service(props: dict) -> str:
    return props.get("Environment", {}).get("Variables", {}).get("POWERTOOLS_SERVICE_NAME", "?")


def _zone_readers(synth: Synth) -> dict[str, tuple[str, list]]:
    return {
        _service(props): (props["Environment"]["Variables"][VARIABLE], props["Layers"])
        for props in (r["Properties"] for r in synth.resources("AWS::Lambda::Function").values())
        if VARIABLE in props.get("Environment", {}).get("Variables", {})
    }


def _zones_layer(synth: Synth) -> tuple[str, dict]:
    layers = {
        k: v
        for k, v in synth.resources("AWS::Lambda::LayerVersion").items()
        if "alert zones" in v["Properties"].get("Description", "")
    }
    assert len(layers) == 1, sorted(layers)
    return next(iter(layers.items()))


def _asset_dir(synth: Synth, layer: dict) -> Path:
    """The layer's staged content in cdk.out (the S3 key is the asset's hash + .zip)."""
    key = layer["Properties"]["Content"]["S3Key"]
    folder = synth.outdir / f"asset.{key.removesuffix('.zip')}"
    assert folder.is_dir(), key
    return folder


def test_the_zones_file_ships_as_a_layer_to_the_zone_readers_only(configured: Synth, synth: Synth) -> None:
    from infra.bundling import ZONES_FILE_DEPLOYED
    from infra.constructs.alerts import ZONE_READERS

    layer_id, layer = _zones_layer(configured)
    readers = _zone_readers(configured)
    functions = {_service(r["Properties"]) for r in configured.resources("AWS::Lambda::Function").values()}
    assert set(readers) == {f"rtcc-{n}" for n in ZONE_READERS} & functions
    assert {"rtcc-api", "rtcc-alerts-webhook"} <= set(readers)
    for variable, layers in readers.values():
        assert variable == ZONES_FILE_DEPLOYED
        assert {"Ref": layer_id} in layers

    # The asset is the file and nothing else (not the config beside it).
    asset = _asset_dir(configured, layer)
    shipped = sorted(p.relative_to(asset).as_posix() for p in asset.rglob("*") if p.is_file())
    assert shipped == [ZONES_FILE_DEPLOYED.removeprefix("/opt/")]
    assert (asset / shipped[0]).read_bytes() == DEMO_CITY.read_bytes()

    assert _zone_readers(synth) == {}  # the test config names no zones file


def test_a_deployed_function_loads_the_shipped_zones(configured: Synth, monkeypatch) -> None:
    from rtcc.alerts import zone_config
    from rtcc.settings import reload_settings

    from infra.bundling import ZONES_FILE_DEPLOYED

    _, layer = _zones_layer(configured)
    shipped = _asset_dir(configured, layer) / ZONES_FILE_DEPLOYED.removeprefix("/opt/")
    # What Lambda does: the layer's content under /opt, the variable pointing into it.
    monkeypatch.setenv(VARIABLE, str(shipped))
    monkeypatch.setenv("RTCC_ENVIRONMENT", "deployed")
    monkeypatch.setenv("RTCC_ALERTS_ZIP_CODES", json.dumps(["01013"]))
    reload_settings()
    zone_config._zone_map.cache_clear()
    try:
        zones = zone_config.configured_zones()
        features = json.loads(DEMO_CITY.read_text())["features"]
        ids = {z.zone_id for z in zones.list()}
        assert {f["id"] for f in features} <= ids and "zip:01013" in ids
    finally:
        monkeypatch.undo()
        reload_settings()
        zone_config._zone_map.cache_clear()
