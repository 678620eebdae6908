"""The program's zones as the settings name them, shared by the signup page's API and the
alerts line (and whatever else reads zones), so both offer exactly the same ones.

- `RTCC_ALERTS_ZONES_FILE` set: its polygons plus `RTCC_ALERTS_ZIP_CODES`;
- unset, locally (`rtcc dev`, the tests): the demo city (`ZoneMap.demo`: its neighborhoods,
  wards and shaped ZIP codes 98101 and 98104), so "JOIN 98101" works out of the box;
- unset, deployed: the config's ZIP codes only (never the invented demo city).
"""

from __future__ import annotations

from functools import lru_cache

from rtcc.alerts.zones import ZoneMap


@lru_cache(maxsize=4)
def _zone_map(zones_file: str | None, zip_codes: tuple[str, ...], deployed: bool) -> ZoneMap:
    # Parsed once per function instance: the zones change only with a deploy.
    if zones_file:
        return ZoneMap.from_file(zones_file, zip_codes)
    if deployed:
        return ZoneMap.from_geojson({"type": "FeatureCollection", "features": []}, zip_codes)
    return ZoneMap.demo()


def configured_zones() -> ZoneMap:
    from rtcc.alerts.settings import alerts_settings
    from rtcc.settings import get_settings

    s = alerts_settings()
    return _zone_map(s.zones_file, tuple(s.zip_codes), get_settings().environment == "deployed")
